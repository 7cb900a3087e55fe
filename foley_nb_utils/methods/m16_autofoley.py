"""AutoFoley (Ghose & Prevost, IEEE TMM 2020): recognise the sound class, then synthesise it in time.

AutoFoley works in two stages. First a visual model predicts which Foley *class* a silent clip
needs, with one of two networks:

- the **Frame Sequence Network**: frames interpolated ×2 (finer temporal detail), a CNN per frame,
  and a **fast-slow LSTM** (FS-LSTM, Mujika et al. 2017) over the frame features;
- the **Frame Relation Network**: a **multi-scale temporal relation network** (MS-TRN, Zhou et al.
  2018) over the features of a few sparsely sampled frames.

Then a sequence model synthesises a spectrogram of that class, aligned with the clip's events.

Pieces, at laptop scale (no official code exists; every size here is ours):

- :func:`interpolate_frames` — ×2 frame interpolation by *blending* (the average of neighbours;
  flow-free, so it adds no information a network could not compute from the real frames);
- :class:`FrameCNN` — the per-frame CNN (a stand-in for ResNet-50, trained from scratch);
- :class:`FastSlowLSTM` — the FS-RNN cell stack (fast cells F1…Fk at the input rate, one slow cell
  updated once per step between F1 and F2), and :class:`SingleLSTM`, a one-rate LSTM of the same
  parameter count (:func:`matched_lstm_hidden`);
- :class:`MultiScaleTRN` — relations over ordered 2-, 3-, …, K-frame tuples of K sampled frames;
- :class:`SequenceClassifier` / :class:`RelationClassifier` — CNN + head, for clips ``[B, T, S, S, 3]``;
- :class:`EventDetector` and :class:`ClassSpectrogramGenerator` — per-frame event probabilities
  from the video, and a class-conditioned mel generator driven by the event track;
- :func:`clip_flops` — FLOPs of one clip's forward pass (``torch.utils.flop_counter``);
- :func:`onset_f1` — per-clip onset F1 of a generated mel against event times.

The FS-LSTM and the TRN are plain ``nn.Module`` s over feature sequences ``[B, T, F]``, so that other
notebooks (18, by the same authors) can import them.

Notebook: 16_2020_autofoley
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .. import train as _train
from ..metrics import onsets as _onsets
from . import m15_regnet as _m15

#: Audio and mel settings (shared with notebook 15: 11,025 Hz, hop 128, 40 bands).
MEL = _m15.MEL
#: The low frame rate of the world (frames per second): fast events, few frames.
FPS = 8.0


#: The recogniser whose class the synthesis stage uses (the paper's best: FS-LSTM on interpolated frames).
SYNTH_CLASSIFIER = "FS-LSTM, interpolated"


def settings(profile: str):
    """The notebook's settings of a profile (``quick``: 400 training clips of 32 px, 150 steps; ``full``: one GPU).

    Notebook: 16_2020_autofoley
    """
    from .. import repro

    return repro.pick(profile,
                      quick=dict(n_train=400, n_test=300, size=32, width=16, feat=32, rnn=32, steps=150, batch=24,
                                 lr=3e-3, gen_steps=150, threads=1),
                      full=dict(n_train=4000, n_test=1000, size=64, width=32, feat=64, rnn=128, steps=3000, batch=64,
                                lr=1e-3, gen_steps=3000, threads=0))


def classifier_builders(n_classes: int, cfg) -> dict:
    """The notebook's four recognisers, name → builder without arguments (same CNN settings for all).

    Notebook: 16_2020_autofoley
    """
    kw = dict(width=cfg.width, feat=cfg.feat)
    return {"FS-LSTM, interpolated": lambda: SequenceClassifier(n_classes, rnn="fs-lstm", interpolate=2,
                                                                fast=cfg.rnn, slow=cfg.rnn, **kw),
            "FS-LSTM, real frames": lambda: SequenceClassifier(n_classes, rnn="fs-lstm", interpolate=1,
                                                               fast=cfg.rnn, slow=cfg.rnn, **kw),
            "LSTM, interpolated": lambda: SequenceClassifier(n_classes, rnn="lstm", interpolate=2,
                                                             fast=cfg.rnn, slow=cfg.rnn, **kw),
            "TRN, 4 frames": lambda: RelationClassifier(n_classes, n_frames=4, hidden=2 * cfg.rnn, **kw)}


# ----------------------------------------------------------------------------------- data
def load_clips(n_train: int, n_test: int, seed: int, data_dir=None, *, size: int = 32, fps: float = FPS,
               clip_s: float = 2.0, **world: Any):
    """Training and test clips: the synthetic ``hits`` world filmed at a low frame rate, or real data.

    Synthetic: :func:`foley_nb_utils.synth.hits.generate` with ``fps`` (default 8) and ``world``
    overrides; the sound class is the struck ``material``. Real (``data_dir``): AutoFoley's layout,
    one folder of mp4 per sound class (read by :mod:`foley_nb_utils.datasets.class_folders`
    through :func:`foley_nb_utils.methods.m15_regnet.load_clips`), or a Greatest Hits folder.

    Returns:
        ``(train, test)`` SceneBatches.

    Notebook: 16_2020_autofoley
    """
    if not (isinstance(fps, (int, float)) and 1.0 <= float(fps) <= MEL["sr"] / MEL["hop"] / 2):
        raise ValueError(f"fps must be between 1 and {MEL['sr'] / MEL['hop'] / 2:.1f}, got {fps!r}")
    return _m15.load_clips(n_train, n_test, seed, data_dir, size=size, clip_s=clip_s, fps=float(fps), **world)


def class_key(batch) -> str:
    """The label that is the sound class: ``material`` (hits world, Greatest Hits) or ``class``
    (class folders)."""
    for k in ("material", "class", "category"):
        if k in batch.labels:
            return k
    raise ValueError(f"no class label among {sorted(batch.labels)}")


@dataclass
class Data:
    """Arrays for the models and metrics.

    Attributes:
        frames: uint8 ``[N, T, S, S, 3]``; ``labels`` int64 ``[N]`` sound class; ``classes`` names.
        contact: float32 ``[N, T]`` 1 at the frames of the visible events (the event track).
        times: per clip, the visible event times in s (real data: onsets detected in the sound).
        mel: float32 ``[N, n_mels, M]`` normalised log-mel (:func:`foley_nb_utils.methods.m15_regnet.mel_unit`).
        fps: video frame rate; ``tip_speed``: per clip, the median stick-tip speed in px per frame
        (NaN on real data).
    """

    frames: np.ndarray
    labels: np.ndarray
    classes: tuple
    contact: np.ndarray
    times: list
    mel: np.ndarray
    fps: float
    tip_speed: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)


def prepare(batch) -> Data:
    """Labels, event track, mel and motion statistics of a SceneBatch.

    Notebook: 16_2020_autofoley
    """
    if batch.sr != MEL["sr"]:
        raise ValueError(f"clips must be at {MEL['sr']} Hz, got {batch.sr}")
    key = class_key(batch)
    T = batch.frames.shape[1]
    mel = _m15.mel_unit(batch.audio, batch.sr)
    if any(len(ev) for ev in batch.events):
        times = [np.array([e.time_s for e in ev if e.visible], np.float64) for ev in batch.events]
    else:  # real data: the sound's own onsets stand in for the visual events
        times = [t for t, _ in _onsets.scored_onsets_batch(batch.audio, batch.sr)]
    contact = np.zeros((len(batch), T), np.float32)
    for i, t in enumerate(times):
        k = np.clip(np.round(np.asarray(t) * batch.fps).astype(int), 0, T - 1)
        contact[i, k] = 1.0
    if "tip_xy" in batch.extra:
        step = np.linalg.norm(np.diff(batch.extra["tip_xy"], axis=1), axis=-1)
        tip = np.median(step, axis=1).astype(np.float64)
    else:
        tip = np.full(len(batch), np.nan)
    return Data(batch.frames, np.asarray(batch.labels[key], np.int64), tuple(batch.classes[key]), contact,
                times, mel, float(batch.fps), tip)


def interpolate_frames(frames, factor: int = 2):
    """×``factor`` frame interpolation by blending: between frames k and k+1 insert
    ``(1 - a) f_k + a f_{k+1}`` for ``a = 1/factor, …``. ``[..., T, H, W, C]`` → ``[..., factor (T-1) + 1, H, W, C]``;
    numpy or torch, float output.

    Blending does not move anything: an object that jumps 10 px between two real frames appears
    twice, half-bright, in the inserted one (no optical flow).

    Notebook: 16_2020_autofoley
    """
    if int(factor) != factor or factor < 1:
        raise ValueError(f"factor must be a positive integer, got {factor!r}")
    x = torch.as_tensor(frames).float()
    if x.ndim < 4:
        raise ValueError(f"frames must be [..., T, H, W, C], got shape {tuple(x.shape)}")
    if factor == 1 or x.shape[-4] < 2:
        out = x
    else:
        a, b = x[..., :-1, :, :, :], x[..., 1:, :, :, :]
        steps = [a] + [(1 - j / factor) * a + (j / factor) * b for j in range(1, factor)]
        mid = torch.stack(steps, dim=-4)                                 # [..., T-1, factor, H, W, C]
        mid = mid.reshape(*x.shape[:-4], (x.shape[-4] - 1) * factor, *x.shape[-3:])
        out = torch.cat([mid, x[..., -1:, :, :, :]], dim=-4)
    return out.numpy() if isinstance(frames, np.ndarray) else out


def frame_change(frames: np.ndarray) -> np.ndarray:
    """Per clip: mean ``|f_{k+1} − f_k|`` over pixels divided by the mean ``|f_k − mean(f_k)|`` (the frame's
    own contrast). Near 0: consecutive frames almost equal (slow motion); near or above 1: two
    consecutive frames differ as much as unrelated pixels of one frame (motion fast for the frame rate).

    Notebook: 16_2020_autofoley
    """
    f = np.asarray(frames, np.float32).mean(-1)                          # [N, T, H, W] gray
    d = np.abs(np.diff(f, axis=1)).mean(axis=(1, 2, 3))
    c = np.abs(f - f.mean(axis=(2, 3), keepdims=True)).mean(axis=(1, 2, 3))
    return d / np.maximum(c, 1e-6)


# ----------------------------------------------------------------------------------- models
class FrameCNN(nn.Module):
    """Per-frame CNN, a stand-in for AutoFoley's ResNet-50: three stride-2 3×3 convolutions with
    ReLU and a global average pool. ``[B, T, S, S, 3]`` uint8/float (0–255) → ``[B, T, out_dim]``.

    Notebook: 16_2020_autofoley
    """

    def __init__(self, width: int = 16, out_dim: int = 32):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(3, width, 3, 2, 1), nn.ReLU(),
                                 nn.Conv2d(width, 2 * width, 3, 2, 1), nn.ReLU(),
                                 nn.Conv2d(2 * width, out_dim, 3, 2, 1), nn.ReLU(),
                                 nn.AdaptiveAvgPool2d(1))
        self.out_dim = out_dim

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        B, T = frames.shape[:2]
        x = frames.float().reshape(B * T, *frames.shape[2:]).permute(0, 3, 1, 2) / 127.5 - 1.0
        return self.net(x).reshape(B, T, self.out_dim)


class FastSlowLSTM(nn.Module):
    """Fast-slow LSTM (Mujika, Meier & Steger 2017, "Fast-Slow Recurrent Neural Networks").

    Per time step t, ``k`` fast LSTM cells run in sequence and one slow cell runs once, between
    the first and the second fast cell:

    .. math::
        h^{F_1}_t = F_1(x_t,\\ h^{F_k}_{t-1}),\\quad h^S_t = S(h^{F_1}_t,\\ h^S_{t-1}),\\quad
        h^{F_2}_t = F_2(h^S_t,\\ h^{F_1}_t),\\quad h^{F_i}_t = F_i(0,\\ h^{F_{i-1}}_t)\\ (i > 2)

    The fast state is updated k times per frame (fine, short-term detail), the slow state once
    (long-term context, with shorter gradient paths). Output: the last fast cell's ``h``.

    Args:
        in_dim: features per step; ``fast``, ``slow``: hidden sizes; ``k``: fast cells (≥ 2).

    ``forward(x [B, T, in_dim])`` → ``[B, T, fast]`` (all steps).

    Notebook: 16_2020_autofoley (and 18_2020_iot_sound_synthesis)
    """

    def __init__(self, in_dim: int, fast: int = 32, slow: int = 32, k: int = 2):
        super().__init__()
        if k < 2:
            raise ValueError(f"a fast-slow LSTM needs k >= 2 fast cells, got {k}")
        self.fast, self.slow, self.k = fast, slow, k
        self.cells = nn.ModuleList([nn.LSTMCell(in_dim, fast), nn.LSTMCell(slow, fast)]
                                   + [nn.LSTMCell(1, fast) for _ in range(k - 2)])
        self.slow_cell = nn.LSTMCell(fast, slow)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, _ = x.shape
        hf = cf = x.new_zeros(B, self.fast)
        hs = cs = x.new_zeros(B, self.slow)
        zero = x.new_zeros(B, 1)
        out = []
        for t in range(T):
            hf, cf = self.cells[0](x[:, t], (hf, cf))
            hs, cs = self.slow_cell(hf, (hs, cs))
            hf, cf = self.cells[1](hs, (hf, cf))
            for cell in self.cells[2:]:
                hf, cf = cell(zero, (hf, cf))
            out.append(hf)
        return torch.stack(out, 1)


class SingleLSTM(nn.Module):
    """One LSTM at the input rate (the FS-LSTM's ablation); ``forward(x [B, T, F])`` → ``[B, T, hidden]``.

    Notebook: 16_2020_autofoley (and 18_2020_iot_sound_synthesis)
    """

    def __init__(self, in_dim: int, hidden: int = 48):
        super().__init__()
        self.cell = nn.LSTMCell(in_dim, hidden)  # a cell loop, as FastSlowLSTM: same kernels, FLOPs counted alike
        self.hidden = hidden

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = c = x.new_zeros(x.shape[0], self.hidden)
        out = []
        for t in range(x.shape[1]):
            h, c = self.cell(x[:, t], (h, c))
            out.append(h)
        return torch.stack(out, 1)


def n_params(module: nn.Module) -> int:
    """Number of trainable parameters."""
    return int(sum(p.numel() for p in module.parameters() if p.requires_grad))


def matched_lstm_hidden(in_dim: int, fast: int, slow: int, k: int = 2) -> int:
    """The hidden size of a :class:`SingleLSTM` with (nearest to) the parameter count of a
    :class:`FastSlowLSTM` (``in_dim``, ``fast``, ``slow``, ``k``).

    Notebook: 16_2020_autofoley
    """
    target = n_params(FastSlowLSTM(in_dim, fast, slow, k))
    # an LSTM cell has 4 h (in + h + 2) parameters (two bias vectors): solve 4h^2 + 4h(in + 2) = target
    h = (-(in_dim + 2) + math.sqrt((in_dim + 2) ** 2 + target)) / 2
    return max(1, min((math.floor(h), math.ceil(h)), key=lambda v: abs(4 * v * (in_dim + v + 2) - target)))


class MultiScaleTRN(nn.Module):
    """Multi-scale temporal relation network (Zhou, Andonian, Oliva & Torralba 2018).

    Over K frame features ``f_1 … f_K`` (in time order), for every scale d = 2 … K:

    .. math:: T_d = h^{(d)}_\\phi\\Big(\\sum_{i_1 < \\dots < i_d} g^{(d)}_\\theta(f_{i_1}, \\dots, f_{i_d})\\Big),
              \\qquad \\mathrm{MultiScaleTRN}(f) = \\sum_{d=2}^{K} T_d

    with ``g`` and ``h`` small MLPs on the concatenated ordered tuple (at most ``max_tuples`` tuples
    per scale, spread evenly). ``forward(f [B, K, F])`` → ``[B, out_dim]``.

    Notebook: 16_2020_autofoley (and 18_2020_iot_sound_synthesis)
    """

    def __init__(self, in_dim: int, n_frames: int = 4, hidden: int = 64, out_dim: int = 17, max_tuples: int = 6):
        super().__init__()
        if n_frames < 2:
            raise ValueError(f"a temporal relation needs n_frames >= 2, got {n_frames}")
        self.n_frames = n_frames
        self.tuples = []
        for d in range(2, n_frames + 1):
            combos = list(itertools.combinations(range(n_frames), d))
            pick = np.unique(np.linspace(0, len(combos) - 1, min(max_tuples, len(combos))).round().astype(int))
            self.tuples.append([combos[i] for i in pick])
        self.g = nn.ModuleList([nn.Sequential(nn.Linear(d * in_dim, hidden), nn.ReLU(), nn.Linear(hidden, hidden),
                                              nn.ReLU()) for d in range(2, n_frames + 1)])
        self.h = nn.ModuleList([nn.Linear(hidden, out_dim) for _ in range(2, n_frames + 1)])

    def forward(self, f: torch.Tensor) -> torch.Tensor:
        if f.shape[1] != self.n_frames:
            raise ValueError(f"MultiScaleTRN expects {self.n_frames} frames, got {f.shape[1]}")
        out = 0.0
        for tuples, g, h in zip(self.tuples, self.g, self.h):
            idx = torch.tensor(tuples, device=f.device)                  # [n_tuples, d]
            x = f[:, idx].flatten(2)                                     # [B, n_tuples, d F]
            out = out + h(g(x).sum(1))
        return out


def sample_frames(T: int, k: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """TSN/TRN segment sampling: one frame index from each of ``k`` equal segments of ``T`` frames,
    random within its segment when ``generator`` is given (training), its middle otherwise (test).

    Notebook: 16_2020_autofoley
    """
    if not 1 <= k <= T:
        raise ValueError(f"cannot sample {k} frames from {T}")
    edges = torch.linspace(0, T, k + 1)
    if generator is None:
        pos = (edges[:-1] + edges[1:]) / 2
    else:
        pos = edges[:-1] + torch.rand(k, generator=generator) * (edges[1:] - edges[:-1])
    return pos.long().clamp(0, T - 1)


class SequenceClassifier(nn.Module):
    """The Frame Sequence Network: (optional ×2 blending) → :class:`FrameCNN` per frame → a sequence
    model (``"fs-lstm"`` or ``"lstm"``) → class logits from the mean over time of its outputs.
    ``forward(frames [B, T, S, S, 3])`` → ``[B, n_classes]``.

    Notebook: 16_2020_autofoley
    """

    def __init__(self, n_classes: int, *, rnn: str = "fs-lstm", interpolate: int = 2, width: int = 16,
                 feat: int = 32, fast: int = 32, slow: int = 32):
        super().__init__()
        self.cnn = FrameCNN(width, feat)
        self.interpolate = int(interpolate)
        if rnn == "fs-lstm":
            self.rnn = FastSlowLSTM(feat, fast, slow, 2)
            out = fast
        elif rnn == "lstm":
            out = matched_lstm_hidden(feat, fast, slow, 2)
            self.rnn = SingleLSTM(feat, out)
        else:
            raise ValueError(f"rnn must be 'fs-lstm' or 'lstm', got {rnn!r}")
        self.head = nn.Linear(out, n_classes)

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        x = interpolate_frames(frames, self.interpolate) if self.interpolate > 1 else frames
        return self.head(self.rnn(self.cnn(x)).mean(1))


class RelationClassifier(nn.Module):
    """The Frame Relation Network: K sampled frames → :class:`FrameCNN` → :class:`MultiScaleTRN`.
    In training mode pass ``generator`` for random segment sampling; otherwise the segments' middles.
    ``forward(frames [B, T, S, S, 3])`` → ``[B, n_classes]``.

    Notebook: 16_2020_autofoley
    """

    def __init__(self, n_classes: int, *, n_frames: int = 4, width: int = 16, feat: int = 32, hidden: int = 64):
        super().__init__()
        self.cnn = FrameCNN(width, feat)
        self.trn = MultiScaleTRN(feat, n_frames, hidden, n_classes)
        self.n_frames = n_frames

    def forward(self, frames: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        idx = sample_frames(frames.shape[1], self.n_frames, generator)
        return self.trn(self.cnn(frames[:, idx]))


def clip_flops(model: nn.Module, frames) -> int:
    """FLOPs of ``model`` on one clip ``[T, S, S, 3]`` (batch 1), counted by
    :class:`torch.utils.flop_counter.FlopCounterMode` (matrix products and convolutions; 2 FLOPs
    per multiply-add; element-wise operations are not counted).

    Notebook: 16_2020_autofoley
    """
    from torch.utils.flop_counter import FlopCounterMode

    x = torch.as_tensor(np.asarray(frames))[None]
    model.eval()
    with torch.no_grad(), FlopCounterMode(display=False) as fc:
        model(x)
    return int(fc.get_total_flops())


# ----------------------------------------------------------------------------------- training
def _batches(n: int, batch: int, seed: int, key: str):
    def draw(step: int) -> torch.Tensor:
        g = torch.Generator().manual_seed(int(seed) * 1_000_003 + step * 7919 + sum(map(ord, key)))
        return torch.randint(0, n, (batch,), generator=g)
    return draw


def train_classifier(name: str, model: nn.Module, data: Data, *, seed: int, steps: int, batch: int, lr: float,
                     device="cpu"):
    """Train a classifier (cross-entropy), checkpointed under ``name``; returns the history.

    Notebook: 16_2020_autofoley
    """
    frames = torch.as_tensor(data.frames)
    labels = torch.as_tensor(data.labels)
    draw = _batches(len(data), batch, seed, name)
    g = torch.Generator().manual_seed(int(seed) + 17)

    def loss(m, idx):
        x = frames[idx].to(device)
        logits = m(x, g) if isinstance(m, RelationClassifier) else m(x)
        return F.cross_entropy(logits, labels[idx].to(device))

    return _train.fit(model, draw, loss, steps=steps, lr=lr, device=device, name=f"m16-{name}",
                      config={"seed": seed, "batch": batch, "n": len(data)}, progress=False)


@torch.no_grad()
def predict(model: nn.Module, frames: np.ndarray, batch_size: int = 128, device="cpu") -> np.ndarray:
    """Class probabilities ``[N, C]`` of clips ``[N, T, S, S, 3]`` (eval mode, no sampling noise).

    Notebook: 16_2020_autofoley
    """
    model.eval().to(device)
    out = [torch.softmax(model(torch.as_tensor(frames[i:i + batch_size]).to(device)), -1).cpu()
           for i in range(0, len(frames), batch_size)]
    return torch.cat(out).numpy()


# ----------------------------------------------------------------------------------- synthesis
class EventDetector(nn.Module):
    """Per-frame event logits from the video: :class:`FrameCNN` on each frame and its difference to
    the previous frame, then two 1-D convolutions over time. ``[B, T, S, S, 3]`` → ``[B, T]``.

    Notebook: 16_2020_autofoley
    """

    def __init__(self, width: int = 16, feat: int = 32):
        super().__init__()
        self.cnn = FrameCNN(width, feat)
        self.tcn = nn.Sequential(nn.Conv1d(2 * feat, feat, 3, padding=1), nn.ReLU(), nn.Conv1d(feat, 1, 3, padding=1))

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        f = self.cnn(frames)
        d = torch.cat([torch.zeros_like(f[:, :1]), f[:, 1:] - f[:, :-1]], 1)
        return self.tcn(torch.cat([f, d], -1).transpose(1, 2))[:, 0]


class ClassSpectrogramGenerator(nn.Module):
    """Class-conditioned mel generator driven by an event track.

    Input: the class (one-hot or probabilities ``[B, C]``) and the event track at the video rate
    ``[B, T]`` (1 at an event), placed at the mel rate as impulses; a stack of 1-D convolutions
    (receptive field ≈ 0.3 s, so that an impulse can grow an attack and a class-specific decay)
    maps ``[track ; class]`` per mel frame to the mel. ``forward(cls, track, n_mel)`` → ``[B, n_mels, n_mel]`` in [0, 1].

    Notebook: 16_2020_autofoley
    """

    def __init__(self, n_classes: int, n_mels: int = MEL["n_mels"], hidden: int = 64):
        super().__init__()
        self.n_classes = n_classes
        self.net = nn.Sequential(nn.Conv1d(1 + n_classes, hidden, 5, padding=4, dilation=2), nn.ReLU(),
                                 nn.Conv1d(hidden, hidden, 5, padding=8, dilation=4), nn.ReLU(),
                                 nn.Conv1d(hidden, n_mels, 3, padding=1))

    def forward(self, cls: torch.Tensor, track: torch.Tensor, n_mel: int, fps: float) -> torch.Tensor:
        B, T = track.shape
        rate = MEL["sr"] / MEL["hop"]
        imp = track.new_zeros(B, n_mel)
        pos = torch.clamp((torch.arange(T, device=track.device) / fps * rate).round().long(), 0, n_mel - 1)
        imp[:, pos] = track
        x = torch.cat([imp[:, None], cls[:, :, None].expand(B, cls.shape[1], n_mel)], 1)
        return torch.sigmoid(self.net(x))


def train_synthesis(data: Data, *, seed: int, steps: int, batch: int, lr: float, n_classes: int, device="cpu"):
    """Train the event detector (BCE on the event track) and the generator (mel MSE, with the true
    class and the true event track: teacher forcing), each checkpointed. Returns ``(det, gen)``.

    Notebook: 16_2020_autofoley
    """
    frames, contact = torch.as_tensor(data.frames), torch.as_tensor(data.contact)
    mel, labels = torch.as_tensor(data.mel), torch.as_tensor(data.labels)
    cfg = {"seed": seed, "batch": batch, "n": len(data)}
    det = _train.build_seeded(seed, EventDetector)
    gen = _train.build_seeded(seed, lambda: ClassSpectrogramGenerator(n_classes))
    pos_w = torch.tensor(float((1 - data.contact.mean()) / max(data.contact.mean(), 1e-3)))

    def det_loss(m, idx):
        return F.binary_cross_entropy_with_logits(m(frames[idx].to(device)), contact[idx].to(device),
                                                  pos_weight=pos_w.to(device))

    def gen_loss(m, idx):
        oh = F.one_hot(labels[idx], n_classes).float().to(device)
        return F.mse_loss(m(oh, contact[idx].to(device), mel.shape[2], data.fps), mel[idx].to(device))

    jobs = {"detector": lambda: _train.fit(det, _batches(len(data), batch, seed, "det"), det_loss, steps=steps, lr=lr,
                                           device=device, name="m16-detector", config=cfg, progress=False),
            "generator": lambda: _train.fit(gen, _batches(len(data), batch, seed, "gen"), gen_loss, steps=steps,
                                            lr=lr, device=device, name="m16-generator", config=cfg, progress=False)}
    hist = _train.side_by_side(jobs)
    return det, gen, hist


def pick_events(logits: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Event track ``[N, T]`` (0/1) from detector logits: local maxima with probability > threshold.

    Notebook: 16_2020_autofoley
    """
    p = 1 / (1 + np.exp(-np.asarray(logits, np.float64)))
    left = np.concatenate([np.zeros_like(p[:, :1]), p[:, :-1]], 1)
    right = np.concatenate([p[:, 1:], np.zeros_like(p[:, :1])], 1)
    return ((p > threshold) & (p >= left) & (p > right)).astype(np.float32)


@torch.no_grad()
def synthesise(gen: ClassSpectrogramGenerator, cls_prob: np.ndarray, track: np.ndarray, n_mel: int, fps: float,
               batch_size: int = 256) -> np.ndarray:
    """Mels ``[N, n_mels, n_mel]`` for class probabilities ``[N, C]`` and event tracks ``[N, T]``.

    Notebook: 16_2020_autofoley
    """
    gen.eval()
    out = [gen(torch.as_tensor(cls_prob[i:i + batch_size]).float(), torch.as_tensor(track[i:i + batch_size]).float(),
               n_mel, fps) for i in range(0, len(track), batch_size)]
    return torch.cat(out).numpy()


def onset_f1(mel: np.ndarray, times: Sequence, tol_s: float = 0.1) -> np.ndarray:
    """Per clip, the onset F1 of a mel's onsets (:func:`foley_nb_utils.methods.m15_regnet.mel_onsets`)
    against event times, matched within ``tol_s`` (:func:`foley_nb_utils.metrics.onsets.match_onsets`):
    ``2 · matched / (n_generated + n_events)`` (1 when both are empty).

    Notebook: 16_2020_autofoley
    """
    out = np.empty(len(times))
    for i, ((pt, _), tt) in enumerate(zip(_m15.mel_onsets(mel), times)):
        tt = np.asarray(tt, np.float64)
        if len(pt) + len(tt) == 0:
            out[i] = 1.0
            continue
        m = _onsets.match_onsets(tt, pt, tol_s=tol_s) if len(tt) else np.zeros(0, int)
        out[i] = 2.0 * float((m >= 0).sum()) / (len(pt) + len(tt))
    return out


def griffin_lim(mel: np.ndarray, n_samples: int, seed: int = 0) -> np.ndarray:
    """Waveforms of normalised mels (notebook 15's batched Griffin-Lim), for listening only."""
    return _m15.griffin_lim(mel, n_samples, seed=seed)


# ----------------------------------------------------------------------------------- benchmark (24)
def benchmark_models(profile: str = "quick", seed: int = 0, device="cpu"):
    """The notebook's AutoFoley chain, for the benchmark: its training clips, settings and training
    calls (so its checkpoints: loaded when present, trained otherwise) — the FS-LSTM recogniser on
    interpolated frames, the event detector and the class-conditioned generator.

    Returns:
        :class:`foley_nb_utils.benchmark.Trained` with ``models`` ``classifier``, ``detector``,
        ``generator`` and ``state`` the training clips' frame rate and size.

    Notebook: 16_2020_autofoley (used by 24_benchmark)
    """
    from ..benchmark import Trained

    cfg = settings(profile)
    # clip i of the world depends only on (seed, i): the first n_train clips are the notebook's
    train_b, _ = load_clips(cfg.n_train, 1, seed, None, size=cfg.size, fps=FPS)
    train = prepare(train_b)
    n_classes = len(train.classes)
    threads = torch.get_num_threads()
    if cfg.threads:
        torch.set_num_threads(cfg.threads)  # as the notebook
    try:
        clf = _train.build_seeded(seed, classifier_builders(n_classes, cfg)[SYNTH_CLASSIFIER])
        h = train_classifier(SYNTH_CLASSIFIER, clf, train, seed=seed, steps=cfg.steps, batch=cfg.batch, lr=cfg.lr,
                             device=device)
        det, gen, hist = train_synthesis(train, seed=seed, steps=cfg.gen_steps, batch=cfg.batch, lr=cfg.lr,
                                         n_classes=n_classes, device=device)
    finally:
        torch.set_num_threads(threads)
    hists = [h, *hist.values()]
    secs = sum(x.seconds for x in hists)
    return Trained({"classifier": clf.to("cpu").eval(), "detector": det.to("cpu").eval(),
                    "generator": gen.to("cpu").eval()}, train_seconds=secs or None,
                   loaded=all(x.loaded for x in hists), state=(train_b.fps, train_b.frames.shape[-2]))


def benchmark_generate(trained, test, seed: int) -> np.ndarray:
    """Sound of the benchmark's test clips: the clips at the notebook's rates (:data:`FPS`, its frame
    size), the recogniser's class probabilities, the detector's events, the generator's mel,
    Griffin-Lim (the notebook's vocoder), resampled to ``test.sr``.

    Returns:
        float32 ``[N, n]`` at ``test.sr``.

    Notebook: 16_2020_autofoley (used by 24_benchmark)
    """
    from ..audio import resample
    from ..benchmark import convert, fit_length

    fps, size = trained.state
    mine = convert(test, fps=fps, sr=MEL["sr"], size=size)
    m = trained.models
    cls_p = predict(m["classifier"], mine.frames)
    with torch.no_grad():
        logits = torch.cat([m["detector"](torch.as_tensor(mine.frames[i:i + 128]))
                            for i in range(0, len(mine), 128)]).numpy()
    n_mel = 1 + mine.audio.shape[1] // MEL["hop"]  # mel_unit's frame count for the clip length
    mel = synthesise(m["generator"], cls_p, pick_events(logits), n_mel, fps)
    audio = griffin_lim(mel, mine.audio.shape[1], seed=seed)
    return fit_length(resample(audio, MEL["sr"], test.sr), test.audio.shape[1])
