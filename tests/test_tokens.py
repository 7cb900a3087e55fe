"""The token machinery of SpecVQGAN and CondFoleyGen (foley_nb_utils.tokens)."""
from __future__ import annotations

import pytest
import torch

from foley_nb_utils import tokens as tk


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


@pytest.fixture(autouse=True)
def _seeded():
    torch.manual_seed(0)


# ------------------------------------------------------------------------------ quantiser
def test_quantizer_picks_the_nearest_code_and_passes_gradients_straight_through():
    vq = tk.VectorQuantizer(16, 4)
    z = torch.randn(2, 4, 3, 5, requires_grad=True)
    z_q, idx, losses = vq(z)
    flat = z.detach().permute(0, 2, 3, 1).reshape(-1, 4)
    brute = torch.cdist(flat, vq.codes.weight.detach()).argmin(1).reshape(2, 3, 5)
    assert torch.equal(idx, brute)
    torch.testing.assert_close(z_q.detach(), vq.lookup(idx).detach())
    z_q.sum().backward()
    torch.testing.assert_close(z.grad, torch.ones_like(z))  # the identity's gradient
    assert set(losses) == {"codebook", "commitment"}
    torch.testing.assert_close(losses["commitment"], 0.25 * losses["codebook"])  # same distance, times β


def test_quantizer_checks_its_inputs():
    vq = tk.VectorQuantizer(8, 4)
    with pytest.raises(ValueError, match=r"\[B, 4, h, w\]"):
        vq(torch.zeros(1, 3, 2, 2))
    with pytest.raises(ValueError, match="0..7"):
        vq.lookup(torch.tensor([[[8]]]))
    with pytest.raises(ValueError, match="long"):
        vq.lookup(torch.zeros(1, 1, 1))
    with pytest.raises(ValueError, match="n_codes"):
        tk.VectorQuantizer(0, 4)


def test_dead_codes_restart_on_encoder_outputs():
    vq = tk.VectorQuantizer(8, 2)
    with torch.no_grad():
        vq.codes.weight[:] = torch.tensor([[0.0, 0.0]] + [[100.0 + i, 0.0] for i in range(7)])
    z = torch.randn(1, 2, 4, 4) * 0.1  # every vector is nearest to code 0
    _, idx, _ = vq(z)
    assert idx.unique().tolist() == [0]
    assert vq.restart_dead_codes(z, idx, _gen(0)) == 7
    pool = z.permute(0, 2, 3, 1).reshape(-1, 2)
    for row in vq.codes.weight[1:]:
        assert (pool - row).abs().sum(1).min() < 1e-6  # each restarted code sits on a data point


def test_code_usage_counts_perplexity_and_dead_codes():
    uniform = tk.code_usage(torch.arange(8).repeat(3), 8)
    assert uniform["perplexity"] == pytest.approx(8.0)
    assert uniform["used"] == 8 and uniform["dead_fraction"] == 0.0
    one = tk.code_usage(torch.zeros(10, dtype=torch.long), 4)
    assert one["perplexity"] == pytest.approx(1.0)
    assert one["dead_fraction"] == pytest.approx(0.75)
    assert one["counts"].tolist() == [10, 0, 0, 0]
    with pytest.raises(ValueError, match="codebook size"):
        tk.code_usage(torch.tensor([5]), 4)


# ------------------------------------------------------------------------------ codebook
def test_codebook_shapes_and_round_trip_through_tokens():
    cb = tk.SpecCodebook(n_codes=32, code_dim=8, widths=(8, 16))
    x = torch.rand(3, 1, 16, 32) * 2 - 1
    x_hat, idx, _ = cb(x)
    assert x_hat.shape == x.shape and idx.shape == (3, 4, 8)
    assert cb.grid_shape(16, 32) == (4, 8)
    assert torch.equal(cb.encode(x), idx)
    torch.testing.assert_close(cb.decode(idx), x_hat, atol=1e-4, rtol=0)  # decoding the tokens is the forward pass
    assert float(x_hat.detach().abs().max()) <= 1.0
    with pytest.raises(ValueError, match="divisible by 4"):
        cb(torch.zeros(1, 1, 18, 32))
    with pytest.raises(ValueError, match=r"\[B, 1, n_mels, frames\]"):
        cb(torch.zeros(1, 2, 16, 32))


