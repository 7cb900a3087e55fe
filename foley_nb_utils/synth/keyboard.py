"""SynthKeyboard: a piano seen from above, keys pressed by real music, hands in the way (the
Sight to Sound / Audeo world).

Notes come from Bach chorales of music21's bundled corpus (parsed once and cached as note
lists), cut to a window of a few seconds at a random tempo, transposed into the keyboard's range.
Each frame shows the keyboard strip (white and black keys) with the pressed keys darkened and
pushed down, under per-clip lighting and a small camera offset, and two skin-coloured hands
(palms and fingers) that follow the notes and hide some keys. Sustain-pedal spans keep released
notes sounding, so the audible piano roll outlasts the visible key presses (Audeo's
Roll → MIDI gap). The sound is the MIDI rendered by pretty_midi: FluidSynth with pretty_midi's
General MIDI soundfont when the FluidSynth library is present, its sine synthesis otherwise
(``config["settings"]["midi_synth"]`` records which).

Ground truth (``extra``): ``roll`` (keys visibly down), ``sounding`` (keys audible, pedal
included), ``onsets`` — bool ``[N, T, K]`` at the video frame rate — plus ``notes`` and the MIDI
file bytes. The layout is ``<root>/<train|test>/<id>.mp4`` with ``<id>.mid`` and
``<id>_roll.npz`` beside each video, read by :mod:`foley_nb_utils.datasets.piano`.

Notebook: 03_datasets (and 14_2020_sight_to_sound, 17_2020_audeo)
"""
from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

import numpy as np

from .. import repro
from ..datasets.piano import frame_span  # the layout's note-to-frame convention
from . import common as C
from .common import SceneBatch

SCENE = "keyboard"

DEFAULTS: dict[str, dict[str, Any]] = {
    # 25 keys (C3..C5) in a 24 x 240 strip at 25 fps (Sight to Sound's CPU setting)
    "quick": dict(width=240, height=24, fps=25.0, duration_s=4.0, sr=16000, lowest=48, n_keys=25, voices=2,
                  pedal_prob=0.5, n_pieces=8),
    # 61 keys (C2..C7), 48 x 432 strip
    "full": dict(width=432, height=48, fps=25.0, duration_s=6.0, sr=16000, lowest=36, n_keys=61, voices=4,
                 pedal_prob=0.5, n_pieces=40),
}

_WHITE = {0, 2, 4, 5, 7, 9, 11}
#: Ghost presses (``ghost_rate > 0``) carry a MIDI velocity of at most this: keys pressed too
#: softly for the hammer to reach the string (seen on the video, not heard).
GHOST_VELOCITY = 12


# --------------------------------------------------------------------------- music
def _pieces(k: int) -> list[str]:
    """The first ``k`` Bach chorales of the corpus (sorted, so the choice is stable)."""
    from music21 import corpus

    paths = sorted(p for p in corpus.getComposer("bach") if p.suffix in (".mxl", ".xml", ".musicxml"))
    if not paths:
        raise RuntimeError("music21's corpus has no Bach chorales (a minimal music21 install?)")
    return [str(p) for p in paths[:k]]


def piece_notes(path: str) -> np.ndarray:
    """Notes of a corpus piece as float32 ``[n, 4]``: onset and duration in quarter notes, MIDI
    pitch, voice (0 = top). Parsing music21 is slow, so the result is cached on disk
    (``repro.cache_dir("music21")``), keyed by the file and the music21 version.

    Notebook: 03_datasets
    """
    import music21

    from ..datasets.common import cache_key, cached

    key = cache_key([Path(path)], {"music21": music21.__version__, "what": "notes"})

    def build() -> dict[str, np.ndarray]:
        score = music21.converter.parse(path)
        rows = []
        for v, part in enumerate(score.parts):
            for n in part.flatten().notes:
                for p in (n.pitches if n.isChord else [n.pitch]):
                    rows.append((float(n.offset), float(n.quarterLength), p.midi, v))
        return {"notes": np.asarray(rows, np.float32).reshape(-1, 4)}

    return cached("music21", Path(path).stem, key, build)["notes"]


