"""Unit tests of the FoleyGAN method module (notebook 21) and of ``metrics.distribution.ndb``."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
import torch

from foley_nb_utils.metrics import distribution as dist
from foley_nb_utils.methods import m21_foleygan as m21


@pytest.fixture(autouse=True)
def _one_thread():
    """Tiny networks: one thread is as fast, and immune to a busy machine."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def test_temporal_visual_gives_one_feature_per_step_and_sees_only_its_window():
    torch.manual_seed(0)
    m = m21.TemporalVisual(width=4, feat=8, dim=6, hidden=8, window=3).eval()
    x = torch.randint(0, 255, (2, 10, 16, 16, 3), dtype=torch.uint8)
    f = m(x)
    assert f.shape == (2, 10, 6) and m.event_logits(f).shape == (2, 10)
    y = x.clone()
    y[:, 8:] = 0                      # change frames 8, 9: steps 0..6 (windows 0-7, and 7's diff) unchanged
    g = m(y)
    torch.testing.assert_close(f[:, :6], g[:, :6])
    assert not torch.allclose(f[:, 8], g[:, 8])
    with pytest.raises(ValueError, match="window"):
        m21.TemporalVisual(window=2)


def test_condition_kinds():
    f = np.random.default_rng(0).normal(size=(3, 5, 4)).astype(np.float32)
    np.testing.assert_array_equal(m21.condition(f, "temporal"), f)
    p = m21.condition(f, "pooled")
    assert p.shape == f.shape and np.allclose(p[:, 0], f.mean(1)) and np.allclose(p[:, 0], p[:, 4])
    assert not m21.condition(f, "class").any()
    with pytest.raises(ValueError, match="condition"):
        m21.condition(f, "audio")
    with pytest.raises(ValueError, match="N, T, D"):
        m21.condition(f[0], "pooled")


def test_conditional_batch_norm_is_per_class():
    bn = m21.CondBatchNorm1d(4, 3)
    with torch.no_grad():
        bn.gain.weight[1] = 2.0
        bn.bias.weight[2] = 5.0
    x = torch.randn(6, 4, 7)
    y = torch.tensor([0, 0, 1, 1, 2, 2])
    out = bn(x, y)
    base = torch.nn.functional.batch_norm(x, None, None, training=True)
    torch.testing.assert_close(out[:2], base[:2])
    torch.testing.assert_close(out[2:4], 2 * base[2:4])
    torch.testing.assert_close(out[4:], base[4:] + 5)


def test_generator_and_critic_shapes_and_spectral_norm():
    G = m21.Generator(5, 6, n_frames=173, T=16, z_dim=8, ch=12)
    D = m21.Discriminator(5, 6, ch=12)
    z, y, v = torch.randn(3, 8), torch.tensor([0, 1, 4]), torch.randn(3, 16, 6)
    with torch.no_grad():
        mel = G(z, y, v)
    assert mel.shape == (3, m21.MEL["n_mels"], 173) and 0 <= float(mel.min()) and float(mel.max()) <= 1
    s = D(mel, y, v)
    assert s.ndim == 2 and s.shape[0] == 3 and s.shape[1] == 11
    conv = D.body[0]
    assert torch.nn.utils.parametrize.is_parametrized(conv, "weight")
    w = conv.weight.reshape(conv.weight.shape[0], -1)
    D.train()
    with torch.no_grad():
        for _ in range(20):  # the power iteration converges in training mode
            D(mel, y, v)
    D.eval()
    with torch.no_grad():
        assert float(torch.linalg.matrix_norm(conv.weight.reshape(w.shape), ord=2)) == pytest.approx(1.0, abs=0.05)


def test_hinge_losses_known_values():
    real, fake = torch.tensor([2.0, 0.5]), torch.tensor([-2.0, 0.0])
    # real: max(0, 1-2)=0, max(0, 0.5)=0.5 → 0.25; fake: max(0, -1)=0, max(0, 1)=1 → 0.5
    assert float(m21.hinge_d_loss(real, fake)) == pytest.approx(0.75)
    assert float(m21.hinge_g_loss(fake)) == pytest.approx(1.0)