def test_codebook_training_lowers_the_reconstruction_loss():
    cb = tk.SpecCodebook(n_codes=16, code_dim=8, widths=(8, 16))
    g = _gen(1)
    base = torch.rand(4, 1, 16, 32, generator=g) * 2 - 1
    opt = torch.optim.Adam(cb.parameters(), lr=3e-3)
    first = None
    for _ in range(60):
        loss, extra = tk.codebook_loss(cb, base)
        first = first if first is not None else extra["l1"]
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert extra["l1"] < 0.8 * first
    assert set(extra) == {"l1", "codebook", "commitment", "perplexity"}


def test_sequences_run_frequency_within_time():
    grid = torch.tensor([[[0, 1, 2], [10, 11, 12]]])  # h=2 frequency rows, w=3 time columns
    seq = tk.grid_to_sequence(grid)
    assert seq.tolist() == [[0, 10, 1, 11, 2, 12]]
    assert torch.equal(tk.sequence_to_grid(seq, 2, 3), grid)
    with pytest.raises(ValueError, match="2 × 2 grid"):
        tk.sequence_to_grid(seq, 2, 2)


# ------------------------------------------------------------------------------ prior
def test_prior_is_causal_and_returns_one_row_per_token():
    gpt = tk.GPTPrior(n_codes=10, block_size=12, cond_dim=3, d_model=16, n_layers=2, n_heads=2)
    toks = torch.randint(0, 10, (2, 8), generator=_gen(2))
    prefix = torch.randn(2, 3, 3, generator=_gen(3))
    logits = gpt(toks, prefix)
    assert logits.shape == (2, 8, 10)
    changed = toks.clone()
    changed[:, 5] = (changed[:, 5] + 1) % 10
    other = gpt(changed, prefix)
    torch.testing.assert_close(other[:, :6], logits[:, :6])  # token 5 is only seen from row 6 on
    assert not torch.allclose(other[:, 6:], logits[:, 6:])
    assert not torch.allclose(gpt(toks, prefix + 1.0)[:, 0], logits[:, 0])  # row 0 sees the prefix


def test_cached_sampling_matches_recomputing_the_whole_sequence():
    gpt = tk.GPTPrior(n_codes=12, block_size=16, cond_dim=4, d_model=16, n_layers=2, n_heads=4)
    prefix = torch.randn(3, 2, 4, generator=_gen(4))
    prompt = torch.randint(0, 12, (3, 3), generator=_gen(5))
    fast = gpt.generate(6, _gen(6), prefix=prefix, prompt=prompt, temperature=0)
    seq = prompt
    for _ in range(6):  # greedy decoding the slow way: the whole sequence every step
        nxt = gpt(torch.cat([seq, torch.zeros(3, 1, dtype=torch.long)], 1), prefix)[:, -1].argmax(-1)
        seq = torch.cat([seq, nxt[:, None]], 1)
    assert torch.equal(fast, seq[:, 3:])


def test_sampling_is_reproducible_and_checks_its_arguments():
    gpt = tk.GPTPrior(n_codes=8, block_size=10, d_model=16, n_layers=1, n_heads=2)
    a = gpt.generate(9, _gen(7), batch=4)
    b = gpt.generate(9, _gen(7), batch=4)
    assert torch.equal(a, b) and a.shape == (4, 9)
    with pytest.raises(ValueError, match="block_size"):
        gpt.generate(11, _gen(7), batch=1)  # start + 10 fed tokens > 10 positions
    with pytest.raises(ValueError, match="unconditional"):
        gpt(torch.zeros(1, 2, dtype=torch.long), torch.zeros(1, 1, 3))
    with pytest.raises(ValueError, match="batch="):
        gpt.generate(2, _gen(0))
    with pytest.raises(ValueError, match="long tensor"):
        gpt(torch.zeros(1, 2))


