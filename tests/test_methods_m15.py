"""Unit tests of the RegNet method module (notebook 15) and the hits world's off-screen option."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from foley_nb_utils.methods import m15_regnet as m15
from foley_nb_utils.synth import hits

N_MELS = m15.MEL["n_mels"]


@pytest.fixture(autouse=True)
def _one_thread():
    """Tiny networks: one thread is as fast, and immune to a busy machine."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


# ----------------------------------------------------------------------------- hits: off-screen option
def test_hits_default_settings_are_untouched():
    cfg = hits.generate(2, 0).config["settings"]
    assert "distractor_kinds" not in cfg and "offscreen_track" not in cfg
    b = hits.generate(2, 0)
    assert "offscreen" not in b.extra and b.classes["distractor"] == hits.DISTRACTORS


def test_hits_chirps_and_hums_with_their_track():
    kw = dict(sr=11025, distractor_prob=1.0, distractor_kinds=("chirp", "hum"), max_events=3)
    b = hits.generate(12, 3, offscreen_track=True, **kw)
    plain = hits.generate(12, 3, **kw)
    np.testing.assert_array_equal(b.audio, plain.audio)           # asking for the track changes no sample
    lab = b.labels["distractor"]
    assert set(lab.tolist()) <= {-1, 4, 5} and (lab >= 0).any()
    for i in range(len(b)):
        off = [e for e in b.events[i] if not e.visible]
        track = b.extra["offscreen"][i]
        if lab[i] < 0:
            assert not off and not track.any()
            continue
        (e,) = off
        assert e.source == hits.OFFSCREEN_KINDS[lab[i]] and e.end_s > e.time_s
        nz = np.flatnonzero(track)
        assert abs(nz[0] / b.sr - e.time_s) < 2 / b.sr and nz[-1] / b.sr <= e.end_s + 1e-3
        for v in (ev for ev in b.events[i] if ev.visible):          # at least 0.2 s from the stick's events
            assert v.time_s > e.end_s + 0.2 - 1e-6 or v.end_s < e.time_s - 0.2 + 1e-6


def test_hits_rejects_unknown_offscreen_kinds():
    with pytest.raises(ValueError, match="distractor_kinds"):
        hits.generate(2, 0, distractor_kinds=("siren",))


# ----------------------------------------------------------------------------- features and model
def _data(n=6, T=11, F=12, seed=0, exact=True):
    r = np.random.default_rng(seed)
    mel = r.uniform(0, 1, (n, N_MELS, m15.UP * T)).astype(np.float32)
    times = [np.array([0.1, 0.3]) for _ in range(n)]
    off = [(0.2, 0.25) if i % 2 else None for i in range(n)]
    audio = r.standard_normal((n, 128 * m15.UP * T)).astype(np.float32) * 0.1
    return m15.Data(r.standard_normal((n, T, F)).astype(np.float32), mel, mel.copy(), audio, audio, times, off, exact)


def test_mel_unit_shape_and_range():
    x = np.random.default_rng(0).standard_normal((2, 22050)).astype(np.float32) * 0.1
    u = m15.mel_unit(x, 11025, 172)
    assert u.shape == (2, N_MELS, 172) and u.min() >= 0 and u.max() <= 1
    assert m15.mel_unit(np.zeros((1, 22050), np.float32)).max() == 0.0      # silence is -100 dB → 0
    with pytest.raises(ValueError, match="11025"):
        m15.mel_unit(x, 16000)


@pytest.mark.parametrize("kind", ["last", "sample"])
def test_afr_code_shapes(kind):
    afr = m15.AFR(N_MELS, 5, kind, every=4)
    code = afr(torch.rand(3, N_MELS, 4 * 10), 10)
    assert code.shape == (3, 5, 10)
    if kind == "last":                                               # one code, repeated over time
        assert torch.allclose(code[..., :1].expand_as(code), code)
    with pytest.raises(ValueError):
        m15.AFR(N_MELS, 5, "conv")


