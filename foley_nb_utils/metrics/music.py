"""Music and signal metrics through mir_eval and torchmetrics: notes, onsets, SDR.

- **Note P/R/F1** (Audeo, Foley Music): an estimated note is right when its pitch is within
  50 cents and its onset within 50 ms of an unmatched reference note (offsets ignored unless
  ``offset_ratio`` is given) — ``mir_eval.transcription``.
- **Onset P/R/F1** within a window — ``mir_eval.onset``.
- **SDR** (BSS Eval, ``mir_eval.separation``): the energy of the reference part of the estimate
  (after the best 512-tap distortion filter) over the energy of everything else, in dB.
  **SI-SDR** (``torchmetrics``) is the scale-invariant variant without the filter.

Notebook: 04_evaluation
"""
from __future__ import annotations

import warnings

import numpy as np

__all__ = ["note_prf", "notes_array", "onset_prf", "sdr", "si_sdr"]


def notes_array(notes, name: str = "notes") -> np.ndarray:
    """Notes as float ``[n, 3]`` rows ``(onset_s, offset_s, midi_pitch)``.

    Args:
        notes: an ``[n, 3]`` array-like, a list of ``pretty_midi.Note``, or a
            ``pretty_midi.Instrument`` / ``PrettyMIDI`` (all non-drum notes).
        name: used in error messages.

    Returns:
        float64 ``[n, 3]`` sorted by onset.

    Notebook: 04_evaluation
    """
    if hasattr(notes, "instruments"):  # PrettyMIDI
        notes = [n for inst in notes.instruments if not inst.is_drum for n in inst.notes]
    elif hasattr(notes, "notes"):  # Instrument
        notes = notes.notes
    if isinstance(notes, (list, tuple)) and notes and hasattr(notes[0], "pitch"):
        notes = [(n.start, n.end, n.pitch) for n in notes]
    a = np.asarray(notes, dtype=np.float64)
    if a.size == 0:
        return np.zeros((0, 3))
    if a.ndim != 2 or a.shape[1] != 3:
        raise ValueError(f"{name} must be [n, 3] rows (onset_s, offset_s, midi_pitch), got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contain NaN or infinity")
    bad = np.flatnonzero(a[:, 1] <= a[:, 0])
    if bad.size:
        raise ValueError(f"{name}: note {bad[0]} ends at {a[bad[0], 1]} s, not after its onset {a[bad[0], 0]} s")
    if a[:, 2].min() < 0 or a[:, 2].max() > 127:
        raise ValueError(f"{name}: MIDI pitches must be in 0..127, got {a[:, 2].min()}..{a[:, 2].max()}")
    return a[np.argsort(a[:, 0], kind="stable")]


def note_prf(reference, estimate, onset_tol: float = 0.05, offset_ratio: float | None = None) -> dict[str, float]:
    """Note-level precision, recall and F1 of a transcription (``mir_eval.transcription``).

    Args:
        reference: reference notes (see :func:`notes_array`).
        estimate: estimated notes, same forms.
        onset_tol: onset tolerance in s (50 ms is the MIREX standard).
        offset_ratio: None = onsets and pitch only; e.g. 0.2 = offsets must also match within
            20 % of the note length (at least 50 ms).

    Returns:
        ``{"precision", "recall", "f1"}`` in [0, 1] (all 0 when either side has no note).

    Notebook: 04_evaluation
    """
    import mir_eval  # imported on use: it loads scipy.stats (slow)

    ref, est = notes_array(reference, "reference notes"), notes_array(estimate, "estimated notes")
    if len(ref) == 0 or len(est) == 0:
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    p, r, f, _ = mir_eval.transcription.precision_recall_f1_overlap(
        ref[:, :2], mir_eval.util.midi_to_hz(ref[:, 2]), est[:, :2], mir_eval.util.midi_to_hz(est[:, 2]),
        onset_tolerance=onset_tol, offset_ratio=offset_ratio)
    return {"precision": float(p), "recall": float(r), "f1": float(f)}


