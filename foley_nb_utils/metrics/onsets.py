"""Timing metrics: onset count accuracy and onset AP within ±0.1 s (the CondFoleyGen protocol).

A generated soundtrack is in sync when its sound events start where the picture's events
happen. Following CondFoleyGen's ``predict_onset.py`` (Du et al., CVPR 2023), per clip:

1. detect onsets in the generated audio, each with a *confidence*: the peak of the
   min-max-normalised ``|x|`` within ±50 ms of the onset; suppress onsets within 50 ms of a
   more confident one (non-maximum suppression);
2. match each target onset (in time order) to the most confident unmatched generated onset
   within ``tol_s`` (0.1 s);
3. **onset AP**: average precision of the generated onsets as detectors of target onsets.
   CondFoleyGen scores a missed target as a positive with confidence 0; this keeps the
   original's quirk that a clip with misses but no false alarm — even a *silent* one — gets
   AP 1. ``onset_ap_strict`` counts misses against recall instead (standard detection AP);
4. **onset acc**: the fraction of clips whose number of generated onsets equals the target's
   (CondFoleyGen's "# onset acc"); **detection acc**: the fraction of target onsets matched.

Targets are the onsets detected in the real audio (the original protocol) or, better on the
synthetic world, the exact event times (``target_times``).

Notebook: 04_evaluation
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .. import audio as _audio
from .features import as_batch

__all__ = ["average_precision", "match_onsets", "onset_ap", "onset_metrics", "onset_scores", "scored_onsets",
           "scored_onsets_batch"]


def _times(t, name: str) -> np.ndarray:
    a = np.asarray(t, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or infinity")
    return a


def average_precision(y_true, scores) -> float:
    """Area under the precision-recall step curve: ``sum_n (R_n - R_{n-1}) P_n`` over distinct
    score thresholds, highest first — the definition of ``sklearn.metrics.average_precision_score``
    (the tests compare the two), without its per-call parameter validation, which dominates
    the cost when AP is computed for every clip.

    Args:
        y_true: ``[n]`` bools or 0/1, at least one positive.
        scores: ``[n]`` confidences.

    Returns:
        AP in [0, 1].

    Notebook: 04_evaluation
    """
    y = np.asarray(y_true, dtype=bool).reshape(-1)
    s = np.asarray(scores, dtype=np.float64).reshape(-1)
    if y.shape != s.shape:
        raise ValueError(f"y_true has {len(y)} entries, scores {len(s)}")
    n_pos = int(y.sum())
    if n_pos == 0:
        raise ValueError("average_precision: no positive example")
    order = np.argsort(-s, kind="mergesort")
    s, y = s[order], y[order]
    last = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]  # end of each group of tied scores
    tp = np.cumsum(y)[last]
    precision = tp / (last + 1)
    recall = tp / n_pos
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def _nms(times: np.ndarray, conf: np.ndarray, window_s: float) -> np.ndarray:
    """Indices kept by greedy non-maximum suppression (most confident first), in time order."""
    keep: list[int] = []
    for i in np.argsort(-conf, kind="stable"):
        if all(abs(times[i] - times[j]) >= window_s for j in keep):
            keep.append(int(i))
    return np.sort(np.asarray(keep, dtype=np.int64))


def _confidences(x: np.ndarray, times: np.ndarray, sr: int, conf_window_s: float) -> np.ndarray:
    a = np.abs(x.astype(np.float64))
    span = a.max() - a.min()
    norm = (a - a.min()) / span if span > 0 else np.zeros_like(a)
    half = max(1, int(round(conf_window_s * sr)))
    centres = np.round(times * sr).astype(np.int64)
    return np.array([norm[max(0, c - half):c + half].max(initial=0.0) for c in centres])


def scored_onsets(x, sr: int, *, nms_s: float = 0.05, conf_window_s: float = 0.05,
                  **detect_kw) -> tuple[np.ndarray, np.ndarray]:
    """Onsets of one clip with CondFoleyGen-style confidences, after non-maximum suppression.

    Args:
        x: ``[n]`` waveform.
        sr: sample rate in Hz.
        nms_s: onsets closer than this (s) to a more confident one are dropped.
        conf_window_s: confidence = max of the min-max-normalised ``|x|`` within ± this (s).
        **detect_kw: passed to :func:`foley_nb_utils.audio.detect_onsets` (``delta``, ``hop``...).

    Returns:
        ``(times [k] in s, confidences [k] in [0, 1])``, ascending in time.

    Notebook: 04_evaluation
    """
    x = np.asarray(x, dtype=np.float32).reshape(-1)
    if x.size == 0 or not np.all(np.isfinite(x)):
        raise ValueError("scored_onsets: the waveform is empty or contains NaN/inf")
    times = _audio.detect_onsets(x, sr, **detect_kw)
    return _scored(x, times, sr, nms_s, conf_window_s)


def _scored(x: np.ndarray, times: np.ndarray, sr: int, nms_s: float, conf_window_s: float):
    if len(times) == 0:
        return np.zeros(0), np.zeros(0)
    conf = _confidences(x, times, sr, conf_window_s)
    keep = _nms(times, conf, nms_s)
    return times[keep], conf[keep]


def scored_onsets_batch(audio, sr: int, *, nms_s: float = 0.05, conf_window_s: float = 0.05,
                        **detect_kw) -> list[tuple[np.ndarray, np.ndarray]]:
    """:func:`scored_onsets` for each clip of ``[N, n]`` audio (batched detection).

    Notebook: 04_evaluation
    """
    x = as_batch(audio)
    times = _audio.detect_onsets_batch(x, sr, **detect_kw)
    return [_scored(xi, t, sr, nms_s, conf_window_s) for xi, t in zip(x, times)]


def match_onsets(target_times, pred_times, pred_conf=None, tol_s: float = 0.1) -> np.ndarray:
    """Match each target onset to a generated onset within ``tol_s`` seconds.

    Targets are taken in time order; each takes the most confident still-unmatched generated
    onset within the tolerance (each generated onset matches at most one target).

    Args:
        target_times: ``[m]`` target onset times in s.
        pred_times: ``[k]`` generated onset times in s.
        pred_conf: ``[k]`` confidences (default: all 1, then the nearest wins).
        tol_s: tolerance in s (inclusive).

    Returns:
        int ``[m]``: index into ``pred_times`` of each target's match, -1 for a miss.

    Notebook: 04_evaluation
    """
    tgt = np.sort(_times(target_times, "target_times"))
    pred = _times(pred_times, "pred_times")
    conf = np.ones(len(pred)) if pred_conf is None else _times(pred_conf, "pred_conf")
    if conf.shape != pred.shape:
        raise ValueError(f"pred_conf has {len(conf)} values for {len(pred)} onsets")
    if not tol_s > 0:
        raise ValueError(f"tol_s must be positive, got {tol_s}")
    free = np.ones(len(pred), dtype=bool)
    out = np.full(len(tgt), -1, dtype=np.int64)
    for i, t in enumerate(tgt):
        cand = np.flatnonzero(free & (np.abs(pred - t) <= tol_s + 1e-9))
        if cand.size:
            # most confident; among equals the nearest in time
            best = cand[np.lexsort((np.abs(pred[cand] - t), -conf[cand]))[0]]
            out[i] = best
            free[best] = False
    return out


def onset_ap(target_times, pred_times, pred_conf=None, tol_s: float = 0.1, strict: bool = False) -> float:
    """Average precision of generated onsets against target onsets for one clip.

    Args:
        target_times: ``[m]`` target onset times in s.
        pred_times: ``[k]`` generated onset times in s.
        pred_conf: ``[k]`` confidences (default all 1).
        tol_s: matching tolerance in s.
        strict: False = CondFoleyGen's scoring (a missed target enters as a positive with
            confidence 0, so misses only cost AP when false alarms are present); True = every
            miss lowers the reachable recall (standard detection AP).

    Returns:
        AP in [0, 1]; NaN when the clip has no target onset (AP is undefined).

    Notebook: 04_evaluation
    """
    tgt = _times(target_times, "target_times")
    pred = _times(pred_times, "pred_times")
    conf = np.ones(len(pred)) if pred_conf is None else _times(pred_conf, "pred_conf")
    m = match_onsets(tgt, pred, conf, tol_s)
    if len(tgt) == 0:
        return float("nan")
    is_tp = np.zeros(len(pred), dtype=bool)
    is_tp[m[m >= 0]] = True
    hits = int(is_tp.sum())
    if strict:
        if hits == 0:
            return 0.0
        # recall measured against all targets = (hits / m) x recall among detections
        return float(average_precision(is_tp, conf) * hits / len(tgt))
    y_true = np.concatenate([np.ones(len(tgt)), np.zeros(len(pred) - hits)])
    matched_conf = np.zeros(len(tgt))
    matched_conf[m >= 0] = conf[m[m >= 0]]
    y_score = np.concatenate([matched_conf, conf[~is_tp]])
    return float(average_precision(y_true, y_score))


def onset_scores(target_times: Sequence, pred_times: Sequence, pred_conf: Sequence | None = None,
                 tol_s: float = 0.1, *, per_clip: bool = False) -> dict[str, float]:
    """The CondFoleyGen onset metrics over many clips, from onset times.

    Args:
        target_times: per clip, its target onset times in s.
        pred_times: per clip, its generated onset times in s.
        pred_conf: per clip, confidences of the generated onsets (default all 1).
        tol_s: matching tolerance in s.
        per_clip: also return each clip's own scores (key ``"per_clip"``), so that two methods
            scored on the same clips can be compared clip by clip
            (:func:`foley_nb_utils.evidence.decide` with ``paired=True``).

    Returns:
        dict with ``onset_acc`` (clips with the right onset count), ``onset_ap`` (mean AP,
        CondFoleyGen scoring), ``onset_ap_strict``, ``detection_acc`` (mean fraction of target
        onsets matched), ``timing_error_s`` (mean |time difference| of matched pairs, NaN if
        none), ``n_clips`` and ``n_scored`` (clips with at least one target onset: AP and
        detection accuracy average over these). With ``per_clip=True`` also ``"per_clip"``:
        a dict of float64 ``[n_clips]`` arrays ``onset_ap``, ``onset_ap_strict`` and
        ``detection_acc``, NaN for a clip without target onsets (its AP is undefined), whose
        ``np.nanmean`` is the corresponding mean above.

    Notebook: 04_evaluation
    """
    if len(target_times) != len(pred_times):
        raise ValueError(f"{len(target_times)} target clips but {len(pred_times)} generated clips")
    if pred_conf is not None and len(pred_conf) != len(pred_times):
        raise ValueError(f"pred_conf has {len(pred_conf)} clips, pred_times {len(pred_times)}")
    if len(target_times) == 0:
        raise ValueError("onset_scores: no clips")
    count_ok, aps, aps_strict, det, errs = [], [], [], [], []
    scored = []  # index of each clip with at least one target (the clips aps, aps_strict and det describe)
    for i, (tgt, pred) in enumerate(zip(target_times, pred_times)):
        tgt = np.sort(_times(tgt, f"target_times[{i}]"))
        pred = _times(pred, f"pred_times[{i}]")
        conf = np.ones(len(pred)) if pred_conf is None else _times(pred_conf[i], f"pred_conf[{i}]")
        count_ok.append(len(tgt) == len(pred))
        if len(tgt) == 0:
            continue
        m = match_onsets(tgt, pred, conf, tol_s)
        aps.append(onset_ap(tgt, pred, conf, tol_s))
        aps_strict.append(onset_ap(tgt, pred, conf, tol_s, strict=True))
        det.append(np.mean(m >= 0))
        errs.extend(np.abs(pred[m[m >= 0]] - tgt[m >= 0]).tolist())
        scored.append(i)
    nan = float("nan")
    out = {"onset_acc": float(np.mean(count_ok)),
           "onset_ap": float(np.mean(aps)) if aps else nan,
           "onset_ap_strict": float(np.mean(aps_strict)) if aps_strict else nan,
           "detection_acc": float(np.mean(det)) if det else nan,
           "timing_error_s": float(np.mean(errs)) if errs else nan,
           "n_clips": len(target_times), "n_scored": len(aps)}
    if per_clip:
        clips = {}
        for key, values in (("onset_ap", aps), ("onset_ap_strict", aps_strict), ("detection_acc", det)):
            a = np.full(len(target_times), np.nan)
            a[scored] = values
            clips[key] = a
        out["per_clip"] = clips
    return out


def onset_metrics(generated, sr: int, *, target=None, target_times: Sequence | None = None,
                  tol_s: float = 0.1, **detect_kw) -> dict[str, float]:
    """CondFoleyGen's onset evaluation of generated audio.

    Args:
        generated: ``[N, n]`` generated waveforms.
        sr: sample rate in Hz.
        target: ``[N, n]`` real waveforms of the same videos; their detected onsets are the
            targets (the original protocol).
        target_times: per clip, exact target onset times in s (e.g. the synthetic world's
            visible event times); give this *or* ``target``.
        tol_s: matching tolerance in s (0.1 in CondFoleyGen).
        **detect_kw: onset detector settings for :func:`scored_onsets`.

    Returns:
        The dict of :func:`onset_scores`.

    Notebook: 04_evaluation
    """
    if (target is None) == (target_times is None):
        raise ValueError("onset_metrics: give exactly one of target (audio) or target_times")
    gen = as_batch(generated, "generated")
    if target is not None:
        target = as_batch(target, "target")
        if len(target) != len(gen):
            raise ValueError(f"{len(gen)} generated clips but {len(target)} target clips")
        target_times = [t for t, _ in scored_onsets_batch(target, sr, **detect_kw)]
    scored = scored_onsets_batch(gen, sr, **detect_kw)
    return onset_scores(target_times, [s[0] for s in scored], [s[1] for s in scored], tol_s)
