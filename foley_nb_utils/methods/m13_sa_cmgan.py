"""Tan, Wu, Zhao, Chen, "SA-CMGAN" (ICASSP 2020, survey [9]): self-attention for cross-modal GANs.

Notebook 07's image → log-mel GAN (Chen et al. 2017) with the two changes SA-CMGAN makes
(``TwistedW/SA-CMGAN:SA_CMGAN_I2S.py``):

1. **Self-attention** (:class:`SelfAttention2d`, SAGAN: Zhang et al. 2019) in the generator, on
   its finest hidden map, and in the discriminator, after its first conv block: every position of
   a spectrogram feature map can read every other one, so a partial at 400 Hz can "see" the
   partials at 800 and 1200 Hz, which a 4×4 convolution cannot at that depth.
2. **Spectral normalisation and the hinge loss** with the mismatched-pair term
   (:func:`hinge_d_loss`, :func:`hinge_g_loss`): D sees (condition, real), (condition,
   generated) and (condition, real of another class).

The ablation (:data:`VARIANTS`) keeps everything of SA-CMGAN except the attention blocks (they
become identities), with the same seed, data, budget, judges and checkpoint selection.

Everything else is imported from :mod:`~foley_nb_utils.methods.m07_cross_modal_gan`: the
instruments world (:func:`m07.load_data`), the image encoder whose features condition the GAN,
the judges, the tracked training with weight averaging (:func:`m07.fit_tracked`), the per-example
judged accuracy (:func:`m07.i2s_correct`) and Griffin-Lim.

Shapes (quick profile): images ``[N, 3, 32, 32]``; log-mels ``[N, 1, 64, 32]`` in [-1, 1];
conditions ``[N, 128]``; an attention map over a ``C × H × W`` feature map is ``[N, H·W, H·W]``
(row = query position, flattened row-major over (frequency, time); each row sums to 1).

Notebook: 13_2020_sa_cmgan
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from .. import repro
from . import m07_cross_modal_gan as m07

__all__ = [
    "SETTINGS",
    "VARIANTS",
    "SADiscriminator",
    "SAGenerator",
    "SelfAttention2d",
    "attention_maps",
    "class_spread",
    "harmonic_attention",
    "harmonic_attention_of",
    "harmonic_rows",
    "hinge_d_loss",
    "hinge_g_loss",
    "mel_band_of",
    "settings",
    "train_sagan",
    "train_variants",
    "variant_job",
]

#: SA-CMGAN's own sizes on top of notebook 07's (:data:`m07.SETTINGS`: data, encoders, widths).
SETTINGS: dict[str, dict[str, Any]] = {
    "quick": dict(sa_steps=300, sa_batch=16, sa_lr_g=1e-3, sa_lr_d=2e-3, qk_min=4),
    "full": dict(sa_steps=6000, sa_batch=64, sa_lr_g=5e-4, sa_lr_d=1e-4, qk_min=8),
}

VARIANTS: dict[str, bool] = {"SA-CMGAN": True, "no attention": False}
"""Variant → whether G and D have their self-attention blocks."""


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

    For ``x`` of ``C × H × W`` with ``N = H·W`` positions: ``f = W_f x``, ``g = W_g x`` (1×1 convs
    to ``qk`` channels), ``h = W_h x`` (to ``C``); ``β_{j,i} = softmax_i(f_iᵀ g_j)`` is how much
    output position ``j`` attends to position ``i``; ``o_j = Σ_i β_{j,i} h_i``;
    ``y = x + γ·o`` with ``γ`` a scalar that starts at 0 (the block starts as the identity and the
    network lets attention in as it learns).

    Args:
        channels: ``C``.
        qk: query/key channels (default ``max(qk_min, C // 8)``; SAGAN's ``C/8`` would give a
            1-d key at our widths).
        sn: spectral-normalise the 1×1 convs (in the discriminator).
        qk_min: lower bound of the default ``qk``.

    Shape: ``[B, C, H, W]`` → ``[B, C, H, W]``; with ``keep_map = True`` the last forward's
    ``β`` is kept in ``last_map`` ``[B, N, N]`` (row j: query position j).

    Notebook: 13_2020_sa_cmgan
    """

    def __init__(self, channels: int, qk: int | None = None, sn: bool = False, qk_min: int = 4):
        super().__init__()
        if not isinstance(channels, int) or channels < 1:
            raise ValueError(f"channels must be a positive int, got {channels!r}")
        qk = int(qk or max(int(qk_min), channels // 8))
        wrap = spectral_norm if sn else (lambda m: m)
        self.f = wrap(nn.Conv2d(channels, qk, 1, bias=False))
        self.g = wrap(nn.Conv2d(channels, qk, 1, bias=False))
        self.h = wrap(nn.Conv2d(channels, channels, 1, bias=False))
        self.gamma = nn.Parameter(torch.zeros(()))
        self.keep_map = False
        self.last_map: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4:
            raise ValueError(f"SelfAttention2d expects [B, C, H, W], got {tuple(x.shape)}")
        b, c, hh, ww = x.shape
        f = self.f(x).flatten(2)                       # keys    [B, qk, N]
        g = self.g(x).flatten(2)                       # queries [B, qk, N]
        beta = torch.softmax(g.transpose(1, 2) @ f, dim=-1)  # [B, N(query j), N(key i)]
        o = (self.h(x).flatten(2) @ beta.transpose(1, 2)).view(b, c, hh, ww)
        if self.keep_map:
            self.last_map = beta.detach()
        return x + self.gamma * o


class SAGenerator(m07.CondGenerator):
    """Notebook 07's generator (:class:`m07.CondGenerator`) with a self-attention block on its
    finest hidden map, before the last transposed conv (as SA-CMGAN puts it at 32×32 of 64×64).

    Args:
        out_shape, base, depth, ...: as for :class:`m07.CondGenerator`.
        attention: False → the block is an identity (the ablation).
        qk_min: see :class:`SelfAttention2d`.

    Shape: ``cond [B, 128]``, ``z [B, z_dim]`` → ``[B, *out_shape]`` in (-1, 1).

    Notebook: 13_2020_sa_cmgan
    """

    def __init__(self, out_shape: Sequence[int], *, attention: bool = True, qk_min: int = 4, **kw: Any):
        super().__init__(out_shape, **kw)
        ch = self.out.in_channels
        self.attn = SelfAttention2d(ch, qk_min=qk_min) if attention else nn.Identity()

    def forward(self, cond: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        h = self.up(self.fc(torch.cat([self.embed(cond), z], dim=1)))
        return torch.tanh(self.out(self.attn(h)))


class SADiscriminator(m07.CondDiscriminator):
    """Notebook 07's discriminator (:class:`m07.CondDiscriminator`) made SA-CMGAN's: every conv
    and linear layer spectrally normalised, and a self-attention block after the first conv block.

    Args:
        in_shape, base, depth: as for :class:`m07.CondDiscriminator`.
        attention: False → no attention block (the ablation).
        qk_min: see :class:`SelfAttention2d`.

    Shape: ``x [B, *in_shape]``, ``cond [B, 128]`` → logits ``[B]``.

    Notebook: 13_2020_sa_cmgan
    """

    def __init__(self, in_shape: Sequence[int], *, attention: bool = True, qk_min: int = 4, **kw: Any):
        super().__init__(in_shape, **kw)
        for mod in (self.down.net, self.embed, self.joint):
            for i, m in enumerate(mod):
                if isinstance(m, (nn.Conv2d, nn.Linear)):
                    mod[i] = spectral_norm(m)
        layers = list(self.down.net)
        first = layers[0].out_channels
        self.attn = SelfAttention2d(first, sn=True, qk_min=qk_min) if attention else nn.Identity()
        self.down.net = nn.Sequential(*layers[:2], self.attn, *layers[2:])


def attention_blocks(model: nn.Module) -> list[SelfAttention2d]:
    """The :class:`SelfAttention2d` blocks of a model, in order."""
    return [m for m in model.modules() if isinstance(m, SelfAttention2d)]


@torch.no_grad()
def attention_maps(disc: SADiscriminator, x: torch.Tensor, cond: torch.Tensor,
                   chunk: int = 128) -> torch.Tensor:
    """The discriminator's attention maps ``β`` for samples ``x`` ``[N, 1, F, T]`` (and their
    conditions ``[N, 128]``).

    Returns:
        float32 ``[N, H·W, H·W]`` over the ``H × W = F/2 × T/2`` map after the first conv block
        (position ``p = row · W + frame``; row ``r`` covers mel bands ``2r, 2r + 1``).

    Notebook: 13_2020_sa_cmgan
    """
    if not isinstance(disc.attn, SelfAttention2d):
        raise ValueError("this discriminator has no attention block (the 'no attention' variant)")
    was = disc.training
    disc.eval()
    disc.attn.keep_map = True
    out = []
    try:
        for i in range(0, len(x), chunk):
            disc(x[i:i + chunk], cond[i:i + chunk])
            out.append(disc.attn.last_map.float().cpu())
    finally:
        disc.attn.keep_map, disc.attn.last_map = False, None
        disc.train(was)
    return torch.cat(out)


# ----------------------------------------------------------------------------------- losses
def hinge_d_loss(s_real: torch.Tensor, s_fake: torch.Tensor, s_wrong: torch.Tensor) -> torch.Tensor:
    """SA-CMGAN's discriminator loss: hinge on real, ½ (generated + mismatched) as fakes:

    ``L_D = E[max(0, 1 − s_r)] + ½ (E[max(0, 1 + s_f)] + E[max(0, 1 + s_w)])`` (logits ``[B]``).

    Notebook: 13_2020_sa_cmgan
    """
    return F.relu(1 - s_real).mean() + 0.5 * (F.relu(1 + s_fake).mean() + F.relu(1 + s_wrong).mean())


def hinge_g_loss(s_fake: torch.Tensor) -> torch.Tensor:
    """The generator's hinge loss ``L_G = −E[s_f]``.

    Notebook: 13_2020_sa_cmgan
    """
    return -s_fake.mean()


def train_sagan(gen: SAGenerator, disc: SADiscriminator, target: torch.Tensor, cond: torch.Tensor,
                labels: torch.Tensor, *, steps: int, batch_size: int, generator: torch.Generator,
                lr_g: float, lr_d: float, track: Callable[[nn.Module], dict[str, float]] | None = None,
                track_every: int = 50, name: str | None = None, config: dict | None = None, device="cpu",
                progress: bool = False) -> m07.GanRun:
    """Train an SA-CMGAN direction (or its ablation) with the hinge loss and mismatched pairs.

    Batches, mismatched pairs (:func:`m07.wrong_class_index`) and noise come from ``generator``;
    training, tracking of the judge's validation accuracy, weight averaging and checkpoint
    selection are :func:`m07.fit_tracked`'s (as for notebook 07's GANs).

    Args:
        gen, disc: :class:`SAGenerator`, :class:`SADiscriminator`.
        target: real log-mels ``[N, 1, 64, F]`` in [-1, 1].
        cond: their conditions ``[N, 128]``.
        labels: int64 ``[N]``.
        steps, batch_size, lr_g, lr_d: optimisation (Adam β = (0.5, 0.999)).
        track, track_every, name, config, device, progress: as for :func:`m07.train_cgan`.

    Returns:
        :class:`m07.GanRun`.

    Notebook: 13_2020_sa_cmgan
    """
    if not (len(target) == len(cond) == len(labels)):
        raise ValueError(f"target, cond and labels differ in length: {len(target)}, {len(cond)}, {len(labels)}")
    take = m07._batches(len(target), batch_size, generator)

    def batch(step: int):
        idx = take(step)
        wrong = m07.wrong_class_index(labels, idx, generator)
        return target[idx], cond[idx], target[wrong], gen.sample_z(len(idx), generator)

    made = {}

    def d_loss(G, D, b):
        x, c, xw, z = b
        made["fake"] = G(c, z)
        s = D(torch.cat([x, made["fake"].detach(), xw]), c.repeat(3, 1)).chunk(3)  # D has no BatchNorm
        return hinge_d_loss(s[0], s[1], s[2])

    def g_loss(G, D, b):
        return hinge_g_loss(D(made.pop("fake"), b[1]))

    full = {**(config or {}), "loss": "hinge+mismatch", "batch_size": int(batch_size)}
    return m07.fit_tracked(gen, disc, batch, d_loss, g_loss, steps=steps, lr_g=lr_g, lr_d=lr_d, track=track,
                           track_every=track_every, name=name, config=full, device=device, progress=progress)


# ----------------------------------------------------------------------------------- experiment
def _run_key(seed: int, cfg: dict) -> dict:
    return {**m07.run_key(seed, cfg), **{k: cfg[k] for k in SETTINGS["quick"]}}


def build(variant: str, lms_shape: Sequence[int], seed: int, cfg: dict) -> tuple[SAGenerator, SADiscriminator]:
    """G and D of ``variant`` (:data:`VARIANTS`), initial weights from the seed.

    The two variants draw the *same* initial weights for every layer they share (the attention
    blocks are built last, from their own seed), so the ablation differs only by the blocks.

    Notebook: 13_2020_sa_cmgan
    """
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; choose one of {tuple(VARIANTS)}")
    att, shape = VARIANTS[variant], tuple(int(s) for s in lms_shape)
    arch = dict(base=cfg["base"], depth=cfg["depth"])
    gen = m07.build_seeded(m07._seed_of(seed, "m13-init", "G"),
                           lambda: SAGenerator(shape, attention=False, **arch))
    disc = m07.build_seeded(m07._seed_of(seed, "m13-init", "D"),
                            lambda: SADiscriminator(shape, attention=False, **arch))
    if att:
        gen.attn = m07.build_seeded(m07._seed_of(seed, "m13-init", "G-attn"),
                                    lambda: SelfAttention2d(gen.out.in_channels, qk_min=cfg["qk_min"]))
        d_attn = m07.build_seeded(m07._seed_of(seed, "m13-init", "D-attn"),
                                  lambda: SelfAttention2d(disc.down.net[0].out_channels, sn=True, qk_min=cfg["qk_min"]))
        disc.attn = d_attn
        layers = list(disc.down.net)
        disc.down.net = nn.Sequential(*layers[:2], d_attn, *layers[3:])
    return gen, disc


def variant_job(variant: str, data: dict[str, m07.PairData], encoder: nn.Module, judges_: tuple, seed: int,
                cfg: dict, device="cpu", progress: bool = False) -> Callable[[], tuple[m07.GanRun, dict[str, float]]]:
    """Build an image → log-mel variant (in the caller's thread) and return its training as a
    function without arguments returning ``(run, {"train": acc, "test": acc})`` (judged accuracy).

    The condition is notebook 07's image classifier's standardised features (:func:`m07.conditions`).

    Notebook: 13_2020_sa_cmgan
    """
    tr = data["train"]
    aud_j = judges_[1]
    cond = m07.conditions(encoder, "image", data)
    gen, disc = build(variant, tr.lms.shape[1:], seed, cfg)

    def score(G, p, g):
        return m07.i2s_accuracy(G, cond[p], data[p].labels, aud_j, tr.db_range, g)

    def track(G):
        return {"I2S": score(G, "val", repro.torch_generator(seed, "m13-track"))}

    def train():
        run = train_sagan(gen, disc, tr.lms, cond["train"], tr.labels, steps=cfg["sa_steps"],
                          batch_size=cfg["sa_batch"], generator=repro.torch_generator(seed, "m13-gan"),
                          lr_g=cfg["sa_lr_g"], lr_d=cfg["sa_lr_d"], track=track, track_every=cfg["track_every"],
                          name=f"m13-{variant.replace(' ', '-')}", config={**_run_key(seed, cfg), "variant": variant},
                          device=device, progress=progress)
        acc = {p: score(run.gen, p, repro.torch_generator(seed, "m13-eval", p)) for p in ("train", "test")}
        return run, acc

    return train


def train_variants(variants: Sequence[str], data: dict[str, m07.PairData], encoder: nn.Module, judges_: tuple,
                   seed: int, cfg: dict, device="cpu", progress: bool = False):
    """:func:`variant_job` for several variants, trained side by side (:func:`m07.run_jobs`).

    Both variants read the same batches, mismatched pairs and noise (the same generator seed):
    a paired ablation.

    Returns:
        ``(runs, accuracies)`` keyed by variant.

    Notebook: 13_2020_sa_cmgan
    """
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        raise ValueError(f"unknown variant(s) {unknown}; choose from {tuple(VARIANTS)}")
    return m07.run_jobs({v: variant_job(v, data, encoder, judges_, seed, cfg, device, progress) for v in variants})


# ----------------------------------------------------------------------------------- analysis
def mel_band_of(freq_hz, sr: int = m07.SR, n_fft: int = m07.N_FFT, n_mels: int = m07.N_MELS) -> np.ndarray:
    """The mel band (0 … n_mels − 1) whose filter weighs a frequency most (the log-mel's own
    Slaney filterbank); ``-1`` for frequencies above ``sr / 2``.

    Notebook: 13_2020_sa_cmgan
    """
    import librosa

    fb = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels)
    f = np.atleast_1d(np.asarray(freq_hz, dtype=np.float64))
    bins = np.round(f * n_fft / sr).astype(int)
    ok = (bins >= 0) & (bins <= n_fft // 2)
    out = np.full(f.shape, -1, dtype=np.int64)
    out[ok] = fb[:, bins[ok]].argmax(0)
    return out


def harmonic_rows(midi: int, n_rows: int, harmonics: Sequence[int] = (2, 3, 4, 5, 6), sr: int = m07.SR,
                  n_mels: int = m07.N_MELS) -> tuple[int, list[int]]:
    """The attention map's row of a note's fundamental and the distinct rows of its harmonics.

    Args:
        midi: MIDI note number of the fundamental.
        n_rows: rows of the attention map (``n_mels / n_rows`` mel bands each).
        harmonics: which partials count (the resolved low ones: higher partials crowd into
            neighbouring bands on the mel scale).

    Returns:
        ``(f0_row, rows)``: ``rows`` excludes ``f0_row`` and frequencies above ``sr / 2``.

    Notebook: 13_2020_sa_cmgan
    """
    if n_mels % n_rows:
        raise ValueError(f"n_mels={n_mels} is not a multiple of n_rows={n_rows}")
    f0 = 440.0 * 2 ** ((int(midi) - 69) / 12)
    per = n_mels // n_rows
    b0 = int(mel_band_of(f0, sr, n_mels=n_mels)[0]) // per
    bands = mel_band_of([k * f0 for k in harmonics], sr, n_mels=n_mels)
    rows = sorted({int(b) // per for b in bands if b >= 0} - {b0})
    return b0, rows


def harmonic_attention(maps: torch.Tensor, pitch: torch.Tensor, width: int, sr: int = m07.SR,
                       n_frames: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """For each clip, the attention mass that queries on the fundamental's row put on the rows
    of its harmonics 2–6, and the share those rows would get from uniform attention.

    Args:
        maps: ``[N, H·W, H·W]`` from :func:`attention_maps`.
        pitch: int64 ``[N]`` MIDI notes.
        width: ``W`` (frames of the map).
        n_frames: queries from the first ``n_frames`` frames only (the clip, not the padding);
            default all.

    Returns:
        ``(mass, share)``: float64 ``[N]`` each, in [0, 1]. ``mass > share`` means attention
        prefers the harmonics' rows over the rest of the map.

    Notebook: 13_2020_sa_cmgan
    """
    n, p, _ = maps.shape
    if p % width or len(pitch) != n:
        raise ValueError(f"maps {tuple(maps.shape)}, width {width} and {len(pitch)} pitches do not fit")
    h = p // width
    nf = width if n_frames is None else min(int(n_frames), width)
    m = maps.view(n, h, width, h, width)
    mass, share = np.zeros(n), np.zeros(n)
    for i in range(n):
        r0, rows = harmonic_rows(int(pitch[i]), h, sr=sr)
        if not rows:
            mass[i] = share[i] = np.nan
            continue
        q = m[i, r0, :nf]                       # [nf, H, W]: queries on the f0 row
        mass[i] = float(q[:, rows].sum(dim=(1, 2)).mean())
        share[i] = len(rows) / h
    return mass, share


def class_spread(lms_db: torch.Tensor, labels: torch.Tensor, n_classes: int, within_db: float = 40.0) -> np.ndarray:
    """Per class, the median number of mel bands whose time-averaged level is within
    ``within_db`` of the clip's loudest band: how far a class's spectrum reaches across
    frequency (harmonics spread wide → large).

    Args:
        lms_db: ``[N, 64, F]`` log-mels in dB (real training clips).
        labels: int64 ``[N]``.

    Returns:
        float64 ``[n_classes]`` (NaN for a class absent from ``labels``).

    Notebook: 13_2020_sa_cmgan
    """
    x = lms_db.squeeze(1) if lms_db.ndim == 4 else lms_db
    prof = x.float().mean(dim=2)                                      # [N, 64]
    wide = (prof >= prof.amax(dim=1, keepdim=True) - within_db).sum(1).numpy()
    y = labels.numpy()
    return np.array([np.median(wide[y == k]) if np.any(y == k) else np.nan for k in range(n_classes)])


def harmonic_attention_of(disc: SADiscriminator, d: m07.PairData, cond: torch.Tensor,
                          chunk: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """:func:`harmonic_attention` of the discriminator on a split's real log-mels, computed in
    chunks (the maps of 1,000 clips would take a gigabyte).

    Args:
        disc: an SA-CMGAN discriminator.
        d: a split with ``pitch`` (the instruments world; for data without pitch labels, the
            fundamental is estimated from the audio with ``librosa.yin``).
        cond: the split's conditions ``[N, 128]``.

    Returns:
        ``(mass, share)`` float64 ``[N]``.

    Notebook: 13_2020_sa_cmgan
    """
    pitch = d.pitch
    if pitch is None:
        import librosa

        f0 = librosa.yin(d.audio, fmin=40.0, fmax=2100.0, sr=d.sr)
        pitch = torch.as_tensor(np.round(librosa.hz_to_midi(np.median(f0, axis=-1))), dtype=torch.long)
    width = d.lms.shape[-1] // 2
    n_frames = -(-(1 + len(d.audio[0]) // m07.HOP) // 2)  # map frames that hold the clip, not padding
    out = [harmonic_attention(attention_maps(disc, d.lms[i:i + chunk], cond[i:i + chunk]), pitch[i:i + chunk],
                              width, d.sr, n_frames) for i in range(0, len(d), chunk)]
    return np.concatenate([o[0] for o in out]), np.concatenate([o[1] for o in out])