def onset_prf(reference_times, estimated_times, window: float = 0.05) -> dict[str, float]:
    """Onset precision, recall and F1 within ``window`` seconds (``mir_eval.onset.f_measure``).

    Args:
        reference_times: ``[m]`` reference onsets in s.
        estimated_times: ``[k]`` estimated onsets in s.
        window: tolerance in s.

    Returns:
        ``{"precision", "recall", "f1"}`` (all 0 when either side is empty).

    Notebook: 04_evaluation
    """
    import mir_eval

    ref = np.sort(np.asarray(reference_times, dtype=np.float64).reshape(-1))
    est = np.sort(np.asarray(estimated_times, dtype=np.float64).reshape(-1))
    if len(ref) == 0 or len(est) == 0:
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    f, p, r = mir_eval.onset.f_measure(ref, est, window=window)
    return {"precision": float(p), "recall": float(r), "f1": float(f)}


def _pairs(reference, estimate) -> tuple[np.ndarray, np.ndarray]:
    ref = np.atleast_2d(np.asarray(reference, dtype=np.float64))
    est = np.atleast_2d(np.asarray(estimate, dtype=np.float64))
    if ref.shape != est.shape or ref.ndim != 2:
        raise ValueError(f"reference {np.shape(reference)} and estimate {np.shape(estimate)} must both be "
                         "[n] or [N, n] of equal shape")
    if not (np.all(np.isfinite(ref)) and np.all(np.isfinite(est))):
        raise ValueError("reference or estimate contains NaN or infinity")
    silent = np.flatnonzero(~np.any(ref != 0, axis=1))
    if silent.size:
        raise ValueError(f"reference clip {silent[0]} is silent: SDR is undefined for a silent reference")
    return ref, est


def sdr(reference, estimate) -> float:
    """Signal-to-distortion ratio in dB (BSS Eval v3, ``mir_eval.separation.bss_eval_sources``).

    Args:
        reference: ``[n]`` or ``[N, n]`` true signals.
        estimate: same shape, the restored / generated signals.

    Returns:
        SDR in dB, averaged over the N clips (higher is better; +inf-like for a perfect copy).

    Notebook: 04_evaluation
    """
    import mir_eval

    ref, est = _pairs(reference, estimate)
    vals = []
    for r, e in zip(ref, est):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # mir_eval warns about all-zero estimates
            if not np.any(e):
                vals.append(-np.inf)  # nothing of the reference is there
                continue
            s, _, _, _ = mir_eval.separation.bss_eval_sources(r[None], e[None], compute_permutation=False)
        vals.append(float(s[0]))
    return float(np.mean(vals))


def si_sdr(reference, estimate) -> float:
    """Scale-invariant SDR in dB: both signals made zero-mean, the reference scaled by the best
    gain ``a = <s, ŝ> / <s, s>``, then ``10 log10(|a s|² / |ŝ - a s|²)`` (Le Roux et al. 2019).

    Three dot products per clip in numpy (``tests/test_metrics.py`` checks it against
    ``torchmetrics``' implementation).

    Args:
        reference: ``[n]`` or ``[N, n]`` true signals.
        estimate: same shape.

    Returns:
        SI-SDR in dB averaged over clips (capped at 200 dB for an exact copy).

    Notebook: 04_evaluation
    """
    ref, est = _pairs(reference, estimate)
    ref = ref - ref.mean(axis=1, keepdims=True)
    est = est - est.mean(axis=1, keepdims=True)
    a = np.einsum("ij,ij->i", ref, est) / np.einsum("ij,ij->i", ref, ref)
    target = a[:, None] * ref
    num = np.einsum("ij,ij->i", target, target)
    den = np.einsum("ij,ij->i", est - target, est - target)
    with np.errstate(divide="ignore"):
        vals = 10 * np.log10(np.maximum(num, 1e-300) / np.maximum(den, num * 1e-20))
    return float(np.mean(vals))
