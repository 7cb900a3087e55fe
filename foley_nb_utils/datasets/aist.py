"""Loader for AIST++-style dance videos (and other flat mp4 folders such as Landscape's).

AIST++ names encode the setting: ``gBR_sBM_c01_d04_mBR0_ch01`` = genre ``BR`` (break),
situation ``BM`` (basic), camera ``01``, dancer ``04``, music ``mBR0``, choreography ``01``.
Labels are parsed from the name (``genre`` is the index of the code in :data:`GENRE_CODES`,
-1 for a name that does not follow the pattern). When a ``<name>_keypoints.npz`` (with
``keypoints`` ``[T, 17, 2]`` and ``fps``, as the synthetic world writes) or ``<name>_keypoints.npy``
(``[T, 17, 2]`` at the video's rate) lies beside a video, the keypoints of each clip are returned
resampled to the loader's fps (nearest frame), in pixels of the output size.

Notebook: 03_datasets (and 12_2020_foley_music, 23_2023_mm_diffusion)
"""
from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from ..clips import SceneBatch
from . import common as D
from .class_folders import VideoFolder
from .common import DatasetError

LOADER = "aist"

#: AIST++ genres and the two-letter codes of its file names (``gBR_…`` = break); the synthetic
#: dance world (synth.dance) imports them from here.
GENRES: tuple[str, ...] = ("break", "pop", "lock", "house", "ballet-jazz")
GENRE_CODES: tuple[str, ...] = ("BR", "PO", "LO", "HO", "JB")
_NAME = re.compile(r"^g(?P<genre>[A-Z]{2})_s(?P<situation>[A-Z]{2})_c(?P<camera>\d+)_d(?P<dancer>\d+)"
                   r"_m(?P<music>[A-Z]{2}\d+)_ch(?P<choreo>\d+)$")


def parse_name(stem: str) -> dict[str, Any] | None:
    """Fields of an AIST++ video name, or None when it does not follow the pattern.

    >>> parse_name("gBR_sBM_c01_d04_mBR0_ch01")["genre"]
    'BR'

    Notebook: 03_datasets
    """
    m = _NAME.match(stem)
    return m.groupdict() if m else None


class AIST(VideoFolder):
    """AIST++-style videos: labels ``genre`` (index into ``GENRE_CODES`` / ``GENRES``, -1 if
    unknown), ``dancer``, ``camera`` (-1 when the name does not parse), and
    ``extra["keypoints"]`` ``[N, T, 17, 2]`` when every video has a keypoints file.

    Args are those of :class:`~foley_nb_utils.datasets.class_folders.VideoFolder`.

    Notebook: 03_datasets
    """

    loader = LOADER

    def __init__(self, root: str | os.PathLike, split: str = "all", fps: float = 15.0, **kwargs: Any):
        super().__init__(root, split, fps, **kwargs)
        kp = [self._keypoint_file(v) for v in self.videos]
        self.has_keypoints = bool(kp) and all(k is not None for k in kp)

    def _class_of(self, video: Path) -> str | None:
        return None

    @staticmethod
    def _keypoint_file(video: Path) -> Path | None:
        for suffix in ("_keypoints.npz", "_keypoints.npy"):
            p = video.with_name(video.stem + suffix)
            if p.exists():
                return p
        return None

    def labels_of(self, video: Path) -> dict[str, int]:
        f = parse_name(video.stem)
        if f is None:
            return {"genre": -1, "dancer": -1, "camera": -1}
        g = GENRE_CODES.index(f["genre"]) if f["genre"] in GENRE_CODES else -1
        return {"genre": g, "dancer": int(f["dancer"]), "camera": int(f["camera"])}

    def label_classes(self) -> dict[str, tuple[str, ...]]:
        return {"genre": GENRES}

    def _keypoints(self, video: Path) -> tuple[np.ndarray, float | None]:
        """Keypoints ``[T, 17, 2]`` of a video and their frame rate (None: the video's)."""
        path = self._keypoint_file(video)
        try:
            if path.suffix == ".npz":
                with np.load(path, allow_pickle=False) as z:
                    kp = z["keypoints"]
                    fps = float(z["fps"]) if "fps" in z.files else None
            else:
                kp, fps = np.load(path, allow_pickle=False), None
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as e:  # empty, cut or damaged file
            raise DatasetError(path, f"cannot read keypoints: {e}") from None
        if kp.ndim != 3 or kp.shape[1:] != (17, 2) or not np.isfinite(kp).all():
            raise DatasetError(path, f"keypoints must be finite [T, 17, 2], got shape {kp.shape}")
        return kp.astype(np.float32), fps

    def extra_of(self, video: Path, dec: D.Decoded, f0: int, n_frames: int) -> dict[str, Any]:
        if not self.has_keypoints:
            return {}
        import av

        kp, kp_fps = self._keypoints(video)
        with av.open(str(video)) as c:
            vs = c.streams.video[0]
            w, h = vs.codec_context.width, vs.codec_context.height
            kp_fps = kp_fps or float(vs.average_rate)
        t = (f0 + np.arange(n_frames)) / self.fps
        rows = np.clip(np.round(t * kp_fps).astype(int), 0, len(kp) - 1)
        out = kp[rows].copy()
        if self.size is not None:  # keypoints are in source pixels: scale to the output size
            out[..., 0] *= self.size[0] / w
            out[..., 1] *= self.size[1] / h
        return {"keypoints": out}

    def sources(self, videos: list[Path]) -> list[Path | None]:
        return super().sources(videos) + [self._keypoint_file(v) for v in videos]


def load(root: str | os.PathLike, split: str = "all", fps: float = 15.0, size: int | tuple[int, int] | None = 64,
         sr: int = 16000, clip_s: float = 4.0, max_clips: int | None = None, **kwargs: Any) -> SceneBatch:
    """``AIST(root, split, fps, size=size, sr=sr, clip_s=clip_s, **kwargs).load(max_clips)``.

    Notebook: 03_datasets
    """
    return AIST(root, split, fps, size=size, sr=sr, clip_s=clip_s, **kwargs).load(max_clips)


__all__ = ["AIST", "load", "parse_name"]
