"""Loader for folders of videos, by class: VEGAS, VAS, AVFD, Landscape (and the base of the
Countix-AV and AIST++ loaders).

Layouts it understands (videos in any container PyAV reads: mp4, avi, mkv, mov, webm ...):

- class folders: ``<root>/<class>/**/<name>.mp4`` (VEGAS; VAS's ``<class>/videos/*.mp4``);
- an optional split level: ``<root>/train/<class>/...`` and ``<root>/test/<class>/...``
  (Landscape), or split lists ``<root>/<split>.txt`` of relative paths (the synthetic
  layout); with neither, ``train`` / ``test`` are a deterministic 80/20 split by file name;
- a flat folder of videos (AVFD's undivided directory): no class labels (``-1``).

Sound comes from the video's track, or from an audio file with the same stem beside it or in a
parallel ``audio/`` folder (VAS's ``<class>/audio/``, Countix-AV's wav collection) when
``audio="auto"``. Clips are windows of ``clip_s`` seconds (the first, or all of them).

Notebook: 03_datasets (and 06_2016_ambient_sound_supervision, 09_2018_visual_to_sound, 16_2020_autofoley,
23_2023_mm_diffusion)
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..clips import SceneBatch
from . import common as D
from .common import DatasetError

LOADER = "class_folders"
SPLIT_DIRS = ("train", "test", "val", "validation", "valid")


def _audio_for(video: Path, root: Path) -> Path | None:
    """A separate sound file for ``video``: same stem beside it, or in a parallel audio folder."""
    for ext in D.AUDIO_EXTENSIONS:
        p = video.with_suffix(ext)
        if p.exists():
            return p
    parts = list(video.relative_to(root).parts)
    for i, part in enumerate(parts[:-1]):
        if part.lower() in ("video", "videos", "vid", "mp4"):
            for name in ("audio", "audios", "wav"):
                for ext in D.AUDIO_EXTENSIONS:
                    q = root.joinpath(*parts[:i], name, *parts[i + 1:-1], video.stem + ext)
                    if q.exists():
                        return q
    for ext in D.AUDIO_EXTENSIONS:  # a root-level audio folder mirroring the videos
        q = root / "audio" / (video.stem + ext)
        if q.exists():
            return q
    return None


class VideoFolder:
    """Videos under a folder, cut into clips, with labels from the folder structure.

    Args:
        root: dataset folder.
        split: ``"train"``, ``"test"``, another split folder/list name, or ``"all"``.
        fps: output frame rate (Hz).
        size: int (square) or ``(width, height)`` px.
        sr: output audio rate (Hz), mono.
        clip_s: clip length in seconds.
        clips_per_video: clips taken from each video, from its start (None: every whole window).
        audio: ``"auto"`` (a separate audio file when there is one, else the track) or ``"track"``.
        short: a video shorter than one clip: ``"skip"`` (warned, counted), ``"pad"`` (last frame
            repeated, silence; ``labels["valid_frames"]`` says how many are real) or ``"error"``.
        missing_audio: a video without sound: ``"error"`` (:class:`DatasetError`), ``"skip"`` or
            ``"silence"``.
        classes: class names to keep (and their order); None → every class folder, sorted.
        cache: use the feature cache.

    Notebook: 03_datasets
    """

    loader = LOADER

    def __init__(self, root: str | os.PathLike, split: str = "train", fps: float = 10.0,
                 size: int | tuple[int, int] | None = 64, sr: int = 16000, clip_s: float = 2.0,
                 clips_per_video: int | None = 1, audio: str = "auto", short: str = "skip",
                 missing_audio: str = "error", classes: Sequence[str] | None = None, cache: bool = True):
        self.root = D.find_root(root)
        self.split = split
        self.fps = D.check_rate(fps, "fps")
        self.sr = int(D.check_rate(sr, "sr", integer=True))
        self.size = D.normalize_size(size)
        self.clip_s = D.check_rate(clip_s, "clip_s")
        if clips_per_video is not None and (not isinstance(clips_per_video, int) or clips_per_video < 1):
            raise ValueError(f"clips_per_video must be a positive int or None, got {clips_per_video!r}")
        for name, val, allowed in (("audio", audio, ("auto", "track")), ("short", short, ("skip", "pad", "error")),
                                   ("missing_audio", missing_audio, ("error", "skip", "silence"))):
            if val not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, got {val!r}")
        self.clips_per_video, self.audio, self.short, self.missing_audio = clips_per_video, audio, short, missing_audio
        self.cache = cache
        self.base, self.videos = self._discover()
        found = sorted({self._class_of(v) for v in self.videos} - {None})
        if classes is not None:
            unknown = [c for c in classes if c not in found]
            if unknown:
                raise ValueError(f"classes {unknown} have no videos under {self.base}; found {found}")
            keep = set(classes)
            self.videos = [v for v in self.videos if self._class_of(v) in keep]
            found = list(classes)
        self.classes: tuple[str, ...] = tuple(found)
        if not self.videos:
            raise FileNotFoundError(f"no videos ({', '.join(D.VIDEO_EXTENSIONS)}) for split {split!r} "
                                    f"under {self.base}")

    # ------------------------------------------------------------------ discovery
    def _discover(self) -> tuple[Path, list[Path]]:
        root = self.root
        split_dirs = [d for d in SPLIT_DIRS if (root / d).is_dir()]
        if split_dirs:
            if self.split in (None, "all"):
                vids = [v for d in split_dirs for v in self._glob(root / d)]
                return root, vids
            if not (root / self.split).is_dir():
                raise FileNotFoundError(f"split folder {root / self.split} not found (splits here: {split_dirs})")
            return root / self.split, self._glob(root / self.split)
        vids = self._glob(root)
        if self.split in (None, "all"):
            return root, vids
        lst = root / f"{self.split}.txt"
        if lst.is_file():
            by_rel = {v.relative_to(root).as_posix(): v for v in vids}
            by_rel.update({str(Path(k).with_suffix("")): v for k, v in list(by_rel.items())})
            out = []
            for no, text in D.read_lines(lst):
                v = by_rel.get(text) or by_rel.get(str(Path(text).with_suffix("")))
                if v is None:
                    raise DatasetError(lst, f"lists {text!r}, which is not a video under {root}", no)
                out.append(v)
            return root, out
        if self.split not in ("train", "test"):
            raise FileNotFoundError(f"no split folder or list {lst} for split {self.split!r}")
        return root, [v for v in vids if D.split_of(v.relative_to(root).as_posix()) == self.split]

    def _glob(self, folder: Path) -> list[Path]:
        return sorted(p for p in folder.rglob("*") if p.suffix.lower() in D.VIDEO_EXTENSIONS and p.is_file()
                      and not p.name.startswith("."))

    def _class_of(self, video: Path) -> str | None:
        rel = video.relative_to(self.base).parts
        return rel[0] if len(rel) > 1 else None

    # ------------------------------------------------------------------ per video hooks
    def labels_of(self, video: Path) -> dict[str, int]:
        """Per-video labels (here the class index, -1 in a flat folder)."""
        c = self._class_of(video)
        return {"class": self.classes.index(c) if c in self.classes else -1}

    def extra_of(self, video: Path, dec: D.Decoded, f0: int, n_frames: int) -> dict[str, Any]:
        """Per-clip extra ground truth (subclasses add keypoints, rolls ...)."""
        return {}

    def label_classes(self) -> dict[str, tuple[str, ...]]:
        return {"class": self.classes}

    def __len__(self) -> int:
        """Number of videos (clips are known after decoding)."""
        return len(self.videos)

    def decode(self, video: Path) -> D.Decoded:
        """A whole video at the loader's fps / size / sr (through the feature cache)."""
        audio_file = _audio_for(video, self.root) if self.audio == "auto" else None
        return D.decode(video, self.fps, self.size, self.sr, audio_file=audio_file, loader=self.loader,
                        cache=self.cache, require_audio=self.missing_audio == "error")

    # ------------------------------------------------------------------ clips
    def _load(self, videos: list[Path], max_clips: int | None) -> SceneBatch:
        Tw, Nw = int(round(self.clip_s * self.fps)), int(round(self.clip_s * self.sr))
        frames, audio, ids, extras = [], [], [], []
        lab: dict[str, list] = {}
        skipped: list[Path] = []
        for v in videos:
            dec = self.decode(v)
            if dec.audio is None:
                if self.missing_audio == "skip":
                    skipped.append(v)
                    continue
                dec = D.Decoded(dec.frames, np.zeros(int(round(dec.duration_s * self.sr)), np.float32), dec.fps, dec.sr)
            valid = len(dec.frames)
            if len(dec.frames) < Tw or len(dec.audio) < Nw:
                if self.short == "error":
                    raise DatasetError(v, f"lasts {dec.duration_s:.2f} s, shorter than one clip of {self.clip_s} s")
                if self.short == "skip":
                    skipped.append(v)
                    continue
                pad_f = max(0, Tw - len(dec.frames))
                fr = np.concatenate([dec.frames, np.repeat(dec.frames[-1:], pad_f, 0)])
                au = np.concatenate([dec.audio, np.zeros(max(0, Nw - len(dec.audio)), np.float32)])
                dec = D.Decoded(fr, au, dec.fps, dec.sr)
            k = D.n_windows(dec, Tw, Nw)
            if self.clips_per_video is not None:
                k = min(k, self.clips_per_video)
            base_labels = self.labels_of(v)
            for j in range(k):
                f, a = D.window(dec, j * Tw, Tw, Nw)
                frames.append(f)
                audio.append(a)
                rel = v.relative_to(self.root).as_posix()
                ids.append(rel if k == 1 and j == 0 else f"{rel}@{j * self.clip_s:g}")
                for key, val in {**base_labels, "start_s": j * Tw / self.fps,
                                 "valid_frames": min(Tw, max(0, valid - j * Tw))}.items():
                    lab.setdefault(key, []).append(val)
                extras.append(self.extra_of(v, dec, j * Tw, Tw))
                if max_clips is not None and len(frames) >= max_clips:
                    break
            if max_clips is not None and len(frames) >= max_clips:
                break
        if skipped:
            warnings.warn(f"{self.base}: skipped {len(skipped)} video(s) shorter than {self.clip_s} s or without "
                          f"sound, e.g. {skipped[0]}", stacklevel=3)
        if frames and len({f.shape for f in frames}) > 1:
            raise ValueError(f"videos under {self.base} decode to different sizes; pass size=")
        W, H = self.size if self.size else ((frames[0].shape[2], frames[0].shape[1]) if frames else (0, 0))
        extra: dict[str, Any] = {"path": [i.split("@")[0] for i in ids]}
        for key in (extras[0] if extras else {}):
            vals = [e[key] for e in extras]
            extra[key] = np.stack(vals) if isinstance(vals[0], np.ndarray) else vals
        labels = {k: np.asarray(v, np.float64 if k == "start_s" else np.int64) for k, v in lab.items()}
        config = {"loader": self.loader, **self._settings()}
        return SceneBatch(np.stack(frames) if frames else np.zeros((0, Tw, H, W, 3), np.uint8),
                          np.stack(audio) if audio else np.zeros((0, Nw), np.float32), self.fps, self.sr, ids,
                          labels, [[] for _ in ids], extra, self.loader, self.label_classes(), config)

    def _settings(self) -> dict[str, Any]:
        return {"root": str(self.root), "split": self.split, "fps": self.fps, "size": self.size, "sr": self.sr,
                "clip_s": self.clip_s, "clips_per_video": self.clips_per_video, "audio": self.audio,
                "short": self.short, "missing_audio": self.missing_audio, "classes": list(self.classes)}

    def sources(self, videos: list[Path]) -> list[Path | None]:
        """Files whose change invalidates the cached batch."""
        return [p for v in videos for p in (v, _audio_for(v, self.root) if self.audio == "auto" else None)]

    def load(self, max_clips: int | None = None) -> SceneBatch:
        """All clips as a SceneBatch: ``frames`` uint8 ``[N, T, H, W, 3]``, ``audio`` float32
        ``[N, round(clip_s * sr)]``, labels ``class`` (index into ``classes``, -1 without class
        folders), ``start_s``, ``valid_frames``; ``ids`` are relative paths (``@<start>`` for
        later windows); ``extra["path"]`` the relative video paths."""
        vids = self.videos
        settings = {"loader": self.loader, "videos": [v.relative_to(self.root).as_posix() for v in vids],
                    "max_clips": max_clips, **self._settings()}
        return D.cached_batch(self.loader, self.sources(vids), settings, lambda: self._load(vids, max_clips),
                              self.cache)


class ClassFolders(VideoFolder):
    """VEGAS / VAS / AVFD / Landscape folders (see the module docstring); labels ``class``.

    Notebook: 03_datasets
    """


def load(root: str | os.PathLike, split: str = "train", fps: float = 10.0, size: int | tuple[int, int] | None = 64,
         sr: int = 16000, clip_s: float = 2.0, max_clips: int | None = None, **kwargs: Any) -> SceneBatch:
    """``ClassFolders(root, split, fps, size, sr, clip_s, **kwargs).load(max_clips)``.

    Notebook: 03_datasets
    """
    return ClassFolders(root, split, fps, size, sr, clip_s, **kwargs).load(max_clips)


__all__ = ["ClassFolders", "SPLIT_DIRS", "VideoFolder", "load"]
