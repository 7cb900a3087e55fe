"""Judges: small reference networks trained once per synthetic world on its real ground truth.

The survey's papers score generated sound with networks trained on real data: an Inception
network on spectrograms (SpecVQGAN's *Melception*), VGGish / PANNs / PaSST taggers (FAD, KL,
IS), a five-layer classifier (POCAN), Synchformer (DeSync). None of them can be downloaded
here, and none knows the synthetic world, so we train our own, small enough to train in
seconds on a laptop CPU and cached on disk (checkpoint-if-present):

===================  ==================================  ==========================================
judge                input → output                      gives
===================  ==================================  ==========================================
:func:`audio_judge`  log-mel → material, action /        accuracy of generated sound, IS, KL
                     instrument / scene class            (posteriors); FAD analogue (embedding)
:func:`image_judge`  one frame → material / instrument   accuracy and FID analogue for images
                     / scene class
:func:`video_judge`  8 frames (+ differences) → class    FVD analogue, video accuracy
:func:`sync_judge`   frames + audio → offset between     DeSync-style error (s), sync accuracy
                     sound and picture (±0.4 s)
===================  ==================================  ==========================================

Every judge reports its own **held-out accuracy** (``judge.accuracy``, per head, on clips it
never saw) next to the majority-class rate (``judge.chance``): a judge that cannot recognise
real sound cannot judge generated sound. The penultimate layer (``judge.embed``) is the
embedding for Fréchet distances.

Training data are clips of the synthetic world drawn from a seed reserved for judges, so they
never coincide with a notebook's evaluation clips (seeds 0, 1, 2, ...). The weights are cached
by :func:`foley_nb_utils.train.fit` under ``data/cache/checkpoints`` and the accuracies beside
them under ``data/cache/judges``; a second call (in any notebook) loads both in well under a
second. Layer initialisation draws from the judge's own seed (``fnu.train.build_seeded``), so a
judge does not depend on, or disturb, the caller's random state. :func:`judge_panel` trains
several judges of a world side by side, one CPU core each.

Notebook: 04_evaluation
"""
from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .. import repro
from ..results import atomic_write_text
from ..train import build_seeded
from .features import as_batch, log_mel_batch, single_thread

__all__ = ["AudioJudge", "AudioNet", "ImageJudge", "ImageNet", "Judge", "SyncJudge", "SyncNet", "VideoJudge",
           "VideoNet", "audio_judge", "image_judge", "judge_data", "judge_logmel", "judge_panel", "sync_judge",
           "video_judge", "SYNC_WORLDS", "WORLD_HEADS"]

#: Judge version: bump when a judge's data, inputs or training change (part of the cache key).
JUDGE_VERSION = 1

#: The class labels each kind of judge predicts, per synthetic world.
WORLD_HEADS: dict[str, dict[str, tuple[str, ...]]] = {
    "hits": {"audio": ("material", "action"), "image": ("material",), "video": ("material",)},
    "instruments": {"audio": ("instrument",), "image": ("instrument",)},
    "scenes": {"audio": ("category",), "image": ("category",), "video": ("category",)},
    "dance": {"audio": ("genre",), "video": ("genre",)},
}

#: Worlds whose sound events are visible, where audio-visual offsets can be judged.
SYNC_WORLDS: tuple[str, ...] = ("hits", "dance")

#: Training sizes per profile: clips, optimiser steps per judge kind, batch sizes.
_SIZES = {
    "quick": dict(n_train=640, n_test=256, steps=dict(audio=320, image=200, video=150, sync=150),
                  batch=dict(audio=64, image=64, video=32, sync=64)),
    "full": dict(n_train=4096, n_test=1024, steps=dict(audio=3000, image=3000, video=3000, sync=2000),
                 batch=dict(audio=128, image=128, video=64, sync=128)),
}

_N_MELS, _N_FFT, _HOP = 64, 1024, 256
_IMG = 32          # the image judge sees frames at 32×32 pixels
_VID, _VID_T = 16, 8  # the video judge sees 8 frames at 16×16
_SYNC_MAX = 6      # offsets -6..+6 frames (±0.4 s at 15 fps)


