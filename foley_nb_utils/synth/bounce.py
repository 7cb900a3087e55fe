"""SynthBounce: a ball bouncing on a floor, each floor contact an impact click (the MM-Diffusion world).

A tiny joint audio-visual world for generative models that must get *both* streams right and in
step: a bright ball on a dark wall bounces on a grey floor with a per-clip period (3–6 frames),
phase, drop height, radius and sideways drift. The ball touches the floor exactly on the contact
frames, and at the start of each contact frame the audio has an impact: three damped partials of
a pitch near 1 kHz (950–1,050 Hz per clip), louder for a higher drop, over a faint noise floor. Frames and
audio are tiny (quick: 16 frames of 16 × 16 at 16 fps, 1 s of 8 kHz audio), so that a joint
diffusion model trains on a laptop CPU in seconds.

Ground truth per clip: ``labels`` ``period`` (frames) and ``n_contacts``; ``extra`` ``contact``
float32 ``[N, T]`` (1 on contact frames) and ``height`` float32 ``[N, T]`` (the ball's lowest
point above the floor, in pixels); one :class:`Event` per contact (``action="hit"``,
``source="ball"``, ``strength`` = relative drop height).

The layout is a flat folder of ``<id>.mp4`` (H.264 + AAC) with ``train.txt`` / ``test.txt`` and
``<id>_contacts.txt`` (one contact time in seconds per line) beside each video: the layout of
Landscape / AIST++ (flat mp4 folders), read by :mod:`foley_nb_utils.datasets.aist`, which ignores
the contact files (real data has none).

Notebook: 23_2023_mm_diffusion
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

from . import common as C
from .common import Event, SceneBatch

SCENE = "bounce"
CLASSES: tuple[str, ...] = ()

DEFAULTS: dict[str, dict[str, Any]] = {
    "quick": dict(size=16, fps=16.0, n_frames=16, sr=8000),
    "full": dict(size=32, fps=16.0, n_frames=16, sr=16000),
}

#: Ratios of the impact's three partials to its pitch, and their decay times at 1 kHz (s).
PARTIALS = (1.0, 2.32, 4.25)
DECAYS_S = (0.060, 0.035, 0.020)
#: Rows of floor at the bottom of each frame, per 16 px of frame size.
FLOOR_ROWS = 2


def generate(n: int, seed: int, profile: str = "quick", *, start: int = 0, **overrides: Any) -> SceneBatch:
    """Generate ``n`` bouncing-ball clips.

    Args:
        n: number of clips.
        seed: the world's seed.
        profile: ``"quick"`` (16 frames of 16 × 16 at 16 fps, 8 kHz) or ``"full"`` (32 × 32, 16 kHz).
        start: index of the first clip.
        **overrides: ``size``, ``fps``, ``n_frames``, ``sr``.

    Returns:
        A :class:`SceneBatch`: ``frames`` uint8 ``[n, T, S, S, 3]`` (grey: the three channels are
        equal), ``audio`` float32 ``[n, round(T / fps * sr)]``, labels ``period`` and
        ``n_contacts``, extra ``contact`` and ``height`` ``[n, T]``, one event per contact.

    Notebook: 23_2023_mm_diffusion
    """
    C.check_counts(n, seed, start)
    cfg = C.resolve_settings(SCENE, profile, DEFAULTS, overrides)
    S, fps, T, sr = int(cfg["size"]), float(cfg["fps"]), int(cfg["n_frames"]), int(cfg["sr"])
    C.check_size(S, S, SCENE)
    if not (fps > 0 and T >= 4 and sr >= 4000 and sr / fps >= 64):
        raise ValueError(f"bounce: need fps > 0, n_frames >= 4, sr >= 4000 and sr/fps >= 64, got {fps}, {T}, {sr}")
    cfg.update(size=S, fps=fps, n_frames=T, sr=sr)
    ns = int(round(T / fps * sr))
    spf = sr / fps
    u = S / 16.0                                        # pixels per 16-px unit
    floor_top = S - FLOOR_ROWS * u                      # first floor row (y grows downwards)
    frames = np.empty((n, T, S, S, 3), np.uint8)
    audio = np.empty((n, ns), np.float32)
    contact = np.zeros((n, T), np.float32)
    height = np.zeros((n, T), np.float32)
    lab = {k: np.zeros(n, np.int64) for k in ("period", "n_contacts")}
    events, ids = [], []
    wall = C.to_uint8(np.full(3, 0.08))
    floor = C.to_uint8(np.full(3, 0.45))
    for i, r in enumerate(C.clip_rngs(seed, SCENE, start, n)):
        P = int(r.integers(3, 7))
        phase = int(r.integers(0, P))
        drop = float(r.uniform(0.4, 0.7)) * (floor_top - 2 * u)
        rad = float(r.uniform(1.5, 2.2)) * u
        x0, vx = float(r.uniform(0.3, 0.7)) * S, float(r.uniform(-0.25, 0.25)) * u
        pitch = float(r.uniform(950.0, 1050.0))
        bright = float(r.uniform(0.8, 1.0))
        f = np.arange(T)
        tau = ((f - phase) % P) / P                     # 0 on a contact frame
        h = drop * 4 * tau * (1 - tau)                  # parabolic flight between contacts
        hit = (f - phase) % P == 0
        video = np.empty((T, S, S, 3), np.uint8)
        video[:] = wall
        video[:, int(round(floor_top)):] = floor
        cx = np.clip(x0 + vx * (f - T / 2), rad + 1, S - rad - 1)
        C.paint_disks(video, f, cx, floor_top - rad - h, np.full(T, rad), C.to_uint8(np.full(3, bright)), 1.0)
        frames[i] = video
        y = (0.003 * r.standard_normal(ns)).astype(np.float32)
        bank = C.modal_bank(pitch * np.asarray(PARTIALS), np.asarray(DECAYS_S) * (1000.0 / pitch) ** 0.5, sr, ns)
        amps = np.asarray([1.0, 0.5, 0.3], np.float32) * np.float32(r.uniform(0.8, 1.0))
        strength = float(np.sqrt(drop / (0.7 * (floor_top - 2 * u))))
        evs = []
        for k in np.flatnonzero(hit):
            s0 = int(round(k * spf))
            seg = (amps @ bank[:, :ns - s0]) * np.float32(0.4 + 0.3 * strength)
            y[s0:] += seg
            evs.append(Event(time_s=s0 / sr, material=None, action="hit", reaction=None, end_s=s0 / sr,
                             visible=True, frame=int(k), strength=round(strength, 4), source="ball"))
        audio[i] = np.clip(y, -1, 1)
        contact[i], height[i] = hit, h
        lab["period"][i], lab["n_contacts"][i] = P, int(hit.sum())
        events.append(evs)
        ids.append(f"bounce_{start + i:06d}")
    config = {"scene": SCENE, "seed": int(seed), "profile": profile, "start": int(start), "n": int(n),
              "settings": cfg, "version": C.GENERATOR_VERSION}
    return SceneBatch(frames, audio, fps, sr, ids, lab, events, {"contact": contact, "height": height}, SCENE,
                      {}, config)


def _write_items(batch: SceneBatch, folder: Path, index0: int = 0) -> list[tuple[str, bool]]:
    """``<id>.mp4`` and ``<id>_contacts.txt`` per clip (flat folder)."""
    from .. import video as V

    out = []
    for i in range(len(batch)):
        name = batch.ids[i]
        V.write_video(folder / f"{name}.mp4", batch.frames[i], batch.fps, audio=batch.audio[i], sr=batch.sr)
        C.write_text_atomic(folder / f"{name}_contacts.txt", "".join(f"{e.time_s:.6f}\n" for e in batch.events[i]))
        out.append((f"{name}.mp4", C.is_test(index0 + i)))
    return out


def _finish(folder: Path, items: list[tuple[str, bool]], config: dict[str, Any]) -> None:
    """``train.txt`` / ``test.txt`` listing the videos."""
    C.write_text_atomic(folder / "train.txt", "".join(f"{p}\n" for p, t in items if not t))
    C.write_text_atomic(folder / "test.txt", "".join(f"{p}\n" for p, t in items if t))


def write_layout(batch: SceneBatch, root) -> Path:
    """Write ``batch`` as a flat folder of mp4 (Landscape / AIST++ style) with contact times beside
    each video, atomically.

    Args:
        batch: from :func:`generate`.
        root: destination folder.

    Returns:
        ``root`` as a Path.

    Notebook: 23_2023_mm_diffusion
    """
    return C.write_batch_layout(sys.modules[__name__], batch, root)


__all__ = ["CLASSES", "DEFAULTS", "PARTIALS", "generate", "write_layout"]
