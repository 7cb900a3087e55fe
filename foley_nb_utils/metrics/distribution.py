"""Scores on a judge's outputs: accuracy, cross-entropy, Inception Score, KL, Fréchet distance.

A *judge* (:mod:`.judges`) is a classifier trained on real ground truth. Its class posteriors
``p(y|x)`` and its penultimate-layer embedding ``f(x)`` turn generated sound into numbers:

- **accuracy / cross-entropy** of the judge on generated sound, against the label the sound
  should have (is the generated sound recognisably *metal*?);
- **Inception Score** ``exp(E_x KL(p(y|x) || p(y)))``: confident *and* diverse predictions;
- **KL** ``mean_i KL(p(y|real_i) || p(y|gen_i))`` between the posteriors of each real clip and
  the sound generated for the same video (SpecVQGAN's "MKL", the ``KL_PaSST`` of later papers);
- **Fréchet distance** between Gaussians fitted to real and generated embeddings (FID / FAD);
- **NDB** (number of statistically different bins, Richardson & Weiss 2018): k-means bins on real
  embeddings, and in how many of them the generated share differs significantly from the real one.

All inputs are numpy arrays (torch tensors are accepted); probabilities are ``[N, K]`` rows
that sum to one. Results are Python floats.

Notebook: 04_evaluation
"""
from __future__ import annotations

import numpy as np

__all__ = ["accuracy", "cross_entropy", "frechet_distance", "gaussian_stats", "inception_score",
           "kl_divergence", "ndb"]

_EPS = 1e-12


