"""Owens et al., "Ambient Sound Provides Supervision for Visual Learning" (ECCV 2016, survey [2]).

No sound is generated here (the survey's Table 1 says the paper "can only generate
Mel-spectrograms"; it generates nothing). Sound is the *label*: a CNN learns to predict, from a
single video frame, a summary of the sound around that frame, and what it learns is a visual
representation, judged by linear probes on labels it never saw. The pieces:

1. **Sound summary** (:func:`foley_nb_utils.audio.texture_vectors`): McDermott–Simoncelli
   texture statistics of the clip's sound (subband envelope means, spreads, correlations,
   modulation power, loudness) for a whole batch; :func:`spectrum_vectors` is the plainer
   alternative the paper compares (a clip's average spectrum).
2. **Targets** (:func:`cluster_targets`, :func:`binary_targets`): k-means clusters of the
   standardised statistics (a class per clip) or the paper's binary codes (signs of the top
   principal components, one bit each).
3. **CNN** (:class:`FrameNet`): a small convolutional network that sees one frame and predicts
   the target; :func:`train_frame_net` trains it for any target kind (clusters, bits, or the
   true labels for the supervised upper bound).
4. **Evaluation** (:func:`probe`): freeze the CNN, take its features (:func:`embed`), fit a
   linear SVM on scene labels (:func:`foley_nb_utils.metrics.fit_linear_probe`).

Shapes: frames uint8 ``[N, H, W, 3]`` (one per clip) or ``[N, T, H, W, 3]`` (clips); images for
the CNN float32 ``[N, 3, s, s]`` in [0, 1]; audio float32 ``[N, n]``.

Notebook: 06_2016_ambient_sound_supervision
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .. import nn as _nn

__all__ = [
    "FrameNet",
    "binary_targets",
    "cluster_targets",
    "embed",
    "few_shot_accuracy",
    "frames_to_images",
    "PROBE_LABEL",
    "load_clips",
    "probe",
    "sample_frames",
    "spectrum_vectors",
    "train_frame_net",
]


# ------------------------------------------------------------------------------ sound summaries
def spectrum_vectors(audio: np.ndarray, sr: int, n_mels: int = 64) -> np.ndarray:
    """The plain alternative: each clip's average log-mel spectrum (dB), no texture statistics.

    Args:
        audio: ``[N, n]`` waveforms.
        sr: sample rate in Hz.
        n_mels: mel bands.

    Returns:
        float32 ``[N, n_mels]``.

    Notebook: 06_2016_ambient_sound_supervision
    """
    from ..metrics import log_mel_batch

    return log_mel_batch(audio, sr, n_mels=n_mels).mean(dim=2).numpy().astype(np.float32)


# ------------------------------------------------------------------------------------ targets
def _standardise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or len(x) < 2 or not np.all(np.isfinite(x)):
        raise ValueError(f"need finite features [N >= 2, D], got shape {x.shape}")
    return (x - x.mean(axis=0)) / (x.std(axis=0) + 1e-8)


def cluster_targets(x: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k-means clusters of standardised sound summaries: one class label per clip.

    Args:
        x: ``[N, D]`` sound summaries (:func:`foley_nb_utils.audio.texture_vectors` or :func:`spectrum_vectors`).
        k: number of clusters (the paper uses 30).
        rng: numpy Generator (k-means initialisation).

    Returns:
        int64 ``[N]`` cluster indices in ``0..k-1``.

    Notebook: 06_2016_ambient_sound_supervision
    """
    from sklearn.cluster import KMeans

    z = _standardise(x)
    if not 2 <= k <= len(z):
        raise ValueError(f"k must be in 2..{len(z)} (number of clips), got {k}")
    km = KMeans(n_clusters=int(k), n_init=4, random_state=int(rng.integers(0, 2**31 - 1)))
    return km.fit_predict(z).astype(np.int64)


def binary_targets(x: np.ndarray, bits: int) -> np.ndarray:
    """The paper's binary codes: the signs of the top ``bits`` principal components.

    Each bit splits the clips in two along one direction of largest variation of their sound;
    the CNN predicts every bit (a multi-label problem) instead of one of ``k`` clusters.

    Args:
        x: ``[N, D]`` sound summaries.
        bits: code length (the paper uses 30).

    Returns:
        float32 ``[N, bits]`` of 0/1.

    Notebook: 06_2016_ambient_sound_supervision
    """
    z = _standardise(x)
    if not 1 <= bits <= min(z.shape):
        raise ValueError(f"bits must be in 1..{min(z.shape)}, got {bits}")
    _, _, vt = np.linalg.svd(z, full_matrices=False)
    proj = z @ vt[:bits].T
    return (proj > np.median(proj, axis=0)).astype(np.float32)  # median split: balanced bits