def test_prior_learns_tokens_that_the_prefix_determines():
    gpt = tk.GPTPrior(n_codes=6, block_size=8, cond_dim=6, d_model=32, n_layers=2, n_heads=2)
    g = _gen(8)
    opt = torch.optim.Adam(gpt.parameters(), lr=3e-3)
    for _ in range(150):
        cls = torch.randint(0, 6, (32,), generator=g)
        toks = torch.stack([cls, (cls + 1) % 6, (cls + 2) % 6, cls], 1)  # the class fixes every token
        loss = gpt.loss(toks, torch.eye(6)[cls][:, None])
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.1
    cls = torch.arange(6)
    out = gpt.generate(4, _gen(9), prefix=torch.eye(6)[cls][:, None], top_k=1)
    assert torch.equal(out, torch.stack([cls, (cls + 1) % 6, (cls + 2) % 6, cls], 1))
    prompt_loss = gpt.loss(torch.stack([cls, (cls + 1) % 6, (cls + 2) % 6, cls], 1),
                           torch.eye(6)[cls][:, None], from_index=2)
    assert prompt_loss.item() < 0.1


def test_top_k_and_temperature():
    logits = torch.tensor([[0.0, 1.0, 3.0, 2.0]]).repeat(2000, 1)
    assert torch.equal(tk.sample_next(logits, _gen(0), top_k=1), torch.full((2000,), 2))
    assert torch.equal(tk.sample_next(logits, _gen(0), temperature=0), torch.full((2000,), 2))
    two = tk.sample_next(logits, _gen(1), top_k=2)
    assert set(two.tolist()) == {2, 3}
    share = float((two == 2).float().mean())
    assert abs(share - 1 / (1 + torch.e ** -1)) < 0.04  # softmax over the two kept logits
    hot = tk.sample_next(logits, _gen(2), temperature=100.0)
    assert len(set(hot.tolist())) == 4
    with pytest.raises(ValueError, match="top_k"):
        tk.sample_next(logits, _gen(0), top_k=5)
    with pytest.raises(ValueError, match="temperature"):
        tk.sample_next(logits, _gen(0), temperature=-1)


# ------------------------------------------------------------------------------ per-token condition
def test_token_condition_reaches_its_own_token_and_cached_sampling_matches():
    gpt = tk.GPTPrior(n_codes=9, block_size=12, d_model=16, n_layers=2, n_heads=2, token_cond_dim=3)
    toks = torch.randint(0, 9, (2, 6), generator=_gen(10))
    tc = torch.randn(2, 6, 3, generator=_gen(11))
    logits = gpt(toks, token_cond=tc)
    assert logits.shape == (2, 6, 9)
    moved = tc.clone()
    moved[:, 4] += 1.0
    other = gpt(toks, token_cond=moved)
    torch.testing.assert_close(other[:, :4], logits[:, :4])  # the condition of token 4 is seen from row 4 on
    assert not torch.allclose(other[:, 4], logits[:, 4])
    prompt = toks[:, :2]
    fast = gpt.generate(4, _gen(12), prompt=prompt, token_cond=tc, temperature=0)
    seq = prompt
    for _ in range(4):  # greedy, the slow way
        L = seq.shape[1] + 1
        nxt = gpt(torch.cat([seq, torch.zeros(2, 1, dtype=torch.long)], 1), token_cond=tc[:, :L])[:, -1].argmax(-1)
        seq = torch.cat([seq, nxt[:, None]], 1)
    assert torch.equal(fast, seq[:, 2:])


def test_token_condition_is_checked_and_optional_models_are_unchanged():
    torch.manual_seed(0)
    plain = tk.GPTPrior(n_codes=5, block_size=6, d_model=8, n_layers=1, n_heads=2)
    torch.manual_seed(0)
    with_tc = tk.GPTPrior(n_codes=5, block_size=6, d_model=8, n_layers=1, n_heads=2, token_cond_dim=2)
    for k, v in plain.state_dict().items():  # the extra layer is built last: the others are initialised alike
        torch.testing.assert_close(with_tc.state_dict()[k], v)
    toks = torch.zeros(1, 3, dtype=torch.long)
    with pytest.raises(ValueError, match="token_cond_dim"):
        with_tc(toks)
    with pytest.raises(ValueError, match=r"\[1, 3, 2\]"):
        with_tc(toks, token_cond=torch.zeros(1, 2, 2))
    with pytest.raises(ValueError, match="no per-token condition"):
        plain(toks, token_cond=torch.zeros(1, 3, 2))
