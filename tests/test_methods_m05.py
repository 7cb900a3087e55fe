"""Tests of notebook 05's method module (Owens et al. 2016, "Visually Indicated Sounds").

Small synthetic tensors only (no training): shapes, the fast batched cochleagram against
``fnu.audio.cochleagram``, the robust loss against its formula, what the ablations can and
cannot see (per-frame vs recurrent, causality), batching, windows, onsets with confidences,
example-based and parametric synthesis, and clear errors for bad input.
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from foley_nb_utils import audio
from foley_nb_utils.methods import m05_visually_indicated_sounds as m05
from foley_nb_utils.synth.common import Event

SR = 16000
METAL = dict(freqs_hz=[523, 1410, 2650], decays_s=[0.3, 0.2, 0.1], amps=[0.5, 0.3, 0.2])
WOOD = dict(freqs_hz=[310, 820], decays_s=[0.05, 0.03], amps=[0.6, 0.3])


def _clip(times, modes, n=2 * SR, noise=0.002, seed=0):
    x = sum(audio.modal_impact(**modes, sr=SR, duration_s=n / SR, onset_s=t) for t in times)
    return (x + noise * np.random.default_rng(seed).standard_normal(n)).astype(np.float32)


# ------------------------------------------------------------------------------ loss
def test_robust_loss_is_log_eps_plus_squared_error():
    g = torch.Generator().manual_seed(0)
    pred, target = torch.randn(2, 5, 4, generator=g), torch.randn(2, 5, 4, generator=g)
    expected = np.mean([[np.log(0.3 + np.sum((pred[b, t] - target[b, t]).numpy() ** 2)) for t in range(5)]
                        for b in range(2)])
    assert float(m05.robust_loss(pred, target, eps=0.3)) == pytest.approx(expected, rel=1e-5)
    # robust: a 10x larger error costs only log(100) more, where the squared error costs 100x
    small = m05.robust_loss(torch.zeros(1, 1, 1), torch.ones(1, 1, 1), eps=1e-6)
    large = m05.robust_loss(torch.zeros(1, 1, 1), 10 * torch.ones(1, 1, 1), eps=1e-6)
    assert float(large - small) == pytest.approx(np.log(100), rel=1e-3)


def test_robust_loss_rejects_bad_arguments():
    with pytest.raises(ValueError, match="differ in shape"):
        m05.robust_loss(torch.zeros(1, 2, 3), torch.zeros(1, 3, 3))
    with pytest.raises(ValueError, match="eps"):
        m05.robust_loss(torch.zeros(1, 2, 3), torch.zeros(1, 2, 3), eps=0)


# ------------------------------------------------------------------------------ model
@pytest.mark.parametrize("rnn,rate", [(True, "audio"), (True, "video"), (False, "audio")])
def test_sound_predictor_shapes(rnn, rate):
    torch.manual_seed(0)
    model = m05.SoundPredictor(steps_per_frame=6, size=16, rnn=rnn, lstm_rate=rate, hidden=8, feat_dim=8,
                               widths=(4, 4, 4))
    out = model(torch.rand(2, 5, 3, 16, 16), torch.rand(2, 3, 16, 16))
    assert out.shape == (2, 30, m05.N_CHANNELS)


def _effect_of_changing_frame(model, t_changed):
    """Which output steps move when input frame ``t_changed`` changes."""
    model.eval()
    g = torch.Generator().manual_seed(1)
    x, first = torch.rand(1, 6, 3, 16, 16, generator=g), torch.rand(1, 3, 16, 16, generator=g)
    x2 = x.clone()
    x2[0, t_changed] = torch.rand(3, 16, 16, generator=g)
    with torch.no_grad():
        return (model(x2, first) - model(x, first)).abs().amax(dim=-1)[0]  # [steps]


def test_no_rnn_model_sees_only_its_own_frame():
    torch.manual_seed(0)
    model = m05.SoundPredictor(3, size=16, rnn=False, hidden=8, feat_dim=8, widths=(4, 4, 4))
    moved = _effect_of_changing_frame(model, 2) > 1e-7
    assert moved[6:9].all() and not moved[:6].any() and not moved[9:].any()


@pytest.mark.parametrize("rate", ["audio", "video"])
def test_lstm_is_causal_and_remembers(rate):
    torch.manual_seed(0)
    model = m05.SoundPredictor(3, size=16, rnn=True, lstm_rate=rate, hidden=8, feat_dim=8, widths=(4, 4, 4))
    moved = _effect_of_changing_frame(model, 2) > 1e-7
    assert not moved[:6].any(), "a step before frame 2 changed: the model is not causal"
    assert moved[6:].all(), "frame 2 must influence its own steps and every later one (memory)"


def test_sound_predictor_rejects_bad_input():
    model = m05.SoundPredictor(3, size=16, widths=(4, 4, 4))
    with pytest.raises(ValueError, match="x must be"):
        model(torch.rand(2, 3, 16, 16), torch.rand(2, 3, 16, 16))
    with pytest.raises(ValueError, match="first colour frame"):
        model(torch.rand(2, 4, 3, 16, 16))
    with pytest.raises(ValueError, match="expects"):
        model(torch.rand(2, 4, 3, 24, 24), torch.rand(2, 3, 24, 24))
    with pytest.raises(ValueError, match="steps_per_frame"):
        m05.SoundPredictor(0)
    with pytest.raises(ValueError, match="lstm_rate"):
        m05.SoundPredictor(3, lstm_rate="fast")
    with pytest.raises(ValueError, match="multiple of 4"):
        m05.FrameEncoder(size=30)


def test_color_frame_can_be_left_out():
    model = m05.SoundPredictor(2, size=16, color_frame=False, widths=(4, 4, 4))
    assert model(torch.rand(1, 3, 3, 16, 16)).shape == (1, 6, m05.N_CHANNELS)


# ------------------------------------------------------------------------------ data
def _fake_batch(n=4, t=6, fps=15.0, size=16, seed=0):
    r = np.random.default_rng(seed)
    frames = r.integers(0, 256, size=(n, t, size, size, 3), dtype=np.uint8)
    dur = t / fps
    times = [[0.1], [0.2, 0.3], [], [0.05]][:n] + [[]] * max(0, n - 4)
    aud = np.stack([_clip(tt, METAL, n=int(dur * SR), seed=i) for i, tt in enumerate(times)])
    events = [[Event(x, "metal", "hit", "static", x, True, int(round(x * fps)))
               for x in tt] for tt in times]
    events[0].append(Event(0.3, None, None, None, 0.3, visible=False))  # off-screen: not a visible event
    return SimpleNamespace(frames=frames, audio=aud, fps=fps, sr=SR, events=events,
                           labels={"material": np.array([1] * n)}, classes={"material": ("wood", "metal")})


def test_video_inputs_are_spacetime_images_of_the_shrunken_frames():
    b = _fake_batch(size=16)
    x, first = m05.video_inputs(b.frames, 8, motion=True)
    rgb, first2 = m05.video_inputs(b.frames, 8, motion=False)
    assert x.shape == rgb.shape == (4, 6, 3, 8, 8) and first.shape == (4, 3, 8, 8)
    torch.testing.assert_close(first, first2)
    torch.testing.assert_close(first, rgb[:, 0])
    # motion channels of the spacetime image: gray frame t, then gain x backward / forward change
    gray = rgb.permute(0, 1, 3, 4, 2) @ torch.tensor([0.299, 0.587, 0.114])
    g = m05.MOTION_GAIN
    torch.testing.assert_close(x[:, :, 0], gray, atol=1e-4, rtol=0)
    torch.testing.assert_close(x[:, 1:, 1], g * (gray[:, 1:] - gray[:, :-1]), atol=1e-3, rtol=0)
    torch.testing.assert_close(x[:, :-1, 2], g * (gray[:, 1:] - gray[:, :-1]), atol=1e-3, rtol=0)
    assert float(x[:, 0, 1].abs().max()) == 0 and float(x[:, -1, 2].abs().max()) == 0  # edges replicate
    # area averaging: the mean brightness is kept
    assert float(first.mean()) == pytest.approx(b.frames[:, 0].mean() / 255, abs=1e-4)


def test_motion_channels_are_an_invertible_view_of_the_spacetime_image():
    st = torch.rand(2, 5, 3, 4, 4, generator=torch.Generator().manual_seed(0))
    m = m05.motion_channels(st, gain=2.0)
    back = torch.stack([m[:, :, 0] - m[:, :, 1] / 2, m[:, :, 0], m[:, :, 0] + m[:, :, 2] / 2], dim=2)
    torch.testing.assert_close(back, st)
    with pytest.raises(ValueError, match="spacetime"):
        m05.motion_channels(torch.rand(2, 4, 4, 4))


def test_video_inputs_reject_bad_frames():
    with pytest.raises(ValueError, match="uint8"):
        m05.video_inputs(np.zeros((2, 3, 8, 8, 3), np.float32), 8)
    with pytest.raises(ValueError, match="at least 2 frames"):
        m05.video_inputs(np.zeros((2, 1, 8, 8, 3), np.uint8), 8)


def test_prepare_aligns_targets_with_frames():
    d = m05.prepare(_fake_batch(), size=8, env_sr=90)
    assert d.steps_per_frame == 6 and d.coch.shape == (4, 42, 36)
    assert d.motion.shape == d.rgb.shape == (4, 6, 3, 8, 8)
    assert [list(t) for t in d.times] == [[0.1], [0.2, 0.3], [], [0.05]]  # off-screen event dropped
    assert d.materials[1].tolist() == [1, 1] and d.clip_material.tolist() == [1] * 4
    sub = d.subset([3, 1])
    assert len(sub) == 2 and [list(t) for t in sub.times] == [[0.05], [0.2, 0.3]]
    np.testing.assert_array_equal(sub.coch[0], d.coch[3])


def test_prepare_rejects_a_frame_rate_that_does_not_divide_the_envelope_rate():
    b = _fake_batch(fps=29.97)
    with pytest.raises(ValueError, match="29.97"):
        m05.prepare(b, size=8)


def _ramp_data(n=6, t=5, k=3):
    """VISData whose inputs and targets both encode (clip, frame), to check batch alignment."""
    x = torch.zeros(n, t, 3, 8, 8)
    x += torch.arange(n).view(n, 1, 1, 1, 1) * 100 + torch.arange(t).view(1, t, 1, 1, 1)
    coch = np.zeros((n, 2, t * k), np.float32)
    coch += (np.arange(n)[:, None, None] * 100 + (np.arange(t * k) // k)[None, None, :])
    return m05.VISData(x, -x, torch.zeros(n, 3, 8, 8), coch, np.zeros((n, 10), np.float32), SR, 30.0, 90,
                       [np.zeros(0)] * n, [np.zeros(0, np.int64)] * n, np.zeros(n, np.int64))


def test_make_batches_covers_each_epoch_and_keeps_crops_aligned():
    data = _ramp_data()
    fn = m05.make_batches(data, 2, torch.Generator().manual_seed(0), crop_frames=2)
    seen = []
    for step in range(3):  # one epoch = 3 batches of 2 clips
        x, first, target = fn(step)
        assert x.shape == (2, 2, 3, 8, 8) and target.shape == (2, 6, 2)
        for b in range(2):
            frame_ids = x[b, :, 0, 0, 0]
            step_ids = target[b, :, 0]
            torch.testing.assert_close(step_ids, frame_ids.repeat_interleave(3))  # steps of the same frames
        seen += (x[:, 0, 0, 0, 0] // 100).long().tolist()
    assert sorted(seen) == list(range(6))
    # the same generator seed gives the same batches; RGB inputs when motion=False
    again = m05.make_batches(data, 2, torch.Generator().manual_seed(0), crop_frames=2)
    torch.testing.assert_close(again(0)[0], fn(0)[0])
    assert float(m05.make_batches(data, 2, torch.Generator(), motion=False)(0)[0].sum()) <= 0


def test_make_batches_rejects_bad_sizes():
    with pytest.raises(ValueError, match="batch_size"):
        m05.make_batches(_ramp_data(), 7, torch.Generator())
    with pytest.raises(ValueError, match="crop_frames"):
        m05.make_batches(_ramp_data(), 2, torch.Generator(), crop_frames=6)


# ------------------------------------------------------------------------------ onsets, windows
def test_windows_start_before_each_time_and_pad_at_the_edges():
    coch = np.tile(np.arange(20, dtype=np.float32), (2, 1))  # value = step index
    w = m05.windows(coch, [0.1, 0.0, 0.2], env_sr=10, pre_s=0.1, dur_s=0.5)
    assert w.shape == (3, 2, 5)
    np.testing.assert_array_equal(w[0, 0], [0, 1, 2, 3, 4])
    np.testing.assert_array_equal(w[1, 0], [0, 0, 1, 2, 3])  # starts before 0: edge-padded
    np.testing.assert_array_equal(w[2, 1], [1, 2, 3, 4, 5])
    end = m05.windows(coch, [1.9], env_sr=10, pre_s=0.0, dur_s=0.5)
    np.testing.assert_array_equal(end[0, 0], [19, 19, 19, 19, 19])


def test_envelope_onsets_find_hits_and_rank_loud_ones_higher():
    x = _clip([0.4], METAL) + 0.25 * _clip([1.3], METAL, noise=0)
    coch = audio.cochleagrams(x[None], SR)[0]
    times, conf = m05.envelope_onsets(coch)
    assert len(times) == 2
    np.testing.assert_allclose(times, [0.4, 1.3], atol=0.03)
    assert conf[0] == pytest.approx(1.0, abs=0.05) and 0 < conf[1] < conf[0]
    flat = np.full((42, 90), 0.1, np.float32)
    assert len(m05.envelope_onsets(flat)[0]) == 0


# ------------------------------------------------------------------------------ synthesis
def _bank_world():
    """Training clips: metal hits in clip 0, wood hits in clip 1 (known times)."""
    clips = np.stack([_clip([0.3, 1.2], METAL, seed=0), _clip([0.5, 1.5], WOOD, seed=1)])
    coch = audio.cochleagrams(clips, SR)
    onsets = [np.array([0.3, 1.2]), np.array([0.5, 1.5])]
    bank = m05.build_bank(coch, clips, SR, onsets, info={"material": [["metal"] * 2, ["wood"] * 2]})
    return clips, coch, bank


def test_bank_holds_the_real_windows_and_waveforms():
    clips, coch, bank = _bank_world()
    assert len(bank) == 4 and bank.features.shape == (4, 42, 45) and bank.sounds.shape == (4, 8000)
    assert bank.info["material"].tolist() == ["metal", "metal", "wood", "wood"]
    start = int(round((1.2 - 0.05) * SR))
    np.testing.assert_array_equal(bank.sounds[1], clips[0, start:start + 8000])
    np.testing.assert_array_equal(bank.features[2], m05.windows(coch[1], [0.5])[0])
    # L1 nearest neighbour: each bank window is nearest to itself
    np.testing.assert_array_equal(bank.nearest(bank.features), np.arange(4))


def test_bank_keeps_quiet_windows_and_stops_each_window_before_the_next_event():
    clips = np.stack([_clip([0.2, 0.5], METAL, seed=0), _clip([1.6], WOOD, seed=1)])
    coch = audio.cochleagrams(clips, SR)
    bank = m05.build_bank(coch, clips, SR, [np.array([0.5, 0.2]), np.array([1.6])])
    onset = ~bank.quiet
    np.testing.assert_allclose(bank.time_s[onset], [0.2, 0.5, 1.6])  # sorted per clip
    # the window at 0.2 s stops 10 ms before the hit at 0.5 s; the others run their full length
    assert bank.usable[onset].tolist() == [int(round((0.5 - 0.01 - 0.15) * SR)), 8000, 8000]
    # quiet windows hold no event: each ends before, or starts at least 0.3 s after, every event
    events = {0: [0.2, 0.5], 1: [1.6]}
    q = np.flatnonzero(bank.quiet)
    assert len(q) > 0 and set(bank.clip[q]) == {0, 1}
    for j in q:
        start = bank.time_s[j]
        assert all(start + 0.5 < e or start - 0.3 >= e - 1e-9 for e in events[int(bank.clip[j])])


def test_example_based_fills_gaps_with_background():
    clips = np.stack([_clip([1.6], WOOD, seed=1, noise=0.01), _clip([0.3], METAL, seed=2, noise=0.01)])
    coch = audio.cochleagrams(clips, SR)
    bank = m05.build_bank(coch, clips, SR, [np.array([1.6]), np.array([0.3])])
    y, info = m05.example_based(coch[1], bank, 2 * SR, onsets=[0.3])
    assert info["quiet"].any() and (~info["quiet"]).sum() == 1
    frames = y[: len(y) // 800 * 800].reshape(-1, 800)  # 50 ms frames: none is silent
    assert np.all(np.sqrt((frames**2).mean(axis=1)) > 1e-3)
    silent, _ = m05.example_based(coch[1], bank, 2 * SR, onsets=[0.3], fill_gaps=False)
    assert np.all(silent[int(0.9 * SR):] == 0)


def test_bank_detects_onsets_when_none_are_given():
    clips, coch, _ = _bank_world()
    bank = m05.build_bank(coch, clips, SR)
    np.testing.assert_allclose(np.sort(bank.time_s[bank.clip == 0]), [0.3, 1.2], atol=0.03)


def test_build_bank_rejects_bad_input():
    clips, coch, _ = _bank_world()
    with pytest.raises(ValueError, match="no onset"):
        m05.build_bank(coch, clips, SR, [np.zeros(0), np.zeros(0)])
    with pytest.raises(ValueError, match="same N"):
        m05.build_bank(coch, clips[:1], SR)
    with pytest.raises(ValueError, match="info"):
        m05.build_bank(coch, clips, SR, [np.array([0.3]), np.array([0.5])], info={"m": [["a", "b"], ["c"]]})


def test_example_based_pastes_the_nearest_real_sound_at_each_onset():
    clips, coch, bank = _bank_world()
    # a "prediction" that looks like a wood hit at 0.9 s: the synthesised sound must be wood
    query = _clip([0.9], WOOD, seed=5)
    pred = audio.cochleagrams(query[None], SR)[0]
    y, info = m05.example_based(pred, bank, 2 * SR)
    assert y.shape == (2 * SR,) and y.dtype == np.float32
    np.testing.assert_allclose(info["onsets"], [0.9], atol=0.03)
    assert bank.info["material"][info["chosen"]].tolist() == ["wood"]
    # the pasted sound is the bank waveform (faded in and out at its ends), placed at the onset
    s = int(round((info["onsets"][0] - 0.05) * SR))
    c = int(info["chosen"][0])
    np.testing.assert_allclose(y[s + 400:s + 7000], bank.sounds[c, 400:7000], atol=1e-6)
    assert np.all(y[:s] == 0) and np.all(y[s + 8000:] == 0)


def test_example_based_crossfades_overlapping_sounds():
    clips, coch, bank = _bank_world()
    y, info = m05.example_based(coch[0], bank, 2 * SR, onsets=[0.3, 0.45], crossfade_s=0.01)
    assert np.all(np.isfinite(y))
    s0, s1 = int(round(0.25 * SR)), int(round(0.40 * SR))
    c0, c1 = info["chosen"]
    # after the crossfade only the second sound plays; before it only the first
    np.testing.assert_allclose(y[s1 + 200:s1 + 3000], bank.sounds[c1, 200:3000], atol=1e-6)
    np.testing.assert_allclose(y[s0 + 200:s1], bank.sounds[c0, 200:s1 - s0], atol=1e-6)


def test_parametric_follows_the_predicted_envelopes_and_is_reproducible():
    x = _clip([0.5], METAL)
    pred = audio.cochleagrams(x[None], SR)[0]
    y1 = m05.parametric(pred, SR, 2 * SR, np.random.default_rng(3))
    y2 = m05.parametric(pred, SR, 2 * SR, np.random.default_rng(3))
    np.testing.assert_array_equal(y1, y2)
    loud = audio.rms_envelope(y1, SR, 90)
    assert loud[40:60].mean() > 5 * loud[:40].mean()  # silent before the hit, loud after it
    back = audio.cochleagrams(y1[None], SR)[0]
    assert np.corrcoef(back.sum(0), pred.sum(0))[0, 1] > 0.9


def test_random_impact_draws_training_sounds():
    a = np.arange(12, dtype=np.float32).reshape(4, 3)
    out = m05.random_impact(a, 5, np.random.default_rng(0))
    assert out.shape == (5, 3) and all(any((row == r).all() for r in a) for row in out)
    np.testing.assert_array_equal(out, m05.random_impact(a, 5, np.random.default_rng(0)))
    with pytest.raises(ValueError, match="audio must be"):
        m05.random_impact(np.zeros(3), 2, np.random.default_rng(0))


# ------------------------------------------------------------------------------ evaluation
def test_sync_features_score_timing_against_the_visible_events():
    hits = [0.4, 1.2]
    synced = _clip(hits, METAL)
    late = _clip([0.7, 1.5], METAL)  # 0.3 s late: no onset within 0.1 s of a visible hit
    extra = _clip([0.4, 0.9, 1.2, 1.7], METAL)  # two sounds where nothing is seen
    f = m05.sync_features(np.stack([synced, late, extra]), SR, [hits] * 3)
    assert f.shape == (3, 3)
    assert f[0, 0] == 1.0 and f[0, 1] == 0.0 and f[0, 2] < 0.03
    assert f[1, 0] == 0.0 and f[1, 1] == 1.0 and f[1, 2] == 0.1
    assert f[2, 0] == 1.0 and f[2, 1] == 1.0
    with pytest.raises(ValueError, match="visible times"):
        m05.sync_features(np.stack([synced]), SR, [hits, hits])


def test_listener_prefers_real_like_clips_and_counts_pairs():
    times = [[0.3 + 0.1 * (i % 5), 1.2] for i in range(12)]
    real = np.stack([_clip(t, METAL, seed=i) for i, t in enumerate(times)])
    listener = m05.fit_listener(real[:8], SR, times[:8])
    good = np.stack([_clip(t, METAL, seed=100 + i) for i, t in enumerate(times[8:])])  # same kind, in sync
    late = np.stack([_clip([t[0] + 0.3, t[1] + 0.3], METAL, seed=200 + i) for i, t in enumerate(times[8:])])
    silent = np.zeros_like(good)
    r_good, r_late = listener.realness(good, times[8:]), listener.realness(late, times[8:])
    assert np.all(r_good > r_late)
    judged = m05.which_is_real(listener, real[8:], {"good": good, "late": late, "silent": silent}, times[8:])
    assert judged["real"]["rate"] == 0.5 and judged["late"]["rate"] == 0.0 and judged["silent"]["rate"] == 0.0
    assert judged["good"]["realness"] > judged["late"]["realness"] > judged["silent"]["realness"]
    assert 0 <= judged["good"]["low"] <= judged["good"]["rate"] <= judged["good"]["high"] <= 1
    with pytest.raises(ValueError, match="one list of visible times per clip"):
        m05.which_is_real(listener, real[8:], {"short": good[:2]}, times[8:])


def test_which_is_real_per_clip_gives_each_clips_realness_and_outcome():
    times = [[0.3 + 0.1 * (i % 5), 1.2] for i in range(12)]
    real = np.stack([_clip(t, METAL, seed=i) for i, t in enumerate(times)])
    listener = m05.fit_listener(real[:8], SR, times[:8])
    good = np.stack([_clip(t, METAL, seed=100 + i) for i, t in enumerate(times[8:])])
    late = np.stack([_clip([t[0] + 0.3, t[1] + 0.3], METAL, seed=200 + i) for i, t in enumerate(times[8:])])
    fakes = {"good": good, "late": late}
    plain = m05.which_is_real(listener, real[8:], fakes, times[8:])
    judged = m05.which_is_real(listener, real[8:], fakes, times[8:], per_clip=True)
    for k, audio_k in {"real": real[8:], **fakes}.items():
        entry = judged[k]
        assert {key: v for key, v in entry.items() if key not in ("per_clip", "labelled_real")} == plain[k]
        np.testing.assert_array_equal(entry["per_clip"], listener.realness(audio_k, times[8:]))
        assert entry["per_clip"].mean() == pytest.approx(entry["realness"])
        assert entry["labelled_real"].shape == (4,) and entry["labelled_real"].mean() == pytest.approx(entry["rate"])
    r = judged["real"]["per_clip"]
    assert judged["good"]["labelled_real"].tolist() == ((judged["good"]["per_clip"] > r) * 1.0).tolist()
    assert "per_clip" not in plain["good"]


def test_material_features_average_the_window():
    coch = np.tile(np.arange(100, dtype=np.float32), (3, 1))
    f = m05.material_features(coch, [0.05], env_sr=90)  # window = steps 0..44 (starts 0.05 s early)
    np.testing.assert_allclose(f, [[22.0, 22.0, 22.0]])
    f5 = m05.material_features(coch, [0.05], env_sr=90, pool=5)
    assert f5.shape == (1, 27) and f5[0, 0] == 2.0 and f5[0, 8] == 42.0
    with pytest.raises(ValueError, match="pool"):
        m05.material_features(coch, [0.5], pool=0)


def test_training_helpers_learn_a_toy_sound_and_share_features():
    # a flash in frame f of clip i (f varies) comes with a loud step: the model must see it
    n, t, k = 24, 6, 2
    g = torch.Generator().manual_seed(0)
    x = 0.05 * torch.rand(n, t, 3, 16, 16, generator=g)
    coch = np.full((n, 4, t * k), 0.1, np.float32)
    flash = np.arange(n) % t
    for i, f in enumerate(flash):
        x[i, f] += 0.9
        coch[i, :, f * k] = 1.0
    loud = np.zeros((n, t * k), bool)
    loud[np.arange(n), flash * k] = True
    data = m05.VISData(x, x, torch.zeros(n, 3, 16, 16), coch, np.zeros((n, 8), np.float32), SR, 45.0, 90,
                       [np.zeros(0)] * n, [np.zeros(0, np.int64)] * n, np.zeros(n, np.int64))
    model, hist = m05.train_predictor(data, steps=150, batch_size=8, crop_frames=None, lr=1e-2, eps=10.0,
                                      generator=torch.Generator().manual_seed(0), progress=False,
                                      model_kw=dict(widths=(4, 4, 4), feat_dim=8, hidden=16, n_out=4))
    pred = m05.predict(model, data.motion, data.first).mean(axis=1)  # [n, steps]
    assert pred.shape == (n, t * k)
    assert pred[loud].mean() > 0.5 > 0.25 > pred[~loud].mean()
    head, _ = m05.train_per_frame_head(model, data, steps=150, batch_size=32, lr=1e-2, eps=10.0,
                                       generator=torch.Generator().manual_seed(1), progress=False)
    assert not head.rnn and head.hparams["widths"] == (4, 4, 4)
    for a, b in zip(head.cnn.parameters(), model.cnn.parameters()):  # the same, frozen visual features
        torch.testing.assert_close(a, b)
        assert not a.requires_grad
    p2 = m05.predict(head, data.motion, data.first).mean(axis=1)
    assert p2[loud].mean() > 0.5 > 0.25 > p2[~loud].mean()


def test_load_clips_splits_like_the_greatest_hits_layout():
    train, test = m05.load_clips(10, 0, camera_jitter=False)
    assert len(train) == 8 and len(test) == 2
    assert test.ids[0] != train.ids[0]


def test_the_pipeline_runs_on_a_greatest_hits_folder(tmp_path, monkeypatch):
    """DATA_DIR → the same pipeline: clips read from a Greatest Hits layout on disk (here the
    synthetic twin, written in that layout) go through prepare, training, prediction and
    example-based synthesis with the shapes the notebook expects."""
    from foley_nb_utils import synth

    monkeypatch.setenv("FOLEY_CACHE_DIR", str(tmp_path / "cache"))
    root = synth.ensure("hits", seed=3, n=10, root=tmp_path / "greatest-hits", camera_jitter=False)
    train_b, test_b = m05.load_clips(10, 0, data_dir=root, fps=15.0)
    assert len(train_b) == 8 and len(test_b) == 2
    videos = {v.name.split("_denoised")[0] for v in root.rglob("*_denoised.mp4")}
    assert {i.split("@")[0] for i in [*train_b.ids, *test_b.ids]} <= videos  # read from the folder
    assert train_b.frames.shape[1:] == (30, 64, 64, 3) and train_b.sr == 16000
    train, test = m05.prepare(train_b, size=16), m05.prepare(test_b, size=16)
    assert any(len(t) for t in train.times)  # the hit annotations were read
    model, _ = m05.train_predictor(train, steps=3, batch_size=4, crop_frames=6, generator=torch.Generator().manual_seed(0),
                                   model_kw=dict(widths=(4, 4, 4), hidden=8), progress=False)
    pred = m05.predict(model, test.motion, test.first)
    assert pred.shape == test.coch.shape and np.all(np.isfinite(pred))
    bank = m05.build_bank(train.coch, train.audio, train_b.sr, train.times)
    wav, _ = m05.example_based(pred[0], bank, test.audio.shape[1])
    assert wav.shape == (test.audio.shape[1],) and np.all(np.isfinite(wav))
