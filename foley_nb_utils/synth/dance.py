"""SynthDance: a stick figure dancing to the beat of MIDI music (the AIST++ world).

Each clip has a genre (a movement vocabulary and a tempo range), a tempo, and music written as
MIDI (a bass note on every beat, chord stabs on the off-beats, a pentatonic melody) rendered
with pretty_midi (FluidSynth when present, sine synthesis otherwise). The dancer's 17 COCO
keypoints move with the beat phase (bounces, arm hits, kicks, waves: genre-specific), with
per-clip body size, position, amplitude and timing jitter, and are drawn as a stick figure.

The layout is AIST++-like: a flat folder of ``<name>.mp4`` named like
``gBR_sBM_c01_d04_mBR0_ch0001`` (genre, situation, camera, dancer, music, choreography), with
``<name>_keypoints.npz`` (keypoints ``[T, 17, 2]`` in pixels, fps, beat times) and ``<name>.mid``
beside each video, read by :mod:`foley_nb_utils.datasets.aist`.

Notebook: 03_datasets (and 12_2020_foley_music, 23_2023_mm_diffusion)
"""
from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

import numpy as np

from ..datasets.aist import GENRE_CODES, GENRES  # the dataset's vocabulary
from . import common as C
from .common import SceneBatch

SCENE = "dance"

#: COCO-17 keypoint names (index = row of the keypoint arrays).
KEYPOINTS: tuple[str, ...] = ("nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder",
                              "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip",
                              "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle")
#: COCO skeleton edges (pairs of keypoint indices).
SKELETON: tuple[tuple[int, int], ...] = ((15, 13), (13, 11), (16, 14), (14, 12), (11, 12), (5, 11), (6, 12), (5, 6),
                                         (5, 7), (6, 8), (7, 9), (8, 10), (1, 2), (0, 1), (0, 2), (1, 3), (2, 4),
                                         (3, 5), (4, 6))
#: Tempo range of each genre in BPM (the genres and their codes are AIST++'s: ``datasets.aist``).
_BPM = {"break": (80, 110), "pop": (80, 115), "lock": (85, 120), "house": (110, 130), "ballet-jazz": (75, 100)}
CLASSES = GENRES

DEFAULTS: dict[str, dict[str, Any]] = {
    "quick": dict(size=64, fps=15.0, duration_s=4.0, sr=16000),
    "full": dict(size=128, fps=22.0, duration_s=6.0, sr=22050),
}

# rest pose in body units (x right, y down; hips at the origin, ~1.7 units tall)
_REST = np.array([[0, -1.55], [-.05, -1.6], [.05, -1.6], [-.1, -1.57], [.1, -1.57], [-.3, -1.3], [.3, -1.3],
                  [-.5, -1.05], [.5, -1.05], [-.62, -.8], [.62, -.8], [-.16, 0], [.16, 0], [-.22, .42], [.22, .42],
                  [-.28, .85], [.28, .85]], np.float32)
_HEAD, _ARMS_L, _ARMS_R, _LEGS_L, _LEGS_R = [0, 1, 2, 3, 4], [7, 9], [8, 10], [13, 15], [14, 16]


