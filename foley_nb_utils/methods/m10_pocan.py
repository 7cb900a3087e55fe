"""Chen et al., "Visually Indicated Sound Generation by Perceptually Optimized Classification"
(POCAN, ECCV 2018 Workshops, survey [6]) at laptop scale.

Not a GAN (the survey groups it with them): a CNN + LSTM reads the silent video and has two
heads — a **sound class** and per-step **spectrogram offsets** Δ. The predicted class selects a
*base spectrogram* (the mean of that class's training clips), the prediction is base + Δ, and a
frozen, pre-trained sound classifier adds a **perceptual loss** between the features of the
predicted and the true spectrogram. Griffin-Lim turns the spectrogram into a waveform.

1. **Targets** (:func:`spectrograms`): log-magnitude STFT ``[N, S, F]`` (steps × bins).
2. **Base samples** (:func:`class_bases`): per-class mean spectrogram ``[K, S, F]``.
3. **Sound classifier** (:class:`SoundClassifier`, :func:`pretrain_classifier`): the SoundNet
   stand-in, trained on real spectrograms and then frozen; its penultimate features define the
   perceptual loss and the retrieval embedding.
4. **Model** (:class:`POCAN`): notebook 05's CNN + LSTM (:class:`~.m05_visually_indicated_sounds.
   SoundPredictor`) regresses Δ; a class head reads its per-frame CNN features. Ablations:
   ``use_class=False`` (base = global mean, no class loss) and a zero perceptual weight.
5. **Loss** (:func:`pocan_loss`): ``MSE(ŝ, s) + w_cls · CE(ĉ, c) + w_perc · ‖φ̂(ŝ) − φ̂(s)‖²``
   (φ̂: the classifier's features scaled to unit length).
6. **Evaluation** (:func:`retrieval`): recall@K of the true test sound retrieved with the
   predicted one (the paper's VIG protocol), in the embedding of a *second*, independently
   trained classifier — scoring in the perceptual loss's own feature space would favour the
   variants trained with it by construction.

Notebook: 10_2018_pocan
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .. import audio as _audio
from . import m05_visually_indicated_sounds as m05

EPS = 1e-3
"""Floor added to magnitudes before the log."""

__all__ = ["EPS", "POCAN", "VARIANTS", "SoundClassifier", "class_bases", "experiment", "make_batches", "pocan_loss",
           "predict", "pretrain_classifier", "retrieval", "spectrograms", "to_audio"]


def spectrograms(audio: np.ndarray, n_fft: int = 256, hop: int = 100, steps: int | None = None) -> np.ndarray:
    """Log-magnitude STFT of a batch (:func:`foley_nb_utils.audio.stft_mag`: Hann window, centred frames).

    Args:
        audio: ``[N, n]`` waveforms.
        n_fft: FFT size in samples; hop: hop in samples.
        steps: keep this many frames (None: all ``1 + n // hop``).

    Returns:
        float32 ``[N, steps, n_fft // 2 + 1]``: ``log(|STFT| + EPS)``, time first.

    Notebook: 10_2018_pocan
    """
    x = np.asarray(audio, dtype=np.float32)
    if x.ndim != 2:
        raise ValueError(f"audio must be [N, n], got shape {tuple(x.shape)}")
    if not 0 < hop <= n_fft:
        raise ValueError(f"need 0 < hop <= n_fft, got hop={hop}, n_fft={n_fft}")
    s = np.log(_audio.stft_mag(x, n_fft, hop) + np.float32(EPS)).transpose(0, 2, 1)  # [N, frames, bins]
    if steps is not None:
        if steps > s.shape[1]:
            raise ValueError(f"steps={steps} exceeds the {s.shape[1]} frames of the clips")
        s = s[:, :steps]
    return np.ascontiguousarray(s, dtype=np.float32)


def to_audio(spec: np.ndarray, n_fft: int, hop: int, n_samples: int, rng: np.random.Generator,
             n_iter: int = 32) -> np.ndarray:
    """Waveforms from log-magnitude spectrograms by Griffin-Lim.

    Args:
        spec: ``[N, S, F]`` as from :func:`spectrograms`.
        n_fft, hop: the STFT settings; n_samples: output length (``S = 1 + n_samples // hop``:
            for ``S`` frames use ``(S - 1) * hop`` samples).
        rng: generator for the initial phases; n_iter: iterations.

    Returns:
        float32 ``[N, n_samples]``.

    Notebook: 10_2018_pocan
    """
    from .. import audio as _audio

    if np.ndim(spec) != 3 or 1 + int(n_samples) // int(hop) != np.shape(spec)[1]:
        raise ValueError(f"spec must be [N, S, F] with S = 1 + n_samples // hop = {1 + int(n_samples) // int(hop)} "
                         f"frames (centred STFT), got shape {np.shape(spec)}")
    mag = np.maximum(np.exp(np.asarray(spec, dtype=np.float64)) - EPS, 0.0)
    return np.stack([_audio.griffin_lim(m.T, n_fft, hop, n_iter=n_iter, rng=rng, length=n_samples)
                     for m in mag]).astype(np.float32)


def class_bases(spec: np.ndarray, labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Base samples: the mean spectrogram of each class's training clips ("we average sound clips
    of same class to create a base sample"); a class without clips gets the global mean.

    Args:
        spec: ``[N, S, F]``; labels: int ``[N]`` in ``0..n_classes-1``.

    Returns:
        float32 ``[n_classes, S, F]``.

    Notebook: 10_2018_pocan
    """
    lab = np.asarray(labels)
    if lab.shape != (len(spec),) or (lab.size and (lab.min() < 0 or lab.max() >= n_classes)):
        raise ValueError(f"labels must be {len(spec)} ints in 0..{n_classes - 1}")
    onehot = np.eye(n_classes)[lab]                                                   # [N, K]
    counts = onehot.sum(0)
    sums = np.tensordot(onehot.T, spec, axes=1)                                       # [K, S, F]
    glob = spec.mean(0)
    out = np.where(counts[:, None, None] > 0, sums / np.maximum(counts, 1)[:, None, None], glob[None])
    return out.astype(np.float32)


class SoundClassifier(nn.Module):
    """A small CNN sound classifier on log spectrograms (SoundNet's role in the paper).

    Three strided 3×3 convolutions (each halves time and frequency; cheaper on a CPU than
    convolving at full resolution and max-pooling), then mean and max over the remaining grid.

    Shape: ``[B, S, F]`` → ``(features [B, feat_dim], logits [B, n_classes])``.

    Notebook: 10_2018_pocan
    """

    def __init__(self, n_classes: int, feat_dim: int = 64, widths: Sequence[int] = (16, 32, 32)):
        super().__init__()
        a, b, c = widths
        self.conv = nn.Sequential(nn.Conv2d(1, a, 3, stride=2, padding=1), nn.ReLU(),
                                  nn.Conv2d(a, b, 3, stride=2, padding=1), nn.ReLU(),
                                  nn.Conv2d(b, c, 3, stride=2, padding=1), nn.ReLU())
        self.feat = nn.Linear(2 * c, feat_dim)
        self.head = nn.Linear(feat_dim, n_classes)

    def forward(self, spec: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.conv(spec[:, None])
        f = self.feat(torch.cat([h.mean(dim=(2, 3)), h.amax(dim=(2, 3))], dim=1))
        return f, self.head(torch.relu(f))


def pretrain_classifier(spec: np.ndarray, labels: np.ndarray, n_classes: int, *, seed: int, steps: int = 200,
                        batch_size: int = 32, progress: bool = False, purpose: str = "loss") -> SoundClassifier:
    """Train the sound classifier on real spectrograms, then freeze it.

    Args:
        spec: ``[N, S, F]`` training spectrograms; labels int ``[N]``.
        n_classes: classes; seed: weights and batches; steps, batch_size: training settings.
        purpose: names the random streams, so that the perceptual-loss network (``"loss"``) and
            an independent evaluation network (e.g. ``"judge"``) start from different weights.

    Returns:
        The frozen classifier (eval mode, no gradients).

    Notebook: 10_2018_pocan
    """
    from .. import repro, train

    clf = train.build_seeded(int(repro.rng(seed, "m10-classifier", purpose).integers(2**31)),
                             lambda: SoundClassifier(n_classes))
    s, y = torch.as_tensor(spec), torch.as_tensor(np.asarray(labels), dtype=torch.long)
    g = repro.torch_generator(seed, "m10-classifier-batches", purpose)

    def batch(step: int):
        idx = torch.randint(0, len(s), (min(batch_size, len(s)),), generator=g)
        return s[idx], y[idx]

    train.fit(clf, batch, lambda m, b: F.cross_entropy(m(b[0])[1], b[1]), steps=steps, lr=3e-3,
              progress=progress, desc=f"sound classifier ({purpose})")
    clf.eval()
    for p in clf.parameters():
        p.requires_grad_(False)
        p.grad = None
    return clf


class POCAN(nn.Module):
    """CNN + LSTM → (sound class, spectrogram offsets Δ); prediction = base[class] + Δ.

    The CNN + LSTM is notebook 05's :class:`~.m05_visually_indicated_sounds.SoundPredictor`
    (stepping once per video frame, ``k`` spectrogram steps per frame, ``n_bins`` values per step).

    Args:
        bases: ``[K, S, F]`` base spectrograms (buffers, not trained).
        steps_per_frame: spectrogram steps per video frame.
        size: frame side in pixels; hidden: LSTM size.
        use_class: False → one base (the global mean) and no class head (ablation).

    Shapes: ``forward(x [B, T, 3, s, s], first [B, 3, s, s], cls [B] or None)`` →
    ``(spec [B, S, F], logits [B, K] or None)``; ``cls`` given → its base (teacher forcing),
    None → the predicted class's base.

    Notebook: 10_2018_pocan
    """

    def __init__(self, bases: np.ndarray, steps_per_frame: int, size: int = 32, hidden: int = 64,
                 use_class: bool = True):
        super().__init__()
        b = torch.as_tensor(np.asarray(bases, dtype=np.float32))
        if b.ndim != 3:
            raise ValueError(f"bases must be [K, S, F], got shape {tuple(b.shape)}")
        self.use_class = bool(use_class)
        self.register_buffer("bases", b if use_class else b.mean(0, keepdim=True))
        self.regressor = m05.SoundPredictor(steps_per_frame, size=size, n_out=b.shape[2], hidden=hidden,
                                            lstm_rate="video")
        self.class_head = nn.Linear(self.regressor.cnn.out.out_features * 2, b.shape[0]) if use_class else None

    def forward(self, x: torch.Tensor, first: torch.Tensor, cls: torch.Tensor | None = None):
        # the CNN + LSTM runs once; its features feed both the regression and the class head
        f = self.regressor.features(x, first)                                          # [B, T, D]
        delta = self.regressor.readout(f)                                              # [B, S', F]
        S = min(delta.shape[1], self.bases.shape[1])
        logits = None
        if self.use_class:
            logits = self.class_head(f.mean(dim=1))
            k = cls if cls is not None else logits.argmax(dim=1)
            base = self.bases[k]
        else:
            base = self.bases.expand(len(x), -1, -1)
        return base[:, :S] + delta[:, :S], logits


def pocan_loss(model: nn.Module, batch, classifier: SoundClassifier | None, w_cls: float = 0.5,
               w_perc: float = 1.0) -> tuple[torch.Tensor, dict[str, float]]:
    """Regression + classification + perceptual loss of one batch.

    Args:
        model: :class:`POCAN` (or notebook 05's ``SoundPredictor`` for the plain-regression
            baseline: then only the MSE term applies).
        batch: ``(x, first, spec [B, S, F], cls [B])``.
        classifier: the frozen :class:`SoundClassifier` (None or ``w_perc=0``: no perceptual term).
        w_cls, w_perc: loss weights; the perceptual term is the mean squared distance between the
            unit-length features of predicted and true spectrograms (in [0, 4]).

    Returns:
        ``(loss, {"mse": ..., "cls": ..., "perc": ...})``.

    Notebook: 10_2018_pocan
    """
    x, first, spec, cls = batch
    if isinstance(model, POCAN):
        pred, logits = model(x, first, cls)
    else:
        pred, logits = model(x, first), None
    S = min(pred.shape[1], spec.shape[1])
    pred, spec = pred[:, :S], spec[:, :S]
    mse = F.mse_loss(pred, spec)
    loss, parts = mse, {"mse": float(mse.detach())}
    if logits is not None and w_cls:
        ce = F.cross_entropy(logits, cls)
        loss = loss + w_cls * ce
        parts["cls"] = float(ce.detach())
    if classifier is not None and w_perc:
        # on unit-length features: scale-free (2 - 2 cos), so the weight means the same for any network
        fp, ft = F.normalize(classifier(pred)[0], dim=1), F.normalize(classifier(spec)[0], dim=1)
        perc = ((fp - ft) ** 2).sum(dim=1).mean()
        loss = loss + w_perc * perc
        parts["perc"] = float(perc.detach())
    return loss, parts


def make_batches(x: torch.Tensor, first: torch.Tensor, spec: np.ndarray, cls: np.ndarray, batch_size: int,
                 generator: torch.Generator):
    """``step -> (x, first, spec, cls)`` random batches for :func:`foley_nb_utils.train.fit`.

    Args:
        x: ``[N, T, 3, s, s]`` and first ``[N, 3, s, s]`` (from notebook 05's ``video_inputs``);
        spec: ``[N, S, F]``; cls: int ``[N]``; batch_size; generator (same seed → same batches).

    Returns:
        The batch function.

    Notebook: 10_2018_pocan
    """
    t = [torch.as_tensor(x), torch.as_tensor(first), torch.as_tensor(spec),
         torch.as_tensor(np.asarray(cls), dtype=torch.long)]
    if len({len(a) for a in t}) != 1:
        raise ValueError(f"inputs must have the same length, got {[len(a) for a in t]}")

    def batch(step: int):
        idx = torch.randint(0, len(t[0]), (min(batch_size, len(t[0])),), generator=generator)
        return tuple(a[idx] for a in t)

    return batch


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor, first: torch.Tensor,
            batch_size: int = 64) -> tuple[np.ndarray, np.ndarray | None]:
    """Predicted spectrograms (with the *predicted* class's base) and class logits.

    Returns:
        ``(spec [N, S, F], logits [N, K] or None)``.

    Notebook: 10_2018_pocan
    """
    model.eval()
    specs, logits = [], []
    for i in range(0, len(x), batch_size):
        out = model(x[i:i + batch_size], first[i:i + batch_size])
        s, lg = out if isinstance(out, tuple) else (out, None)
        specs.append(s.numpy())
        if lg is not None:
            logits.append(lg.numpy())
    return np.concatenate(specs), (np.concatenate(logits) if logits else None)


@torch.no_grad()
def retrieval(pred: np.ndarray, true: np.ndarray, classifier: SoundClassifier,
              ks: Sequence[int] = (1, 5, 10), block: int | None = None,
              per_query: bool = False) -> dict:
    """Recall@K of each clip's true sound among all test sounds, queried with its prediction, in
    the frozen classifier's feature space (cosine similarity).

    Args:
        pred, true: ``[N, S, F]`` predicted and real spectrograms (row i ↔ row i).
        classifier: the frozen :class:`SoundClassifier`.
        ks: the K values.
        block: None: the gallery is all ``N`` true sounds. Otherwise the clips are split into
            consecutive blocks of ``block`` (the last may be shorter) and each prediction retrieves
            among its own block's true sounds: a gallery of fixed size however many test clips
            there are (recall@K depends on the gallery's size).
        per_query: return each query's outcome (``"R@K"``: 1.0 / 0.0 ``[N]``, ``"rank"``: int
            ``[N]``) instead of the summary.

    Returns:
        ``{"R@1", "R@5", "R@10", "median_rank"}``, or with ``per_query`` the per-query values.

    Notebook: 10_2018_pocan
    """
    from ..metrics.retrieval import retrieval_hits

    S = min(pred.shape[1], true.shape[1])
    q = classifier(torch.as_tensor(pred[:, :S]))[0].numpy()
    g = classifier(torch.as_tensor(true[:, :S]))[0].numpy()
    n = len(q)
    b = n if block is None else int(block)
    if b < 1:
        raise ValueError(f"block must be >= 1, got {block}")
    parts = [retrieval_hits(q[i:i + b], g[i:i + b], ks) for i in range(0, n, b)]
    hits = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    if per_query:
        return hits
    return {**{f"R@{int(k)}": float(np.mean(hits[f"R@{int(k)}"])) for k in ks},
            "median_rank": float(np.median(hits["rank"]))}


VARIANTS = {"POCAN": dict(use_class=True, w_perc=1.0), "no perceptual loss": dict(use_class=True, w_perc=0.0),
            "no class prediction": dict(use_class=False, w_perc=1.0), "regression (notebook 05)": None}
"""The model and its ablations; ``None`` is notebook 05's plain CNN + LSTM regressor."""


def experiment(train_batch, test_batch, *, seed: int, steps: int, clf_steps: int = 200, n_fft: int = 256,
               hop: int = 200, size: int = 32, hidden: int = 64, batch_size: int = 16, lr: float = 2e-3,
               w_cls: float = 0.5, w_perc: float = 1.0, progress: bool = False,
               variants: Sequence[str] | None = None, label: str | None = None,
               block: int | None = None) -> dict:
    """Train POCAN, its two ablations and notebook 05's regressor; score retrieval (the notebook's run).

    Fair comparison: every variant trains for the same steps on the same batches (drawn from
    ``seed`` alone), all start from the same seed for their weights, and the plain regressor's
    outputs are scaled by the training spectrograms' per-bin mean and spread (POCAN's Δ needs no
    scale: its base supplies the level).

    Args:
        train_batch, test_batch: :class:`~foley_nb_utils.synth.SceneBatch` (the hits world, label
            ``material``, or a class-folder dataset such as the scenes world, label ``class``);
            ``sr / hop`` must be a multiple of the fps.
        seed: seeds weights, batches and the classifiers.
        steps: optimiser steps per model; clf_steps: pre-training steps of each classifier.
        n_fft, hop: STFT settings (samples); size: frame side (px); hidden: LSTM size.
        batch_size, lr, w_cls: training settings; w_perc: weight of the perceptual loss in the
            variants that use it (see :data:`VARIANTS`).
        progress: progress bars; variants: names from :data:`VARIANTS` (None: all).
        label: the label that is the sound class (None: ``material`` if present, else ``class``).
        block: retrieval galleries of this many consecutive test clips (see :func:`retrieval`;
            None: one gallery of all test clips).

    Returns:
        dict with ``classifier`` (the perceptual-loss network), ``judge`` (the independent
        evaluation network), ``models``, ``hist``, ``pred`` (``{name: [N, S, F]}``), ``true``,
        ``retrieval`` (``{name: {"R@1", "R@5", "R@10", "median_rank"}}`` in the judge's embedding),
        ``retrieval_hits`` (``{name: {"R@1": [N], "R@5": [N], "R@10": [N], "rank": [N]}}``: each
        query's outcome, the means of which are ``retrieval``),
        ``class_acc`` (``{name: the judge's accuracy on the predicted spectrograms}``),
        ``judge_correct`` (``{name: [N]}`` 1/0: the judge's verdict on each predicted spectrogram),
        ``pred_class_acc`` (``{name: accuracy of the class head}``, POCAN variants with one),
        ``clf_acc`` / ``judge_acc`` (the two networks' accuracy on real test sound),
        ``labels``, ``settings``.

    Notebook: 10_2018_pocan
    """
    from .. import repro, train

    fps, sr = float(train_batch.fps), int(train_batch.sr)
    k = sr / hop / fps
    if abs(k - round(k)) > 1e-9 or round(k) < 1:
        raise ValueError(f"sr / hop / fps = {sr}/{hop}/{fps} is not a whole number of spectrogram steps per frame")
    k = int(round(k))
    unknown = sorted(set(variants or ()) - set(VARIANTS))
    if unknown:
        raise ValueError(f"unknown variants {unknown}; choose from {list(VARIANTS)}")
    key = label or ("material" if "material" in train_batch.labels else "class")
    if key not in train_batch.labels or key not in test_batch.labels:
        raise ValueError(f"label {key!r} not in the batches' labels {sorted(train_batch.labels)}")
    y_tr = np.asarray(train_batch.labels[key])
    y_te = np.asarray(test_batch.labels[key])
    if (y_tr < 0).any() or (y_te < 0).any():
        raise ValueError(f"every clip needs a {key} label (found -1): filter unlabeled clips first")
    n_classes = len(train_batch.classes[key])
    steps_total = train_batch.frames.shape[1] * k
    s_tr = spectrograms(train_batch.audio, n_fft, hop, steps_total)
    s_te = spectrograms(test_batch.audio, n_fft, hop, steps_total)
    x_tr, f_tr = m05.video_inputs(train_batch.frames, size)
    x_te, f_te = m05.video_inputs(test_batch.frames, size)
    clf = pretrain_classifier(s_tr, y_tr, n_classes, seed=seed, steps=clf_steps, progress=progress)
    judge = pretrain_classifier(s_tr, y_tr, n_classes, seed=seed, steps=clf_steps, progress=progress,
                                purpose="judge")
    with torch.no_grad():
        clf_acc = float((clf(torch.as_tensor(s_te))[1].argmax(1).numpy() == y_te).mean())
        judge_acc = float((judge(torch.as_tensor(s_te))[1].argmax(1).numpy() == y_te).mean())
    bases = class_bases(s_tr, y_tr, n_classes)
    out: dict = {"classifier": clf, "judge": judge, "models": {}, "hist": {}, "pred": {}, "true": s_te,
                 "retrieval": {}, "retrieval_hits": {}, "class_acc": {}, "judge_correct": {},
                 "pred_class_acc": {}, "clf_acc": clf_acc, "block": block,
                 "judge_acc": judge_acc, "labels": y_te,
                 "settings": {"n_fft": n_fft, "hop": hop, "sr": sr, "k": k}}
    init = int(repro.rng(seed, "m10-init").integers(2**31))  # every variant's layers start from this seed
    for name in variants or VARIANTS:
        spec = VARIANTS[name]
        if spec is None:   # the plain regressor predicts the spectrogram itself: give it its scale
            model = train.build_seeded(init, lambda: m05.SoundPredictor(k, size=size, n_out=s_tr.shape[2],
                                                                        hidden=hidden, lstm_rate="video"))
            model.set_output_scale(s_tr.transpose(0, 2, 1))                          # [N, F, S]: per bin
        else:
            model = train.build_seeded(init, lambda: POCAN(bases, k, size=size, hidden=hidden,
                                                           use_class=spec["use_class"]))
        wp = 0.0 if spec is None else w_perc * spec["w_perc"]
        data = make_batches(x_tr, f_tr, s_tr, y_tr, batch_size, repro.torch_generator(seed, "m10-batches"))
        with torch.random.fork_rng():        # notebook 05's dropout draws from torch's global stream
            torch.manual_seed(int(repro.rng(seed, "m10-dropout").integers(2**31)))
            hist = train.fit(model, data, lambda m, b, wp=wp: pocan_loss(m, b, clf, w_cls, wp), steps=steps,
                             lr=lr, progress=progress, desc=name)
        pred, logits = predict(model, x_te, f_te)
        with torch.no_grad():
            correct = (judge(torch.as_tensor(pred))[1].argmax(1).numpy() == y_te).astype(np.float64)
        out["models"][name], out["hist"][name], out["pred"][name] = model, hist, pred
        hits = retrieval(pred, s_te, judge, block=block, per_query=True)
        out["retrieval_hits"][name] = hits
        out["retrieval"][name] = {**{k: float(np.mean(v)) for k, v in hits.items() if k.startswith("R@")},
                                  "median_rank": float(np.median(hits["rank"]))}
        out["judge_correct"][name] = correct
        out["class_acc"][name] = float(correct.mean())
        if logits is not None:
            out["pred_class_acc"][name] = float((logits.argmax(1) == y_te).mean())
    return out
