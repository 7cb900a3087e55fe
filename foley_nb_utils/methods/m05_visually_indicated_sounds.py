"""Owens et al., "Visually Indicated Sounds" (CVPR 2016, survey [1]) at laptop scale.

Silent video of a drumstick hitting and scratching things → a sequence of sound features →
a waveform. The pieces, in the order the notebook teaches them:

1. **Inputs** (:func:`prepare`, :func:`video_inputs`): per video frame a *spacetime image*
   (grayscale frames t−1, t, t+1: motion), re-expressed as frame + amplified differences
   (:func:`motion_channels`), and for the whole clip its first colour frame (material, scene).
2. **Targets** (:func:`foley_nb_utils.audio.cochleagrams`): the 42-channel ERB cochleagram at
   90 Hz (40 band-pass + low-pass + high-pass channels, Hilbert envelopes, compression 0.3),
   computed for a whole batch at once.
3. **Model** (:class:`SoundPredictor`, :class:`FrameEncoder`): CNNs on each spacetime image and on
   the colour frame, ``x_t = [φ(F_t), φ_c(I_1)]``, an LSTM, and an affine read-out of 42 values
   per 90 Hz step. Ablations: ``rnn=False`` (a per-frame regressor, :func:`train_per_frame_head`)
   and RGB frames instead of spacetime images.
4. **Loss and training** (:func:`robust_loss`, :func:`make_batches`, :func:`train_predictor`):
   ``log(ε + ‖ŝ_t − s_t‖²)`` per step, averaged; checkpoint-if-present through
   :func:`foley_nb_utils.train.fit`.
5. **Waveforms**: example-based synthesis (:func:`build_bank`, :func:`example_based`: detect
   onsets in the predicted cochleagram, snap each predicted window to the nearest real training
   window by L1 distance, paste that window's waveform with short crossfades, fill the gaps with
   quiet windows) and parametric synthesis (:func:`parametric`: impose the predicted envelopes
   on noise); :func:`random_impact` is the paper's weakest baseline.
6. **Evaluation**: onsets with confidences from a cochleagram (:func:`envelope_onsets`) for onset
   AP; per-event features (:func:`material_features`) for the material SVM; and the "which is
   real?" study with a :class:`Listener` that knows real clips only (:func:`fit_listener`,
   :func:`which_is_real`, :func:`sync_features`).

Shapes: video frames uint8 ``[N, T, H, W, 3]``; model inputs ``[N, T, 3, s, s]`` float32;
cochleagrams ``[N, C, F]`` (numpy, audio convention) but ``[N, F, C]`` inside the model (sequence
convention); ``F = T * k``.

Notebook: 05_2016_visually_indicated_sounds
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .. import audio as _audio
from .. import nn as _nn

ENV_SR = 90
"""Cochleagram frame rate in Hz (3 steps per frame of 30-fps video in the paper)."""
N_BANDS = 40
"""ERB band-pass channels; the cochleagram adds a low-pass and a high-pass channel."""
N_CHANNELS = N_BANDS + 2
"""Channels of a cochleagram step (42)."""
MOTION_GAIN = 4.0
"""Gain on the frame differences in :func:`motion_channels`."""

__all__ = [
    "ENV_SR",
    "N_BANDS",
    "N_CHANNELS",
    "ExampleBank",
    "FrameEncoder",
    "HARD_MATERIALS",
    "Listener",
    "SoundPredictor",
    "VISData",
    "build_bank",
    "envelope_onsets",
    "example_based",
    "fit_listener",
    "hit_events",
    "load_clips",
    "make_batches",
    "material_features",
    "motion_channels",
    "parametric",
    "predict",
    "prepare",
    "random_impact",
    "which_is_real",
    "robust_loss",
    "sync_features",
    "train_per_frame_head",
    "train_predictor",
    "video_inputs",
    "windows",
]


# ----------------------------------------------------------------------------------- inputs
def _area_resize(x: torch.Tensor, size: int) -> torch.Tensor:
    """[B, C, H, W] → [B, C, size, size] by area averaging (anti-aliased for shrinking)."""
    if x.shape[-1] == size and x.shape[-2] == size:
        return x
    return F.interpolate(x, size=(size, size), mode="area")


def video_inputs(frames: np.ndarray, size: int, motion: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """The model's inputs for a batch of clips.

    Args:
        frames: uint8 ``[N, T, H, W, 3]`` RGB video.
        size: side in pixels of the (square) images the CNN sees.
        motion: True → spacetime images (grayscale t−1, t, t+1, from
            :func:`foley_nb_utils.video.spacetime_images`) re-expressed by
            :func:`motion_channels`; False → the RGB frame t.

    Returns:
        ``(x, first)``: float32 tensors ``x [N, T, 3, size, size]`` and the first colour frame of
        each clip ``first [N, 3, size, size]`` in [0, 1].

    Notebook: 05_2016_visually_indicated_sounds
    """
    rgb = _small_rgb(frames, size)
    return (_motion_of(rgb) if motion else rgb), rgb[:, 0].contiguous()


def _small_rgb(frames: np.ndarray, size: int) -> torch.Tensor:
    """uint8 [N, T, H, W, 3] → float32 [N, T, 3, size, size] in [0, 1] by area averaging."""
    frames = np.asarray(frames)
    if frames.ndim != 5 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise ValueError(f"frames must be uint8 [N, T, H, W, 3], got {frames.dtype} {frames.shape}")
    if not (isinstance(size, int) and size >= 8):
        raise ValueError(f"size must be an int >= 8 pixels, got {size!r}")
    n, t, h, w = frames.shape[:4]
    if t < 2:
        raise ValueError(f"clips need at least 2 frames for spacetime images, got T={t}")
    rgb = torch.from_numpy(frames).permute(0, 1, 4, 2, 3).reshape(n * t, 3, h, w).float().div_(255.0)
    return _area_resize(rgb, size).view(n, t, 3, size, size).contiguous()


def _motion_of(rgb: torch.Tensor) -> torch.Tensor:
    """Motion channels of small RGB clips [N, T, 3, s, s]. Area averaging and the grey conversion
    are both linear, so shrinking before building the spacetime images changes nothing."""
    from .. import video as _video

    gray = _video.to_gray(rgb.permute(0, 1, 3, 4, 2).numpy())  # [N, T, s, s]
    return motion_channels(torch.from_numpy(np.stack([_video.spacetime_images(g) for g in gray]))).contiguous()


def motion_channels(spacetime: torch.Tensor, gain: float = MOTION_GAIN) -> torch.Tensor:
    """Re-express spacetime images as (frame, backward change, forward change).

    ``[g_{t-1}, g_t, g_{t+1}]`` → ``[g_t, gain·(g_t − g_{t-1}), gain·(g_{t+1} − g_t)]``: an
    invertible linear map, so the network sees exactly the paper's information, but motion —
    small differences between nearly equal frames — is spelled out and amplified. A CNN trained
    for a few hundred steps finds the stick's contact from these channels and not from the raw
    triple (its first layer would have to learn the subtraction first).

    Args:
        spacetime: ``[..., 3, H, W]`` spacetime images (channels t−1, t, t+1).
        gain: factor on the differences.

    Returns:
        Tensor of the same shape.

    Notebook: 05_2016_visually_indicated_sounds
    """
    if spacetime.ndim < 3 or spacetime.shape[-3] != 3:
        raise ValueError(f"spacetime must be [..., 3, H, W], got shape {tuple(spacetime.shape)}")
    prev, cur, nxt = spacetime.unbind(dim=-3)
    return torch.stack([cur, gain * (cur - prev), gain * (nxt - cur)], dim=-3)


def hit_events(batch) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The visible, labelled sound events of each clip: their times and material indices.

    Args:
        batch: a :class:`foley_nb_utils.synth.common.SceneBatch` of the ``hits`` scene (or a
            Greatest Hits loader's batch with the same fields).

    Returns:
        ``(times, materials)``: per clip, float64 ``[k]`` event start times in seconds (hits and
        scratch starts on screen, off-screen distractors excluded) and int64 ``[k]`` material
        indices into ``batch.classes["material"]`` (-1 where the material is unlabeled).

    Notebook: 05_2016_visually_indicated_sounds
    """
    names = list(batch.classes.get("material", ()))
    times, mats = [], []
    for evs in batch.events:
        vis = [e for e in evs if e.visible]
        times.append(np.array([e.time_s for e in vis], dtype=np.float64))
        mats.append(np.array([names.index(e.material) if e.material in names else -1 for e in vis],
                             dtype=np.int64))
    return times, mats


