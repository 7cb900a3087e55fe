"""Damaged annotation files: each gives one DatasetError that names the file (and the line where
there is one), or the documented warning; never a bare KeyError, IndexError or zipfile error.

Covers the Greatest Hits ``_times.txt`` and split lists, piano MIDI, AIST++ keypoints
(``.npz`` / ``.npy``), each with malformed lines, wrong types, missing fields, unknown labels and
damaged bytes.
"""
from __future__ import annotations

import io
import warnings

import numpy as np
import pytest

from foley_nb_utils.datasets import aist, greatest_hits, piano
from foley_nb_utils.datasets.common import DatasetError

GOOD_TIMES = "0.52 wood hit deform\n1.25 metal scratch static\n2.00 None None None\n"


@pytest.mark.parametrize("text, line, match", [
    ("0.5 wood hit deform extra\n", 1, "5 fields"),
    ("half wood hit deform\n", 1, "time in seconds"),
    ("0.5 wood hit\n-1 wood hit deform\n", 2, "finite number"),
    ("0.5 wood hit\nnan wood hit\n", 2, "finite number"),
    ("inf\n", 1, "finite number"),
    ("0.5 wood hit\n\x00\x01\x02 garbage\n", None, "NUL"),
])
def test_malformed_times_lines_name_file_and_line(tmp_path, text, line, match):
    p = tmp_path / "2015-01-01-00-00-00_times.txt"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(DatasetError, match=match) as e:
        greatest_hits.parse_times(p)
    assert e.value.path == p and e.value.line == line and str(p) in str(e.value)


def test_times_file_that_is_not_text(tmp_path):
    p = tmp_path / "x_times.txt"
    p.write_bytes(b"\xff\xfe\xfa" * 20)
    with pytest.raises(DatasetError, match="not UTF-8") as e:
        greatest_hits.parse_times(p)
    assert e.value.path == p


def test_unknown_labels_warn_once_or_raise_as_asked(tmp_path):
    p = tmp_path / "x_times.txt"
    p.write_text(GOOD_TIMES + "3.0 jelly hit deform\n", encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ann = greatest_hits.parse_times(p)
    assert len(ann) == 4 and len(caught) == 1 and "jelly" in str(caught[0].message) and str(p) in str(caught[0].message)
    with pytest.raises(DatasetError, match="jelly"):
        greatest_hits.parse_times(p, on_unknown="error")


def test_random_damage_to_a_times_file_never_escapes_as_another_error(tmp_path):
    data = (GOOD_TIMES * 5).encode()
    outcomes = {"parsed": 0, "DatasetError": 0}
    for seed in range(60):
        g = np.random.default_rng(seed)
        buf = bytearray(data)
        for i in g.integers(0, len(buf), 6):
            buf[i] = int(g.integers(0, 256))
        p = tmp_path / f"r{seed}_times.txt"
        p.write_bytes(bytes(buf[: int(g.integers(1, len(buf)))]))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                greatest_hits.parse_times(p)
            outcomes["parsed"] += 1
        except DatasetError as e:
            assert str(p) in str(e)
            outcomes["DatasetError"] += 1
    assert outcomes["DatasetError"] >= 10 and sum(outcomes.values()) == 60


def test_split_list_with_a_bad_line_or_a_missing_recording(tmp_path):
    (tmp_path / "2015-a_times.txt").write_text(GOOD_TIMES)
    (tmp_path / "train.txt").write_text("2015-a\n2015-a extra\n")
    with pytest.raises(DatasetError, match="one recording ID per line") as e:
        greatest_hits.read_split(tmp_path, "train")
    assert e.value.line == 2
    (tmp_path / "train.txt").write_text("2015-a\n2015-missing\n")
    with pytest.raises(DatasetError, match="2015-missing.*missing") as e:
        greatest_hits.read_split(tmp_path, "train")
    assert e.value.line == 2
    with pytest.raises(FileNotFoundError, match="test.txt"):
        greatest_hits.read_split(tmp_path, "test")


def _midi_bytes():
    import pretty_midi

    pm = pretty_midi.PrettyMIDI()
    ins = pretty_midi.Instrument(0)
    ins.notes += [pretty_midi.Note(80, 60 + k, 0.25 * k, 0.25 * k + 0.2) for k in range(8)]
    pm.instruments.append(ins)
    buf = io.BytesIO()
    pm.write(buf)
    return buf.getvalue()


def test_damaged_midi_reads_or_raises_one_dataset_error(tmp_path):
    data = _midi_bytes()
    ok = tmp_path / "ok.mid"
    ok.write_bytes(data)
    rolls = piano.midi_rolls(ok, 25.0, 60, 21, 88)
    assert rolls["onsets"].sum() == 8 and rolls["roll"].shape == (60, 88)
    damaged = [b"", data[:10], data[: len(data) // 2], b"MThd" + b"\xff" * 40]
    g = np.random.default_rng(0)
    for _ in range(20):
        buf = bytearray(data)
        for i in g.integers(0, len(buf), 8):
            buf[i] = int(g.integers(0, 256))
        damaged.append(bytes(buf))
    errors = 0
    for k, blob in enumerate(damaged):
        p = tmp_path / f"bad{k}.mid"
        p.write_bytes(blob)
        try:
            r = piano.midi_rolls(p, 25.0, 60, 21, 88)
            assert r["roll"].shape == (60, 88) and r["roll"].dtype == bool
        except DatasetError as e:
            assert str(p) in str(e)
            errors += 1
    assert errors >= 3  # empty, 10 bytes, the bad header at least


@pytest.mark.parametrize("make, match", [
    (lambda p: np.savez(p, keypoints=np.zeros((10, 17, 3))), "17, 2"),
    (lambda p: np.savez(p, keypoints=np.full((10, 17, 2), np.nan)), "finite"),
    (lambda p: np.savez(p, points=np.zeros((10, 17, 2))), "keypoints"),
    (lambda p: p.write_bytes(b"PK\x03\x04" + b"\x00" * 30), "cannot read keypoints"),
    (lambda p: p.write_bytes(b""), "cannot read keypoints"),
])
def test_damaged_keypoints_name_the_file(tmp_path, make, match):
    video = tmp_path / "gBR_sBM_c01_d04_mBR0_ch01.mp4"
    kp = tmp_path / "gBR_sBM_c01_d04_mBR0_ch01_keypoints.npz"
    make(kp)
    loader = aist.AIST.__new__(aist.AIST)  # only the keypoint reader, no videos needed
    with pytest.raises(DatasetError, match=match) as e:
        loader._keypoints(video)
    assert e.value.path == kp


def test_damaged_npy_keypoints_name_the_file(tmp_path):
    video = tmp_path / "clip.mp4"
    kp = tmp_path / "clip_keypoints.npy"
    buf = io.BytesIO()
    np.save(buf, np.zeros((10, 17, 2), np.float32))
    kp.write_bytes(buf.getvalue()[:60])
    loader = aist.AIST.__new__(aist.AIST)
    with pytest.raises(DatasetError, match="cannot read keypoints") as e:
        loader._keypoints(video)
    assert e.value.path == kp
