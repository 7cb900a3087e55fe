"""Linear probes: how much class information a representation carries (SVM accuracy, mAP).

Owens et al. (ECCV 2016, survey [2]) judge learned visual features by training linear SVMs on
them, with the regularisation chosen by grid search on a validation set to maximise mean
average precision (mAP); Owens et al. (CVPR 2016, [1]) train an SVM on *real* sound features
and apply it to *predicted* sound. Both are a few lines of scikit-learn: standardise, fit a
linear classifier, score.

Notebook: 04_evaluation
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

__all__ = ["LinearProbe", "ProbeResult", "class_balanced_weights", "fit_linear_probe", "linear_probe",
           "mean_average_precision"]


def _xy(X, y, name: str) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise ValueError(f"{name}: features must be [N, D] and labels [N], got {X.shape} and {y.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name}: features contain NaN or infinity")
    return X, y


def mean_average_precision(labels, scores, classes: Sequence | None = None) -> float:
    """Macro mean of one-vs-rest average precision (scikit-learn), over the classes present.

    Args:
        labels: ``[N]`` true class labels.
        scores: ``[N, K]`` a score per class (probabilities or decision values).
        classes: the class of each score column (default ``0..K-1``).

    Returns:
        mAP in [0, 1]; classes with no positive example in ``labels`` are skipped (their AP
        is undefined).

    Notebook: 04_evaluation
    """
    from sklearn.metrics import average_precision_score

    y = np.asarray(labels)
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim != 2 or s.shape[0] != y.shape[0]:
        raise ValueError(f"scores must be [N={len(y)}, K], got {s.shape}")
    cols = list(range(s.shape[1])) if classes is None else list(classes)
    if len(cols) != s.shape[1]:
        raise ValueError(f"{len(cols)} classes named for {s.shape[1]} score columns")
    aps = [average_precision_score(y == c, s[:, j]) for j, c in enumerate(cols) if np.any(y == c)]
    if not aps:
        raise ValueError("mean_average_precision: no labelled class has a score column")
    return float(np.mean(aps))


def class_balanced_weights(labels) -> np.ndarray:
    """Per-example weights that turn a mean over examples into a mean over classes.

    Example ``i`` of class ``c`` gets ``N / (K · n_c)`` (``N`` examples, ``K`` classes present,
    ``n_c`` examples of class ``c``), so the weights average 1 and ``mean(w · correct)`` is the
    balanced accuracy (mean per-class recall, :func:`sklearn.metrics.balanced_accuracy_score`):
    per-example values that a bootstrap over examples can resample
    (:func:`foley_nb_utils.evidence.decide`), paired between two classifiers of the same examples.

    Args:
        labels: ``[N]`` true class labels (any hashable type), N ≥ 1.

    Returns:
        float64 ``[N]``.

    Notebook: 05_2016_visually_indicated_sounds, 06_2016_ambient_sound_supervision
    """
    y = np.asarray(labels)
    if y.ndim != 1 or y.size == 0:
        raise ValueError(f"class_balanced_weights: labels must be a non-empty [N] array, got shape {y.shape}")
    classes, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
    return (y.size / (len(classes) * counts[inverse.reshape(-1)])).astype(np.float64)


@dataclass
class ProbeResult:
    """Scores of a linear probe on a test set.

    Attributes:
        accuracy: fraction of test examples classified right.
        balanced_accuracy: mean per-class recall (class-averaged accuracy, as Owens et al. report).
        mAP: :func:`mean_average_precision` of the decision values.
        C: the chosen regularisation constant.
        n_classes: classes seen in training.
        chance: ``1 / n_classes`` (balanced accuracy of guessing).

    Notebook: 04_evaluation
    """

    accuracy: float
    balanced_accuracy: float
    mAP: float
    C: float
    n_classes: int
    chance: float

    def as_dict(self) -> dict[str, float]:
        """The fields as a plain dict (for ``fnu.record``)."""
        return asdict(self)


class LinearProbe:
    """A fitted standardise + linear SVM pipeline (use :func:`fit_linear_probe`).

    Notebook: 04_evaluation
    """

    def __init__(self, pipeline, C: float):
        self.pipeline = pipeline
        self.C = C

    @property
    def classes(self) -> np.ndarray:
        """Class labels in the order of :meth:`decision` columns."""
        return self.pipeline.classes_

    def decision(self, X) -> np.ndarray:
        """Decision values ``[N, K]`` (one column per class, also for two classes)."""
        X, _ = _xy(X, np.zeros(len(np.asarray(X))), "decision")
        d = self.pipeline.decision_function(X)
        return np.stack([-d, d], axis=1) if d.ndim == 1 else d

    def predict(self, X) -> np.ndarray:
        """Predicted labels ``[N]``."""
        return self.classes[self.decision(X).argmax(axis=1)]

    def correct(self, X, y, balanced: bool = False) -> np.ndarray:
        """Per test example: 1.0 if the probe names its class, else 0.0 (float64 ``[N]``).

        With ``balanced=True`` each value is weighted by :func:`class_balanced_weights`, so the
        mean is the balanced accuracy of :meth:`score` instead of its accuracy.

        Notebook: 05_2016_visually_indicated_sounds, 06_2016_ambient_sound_supervision
        """
        X, y = _xy(X, y, "correct")
        hit = (self.predict(X) == y).astype(np.float64)
        return hit * class_balanced_weights(y) if balanced else hit

    def score(self, X, y) -> ProbeResult:
        """Accuracy, balanced accuracy and mAP on ``(X [N, D], y [N])``.

        Notebook: 04_evaluation
        """
        import warnings

        from sklearn.metrics import balanced_accuracy_score

        X, y = _xy(X, y, "score")
        d = self.decision(X)
        pred = self.classes[d.argmax(axis=1)]
        k = len(self.classes)
        with warnings.catch_warnings():  # a small test set need not hold every predicted class
            warnings.filterwarnings("ignore", message="y_pred contains classes not in y_true")
            balanced = float(balanced_accuracy_score(y, pred))
        return ProbeResult(float(np.mean(pred == y)), balanced,
                           mean_average_precision(y, d, self.classes), float(self.C), k, 1.0 / k)


def _svm(C: float, seed: int, max_iter: int):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import LinearSVC

    return make_pipeline(StandardScaler(), LinearSVC(C=C, random_state=seed, max_iter=max_iter))


def fit_linear_probe(X, y, *, Cs: Sequence[float] = (0.001, 0.01, 0.1, 1.0), val_fraction: float = 0.25,
                     rng: np.random.Generator | None = None, max_iter: int = 5000) -> LinearProbe:
    """Fit a linear SVM on standardised features, choosing C on a validation split by mAP.

    The protocol of Owens et al. (ECCV 2016): grid search on held-out training data, then a
    refit on all training data with the best C.

    Args:
        X: ``[N, D]`` training features.
        y: ``[N]`` class labels (any hashable type).
        Cs: candidate regularisation constants (one value → no search).
        val_fraction: fraction of the training set held out to choose C.
        rng: generator for the split and the solver (default: a fixed seed 0).
        max_iter: solver iterations.

    Returns:
        A :class:`LinearProbe`.

    Notebook: 04_evaluation
    """
    from sklearn.model_selection import train_test_split

    X, y = _xy(X, y, "fit_linear_probe")
    classes, counts = np.unique(y, return_counts=True)
    if len(classes) < 2:
        raise ValueError(f"fit_linear_probe: need at least 2 classes, got {classes.tolist()}")
    Cs = [float(c) for c in Cs]
    if not Cs or min(Cs) <= 0:
        raise ValueError(f"Cs must be positive numbers, got {Cs}")
    seed = int((rng if rng is not None else np.random.default_rng(0)).integers(0, 2**31 - 1))
    best_C = Cs[0]
    if len(Cs) > 1:
        if not 0 < val_fraction < 1:
            raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction}")
        strat = y if counts.min() >= 2 else None
        Xt, Xv, yt, yv = train_test_split(X, y, test_size=val_fraction, random_state=seed, stratify=strat)
        if len(np.unique(yt)) < 2:
            raise ValueError("fit_linear_probe: the training part of the split has a single class")
        scores = []
        for C in Cs:
            probe = LinearProbe(_svm(C, seed, max_iter).fit(Xt, yt), C)
            scores.append(mean_average_precision(yv, probe.decision(Xv), probe.classes))
        best_C = Cs[int(np.argmax(scores))]
    return LinearProbe(_svm(best_C, seed, max_iter).fit(X, y), best_C)


def linear_probe(train_X, train_y, test_X, test_y, *, Cs: Sequence[float] = (0.001, 0.01, 0.1, 1.0),
                 val_fraction: float = 0.25, rng: np.random.Generator | None = None) -> ProbeResult:
    """Fit a linear probe on one set and score it on another (see :func:`fit_linear_probe`).

    Args:
        train_X, train_y: ``[N, D]`` features and ``[N]`` labels to fit on (e.g. real sound).
        test_X, test_y: ``[M, D]`` and ``[M]`` to score on (e.g. generated sound, or held-out data).
        Cs, val_fraction, rng: the grid search, see :func:`fit_linear_probe`.

    Returns:
        :class:`ProbeResult`.

    Notebook: 04_evaluation
    """
    probe = fit_linear_probe(train_X, train_y, Cs=Cs, val_fraction=val_fraction, rng=rng)
    return probe.score(test_X, test_y)
