"""Loader for the Greatest Hits dataset (Owens et al., CVPR 2016) and its synthetic twin.

Layout (one flat folder, ``vis-data/`` in the download): per recording ``<id>`` (a capture
timestamp such as ``2015-02-16-16-49-06``, sometimes with a suffix: ``2015-09-29-14-45-11-1``)
the files ``<id>_denoised.mp4`` (video with its denoised sound), ``<id>_denoised.wav``,
``<id>_times.txt`` (annotations) and optionally ``<id>_denoised_thumb.mp4``; split lists
``train.txt`` / ``test.txt`` (one ID per line) beside them or one folder up. Synthetic layouts
(:mod:`foley_nb_utils.synth.hits`) add ``<id>_synth.json`` with the full truth (scratch ends,
stick strengths, off-screen sounds), which enriches the events when present.

``<id>_times.txt``: one line per action, ``<seconds> <material> <action> <reaction>``, with the
token ``None`` for an unlabeled field; partial labels (``metal None``), missing trailing
fields, CRLF line ends and unknown tokens occur. :func:`parse_times` keeps unknown tokens (and
reports them with an :class:`UnknownLabelWarning`), maps ``None`` to None, sorts by time and
raises :class:`~foley_nb_utils.datasets.common.DatasetError` naming the file and line for a
malformed line.

Notebook: 03_datasets (and 05_2016_visually_indicated_sounds, 10_2018_pocan, 15_2020_regnet,
22_2023_condfoleygen)
"""
from __future__ import annotations

import json
import math
import os
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..clips import Event, SceneBatch
from . import common as D
from .common import DatasetError

LOADER = "greatest_hits"

# The label vocabulary is the dataset's, so it lives with its loader; the synthetic world
# (synth.hits) imports it from here. Reaction spellings of the real files are unverified, so other
# tokens are kept as strings.
#: The 17 material names of the real Greatest Hits annotations (``plastic-bag`` hyphenated).
MATERIALS: tuple[str, ...] = ("wood", "metal", "dirt", "rock", "leaf", "plastic", "cloth", "paper", "grass",
                              "water", "drywall", "gravel", "plastic-bag", "ceramic", "tile", "carpet", "glass")
#: Actions of the stick.
ACTIONS: tuple[str, ...] = ("hit", "scratch")
#: What the struck object does (Greatest Hits Fig. 2 legend; spellings of the real tokens unverified).
REACTIONS: tuple[str, ...] = ("static", "rigid-motion", "deformation", "scatter", "splash")

_KNOWN_EXTRA = {"action": {"other"}, "reaction": {"other"}}


class UnknownLabelWarning(UserWarning):
    """A times file uses a label token outside the known vocabulary (it is kept, as a string).

    Notebook: 03_datasets
    """


@dataclass(frozen=True)
class Annotation:
    """One line of a ``<id>_times.txt`` file.

    Attributes:
        time_s: time of the action in seconds from the start of the video.
        material, action, reaction: label tokens, or None where the file says ``None`` (or the
            field is missing); unknown tokens are kept as written.
        line: 1-based line number in the file.

    Notebook: 03_datasets
    """

    time_s: float
    material: str | None
    action: str | None
    reaction: str | None
    line: int

    @property
    def labeled(self) -> bool:
        """True when the material and the action are both known tokens."""
        return self.material in MATERIALS and self.action in ACTIONS


def _token(tok: str | None) -> str | None:
    return None if tok is None or tok.lower() in ("none", "null", "nan", "-") else tok


