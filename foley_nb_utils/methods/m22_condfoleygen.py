"""CondFoleyGen (Du, Chen, Salamon, Russell & Owens, CVPR 2023): conditional Foley by analogy.

Given a silent **target** video and a **condition** clip (video + its sound), generate a soundtrack
whose *timing* follows the target video and whose *timbre* (material, action) follows the
condition's sound. The paper trains this self-supervised: condition and target are two clips of
the same recording (so they share material and action), and a transformer over codebook tokens
learns to continue ``[condition video | target video | condition audio | target audio]``.

The pieces, and where they live:

=================================  ==================================================================
piece                              here
=================================  ==================================================================
data: two halves of a recording    :func:`recordings` (the hits world, 4 s recordings of six
                                   materials), :func:`halves` (2 s condition / target clips),
                                   :func:`test_pairs` (each target with its own other half and
                                   two clips of other materials)
audio representation               :func:`logmel` (the audio judge's 64-band log-mel),
                                   :func:`pool_bands` / :func:`unpool_bands` (16 bands, as the
                                   sync judge reads them), :func:`to_unit` / :func:`from_unit`
stage 1: codebook                  :func:`train_codebook` (``tokens.SpecCodebook``, 2 × 16 tokens
                                   per 2 s clip: one column per 0.128 s)
video features                     :class:`OnsetNet` (a per-frame hit detector, frozen; stands in
                                   for the paper's R(2+1)D-18), :func:`video_features`
stage 2: the transformer           :func:`train_prior` (``tokens.GPTPrior``; prefix = both videos'
                                   features, prompt = condition tokens, loss on target tokens only);
                                   ``conditional=False``: the video-only ablation (SpecVQGAN-like)
sampling and re-ranking            :func:`sample`, :func:`rerank` (the sync judge picks the
                                   best-synchronised of several samples)
onset-transfer baseline            :func:`onset_transfer_baseline` (``metrics.degrade.onset_transfer``
                                   at the hits the video detector finds)
evaluation                         :func:`onsets_from_logmel`, :func:`onset_ap_per_clip`,
                                   :func:`material_correct`, :func:`fooled`
one call for notebook 24           :func:`trained_models`, :func:`generate`
=================================  ==================================================================

Shapes: log-mels ``[N, 64, 126]`` dB (16 kHz, n_fft 1024, hop 256, 2 s: the audio judge's input);
pooled ``[N, 16, 128]``; token grids ``[N, 2, 16]``; token sequences ``[N, 32]``; video features
``[N, 30, 16]`` (15 fps). Randomness only through explicit generators.

Notebook: 22_2023_condfoleygen
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .. import nn as fnn
from .. import repro
from .. import tokens as tk
from ..train import build_seeded, fit

__all__ = ["CLIP_S", "FPS", "MATERIALS", "SR", "Clips", "Models", "OnsetNet", "fooled", "from_unit", "generate", "griffin_lim",
           "halves", "logmel", "material_correct", "onset_ap_per_clip", "onset_transfer_baseline",
           "onsets_from_logmel", "pool_bands", "recordings", "rerank", "sample", "test_pairs", "to_unit",
           "train_codebook", "train_onset_net", "train_prior", "trained_models", "unpool_bands",
           "video_features"]

SR = 16000
"""Audio rate in Hz (the hits world's and the judges')."""
FPS = 15.0
"""Video rate in Hz (CondFoleyGen resamples Greatest Hits to 15 fps too)."""
CLIP_S = 2.0
"""Clip length in s (CondFoleyGen's ``L: 2.0``)."""
MATERIALS: tuple[str, ...] = ("wood", "metal", "glass", "cloth", "dirt", "leaf")
"""The six materials of our recordings: dull, ringing, bright-ringing, muffled, granular, rustling."""
N_FRAMES = int(CLIP_S * FPS)      # 30 video frames per clip
N_SAMPLES = int(CLIP_S * SR)      # 32000 samples per clip
N_MELS, BANDS, T_FRAMES = 64, 16, 128   # judge bands, pooled bands, padded log-mel frames
HOP = 256
TRAIN_S = 6.0                     # training recordings: condition and target windows at random places
CEIL_DB = 30.0                    # the dB range mapped to [-1, 1] (the loudest hits reach about 25 dB)
FLOOR_DB = CEIL_DB - 80.0


# ------------------------------------------------------------------------------------------ data
def recordings(n: int, seed: int, start: int = 0, duration_s: float = 2 * CLIP_S, profile: str = "quick"):
    """``n`` hits-world recordings on :data:`MATERIALS` (one surface, one stick, several hits each).

    Args:
        n: number of recordings.
        seed: the world's seed; recording ``i`` depends only on (seed, start + i, duration).
        start: index of the first recording (training and test recordings use disjoint ranges).
        duration_s: length in s (4 s: two 2 s clips, the test recordings; 6 s for training, where
            condition and target windows are drawn at random places).
        profile: the world's profile (``quick``: 64 px, 15 fps, 16 kHz).

    Returns:
        A ``SceneBatch`` with ``frames [n, 15·duration_s, 64, 64, 3]``, ``audio [n, 16000·duration_s]``.

    Notebook: 22_2023_condfoleygen
    """
    from ..synth import hits

    return hits.generate(n, seed, profile, start=start, duration_s=float(duration_s), fps=FPS, sr=SR,
                         max_events=int(2 * duration_s), materials=list(MATERIALS))


@dataclass
class Clips:
    """2 s clips: ``frames [N, 30, H, W, 3]`` uint8, ``audio [N, 32000]`` float32, ``times``
    (per clip the onset times in s of its visible hits and scratches), ``material`` /
    ``action`` ``[N]`` (indices into :data:`MATERIALS` and the world's actions), ``recording`` ``[N]``.

    Notebook: 22_2023_condfoleygen
    """

    frames: np.ndarray
    audio: np.ndarray
    times: list
    material: np.ndarray
    action: np.ndarray
    recording: np.ndarray
    info: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.audio)

    def take(self, idx) -> "Clips":
        idx = np.asarray(idx, dtype=np.int64)
        return Clips(self.frames[idx], self.audio[idx], [self.times[i] for i in idx], self.material[idx],
                     self.action[idx], self.recording[idx], dict(self.info))


