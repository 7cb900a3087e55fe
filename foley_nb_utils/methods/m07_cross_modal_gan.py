"""Chen et al., "Deep Cross-Modal Audio-Visual Generation" (ACM MM 2017 Workshops, survey [3]).

Musical-performance image ↔ 0.5 s sound, both directions, with conditional GANs whose
condition comes from a *classification-trained* encoder of the other modality. The pieces, in
the order notebook 07 teaches them:

1. **Inputs** (:func:`prepare`): images at 32×32 in [-1, 1]; sound as a log-amplitude mel
   spectrogram (LMS) of 64 mel bands × 32 frames (1024-point FFT, hop 256 at 16 kHz: the audio
   judge's own representation, so that a generated LMS can be judged without a lossy
   waveform round trip, as the paper judged its generated LMS directly), scaled to [-1, 1].
2. **Which audio encoding?** (:func:`audio_features`, :class:`ConvClassifier`): the same small
   CNN, trained alike, on the raw waveform, the linear STFT magnitude, the linear mel spectrogram
   (the paper's "MS") and the LMS; the paper found LMS best (its Table 1).
3. **Encoders** (:func:`train_encoder`): an LMS classifier is the sound encoder of S2I, an image
   classifier the image encoder of I2S (both trained longer than the comparison's classifiers);
   their 128-d penultimate layer, standardised (:func:`conditions`), is the condition. An
   auto-encoder trained on LMS (:class:`AudioAutoencoder`) gives the S2I-A ablation's encoder.
4. **Conditional GAN** (:class:`CondGenerator`, :class:`CondDiscriminator`): GAN-CLS (Reed et al.
   2016): the condition is mapped to 64-d, concatenated with noise ``z`` (10-d) and decoded by a
   DCGAN-style generator; the discriminator sees (sample, condition) pairs and learns three
   kinds: real + matching (real), generated + matching (fake) and real + *mismatched* — a real
   sample of a different class (fake). :func:`gan_cls_losses`; ``mismatch=False`` is S2I-N.
5. **Training** (:func:`train_cgan`, :func:`fit_tracked`): ``fit_gan`` (Adam, β1 = 0.5) with the
   judge's accuracy on generated samples tracked on a validation split every few steps; the
   generator (an exponential moving average of its weights) of the best tracked step is kept
   (the paper picks its checkpoint by classifier accuracy: accuracy rises, then collapses).
6. **Evaluation** (:func:`s2i_accuracy`, :func:`i2s_accuracy`): the instrument judges of
   :mod:`foley_nb_utils.metrics.judges` classify generated images and generated LMS.

:func:`train_variant` trains one of the paper's models (:data:`VARIANTS`) and judges it.
Sizes per profile: :data:`SETTINGS`.

Shapes: images ``[N, 3, 32, 32]``; LMS ``[N, 1, 64, 32]``; waveforms ``[N, 8000]`` at 16 kHz;
conditions (encoder features) ``[N, 128]``; labels ``[N]`` int64.

Notebook: 07_2017_cross_modal_gan
"""
from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .. import repro
from .. import nn as _nn
from ..train import build_seeded

__all__ = [
    "CLIP_S",
    "COND_DIM",
    "HOP",
    "IMG",
    "N_FFT",
    "N_MELS",
    "REPRESENTATIONS",
    "SETTINGS",
    "SR",
    "VARIANTS",
    "Z_DIM",
    "AudioAutoencoder",
    "CondDiscriminator",
    "CondGenerator",
    "ConvClassifier",
    "Down",
    "GanRun",
    "PairData",
    "accuracy",
    "classifier_correct",
    "correct_of",
    "i2s_correct",
    "image_correct",
    "lms_correct",
    "s2i_correct",
    "audio_features",
    "Standardise",
    "build_seeded",
    "classifier_features",
    "conditions",
    "run_jobs",
    "run_key",
    "encoder_inputs",
    "db_range",
    "fit_tracked",
    "gan_cls_losses",
    "generate",
    "i2s_accuracy",
    "image_accuracy",
    "images_in",
    "images_to_uint8",
    "judge_lms",
    "judges",
    "lms_accuracy",
    "lms_to_audio",
    "load_data",
    "prepare",
    "s2i_accuracy",
    "settings",
    "train_autoencoder",
    "train_cgan",
    "train_classifier",
    "train_encoder",
    "train_encoders",
    "train_variant",
    "train_variants",
    "variant_job",
    "wrong_class_index",
]

IMG = 32
"""Side of the (square) images in pixels."""
SR = 16000
"""Audio sample rate in Hz (the instruments world's and the audio judge's)."""
CLIP_S = 0.5
"""Length of a Sub-URMP chunk in seconds."""
N_MELS, N_FFT, HOP = 64, 1024, 256
"""Log-mel settings: 64 bands, 1024-point FFT, hop 256 samples (the audio judge's)."""
COND_DIM = 128
"""Size of an encoder's penultimate layer (the condition), as in the paper's Fig. 4."""
Z_DIM = 10
"""Noise size (the paper's Fig. 2: a 10-d z next to the 64-d condition embedding)."""
REPRESENTATIONS = ("waveform", "stft", "mel", "logmel")
"""Audio encodings compared for the instrument classifier (the paper's Table 1 also has CQT, MFCC)."""
TOP_DB = 80.0
"""Dynamic range of a log-mel in dB (values below ``max - TOP_DB`` are floored)."""

#: Sizes per profile: clips per split, optimiser steps, batch size, tracking interval. The quick
#: test split is twice the training split: evaluation is cheap next to training, and the claims of
#: notebooks 07 and 08 are decided from per-test-clip measurements (about ±3 points at 95 % on
#: 1040 clips, where 208 gave about ±7).
SETTINGS: dict[str, dict[str, Any]] = {
    "quick": dict(profile="quick", n_train=520, n_val=104, n_test=1040, clf_steps=120, clf_batch=16, clf_lr=3e-3,
                  enc_steps=250, enc_batch=32, gan_steps=400, batch=16, track_every=50, base=8, depth=3, lr_g=1e-3,
                  lr_d=2e-3),
    "full": dict(profile="full", n_train=10400, n_val=1040, n_test=2600, clf_steps=1000, clf_batch=64,
                 clf_lr=3e-3, enc_steps=3000, enc_batch=64, gan_steps=6000, batch=64, track_every=250, base=32,
                 depth=3, lr_g=2e-4, lr_d=4e-4),
}


def settings(profile: str, **overrides: Any) -> dict[str, Any]:
    """The experiment's sizes for ``profile`` (see :data:`SETTINGS`), with overrides.

    Notebook: 07_2017_cross_modal_gan
    """
    cfg = dict(SETTINGS[repro.check_profile(profile)])
    bad = sorted(set(overrides) - set(cfg))
    if bad:
        raise ValueError(f"unknown setting(s) {bad}; known: {sorted(cfg)}")
    cfg.update(overrides)
    return cfg


def _seed_of(seed: int, *keys: Any) -> int:
    return int(repro.rng(seed, *keys).integers(0, 2**31))


# ----------------------------------------------------------------------------------- inputs
def images_in(frames, size: int = IMG) -> torch.Tensor:
    """uint8 images ``[N, H, W, 3]`` → float ``[N, 3, size, size]`` in [-1, 1] (area resize).

    Notebook: 07_2017_cross_modal_gan
    """
    f = np.asarray(frames)
    if f.ndim != 4 or f.shape[-1] != 3 or f.dtype != np.uint8:
        raise ValueError(f"images must be uint8 [N, H, W, 3], got {f.dtype} {f.shape}")
    x = torch.from_numpy(np.ascontiguousarray(f)).permute(0, 3, 1, 2).float() / 127.5 - 1.0
    if x.shape[-2:] != (size, size):
        x = F.interpolate(x, size=(size, size), mode="area")
    return x.contiguous()


def images_to_uint8(x: torch.Tensor) -> np.ndarray:
    """Float images ``[N, 3, H, W]`` in [-1, 1] → uint8 ``[N, H, W, 3]`` (for judges and plots).

    Notebook: 07_2017_cross_modal_gan
    """
    if x.ndim != 4 or x.shape[1] != 3:
        raise ValueError(f"images must be [N, 3, H, W], got {tuple(x.shape)}")
    u = ((x.detach().float().cpu().clamp(-1, 1) + 1.0) * 127.5).round().to(torch.uint8)
    return u.permute(0, 2, 3, 1).numpy()


