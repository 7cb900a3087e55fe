"""Tan, Wu, Zhao, Chen, "SA-CMGAN" (ICASSP 2020, survey [9]): self-attention in cross-modal GANs.

Notebook 07's two one-way GANs (Chen et al. 2017: S2I sound → image, I2S image → log-mel) with
SA-CMGAN's addition (``TwistedW/SA-CMGAN:SA_CMGAN_I2S.py``): a SAGAN self-attention block
(Zhang et al. 2019, :class:`SelfAttention2d`) in the generator and in the discriminator. Every
position of a feature map can then read every other one: on a spectrogram, a partial at 400 Hz
can "see" the partials at 800 and 1,200 Hz, which a 4×4 convolution cannot at that depth.

Everything else is notebook 07's, imported from :mod:`~foley_nb_utils.methods.m07_cross_modal_gan`:
the instruments world, the frozen condition encoders, the GAN-CLS loss with the mismatched-pair
term (:func:`m07.gan_cls_losses`), the batches, noise and mismatched pairs (the same generator
seeds), the training with tracked checkpoint selection (:func:`m07.train_cgan`), the judges and the
per-example judged correctness (:func:`m07.s2i_correct`, :func:`m07.i2s_correct`). An SA model
is notebook 07's model with the same initial weights in every layer they share, plus the blocks
(:func:`build`): the comparison with notebook 07's checkpoints is an ablation of the blocks alone.

The paper's other discriminator change, the hinge form of the loss with the same mismatch term
(:func:`hinge_d_loss`, :func:`hinge_g_loss`), is here to be read and tried (an exercise), not used
by the claims, so that they isolate the attention blocks and the mismatch term.

Shapes (quick profile): images ``[N, 3, 32, 32]``; log-mels ``[N, 1, 64, 32]`` in [-1, 1];
conditions ``[N, 128]``. The attention blocks sit at a low resolution (:data:`SETTINGS`): in G
after its first 2× upsampling (I2S: a 16 × 8 map of 16 channels, 128 positions; S2I: 8 × 8, 64),
in D after its last stride-2 block (I2S: 8 × 4 of 32 channels; S2I: 4 × 4). An attention map over
``H × W`` positions is
``[N, H·W, H·W]`` (row = query position, flattened row-major over (frequency, time) for a
log-mel; each row sums to 1).

Notebook: 13_2020_sa_cmgan
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .. import repro
from . import m07_cross_modal_gan as m07

__all__ = [
    "SETTINGS",
    "VARIANTS",
    "SelfAttention2d",
    "add_attention",
    "attention_blocks",
    "attention_maps",
    "build",
    "gammas",
    "hinge_d_loss",
    "hinge_g_loss",
    "settings",
    "train_variants",
    "variant_job",
]

#: SA-CMGAN's own settings on top of notebook 07's (:data:`m07.SETTINGS`: data, encoders, GAN budget):
#: the query/key width floor of the attention blocks (SAGAN's C/8 would be 2 channels at quick
#: widths) and where the blocks sit (:func:`add_attention`: G after its first upsampling block,
#: D after its last stride-2 block; the paper's sit at 32×32 of 64×64 in G, after the first conv in D,
#: which costs ~16× more at our sizes than a CPU budget allows).
SETTINGS: dict[str, dict[str, Any]] = {"quick": dict(qk_min=4, g_after=1, d_after=3),
                                       "full": dict(qk_min=8, g_after=1, d_after=3)}

VARIANTS: dict[str, tuple[str, bool]] = {
    "SA S2I": ("S2I-C", True),
    "SA I2S": ("I2S", True),
    "SA S2I-N": ("S2I-C", False),
    "SA I2S-N": ("I2S", False),
}
"""SA-CMGAN's models: notebook 07's variant they add attention to (its direction, encoder, data,
seeds and budget) and whether D has the mismatched-pair term (``-N``: without it)."""


def settings(profile: str, **overrides: Any) -> dict[str, Any]:
    """Notebook 13's settings: notebook 07's (:func:`m07.settings`) plus :data:`SETTINGS`.

    Notebook: 13_2020_sa_cmgan
    """
    own = dict(SETTINGS[repro.check_profile(profile)])
    base = m07.settings(profile)
    bad = sorted(set(overrides) - set(own) - set(base))
    if bad:
        raise ValueError(f"unknown setting(s) {bad}; known: {sorted({*own, *base})}")
    return {**base, **own, **overrides}


# ----------------------------------------------------------------------------------- attention
class SelfAttention2d(nn.Module):
    """SAGAN self-attention over the positions of a feature map, with a learned residual gate.

    For ``x`` of ``C × H × W`` with ``N = H·W`` positions: queries ``q = W_q x``, keys
    ``k = W_k x`` (1×1 convs to ``qk`` channels) and values ``v = W_v x`` (to ``C``);
    ``β = softmax(Q Kᵀ)`` row by row (``β[j, i]``: how much position ``j`` reads position ``i``);
    ``o = β V``; ``y = x + γ·o`` with a scalar ``γ`` that starts at 0, so the block starts as the
    identity and the network lets attention in as it learns. (SAGAN does not scale by ``√qk``.)

    Args:
        channels: ``C``.
        qk: query/key channels (default ``max(qk_min, C // 8)``).
        qk_min: lower bound of the default ``qk``.

    Shape: ``[B, C, H, W]`` → ``[B, C, H, W]``; with ``keep_map = True`` the last forward's
    ``β`` is kept in ``last_map`` ``[B, N, N]``.

    Notebook: 13_2020_sa_cmgan
    """

    def __init__(self, channels: int, qk: int | None = None, qk_min: int = 4):
        super().__init__()
        if not isinstance(channels, int) or isinstance(channels, bool) or channels < 1:
            raise ValueError(f"channels must be a positive int, got {channels!r}")
        qk = int(qk or max(int(qk_min), channels // 8))
        if qk < 1:
            raise ValueError(f"qk must be a positive int, got {qk!r}")
        self.q = nn.Conv2d(channels, qk, 1, bias=False)
        self.k = nn.Conv2d(channels, qk, 1, bias=False)
        self.v = nn.Conv2d(channels, channels, 1, bias=False)
        self.gamma = nn.Parameter(torch.zeros(()))
        self.keep_map = False
        self.last_map: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4:
            raise ValueError(f"SelfAttention2d expects [B, C, H, W], got {tuple(x.shape)}")
        b, c, h, w = x.shape
        q = self.q(x).flatten(2).transpose(1, 2)          # [B, N, qk]
        k = self.k(x).flatten(2)                          # [B, qk, N]
        beta = torch.softmax(q @ k, dim=-1)               # [B, N (query), N (key)]
        o = (self.v(x).flatten(2) @ beta.transpose(1, 2)).view(b, c, h, w)  # o_j = Σ_i β[j, i] v_i
        if self.keep_map:
            self.last_map = beta.detach()
        return x + self.gamma * o


def _insert(seq: nn.Sequential, at: int, block: nn.Module) -> nn.Sequential:
    layers = list(seq)
    return nn.Sequential(*layers[:at], block, *layers[at:])


def add_attention(model: nn.Module, seed: int, qk_min: int = 4, after: int = 1) -> nn.Module:
    """Put one self-attention block into notebook 07's generator or discriminator, in place.

    - :class:`m07.CondGenerator`: after its upsampling block number ``after`` (0: on the FC
      layer's map, the coarsest; 1: after the first transposed conv block, twice as large; …);
    - :class:`m07.CondDiscriminator`: after its stride-2 block number ``after`` (1: the first,
      the finest map; ``depth``: the last, the coarsest);
    - :class:`m07.ConvClassifier` (an encoder): after its conv block number ``after`` (1: the
      paper's place, after the first conv).

    The block's weights are drawn from ``seed`` (``fnu.train.build_seeded``); the other layers
    keep theirs, so the model starts as the very function it was (``γ = 0``).

    Returns:
        ``model`` (with ``model.attn`` the block).

    Notebook: 13_2020_sa_cmgan
    """
    if isinstance(model, m07.CondGenerator):
        n_up = len(model.up) // 3
        if not isinstance(after, int) or not 0 <= after <= n_up:
            raise ValueError(f"after must be an int in 0..{n_up} for this generator, got {after!r}")
        ch = model.fc[2].num_features if after == 0 else model.up[3 * after - 3].out_channels
        model.attn = m07.build_seeded(seed, lambda: SelfAttention2d(ch, qk_min=qk_min))
        if after == 0:
            model.fc = _insert(model.fc, len(model.fc), model.attn)
        else:
            model.up = _insert(model.up, 3 * after, model.attn)
    elif isinstance(model, m07.CondDiscriminator):
        n_down = len(model.down.net) // 2
        if not isinstance(after, int) or not 1 <= after <= n_down:
            raise ValueError(f"after must be an int in 1..{n_down} for this discriminator, got {after!r}")
        ch = model.down.net[2 * after - 2].out_channels
        model.attn = m07.build_seeded(seed, lambda: SelfAttention2d(ch, qk_min=qk_min))
        model.down.net = _insert(model.down.net, 2 * after, model.attn)
    elif isinstance(model, m07.ConvClassifier):
        n_blocks = len(model.trunk) // 4
        if not isinstance(after, int) or not 1 <= after <= n_blocks:
            raise ValueError(f"after must be an int in 1..{n_blocks} for this classifier, got {after!r}")
        ch = model.trunk[4 * after - 4].out_channels
        model.attn = m07.build_seeded(seed, lambda: SelfAttention2d(ch, qk_min=qk_min))
        model.trunk = _insert(model.trunk, 4 * after, model.attn)
    else:
        raise ValueError("add_attention takes m07.CondGenerator, m07.CondDiscriminator or m07.ConvClassifier, "
                         f"got {type(model).__name__}")
    return model


def attention_blocks(model: nn.Module) -> list[SelfAttention2d]:
    """The :class:`SelfAttention2d` blocks of a model, in order.

    Notebook: 13_2020_sa_cmgan
    """
    return [m for m in model.modules() if isinstance(m, SelfAttention2d)]


def gammas(model: nn.Module) -> list[float]:
    """The learned gates ``γ`` of a model's attention blocks (how much attention it lets in).

    Notebook: 13_2020_sa_cmgan
    """
    return [float(b.gamma.detach()) for b in attention_blocks(model)]


@torch.no_grad()
def attention_maps(model: nn.Module, *inputs: torch.Tensor, chunk: int = 128) -> torch.Tensor:
    """The attention maps ``β`` of a model's (first) attention block for a batch of inputs.

    Args:
        model: an SA generator (inputs ``cond [N, 128], z [N, z_dim]``) or discriminator
            (inputs ``x [N, C, H, W], cond [N, 128]``), from :func:`build`.
        inputs: what ``model`` takes, each with ``N`` rows (run in eval mode, in chunks).

    Returns:
        float32 ``[N, h·w, h·w]`` over the ``h × w`` map the block sees (position
        ``p = row · w + column``). For I2S's generator, ``16 × 8`` over a ``64 × 32`` log-mel:
        row ``r`` covers mel bands ``4r … 4r + 3``, column ``c`` frames ``4c … 4c + 3``.

    Notebook: 13_2020_sa_cmgan
    """
    blocks = attention_blocks(model)
    if not blocks:
        raise ValueError("this model has no attention block (notebook 07's model)")
    if len({len(x) for x in inputs}) != 1:
        raise ValueError(f"inputs differ in length: {[len(x) for x in inputs]}")
    blk = blocks[0]
    was = model.training
    model.eval()
    blk.keep_map = True
    out = []
    try:
        for i in range(0, len(inputs[0]), chunk):
            model(*(x[i:i + chunk] for x in inputs))
            out.append(blk.last_map.float().cpu())
    finally:
        blk.keep_map, blk.last_map = False, None
        model.train(was)
    return torch.cat(out)


# ----------------------------------------------------------------------------------- losses
def hinge_d_loss(s_real: torch.Tensor, s_fake: torch.Tensor, s_wrong: torch.Tensor | None) -> torch.Tensor:
    """SA-CMGAN's discriminator loss, the hinge form (from logits ``[B]``):

    ``L_D = E[max(0, 1 − s_r)] + ½ (E[max(0, 1 + s_f)] + E[max(0, 1 + s_w)])``; without the
    mismatch term (``s_wrong=None``) ``L_D = E[max(0, 1 − s_r)] + E[max(0, 1 + s_f)]``.

    Notebook: 13_2020_sa_cmgan
    """
    if s_wrong is None:
        return F.relu(1 - s_real).mean() + F.relu(1 + s_fake).mean()
    return F.relu(1 - s_real).mean() + 0.5 * (F.relu(1 + s_fake).mean() + F.relu(1 + s_wrong).mean())


def hinge_g_loss(s_fake: torch.Tensor) -> torch.Tensor:
    """The generator's hinge loss ``L_G = −E[s_f]``.

    Notebook: 13_2020_sa_cmgan
    """
    return -s_fake.mean()


# ----------------------------------------------------------------------------------- experiment
def build(variant: str, shape: Sequence[int], seed: int, cfg: dict) -> tuple[m07.CondGenerator, m07.CondDiscriminator]:
    """G and D of ``variant`` (:data:`VARIANTS`): notebook 07's G and D of its base variant, with
    the *same* initial weights (07's seeds), plus one attention block each (their own seeds).

    Args:
        shape: the generated sample's shape, ``(3, 32, 32)`` or ``(1, 64, 32)``.

    Notebook: 13_2020_sa_cmgan
    """
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; choose one of {tuple(VARIANTS)}")
    base = VARIANTS[variant][0]
    shape = tuple(int(s) for s in shape)
    arch = dict(base=cfg["base"], depth=cfg["depth"])
    gen = m07.build_seeded(m07._seed_of(seed, "m07-init", base, "G"), lambda: m07.CondGenerator(shape, **arch))
    disc = m07.build_seeded(m07._seed_of(seed, "m07-init", base, "D"), lambda: m07.CondDiscriminator(shape, **arch))
    add_attention(gen, m07._seed_of(seed, "m13-attn", base, "G"), cfg["qk_min"], cfg["g_after"])
    add_attention(disc, m07._seed_of(seed, "m13-attn", base, "D"), cfg["qk_min"], cfg["d_after"])
    return gen, disc


def variant_job(variant: str, data: dict[str, m07.PairData], encoder: nn.Module, judges_: tuple, seed: int,
                cfg: dict, device="cpu", progress: bool = False) -> Callable[[], tuple[m07.GanRun, dict[str, float]]]:
    """Build a variant's G and D (in the caller's thread) and return its training as a function
    without arguments returning ``(run, {"train": acc, "test": acc})`` (judged accuracy).

    Conditions, batches, noise, mismatched pairs, tracking and evaluation draw from notebook 07's
    generator seeds for the base variant (``"m07-gan"``, ``"m07-track"``, ``"m07-eval"``): an SA
    model sees exactly what notebook 07's model saw. Only its checkpoint name (``m13-…``) and the
    attention settings differ.

    Notebook: 13_2020_sa_cmgan
    """
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; choose one of {tuple(VARIANTS)}")
    base, mismatch = VARIANTS[variant]
    direction, kind, _ = m07.VARIANTS[base]
    img_j, aud_j = judges_
    tr = data["train"]
    cond = m07.conditions(encoder, kind, data)
    if direction == "s2i":
        target, label = tr.images, "S2I"

        def score(G, c, y, g):
            return m07.s2i_accuracy(G, c, y, img_j, g)
    else:
        target, label = tr.lms, "I2S"

        def score(G, c, y, g):
            return m07.i2s_accuracy(G, c, y, aud_j, tr.db_range, g)
    gen, disc = build(variant, target.shape[1:], seed, cfg)

    def track(G):
        return {label: score(G, cond["val"], data["val"].labels, repro.torch_generator(seed, "m07-track"))}

    def train():
        key = {**m07.run_key(seed, cfg), "variant": variant, **{k: cfg[k] for k in SETTINGS["quick"]}}
        run = m07.train_cgan(gen, disc, target, cond["train"], tr.labels, steps=cfg["gan_steps"],
                             batch_size=cfg["batch"], generator=repro.torch_generator(seed, "m07-gan", base),
                             mismatch=mismatch, lr_g=cfg["lr_g"], lr_d=cfg["lr_d"], track=track,
                             track_every=cfg["track_every"], name=f"m13-{variant.replace(' ', '-')}", config=key,
                             device=device, progress=progress)
        acc = {p: score(run.gen, cond[p], data[p].labels, repro.torch_generator(seed, "m07-eval", p))
               for p in ("train", "test")}
        return run, acc

    return train


def train_variants(variants: Sequence[str], data: dict[str, m07.PairData], encoders: dict[str, nn.Module],
                   judges_: tuple, seed: int, cfg: dict, device="cpu", progress: bool = False):
    """:func:`variant_job` for several variants, trained side by side (:func:`m07.run_jobs`).

    Args:
        encoders: notebook 07's condition encoders by kind (``"logmel"``, ``"image"``).

    Returns:
        ``(runs, accuracies)`` keyed by variant.

    Notebook: 13_2020_sa_cmgan
    """
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        raise ValueError(f"unknown variant(s) {unknown}; choose from {tuple(VARIANTS)}")
    kinds = {v: m07.VARIANTS[VARIANTS[v][0]][1] for v in variants}
    missing = sorted(set(kinds.values()) - set(encoders))
    if missing:
        raise ValueError(f"no encoder for {missing}; train them with m07.train_encoders first")
    return m07.run_jobs({v: variant_job(v, data, encoders[kinds[v]], judges_, seed, cfg, device, progress)
                         for v in variants})
