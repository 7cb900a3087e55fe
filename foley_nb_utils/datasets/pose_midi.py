"""Loader for the pose + MIDI layout of Foley Music's URMP / MUSIC / AtinPiano data (Gan et al. 2020).

The paper's pre-processed data is, per clip, the keypoints a pose estimator (OpenPose) returned
and the clip's MIDI. Layout::

    <root>/<split>/<id>.npy     float [T, J, 2 | 3] keypoints (x, y[, confidence]) per frame
    <root>/<split>/<id>.mid     the clip's notes (.midi is accepted too)
    <root>/pose_midi.json       optional: {"fps": 22.0, "joints": [...]} (the pose frame rate)

``split`` is a folder name (``train``, ``test``, ...). A dropped keypoint is stored as it is in
OpenPose output: zeros with confidence 0. Each clip is returned with its notes as float32
``[n, 4]`` (start s, end s, MIDI pitch, velocity), read with pretty_midi. The parsed arrays are
cached (keyed by the files' size and mtime), so a second read costs one ``np.load``.
The synthetic pianist of notebook 12 is written by :func:`write_layout` and read by :func:`load`.

Notebook: 12_2020_foley_music
"""
from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from . import common as D
from .common import DatasetError

LOADER = "pose_midi"
META = "pose_midi.json"
MIDI_EXTENSIONS = (".mid", ".midi")


def items(root: str | os.PathLike, split: str = "train") -> list[dict[str, Any]]:
    """The clips of a split, sorted by id: dicts with ``id``, ``pose``, ``midi`` (Paths).

    A pose file without its MIDI (or the reverse) raises :class:`DatasetError` naming it.

    Notebook: 12_2020_foley_music
    """
    root = D.find_root(root)
    folder = root / split
    if not folder.is_dir():
        have = sorted(p.name for p in root.iterdir() if p.is_dir())
        raise FileNotFoundError(f"split folder {folder} not found (splits here: {have})")
    poses = {p.stem: p for p in folder.glob("*.npy")}
    midis = {p.stem: p for p in folder.iterdir() if p.suffix.lower() in MIDI_EXTENSIONS}
    for key in sorted(set(poses) ^ set(midis)):
        lonely = poses.get(key) or midis.get(key)
        raise DatasetError(lonely, "has no partner (pose .npy ↔ .mid with the same name)")
    return [{"id": k, "pose": poses[k], "midi": midis[k]} for k in sorted(poses)]


def _read_pose(path: Path) -> np.ndarray:
    try:
        a = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as e:
        raise DatasetError(path, f"cannot read the keypoints: {e}") from None
    if a.ndim != 3 or a.shape[2] not in (2, 3) or not np.issubdtype(a.dtype, np.number):
        raise DatasetError(path, f"keypoints must be a number array [T, J, 2 or 3], got {a.dtype} {a.shape}")
    if not np.isfinite(a).all():
        raise DatasetError(path, "keypoints hold NaN or inf (store a dropped joint as zeros, confidence 0)")
    if a.shape[2] == 2:                                   # no confidence channel: every joint seen
        a = np.concatenate([a, np.ones(a.shape[:2] + (1,), a.dtype)], 2)
    return a.astype(np.float32)


def _read_midi(path: Path) -> np.ndarray:
    import pretty_midi

    try:
        pm = pretty_midi.PrettyMIDI(str(path))
    except Exception as e:  # pretty_midi / mido raise many kinds on a bad file
        raise DatasetError(path, f"cannot read the MIDI file: {e}") from None
    rows = [(n.start, n.end, n.pitch, n.velocity) for ins in pm.instruments if not ins.is_drum for n in ins.notes]
    rows.sort()
    return np.asarray(rows, np.float32).reshape(-1, 4)


def load(root: str | os.PathLike, split: str = "train", *, fps: float | None = None, n_frames: int | None = None,
         n_joints: int | None = None, cache: bool = True) -> dict[str, Any]:
    """Read a split: keypoints, notes and ids.

    Args:
        root: the dataset folder (holding ``<split>/``).
        split: split folder name.
        fps: pose frame rate; default the ``fps`` of ``pose_midi.json`` (required one way or the other).
        n_frames: cut or pad (repeating the last frame) every clip to this many frames; default
            the shortest clip's length.
        n_joints: the joints every file must have (default: those of the first file).
        cache: cache the parsed arrays.

    Returns:
        ``{"pose": float32 [N, n_frames, J, 3], "notes": list of float32 [n, 4] (start s, end s,
        pitch, velocity), "ids": list, "fps": float, "joints": list or None}``.

    Notebook: 12_2020_foley_music
    """
    root = D.find_root(root)
    meta_path = root / META
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    fps = meta.get("fps") if fps is None else fps
    if fps is None:
        raise ValueError(f"{root}: no fps given and no {META} with an 'fps'")
    fps = D.check_rate(fps, "fps")
    its = items(root, split)
    if not its:
        raise FileNotFoundError(f"{root / split}: no .npy + .mid clips")
    srcs = [p for it in its for p in (it["pose"], it["midi"])]
    key = D.cache_key(srcs, {"n_frames": n_frames, "n_joints": n_joints, "what": "pose_midi"})

    def build() -> dict[str, np.ndarray]:
        poses = [_read_pose(it["pose"]) for it in its]
        J = n_joints or poses[0].shape[1]
        for it, p in zip(its, poses):
            if p.shape[1] != J:
                raise DatasetError(it["pose"], f"has {p.shape[1]} joints, expected {J}")
        T = int(n_frames or min(len(p) for p in poses))
        out = np.stack([p[:T] if len(p) >= T else np.concatenate([p, np.repeat(p[-1:], T - len(p), 0)])
                        for p in poses])
        notes = [_read_midi(it["midi"]) for it in its]
        return {"pose": out, "notes": np.concatenate(notes), "count": np.array([len(n) for n in notes])}

    d = D.cached(LOADER, f"{root.name}_{split}", key, build, enabled=cache)
    cuts = np.cumsum(d["count"])[:-1]
    return {"pose": d["pose"], "notes": list(np.split(d["notes"], cuts)), "ids": [it["id"] for it in its],
            "fps": float(fps), "joints": meta.get("joints")}


def write_layout(root: str | os.PathLike, split: str, ids: Sequence[str], poses: Sequence[np.ndarray],
                 midis: Sequence[bytes], *, fps: float, joints: Sequence[str] | None = None) -> Path:
    """Write clips as ``<root>/<split>/<id>.npy`` + ``<id>.mid`` and ``<root>/pose_midi.json``.

    Files are written whole (temporary name, then rename), so a reader never sees half a file.

    Notebook: 12_2020_foley_music
    """
    if not (len(ids) == len(poses) == len(midis)):
        raise ValueError(f"write_layout: {len(ids)} ids, {len(poses)} poses, {len(midis)} MIDI files")
    root = Path(root)
    folder = root / split
    folder.mkdir(parents=True, exist_ok=True)
    for name, pose, midi in zip(ids, poses, midis):
        buf = io.BytesIO()
        np.save(buf, np.asarray(pose, np.float32))
        for path, data in ((folder / f"{name}.npy", buf.getvalue()), (folder / f"{name}.mid", midi)):
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)
    meta = {"fps": float(fps), "joints": list(joints) if joints is not None else None}
    tmp = root / (META + ".tmp")
    tmp.write_text(json.dumps(meta))
    os.replace(tmp, root / META)
    return root


__all__ = ["LOADER", "META", "items", "load", "write_layout"]