def _check_audio(audio, sr: int) -> torch.Tensor:
    if not isinstance(sr, (int, np.integer)) or isinstance(sr, bool) or sr <= 0:
        raise ValueError(f"sr must be a positive int (Hz), got {sr!r}")
    a = np.asarray(audio.detach().cpu() if torch.is_tensor(audio) else audio, dtype=np.float32)
    if a.ndim != 2 or a.shape[0] == 0 or a.shape[1] < N_FFT // 2 + 1:
        raise ValueError(f"audio must be [N, n] with n > {N_FFT // 2} samples, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError("audio contains NaN or infinity")
    return torch.from_numpy(a)


def audio_features(audio, sr: int, kind: str = "logmel") -> torch.Tensor:
    """One of the audio encodings compared by the paper's Table 1, for a batch of clips.

    Args:
        audio: float ``[N, n]`` waveforms at ``sr`` Hz.
        sr: sample rate in Hz.
        kind: ``"waveform"`` (the samples, cut into frames of ``HOP`` samples shown side by
            side: column ``j`` holds samples ``j·HOP … (j+1)·HOP − 1``; the same 2-D CNN then
            reads it), ``"stft"`` (linear STFT magnitude, 513 bins),
            ``"mel"`` (linear mel power, the paper's "MS") or ``"logmel"`` (mel power in dB,
            floored ``TOP_DB`` below each clip's maximum: the paper's "LMS").

    Returns:
        float32 ``[N, 1, HOP, ceil(n / HOP)]`` for the waveform, else
        ``[N, 1, bins, 1 + n // HOP]`` (bins: 513 for the STFT, 64 for the mel encodings).

    Notebook: 07_2017_cross_modal_gan
    """
    from ..metrics.features import log_mel_batch

    if kind not in REPRESENTATIONS:
        raise ValueError(f"unknown audio encoding {kind!r}; choose one of {REPRESENTATIONS}")
    x = _check_audio(audio, sr)
    if kind == "waveform":  # frames of HOP samples side by side, zero-padded to whole frames
        n_frames = -(-x.shape[1] // HOP)
        x = F.pad(x, (0, n_frames * HOP - x.shape[1]))
        return x.view(len(x), 1, n_frames, HOP).transpose(2, 3).contiguous()
    if kind == "stft":
        spec = torch.stft(x, n_fft=N_FFT, hop_length=HOP, window=torch.hann_window(N_FFT), center=True,
                          pad_mode="constant", return_complex=True)
        return spec.abs().unsqueeze(1).float()
    db = log_mel_batch(x.numpy(), int(sr), n_mels=N_MELS, n_fft=N_FFT, hop=HOP, top_db=TOP_DB)
    out = db if kind == "logmel" else torch.pow(10.0, db / 10.0)
    return out.unsqueeze(1).float()


def db_range(lms_db: torch.Tensor) -> tuple[float, float]:
    """The dB range ``(floor, ceil)`` that maps a data set's log-mels to [-1, 1].

    The quietest and loudest values of the training log-mels, rounded outwards to whole dB: every
    training log-mel fits without clipping (each clip has its own floor, ``TOP_DB`` below its
    own maximum, so a fixed ``ceil − 80`` would clip quiet clips).

    Notebook: 07_2017_cross_modal_gan
    """
    if lms_db.numel() == 0 or not bool(torch.isfinite(lms_db).all()):
        raise ValueError("db_range needs a non-empty, finite log-mel tensor")
    return float(math.floor(float(lms_db.min()))), float(math.ceil(float(lms_db.max())))


@dataclass
class PairData:
    """Paired images and sounds of one split, ready for the networks.

    Attributes:
        images: float ``[N, 3, 32, 32]`` in [-1, 1].
        lms: float ``[N, 1, 64, F]`` log-mel scaled to [-1, 1] with ``db_range`` (``F`` =
            ``1 + n // HOP`` frames padded with silence to a multiple of 16: 32 at 16 kHz).
        labels: int64 ``[N]`` instrument indices into ``classes``.
        audio: float32 ``[N, n]`` waveforms at ``sr`` (0.5 s).
        sr: sample rate in Hz.
        classes: instrument names.
        db_range: ``(floor, ceil)`` dB mapped to ``(-1, 1)`` (from the training split).

    Notebook: 07_2017_cross_modal_gan
    """

    images: torch.Tensor
    lms: torch.Tensor
    labels: torch.Tensor
    audio: np.ndarray
    sr: int
    classes: tuple[str, ...]
    db_range: tuple[float, float]

    def __len__(self) -> int:
        return len(self.labels)

    def lms_db(self, lms: torch.Tensor | None = None) -> torch.Tensor:
        """Log-mels ``[N, 64, F]`` in dB (``lms``: scaled ``[N, 1, 64, F]``; default: this split's)."""
        lo, hi = self.db_range
        return _nn.unit_to_db((self.lms if lms is None else lms).squeeze(1), lo, hi)

    def subset(self, idx) -> PairData:
        """The items ``idx`` (indices or a boolean mask) as a new :class:`PairData`."""
        idx = torch.as_tensor(idx)
        if idx.dtype == torch.bool:
            idx = idx.nonzero().squeeze(1)
        i = idx.numpy()
        return PairData(self.images[idx], self.lms[idx], self.labels[idx], self.audio[i], self.sr,
                        self.classes, self.db_range)


def prepare(batch, db: tuple[float, float] | None = None, size: int = IMG, sr: int = SR) -> PairData:
    """A Sub-URMP-style batch (synthetic ``instruments`` or the real loader's) → :class:`PairData`.

    Args:
        batch: :class:`~foley_nb_utils.synth.common.SceneBatch` with images ``[N, H, W, 3]``,
            audio ``[N, n]`` and ``labels["instrument"]``.
        db: the training split's dB range (None: fit it on this batch, i.e. this *is* the
            training split).
        size: image side in pixels.
        sr: sample rate of the model's audio (resampled when the batch's differs; clips are
            cut or zero-padded to 0.5 s).

    Returns:
        :class:`PairData`.

    Notebook: 07_2017_cross_modal_gan
    """
    from ..audio import resample

    if "instrument" not in getattr(batch, "labels", {}):
        raise ValueError("batch has no 'instrument' labels (expected the instruments world or Sub-URMP)")
    frames = np.asarray(batch.frames)
    if frames.ndim != 4:
        raise ValueError(f"expected one image per clip [N, H, W, 3], got frames of shape {frames.shape}")
    audio = np.asarray(batch.audio, dtype=np.float32)
    if int(batch.sr) != sr:
        audio = np.asarray(resample(audio, int(batch.sr), sr), dtype=np.float32)
    n = int(round(CLIP_S * sr))
    audio = audio[:, :n] if audio.shape[1] >= n else np.pad(audio, ((0, 0), (0, n - audio.shape[1])))
    labels = torch.as_tensor(np.asarray(batch.labels["instrument"]), dtype=torch.long)
    if bool((labels < 0).any()):
        raise ValueError(f"{int((labels < 0).sum())} clips have no instrument label")
    lms_db = audio_features(audio, sr, "logmel").squeeze(1)
    lo, hi = db_range(lms_db) if db is None else db
    lms = _nn.db_to_unit(lms_db, lo, hi).unsqueeze(1)
    pad = -lms.shape[-1] % 16  # generators and the auto-encoder need frames divisible by 16
    lms = F.pad(lms, (0, pad), value=-1.0)  # padded frames are silence (the dB floor)
    return PairData(images_in(frames, size), lms.contiguous(), labels, audio, sr,
                    tuple(batch.classes["instrument"]), (lo, hi))


def load_data(seed: int, profile: str = "quick", data_dir=None, cfg: dict | None = None,
              sr: int = SR) -> dict[str, PairData]:
    """Train / validation / test splits of the instruments world (or of Sub-URMP on disk).

    The synthetic splits are consecutive, disjoint runs of one world (same players, different
    notes and poses), drawn from the run's seed.

    Args:
        seed: the run's seed.
        profile: ``"quick"`` or ``"full"`` (split sizes from :data:`SETTINGS`).
        data_dir: a Sub-URMP root (``{img,chunk}/{train,test}/<instrument>/``); None → synthetic.
        cfg: settings (default :func:`settings` ``(profile)``).
        sr: the models' sample rate in Hz (the audio judge's; audio is resampled to it).

    Returns:
        ``{"train", "val", "test"}`` → :class:`PairData` (the dB range of the training split).

    Notebook: 07_2017_cross_modal_gan
    """
    cfg = cfg or settings(profile)
    if data_dir is None:
        from ..synth import instruments

        world = _seed_of(seed, "m07-world")
        n = {p: int(cfg[f"n_{p}"]) for p in ("train", "val", "test")}
        start = {"train": 0, "val": n["train"], "test": n["train"] + n["val"]}
        parts = {p: instruments.generate(n[p], seed=world, profile=profile, start=start[p]) for p in n}
    else:
        from ..datasets import sub_urmp

        train = sub_urmp.load(data_dir, split="train", size=2 * IMG, sr=sr)
        test = sub_urmp.load(data_dir, split="test", size=2 * IMG, sr=sr)
        idx = repro.rng(seed, "m07-val-split").permutation(len(train))
        n_val = max(1, len(train) // 10)
        parts = {"train": train.subset(np.sort(idx[n_val:])), "val": train.subset(np.sort(idx[:n_val])),
                 "test": test}
    train = prepare(parts["train"], sr=sr)
    return {"train": train, "val": prepare(parts["val"], train.db_range, sr=sr),
            "test": prepare(parts["test"], train.db_range, sr=sr)}


# ----------------------------------------------------------------------------------- encoders
class Standardise(nn.Module):
    """``x → (x − mean) / std`` with one mean and std (buffers, saved in the checkpoint),
    fitted on training inputs by :meth:`fit`.

    Notebook: 07_2017_cross_modal_gan
    """

    def __init__(self):
        super().__init__()
        self.register_buffer("mean", torch.zeros(()))
        self.register_buffer("std", torch.ones(()))

    def fit(self, x: torch.Tensor) -> Standardise:
        self.mean.copy_(x.float().mean())
        self.std.copy_(x.float().std().clamp_min(1e-6))
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std


def _conv_trunk(in_shape: Sequence[int], widths: Sequence[int]) -> tuple[nn.Sequential, int]:
    """Conv 3×3 → max-pool → BatchNorm → ReLU blocks for ``[C, H, W]`` inputs; returns the trunk
    and its flattened output size (pooling before normalising: the same features, a quarter of
    the memory traffic).

    Pools are 2×2, except that the first block of a tall input (a 513-bin STFT, a framed
    waveform) pools ``H // 32`` rows at once: every encoding then reaches the same map size after
    the first block and the rest of the network is the same (and as cheap).
    """
    if len(in_shape) != 3:
        raise ValueError(f"in_shape must be [C, H, W], got {tuple(in_shape)}")
    if not widths:
        raise ValueError("widths must name at least one block")
    chans = [int(in_shape[0]), *(int(w) for w in widths)]
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(chans[:-1], chans[1:])):
        pool = (max(2, int(in_shape[1]) // 32), 2) if i == 0 else (2, 2)
        layers += [nn.Conv2d(a, b, 3, padding=1), nn.MaxPool2d(pool), nn.BatchNorm2d(b), nn.ReLU()]
    trunk = nn.Sequential(*layers)
    with torch.no_grad():
        flat = trunk.eval()(torch.zeros(1, *in_shape)).numel()
    return trunk.train(), flat


class ConvClassifier(nn.Module):
    """The paper's encoder-classifier (its Figs. 4–5), scaled down: 4 conv blocks → FC 128 → classes.

    Conv 3×3 → max-pool → BatchNorm → ReLU, four times (see :func:`_conv_trunk`), then a fully
    connected layer to the 128-d feature (the *condition* a GAN receives), dropout, and a
    linear layer to the class logits. The input is standardised first (one mean and std fitted
    on the training inputs: :meth:`fit_input`).

    Args:
        in_shape: one input's shape: ``(1, bins, frames)`` or ``(3, 32, 32)``.
        n_classes: number of classes (13 instruments).
        widths: channels of the four conv blocks.
        dropout: dropout before the class layer (``fnu.nn.SeededDropout``: masks from the
            layer's own generator, so classifiers can train side by side).

    Shape: ``[B, *in_shape]`` → logits ``[B, n_classes]``; :meth:`features` → ``[B, 128]``.

    Notebook: 07_2017_cross_modal_gan
    """

    def __init__(self, in_shape: Sequence[int], n_classes: int, widths: Sequence[int] = (4, 8, 16, 16),
                 dropout: float = 0.5):
        super().__init__()
        if not isinstance(n_classes, int) or n_classes < 2:
            raise ValueError(f"n_classes must be an int >= 2, got {n_classes!r}")
        self.in_shape = tuple(int(s) for s in in_shape)
        self.norm = Standardise()
        self.trunk, flat = _conv_trunk(self.in_shape, widths)
        self.fc = nn.Sequential(nn.Flatten(), nn.Linear(flat, COND_DIM), nn.ReLU())
        self.head = nn.Sequential(_nn.SeededDropout(dropout), nn.Linear(COND_DIM, n_classes))

    def fit_input(self, x: torch.Tensor) -> ConvClassifier:
        """Fit the input standardisation on training inputs ``[N, *in_shape]``."""
        self.norm.fit(x)
        return self

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The 128-d penultimate layer ``[B, 128]`` (non-negative: after a ReLU)."""
        if tuple(x.shape[1:]) != self.in_shape:
            raise ValueError(f"expected inputs [B, {', '.join(map(str, self.in_shape))}], got {tuple(x.shape)}")
        return self.fc(self.trunk(self.norm(x)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


class AudioAutoencoder(nn.Module):
    """The S2I-A ablation's sound encoder: the classifier's trunk and FC 128, trained to
    *reconstruct* the log-mel through a mirrored decoder instead of to classify it.

    Shape: ``[B, 1, 64, F]`` → reconstruction (standardised units) of the same shape;
    :meth:`features` → ``[B, 128]``.

    Notebook: 07_2017_cross_modal_gan
    """

    def __init__(self, in_shape: Sequence[int] = (1, N_MELS, 32), widths: Sequence[int] = (4, 8, 16, 16)):
        super().__init__()
        self.encoder = ConvClassifier(in_shape, 2, widths)  # its class head is unused
        c, h, w = self.encoder.in_shape
        self.h0, self.w0 = h // 16, w // 16
        if self.h0 * 16 != h or self.w0 * 16 != w:
            raise ValueError(f"AudioAutoencoder needs bins and frames divisible by 16, got {in_shape}")
        ch = [widths[-1], *reversed(widths[:-1]), widths[0]]
        self.fc = nn.Sequential(nn.Linear(COND_DIM, ch[0] * self.h0 * self.w0), nn.ReLU())
        layers: list[nn.Module] = []
        for a, b in zip(ch[:-2], ch[1:-1]):
            layers += [nn.ConvTranspose2d(a, b, 4, 2, 1), nn.BatchNorm2d(b), nn.ReLU()]
        layers += [nn.ConvTranspose2d(ch[-2], c, 4, 2, 1)]
        self.decoder = nn.Sequential(*layers)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The 128-d code ``[B, 128]``."""
        return self.encoder.features(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.fc(self.features(x)).view(-1, self.decoder[0].in_channels, self.h0, self.w0)
        return self.decoder(h)


def _batches(n: int, batch_size: int, generator: torch.Generator):
    """``step -> index tensor``: shuffled epochs without replacement (order from ``generator``)."""
    order: list[torch.Tensor] = []

    def take(step: int) -> torch.Tensor:
        per = max(1, n // batch_size)
        epoch, k = divmod(step, per)
        while len(order) <= epoch:
            order.append(torch.randperm(n, generator=generator))
        return order[epoch][k * batch_size:(k + 1) * batch_size]

    return take


def train_classifier(model: ConvClassifier, x: torch.Tensor, y: torch.Tensor, *, steps: int, batch_size: int,
                     generator: torch.Generator, lr: float = 3e-3, name: str | None = None,
                     config: dict | None = None, device="cpu", progress: bool = False):
    """Train an encoder-classifier with cross-entropy (``fnu.train.fit``, checkpoint-if-present).

    Args:
        model: a :class:`ConvClassifier` (its input standardisation is fitted on ``x`` here).
        x: training inputs ``[N, *in_shape]``.
        y: int64 labels ``[N]``.
        steps, batch_size, lr: optimisation (AdamW, weight decay 1e-4).
        generator: torch Generator for the batch order.
        name, config: checkpoint name and the settings that identify this training.

    Returns:
        The :class:`~foley_nb_utils.train.History`.

    Notebook: 07_2017_cross_modal_gan
    """
    from ..train import fit

    if len(x) != len(y):
        raise ValueError(f"{len(x)} inputs but {len(y)} labels")
    model.fit_input(x)
    take = _batches(len(x), batch_size, generator)

    def loss_fn(m, b):
        logits = m(b[0])
        return F.cross_entropy(logits, b[1]), {"acc": float((logits.argmax(1) == b[1]).float().mean())}

    def batch(step: int):
        idx = take(step)
        return x[idx], y[idx]

    return fit(model, batch, loss_fn, steps=steps, lr=lr, weight_decay=1e-4,
               device=device, name=name, config=config, progress=progress, desc=name)


def train_autoencoder(model: AudioAutoencoder, x: torch.Tensor, *, steps: int, batch_size: int,
                      generator: torch.Generator, lr: float = 3e-3, name: str | None = None,
                      config: dict | None = None, device="cpu", progress: bool = False):
    """Train :class:`AudioAutoencoder` to reconstruct standardised log-mels (mean squared error).

    Args:
        model: the auto-encoder (input standardisation fitted on ``x`` here).
        x: training log-mels ``[N, 1, 64, F]``.
        steps, batch_size, generator, lr, name, config, device, progress: as for
            :func:`train_classifier`.

    Returns:
        The :class:`~foley_nb_utils.train.History`.

    Notebook: 07_2017_cross_modal_gan
    """
    from ..train import fit

    model.encoder.fit_input(x)
    take = _batches(len(x), batch_size, generator)

    def loss_fn(m, b):
        return F.mse_loss(m(b), m.encoder.norm(b))

    return fit(model, lambda s: x[take(s)], loss_fn, steps=steps, lr=lr, weight_decay=1e-4, device=device,
               name=name, config=config, progress=progress, desc=name)


@torch.no_grad()
def classifier_features(model: nn.Module, x: torch.Tensor, chunk: int = 512) -> torch.Tensor:
    """The frozen encoder's 128-d features ``[N, 128]`` of inputs ``x`` (eval mode, on CPU).

    Notebook: 07_2017_cross_modal_gan
    """
    model.eval()
    dev = next(model.parameters()).device
    return torch.cat([model.features(x[i:i + chunk].to(dev)).float().cpu() for i in range(0, len(x), chunk)])


@torch.no_grad()
def accuracy(model: ConvClassifier, x: torch.Tensor, y: torch.Tensor, chunk: int = 512) -> float:
    """Held-out accuracy of a classifier on inputs ``x`` with labels ``y`` (fraction in [0, 1]).

    Notebook: 07_2017_cross_modal_gan
    """
    model.eval()
    dev = next(model.parameters()).device
    pred = torch.cat([model(x[i:i + chunk].to(dev)).argmax(1).cpu() for i in range(0, len(x), chunk)])
    return float((pred == y).float().mean())


# ----------------------------------------------------------------------------------- the GAN
def _scaled(size: int, what: str, depth: int) -> int:
    if size % 2 ** depth:
        raise ValueError(f"{what}={size} must be divisible by {2 ** depth} ({depth} 2× up/down-samplings)")
    return size // 2 ** depth


def _channels(base: int, depth: int) -> list[int]:
    """Channels from the coarsest map to the finest: ``base·2^(depth−1), …, 2·base, base``."""
    if not isinstance(depth, int) or depth < 1:
        raise ValueError(f"depth must be a positive int, got {depth!r}")
    if not isinstance(base, int) or base < 1:
        raise ValueError(f"base must be a positive int, got {base!r}")
    return [base * 2 ** k for k in range(depth - 1, -1, -1)]


class CondGenerator(nn.Module):
    """GAN-CLS generator: condition ``e`` (128-d) → ``φ(e)`` (64-d, leaky ReLU) ⊕ noise ``z`` →
    DCGAN decoder → a sample in (-1, 1).

    A linear layer makes a map ``2^depth`` times smaller than the output (BatchNorm, ReLU);
    ``depth − 1`` (transposed conv 4×4 stride 2 → BatchNorm → ReLU) blocks upsample it and a
    last transposed conv to the output channels + ``tanh`` ends it (DCGAN's layout).

    Args:
        out_shape: ``(3, 32, 32)`` for images (S2I) or ``(1, 64, 32)`` for log-mels (I2S).
        cond_dim: size of the condition (the encoder's 128-d feature).
        cond_emb: size of ``φ(e)`` (64 in the paper).
        z_dim: noise size (10 in the paper).
        base: channels of the last hidden block (the coarsest has ``base · 2^(depth−1)``).
        depth: number of 2× upsamplings (2: from 8×8 to 32×32 for images).

    Shape: ``cond [B, cond_dim]``, ``z [B, z_dim]`` → ``[B, *out_shape]``.

    Notebook: 07_2017_cross_modal_gan
    """

    def __init__(self, out_shape: Sequence[int], cond_dim: int = COND_DIM, cond_emb: int = 64,
                 z_dim: int = Z_DIM, base: int = 16, depth: int = 2):
        super().__init__()
        c, h, w = (int(s) for s in out_shape)
        self.out_shape, self.z_dim = (c, h, w), int(z_dim)
        h0, w0 = _scaled(h, "height", depth), _scaled(w, "width", depth)
        ch = _channels(base, depth)
        self.embed = nn.Sequential(nn.Linear(cond_dim, cond_emb), nn.LeakyReLU(0.2))
        self.fc = nn.Sequential(nn.Linear(cond_emb + z_dim, ch[0] * h0 * w0), nn.Unflatten(1, (ch[0], h0, w0)),
                                nn.BatchNorm2d(ch[0]), nn.ReLU())
        self.up = nn.Sequential(*[m for a, b in zip(ch[:-1], ch[1:]) for m in
                                  (nn.ConvTranspose2d(a, b, 4, 2, 1), nn.BatchNorm2d(b), nn.ReLU())])
        self.out = nn.ConvTranspose2d(ch[-1], c, 4, 2, 1)

    def sample_z(self, n: int, generator: torch.Generator | None, device="cpu") -> torch.Tensor:
        """``n`` standard-normal noise vectors ``[n, z_dim]`` drawn from ``generator``."""
        return torch.randn(n, self.z_dim, generator=generator).to(device)

    def forward(self, cond: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.out(self.up(self.fc(torch.cat([self.embed(cond), z], dim=1)))))


def _he_init(module: nn.Module) -> None:
    """He initialisation for leaky-ReLU layers: without BatchNorm, torch's default (smaller)
    initialisation shrinks the signal layer by layer and the discriminator learns very slowly."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(m.weight, a=0.2, nonlinearity="leaky_relu")
            nn.init.zeros_(m.bias)


class Down(nn.Module):
    """``depth`` (conv 4×4 stride 2 → LeakyReLU 0.2) blocks: ``[B, C, H, W]`` →
    ``[B, base·2^(depth−1), H / 2^depth, W / 2^depth]`` (the discriminators' trunk).

    No BatchNorm: a sample's score then does not depend on the rest of its batch, so real,
    mismatched and generated samples can go through D in one concatenated batch.

    Notebook: 07_2017_cross_modal_gan
    """

    def __init__(self, in_ch: int, base: int = 16, depth: int = 2):
        super().__init__()
        ch = [int(in_ch), *reversed(_channels(base, depth))]
        self.net = nn.Sequential(*[m for a, b in zip(ch[:-1], ch[1:]) for m in
                                   (nn.Conv2d(a, b, 4, 2, 1), nn.LeakyReLU(0.2))])
        self.out_ch, self.depth = ch[-1], depth
        _he_init(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class CondDiscriminator(nn.Module):
    """GAN-CLS discriminator: is this (sample, condition) pair real and matching?

    The sample goes through ``depth`` stride-2 conv blocks (:class:`Down`); the condition is
    embedded (FC 64, leaky ReLU), replicated over that map and concatenated; a 1×1 conv and a
    linear layer give one logit (no sigmoid: the losses take logits).

    Args:
        in_shape: the sample's shape, ``(3, 32, 32)`` or ``(1, 64, 32)``.
        cond_dim, cond_emb, base, depth: as for :class:`CondGenerator`.

    Shape: ``x [B, *in_shape]``, ``cond [B, cond_dim]`` → ``[B]`` logits.

    Notebook: 07_2017_cross_modal_gan
    """

    def __init__(self, in_shape: Sequence[int], cond_dim: int = COND_DIM, cond_emb: int = 64, base: int = 16,
                 depth: int = 2):
        super().__init__()
        c, h, w = (int(s) for s in in_shape)
        self.h0, self.w0 = _scaled(h, "height", depth), _scaled(w, "width", depth)
        self.down = Down(c, base, depth)
        self.embed = nn.Sequential(nn.Linear(cond_dim, cond_emb), nn.LeakyReLU(0.2))
        self.joint = nn.Sequential(nn.Conv2d(self.down.out_ch + cond_emb, self.down.out_ch, 1),
                                   nn.LeakyReLU(0.2), nn.Flatten(),
                                   nn.Linear(self.down.out_ch * self.h0 * self.w0, 1))
        _he_init(self)

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        h = self.down(x)
        e = self.embed(cond)[:, :, None, None].expand(-1, -1, self.h0, self.w0)
        return self.joint(torch.cat([h, e], dim=1)).squeeze(1)


def wrong_class_index(labels: torch.Tensor, idx: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """For each item ``idx[i]``, a random item of a *different* class (the mismatched pairs).

    The other class is drawn uniformly among the classes present except the item's own, then an
    item uniformly within it.

    Args:
        labels: int64 ``[N]`` labels of the whole split.
        idx: int64 ``[B]`` indices of the batch.
        generator: torch Generator.

    Returns:
        int64 ``[B]`` indices ``j`` with ``labels[j] != labels[idx]``.

    Notebook: 07_2017_cross_modal_gan
    """
    present = torch.unique(labels)
    if len(present) < 2:
        raise ValueError("mismatched pairs need at least two classes in the data")
    order = torch.argsort(labels, stable=True)
    counts = torch.stack([(labels == c).sum() for c in present])
    starts = torch.cumsum(counts, 0) - counts
    pos = torch.searchsorted(present, labels[idx])
    other = (pos + torch.randint(1, len(present), (len(idx),), generator=generator)) % len(present)
    within = (torch.rand(len(idx), generator=generator) * counts[other]).long().clamp_max(counts[other] - 1)
    return order[starts[other] + within]


def gan_cls_losses(s_real: torch.Tensor, s_fake: torch.Tensor, s_wrong: torch.Tensor | None) -> torch.Tensor:
    """The GAN-CLS discriminator loss from logits (the paper's Eq. 4, negated to be minimised):

    ``L_D = −log S_r − ½ [log(1 − S_w) + log(1 − S_f)]`` with ``S = sigmoid(logit)``; without
    mismatched pairs (``s_wrong=None``, the S2I-N ablation) ``L_D = −log S_r − log(1 − S_f)``.

    Args:
        s_real: logits of (real, matching condition) ``[B]``.
        s_fake: logits of (generated, its condition) ``[B]``.
        s_wrong: logits of (real of another class, condition) ``[B]`` or None.

    Returns:
        Scalar loss (mean over the batch).

    Notebook: 07_2017_cross_modal_gan
    """
    if s_wrong is None:
        return F.softplus(-s_real).mean() + F.softplus(s_fake).mean()
    return F.softplus(-s_real).mean() + 0.5 * (F.softplus(s_wrong).mean() + F.softplus(s_fake).mean())


@torch.no_grad()
def generate(gen: CondGenerator, cond: torch.Tensor, generator: torch.Generator, chunk: int = 512) -> torch.Tensor:
    """Samples ``[N, *out_shape]`` for conditions ``[N, 128]`` (eval mode, noise from ``generator``).

    Notebook: 07_2017_cross_modal_gan
    """
    was = gen.training
    gen.eval()
    dev = next(gen.parameters()).device
    z = gen.sample_z(len(cond), generator)
    out = torch.cat([gen(cond[i:i + chunk].to(dev), z[i:i + chunk].to(dev)).float().cpu()
                     for i in range(0, len(cond), chunk)])
    gen.train(was)
    return out


@dataclass
class GanRun:
    """A trained GAN and its training record.

    Attributes:
        gen, disc: the networks (``gen`` holds the weights of the best tracked step).
        history: ``fit_gan``'s :class:`~foley_nb_utils.train.History` (``d_loss``, ``g_loss``).
        track_steps: steps at which the generator was scored on validation data.
        track: the scores there, one dict per step (e.g. ``{"S2I": 0.4}``); the step with the
            best mean score is kept.
        best_step: the step whose generator is kept (None when nothing was tracked).
        loaded: True when the weights came from a checkpoint.

    Notebook: 07_2017_cross_modal_gan
    """

    gen: nn.Module
    disc: nn.Module
    history: Any
    track_steps: list[int] = field(default_factory=list)
    track: list[dict[str, float]] = field(default_factory=list)
    best_step: int | None = None
    loaded: bool = False

    def curve(self, name: str | None = None) -> list[float]:
        """The tracked score ``name`` per tracked step (None: the mean of all scores)."""
        if name is None:
            return [float(np.mean(list(t.values()))) for t in self.track]
        return [t[name] for t in self.track]

    @property
    def best(self) -> dict[str, float]:
        """Tracked validation scores of the kept generator (empty when nothing was tracked)."""
        if self.best_step is None:
            return {}
        return dict(self.track[self.track_steps.index(self.best_step)])


def _track_path(name: str, key: dict):
    return repro.cache_dir("checkpoints") / f"{name}-{repro.config_hash(key)}.track.json"


def fit_tracked(gen: nn.Module, disc: nn.Module, batch: Callable[[int], Any], d_loss: Callable, g_loss: Callable, *,
                steps: int, lr_g: float, lr_d: float, track: Callable[[nn.Module], dict[str, float]] | None,
                track_every: int, name: str | None, config: dict, device="cpu", progress: bool = False,
                ema: float | None = 0.9) -> GanRun:
    """``fnu.train.fit_gan`` plus checkpoint selection by a tracked score, as the paper does.

    Every ``track_every`` steps and at the end, ``track(gen)`` scores the generator (e.g. the
    judge's accuracy on generated validation samples, ``{"S2I": 0.41}``); the generator of the
    step with the best mean score is restored before ``fit_gan`` saves it, and the scores are
    kept in a small JSON beside the checkpoint so that a reloaded run can still plot them.

    With ``ema``, what is scored and kept is an exponential moving average of the generator's
    weights, ``θ̄ ← ema · θ̄ + (1 − ema) · θ`` after every step (Karras et al. 2018): a GAN
    trained with a high learning rate oscillates from step to step, and the average is a
    steadier generator than any single step's.

    Args:
        gen, disc: the generator (any module that ``g_loss`` drives) and discriminator.
        batch: ``step -> batch``.
        d_loss, g_loss: ``(gen, disc, batch) -> loss`` for ``fit_gan``.
        steps, lr_g, lr_d: optimisation (Adam, β1 = 0.5).
        track: ``gen -> {score name: value}`` (None: keep the last generator).
        track_every: tracking interval in steps.
        name, config: checkpoint name and identifying settings.
        device, progress: as for ``fit_gan``.
        ema: weight-averaging factor in [0, 1) (None: score the raw generator).

    Returns:
        :class:`GanRun`.

    Notebook: 07_2017_cross_modal_gan
    """
    from ..results import atomic_write_text
    from ..train import fit_gan

    if not isinstance(track_every, int) or track_every < 1:
        raise ValueError(f"track_every must be a positive int, got {track_every!r}")
    if ema is not None and not 0.0 <= ema < 1.0:
        raise ValueError(f"ema must be in [0, 1) or None, got {ema!r}")
    steps_done: list[int] = []
    scores: list[dict[str, float]] = []
    best: dict[str, Any] = {}
    avg = copy.deepcopy(gen) if ema is not None else gen

    def callback(step: int) -> None:
        if ema is not None:
            with torch.no_grad():
                for a, p in zip(avg.parameters(), gen.parameters()):
                    a.lerp_(p.detach(), 1.0 - ema)
                for a, b in zip(avg.buffers(), gen.buffers()):
                    a.copy_(b)  # BatchNorm statistics: the current ones
        if track is None or ((step + 1) % track_every and step + 1 != steps):
            if step + 1 == steps and ema is not None:
                gen.load_state_dict(avg.state_dict())
            return
        score = {k: float(v) for k, v in track(avg).items()}
        gen.train()
        steps_done.append(step + 1)
        scores.append(score)
        mean = float(np.mean(list(score.values())))
        if not best or mean > best["score"]:
            best.update(score=mean, step=step + 1, state=copy.deepcopy(avg.state_dict()))
        if step + 1 == steps:  # fit_gan saves the generator after this: make it the best one
            gen.load_state_dict(best["state"])

    full = {**config, "track_every": int(track_every), "tracked": track is not None, "ema": ema}
    hist = fit_gan(gen, disc, batch, d_loss, g_loss, steps=steps, lr_g=lr_g, lr_d=lr_d, device=device,
                   name=name, config=full, progress=progress, desc=name, callback=callback)
    run = GanRun(gen, disc, hist, steps_done, scores, best.get("step"), bool(hist.loaded))
    if name:
        path = _track_path(name, {"name": name, "config": full, "steps": steps, "lr": [lr_g, lr_d],
                                  "gen": repr(gen), "disc": repr(disc)})
        if hist.loaded:
            try:
                rec = json.loads(path.read_text())
                run.track_steps, run.track, run.best_step = rec["steps"], rec["scores"], rec["best_step"]
            except (OSError, ValueError, KeyError):
                pass  # the weights are fine; only the tracking curve is missing
        else:
            atomic_write_text(path, json.dumps({"steps": steps_done, "scores": scores, "best_step": run.best_step}))
    return run


def train_cgan(gen: CondGenerator, disc: CondDiscriminator, target: torch.Tensor, cond: torch.Tensor,
               labels: torch.Tensor, *, steps: int, batch_size: int, generator: torch.Generator,
               mismatch: bool = True, lr_g: float = 1e-3, lr_d: float = 2e-3,
               track: Callable[[CondGenerator], dict[str, float]] | None = None, track_every: int = 50,
               name: str | None = None, config: dict | None = None, device="cpu",
               progress: bool = False) -> GanRun:
    """Train a GAN-CLS conditional GAN (one direction: S2I or I2S).

    Each step draws a batch of (real sample, its condition), a mismatched real sample of
    another class for the same condition (when ``mismatch``) and noise; D minimises
    :func:`gan_cls_losses`, G the non-saturating ``−log S_f``. Training, tracking and
    checkpoint selection: :func:`fit_tracked`.

    G runs once per step, as in DCGAN: the D update sees the generated batch detached, the G
    update back-propagates through the same batch. (A second pass would make the very same
    samples, since BatchNorm normalises with the batch's own statistics in training; it would
    only cost time and update BatchNorm's running statistics twice per step.)

    Args:
        gen, disc: :class:`CondGenerator` and :class:`CondDiscriminator`.
        target: real samples ``[N, *out_shape]`` in [-1, 1].
        cond: their conditions ``[N, 128]`` (features of the frozen encoder of the other modality).
        labels: int64 ``[N]`` classes (to draw mismatched pairs).
        steps, batch_size: optimisation length and batch.
        generator: torch Generator for batches, mismatched pairs and noise.
        mismatch: False → the S2I-N ablation (no mismatched-pair term).
        lr_g, lr_d: Adam learning rates (β1 = 0.5; D learns faster, a two-timescale rule).
        track: ``gen -> {name: score}`` (e.g. the judge's validation accuracy); None: keep the last.
        track_every: tracking interval in steps.
        name, config: checkpoint name and identifying settings (checkpoint-if-present).

    Returns:
        :class:`GanRun`.

    Notebook: 07_2017_cross_modal_gan
    """
    if not (len(target) == len(cond) == len(labels)):
        raise ValueError(f"target, cond and labels differ in length: {len(target)}, {len(cond)}, {len(labels)}")
    take = _batches(len(target), batch_size, generator)

    def batch(step: int):
        idx = take(step)
        wrong = wrong_class_index(labels, idx, generator) if mismatch else idx
        return target[idx], cond[idx], target[wrong], gen.sample_z(len(idx), generator)

    made = {}  # the step's generated batch: made in the D update, reused by the G update

    def d_loss(G, D, b):
        x, c, xw, z = b
        made["fake"] = G(c, z)
        xs = [x, made["fake"].detach(), xw] if mismatch else [x, made["fake"].detach()]
        s = D(torch.cat(xs), c.repeat(len(xs), 1)).chunk(len(xs))  # one pass: D has no BatchNorm
        return gan_cls_losses(s[0], s[1], s[2] if mismatch else None)

    def g_loss(G, D, b):
        _, c, _, _ = b
        return F.softplus(-D(made.pop("fake"), c)).mean()

    # g_passes: checkpoints of the earlier two-pass training (other BatchNorm statistics) are not reused
    full = {**(config or {}), "mismatch": bool(mismatch), "batch_size": int(batch_size), "g_passes": 1}
    return fit_tracked(gen, disc, batch, d_loss, g_loss, steps=steps, lr_g=lr_g, lr_d=lr_d, track=track,
                       track_every=track_every, name=name, config=full, device=device, progress=progress)


# ----------------------------------------------------------------------------------- judging
def judges(profile: str = "quick", device="cpu"):
    """The instruments world's image and audio judges (trained once, side by side, then loaded
    from the cache: ``metrics.judges.judge_panel``).

    Returns:
        ``(image_judge, audio_judge)`` from :mod:`foley_nb_utils.metrics.judges`.

    Notebook: 07_2017_cross_modal_gan
    """
    from ..metrics.judges import judge_panel

    panel = judge_panel("instruments", ("image", "audio"), profile=profile, seed=0, device=device)
    return panel["image"], panel["audio"]


@torch.no_grad()
def judge_lms(audio_judge, lms_db: torch.Tensor) -> np.ndarray:
    """The audio judge's instrument posteriors for log-mels given directly in dB.

    The judge's input *is* this log-mel (same bands, FFT, hop, sample rate and 80 dB floor:
    ``tests/test_methods_m07.py`` checks that real clips score identically both ways), so a
    generated log-mel is judged as it is, without a lossy Griffin-Lim round trip.

    Args:
        audio_judge: the instruments :class:`~foley_nb_utils.metrics.judges.AudioJudge`.
        lms_db: ``[N, 64, F]`` or ``[N, 1, 64, F]`` log-mels in dB.

    Returns:
        float64 ``[N, n_instruments]`` probabilities.

    Notebook: 07_2017_cross_modal_gan
    """
    x = lms_db.squeeze(1) if lms_db.ndim == 4 else lms_db
    want = 1 + int(audio_judge.spec["n_samples"]) // HOP
    if x.ndim != 3 or x.shape[1] != N_MELS or x.shape[2] < want:
        raise ValueError(f"log-mels of shape {tuple(lms_db.shape)} do not fit the audio judge's input "
                         f"[N, {N_MELS}, {want}] (its clips: {audio_judge.spec['n_samples']} samples at "
                         f"{audio_judge.spec['sr']} Hz)")
    x = x[:, :, :want]  # drop the padding frames
    # the judge floors each clip 80 dB below its maximum, as log_mel_batch does
    x = torch.maximum(x.float(), x.float().amax(dim=(1, 2), keepdim=True) - TOP_DB)
    model = audio_judge.model.eval()
    dev = next(model.parameters()).device
    logits = torch.cat([model(x[i:i + 512].to(dev))["instrument"].float().cpu() for i in range(0, len(x), 512)])
    return torch.softmax(logits, dim=1).double().numpy()


def image_accuracy(image_judge, images: torch.Tensor, labels: torch.Tensor) -> float:
    """Fraction of images ``[N, 3, H, W]`` in [-1, 1] that the image judge assigns to ``labels``.

    Notebook: 07_2017_cross_modal_gan
    """
    probs = image_judge.predict(images_to_uint8(images))["instrument"]
    return float(np.mean(probs.argmax(1) == labels.numpy()))


def lms_accuracy(audio_judge, lms: torch.Tensor, db: tuple[float, float], labels: torch.Tensor) -> float:
    """Fraction of log-mels ``[N, 1, 64, F]`` in [-1, 1] (``db``: the dB range they were scaled
    with) that the audio judge assigns to ``labels``.

    Notebook: 07_2017_cross_modal_gan
    """
    probs = judge_lms(audio_judge, _nn.unit_to_db(lms, *db))
    return float(np.mean(probs.argmax(1) == labels.numpy()))


def s2i_accuracy(gen: CondGenerator, cond: torch.Tensor, labels: torch.Tensor, image_judge,
                 generator: torch.Generator) -> float:
    """Fraction of generated images the image judge assigns to the sound's instrument.

    Args:
        gen: an S2I generator.
        cond: sound-encoder features ``[N, 128]``.
        labels: the sounds' instruments ``[N]``.
        image_judge: the instruments image judge.
        generator: noise source.

    Returns:
        Accuracy in [0, 1] (chance: 1 / 13).

    Notebook: 07_2017_cross_modal_gan
    """
    return image_accuracy(image_judge, generate(gen, cond, generator), labels)


def i2s_accuracy(gen: CondGenerator, cond: torch.Tensor, labels: torch.Tensor, audio_judge,
                 db: tuple[float, float], generator: torch.Generator) -> float:
    """Fraction of generated log-mels the audio judge assigns to the image's instrument.

    Args:
        gen: an I2S generator (log-mels in [-1, 1]).
        cond: image-encoder features ``[N, 128]``.
        labels: the images' instruments ``[N]``.
        audio_judge: the instruments audio judge.
        db: the dB range that maps [-1, 1] back to dB (``PairData.db_range``).
        generator: noise source.

    Returns:
        Accuracy in [0, 1].

    Notebook: 07_2017_cross_modal_gan
    """
    return lms_accuracy(audio_judge, generate(gen, cond, generator), db, labels)


# ----------------------------------------------------------------------------------- per example
# A claim is decided from per-example measurements (fnu.evidence.decide): these give, for each
# test example, whether it was classified correctly (1/0), or for generated samples the fraction
# of several draws of the noise that the judge assigns to the right class.
def correct_of(probs, labels) -> np.ndarray:
    """Per-example correctness ``[N]`` (float 1.0 / 0.0) of class scores ``[N, K]`` (probabilities
    or logits: their argmax) against ``labels [N]``.

    Notebook: 07_2017_cross_modal_gan
    """
    p = np.asarray(probs.detach().cpu() if torch.is_tensor(probs) else probs)
    y = np.asarray(labels.detach().cpu() if torch.is_tensor(labels) else labels)
    if p.ndim != 2 or y.ndim != 1 or len(p) != len(y):
        raise ValueError(f"need scores [N, K] and labels [N], got {p.shape} and {y.shape}")
    return (p.argmax(1) == y).astype(np.float64)


@torch.no_grad()
def classifier_correct(model: ConvClassifier, x: torch.Tensor, y: torch.Tensor, chunk: int = 128) -> np.ndarray:
    """Per-example version of :func:`accuracy`: 1.0 where the classifier names ``y``, else 0.0
    (``[N]``; its mean is :func:`accuracy`). Chunks of 128 run the STFT classifier (513 × 32
    inputs) a third faster than 512 on a laptop CPU.

    Notebook: 07_2017_cross_modal_gan
    """
    model.eval()
    dev = next(model.parameters()).device
    logits = torch.cat([model(x[i:i + chunk].to(dev)).float().cpu() for i in range(0, len(x), chunk)])
    return correct_of(logits, y)


def image_correct(image_judge, images: torch.Tensor, labels: torch.Tensor) -> np.ndarray:
    """Per-example version of :func:`image_accuracy` (``[N]`` of 1.0 / 0.0).

    Notebook: 07_2017_cross_modal_gan
    """
    return correct_of(image_judge.predict(images_to_uint8(images))["instrument"], labels)


def lms_correct(audio_judge, lms: torch.Tensor, db: tuple[float, float], labels: torch.Tensor) -> np.ndarray:
    """Per-example version of :func:`lms_accuracy` (``[N]`` of 1.0 / 0.0).

    Notebook: 07_2017_cross_modal_gan
    """
    return correct_of(judge_lms(audio_judge, _nn.unit_to_db(lms, *db)), labels)


def _check_draws(draws: int) -> int:
    if not isinstance(draws, (int, np.integer)) or isinstance(draws, bool) or draws < 1:
        raise ValueError(f"draws must be a positive int, got {draws!r}")
    return int(draws)


def s2i_correct(gen: CondGenerator, cond: torch.Tensor, labels: torch.Tensor, image_judge,
                generator: torch.Generator, draws: int = 1) -> np.ndarray:
    """For each condition (a test sound), the fraction of ``draws`` generated images (one noise
    draw each) that the image judge assigns to the sound's instrument.

    With ``draws=1`` the mean is :func:`s2i_accuracy` with the same generator.

    Returns:
        float64 ``[N]`` in [0, 1] (multiples of ``1 / draws``).

    Notebook: 07_2017_cross_modal_gan
    """
    draws = _check_draws(draws)
    return np.mean([image_correct(image_judge, generate(gen, cond, generator), labels) for _ in range(draws)], axis=0)


def i2s_correct(gen: CondGenerator, cond: torch.Tensor, labels: torch.Tensor, audio_judge,
                db: tuple[float, float], generator: torch.Generator, draws: int = 1) -> np.ndarray:
    """For each condition (a test image), the fraction of ``draws`` generated log-mels that the
    audio judge assigns to the image's instrument (``draws=1``: per-example :func:`i2s_accuracy`).

    Returns:
        float64 ``[N]`` in [0, 1].

    Notebook: 07_2017_cross_modal_gan
    """
    draws = _check_draws(draws)
    return np.mean([lms_correct(audio_judge, generate(gen, cond, generator), db, labels) for _ in range(draws)],
                   axis=0)


def lms_to_audio(lms_db: torch.Tensor, sr: int, rng: np.random.Generator, n_iter: int = 32) -> np.ndarray:
    """Waveforms from log-mels in dB by Griffin-Lim (the paper stops at the spectrogram; we listen).

    Args:
        lms_db: ``[N, 64, F]`` (or ``[N, 1, 64, F]``) log-mels in dB; frames beyond the
            0.5 s clip (padding) are dropped.
        sr: their sample rate in Hz.
        rng: generator for the initial phases.
        n_iter: Griffin-Lim iterations.

    Returns:
        float32 ``[N, round(0.5 * sr)]`` waveforms.

    Notebook: 07_2017_cross_modal_gan
    """
    from ..audio import mel_to_audio

    x = (lms_db.squeeze(1) if lms_db.ndim == 4 else lms_db).detach().cpu().numpy()
    n = int(round(CLIP_S * sr))
    x = x[:, :, :1 + n // HOP]
    return np.stack([mel_to_audio(s, sr, n_fft=N_FFT, hop=HOP, n_iter=n_iter, rng=rng, length=n) for s in x])


# ----------------------------------------------------------------------------------- experiment
VARIANTS: dict[str, tuple[str, str, bool]] = {
    "S2I-C": ("s2i", "logmel", True),
    "S2I-A": ("s2i", "autoencoder", True),
    "S2I-N": ("s2i", "logmel", False),
    "I2S": ("i2s", "image", True),
}
"""The paper's models: direction, condition encoder, mismatched-pair term. S2I-C: sound → image
with the classification-trained LMS encoder; S2I-A: with the auto-encoder's code; S2I-N: without
mismatched pairs; I2S: image → LMS with the image classifier's features."""


def run_key(seed: int, cfg: dict) -> dict:
    """What identifies a run of notebook 07's models: seed, world version and every setting of
    :data:`SETTINGS` (part of each checkpoint's config, so a changed setting retrains instead
    of loading a stale checkpoint).

    Notebook: 07_2017_cross_modal_gan
    """
    from ..synth.common import GENERATOR_VERSION

    missing = sorted(set(SETTINGS["quick"]) - set(cfg))
    if missing:
        raise ValueError(f"settings lack {missing}")
    return {"seed": int(seed), "world": "instruments", "generator": GENERATOR_VERSION,
            **{k: cfg[k] for k in SETTINGS["quick"]}}


def train_encoder(kind: str, data: dict[str, PairData], seed: int, cfg: dict, device="cpu",
                  progress: bool = False, role: str = "condition") -> nn.Module:
    """Train one encoder on the training split (checkpoint-if-present).

    Args:
        kind: an audio encoding of :data:`REPRESENTATIONS` (a sound classifier on it),
            ``"image"`` (the image classifier) or ``"autoencoder"`` (the LMS auto-encoder).
        data: splits from :func:`load_data`.
        seed: the run's seed (initialisation and batch order).
        cfg: settings (:func:`settings`).
        role: ``"condition"`` — an encoder whose features condition a GAN, trained for
            ``enc_steps`` — or ``"comparison"`` — one of the classifiers that compare the audio
            encodings, all trained alike for ``clf_steps`` (a smaller, equal budget).

    Returns:
        The trained :class:`ConvClassifier` or :class:`AudioAutoencoder` (eval mode).

    Notebook: 07_2017_cross_modal_gan
    """
    if role not in ("condition", "comparison"):
        raise ValueError(f"role must be 'condition' or 'comparison', got {role!r}")
    tr = data["train"]
    key = {**run_key(seed, cfg), "kind": kind, "role": role}
    gen = repro.torch_generator(seed, "m07-batches", kind, role)
    steps, bs = (cfg["enc_steps"], cfg["enc_batch"]) if role == "condition" else (cfg["clf_steps"], cfg["clf_batch"])
    common = dict(steps=steps, batch_size=bs, generator=gen, lr=cfg["clf_lr"],
                  name=f"m07-{role}-{kind}", config=key, device=device, progress=progress)
    init = _seed_of(seed, "m07-init", kind)
    if kind == "autoencoder":
        model = build_seeded(init, lambda: AudioAutoencoder(tr.lms.shape[1:]))
        train_autoencoder(model, tr.lms, **common)
        return model.eval()
    if kind not in (*REPRESENTATIONS, "image"):
        raise ValueError(f"unknown encoder {kind!r}; choose one of {(*REPRESENTATIONS, 'image', 'autoencoder')}")
    x = encoder_inputs(kind, tr)
    model = build_seeded(init, lambda: ConvClassifier(x.shape[1:], len(tr.classes)))
    train_classifier(model, x, tr.labels, **common)
    return model.eval()


def train_encoders(kinds: Sequence[str], data: dict[str, PairData], seed: int, cfg: dict, device="cpu",
                   progress: bool = False, role: str = "condition") -> dict[str, nn.Module]:
    """:func:`train_encoder` for several kinds, side by side on a multi-core CPU.

    Each encoder is built from its own seed (``build_seeded``), reads its batches from its own
    generator and draws its dropout masks from its own layer (``fnu.nn.SeededDropout``), so
    ``fnu.train.side_by_side`` trains them to the same weights as one after the other
    (``tests/test_methods_m07.py`` checks this).

    Args:
        kinds: encoder kinds, e.g. :data:`REPRESENTATIONS` or ``("logmel", "image")``.
        data, seed, cfg, device, progress, role: as for :func:`train_encoder`.

    Returns:
        kind → the trained encoder (eval mode), in the order of ``kinds``.

    Notebook: 07_2017_cross_modal_gan
    """
    from ..train import side_by_side

    kinds = list(kinds)
    known = (*REPRESENTATIONS, "image", "autoencoder")
    unknown = [k for k in kinds if k not in known]
    if unknown or len(set(kinds)) != len(kinds):
        raise ValueError(f"kinds must be distinct names from {known}, got {kinds}")
    return side_by_side({k: (lambda k=k: train_encoder(k, data, seed, cfg, device, progress, role)) for k in kinds})


def encoder_inputs(kind: str, d: PairData) -> torch.Tensor:
    """What encoder ``kind`` reads from a split: the images (``"image"``), the LMS as the GANs
    see it, scaled to [-1, 1] (``"logmel"``, ``"autoencoder"``; the classifier standardises its
    input, so the scaling does not matter to it), or another encoding of the waveforms.

    Notebook: 07_2017_cross_modal_gan
    """
    if kind == "image":
        return d.images
    if kind in ("logmel", "autoencoder"):
        return d.lms
    return audio_features(d.audio, d.sr, kind)


def conditions(encoder: nn.Module, kind: str, data: dict[str, PairData]) -> dict[str, torch.Tensor]:
    """The frozen encoder's 128-d features of every split, standardised with the training
    split's per-dimension mean and std (a GAN's condition layer then starts in a sane range).

    Returns:
        split → float ``[N, 128]``.

    Notebook: 07_2017_cross_modal_gan
    """
    feats = {p: classifier_features(encoder, encoder_inputs(kind, d)) for p, d in data.items()}
    mu, sd = feats["train"].mean(0), feats["train"].std(0).clamp_min(1e-3)
    return {p: (f - mu) / sd for p, f in feats.items()}


def train_variant(variant: str, data: dict[str, PairData], encoder: nn.Module, judges_: tuple, seed: int,
                  cfg: dict, device="cpu", progress: bool = False) -> tuple[GanRun, dict[str, float]]:
    """Train one of the paper's models (:data:`VARIANTS`) and judge it on train and test data.

    Args:
        variant: ``"S2I-C"``, ``"S2I-A"``, ``"S2I-N"`` or ``"I2S"``.
        data: splits from :func:`load_data`.
        encoder: the trained condition encoder of the variant (:func:`train_encoder` of
            ``VARIANTS[variant][1]``).
        judges_: ``(image_judge, audio_judge)`` (:func:`judges`).
        seed: the run's seed.
        cfg: settings.

    Returns:
        ``(run, {"train": accuracy, "test": accuracy})`` — judged accuracy of samples generated
        from the training and test conditions.

    Notebook: 07_2017_cross_modal_gan
    """
    return variant_job(variant, data, encoder, judges_, seed, cfg, device, progress)()


def variant_job(variant: str, data: dict[str, PairData], encoder: nn.Module, judges_: tuple, seed: int,
                cfg: dict, device="cpu", progress: bool = False) -> Callable[[], tuple[GanRun, dict[str, float]]]:
    """Build what :func:`train_variant` trains (conditions, G and D) and return the training
    as a function without arguments (``train_variant`` calls it at once; :func:`train_variants`
    runs several side by side).

    Building draws the layers' initial weights from torch's global generator, so it happens
    here, in the caller's thread; the returned training draws only from its own generators.

    Notebook: 07_2017_cross_modal_gan
    """
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; choose one of {tuple(VARIANTS)}")
    direction, kind, mismatch = VARIANTS[variant]
    img_j, aud_j = judges_
    tr = data["train"]
    cond = conditions(encoder, kind, data)
    if direction == "s2i":
        target = tr.images

        def score(G, c, y, g):
            return s2i_accuracy(G, c, y, img_j, g)
    else:
        target = tr.lms

        def score(G, c, y, g):
            return i2s_accuracy(G, c, y, aud_j, tr.db_range, g)
    shape = tuple(target.shape[1:])
    arch = dict(base=cfg["base"], depth=cfg["depth"])
    gen = build_seeded(_seed_of(seed, "m07-init", variant, "G"), lambda: CondGenerator(shape, **arch))
    disc = build_seeded(_seed_of(seed, "m07-init", variant, "D"), lambda: CondDiscriminator(shape, **arch))
    label = "S2I" if direction == "s2i" else "I2S"

    def track(G):
        return {label: score(G, cond["val"], data["val"].labels, repro.torch_generator(seed, "m07-track"))}

    def train() -> tuple[GanRun, dict[str, float]]:
        run = train_cgan(gen, disc, target, cond["train"], tr.labels, steps=cfg["gan_steps"],
                         batch_size=cfg["batch"], generator=repro.torch_generator(seed, "m07-gan", variant),
                         mismatch=mismatch, lr_g=cfg["lr_g"], lr_d=cfg["lr_d"], track=track,
                         track_every=cfg["track_every"], name=f"m07-{variant}",
                         config={**run_key(seed, cfg), "variant": variant}, device=device, progress=progress)
        acc = {p: score(run.gen, cond[p], data[p].labels, repro.torch_generator(seed, "m07-eval", p))
               for p in ("train", "test")}
        return run, acc

    return train


def train_variants(variants: Sequence[str], data: dict[str, PairData], encoders: dict[str, nn.Module],
                   judges_: tuple, seed: int, cfg: dict, device="cpu",
                   progress: bool = False) -> tuple[dict[str, GanRun], dict[str, dict[str, float]]]:
    """:func:`train_variant` for several of the paper's models, side by side on a multi-core CPU.

    The networks are built one after the other (:func:`variant_job`). Their trainings are
    independent and draw noise, batches and mismatched pairs from their own generators, so
    ``fnu.train.side_by_side`` runs them at the same time, one thread each, to the same weights
    as one after the other (``tests/test_methods_m07.py`` checks this).

    Args:
        variants: names from :data:`VARIANTS`, e.g. ``("S2I-C", "I2S")``.
        encoders: condition encoder per kind (``VARIANTS[v][1]``: ``"logmel"``, ``"image"``, …).
        data, judges_, seed, cfg, device, progress: as for :func:`train_variant`.

    Returns:
        ``(runs, accuracies)``: dicts keyed by variant.

    Notebook: 07_2017_cross_modal_gan
    """
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        raise ValueError(f"unknown variant(s) {unknown}; choose from {tuple(VARIANTS)}")
    missing = sorted({VARIANTS[v][1] for v in variants} - set(encoders))
    if missing:
        raise ValueError(f"no encoder for {missing}; train them with train_encoder first")
    return run_jobs({v: variant_job(v, data, encoders[VARIANTS[v][1]], judges_, seed, cfg, device, progress)
                     for v in variants})


def run_jobs(jobs: dict[str, Callable[[], tuple[GanRun, Any]]]) -> tuple[dict[str, GanRun], dict[str, Any]]:
    """Run built trainings (:func:`variant_job`, ``m08.variant_job``) side by side
    (``fnu.train.side_by_side``) and split their ``(run, accuracies)`` results into two dicts.

    Notebook: 07_2017_cross_modal_gan
    """
    from ..train import side_by_side

    out = side_by_side(jobs)
    return {v: r[0] for v, r in out.items()}, {v: r[1] for v, r in out.items()}
