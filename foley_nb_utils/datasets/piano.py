"""Loader for top-down piano videos with MIDI ground truth (the Sight to Sound / Audeo setting).

Layout: ``<root>/<split>/<name>.mp4`` with ``<name>.mid`` beside it (the notes played) and,
optionally, ``<name>_roll.npz`` (the synthetic world's per-frame ``roll`` / ``sounding`` /
``onsets`` with its ``fps`` and ``lowest`` key). Without the npz the rolls are computed from the
MIDI with pretty_midi (``sounding`` then honours the sustain pedal, CC64). Rolls are returned at
the loader's fps over ``n_keys`` keys from ``lowest``.

Notebook: 03_datasets (and 14_2020_sight_to_sound, 17_2020_audeo)
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..clips import SceneBatch
from . import common as D
from .class_folders import VideoFolder
from .common import DatasetError

LOADER = "piano"


def frame_span(start_s: float, end_s: float, fps: float) -> tuple[int, int]:
    """Frames ``[k0, k1)`` during which a note is shown: ``k0 = round(start * fps)``,
    ``k1 = max(k0 + 1, round(end * fps))`` (the onset frame is always one of them).

    Notebook: 03_datasets
    """
    k0 = int(round(start_s * fps))
    return k0, max(k0 + 1, int(round(end_s * fps)))


def midi_rolls(path: Path, fps: float, n_frames: int, lowest: int, n_keys: int) -> dict[str, np.ndarray]:
    """Per-frame ``roll`` (keys down), ``sounding`` (pedal held notes ring on) and ``onsets``,
    bool ``[n_frames, n_keys]``, from a MIDI file (a note shows in frames
    :func:`frame_span`).

    Notebook: 03_datasets
    """
    import pretty_midi

    try:
        pm = pretty_midi.PrettyMIDI(str(path))
    except Exception as e:  # mido/pretty_midi raise many kinds of errors for a bad file
        raise DatasetError(path, f"cannot read MIDI: {e}") from None
    out = {k: np.zeros((n_frames, n_keys), bool) for k in ("roll", "sounding", "onsets")}
    for ins in pm.instruments:
        if ins.is_drum:
            continue
        ped = sorted((c.time, c.value >= 64) for c in ins.control_changes if c.number == 64)
        spans, down = [], None
        for time, is_down in ped:
            if is_down and down is None:
                down = time
            elif not is_down and down is not None:
                spans.append((down, time))
                down = None
        if down is not None:
            spans.append((down, np.inf))
        for note in ins.notes:
            k = note.pitch - lowest
            if not 0 <= k < n_keys:
                continue
            end = note.end
            for d, u in spans:
                if d < end < u:
                    end = u
            a0, a1 = frame_span(note.start, note.end, fps)
            out["roll"][a0:a1, k] = True
            out["sounding"][a0:frame_span(note.start, end, fps)[1], k] = True
            if a0 < n_frames:
                out["onsets"][a0, k] = True
    return out


class Piano(VideoFolder):
    """Piano videos with rolls: ``extra`` ``roll`` / ``sounding`` / ``onsets`` bool
    ``[N, T, n_keys]`` per clip.

    Args:
        lowest: MIDI pitch of the first key (default: from the ``_roll.npz``, else 21).
        n_keys: number of keys (default: from the ``_roll.npz``, else 88).
        Other args as :class:`~foley_nb_utils.datasets.class_folders.VideoFolder`.

    Notebook: 03_datasets
    """

    loader = LOADER

    def __init__(self, root: str | os.PathLike, split: str = "train", fps: float = 25.0,
                 size: int | tuple[int, int] | None = None, lowest: int | None = None, n_keys: int | None = None,
                 clip_s: float = 4.0, **kwargs: Any):
        super().__init__(root, split, fps, size=size, clip_s=clip_s, **kwargs)
        first = self.videos[0].with_name(self.videos[0].stem + "_roll.npz")
        lo, nk = 21, 88
        if first.exists():
            with np.load(first, allow_pickle=False) as z:
                lo, nk = int(z["lowest"]), int(z["roll"].shape[1])
        self.lowest = lo if lowest is None else int(lowest)
        self.n_keys = nk if n_keys is None else int(n_keys)

    def _class_of(self, video: Path) -> str | None:
        return None

    def labels_of(self, video: Path) -> dict[str, int]:
        return {}

    def label_classes(self) -> dict[str, tuple[str, ...]]:
        return {}

    def extra_of(self, video: Path, dec: D.Decoded, f0: int, n_frames: int) -> dict[str, Any]:
        npz = video.with_name(video.stem + "_roll.npz")
        mid = video.with_suffix(".mid")
        t = (f0 + np.arange(n_frames)) / self.fps
        if npz.exists():
            try:
                with np.load(npz, allow_pickle=False) as z:
                    src_fps, lo = float(z["fps"]), int(z["lowest"])
                    rolls = {k: z[k] for k in ("roll", "sounding", "onsets")}
            except (OSError, ValueError, KeyError) as e:
                raise DatasetError(npz, f"cannot read the piano roll: {e}") from None
            rows = np.clip(np.round(t * src_fps).astype(int), 0, len(rolls["roll"]) - 1)
            out = {}
            for k, v in rolls.items():
                full = np.zeros((len(v), self.n_keys), bool)
                a, b = max(lo, self.lowest), min(lo + v.shape[1], self.lowest + self.n_keys)
                if a < b:
                    full[:, a - self.lowest:b - self.lowest] = v[:, a - lo:b - lo]
                out[k] = full[rows]
            if src_fps != self.fps:   # an onset belongs to one frame only: place it at its nearest frame
                on = np.zeros((n_frames, self.n_keys), bool)
                fr, key = np.nonzero(rolls["onsets"])
                for f_src, k_src in zip(fr, key):
                    k = k_src + lo - self.lowest
                    f = int(round(f_src / src_fps * self.fps)) - f0
                    if 0 <= k < self.n_keys and 0 <= f < n_frames:
                        on[f, k] = True
                out["onsets"] = on
            return out
        if mid.exists():
            r = midi_rolls(mid, self.fps, f0 + n_frames, self.lowest, self.n_keys)
            return {k: v[f0:] for k, v in r.items()}
        raise FileNotFoundError(f"no MIDI or roll beside {video}: expected {mid} or {npz}")

    def sources(self, videos: list[Path]) -> list[Path | None]:
        extra = []
        for v in videos:
            for p in (v.with_suffix(".mid"), v.with_name(v.stem + "_roll.npz")):
                extra.append(p if p.exists() else None)
        return super().sources(videos) + extra

    def _settings(self) -> dict[str, Any]:
        return {**super()._settings(), "lowest": getattr(self, "lowest", None), "n_keys": getattr(self, "n_keys", None)}


def load(root: str | os.PathLike, split: str = "train", fps: float = 25.0, size: int | tuple[int, int] | None = None,
         sr: int = 16000, clip_s: float = 4.0, max_clips: int | None = None, **kwargs: Any) -> SceneBatch:
    """``Piano(root, split, fps, size, sr=sr, clip_s=clip_s, **kwargs).load(max_clips)``.

    Notebook: 03_datasets
    """
    return Piano(root, split, fps, size, sr=sr, clip_s=clip_s, **kwargs).load(max_clips)


__all__ = ["Piano", "load", "midi_rolls"]
