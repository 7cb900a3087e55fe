"""A hand-made toy clip for the primers: a stick striking a plate, seen and heard.

Notebooks 00 and 01 need one clip whose every detail is visible in a few lines, before the
full synthetic world of notebook 03 (:mod:`foley_nb_utils.synth`) takes over: white stick,
grey plate, strikes at chosen times, and a modal-impact sound per strike.

Notebook: 00_welcome, 01_sound_and_vision
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .audio import modal_impact

#: Modal parameters (frequencies in Hz, decay times in s, amplitudes) of three toy materials.
MODES: dict[str, dict[str, list[float]]] = {
    "metal": dict(freqs_hz=[523, 1410, 2650, 4180], decays_s=[0.5, 0.3, 0.18, 0.1], amps=[1, 0.6, 0.4, 0.25]),
    "glass": dict(freqs_hz=[1180, 3020, 5210], decays_s=[0.35, 0.2, 0.12], amps=[1, 0.5, 0.3]),
    "wood": dict(freqs_hz=[310, 820, 1500], decays_s=[0.06, 0.04, 0.02], amps=[1, 0.5, 0.3]),
    "thud": dict(freqs_hz=[140, 310], decays_s=[0.04, 0.02], amps=[1, 0.5]),
}


def strike_frames(hit_times: Sequence[float], *, size: int = 64, fps: float = 15, duration_s: float = 2.0,
                  bounce_s: float = 0.3) -> np.ndarray:
    """Frames of a stick falling onto a plate and bouncing up, touching it at ``hit_times``.

    Like a thrown ball, the stick is fastest at contact and slows towards the top of each
    bounce (parabolic height, apex ``bounce_s`` seconds from the contact), so the motion
    energy of the frames peaks at each strike, as it would in a real recording.

    Args:
        hit_times: contact times in seconds.
        size: frame height and width in pixels (even).
        fps: frames per second.
        duration_s: clip length in seconds.

    Returns:
        uint8 ``[T, size, size, 3]`` with ``T = round(duration_s * fps)``.

    Notebook: 00_welcome
    """
    t = np.arange(int(round(duration_s * fps))) / fps
    hits = np.asarray(hit_times, dtype=float).reshape(1, -1)
    phase = np.min(np.abs(t[:, None] - hits), axis=1) if hits.size else np.full(len(t), np.inf)
    u = np.clip(phase / bounce_s, 0, 1)
    gap = size * 0.55 * (1 - (1 - u) ** 2)  # height above the plate: 0 at contact, apex at bounce_s
    frames = np.full((len(t), size, size, 3), 30, np.uint8)
    plate_top = int(size * 0.7)
    frames[:, plate_top:plate_top + max(2, size // 10), size // 8:-(size // 8)] = (150, 160, 175)
    tip = (plate_top - gap).astype(int)
    rows = np.arange(size)[None, :]
    stick = (rows <= tip[:, None]) & (rows >= tip[:, None] - size // 3)  # [T, rows]
    half = max(1, size // 32)
    frames[:, :, size // 2 - half:size // 2 + half][stick] = 235
    return frames


def strike_sound(hit_times: Sequence[float], material: str = "metal", *, sr: int = 16000,
                 duration_s: float = 2.0) -> np.ndarray:
    """Modal-impact sound of a strike at each time in ``hit_times`` (s): float32 ``[duration_s * sr]``.

    Notebook: 00_welcome
    """
    if material not in MODES:
        raise ValueError(f"material {material!r}: choose one of {sorted(MODES)}")
    out = np.zeros(int(round(duration_s * sr)), np.float32)
    for h in hit_times:
        out += modal_impact(**MODES[material], sr=sr, duration_s=duration_s, onset_s=float(h))
    return out


__all__ = ["MODES", "strike_frames", "strike_sound"]