def _window(r: np.random.Generator, notes: np.ndarray, cfg: dict, D: float) -> tuple[np.ndarray, float]:
    """Notes ``[n, 4]`` (start s, end s, pitch, velocity) of a random window, transposed into range."""
    bpm = r.uniform(70, 120)
    spq = 60.0 / bpm
    sel = notes[notes[:, 3] < cfg["voices"]]
    if len(sel) == 0:
        sel = notes
    end_q = float((sel[:, 0] + sel[:, 1]).max())
    span_q = D / spq
    start_q = float(np.floor(r.uniform(0, max(0.0, end_q - span_q)))) if end_q > span_q else 0.0
    on = sel[:, 0] * spq - start_q * spq
    off = (sel[:, 0] + sel[:, 1]) * spq - start_q * spq
    keep = (off > 0) & (on < D - 0.1)
    on, off, pitch = np.maximum(on[keep], 0), np.minimum(off[keep], D), sel[keep, 2]
    lo, K = cfg["lowest"], cfg["n_keys"]
    if len(pitch):   # transpose (by octaves, then semitones) so the notes sit in the middle of the keys
        shift = int(round(lo + K / 2 - (pitch.min() + pitch.max()) / 2))
        pitch = pitch + shift
    inside = (pitch >= lo) & (pitch < lo + K)
    out = np.stack([on, off, pitch, r.integers(60, 110, len(on))], 1)[inside]
    return out[np.argsort(out[:, 0], kind="stable")].astype(np.float32), bpm


def _pedal(r: np.random.Generator, D: float, prob: float) -> np.ndarray:
    """Sustain-pedal spans ``[P, 2]`` (down s, up s)."""
    spans, t = [], r.uniform(0, 0.5)
    while t < D - 0.3:
        length = r.uniform(0.6, 1.6)
        if r.random() < prob:
            spans.append((t, min(D, t + length)))
        t += length + r.uniform(0.1, 0.4)
    return np.asarray(spans, np.float32).reshape(-1, 2)


def _sounding_end(notes: np.ndarray, pedal: np.ndarray) -> np.ndarray:
    """Note ends once the pedal is taken into account (a key released under the pedal sounds on
    until the pedal goes up, or until the same key is struck again)."""
    end = notes[:, 1].copy()
    for d, u in pedal:
        under = (end > d) & (end < u)
        end[under] = u
    for i, (s, _, p, _) in enumerate(notes):   # a re-struck key cuts its previous sound
        later = np.nonzero((notes[:, 2] == p) & (notes[:, 0] > s))[0]
        if len(later):
            end[i] = min(end[i], notes[later[0], 0])
    return np.maximum(end, notes[:, 1])


def _ghosts(r: np.random.Generator, notes: np.ndarray, sound_end: np.ndarray, D: float, rate: float,
            lo: int, K: int) -> np.ndarray:
    """Ghost presses ``[g, 4]`` (start s, end s, pitch, velocity ≤ :data:`GHOST_VELOCITY`): brief
    (20–50 ms, one or two frames) soft presses, mostly on a key next to one being played (a finger
    brushing its neighbour), never while that key is pressed or sounding."""
    rows: list[tuple[float, float, float, float]] = []
    for _ in range(int(r.poisson(rate * D))):
        t, dur = float(r.uniform(0.0, D - 0.2)), float(r.uniform(0.02, 0.05))
        down = np.nonzero((notes[:, 0] <= t) & (t < notes[:, 1]))[0]
        step = int(r.choice([-2, -1, 1, 2]))
        pitch = int(notes[int(r.choice(down)), 2]) + step if len(down) else lo + int(r.integers(K))
        vel = int(r.integers(1, GHOST_VELOCITY + 1))
        if not lo <= pitch < lo + K:
            continue
        a, b = t - 0.08, t + dur + 0.08
        busy = (notes[:, 2] == pitch) & (notes[:, 0] < b) & (sound_end > a)
        busy_g = any(p == pitch and s < b and e > a for s, e, p, _ in rows)
        if not busy.any() and not busy_g:
            rows.append((t, t + dur, float(pitch), float(vel)))
    return np.asarray(rows, np.float32).reshape(-1, 4)


