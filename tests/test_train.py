from __future__ import annotations

import pytest
import torch
from torch import nn

from foley_nb_utils import train


def _regression_data(seed=0, n=256):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, generator=g)
    y = x @ torch.tensor([[1.5], [-2.0], [0.5]]) + 0.3
    return [(x[i:i + 32], y[i:i + 32]) for i in range(0, n, 32)]


def _mse(model, batch):
    x, y = batch
    return nn.functional.mse_loss(model(x), y)


def test_fit_learns_a_linear_map(tmp_path):
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    data = _regression_data()
    hist = train.fit(model, data, _mse, steps=300, lr=0.05, progress=False, val_data=data[:2], val_every=100)
    assert len(hist["loss"]) == 300
    assert hist["loss"][-1] < 0.01 * hist["loss"][0]
    assert hist["val_step"] == [100, 200, 300] and hist["val_loss"][-1] < 1e-2
    assert torch.allclose(model.weight, torch.tensor([[1.5, -2.0, 0.5]]), atol=0.05)


def test_checkpoint_reused_only_for_the_same_config(tmp_path, monkeypatch):
    monkeypatch.setenv("FOLEY_CACHE_DIR", str(tmp_path))
    data = _regression_data()
    torch.manual_seed(0)
    m1 = nn.Linear(3, 1)
    h1 = train.fit(m1, data, _mse, steps=50, lr=0.05, name="lin", config={"seed": 0}, progress=False)
    assert not h1.loaded
    files = list((tmp_path / "checkpoints").glob("lin-*.pt"))
    assert len(files) == 1
    m2 = nn.Linear(3, 1)
    h2 = train.fit(m2, data, _mse, steps=50, lr=0.05, name="lin", config={"seed": 0}, progress=False)
    assert h2.loaded and h2["loss"] == h1["loss"]
    assert torch.equal(m1.weight, m2.weight)
    # a different config or a different architecture trains anew
    h3 = train.fit(nn.Linear(3, 1), data, _mse, steps=50, lr=0.05, name="lin", config={"seed": 1}, progress=False)
    h4 = train.fit(nn.Sequential(nn.Linear(3, 1)), data, _mse, steps=50, lr=0.05, name="lin",
                   config={"seed": 0}, progress=False)
    assert not h3.loaded and not h4.loaded
    assert len(list((tmp_path / "checkpoints").glob("lin-*.pt"))) == 3
    assert not list((tmp_path / "checkpoints").glob("*.tmp"))


def test_corrupt_checkpoint_is_a_clear_error(tmp_path):
    bad = tmp_path / "x.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="x.pt"):
        train.load_checkpoint(bad)
    with pytest.raises(FileNotFoundError):
        train.load_checkpoint(tmp_path / "missing.pt")


def test_checkpoint_loads_with_weights_only(tmp_path):
    p = train.save_checkpoint(tmp_path / "a.pt", {"model": nn.Linear(2, 2).state_dict(), "history": {"loss": [1.0]}})
    state = torch.load(p, weights_only=True)
    assert state["history"]["loss"] == [1.0]


def test_diverging_loss_raises():
    model = nn.Linear(3, 1)
    with pytest.raises(FloatingPointError, match="step"):
        train.fit(model, _regression_data(), lambda m, b: m(b[0]).sum() * float("nan"), steps=3, progress=False)


def test_callable_data_and_extra_metrics():
    model = nn.Linear(3, 1)
    data = _regression_data()

    def loss(m, b):
        l = _mse(m, b)
        return l, {"rmse": l.sqrt().item()}

    hist = train.fit(model, lambda s: data[s % len(data)], loss, steps=20, progress=False)
    assert len(hist["rmse"]) == 20


def test_fit_gan_moves_generator_towards_data(tmp_path, monkeypatch):
    monkeypatch.setenv("FOLEY_CACHE_DIR", str(tmp_path))
    torch.manual_seed(0)
    G = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1))
    D = nn.Sequential(nn.Linear(1, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1))
    g = torch.Generator().manual_seed(0)
    real = [torch.randn(64, 1, generator=g) * 0.5 + 3.0 for _ in range(20)]
    bce = nn.functional.binary_cross_entropy_with_logits

    def d_loss(G, D, x):
        z = torch.randn(len(x), 2)
        fake = G(z).detach()
        return bce(D(x), torch.ones(len(x), 1)) + bce(D(fake), torch.zeros(len(x), 1))

    def g_loss(G, D, x):
        return bce(D(G(torch.randn(len(x), 2))), torch.ones(len(x), 1))

    before = G(torch.randn(512, 2)).mean().item()
    hist = train.fit_gan(G, D, real, d_loss, g_loss, steps=400, lr_g=2e-3, lr_d=2e-3, progress=False,
                         name="toygan", config={})
    after = G(torch.randn(512, 2)).mean().item()
    assert len(hist["d_loss"]) == 400
    assert abs(after - 3.0) < 0.5 < abs(before - 3.0)
    G2 = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1))
    D2 = nn.Sequential(nn.Linear(1, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1))
    assert train.fit_gan(G2, D2, real, d_loss, g_loss, steps=400, lr_g=2e-3, lr_d=2e-3, progress=False,
                         name="toygan", config={}).loaded