def parse_times(path: str | os.PathLike, on_unknown: str = "warn") -> list[Annotation]:
    """Parse a Greatest Hits ``<id>_times.txt`` file.

    Args:
        path: the file.
        on_unknown: what to do with label tokens outside the vocabulary: ``"warn"`` (one
            :class:`UnknownLabelWarning` per file listing them with line numbers), ``"ignore"``
            or ``"error"`` (:class:`DatasetError`). They are kept as strings either way.

    Returns:
        Annotations sorted by time (stable).

    Raises:
        FileNotFoundError: no such file.
        DatasetError (a ValueError): a line whose time is not a finite non-negative number, or
            that has more than four fields; the message names the file and the line.

    Notebook: 03_datasets
    """
    if on_unknown not in ("warn", "ignore", "error"):
        raise ValueError(f"on_unknown must be 'warn', 'ignore' or 'error', got {on_unknown!r}")
    path = Path(path)
    out: list[Annotation] = []
    unknown: list[str] = []
    for no, text in D.read_lines(path):
        parts = text.split()
        if len(parts) > 4:
            raise DatasetError(path, f"expected 'seconds material action reaction', got {len(parts)} fields: "
                                     f"{text!r}", no)
        try:
            t = float(parts[0].replace("\ufeff", ""))
        except ValueError:
            raise DatasetError(path, f"cannot read a time in seconds from {parts[0]!r} (line {text!r})", no) from None
        if not math.isfinite(t) or t < 0:
            raise DatasetError(path, f"time must be a finite number of seconds >= 0, got {parts[0]!r}", no)
        mat, act, rea = (_token(parts[k]) if k < len(parts) else None for k in (1, 2, 3))
        for field, tok, vocab in (("material", mat, MATERIALS), ("action", act, ACTIONS),
                                  ("reaction", rea, REACTIONS)):
            if tok is not None and tok not in vocab and tok not in _KNOWN_EXTRA.get(field, ()):
                unknown.append(f"line {no}: {field} {tok!r}")
        out.append(Annotation(t, mat, act, rea, no))
    if unknown:
        msg = f"{path}: unknown label token(s) kept as written: " + "; ".join(unknown[:8]) + \
            (f" (+{len(unknown) - 8} more)" if len(unknown) > 8 else "")
        if on_unknown == "error":
            raise DatasetError(path, "unknown label token(s): " + "; ".join(unknown[:8]))
        if on_unknown == "warn":
            warnings.warn(msg, UnknownLabelWarning, stacklevel=2)
    out.sort(key=lambda a: a.time_s)
    return out


def _media_folder(root: Path) -> Path:
    """The folder with the ``*_times.txt`` files: ``root`` itself or ``root/vis-data*``."""
    if any(root.glob("*_times.txt")):
        return root
    for sub in sorted(root.glob("vis-data*")):
        if sub.is_dir() and any(sub.glob("*_times.txt")):
            return sub
    raise FileNotFoundError(f"no Greatest Hits recordings (<id>_times.txt files) in {root} or {root}/vis-data*/")


def recording_ids(root: str | os.PathLike) -> list[str]:
    """IDs of all recordings in a Greatest Hits folder (those with a ``<id>_times.txt``), sorted.

    Notebook: 03_datasets
    """
    folder = _media_folder(D.find_root(root))
    return sorted(p.name[: -len("_times.txt")] for p in folder.glob("*_times.txt"))


def _normalize_id(s: str) -> str:
    for suf in ("_denoised_thumb.mp4", "_denoised.mp4", "_denoised.wav", "_times.txt", "_denoised", ".mp4"):
        if s.endswith(suf):
            return s[: -len(suf)]
    return s


def read_split(root: str | os.PathLike, split: str) -> list[str]:
    """Recording IDs of ``split`` (``train``, ``test``, ... from ``<split>.txt``; ``all`` → every
    recording), in file order.

    Raises:
        FileNotFoundError: no ``<split>.txt`` in the folder or one level up.
        DatasetError: a listed ID has no ``<id>_times.txt`` (names the split file and line).

    Notebook: 03_datasets
    """
    root = D.find_root(root)
    folder = _media_folder(root)
    have = set(recording_ids(root))
    if split in (None, "all"):
        return sorted(have)
    cands = [folder / f"{split}.txt", root / f"{split}.txt", folder.parent / f"{split}.txt"]
    path = next((p for p in cands if p.is_file()), None)
    if path is None:
        raise FileNotFoundError(f"split list {split}.txt not found in {folder} or {folder.parent}; "
                                "use split='all' for every recording")
    ids: list[str] = []
    for no, text in D.read_lines(path):
        if len(text.split()) != 1:
            raise DatasetError(path, f"expected one recording ID per line, got {text!r}", no)
        rid = _normalize_id(text)
        if rid not in have:
            raise DatasetError(path, f"recording {rid!r} is listed but {folder / (rid + '_times.txt')} is missing", no)
        if rid not in ids:
            ids.append(rid)
    return ids


