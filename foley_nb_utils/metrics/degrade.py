"""Controlled damage to real audio, to check that each metric moves the right way.

A metric is only useful if it gets worse when the sound gets worse. Notebook 04 degrades real
synthetic clips step by step and records how every metric responds:

=================  ===================================================  ====================
kind               what it does                                         level (worse →)
=================  ===================================================  ====================
``noise``          white noise at a signal-to-noise ratio               SNR in dB (lower)
``shift``          delays the sound against the picture                 seconds (larger)
``band_limit``     low-pass filter (8th-order Butterworth, zero-phase)  cutoff in Hz (lower)
``griffin_lim``    STFT magnitude → Griffin-Lim with few iterations     iterations (fewer)
``wrong_material`` replaces clips by the hit sounds of a clip of        fraction of clips
                   another material pasted at the right times           (larger)
=================  ===================================================  ====================

``wrong_material`` uses :func:`onset_transfer`, which is also CondFoleyGen's *onset transfer*
baseline: detect the target's event times and paste a condition clip's hit sound at each.

Notebook: 04_evaluation
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .features import as_batch

__all__ = ["LADDERS", "add_noise", "band_limit", "degrade", "griffin_lim_roundtrip", "onset_transfer",
           "time_shift", "wrong_material"]

#: Default severity ladders (mildest first) used by notebook 04 and the tests.
LADDERS: dict[str, tuple[float, ...]] = {
    "noise": (30.0, 10.0, 0.0),
    "shift": (0.05, 0.15, 0.4),
    "band_limit": (4000.0, 1000.0, 500.0),
    "griffin_lim": (8, 2, 1),
    "wrong_material": (0.33, 0.67, 1.0),
}


def add_noise(audio, snr_db: float, rng: np.random.Generator) -> np.ndarray:
    """Add white Gaussian noise at ``snr_db`` dB below each clip's mean power.

    Args:
        audio: ``[N, n]`` (or ``[n]``) waveforms.
        snr_db: signal-to-noise ratio in dB.
        rng: generator for the noise.

    Returns:
        float32 ``[N, n]``.

    Notebook: 04_evaluation
    """
    x = as_batch(audio)
    p = np.mean(x.astype(np.float64) ** 2, axis=1, keepdims=True)
    sd = np.sqrt(p / 10 ** (snr_db / 10))
    return (x + sd * rng.standard_normal(x.shape)).astype(np.float32)


def _background(x: np.ndarray, sr: int, n: int, window_s: float = 0.05) -> np.ndarray:
    """``[N, n]`` filler made of each clip's quietest ``window_s`` window, repeated."""
    w = max(1, min(int(round(window_s * sr)), x.shape[1]))
    k = x.shape[1] // w
    frames = x[:, :k * w].reshape(len(x), k, w)
    quiet = frames[np.arange(len(x)), np.argmin((frames.astype(np.float64) ** 2).mean(axis=2), axis=1)]
    return np.tile(quiet, (1, -(-n // w)))[:, :n]


def time_shift(audio, sr: int, shift_s: float, fill: str = "background") -> np.ndarray:
    """Delay the sound by ``shift_s`` seconds (negative: advance), keeping the length.

    Args:
        audio: ``[N, n]`` waveforms.
        sr: sample rate in Hz.
        shift_s: shift in seconds.
        fill: what fills the vacated part: ``"background"`` (the clip's own quietest 50 ms,
            repeated, so that no artificial onset appears where digital silence would meet the
            room tone) or ``"zeros"``.

    Returns:
        float32 ``[N, n]``.

    Notebook: 04_evaluation
    """
    x = as_batch(audio)
    if fill not in ("background", "zeros"):
        raise ValueError(f"fill must be 'background' or 'zeros', got {fill!r}")
    n = x.shape[1]
    k = min(abs(int(round(shift_s * sr))), n)
    out = np.zeros_like(x)
    if k == 0:
        return x.copy()
    if shift_s > 0:
        out[:, k:] = x[:, :n - k]
        if fill == "background":
            out[:, :k] = _background(x, sr, k)
    else:
        out[:, :n - k] = x[:, k:]
        if fill == "background":
            out[:, n - k:] = _background(x, sr, k)
    return out


def band_limit(audio, sr: int, cutoff_hz: float, order: int = 8) -> np.ndarray:
    """Low-pass filter (Butterworth, zero-phase ``sosfiltfilt``): removes the brilliance of a sound.

    Args:
        audio: ``[N, n]`` waveforms.
        sr: sample rate in Hz.
        cutoff_hz: -3 dB frequency in Hz (below Nyquist).
        order: filter order.

    Returns:
        float32 ``[N, n]``.

    Notebook: 04_evaluation
    """
    from scipy.signal import butter, sosfiltfilt

    if not 0 < cutoff_hz < sr / 2:
        raise ValueError(f"cutoff_hz must be in (0, {sr / 2}) for sr={sr}, got {cutoff_hz}")
    sos = butter(order, cutoff_hz, btype="low", fs=sr, output="sos")
    return sosfiltfilt(sos, as_batch(audio), axis=1).astype(np.float32)


def griffin_lim_roundtrip(audio, sr: int, n_iter: int, rng: np.random.Generator, n_fft: int = 512,
                          hop: int = 128) -> np.ndarray:
    """Keep only the STFT magnitude and rebuild the phase with ``n_iter`` Griffin-Lim iterations.

    This is what a model that predicts spectrograms and inverts them without a vocoder outputs
    at best; fewer iterations leave more phase artefacts ("phasiness", smeared attacks).

    Args:
        audio: ``[N, n]`` waveforms.
        sr: sample rate in Hz (unused by the transform; kept for a uniform signature).
        n_iter: Griffin-Lim iterations (>= 1).
        rng: generator for the random initial phase.
        n_fft, hop: STFT settings in samples.

    Returns:
        float32 ``[N, n]``.

    Notebook: 04_evaluation
    """
    import librosa

    if int(n_iter) < 1:
        raise ValueError(f"n_iter must be >= 1, got {n_iter}")
    x = as_batch(audio)
    mag = np.abs(librosa.stft(x, n_fft=n_fft, hop_length=hop))
    y = librosa.griffinlim(mag, n_iter=int(n_iter), hop_length=hop, n_fft=n_fft, init="random",
                           random_state=rng, length=x.shape[1])
    return y.astype(np.float32)


def onset_transfer(donor, donor_time_s: float, target_times: Sequence[float], sr: int, n: int,
                   fade_s: float = 0.01) -> np.ndarray:
    """Paste a donor clip's sound, from its first event on, at each target event time.

    Each pasted segment lasts until the next target event (or the donor's end), with a short
    fade-out, so the result has the target's timing and the donor's timbre (CondFoleyGen's
    onset-transfer baseline).

    Args:
        donor: ``[m]`` donor waveform.
        donor_time_s: time of the donor's event (s) where its segment starts.
        target_times: event times (s) of the target clip.
        sr: sample rate in Hz.
        n: output length in samples.
        fade_s: fade-out length in seconds.

    Returns:
        float32 ``[n]``.

    Notebook: 04_evaluation
    """
    d = np.asarray(donor, dtype=np.float32).reshape(-1)
    start = int(round(donor_time_s * sr))
    if not 0 <= start < len(d):
        raise ValueError(f"donor_time_s={donor_time_s} is outside the donor clip ({len(d) / sr:.3f} s)")
    seg = d[start:]
    out = np.zeros(n, dtype=np.float32)
    ts = np.sort(np.asarray(target_times, dtype=np.float64))
    bounds = np.r_[np.round(ts * sr).astype(np.int64), n]
    fade = max(1, int(round(fade_s * sr)))
    for a, b in zip(bounds[:-1], bounds[1:]):
        a = max(0, int(a))
        L = min(len(seg), int(b) - a, n - a)
        if L <= 0:
            continue
        piece = seg[:L].copy()
        f = min(fade, L)
        piece[L - f:] *= np.linspace(1.0, 0.0, f, dtype=np.float32)
        out[a:a + L] += piece
    return out


def wrong_material(audio, sr: int, materials, event_times: Sequence[Sequence[float]], fraction: float,
                   rng: np.random.Generator) -> np.ndarray:
    """Give a ``fraction`` of the clips the sound of another material, at the right times.

    Each chosen clip is rebuilt by :func:`onset_transfer` from a random clip of the batch whose
    material differs, so timing is kept and only the timbre is wrong.

    Args:
        audio: ``[N, n]`` waveforms.
        sr: sample rate in Hz.
        materials: ``[N]`` material label per clip.
        event_times: per clip, its event times in s (e.g. the visible events of the synthetic world).
        fraction: share of clips to replace, in [0, 1].
        rng: generator for the choice of clips and donors.

    Returns:
        float32 ``[N, n]``.

    Notebook: 04_evaluation
    """
    x = as_batch(audio)
    mats = np.asarray(materials)
    if mats.shape != (len(x),) or len(event_times) != len(x):
        raise ValueError(f"materials and event_times must have one entry per clip ({len(x)})")
    if not 0 <= fraction <= 1:
        raise ValueError(f"fraction must be in [0, 1], got {fraction}")
    out = x.copy()
    chosen = rng.permutation(len(x))[:int(round(fraction * len(x)))]
    for i in chosen:
        donors = np.flatnonzero((mats != mats[i]) & np.array([len(t) > 0 for t in event_times]))
        if donors.size == 0 or len(event_times[i]) == 0:
            continue
        j = int(rng.choice(donors))
        out[i] = onset_transfer(x[j], float(np.min(event_times[j])), event_times[i], sr, x.shape[1])
    return out


def degrade(kind: str, audio, sr: int, level: float, rng: np.random.Generator, *, materials=None,
            event_times: Sequence[Sequence[float]] | None = None) -> np.ndarray:
    """Apply one degradation of :data:`LADDERS` at one level.

    Args:
        kind: ``"noise"``, ``"shift"``, ``"band_limit"``, ``"griffin_lim"`` or ``"wrong_material"``.
        audio: ``[N, n]`` waveforms.
        sr: sample rate in Hz.
        level: the severity, in the unit of that kind (see the table above).
        rng: generator (noise, phases, choices).
        materials, event_times: needed by ``"wrong_material"``.

    Returns:
        float32 ``[N, n]``.

    Notebook: 04_evaluation
    """
    if kind == "noise":
        return add_noise(audio, level, rng)
    if kind == "shift":
        return time_shift(audio, sr, level)
    if kind == "band_limit":
        return band_limit(audio, sr, level)
    if kind == "griffin_lim":
        return griffin_lim_roundtrip(audio, sr, int(level), rng)
    if kind == "wrong_material":
        if materials is None or event_times is None:
            raise ValueError("degrade('wrong_material') needs materials= and event_times=")
        return wrong_material(audio, sr, materials, event_times, level, rng)
    raise ValueError(f"unknown degradation {kind!r}; choose from {sorted(LADDERS)}")