def _midi(notes: np.ndarray, pedal: np.ndarray, bpm: float, sounding: np.ndarray | None = None) -> Any:
    """PrettyMIDI of the key presses (with CC64 pedal events), or of the sounding notes."""
    import pretty_midi

    pm = pretty_midi.PrettyMIDI(initial_tempo=float(bpm))
    piano = pretty_midi.Instrument(program=0, name="piano")
    for i, (s, e, p, v) in enumerate(notes):
        piano.notes.append(pretty_midi.Note(int(v), int(p), float(s), float(e if sounding is None else sounding[i])))
    if sounding is None:
        for d, u in pedal:
            piano.control_changes += [pretty_midi.ControlChange(64, 127, float(d)),
                                      pretty_midi.ControlChange(64, 0, float(u))]
    pm.instruments.append(piano)
    return pm


# --------------------------------------------------------------------------- pictures
def key_layout(lowest: int, n_keys: int, width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Key geometry: for each key its pitch, x-range ``[x0, x1)`` in pixels and whether it is black.

    Notebook: 03_datasets
    """
    pitches = np.arange(lowest, lowest + n_keys)
    white = np.array([p % 12 in _WHITE for p in pitches])
    ww = width / white.sum()
    x0 = np.zeros(n_keys)
    x1 = np.zeros(n_keys)
    wi = 0
    for k, p in enumerate(pitches):
        if white[k]:
            x0[k], x1[k] = wi * ww, (wi + 1) * ww
            wi += 1
        else:  # a black key straddles the boundary with the previous white key
            x0[k], x1[k] = wi * ww - 0.3 * ww, wi * ww + 0.3 * ww
    return pitches, np.stack([x0, x1], 1), ~white


def _keyboard(S_h: int, S_w: int, geom) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Key images: all keys up, all keys down (float32 [H, W, 3]), and the key index of every
    pixel (int [H, W], -1 on the gaps between white keys)."""
    _, xr, black = geom
    xx = np.arange(S_w, dtype=np.float32)[None, :] + 0.5
    yy = np.arange(S_h, dtype=np.float32)[:, None] + 0.5
    keymap = np.full((S_h, S_w), -1, np.int64)
    up = np.full((S_h, S_w, 3), 0.35, np.float32)     # the gaps between white keys
    down = up.copy()
    bh = 0.62 * S_h
    for k in np.nonzero(~black)[0]:
        m = np.broadcast_to((xx >= xr[k, 0] + 1) & (xx < xr[k, 1]), (S_h, S_w))
        keymap[m] = k
        up[m] = 0.92
        down[m] = 0.66                                             # a pressed white key darkens ...
        down[m & np.broadcast_to(yy >= S_h - 2, (S_h, S_w))] = 0.3  # ... and shows its front edge
    for k in np.nonzero(black)[0]:
        m = np.broadcast_to((xx >= xr[k, 0]) & (xx < xr[k, 1]) & (yy < bh), (S_h, S_w))
        keymap[m] = k
        up[m] = 0.08
        down[m] = 0.3                                              # a pressed black key catches light
        down[m & np.broadcast_to(yy < 2, (S_h, S_w))] = 0.02       # and leaves a gap at its back
    return up, down, keymap


def _rgba32(rgb: np.ndarray) -> np.ndarray:
    """uint8 [..., 3] → uint32 [...] packing (r, g, b, 0)."""
    out = np.zeros(rgb.shape[:-1] + (4,), np.uint8)
    out[..., :3] = rgb
    return out.view(np.uint32)[..., 0]


def _hands(r: np.random.Generator, roll: np.ndarray, geom, S_h: int, S_w: int) -> np.ndarray:
    """Rows covered by the hands, per frame and column: float [T, W] (a pixel (y, x) of frame t
    is hidden when y < cover[t, x]). Two hands (lower / upper half of the keyboard) glide to the
    keys they press: a palm at the back of the keys and five fingers reaching forward."""
    T, K = roll.shape
    xc = geom[1].mean(1)
    mid = np.median(xc)
    xx = np.arange(S_w, dtype=np.float32)[None, :] + 0.5
    cover = np.zeros((T, S_w), np.float32)
    idx = np.arange(T)
    for side in (0, 1):
        keys = (xc < mid) if side == 0 else (xc >= mid)
        w = roll[:, keys].astype(np.float32)
        cnt = w.sum(1)
        ok = cnt > 0
        pos = np.full(T, float(np.median(xc[keys])))
        if ok.any():
            pos = np.interp(idx, idx[ok], (w[ok] * xc[keys]).sum(1) / cnt[ok])
        pos = np.convolve(np.pad(pos, 3, mode="edge"), np.ones(7) / 7, mode="valid")[:, None]   # hands glide
        span = r.uniform(0.10, 0.16) * S_w
        depth = r.uniform(0.25, 0.5) * S_h                 # the palm covers the back of the keys
        u = (xx - pos) / (span / 2)
        palm = depth * np.sqrt(np.clip(1 - u * u, 0, None))
        reach = r.uniform(0.5, 0.8) * S_h
        fingers = np.zeros_like(palm)
        for f in np.linspace(-0.4, 0.4, 5):
            fingers = np.maximum(fingers, np.where(np.abs(xx - (pos + f * span)) < max(1.0, span / 14), reach, 0))
        cover = np.maximum(cover, np.maximum(palm, fingers))
    return cover


# --------------------------------------------------------------------------- public API
def generate(n: int, seed: int, profile: str = "quick", *, start: int = 0, ghost_rate: float = 0.0,
             **overrides: Any) -> SceneBatch:
    """Generate ``n`` piano clips from Bach chorales.

    Args:
        n: number of clips.
        seed: the world's seed.
        profile: ``"quick"`` (25 keys, 24×240 px, 25 fps, 4 s) or ``"full"`` (61 keys, 48×432, 6 s).
        start: index of the first clip.
        ghost_rate: ghost presses per second of clip (Poisson; default 0, none): brief presses
            too soft to sound (MIDI velocity ≤ :data:`GHOST_VELOCITY`), mostly next to a key
            being played. They are in ``roll``, ``onsets``, ``notes`` and the MIDI file (the
            video shows them), not in ``sounding`` or the audio: with the pedal, the gap between
            what is seen and what is heard (Audeo's Roll → MIDI). Drawn from their own
            generator, so the music, pedal and lighting of a clip are those of ``ghost_rate=0``
            (the hands follow the ghost presses too).
        **overrides: ``width``, ``height`` (px, even), ``fps``, ``duration_s``, ``sr``, ``lowest``
            (MIDI pitch of the first key), ``n_keys``, ``voices`` (chorale voices played, from
            the top), ``pedal_prob``, ``n_pieces`` (chorales drawn from).

    Returns:
        A :class:`SceneBatch`: ``frames`` uint8 ``[n, T, H, W, 3]``, ``audio`` float32
        ``[n, round(duration_s * sr)]``; labels ``piece`` (index of the chorale), ``bpm``,
        ``n_notes``; ``extra`` ``roll`` / ``sounding`` / ``onsets`` bool ``[n, T, n_keys]``,
        ``notes`` (float32 ``[m, 4]``: start s, end s, pitch, velocity), ``pedal`` (``[p, 2]``
        spans, s), ``midi`` (MIDI file bytes with the key presses and CC64 pedal events).

    Notebook: 03_datasets
    """
    C.check_counts(n, seed, start)
    cfg = C.resolve_settings(SCENE, profile, DEFAULTS, overrides)
    if isinstance(ghost_rate, bool) or not isinstance(ghost_rate, (int, float)) or not 0 <= ghost_rate <= 20:
        raise ValueError(f"keyboard: ghost_rate={ghost_rate!r} must be a number of presses per second in [0, 20]")
    if ghost_rate:   # only then in the settings: the default world's config (and layout key) is unchanged
        cfg["ghost_rate"] = float(ghost_rate)
    W, H, sr = int(cfg["width"]), int(cfg["height"]), int(cfg["sr"])
    fps, D = float(cfg["fps"]), float(cfg["duration_s"])
    C.check_size(H, W, SCENE)
    K, lo = int(cfg["n_keys"]), int(cfg["lowest"])
    if not (fps > 0 and D >= 1.0 and sr >= 8000 and 12 <= K <= 88 and 21 <= lo and lo + K <= 109):
        raise ValueError(f"keyboard: bad settings fps={fps}, duration_s={D}, sr={sr}, n_keys={K}, lowest={lo}")
    method = C.midi_synth_method()
    cfg.update(width=W, height=H, fps=fps, duration_s=D, sr=sr, n_keys=K, lowest=lo, midi_synth=method)
    pieces = _pieces(int(cfg["n_pieces"])) if n else []
    T, ns = int(round(D * fps)), int(round(D * sr))
    geom = key_layout(lo, K, W)
    frames = np.empty((n, T, H, W, 3), np.uint8)
    audio = np.empty((n, ns), np.float32)
    rolls = {k: np.zeros((n, T, K), bool) for k in ("roll", "sounding", "onsets")}
    lab = {k: np.zeros(n, np.int64) for k in ("piece", "bpm", "n_notes")}
    notes_l, pedal_l, midis, ids = [], [], [], []
    t_frames = np.arange(T) / fps
    kb = _keyboard(H, W, geom)
    for i, r in enumerate(C.clip_rngs(seed, SCENE, start, n)):
        pi = int(r.integers(len(pieces)))
        notes, bpm = _window(r, piece_notes(pieces[pi]), cfg, D)
        # a visible release before a repeated key (so re-strikes show)
        press_end = np.maximum(notes[:, 0] + 0.03, notes[:, 1] - 0.04)
        notes[:, 1] = press_end
        pedal = _pedal(r, D, cfg["pedal_prob"])
        sound_end = _sounding_end(notes, pedal)
        audible = notes
        if ghost_rate:
            ghosts = _ghosts(repro.rng(seed, SCENE, "ghost", start + i), notes, sound_end, D, ghost_rate, lo, K)
            heard = np.concatenate([np.ones(len(notes), bool), np.zeros(len(ghosts), bool)])
            order = np.argsort(np.concatenate([notes[:, 0], ghosts[:, 0]]), kind="stable")
            notes, heard = np.concatenate([notes, ghosts])[order], heard[order]
            sound_end = np.concatenate([sound_end, ghosts[:, 1]])[order]
            audible, sound_end_heard = notes[heard], sound_end[heard]
        else:
            heard, sound_end_heard = np.ones(len(notes), bool), sound_end
        kidx = (notes[:, 2] - lo).astype(int)
        for j in range(len(notes)):   # frames quantised to the nearest frame, at least one per note
            a0, a1 = frame_span(notes[j, 0], notes[j, 1], fps), frame_span(notes[j, 0], sound_end[j], fps)
            rolls["roll"][i, a0[0]:a0[1], kidx[j]] = True
            if heard[j]:
                rolls["sounding"][i, a1[0]:a1[1], kidx[j]] = True
            if a0[0] < T:
                rolls["onsets"][i, a0[0], kidx[j]] = True
        light = r.uniform(0.75, 1.15) * r.uniform(0.95, 1.05, 3).astype(np.float32)
        dy = int(r.integers(-1, 2))                          # the camera sits a pixel higher or lower
        up, down, keymap = (np.roll(a, dy, axis=0) for a in kb)
        # compose in packed RGBA words (one 4-byte select per pixel instead of three)
        up32, down32 = _rgba32(C.to_uint8(up * light)), _rgba32(C.to_uint8(down * light))
        pressed = np.where(keymap >= 0, rolls["roll"][i][:, np.maximum(keymap, 0)], False)   # [T, H, W]
        img = np.where(pressed, down32, up32)
        cover = _hands(r, rolls["roll"][i], geom, H, W)
        hidden = np.arange(H, dtype=np.float32)[None, :, None] + 0.5 < cover[:, None, :]
        skin = _rgba32(C.to_uint8(np.clip(np.array([.85, .62, .5]) * r.uniform(0.5, 1.05) * light, 0, 1))[None, None])
        img = np.where(hidden, skin, img)
        frames[i] = img.view(np.uint8).reshape(T, H, W, 4)[..., :3]
        audio[i] = C.render_midi(_midi(audible, pedal, bpm, sounding=sound_end_heard), sr, ns, method)
        lab["piece"][i], lab["bpm"][i], lab["n_notes"][i] = pi, int(round(bpm)), len(notes)
        notes_l.append(notes)
        pedal_l.append(pedal)
        midis.append(C.midi_bytes(_midi(notes, pedal, bpm)))
        ids.append(f"piano_{start + i:06d}")
    config = {"scene": SCENE, "seed": int(seed), "profile": profile, "start": int(start), "n": int(n),
              "settings": cfg, "pieces": [Path(p).stem for p in pieces], "version": C.GENERATOR_VERSION}
    return SceneBatch(frames, audio, fps, sr, ids, lab, [[] for _ in range(n)],
                      {**rolls, "notes": notes_l, "pedal": pedal_l, "midi": midis}, SCENE,
                      {"piece": tuple(Path(p).stem for p in pieces)}, config)


def _write_items(batch: SceneBatch, folder: Path, index0: int = 0) -> list[tuple[str, bool]]:
    """``<split>/<id>.mp4``, ``<split>/<id>.mid``, ``<split>/<id>_roll.npz`` per clip."""
    from .. import video as V

    s = batch.config.get("settings", {})
    out = []
    for i in range(len(batch)):
        split = "test" if C.is_test(index0 + i) else "train"
        d = folder / split
        d.mkdir(parents=True, exist_ok=True)
        name = batch.ids[i]
        V.write_video(d / f"{name}.mp4", batch.frames[i], batch.fps, audio=batch.audio[i], sr=batch.sr)
        (d / f"{name}.mid").write_bytes(batch.extra["midi"][i])
        buf = io.BytesIO()
        np.savez(buf, roll=batch.extra["roll"][i], sounding=batch.extra["sounding"][i],
                 onsets=batch.extra["onsets"][i], notes=batch.extra["notes"][i], pedal=batch.extra["pedal"][i],
                 fps=np.float64(batch.fps), lowest=np.int64(s.get("lowest", 21)))
        (d / f"{name}_roll.npz").write_bytes(buf.getvalue())
        out.append((f"{split}/{name}.mp4", split == "test"))
    return out


def _finish(folder: Path, items: list[tuple[str, bool]], config: dict[str, Any]) -> None:
    """The split is the folder (``train/``, ``test/``)."""


def write_layout(batch: SceneBatch, root) -> Path:
    """Write ``batch`` as ``<root>/<train|test>/<id>.mp4`` + ``.mid`` + ``_roll.npz``, atomically.

    Args:
        batch: from :func:`generate`.
        root: destination folder.

    Returns:
        ``root`` as a Path.

    Notebook: 03_datasets
    """
    return C.write_batch_layout(sys.modules[__name__], batch, root)


__all__ = ["DEFAULTS", "GHOST_VELOCITY", "frame_span", "generate", "key_layout", "piece_notes", "write_layout"]