@dataclass
class VISData:
    """Everything the experiments of notebook 05 need about a set of clips.

    Attributes:
        motion: float32 ``[N, T, 3, s, s]`` spacetime images.
        rgb: float32 ``[N, T, 3, s, s]`` RGB frames.
        first: float32 ``[N, 3, s, s]`` first colour frame of each clip.
        coch: float32 ``[N, C, F]`` cochleagrams of the real audio (the regression targets).
        audio: float32 ``[N, n]`` real waveforms.
        sr: audio rate in Hz; fps: video rate in Hz; env_sr: cochleagram rate in Hz.
        times: per clip, visible event times in seconds.
        materials: per clip, material index of each visible event (-1 unlabeled).
        clip_material: ``[N]`` material index of each clip's surface (-1 unknown).

    Notebook: 05_2016_visually_indicated_sounds
    """

    motion: torch.Tensor
    rgb: torch.Tensor
    first: torch.Tensor
    coch: np.ndarray
    audio: np.ndarray
    sr: int
    fps: float
    env_sr: int
    times: list[np.ndarray]
    materials: list[np.ndarray]
    clip_material: np.ndarray

    def __len__(self) -> int:
        return len(self.audio)

    @property
    def steps_per_frame(self) -> int:
        """``k``: cochleagram steps per video frame."""
        return self.coch.shape[-1] // self.motion.shape[1]

    def subset(self, idx) -> "VISData":
        """The clips ``idx`` (an index array) as a new :class:`VISData`."""
        idx = np.asarray(idx, dtype=np.int64)
        ti = torch.from_numpy(idx)
        return VISData(self.motion[ti], self.rgb[ti], self.first[ti], self.coch[idx], self.audio[idx],
                       self.sr, self.fps, self.env_sr, [self.times[i] for i in idx],
                       [self.materials[i] for i in idx], self.clip_material[idx])


def prepare(batch, size: int = 32, env_sr: int = ENV_SR) -> VISData:
    """Turn a ``hits`` batch (synthetic or Greatest Hits) into model inputs and targets.

    The cochleagram is cut (or edge-padded) to exactly ``T * k`` steps, ``k = env_sr / fps``,
    so that each video frame owns ``k`` steps.

    Args:
        batch: a SceneBatch with ``frames [N, T, H, W, 3]``, ``audio [N, n]``, ``fps``, ``sr``,
            ``events`` and ``labels["material"]``.
        size: side of the CNN's input images in pixels.
        env_sr: cochleagram rate in Hz; must be a whole multiple of ``batch.fps``.

    Returns:
        A :class:`VISData`.

    Notebook: 05_2016_visually_indicated_sounds
    """
    fps = float(batch.fps)
    k = env_sr / fps
    if abs(k - round(k)) > 1e-6 or round(k) < 1:
        raise ValueError(f"env_sr={env_sr} Hz is not a whole multiple of the video's {fps} fps; "
                         "resample the video (e.g. 29.97 → 30 fps) when loading it")
    k = int(round(k))
    rgb = _small_rgb(batch.frames, size)
    motion, first = _motion_of(rgb), rgb[:, 0].contiguous()
    coch = _audio.cochleagrams(batch.audio, batch.sr, env_sr=env_sr)
    steps = motion.shape[1] * k
    if coch.shape[-1] < steps:
        coch = np.pad(coch, ((0, 0), (0, 0), (0, steps - coch.shape[-1])), mode="edge")
    coch = np.ascontiguousarray(coch[..., :steps])
    times, mats = hit_events(batch)
    clip_mat = np.asarray(batch.labels.get("material", np.full(len(batch.audio), -1)), dtype=np.int64)
    return VISData(motion, rgb, first, coch, np.asarray(batch.audio, dtype=np.float32), int(batch.sr), fps,
                   int(env_sr), times, mats, clip_mat)