@dataclass
class _Clips:
    """The fields of notebook 16's ``Data`` that the trainers read."""

    frames: np.ndarray | None = None
    contact: np.ndarray | None = None
    mel: np.ndarray | None = None
    labels: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.frames if self.frames is not None else self.labels)


def _toy_data(n=32, T=16, n_frames=173, seed=0):
    """Clips whose mel is loud exactly at the steps where the features say 'hit'."""
    r = np.random.default_rng(seed)
    hits = (r.random((n, T)) < 0.2).astype(np.float32)
    mel = np.full((n, m21.MEL["n_mels"], n_frames), 0.2, np.float32)
    for i, t in zip(*np.nonzero(hits)):
        f = int(t * n_frames / T)
        mel[i, :, f:f + 4] = 0.9
    feats = np.repeat(hits[:, :, None], 4, axis=2)
    return _Clips(mel=mel, labels=r.integers(0, 3, n)), feats


def test_train_gan_runs_checkpoints_and_depends_on_the_features(tmp_path, monkeypatch):
    monkeypatch.setenv("FOLEY_CACHE_DIR", str(tmp_path))
    data, feats = _toy_data()
    kw = dict(seed=0, steps=6, batch=8, n_classes=3, ch=8, z_dim=4)
    G, D, h = m21.train_gan("temporal", data, feats, **kw)
    assert len(h["d_loss"]) == 6 and all(np.isfinite(h["d_loss"]))
    mel = m21.generate(G, data.labels, feats, seed=1)
    assert mel.shape == data.mel.shape
    np.testing.assert_array_equal(mel, m21.generate(G, data.labels, feats, seed=1))  # same noise, same sound
    _, _, h2 = m21.train_gan("temporal", data, feats, **kw)
    assert h2.loaded                                                                  # from the checkpoint
    _, _, h3 = m21.train_gan("temporal", data, feats[::-1].copy(), **kw)
    assert not h3.loaded                                                              # other features, other GAN
    with pytest.raises(ValueError, match="kind"):
        m21.train_gan("video", data, feats, **kw)


def test_critic_learns_to_separate_real_from_fake_quickly(tmp_path, monkeypatch):
    monkeypatch.setenv("FOLEY_CACHE_DIR", str(tmp_path))
    data, feats = _toy_data(n=64)
    _, _, h = m21.train_gan("temporal", data, feats, seed=0, steps=40, batch=16, n_classes=3, ch=8, z_dim=4)
    assert np.mean(h["d_loss"][-10:]) < np.mean(h["d_loss"][:3]) - 0.1


def test_train_visual_lowers_the_event_loss(tmp_path, monkeypatch):
    monkeypatch.setenv("FOLEY_CACHE_DIR", str(tmp_path))
    r = np.random.default_rng(0)
    frames = r.integers(0, 40, (48, 8, 16, 16, 3)).astype(np.uint8)
    contact = (r.random((48, 8)) < 0.25).astype(np.float32)
    frames[contact.astype(bool)] = 220  # a hit is a bright frame
    data = _Clips(frames=frames, contact=contact)
    model, h = m21.train_visual(data, seed=0, steps=40, batch=16, lr=3e-3, width=4, feat=8, dim=8, hidden=16)
    assert np.mean(h["loss"][-5:]) < 0.7 * np.mean(h["loss"][:5])
    f = m21.visual_features(model, frames)
    assert f.shape == (48, 8, 8) and f.dtype == np.float32


def test_onset_per_clip_and_sync_in_time():
    rate = m21.MEL["sr"] / m21.MEL["hop"]
    mel = np.full((2, m21.MEL["n_mels"], 173), 0.3, np.float32)
    for t in (0.5, 1.2):
        f = int(round(t * rate))
        mel[0, :, f:f + 5] = 0.9
    out = m21.onset_per_clip(mel, [np.array([0.5, 1.2]), np.array([])])
    assert out["onset_ap"][0] == pytest.approx(1.0) and np.isnan(out["onset_ap"][1])
    assert out["onset_acc"][0] == 1.0 and out["detection"][0] == 1.0
    far = m21.onset_per_clip(mel[:1], [np.array([0.1, 1.8])])
    assert far["onset_ap"][0] == 0.0
    p = np.zeros((3, 13))
    p[0, 6] = 1
    p[1, 5], p[1, 0] = 0.5, 0.5
    p[2] = 1 / 13
    np.testing.assert_allclose(m21.sync_in_time(p, 6), [1.0, 0.5, 3 / 13])
    with pytest.raises(ValueError, match="offset_probs"):
        m21.sync_in_time(p, 5)


