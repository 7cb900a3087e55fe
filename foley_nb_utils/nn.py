"""Shared layers: the building blocks of the survey's section 2.2, small enough for a laptop CPU.

Every method notebook combines these pieces; notebook 02 teaches each one on a toy task.

=====================================  =====================================================
survey section 2.2                     here
=====================================  =====================================================
fully connected layer (eq. 1)          :func:`mlp`
convolution + pooling (eqs. 2–5)       :class:`ConvEncoder` (frames ``[B,3,H,W]`` or
                                       spectrograms ``[B,1,n_mels,frames]``)
RNN / LSTM (eqs. 6–7 + LSTM gates)     :class:`LSTMHead` (wraps ``torch.nn.LSTM``)
GAN (eqs. 8–9)                         :class:`PatchGenerator`, :class:`PatchDiscriminator`,
                                       :func:`discriminator_loss`, :func:`generator_loss`
attention (eq. 10)                     :func:`attention`, :class:`AttentionPool`
Transformer                            :class:`TinyTransformer` (wraps
                                       ``torch.nn.TransformerEncoder``),
                                       :func:`sinusoidal_embedding`
diffusion (eqs. 11–13, corrected)      :class:`DDPMSchedule`, :func:`q_sample`,
                                       :func:`ddpm_loss`, :func:`ddpm_sample`,
                                       :func:`ddim_sample`, :class:`TinyUNet`, :class:`TemporalUNet`
=====================================  =====================================================

Conventions: batches first; sequences ``[B, T, D]``; images and spectrogram patches
``[B, C, H, W]`` (a log-mel patch is ``[B, 1, n_mels, frames]``, scaled to [-1, 1] with
:func:`db_to_unit`). Randomness only through an explicit ``torch.Generator``; layer
initialisation uses torch's default generator, which :func:`foley_nb_utils.repro.setup` seeds.

Notebook: 02_building_blocks
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "AttentionPool",
    "ConvEncoder",
    "DDPMSchedule",
    "LSTMHead",
    "PatchDiscriminator",
    "PatchGenerator",
    "SeededDropout",
    "TinyTransformer",
    "TemporalUNet",
    "TinyUNet",
    "attention",
    "db_to_unit",
    "ddpm_loss",
    "ddpm_sample",
    "ddim_sample",
    "discriminator_loss",
    "generator_loss",
    "mlp",
    "q_sample",
    "sinusoidal_embedding",
    "unit_to_db",
]


ArrayT = TypeVar("ArrayT")  # a numpy array or a torch tensor: the functions return the same type


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return value


def _randn(shape, generator: torch.Generator | None, device, dtype=torch.float32) -> torch.Tensor:
    """Standard normal draws from ``generator`` (made on the generator's device, then moved)."""
    gen_dev = generator.device if generator is not None else "cpu"
    return torch.randn(shape, generator=generator, device=gen_dev, dtype=dtype).to(device)


# ------------------------------------------------------------------------------ scaling
def db_to_unit(S_db: ArrayT, floor_db: float = -80.0, ceil_db: float = 0.0) -> ArrayT:
    """Map a log-mel in dB (``[floor_db, ceil_db]``) linearly to [-1, 1], clipping outside.

    Generators end in ``tanh`` and diffusion models assume data in [-1, 1]; this is the
    scaling both use for spectrogram patches.

    Args:
        S_db: array or tensor of dB values, any shape.
        floor_db, ceil_db: the dB values mapped to -1 and +1.

    Returns:
        Same type and shape, values in [-1, 1].

    Notebook: 02_building_blocks
    """
    if not ceil_db > floor_db:
        raise ValueError(f"ceil_db ({ceil_db}) must exceed floor_db ({floor_db})")
    u = 2.0 * (S_db - floor_db) / (ceil_db - floor_db) - 1.0
    return u.clip(-1.0, 1.0)


def unit_to_db(u: ArrayT, floor_db: float = -80.0, ceil_db: float = 0.0) -> ArrayT:
    """Inverse of :func:`db_to_unit`: values in [-1, 1] (clipped first) back to dB.

    Args:
        u: array or tensor, any shape (e.g. generated patches ``[B, 1, n_mels, frames]``).
        floor_db, ceil_db: the dB values that -1 and +1 stand for.

    Returns:
        Same type and shape, in dB within ``[floor_db, ceil_db]``.

    Notebook: 02_building_blocks
    """
    if not ceil_db > floor_db:
        raise ValueError(f"ceil_db ({ceil_db}) must exceed floor_db ({floor_db})")
    return (u.clip(-1.0, 1.0) + 1.0) / 2.0 * (ceil_db - floor_db) + floor_db


# ------------------------------------------------------------------------------ eq. 1
def mlp(in_dim: int, hidden: Sequence[int], out_dim: int, *, dropout: float = 0.0,
        activation: type[nn.Module] = nn.ReLU) -> nn.Sequential:
    """A stack of fully connected layers ``y = σ(W x + b)`` (survey eq. 1), no activation at the end.

    Args:
        in_dim: input features (a frame must be flattened first: ``x.flatten(1)``).
        hidden: widths of the hidden layers, e.g. ``(128, 64)``; ``()`` gives a linear model.
        out_dim: output features (classes for a classifier, 1 for a regressor).
        dropout: dropout after each hidden activation.
        activation: the non-linearity σ.

    Returns:
        ``nn.Sequential`` mapping ``[..., in_dim]`` → ``[..., out_dim]``.

    Notebook: 02_building_blocks
    """
    dims = [_positive_int(in_dim, "in_dim"), *[_positive_int(h, "hidden width") for h in hidden]]
    layers: list[nn.Module] = []
    for a, b in zip(dims[:-1], dims[1:]):
        layers += [nn.Linear(a, b), activation()]
        if dropout:
            layers.append(nn.Dropout(dropout))
    layers.append(nn.Linear(dims[-1], _positive_int(out_dim, "out_dim")))
    return nn.Sequential(*layers)


class SeededDropout(nn.Module):
    """Dropout whose masks come from the layer's own ``torch.Generator``, not torch's global one.

    ``nn.Dropout`` draws from the process-wide generator. Two trainings running side by side in
    threads (``fnu.train.side_by_side``) would then take each other's random numbers, and
    neither would be reproducible. This layer seeds its generator when it is built, from the
    global generator: a model built with ``fnu.train.build_seeded`` therefore gets the same
    masks, in the same order, however many trainings run next to it.

    Args:
        p: probability of zeroing an element, in [0, 1). Kept elements are scaled by
            ``1 / (1 - p)`` during training; in eval mode the layer is the identity.

    Shape: any ``[*]`` → the same. The masks are drawn on the CPU and moved to the input's
    device (cheap for the small feature vectors this is used on).

    Notebook: 07_2017_cross_modal_gan
    """

    def __init__(self, p: float = 0.5):
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p < 1.0:
            raise ValueError(f"dropout probability must be in [0, 1), got {p!r}")
        self.p = float(p)
        self.generator = torch.Generator().manual_seed(int(torch.randint(2**62, ())))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        keep = torch.empty(x.shape, dtype=x.dtype).bernoulli_(1.0 - self.p, generator=self.generator)
        return x * keep.to(x.device) / (1.0 - self.p)

    def extra_repr(self) -> str:
        return f"p={self.p}"


# ------------------------------------------------------------------------------ eqs. 2–5
class ConvEncoder(nn.Module):
    """Small CNN: blocks of 3×3 convolution → BatchNorm → ReLU → 2×2 pooling, then global average.

    Each block halves height and width; the last feature map is averaged over space and (when
    ``out_dim`` is given) mapped by a linear layer. Works for RGB frames ``[B, 3, H, W]`` and for
    spectrogram patches ``[B, 1, n_mels, frames]`` alike.

    Args:
        in_ch: input channels (3 for RGB, 1 for a spectrogram).
        widths: output channels of each block, e.g. ``(16, 32)``.
        out_dim: size of the final linear layer (e.g. classes); None → features of size
            ``widths[-1]``.
        pool: ``"max"`` (eq. 4) or ``"avg"`` (eq. 5).

    Shape: ``[B, in_ch, H, W]`` → ``[B, out_dim or widths[-1]]``.

    Notebook: 02_building_blocks
    """

    def __init__(self, in_ch: int = 3, widths: Sequence[int] = (16, 32), out_dim: int | None = None,
                 pool: str = "max"):
        super().__init__()
        if pool not in ("max", "avg"):
            raise ValueError(f"pool must be 'max' or 'avg', got {pool!r}")
        if not widths:
            raise ValueError("widths must name at least one block")
        pool_layer = nn.MaxPool2d if pool == "max" else nn.AvgPool2d
        chans = [_positive_int(in_ch, "in_ch"), *[_positive_int(w, "width") for w in widths]]
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.Conv2d(a, b, 3, padding=1), nn.BatchNorm2d(b), nn.ReLU(), pool_layer(2))
            for a, b in zip(chans[:-1], chans[1:]))
        self.head = nn.Linear(chans[-1], out_dim) if out_dim else nn.Identity()
        self.out_dim = out_dim or chans[-1]

    def feature_maps(self, x: torch.Tensor) -> list[torch.Tensor]:
        """The output of each block, ``[B, widths[i], H / 2**(i+1), W / 2**(i+1)]`` (to look at)."""
        maps = []
        for block in self.blocks:
            x = block(x)
            maps.append(x)
        return maps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4:
            raise ValueError(f"ConvEncoder expects [B, C, H, W], got shape {tuple(x.shape)}")
        for block in self.blocks:
            x = block(x)
        return self.head(x.mean(dim=(2, 3)))