# ------------------------------------------------------------------------------------ images
def sample_frames(frames: np.ndarray, per_clip: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``per_clip`` distinct frames from each clip (the paper samples frames from videos).

    Args:
        frames: uint8 ``[N, T, H, W, 3]``.
        per_clip: frames per clip (≤ T).
        rng: numpy Generator.

    Returns:
        ``(images uint8 [N * per_clip, H, W, 3], clip index int64 [N * per_clip])``.

    Notebook: 06_2016_ambient_sound_supervision
    """
    f = np.asarray(frames)
    if f.ndim != 5:
        raise ValueError(f"frames must be [N, T, H, W, 3], got shape {f.shape}")
    n, t = f.shape[:2]
    if not 1 <= per_clip <= t:
        raise ValueError(f"per_clip must be in 1..{t} (frames per clip), got {per_clip}")
    idx = np.stack([rng.choice(t, size=per_clip, replace=False) for _ in range(n)])
    clip = np.repeat(np.arange(n), per_clip)
    return f[clip, idx.reshape(-1)], clip


def frames_to_images(frames: np.ndarray, size: int, gray: bool = False) -> torch.Tensor:
    """uint8 frames ``[N, H, W, 3]`` → float32 images ``[N, C, size, size]`` in [0, 1] (area averaging).

    Args:
        frames: uint8 ``[N, H, W, 3]`` RGB.
        size: output side in pixels.
        gray: one grey channel (``C = 1``, :func:`foley_nb_utils.video.to_gray`) instead of RGB
            (``C = 3``).

    Returns:
        float32 ``[N, 1 or 3, size, size]``.

    Notebook: 06_2016_ambient_sound_supervision
    """
    from .. import video as _video

    f = np.asarray(frames)
    if f.ndim != 4 or f.shape[-1] != 3 or f.dtype != np.uint8:
        raise ValueError(f"frames must be uint8 [N, H, W, 3], got {f.dtype} {f.shape}")
    if gray:
        x = torch.from_numpy(_video.to_gray(f)).unsqueeze(1)
    else:
        x = torch.from_numpy(f).permute(0, 3, 1, 2).float().div_(255.0)
    if x.shape[-1] != size or x.shape[-2] != size:
        x = F.interpolate(x, size=(size, size), mode="area")
    return x.contiguous()


# ------------------------------------------------------------------------------------- model
class FrameNet(nn.Module):
    """A small CNN from one frame to a sound target (AlexNet's role in the paper).

    :class:`foley_nb_utils.nn.ConvEncoder` (3×3 convolution, BatchNorm, ReLU, 2×2 max-pooling
    per block, then a global average) gives the *representation* ``z`` that the probes judge;
    a linear layer maps ``z`` to ``n_out`` logits (clusters, bits or classes).

    Args:
        n_out: number of logits.
        widths: channels of the encoder's blocks.
        in_ch: input channels (1 for grey frames, 3 for RGB).

    Shape: ``[B, in_ch, s, s]`` → logits ``[B, n_out]``; :meth:`features` → ``[B, widths[-1]]``.

    Notebook: 06_2016_ambient_sound_supervision
    """

    def __init__(self, n_out: int, widths=(8, 16, 32), in_ch: int = 3):
        super().__init__()
        self.encoder = _nn.ConvEncoder(int(in_ch), tuple(widths))
        self.head = nn.Linear(self.encoder.out_dim, int(n_out))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The representation ``z`` (global average of the last block)."""
        return self.encoder(x - 0.5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def train_frame_net(images: torch.Tensor, target: torch.Tensor, kind: str, *, steps: int, batch_size: int = 64,
                    lr: float = 3e-3, widths=(8, 16, 32), generator: torch.Generator, device="cpu",
                    name: str | None = None, progress: bool = True) -> tuple[FrameNet, Any]:
    """Train a :class:`FrameNet` to predict ``target`` from single frames (or load its checkpoint).

    Args:
        images: float32 ``[N, C, s, s]`` frames (C = 1 grey or 3 RGB).
        target: ``[N]`` int64 class indices (``kind="classes"``: clusters or true labels) or
            ``[N, bits]`` 0/1 floats (``kind="bits"``: binary codes, per-bit logistic loss).
        kind: ``"classes"`` or ``"bits"``.
        steps, batch_size, lr: optimisation settings.
        widths: encoder widths.
        generator: torch Generator for the batches.
        device: where to train.
        name: checkpoint name (None: no checkpoint).
        progress: show a progress bar.

    Returns:
        ``(model, history)``.

    Notebook: 06_2016_ambient_sound_supervision
    """
    from .. import train as _train

    if kind not in ("classes", "bits"):
        raise ValueError(f"kind must be 'classes' or 'bits', got {kind!r}")
    if len(images) != len(target):
        raise ValueError(f"{len(images)} images but {len(target)} targets")
    target = torch.as_tensor(target)
    n_out = int(target.max()) + 1 if kind == "classes" else int(target.shape[1])
    model = FrameNet(n_out, widths, in_ch=int(images.shape[1]))

    def batch(step: int):
        idx = torch.randint(0, len(images), (batch_size,), generator=generator)
        return images[idx], target[idx]

    def loss_fn(m, b):
        x, y = b
        out = m(x)
        if kind == "classes":
            return F.cross_entropy(out, y)
        return F.binary_cross_entropy_with_logits(out, y)

    config = {"method": "m06", "kind": kind, "n": len(images), "batch_size": batch_size, "widths": list(widths),
              "images": float(np.round(images.double().sum().item(), 2)),
              "target": float(np.round(target.double().sum().item(), 2)), "seed": int(generator.initial_seed())}
    hist = _train.fit(model, batch, loss_fn, steps=steps, lr=lr, device=device, name=name, config=config,
                      progress=progress, desc=name or f"m06 {kind}")
    return model.eval(), hist


@torch.no_grad()
def embed(model: FrameNet, images: torch.Tensor, batch_size: int = 256, device="cpu") -> np.ndarray:
    """Frozen features ``z`` of many frames: float32 ``[N, D]``.

    Notebook: 06_2016_ambient_sound_supervision
    """
    model.eval().to(device)
    return torch.cat([model.features(images[i:i + batch_size].to(device)).float().cpu()
                      for i in range(0, len(images), batch_size)]).numpy()


def probe(train_features: np.ndarray, train_labels: np.ndarray, test_features: np.ndarray,
          test_labels: np.ndarray, rng: np.random.Generator, per_example: bool = False) -> Any:
    """Linear SVM probe: fit on frozen features of probe-training frames, score on test frames.

    Uses :func:`foley_nb_utils.metrics.fit_linear_probe` (standardise, linear SVM, C chosen on a
    validation split by mAP — the paper's protocol).

    Args:
        per_example: also return, per test frame, whether the probe names its label, so that two
            feature sets probed on the same test frames can be compared frame by frame.

    Returns:
        :class:`foley_nb_utils.metrics.ProbeResult` (accuracy, balanced accuracy, mAP, chance);
        with ``per_example=True`` the pair ``(result, correct)``, ``correct`` float64 ``[M]`` of
        1/0 (weight it with :func:`foley_nb_utils.metrics.probe.class_balanced_weights` of the
        test labels for a mean equal to the balanced accuracy).

    Notebook: 06_2016_ambient_sound_supervision
    """
    from ..metrics import fit_linear_probe

    svm = fit_linear_probe(train_features, train_labels, rng=rng)
    result = svm.score(test_features, test_labels)
    return (result, svm.correct(test_features, test_labels)) if per_example else result


def few_shot_accuracy(train_features: np.ndarray, train_labels: np.ndarray, test_features: np.ndarray,
                      test_labels: np.ndarray, shots: int, repeats: int, rng: np.random.Generator,
                      C: float = 1.0) -> float:
    """Class-balanced accuracy of a linear SVM fitted on ``shots`` labelled examples per class.

    ``shots`` examples of each class are drawn from the training features (classes with fewer
    are left out of both sets), a standardised linear SVM is fitted, the test set is scored;
    the mean over ``repeats`` draws is returned. Good features make a class learnable from a
    handful of examples; random features need many.

    Args:
        train_features, train_labels: ``[N, D]`` features and ``[N]`` labels to draw from.
        test_features, test_labels: ``[M, D]`` and ``[M]``.
        shots: labelled examples per class.
        repeats: number of draws averaged.
        rng: numpy Generator for the draws.
        C: SVM regularisation (no validation set exists with so few examples).

    Returns:
        Mean class-balanced accuracy.

    Notebook: 06_2016_ambient_sound_supervision
    """
    from sklearn.metrics import balanced_accuracy_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import LinearSVC

    y = np.asarray(train_labels)
    classes = [c for c in np.unique(y) if np.sum(y == c) >= shots]
    if len(classes) < 2 or shots < 1 or repeats < 1:
        raise ValueError(f"few_shot_accuracy needs shots >= 1, repeats >= 1 and 2 classes with {shots} examples")
    test_mask = np.isin(test_labels, classes)
    if not test_mask.any():
        raise ValueError("few_shot_accuracy: no test example of the usable classes")
    accs = []
    for _ in range(int(repeats)):
        idx = np.concatenate([rng.choice(np.flatnonzero(y == c), shots, replace=False) for c in classes])
        clf = make_pipeline(StandardScaler(), LinearSVC(C=C, max_iter=5000))
        clf.fit(np.asarray(train_features)[idx], y[idx])
        pred = clf.predict(np.asarray(test_features)[test_mask])
        accs.append(balanced_accuracy_score(np.asarray(test_labels)[test_mask], pred))
    return float(np.mean(accs))


# -------------------------------------------------------------------------------------- data
PROBE_LABEL = {"hits": "material", "scenes": "category"}
"""The label the linear probes test, per world: what the picture shows and the CNN is never told."""


def load_clips(n_clips: int, seed: int, profile: str = "quick", data_dir=None, *, world: str = "hits",
               fps: float = 15.0, frame_size: int = 64, clip_s: float = 2.0, **overrides) -> tuple[Any, Any]:
    """Clips with video, sound and a probe label, synthetic or real.

    ``world="hits"``: the surfaces of :mod:`foley_nb_utils.synth.hits` (probe label: the 17
    materials), or a Greatest Hits folder. ``world="scenes"``: the ambient textures of
    :mod:`foley_nb_utils.synth.scenes` (probe label: the 8 categories), or a VEGAS/VAS-style
    tree of class folders. Synthetic clips are split as their layouts split them (every fifth
    clip is a test clip); real data use the dataset's ``train`` / ``test`` lists, at most
    ``n_clips`` clips of ``clip_s`` seconds in all.

    Args:
        n_clips: clips in all (train + test).
        seed: the world's seed (synthetic only).
        profile: world sizes (synthetic only).
        data_dir: a dataset root, or None for the synthetic world.
        world: ``"hits"`` or ``"scenes"``.
        fps, frame_size, clip_s: decoding settings for real data.
        **overrides: settings of the synthetic world (e.g. ``mix_prob`` for scenes).

    Returns:
        ``(train, test)`` SceneBatches; ``labels["probe"]`` holds the probe label (indices into
        ``classes["probe"]``).

    Notebook: 06_2016_ambient_sound_supervision
    """
    if world not in PROBE_LABEL:
        raise ValueError(f"world must be one of {sorted(PROBE_LABEL)}, got {world!r}")
    if data_dir is None:
        import importlib

        from ..synth import common

        mod = importlib.import_module(f"foley_nb_utils.synth.{world}")
        batch = mod.generate(int(n_clips), seed=seed, profile=profile, **overrides)
        test = np.array([common.is_test(i) for i in range(len(batch))])
        parts = [batch.subset(np.flatnonzero(~test)), batch.subset(np.flatnonzero(test))]
        key = PROBE_LABEL[world]
    else:
        n_test = max(1, int(n_clips) // 5)
        parts = []
        for split, n in (("train", int(n_clips) - n_test), ("test", n_test)):
            if world == "hits":
                from ..datasets import greatest_hits

                parts.append(greatest_hits.load(data_dir, split, fps=fps, size=frame_size, sr=16000,
                                                windows="fixed", clip_s=clip_s, max_clips=n))
            else:
                from ..datasets import class_folders

                parts.append(class_folders.load(data_dir, split, fps=fps, size=frame_size, sr=16000, clip_s=clip_s,
                                                max_clips=n))
        key = "material" if world == "hits" else "class"
    for b in parts:
        b.labels["probe"] = np.asarray(b.labels[key], dtype=np.int64)
        b.classes["probe"] = tuple(b.classes[key])
    return tuple(parts)
