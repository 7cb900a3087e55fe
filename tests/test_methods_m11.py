"""Unit tests of m11 (VIAI gap inpainting). Notebook: 11_2019_vision_infused_inpainting."""
import numpy as np
import pytest
import torch

from foley_nb_utils.methods import m11_vision_infused_inpainting as m11


def _data(n=6, M=8, Fn=64, T=8):
    r = np.random.default_rng(0)
    return r.random((n, M, Fn), dtype=np.float32), r.random((n, T, 2, 16, 16), dtype=np.float32)


def test_shapes_and_composite():
    mel, vid = _data()
    mask = m11.gap_mask(6, 64, 12, np.random.default_rng(1))
    for uv in (False, True):
        g = m11.Inpainter(8, 16, use_video=uv)
        out = m11.inpaint(g, mel, vid, mask)
        assert out.shape == mel.shape
        np.testing.assert_allclose(out * (1 - mask[:, None]), mel * (1 - mask[:, None]), atol=1e-6)


def test_interp_fill_linear():
    mel = torch.zeros(1, 1, 10)
    mel[0, 0, 2], mel[0, 0, 6] = 0.0, 1.0
    mask = torch.zeros(1, 10)
    mask[0, 3:6] = 1
    out = m11.interp_fill(mel, mask)
    np.testing.assert_allclose(out[0, 0, 3:6].numpy(), [0.25, 0.5, 0.75], atol=1e-6)


def test_scores_known():
    true = np.zeros((2, 4, 10), np.float32)
    pred = true.copy()
    mask = np.zeros((2, 10), np.float32)
    mask[:, 2:6] = 1
    pred[1, :, 2:6] = 0.5
    s = m11.gap_scores(pred, true, mask)
    np.testing.assert_allclose(s["l1_db"], [0.0, 40.0])


def test_training_lowers_loss():
    mel, vid = _data(n=16)
    mask = m11.gap_mask(16, 64, 12, np.random.default_rng(3))
    before = m11.gap_scores(m11.inpaint(m11.train(mel, vid, use_video=True, adversarial=0.0, steps=1, batch=8,
                                                  lr=0.0, gap_range=(8, 16), seed=0, hidden=16), mel, vid, mask),
                            mel, mask)["l1_db"].mean()
    g = m11.train(mel, vid, use_video=True, adversarial=0.05, steps=40, batch=8, lr=3e-3, gap_range=(8, 16),
                  seed=0, hidden=16)
    after = m11.gap_scores(m11.inpaint(g, mel, vid, mask), mel, mask)["l1_db"].mean()
    assert after < before


def test_full_profile_builds():
    g = m11.Inpainter(40, 256, use_video=True)
    mel = torch.rand(2, 40, 401)
    mask = torch.from_numpy(m11.gap_mask(2, 401, 60, np.random.default_rng(0)))
    assert g(mel, mask, torch.rand(2, 60, 2, 16, 16)).shape == mel.shape


def test_bad_input():
    with pytest.raises(ValueError, match="gap lengths"):
        m11.gap_mask(2, 30, 25, np.random.default_rng(0))
    with pytest.raises(ValueError, match="frames must be"):
        m11.video_features(np.zeros((2, 3, 4, 4), np.uint8))
    with pytest.raises(ValueError, match="adversarial"):
        m11.train(*_data(), use_video=False, adversarial=-1, steps=1, batch=2, lr=1e-3, gap_range=(4, 8), seed=0)
