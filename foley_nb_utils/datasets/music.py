"""Loader for the MUSIC / MUSICES layout (Sound of Pixels' MUSIC, VIAI's MUSIC-Extra-Solo): solo
performance videos named by YouTube ID, with the sound as a separate wav, one folder per instrument::

    <root>/video/<instrument>/<youtube_id>.mp4
    <root>/audio/<instrument>/<youtube_id>.wav      (any extension of AUDIO_EXTENSIONS)

(``videos/`` and ``audios/`` are accepted too.) Optional split lists ``<root>/<split>.txt`` hold one
``<instrument>/<youtube_id>`` per line; without them ``train`` / ``test`` are a deterministic 80/20 split
by ID (:func:`~.common.split_of`). Each video gives its first ``clip_s`` seconds (or all consecutive
windows with ``all_windows=True``). :func:`write` writes a batch in this layout (the synthetic twin).

Notebook: 11_2019_vision_infused_inpainting
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..clips import SceneBatch
from . import common as D
from .common import DatasetError

LOADER = "music"
VIDEO_DIRS = ("video", "videos")
AUDIO_DIRS = ("audio", "audios")

__all__ = ["LOADER", "load", "pairs", "write"]


def _sub(root: Path, names: tuple[str, ...]) -> Path:
    for n in names:
        if (root / n).is_dir():
            return root / n
    raise DatasetError(root, f"not a MUSIC layout: no {' or '.join(n + '/' for n in names)} folder")


def pairs(root: str | os.PathLike, split: str | None = "train") -> list[dict[str, Any]]:
    """The (instrument, id, video, audio) items of a split, sorted by instrument then ID.

    Args:
        root: the layout's root folder.
        split: ``"train"``, ``"test"`` (or any name with a ``<split>.txt``), or None for every video.

    Raises:
        DatasetError: no video folder, a video without its audio file, or a split list naming a missing video.

    Notebook: 11_2019_vision_infused_inpainting
    """
    root = D.find_root(root)
    vdir, adir = _sub(root, VIDEO_DIRS), _sub(root, AUDIO_DIRS)
    videos = sorted(p for p in vdir.glob("*/*") if p.suffix.lower() in D.VIDEO_EXTENSIONS)
    by_key = {f"{p.parent.name}/{p.stem}": p for p in videos}
    lst = root / f"{split}.txt" if split else None
    if lst is not None and lst.exists():
        keys = []
        for line_no, key in D.read_lines(lst):
            if key not in by_key:
                raise DatasetError(lst, f"names {key!r}, which has no video under {vdir}", line_no)
            keys.append(key)
    elif split in (None, "train", "test"):
        keys = [k for k in by_key if split is None or D.split_of(k.split("/")[1]) == split]
    else:
        raise ValueError(f"music.pairs: split={split!r} has no {lst} (and only 'train'/'test'/None are built in)")
    out = []
    for k in keys:
        v = by_key[k]
        a = next((adir / v.parent.name / (v.stem + e) for e in D.AUDIO_EXTENSIONS
                  if (adir / v.parent.name / (v.stem + e)).exists()), None)
        if a is None:
            raise DatasetError(v, f"has no audio file {adir / v.parent.name / (v.stem + '.wav')}")
        out.append({"instrument": v.parent.name, "id": v.stem, "video": v, "audio": a})
    return out


def load(root: str | os.PathLike, split: str | None = "train", fps: float = 25.0,
         size: int | tuple[int, int] | None = None, sr: int = 16000, clip_s: float = 2.0,
         all_windows: bool = False, max_items: int | None = None, cache: bool = True) -> SceneBatch:
    """Clips of ``clip_s`` seconds from a MUSIC layout as a SceneBatch.

    Returns:
        frames uint8 ``[N, T, H, W, 3]`` at ``fps``, audio float32 ``[N, round(clip_s * sr)]`` from the
        wav, ids ``<instrument>/<youtube_id>`` (``#<k>`` appended for later windows), label ``instrument``.

    Notebook: 11_2019_vision_infused_inpainting
    """
    fps = D.check_rate(fps, "fps")
    sr = int(D.check_rate(sr, "sr", integer=True))
    if not clip_s > 0:
        raise ValueError(f"music.load: clip_s must be > 0 s, got {clip_s!r}")
    items = pairs(root, split)
    if not items:
        raise DatasetError(Path(root), f"no videos in split {split!r}")
    insts = tuple(sorted({it["instrument"] for it in items}))
    nf, ns = int(round(clip_s * fps)), int(round(clip_s * sr))
    frames, audio, ids, lab = [], [], [], []
    for it in items:
        dec = D.decode(it["video"], fps, D.normalize_size(size), sr, audio_file=it["audio"], loader=LOADER,
                       cache=cache)
        k = D.n_windows(dec, nf, ns)
        if k == 0:
            raise DatasetError(it["video"], f"is shorter than one {clip_s} s clip ({dec.duration_s:.2f} s)")
        for w in range(k if all_windows else 1):
            f, a = D.window(dec, w * nf, nf, ns)
            frames.append(f)
            audio.append(a)
            ids.append(f"{it['instrument']}/{it['id']}" + (f"#{w}" if w else ""))
            lab.append(insts.index(it["instrument"]))
            if max_items is not None and len(ids) >= max_items:
                break
        if max_items is not None and len(ids) >= max_items:
            break
    return SceneBatch(np.stack(frames), np.stack(audio).astype(np.float32), fps, sr, ids,
                      labels={"instrument": np.asarray(lab)}, events=[[] for _ in ids], scene=LOADER,
                      classes={"instrument": insts},
                      config={"loader": LOADER, "root": str(root), "split": split, "clip_s": clip_s})


def write(batch: SceneBatch, root: str | os.PathLike, instrument: str, split: str | None = None) -> Path:
    """Write every clip of ``batch`` as ``video/<instrument>/<id>.mp4`` + ``audio/<instrument>/<id>.wav``
    (ids with ``/`` replaced by ``_``); with ``split``, append the keys to ``<root>/<split>.txt``.

    Notebook: 11_2019_vision_infused_inpainting
    """
    from .. import audio as A
    from .. import video as V

    if not instrument or "/" in instrument:
        raise ValueError(f"music.write: instrument must be a folder name, got {instrument!r}")
    root = Path(root)
    keys = []
    for f, a, i in zip(batch.frames, batch.audio, batch.ids):
        name = str(i).replace("/", "_")
        V.write_video(root / "video" / instrument / f"{name}.mp4", f, batch.fps, crf=12)
        A.save_audio(root / "audio" / instrument / f"{name}.wav", a, batch.sr)
        keys.append(f"{instrument}/{name}")
    if split:
        with open(root / f"{split}.txt", "a") as fh:
            fh.write("".join(k + "\n" for k in keys))
    return root