def _label_index(tok: str | None, vocab: Sequence[str]) -> int:
    return vocab.index(tok) if tok in vocab else -1


def _majority(toks: list[str | None], vocab: Sequence[str]) -> int:
    known = [t for t in toks if t in vocab]
    if not known:
        return -1
    c = Counter(known)
    best = max(c.values())
    return vocab.index(next(t for t in known if c[t] == best))  # ties → first in time


class GreatestHits:
    """A Greatest Hits folder (real or synthetic) read as fixed-length clips or hit windows.

    Args:
        root: the folder with the recordings (or one containing ``vis-data*/``).
        split: ``"train"``, ``"test"`` (from the split lists) or ``"all"``.
        fps: output frame rate (Hz).
        size: output frame size: int (square) or ``(width, height)`` px.
        sr: output audio rate (Hz), mono.
        windows: ``"fixed"``: consecutive clips of ``clip_s`` seconds covering each recording;
            ``"hits"``: one clip of ``clip_s`` seconds centred on each annotated action
            (shifted to stay inside the recording), VIS-style (``clip_s=0.5``).
        clip_s: clip length in seconds.
        audio_source: ``"wav"`` (the ``_denoised.wav``), ``"video"`` (the mp4's track) or
            ``"auto"`` (wav when present).
        thumb: read ``<id>_denoised_thumb.mp4`` (the small videos of the download) when present.
        labeled_only: in ``"hits"`` mode, skip annotations without a known material and action.
        cache: use the feature cache (decoded recordings as ``.npz``).
        on_unknown: passed to :func:`parse_times`.

    Raises:
        FileNotFoundError: missing folder, split list or media file.
        DatasetError (a ValueError): malformed annotation or split line, annotation past the end
            of its video, corrupt media (each names the file, and the line where there is one).

    Notebook: 03_datasets
    """

    def __init__(self, root: str | os.PathLike, split: str = "train", fps: float = 15.0,
                 size: int | tuple[int, int] | None = 64, sr: int = 16000, windows: str = "fixed",
                 clip_s: float = 2.0, audio_source: str = "auto", thumb: bool = False,
                 labeled_only: bool = False, cache: bool = True, on_unknown: str = "warn"):
        self.root = D.find_root(root)
        self.folder = _media_folder(self.root)
        self.fps = D.check_rate(fps, "fps")
        self.sr = int(D.check_rate(sr, "sr", integer=True))
        self.size = D.normalize_size(size)
        if windows not in ("fixed", "hits"):
            raise ValueError(f"windows must be 'fixed' or 'hits', got {windows!r}")
        if audio_source not in ("auto", "wav", "video"):
            raise ValueError(f"audio_source must be 'auto', 'wav' or 'video', got {audio_source!r}")
        self.clip_s = D.check_rate(clip_s, "clip_s")
        self.windows, self.audio_source, self.thumb = windows, audio_source, thumb
        self.labeled_only, self.cache, self.on_unknown = labeled_only, cache, on_unknown
        self.split = split
        self.ids = read_split(self.root, split)
        self.n_frames = int(round(self.clip_s * self.fps))
        self.n_samples = int(round(self.clip_s * self.sr))
        if self.n_frames < 1:
            raise ValueError(f"clip_s={clip_s} at fps={fps} gives no frame")

    def __len__(self) -> int:
        """Number of recordings (not clips: clips are known after decoding)."""
        return len(self.ids)

    def __repr__(self) -> str:
        return (f"GreatestHits({str(self.folder)!r}, split={self.split!r}, {len(self.ids)} recordings, "
                f"{self.windows} windows of {self.clip_s} s, {self.fps} fps, size {self.size}, {self.sr} Hz)")

    # ------------------------------------------------------------------ per recording
    def files(self, rid: str) -> dict[str, Path | None]:
        """The media files of a recording (``video``, ``audio`` or None, ``times``, ``synth``)."""
        f = self.folder
        video = f / f"{rid}_denoised.mp4"
        if self.thumb and (f / f"{rid}_denoised_thumb.mp4").exists():
            video = f / f"{rid}_denoised_thumb.mp4"
        wav = f / f"{rid}_denoised.wav"
        audio = None if self.audio_source == "video" else (wav if wav.exists() else None)
        if self.audio_source == "wav" and audio is None:
            raise FileNotFoundError(f"audio file not found: {wav} (audio_source='wav')")
        synth = f / f"{rid}_synth.json"
        return {"video": video, "audio": audio, "times": f / f"{rid}_times.txt",
                "synth": synth if synth.exists() else None}

    def annotations(self, rid: str) -> list[Annotation]:
        """Parsed ``<id>_times.txt`` of a recording."""
        return parse_times(self.files(rid)["times"], on_unknown=self.on_unknown)

    def decode(self, rid: str) -> D.Decoded:
        """The whole recording at the loader's fps / size / sr (through the feature cache)."""
        fl = self.files(rid)
        return D.decode(fl["video"], self.fps, self.size, self.sr, audio_file=fl["audio"], loader=LOADER,
                        cache=self.cache, require_audio=True)

    def _events(self, rid: str, anns: list[Annotation], dec: D.Decoded, fl: dict) -> list[Event]:
        dur = dec.duration_s
        truth: dict[float, dict] = {}
        offscreen: list[Event] = []
        if fl["synth"] is not None:
            try:
                side = json.loads(fl["synth"].read_text())
                for e in side.get("events", []):
                    if e.get("visible", True):
                        truth[round(float(e["time_s"]), 6)] = e
                    else:
                        offscreen.append(Event(float(e["time_s"]), None, None, None, float(e["end_s"]), False,
                                               int(round(float(e["time_s"]) * self.fps)),
                                               float(e["strength"]) if e.get("strength") is not None else math.nan,
                                               str(e.get("source", "offscreen"))))
            except (ValueError, KeyError, TypeError) as err:
                raise DatasetError(fl["synth"], f"malformed synthetic sidecar: {err}") from None
        out = []
        for a in anns:
            if a.time_s > dur + 1.0 / self.fps:
                raise DatasetError(fl["times"], f"time {a.time_s:g} s is after the end of {fl['video'].name} "
                                                f"({dur:.2f} s): a lost decimal point?", a.line)
            t6 = round(a.time_s, 6)
            e = truth.get(t6, {})
            out.append(Event(a.time_s, a.material, a.action, a.reaction, float(e.get("end_s", a.time_s)), True,
                             int(round(a.time_s * self.fps)),
                             float(e["strength"]) if e.get("strength") is not None else math.nan))
        return sorted(out + offscreen, key=lambda e: e.time_s)

    # ------------------------------------------------------------------ clips
    def load(self, ids: Sequence[str] | None = None, max_clips: int | None = None) -> SceneBatch:
        """Decode recordings and cut them into clips, as one :class:`SceneBatch`.

        Args:
            ids: recordings to read (default: the split's).
            max_clips: stop after this many clips.

        Returns:
            A SceneBatch with ``frames`` uint8 ``[N, T, H, W, 3]`` (``T = round(clip_s * fps)``),
            ``audio`` float32 ``[N, round(clip_s * sr)]``, ``labels`` ``material`` / ``action`` /
            ``reaction`` (int indices, -1 unknown or unlabeled; for fixed windows the most
            frequent label among the window's annotations), ``n_events``, ``start_s`` (window
            start in the recording, s); ``events`` with times relative to the clip;
            ``extra["recording"]`` the recording IDs; ``ids`` ``"<recording>@<start_s>"``.
        """
        ids = list(self.ids if ids is None else ids)
        sources = []
        for rid in ids:
            fl = self.files(rid)
            sources += [fl["video"], fl["audio"], fl["times"], fl["synth"]]
        settings = {"loader": LOADER, "ids": ids, "max_clips": max_clips, **self._settings()}
        return D.cached_batch(LOADER, sources, settings, lambda: self._load(ids, max_clips), self.cache)

    def _settings(self) -> dict[str, Any]:
        return {"root": str(self.folder), "split": self.split, "fps": self.fps, "size": self.size, "sr": self.sr,
                "windows": self.windows, "clip_s": self.clip_s, "audio_source": self.audio_source,
                "thumb": self.thumb, "labeled_only": self.labeled_only}

    def _load(self, ids: list[str], max_clips: int | None) -> SceneBatch:
        frames, audio, evs, recs, starts = [], [], [], [], []
        lab: dict[str, list] = {"material": [], "action": [], "reaction": [], "n_events": [], "start_s": []}
        Tw, Nw = self.n_frames, self.n_samples
        for rid in ids:
            fl = self.files(rid)
            anns = parse_times(fl["times"], on_unknown=self.on_unknown)
            dec = self.decode(rid)
            if len(dec.frames) < Tw or len(dec.audio) < Nw:
                raise DatasetError(fl["video"], f"recording lasts {dec.duration_s:.2f} s, shorter than one "
                                                f"clip of {self.clip_s} s")
            events = self._events(rid, anns, dec, fl)
            if self.windows == "fixed":
                starts_f = [k * Tw for k in range(D.n_windows(dec, Tw, Nw))]
                centres: list[Event | None] = [None] * len(starts_f)
            else:
                vis = [e for e in events if e.visible and (not self.labeled_only or
                                                            (e.material in MATERIALS and e.action in ACTIONS))]
                last = min(len(dec.frames) - Tw, int(math.floor((len(dec.audio) - Nw) / self.sr * self.fps)))
                starts_f = [int(min(max(0, round(e.time_s * self.fps) - Tw // 2), last)) for e in vis]
                centres = list(vis)
            for f0, centre in zip(starts_f, centres):
                fr, au = D.window(dec, f0, Tw, Nw)
                s0 = f0 / self.fps
                inside = [e.shifted(s0, self.fps) for e in events if s0 <= e.time_s < s0 + self.clip_s]
                frames.append(fr)
                audio.append(au)
                evs.append(inside)
                recs.append(rid)
                starts.append(s0)
                vis_in = [e for e in inside if e.visible]
                if centre is not None:
                    m, a, r = centre.material, centre.action, centre.reaction
                    lab["material"].append(_label_index(m, MATERIALS))
                    lab["action"].append(_label_index(a, ACTIONS))
                    lab["reaction"].append(_label_index(r, REACTIONS))
                else:
                    lab["material"].append(_majority([e.material for e in vis_in], MATERIALS))
                    lab["action"].append(_majority([e.action for e in vis_in], ACTIONS))
                    lab["reaction"].append(_majority([e.reaction for e in vis_in], REACTIONS))
                lab["n_events"].append(len(vis_in))
                lab["start_s"].append(s0)
                if max_clips is not None and len(frames) >= max_clips:
                    break
            if max_clips is not None and len(frames) >= max_clips:
                break
        W, H = self.size if self.size else (frames[0].shape[2] if frames else 0, frames[0].shape[1] if frames else 0)
        if frames:
            shapes = {f.shape[1:] for f in frames}
            if len(shapes) > 1:
                raise ValueError(f"recordings decode to different frame sizes {sorted(shapes)}; pass size=")
        labels = {k: np.asarray(v, np.float64 if k == "start_s" else np.int64) for k, v in lab.items()}
        fr_arr = np.stack(frames) if frames else np.zeros((0, Tw, H, W, 3), np.uint8)
        au_arr = np.stack(audio) if audio else np.zeros((0, Nw), np.float32)
        config = {"loader": LOADER, **self._settings()}
        return SceneBatch(fr_arr, au_arr, self.fps, self.sr, [f"{r}@{s:.3f}" for r, s in zip(recs, starts)],
                          labels, evs, {"recording": recs}, LOADER,
                          {"material": MATERIALS, "action": ACTIONS, "reaction": REACTIONS}, config)


def load(root: str | os.PathLike, split: str = "train", fps: float = 15.0, size: int | tuple[int, int] | None = 64,
         sr: int = 16000, windows: str = "fixed", clip_s: float = 2.0, max_clips: int | None = None,
         **kwargs: Any) -> SceneBatch:
    """``GreatestHits(root, split, fps, size, sr, windows, clip_s, **kwargs).load(max_clips=...)``.

    Notebook: 03_datasets
    """
    return GreatestHits(root, split, fps, size, sr, windows, clip_s, **kwargs).load(max_clips=max_clips)


__all__ = ["ACTIONS", "Annotation", "GreatestHits", "MATERIALS", "REACTIONS", "UnknownLabelWarning", "load",
           "parse_times", "read_split", "recording_ids"]