def halves(batch) -> tuple[Clips, Clips]:
    """Split 4 s recordings into their first and second 2 s halves (same material and action).

    Args:
        batch: from :func:`recordings` (or a loader giving 4 s clips at 15 fps / 16 kHz).

    Returns:
        ``(first, second)`` :class:`Clips`, clip ``i`` of each from recording ``i``.

    Notebook: 22_2023_condfoleygen
    """
    from ..datasets.greatest_hits import MATERIALS as GH_MATERIALS

    n = len(batch.audio)
    if batch.frames.shape[1] < 2 * N_FRAMES or batch.audio.shape[1] < 2 * N_SAMPLES:
        raise ValueError(f"halves needs 4 s recordings at {FPS:g} fps / {SR} Hz, got frames "
                         f"{batch.frames.shape} and audio {batch.audio.shape}")
    mat = np.array([MATERIALS.index(GH_MATERIALS[k]) if k >= 0 and GH_MATERIALS[k] in MATERIALS else -1
                    for k in batch.labels["material"]], np.int64)
    out = []
    for h in range(2):
        t0 = h * CLIP_S
        times = [[round(e.time_s - t0, 6) for e in evs if e.visible and t0 <= e.time_s < t0 + CLIP_S]
                 for evs in batch.events]
        out.append(Clips(np.ascontiguousarray(batch.frames[:, h * N_FRAMES:(h + 1) * N_FRAMES]),
                         np.ascontiguousarray(batch.audio[:, h * N_SAMPLES:(h + 1) * N_SAMPLES]), times, mat,
                         np.asarray(batch.labels["action"], np.int64), np.arange(n)))
    return out[0], out[1]


def test_pairs(first: Clips, second: Clips, seed: int) -> dict[str, np.ndarray]:
    """The test set: every target (a second half) with three conditions, as CondFoleyGen's 194 × 3.

    Condition 0 is the target's own first half (matched: same recording); conditions 1 and 2
    are first halves of two other recordings of two *different* materials (mismatched), drawn
    with ``seed``.

    Returns:
        ``{"target": [3N], "condition": [3N], "kind": [3N]}`` (indices into the clips; kind 0 =
        matched, 1 = mismatched), ordered condition-major: entry ``j·N + i`` is target ``i``
        with its ``j``-th condition.

    Notebook: 22_2023_condfoleygen
    """
    n = len(second)
    r = repro.rng(seed, "m22", "pairs")
    cond = np.zeros((3, n), np.int64)
    cond[0] = np.arange(n)
    for i in range(n):
        others = np.flatnonzero(first.material != second.material[i])
        if len(others) < 2:
            raise ValueError("test_pairs needs recordings of at least two materials")
        cond[1:, i] = r.choice(others, 2, replace=False)
    return {"target": np.tile(np.arange(n), 3), "condition": cond.reshape(-1),
            "kind": np.repeat(np.array([0, 1, 1]), n)}


# ------------------------------------------------------------------------------ audio representation
def logmel(audio, n_samples: int | None = N_SAMPLES) -> torch.Tensor:
    """The audio judge's log-mel (64 bands, n_fft 1024, hop 256, 16 kHz) of waveforms cut or
    padded to ``n_samples``: 2 s ``[N, 32000]`` → ``[N, 64, 126]`` dB (None: keep the length).

    Notebook: 22_2023_condfoleygen
    """
    from ..metrics.features import log_mel_batch

    x = np.asarray(audio, dtype=np.float32)
    if x.ndim != 2:
        raise ValueError(f"audio must be [N, samples], got {x.shape}")
    if n_samples is not None:
        x = x[:, :n_samples] if x.shape[1] >= n_samples else np.pad(x, ((0, 0), (0, n_samples - x.shape[1])))
    return log_mel_batch(x, SR, n_mels=N_MELS, n_fft=1024, hop=HOP)


