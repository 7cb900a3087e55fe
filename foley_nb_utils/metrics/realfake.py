"""Which is real? A trained real-vs-fake discriminator standing in for the AMT listening studies.

Owens et al. (CVPR 2016) played each Mechanical Turk worker two sounds for the same video, one
real and one generated, and asked which was real; a method's score is how often its sound was
*labeled real* (50 % = indistinguishable; the real sound itself scored 46.9 % against itself
in their study). We replace the listener by a classifier:

1. describe every clip by features (default :func:`.features.summary_features`: per-band
   log-mel mean, spread and flux; or a judge's embedding);
2. with k-fold cross-validation over *pairs* (a pair's real and fake clip fall in the same
   fold, so the discriminator never saw either), fit a linear classifier (ridge regression on
   standardised features) on the other folds and score the held-out clips' "realness";
3. each held-out pair is a two-alternative forced choice: the fake is *labeled real* when its
   realness exceeds the real clip's (ties count one half).

The fooling rate is the fraction of pairs labeled real, with a Wilson 95 % interval. A learned
discriminator is a harsher listener than a crowd worker: rates are lower than the AMT numbers,
but the ranking of methods is what it measures.

Notebook: 04_evaluation
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

from .features import as_batch, summary_features

__all__ = ["FoolingResult", "fooled_pairs", "fooling_rate", "fooling_rate_from_features", "proportion_ci",
           "realness_scores"]


def proportion_ci(k: float, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion ``k / n`` (``scipy.stats.binomtest``).

    Args:
        k: successes (a half-integer count is rounded to the nearest integer).
        n: trials (> 0).
        confidence: coverage, e.g. 0.95.

    Returns:
        ``(low, high)`` in [0, 1].

    Notebook: 04_evaluation
    """
    from scipy.stats import binomtest

    n = int(n)
    if n <= 0:
        raise ValueError(f"proportion_ci: need at least one trial, got n={n}")
    k = int(round(float(k)))
    if not 0 <= k <= n:
        raise ValueError(f"proportion_ci: k={k} must be in 0..n={n}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    ci = binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


@dataclass
class FoolingResult:
    """Outcome of :func:`fooling_rate`.

    Attributes:
        rate: fraction of pairs in which the fake clip was labeled real (0.5 = indistinguishable).
        low, high: Wilson 95 % interval of ``rate``.
        n_pairs: number of (real, fake) pairs judged.
        discriminator_accuracy: held-out accuracy of the discriminator on single clips (0.5 = chance).

    Notebook: 04_evaluation
    """

    rate: float
    low: float
    high: float
    n_pairs: int
    discriminator_accuracy: float

    def as_dict(self) -> dict[str, float]:
        """The fields as a plain dict (for ``fnu.record``)."""
        return asdict(self)


def fooling_rate(real, fake, sr: int, *, rng: np.random.Generator,
                 features: Callable[[np.ndarray, int], np.ndarray] | None = None,
                 n_folds: int = 5) -> FoolingResult:
    """How often a cross-validated real-vs-fake discriminator labels the fake clip of a pair real.

    Args:
        real: ``[N, n]`` real clips.
        fake: ``[N, n]`` generated clips; row ``i`` is the fake for the same video as ``real[i]``.
        sr: sample rate in Hz.
        rng: generator for the fold assignment (same seed → same result).
        features: ``features(audio [N, n], sr) -> [N, F]`` (default :func:`summary_features`;
            e.g. ``judge.embed`` for a judge's embedding).
        n_folds: cross-validation folds (each pair is held out once).

    Returns:
        :class:`FoolingResult`.

    Notebook: 04_evaluation
    """
    r, f = as_batch(real, "real"), as_batch(fake, "fake")
    if r.shape[0] != f.shape[0]:
        raise ValueError(f"fooling_rate needs pairs: {len(r)} real clips but {len(f)} fake clips")
    feat = features or summary_features
    return fooling_rate_from_features(feat(r, sr), feat(f, sr), rng=rng, n_folds=n_folds)


def fooling_rate_from_features(real_features, fake_features, *, rng: np.random.Generator,
                               n_folds: int = 5) -> FoolingResult:
    """:func:`fooling_rate` from precomputed features ``[N, F]`` of the real and fake clips (paired rows).

    Notebook: 04_evaluation
    """
    s_real, s_fake = realness_scores(real_features, fake_features, rng=rng, n_folds=n_folds)
    n = len(s_real)
    fooled = _fooled(s_real, s_fake)
    low, high = proportion_ci(fooled.sum(), n)
    acc = float(np.mean(np.r_[s_real > 0, s_fake <= 0]))
    return FoolingResult(float(fooled.mean()), low, high, n, acc)


def _fooled(s_real: np.ndarray, s_fake: np.ndarray) -> np.ndarray:
    return (s_fake > s_real) + 0.5 * (s_fake == s_real)


def realness_scores(real_features, fake_features, *, rng: np.random.Generator, n_folds: int = 5,
                    groups=None) -> tuple[np.ndarray, np.ndarray]:
    """Held-out "realness" of every real and fake clip (the discriminator of :func:`fooling_rate`).

    Args:
        real_features, fake_features: paired ``[N, F]`` features (row ``i`` of both: one video).
        rng: generator for the fold assignment.
        n_folds: cross-validation folds.
        groups: optional ``[N]`` group of each pair (e.g. its video, when several generated clips
            of a video are paired with its real clip): the pairs of a group fall in the same fold,
            so the discriminator never saw any clip of a held-out video. None: each pair its own
            group (then the folds are exactly those of :func:`fooling_rate_from_features`).

    Returns:
        ``(real_score [N], fake_score [N])``: the held-out ridge decision values (higher = more
        real), rounded to 9 decimals so that identical clips tie.

    Notebook: 04_evaluation (used by 09_2018_visual_to_sound)
    """
    from sklearn.linear_model import RidgeClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    Xr = np.asarray(real_features, dtype=np.float64)
    Xf = np.asarray(fake_features, dtype=np.float64)
    if Xr.ndim != 2 or Xr.shape != Xf.shape:
        raise ValueError(f"fooling_rate needs paired [N, F] features, got {Xr.shape} and {Xf.shape}")
    if not (np.all(np.isfinite(Xr)) and np.all(np.isfinite(Xf))):
        raise ValueError("fooling_rate: features contain NaN or infinity")
    n = len(Xr)
    if groups is None:
        inverse, n_groups = np.arange(n), n
    else:
        g = np.asarray(groups)
        if g.shape != (n,):
            raise ValueError(f"groups must have shape ({n},), got {g.shape}")
        _, inverse = np.unique(g, return_inverse=True)
        n_groups = int(inverse.max()) + 1 if n else 0
    if not 2 <= n_folds <= n_groups:
        raise ValueError(f"n_folds must be in 2..{n_groups} (number of pairs or groups), got {n_folds}")
    X = np.concatenate([Xr, Xf])
    y = np.r_[np.ones(n), np.zeros(n)]  # 1 = real
    group_fold = np.empty(n_groups, dtype=np.int64)
    group_fold[rng.permutation(n_groups)] = np.arange(n_groups) % n_folds
    fold = group_fold[inverse]
    fold2 = np.r_[fold, fold]
    realness = np.empty(2 * n)
    for k in range(n_folds):
        test = fold2 == k
        # a ridge-regression linear classifier: closed form, fast, stable with few clips for many
        # features (logistic regression or shrunk LDA rank pairs alike here, 10-30x slower)
        clf = make_pipeline(StandardScaler(), RidgeClassifier(alpha=1.0))
        clf.fit(X[~test], y[~test])
        realness[test] = clf.decision_function(X[test])
    # identical clips must tie: round away the last bits that batched BLAS products may differ in
    realness = np.round(realness, 9)
    return realness[:n], realness[n:]


def fooled_pairs(real_features, fake_features, *, rng: np.random.Generator, n_folds: int = 5,
                 groups=None) -> np.ndarray:
    """Per pair, whether the fake clip was labeled real: 1.0, 0.0, or 0.5 for a tie.

    The mean is :func:`fooling_rate_from_features`'s rate (with ``groups=None`` and the same
    ``rng`` state, exactly); the per-pair values are what a paired comparison of two generators
    on the same videos needs (:func:`foley_nb_utils.evidence.decide`). Arguments as for
    :func:`realness_scores`.

    Returns:
        float ``[N]``.

    Notebook: 04_evaluation (used by 09_2018_visual_to_sound)
    """
    return _fooled(*realness_scores(real_features, fake_features, rng=rng, n_folds=n_folds, groups=groups))
