"""Unit tests of m11 (VIAI gap inpainting) and the MUSIC layout loader.
Notebook: 11_2019_vision_infused_inpainting."""
import numpy as np
import pytest
import torch

from foley_nb_utils.methods import m11_vision_infused_inpainting as m11


def _data(n=6, M=8, Fn=64, C=6):
    r = np.random.default_rng(0)
    return r.random((n, M, Fn), dtype=np.float32), r.random((n, C, Fn), dtype=np.float32)


def test_shapes_and_composite():
    mel, vis = _data()
    mask = m11.gap_mask(6, 64, 12, np.random.default_rng(1))
    for C in (0, 6):
        g = m11.Inpainter(8, 16, vis_channels=C)
        out = m11.inpaint(g, mel, vis, mask)
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


def test_key_features_and_onsets():
    p = np.zeros((1, 4, 2), np.float32)
    p[0, 2:, 1] = 1.0
    f = m11.key_features(p, 8)
    assert f.shape == (1, 4, 8)
    np.testing.assert_allclose(f[0, 1], [0, 0, 0, 0, 1, 1, 1, 1])       # key 1 down from video frame 2
    np.testing.assert_allclose(f[0, 3], [0, 0, 0, 0, 1, 1, 0, 0])       # its rise at frame 2 only
    mask = np.zeros((2, 10), np.float32)
    mask[:, 4:6] = 1
    assert m11.onsets_in_gap([np.array([0.45]), np.array([0.7])], mask, 10.0).tolist() == [True, False]


def test_training_lowers_loss_and_sync():
    mel, vis = _data(n=16)
    mask = m11.gap_mask(16, 64, 12, np.random.default_rng(3))
    g0 = m11.train(mel, vis, steps=1, batch=8, lr=0.0, gap_range=(8, 16), seed=0, hidden=16)
    before = m11.gap_scores(m11.inpaint(g0, mel, vis, mask), mel, mask)["l1_db"].mean()
    g = m11.train(mel, vis, sync=0.5, steps=40, batch=8, lr=3e-3, gap_range=(8, 16), seed=0, hidden=16)
    after = m11.gap_scores(m11.inpaint(g, mel, vis, mask), mel, mask)["l1_db"].mean()
    assert after < before
    s = m11.sync_loss(g, torch.from_numpy(mel[:8]), torch.from_numpy(vis[:8]), torch.from_numpy(mask[:8]))
    assert s.ndim == 0 and float(s) > 0
    h = m11.retrieval_hits(g, mel, vis, mask, group=8)
    assert h.shape == (16,) and set(np.unique(h)) <= {0.0, 1.0}


def test_retrieval_matches_inpainting_every_pair():
    """The shared-first-conv shortcut in retrieval_hits gives the hits of inpainting each (query, video) pair."""
    mel, vis = _data(n=16)
    mask = m11.gap_mask(16, 64, 12, np.random.default_rng(4))
    torch.manual_seed(0)
    g = m11.Inpainter(8, 16, vis_channels=6).eval()
    h = m11.retrieval_hits(g, mel, vis, mask, group=8)
    ref = []
    for g0 in (0, 8):
        x, m, v = (torch.from_numpy(a[g0:g0 + 8]) for a in (mel, mask, vis))
        with torch.no_grad():
            err = torch.stack([((g(x[q:q + 1].expand(8, -1, -1) * (1 - m[q]), m[q:q + 1].expand(8, -1), v)
                                 - x[q]).abs() * m[q]).sum((1, 2)) for q in range(8)])
        ref.append((err.argmin(1) == torch.arange(8)).numpy())
    np.testing.assert_array_equal(h, np.concatenate(ref))


def test_interp_fill_edges_and_empty_rows():
    mel = torch.rand(3, 2, 10)
    mask = torch.zeros(3, 10)
    mask[1, :4] = 1          # gap at the start: the edge frame stands in for the missing left neighbour
    mask[2, 7:] = 1          # gap at the end: likewise on the right
    out = m11.interp_fill(mel, mask)
    assert torch.equal(out[0], mel[0])                                  # no gap: unchanged
    assert torch.equal(out[1, :, 4:], mel[1, :, 4:]) and torch.equal(out[2, :, :7], mel[2, :, :7])
    w = torch.arange(1, 5) / 5.0
    np.testing.assert_allclose(out[1, :, :4].numpy(), (mel[1, :, :1] * (1 - w) + mel[1, :, 4:5] * w).numpy(), atol=1e-6)
    w = torch.arange(1, 4) / 4.0
    np.testing.assert_allclose(out[2, :, 7:].numpy(), (mel[2, :, 6:7] * (1 - w) + mel[2, :, 9:10] * w).numpy(), atol=1e-6)


def test_full_profile_builds():
    g = m11.Inpainter(48, 256, vis_channels=122)
    mel = torch.rand(2, 48, 201)
    mask = torch.from_numpy(m11.gap_mask(2, 201, 80, np.random.default_rng(0)))
    assert g(mel, mask, torch.rand(2, 122, 201)).shape == mel.shape


def test_bad_input():
    with pytest.raises(ValueError, match="gap lengths"):
        m11.gap_mask(2, 30, 25, np.random.default_rng(0))
    with pytest.raises(ValueError, match="probs must be"):
        m11.key_features(np.zeros((2, 3), np.float32), 8)
    with pytest.raises(ValueError, match="sync"):
        m11.train(_data()[0], None, sync=0.5, steps=1, batch=2, lr=1e-3, gap_range=(4, 8), seed=0)
    g = m11.Inpainter(8, 16, vis_channels=6)
    with pytest.raises(ValueError, match="needs vis"):
        g(torch.rand(1, 8, 64), torch.zeros(1, 64), None)


def test_music_layout_roundtrip(tmp_path):
    from foley_nb_utils.clips import SceneBatch
    from foley_nb_utils.datasets import music
    from foley_nb_utils.datasets.common import DatasetError

    r = np.random.default_rng(0)
    fr = (r.random((2, 25, 16, 32, 3)) * 255).astype(np.uint8)
    au = (0.3 * np.sin(np.arange(16000) / 16000 * 2 * np.pi * 440)).astype(np.float32)[None].repeat(2, 0)
    b = SceneBatch(fr, au, 25.0, 16000, ["aaa", "bbb"])
    music.write(b, tmp_path, "xylophone", "test")
    out = music.load(tmp_path, "test", fps=25.0, sr=16000, clip_s=1.0, cache=False)
    assert out.frames.shape == (2, 25, 16, 32, 3) and out.audio.shape == (2, 16000)
    assert out.ids == ["xylophone/aaa", "xylophone/bbb"] and out.classes["instrument"] == ("xylophone",)
    assert np.abs(out.audio - au).max() < 1e-3
    (tmp_path / "audio" / "xylophone" / "bbb.wav").unlink()
    with pytest.raises(DatasetError, match="bbb"):
        music.pairs(tmp_path, "test")
    with pytest.raises(DatasetError, match="not a MUSIC layout"):
        music.pairs(tmp_path / "video")
