"""Conditional flow matching for video-to-audio: the 2024–25 recipe (MMAudio, Frieren) at small scale.

The recipe of the systems that lead the VGGSound benchmark after the survey (MMAudio, CVPR 2025;
Frieren, NeurIPS 2024), rebuilt for the synthetic ``hits`` world:

- **audio space**: the audio judge's log-mel (64 bands, hop 256 at 16 kHz: 62.5 frames/s, 126
  frames per 2 s clip) mapped to [-1, 1] (:func:`mel_unit`); Griffin-Lim makes it audible;
- **conditions**: *semantic* features from a frozen frame classifier (the image judge's
  embedding of a few frames, about 4 fps, pooled into one global vector) and *sync* features at
  the full video rate (15 fps) from a frozen contrastive in-sync-vs-shifted encoder (the video
  branch of the sync judge, a Synchformer-lite) — :func:`condition_features`;
- **network**: a 1-D transformer over (groups of) latent frames with **per-frame adaLN**: the sync
  features are interpolated to the audio token rate and added to the adaLN conditioning of each
  token (MMAudio), the semantic vector and the time step are added to every token's
  (:class:`FlowDiT`); ``sync="pooled"`` and ``"none"`` are the ablations;
- **objective**: conditional flow matching on the straight path ``x_t = (1 − t) x0 + t x1``
  (``x0 ~ N(0, I)``, ``x1`` data), target velocity ``x1 − x0``, all conditions dropped with
  probability 0.1 (:func:`fm_loss`); the DDPM baseline trains the *same* network for ε
  (:func:`ddpm_loss`);
- **sampling**: Euler steps from t = 0 to 1 with classifier-free guidance (:func:`euler_sample`);
  DDPM is sampled with DDIM (:func:`foley_nb_utils.nn.ddim_sample`);
- **reflow** (Frieren): re-train on the straight couplings ``(x0, x̂1)`` of the model's own
  samples (:func:`reflow_pairs`, :func:`reflow_loss`);
- **metrics** per test clip: DeSync from the sync judge, onset AP against the true hit times,
  the audio judge's KL (real vs generated posteriors: the KL_PANNs analogue), and diversity
  between two samples of the same clip (:func:`evaluate`).

For notebook 24's benchmark: :func:`train_default` returns a trained model and :func:`generate`
turns hits test clips into log-mels and audio.

Notebook: 25_beyond_the_survey
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .. import nn as _nn
from .. import repro as _repro
from .. import train as _train
from ..metrics import judges as _judges
from ..metrics import onsets as _onsets
from . import m15_regnet as _m15

#: The audio space: the audio judge's log-mel settings (16 kHz, 64 bands, n_fft 1024, hop 256).
MEL = dict(sr=16000, n_mels=64, n_fft=1024, hop=256)
#: dB range mapped to [-1, 1].
FLOOR_DB, CEIL_DB = -80.0, 0.0
#: Video frame rate (the hits world's default) and clip length.
FPS, CLIP_S = 15.0, 2.0
#: Every SEM_EVERY-th frame feeds the semantic stream (15 / 4 ≈ 3.75 fps).
SEM_EVERY = 4
SYNC_MODES = ("aligned", "pooled", "none")


# ----------------------------------------------------------------------------------- data
def load_clips(n_train: int, n_test: int, seed: int, data_dir=None, *, size: int = 64, **world: Any):
    """Training and test clips of the ``hits`` world at its defaults (15 fps, 16 kHz, 2 s, 64 px),
    or a Greatest Hits / class-folder tree under ``data_dir`` read at the same settings
    (through :func:`foley_nb_utils.methods.m15_regnet.load_clips`).

    Returns:
        ``(train, test)`` SceneBatches.

    Notebook: 25_beyond_the_survey
    """
    return _m15.load_clips(n_train, n_test, seed, data_dir, size=size, clip_s=CLIP_S, sr=MEL["sr"], fps=FPS,
                           **world)


def mel_db(audio, sr: int = MEL["sr"]) -> torch.Tensor:
    """The audio judge's log-mel in dB, ``[N, n] → [N, 64, 126]`` for 2 s at 16 kHz.

    Notebook: 25_beyond_the_survey
    """
    if int(sr) != MEL["sr"]:
        raise ValueError(f"audio must be at {MEL['sr']} Hz, got sr={sr}")
    return _judges.judge_logmel(audio, int(sr), MEL["sr"], int(round(CLIP_S * MEL["sr"])))


def mel_unit(audio, sr: int = MEL["sr"]) -> np.ndarray:
    """Log-mel mapped linearly from [-80, 0] dB to [-1, 1]: float32 ``[N, 64, 126]``.

    Notebook: 25_beyond_the_survey
    """
    return _nn.db_to_unit(mel_db(audio, sr).numpy(), FLOOR_DB, CEIL_DB).astype(np.float32)


def unit_to_db(u) -> torch.Tensor:
    """Inverse of :func:`mel_unit` (clipped to [-1, 1] first): dB tensor, same shape."""
    return _nn.unit_to_db(torch.as_tensor(np.asarray(u, np.float32)), FLOOR_DB, CEIL_DB)


def to_audio(u: np.ndarray, *, n_iter: int = 32, seed: int = 0) -> np.ndarray:
    """Griffin-Lim of unit log-mels ``[N, 64, F]`` → float32 ``[N, 32000]`` at 16 kHz (slow: a few clips).

    Notebook: 25_beyond_the_survey
    """
    from .. import audio as _audio

    db = unit_to_db(u).numpy()
    n = int(round(CLIP_S * MEL["sr"]))
    rng = np.random.default_rng(seed)
    out = [_audio.mel_to_audio(d, MEL["sr"], n_fft=MEL["n_fft"], hop=MEL["hop"], n_iter=n_iter, rng=rng, length=n)
           for d in np.atleast_3d(db)]
    return np.stack(out).astype(np.float32)


class PCALatent:
    """A linear latent for log-mels: the top ``k`` principal components of the training mels'
    frames, each scaled to unit variance — the poor man's version of the 1-D mel VAE of Frieren
    and MMAudio (20 latent channels per frame there).

    A transformer token of raw mel frames (64 bands × 3 frames) is wider than the tiny network
    (d = 64), which then cannot remove the noise of every band; 16 components per frame keep
    about 95 % of the mel variance and fit (48 numbers per token).

    ``encode``: unit log-mel ``[N, 64, F]`` → ``[N, k, F]``; ``decode``: back, clipped to [-1, 1].

    Notebook: 25_beyond_the_survey
    """

    def __init__(self, mel: np.ndarray, k: int = 16):
        x = np.asarray(mel, np.float64)
        if x.ndim != 3:
            raise ValueError(f"mel must be [N, bands, frames], got shape {x.shape}")
        if not 1 <= int(k) <= x.shape[1]:
            raise ValueError(f"k must be between 1 and {x.shape[1]}, got {k!r}")
        X = x.transpose(0, 2, 1).reshape(-1, x.shape[1])
        self.mean = X.mean(0)
        w, v = np.linalg.eigh(np.cov((X - self.mean).T))
        order = np.argsort(w)[::-1][:int(k)]
        self.std = np.sqrt(np.maximum(w[order], 1e-12))
        self.basis = v[:, order]                                        # [bands, k]
        self.k = int(k)
        self.explained = float(w[order].sum() / w.sum())

    def encode(self, mel: np.ndarray) -> np.ndarray:
        x = np.asarray(mel, np.float64) - self.mean[None, :, None]
        return (np.einsum("bk,nbf->nkf", self.basis, x) / self.std[None, :, None]).astype(np.float32)

    def decode(self, z) -> np.ndarray:
        z = np.asarray(z, np.float64) * self.std[None, :, None]
        return np.clip(np.einsum("bk,nkf->nbf", self.basis, z) + self.mean[None, :, None], -1, 1).astype(np.float32)


def _judge_set(profile: str, device="cpu") -> dict:
    return _judges.judge_panel("hits", ["audio", "image", "sync"], profile=profile, device=device)


@torch.no_grad()
def condition_features(frames: np.ndarray, judges: dict) -> tuple[np.ndarray, np.ndarray]:
    """The two visual streams of a batch of clips.

    - semantic: the image judge's 64-d embedding of every ``SEM_EVERY``-th frame (≈ 3.75 fps),
      averaged over the clip → float32 ``[N, 64]``;
    - sync: the sync judge's video-branch features at the video rate → float32 ``[N, 32, T]``
      (T = 30 frames at 15 fps; a frozen encoder trained to tell in-sync from shifted sound).

    Args:
        frames: uint8 ``[N, T, H, W, 3]`` at 15 fps.
        judges: ``{"image": ImageJudge, "sync": SyncJudge, ...}`` (:func:`foley_nb_utils.metrics.judges.judge_panel`).

    Notebook: 25_beyond_the_survey
    """
    f = np.asarray(frames)
    if f.ndim != 5 or f.shape[-1] != 3:
        raise ValueError(f"frames must be uint8 [N, T, H, W, 3], got shape {f.shape}")
    n, T = f.shape[:2]
    idx = np.arange(SEM_EVERY // 2, T, SEM_EVERY)
    sem = judges["image"].embed(f[:, idx].reshape(-1, *f.shape[2:])).reshape(n, len(idx), -1).mean(1)
    sync = judges["sync"].video_embedding(f, FPS)                          # [N, 32, T]
    return sem.astype(np.float32), sync.astype(np.float32)


@dataclass
class Data:
    """Arrays for training and evaluation.

    Attributes:
        frames: uint8 ``[N, T, S, S, 3]`` (kept for DeSync). mel: float32 ``[N, 64, 126]`` in [-1, 1].
        sem: float32 ``[N, 64]`` semantic vector. sync: float32 ``[N, 32, T]`` sync features.
        times: per clip, the visible event times (s) — the true hit times. labels: material ``[N]``.
        z: float32 ``[N, k, 126]``: the mel in the latent (:meth:`with_latent`), or None.
    """

    frames: np.ndarray
    mel: np.ndarray
    sem: np.ndarray
    sync: np.ndarray
    times: list
    labels: np.ndarray
    z: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.mel)

    def subset(self, idx) -> Data:
        idx = np.asarray(idx)
        return Data(self.frames[idx], self.mel[idx], self.sem[idx], self.sync[idx],
                    [self.times[i] for i in idx], self.labels[idx], None if self.z is None else self.z[idx])

    def with_latent(self, latent: PCALatent) -> Data:
        """The same clips with ``z = latent.encode(mel)`` ``[N, k, F]`` (what the generators model)."""
        return Data(self.frames, self.mel, self.sem, self.sync, self.times, self.labels, latent.encode(self.mel))


def prepare(batch, judges: dict) -> Data:
    """Mel, condition features and hit times of a SceneBatch (real data: detected onsets as times).

    Notebook: 25_beyond_the_survey
    """
    if abs(float(batch.fps) - FPS) > 1e-6:
        raise ValueError(f"clips must be at {FPS:g} fps, got {batch.fps}")
    mel = mel_unit(batch.audio, batch.sr)
    sem, sync = condition_features(batch.frames, judges)
    if any(len(ev) for ev in batch.events):
        times = [np.array([e.time_s for e in ev if e.visible], np.float64) for ev in batch.events]
    else:
        times = [t for t, _ in _onsets.scored_onsets_batch(batch.audio, batch.sr)]
    key = next((k for k in ("material", "class", "category") if k in batch.labels), None)
    labels = np.asarray(batch.labels[key], np.int64) if key else np.zeros(len(batch), np.int64)
    return Data(batch.frames, mel, sem, sync, times, labels)


# ----------------------------------------------------------------------------------- network
class _Block(nn.Module):
    """Pre-norm transformer block with adaLN-zero modulation per token (DiT, MMAudio)."""

    def __init__(self, d: int, heads: int, ff: int):
        super().__init__()
        self.n1 = nn.LayerNorm(d, elementwise_affine=False)
        self.n2 = nn.LayerNorm(d, elementwise_affine=False)
        self.attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.ff = nn.Sequential(nn.Linear(d, ff), nn.GELU(), nn.Linear(ff, d))
        self.mod = nn.Linear(d, 6 * d)
        nn.init.zeros_(self.mod.weight)
        nn.init.zeros_(self.mod.bias)

    def forward(self, h: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        s1, b1, g1, s2, b2, g2 = self.mod(F.silu(c)).chunk(6, dim=-1)     # each [B, L, d]
        x = self.n1(h) * (1 + s1) + b1
        h = h + g1 * self.attn(x, x, x, need_weights=False)[0]
        x = self.n2(h) * (1 + s2) + b2
        return h + g2 * self.ff(x)


class FlowDiT(nn.Module):
    """A 1-D diffusion transformer over audio frames with per-frame adaLN conditioning.

    The latent ``[B, C, F]`` (C channels per audio frame) is cut into tokens of ``patch`` frames
    (``F / patch`` tokens of ``C · patch`` values), projected to ``d`` and given sinusoidal positions.
    Each token's adaLN condition is ``c_i = MLP(time) + W_s · semantic + W_y · sync_i``: ``sync_i`` is the sync
    feature sequence interpolated linearly from the video rate to the token's time
    (``sync="aligned"``), its clip mean (``"pooled"``) or nothing (``"none"``). Dropped
    conditions (classifier-free guidance) are replaced by learned null vectors.

    Args:
        channels, frames: the latent's size (frames divisible by ``patch``).
        sem_dim, sync_dim: condition feature sizes.
        d, layers, heads, ff: transformer sizes.
        patch: audio frames per token.
        sync: ``"aligned"``, ``"pooled"`` or ``"none"``.

    Shape: ``forward(x [B, C, F], t [B] float in [0, 1], sem [B, S], sync [B, Y, T], drop [B] bool)``
    → ``[B, C, F]`` (a velocity for flow matching, an ε for DDPM).

    Notebook: 25_beyond_the_survey
    """

    def __init__(self, channels: int = 16, frames: int = 126, sem_dim: int = 64, sync_dim: int = 32,
                 d: int = 64, layers: int = 2, heads: int = 4, ff: int = 128, patch: int = 2,
                 sync: str = "aligned"):
        super().__init__()
        if sync not in SYNC_MODES:
            raise ValueError(f"sync must be one of {SYNC_MODES}, got {sync!r}")
        if frames % patch:
            raise ValueError(f"frames ({frames}) must be divisible by patch ({patch})")
        if d % heads:
            raise ValueError(f"d ({d}) must be divisible by heads ({heads})")
        self.channels, self.frames, self.patch, self.d, self.sync_mode = channels, frames, patch, d, sync
        self.tokens = frames // patch
        self.inp = nn.Linear(channels * patch, d)
        self.t_mlp = nn.Sequential(nn.Linear(d, d), nn.SiLU(), nn.Linear(d, d))
        self.sem = nn.Linear(sem_dim, d)
        self.sync = nn.Linear(sync_dim, d)
        self.null_sem = nn.Parameter(torch.zeros(sem_dim))
        self.null_sync = nn.Parameter(torch.zeros(sync_dim))
        self.blocks = nn.ModuleList([_Block(d, heads, ff) for _ in range(layers)])
        self.norm = nn.LayerNorm(d, elementwise_affine=False)
        self.final_mod = nn.Linear(d, 2 * d)
        self.out = nn.Linear(d, channels * patch)
        for m in (self.final_mod, self.out):
            nn.init.zeros_(m.weight)
            nn.init.zeros_(m.bias)
        self.register_buffer("pos", sinusoidal_positions(self.tokens, d), persistent=False)

    def sync_tokens(self, sync: torch.Tensor) -> torch.Tensor:
        """Sync features ``[B, Y, T]`` at the video rate → ``[B, L, Y]`` at the token rate."""
        if self.sync_mode == "aligned":
            # token i covers audio frames [i p, (i + 1) p): its centre time, in video frames
            hop_s = MEL["hop"] / MEL["sr"]
            centre = (torch.arange(self.tokens, dtype=torch.float32) * self.patch + (self.patch - 1) / 2) * hop_s
            pos = (centre * FPS).clamp(0, sync.shape[2] - 1).to(sync.device)
            lo = pos.floor().long()
            hi = (lo + 1).clamp(max=sync.shape[2] - 1)
            w = (pos - lo.float()).view(1, 1, -1)
            s = sync[:, :, lo] * (1 - w) + sync[:, :, hi] * w               # [B, Y, L]
            return s.transpose(1, 2)
        if self.sync_mode == "pooled":
            return sync.mean(2, keepdim=True).transpose(1, 2).expand(-1, self.tokens, -1)
        return torch.zeros(sync.shape[0], self.tokens, sync.shape[1], device=sync.device)

    def forward(self, x: torch.Tensor, t: torch.Tensor, sem: torch.Tensor, sync: torch.Tensor,
                drop: torch.Tensor | None = None) -> torch.Tensor:
        if x.ndim != 3 or x.shape[1] != self.channels or x.shape[2] != self.frames:
            raise ValueError(f"x must be [B, {self.channels}, {self.frames}], got {tuple(x.shape)}")
        B = x.shape[0]
        tok = x.reshape(B, self.channels, self.tokens, self.patch).permute(0, 2, 3, 1).reshape(B, self.tokens, -1)
        h = self.inp(tok) + self.pos
        s_tok = self.sync_tokens(sync)
        if drop is not None:
            dm = drop.view(B, 1).to(x.dtype)
            sem = sem * (1 - dm) + self.null_sem * dm
            s_tok = s_tok * (1 - dm.unsqueeze(1)) + self.null_sync * dm.unsqueeze(1)
        temb = self.t_mlp(_nn.sinusoidal_embedding(t.float() * 1000.0, self.d))
        c = (temb + self.sem(sem)).unsqueeze(1) + self.sync(s_tok)         # [B, L, d]: per-token condition
        for blk in self.blocks:
            h = blk(h, c)
        sh, sc = self.final_mod(F.silu(c)).chunk(2, dim=-1)
        y = self.out(self.norm(h) * (1 + sc) + sh)                           # [B, L, channels * patch]
        return y.reshape(B, self.tokens, self.patch, self.channels).permute(0, 3, 1, 2).reshape(B, self.channels,
                                                                                                 self.frames)


def sinusoidal_positions(n: int, d: int) -> torch.Tensor:
    """``[n, d]`` sinusoidal position embedding (:func:`foley_nb_utils.nn.sinusoidal_embedding`)."""
    return _nn.sinusoidal_embedding(torch.arange(n), d)


def n_params(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return int(sum(p.numel() for p in model.parameters() if p.requires_grad))


# ----------------------------------------------------------------------------------- objectives
def _drop_mask(n: int, p: float, gen: torch.Generator) -> torch.Tensor:
    return torch.rand(n, generator=gen) < p


def fm_loss(model: FlowDiT, x1: torch.Tensor, sem: torch.Tensor, sync: torch.Tensor, gen: torch.Generator,
            p_drop: float = 0.1, x0: torch.Tensor | None = None) -> torch.Tensor:
    """Conditional flow matching: ``‖v_θ(x_t, t, c) − (x1 − x0)‖²`` with ``x_t = (1 − t) x0 + t x1``,
    ``t ~ U(0, 1)``, ``x0 ~ N(0, I)`` (or the given ``x0``: reflow's coupled noise), conditions dropped
    with probability ``p_drop``.

    Notebook: 25_beyond_the_survey
    """
    B = x1.shape[0]
    t = torch.rand(B, generator=gen)
    if x0 is None:
        x0 = torch.randn(x1.shape, generator=gen)
    tt = t.view(B, 1, 1)
    xt = (1 - tt) * x0 + tt * x1
    return F.mse_loss(model(xt, t, sem, sync, _drop_mask(B, p_drop, gen)), x1 - x0)


def ddpm_loss(model: FlowDiT, schedule: _nn.DDPMSchedule, x1: torch.Tensor, sem: torch.Tensor, sync: torch.Tensor,
              gen: torch.Generator, p_drop: float = 0.1) -> torch.Tensor:
    """The DDPM baseline on the same network: ε-prediction (:func:`foley_nb_utils.nn.ddpm_loss`) with the
    step index ``t`` given to the network as ``t / T``, conditions dropped with probability ``p_drop``.

    Notebook: 25_beyond_the_survey
    """
    drop = _drop_mask(x1.shape[0], p_drop, gen)
    net = _Bound(model, sem, sync, 1.0, T=schedule.T, drop=drop)
    return _nn.ddpm_loss(net, schedule, x1, gen)


class _Bound(nn.Module):
    """``f(x, t)`` with the conditions bound and classifier-free guidance applied:
    ``f = f_∅ + w (f_c − f_∅)`` (w = 1: the conditional model alone). ``T``: DDPM steps (t is a long
    step index, given to the network as t / T); None: t is the flow time in [0, 1]."""

    def __init__(self, model: FlowDiT, sem, sync, guidance: float, T: int | None = None, drop=None):
        super().__init__()
        self.model, self.sem, self.sync, self.w, self.T, self.drop = model, sem, sync, float(guidance), T, drop

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        tf = t.float() / self.T if self.T is not None else t
        if self.drop is not None:
            return self.model(x, tf, self.sem, self.sync, self.drop)
        B = x.shape[0]
        if self.w == 1.0:
            return self.model(x, tf, self.sem, self.sync, torch.zeros(B, dtype=torch.bool))
        both = self.model(torch.cat([x, x]), torch.cat([tf, tf]), torch.cat([self.sem, self.sem]),
                          torch.cat([self.sync, self.sync]),
                          torch.cat([torch.zeros(B, dtype=torch.bool), torch.ones(B, dtype=torch.bool)]))
        cond, uncond = both[:B], both[B:]
        return uncond + self.w * (cond - uncond)


@torch.no_grad()
def euler_sample(model: FlowDiT, sem, sync, *, steps: int = 25, guidance: float = 1.0,
                 generator: torch.Generator | None = None, x0: torch.Tensor | None = None,
                 keep: bool = False) -> torch.Tensor | tuple[torch.Tensor, list]:
    """Euler integration of ``dx/dt = v_θ(x, t, c)`` from ``x0 ~ N(0, I)`` at t = 0 to t = 1, with
    classifier-free guidance ``v = v_∅ + w (v_c − v_∅)``.

    Args:
        model: a trained :class:`FlowDiT`.
        sem, sync: condition tensors ``[B, S]``, ``[B, Y, T]``.
        steps: Euler steps (network evaluations, ×2 with guidance ≠ 1).
        guidance: the CFG scale w.
        generator: source of ``x0`` (or pass ``x0``).
        keep: also return the list of intermediate states (for trajectory pictures).

    Returns:
        latents ``[B, C, F]`` (and the trajectory when ``keep``).

    Notebook: 25_beyond_the_survey
    """
    steps = _nn._positive_int(steps, "steps")
    sem, sync = torch.as_tensor(sem), torch.as_tensor(sync)
    B = sem.shape[0]
    x = torch.randn((B, model.channels, model.frames), generator=generator) if x0 is None else x0.clone()
    f = _Bound(model, sem, sync, guidance)
    was = model.training
    model.eval()
    traj = [x.clone()] if keep else None
    for i in range(steps):
        t = torch.full((B,), i / steps)
        x = x + f(x, t) / steps
        if keep:
            traj.append(x.clone())
    model.train(was)
    return (x, traj) if keep else x


@torch.no_grad()
def ddim_sample(model: FlowDiT, schedule: _nn.DDPMSchedule, sem, sync, *, steps: int = 25, guidance: float = 1.0,
                generator: torch.Generator | None = None) -> torch.Tensor:
    """DDIM (η = 0, :func:`foley_nb_utils.nn.ddim_sample`) of the DDPM-trained network with CFG on ε;
    latents ``[B, C, F]``.

    Notebook: 25_beyond_the_survey
    """
    sem, sync = torch.as_tensor(sem), torch.as_tensor(sync)
    f = _Bound(model, sem, sync, guidance, T=schedule.T)
    return _nn.ddim_sample(f, schedule, (sem.shape[0], model.channels, model.frames), generator, steps=steps,
                           clip_x0=None)  # a latent has no fixed range to clip to


def sample(model: FlowDiT, sem, sync, *, kind: str = "fm", steps: int = 25, guidance: float = 1.0,
           seed: int = 0, schedule: _nn.DDPMSchedule | None = None, chunk: int = 256) -> np.ndarray:
    """Batched generation: latents ``[N, C, F]`` for the conditions, in chunks of ``chunk``
    clips; the noise of chunk k comes from ``torch_generator(seed, "sample", k)``.

    Notebook: 25_beyond_the_survey
    """
    if kind not in ("fm", "ddpm"):
        raise ValueError(f"kind must be 'fm' or 'ddpm', got {kind!r}")
    sem, sync = torch.as_tensor(np.asarray(sem)), torch.as_tensor(np.asarray(sync))
    out = []
    for k, i in enumerate(range(0, len(sem), chunk)):
        g = _repro.torch_generator(seed, "sample", k)
        s, y = sem[i:i + chunk], sync[i:i + chunk]
        if kind == "fm":
            out.append(euler_sample(model, s, y, steps=steps, guidance=guidance, generator=g))
        else:
            out.append(ddim_sample(model, schedule or _nn.DDPMSchedule.linear(1000), s, y, steps=steps,
                                   guidance=guidance, generator=g))
    return torch.cat(out).numpy()


# ----------------------------------------------------------------------------------- training
def _batches(data: Data, batch: int, seed: int, name: str, pairs: tuple | None = None):
    gen = _repro.torch_generator(seed, "batches", name)
    if data.z is None:
        raise ValueError("the training data have no latent: use data.with_latent(latent)")
    mel, sem, sync = (torch.from_numpy(a) for a in (data.z, data.sem, data.sync))
    if pairs is not None:
        x0s, x1s = (torch.as_tensor(a) for a in pairs)

    def get(step: int):
        idx = torch.randint(0, len(mel), (batch,), generator=gen)
        if pairs is not None:
            return x1s[idx], sem[idx], sync[idx], x0s[idx], gen
        return mel[idx], sem[idx], sync[idx], None, gen
    return get


def train(model: FlowDiT, data: Data, *, kind: str = "fm", seed: int, steps: int, batch: int = 32,
          lr: float = 2e-3, name: str, pairs: tuple | None = None, config: dict | None = None,
          device="cpu") -> _train.History:
    """Train (or load from the checkpoint cache) a flow-matching or DDPM model on ``data``.

    Args:
        kind: ``"fm"`` (:func:`fm_loss`) or ``"ddpm"`` (:func:`ddpm_loss`, linear schedule, T = 1000).
        pairs: reflow's couplings ``(x0, x1_hat)`` float32 latents ``[N, C, F]`` each (row i with clip i's
            conditions): the flow-matching loss on these straight pairs instead of fresh noise.
        name: checkpoint name (the config, seed and architecture are hashed into it).

    Notebook: 25_beyond_the_survey
    """
    if kind not in ("fm", "ddpm"):
        raise ValueError(f"kind must be 'fm' or 'ddpm', got {kind!r}")
    schedule = _nn.DDPMSchedule.linear(1000)
    get = _batches(data, batch, seed, name, pairs)

    def loss_fn(m, b):
        x1, sem, sync, x0, gen = b
        if kind == "ddpm":
            return ddpm_loss(m, schedule, x1, sem, sync, gen)
        return fm_loss(m, x1, sem, sync, gen, x0=x0)

    cfg = {"kind": kind, "seed": int(seed), "batch": batch, "n": len(data), "data": _fingerprint(data),
           "pairs": None if pairs is None else _fingerprint_arrays(*pairs), **(config or {})}
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    sched_steps = steps

    def cosine(step: int):
        for gr in opt.param_groups:
            gr["lr"] = lr * 0.5 * (1 + math.cos(math.pi * step / sched_steps))
        return get(step)

    return _train.fit(model, cosine, loss_fn, steps=steps, lr=lr, optimizer=opt, device=device, name=name,
                      config={**cfg, "schedule": "cosine"}, progress=False, clip_grad=1.0)


def _fingerprint_arrays(*arrays) -> str:
    import hashlib

    h = hashlib.blake2b(digest_size=8)
    for a in arrays:
        h.update(np.ascontiguousarray(np.asarray(a, np.float32)).view(np.uint8).reshape(-1))
    return h.hexdigest()


def weights_fingerprint(model: nn.Module) -> str:
    """A short hash of a model's weights: put it in a fine-tuning's checkpoint config, so that a
    changed starting model never loads a stale fine-tuned checkpoint.

    Notebook: 25_beyond_the_survey
    """
    return _fingerprint_arrays(*(v.detach().cpu().float().numpy() for v in model.state_dict().values()))


def _fingerprint(data: Data) -> str:
    return _fingerprint_arrays(data.z, data.sem, data.sync)


def reflow_pairs(model: FlowDiT, data: Data, *, seed: int, steps: int = 16, guidance: float = 1.0,
                 chunk: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Reflow's couplings (Liu et al. 2023; Frieren): noise ``x0`` and the model's own sample
    ``x̂1 = ODE(x0)`` for each clip's conditions. Training on straight lines between them
    straightens the flow, so that few Euler steps suffice.

    Returns:
        ``(x0, x1_hat)`` float32 latents ``[N, C, F]`` each.

    Notebook: 25_beyond_the_survey
    """
    x0s, x1s = [], []
    sem, sync = torch.from_numpy(data.sem), torch.from_numpy(data.sync)
    for k, i in enumerate(range(0, len(data), chunk)):
        g = _repro.torch_generator(seed, "reflow-noise", k)
        x0 = torch.randn((len(sem[i:i + chunk]), model.channels, model.frames), generator=g)
        x1s.append(euler_sample(model, sem[i:i + chunk], sync[i:i + chunk], steps=steps, guidance=guidance, x0=x0))
        x0s.append(x0)
    return torch.cat(x0s).numpy(), torch.cat(x1s).numpy()


