"""Atomic file writes, used for every file the package writes (results, caches, checkpoints,
datasets, audio, video).

A file is written under a temporary name in its destination folder, then renamed over the
destination with ``os.replace``: a reader sees the old file or the new one, never half of
one, and a crash leaves no partial file behind. Temporary files are created with the usual
umask-based permissions (``tempfile.mkstemp`` would make them private to the owner).

Standard library only, so the batch runner's child process can use it cheaply.

Notebook: 03_datasets
"""
from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` (same suffix, so writers infer the format);
    on success it replaces ``path``, on any exception it is removed.

    >>> with atomic_path("clip.wav") as tmp:      # doctest: +SKIP
    ...     soundfile.write(tmp, x, 16000)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{secrets.token_hex(6)}.tmp{path.suffix}")
    # create it now so it gets umask permissions; writers then truncate and fill it
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666))
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (flushed to disk before the rename)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    return path


def write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically (``\\n`` line endings)."""
    return write_bytes(path, text.encode("utf-8"))


def write_json(path: str | Path, obj: Any, *, indent: int | None = 1, sort_keys: bool = False,
               default=None) -> Path:
    """Write ``obj`` as strict JSON (no NaN) to ``path`` atomically."""
    text = json.dumps(obj, indent=indent, allow_nan=False, ensure_ascii=False, sort_keys=sort_keys, default=default)
    return write_text(path, text + "\n")


__all__ = ["atomic_path", "write_bytes", "write_json", "write_text"]