def _pose(genre: str, beat: np.ndarray, r: np.random.Generator) -> np.ndarray:
    """Keypoints [T, 17, 2] in body units for beat phases ``beat`` (beats since the downbeat)."""
    T = len(beat)
    k = np.repeat(_REST[None], T, 0)
    ph = 2 * np.pi * beat
    a = r.uniform(0.7, 1.3)
    bounce = np.zeros(T, np.float32)
    if genre == "house":      # down on every beat, arms swing
        bounce = 0.08 * a * (1 - np.abs(np.cos(ph / 2)))
        k[:, _ARMS_L, 0] -= 0.15 * a * np.sin(ph / 2)[:, None]
        k[:, _ARMS_R, 0] += 0.15 * a * np.sin(ph / 2)[:, None]
    elif genre == "pop":      # sharp arm hits on the beat, held in between
        hit = np.abs(np.sin(ph / 2)) ** 0.3
        side = np.where((np.floor(beat) % 2) == 0, 1.0, -1.0)
        k[:, _ARMS_R, 1] -= (0.4 * a * hit * (side > 0))[:, None]
        k[:, _ARMS_L, 1] -= (0.4 * a * hit * (side < 0))[:, None]
        bounce = 0.03 * hit
    elif genre == "lock":     # pointing arms rotate each beat, knee lifts on the off-beat
        ang = (np.floor(beat) % 4) * (np.pi / 2)
        k[:, 9] = k[:, 5] + 0.55 * np.stack([np.cos(ang), np.sin(ang) - 0.3], 1)
        k[:, 7] = (k[:, 5] + k[:, 9]) / 2
        lift = np.maximum(0, np.sin(ph + np.pi)) * 0.3 * a
        k[:, 13, 1] -= lift
        k[:, 15, 1] -= lift
    elif genre == "break":    # low stance, a kick every second beat, torso sway
        k[:, :13, 1] += 0.25
        kick = np.maximum(0, np.sin(ph / 2)) ** 2 * 0.5 * a
        k[:, 16, 0] += kick
        k[:, 14, 0] += kick / 2
        k[:, :11, 0] += (0.1 * np.sin(ph / 4))[:, None]
    elif genre == "ballet-jazz":  # smooth arm waves over two bars, rise on the toes
        wave = np.sin(ph / 8)
        k[:, _ARMS_L, 1] -= (0.5 * a * (0.5 + 0.5 * wave))[:, None]
        k[:, _ARMS_R, 1] -= (0.5 * a * (0.5 - 0.5 * wave))[:, None]
        bounce = -0.05 * (0.5 + 0.5 * np.cos(ph / 2))
    k[:, :15, 1] += bounce[:, None]
    k[:, _HEAD, 0] += (0.03 * np.sin(ph))[:, None]
    return k