# ------------------------------------------------------------------------------ eqs. 6–7, LSTM
class LSTMHead(nn.Module):
    """A sequence-to-sequence head: ``torch.nn.LSTM`` then a linear read-out at every step.

    Args:
        in_dim: features per time step.
        hidden: LSTM hidden size (per direction).
        out_dim: outputs per time step.
        num_layers: stacked LSTM layers.
        bidirectional: False keeps it causal (step t sees steps ≤ t only).

    Shape: ``[B, T, in_dim]`` → ``[B, T, out_dim]``.

    Notebook: 02_building_blocks
    """

    def __init__(self, in_dim: int, hidden: int = 32, out_dim: int = 1, num_layers: int = 1,
                 bidirectional: bool = False):
        super().__init__()
        self.lstm = nn.LSTM(_positive_int(in_dim, "in_dim"), _positive_int(hidden, "hidden"),
                            num_layers=_positive_int(num_layers, "num_layers"), batch_first=True,
                            bidirectional=bidirectional)
        self.out = nn.Linear(hidden * (2 if bidirectional else 1), _positive_int(out_dim, "out_dim"))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 3:
            raise ValueError(f"LSTMHead expects [B, T, D], got shape {tuple(x.shape)}")
        h, _ = self.lstm(x)
        return self.out(h)