def test_generator_shapes_and_zeroed_code():
    G = m15.RegNetG(12, N_MELS, hidden=16, z_dim=4, aux_dim=8).eval()
    vis, mel = torch.randn(2, 11, 12), torch.rand(2, N_MELS, 44)
    z = torch.randn(2, 4)
    post, pre = G(vis, mel, z=z)
    assert post.shape == pre.shape == (2, N_MELS, 44)
    a, _ = G(vis, mel, aux_zero=True, z=z)
    b, _ = G(vis, None, z=z)
    assert torch.equal(a, b) and not torch.equal(a, post)           # zeroed code = no sound given
    c, _ = G(vis, None, z=z, code=torch.zeros(2, 8, 11))
    assert torch.equal(a, c)                                         # a given zero code = the zeroed code
    with pytest.raises(ValueError, match="code"):
        G(vis, None, z=z, code=torch.zeros(2, 3, 11))
    D = m15.RegNetD(12, N_MELS, hidden=16)
    assert D(vis, post).shape[:2] == (2, 1)


def test_training_lowers_the_loss_and_is_reproducible():
    data = _data(n=16, T=11)
    v = m15.Variant("t", 4)
    G1, h1 = m15.train_variant(v, data, seed=0, steps=15, batch_size=8, hidden=16, checkpoint=False)
    G2, h2 = m15.train_variant(v, data, seed=0, steps=15, batch_size=8, hidden=16, checkpoint=False)
    assert np.mean(h1["loss"][-3:]) < np.mean(h1["loss"][:3])
    np.testing.assert_array_equal(m15.generate(G1, data, seed=1), m15.generate(G2, data, seed=1))
    Gg, hg = m15.train_variant(m15.Variant("g", 4, gan=True), data, seed=0, steps=3, batch_size=8, hidden=16,
                               crop=8, checkpoint=False)
    assert len(hg["d_loss"]) == 3 and m15.generate(Gg, data, seed=0, aux="real").shape == data.mel.shape
    with pytest.raises(ValueError, match="aux"):
        m15.generate(Gg, data, seed=0, aux="none")


def test_full_profile_model_runs_one_batch():
    G = m15.RegNetG(256, N_MELS, hidden=256, z_dim=8, aux_dim=32)
    D = m15.RegNetD(256, N_MELS, hidden=32)
    post, _ = G(torch.randn(2, 43, 256), torch.rand(2, N_MELS, 172), z=torch.randn(2, 8))
    assert post.shape == (2, N_MELS, 172) and torch.isfinite(D(torch.randn(2, 43, 256), post)).all()


def test_batches_crop_and_bad_crop():
    data = _data(n=10, T=11)
    vis, mel, z = m15.batches(data, 4, seed=0, z_dim=3, crop=5)(7)
    assert vis.shape == (4, 5, 12) and mel.shape == (4, N_MELS, 20) and z.shape == (4, 3)
    with pytest.raises(ValueError, match="crop"):
        m15.batches(data, 4, seed=0, crop=12)


# ----------------------------------------------------------------------------- metrics with known answers
def test_hallucination_and_excess():
    clean = np.zeros((2, 4, 10))
    gen = clean.copy()
    gen[0] += 0.5                                                    # everything 0.5 too loud
    gen[1, :, 2:4] = 1.0                                             # a burst in frames 2-3 only
    np.testing.assert_allclose(m15.hallucination(gen, clean), [0.5, 0.2])
    np.testing.assert_allclose(m15.hallucination(clean - 1, clean), [0, 0])   # quieter is not hallucination
    np.testing.assert_allclose(m15.deficit(clean - 1, clean), [1, 1])         # ... but a deficit
    ex = m15.offscreen_excess(gen, clean, [None, (2.0, 4.0)], hop_s=1.0)
    assert np.isnan(ex[0]) and ex[1] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="shape"):
        m15.hallucination(gen, clean[:1])


def test_attack_and_mel_onsets_find_a_step():
    rate = m15.MEL["sr"] / m15.MEL["hop"]
    mel = np.full((1, N_MELS, 172), 0.2)
    f = 80
    mel[0, :, f:f + 10] = 0.8                                         # a loud event from frame 80
    t = f / rate
    assert m15.attack(mel, [[t]])[0] == pytest.approx(0.6)
    assert np.isnan(m15.attack(mel, [[]])[0])
    (times, conf), = m15.mel_onsets(mel)
    assert len(times) >= 1 and abs(times[np.argmax(conf)] - t) < 1.5 / rate


def test_mel_features_and_griffin_lim():
    data = _data(n=3)
    assert m15.mel_features(data.mel).shape == (3, 3 * N_MELS)
    y = m15.griffin_lim(data.mel, 5000, n_iter=2)
    assert y.shape == (3, 5000) and np.isfinite(y).all()
    with pytest.raises(ValueError, match="mel"):
        m15.griffin_lim(data.mel[:, :5], 5000)