def test_full_profile_networks_construct_and_run_one_batch():
    G = m21.Generator(17, 32, n_frames=345, T=32, z_dim=64, ch=128)
    D = m21.Discriminator(17, 32, ch=128)
    v = torch.randn(2, 32, 32)
    y = torch.tensor([0, 16])
    with torch.no_grad():
        mel = G(torch.randn(2, 64), y, v)
        assert mel.shape == (2, 40, 345) and D(mel, y, v).shape[0] == 2
        vis = m21.TemporalVisual(width=32, feat=64, dim=32)
        assert vis(torch.zeros(1, 32, 64, 64, 3, dtype=torch.uint8)).shape == (1, 32, 32)


# ----------------------------------------------------------------------------------- NDB
def test_ndb_same_distribution_few_bins_different_and_collapse_many():
    r = np.random.default_rng(0)
    centres = r.normal(0, 10, (5, 3))
    real = np.concatenate([c + r.normal(0, 0.5, (200, 3)) for c in centres])
    same = np.concatenate([c + r.normal(0, 0.5, (200, 3)) for c in centres])
    collapsed = centres[0] + r.normal(0, 0.5, (1000, 3))
    a = dist.ndb(real, same, k=5, seed=0)
    b = dist.ndb(real, collapsed, k=5, seed=0)
    assert a["ndb"] <= 1 and b["ndb"] == 5 and b["ndb_over_k"] == 1.0
    assert a["real_share"].sum() == pytest.approx(1.0) and a["gen_share"].shape == (5,)
    np.testing.assert_allclose(np.sort(a["real_share"]), 0.2, atol=1e-12)  # k-means finds the 5 clusters


def test_ndb_z_test_matches_the_formula():
    real = np.array([[0.0], [0.0], [0.0], [10.0]] * 25)            # shares 0.75 / 0.25, n = 100
    gen = np.array([[0.0], [10.0]] * 50)                            # shares 0.5 / 0.5, n = 100
    out = dist.ndb(real, gen, k=2, seed=0)
    pooled = 0.625
    z = 0.25 / np.sqrt(pooled * (1 - pooled) * (2 / 100))
    import math
    assert out["p"][0] == pytest.approx(math.erfc(z / math.sqrt(2)), rel=1e-9)
    assert out["ndb"] == 2


def test_ndb_bad_input():
    x = np.zeros((10, 2))
    with pytest.raises(ValueError, match="k must"):
        dist.ndb(x, x, k=11)
    with pytest.raises(ValueError, match="sizes differ"):
        dist.ndb(x, np.zeros((5, 3)), k=2)
    with pytest.raises(ValueError, match="alpha"):
        dist.ndb(x, x, k=2, alpha=1.5)
    with pytest.raises(ValueError, match="NaN"):
        dist.ndb(np.full((10, 2), np.nan), x, k=2)


def test_mel_judge_learns_two_separable_classes(tmp_path, monkeypatch):
    monkeypatch.setenv("FOLEY_CACHE_DIR", str(tmp_path))
    r = np.random.default_rng(0)
    labels = r.integers(0, 2, 64)
    mel = r.random((64, m21.MEL["n_mels"], 40)).astype(np.float32) * 0.2
    mel[labels == 1, :10] += 0.6                     # class 1 is loud in the low bands
    judge = m21.train_mel_judge(_Clips(mel=mel, labels=labels), seed=0, steps=30, batch=16, lr=3e-3, n_classes=2)
    p = m21.judge_mels(judge, mel)
    assert p.shape == (64, 2) and np.allclose(p.sum(1), 1) and (p.argmax(1) == labels).mean() > 0.9