# ------------------------------------------------------------------------------ eq. 10
def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
              mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Scaled dot-product attention, ``softmax(Q Kᵀ / √d_k) V``, returning the weights too.

    The same result as ``torch.nn.functional.scaled_dot_product_attention`` (which is faster
    but hides the weights); here to be read and plotted.

    Args:
        q: queries ``[..., T_q, d_k]``.
        k: keys ``[..., T_k, d_k]``.
        v: values ``[..., T_k, d_v]``.
        mask: optional bool, broadcastable to ``[..., T_q, T_k]``; True = may attend.

    Returns:
        ``(out [..., T_q, d_v], weights [..., T_q, T_k])``; each row of weights sums to 1.

    Notebook: 02_building_blocks
    """
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        if not bool(mask.any(dim=-1).all()):
            raise ValueError("attention: a query has no key it may attend to (mask row all False)")
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = scores.softmax(dim=-1)
    return weights @ v, weights


class AttentionPool(nn.Module):
    """Attention pooling over time: a learned score per step, softmax, weighted average.

    ``kind="additive"`` (Bahdanau et al. 2015): ``e_t = wᵀ tanh(W x_t + b)``;
    ``kind="dot"``: a learned query ``q``, ``e_t = q · (W_k x_t) / √d``. Either way
    ``a = softmax(e)`` over the T steps and the output is ``Σ_t a_t W_v x_t``.

    Args:
        in_dim: features per step.
        dim: size of the keys / values.
        kind: ``"additive"`` or ``"dot"``.

    Shape: ``x [B, T, in_dim]`` (and optional bool ``mask [B, T]``, True = real step) →
    ``(pooled [B, dim], weights [B, T])`` with weights summing to 1 over T.

    Notebook: 02_building_blocks
    """

    def __init__(self, in_dim: int, dim: int = 32, kind: str = "additive"):
        super().__init__()
        if kind not in ("additive", "dot"):
            raise ValueError(f"kind must be 'additive' or 'dot', got {kind!r}")
        self.kind = kind
        self.value = nn.Linear(_positive_int(in_dim, "in_dim"), _positive_int(dim, "dim"))
        if kind == "additive":
            self.key = nn.Linear(in_dim, dim)
            self.score = nn.Linear(dim, 1, bias=False)
        else:
            self.key = nn.Linear(in_dim, dim)
            self.query = nn.Parameter(torch.randn(dim) / math.sqrt(dim))

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        if x.ndim != 3:
            raise ValueError(f"AttentionPool expects [B, T, D], got shape {tuple(x.shape)}")
        if self.kind == "additive":
            scores = self.score(torch.tanh(self.key(x))).squeeze(-1)
            if mask is not None:
                scores = scores.masked_fill(~mask, float("-inf"))
            weights = scores.softmax(dim=-1)
            return (weights.unsqueeze(-1) * self.value(x)).sum(1), weights
        q = self.query.expand(x.shape[0], 1, -1)
        out, weights = attention(q, self.key(x), self.value(x),
                                 None if mask is None else mask.unsqueeze(1))
        return out.squeeze(1), weights.squeeze(1)


# ------------------------------------------------------------------------------ Transformer
def sinusoidal_embedding(positions: torch.Tensor, dim: int, max_period: float = 10000.0) -> torch.Tensor:
    """Sinusoidal embedding of (possibly fractional) positions or diffusion steps.

    ``e[2i] = sin(p / max_period^(2i/dim))``, ``e[2i+1] = cos(...)`` (Vaswani et al. 2017).

    Args:
        positions: any shape ``[...]`` (ints or floats).
        dim: even embedding size.

    Returns:
        float32 ``[..., dim]``.

    Notebook: 02_building_blocks
    """
    if _positive_int(dim, "dim") % 2:
        raise ValueError(f"dim must be even, got {dim}")
    freqs = torch.exp(-math.log(max_period) * torch.arange(0, dim, 2, dtype=torch.float32,
                                                           device=positions.device) / dim)
    ang = positions.float().unsqueeze(-1) * freqs
    return torch.stack([ang.sin(), ang.cos()], dim=-1).flatten(-2)


class TinyTransformer(nn.Module):
    """A small Transformer encoder for per-step tagging: projection + positions + encoder + read-out.

    Self-attention is blind to order (permuting the inputs permutes the outputs), so sinusoidal
    position embeddings are added to the projected inputs before ``torch.nn.TransformerEncoder``
    (pre-norm layers, GELU).

    Args:
        in_dim: input features per step.
        out_dim: outputs per step (e.g. class logits).
        d_model, nhead, num_layers, dim_ff: the encoder's sizes.
        dropout: dropout inside the encoder layers.
        causal: True masks the future (step t attends to steps ≤ t).

    Shape: ``x [B, T, in_dim]`` (optional bool ``pad_mask [B, T]``, True = padding) →
    ``[B, T, out_dim]``.

    Notebook: 02_building_blocks
    """

    def __init__(self, in_dim: int, out_dim: int, d_model: int = 32, nhead: int = 4, num_layers: int = 2,
                 dim_ff: int = 64, dropout: float = 0.0, causal: bool = False):
        super().__init__()
        if _positive_int(d_model, "d_model") % _positive_int(nhead, "nhead"):
            raise ValueError(f"d_model ({d_model}) must be divisible by nhead ({nhead})")
        self.d_model, self.causal = d_model, causal
        self.inp = nn.Linear(_positive_int(in_dim, "in_dim"), d_model)
        layer = nn.TransformerEncoderLayer(d_model, nhead, _positive_int(dim_ff, "dim_ff"), dropout,
                                           activation="gelu", batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, _positive_int(num_layers, "num_layers"),
                                             norm=nn.LayerNorm(d_model), enable_nested_tensor=False)
        self.out = nn.Linear(d_model, _positive_int(out_dim, "out_dim"))

    def forward(self, x: torch.Tensor, pad_mask: torch.Tensor | None = None) -> torch.Tensor:
        if x.ndim != 3:
            raise ValueError(f"TinyTransformer expects [B, T, D], got shape {tuple(x.shape)}")
        T = x.shape[1]
        h = self.inp(x) + sinusoidal_embedding(torch.arange(T, device=x.device), self.d_model)
        causal_mask = nn.Transformer.generate_square_subsequent_mask(T, device=x.device) if self.causal else None
        h = self.encoder(h, mask=causal_mask, src_key_padding_mask=pad_mask, is_causal=self.causal)
        return self.out(h)


# ------------------------------------------------------------------------------ GAN (eqs. 8–9)
def _n_up(size: int, name: str, n: int) -> int:
    if size % (2 ** n):
        raise ValueError(f"{name}={size} must be divisible by {2 ** n} (the generator upsamples "
                         f"{n} times by 2)")
    return size // 2 ** n


class PatchGenerator(nn.Module):
    """DCGAN-style generator of spectrogram patches: noise ``z`` → ``[B, 1, n_mels, frames]`` in (-1, 1).

    A linear layer makes a ``4·base``-channel map of ``1/8`` the size, then three
    (transposed conv 4×4 stride 2 → BatchNorm → ReLU) upsamplings; a 3×3 conv and ``tanh`` end it.

    Args:
        z_dim: noise size.
        n_mels, frames: patch size (each divisible by 8).
        base: channels of the last upsampling block.

    Shape: ``z [B, z_dim]`` → ``[B, 1, n_mels, frames]``.

    Notebook: 02_building_blocks
    """

    def __init__(self, z_dim: int = 32, n_mels: int = 32, frames: int = 32, base: int = 16):
        super().__init__()
        self.z_dim, self.n_mels, self.frames = _positive_int(z_dim, "z_dim"), n_mels, frames
        h0, w0 = _n_up(n_mels, "n_mels", 3), _n_up(frames, "frames", 3)
        c = [4 * base, 2 * base, base, base]
        self.fc = nn.Sequential(nn.Linear(z_dim, c[0] * h0 * w0), nn.Unflatten(1, (c[0], h0, w0)),
                                nn.BatchNorm2d(c[0]), nn.ReLU())
        self.up = nn.Sequential(*[m for a, b in zip(c[:-1], c[1:]) for m in
                                  (nn.ConvTranspose2d(a, b, 4, 2, 1), nn.BatchNorm2d(b), nn.ReLU())])
        self.out = nn.Conv2d(c[-1], 1, 3, padding=1)

    def sample_z(self, n: int, generator: torch.Generator | None, device="cpu") -> torch.Tensor:
        """``n`` standard-normal noise vectors ``[n, z_dim]`` from ``generator``."""
        return _randn((n, self.z_dim), generator, device)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.out(self.up(self.fc(z))))


class PatchDiscriminator(nn.Module):
    """DCGAN-style discriminator: ``[B, 1, n_mels, frames]`` → one real/fake logit per patch ``[B]``.

    Three (conv 4×4 stride 2 → LeakyReLU 0.2) blocks, then a linear layer (no sigmoid: the
    losses take logits).

    Args:
        n_mels, frames: patch size (each divisible by 8).
        base: channels of the first block (doubled at each block).

    Notebook: 02_building_blocks
    """

    def __init__(self, n_mels: int = 32, frames: int = 32, base: int = 16):
        super().__init__()
        h, w = _n_up(n_mels, "n_mels", 3), _n_up(frames, "frames", 3)
        c = [1, base, 2 * base, 4 * base]
        self.net = nn.Sequential(*[m for a, b in zip(c[:-1], c[1:]) for m in
                                   (nn.Conv2d(a, b, 4, 2, 1), nn.LeakyReLU(0.2))],
                                 nn.Flatten(), nn.Linear(c[-1] * h * w, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(-1)


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """``L_D = −E log D(x) − E log(1 − D(G(z)))`` from logits (``D = sigmoid(logit)``).

    Args:
        real_logits: discriminator logits of real samples ``[B]``.
        fake_logits: logits of generated samples ``[B']`` (detached from G for D's step).

    Returns:
        Scalar loss; ``2 log 2`` when D outputs 1/2 everywhere.

    Notebook: 02_building_blocks
    """
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """The non-saturating generator loss ``L_G = −E log D(G(z))`` from logits.

    Minimising ``E log(1 − D(G(z)))`` (the minimax form) gives vanishing gradients when D
    wins early; Goodfellow et al. (2014) recommend this form instead.

    Args:
        fake_logits: discriminator logits of generated samples ``[B]``.

    Returns:
        Scalar loss.

    Notebook: 02_building_blocks
    """
    return F.softplus(-fake_logits).mean()


# ------------------------------------------------------------------------------ diffusion (eqs. 11–13)
@dataclass
class DDPMSchedule:
    """The noise schedule of a DDPM (Ho et al. 2020) and the quantities derived from it.

    Steps are indexed ``t = 0 … T−1`` here (the paper's ``t = 1 … T``). With
    ``α_t = 1 − β_t`` and ``ᾱ_t = ∏_{s≤t} α_s``:

    - forward step ``q(x_t | x_{t−1}) = N(√α_t x_{t−1}, β_t I)``;
    - closed form ``q(x_t | x_0) = N(√ᾱ_t x_0, (1 − ᾱ_t) I)`` (:func:`q_sample`);
    - posterior variance ``β̃_t = β_t (1 − ᾱ_{t−1}) / (1 − ᾱ_t)``.

    Build one with :meth:`linear` or :meth:`cosine`. Tensors are float32 on CPU (``ᾱ`` is
    accumulated in float64).

    Notebook: 02_building_blocks
    """

    betas: torch.Tensor

    def __post_init__(self):
        b = torch.as_tensor(self.betas, dtype=torch.float64).flatten()
        if b.numel() < 1 or not bool(((b > 0) & (b < 1)).all()):
            raise ValueError("DDPM betas must all lie in (0, 1)")
        ab = torch.cumprod(1.0 - b, 0)
        ab_prev = torch.cat([torch.ones(1, dtype=torch.float64), ab[:-1]])
        self.betas = b.float()
        self.alphas = (1.0 - b).float()
        self.alpha_bars = ab.float()
        self.alpha_bars_prev = ab_prev.float()
        self.posterior_variance = (b * (1.0 - ab_prev) / (1.0 - ab)).float()

    @property
    def T(self) -> int:
        """Number of diffusion steps."""
        return self.betas.numel()

    @classmethod
    def linear(cls, T: int = 1000, beta_start: float | None = None, beta_end: float | None = None) -> DDPMSchedule:
        """Ho et al.'s linear schedule, β from 1e-4 to 0.02 at T = 1000.

        For other T the default end points are scaled by ``1000 / T`` (as in Nichol & Dhariwal
        2021), so that a short chain still ends near pure noise (``ᾱ_T ≈ 4e-5`` for T ≥ 50; for
        shorter chains β is capped at 0.999).

        Args:
            T: number of diffusion steps.
            beta_start, beta_end: β at the first and last step (None: the scaled defaults).

        Returns:
            The schedule.
        """
        T = _positive_int(T, "T")
        scale = 1000.0 / T
        lo = min(1e-4 * scale, 0.999) if beta_start is None else beta_start
        hi = min(0.02 * scale, 0.999) if beta_end is None else beta_end
        return cls(torch.linspace(lo, hi, T, dtype=torch.float64))

    @classmethod
    def cosine(cls, T: int = 1000, s: float = 0.008) -> DDPMSchedule:
        """Nichol & Dhariwal's cosine schedule: ``ᾱ(t) ∝ cos²((t/T + s)/(1 + s) · π/2)``, β ≤ 0.999.

        Args:
            T: number of diffusion steps.
            s: small offset that keeps β_1 from being tiny.

        Returns:
            The schedule.
        """
        T = _positive_int(T, "T")
        u = torch.arange(T + 1, dtype=torch.float64) / T
        f = torch.cos((u + s) / (1 + s) * math.pi / 2) ** 2
        ab = f / f[0]
        return cls((1 - ab[1:] / ab[:-1]).clamp(1e-8, 0.999))

    def snr(self) -> torch.Tensor:
        """Signal-to-noise ratio ``ᾱ_t / (1 − ᾱ_t)`` per step ``[T]``."""
        return self.alpha_bars / (1 - self.alpha_bars)

    def _at(self, values: torch.Tensor, t: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """``values[t]`` shaped ``[B, 1, 1, …]`` to broadcast against ``x``."""
        t = torch.as_tensor(t, dtype=torch.long)
        if bool((t < 0).any()) or bool((t >= self.T).any()):
            raise ValueError(f"diffusion step out of range 0..{self.T - 1}: {t.tolist()}")
        return values.to(x.device)[t.to(x.device)].reshape(-1, *([1] * (x.ndim - 1))).to(x.dtype)


def q_sample(schedule: DDPMSchedule, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """Jump straight to step ``t`` of the forward process: ``x_t = √ᾱ_t x_0 + √(1−ᾱ_t) ε``.

    Args:
        schedule: the noise schedule.
        x0: clean data ``[B, ...]`` (scaled to about [-1, 1]).
        t: step indices ``[B]`` (ints in ``0 … T−1``) or one int for the whole batch.
        noise: ``ε ~ N(0, I)``, same shape as ``x0``.

    Returns:
        ``x_t``, same shape as ``x0``.

    Notebook: 02_building_blocks
    """
    if noise.shape != x0.shape:
        raise ValueError(f"noise shape {tuple(noise.shape)} differs from x0 shape {tuple(x0.shape)}")
    t = torch.as_tensor(t, dtype=torch.long)
    if t.ndim == 0:
        t = t.expand(x0.shape[0])
    ab = schedule._at(schedule.alpha_bars, t, x0)
    return ab.sqrt() * x0 + (1 - ab).sqrt() * noise


def ddpm_loss(model: nn.Module, schedule: DDPMSchedule, x0: torch.Tensor,
              generator: torch.Generator | None) -> torch.Tensor:
    """Ho et al.'s simplified objective: ``E_{t, x0, ε} ‖ε − ε_θ(x_t, t)‖²`` with uniform t.

    Args:
        model: ``model(x_t, t) -> ε̂`` with ``t`` a long tensor ``[B]``.
        schedule: the noise schedule.
        x0: a batch of clean data ``[B, ...]``.
        generator: source of t and ε (None: torch's default generator).

    Returns:
        Scalar mean squared error.

    Notebook: 02_building_blocks
    """
    gen_dev = generator.device if generator is not None else "cpu"
    t = torch.randint(0, schedule.T, (x0.shape[0],), generator=generator, device=gen_dev).to(x0.device)
    noise = _randn(x0.shape, generator, x0.device, x0.dtype)
    return F.mse_loss(model(q_sample(schedule, x0, t, noise), t), noise)


@torch.no_grad()
def ddpm_sample(model: nn.Module, schedule: DDPMSchedule, shape: Sequence[int],
                generator: torch.Generator | None, *, device="cpu", clip_x0: float | None = 1.0,
                variance: str = "posterior", keep: Sequence[int] = ()) -> tuple[torch.Tensor, dict[int, torch.Tensor]]:
    """Ancestral sampling (Ho et al. 2020, Algorithm 2), from ``x_T ~ N(0, I)`` down to ``x_0``.

    Each step draws ``x_{t−1} ~ N(μ_θ(x_t, t), σ_t² I)`` with
    ``μ_θ = (x_t − β_t / √(1−ᾱ_t) · ε_θ(x_t, t)) / √α_t``, written equivalently through the
    predicted clean signal ``x̂_0 = (x_t − √(1−ᾱ_t) ε_θ) / √ᾱ_t`` as
    ``μ = √ᾱ_{t−1} β_t / (1−ᾱ_t) · x̂_0 + √α_t (1−ᾱ_{t−1}) / (1−ᾱ_t) · x_t``, so that ``x̂_0`` can
    be clipped to the data range (``clip_x0``); no noise is added at the last step.

    Args:
        model: ``model(x_t, t) -> ε̂``.
        schedule: the schedule the model was trained with.
        shape: output shape ``[B, ...]``.
        generator: source of ``x_T`` and of each step's noise.
        device: where the model runs.
        clip_x0: clip ``x̂_0`` to ``[-clip_x0, clip_x0]`` (None: no clipping, the plain formula).
        variance: ``"posterior"`` (``σ_t² = β̃_t``) or ``"beta"`` (``σ_t² = β_t``).
        keep: step indices whose ``x_t`` to return too (e.g. for a picture of the reverse chain).

    Returns:
        ``(x_0 [shape], {t: x_t for t in keep})`` on ``device``.

    Notebook: 02_building_blocks
    """
    if variance not in ("posterior", "beta"):
        raise ValueError(f"variance must be 'posterior' or 'beta', got {variance!r}")
    was_training = model.training
    model.eval()
    sig2 = schedule.posterior_variance if variance == "posterior" else schedule.betas
    x = _randn(tuple(shape), generator, device)
    kept = {}
    for t in range(schedule.T - 1, -1, -1):
        if t in keep:
            kept[t] = x.clone()
        tt = torch.full((x.shape[0],), t, dtype=torch.long, device=device)
        eps = model(x, tt)
        ab, ab_prev = float(schedule.alpha_bars[t]), float(schedule.alpha_bars_prev[t])
        beta, alpha = float(schedule.betas[t]), float(schedule.alphas[t])
        x0_hat = (x - math.sqrt(1 - ab) * eps) / math.sqrt(ab)
        if clip_x0 is not None:
            x0_hat = x0_hat.clamp(-clip_x0, clip_x0)
        mean = (math.sqrt(ab_prev) * beta / (1 - ab)) * x0_hat + (math.sqrt(alpha) * (1 - ab_prev) / (1 - ab)) * x
        x = mean + math.sqrt(float(sig2[t])) * _randn(x.shape, generator, device) if t > 0 else mean
    model.train(was_training)
    return x, kept



@torch.no_grad()
def ddim_sample(model: nn.Module, schedule: DDPMSchedule, shape: Sequence[int],
                generator: torch.Generator | None, *, steps: int = 50, eta: float = 0.0, device="cpu",
                clip_x0: float | None = 1.0) -> torch.Tensor:
    """DDIM sampling (Song et al. 2021) on a sub-sequence of ``steps`` of the training chain.

    The model trained by :func:`ddpm_loss` is reused as is; only the sampler changes. On the
    evenly spaced steps ``τ_S > … > τ_1`` (``τ_S = T−1``), each update predicts
    ``x̂_0 = (x_τ − √(1−ᾱ_τ) ε̂) / √ᾱ_τ`` and moves to the previous step ``τ'`` along
    ``x_τ' = √ᾱ_τ' x̂_0 + √(1−ᾱ_τ' − σ²) ε̂ + σ z`` with
    ``σ = η √((1−ᾱ_τ')/(1−ᾱ_τ)) √(1 − ᾱ_τ/ᾱ_τ')``: η = 0 is deterministic given ``x_T``, η = 1
    is ancestral sampling on the sub-chain. The last update returns ``x̂_0``.

    Args:
        model: ``model(x_t, t) -> ε̂`` with ``t`` a long tensor ``[B]``.
        schedule: the schedule the model was trained with.
        shape: output shape ``[B, ...]``.
        generator: source of ``x_T`` (and of the noise when ``eta > 0``).
        steps: number of network evaluations, 1 … ``schedule.T``.
        eta: 0 (deterministic DDIM) … 1 (DDPM-like noise).
        device: where the model runs.
        clip_x0: clip ``x̂_0`` to ``[-clip_x0, clip_x0]`` (None: no clipping).

    Returns:
        ``x_0`` with ``shape``, on ``device``.

    Notebook: 02_building_blocks (used in 23_2023_mm_diffusion and 25_beyond_the_survey)
    """
    steps = _positive_int(steps, "steps")
    if steps > schedule.T:
        raise ValueError(f"steps must be at most the schedule's T = {schedule.T}, got {steps}")
    if not 0.0 <= eta <= 1.0:
        raise ValueError(f"eta must lie in [0, 1], got {eta!r}")
    was_training = model.training
    model.eval()
    taus = torch.linspace(schedule.T - 1, 0, steps).round().long().tolist()
    x = _randn(tuple(shape), generator, device)
    for i, t in enumerate(taus):
        tt = torch.full((x.shape[0],), t, dtype=torch.long, device=device)
        eps = model(x, tt)
        ab = float(schedule.alpha_bars[t])
        x0_hat = (x - math.sqrt(1 - ab) * eps) / math.sqrt(ab)
        if clip_x0 is not None:
            x0_hat = x0_hat.clamp(-clip_x0, clip_x0)
        if i == len(taus) - 1:
            x = x0_hat
            break
        ab_prev = float(schedule.alpha_bars[taus[i + 1]])
        sigma = eta * math.sqrt((1 - ab_prev) / (1 - ab)) * math.sqrt(max(0.0, 1 - ab / ab_prev))
        # ε̂ re-derived from the (possibly clipped) x̂_0 keeps the update consistent with it
        eps = (x - math.sqrt(ab) * x0_hat) / math.sqrt(1 - ab)
        x = math.sqrt(ab_prev) * x0_hat + math.sqrt(max(0.0, 1 - ab_prev - sigma ** 2)) * eps
        if sigma > 0:
            x = x + sigma * _randn(x.shape, generator, device)
    model.train(was_training)
    return x


class _ResBlock(nn.Module):
    """GroupNorm → SiLU → conv, twice, plus the step embedding, with a skip connection (1-D or 2-D)."""

    def __init__(self, c_in: int, c_out: int, emb_dim: int, dims: int = 2):
        super().__init__()
        conv = nn.Conv2d if dims == 2 else nn.Conv1d
        self.dims = dims
        self.n1, self.c1 = nn.GroupNorm(min(8, c_in), c_in), conv(c_in, c_out, 3, padding=1)
        self.emb = nn.Linear(emb_dim, c_out)
        self.n2, self.c2 = nn.GroupNorm(min(8, c_out), c_out), conv(c_out, c_out, 3, padding=1)
        self.skip = conv(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x, emb):
        e = self.emb(emb).reshape(*emb.shape[:1], -1, *([1] * self.dims))
        h = self.c1(F.silu(self.n1(x))) + e
        return self.skip(x) + self.c2(F.silu(self.n2(h)))


class TinyUNet(nn.Module):
    """A two-level U-Net noise predictor ``ε_θ(x_t, t)`` for small spectrogram patches.

    ``in → ResBlock(base) → ↓2 → ResBlock(2·base) → ResBlock(2·base) → ↑2 → concat skip →
    ResBlock(base) → out``; the diffusion step enters every block through a sinusoidal
    embedding and a small MLP.

    Args:
        in_ch: data channels (1 for a log-mel patch).
        base: channels at full resolution.

    Shape: ``x [B, in_ch, H, W]`` (H, W even), ``t [B]`` long → ``[B, in_ch, H, W]``.

    Notebook: 02_building_blocks
    """

    def __init__(self, in_ch: int = 1, base: int = 16):
        super().__init__()
        self.base = _positive_int(base, "base")
        emb = 4 * base
        self.emb = nn.Sequential(nn.Linear(base, emb), nn.SiLU(), nn.Linear(emb, emb))
        self.inp = nn.Conv2d(_positive_int(in_ch, "in_ch"), base, 3, padding=1)
        self.down1 = _ResBlock(base, base, emb)
        self.pool = nn.Conv2d(base, 2 * base, 4, 2, 1)
        self.mid1 = _ResBlock(2 * base, 2 * base, emb)
        self.mid2 = _ResBlock(2 * base, 2 * base, emb)
        self.upsample = nn.ConvTranspose2d(2 * base, base, 4, 2, 1)
        self.up1 = _ResBlock(2 * base, base, emb)
        self.out = nn.Sequential(nn.GroupNorm(min(8, base), base), nn.SiLU(), nn.Conv2d(base, in_ch, 3, padding=1))

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4 or x.shape[-1] % 2 or x.shape[-2] % 2:
            raise ValueError(f"TinyUNet expects [B, C, H, W] with even H, W, got {tuple(x.shape)}")
        e = self.emb(sinusoidal_embedding(t, self.base))
        h0 = self.down1(self.inp(x), e)
        h = self.mid2(self.mid1(self.pool(h0), e), e)
        h = self.up1(torch.cat([self.upsample(h), h0], dim=1), e)
        return self.out(h)


class TemporalUNet(nn.Module):
    """A 1-D U-Net noise predictor over time for spectrograms: mel bands are the channels.

    Cheaper than :class:`TinyUNet` on a CPU (fewer, larger operations) and natural for sound,
    where a spectrogram is a sequence of frames; per-frame conditioning features (e.g. video
    features resampled to the spectrogram's frame rate) can be concatenated to the input with
    ``cond_ch``. ``in → ResBlock → ↓2 → ResBlock → ResBlock → ↑2 → concat skip → ResBlock → out``,
    the diffusion step entering every block through a sinusoidal embedding.

    Args:
        n_mels: mel bands of the patches.
        channels: hidden channels.
        cond_ch: channels of the optional conditioning ``cond [B, cond_ch, frames]`` (0: none).

    Shape: ``x [B, 1, n_mels, frames]`` or ``[B, n_mels, frames]`` (frames even), ``t [B]`` long
    → same shape as ``x``.

    Notebook: 02_building_blocks
    """

    def __init__(self, n_mels: int, channels: int = 32, cond_ch: int = 0):
        super().__init__()
        c = self.channels = _positive_int(channels, "channels")
        self.n_mels, self.cond_ch = _positive_int(n_mels, "n_mels"), int(cond_ch)
        if self.cond_ch < 0:
            raise ValueError(f"cond_ch must be >= 0, got {cond_ch}")
        self.emb = nn.Sequential(nn.Linear(c, c), nn.SiLU(), nn.Linear(c, c))
        self.inp = nn.Conv1d(n_mels + self.cond_ch, c, 3, padding=1)
        self.down1 = _ResBlock(c, c, c, dims=1)
        self.pool = nn.Conv1d(c, c, 4, 2, 1)
        self.mid1 = _ResBlock(c, c, c, dims=1)
        self.mid2 = _ResBlock(c, c, c, dims=1)
        self.upsample = nn.ConvTranspose1d(c, c, 4, 2, 1)
        self.up1 = _ResBlock(2 * c, c, c, dims=1)
        self.out = nn.Sequential(nn.GroupNorm(min(8, c), c), nn.SiLU(), nn.Conv1d(c, n_mels, 3, padding=1))

    def forward(self, x: torch.Tensor, t: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor:
        squeeze = x.ndim == 4
        h = x[:, 0] if squeeze else x
        if h.ndim != 3 or h.shape[1] != self.n_mels or h.shape[-1] % 2:
            raise ValueError(f"TemporalUNet expects [B, 1, {self.n_mels}, frames] or [B, {self.n_mels}, frames] "
                             f"with even frames, got {tuple(x.shape)}")
        if self.cond_ch:
            if cond is None or cond.shape != (h.shape[0], self.cond_ch, h.shape[-1]):
                got = None if cond is None else tuple(cond.shape)
                raise ValueError(f"TemporalUNet needs cond of shape {(h.shape[0], self.cond_ch, h.shape[-1])}, got {got}")
            h = torch.cat([h, cond], dim=1)
        e = self.emb(sinusoidal_embedding(t, self.channels))
        h0 = self.down1(self.inp(h), e)
        h = self.mid2(self.mid1(self.pool(h0), e), e)
        out = self.out(self.up1(torch.cat([self.upsample(h), h0], dim=1), e))
        return out[:, None] if squeeze else out
