"""CondFoleyGen's processed Greatest Hits layout: one folder per recording, read and written.

CondFoleyGen (Du et al., CVPR 2023) does not read Greatest Hits' ``<id>_times.txt`` files
(:mod:`foley_nb_utils.datasets.greatest_hits` reads those) but a processed copy, one folder per
recording::

    <root>/<video_name>/
        hit_record.json   a JSON list of [time_s, "material action"] (the string "None None"
                          for an unlabelled hit; either word may be "None")
        meta.json         {"video_name": ..., "frame_num": ..., "frame_rate": ...,
                           "audio_sample_rate": ...}
        audio/*.wav       the recording's (denoised, resampled) sound: one wav file
        frames/*.jpg      the frames in name order (CondFoleyGen resamples to 15 fps)

(Field names of ``hit_record.json`` and ``meta.json`` as in CondFoleyGen's ``specvqgan/data/
greatesthit.py``; the exact file names inside ``audio/`` and ``frames/`` are not verified, so the
reader takes the one wav and the jpgs in sorted order.) :func:`write_layout` writes the hits
world in this layout and :func:`load` reads it back, so the notebook's synthetic data and a real
processed copy take the same path. A malformed entry raises one
:class:`~foley_nb_utils.datasets.common.DatasetError` naming the file and the line.

Notebook: 22_2023_condfoleygen
"""
from __future__ import annotations

import json
import math
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..clips import Event
from .common import DatasetError
from .greatest_hits import ACTIONS, MATERIALS

__all__ = ["Hit", "Recording", "load", "read_hit_record", "read_meta", "read_recording", "recording_names",
           "write_layout"]

_META_FIELDS = {"video_name": str, "frame_num": int, "frame_rate": float, "audio_sample_rate": int}


@dataclass(frozen=True)
class Hit:
    """One entry of a ``hit_record.json``: time (s), material and action (None when "None").

    Notebook: 22_2023_condfoleygen
    """

    time_s: float
    material: str | None
    action: str | None
    line: int


def _entry_lines(text: str, n: int) -> list[int | None]:
    """1-based line of each of the ``n`` entries: exact when the list is written one entry per
    line (as :func:`write_layout` does) or on one line; None when it cannot be told."""
    lines = text.splitlines()
    if len(lines) <= 1:
        return [1] * n
    starts = [i + 1 for i, ln in enumerate(lines) if ln.strip().startswith("[") and ln.strip() not in ("[", "[]")]
    return starts if len(starts) == n else [None] * n


def read_hit_record(path: str | os.PathLike) -> list[Hit]:
    """Parse a ``hit_record.json``: ``[[time_s, "material action"], ...]``, sorted by time.

    Raises:
        FileNotFoundError: no such file.
        DatasetError: not JSON, not a list, or an entry that is not ``[number >= 0, "word word"]``
            (the message names the file and the entry's line).

    Notebook: 22_2023_condfoleygen
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8-sig")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise DatasetError(path, f"not valid JSON ({e.msg})", e.lineno) from None
    if not isinstance(data, list):
        raise DatasetError(path, f"expected a list of [time_s, \"material action\"], got {type(data).__name__}")
    out = []
    where = _entry_lines(text, len(data))
    for k, entry in enumerate(data):
        line = where[k]
        if not (isinstance(entry, list) and len(entry) == 2):
            raise DatasetError(path, f"entry {k}: expected [time_s, \"material action\"], got {entry!r}", line)
        t, label = entry
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not math.isfinite(t) or t < 0:
            raise DatasetError(path, f"entry {k}: time must be a finite number of seconds >= 0, got {t!r}", line)
        words = label.split() if isinstance(label, str) else None
        if not words or len(words) != 2:
            raise DatasetError(path, f"entry {k}: label must be two words \"material action\" "
                                     f"(\"None None\" when unlabelled), got {label!r}", line)
        mat, act = (None if w.lower() == "none" else w for w in words)
        out.append(Hit(float(t), mat, act, line))
    out.sort(key=lambda h: h.time_s)
    return out


def read_meta(path: str | os.PathLike) -> dict[str, Any]:
    """Parse and check a ``meta.json`` (``video_name``, ``frame_num``, ``frame_rate``,
    ``audio_sample_rate``); raises :class:`DatasetError` naming the file and the field.

    Notebook: 22_2023_condfoleygen
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as e:
        raise DatasetError(path, f"not valid JSON ({e.msg})", e.lineno) from None
    if not isinstance(data, dict):
        raise DatasetError(path, "expected a JSON object")
    out = {}
    for key, kind in _META_FIELDS.items():
        if key not in data:
            raise DatasetError(path, f"missing field {key!r}")
        v = data[key]
        ok = isinstance(v, str) if kind is str else (isinstance(v, (int, float)) and not isinstance(v, bool)
                                                      and math.isfinite(v) and v > 0)
        if kind is int and ok and float(v) != int(v):
            ok = False
        if not ok:
            raise DatasetError(path, f"field {key!r} must be {'a string' if kind is str else 'a positive number'}, "
                                     f"got {v!r}")
        out[key] = kind(v)
    return out


