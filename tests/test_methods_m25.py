"""Unit tests of the conditional flow-matching module (notebook 25).

The judges the module uses as frozen condition encoders are built here untrained (same classes,
same code path, no training), so the tests stay fast and independent of the cache.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from foley_nb_utils import nn as fnn
from foley_nb_utils.metrics import judges as J
from foley_nb_utils.methods import m25_flow_matching as m25


@pytest.fixture(autouse=True)
def _one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(scope="module")
def judges():
    """Untrained audio, image and sync judges with the real classes and input specs."""
    torch.manual_seed(0)
    spec = {"sr": 16000, "n_samples": 32000, "fps": 15.0, "n_frames": 30}
    mats = {"material": tuple(f"m{i}" for i in range(17))}
    audio = J.AudioJudge("audio", "hits", "quick", {**mats, "action": ("hit", "scratch")}, {}, {},
                         J.AudioNet({"material": 17, "action": 2}), spec, {})
    image = J.ImageJudge("image", "hits", "quick", mats, {}, {}, J.ImageNet({"material": 17}), spec, {})
    sync = J.SyncJudge("sync", "hits", "quick", {"offset": tuple(str(k) for k in range(13))}, {}, {},
                       J.SyncNet(256, 32, 6), {**spec, "max_shift": 6}, {})
    for j in (audio, image, sync):
        j.model.eval()
    return {"audio": audio, "image": image, "sync": sync}


@pytest.fixture(scope="module")
def clips(judges):
    tr, te = m25.load_clips(16, 6, 0)
    return m25.prepare(tr, judges), m25.prepare(te, judges), te


def test_data_shapes_and_ranges(clips):
    tr, te, te_b = clips
    assert tr.mel.shape == (16, 64, 126) and tr.mel.min() >= -1 and tr.mel.max() <= 1
    assert tr.sem.shape == (16, 64) and tr.sync.shape == (16, 32, 30)
    assert tr.frames.shape == (16, 30, 64, 64, 3) and len(tr.times) == 16
    assert sum(len(t) for t in tr.times) > 0
    assert te_b.sr == 16000 and te_b.fps == 15.0
    with pytest.raises(ValueError, match="16000"):
        m25.mel_db(np.zeros((1, 100)), 8000)


def test_pca_latent_round_trip(clips):
    tr = clips[0]
    full = m25.PCALatent(tr.mel, 64)
    np.testing.assert_allclose(full.decode(full.encode(tr.mel)), tr.mel, atol=1e-4)
    lat = m25.PCALatent(tr.mel, 8)
    z = lat.encode(tr.mel)
    assert z.shape == (16, 8, 126)
    np.testing.assert_allclose(z.reshape(-1, 8 * 126).std(), 1.0, rtol=0.2)  # unit variance per component
    err = np.abs(lat.decode(z) - tr.mel).mean()
    assert err < np.abs(tr.mel - tr.mel.mean()).mean() and 0 < lat.explained < 1
    with pytest.raises(ValueError, match="k must"):
        m25.PCALatent(tr.mel, 0)


def test_sync_tokens_aligned_pooled_none():
    ramp = torch.arange(30, dtype=torch.float32).view(1, 1, 30).expand(2, 3, 30)
    net = m25.FlowDiT(channels=4, frames=126, sync_dim=3, d=16, layers=1, heads=2, ff=16, patch=2)
    s = net.sync_tokens(ramp)                                     # [2, 63, 3]
    assert s.shape == (2, 63, 3)
    centre = (np.arange(63) * 2 + 0.5) * 256 / 16000 * 15         # token centres in video frames
    np.testing.assert_allclose(s[0, :, 0].numpy(), np.clip(centre, 0, 29), atol=1e-4)
    net.sync_mode = "pooled"
    np.testing.assert_allclose(net.sync_tokens(ramp)[0, :, 0].numpy(), 14.5)
    net.sync_mode = "none"
    assert float(net.sync_tokens(ramp).abs().sum()) == 0
    with pytest.raises(ValueError, match="sync must"):
        m25.FlowDiT(sync="late")
    with pytest.raises(ValueError, match="divisible"):
        m25.FlowDiT(frames=125, patch=2)


def test_flowdit_shapes_and_drop_uses_null_condition():
    torch.manual_seed(0)
    net = m25.FlowDiT(channels=4, frames=126, sem_dim=5, sync_dim=3, d=16, layers=1, heads=2, ff=16)
    for p in net.parameters():  # leave the zero initialisation, so the output depends on the input
        torch.nn.init.normal_(p, std=0.1)
    x, t = torch.randn(2, 4, 126), torch.rand(2)
    sem, sync = torch.randn(2, 5), torch.randn(2, 3, 30)
    y = net(x, t, sem, sync)
    assert y.shape == x.shape
    dropped = net(x, t, sem, sync, torch.ones(2, dtype=torch.bool))
    other = net(x, t, torch.randn(2, 5), torch.randn(2, 3, 30), torch.ones(2, dtype=torch.bool))
    torch.testing.assert_close(dropped, other)                     # conditions ignored when dropped
    assert not torch.allclose(y, dropped)
    with pytest.raises(ValueError, match="x must"):
        net(torch.randn(2, 5, 126), t, sem, sync)


class _PointMass(torch.nn.Module):
    """The exact velocity field towards a point mass c: v(x, t) = (c − x) / (1 − t); with a
    condition-dependent c so that guidance can be checked."""

    channels, frames = 2, 4

    def forward(self, x, t, sem, sync, drop):
        c = torch.where(drop.view(-1, 1, 1), torch.zeros_like(x), sem[:, :1, None].expand_as(x))
        return (c - x) / (1 - t.view(-1, 1, 1))


def test_euler_is_exact_for_a_point_mass_and_guidance_extrapolates():
    sem = torch.tensor([[1.0], [-2.0]])
    sync = torch.zeros(2, 1, 3)
    for steps in (1, 4, 25):
        x = m25.euler_sample(_PointMass(), sem, sync, steps=steps, generator=torch.Generator().manual_seed(0))
        torch.testing.assert_close(x, sem[:, :1, None].expand(2, 2, 4).contiguous(), atol=1e-5, rtol=0)
    # one step from x0 with guidance w: x0 + (w c + (1 - w) 0 − x0) = w c
    x0 = torch.randn(2, 2, 4, generator=torch.Generator().manual_seed(1))
    x = m25.euler_sample(_PointMass(), sem, sync, steps=1, guidance=3.0, x0=x0)
    torch.testing.assert_close(x, 3.0 * sem[:, :1, None].expand(2, 2, 4), atol=1e-5, rtol=0)
    x, traj = m25.euler_sample(_PointMass(), sem, sync, steps=3, x0=x0, keep=True)
    assert len(traj) == 4


def _tiny_data(n=24, k=4):
    g = np.random.default_rng(0)
    sem = g.normal(size=(n, 6)).astype(np.float32)
    sync = g.normal(size=(n, 3, 30)).astype(np.float32)
    z = (np.tanh(sem[:, :k, None]) + 0.1 * g.normal(size=(n, k, 126))).astype(np.float32)
    d = m25.Data(np.zeros((n, 30, 4, 4, 3), np.uint8), np.zeros((n, 64, 126), np.float32), sem, sync,
                 [np.array([0.5])] * n, np.zeros(n, np.int64), z)
    return d


@pytest.mark.parametrize("kind", ["fm", "ddpm"])
def test_training_lowers_the_loss_and_sampling_runs(kind, tmp_path, monkeypatch):
    monkeypatch.setenv("FOLEY_CACHE_DIR", str(tmp_path))
    data = _tiny_data()
    net = m25.FlowDiT(channels=4, sem_dim=6, sync_dim=3, d=32, layers=1, heads=2, ff=32)
    hist = m25.train(net, data, kind=kind, seed=0, steps=60, batch=16, lr=3e-3, name=f"test-m25-{kind}")
    assert np.mean(hist["loss"][-10:]) < np.mean(hist["loss"][:10])
    z = m25.sample(net, data.sem[:3], data.sync[:3], kind=kind, steps=4, guidance=2.0, seed=0)
    assert z.shape == (3, 4, 126) and np.all(np.isfinite(z))
    again = m25.sample(net, data.sem[:3], data.sync[:3], kind=kind, steps=4, guidance=2.0, seed=0)
    np.testing.assert_array_equal(z, again)
    with pytest.raises(ValueError, match="latent"):
        m25.train(net, m25.Data(data.frames, data.mel, data.sem, data.sync, data.times, data.labels), seed=0,
                  steps=1, name="x")
    with pytest.raises(ValueError, match="kind"):
        m25.sample(net, data.sem[:1], data.sync[:1], kind="gan")


def test_reflow_pairs_are_the_models_own_samples(tmp_path, monkeypatch):
    monkeypatch.setenv("FOLEY_CACHE_DIR", str(tmp_path))
    data = _tiny_data(8)
    torch.manual_seed(0)
    net = m25.FlowDiT(channels=4, sem_dim=6, sync_dim=3, d=16, layers=1, heads=2, ff=16)
    x0, x1 = m25.reflow_pairs(net, data, seed=0, steps=4, chunk=5)
    assert x0.shape == x1.shape == (8, 4, 126)
    # the zero-initialised network has velocity 0: its samples are its noise
    np.testing.assert_allclose(x0, x1, atol=1e-6)
    hist = m25.train(net, data, seed=0, steps=5, batch=4, name="test-m25-reflow", pairs=(x0, x1))
    assert len(hist["loss"]) == 5


def test_ddpm_loss_is_the_shared_objective():
    sched = fnn.DDPMSchedule.linear(50)
    data = _tiny_data(4)
    net = m25.FlowDiT(channels=4, sem_dim=6, sync_dim=3, d=16, layers=1, heads=2, ff=16)
    loss = m25.ddpm_loss(net, sched, torch.from_numpy(data.z), torch.from_numpy(data.sem),
                         torch.from_numpy(data.sync), torch.Generator().manual_seed(0))
    # the zero-initialised network predicts ε̂ = 0, so the loss is E ε² ≈ 1
    assert 0.8 < float(loss.detach()) < 1.2


def test_onset_ap_desync_kl_and_diversity(clips, judges):
    _, te, _ = clips
    u = np.full((2, 64, 126), -1.0, np.float32)
    for f in (20, 70):
        u[:, :, f:f + 6] = 0.5                                   # two clicks at 20 and 70 frames
    times = [np.array([20, 70]) * 256 / 16000] * 2
    np.testing.assert_allclose(m25.onset_ap(u, times), 1.0)
    assert np.isnan(m25.onset_ap(u, [np.array([]), np.array([])])).all()
    d = m25.desync(te.mel, te.frames, judges["sync"])
    assert d.shape == (6,) and np.all(d >= 0) and np.all(d <= 0.41)
    p = np.array([[0.5, 0.5], [1.0, 0.0]])
    np.testing.assert_allclose(m25.kl_per_clip(p, p), 0.0, atol=1e-12)
    np.testing.assert_allclose(m25.kl_per_clip(p[:1], np.array([[0.9, 0.1]])),
                               0.5 * np.log(0.5 / 0.9) + 0.5 * np.log(0.5 / 0.1))
    assert np.all(m25.diversity(u, u) == 0)
    ev = m25.evaluate(te.mel, te, judges)
    assert set(ev) == {"desync", "onset_ap", "kl", "fd", "acc"}
    np.testing.assert_allclose(ev["kl"], 0.0, atol=1e-9)


def test_full_profile_builds_and_runs_one_batch():
    net = m25.build("full")
    assert net.d == 256 and len(net.blocks) == 6 and net.channels == m25.PROFILES["full"]["k"]
    x = torch.randn(2, net.channels, 126)
    loss = m25.fm_loss(net, x, torch.randn(2, 64), torch.randn(2, 32, 30), torch.Generator().manual_seed(0))
    loss.backward()
    assert torch.isfinite(loss) and 1e6 < m25.n_params(net) < 2e7


def test_generate_for_the_benchmark(clips, judges):
    tr, te, te_b = clips
    lat = m25.PCALatent(tr.mel, 8)
    trained = m25.Trained(m25.FlowDiT(channels=8, d=16, layers=1, heads=2, ff=16), lat, judges)
    out = m25.generate(trained, te_b.subset(np.arange(1)), steps=2, guidance=2.0, generator=0)
    assert out["mel"].shape == (1, 64, 126) and out["mel_db"].shape == (1, 64, 126)
    assert out["audio"].shape == (1, 32000) and out["sr"] == 16000 and np.all(np.isfinite(out["audio"]))
    again = m25.generate(trained, te.frames[:1], steps=2, guidance=2.0, generator=0, audio=False)
    np.testing.assert_array_equal(out["mel"], again["mel"])
    with pytest.raises(ValueError, match="frames"):
        m25.condition_features(np.zeros((2, 30, 8, 8)), judges)


def test_toy_flow_moves_noise_towards_the_blobs(tmp_path, monkeypatch):
    monkeypatch.setenv("FOLEY_CACHE_DIR", str(tmp_path))
    net = m25.train_toy(0, steps=150, batch=128)
    x0 = torch.randn(200, 2, generator=torch.Generator().manual_seed(0))
    path = m25.toy_trajectories(net, x0, 10)
    assert path.shape == (11, 200, 2)
    end = path[-1]
    dist = torch.minimum((end - torch.tensor([-2.0, 1.0])).norm(dim=1), (end - torch.tensor([2.0, 1.0])).norm(dim=1))
    start = torch.minimum((x0 - torch.tensor([-2.0, 1.0])).norm(dim=1), (x0 - torch.tensor([2.0, 1.0])).norm(dim=1))
    assert dist.mean() < 0.6 * start.mean()