# ------------------------------------------------------------------------------- networks
class _Standardise(nn.Module):
    """x → (x - mean) / std with statistics stored as buffers (saved in the checkpoint)."""

    def __init__(self, shape: Sequence[int]):
        super().__init__()
        self.register_buffer("mean", torch.zeros(*shape))
        self.register_buffer("std", torch.ones(*shape))

    def fit(self, x: torch.Tensor, dims: Sequence[int]) -> None:
        self.mean.copy_(x.mean(dim=tuple(dims), keepdim=True).reshape(self.mean.shape))
        self.std.copy_(x.std(dim=tuple(dims), keepdim=True).reshape(self.std.shape).clamp_min(1e-3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std


class _Heads(nn.Module):
    def __init__(self, dim: int, heads: dict[str, int]):
        super().__init__()
        self.names = list(heads)
        self.layers = nn.ModuleList(nn.Linear(dim, k) for k in heads.values())

    def forward(self, z: torch.Tensor) -> dict[str, torch.Tensor]:
        return {n: layer(z) for n, layer in zip(self.names, self.layers)}


class AudioNet(nn.Module):
    """Log-mel classifier: 1-D convolutions over time (mel bands as channels), mean+max pooling.

    Shape: ``[B, n_mels, frames]`` (dB) → embedding ``[B, emb]`` → logits per head.

    Notebook: 04_evaluation
    """

    def __init__(self, heads: dict[str, int], n_mels: int = _N_MELS, width: int = 64, emb: int = 64):
        super().__init__()
        self.norm = _Standardise((1, n_mels, 1))
        # strided convolutions: 126 frames (2 s) → 63 → 32 → 16, cheap enough for a CPU
        self.body = nn.Sequential(
            nn.Conv1d(n_mels, width, 3, stride=2, padding=1), nn.BatchNorm1d(width), nn.ReLU(),
            nn.Conv1d(width, width, 3, stride=2, padding=1), nn.BatchNorm1d(width), nn.ReLU(),
            nn.Conv1d(width, width, 3, stride=2, padding=1), nn.BatchNorm1d(width), nn.ReLU())
        self.embed = nn.Sequential(nn.Linear(2 * width, emb), nn.ReLU())
        self.heads = _Heads(emb, heads)

    def embedding(self, x: torch.Tensor) -> torch.Tensor:
        """The penultimate layer ``[B, emb]`` (the input of the heads)."""
        h = self.body(self.norm(x))
        return self.embed(torch.cat([h.mean(dim=2), h.amax(dim=2)], dim=1))

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        return self.heads(self.embedding(x))


class _FrameNet(nn.Module):
    """Small 2-D CNN for ``[B, C, 32, 32]`` images → ``[B, 2 * width]`` (mean and max pooled)."""

    def __init__(self, in_ch: int, width: int):
        super().__init__()
        # a strided first layer (32 → 16 px) keeps the cost low; texture survives at 16 px
        self.net = nn.Sequential(
            nn.Conv2d(in_ch, width // 2, 3, stride=2, padding=1), nn.BatchNorm2d(width // 2), nn.ReLU(),
            nn.Conv2d(width // 2, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.net(x)
        return torch.cat([h.mean(dim=(2, 3)), h.amax(dim=(2, 3))], dim=1)


class ImageNet(nn.Module):
    """Frame classifier: ``[B, 3, 32, 32]`` in [0, 1] → embedding ``[B, emb]`` → logits per head.

    Notebook: 04_evaluation
    """

    def __init__(self, heads: dict[str, int], width: int = 32, emb: int = 64):
        super().__init__()
        self.norm = _Standardise((1, 3, 1, 1))
        self.frames = _FrameNet(3, width)
        self.embed = nn.Sequential(nn.Linear(2 * width, emb), nn.ReLU())
        self.heads = _Heads(emb, heads)

    def embedding(self, x: torch.Tensor) -> torch.Tensor:
        """The penultimate layer ``[B, emb]`` (the input of the heads)."""
        return self.embed(self.frames(self.norm(x)))

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        return self.heads(self.embedding(x))


class VideoNet(nn.Module):
    """Clip classifier: each of 8 frames (with its difference to the previous one, 6 channels,
    16×16 px) through a shared small 2-D CNN, then a temporal convolution and mean+max pooling.

    Shape: ``[B, T=8, 6, 16, 16]`` → embedding ``[B, emb]`` → logits per head.

    Notebook: 04_evaluation
    """

    def __init__(self, heads: dict[str, int], width: int = 16, emb: int = 64):
        super().__init__()
        self.norm = _Standardise((1, 1, 6, 1, 1))
        self.frames = nn.Sequential(
            nn.Conv2d(6, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.BatchNorm2d(2 * width), nn.ReLU())
        self.temporal = nn.Sequential(nn.Conv1d(4 * width, 4 * width, 3, padding=1), nn.ReLU())
        self.embed = nn.Sequential(nn.Linear(8 * width, emb), nn.ReLU())
        self.heads = _Heads(emb, heads)

    def embedding(self, x: torch.Tensor) -> torch.Tensor:
        """The penultimate layer ``[B, emb]`` (the input of the heads)."""
        b, t = x.shape[:2]
        h = self.frames(self.norm(x).flatten(0, 1))
        f = torch.cat([h.mean(dim=(2, 3)), h.amax(dim=(2, 3))], dim=1).view(b, t, -1).transpose(1, 2)
        h = self.temporal(f)  # [B, D, T]
        return self.embed(torch.cat([h.mean(dim=2), h.amax(dim=2)], dim=1))

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        return self.heads(self.embedding(x))


class SyncNet(nn.Module):
    """Audio-visual offset classifier: a learned cross-correlation.

    A video branch (1-D convolutions over per-frame motion features) and an audio branch (over
    per-frame log-mel energy and onset flux) each give a ``[B, D, T]`` sequence; the score of
    offset ``k`` is the mean over time of ``<v_t, a_{t+k}>`` (audio *late* by ``k`` frames for
    ``k > 0``). Softmax over ``k = -K..K`` gives the offset posterior.

    Notebook: 04_evaluation
    """

    def __init__(self, v_in: int, a_in: int, max_shift: int = _SYNC_MAX, width: int = 64, dim: int = 32):
        super().__init__()
        self.max_shift = max_shift
        self.v_norm = _Standardise((1, v_in, 1))
        self.a_norm = _Standardise((1, a_in, 1))
        # a 1×1 layer first compresses the per-frame motion map (cheap, and fewer weights to fit)
        self.video = nn.Sequential(nn.Conv1d(v_in, dim, 1), nn.ReLU(), nn.Conv1d(dim, width, 5, padding=2), nn.ReLU(),
                                   nn.Conv1d(width, dim, 5, padding=2))
        self.audio = nn.Sequential(nn.Conv1d(a_in, width, 5, padding=2), nn.ReLU(),
                                   nn.Conv1d(width, dim, 5, padding=2))
        self.log_scale = nn.Parameter(torch.zeros(()))

    def forward(self, v: torch.Tensor, a: torch.Tensor) -> dict[str, torch.Tensor]:
        ve, ae = self.video(self.v_norm(v)), self.audio(self.a_norm(a))  # [B, D, T]
        K, T = self.max_shift, v.shape[2]
        a_pad = F.pad(ae, (K, K))
        windows = a_pad.unfold(2, T, 1)  # [B, D, 2K+1, T]: window j holds a_{t + j - K}
        corr = (ve.unsqueeze(2) * windows).sum(dim=(1, 3))  # [B, 2K+1]
        overlap = T - torch.arange(-K, K + 1, device=v.device).abs().clamp(max=T - 1)
        return {"offset": corr / overlap * self.log_scale.exp() / ve.shape[1] ** 0.5}


# ------------------------------------------------------------------------------- inputs
def _fit_length(x: np.ndarray, n: int) -> np.ndarray:
    if x.shape[1] == n:
        return x
    if x.shape[1] > n:
        return x[:, :n]
    return np.pad(x, ((0, 0), (0, n - x.shape[1])))


def judge_logmel(audio, sr: int, judge_sr: int, n_samples: int) -> torch.Tensor:
    """The audio judges' input: waveforms ``[N, n]`` at ``sr`` Hz → log-mel in dB ``[N, 64, frames]``,
    resampled to ``judge_sr`` Hz and cut or zero-padded to ``n_samples`` samples first
    (:meth:`AudioJudge.logmel` with a judge's own settings).

    Notebooks: 04_evaluation, 25_beyond_the_survey (its generator's target representation)
    """
    from ..audio import resample

    x = as_batch(audio)
    if sr != judge_sr:
        x = np.asarray(resample(x, sr, judge_sr), dtype=np.float32)
    return log_mel_batch(_fit_length(x, n_samples), judge_sr, n_mels=_N_MELS, n_fft=_N_FFT, hop=_HOP)


def _frames_uint8(frames, ndim: int, name: str) -> np.ndarray:
    f = np.asarray(frames)
    if f.ndim != ndim or f.shape[-1] != 3:
        want = "[N, H, W, 3]" if ndim == 4 else "[N, T, H, W, 3]"
        raise ValueError(f"{name} must be {want} RGB, got shape {f.shape}")
    if f.dtype != np.uint8:
        if not np.issubdtype(f.dtype, np.floating) or f.min() < 0 or f.max() > 1:
            raise ValueError(f"{name}: give uint8 frames or floats in [0, 1], got {f.dtype}")
        f = np.round(f * 255).astype(np.uint8)
    return f


def _pool_frames(f: np.ndarray, size: int, chunk: int = 1024) -> torch.Tensor:
    """uint8 frames ``[M, H, W, 3]`` → float ``[M, 3, size, size]`` in [0, 1] (area resize).

    Large frames are first subsampled to about ``2 × size`` (a cheap view), so that only small
    arrays are converted to float.
    """
    step = max(1, min(f.shape[1], f.shape[2]) // (2 * size))
    out = []
    for i in range(0, len(f), chunk):
        x = torch.from_numpy(np.ascontiguousarray(f[i:i + chunk, ::step, ::step])).permute(0, 3, 1, 2)
        out.append(F.adaptive_avg_pool2d(x.float(), size) / 255.0)
    return torch.cat(out) if out else torch.zeros(0, 3, size, size)


def _image_in(images) -> torch.Tensor:
    """uint8 ``[N, H, W, 3]`` → float ``[N, 3, 32, 32]`` in [0, 1]."""
    return _pool_frames(_frames_uint8(images, 4, "images"), _IMG)


def _time_index(t_in: int, t_out: int) -> np.ndarray:
    return np.clip(np.round(np.linspace(0, t_in - 1, t_out)).astype(np.int64), 0, t_in - 1)


def _video_in(frames) -> torch.Tensor:
    """uint8 ``[N, T, H, W, 3]`` → ``[N, 8, 6, 16, 16]``: 8 evenly spaced frames, each with its
    difference to the previous kept frame."""
    f = _frames_uint8(frames, 5, "frames")
    f = f[:, _time_index(f.shape[1], _VID_T + 1)]
    n = len(f)
    x = _pool_frames(f.reshape(-1, *f.shape[2:]), _VID).view(n, _VID_T + 1, 3, _VID, _VID)
    return torch.cat([x[:, 1:], x[:, 1:] - x[:, :-1]], dim=2).contiguous()


def _sync_video_in(frames, fps: float, judge_fps: float, n_frames: int) -> torch.Tensor:
    """Per-frame motion features ``[N, 256, T]``: |difference| of 16×16 grey frames to the previous one.

    Motion, not appearance, tells when a contact happens (the stick stops and bounces back).
    """
    f = _frames_uint8(frames, 5, "frames")
    if fps != judge_fps:  # nearest frame at the judge's rate
        idx = np.clip(np.round(np.arange(n_frames) / judge_fps * fps).astype(np.int64), 0, f.shape[1] - 1)
        f = f[:, idx]
    f = f[:, :n_frames]
    if f.shape[1] < n_frames:
        f = np.concatenate([f, np.repeat(f[:, -1:], n_frames - f.shape[1], axis=1)], axis=1)
    n = len(f)
    x = _pool_frames(f.reshape(-1, *f.shape[2:]), 16)  # [n*T, 3, 16, 16]
    g = (x * torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)).sum(dim=1).view(n, n_frames, 256)
    d = (g - torch.cat([g[:, :1], g[:, :-1]], dim=1)).abs()
    return d.transpose(1, 2).contiguous()


def _sync_audio_in(audio, sr: int, judge_sr: int, n_samples: int, n_frames: int,
                   logmel: torch.Tensor | None = None) -> torch.Tensor:
    """Per-video-frame audio features ``[N, 32, T]``: 16 band energies (mean, dB) and onset flux (max)."""
    S = judge_logmel(audio, sr, judge_sr, n_samples) if logmel is None else logmel  # [N, 64, F]
    S = S.view(S.shape[0], 16, _N_MELS // 16, -1).mean(dim=2)  # [N, 16, F]
    flux = F.relu(torch.diff(S, dim=2, prepend=S[:, :, :1]))
    return torch.cat([F.adaptive_avg_pool1d(S, n_frames), F.adaptive_max_pool1d(flux, n_frames)], dim=1)


def _shift_features(a: torch.Tensor, fill: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """Delay per-frame audio features ``[B, 32, T]`` by ``k[b]`` frames, as if the sound were late.

    Vacated frames get the features of the clip's background: its quietest band energies
    (``fill[b]``, ``[16]``, as :func:`.degrade.time_shift` fills with the quietest 50 ms) and
    zero flux.
    """
    b, c, t = a.shape
    src = torch.arange(t).view(1, t) - k.view(b, 1)  # frame t shows what was at t - k
    valid = (src >= 0) & (src < t)
    out = torch.gather(a, 2, src.clamp(0, t - 1).unsqueeze(1).expand(b, c, t))
    background = torch.zeros(b, c, 1)
    background[:, :16, 0] = fill
    return torch.where(valid.unsqueeze(1), out, background.expand(b, c, t))


# ------------------------------------------------------------------------------- judges
@dataclass
class Judge:
    """A trained reference network and what it is worth.

    Attributes:
        kind: ``"audio"``, ``"image"``, ``"video"`` or ``"sync"``.
        world: the synthetic world it was trained on (``"hits"``, ...).
        profile: ``"quick"`` or ``"full"``.
        heads: head name → class names (sync: offsets in frames as text).
        accuracy: held-out accuracy per head (sync also ``offset_within_1``: within one frame).
        chance: per head, the accuracy of always answering the most frequent held-out class.
        model: the torch module (eval mode, on CPU unless a device was given).
        spec: input settings (sr, n_samples, fps, n_frames, ...).
        info: training facts (clips, steps, seconds, whether loaded from the cache).

    Notebook: 04_evaluation
    """

    kind: str
    world: str
    profile: str
    heads: dict[str, tuple[str, ...]]
    accuracy: dict[str, float]
    chance: dict[str, float]
    model: nn.Module
    spec: dict[str, Any]
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    @torch.no_grad()
    def _run(self, fn: Callable[..., Any], *xs: torch.Tensor, chunk: int = 256):
        self.model.eval()
        outs = []
        with single_thread() if self.device.type == "cpu" else contextlib.nullcontext():
            for i in range(0, len(xs[0]), chunk):
                outs.append(fn(*(x[i:i + chunk].to(self.device) for x in xs)))
        if isinstance(outs[0], dict):
            return {k: torch.cat([o[k] for o in outs]).float().cpu() for k in outs[0]}
        return torch.cat(outs).float().cpu()

    def _probs(self, *xs: torch.Tensor) -> dict[str, np.ndarray]:
        logits = self._run(self.model, *xs)
        return {k: torch.softmax(v, dim=1).double().numpy() for k, v in logits.items()}

    def _embed(self, *xs: torch.Tensor) -> np.ndarray:
        return self._run(self.model.embedding, *xs).double().numpy()

    def summary(self) -> list[dict[str, Any]]:
        """One row per accuracy: judge, head, classes, held-out accuracy, chance (for a table).

        (The sync judge has two: the exact offset and the offset within one frame.)
        """
        first = next(iter(self.heads))
        return [{"judge": f"{self.kind} ({self.world})", "head": h, "classes": len(self.heads.get(h, self.heads[first])),
                 "held-out accuracy": acc, "chance": self.chance[h]} for h, acc in self.accuracy.items()]


class AudioJudge(Judge):
    """Judge of sound: class posteriors and embeddings of waveforms (see :func:`audio_judge`).

    Notebook: 04_evaluation
    """

    def logmel(self, audio, sr: int) -> torch.Tensor:
        """The judge's input: log-mel ``[N, 64, frames]`` in dB (audio resampled to the judge's
        rate, cut or zero-padded to its clip length). Compute it once to score many ways."""
        return judge_logmel(audio, int(sr), self.spec["sr"], self.spec["n_samples"])

    def predict(self, audio, sr: int) -> dict[str, np.ndarray]:
        """Class probabilities per head.

        Args:
            audio: ``[N, n]`` waveforms (any length: cut or zero-padded to the training length).
            sr: their sample rate in Hz (resampled to the judge's).

        Returns:
            head → float64 ``[N, K]`` probabilities.

        Notebook: 04_evaluation
        """
        return self._probs(self.logmel(audio, sr))

    def embed(self, audio, sr: int) -> np.ndarray:
        """Penultimate-layer embedding ``[N, D]`` (D = 64) for Fréchet distances.

        Notebook: 04_evaluation
        """
        return self._embed(self.logmel(audio, sr))

    def predict_logmel(self, S: torch.Tensor) -> dict[str, np.ndarray]:
        """:meth:`predict` from a precomputed :meth:`logmel`."""
        return self._probs(S)

    def analyse_logmel(self, S: torch.Tensor) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Probabilities per head and the embedding ``[N, 64]`` from one forward pass."""
        def both(x):
            z = self.model.embedding(x)
            return {"__embedding__": z, **self.model.heads(z)}

        out = self._run(both, S)
        emb = out.pop("__embedding__").double().numpy()
        return {k: torch.softmax(v, dim=1).double().numpy() for k, v in out.items()}, emb

    def embed_logmel(self, S: torch.Tensor) -> np.ndarray:
        """:meth:`embed` from a precomputed :meth:`logmel`."""
        return self._embed(S)


class ImageJudge(Judge):
    """Judge of single frames (see :func:`image_judge`).

    Notebook: 04_evaluation
    """

    def predict(self, images) -> dict[str, np.ndarray]:
        """Class probabilities per head for uint8 images ``[N, H, W, 3]`` (any size).

        Notebook: 04_evaluation
        """
        return self._probs(_image_in(images))

    def embed(self, images) -> np.ndarray:
        """Embedding ``[N, 64]`` of images ``[N, H, W, 3]`` (FID analogue).

        Notebook: 04_evaluation
        """
        return self._embed(_image_in(images))


class VideoJudge(Judge):
    """Judge of short videos (see :func:`video_judge`).

    Notebook: 04_evaluation
    """

    def predict(self, frames) -> dict[str, np.ndarray]:
        """Class probabilities per head for uint8 videos ``[N, T, H, W, 3]`` (8 frames are
        sampled evenly over T).

        Notebook: 04_evaluation
        """
        return self._probs(_video_in(frames))

    def embed(self, frames) -> np.ndarray:
        """Embedding ``[N, 64]`` of videos ``[N, T, H, W, 3]`` (FVD analogue).

        Notebook: 04_evaluation
        """
        return self._embed(_video_in(frames))


class SyncJudge(Judge):
    """Judge of audio-visual synchrony (see :func:`sync_judge`).

    Notebook: 04_evaluation
    """

    _video_memo: tuple[str, torch.Tensor] | None = None

    def _video_features(self, frames, fps: float) -> torch.Tensor:
        f = np.ascontiguousarray(frames)
        key = f"{f.shape}{f.dtype}{fps}" + hashlib.blake2b(f.view(np.uint8).reshape(-1), digest_size=16).hexdigest()
        if self._video_memo is None or self._video_memo[0] != key:  # the same videos are scored many times
            self._video_memo = (key, _sync_video_in(f, float(fps), self.spec["fps"], self.spec["n_frames"]))
        return self._video_memo[1]

    @torch.no_grad()
    def video_embedding(self, frames, fps: float) -> np.ndarray:
        """The video branch's output, float32 ``[N, dim, T]`` at the judge's frame rate: what the
        judge correlates with the soundtrack, usable as a per-frame synchrony feature.

        Args:
            frames: uint8 ``[N, T, H, W, 3]`` videos.
            fps: their frame rate (resampled to the judge's).

        Notebook: 25_beyond_the_survey (the frame-aligned condition of its generator)
        """
        m = self.model
        return self._run(lambda v: m.video(m.v_norm(v)), self._video_features(frames, fps)).numpy()

    def inputs(self, frames, audio, fps: float, sr: int, logmel: torch.Tensor | None = None
               ) -> tuple[torch.Tensor, torch.Tensor]:
        """Video ``[N, 256, T]`` and audio ``[N, 32, T]`` features at the judge's frame rate
        (``logmel``: the audio judge's log-mel of ``audio``, when already computed)."""
        s = self.spec
        v = self._video_features(frames, fps)
        a = _sync_audio_in(audio, int(sr), s["sr"], s["n_samples"], s["n_frames"], logmel=logmel)
        if len(v) != len(a):
            raise ValueError(f"{len(v)} videos but {len(a)} soundtracks")
        return v, a

    def offset_probs(self, frames, audio, fps: float, sr: int, logmel: torch.Tensor | None = None) -> np.ndarray:
        """Posterior over offsets ``[N, 2K+1]`` (column ``j`` = ``(j - K) / fps`` seconds)."""
        return self._probs(*self.inputs(frames, audio, fps, sr, logmel))["offset"]

    def predict_offset(self, frames, audio, fps: float, sr: int, logmel: torch.Tensor | None = None) -> np.ndarray:
        """Most likely offset of each soundtrack in seconds (positive = sound late).

        Args:
            frames: uint8 ``[N, T, H, W, 3]`` video.
            audio: ``[N, n]`` soundtracks.
            fps, sr: frame rate (Hz) and sample rate (Hz).

        Returns:
            float64 ``[N]`` offsets in seconds, multiples of ``1 / judge fps``.

        Notebook: 04_evaluation
        """
        p = self.offset_probs(frames, audio, fps, sr, logmel)
        return (p.argmax(axis=1) - self.spec["max_shift"]) / self.spec["fps"]

    def desync(self, frames, audio, fps: float, sr: int, logmel: torch.Tensor | None = None) -> float:
        """DeSync-style error: mean |predicted offset| in seconds (0 = in sync; the
        ``av-benchmark`` DeSync metric with our judge in place of Synchformer).

        Notebook: 04_evaluation
        """
        return float(np.mean(np.abs(self.predict_offset(frames, audio, fps, sr, logmel))))


# ------------------------------------------------------------------------------- training
_CACHE: dict[tuple, Judge] = {}
_DATA: dict[tuple, Any] = {}
_LOCK = threading.Lock()
_DATA_LOCK = threading.RLock()


def _data_seed(seed: int, world: str, part: str) -> int:
    # judges draw from their own seeds, far from the small seeds notebooks evaluate on
    return 1_000_003 + int(repro.rng(seed, "judge-data", world, part).integers(0, 2**30))


def judge_data(world: str, profile: str, seed: int, part: str):
    """The synthetic clips a judge trains on (``part="train"``), is tested on (``"test"``), or
    reads its input format from (``"probe"``, two clips).

    Kept in memory for the session, so several judges of one world generate them once.

    Returns:
        A :class:`~foley_nb_utils.clips.SceneBatch`.

    Notebook: 04_evaluation
    """
    key = (world, profile, int(seed), part)
    with _DATA_LOCK:  # judges training side by side (judge_panel) wait for one generation
        return _judge_data(key)


def _judge_data(key: tuple[str, str, int, str]):
    world, profile, seed, part = key
    if key not in _DATA:
        if world not in WORLD_HEADS:
            raise ValueError(f"no judges for world {world!r}; known worlds: {sorted(WORLD_HEADS)}")
        try:
            mod = importlib.import_module(f"foley_nb_utils.synth.{world}")
        except ModuleNotFoundError as e:
            raise ValueError(f"the synthetic world {world!r} is not available ({e})") from e
        if part not in ("train", "test", "probe"):
            raise ValueError(f"part must be 'train', 'test' or 'probe', got {part!r}")
        n = 2 if part == "probe" else _SIZES[repro.check_profile(profile)][f"n_{part}"]
        if len(_DATA) >= 4:  # keep memory bounded
            _DATA.clear()
        _DATA[key] = mod.generate(n, seed=_data_seed(seed, world, part), profile=profile)
    return _DATA[key]


_LOGMEL: dict[int, tuple[Any, torch.Tensor]] = {}
_LOGMEL_LOCK = threading.Lock()  # not _DATA_LOCK: an image judge need not wait for the audio's log-mels


def _logmel_of(batch, spec: dict) -> torch.Tensor:
    """Judge log-mel of a judge-data batch, computed once per session (audio and sync judges share it)."""
    with _LOGMEL_LOCK:
        hit = _LOGMEL.get(id(batch))
        if hit is None or hit[0] is not batch:
            if len(_LOGMEL) > 4:
                _LOGMEL.clear()
            hit = (batch, judge_logmel(batch.audio, batch.sr, spec["sr"], spec["n_samples"]))
            _LOGMEL[id(batch)] = hit
        return hit[1]


def _heads_for(batch, names: Sequence[str]) -> dict[str, tuple[str, ...]]:
    missing = [h for h in names if h not in batch.labels or h not in batch.classes]
    if missing:
        raise ValueError(f"world {batch.scene!r} has no class label(s) {missing}; "
                         f"labels: {sorted(batch.classes)}")
    return {h: tuple(batch.classes[h]) for h in names}


def _held_out(model_probs: dict[str, np.ndarray], labels: dict[str, np.ndarray]) -> tuple[dict, dict]:
    acc, chance = {}, {}
    for h, p in model_probs.items():
        y = labels[h]
        ok = y >= 0
        acc[h] = float(np.mean(p[ok].argmax(axis=1) == y[ok]))
        chance[h] = float(np.bincount(y[ok]).max() / ok.sum())
    return acc, chance


def _train_classifier(model: nn.Module, x: tuple[torch.Tensor, ...], y: dict[str, torch.Tensor], *,
                      name: str, config: dict, settings: dict, batch_size: int, seed: int, device,
                      augment: Callable | None = None) -> Any:
    """``train.fit`` with random mini-batches, optional augmentation and a cosine learning rate."""
    import math

    from ..train import OPTIMIZER_OPTIONS, fit

    gen = torch.Generator().manual_seed(int(repro.rng(seed, "judge-batches", name).integers(0, 2**62)))
    n = len(x[0])
    model.to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=settings["lr"], weight_decay=settings["weight_decay"],
                            **OPTIMIZER_OPTIONS)
    steps = settings["steps"]

    def batch(step: int):
        for group in opt.param_groups:  # cosine decay: a short run still ends well converged
            group["lr"] = settings["lr"] * 0.5 * (1 + math.cos(math.pi * step / steps))
        idx = torch.randint(0, n, (batch_size,), generator=gen)
        xs, ys = tuple(t[idx] for t in x), {k: v[idx] for k, v in y.items()}
        return augment(xs, ys, gen) if augment is not None else (xs, ys)

    def loss_fn(m: nn.Module, b):
        xs, ys = b
        out = m(*xs)
        losses = {k: F.cross_entropy(out[k], ys[k], ignore_index=-1) for k in ys}
        return sum(losses.values()), {f"loss_{k}": float(v.detach()) for k, v in losses.items()}

    return fit(model, batch, loss_fn, **settings, optimizer=opt, device=device, name=name,
               config={**config, "schedule": "cosine"}, progress=False)


def _fit_settings(sizes: dict, kind: str) -> dict:
    return {"steps": sizes["steps"][kind], "lr": 5e-3, "weight_decay": 1e-4, "clip_grad": None}


def _build(kind: str, world: str, profile: str, seed: int, device, make_model, prepare, judge_cls,
           heads_of: Callable[[Any, dict], dict[str, tuple[str, ...]]], extra_spec: dict | None = None,
           augment: Callable | None = None) -> Judge:
    """Load a judge from the cache, or train it, test it on held-out clips and cache it.

    The weights are ``train.fit``'s checkpoint (its name hashes the config and the network);
    the held-out accuracies sit beside it in ``<cache>/judges/<checkpoint name>.json``, so the
    two always belong together.
    """
    import time

    from ..synth.common import GENERATOR_VERSION
    from ..train import checkpoint_path, load_checkpoint

    sizes = _SIZES[repro.check_profile(profile)]
    key = (kind, world, profile, int(seed), str(device))
    with _LOCK:
        if key in _CACHE:
            return _CACHE[key]
    t0 = time.time()
    name = f"judge-{kind}-{world}-{profile}"
    config = {"kind": kind, "world": world, "profile": profile, "seed": int(seed), "version": JUDGE_VERSION,
              "world_version": GENERATOR_VERSION, "sizes": sizes}
    probe = judge_data(world, profile, seed, "probe")  # two clips: the input format and the classes
    spec = {"sr": int(probe.sr), "n_samples": int(probe.audio.shape[1]), "fps": float(probe.fps),
            "n_frames": int(probe.frames.shape[1]) if probe.frames.ndim == 5 else 1, **(extra_spec or {})}
    heads = heads_of(probe, spec)
    init_seed = int(repro.rng(seed, "judge-init", name).integers(0, 2**31))
    model = build_seeded(init_seed, lambda: make_model(heads, spec))
    settings = _fit_settings(sizes, kind)
    ckpt = checkpoint_path(name, {**config, "schedule": "cosine", **settings}, model)
    side = repro.cache_dir("judges") / f"{ckpt.stem}.json"
    try:
        meta = json.loads(side.read_text()) if side.exists() else None
        if meta is not None and (meta.get("heads") != {k: list(v) for k, v in heads.items()}
                                 or not {"accuracy", "chance", "info"} <= set(meta)):
            meta = None
    except (OSError, ValueError):
        meta = None  # a broken sidecar is rebuilt, not trusted
    files = {"checkpoint": str(ckpt), "sidecar": str(side)}
    if meta is not None and ckpt.exists():
        model.load_state_dict(load_checkpoint(ckpt)["model"])
        model.to(device).eval()
        judge = judge_cls(kind, world, profile, heads, dict(meta["accuracy"]), dict(meta["chance"]), model,
                          spec, {**meta["info"], **files, "loaded": True, "seconds": time.time() - t0})
    else:
        train = judge_data(world, profile, seed, "train")
        with single_thread() if torch.device(device).type == "cpu" else contextlib.nullcontext():
            x, y, _ = prepare(train, spec, heads, "train")
            # input standardisation from the training inputs (buffers: saved in the checkpoint)
            for norm, t in zip([m for m in model.modules() if isinstance(m, _Standardise)], x):
                norm.fit(t, [d for d in range(t.ndim) if norm.mean.shape[d] == 1])
            hist = _train_classifier(model, x, y, name=name, config=config, settings=settings,
                                     batch_size=sizes["batch"][kind], seed=seed, device=device, augment=augment)
            test = judge_data(world, profile, seed, "test")
            judge = judge_cls(kind, world, profile, heads, {}, {}, model, spec, {})
            xt, _, yt = prepare(test, spec, heads, "test")
            probs = judge._probs(*xt)
        acc, chance = _held_out(probs, yt)
        if kind == "sync":
            err = np.abs(probs["offset"].argmax(axis=1) - yt["offset"])
            acc["offset_within_1"] = float(np.mean(err <= 1))
            chance["offset_within_1"] = float(np.mean(np.abs(np.bincount(yt["offset"]).argmax() - yt["offset"]) <= 1))
        info = {"n_train": len(train), "n_test": len(test), "steps": settings["steps"],
                "train_seconds": float(hist.seconds), "weights_from_cache": bool(hist.loaded)}
        judge.accuracy, judge.chance = acc, chance
        judge.info = {**info, **files, "loaded": False, "seconds": time.time() - t0}
        atomic_write_text(side, json.dumps({"heads": {k: list(v) for k, v in heads.items()}, "spec": spec,
                                            "accuracy": acc, "chance": chance, "info": info,
                                            "config": config}, indent=1))
    with _LOCK:
        _CACHE[key] = judge
    return judge


def _labels_of(batch, heads) -> dict[str, np.ndarray]:
    return {h: np.asarray(batch.labels[h], dtype=np.int64) for h in heads}


def audio_judge(world: str = "hits", profile: str = "quick", seed: int = 0, device="cpu") -> AudioJudge:
    """The audio judge of a world: log-mel → class posteriors (hits: material and action).

    Trained on first use (well under a minute on a laptop CPU in ``quick``), then loaded from the cache.

    Args:
        world: ``"hits"``, ``"instruments"`` or ``"scenes"``.
        profile: ``"quick"`` or ``"full"`` (more clips and steps; same network).
        seed: the judge's seed (training clips, initialisation, batches).
        device: where the network runs.

    Returns:
        :class:`AudioJudge` with ``.predict(audio, sr)``, ``.embed(audio, sr)``, ``.accuracy``.

    Notebook: 04_evaluation
    """
    heads = WORLD_HEADS.get(world, {}).get("audio")
    if heads is None:
        raise ValueError(f"no audio judge for world {world!r}; worlds: "
                         f"{sorted(w for w, h in WORLD_HEADS.items() if 'audio' in h)}")

    def prepare(batch, spec, hs, part):
        return ((_logmel_of(batch, spec),),
                {h: torch.from_numpy(v) for h, v in _labels_of(batch, hs).items()}, _labels_of(batch, hs))

    return _build("audio", world, profile, seed, device, lambda hs, spec: AudioNet({h: len(c) for h, c in hs.items()}),
                  prepare, AudioJudge, lambda batch, spec: _heads_for(batch, heads))


def _middle_frames(batch) -> np.ndarray:
    return batch.frames if batch.frames.ndim == 4 else batch.frames[:, batch.frames.shape[1] // 2]


def image_judge(world: str = "hits", profile: str = "quick", seed: int = 0, device="cpu") -> ImageJudge:
    """The image judge of a world: one frame → class (hits: material; instruments: instrument).

    Trained on the middle frame of each clip (instruments: its image), resized to 32×32.

    Args:
        world, profile, seed, device: as for :func:`audio_judge`.

    Returns:
        :class:`ImageJudge` with ``.predict(images)``, ``.embed(images)``, ``.accuracy``.

    Notebook: 04_evaluation
    """
    heads = WORLD_HEADS.get(world, {}).get("image")
    if heads is None:
        raise ValueError(f"no image judge for world {world!r}")

    def prepare(batch, spec, hs, part):
        return ((_image_in(_middle_frames(batch)),),
                {h: torch.from_numpy(v) for h, v in _labels_of(batch, hs).items()}, _labels_of(batch, hs))

    return _build("image", world, profile, seed, device, lambda hs, spec: ImageNet({h: len(c) for h, c in hs.items()}),
                  prepare, ImageJudge, lambda batch, spec: _heads_for(batch, heads))


def video_judge(world: str = "hits", profile: str = "quick", seed: int = 0, device="cpu") -> VideoJudge:
    """The video judge of a world: 8 frames and their differences → class (hits: material, action).

    Args:
        world, profile, seed, device: as for :func:`audio_judge`.

    Returns:
        :class:`VideoJudge` with ``.predict(frames)``, ``.embed(frames)``, ``.accuracy``.

    Notebook: 04_evaluation
    """
    heads = WORLD_HEADS.get(world, {}).get("video")
    if heads is None:
        raise ValueError(f"no video judge for world {world!r}")

    def prepare(batch, spec, hs, part):
        if batch.frames.ndim != 5:
            raise ValueError(f"world {world!r} has no videos (frames {batch.frames.shape})")
        return ((_video_in(batch.frames),),
                {h: torch.from_numpy(v) for h, v in _labels_of(batch, hs).items()}, _labels_of(batch, hs))

    return _build("video", world, profile, seed, device, lambda hs, spec: VideoNet({h: len(c) for h, c in hs.items()}),
                  prepare, VideoJudge, lambda batch, spec: _heads_for(batch, heads))


def sync_judge(world: str = "hits", profile: str = "quick", seed: int = 0, device="cpu") -> SyncJudge:
    """The audio-visual synchrony judge: how late is the sound (−0.4 … +0.4 s, in frames)?

    Trained on real clips whose soundtrack is delayed or advanced by a random whole number of
    frames, as Synchformer / SparseSync are trained on offset classes. For speed the training
    shifts are applied to per-frame audio features (vacated frames filled with the features of
    silence); the held-out accuracy is measured on truly shifted waveforms.

    Args:
        world, profile, seed, device: as for :func:`audio_judge` (worlds with video).

    Returns:
        :class:`SyncJudge` with ``.predict_offset(frames, audio, fps, sr)``, ``.desync(...)``,
        ``.accuracy["offset"]`` (exact frame) and ``["offset_within_1"]``.

    Notebook: 04_evaluation
    """
    if world not in SYNC_WORLDS:
        raise ValueError(f"no sync judge for world {world!r}; worlds with visible sound events: {SYNC_WORLDS}")
    from .degrade import time_shift

    K = _SYNC_MAX

    def prepare(batch, spec, hs, part):
        if batch.frames.ndim != 5:
            raise ValueError(f"world {world!r} has no videos (frames {batch.frames.shape})")
        v = _sync_video_in(batch.frames, batch.fps, spec["fps"], spec["n_frames"])
        if part == "train":  # shifts are drawn per batch, in the feature domain (see augment)
            S = _logmel_of(batch, spec)
            a = _sync_audio_in(None, batch.sr, spec["sr"], spec["n_samples"], spec["n_frames"], logmel=S)
            fill = a[:, :16].amin(dim=2)  # the quietest band energies: the clip's background
            y = np.zeros(len(batch), dtype=np.int64)
            return (v, a, fill), {"offset": torch.from_numpy(y)}, {"offset": y}
        # held-out clips: really shift the waveforms, to test the judge as it will be used
        shifts = repro.rng(seed, "judge-sync-shifts", part).integers(-K, K + 1, size=len(batch))
        shifted = np.stack([time_shift(x, batch.sr, k / spec["fps"])[0] for x, k in zip(batch.audio, shifts)])
        a = _sync_audio_in(shifted, batch.sr, spec["sr"], spec["n_samples"], spec["n_frames"])
        y = (shifts + K).astype(np.int64)
        return (v, a), {"offset": torch.from_numpy(y)}, {"offset": y}

    def augment(xs, ys, gen):
        v, a, fill = xs
        k = torch.randint(-K, K + 1, (len(v),), generator=gen)
        return (v, _shift_features(a, fill, k)), {"offset": k + K}

    def make(hs, spec):
        return SyncNet(v_in=256, a_in=32, max_shift=K)

    def heads_of(batch, spec):
        return {"offset": tuple(f"{k / spec['fps']:+.2f} s" for k in range(-K, K + 1))}

    return _build("sync", world, profile, seed, device, make, prepare, SyncJudge, heads_of, {"max_shift": K},
                  augment=augment)


_MAKERS: dict[str, Callable[..., Judge]] = {"audio": audio_judge, "image": image_judge, "video": video_judge,
                                            "sync": sync_judge}


def judge_panel(world: str, kinds: Sequence[str], profile: str = "quick", seed: int = 0,
                device="cpu") -> dict[str, Judge]:
    """Several judges of one world, trained side by side (one CPU core each) where not cached.

    Each judge trains on one thread (small layers: see ``metrics.features.single_thread``), so
    on a 2-core laptop two judges train in about the time of the slower one
    (``fnu.train.side_by_side``). They share the world's clips and log-mels, generated once.
    The weights are the same as when each judge is asked for on its own: the judges draw their
    batches and initial weights from their own seeds, and none has dropout.

    Args:
        world, profile, seed, device: as for :func:`audio_judge`.
        kinds: distinct names from ``("audio", "image", "video", "sync")``.

    Returns:
        kind → judge, in the order of ``kinds``.

    Notebook: 04_evaluation
    """
    from ..train import side_by_side

    kinds = list(kinds)
    unknown = [k for k in kinds if k not in _MAKERS]
    if unknown or not kinds or len(set(kinds)) != len(kinds):
        raise ValueError(f"kinds must be distinct names from {tuple(_MAKERS)}, got {kinds}")
    jobs = {k: (lambda k=k: _MAKERS[k](world, profile=profile, seed=seed, device=device)) for k in kinds}
    with single_thread() if torch.device(device).type == "cpu" else contextlib.nullcontext():
        return side_by_side(jobs)