# ------------------------------------------------------------------------------------ model
class FrameEncoder(nn.Module):
    """φ: a small CNN from one image to a feature vector (AlexNet's role in the paper).

    Two strided convolutions and one more convolution (each with BatchNorm and ReLU) make a map
    of local detectors — "the stick tip touches its shadow", "wood grain" — and a global *max*
    over the map says whether each detector fired anywhere in the image, then a linear layer
    mixes them. The max keeps the feature independent of where in the frame the stick lands,
    which a model trained on a few hundred clips cannot learn from data alone. Strided
    convolutions (no full-resolution layer) keep it cheap enough to run on every frame.

    Args:
        size: input side in pixels (a multiple of 4).
        widths: channels of the three convolutions.
        feat_dim: output size.

    Shape: ``[B, 3, size, size]`` → ``[B, feat_dim]``.

    Notebook: 05_2016_visually_indicated_sounds
    """

    def __init__(self, size: int = 32, widths=(16, 32, 32), feat_dim: int = 64):
        super().__init__()
        if isinstance(size, bool) or not isinstance(size, int) or size < 8 or size % 4:
            raise ValueError(f"size must be a multiple of 4 pixels, at least 8, got {size!r}")
        if len(widths) != 3:
            raise ValueError(f"widths must name 3 convolutions, got {widths!r}")
        a, b, c = (int(w) for w in widths)
        self.size = size
        self.conv = nn.Sequential(
            nn.Conv2d(3, a, 4, stride=2, padding=1), nn.BatchNorm2d(a), nn.ReLU(),
            nn.Conv2d(a, b, 4, stride=2, padding=1), nn.BatchNorm2d(b), nn.ReLU(),
            nn.Conv2d(b, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU())
        self.out = nn.Linear(c, feat_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4 or x.shape[1] != 3 or x.shape[-1] != self.size or x.shape[-2] != self.size:
            raise ValueError(f"FrameEncoder({self.size}) expects [B, 3, {self.size}, {self.size}], "
                             f"got {tuple(x.shape)}")
        return self.out(self.conv(x).amax(dim=(2, 3)))


class SoundPredictor(nn.Module):
    """CNN + LSTM from video frames to cochleagram steps (Owens et al. 2016, Fig. 3).

    ``x_t = [φ(F_t), φ_c(I_1)]``: a CNN φ (:class:`FrameEncoder`) encodes every input image
    ``F_t`` (a spacetime image, or an RGB frame for the "RGB only" ablation) and a second one,
    φ_c, the clip's first colour frame ``I_1`` (the paper uses one CNN for both). With ``rnn=True`` an LSTM reads the sequence and an affine read-out
    gives the sound features; with ``rnn=False`` (the "no RNN" ablation) a two-layer
    perceptron maps each ``x_t`` alone to the ``k`` steps of its frame.

    Where the LSTM runs: ``lstm_rate="audio"`` is the paper's choice — each ``x_t`` is repeated
    ``k`` times and the LSTM steps at the cochleagram rate (90 Hz), one 42-vector per step;
    ``lstm_rate="video"`` steps once per frame and reads out the ``k`` steps of that frame at
    once (``k`` times fewer sequential steps: the quick profile's choice on a CPU).

    Args:
        steps_per_frame: ``k`` = cochleagram steps per video frame.
        size: input image side in pixels.
        n_out: channels per step (42).
        widths: channels of φ's convolutions.
        feat_dim: size of φ's output.
        hidden: LSTM hidden size (or the perceptron's hidden width).
        rnn: True for the LSTM, False for the per-frame regressor.
        lstm_rate: ``"audio"`` (paper) or ``"video"`` (see above).
        color_frame: append φ(I_1) to every step's input.
        dropout: dropout on ``x_t`` during training (the paper uses dropout).

    Shape: ``x [B, T, 3, s, s]``, ``first [B, 3, s, s]`` → ``[B, T * k, n_out]``.

    Notebook: 05_2016_visually_indicated_sounds
    """

    def __init__(self, steps_per_frame: int, size: int = 32, n_out: int = N_CHANNELS, widths=(16, 32, 32),
                 feat_dim: int = 64, hidden: int = 64, rnn: bool = True, lstm_rate: str = "audio",
                 color_frame: bool = True, dropout: float = 0.1):
        super().__init__()
        if isinstance(steps_per_frame, bool) or not isinstance(steps_per_frame, int) or steps_per_frame < 1:
            raise ValueError(f"steps_per_frame must be a positive int, got {steps_per_frame!r}")
        if lstm_rate not in ("audio", "video"):
            raise ValueError(f"lstm_rate must be 'audio' or 'video', got {lstm_rate!r}")
        self.hparams = dict(steps_per_frame=steps_per_frame, size=size, n_out=n_out, widths=tuple(widths),
                            feat_dim=feat_dim, hidden=hidden, rnn=rnn, lstm_rate=lstm_rate,
                            color_frame=color_frame, dropout=dropout)
        self.k = steps_per_frame
        self.n_out = int(n_out)
        self.rnn = bool(rnn)
        self.lstm_rate = lstm_rate
        self.color_frame = bool(color_frame)
        self.cnn = FrameEncoder(size, widths, feat_dim)
        # the paper runs I_1 through the same CNN; with BatchNorm one network cannot normalise
        # both motion channels and colour frames, so the colour frame gets its own
        self.color_cnn = FrameEncoder(size, widths, feat_dim) if color_frame else None
        in_dim = feat_dim * (2 if color_frame else 1)
        self.drop = nn.Dropout(dropout)
        # outputs are predicted in standardised units (per channel), then mapped back: the read-out
        # starts at the data's mean and scale instead of spending its first steps finding them
        self.register_buffer("out_mean", torch.zeros(self.n_out))
        self.register_buffer("out_std", torch.ones(self.n_out))
        if not self.rnn:
            self.head = _nn.mlp(in_dim, (hidden,), self.n_out * self.k)
        elif lstm_rate == "audio":
            self.head = _nn.LSTMHead(in_dim, hidden, self.n_out)
        else:
            self.head = _nn.LSTMHead(in_dim, hidden, self.n_out * self.k)

    def set_output_scale(self, coch: np.ndarray) -> "SoundPredictor":
        """Set the per-channel mean and spread of the outputs from training cochleagrams ``[N, C, F]``."""
        c = torch.as_tensor(np.asarray(coch, dtype=np.float32))
        if c.ndim != 3 or c.shape[1] != self.n_out:
            raise ValueError(f"coch must be [N, {self.n_out}, F], got shape {tuple(c.shape)}")
        self.out_mean.copy_(c.mean(dim=(0, 2)))
        self.out_std.copy_(c.std(dim=(0, 2)).clamp_min(1e-4))
        return self

    def features(self, x: torch.Tensor, first: torch.Tensor | None = None) -> torch.Tensor:
        """``x_t = [φ(F_t), φ_c(I_1)]`` for every frame: ``[B, T, feat_dim (× 2)]``."""
        if x.ndim != 5 or x.shape[2] != 3:
            raise ValueError(f"x must be [B, T, 3, s, s], got shape {tuple(x.shape)}")
        b, t = x.shape[:2]
        f = self.cnn(x.flatten(0, 1)).view(b, t, -1)
        if self.color_frame:
            if first is None or first.shape[0] != b:
                raise ValueError("this model uses the first colour frame: pass first [B, 3, s, s]")
            f = torch.cat([f, self.color_cnn(first).unsqueeze(1).expand(-1, t, -1)], dim=-1)
        return f

    def forward(self, x: torch.Tensor, first: torch.Tensor | None = None) -> torch.Tensor:
        return self.readout(self.features(x, first))

    def readout(self, f: torch.Tensor) -> torch.Tensor:
        """Cochleagram steps ``[B, T * k, n_out]`` from per-frame features ``f [B, T, D]``
        (:meth:`features`): ReLU, dropout, the affine read-out of ``k`` steps per frame, and the
        training targets' scale."""
        f = self.drop(torch.relu(f))
        b, t = f.shape[:2]
        if self.rnn and self.lstm_rate == "audio":
            z = self.head(f.repeat_interleave(self.k, dim=1))  # [B, T*k, n_out]
        else:
            z = self.head(f).reshape(b, t * self.k, self.n_out)
        return self.out_mean + self.out_std * z


def robust_loss(pred: torch.Tensor, target: torch.Tensor, eps: float = 1e-2) -> torch.Tensor:
    """The paper's robust regression loss ``ρ(r_t) = log(ε + r_t²)``, ``r_t = ‖ŝ_t − s_t‖₂``.

    Averaged over steps and clips (the paper sums over time; the mean only rescales). A large
    error costs only logarithmically more than a moderate one, so rare, hard steps (a hit whose
    loudness the picture cannot tell) do not dominate training.

    Args:
        pred, target: ``[B, F, C]`` predicted and real cochleagram steps.
        eps: ε > 0, the error scale below which the loss flattens out (our choice; the paper's
            value is not in the sources we could verify).

    Returns:
        Scalar tensor.

    Notebook: 05_2016_visually_indicated_sounds
    """
    if pred.shape != target.shape:
        raise ValueError(f"pred {tuple(pred.shape)} and target {tuple(target.shape)} differ in shape")
    if not eps > 0:
        raise ValueError(f"eps must be positive, got {eps}")
    r2 = (pred - target).pow(2).sum(dim=-1)
    return torch.log(eps + r2).mean()


def make_batches(data: VISData, batch_size: int, generator: torch.Generator, motion: bool = True,
                 crop_frames: int | None = None) -> Callable[[int], tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """A batch function for :func:`foley_nb_utils.train.fit`: ``step -> (x, first, target)``.

    Clips are drawn without replacement within an epoch, in an order from ``generator``. With
    ``crop_frames``, each batch is a random window of that many frames (and the matching
    ``crop_frames * k`` cochleagram steps), the same window for the whole batch: shorter
    sequences make each step cheaper, and the model still sees every part of every clip.

    Args:
        data: the training clips.
        batch_size: clips per batch.
        generator: torch Generator (the run's ``ctx.torch_gen("...")``).
        motion: spacetime images (True) or RGB frames (False).
        crop_frames: window length in frames (None: whole clips).

    Returns:
        A function ``step -> (x [B,T',3,s,s], first [B,3,s,s], target [B,T'k,C])``.

    Notebook: 05_2016_visually_indicated_sounds
    """
    n = len(data)
    if not 1 <= batch_size <= n:
        raise ValueError(f"batch_size must be in 1..{n} (the number of clips), got {batch_size}")
    x_all = data.motion if motion else data.rgb
    t_all, k = x_all.shape[1], data.steps_per_frame
    if crop_frames is not None and not 1 <= crop_frames <= t_all:
        raise ValueError(f"crop_frames must be in 1..{t_all} (frames per clip), got {crop_frames}")
    target = torch.from_numpy(data.coch).transpose(1, 2).contiguous()  # [N, F, C]
    per_epoch = n // batch_size
    crop = t_all if crop_frames is None else crop_frames
    plan: list[tuple[torch.Tensor, torch.Tensor]] = []  # per epoch: clip order, crop starts

    def batch(step: int):
        epoch, j = divmod(step, per_epoch)
        while len(plan) <= epoch:  # drawn epoch by epoch, so batch(step) is fixed once drawn
            plan.append((torch.randperm(n, generator=generator),
                         torch.randint(0, t_all - crop + 1, (per_epoch,), generator=generator)))
        order, starts = plan[epoch]
        idx = order[j * batch_size:(j + 1) * batch_size]
        s = int(starts[j])
        return x_all[idx, s:s + crop], data.first[idx], target[idx, s * k:(s + crop) * k]

    return batch


@torch.no_grad()
def predict(model: SoundPredictor, x: torch.Tensor, first: torch.Tensor, batch_size: int = 32,
            device="cpu") -> np.ndarray:
    """Predicted cochleagrams of many clips, in the audio convention.

    Args:
        model: a trained :class:`SoundPredictor` (put in eval mode here).
        x: ``[N, T, 3, s, s]`` inputs (spacetime or RGB, as the model was trained).
        first: ``[N, 3, s, s]`` first colour frames.
        batch_size: clips per forward pass.
        device: where to run.

    Returns:
        float32 ``[N, C, T * k]``, clipped at 0 (envelopes are non-negative).

    Notebook: 05_2016_visually_indicated_sounds
    """
    model.eval().to(device)
    outs = [model(x[i:i + batch_size].to(device), first[i:i + batch_size].to(device)).float().cpu()
            for i in range(0, len(x), batch_size)]
    return torch.cat(outs).clamp_min(0).transpose(1, 2).contiguous().numpy()


# ------------------------------------------------------------------------ onsets and windows
def envelope_onsets(coch: np.ndarray, env_sr: int = ENV_SR, delta: float = 0.1, wait_s: float = 0.05,
                    conf_window_s: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Onsets in a (predicted) cochleagram, each with a confidence for average precision.

    Onsets come from :func:`foley_nb_utils.audio.detect_onsets_from_envelope` (spectral flux of
    the decompressed envelope summed over channels). The confidence of an onset is the height of
    the loudness curve (summed decompressed envelope, divided by its maximum over the clip) at
    its largest within ``conf_window_s`` after the onset: a loud predicted hit is a confident one.

    Args:
        coch: ``[C, F]`` cochleagram at ``env_sr`` Hz (compression 0.3).
        env_sr: its rate in Hz.
        delta, wait_s: peak-picking threshold and minimum gap (seconds).
        conf_window_s: how far after the onset to look for its peak (seconds).

    Returns:
        ``(times [k] in seconds, confidences [k] in [0, 1])``.

    Notebook: 05_2016_visually_indicated_sounds
    """
    c = np.asarray(coch, dtype=np.float32)
    if c.ndim != 2:
        raise ValueError(f"coch must be [C, F], got shape {c.shape}")
    times = _audio.detect_onsets_from_envelope(c, env_sr, delta=delta, wait_s=wait_s)
    loud = (np.maximum(c, 0.0).astype(np.float64) ** (1 / 0.3)).sum(axis=0)
    top = loud.max()
    if len(times) == 0 or top <= 0:
        return np.zeros(0), np.zeros(0)
    loud = loud / top
    w = max(1, int(round(conf_window_s * env_sr)))
    start = np.round(times * env_sr).astype(np.int64)
    conf = np.array([loud[s:s + w + 1].max(initial=0.0) for s in start])
    return times, conf


def windows(coch: np.ndarray, times, env_sr: int = ENV_SR, pre_s: float = 0.05, dur_s: float = 0.5) -> np.ndarray:
    """Fixed-length cochleagram windows starting ``pre_s`` before each time (edge-padded).

    Args:
        coch: ``[C, F]`` cochleagram at ``env_sr`` Hz.
        times: ``[k]`` event times in seconds.
        env_sr: cochleagram rate in Hz.
        pre_s: how much of the window lies before the event (seconds).
        dur_s: window length in seconds (0.5 s = 45 steps at 90 Hz, the paper's per-hit window).

    Returns:
        float32 ``[k, C, round(dur_s * env_sr)]``.

    Notebook: 05_2016_visually_indicated_sounds
    """
    c = np.asarray(coch, dtype=np.float32)
    if c.ndim != 2:
        raise ValueError(f"coch must be [C, F], got shape {c.shape}")
    t = np.asarray(times, dtype=np.float64).reshape(-1)
    w = int(round(dur_s * env_sr))
    if w < 1:
        raise ValueError(f"dur_s={dur_s} s is shorter than one step at {env_sr} Hz")
    start = np.round((t - pre_s) * env_sr).astype(np.int64)
    idx = np.clip(start[:, None] + np.arange(w)[None, :], 0, c.shape[1] - 1)  # edge padding
    return np.ascontiguousarray(c[:, idx].transpose(1, 0, 2))


# --------------------------------------------------------------------------- waveform synthesis
@dataclass
class ExampleBank:
    """Real training windows and their waveforms, for example-based synthesis.

    Two kinds of window: *onset* windows start ``pre_s`` before a sound event; *quiet* windows
    hold no event (the room's background), to fill the time between events.

    Attributes:
        features: float32 ``[M, C, W]`` cochleagram windows (W steps at ``env_sr``).
        sounds: float32 ``[M, L]`` the waveform of each window (L = ``dur_s * sr`` samples).
        quiet: bool ``[M]``: True for a background window, False for an onset window.
        usable: int ``[M]`` samples of each waveform before the next event of its source clip
            (pasting stops there, so one window brings one event).
        clip: int ``[M]`` training clip each window comes from.
        time_s: float ``[M]`` start of the event (onset windows) or of the window (quiet ones).
        sr, env_sr, pre_s, dur_s: audio rate (Hz), cochleagram rate (Hz), window offset and
            length (s).
        info: per-window extras (e.g. ``info["material"]``; quiet windows get None).

    Notebook: 05_2016_visually_indicated_sounds
    """

    features: np.ndarray
    sounds: np.ndarray
    quiet: np.ndarray
    usable: np.ndarray
    clip: np.ndarray
    time_s: np.ndarray
    sr: int
    env_sr: int
    pre_s: float
    dur_s: float
    info: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.features)

    def nearest(self, queries: np.ndarray, quiet: bool = False) -> np.ndarray:
        """Index of the bank window nearest each query window by L1 distance.

        Args:
            queries: ``[Q, C, W]`` windows.
            quiet: search the quiet windows (True) or the onset windows (False).

        Returns:
            int64 ``[Q]`` indices into the whole bank.
        """
        q = np.asarray(queries, dtype=np.float32)
        if q.ndim != 3 or q.shape[1:] != self.features.shape[1:]:
            raise ValueError(f"queries must be [Q, {self.features.shape[1]}, {self.features.shape[2]}], "
                             f"got {q.shape}")
        pool = np.flatnonzero(self.quiet == quiet)
        if len(q) == 0:
            return np.zeros(0, dtype=np.int64)
        if len(pool) == 0:
            raise ValueError(f"the bank has no {'quiet' if quiet else 'onset'} window")
        d = torch.cdist(torch.from_numpy(q.reshape(len(q), -1)),
                        torch.from_numpy(self.features[pool].reshape(len(pool), -1)), p=1)
        return pool[d.argmin(dim=1).numpy()].astype(np.int64)


def _quiet_starts(times: np.ndarray, duration_s: float, dur_s: float, guard_s: float = 0.3) -> np.ndarray:
    """Window starts on a dur_s/2 grid with no event from ``guard_s`` before to the window's end."""
    grid = np.arange(0.0, duration_s - dur_s + 1e-9, dur_s / 2)
    if len(times) == 0:
        return grid
    t = np.asarray(times)[None, :]
    clear = ~np.any((t >= grid[:, None] - guard_s) & (t <= grid[:, None] + dur_s), axis=1)
    return grid[clear]


def build_bank(coch: np.ndarray, audio: np.ndarray, sr: int, onsets: list | None = None,
               env_sr: int = ENV_SR, pre_s: float = 0.05, dur_s: float = 0.5,
               info: dict[str, list] | None = None) -> ExampleBank:
    """Collect a window (features and waveform) at every onset of the training clips, and quiet ones.

    Args:
        coch: ``[N, C, F]`` real cochleagrams of the training clips.
        audio: ``[N, n]`` their waveforms at ``sr`` Hz.
        sr: audio rate in Hz.
        onsets: per clip, onset times in seconds (e.g. the annotated events); None → detected
            in the real cochleagram with :func:`envelope_onsets` (the detector example-based
            synthesis runs on the predicted one; works on unlabelled data).
        env_sr: cochleagram rate in Hz.
        pre_s, dur_s: window start before the onset and window length (seconds).
        info: optional per-clip lists of per-onset values (e.g. ``{"material": [...]}``) kept
            in ``bank.info`` in window order.

    Returns:
        An :class:`ExampleBank` (ValueError if no onset was found anywhere).

    Notebook: 05_2016_visually_indicated_sounds
    """
    coch = np.asarray(coch, dtype=np.float32)
    audio = np.asarray(audio, dtype=np.float32)
    if coch.ndim != 3 or audio.ndim != 2 or len(coch) != len(audio):
        raise ValueError(f"coch must be [N, C, F] and audio [N, n] with the same N, got {coch.shape}, {audio.shape}")
    if onsets is None:
        onsets = [envelope_onsets(c, env_sr)[0] for c in coch]
    if len(onsets) != len(coch):
        raise ValueError(f"{len(onsets)} onset lists for {len(coch)} clips")
    length = int(round(dur_s * sr))
    duration = audio.shape[1] / sr
    feats, sounds, quiet, usable, clip, times = [], [], [], [], [], []
    extra: dict[str, list] = {k: [] for k in (info or {})}
    for i, raw in enumerate(onsets):
        raw = np.asarray(raw, dtype=np.float64).reshape(-1)
        order = np.argsort(raw, kind="stable")
        t = raw[order]
        padded = np.pad(audio[i], (length, length))
        quiet_starts = _quiet_starts(t, duration, dur_s)
        for starts, is_quiet in ((t - pre_s, False), (quiet_starts, True)):
            if len(starts) == 0:
                continue
            feats.append(windows(coch[i], starts, env_sr, 0.0, dur_s))
            for s0 in np.round(starts * sr).astype(np.int64) + length:
                sounds.append(padded[s0:s0 + length])
            quiet.extend([is_quiet] * len(starts))
            later = [t[t > s0 + pre_s + 0.02] for s0 in starts]  # the next event after this window's own
            usable.extend(length if is_quiet or len(nx) == 0 else
                          int(np.clip(round((nx[0] - 0.01 - s0) * sr), 1, length)) for s0, nx in zip(starts, later))
            clip.extend([i] * len(starts))
            times.extend((starts + (0.0 if is_quiet else pre_s)).tolist())
        for k, v in (info or {}).items():
            vals = list(v[i])
            if len(vals) != len(t):
                raise ValueError(f"info[{k!r}] of clip {i} has {len(vals)} values for {len(t)} onsets")
            extra[k].extend([vals[j] for j in order] + [None] * len(quiet_starts))
    quiet_arr = np.asarray(quiet, dtype=bool)
    if not (~quiet_arr).any():
        raise ValueError("build_bank: no onset in any training clip; the bank would have no sound events")
    return ExampleBank(np.concatenate(feats), np.stack(sounds).astype(np.float32), quiet_arr,
                       np.asarray(usable, dtype=np.int64), np.asarray(clip), np.asarray(times), int(sr), int(env_sr), float(pre_s), float(dur_s),
                       {k: np.asarray(v, dtype=object) for k, v in extra.items()})


def _fade(length: int, fade: int) -> np.ndarray:
    """Gain curve of ``length`` samples: raised-cosine fade-in and fade-out of ``fade`` samples."""
    g = np.ones(length, dtype=np.float32)
    f = min(fade, length // 2)
    if f > 0:
        ramp = (0.5 - 0.5 * np.cos(np.pi * (np.arange(f) + 0.5) / f)).astype(np.float32)
        g[:f] = ramp
        g[length - f:] *= ramp[::-1]
    return g


def example_based(pred: np.ndarray, bank: ExampleBank, n_samples: int, onsets=None,
                  crossfade_s: float = 0.01, fill_gaps: bool = True,
                  delta: float = 0.25) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Example-based synthesis: paste the real sound of the nearest training window at each onset.

    For each onset of the predicted cochleagram (detected with :func:`envelope_onsets` unless
    given), take the predicted window that starts ``bank.pre_s`` before it, find the nearest
    onset window of the bank by L1 distance and paste that window's waveform so that its onset
    lands on the predicted one. With ``fill_gaps``, stretches that no event covers get the
    nearest *quiet* window (the background of a training room), so the result never falls
    silent. Each pasted sound plays until the next one starts, then fades out over
    ``crossfade_s`` while the next fades in.

    Args:
        pred: ``[C, F]`` predicted cochleagram at ``bank.env_sr`` Hz.
        bank: the training windows (:func:`build_bank`).
        n_samples: output length in samples at ``bank.sr``.
        onsets: onset times in seconds (None: detect them in ``pred``).
        crossfade_s: length of the fades in seconds.
        fill_gaps: fill the time between events with quiet windows (when the bank has any).
        delta: onset threshold of :func:`envelope_onsets` (a prediction's small ripples must not
            each become a pasted hit).

    Returns:
        ``(waveform float32 [n_samples], info)`` with ``info["onsets"]`` (s),
        ``info["starts"]`` (s, every pasted window, onsets and gaps), ``info["chosen"]`` (bank
        index per pasted window) and ``info["quiet"]`` (which of them fill gaps).

    Notebook: 05_2016_visually_indicated_sounds
    """
    sr, dur = bank.sr, bank.dur_s
    duration = n_samples / sr
    t = (envelope_onsets(pred, bank.env_sr, delta=delta)[0] if onsets is None
         else np.sort(np.asarray(onsets, float).reshape(-1)))
    starts = list(t - bank.pre_s)
    quiet = [False] * len(starts)
    if fill_gaps and bank.quiet.any():  # background windows wherever no event window plays
        edges = [0.0, *[x for s0 in starts for x in (s0, s0 + dur)], duration]
        for lo, hi in zip(edges[0::2], edges[1::2]):
            g = np.arange(lo, hi - 1e-9, dur)
            starts += g.tolist()
            quiet += [True] * len(g)
    order = np.argsort(np.asarray(starts), kind="stable")
    starts = np.asarray(starts, dtype=np.float64)[order]
    quiet = np.asarray(quiet, dtype=bool)[order]
    chosen = np.zeros(len(starts), dtype=np.int64)
    for q in (False, True):
        if np.any(quiet == q):
            chosen[quiet == q] = bank.nearest(windows(pred, starts[quiet == q], bank.env_sr, 0.0, dur), quiet=q)
    y = np.zeros(int(n_samples), dtype=np.float32)
    fade = max(1, int(round(crossfade_s * sr)))
    first = np.round(starts * sr).astype(np.int64)
    length = bank.sounds.shape[1]
    for j, (s0, c) in enumerate(zip(first, chosen)):
        # play until the next pasted sound has faded in, at most the window length
        stop = length if j + 1 == len(first) else int(np.clip(first[j + 1] - s0 + fade, fade, length))
        stop = max(1, min(stop, int(bank.usable[c])))
        seg = bank.sounds[c, :stop] * _fade(stop, fade)
        lo, hi = max(0, s0), min(len(y), s0 + stop)
        if hi > lo:
            y[lo:hi] += seg[lo - s0:hi - s0]
    return y, {"onsets": t, "starts": starts, "chosen": chosen, "quiet": quiet}


def parametric(pred: np.ndarray, sr: int, n_samples: int, rng: np.random.Generator, env_sr: int = ENV_SR,
               n_iter: int = 1) -> np.ndarray:
    """Parametric synthesis: impose the predicted subband envelopes on white noise.

    One iteration (the paper's setting) of :func:`foley_nb_utils.audio.cochleagram_to_audio`:
    the noise keeps its fine structure in each ERB subband, the envelopes come from the
    prediction, so timing and spectral shape follow the prediction but tonal ringing is lost.

    Args:
        pred: ``[C, F]`` predicted cochleagram at ``env_sr`` Hz.
        sr: output rate in Hz.
        n_samples: output length in samples.
        rng: numpy Generator for the noise.
        env_sr: cochleagram rate in Hz.
        n_iter: envelope impositions.

    Returns:
        float32 ``[n_samples]``.

    Notebook: 05_2016_visually_indicated_sounds
    """
    return _audio.cochleagram_to_audio(np.maximum(pred, 0.0), sr, n_samples, rng, n_iter=n_iter, env_sr=env_sr)


def random_impact(audio: np.ndarray, n_clips: int, rng: np.random.Generator) -> np.ndarray:
    """The paper's weakest baseline: for each clip, the real sound of a random training clip.

    Args:
        audio: ``[M, n]`` training waveforms.
        n_clips: how many clips need a sound.
        rng: numpy Generator choosing the clips.

    Returns:
        float32 ``[n_clips, n]``.

    Notebook: 05_2016_visually_indicated_sounds
    """
    a = np.asarray(audio, dtype=np.float32)
    if a.ndim != 2 or len(a) == 0:
        raise ValueError(f"audio must be [M, n] with M >= 1, got shape {a.shape}")
    return a[rng.integers(0, len(a), size=int(n_clips))]


# ------------------------------------------------------------------------------- training
def train_predictor(data: VISData, *, motion: bool = True, rnn: bool = True, steps: int = 300,
                    batch_size: int = 16, crop_frames: int | None = 10, lr: float = 3e-3, eps: float = 1.0,
                    generator: torch.Generator, device="cpu", name: str | None = None,
                    model_kw: dict | None = None, progress: bool = True) -> tuple[SoundPredictor, Any]:
    """Build a :class:`SoundPredictor` and train it with :func:`robust_loss` (or load its checkpoint).

    Args:
        data: training clips.
        motion: spacetime inputs (True) or RGB frames (False, the "RGB only" ablation).
        rnn: LSTM (True) or per-frame regressor (False, the "no RNN" ablation).
        steps, batch_size, crop_frames, lr: optimisation settings (see :func:`make_batches`).
        eps: ε of the robust loss.
        generator: torch Generator for the batches (``ctx.torch_gen("m05", variant)``).
        device: where to train.
        name: checkpoint name (None: no checkpoint); the key covers every setting above, the
            model's layout and a fingerprint of the training targets.
        model_kw: extra :class:`SoundPredictor` arguments (``hidden``, ``widths``, ``lstm_rate``...).
        progress: show a progress bar.

    Returns:
        ``(model, history)``: the trained model (eval mode) and its
        :class:`foley_nb_utils.train.History`.

    Notebook: 05_2016_visually_indicated_sounds
    """
    from .. import train as _train

    kw = dict(model_kw or {})
    size = int(data.motion.shape[-1])
    model = SoundPredictor(data.steps_per_frame, size=size, rnn=rnn, **kw).set_output_scale(data.coch)
    config = {"method": "m05", "motion": motion, "rnn": rnn, "batch_size": batch_size, "crop_frames": crop_frames,
              "eps": eps, "model_kw": kw, "n_clips": len(data),
              "data": float(np.round(data.coch.astype(np.float64).sum(), 3)),  # fingerprint of the targets
              "generator_state": int(generator.initial_seed())}

    def loss_fn(m, batch):
        x, first, target = batch
        return robust_loss(m(x, first), target, eps=eps)

    hist = _train.fit(model, make_batches(data, batch_size, generator, motion=motion, crop_frames=crop_frames),
                      loss_fn, steps=steps, lr=lr, device=device, name=name, config=config, progress=progress,
                      desc=name or "m05")
    return model.eval(), hist


# ----------------------------------------------------------------------------- evaluation
HARD_MATERIALS = ("wood", "metal", "rock", "ceramic", "tile", "glass")
"""Rigid surfaces whose impacts ring (modal sounds); the paper found parametric synthesis worst on
hard materials such as wood and metal. The others (dirt, leaf, cloth, water, ...) are "soft"."""


def sync_features(audio: np.ndarray, sr: int, visible_times: list) -> np.ndarray:
    """What a viewer notices about timing: do the sound's onsets match the visible hits?

    Per clip: the fraction of visible events with a sound onset within 0.1 s, the number of
    onsets far (> 0.1 s) from every visible event per event, and the mean absolute time
    difference of the matched pairs (0.1 s when nothing matched). Onsets are found in the
    clip's cochleagram (:func:`foley_nb_utils.audio.cochleagrams`, :func:`envelope_onsets`), matched with
    :func:`foley_nb_utils.metrics.match_onsets`.

    Args:
        audio: ``[N, n]`` waveforms at ``sr`` Hz.
        sr: sample rate in Hz.
        visible_times: per clip, the times (s) at which the video shows a sound event (the
            annotations: what the viewer sees).

    Returns:
        float64 ``[N, 3]``.

    Notebook: 05_2016_visually_indicated_sounds
    """
    from ..metrics import match_onsets

    a = np.asarray(audio, dtype=np.float32)
    if a.ndim != 2 or len(a) != len(visible_times):
        raise ValueError(f"audio must be [N, n] with one list of visible times per clip; got {a.shape} "
                         f"and {len(visible_times)} lists")
    out = np.zeros((len(a), 3))
    for i, (c, vis) in enumerate(zip(_audio.cochleagrams(a, sr), visible_times)):
        vis = np.sort(np.asarray(vis, dtype=np.float64).reshape(-1))
        t, conf = envelope_onsets(c)
        m = match_onsets(vis, t, conf, tol_s=0.1) if len(vis) else np.zeros(0, np.int64)
        hit = m >= 0
        out[i, 0] = hit.mean() if len(vis) else 1.0
        out[i, 1] = (len(t) - hit.sum()) / max(1, len(vis))
        out[i, 2] = np.abs(t[m[hit]] - vis[hit]).mean() if hit.any() else 0.1
    return out


@dataclass
class Listener:
    """A stand-in for the paper's Mechanical Turk participants: it knows what real clips sound like.

    It has heard the real training clips (never a generated one) and describes each clip by
    coarse audio features (:func:`foley_nb_utils.metrics.summary_features` on ``n_mels`` bands:
    level, spread and attacks) and the timing features a viewer notices (:func:`sync_features`).
    The *realness* of a clip is minus half its squared standardised distance from the real
    clips' average, ``-½ Σ_f ((x_f − μ_f) / s_f)²`` (the log-likelihood of an axis-aligned
    Gaussian, up to a constant). Each spread ``s_f`` is floored at what a person would not
    notice (1 dB; 10 % of the hits; half an extra onset per hit; 20 ms): the real clips of a
    synthetic world are perfectly in sync, and a listener is not infinitely sharp.

    Attributes:
        mean, scale: ``[F]`` per-feature centre and (floored) spread.
        sr, n_mels: the audio settings.

    Notebook: 05_2016_visually_indicated_sounds
    """

    mean: np.ndarray
    scale: np.ndarray
    sr: int
    n_mels: int

    def features(self, audio: np.ndarray, visible_times: list) -> np.ndarray:
        """``[N, 3 * n_mels + 3]`` features of ``audio [N, n]`` for videos with ``visible_times``."""
        from ..metrics import summary_features

        a = np.asarray(audio, dtype=np.float32)
        return np.concatenate([summary_features(a, self.sr, n_mels=self.n_mels),
                               sync_features(a, self.sr, visible_times)], axis=1)

    def realness(self, audio: np.ndarray, visible_times: list) -> np.ndarray:
        """``[N]`` realness (higher = more real; about ``-F/2`` for a typical real clip)."""
        z = (self.features(audio, visible_times) - self.mean) / self.scale
        return -0.5 * (z**2).sum(axis=1)


def fit_listener(audio: np.ndarray, sr: int, visible_times: list, n_mels: int = 8) -> Listener:
    """Fit a :class:`Listener` on real clips.

    Args:
        audio: ``[N, n]`` real training soundtracks.
        sr: sample rate in Hz.
        visible_times: per clip, the visible event times (s).
        n_mels: mel bands of the audio features.

    Returns:
        A :class:`Listener`.

    Notebook: 05_2016_visually_indicated_sounds
    """
    probe = Listener(np.zeros(0), np.zeros(0), int(sr), int(n_mels))
    f = probe.features(audio, visible_times)
    if len(f) < 2:
        raise ValueError(f"fit_listener needs at least 2 real clips, got {len(f)}")
    floor = np.r_[np.full(3 * n_mels, 1.0), 0.1, 0.5, 0.02]
    return Listener(f.mean(axis=0), np.maximum(f.std(axis=0), floor), int(sr), int(n_mels))


def which_is_real(listener: Listener, real: np.ndarray, fakes: dict[str, np.ndarray],
                  visible_times: list, per_clip: bool = False) -> dict[str, dict[str, float]]:
    """The paper's "which is real?" study (two-alternative forced choice) with a :class:`Listener`.

    Each (real, generated) pair of the same video is played to the listener; the generated
    clip is *labeled real* when its realness is higher (ties count one half).

    Args:
        listener: from :func:`fit_listener` (fitted on *training* clips).
        real: ``[N, n]`` real soundtracks of the test videos.
        fakes: method name → ``[N, n]`` soundtracks for the same videos.
        visible_times: per test clip, the visible event times (s).
        per_clip: also return each test clip's realness and 2AFC outcome, so that two methods
            judged on the same videos can be compared clip by clip.

    Returns:
        method name → ``{"rate", "low", "high", "realness", "n_pairs"}``: the fraction of pairs
        labeled real with its Wilson 95 % interval, and the mean realness of the method's clips
        (``"real"`` is included: the real clips against themselves, rate 0.5). With
        ``per_clip=True`` each entry also holds ``"per_clip"``, float64 ``[N]`` realness of each
        test clip's sound (its mean is ``"realness"``), and ``"labelled_real"``, ``[N]`` 1 / ½ / 0
        per pair (its mean is ``"rate"``; ½ for every pair of ``"real"``).

    Notebook: 05_2016_visually_indicated_sounds
    """
    from ..metrics import proportion_ci

    r = listener.realness(real, visible_times)
    out = {"real": {"rate": 0.5, "low": 0.5, "high": 0.5, "realness": float(r.mean()), "n_pairs": len(r)}}
    if per_clip:
        out["real"].update(per_clip=r.astype(np.float64), labelled_real=np.full(len(r), 0.5))
    for name, fake in fakes.items():
        f = listener.realness(fake, visible_times)
        if f.shape != r.shape:
            raise ValueError(f"{name}: {len(f)} generated clips for {len(r)} real ones")
        fooled = (f > r) + 0.5 * (f == r)
        low, high = proportion_ci(fooled.sum(), len(r))
        out[name] = {"rate": float(fooled.mean()), "low": low, "high": high, "realness": float(f.mean()),
                     "n_pairs": len(r)}
        if per_clip:
            out[name].update(per_clip=f.astype(np.float64), labelled_real=fooled.astype(np.float64))
    return out


def material_features(coch: np.ndarray, times, env_sr: int = ENV_SR, pool: int = 45) -> np.ndarray:
    """Per-event features for the material SVM: the 0.5 s window after each event, pooled in time.

    The window of :func:`windows` (``[C, 45]`` at 90 Hz) is averaged over ``pool`` consecutive
    steps and flattened. The default averages the whole window: the event's mean spectrum, a
    compact timbre descriptor that a linear SVM fits from a few hundred events without
    memorising them (``pool=5`` keeps the decay too, at 9 times the dimension).

    Args:
        coch: ``[C, F]`` cochleagram (real or predicted).
        times: ``[k]`` event times in seconds.
        env_sr: cochleagram rate in Hz.
        pool: steps averaged together.

    Returns:
        float32 ``[k, C * (W // pool)]``.

    Notebook: 05_2016_visually_indicated_sounds
    """
    w = windows(coch, times, env_sr)
    k, c, n = w.shape
    if not 1 <= pool <= n:
        raise ValueError(f"pool must be in 1..{n} (steps per window), got {pool}")
    m = n // pool
    return w[:, :, :m * pool].reshape(k, c, m, pool).mean(axis=3).reshape(k, c * m)


def train_per_frame_head(model: SoundPredictor, data: VISData, *, steps: int = 300, batch_size: int = 128,
                         lr: float = 3e-3, eps: float = 1.0, generator: torch.Generator, motion: bool = True,
                         device="cpu", name: str | None = None,
                         progress: bool = True) -> tuple[SoundPredictor, Any]:
    """The "no RNN" ablation on the same visual features: a per-frame regressor on φ's output.

    φ and φ_c are copied from ``model`` and frozen; only a two-layer perceptron that maps one
    frame's ``x_t`` to its ``k`` cochleagram steps is trained (with :func:`robust_loss`). What
    the LSTM adds is then exactly what separates the two models: memory of earlier frames
    (ringing that outlasts the hit, the context of a scratch). The features of every training
    frame are computed once, so this costs a fraction of training the full model.

    Args:
        model: the trained full model (its CNNs are reused).
        data: the training clips.
        steps, batch_size, lr, eps: optimisation of the perceptron (batches of frames).
        generator: torch Generator for the batches.
        motion: the inputs ``model`` was trained on.
        device: where to train.
        name: checkpoint name (None: no checkpoint).
        progress: show a progress bar.

    Returns:
        ``(ablation, history)``: a :class:`SoundPredictor` with ``rnn=False`` (eval mode).

    Notebook: 05_2016_visually_indicated_sounds
    """
    from .. import train as _train

    hp = {**model.hparams, "rnn": False}
    ablation = SoundPredictor(**hp).set_output_scale(data.coch)
    ablation.cnn.load_state_dict(model.cnn.state_dict())
    if ablation.color_cnn is not None:
        ablation.color_cnn.load_state_dict(model.color_cnn.state_dict())
    for p in [*ablation.cnn.parameters(), *(ablation.color_cnn.parameters() if ablation.color_cnn else [])]:
        p.requires_grad_(False)
    ablation.eval()
    x_all = data.motion if motion else data.rgb
    with torch.no_grad():
        feats = torch.cat([torch.relu(ablation.features(x_all[i:i + 32], data.first[i:i + 32]))
                           for i in range(0, len(data), 32)])  # [N, T, D]
    n, t, k = feats.shape[0], feats.shape[1], ablation.k
    target = torch.from_numpy(data.coch).transpose(1, 2).reshape(n, t, k, -1)  # steps of each frame
    feats, target = feats.reshape(n * t, -1), target.reshape(n * t, k, -1)

    def batch(step: int):
        idx = torch.randint(0, n * t, (batch_size,), generator=generator)
        return feats[idx], target[idx]

    mean, std = ablation.out_mean, ablation.out_std

    def loss_fn(head, b):
        f, y = b
        return robust_loss(mean + std * head(f).view(len(f), k, -1), y, eps=eps)

    config = {"method": "m05-per-frame", "batch_size": batch_size, "eps": eps, "n_frames": int(n * t),
              "features": float(np.round(feats.double().sum().item(), 3))}
    hist = _train.fit(ablation.head, batch, loss_fn, steps=steps, lr=lr, device=device, name=name, config=config,
                      progress=progress, desc=name or "m05 per-frame head")
    return ablation.eval(), hist


# ----------------------------------------------------------------------------------- data
def load_clips(n_clips: int, seed: int, profile: str = "quick", data_dir=None, *, frame_size: int = 64,
               fps: float = 15.0, clip_s: float = 2.0, **world) -> tuple[Any, Any]:
    """Training and test clips of hitting and scratching: the synthetic ``hits`` world or Greatest Hits.

    Synthetic (``data_dir`` None): ``n_clips`` clips of :func:`foley_nb_utils.synth.hits.generate`
    (``world`` overrides its settings, e.g. ``camera_jitter=False``), split as the Greatest Hits
    layout splits them (every fifth clip is a test clip). Real: the ``train`` and ``test`` lists
    of a Greatest Hits folder through :func:`foley_nb_utils.datasets.greatest_hits.load`, cut into
    ``clip_s``-second clips at ``fps`` and ``frame_size`` pixels (at most ``n_clips`` in all).

    Args:
        n_clips: clips in all (train + test).
        seed: the world's seed (synthetic only).
        profile: ``"quick"`` or ``"full"`` world sizes (synthetic only).
        data_dir: a Greatest Hits root, or None for the synthetic world.
        frame_size, fps, clip_s: decoding settings for real data.
        **world: overrides of the synthetic world's settings.

    Returns:
        ``(train, test)`` SceneBatches.

    Notebook: 05_2016_visually_indicated_sounds
    """
    if data_dir is None:
        from ..synth import common, hits

        batch = hits.generate(int(n_clips), seed=seed, profile=profile, **world)
        test = np.array([common.is_test(i) for i in range(len(batch))])
        return batch.subset(np.flatnonzero(~test)), batch.subset(np.flatnonzero(test))
    from ..datasets import greatest_hits

    n_test = max(1, int(n_clips) // 5)
    kw = dict(fps=fps, size=frame_size, sr=16000, windows="fixed", clip_s=clip_s)
    return (greatest_hits.load(data_dir, "train", max_clips=int(n_clips) - n_test, **kw),
            greatest_hits.load(data_dir, "test", max_clips=n_test, **kw))
