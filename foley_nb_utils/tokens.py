"""Sound as a sequence of tokens: a spectrogram codebook (VQ-VAE / VQGAN stage 1) and a GPT prior
over its tokens (stage 2), the machinery that SpecVQGAN and CondFoleyGen share.

==========================================  ==========================================================
piece                                       here
==========================================  ==========================================================
vector quantiser (van den Oord et al. 2017) :class:`VectorQuantizer` (nearest code, straight-through
                                            gradient, codebook + β·commitment loss, dead-code restart)
code usage                                  :func:`code_usage` (counts, perplexity, dead codes)
spectrogram codebook                        :class:`SpecCodebook` (conv encoder → quantiser → conv
                                            decoder on ``[B, 1, n_mels, frames]``), :func:`codebook_loss`
token order                                 :func:`grid_to_sequence`, :func:`sequence_to_grid`
                                            (frequency within time, as SpecVQGAN flattens its 5 × 53 grid)
GPT prior (minGPT-style)                    :class:`GPTPrior` (visual feature prefix, causal
                                            self-attention, a key/value cache for sampling),
                                            :func:`sample_next` (temperature, top-k)
==========================================  ==========================================================

Conventions: log-mel patches ``[B, 1, n_mels, frames]`` scaled to [-1, 1]
(:func:`foley_nb_utils.nn.db_to_unit`); token grids ``[B, h, w]`` of ints in ``0 … n_codes−1``
(``h = n_mels / 2**n_down`` frequency rows, ``w = frames / 2**n_down`` time columns); token
sequences ``[B, L]`` long; condition prefixes ``[B, P, cond_dim]`` float. Randomness only through
explicit ``torch.Generator`` arguments.

Notebook: 20_2021_specvqgan (used again in 22_2023_condfoleygen)
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "GPTPrior",
    "SpecCodebook",
    "VectorQuantizer",
    "code_usage",
    "codebook_loss",
    "grid_to_sequence",
    "sample_next",
    "sequence_to_grid",
]


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return value


# ------------------------------------------------------------------------------ stage 1: the codebook
class VectorQuantizer(nn.Module):
    """Replace each feature vector by its nearest codebook entry (VQ-VAE's bottleneck).

    For encoder outputs ``z_e`` the code index is ``k = argmin_j ‖z_e − e_j‖²`` and the output is
    ``z_q = e_k``. The forward pass returns ``z_e + (z_q − z_e).detach()`` — numerically ``z_q``,
    but with the gradient of the identity (the straight-through estimator), so the encoder learns
    through a non-differentiable lookup. Two loss terms pull the pieces together:
    ``‖sg[z_e] − e_k‖²`` moves the codes towards the encoder (codebook loss) and
    ``β ‖z_e − sg[e_k]‖²`` keeps the encoder near its codes (commitment loss; β = 0.25 as in
    SpecVQGAN's configs).

    Args:
        n_codes: codebook size K (SpecVQGAN: 128 on VAS, 1024 on VGGSound).
        dim: code vector size D.
        beta: weight of the commitment loss.

    Shape: ``z [B, D, h, w]`` → ``(z_q [B, D, h, w], indices [B, h, w] long, losses dict)`` with
    ``losses = {"codebook": scalar, "commitment": scalar}`` (commitment already times β).

    Notebook: 20_2021_specvqgan
    """

    def __init__(self, n_codes: int, dim: int, beta: float = 0.25):
        super().__init__()
        self.n_codes, self.dim, self.beta = _positive_int(n_codes, "n_codes"), _positive_int(dim, "dim"), float(beta)
        self.codes = nn.Embedding(n_codes, dim)
        nn.init.uniform_(self.codes.weight, -1.0 / n_codes, 1.0 / n_codes)

    def nearest(self, z: torch.Tensor) -> torch.Tensor:
        """Code index of each vector: ``z [..., D]`` → ``[...]`` long."""
        flat = z.reshape(-1, self.dim)
        e = self.codes.weight
        d2 = flat.pow(2).sum(1, keepdim=True) - 2 * flat @ e.t() + e.pow(2).sum(1)[None]
        return d2.argmin(1).reshape(z.shape[:-1])

    def lookup(self, indices: torch.Tensor) -> torch.Tensor:
        """Code vectors of a grid: ``[B, h, w]`` long → ``[B, D, h, w]``."""
        if indices.dtype != torch.long:
            raise ValueError(f"code indices must be long, got {indices.dtype}")
        if indices.numel() and (int(indices.min()) < 0 or int(indices.max()) >= self.n_codes):
            raise ValueError(f"code indices must lie in 0..{self.n_codes - 1}, got "
                             f"{int(indices.min())}..{int(indices.max())}")
        return self.codes(indices).permute(0, 3, 1, 2)

    def forward(self, z: torch.Tensor):
        if z.ndim != 4 or z.shape[1] != self.dim:
            raise ValueError(f"VectorQuantizer expects [B, {self.dim}, h, w], got {tuple(z.shape)}")
        z_last = z.permute(0, 2, 3, 1)
        idx = self.nearest(z_last)
        z_q = self.codes(idx)
        losses = {"codebook": F.mse_loss(z_q, z_last.detach()),
                  "commitment": self.beta * F.mse_loss(z_last, z_q.detach())}
        z_q = z_last + (z_q - z_last).detach()  # straight-through
        return z_q.permute(0, 3, 1, 2), idx, losses

    @torch.no_grad()
    def restart_dead_codes(self, z: torch.Tensor, indices: torch.Tensor, generator: torch.Generator) -> int:
        """Move every code no vector of this batch chose onto a random encoder output of the batch.

        Small codebooks trained briefly tend to "collapse" onto a few codes; restarting unused
        codes on data (as in Jukebox and many VQ-VAE re-implementations; SpecVQGAN's taming code
        does not do it) keeps the whole codebook in use. Call it every few hundred steps.

        Args:
            z: the encoder outputs ``[B, D, h, w]`` of a batch.
            indices: their code indices ``[B, h, w]``.
            generator: picks which encoder outputs the dead codes move to.

        Returns:
            How many codes were restarted.
        """
        used = torch.bincount(indices.flatten(), minlength=self.n_codes) > 0
        dead = (~used).nonzero().flatten()
        if dead.numel():
            pool = z.permute(0, 2, 3, 1).reshape(-1, self.dim)
            pick = torch.randint(0, pool.shape[0], (dead.numel(),), generator=generator)
            self.codes.weight[dead] = pool[pick.to(pool.device)].to(self.codes.weight.dtype)
        return int(dead.numel())


def code_usage(indices: torch.Tensor, n_codes: int) -> dict:
    """How a codebook is used: counts per code, perplexity ``exp(H)`` and the share of dead codes.

    The perplexity is the effective number of codes in use: K when all are used equally, 1 when
    one code takes everything.

    Args:
        indices: code indices of any shape (ints in ``0 … n_codes−1``).
        n_codes: the codebook size K.

    Returns:
        ``{"counts": [K] long tensor, "perplexity": float, "used": int, "dead_fraction": float}``.

    Notebook: 20_2021_specvqgan
    """
    counts = torch.bincount(torch.as_tensor(indices).flatten().long(), minlength=_positive_int(n_codes, "n_codes"))
    if counts.numel() != n_codes:
        raise ValueError(f"code indices exceed the codebook size {n_codes}")
    p = counts.double() / max(1, int(counts.sum()))
    entropy = float(-(p[p > 0] * p[p > 0].log()).sum())
    used = int((counts > 0).sum())
    return {"counts": counts, "perplexity": math.exp(entropy), "used": used, "dead_fraction": 1 - used / n_codes}


def _down(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 4, stride=2, padding=1), nn.GroupNorm(min(8, c_out), c_out), nn.SiLU(),
                         nn.Conv2d(c_out, c_out, 3, padding=1), nn.GroupNorm(min(8, c_out), c_out), nn.SiLU())


def _up(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(c_in, c_out, 3, padding=1),
                         nn.GroupNorm(min(8, c_out), c_out), nn.SiLU(),
                         nn.Conv2d(c_out, c_out, 3, padding=1), nn.GroupNorm(min(8, c_out), c_out), nn.SiLU())


class SpecCodebook(nn.Module):
    """A spectrogram VQ autoencoder: conv encoder (÷2 per level) → :class:`VectorQuantizer` → conv decoder.

    SpecVQGAN's codebook is a VQGAN with 4 downsamplings (an 80 × 848 log-mel becomes a 5 × 53 grid
    of tokens); this one has ``n_down`` levels of stride-2 convolutions, so a ``[1, 32, 64]`` patch
    with ``n_down=2`` becomes an 8 × 16 grid. Upsampling is nearest-neighbour + convolution (no
    transposed convolutions: no checkerboard). The output ends in ``tanh`` (patches are in [-1, 1]).

    Args:
        n_codes: codebook size K.
        code_dim: code vector size D.
        widths: channels per level, e.g. ``(32, 64)`` — one entry per downsampling.
        beta: commitment weight.

    Shape: ``x [B, 1, n_mels, frames]`` (both divisible by ``2**len(widths)``) →
    ``(x̂ [B, 1, n_mels, frames], indices [B, h, w], losses)``.

    Notebook: 20_2021_specvqgan
    """

    def __init__(self, n_codes: int = 64, code_dim: int = 32, widths: Sequence[int] = (32, 64), beta: float = 0.25):
        super().__init__()
        if not widths:
            raise ValueError("widths must name at least one level")
        widths = [_positive_int(w, "width") for w in widths]
        self.n_down = len(widths)
        chans = [1, *widths]
        self.encoder = nn.Sequential(*[_down(a, b) for a, b in zip(chans[:-1], chans[1:])],
                                     nn.Conv2d(widths[-1], code_dim, 1))
        self.quantizer = VectorQuantizer(n_codes, code_dim, beta)
        rev = widths[::-1]
        self.decoder = nn.Sequential(nn.Conv2d(code_dim, rev[0], 3, padding=1), nn.SiLU(),
                                     *[_up(a, b) for a, b in zip(rev, [*rev[1:], rev[-1]])],
                                     nn.Conv2d(rev[-1], 1, 3, padding=1), nn.Tanh())

    @property
    def n_codes(self) -> int:
        return self.quantizer.n_codes

    def grid_shape(self, n_mels: int, frames: int) -> tuple[int, int]:
        """The token grid ``(h, w)`` of a ``n_mels × frames`` patch."""
        f = 2 ** self.n_down
        if n_mels % f or frames % f:
            raise ValueError(f"n_mels and frames must be divisible by {f} (2**{self.n_down}), got {n_mels} × {frames}")
        return n_mels // f, frames // f

    def _check(self, x: torch.Tensor) -> None:
        if x.ndim != 4 or x.shape[1] != 1:
            raise ValueError(f"SpecCodebook expects [B, 1, n_mels, frames], got {tuple(x.shape)}")
        self.grid_shape(x.shape[2], x.shape[3])

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Token grid of each patch: ``[B, 1, n_mels, frames]`` → ``[B, h, w]`` long."""
        self._check(x)
        return self.quantizer.nearest(self.encoder(x).permute(0, 2, 3, 1))

    def decode(self, indices: torch.Tensor) -> torch.Tensor:
        """Patches from token grids: ``[B, h, w]`` long → ``[B, 1, n_mels, frames]`` in [-1, 1]."""
        return self.decoder(self.quantizer.lookup(indices))

    def forward(self, x: torch.Tensor):
        self._check(x)
        z = self.encoder(x)
        z_q, idx, losses = self.quantizer(z)
        return self.decoder(z_q), idx, losses


def codebook_loss(model: SpecCodebook, x: torch.Tensor) -> tuple[torch.Tensor, dict]:
    """Stage-1 objective without the adversarial part: ``|x − x̂|₁ + codebook + β·commitment``.

    SpecVQGAN adds a perceptual (LPAPS) term and a patch discriminator; the authors' erratum says
    their perceptual checkpoint never loaded, so the published models effectively trained without
    it. A notebook adds the discriminator on top of this loss.

    Args:
        model: the codebook.
        x: a batch of log-mel patches ``[B, 1, n_mels, frames]`` in [-1, 1].

    Returns:
        ``(loss, {"l1": ..., "codebook": ..., "commitment": ..., "perplexity": ...})`` (floats),
        the shape :func:`foley_nb_utils.train.fit` expects of a loss function.

    Notebook: 20_2021_specvqgan
    """
    x_hat, idx, vq = model(x)
    l1 = (x - x_hat).abs().mean()
    loss = l1 + vq["codebook"] + vq["commitment"]
    return loss, {"l1": l1.detach().item(), "codebook": vq["codebook"].detach().item(),
                  "commitment": vq["commitment"].detach().item(),
                  "perplexity": code_usage(idx.detach().cpu(), model.n_codes)["perplexity"]}


def grid_to_sequence(grid: torch.Tensor) -> torch.Tensor:
    """Flatten token grids time column by time column (frequency within time): ``[B, h, w]`` → ``[B, h·w]``.

    A prior that reads the sequence left to right then generates the sound in time order, all
    frequency rows of one column before the next column (SpecVQGAN's permuter does the same).

    Notebook: 20_2021_specvqgan
    """
    if grid.ndim != 3:
        raise ValueError(f"token grids are [B, h, w], got {tuple(grid.shape)}")
    return grid.transpose(1, 2).reshape(grid.shape[0], -1)


def sequence_to_grid(seq: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """Inverse of :func:`grid_to_sequence`: ``[B, h·w]`` → ``[B, h, w]``."""
    if seq.ndim != 2 or seq.shape[1] != h * w:
        raise ValueError(f"expected token sequences [B, {h * w}] for a {h} × {w} grid, got {tuple(seq.shape)}")
    return seq.reshape(seq.shape[0], w, h).transpose(1, 2)


# ------------------------------------------------------------------------------ stage 2: the prior
class _Block(nn.Module):
    """Pre-norm causal self-attention + MLP, with an optional key/value cache for decoding."""

    def __init__(self, d: int, n_heads: int, dropout: float):
        super().__init__()
        self.n_heads, self.dropout = n_heads, dropout
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x: torch.Tensor, cache: dict | None = None) -> torch.Tensor:
        B, T, D = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(D, dim=2)
        q, k, v = (t.reshape(B, T, self.n_heads, D // self.n_heads).transpose(1, 2) for t in (q, k, v))
        if cache is not None and "k" in cache:  # decoding: the new positions see every cached one
            k, v = torch.cat([cache["k"], k], 2), torch.cat([cache["v"], v], 2)
        causal = cache is None or "k" not in cache
        if cache is not None:
            cache["k"], cache["v"] = k, v
        drop = self.dropout if self.training else 0.0
        a = F.scaled_dot_product_attention(q, k, v, dropout_p=drop, is_causal=causal and T > 1)
        x = x + self.proj(a.transpose(1, 2).reshape(B, T, D))
        return x + self.mlp(self.ln2(x))


class GPTPrior(nn.Module):
    """A GPT over codebook tokens, primed with a prefix of condition vectors (SpecVQGAN's stage 2).

    The input sequence is ``[prefix (P vectors) | start | t_0 … t_{L−2}]``: the condition vectors
    (visual features of 1, 4 or all frames, or nothing) are mapped to the model width by one linear
    layer (SpecVQGAN: a 1 × 1 Conv1d), a learned start vector follows, then the embedded tokens.
    Each output at position ``P + i`` predicts token ``t_i``, so ``forward`` returns ``L`` logits
    rows for ``L`` tokens; cross-entropy on them trains the model (teacher forcing).
    :meth:`generate` samples tokens one at a time with a key/value cache (each step costs one
    position, not the whole sequence). ``prompt`` tokens (CondFoleyGen's condition audio) can be
    given before the sampled ones.

    Args:
        n_codes: vocabulary size (the codebook size K).
        block_size: positions available: at least ``P + L`` for a prefix of P vectors and L tokens
            (the start vector takes one position; the last token is never fed back).
        cond_dim: size of the condition vectors (None: unconditional, no prefix allowed).
        d_model, n_layers, n_heads: the transformer's sizes (SpecVQGAN: 1024, 24, 16).
        dropout: attention and residual dropout in training.
        token_cond_dim: size of optional per-token condition vectors (None: none). When given,
            ``token_cond [B, L, token_cond_dim]`` is mapped by one linear layer and added to the
            input that predicts each token (the time-aligned video feature of that token, a
            shortcut for small models that cannot learn the alignment from a prefix quickly).

    Shape: ``forward(tokens [B, L] long, prefix [B, P, cond_dim] | None, token_cond [B, L, D] | None)``
    → logits ``[B, L, K]``.

    Notebook: 20_2021_specvqgan (and 22_2023_condfoleygen)
    """

    def __init__(self, n_codes: int, block_size: int, cond_dim: int | None = None, d_model: int = 128,
                 n_layers: int = 4, n_heads: int = 4, dropout: float = 0.0, token_cond_dim: int | None = None):
        super().__init__()
        if _positive_int(d_model, "d_model") % _positive_int(n_heads, "n_heads"):
            raise ValueError(f"d_model ({d_model}) must be divisible by n_heads ({n_heads})")
        self.n_codes, self.block_size, self.cond_dim = _positive_int(n_codes, "n_codes"), \
            _positive_int(block_size, "block_size"), cond_dim
        self.tok = nn.Embedding(n_codes, d_model)
        self.pos = nn.Parameter(torch.zeros(1, block_size, d_model))
        self.start = nn.Parameter(torch.zeros(1, 1, d_model))
        self.cond = nn.Linear(_positive_int(cond_dim, "cond_dim"), d_model) if cond_dim is not None else None
        self.drop = nn.Dropout(dropout)
        self.blocks = nn.ModuleList(_Block(d_model, n_heads, dropout) for _ in range(_positive_int(n_layers, "n_layers")))
        self.ln = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, n_codes, bias=False)
        nn.init.normal_(self.pos, std=0.02)
        nn.init.normal_(self.start, std=0.02)
        self.token_cond_dim = token_cond_dim
        if token_cond_dim is not None:  # built last, only when asked: the other layers' initialisation is unchanged
            self.token_cond = nn.Linear(_positive_int(token_cond_dim, "token_cond_dim"), d_model)

    def _prefix(self, prefix: torch.Tensor | None, batch: int) -> torch.Tensor:
        parts = []
        if prefix is not None:
            if self.cond is None:
                raise ValueError("this prior is unconditional (cond_dim=None): pass prefix=None")
            if prefix.ndim != 3 or prefix.shape[2] != self.cond_dim or prefix.shape[0] != batch:
                raise ValueError(f"prefix must be [{batch}, P, {self.cond_dim}], got {tuple(prefix.shape)}")
            parts.append(self.cond(prefix))
        parts.append(self.start.expand(batch, -1, -1))
        return torch.cat(parts, 1)

    def _run(self, h: torch.Tensor, offset: int, caches: list | None) -> torch.Tensor:
        if offset + h.shape[1] > self.block_size:
            raise ValueError(f"sequence of {offset + h.shape[1]} positions exceeds block_size {self.block_size}")
        h = self.drop(h + self.pos[:, offset:offset + h.shape[1]])
        for i, block in enumerate(self.blocks):
            h = block(h, None if caches is None else caches[i])
        return self.head(self.ln(h))

    def _token_cond(self, token_cond: torch.Tensor | None, batch: int, length: int) -> torch.Tensor | None:
        if token_cond is None:
            if self.token_cond_dim is not None:
                raise ValueError("this prior was built with token_cond_dim: pass token_cond [B, L, D]")
            return None
        if self.token_cond_dim is None:
            raise ValueError("this prior has no per-token condition (token_cond_dim=None): pass token_cond=None")
        if token_cond.ndim != 3 or token_cond.shape != (batch, length, self.token_cond_dim):
            raise ValueError(f"token_cond must be [{batch}, {length}, {self.token_cond_dim}], got {tuple(token_cond.shape)}")
        return self.token_cond(token_cond)

    def forward(self, tokens: torch.Tensor, prefix: torch.Tensor | None = None,
                token_cond: torch.Tensor | None = None) -> torch.Tensor:
        if tokens.ndim != 2 or tokens.dtype != torch.long:
            raise ValueError(f"tokens must be a long tensor [B, L], got {tuple(tokens.shape)} {tokens.dtype}")
        B, L = tokens.shape
        head = self._prefix(prefix, B)
        h = torch.cat([head, self.tok(tokens[:, :-1])], 1)
        tc = self._token_cond(token_cond, B, L)
        if tc is not None:  # the inputs that predict tokens 0 … L−1 are the last L positions
            h = torch.cat([h[:, :-L], h[:, -L:] + tc], 1)
        return self._run(h, 0, None)[:, head.shape[1] - 1:]

    def loss(self, tokens: torch.Tensor, prefix: torch.Tensor | None = None, from_index: int = 0,
             token_cond: torch.Tensor | None = None) -> torch.Tensor:
        """Mean cross-entropy of tokens ``from_index …`` (earlier ones are context only, e.g. a prompt)."""
        logits = self(tokens, prefix, token_cond)
        return F.cross_entropy(logits[:, from_index:].reshape(-1, self.n_codes), tokens[:, from_index:].reshape(-1))

    @torch.no_grad()
    def generate(self, n_tokens: int, generator: torch.Generator, prefix: torch.Tensor | None = None,
                 prompt: torch.Tensor | None = None, batch: int | None = None, temperature: float = 1.0,
                 top_k: int | None = None, token_cond: torch.Tensor | None = None) -> torch.Tensor:
        """Sample ``n_tokens`` tokens after the prefix (and the prompt tokens, if any).

        Args:
            n_tokens: how many tokens to sample.
            generator: the source of every draw (same generator state → same tokens).
            prefix: condition vectors ``[B, P, cond_dim]`` or None.
            prompt: tokens ``[B, L0]`` fed before sampling starts (they are not returned).
            batch: batch size when neither prefix nor prompt gives it.
            temperature, top_k: see :func:`sample_next`.
            token_cond: ``[B, L0 + n_tokens, token_cond_dim]`` per-token conditions of the prompt
                and the sampled tokens (priors built with ``token_cond_dim`` only).

        Returns:
            Sampled tokens ``[B, n_tokens]`` long.
        """
        _positive_int(n_tokens, "n_tokens")
        B = prefix.shape[0] if prefix is not None else prompt.shape[0] if prompt is not None else batch
        if B is None:
            raise ValueError("pass batch= when there is neither a prefix nor a prompt")
        was_training = self.training
        self.eval()
        caches = [{} for _ in self.blocks]
        h = self._prefix(prefix, B)
        L0 = 0
        if prompt is not None:
            h = torch.cat([h, self.tok(prompt.long())], 1)
            L0 = prompt.shape[1]
        tc = self._token_cond(token_cond, B, L0 + n_tokens)
        if tc is not None:
            h = torch.cat([h[:, :-(L0 + 1)], h[:, -(L0 + 1):] + tc[:, :L0 + 1]], 1)
        logits = self._run(h, 0, caches)[:, -1]
        pos, out = h.shape[1], []
        for i in range(n_tokens):
            nxt = sample_next(logits, generator, temperature=temperature, top_k=top_k)
            out.append(nxt)
            if i + 1 < n_tokens:
                x = self.tok(nxt)[:, None]
                if tc is not None:
                    x = x + tc[:, L0 + i + 1:L0 + i + 2]
                logits = self._run(x, pos, caches)[:, -1]
                pos += 1
        self.train(was_training)
        return torch.stack(out, 1)


def sample_next(logits: torch.Tensor, generator: torch.Generator, *, temperature: float = 1.0,
                top_k: int | None = None) -> torch.Tensor:
    """Draw one token per row from ``softmax(logits / temperature)``, keeping only the ``top_k`` best.

    ``temperature`` < 1 sharpens the distribution (safer, less varied samples), > 1 flattens it;
    ``top_k`` removes the long tail of unlikely tokens (SpecVQGAN samples with top-k 64 on VAS).
    ``temperature=0`` picks the most likely token (greedy).

    Args:
        logits: ``[B, K]`` scores of the next token.
        generator: the source of the draw.
        temperature: ≥ 0.
        top_k: None or 1 … K.

    Returns:
        ``[B]`` long.

    Notebook: 20_2021_specvqgan
    """
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature!r}")
    if top_k is not None and not 1 <= top_k <= logits.shape[-1]:
        raise ValueError(f"top_k must lie in 1..{logits.shape[-1]}, got {top_k!r}")
    if temperature == 0:
        return logits.argmax(-1)
    logits = logits.float() / temperature
    if top_k is not None and top_k < logits.shape[-1]:
        kth = logits.topk(top_k, dim=-1).values[:, -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    probs = logits.softmax(-1)
    return torch.multinomial(probs.cpu(), 1, generator=generator).squeeze(1).to(logits.device)
