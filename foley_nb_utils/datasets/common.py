"""Shared loader machinery: clear dataset errors, the on-disk feature cache, decoding a video
(and an optional separate audio file) to fixed fps / size / sample rate, and cutting windows.

The feature cache stores each decoded source as an ``.npz`` under
``repro.cache_dir("features", <loader>)``, keyed by a hash of the source files (path, size,
modification time) and the decoding settings; it is written atomically (temporary file in the
same folder, then ``os.replace``) and a corrupt or mismatching cache file is rebuilt, never
trusted. A changed source gets a new key, so a stale cache is never reused.

Notebook: 03_datasets
"""
from __future__ import annotations

import glob
import json
import os
import re
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from .. import repro
from ..atomic import atomic_path

if TYPE_CHECKING:
    from ..clips import SceneBatch

#: Bump when the decoded arrays of a loader change meaning: part of every cache key.
CACHE_VERSION = 1

VIDEO_EXTENSIONS = (".mp4", ".avi", ".mkv", ".mov", ".webm", ".m4v", ".mpg", ".mpeg", ".flv")
AUDIO_EXTENSIONS = (".wav", ".flac", ".mp3", ".ogg", ".m4a", ".aac")


class DatasetError(ValueError):
    """A dataset file is malformed or inconsistent; the message names the file (and line).

    A ``ValueError`` subclass. Attributes ``path`` and ``line`` (1-based, or None) locate it.

    Notebook: 03_datasets
    """

    def __init__(self, path: str | os.PathLike, message: str, line: int | None = None):
        self.path = Path(path)
        self.line = line
        where = f"{self.path}:{line}" if line is not None else f"{self.path}"
        super().__init__(f"{where}: {message}")


class CacheWarning(UserWarning):
    """A feature-cache file was unreadable or did not match and is being rebuilt.

    Notebook: 03_datasets
    """


# --------------------------------------------------------------------------- settings
def normalize_size(size: int | Sequence[int] | None) -> tuple[int, int] | None:
    """``64`` → ``(64, 64)``; ``(W, H)`` → ``(W, H)``; None → None (keep the source size).

    Loaders return batches of equal-sized frames, so an int means a square output (the frame is
    resized, not cropped), unlike :func:`foley_nb_utils.video.read_video`'s shortest side.

    Notebook: 03_datasets
    """
    if size is None:
        return None
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        w = h = int(size)
    else:
        try:
            w, h = (int(v) for v in size)
        except (TypeError, ValueError):
            raise ValueError(f"size must be an int or a (width, height) pair, got {size!r}") from None
    if w < 2 or h < 2:
        raise ValueError(f"size must be at least 2x2 px, got {size!r}")
    return w, h


def check_rate(value: Any, name: str, integer: bool = False) -> float:
    """A positive finite rate (``fps`` or ``sr``), else ValueError naming it.

    Notebook: 03_datasets
    """
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a positive number, got {value!r}") from None
    if isinstance(value, bool) or not np.isfinite(v) or v <= 0 or (integer and not v.is_integer()):
        raise ValueError(f"{name} must be a positive {'integer' if integer else 'number'}, got {value!r}")
    return int(v) if integer else v


def find_root(root: str | os.PathLike) -> Path:
    """``root`` as an existing folder, else FileNotFoundError naming it.

    Notebook: 03_datasets
    """
    p = Path(root).expanduser()
    if not p.exists():
        raise FileNotFoundError(f"dataset folder not found: {p}")
    if not p.is_dir():
        raise NotADirectoryError(f"dataset root is not a folder: {p}")
    return p


