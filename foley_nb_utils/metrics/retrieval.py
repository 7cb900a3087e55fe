"""Cross-modal retrieval: recall@K and median rank (POCAN/VIG, Foley Music, VIAI).

Each query (e.g. a video's embedding, or a generated sound) ranks a gallery (e.g. real sound
clips) by similarity. **Instance retrieval**: the right answer for query ``i`` is gallery item
``targets[i]`` (default ``i``); recall@K is the fraction of queries whose right answer is among
the K most similar items. **Category retrieval** (Chen et al. 2017's "top-1 category"): a query
is right at K when any of its K nearest gallery items has the query's class.

Notebook: 04_evaluation
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["recall_at_k", "retrieval_hits", "retrieval_ranks", "similarity"]


def similarity(query, gallery, metric: str = "cosine") -> np.ndarray:
    """Similarity matrix between two sets of embeddings (higher = more alike).

    Args:
        query: ``[N, D]`` embeddings.
        gallery: ``[M, D]`` embeddings.
        metric: ``"cosine"``, ``"dot"`` or ``"euclidean"`` (negative distance).

    Returns:
        float64 ``[N, M]``.

    Notebook: 04_evaluation
    """
    q = np.asarray(query, dtype=np.float64)
    g = np.asarray(gallery, dtype=np.float64)
    if q.ndim != 2 or g.ndim != 2 or q.shape[1] != g.shape[1]:
        raise ValueError(f"query {q.shape} and gallery {g.shape} must be [N, D] and [M, D] with the same D")
    if not (np.all(np.isfinite(q)) and np.all(np.isfinite(g))):
        raise ValueError("embeddings contain NaN or infinity")
    if metric == "cosine":
        qn = q / np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-12)
        gn = g / np.maximum(np.linalg.norm(g, axis=1, keepdims=True), 1e-12)
        return qn @ gn.T
    if metric == "dot":
        return q @ g.T
    if metric == "euclidean":
        d2 = (q ** 2).sum(1)[:, None] + (g ** 2).sum(1)[None, :] - 2 * q @ g.T
        return -np.sqrt(np.maximum(d2, 0.0))
    raise ValueError(f"metric must be 'cosine', 'dot' or 'euclidean', got {metric!r}")


def retrieval_ranks(sim, targets: Sequence[int] | None = None) -> np.ndarray:
    """1-based rank of each query's right answer in its similarity row.

    Ties are counted pessimistically (an item with equal similarity ranks ahead), so a
    constant similarity never looks like a perfect retrieval.

    Args:
        sim: ``[N, M]`` similarities.
        targets: ``[N]`` index of the right gallery item per query (default ``0..N-1``).

    Returns:
        int ``[N]`` ranks in 1..M.

    Notebook: 04_evaluation
    """
    s = np.asarray(sim, dtype=np.float64)
    if s.ndim != 2:
        raise ValueError(f"sim must be [N, M], got shape {s.shape}")
    n, m = s.shape
    t = np.arange(n) if targets is None else np.asarray(targets)
    if t.shape != (n,) or not np.issubdtype(t.dtype, np.integer) or (n and (t.min() < 0 or t.max() >= m)):
        raise ValueError(f"targets must be {n} integer indices into a gallery of {m}")
    right = s[np.arange(n), t][:, None]
    others = np.ones_like(s, dtype=bool)
    others[np.arange(n), t] = False
    return 1 + ((s >= right) & others).sum(axis=1)


def recall_at_k(query, gallery, ks: Sequence[int] = (1, 5, 10), *, targets: Sequence[int] | None = None,
                query_labels=None, gallery_labels=None, metric: str = "cosine") -> dict[str, float]:
    """Recall@K of retrieving gallery items with queries.

    Args:
        query: ``[N, D]`` query embeddings.
        gallery: ``[M, D]`` gallery embeddings.
        ks: the K values.
        targets: instance retrieval: right gallery index per query (default: ``i`` for query ``i``).
        query_labels, gallery_labels: category retrieval: ``[N]`` and ``[M]`` class labels; a
            query is right at K when one of its top K has its label (then ``targets`` is unused).
        metric: similarity, see :func:`similarity`.

    Returns:
        ``{"R@1": ..., "R@5": ..., "median_rank": ...}`` (median rank only for instance
        retrieval); recalls in [0, 1].

    Notebook: 04_evaluation
    """
    hits = retrieval_hits(query, gallery, ks, targets=targets, query_labels=query_labels,
                          gallery_labels=gallery_labels, metric=metric)
    out: dict[str, float] = {k: float(np.mean(v)) for k, v in hits.items() if k.startswith("R@")}
    if "rank" in hits:
        out["median_rank"] = float(np.median(hits["rank"]))
    return out


def retrieval_hits(query, gallery, ks: Sequence[int] = (1, 5, 10), *, targets: Sequence[int] | None = None,
                   query_labels=None, gallery_labels=None, metric: str = "cosine") -> dict[str, np.ndarray]:
    """Per-query outcomes of :func:`recall_at_k` (same arguments): whether each query is right at K.

    ``recall_at_k(...)["R@K"]`` is the mean of ``retrieval_hits(...)["R@K"]``; the per-query 1/0
    values are what a paired comparison of two models over the same queries needs
    (:func:`foley_nb_utils.evidence.decide`).

    Returns:
        ``{"R@1": float [N] of 1.0/0.0, ...}``, and for instance retrieval also ``"rank"``
        (int ``[N]``, 1-based, ties pessimistic as in :func:`retrieval_ranks`).

    Notebook: 04_evaluation (used by 09_2018_visual_to_sound, 10_2018_pocan)
    """
    sim = similarity(query, gallery, metric)
    n, m = sim.shape
    ks = [int(k) for k in ks]
    if not ks or min(ks) < 1:
        raise ValueError(f"ks must be positive integers, got {ks}")
    if (query_labels is None) != (gallery_labels is None):
        raise ValueError("give both query_labels and gallery_labels for category retrieval, or neither")
    out: dict[str, np.ndarray] = {}
    if query_labels is not None:
        ql, gl = np.asarray(query_labels), np.asarray(gallery_labels)
        if ql.shape != (n,) or gl.shape != (m,):
            raise ValueError(f"labels must have shapes ({n},) and ({m},), got {ql.shape} and {gl.shape}")
        order = np.argsort(-sim, axis=1, kind="stable")
        same = gl[order] == ql[:, None]
        for k in ks:
            out[f"R@{k}"] = same[:, :k].any(axis=1).astype(np.float64)
        return out
    ranks = retrieval_ranks(sim, targets)
    for k in ks:
        out[f"R@{k}"] = (ranks <= k).astype(np.float64)
    out["rank"] = ranks
    return out