# ----------------------------------------------------------------------------------- metrics
def mel_onsets(u: np.ndarray, *, delta: float = 0.1, wait_s: float = 0.05) -> list[tuple[np.ndarray, np.ndarray]]:
    """Onsets read from unit log-mels ``[N, 64, F]``: peaks of the spectral flux of the total
    power, each with its flux as confidence.

    Notebook: 25_beyond_the_survey
    """
    from .. import audio as _audio

    rate = MEL["sr"] / MEL["hop"]
    power = (10.0 ** (unit_to_db(u).double().numpy() / 10.0)).sum(axis=1)   # [N, F]
    out = []
    for e in power:
        t = _audio.detect_onsets_from_envelope(e, rate, delta=delta, wait_s=wait_s, compression=None)
        flux = np.maximum(np.diff(e, prepend=e[0]), 0.0)
        out.append((t, flux[np.clip(np.round(t * rate).astype(int), 0, len(e) - 1)]))
    return out


def onset_ap(u: np.ndarray, times: Sequence) -> np.ndarray:
    """Per clip onset AP (CondFoleyGen's scoring, ±0.1 s) of a unit log-mel against the true hit
    times; NaN for a clip without hits.

    Notebook: 25_beyond_the_survey
    """
    return np.array([_onsets.onset_ap(tt, t, c, tol_s=0.1) for tt, (t, c) in zip(times, mel_onsets(u))])


