from __future__ import annotations

import json
import os
import stat

import pytest

from foley_nb_utils import atomic


def test_write_and_replace(tmp_path):
    p = tmp_path / "sub" / "a.json"
    atomic.write_json(p, {"x": 1})
    atomic.write_json(p, {"x": 2})
    assert json.loads(p.read_text()) == {"x": 2}
    assert [q.name for q in p.parent.iterdir()] == ["a.json"]


def test_failure_keeps_the_old_file_and_leaves_no_temp(tmp_path):
    p = tmp_path / "a.txt"
    atomic.write_text(p, "old")
    with pytest.raises(RuntimeError):
        with atomic.atomic_path(p) as tmp:
            tmp.write_text("half")
            raise RuntimeError("crash while writing")
    assert p.read_text() == "old"
    assert [q.name for q in tmp_path.iterdir()] == ["a.txt"]


def test_temp_keeps_suffix_and_umask_permissions(tmp_path):
    p = tmp_path / "clip.wav"
    with atomic.atomic_path(p) as tmp:
        assert tmp.suffix == ".wav" and tmp.parent == tmp_path
        tmp.write_bytes(b"RIFF")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(p.stat().st_mode) == 0o666 & ~mask


def test_json_rejects_nan(tmp_path):
    with pytest.raises(ValueError):
        atomic.write_json(tmp_path / "n.json", {"x": float("nan")})
    assert not list(tmp_path.iterdir())