def recording_names(root: str | os.PathLike) -> list[str]:
    """The recording folders of a layout (those with a ``hit_record.json``), sorted.

    Notebook: 22_2023_condfoleygen
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"CondFoleyGen layout folder not found: {root}")
    names = sorted(p.parent.name for p in root.glob("*/hit_record.json"))
    if not names:
        raise FileNotFoundError(f"no recordings (<video>/hit_record.json) in {root}")
    return names


@dataclass
class Recording:
    """One recording read from the layout: ``frames [T, H, W, 3]`` uint8 at ``fps``,
    ``audio [n]`` float32 at ``sr``, ``hits`` (:class:`Hit`), ``meta``.

    Notebook: 22_2023_condfoleygen
    """

    name: str
    frames: np.ndarray
    audio: np.ndarray
    fps: float
    sr: int
    hits: list
    meta: dict


def read_recording(folder: str | os.PathLike, sr: int | None = None) -> Recording:
    """Read one recording folder (frames, sound, hits, meta), checking them against each other.

    Args:
        folder: ``<root>/<video_name>``.
        sr: resample the sound to this rate (Hz); None keeps ``audio_sample_rate``.

    Raises:
        FileNotFoundError: a missing file; DatasetError: malformed or inconsistent files.

    Notebook: 22_2023_condfoleygen
    """
    from PIL import Image

    from ..audio import load_audio

    folder = Path(folder)
    meta = read_meta(folder / "meta.json")
    hits = read_hit_record(folder / "hit_record.json")
    wavs = sorted((folder / "audio").glob("*.wav"))
    if len(wavs) != 1:
        raise FileNotFoundError(f"expected one .wav in {folder / 'audio'}, found {len(wavs)}")
    jpgs = sorted((folder / "frames").glob("*.jpg"))
    if len(jpgs) != meta["frame_num"]:
        raise DatasetError(folder / "meta.json", f"frame_num is {meta['frame_num']} but {folder / 'frames'} holds "
                                                 f"{len(jpgs)} .jpg files")
    frames = np.stack([np.asarray(Image.open(p).convert("RGB")) for p in jpgs])
    audio, got_sr = load_audio(wavs[0], sr=sr)
    if sr is None and got_sr != meta["audio_sample_rate"]:
        raise DatasetError(folder / "meta.json", f"audio_sample_rate is {meta['audio_sample_rate']} but "
                                                 f"{wavs[0].name} is at {got_sr} Hz")
    dur = len(frames) / meta["frame_rate"]
    late = [h for h in hits if h.time_s > dur + 1.0 / meta["frame_rate"]]
    if late:
        raise DatasetError(folder / "hit_record.json", f"hit at {late[0].time_s:g} s is after the end of the video "
                                                       f"({dur:.2f} s)", late[0].line)
    return Recording(meta["video_name"], frames, np.asarray(audio, np.float32), meta["frame_rate"], int(got_sr),
                     hits, meta)


def _majority(values: list, vocab) -> int:
    known = [v for v in values if v in vocab]
    if not known:
        return -1
    c = Counter(known)
    best = max(c.values())
    return list(vocab).index(next(v for v in known if c[v] == best))


@dataclass
class Clips:
    """Recordings as arrays, the shape the methods read (``frames [N, T, H, W, 3]``, ``audio [N, n]``,
    ``events`` per recording, ``labels`` ``material`` / ``action`` (majority over its hits, indices
    into the Greatest Hits vocabularies, -1 if none), ``ids``, ``fps``, ``sr``).

    Notebook: 22_2023_condfoleygen
    """

    frames: np.ndarray
    audio: np.ndarray
    events: list
    labels: dict
    ids: list
    fps: float
    sr: int


def load(root: str | os.PathLike, names: list[str] | None = None, *, duration_s: float | None = None,
         sr: int | None = None) -> Clips:
    """Read recordings of a layout into arrays (all of one frame rate and frame size).

    Args:
        root: the layout folder.
        names: recording names (default: all, sorted).
        duration_s: cut every recording to this length (s); recordings shorter are skipped.
            None: all must have the same length.
        sr: resample the sound to this rate.

    Returns:
        :class:`Clips`.

    Notebook: 22_2023_condfoleygen
    """
    root = Path(root)
    names = recording_names(root) if names is None else list(names)
    recs = [read_recording(root / n, sr=sr) for n in names]
    if not recs:
        raise ValueError(f"no recordings to load from {root}")
    fps, rate = recs[0].fps, recs[0].sr
    bad = [r.name for r in recs if r.fps != fps or r.frames.shape[1:] != recs[0].frames.shape[1:]]
    if bad:
        raise ValueError(f"recordings {bad[:3]} differ in frame rate or frame size from {recs[0].name}")
    if duration_s is None:
        T, n = len(recs[0].frames), len(recs[0].audio)
    else:
        T, n = int(round(duration_s * fps)), int(round(duration_s * rate))
        recs = [r for r in recs if len(r.frames) >= T and len(r.audio) >= n]
    if any(len(r.frames) < T or len(r.audio) < n for r in recs):
        raise ValueError("recordings differ in length: pass duration_s to cut them to one length")
    dur = T / fps
    events = [[Event(h.time_s, h.material, h.action, None, h.time_s, True, int(round(h.time_s * fps)))
               for h in r.hits if h.time_s < dur] for r in recs]
    labels = {"material": np.array([_majority([e.material for e in ev], MATERIALS) for ev in events], np.int64),
              "action": np.array([_majority([e.action for e in ev], ACTIONS) for ev in events], np.int64)}
    return Clips(np.stack([r.frames[:T] for r in recs]), np.stack([r.audio[:n] for r in recs]), events, labels,
                 [r.name for r in recs], fps, rate)


def write_layout(batch, root: str | os.PathLike, *, quality: int = 90) -> Path:
    """Write a hits-world batch (``synth.hits.generate``) in CondFoleyGen's processed layout.

    Per clip a folder ``<id>/`` with ``hit_record.json`` (one ``[time_s, "material action"]``
    entry per line, visible events only, "None" for unlabelled fields), ``meta.json``,
    ``audio/<id>_denoised_resampled.wav`` (16-bit PCM) and ``frames/frame000001.jpg`` ….

    Args:
        batch: a ``SceneBatch`` of the hits world.
        root: the layout folder (created; existing recording folders of the same names are replaced).
        quality: JPEG quality.

    Returns:
        ``root`` as a Path.

    Notebook: 22_2023_condfoleygen
    """
    from PIL import Image

    from ..atomic import write_json, write_text
    from ..audio import save_audio

    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    for i in range(len(batch.audio)):
        vid = batch.ids[i]
        f = root / vid
        (f / "audio").mkdir(parents=True, exist_ok=True)
        (f / "frames").mkdir(parents=True, exist_ok=True)
        rows = [json.dumps([round(float(e.time_s), 6), f"{e.material or 'None'} {e.action or 'None'}"])
                for e in batch.events[i] if e.visible]
        write_text(f / "hit_record.json", "[\n" + ",\n".join(rows) + ("\n" if rows else "") + "]\n")
        write_json(f / "meta.json", sort_keys=True, obj={"video_name": vid, "frame_num": int(batch.frames.shape[1]),
                                            "frame_rate": float(batch.fps), "audio_sample_rate": int(batch.sr)})
        save_audio(f / "audio" / f"{vid}_denoised_resampled.wav", batch.audio[i], batch.sr)
        for k, fr in enumerate(batch.frames[i]):
            Image.fromarray(fr).save(f / "frames" / f"frame{k + 1:06d}.jpg", quality=quality)
    return root