def read_lines(path: Path) -> list[tuple[int, str]]:
    """Non-empty, non-comment lines of a text file as (1-based line number, stripped text).

    Any newline convention (LF, CRLF, CR) and a UTF-8 byte-order mark are accepted; a file that
    is not UTF-8 text raises :class:`DatasetError` naming it.

    Notebook: 03_datasets
    """
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise FileNotFoundError(f"file not found: {path}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise DatasetError(path, f"not UTF-8 text ({e.reason} at byte {e.start})") from None
    if "\x00" in text:
        raise DatasetError(path, "contains NUL bytes: not a text file")
    out = []
    for i, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if s and not s.startswith("#"):
            out.append((i, s))
    return out


# --------------------------------------------------------------------------- feature cache
def file_signature(path: Path) -> list:
    """(absolute path, size, mtime in ns) of a file: what the cache key hashes.

    Notebook: 03_datasets
    """
    st = Path(path).stat()
    return [str(Path(path).resolve()), int(st.st_size), int(st.st_mtime_ns)]


def cache_key(paths: Sequence[Path | None], settings: dict[str, Any]) -> str:
    """Hash of the source files' signatures and the decoding settings.

    Notebook: 03_datasets
    """
    sigs = [file_signature(p) if p is not None else None for p in paths]
    return repro.config_hash({"files": sigs, "settings": settings, "version": CACHE_VERSION}, n=16)


def _safe_name(name: str) -> str:
    s = re.sub(r"[^A-Za-z0-9._-]+", "_", name)[-80:]
    return s or "item"


def cache_path(loader: str, name: str, key: str) -> Path:
    """Where the features of source ``name`` with ``key`` live (``<cache>/features/<loader>/``).

    Notebook: 03_datasets
    """
    return repro.cache_dir("features", loader) / f"{_safe_name(name)}-{key}.npz"


def load_cached(path: Path, required: Sequence[str] = ()) -> dict[str, np.ndarray] | None:
    """The arrays of a cache file if it is intact; None if it does not exist.

    The key is part of the file name (a file is only ever written, atomically, for its key);
    reading every member makes ``zipfile`` check its CRC, so a corrupt, truncated or foreign
    file gives a :class:`CacheWarning` and None, and the caller rebuilds it.

    Notebook: 03_datasets
    """
    try:
        with np.load(path, allow_pickle=False) as z:
            data = {k: z[k] for k in z.files}
    except FileNotFoundError:
        return None
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as e:
        warnings.warn(f"feature cache {path} is unreadable ({e}); rebuilding it", CacheWarning, stacklevel=3)
        return None
    missing = [k for k in required if k not in data]
    if missing:
        warnings.warn(f"feature cache {path} lacks {missing}; rebuilding it", CacheWarning, stacklevel=3)
        return None
    return data


def save_cached(path: Path, arrays: dict[str, np.ndarray]) -> Path:
    """Write arrays as an uncompressed ``.npz`` atomically (temporary file + ``os.replace``) and
    remove the stale files of the same source (same name, another key).

    Notebook: 03_datasets
    """
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)
    stem, _, key = path.stem.rpartition("-")
    for old in path.parent.glob(f"{glob.escape(stem)}-*.npz"):
        if old != path and len(old.stem) == len(path.stem) and old.stem.rpartition("-")[0] == stem:
            old.unlink(missing_ok=True)
    return path


def cached(loader: str, name: str, key: str, build: Callable[[], dict[str, np.ndarray]],
           enabled: bool = True, required: Sequence[str] = (),
           validate: Callable[[dict[str, np.ndarray]], bool] | None = None) -> dict[str, np.ndarray]:
    """``build()`` once, then read its arrays from the feature cache.

    Args:
        loader: cache sub-folder (one per loader).
        name: readable name of the source (part of the file name).
        key: :func:`cache_key` of the source and settings.
        build: computes the arrays (a dict of numpy arrays).
        enabled: False bypasses the cache entirely.
        required: array names a valid cache file must hold.
        validate: extra check of a loaded file (shapes, dtypes); False → rebuild it.

    Returns:
        The dict of arrays.

    Notebook: 03_datasets
    """
    if not enabled:
        return build()
    path = cache_path(loader, name, key)
    data = load_cached(path, required)
    if data is not None and validate is not None and not validate(data):
        warnings.warn(f"feature cache {path} holds unexpected arrays; rebuilding it", CacheWarning, stacklevel=2)
        data = None
    if data is None:
        data = build()
        save_cached(path, data)
    return data


# --------------------------------------------------------------------------- decoding
@dataclass
class Decoded:
    """A decoded source: frames at ``fps`` and mono audio at ``sr`` aligned to frame 0.

    Notebook: 03_datasets
    """

    frames: np.ndarray          # uint8 [T, H, W, 3]
    audio: np.ndarray | None    # float32 [n] or None (no audio)
    fps: float
    sr: int

    @property
    def duration_s(self) -> float:
        return len(self.frames) / self.fps


