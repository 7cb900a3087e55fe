"""Tests of foley_nb_utils.nn: shapes, the maths each block stands for, and tiny learning checks.

References are computed independently (numpy products, explicit formulas, torch's fused
attention, a Gaussian whose optimal denoiser is known in closed form).
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from foley_nb_utils import nn as fnn


def _gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


@pytest.fixture(autouse=True)
def _seeded_single_thread():
    # layer initialisation uses torch's default generator: fix it so tests are repeatable;
    # one thread is faster for these tiny models (and robust on a busy 2-core machine)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    yield
    torch.set_num_threads(threads)


# ----------------------------------------------------------------------------- scaling
def test_db_to_unit_range_and_round_trip():
    S = np.array([-100.0, -80.0, -40.0, 0.0, 10.0])
    u = fnn.db_to_unit(S)
    np.testing.assert_allclose(u, [-1, -1, 0, 1, 1])
    np.testing.assert_allclose(fnn.unit_to_db(fnn.db_to_unit(S[1:4])), S[1:4])
    with pytest.raises(ValueError, match="ceil_db"):
        fnn.db_to_unit(S, floor_db=0.0, ceil_db=-80.0)


# ----------------------------------------------------------------------------- eq. 1, CNN
def test_mlp_shapes_and_layers():
    m = fnn.mlp(12, (8, 4), 3)
    assert m(torch.randn(5, 12)).shape == (5, 3)
    assert [type(x).__name__ for x in m] == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert fnn.mlp(6, (), 2)[0].weight.shape == (2, 6)  # a linear model
    with pytest.raises(ValueError, match="in_dim"):
        fnn.mlp(0, (4,), 2)


def test_seeded_dropout_masks_come_from_its_own_generator():
    from foley_nb_utils.train import build_seeded

    x = torch.ones(64, 128)
    a, b = (build_seeded(7, lambda: fnn.SeededDropout(0.25)) for _ in range(2))
    ya = a(x)
    torch.rand(1000)  # a draw from the global generator between the two must not matter
    yb = b(x)
    assert torch.equal(ya, yb)
    assert torch.equal(ya.unique(), torch.tensor([0.0, 1 / 0.75]))  # kept ones scaled by 1 / (1 - p)
    assert abs(float((ya == 0).float().mean()) - 0.25) < 0.02
    assert not torch.equal(a(x), ya)  # a new mask each call
    c = build_seeded(8, lambda: fnn.SeededDropout(0.25))
    assert not torch.equal(c(x), ya)
    assert torch.equal(a.eval()(x), x) and torch.equal(fnn.SeededDropout(0.0)(x), x)
    assert repr(a) == "SeededDropout(p=0.25)"  # part of the checkpoint key; the seed is not
    for bad in (1.0, -0.1, "0.5", True):
        with pytest.raises(ValueError, match="dropout probability"):
            fnn.SeededDropout(bad)


def test_conv_encoder_shapes_and_feature_maps():
    enc = fnn.ConvEncoder(3, widths=(8, 16), out_dim=17)
    x = torch.randn(2, 3, 64, 64)
    assert enc(x).shape == (2, 17)
    maps = enc.feature_maps(x)
    assert [tuple(m.shape) for m in maps] == [(2, 8, 32, 32), (2, 16, 16, 16)]
    spec = fnn.ConvEncoder(1, widths=(4,), pool="avg")
    assert spec(torch.randn(3, 1, 32, 20)).shape == (3, 4) and spec.out_dim == 4
    with pytest.raises(ValueError, match="pool"):
        fnn.ConvEncoder(pool="median")
    with pytest.raises(ValueError, match=r"\[B, C, H, W\]"):
        enc(torch.randn(3, 64, 64))


def test_conv_encoder_learns_stripe_orientation():
    g = _gen(1)
    n = 32
    base = torch.zeros(n, 1, 8, 8)
    phase = torch.randint(0, 4, (n,), generator=g)
    idx = torch.arange(8)
    stripes = ((idx[None, :] + phase[:, None]) % 4 < 2).float()  # [n, 8]
    y = torch.arange(n) % 2
    x = torch.where(y[:, None, None, None].bool(), stripes[:, None, :, None] + base,
                    stripes[:, None, None, :] + base)
    x = x + 0.3 * torch.randn(x.shape, generator=g)
    enc = fnn.ConvEncoder(1, widths=(4, 8), out_dim=2)
    opt = torch.optim.Adam(enc.parameters(), 2e-2)
    for _ in range(40):
        loss = F.cross_entropy(enc(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    enc.eval()
    assert (enc(x).argmax(1) == y).float().mean() > 0.9


# ----------------------------------------------------------------------------- LSTM
def test_lstm_head_shape_and_causality():
    head = fnn.LSTMHead(5, hidden=8, out_dim=2)
    x = torch.randn(3, 10, 5)
    y = head(x)
    assert y.shape == (3, 10, 2)
    x2 = x.clone()
    x2[:, 6:] += 5.0  # change the future only
    y2 = head(x2)
    torch.testing.assert_close(y[:, :6], y2[:, :6])  # the past does not see it
    assert not torch.allclose(y[:, 6:], y2[:, 6:])
    bi = fnn.LSTMHead(5, hidden=8, out_dim=2, bidirectional=True)
    assert not torch.allclose(bi(x)[:, :6], bi(x2)[:, :6])  # a bidirectional head does


def test_lstm_head_beats_per_frame_model_on_a_memory_task():
    # target: a decaying trace of past impulses -> needs memory; a per-step MLP cannot do it
    g = _gen(2)
    x = (torch.rand(32, 12, 1, generator=g) < 0.2).float()
    y = torch.zeros_like(x)
    for t in range(12):
        y[:, t] = x[:, t] + (0.7 * y[:, t - 1] if t else 0)
    lstm, per_step = fnn.LSTMHead(1, hidden=8), fnn.mlp(1, (8,), 1)
    losses = {}
    for name, m in (("lstm", lstm), ("mlp", per_step)):
        opt = torch.optim.Adam(m.parameters(), 3e-2)
        for _ in range(80):
            loss = F.mse_loss(m(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            losses[name] = float(F.mse_loss(m(x), y))
    assert losses["lstm"] < 0.3 * losses["mlp"], losses


# ----------------------------------------------------------------------------- attention
def test_attention_matches_torch_and_rows_sum_to_one():
    g = _gen(3)
    q, k, v = (torch.randn(2, 4, s, 8, generator=g) for s in (5, 7, 7))
    out, w = fnn.attention(q, k, v)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v))
    torch.testing.assert_close(w.sum(-1), torch.ones(2, 4, 5))
    mask = torch.ones(5, 7, dtype=torch.bool)
    mask[:, 3:] = False
    out_m, w_m = fnn.attention(q, k, v, mask)
    assert float(w_m[..., 3:].abs().max()) == 0.0
    torch.testing.assert_close(out_m, F.scaled_dot_product_attention(q, k, v, attn_mask=mask))
    with pytest.raises(ValueError, match="mask row"):
        fnn.attention(q, k, v, torch.zeros(5, 7, dtype=torch.bool))


@pytest.mark.parametrize("kind", ["additive", "dot"])
def test_attention_pool_weights(kind):
    pool = fnn.AttentionPool(6, dim=8, kind=kind)
    x = torch.randn(4, 9, 6)
    out, w = pool(x)
    assert out.shape == (4, 8) and w.shape == (4, 9)
    torch.testing.assert_close(w.sum(1), torch.ones(4))
    assert bool((w >= 0).all())
    mask = torch.ones(4, 9, dtype=torch.bool)
    mask[:, -3:] = False
    out_m, w_m = pool(x, mask)
    assert float(w_m[:, -3:].detach().max()) == 0.0
    torch.testing.assert_close(w_m.sum(1), torch.ones(4))
    # masked steps do not influence the output
    x2 = x.clone()
    x2[:, -3:] = 100.0
    torch.testing.assert_close(pool(x2, mask)[0], out_m)


@pytest.mark.parametrize("kind", ["additive", "dot"])
def test_attention_pool_learns_to_find_the_marked_step(kind):
    # each sequence has one marked step (feature 0 = 1); the target is the value there (feature 1)
    g = _gen(4)
    B, T = 64, 10
    x = torch.zeros(B, T, 2)
    pos = torch.randint(0, T, (B,), generator=g)
    x[..., 1] = torch.randn(B, T, generator=g)
    x[torch.arange(B), pos, 0] = 1.0
    target = x[torch.arange(B), pos, 1]
    pool = fnn.AttentionPool(2, dim=8, kind=kind)
    read = torch.nn.Linear(8, 1)
    opt = torch.optim.Adam([*pool.parameters(), *read.parameters()], 3e-2)
    for _ in range(120):
        out, w = pool(x)
        loss = F.mse_loss(read(out).squeeze(-1), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
    _, w = pool(x)
    mass = w[torch.arange(B), pos].mean()
    assert mass > 0.7, float(mass)  # uniform attention would give 1/10


# ----------------------------------------------------------------------------- Transformer
def test_sinusoidal_embedding():
    e = fnn.sinusoidal_embedding(torch.arange(5), 8)
    assert e.shape == (5, 8)
    torch.testing.assert_close(e[0], torch.tensor([0.0, 1.0] * 4))
    torch.testing.assert_close(e[3, :2], torch.tensor([math.sin(3.0), math.cos(3.0)]))
    assert fnn.sinusoidal_embedding(torch.tensor([[0.5, 2.0]]), 4).shape == (1, 2, 4)
    with pytest.raises(ValueError, match="even"):
        fnn.sinusoidal_embedding(torch.arange(3), 5)


def test_tiny_transformer_shapes_positions_and_causality():
    tr = fnn.TinyTransformer(6, 3, d_model=16, nhead=2, num_layers=1).eval()
    x = torch.randn(2, 7, 6)
    y = tr(x)
    assert y.shape == (2, 7, 3)
    perm = torch.tensor([6, 5, 4, 3, 2, 1, 0])
    # position embeddings make the output depend on order (plain self-attention would not)
    assert not torch.allclose(tr(x[:, perm]), y[:, perm], atol=1e-4)
    causal = fnn.TinyTransformer(6, 3, d_model=16, nhead=2, num_layers=2, causal=True).eval()
    x2 = x.clone()
    x2[:, 4:] += 3.0
    torch.testing.assert_close(causal(x)[:, :4], causal(x2)[:, :4])
    assert not torch.allclose(causal(x)[:, 4:], causal(x2)[:, 4:])
    pad = torch.zeros(2, 7, dtype=torch.bool)
    pad[:, 5:] = True
    x3 = x.clone()
    x3[:, 5:] = 50.0
    torch.testing.assert_close(tr(x, pad)[:, :5], tr(x3, pad)[:, :5])  # padding is ignored
    with pytest.raises(ValueError, match="divisible"):
        fnn.TinyTransformer(6, 3, d_model=10, nhead=4)


# ----------------------------------------------------------------------------- GAN
def test_generator_shape_and_range():
    G = fnn.PatchGenerator(z_dim=8, n_mels=16, frames=24, base=4)
    z = 50.0 * G.sample_z(5, _gen(5))  # extreme noise still gives a valid patch
    with torch.no_grad():
        x = G(z)
    assert x.shape == (5, 1, 16, 24)
    assert float(x.abs().max()) <= 1.0
    torch.testing.assert_close(G.sample_z(3, _gen(6)), G.sample_z(3, _gen(6)))
    D = fnn.PatchDiscriminator(n_mels=16, frames=24, base=4)
    assert D(x).shape == (5,)
    with pytest.raises(ValueError, match="divisible by 8"):
        fnn.PatchGenerator(n_mels=20)


def test_gan_losses_match_the_formulas():
    r, f = torch.tensor([2.0, -1.0, 0.3]), torch.tensor([0.5, -2.0])
    sig = torch.sigmoid
    ref_d = -torch.log(sig(r)).mean() - torch.log(1 - sig(f)).mean()
    torch.testing.assert_close(fnn.discriminator_loss(r, f), ref_d)
    torch.testing.assert_close(fnn.generator_loss(f), -torch.log(sig(f)).mean())
    # a discriminator that cannot tell (D = 1/2 everywhere) has loss 2 log 2
    torch.testing.assert_close(fnn.discriminator_loss(torch.zeros(4), torch.zeros(4)),
                               torch.tensor(2 * math.log(2)))


# ----------------------------------------------------------------------------- diffusion
def test_schedule_identities():
    s = fnn.DDPMSchedule.linear(1000)
    b = np.linspace(1e-4, 0.02, 1000)
    np.testing.assert_allclose(s.betas.numpy(), b, rtol=1e-5)
    np.testing.assert_allclose(s.alpha_bars.numpy(), np.cumprod(1 - b), rtol=1e-4)  # ᾱ_t = ∏(1-β_s)
    np.testing.assert_allclose(s.alphas.numpy(), 1 - b, rtol=1e-6)
    ab_prev = np.concatenate([[1.0], np.cumprod(1 - b)[:-1]])
    np.testing.assert_allclose(s.posterior_variance.numpy(), b * (1 - ab_prev) / (1 - np.cumprod(1 - b)),
                               rtol=1e-4)
    assert float(s.posterior_variance[0]) == 0.0
    short = fnn.DDPMSchedule.linear(50)  # scaled end points: still ends near pure noise
    assert 1e-6 < float(short.alpha_bars[-1]) < 1e-3 and short.T == 50
    cos = fnn.DDPMSchedule.cosine(100)
    ab = cos.alpha_bars.numpy()
    assert np.all(np.diff(ab) < 0) and ab[-1] < 1e-3 and ab[0] > 0.99
    np.testing.assert_allclose(ab, np.cumprod(1 - cos.betas.numpy()), rtol=1e-4)
    assert np.all(np.diff(s.snr().numpy()) < 0)
    with pytest.raises(ValueError, match=r"\(0, 1\)"):
        fnn.DDPMSchedule(torch.tensor([0.1, 1.5]))


def test_q_sample_mean_and_variance_on_many_draws():
    s = fnn.DDPMSchedule.linear(100)
    g = _gen(7)
    n = 20000
    x0 = torch.full((n, 2), 0.8)
    x0[:, 1] = -0.5
    for t in (0, 30, 99):
        xt = fnn.q_sample(s, x0, t, torch.randn(x0.shape, generator=g))
        ab = float(s.alpha_bars[t])
        np.testing.assert_allclose(xt.mean(0).numpy(), math.sqrt(ab) * np.array([0.8, -0.5]), atol=0.03)
        np.testing.assert_allclose(xt.var(0).numpy(), [1 - ab] * 2, rtol=0.05, atol=2e-4)


def test_q_sample_equals_iterating_the_one_step_forward_process():
    # x_t = sqrt(1-β_t) x_{t-1} + sqrt(β_t) ε, applied t times, has the closed-form distribution
    s = fnn.DDPMSchedule.linear(40)
    g = _gen(8)
    x = torch.full((20000,), 0.6)
    for t in range(25):
        x = s.alphas[t].sqrt() * x + s.betas[t].sqrt() * torch.randn(x.shape, generator=g)
    ab = float(s.alpha_bars[24])
    closed = fnn.q_sample(s, torch.full((20000, 1), 0.6), 24, torch.randn(20000, 1, generator=g)).squeeze(1)
    assert abs(float(x.mean()) - math.sqrt(ab) * 0.6) < 0.02
    assert abs(float(x.mean()) - float(closed.mean())) < 0.03
    assert abs(float(x.var()) - float(closed.var())) < 0.03


def test_q_sample_checks_inputs():
    s = fnn.DDPMSchedule.linear(10)
    with pytest.raises(ValueError, match="out of range"):
        fnn.q_sample(s, torch.zeros(2, 3), torch.tensor([0, 10]), torch.zeros(2, 3))
    with pytest.raises(ValueError, match="noise shape"):
        fnn.q_sample(s, torch.zeros(2, 3), 1, torch.zeros(2, 4))


class _GaussianOracle(torch.nn.Module):
    """The exact ε-predictor E[ε | x_t] for data x0 ~ N(mu, sd²) (independent per element)."""

    def __init__(self, schedule, mu, sd):
        super().__init__()
        self.s, self.mu, self.var = schedule, mu, sd ** 2

    def forward(self, x, t):
        ab = self.s.alpha_bars[t].reshape(-1, *([1] * (x.ndim - 1)))
        return (1 - ab).sqrt() * (x - ab.sqrt() * self.mu) / (ab * self.var + 1 - ab)


@pytest.mark.parametrize("variance", ["posterior", "beta"])
def test_ancestral_sampler_recovers_a_gaussian_with_the_exact_denoiser(variance):
    s = fnn.DDPMSchedule.linear(200)
    mu, sd = 0.4, 0.3
    x, kept = fnn.ddpm_sample(_GaussianOracle(s, mu, sd), s, (4000, 1, 2, 2), _gen(9), clip_x0=None,
                              variance=variance, keep=(199, 100))
    assert abs(float(x.mean()) - mu) < 0.02
    assert abs(float(x.std()) - sd) < 0.03
    assert set(kept) == {199, 100}
    assert abs(float(kept[199].std()) - 1.0) < 0.03  # x_T is pure noise


def test_sampler_is_deterministic_and_clips():
    s = fnn.DDPMSchedule.linear(20)
    wrong = _GaussianOracle(s, 5.0, 1.0)  # believes the data sit around 5
    a, _ = fnn.ddpm_sample(wrong, s, (8, 1, 2, 2), _gen(10))
    b, _ = fnn.ddpm_sample(wrong, s, (8, 1, 2, 2), _gen(10))
    torch.testing.assert_close(a, b)
    assert float(a.abs().max()) <= 1.0 + 1e-5  # the last step returns the clipped x̂_0
    unclipped, _ = fnn.ddpm_sample(wrong, s, (8, 1, 2, 2), _gen(10), clip_x0=None)
    assert float(unclipped.mean()) > 3.0
    with pytest.raises(ValueError, match="variance"):
        fnn.ddpm_sample(wrong, s, (1, 1, 2, 2), _gen(0), variance="learned")



def test_ddim_on_every_step_with_eta_one_is_the_ancestral_sampler():
    s = fnn.DDPMSchedule.linear(50)
    oracle = _GaussianOracle(s, 0.4, 0.3)
    a = fnn.ddim_sample(oracle, s, (64, 1, 2, 2), _gen(3), steps=50, eta=1.0)
    b, _ = fnn.ddpm_sample(oracle, s, (64, 1, 2, 2), _gen(3))  # same draws in the same order
    torch.testing.assert_close(a, b, atol=1e-4, rtol=0)


def test_deterministic_ddim_recovers_a_gaussian_and_improves_with_steps():
    s = fnn.DDPMSchedule.linear(200)
    mu, sd = 0.4, 0.3
    err = {}
    for steps in (5, 25, 200):
        x = fnn.ddim_sample(_GaussianOracle(s, mu, sd), s, (4000, 1, 2, 2), _gen(11), steps=steps, clip_x0=None)
        assert abs(float(x.mean()) - mu) < 0.02  # the mean is right at any step count
        err[steps] = abs(float(x.std()) - sd)
    assert err[200] < 0.03
    assert err[5] > err[25] > err[200]  # coarse steps shrink the spread: discretisation error


def test_ddim_is_deterministic_at_eta_zero_and_checks_its_arguments():
    s = fnn.DDPMSchedule.linear(20)
    oracle = _GaussianOracle(s, 0.2, 0.5)
    a = fnn.ddim_sample(oracle, s, (8, 1, 2, 2), _gen(12), steps=5)
    b = fnn.ddim_sample(oracle, s, (8, 1, 2, 2), _gen(12), steps=5)
    torch.testing.assert_close(a, b)
    assert float(a.abs().max()) <= 1.0 + 1e-5
    with pytest.raises(ValueError, match="at most"):
        fnn.ddim_sample(oracle, s, (1, 1, 2, 2), _gen(0), steps=21)
    with pytest.raises(ValueError, match="eta"):
        fnn.ddim_sample(oracle, s, (1, 1, 2, 2), _gen(0), steps=5, eta=1.5)
    with pytest.raises(ValueError, match="steps"):
        fnn.ddim_sample(oracle, s, (1, 1, 2, 2), _gen(0), steps=0)


def test_ddpm_loss_of_a_zero_predictor_is_the_noise_power():
    s = fnn.DDPMSchedule.linear(50)
    zero = lambda x, t: torch.zeros_like(x)  # noqa: E731
    loss = fnn.ddpm_loss(zero, s, torch.zeros(256, 1, 8, 8), _gen(11))
    assert abs(float(loss) - 1.0) < 0.03
    torch.testing.assert_close(loss, fnn.ddpm_loss(zero, s, torch.zeros(256, 1, 8, 8), _gen(11)))


def test_tiny_unet_shape_and_step_conditioning():
    net = fnn.TinyUNet(1, base=8)
    x = torch.randn(3, 1, 16, 12)
    y = net(x, torch.tensor([0, 5, 9]))
    assert y.shape == x.shape
    assert not torch.allclose(net(x, torch.tensor([0, 0, 0])), net(x, torch.tensor([50, 50, 50])))
    with pytest.raises(ValueError, match="even"):
        net(torch.randn(1, 1, 15, 12), torch.tensor([0]))


def test_tiny_unet_learns_to_denoise():
    # one training run of the simplified objective lowers the loss well below the zero predictor's 1.0
    s = fnn.DDPMSchedule.linear(50)
    g = _gen(12)
    rows = torch.linspace(-1, 1, 8)
    data = rows[None, None, :, None].expand(64, 1, 8, 8).contiguous()  # one fixed ramp image
    net = fnn.TinyUNet(1, base=8)
    opt = torch.optim.Adam(net.parameters(), 3e-3)
    for _ in range(120):
        loss = fnn.ddpm_loss(net, s, data, g)
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        final = float(np.mean([float(fnn.ddpm_loss(net, s, data, g)) for _ in range(5)]))
    assert final < 0.5, final


def test_temporal_unet_shapes_and_conditioning():
    net = fnn.TemporalUNet(12, channels=16)
    x = torch.randn(3, 1, 12, 10)
    t = torch.tensor([0, 4, 9])
    assert net(x, t).shape == x.shape
    assert net(x[:, 0], t).shape == (3, 12, 10)  # [B, n_mels, frames] works too
    torch.testing.assert_close(net(x, t)[:, 0], net(x[:, 0], t))
    assert not torch.allclose(net(x, torch.zeros(3, dtype=torch.long)), net(x, torch.full((3,), 80)))
    with pytest.raises(ValueError, match="even frames"):
        net(torch.randn(1, 1, 12, 9), torch.tensor([0]))
    with pytest.raises(ValueError, match="n_mels|12"):
        net(torch.randn(1, 1, 8, 10), torch.tensor([0]))
    cond_net = fnn.TemporalUNet(12, channels=16, cond_ch=4)
    c = torch.randn(3, 4, 10)
    assert cond_net(x, t, c).shape == x.shape
    assert not torch.allclose(cond_net(x, t, c), cond_net(x, t, c + 1.0))  # the condition is used
    with pytest.raises(ValueError, match="cond"):
        cond_net(x, t)
    with pytest.raises(ValueError, match="cond"):
        cond_net(x, t, torch.randn(3, 4, 8))
