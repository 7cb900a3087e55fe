"""Loader for Extreme Countix-AV (repetitive actions with sound; Zhang et al. 2021).

Layout: videos (``*.mp4``) and their sound as a separate collection of ``*.wav`` with the same
stems, either side by side or in parallel ``video/`` and ``audio/`` folders; the eight
"challenge" categories (viewpoint change, cluttered background, fast motion, ...) may be class
folders. The sound file is preferred over the video's track; a video with neither is an error
naming it (or skipped / silent, see ``missing_audio``).

Notebook: 03_datasets (and 22_2023_condfoleygen)
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..clips import SceneBatch
from .class_folders import VideoFolder

LOADER = "countix_av"
_COLLECTIONS = {"video", "videos", "audio", "audios", "wav", "mp4"}


class CountixAV(VideoFolder):
    """Countix-AV videos with their wav collection; labels ``class`` (category folder or -1).

    Args are those of :class:`~foley_nb_utils.datasets.class_folders.VideoFolder`
    (``audio="auto"`` pairs each video with its same-stem wav).

    Notebook: 03_datasets
    """

    loader = LOADER

    def _class_of(self, video: Path) -> str | None:
        parts = [p for p in video.relative_to(self.base).parts[:-1] if p.lower() not in _COLLECTIONS]
        return parts[0] if parts else None


def load(root: str | os.PathLike, split: str = "all", fps: float = 15.0, size: int | tuple[int, int] | None = 64,
         sr: int = 16000, clip_s: float = 2.0, max_clips: int | None = None, **kwargs: Any) -> SceneBatch:
    """``CountixAV(root, split, fps, size, sr, clip_s, **kwargs).load(max_clips)``.

    Notebook: 03_datasets
    """
    return CountixAV(root, split, fps, size, sr, clip_s, **kwargs).load(max_clips)


__all__ = ["CountixAV", "load"]