def desync(u: np.ndarray, frames: np.ndarray, sync_judge) -> np.ndarray:
    """Per clip ``|offset|`` (s) the sync judge predicts between the video and the generated log-mel
    (the DeSync metric with our Synchformer-lite): 0 = in sync.

    Notebook: 25_beyond_the_survey
    """
    return np.abs(sync_judge.predict_offset(frames, None, FPS, MEL["sr"], logmel=unit_to_db(u)))


def judge_posteriors(u: np.ndarray, audio_judge) -> tuple[np.ndarray, np.ndarray]:
    """The audio judge's material posterior ``[N, 17]`` and embedding ``[N, 64]`` of unit log-mels.

    Notebook: 25_beyond_the_survey
    """
    probs, emb = audio_judge.analyse_logmel(unit_to_db(u))
    return probs["material"], emb


def kl_per_clip(p_real: np.ndarray, p_gen: np.ndarray) -> np.ndarray:
    """``KL(p_real_i ‖ p_gen_i)`` per clip in nats (the KL_PANNs analogue; generated floored at 1e-12)."""
    from scipy.special import rel_entr

    return np.maximum(rel_entr(p_real, np.maximum(p_gen, 1e-12)).sum(axis=1), 0.0)


def diversity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per clip mean ``|difference|`` between two samples of the same clip (unit log-mel)."""
    return np.abs(np.asarray(a) - np.asarray(b)).mean(axis=(1, 2))


def evaluate(u: np.ndarray, data: Data, judges: dict, real: dict | None = None) -> dict[str, Any]:
    """Per-clip metrics of generated unit log-mels ``[N, 64, F]`` for the clips of ``data``.

    Returns:
        A dict: ``"desync"`` ``[N]`` s, ``"onset_ap"`` ``[N]`` (NaN without hits), ``"kl"`` ``[N]`` nats,
        ``"fd"`` float, ``"acc"`` ``[N]`` (1 if the judge names the clip's material); ``real``: the
        same for the real mels (computed when None), from which the KL and FD are measured.

    Notebook: 25_beyond_the_survey
    """
    from ..metrics import distribution as _dist

    if real is None:
        p, e = judge_posteriors(data.mel, judges["audio"])
        real = {"probs": p, "emb": e}
    p, e = judge_posteriors(u, judges["audio"])
    return {"desync": desync(u, data.frames, judges["sync"]), "onset_ap": onset_ap(u, data.times),
            "kl": kl_per_clip(real["probs"], p), "fd": float(_dist.frechet_distance(real["emb"], e)),
            "acc": (p.argmax(1) == data.labels).astype(np.float64)}


# ----------------------------------------------------------------------------------- the benchmark's entry points
#: Network, latent and training settings per profile (the notebook's ``cfg`` picks the same).
PROFILES = {
    "quick": dict(net=dict(d=64, layers=2, heads=4, ff=128, patch=3), k=16, steps=300, batch=24, lr=2e-3,
                  n_train=600),
    "full": dict(net=dict(d=256, layers=6, heads=8, ff=768, patch=2), k=24, steps=8000, batch=64, lr=5e-4,
                 n_train=4000),
}


def build(profile: str = "quick", sync: str = "aligned", channels: int | None = None) -> FlowDiT:
    """The network of a profile: quick d = 64, 2 layers (≈ 0.14 M parameters); full d = 256, 6 layers
    (≈ 5 M).

    Notebook: 25_beyond_the_survey
    """
    p = PROFILES[_repro.check_profile(profile)]
    return FlowDiT(channels=channels or p["k"], sync=sync, **p["net"])


@dataclass
class Trained:
    """What :func:`generate` needs: the flow model, its latent and the frozen condition encoders."""

    model: FlowDiT
    latent: PCALatent
    judges: dict


def train_default(seed: int = 0, profile: str = "quick", *, data_dir=None, device="cpu") -> Trained:
    """Train (or load from the checkpoint cache) the default model — frame-aligned sync features,
    flow matching — on the training clips of notebook 25 (same seed, same settings, same
    checkpoint: after notebook 25 has run, this loads in about a second plus the judges and the
    training clips' features).

    Notebook: 25_beyond_the_survey
    """
    p = PROFILES[_repro.check_profile(profile)]
    judges = _judge_set(profile, device)
    tr, _ = load_clips(p["n_train"], 1, seed, data_dir)
    raw = prepare(tr, judges)
    latent = PCALatent(raw.mel, p["k"])
    data = raw.with_latent(latent)
    model = _train.build_seeded(seed, lambda: build(profile, "aligned"))
    train(model, data, kind="fm", seed=seed, steps=p["steps"], batch=p["batch"], lr=p["lr"],
          name="m25-fm-aligned", config={"profile": profile, "sync": "aligned"}, device=device)  # as notebook 25
    return Trained(model.cpu().eval(), latent, judges)


def generate(trained: Trained, video_batch, *, steps: int = 25, guidance: float = 2.0, generator: int = 0,
             audio: bool = True) -> dict[str, np.ndarray]:
    """Sound for hits clips: video → conditions → Euler-sampled latent → log-mel (→ Griffin-Lim audio).

    Args:
        trained: from :func:`train_default`.
        video_batch: a SceneBatch at 15 fps (frames uint8 ``[N, 30, S, S, 3]``), or the frames array.
        steps, guidance: Euler steps and classifier-free guidance scale.
        generator: an int seed for the noise (:func:`sample`'s chunked generators).
        audio: also vocode with Griffin-Lim (slow: about 0.1 s per clip).

    Returns:
        A dict: ``"mel"`` float32 ``[N, 64, 126]`` in [-1, 1], ``"mel_db"`` ``[N, 64, 126]`` dB (the
        audio judge's log-mel: pass it as ``logmel=`` to the judges), ``"audio"`` float32
        ``[N, 32000]`` at 16 kHz (when ``audio``), ``"sr"`` 16000.

    Notebook: 25_beyond_the_survey
    """
    frames = getattr(video_batch, "frames", video_batch)
    sem, sync = condition_features(np.asarray(frames), trained.judges)
    u = trained.latent.decode(sample(trained.model, sem, sync, kind="fm", steps=steps, guidance=guidance,
                                     seed=int(generator)))
    out = {"mel": u, "mel_db": unit_to_db(u).numpy(), "sr": MEL["sr"]}
    if audio:
        out["audio"] = to_audio(u, seed=int(generator))
    return out


# ----------------------------------------------------------------------------------- the 2-D teaching example
def toy_data(n: int, gen: torch.Generator) -> torch.Tensor:
    """``[n, 2]`` points from two Gaussian blobs at (±2, 1) (std 0.3): the toy 'data' distribution."""
    c = torch.where(torch.rand(n, 1, generator=gen) < 0.5, torch.tensor([[-2.0, 1.0]]), torch.tensor([[2.0, 1.0]]))
    return c + 0.3 * torch.randn(n, 2, generator=gen)


def train_toy(seed: int, steps: int = 600, batch: int = 256) -> nn.Module:
    """A 2-D velocity field ``v_θ(x, t)`` (an MLP) trained by flow matching from N(0, I) to :func:`toy_data`.

    Notebook: 25_beyond_the_survey
    """
    net = _train.build_seeded(seed, lambda: _nn.mlp(3, [64, 64], 2))
    gen = _repro.torch_generator(seed, "toy")

    def get(step):
        return toy_data(batch, gen), torch.randn(batch, 2, generator=gen), torch.rand(batch, 1, generator=gen)

    def loss(m, b):
        x1, x0, t = b
        xt = (1 - t) * x0 + t * x1
        return F.mse_loss(m(torch.cat([xt, t], 1)), x1 - x0)

    _train.fit(net, get, loss, steps=steps, lr=3e-3, name="m25-toy", config={"seed": seed, "batch": batch},
               progress=False)
    return net.eval()


@torch.no_grad()
def toy_trajectories(net: nn.Module, x0: torch.Tensor, steps: int) -> torch.Tensor:
    """Euler paths of the toy field: ``[steps + 1, n, 2]``."""
    xs = [x0]
    x = x0
    for i in range(steps):
        t = torch.full((len(x), 1), i / steps)
        x = x + net(torch.cat([x, t], 1)) / steps
        xs.append(x)
    return torch.stack(xs)