def _dropout_net(seed: int) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 1))


def _train_dropout_net(seed: int, config: dict) -> nn.Module:
    net = _dropout_net(seed)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(64, 4, generator=g)
    train.fit(net, lambda s: (x, x.sum(1, keepdim=True)), lambda m, b: (m(b[0]) - b[1]).pow(2).mean(),
              steps=20, lr=1e-2, config=config, progress=False)
    return net


def test_dropout_is_independent_of_what_ran_before_and_restores_the_global_generator():
    """A model trains to the same weights whether or not other code drew random numbers before
    (a model loaded from the cache instead of trained draws none), and training leaves the
    caller's global generator where it was."""
    a = _train_dropout_net(1, {"run": "a"})
    torch.manual_seed(123)
    torch.rand(1000)  # what an earlier training (say, with dropout) would have consumed
    b = _train_dropout_net(1, {"run": "a"})
    assert all(torch.equal(p, q) for p, q in zip(a.state_dict().values(), b.state_dict().values()))
    c = _train_dropout_net(1, {"run": "c"})  # another training: another dropout stream
    assert not all(torch.equal(p, q) for p, q in zip(a.state_dict().values(), c.state_dict().values()))
    layer = nn.Linear(1, 1)
    torch.manual_seed(7)
    before = torch.random.get_rng_state()
    with train.training_rng({"x": 1}, layer):
        torch.rand(10)
    assert torch.equal(torch.random.get_rng_state(), before)


def test_side_by_side_returns_results_by_name_and_restores_the_global_generator():
    torch.manual_seed(123)
    want = torch.rand(3)
    torch.manual_seed(123)

    def draws_global():  # what a job must not do (dropout): its draws depend on thread timing
        torch.manual_seed(7)
        return torch.rand(2)

    out = train.side_by_side({"x": lambda: 1, "y": draws_global, "z": lambda: "three"}, workers=2)
    assert list(out) == ["x", "y", "z"] and out["x"] == 1 and out["z"] == "three"
    assert torch.equal(torch.rand(3), want)  # the global generator is as before the jobs


def test_side_by_side_names_the_failing_job_and_rejects_bad_workers():
    def broken():
        raise ValueError("no data")

    with pytest.raises(RuntimeError, match="'second'.*no data"):
        train.side_by_side({"first": lambda: 1, "second": broken}, workers=2)
    with pytest.raises(ValueError, match="workers"):
        train.side_by_side({"a": lambda: 1}, workers=0)


def test_side_by_side_runs_in_turn_when_operations_use_several_threads(monkeypatch):
    import threading

    names = []
    monkeypatch.setattr(torch, "get_num_threads", lambda: 4)
    train.side_by_side({k: (lambda: names.append(threading.current_thread().name)) for k in "ab"})
    assert names == [threading.main_thread().name] * 2


def _small_convnet() -> nn.Module:
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.Conv2d(4, 8, 3, stride=2),
                         nn.Flatten(), nn.Linear(8 * 7 * 7, 3))


def test_optimizer_options_give_the_numbers_of_the_per_parameter_loop(monkeypatch):
    """``OPTIMIZER_OPTIONS`` (one foreach call for all parameters) only makes Adam faster: fit and
    fit_gan reach bit-identical weights with torch's per-parameter loop (``foreach=False``)."""
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(32, 1, 16, 16, generator=g), torch.randint(0, 3, (32,), generator=g)
    z = torch.randn(64, 8, generator=g)

    def clf_loss(m, b):
        return nn.functional.cross_entropy(m(b[0]), b[1])

    def d_loss(G, D, b):
        return nn.functional.softplus(D(G(b[0]).detach())).mean() + nn.functional.softplus(-D(b[1])).mean()

    def g_loss(G, D, b):
        return nn.functional.softplus(-D(G(b[0]))).mean()

    def weights(options):
        monkeypatch.setattr(train, "OPTIMIZER_OPTIONS", options)
        clf = train.build_seeded(1, _small_convnet)
        train.fit(clf, lambda s: (x, y), clf_loss, steps=25, lr=1e-2, weight_decay=1e-3, progress=False)
        G = train.build_seeded(2, lambda: nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 4)))
        D = train.build_seeded(3, lambda: nn.Sequential(nn.Linear(4, 32), nn.LeakyReLU(0.2), nn.Linear(32, 1)))
        train.fit_gan(G, D, lambda s: (z, z[:, :4] + 1), d_loss, g_loss, steps=25, lr_g=1e-2, lr_d=1e-2,
                      progress=False)
        return [t.clone() for m in (clf, G, D) for t in m.state_dict().values()]

    assert train.OPTIMIZER_OPTIONS.get("foreach") is True
    fast, loop = weights(dict(train.OPTIMIZER_OPTIONS)), weights({"foreach": False})
    assert len(fast) == len(loop) and all(torch.equal(a, b) for a, b in zip(fast, loop))
