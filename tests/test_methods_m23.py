"""Unit tests of notebook 23's module (MM-Diffusion): shapes, the attention windows, the joint loss
going down, packing for the samplers, zero-shot V2A, the alignment score on known cases."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from foley_nb_utils import nn as fnn
from foley_nb_utils.methods import m23_mm_diffusion as m
from foley_nb_utils.synth import bounce

SMALL = m.Shapes(n_frames=8, size=16, n_samples=8 * 4 * 5 * 5)   # 8 frames, patch 5


@pytest.fixture(scope="module")
def clips():
    b = bounce.generate(12, seed=0)
    return b, *m.to_tensors(b)


def test_to_tensors_ranges_and_shapes(clips):
    b, v, a = clips
    assert v.shape == (12, 1, 16, 16, 16) and a.shape == (12, 1, 8000)
    assert float(v.min()) >= -1 and float(v.max()) <= 1 and float(a.abs().max()) <= 1
    with pytest.raises(ValueError, match="frames"):
        m.to_tensors(type("B", (), {"frames": np.zeros((2, 4, 4)), "audio": np.zeros((2, 8))})())


def test_window_index_masks_frames_outside_the_clip():
    idx, valid = m.window_index(6, 3, shift=0)
    assert idx.tolist()[0] == [0, 0, 1] and valid.tolist()[0] == [False, True, True]
    idx, valid = m.window_index(6, 1, shift=1)
    assert idx[:, 0].tolist() == [1, 2, 3, 4, 5, 5] and valid[:, 0].tolist() == [True] * 5 + [False]
    with pytest.raises(ValueError, match="window"):
        m.window_index(6, 7)


@pytest.mark.parametrize("mode,window", [("window", 1), ("window", 4), ("full", 8), ("self", 4)])
def test_coupled_unet_shapes_and_equal_parameter_counts(mode, window):
    torch.manual_seed(0)
    net = m.CoupledUNet(SMALL, base=4, mode=mode, window=window)
    v, a = torch.randn(2, *SMALL.video), torch.randn(2, *SMALL.audio)
    ev, ea = net(v, a, torch.tensor([0, 5]), shift=1)
    assert ev.shape == v.shape and ea.shape == a.shape
    assert m.n_params(net) == m.n_params(m.CoupledUNet(SMALL, base=4))  # "self" = same size, no coupling
    with pytest.raises(ValueError, match="expects"):
        net(v[:, :, :4], a, torch.tensor([0, 0]))


def test_self_mode_lets_no_information_cross():
    torch.manual_seed(0)
    net = m.CoupledUNet(SMALL, base=4, mode="self")
    for p in net.cross.parameters():   # make the attention non-trivial
        torch.nn.init.normal_(p, std=0.3)
    v, a = torch.randn(1, *SMALL.video), torch.randn(1, *SMALL.audio)
    ev1, ea1 = net(v, a, torch.tensor([3]))
    ev2, ea2 = net(v, torch.randn_like(a), torch.tensor([3]))
    assert torch.allclose(ev1, ev2)       # the video branch ignores the audio
    coupled = m.CoupledUNet(SMALL, base=4, mode="window")
    coupled.load_state_dict(net.state_dict())
    ev3, _ = coupled(v, a, torch.tensor([3]))
    ev4, _ = coupled(v, torch.randn_like(a), torch.tensor([3]))
    assert not torch.allclose(ev3, ev4)   # … the coupled one does not


def test_full_attention_equals_a_window_that_covers_every_frame():
    torch.manual_seed(0)
    full = m.CrossModalAttention(8, 4, "full")
    for p in full.parameters():
        torch.nn.init.normal_(p, std=0.3)
    win = m.CrossModalAttention(8, 4, "window", window=4)
    win.load_state_dict(full.state_dict())
    v, a = torch.randn(2, 8, 4, 2, 2), torch.randn(2, 8, 12)
    ov, oa = full(v, a)
    wv, wa = win(v, a, shift=0)
    # the window of frame 2 is frames 0..3: all of them, so frame 2's tokens agree
    assert torch.allclose(ov[:, :, 2], wv[:, :, 2], atol=1e-5)
    assert torch.allclose(oa[..., 6:9], wa[..., 6:9], atol=1e-5)
    assert not torch.allclose(ov[:, :, 0], wv[:, :, 0], atol=1e-5)
    assert full.last_scores == 2 * 16 * 12 and win.last_scores == 4 * (4 * 4 * 3 + 3 * 4 * 4)


def test_joint_loss_goes_down(clips):
    _, v, a = clips
    sch = fnn.DDPMSchedule.linear(50)
    model, hist = m.train_model(v, a, schedule=sch, steps=40, batch_size=8, seed=0, base=4)
    assert np.mean(hist["loss"][-10:]) < np.mean(hist["loss"][:10])


def test_packed_sampling_and_video_to_audio_shapes(clips):
    _, v, a = clips
    sch = fnn.DDPMSchedule.linear(20)
    torch.manual_seed(0)
    net = m.CoupledUNet(m.Shapes(16, 16, 8000), base=4).eval()
    sv, sa = m.sample(net, sch, 3, 0, "t", steps=4)
    assert sv.shape == (3, 1, 16, 16, 16) and sa.shape == (3, 1, 8000)
    sv2, sa2 = m.sample(net, sch, 3, 0, "t", steps=4)
    assert torch.equal(sa, sa2)           # same seed, same samples
    for scale in (0.0, 1.0):
        au = m.video_to_audio(net, sch, v[:2], 0, "t", steps=3, scale=scale)
        assert au.shape == (2, 1, 8000) and torch.isfinite(au).all()
    with pytest.raises(ValueError, match="scale"):
        m.VideoToAudio(net, sch, v[:2], torch.Generator(), scale=-1)
    ch = m.chain(net, sch, 0, steps=4, show=(1, 4))
    assert set(ch) == {1, 4} and ch[4][0].shape == (1, 16, 16, 16)


def test_sync_score_is_high_for_real_clips_and_near_zero_for_shuffled(clips):
    b, v, a = clips
    real = m.sync_score(v, a)
    assert real.mean() > 0.7
    shuffled = m.sync_score(v, a[np.roll(np.arange(len(a)), 1)])
    assert abs(shuffled.mean()) < 0.4 and shuffled.mean() < real.mean() - 0.4
    assert m.sync_to_truth(b.extra["contact"], a).mean() > 0.7
    assert np.all(m.sync_score(v, torch.zeros_like(a)) == 0)   # constant sound: 0, not NaN


def test_ball_lowness_follows_the_ball(clips):
    b, v, _ = clips
    low = m.ball_lowness(v)
    contact = b.extra["contact"].astype(bool)
    assert (low[contact].mean() > low[~contact].mean())
    assert m.ball_lowness(-torch.ones(1, 1, 4, 16, 16)).tolist() == [[0.5] * 4]


def test_nearest_train_distance_is_zero_for_a_copy(clips):
    _, v, a = clips
    f = m.clip_features(v, a)
    assert np.allclose(m.nearest_train_distance(f[:3], f), 0)
    assert np.all(m.nearest_train_distance(f[:3], f[3:]) > 0)


def test_attention_cost_counts_fewer_scores_for_smaller_windows():
    s = m.Shapes(16, 16, 8000)
    c1, c4, cf = (m.attention_cost(s, 4, mode, w, batch=2, repeats=1) for mode, w in
                  (("window", 1), ("window", 4), ("full", 16)))
    assert c1["scores"] * 4 == c4["scores"] and c4["scores"] * 4 == cf["scores"]
    assert c1["seconds"] > 0


def test_full_profile_model_builds_and_runs_one_batch():
    s = m.Shapes(**{k: bounce.DEFAULTS["full"][k] for k in ("n_frames", "size")},
                 n_samples=bounce.DEFAULTS["full"]["sr"])
    net = m.CoupledUNet(s, base=16, audio_tokens=10)
    ev, ea = net(torch.randn(1, *s.video), torch.randn(1, *s.audio), torch.tensor([7]))
    assert ev.shape == (1, *s.video) and ea.shape == (1, *s.audio)


def test_load_clips_reads_the_flat_mp4_layout(tmp_path):
    b = bounce.generate(5, seed=1)
    root = bounce.write_layout(b, tmp_path / "bounce")
    tr, te = m.load_clips(10, 10, 0, root)
    assert len(tr) + len(te) == 5 and tr.frames.shape[1:] == (16, 16, 16, 3) and tr.audio.shape[1] == 8000
