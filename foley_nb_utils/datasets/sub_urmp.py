"""Loader for Sub-URMP (Chen et al. 2017): instrument images paired with 0.5 s sound chunks.

Layout: ``<root>/img/<split>/<instrument>/<name>.jpg`` and ``<root>/chunk/<split>/<instrument>/
<name>.wav``; the image and the chunk of a pair share split, instrument and name. Splits seen in
the wild: ``train`` / ``test`` / ``validation`` (or ``val``); instrument folders are named
``double_bass``, ``sax`` ... (spellings such as ``Double Bass`` or ``saxophone`` are mapped to
the 13 names of :data:`INSTRUMENTS`, defined here). Files are globbed, never counted.

Notebook: 03_datasets (and 07_2017_cross_modal_gan, 08_2018_cmcgan, 13_2020_sa_cmgan)
"""
from __future__ import annotations

import os
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from ..clips import SceneBatch
from . import common as D
from .common import DatasetError

LOADER = "sub_urmp"

#: The 13 Sub-URMP instruments (folder names of the public release); the synthetic instruments
#: world (synth.instruments) imports them from here.
INSTRUMENTS: tuple[str, ...] = ("bassoon", "cello", "clarinet", "double_bass", "flute", "horn", "oboe", "sax",
                                "trombone", "trumpet", "tuba", "viola", "violin")
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp")
_ALIASES = {"saxophone": "sax", "altosax": "sax", "doublebass": "double_bass", "contrabass": "double_bass",
            "frenchhorn": "horn", "bassoon": "bassoon"}


def canonical_instrument(folder: str) -> str:
    """Folder name → instrument name (``"Double Bass"`` → ``"double_bass"``; unknown names are
    lower-cased and kept).

    Notebook: 03_datasets
    """
    key = re.sub(r"[\s_\-]+", "", folder.lower())
    if key in _ALIASES:
        return _ALIASES[key]
    for name in INSTRUMENTS:
        if key == name.replace("_", ""):
            return name
    return re.sub(r"[\s\-]+", "_", folder.lower())


def _splits(root: Path, split: str) -> list[str]:
    have = sorted(p.name for p in (root / "img").iterdir() if p.is_dir())
    if split in (None, "all"):
        return have
    alias = {"val": ("val", "validation", "valid"), "validation": ("validation", "val", "valid")}
    for cand in alias.get(split, (split,)):
        if cand in have:
            return [cand]
    raise FileNotFoundError(f"split folder {root / 'img' / split} not found (splits here: {have})")


def pairs(root: str | os.PathLike, split: str = "train", on_unpaired: str = "error") -> list[dict[str, Any]]:
    """The (image, chunk) pairs of a split, sorted by split, instrument, name.

    Args:
        root: the Sub-URMP folder (holding ``img/`` and ``chunk/``).
        split: a split folder name, or ``"all"``.
        on_unpaired: an image without its chunk (or the reverse): ``"error"``
            (:class:`DatasetError` naming the file) or ``"skip"`` (with a warning that counts them).

    Returns:
        Dicts with ``image``, ``chunk`` (Paths), ``instrument`` (canonical name), ``split``, ``name``.

    Notebook: 03_datasets
    """
    root = D.find_root(root)
    if not (root / "img").is_dir() or not (root / "chunk").is_dir():
        raise FileNotFoundError(f"{root} is not a Sub-URMP folder: it needs img/ and chunk/ sub-folders")
    if on_unpaired not in ("error", "skip"):
        raise ValueError(f"on_unpaired must be 'error' or 'skip', got {on_unpaired!r}")
    out, lonely = [], []
    for sp in _splits(root, split):
        imgs = {}
        for p in (root / "img" / sp).glob("*/*"):
            if p.suffix.lower() in IMAGE_EXTENSIONS:
                imgs[(p.parent.name, p.stem)] = p
        chunks = {}
        for p in (root / "chunk" / sp).glob("*/*"):
            if p.suffix.lower() in D.AUDIO_EXTENSIONS:
                chunks[(p.parent.name, p.stem)] = p
        for key in sorted(set(imgs) | set(chunks)):
            if key not in imgs or key not in chunks:
                lonely.append(imgs.get(key) or chunks.get(key))
                continue
            out.append({"image": imgs[key], "chunk": chunks[key], "instrument": canonical_instrument(key[0]),
                        "split": sp, "name": key[1]})
    if lonely:
        if on_unpaired == "error":
            raise DatasetError(lonely[0], f"has no partner (image ↔ chunk); {len(lonely)} unpaired file(s) in "
                                          f"{root}; pass on_unpaired='skip' to leave them out")
        warnings.warn(f"{root}: skipped {len(lonely)} unpaired file(s), e.g. {lonely[0]}", stacklevel=2)
    return out