def decode(video: Path, fps: float, size: tuple[int, int] | None, sr: int, *, audio_file: Path | None = None,
           loader: str = "video", cache: bool = True, require_audio: bool = True) -> Decoded:
    """Decode a video (and optionally take its sound from a separate audio file), cached.

    Args:
        video: the video file.
        fps: output frame rate (Hz).
        size: output ``(width, height)`` px, or None to keep the source size.
        sr: output audio rate (Hz); audio is mono.
        audio_file: read the sound from this file instead of the video's audio track (e.g. the
            Greatest Hits ``_denoised.wav``); it is cut or zero-padded to the video's length.
        loader: cache sub-folder.
        cache: use the feature cache.
        require_audio: a source without sound raises :class:`DatasetError` instead of giving
            ``audio=None``.

    Returns:
        A :class:`Decoded`.

    Raises:
        FileNotFoundError: a file is missing.
        ValueError: a corrupt/truncated file or no audio (the message names the file).

    Notebook: 03_datasets
    """
    from .. import audio as A
    from .. import video as V

    video = Path(video)
    if not video.exists():
        raise FileNotFoundError(f"video file not found: {video}")
    if audio_file is not None and not Path(audio_file).exists():
        raise FileNotFoundError(f"audio file not found: {audio_file}")
    settings = {"fps": float(fps), "size": list(size) if size else None, "sr": int(sr),
                "audio": "file" if audio_file is not None else "track"}

    def build() -> dict[str, np.ndarray]:
        clip = V.read_video(video, fps=fps, size=size, sr=sr if audio_file is None else None,
                            require_audio=False)
        if audio_file is not None:
            a, _ = A.load_audio(audio_file, sr=sr)
            n = int(round(clip.duration_s * sr))
            short = n - len(a)
            if short > max(0.1 * sr, 0.05 * n):
                warnings.warn(f"{audio_file}: audio ends {short / sr:.2f} s before {video.name}; zero-padded",
                              stacklevel=4)
            out = np.zeros(n, np.float32)
            out[:min(n, len(a))] = a[:n]
            audio = out
        else:
            audio = clip.audio
        # no audio ⇔ an empty array (decoded audio always has round(duration * sr) > 0 samples)
        return {"frames": clip.frames, "audio": audio if audio is not None else np.zeros(0, np.float32)}

    key = cache_key([video, audio_file], settings)
    # the name carries a hash of the path: equal stems in different folders never share a slot
    name = f"{video.stem}-{repro.config_hash(str(video.resolve()), n=8)}"
    ok = lambda d: (d["frames"].ndim == 4 and d["frames"].dtype == np.uint8 and d["frames"].shape[-1] == 3  # noqa: E731
                    and d["audio"].dtype == np.float32 and d["audio"].ndim == 1)
    data = cached(loader, name, key, build, enabled=cache, required=("frames", "audio"), validate=ok)
    has_audio = data["audio"].size > 0
    if not has_audio and require_audio:
        raise DatasetError(video, "has no audio track (and no separate audio file was found)")
    return Decoded(data["frames"], data["audio"] if has_audio else None, float(fps), int(sr))


# --------------------------------------------------------------------------- whole batches
def batch_to_arrays(batch: "SceneBatch") -> dict[str, np.ndarray]:
    """A SceneBatch as plain arrays for an ``.npz`` (labels as ``label:<name>``; ids, events,
    classes, config and non-array extras as JSON bytes).

    Notebook: 03_datasets
    """
    from ..clips import event_to_json

    meta = {"ids": batch.ids, "events": [[event_to_json(e) for e in ev] for ev in batch.events],
            "fps": batch.fps, "sr": batch.sr, "scene": batch.scene, "classes": batch.classes,
            "config": batch.config,
            "extra_json": {k: v for k, v in batch.extra.items() if not isinstance(v, np.ndarray)}}
    out = {"frames": batch.frames, "audio": batch.audio,
           "meta": np.frombuffer(json.dumps(meta, default=str).encode(), dtype=np.uint8)}
    out.update({f"label:{k}": v for k, v in batch.labels.items()})
    out.update({f"extra:{k}": v for k, v in batch.extra.items() if isinstance(v, np.ndarray)})
    return out