def test_griffin_lim_in_chunks_equals_the_whole_batch_at_once(monkeypatch):
    mel = np.random.default_rng(0).random((19, N_MELS, 60)).astype(np.float32)  # 19: a last, short chunk
    chunked = m15.griffin_lim(mel, 7000, n_iter=3, seed=4)
    monkeypatch.setattr(m15, "_GL_CHUNK", 1000)
    whole = m15.griffin_lim(mel, 7000, n_iter=3, seed=4)
    assert np.array_equal(chunked, whole)
    assert not np.array_equal(chunked, m15.griffin_lim(mel, 7000, n_iter=3, seed=5))  # the seed matters
    assert m15.griffin_lim(mel[:0], 7000).shape == (0, 7000)


def test_evaluate_scores_the_truth_best():
    data = _data(n=10, T=43)
    rng = np.random.default_rng(1)
    noisy = np.clip(data.mel + rng.uniform(0, 0.3, data.mel.shape), 0, 1).astype(np.float32)
    res = m15.evaluate({"noisy": noisy}, data, seed=0)
    assert set(res) == {"real", "on-screen", "noisy"}
    assert res["on-screen"]["halluc"].max() == 0 and res["noisy"]["halluc"].min() > 0.05
    assert res["noisy"]["fooled"].shape == (10,)
    rows = m15.summary(res, ["noisy"])
    assert rows[0]["variant"] == "noisy" and rows[0]["mse"] > 0
    with pytest.raises(ValueError, match="shape"):
        m15.evaluate({"bad": noisy[:, :, :10]}, data, seed=0)


def test_load_clips_synthetic_and_bad_input(tmp_path):
    tr, te = m15.load_clips(3, 2, 0, size=16, distractor_prob=1.0, distractor_kinds=("hum",), max_events=2)
    assert len(tr) == 3 and len(te) == 2 and "offscreen" in tr.extra
    train, test = m15.prepare(tr, te, grid=4)
    assert train.vis.shape[:2] == (3, 43) and train.mel.shape == (3, N_MELS, 172) and train.exact
    assert (train.mel >= train.clean - 1e-6).mean() > 0.9                # the off-screen sound only adds
    with pytest.raises(ValueError, match="n_train"):
        m15.load_clips(0, 2, 0)
    with pytest.raises(FileNotFoundError, match="DATA_DIR"):
        m15.load_clips(2, 2, 0, tmp_path / "missing")


def test_real_data_path_reads_a_greatest_hits_folder(tmp_path):
    """DATA_DIR: the loader of the layout on disk; no on-screen truth, so the real sound stands in."""
    b = hits.generate(10, 5, size=16, fps=21.5, duration_s=2.0, sr=11025, max_events=2)
    root = hits.write_layout(b, tmp_path / "gh")
    tr, te = m15.load_clips(8, 2, 0, root, size=16)
    assert len(tr) >= 1 and len(te) >= 1 and tr.sr == 11025
    train, test = m15.prepare(tr, te, grid=4)
    assert not test.exact and np.array_equal(test.clean, test.mel) and test.offscreen == [None] * len(test)
    res = m15.evaluate({"copy": test.mel}, test, seed=0, judged=[])
    assert "fooled" not in res["copy"] and np.nanmean(res["copy"]["halluc"]) == 0


def test_real_data_path_reads_vas_class_folders(tmp_path):
    """RegNet's own layout: ``<class>/<video>.mp4`` (VAS / VEGAS), read by the class-folder loader."""
    from foley_nb_utils import video

    b = hits.generate(10, 6, size=16, fps=21.5, duration_s=2.0, sr=11025, max_events=2)
    for i in range(len(b)):
        folder = tmp_path / "vas" / ("dog" if i % 2 else "drum")
        folder.mkdir(parents=True, exist_ok=True)
        video.write_video(folder / f"clip{i:02d}.mp4", b.frames[i], b.fps, audio=b.audio[i], sr=b.sr)
    tr, te = m15.load_clips(8, 4, 0, tmp_path / "vas", size=16)
    assert len(tr) >= 1 and len(te) >= 1 and tr.frames.shape[1] == 43
    train, test = m15.prepare(tr, te, grid=4)
    assert not train.exact and train.mel.shape[1:] == (N_MELS, 172)