def _read_image(path: Path, size: tuple[int, int] | None) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            im = im.convert("RGB")
            if size is not None and im.size != size:
                im = im.resize(size, Image.BILINEAR)
            return np.asarray(im, dtype=np.uint8)
    except (UnidentifiedImageError, OSError, SyntaxError) as e:
        raise DatasetError(path, f"cannot read the image (corrupt or truncated): {e}") from None


class SubURMP:
    """A Sub-URMP folder (real or synthetic) as image ↔ chunk pairs.

    Args:
        root: folder with ``img/`` and ``chunk/``.
        split: ``"train"``, ``"test"``, ``"validation"`` or ``"all"``.
        size: image size, int (square) or ``(width, height)``; None keeps the files' size.
        sr: audio rate (Hz), mono.
        chunk_s: chunk length in seconds; chunks within 5 % of it are cut or zero-padded to it,
            others raise :class:`DatasetError`.
        on_unpaired: see :func:`pairs`.
        cache: cache the assembled batch.

    Notebook: 03_datasets
    """

    def __init__(self, root: str | os.PathLike, split: str = "train", size: int | tuple[int, int] | None = 64,
                 sr: int = 16000, chunk_s: float = 0.5, on_unpaired: str = "error", cache: bool = True):
        self.root = D.find_root(root)
        self.split = split
        self.size = D.normalize_size(size)
        self.sr = int(D.check_rate(sr, "sr", integer=True))
        self.chunk_s = D.check_rate(chunk_s, "chunk_s")
        self.cache = cache
        self.items = pairs(self.root, split, on_unpaired)
        found = sorted({it["instrument"] for it in self.items})
        extra = [x for x in found if x not in INSTRUMENTS]
        if extra:
            warnings.warn(f"{self.root}: instrument folders outside the 13 Sub-URMP names: {extra}", stacklevel=2)
        self.classes = INSTRUMENTS + tuple(extra)

    def __len__(self) -> int:
        return len(self.items)

    def _load(self, max_items: int | None) -> SceneBatch:
        from .. import audio as A

        items = self.items[:max_items] if max_items is not None else self.items
        n = int(round(self.chunk_s * self.sr))
        imgs, auds = [], []
        for it in items:
            img = _read_image(it["image"], self.size)
            if imgs and img.shape != imgs[0].shape:
                raise DatasetError(it["image"], f"size {img.shape[1]}x{img.shape[0]} differs from the first image "
                                                f"{imgs[0].shape[1]}x{imgs[0].shape[0]}; pass size=")
            a, _ = A.load_audio(it["chunk"], sr=self.sr)
            if abs(len(a) - n) > 0.05 * n:
                raise DatasetError(it["chunk"], f"lasts {len(a) / self.sr:.3f} s, expected a {self.chunk_s} s chunk")
            out = np.zeros(n, np.float32)
            out[:min(n, len(a))] = a[:n]
            imgs.append(img)
            auds.append(out)
        W, H = self.size if self.size else ((imgs[0].shape[1], imgs[0].shape[0]) if imgs else (0, 0))
        frames = np.stack(imgs) if imgs else np.zeros((0, H, W, 3), np.uint8)
        audio = np.stack(auds) if auds else np.zeros((0, n), np.float32)
        labels = {"instrument": np.array([self.classes.index(it["instrument"]) for it in items], np.int64)}
        config = {"loader": LOADER, "root": str(self.root), "split": self.split, "size": self.size, "sr": self.sr,
                  "chunk_s": self.chunk_s}
        return SceneBatch(frames, audio, 1.0 / self.chunk_s, self.sr, [it["name"] for it in items], labels,
                          [[] for _ in items], {"split": [it["split"] for it in items]}, LOADER,
                          {"instrument": self.classes}, config)

    def load(self, max_items: int | None = None) -> SceneBatch:
        """All pairs as a SceneBatch: ``frames`` uint8 ``[N, H, W, 3]`` images (no time axis),
        ``audio`` float32 ``[N, round(chunk_s * sr)]``, ``labels["instrument"]``, ``fps = 1 /
        chunk_s``; ``ids`` are the file names, ``extra["split"]`` the split folders."""
        items = self.items[:max_items] if max_items is not None else self.items
        sources = [p for it in items for p in (it["image"], it["chunk"])]
        settings = {"loader": LOADER, "root": str(self.root), "split": self.split, "size": self.size, "sr": self.sr,
                    "chunk_s": self.chunk_s, "n": len(items)}
        return D.cached_batch(LOADER, sources, settings, lambda: self._load(max_items), self.cache)


def load(root: str | os.PathLike, split: str = "train", size: int | tuple[int, int] | None = 64, sr: int = 16000,
         max_items: int | None = None, **kwargs: Any) -> SceneBatch:
    """``SubURMP(root, split, size, sr, **kwargs).load(max_items)``.

    Notebook: 03_datasets
    """
    return SubURMP(root, split, size, sr, **kwargs).load(max_items)


__all__ = ["IMAGE_EXTENSIONS", "SubURMP", "canonical_instrument", "load", "pairs"]