def batch_from_arrays(d: dict[str, np.ndarray]) -> "SceneBatch":
    """Inverse of :func:`batch_to_arrays`.

    Notebook: 03_datasets
    """
    from ..clips import SceneBatch, event_from_json

    meta = json.loads(d["meta"].tobytes().decode())
    extra: dict[str, Any] = dict(meta["extra_json"])
    extra.update({k[6:]: v for k, v in d.items() if k.startswith("extra:")})
    return SceneBatch(d["frames"], d["audio"], meta["fps"], meta["sr"], meta["ids"],
                      {k[6:]: v for k, v in d.items() if k.startswith("label:")},
                      [[event_from_json(e) for e in ev] for ev in meta["events"]], extra, meta["scene"],
                      {k: tuple(v) for k, v in meta["classes"].items()}, meta["config"])


def cached_batch(loader: str, sources: Sequence[Path | None], settings: dict[str, Any],
                 build: Callable[[], "SceneBatch"], enabled: bool = True, max_mb: float = 2048) -> "SceneBatch":
    """A loader's assembled batch through the feature cache: one ``.npz`` for the whole batch,
    keyed by every source file's signature and the settings, so a later ``load()`` is a single
    file read. Batches above ``max_mb`` are not stored (the per-file caches still are).

    Notebook: 03_datasets
    """
    if not enabled:
        return build()
    key = cache_key(list(sources), settings)
    path = cache_path(loader, f"batch-{repro.config_hash(settings, n=8)}", key)
    d = load_cached(path, ("frames", "audio", "meta"))
    if d is not None:
        try:
            return batch_from_arrays(d)
        except (ValueError, KeyError, TypeError) as e:
            warnings.warn(f"feature cache {path} is inconsistent ({e}); rebuilding it", CacheWarning, stacklevel=2)
    batch = build()
    if batch.frames.nbytes + batch.audio.nbytes <= max_mb * 2**20:
        save_cached(path, batch_to_arrays(batch))
    return batch


def window(dec: Decoded, start_frame: int, n_frames: int, n_samples: int) -> tuple[np.ndarray, np.ndarray]:
    """Frames ``[start, start + n_frames)`` and the audio samples that start with them.

    The audio of frame ``k`` starts at sample ``round(k / fps * sr)``; windows that run past the
    end raise ValueError (callers choose windows inside the source).

    Notebook: 03_datasets
    """
    f = dec.frames[start_frame:start_frame + n_frames]
    a0 = int(round(start_frame / dec.fps * dec.sr))
    a = dec.audio[a0:a0 + n_samples] if dec.audio is not None else np.zeros(n_samples, np.float32)
    if len(f) != n_frames or len(a) != n_samples:
        raise ValueError(f"window at frame {start_frame} ({n_frames} frames, {n_samples} samples) runs past "
                         f"the end ({len(dec.frames)} frames, {0 if dec.audio is None else len(dec.audio)} samples)")
    return f, a


def n_windows(dec: Decoded, n_frames: int, n_samples: int) -> int:
    """How many consecutive non-overlapping windows fit in a decoded source.

    Notebook: 03_datasets
    """
    k = len(dec.frames) // n_frames
    if dec.audio is not None:
        while k > 0 and int(round((k - 1) * n_frames / dec.fps * dec.sr)) + n_samples > len(dec.audio):
            k -= 1
    return k


def split_of(name: str, test_fraction: float = 0.2) -> str:
    """Deterministic train/test assignment of a file (by a hash of its name), for layouts that
    come without split lists.

    Notebook: 03_datasets
    """
    return "test" if (zlib.crc32(name.encode()) % 1000) < test_fraction * 1000 else "train"


__all__ = [
    "AUDIO_EXTENSIONS", "CACHE_VERSION", "CacheWarning", "DatasetError", "Decoded", "VIDEO_EXTENSIONS",
    "batch_from_arrays", "batch_to_arrays", "cache_key", "cache_path", "cached", "cached_batch", "check_rate",
    "decode", "file_signature", "find_root", "load_cached", "n_windows", "normalize_size", "read_lines",
    "save_cached", "split_of", "window"
]