def _rel_entr(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Elementwise ``p log(p / q)`` with ``0 log 0 = 0`` (as ``scipy.special.rel_entr``)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(p > 0, p * np.log(p / q), 0.0)


def _array(x, name: str, ndim: int | None = None) -> np.ndarray:
    if hasattr(x, "detach"):  # torch tensor
        x = x.detach().cpu().numpy()
    a = np.asarray(x, dtype=np.float64)
    if ndim is not None and a.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or infinity")
    return a


def _probs(p, name: str = "probs") -> np.ndarray:
    a = _array(p, name, ndim=2)
    if a.shape[0] == 0 or a.shape[1] < 2:
        raise ValueError(f"{name} must be [N >= 1, K >= 2] class probabilities, got shape {a.shape}")
    if a.min() < 0 or np.max(np.abs(a.sum(axis=1) - 1.0)) > 1e-3:
        raise ValueError(f"{name}: rows must be probabilities (non-negative, summing to 1); "
                         f"row sums range {a.sum(axis=1).min():.4g}..{a.sum(axis=1).max():.4g} "
                         "(apply a softmax to logits first)")
    return a


def _labels(y, n: int, k: int, name: str = "labels") -> np.ndarray:
    a = np.asarray(y)
    if a.shape != (n,) or not np.issubdtype(a.dtype, np.integer):
        raise ValueError(f"{name} must be {n} integer class indices, got {a.dtype} array of shape {a.shape}")
    if a.size and (a.min() < 0 or a.max() >= k):
        raise ValueError(f"{name} must lie in 0..{k - 1}, got {a.min()}..{a.max()} "
                         "(drop unlabeled clips, marked -1, first)")
    return a.astype(np.int64)


def accuracy(probs, labels) -> float:
    """Fraction of clips whose most probable class is the expected label.

    Args:
        probs: ``[N, K]`` class probabilities (a judge's :meth:`~.judges.Judge.predict`).
        labels: ``[N]`` int class indices the sound should have.

    Returns:
        Accuracy in [0, 1].

    Notebook: 04_evaluation
    """
    p = _probs(probs)
    y = _labels(labels, *p.shape)
    return float(np.mean(p.argmax(axis=1) == y))


def cross_entropy(probs, labels) -> float:
    """Mean negative log-probability of the expected label, in nats: ``-mean_i log p(y_i|x_i)``.

    Args:
        probs: ``[N, K]`` class probabilities.
        labels: ``[N]`` int class indices.

    Returns:
        Cross-entropy in nats (0 = certain and right; ``log K`` = uniform guessing).

    Notebook: 04_evaluation
    """
    p = _probs(probs)
    y = _labels(labels, *p.shape)
    return float(-np.mean(np.log(np.maximum(p[np.arange(len(y)), y], _EPS))))


def inception_score(probs, splits: int = 1) -> float:
    """Inception Score ``exp(E_x KL(p(y|x) || p(y)))`` of a set of class posteriors.

    It is 1 when every clip gets the same prediction and ``K`` when predictions are one-hot and
    spread evenly over ``K`` classes: high = confident (recognisable) *and* diverse. With
    ``splits > 1`` the set is cut into equal parts (the original protocol uses 10) and the mean
    over parts is returned; small parts bias the score down.

    Args:
        probs: ``[N, K]`` class probabilities of generated clips.
        splits: number of parts.

    Returns:
        The score, in [1, K].

    Notebook: 04_evaluation
    """
    p = _probs(probs)
    if not isinstance(splits, (int, np.integer)) or not 1 <= splits <= len(p):
        raise ValueError(f"splits must be an integer in 1..{len(p)}, got {splits!r}")
    scores = []
    for part in np.array_split(p, int(splits)):
        marginal = part.mean(axis=0, keepdims=True)
        kl = _rel_entr(part, np.maximum(marginal, _EPS)).sum(axis=1)
        scores.append(np.exp(kl.mean()))
    return float(np.mean(scores))


def kl_divergence(p_real, p_gen) -> float:
    """Mean paired KL divergence ``mean_i KL(p_real_i || p_gen_i)`` in nats ("MKL").

    Row ``i`` of both arrays must describe the same video: the judge's posterior on the real
    sound and on the sound generated for it. 0 when they agree; large when the generated sound
    is judged to be a different class.

    Args:
        p_real: ``[N, K]`` posteriors on real clips.
        p_gen: ``[N, K]`` posteriors on generated clips, same order.

    Returns:
        Mean KL in nats (generated probabilities are floored at 1e-12).

    Notebook: 04_evaluation
    """
    a = _probs(p_real, "p_real")
    b = _probs(p_gen, "p_gen")
    if a.shape != b.shape:
        raise ValueError(f"p_real {a.shape} and p_gen {b.shape} must have the same shape (paired clips)")
    kl = _rel_entr(a, np.maximum(b, _EPS)).sum(axis=1)
    return float(np.maximum(kl, 0.0).mean())  # >= 0 (rounding can give -1e-16)


def gaussian_stats(features) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of a set of embeddings (the Gaussian that FID/FAD compare).

    Args:
        features: ``[N, D]`` embeddings, N >= 2.

    Returns:
        ``(mu [D], sigma [D, D])`` in float64 (covariance with the unbiased 1/(N-1) factor).

    Notebook: 04_evaluation
    """
    f = _array(features, "features", ndim=2)
    if f.shape[0] < 2:
        raise ValueError(f"need at least 2 embeddings to estimate a covariance, got {f.shape[0]}")
    return f.mean(axis=0), np.atleast_2d(np.cov(f, rowvar=False))


def _sqrtm_psd(s: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eigh((s + s.T) / 2)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def frechet_distance(real, generated) -> float:
    """Fréchet distance between two Gaussians fitted to embeddings (FID / FAD in a judge's space).

    .. math:: d^2 = \\lVert \\mu_r - \\mu_g \\rVert^2 + \\operatorname{tr}\\big(\\Sigma_r + \\Sigma_g
              - 2 (\\Sigma_r^{1/2} \\Sigma_g \\Sigma_r^{1/2})^{1/2}\\big)

    The matrix square root is taken through symmetric eigendecompositions, which stays real
    and stable where ``scipy.linalg.sqrtm(Σ_r Σ_g)`` can return complex noise. The estimate is
    biased upwards for small N (it needs N well above D to settle): compare scores computed
    on equal numbers of clips.

    Args:
        real: ``[N, D]`` embeddings of real clips, or a ``(mu, sigma)`` pair from
            :func:`gaussian_stats`.
        generated: ``[M, D]`` embeddings of generated clips, or ``(mu, sigma)``.

    Returns:
        The squared Fréchet distance (FID convention: no square root), >= 0.

    Notebook: 04_evaluation
    """
    mu1, s1 = real if isinstance(real, tuple) else gaussian_stats(real)
    mu2, s2 = generated if isinstance(generated, tuple) else gaussian_stats(generated)
    mu1, mu2 = _array(mu1, "mu_real", 1), _array(mu2, "mu_generated", 1)
    s1, s2 = _array(s1, "sigma_real", 2), _array(s2, "sigma_generated", 2)
    if mu1.shape != mu2.shape or s1.shape != s2.shape or s1.shape != (len(mu1), len(mu1)):
        raise ValueError(f"embedding sizes differ: real mu {mu1.shape}, sigma {s1.shape}; "
                         f"generated mu {mu2.shape}, sigma {s2.shape}")
    r1 = _sqrtm_psd(s1)
    cross = np.sqrt(np.clip(np.linalg.eigvalsh(r1 @ s2 @ r1), 0, None)).sum()
    d = float(np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2.0 * cross)
    return max(d, 0.0)


def ndb(real, generated, k: int = 10, *, alpha: float = 0.05, seed: int = 0, iters: int = 30) -> dict:
    """Number of statistically different bins (NDB; Richardson & Weiss, "On GANs and GMMs", NeurIPS 2018).

    The real embeddings are clustered into ``k`` bins by k-means (Lloyd's algorithm from ``k``
    distinct real points drawn with ``seed``); every generated embedding goes to its nearest
    centre. For each bin a two-proportion z-test compares the real and generated shares (pooled
    standard error); a bin is *different* when its two-sided p-value is below ``alpha``. A
    generator that covers the real modes in the right proportions has NDB near ``alpha · k``
    (chance rejections); mode collapse fills a few bins and empties others.

    Args:
        real: ``[N, D]`` real embeddings (N >= k).
        generated: ``[M, D]`` generated embeddings.
        k: number of bins.
        alpha: significance level of each bin's test.
        seed: seeds the k-means initialisation.
        iters: k-means iterations (at most).

    Returns:
        dict with ``ndb`` (int: bins that differ), ``ndb_over_k`` (``ndb / k``), ``real_share`` and
        ``gen_share`` (float64 ``[k]``), ``p`` (``[k]`` p-values) and ``different`` (bool ``[k]``).

    Notebook: 21_2021_foleygan
    """
    import math

    r = _array(real, "real", ndim=2)
    g = _array(generated, "generated", ndim=2)
    if r.shape[1] != g.shape[1]:
        raise ValueError(f"embedding sizes differ: real {r.shape}, generated {g.shape}")
    if not isinstance(k, (int, np.integer)) or not 2 <= k <= len(r):
        raise ValueError(f"k must be an integer in 2..{len(r)} (the number of real embeddings), got {k!r}")
    if len(g) < 1:
        raise ValueError("generated must hold at least one embedding")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    centres = r[np.random.default_rng(seed).choice(len(r), size=int(k), replace=False)].copy()

    def assign(x):
        return (((x[:, None, :] - centres[None]) ** 2).sum(-1)).argmin(1)

    for _ in range(int(iters)):
        lab = assign(r)
        new = np.stack([r[lab == j].mean(0) if np.any(lab == j) else centres[j] for j in range(k)])
        if np.allclose(new, centres):
            break
        centres = new
    pr = np.bincount(assign(r), minlength=k) / len(r)
    pg = np.bincount(assign(g), minlength=k) / len(g)
    pooled = (pr * len(r) + pg * len(g)) / (len(r) + len(g))
    se = np.sqrt(pooled * (1 - pooled) * (1 / len(r) + 1 / len(g)))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, (pg - pr) / se, 0.0)
    p = np.array([math.erfc(abs(v) / math.sqrt(2)) for v in z])
    diff = p < alpha
    return {"ndb": int(diff.sum()), "ndb_over_k": float(diff.mean()), "real_share": pr, "gen_share": pg, "p": p,
            "different": diff}