def pool_bands(S: torch.Tensor) -> torch.Tensor:
    """64 → 16 mel bands (mean of 4 in dB, as the sync judge reads sound), frames padded (last
    frame repeated) to a multiple of 8: ``[N, 64, 126]`` → ``[N, 16, 128]``."""
    P = S.reshape(S.shape[0], BANDS, N_MELS // BANDS, S.shape[2]).mean(2)
    T = -(-P.shape[2] // 8) * 8
    return torch.cat([P, P[:, :, -1:].expand(-1, -1, T - P.shape[2])], 2) if P.shape[2] < T else P


def unpool_bands(P: torch.Tensor, frames: int = 1 + N_SAMPLES // HOP) -> torch.Tensor:
    """Back to the judge's shape: each band repeated 4 times, cut to ``frames``:
    ``[N, 16, 128]`` → ``[N, 64, 126]`` dB."""
    return P.repeat_interleave(N_MELS // BANDS, dim=1)[:, :, :frames].contiguous()


def to_unit(P: torch.Tensor) -> torch.Tensor:
    """Pooled dB log-mels ``[N, 16, 128]`` → codebook input ``[N, 1, 16, 128]`` in [-1, 1]."""
    return fnn.db_to_unit(P, FLOOR_DB, CEIL_DB)[:, None].float()


def from_unit(u: torch.Tensor) -> torch.Tensor:
    """Codebook output ``[N, 1, 16, 128]`` in [-1, 1] → pooled dB ``[N, 16, 128]``."""
    return fnn.unit_to_db(u[:, 0], FLOOR_DB, CEIL_DB)


# ------------------------------------------------------------------------------ stage 1: codebook
def train_codebook(units: torch.Tensor, *, steps: int, seed: int, batch_size: int = 32, n_codes: int = 64,
                   code_dim: int = 16, widths=(16, 32, 32), crop: int = 32, lr: float = 2e-3,
                   name: str | None = None, config: dict | None = None, device="cpu"):
    """Train the spectrogram codebook (stage 1) on random time crops of the training clips.

    The codebook is :class:`foley_nb_utils.tokens.SpecCodebook` (notebook 20 builds it step by
    step); three stride-2 levels turn a 16 × 128 patch into a 2 × 16 grid of tokens. Being
    convolutional, it trains on ``crop``-frame crops (4× cheaper) and encodes whole clips.
    Dead codes are restarted on encoder outputs every 50 steps.

    Args:
        units: ``[N, 1, 16, 128]`` training log-mels in [-1, 1] (:func:`to_unit`).
        steps, batch_size, lr: the optimisation.
        seed: initialisation, crops and restarts.
        n_codes, code_dim, widths: the codebook's sizes.
        crop: crop length in frames (a multiple of 8).
        name, config: checkpoint name and key (:func:`foley_nb_utils.train.fit`).

    Returns:
        ``(codebook in eval mode, history)``.

    Notebook: 22_2023_condfoleygen
    """
    if crop % 8 or not 8 <= crop <= units.shape[-1]:
        raise ValueError(f"crop must be a multiple of 8 within 8..{units.shape[-1]}, got {crop}")
    cb = build_seeded(seed, lambda: tk.SpecCodebook(n_codes, code_dim, widths))
    g = repro.torch_generator(seed, "m22", "codebook")
    N, W = len(units), units.shape[-1]

    def batch(step: int):
        i = torch.randint(0, N, (batch_size,), generator=g)
        s = torch.randint(0, (W - crop) // 8 + 1, (batch_size,), generator=g) * 8
        x = torch.stack([units[a, :, :, b:b + crop] for a, b in zip(i.tolist(), s.tolist())])
        return x, step

    def loss_fn(model, b):
        x, step = b
        loss, logs = tk.codebook_loss(model, x)
        if step % 50 == 49:
            with torch.no_grad():
                z = model.encoder(x)
                model.quantizer.restart_dead_codes(z, model.quantizer.nearest(z.permute(0, 2, 3, 1)), g)
        return loss, logs

    hist = fit(cb, batch, loss_fn, steps=steps, lr=lr, device=device, name=name,
               config={**(config or {}), "part": "codebook", "crop": crop, "batch": batch_size}, progress=False)
    return cb.cpu().eval(), hist


@torch.no_grad()
def encode(cb: tk.SpecCodebook, units: torch.Tensor) -> torch.Tensor:
    """Token sequences of clips: ``[N, 1, 16, 128]`` → ``[N, 32]`` long (time column by column)."""
    return tk.grid_to_sequence(torch.cat([cb.encode(units[i:i + 256]) for i in range(0, len(units), 256)]))


@torch.no_grad()
def decode(cb: tk.SpecCodebook, seq: torch.Tensor) -> torch.Tensor:
    """Log-mels of token sequences: ``[N, 32]`` → ``[N, 64, 126]`` dB (the judges' input)."""
    h, w = cb.grid_shape(BANDS, T_FRAMES)
    grid = tk.sequence_to_grid(seq, h, w)
    return unpool_bands(from_unit(torch.cat([cb.decode(grid[i:i + 256]) for i in range(0, len(grid), 256)])))


# ------------------------------------------------------------------------------ video features
class OnsetNet(nn.Module):
    """A per-frame hit detector: is the stick touching the surface in this frame?

    Input per frame: the grey frame at 32 × 32 and its differences to the previous and the next
    frame (3 channels, differences ×4, as notebook 05's motion channels); three convolutions
    (two strided) with BatchNorm, a global *max* over the map (a local detector of "the tip
    touches its shadow" fires wherever the stick lands; an average would dilute it), a 16-d
    feature and one logit. The 16-d feature of each frame is the transformer's video condition (CondFoleyGen uses
    R(2+1)D-18 features of 512 d per frame; ours see motion, not much texture).

    Shape: ``forward(x [B, 3, 32, 32])`` → ``(logit [B], feature [B, 16])``.

    Notebook: 22_2023_condfoleygen
    """

    def __init__(self, width: int = 16, dim: int = 16):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, width, 3, 2, 1), nn.BatchNorm2d(width), nn.ReLU(),
                                  nn.Conv2d(width, 2 * width, 3, 2, 1), nn.BatchNorm2d(2 * width), nn.ReLU(),
                                  nn.Conv2d(2 * width, 2 * width, 3, 1, 1), nn.BatchNorm2d(2 * width), nn.ReLU(),
                                  nn.AdaptiveMaxPool2d(1), nn.Flatten(), nn.Linear(2 * width, dim), nn.ReLU())
        self.head = nn.Linear(dim, 1)
        self.dim = dim

    def forward(self, x: torch.Tensor):
        f = self.body(x)
        return self.head(f).squeeze(1), f


def frame_inputs(frames: np.ndarray) -> torch.Tensor:
    """``[N, T, H, W, 3]`` uint8 → ``[N, T, 3, 32, 32]``: grey frame, minus previous, next minus it."""
    f = np.asarray(frames)
    if f.ndim != 5 or f.shape[-1] != 3:
        raise ValueError(f"frames must be [N, T, H, W, 3], got {f.shape}")
    N, T, H, W = f.shape[:4]
    w = torch.tensor([0.299, 0.587, 0.114]) / 255.0
    g = torch.cat([F.adaptive_avg_pool2d((torch.from_numpy(f[i:i + 32]).float() * w).sum(-1).reshape(-1, 1, H, W), 32)
                   for i in range(0, N, 32)]).reshape(N, T, 32, 32)  # grey, 32 × 32, in chunks (bounded memory)
    prev = torch.cat([g[:, :1], g[:, :-1]], 1)
    nxt = torch.cat([g[:, 1:], g[:, -1:]], 1)
    return torch.stack([g, 4 * (g - prev), 4 * (nxt - g)], 2)


def hit_frames(times: list, n_frames: int, fps: float = FPS) -> torch.Tensor:
    """``[N, T]`` float: 1 at the frame nearest each hit time."""
    y = torch.zeros(len(times), n_frames)
    for i, ts in enumerate(times):
        for t in ts:
            k = int(round(t * fps))
            if 0 <= k < n_frames:
                y[i, k] = 1.0
    return y


def train_onset_net(frames: np.ndarray, times: list, *, steps: int, seed: int, batch_size: int = 128,
                    lr: float = 5e-3, name: str | None = None, config: dict | None = None, device="cpu"):
    """Train :class:`OnsetNet` on frames labelled 1 at hit frames (weighted BCE), then freeze it.

    Args:
        frames: ``[N, T, H, W, 3]`` training videos.
        times: per video its hit times (s).
        steps, batch_size, lr, seed, name, config, device: the optimisation and its checkpoint.

    Returns:
        ``(net in eval mode, history)``.

    Notebook: 22_2023_condfoleygen
    """
    x = frame_inputs(frames).flatten(0, 1)
    y = hit_frames(times, frames.shape[1]).flatten()
    pos_weight = torch.tensor(float((1 - y).sum() / max(1.0, float(y.sum()))))
    net = build_seeded(seed, OnsetNet)
    g = repro.torch_generator(seed, "m22", "onset")

    def batch(step: int):
        i = torch.randint(0, len(x), (batch_size,), generator=g)
        return x[i], y[i]

    def loss_fn(m, b):
        logit, _ = m(b[0])
        return F.binary_cross_entropy_with_logits(logit, b[1], pos_weight=pos_weight)

    hist = fit(net, batch, loss_fn, steps=steps, lr=lr, device=device, name=name,
               config={**(config or {}), "part": "onset", "batch": batch_size}, progress=False)
    return net.cpu().eval(), hist


@torch.no_grad()
def video_features(net: OnsetNet, frames: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-frame features and hit probabilities: ``[N, T, H, W, 3]`` → ``([N, T, 16], [N, T])``."""
    x = frame_inputs(frames)
    N, T = x.shape[:2]
    outs = [net(x.flatten(0, 1)[i:i + 2048]) for i in range(0, N * T, 2048)]
    logit = torch.cat([o[0] for o in outs]).reshape(N, T)
    feat = torch.cat([o[1] for o in outs]).reshape(N, T, -1)
    return feat, torch.sigmoid(logit)


def detected_hits(prob: torch.Tensor, threshold: float = 0.5, fps: float = FPS) -> list[np.ndarray]:
    """Hit times (s) from per-frame hit probabilities ``[N, T]``: local maxima above ``threshold``."""
    p = prob.numpy()
    out = []
    for row in p:
        left = np.r_[-np.inf, row[:-1]]
        right = np.r_[row[1:], -np.inf]
        out.append(np.flatnonzero((row >= threshold) & (row > left) & (row >= right)) / fps)
    return out


# ------------------------------------------------------------------------------ stage 2: the prior
def token_features(feat: torch.Tensor, prob: torch.Tensor, fps: float = FPS) -> torch.Tensor:
    """The video condition of each token: ``[N, T, 16]`` features and ``[N, T]`` hit
    probabilities at ``fps`` → ``[N, 2·W, 20]`` for ``W`` token columns (16 per 2 s clip).

    A token column covers 0.128 s (8 log-mel frames of 16 ms); its condition is the video
    feature and the hit probability at four 32 ms sub-steps of it, linearly interpolated from
    the frames (frame ``k`` at ``k / fps`` s), feature averaged over the sub-steps: the model
    knows *where in the column* a hit falls. Both rows of a column (sequence order: frequency
    within time) get the column's vector.

    Notebook: 22_2023_condfoleygen
    """
    N, T = prob.shape
    sub_s = 8 * HOP / SR / 4
    W = int(round(T / fps / (4 * sub_s)))  # 15.6 → 16 columns for 2 s
    t = (torch.arange(4 * W, dtype=torch.float64) * sub_s) * fps  # sub-step start times, in frames
    lo = t.floor().long().clamp(0, T - 1)
    hi = (lo + 1).clamp(max=T - 1)
    w = (t - t.floor()).float().clamp(0, 1)
    p = prob[:, lo] * (1 - w) + prob[:, hi] * w  # [N, 4W]
    f = feat[:, lo] * (1 - w)[:, None] + feat[:, hi] * w[:, None]  # [N, 4W, 16]
    col = torch.cat([f.reshape(N, W, 4, -1).mean(2), p.reshape(N, W, 4)], 2)  # [N, W, 20]
    return col.repeat_interleave(BANDS // 8, dim=1)


def train_prior(tf: torch.Tensor, tok: torch.Tensor, *, conditional: bool, steps: int, seed: int,
                batch_size: int = 32, d_model: int = 64, n_layers: int = 2, n_heads: int = 4, n_codes: int = 64,
                lr: float = 3e-3, name: str | None = None, config: dict | None = None, device="cpu"):
    """Train the transformer over ``[condition video | target video | condition audio | target audio]``.

    Training pairs are drawn afresh every step from whole recordings (CondFoleyGen's pretext
    task with ``rand_shift``): a 2 s target window (16 token columns) at a random column, and a
    2 s condition window of the *same* recording at another random place that does not overlap
    it (same material and action, other hits). The sequence is the 32 condition tokens (the
    prompt), then the 32 target tokens; each token's input also carries the video feature of its
    time (:func:`token_features`: the condition video under the condition tokens, the target
    video under the target tokens). CondFoleyGen puts the 2 × 30 per-frame video features in
    front of the tokens instead (a prefix) and lets its 24-layer transformer find the alignment;
    a 2-layer model trained for a few hundred steps does not find it, so we add each frame where
    it is needed (``tokens.GPTPrior(token_cond_dim=...)``). The cross-entropy is taken on the
    target tokens only (``loss(..., from_index=32)``), as in ``av_cond_transformer.py``. With
    ``conditional=False`` the sequence is the target window alone: the video-only ablation
    (SpecVQGAN-like).

    Args:
        tf: ``[N, 2·C, 20]`` per-token video features of whole recordings (C ≥ 32 columns).
        tok: ``[N, 2·C]`` their token sequences.
        conditional: with the condition clip or not.
        steps, batch_size, lr, seed: the optimisation (AdamW, weight decay 0.01 as in the paper; no dropout).
        d_model, n_layers, n_heads, n_codes: the transformer's sizes.
        name, config, device: checkpoint and device.

    Returns:
        ``(prior in eval mode, history)``.

    Notebook: 22_2023_condfoleygen
    """
    W, h = T_FRAMES // 8, BANDS // 8      # 16 columns of 2 tokens per window
    C = tok.shape[1] // h
    if C < 2 * W:
        raise ValueError(f"recordings must span at least {2 * W} token columns (4 s), got {C}")
    L = W * h
    block = 1 + (2 * L if conditional else L)
    prior = build_seeded(seed, lambda: tk.GPTPrior(n_codes, block, d_model=d_model, n_layers=n_layers,
                                                     n_heads=n_heads, token_cond_dim=tf.shape[2]))
    g = repro.torch_generator(seed, "m22", "prior", conditional)
    r = repro.rng(seed, "m22", "windows", conditional)
    offs = torch.arange(L)

    def batch(step: int):
        i = torch.from_numpy(r.integers(0, len(tok), batch_size))
        ct = r.integers(0, C - W + 1, batch_size)
        # a condition start at least W columns away from the target's, inside the recording
        cc = np.array([r.choice(np.r_[0:max(0, c - W + 1), c + W:C - W + 1]) for c in ct])
        ti = torch.from_numpy(ct * h)[:, None] + offs
        ci = torch.from_numpy(cc * h)[:, None] + offs
        rows = i[:, None]
        t_tok, t_tf = tok[rows, ti], tf[rows, ti]
        if conditional:
            return torch.cat([tf[rows, ci], t_tf], 1), torch.cat([tok[rows, ci], t_tok], 1)
        return t_tf, t_tok

    def loss_fn(m, b):
        return m.loss(b[1], from_index=L if conditional else 0, token_cond=b[0])

    hist = fit(prior, batch, loss_fn, steps=steps, lr=lr, weight_decay=0.01, device=device, name=name,
               config={**(config or {}), "part": "prior", "conditional": conditional, "batch": batch_size},
               progress=False)
    return prior.cpu().eval(), hist


@torch.no_grad()
def sample(prior: tk.GPTPrior, tgt_tf: torch.Tensor, generator: torch.Generator, *,
           cond_tf: torch.Tensor | None = None, cond_tok: torch.Tensor | None = None, n_samples: int = 1,
           temperature: float = 1.0, top_k: int | None = None) -> torch.Tensor:
    """Sample target tokens: ``[N, 32, 20]`` per-token video features (+ condition) → ``[n_samples, N, 32]``.

    With a condition (a conditional prior) the condition's 32 tokens are the prompt, under the
    condition video's features; without one, only the target video's features.

    Notebook: 22_2023_condfoleygen
    """
    conditional = cond_tok is not None
    if conditional != (cond_tf is not None):
        raise ValueError("give both cond_tf and cond_tok, or neither")
    L = tgt_tf.shape[1]
    tc = (torch.cat([cond_tf, tgt_tf], 1) if conditional else tgt_tf).repeat(n_samples, 1, 1)
    prompt = cond_tok.repeat(n_samples, 1) if conditional else None
    out = []
    for i in range(0, len(tc), 2048):  # bounded memory
        out.append(prior.generate(L, generator, prompt=None if prompt is None else prompt[i:i + 2048],
                                  batch=len(tc[i:i + 2048]), token_cond=tc[i:i + 2048],
                                  temperature=temperature, top_k=top_k))
    return torch.cat(out).reshape(n_samples, len(tgt_tf), L)


def sync_scores(judge, frames: np.ndarray, lms: torch.Tensor) -> np.ndarray:
    """The sync judge's probability that sound and picture are in sync (offset 0), per clip.

    Args:
        judge: ``metrics.judges.sync_judge(...)``.
        frames: ``[N, 30, H, W, 3]`` target videos.
        lms: ``[N, 64, 126]`` dB log-mels of candidate soundtracks.

    Returns:
        float64 ``[N]``.

    Notebook: 22_2023_condfoleygen
    """
    p = judge.offset_probs(frames, None, FPS, SR, logmel=lms)
    return p[:, judge.spec["max_shift"]]


def rerank(scores: np.ndarray) -> np.ndarray:
    """Index of the best candidate per clip: ``[K, N]`` scores → ``[N]`` (CondFoleyGen re-ranks
    its samples with SparseSync and keeps the best-synchronised one)."""
    return np.asarray(scores).argmax(0)


# ------------------------------------------------------------------------------ baseline
def onset_transfer_baseline(cond: Clips, cond_hits: list, tgt_hits: list) -> np.ndarray:
    """CondFoleyGen's onset-transfer baseline: paste the condition's first hit sound at each hit
    the video detector finds in the target (``metrics.degrade.onset_transfer``).

    Args:
        cond: the condition clips (their audio is the donor).
        cond_hits: per condition clip, detected hit times (s); the first is where the donor starts
            (a clip without detections donates from its loudest frame).
        tgt_hits: per target, detected hit times (s).

    Returns:
        float32 ``[N, 32000]`` waveforms.

    Notebook: 22_2023_condfoleygen
    """
    from ..metrics.degrade import onset_transfer

    out = np.zeros((len(cond), N_SAMPLES), np.float32)
    for i in range(len(cond)):
        a = cond.audio[i]
        if len(cond_hits[i]):
            t0 = float(cond_hits[i][0])
        else:
            t0 = float(np.abs(a).argmax()) / SR
        t0 = max(0.0, t0 - 0.02)  # start just before the hit
        out[i] = onset_transfer(a, t0, tgt_hits[i], SR, N_SAMPLES)
    return out


# ------------------------------------------------------------------------------ evaluation
def onsets_from_logmel(lms: torch.Tensor, delta: float = 0.3, wait_s: float = 0.05):
    """Onsets of log-mels ``[N, 64, F]`` dB: spectral flux of the 16-band amplitude envelope,
    peak-picked (``audio.detect_onsets_from_envelope``; CondFoleyGen runs librosa's detector with
    delta 0.3 on waveforms). Confidence = the envelope's rise at the onset.

    Returns:
        ``(times, confidences)``: per clip float64 arrays.

    Notebook: 22_2023_condfoleygen
    """
    from ..audio import detect_onsets_from_envelope

    env_sr = SR / HOP
    amp = torch.pow(10.0, pool_bands(lms)[:, :, :lms.shape[2]] / 20.0).numpy()
    times, confs = [], []
    for e in amp:
        t = detect_onsets_from_envelope(e, env_sr, delta=delta, wait_s=wait_s, compression=None)
        s = e.sum(0)
        rise = np.maximum(np.diff(s, prepend=s[0]), 0)
        k = np.clip(np.round(t * env_sr).astype(int), 0, len(s) - 1)
        times.append(t)
        confs.append(rise[k] / max(rise.max(), 1e-12))
    return times, confs


def onset_ap_per_clip(target_times: list, lms: torch.Tensor, tol_s: float = 0.1) -> dict[str, np.ndarray]:
    """CondFoleyGen's onset metrics per clip: ``onset_ap`` (NaN for a clip without target hits),
    ``onset_acc`` (1 when the onset count is right), ``n_onsets``.

    Notebook: 22_2023_condfoleygen
    """
    from ..metrics.onsets import onset_scores

    t, c = onsets_from_logmel(lms)
    s = onset_scores(target_times, t, c, tol_s, per_clip=True)
    return {"onset_ap": s["per_clip"]["onset_ap"],
            "onset_acc": np.array([float(len(a) == len(b)) for a, b in zip(target_times, t)]),
            "n_onsets": np.array([len(a) for a in t], float)}


def material_correct(judge, lms: torch.Tensor, material: np.ndarray) -> np.ndarray:
    """1/0 per clip: does the audio judge, choosing among :data:`MATERIALS`, name ``material``
    (indices into :data:`MATERIALS`)? Chance is 1/6."""
    from ..datasets.greatest_hits import MATERIALS as GH_MATERIALS

    cols = [GH_MATERIALS.index(m) for m in MATERIALS]  # the judge chooses among our six materials
    p = judge.predict_logmel(lms)["material"][:, cols]
    return (p.argmax(1) == np.asarray(material)).astype(float)


def fooled(real_lms: torch.Tensor, fake_lms: torch.Tensor, seed: int) -> np.ndarray:
    """Per pair, whether a real-vs-fake discriminator takes the fake for the real one (1 / 0.5 / 0):
    ``metrics.realfake.fooled_pairs`` on summary features of the 16-band log-mels (the band
    resolution our codebook keeps, so the comparison does not reward the baseline's full-band
    real audio for a resolution ours never had)."""
    from ..metrics.features import summary_from_logmel
    from ..metrics.realfake import fooled_pairs

    f = lambda S: summary_from_logmel(pool_bands(S)[:, :, :S.shape[2]])  # noqa: E731
    return fooled_pairs(f(real_lms), f(fake_lms), rng=repro.rng(seed, "m22", "fooled"))


# ------------------------------------------------------------------------------ for notebook 24
@dataclass
class Models:
    """What :func:`trained_models` returns: the frozen video detector, the codebook, the two
    priors (``prior``: with the condition clip; ``prior_video_only``: without), and facts
    (training seconds, histories).

    Notebook: 22_2023_condfoleygen
    """

    onset_net: OnsetNet
    codebook: tk.SpecCodebook
    prior: tk.GPTPrior
    prior_video_only: tk.GPTPrior
    info: dict[str, Any] = field(default_factory=dict)


SETTINGS = {
    "quick": dict(n_train=240, n_test=160, onset_steps=250, codebook_steps=200, prior_steps=400, batch=32,
                  d_model=64, n_layers=2, n_codes=64, threads=1),
    "full": dict(n_train=4000, n_test=500, onset_steps=2000, codebook_steps=5000, prior_steps=8000, batch=64,
                 d_model=256, n_layers=6, n_codes=128, threads=0),
}
"""Training settings per profile (``quick``: a 2-core CPU; ``full``: one GPU)."""


def trained_models(profile: str = "quick", seed: int = 0, device="cpu", train=None) -> Models:
    """Train (or load from the checkpoint cache) everything the notebook trains, for (profile, seed).

    Steps: the video hit detector on the training recordings' frames and the codebook on their
    log-mels, side by side (one core each); then the two priors, side by side, on condition /
    target windows drawn from the same recordings (:func:`train_prior`).

    Args:
        profile: ``"quick"`` or ``"full"`` (:data:`SETTINGS`).
        seed: the run's seed (data, initialisation, batches).
        device: where to train.
        train: the training recordings (a ``SceneBatch`` or loader output of 6 s recordings at
            15 fps / 16 kHz; default: :func:`recordings` with the profile's ``n_train``, seed
            ``seed``, start 0, 6 s).

    Returns:
        :class:`Models` (all on CPU, eval mode).

    Notebook: 22_2023_condfoleygen
    """
    import time

    from ..train import side_by_side

    cfg = SETTINGS[repro.check_profile(profile)]
    if train is None:
        train = recordings(cfg["n_train"], seed, 0, duration_s=TRAIN_S)
    key = dict(seed=seed, profile=profile, n=len(train.audio), **cfg)
    t0 = time.perf_counter()
    threads = torch.get_num_threads()
    if cfg["threads"]:
        torch.set_num_threads(cfg["threads"])
    try:
        times = [[e.time_s for e in evs if e.visible] for evs in train.events]
        u = to_unit(pool_bands(logmel(train.audio, None)))
        first = side_by_side({  # independent of each other: the detector and the codebook at once
            "detector": lambda: train_onset_net(train.frames, times, steps=cfg["onset_steps"], seed=seed,
                                                name="m22_onset", config=key, device=device),
            "codebook": lambda: train_codebook(u, steps=cfg["codebook_steps"], seed=seed, n_codes=cfg["n_codes"],
                                               name="m22_codebook", config=key, device=device)})
        (net, _), (cb, cb_hist) = first["detector"], first["codebook"]
        t2 = time.perf_counter()
        tf = token_features(*video_features(net, train.frames))
        tok = encode(cb, u)
        n = min(tf.shape[1], tok.shape[1])
        tf, tok = tf[:, :n], tok[:, :n]
        common = dict(steps=cfg["prior_steps"], seed=seed, batch_size=cfg["batch"], d_model=cfg["d_model"],
                      n_layers=cfg["n_layers"], n_codes=cfg["n_codes"], config=key, device=device)
        jobs = {"conditional": lambda: train_prior(tf, tok, conditional=True, name="m22_prior", **common),
                "video only": lambda: train_prior(tf, tok, conditional=False, name="m22_prior_video_only", **common)}
        out = side_by_side(jobs)
        t3 = time.perf_counter()
    finally:
        torch.set_num_threads(threads)
    return Models(net, cb, out["conditional"][0], out["video only"][0],
                  {"seconds": {"video detector and codebook": t2 - t0, "priors": t3 - t2},
                   "history": {"codebook": cb_hist, "conditional": out["conditional"][1],
                               "video only": out["video only"][1]}})


@torch.no_grad()
def generate(models: Models, target_frames: np.ndarray, *, seed: int, cond_frames: np.ndarray | None = None,
             cond_audio: np.ndarray | None = None, n_samples: int = 1, sync=None, rng_key: str = "generate",
             return_logmel: bool = False, return_candidates: bool = False, griffin_lim: bool = True):
    """Sound for 2 s target videos, in the style of a condition clip (or from the video alone).

    Args:
        models: from :func:`trained_models`.
        target_frames: ``[N, 30, H, W, 3]`` uint8 silent target videos (15 fps, 2 s).
        seed: seeds the sampling (with ``rng_key``).
        cond_frames, cond_audio: ``[N, 30, H, W, 3]`` and ``[N, 32000]`` condition clips (16 kHz),
            or both None: the video-only prior.
        n_samples: candidates per clip; with ``sync`` (a sync judge) the best-synchronised one
            is kept (re-ranking), otherwise the first.
        return_logmel: also return the chosen log-mels ``[N, 64, 126]`` dB (what the judges read).
        return_candidates: also return every candidate's log-mel ``[n_samples, N, 64, 126]``.
        griffin_lim: make waveforms (slow: 32 Griffin-Lim iterations per clip); False returns None
            in their place.

    Returns:
        float32 ``[N, 32000]`` waveforms at 16 kHz (for listening; score the log-mel where you
        can), then the log-mels and candidates asked for, as a tuple.

    Notebook: 22_2023_condfoleygen (used by 24)
    """
    if (cond_frames is None) != (cond_audio is None):
        raise ValueError("give both cond_frames and cond_audio, or neither")
    g = repro.torch_generator(seed, "m22", rng_key)
    tf = token_features(*video_features(models.onset_net, target_frames))
    if cond_audio is not None:
        if len(cond_audio) != len(target_frames) or len(cond_frames) != len(target_frames):
            raise ValueError(f"{len(target_frames)} targets but {len(cond_frames)} condition videos and "
                             f"{len(cond_audio)} condition sounds")
        cf = token_features(*video_features(models.onset_net, cond_frames))
        ck = encode(models.codebook, to_unit(pool_bands(logmel(cond_audio))))
        toks = sample(models.prior, tf, g, cond_tf=cf, cond_tok=ck, n_samples=n_samples)
    else:
        toks = sample(models.prior_video_only, tf, g, n_samples=n_samples)
    lms = torch.stack([decode(models.codebook, t) for t in toks])  # [K, N, 64, 126]
    pick = np.zeros(len(target_frames), np.int64)
    if sync is not None and n_samples > 1:
        pick = rerank(np.stack([sync_scores(sync, target_frames, x) for x in lms]))
    best = lms[torch.from_numpy(pick), torch.arange(len(target_frames))]
    audio = _griffin_lim(best, repro.rng(seed, "m22", rng_key, "griffin-lim")) if griffin_lim else None
    out = (audio,) + ((best,) if return_logmel else ()) + ((lms,) if return_candidates else ())
    return out[0] if len(out) == 1 else out


def griffin_lim(lms: torch.Tensor, rng: np.random.Generator, n_iter: int = 32) -> np.ndarray:
    """Waveforms ``[N, 32000]`` from judge-format log-mels ``[N, 64, 126]`` dB (listening only;
    ``audio.mel_to_audio``).

    Notebook: 22_2023_condfoleygen
    """
    from ..audio import mel_to_audio

    return np.stack([mel_to_audio(s, SR, n_fft=1024, hop=HOP, n_iter=n_iter, rng=rng, length=N_SAMPLES)
                     for s in lms.numpy()]).astype(np.float32)


_griffin_lim = griffin_lim