def _music(r: np.random.Generator, bpm: float, D: float) -> tuple[Any, np.ndarray]:
    """A PrettyMIDI with bass on the beats, chords on the off-beats and a melody; beat times."""
    import pretty_midi

    spb = 60.0 / bpm
    beats = np.arange(0.0, D, spb)
    key = int(r.integers(0, 12))
    prog = [0, 7, 9, 5]                       # I - V - vi - IV
    pm = pretty_midi.PrettyMIDI(initial_tempo=float(bpm))
    bass = pretty_midi.Instrument(program=33, name="bass")
    keys = pretty_midi.Instrument(program=4, name="keys")
    lead = pretty_midi.Instrument(program=80, name="lead")
    scale = np.array([0, 2, 4, 7, 9])
    mel = int(r.integers(0, 5))
    for j, t in enumerate(beats):
        root = 36 + key + prog[(j // 4) % 4]
        bass.notes.append(pretty_midi.Note(int(r.integers(90, 115)), root, t, t + 0.45 * spb))
        if t + 0.5 * spb < D:
            for iv in (0, 4 if prog[(j // 4) % 4] in (0, 5, 7) else 3, 7):
                keys.notes.append(pretty_midi.Note(70, root + 24 + iv, t + 0.5 * spb, t + 0.8 * spb))
        for h in (0.0, 0.5):                   # eighth-note melody with rests
            if r.random() < 0.7 and t + h * spb < D:
                mel = int(np.clip(mel + r.integers(-2, 3), 0, 9))
                pitch = 60 + key + 12 * (mel // 5) + int(scale[mel % 5])
                lead.notes.append(pretty_midi.Note(80, pitch, t + h * spb, t + (h + 0.45) * spb))
    pm.instruments += [bass, keys, lead]
    return pm, beats


def _notes_of(pm: Any) -> np.ndarray:
    """float32 [n, 5] (start s, end s, pitch, velocity, program) of a PrettyMIDI's notes."""
    rows = [(x.start, x.end, x.pitch, x.velocity, ins.program) for ins in pm.instruments for x in ins.notes]
    return np.asarray(rows, np.float32).reshape(-1, 5)


def notes_to_midi(notes: np.ndarray, bpm: float = 120.0) -> Any:
    """A ``pretty_midi.PrettyMIDI`` from ``[n, 5]`` note rows (start s, end s, pitch, velocity,
    program), one instrument per program.

    Notebook: 03_datasets
    """
    import pretty_midi

    pm = pretty_midi.PrettyMIDI(initial_tempo=float(bpm))
    for prog in np.unique(notes[:, 4]).astype(int):
        ins = pretty_midi.Instrument(program=int(prog))
        for s0, e0, p, v, _ in notes[notes[:, 4] == prog]:
            ins.notes.append(pretty_midi.Note(int(v), int(p), float(s0), float(e0)))
        pm.instruments.append(ins)
    return pm


def _draw(frames: np.ndarray, kp: np.ndarray, colour: np.ndarray, thick: int) -> None:
    """Draw stick figures (keypoints ``[T, 17, 2]`` px) into ``frames`` uint8 [T, S, S, 3]."""
    T, S = frames.shape[0], frames.shape[1]
    a, b = np.array(SKELETON).T
    m = S // 4 + 4
    s = np.linspace(0, 1, m, dtype=np.float32)
    pts = kp[:, a, None, :] * (1 - s[None, None, :, None]) + kp[:, b, None, :] * s[None, None, :, None]  # [T,E,m,2]
    off = np.array([(dy, dx) for dy in range(-thick, thick + 1) for dx in range(-thick, thick + 1)
                    if dy * dy + dx * dx <= thick * thick])
    ys = np.round(pts[..., 1]).astype(np.int64)[..., None] + off[:, 0]
    xs = np.round(pts[..., 0]).astype(np.int64)[..., None] + off[:, 1]
    ok = (ys >= 0) & (ys < S) & (xs >= 0) & (xs < S)
    flat = ((np.arange(T)[:, None, None, None] * S + ys) * S + xs)[ok]
    frames.reshape(-1, 3)[flat] = colour
    # the head: a filled disk around the nose
    C.paint_disks(frames, np.arange(T), kp[:, 0, 0], kp[:, 0, 1] - 0.01 * S, max(1.5, S / 22), colour, 1.0)


def generate(n: int, seed: int, profile: str = "quick", *, start: int = 0, **overrides: Any) -> SceneBatch:
    """Generate ``n`` dance clips.

    Args:
        n: number of clips.
        seed: the world's seed.
        profile: ``"quick"`` (4 s, 64×64, 15 fps, 16 kHz) or ``"full"`` (6 s, 128×128, 22 fps,
            22.05 kHz).
        start: index of the first clip.
        **overrides: ``size``, ``fps``, ``duration_s``, ``sr``.

    Returns:
        A :class:`SceneBatch`: ``frames`` uint8 ``[n, T, S, S, 3]``, ``audio`` float32
        ``[n, round(duration_s * sr)]``, labels ``genre`` (index into ``GENRES``), ``bpm``,
        ``dancer``; ``extra`` ``keypoints`` float32 ``[n, T, 17, 2]`` (x, y in pixels),
        ``beat_times`` (list of arrays, s), ``notes`` (list of float32 ``[n, 5]`` arrays: start s,
        end s, pitch, velocity, GM program; :func:`notes_to_midi` rebuilds the MIDI); ids in AIST++
        style; ``config["settings"]["midi_synth"]`` says how the MIDI was rendered.

    Notebook: 03_datasets
    """
    C.check_counts(n, seed, start)
    cfg = C.resolve_settings(SCENE, profile, DEFAULTS, overrides)
    S, fps, D, sr = int(cfg["size"]), float(cfg["fps"]), float(cfg["duration_s"]), int(cfg["sr"])
    C.check_size(S, S, SCENE)
    if not (fps > 0 and D >= 1.0 and sr >= 8000):
        raise ValueError(f"dance: need fps > 0, duration_s >= 1 and sr >= 8000, got {fps}, {D}, {sr}")
    method = C.midi_synth_method()
    cfg.update(size=S, fps=fps, duration_s=D, sr=sr, midi_synth=method)
    T, ns = int(round(D * fps)), int(round(D * sr))
    frames = np.empty((n, T, S, S, 3), np.uint8)
    audio = np.empty((n, ns), np.float32)
    kps = np.empty((n, T, 17, 2), np.float32)
    lab = {k: np.zeros(n, np.int64) for k in ("genre", "bpm", "dancer")}
    beats_l, midis, ids = [], [], []
    for i, r in enumerate(C.clip_rngs(seed, SCENE, start, n)):
        g = int(r.integers(len(GENRES)))
        genre = GENRES[g]
        bpm = int(r.integers(*_BPM[genre]))
        dancer = int(r.integers(1, 10))
        pm, beats = _music(r, bpm, D)
        t = np.arange(T) / fps
        lag = r.uniform(-0.03, 0.03)                 # dancers are a little early or late
        kp = _pose(genre, (t - lag) * bpm / 60.0, r)
        scale = r.uniform(0.26, 0.34) * S
        cx, cy = r.uniform(0.4, 0.6) * S, r.uniform(0.58, 0.66) * S
        sway = r.uniform(0, 0.05) * S * np.sin(2 * np.pi * t * bpm / 240 + r.uniform(0, 6.3))
        kp = kp * scale + np.stack([cx + sway, np.full(T, cy)], 1)[:, None, :]
        kp += r.normal(0, 0.004 * S, kp.shape)
        kps[i] = kp
        bg = (r.uniform(0.1, 0.6, 3) * np.linspace(1.1, 0.8, S)[:, None, None]).astype(np.float32)
        frames[i] = C.to_uint8(np.broadcast_to(bg, (S, S, 3)))[None]
        _draw(frames[i], kp, C.to_uint8(r.uniform(0.6, 1.0, 3)), max(1, S // 40))
        audio[i] = C.render_midi(pm, sr, ns, method)
        lab["genre"][i], lab["bpm"][i], lab["dancer"][i] = g, bpm, dancer
        beats_l.append(beats.astype(np.float32))
        midis.append(_notes_of(pm))
        code = GENRE_CODES[g]
        ids.append(f"g{code}_sBM_c01_d{dancer:02d}_m{code}{int(r.integers(0, 6))}_ch{start + i:04d}")
    config = {"scene": SCENE, "seed": int(seed), "profile": profile, "start": int(start), "n": int(n),
              "settings": cfg, "version": C.GENERATOR_VERSION}
    return SceneBatch(frames, audio, fps, sr, ids, lab, [[] for _ in range(n)],
                      {"keypoints": kps, "beat_times": beats_l, "notes": midis}, SCENE, {"genre": GENRES}, config)


def _write_items(batch: SceneBatch, folder: Path, index0: int = 0) -> list[tuple[str, bool]]:
    """``<name>.mp4``, ``<name>_keypoints.npz`` and ``<name>.mid`` per clip (flat folder)."""
    from .. import video as V

    out = []
    for i in range(len(batch)):
        name = batch.ids[i]
        V.write_video(folder / f"{name}.mp4", batch.frames[i], batch.fps, audio=batch.audio[i], sr=batch.sr)
        buf = io.BytesIO()
        np.savez(buf, keypoints=batch.extra["keypoints"][i], fps=np.float64(batch.fps),
                 beat_times=batch.extra["beat_times"][i], names=np.array(KEYPOINTS))
        (folder / f"{name}_keypoints.npz").write_bytes(buf.getvalue())
        (folder / f"{name}.mid").write_bytes(C.midi_bytes(notes_to_midi(batch.extra["notes"][i],
                                                                        float(batch.labels["bpm"][i]))))
        out.append((f"{name}.mp4", C.is_test(index0 + i)))
    return out


def _finish(folder: Path, items: list[tuple[str, bool]], config: dict[str, Any]) -> None:
    """``train.txt`` / ``test.txt`` listing the videos."""
    C.write_text_atomic(folder / "train.txt", "".join(f"{p}\n" for p, t in items if not t))
    C.write_text_atomic(folder / "test.txt", "".join(f"{p}\n" for p, t in items if t))


def write_layout(batch: SceneBatch, root) -> Path:
    """Write ``batch`` as an AIST++-style flat folder of mp4 with keypoints and MIDI beside them,
    atomically.

    Args:
        batch: from :func:`generate`.
        root: destination folder.

    Returns:
        ``root`` as a Path.

    Notebook: 03_datasets
    """
    return C.write_batch_layout(sys.modules[__name__], batch, root)


__all__ = ["CLASSES", "DEFAULTS", "GENRES", "GENRE_CODES", "KEYPOINTS", "SKELETON", "generate", "notes_to_midi",
           "write_layout"]
