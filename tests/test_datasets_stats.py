"""Dataset statistics (notebook 03): layout detection, per-class tables, container metadata,
directory trees — checked against independent counts of the files on disk."""
from __future__ import annotations

import collections
from fractions import Fraction

import numpy as np
import pytest

from foley_nb_utils import video
from foley_nb_utils.datasets import stats as S
from foley_nb_utils.datasets.common import DatasetError
from foley_nb_utils.synth import dance, hits, instruments, keyboard, scenes


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FOLEY_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def roots(tmp_path_factory):
    base = tmp_path_factory.mktemp("twins")
    return {
        "greatest_hits": hits.write_layout(hits.generate(6, 1), base / "vis-data"),
        "sub_urmp": instruments.write_layout(instruments.generate(15, 1), base / "Sub-URMP"),
        "class_folders": scenes.write_layout(scenes.generate(8, 1), base / "vas"),
        "piano": keyboard.write_layout(keyboard.generate(2, 1), base / "piano"),
        "aist": dance.write_layout(dance.generate(2, 1), base / "aist"),
    }


@pytest.mark.parametrize("layout", ["greatest_hits", "sub_urmp", "class_folders", "piano", "aist"])
def test_detect_layout_of_each_twin(roots, layout):
    assert S.detect_layout(roots[layout]) == layout


def test_detect_layout_countix_and_errors(tmp_path):
    frames = np.zeros((4, 16, 16, 3), np.uint8)
    video.write_video(tmp_path / "cx" / "clip_a.mp4", frames, 4.0)
    (tmp_path / "cx" / "clip_a.wav").write_bytes(b"")
    assert S.detect_layout(tmp_path / "cx") == "countix_av"
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="empty"):
        S.detect_layout(tmp_path / "empty")
    with pytest.raises(FileNotFoundError):
        S.detect_layout(tmp_path / "missing")
    with pytest.raises(ValueError, match="nonsense"):
        S.dataset_stats(tmp_path / "cx", layout="nonsense")


def test_count_table_matches_numpy():
    labels = ["a", "b", None, "a", "c", "a", None, "b"]
    rows = S.count_table(labels)
    assert [r["class"] for r in rows] == ["a", "b", "c", "unlabeled"]
    vals, counts = np.unique([x or "~" for x in labels], return_counts=True)
    ref = dict(zip(vals, counts))
    assert {r["class"]: r["count"] for r in rows} == {"a": ref["a"], "b": ref["b"], "c": ref["c"], "unlabeled": ref["~"]}
    assert sum(r["percent"] for r in rows) == pytest.approx(100.0)
    assert rows[0]["percent"] == pytest.approx(100 * 3 / 8)
    assert [r["class"] for r in S.count_table(labels, order=["c", "b", "a"])] == ["c", "b", "a", "unlabeled"]


def test_media_info_reads_headers(tmp_path):
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 255, (30, 24, 40, 3), dtype=np.uint8)
    p = video.write_video(tmp_path / "v.mp4", frames, Fraction(30000, 1001),
                          audio=np.zeros(16000, np.float32), sr=16000)
    info = S.media_info(p)
    assert (info["width"], info["height"]) == (40, 24)
    assert info["fps"] == pytest.approx(30000 / 1001, rel=1e-3)
    assert info["duration_s"] == pytest.approx(30 * 1001 / 30000, abs=0.05)
    assert info["audio_sr"] == 16000 and info["audio_channels"] == 1
    silent = S.media_info(video.write_video(tmp_path / "s.mp4", frames[:4], 10.0))
    assert silent["audio_sr"] is None
    assert S.video_summary([info, silent])["no_audio"] == 1


def test_media_info_bad_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.mp4"):
        S.media_info(tmp_path / "nope.mp4")
    bad = tmp_path / "garbage.mp4"
    bad.write_bytes(b"not a video at all" * 10)
    with pytest.raises(DatasetError, match="garbage.mp4"):
        S.media_info(bad)


def test_greatest_hits_stats_match_times_files(roots):
    root = roots["greatest_hits"]
    st = S.dataset_stats(root)
    materials, n_lines = collections.Counter(), []
    for f in sorted(root.glob("*_times.txt")):  # independent parse: 4 whitespace fields
        lines = [ln.split() for ln in f.read_text().splitlines() if ln.strip()]
        n_lines.append(len(lines))
        materials.update(None if ln[1] == "None" else ln[1] for ln in lines)
    got = {r["class"]: r["count"] for r in st.classes["material"]}
    assert got == {("unlabeled" if k is None else k): v for k, v in materials.items()}
    assert st.per_item["annotations"] == sum(n_lines)
    assert st.per_item["annotations per recording (max)"] == max(n_lines)
    assert st.summary["videos"] == 6
    assert st.summary["total_s"] == pytest.approx(6 * hits.generate(1, 1).duration_s, abs=0.2)


def test_class_folder_and_sub_urmp_counts(roots):
    root = roots["class_folders"]
    st = S.dataset_stats(root)
    by_dir = collections.Counter(p.parent.name for p in root.rglob("*.mp4"))
    assert {r["class"]: r["count"] for r in st.classes["class"]} == dict(by_dir)
    row = S.summary_row(st, "vas")
    assert row["quantity"] == f"{sum(by_dir.values())} videos"
    u = S.dataset_stats(roots["sub_urmp"])
    assert u.summary["pairs"] == len(list((roots["sub_urmp"] / "chunk").rglob("*.wav")))
    assert u.summary["mean_s"] == pytest.approx(0.5, abs=0.01)


def test_tree_collapses_numbered_files(roots):
    text = S.tree(roots["class_folders"])
    first = text.splitlines()[0]
    assert first == "vas/"
    by_dir = collections.Counter(p.parent.name for p in roots["class_folders"].glob("*/*.mp4"))
    assert ".mp4" in text and "mp#" not in text
    for d, k in by_dir.items():  # each class folder is listed, with its file count when > 1
        assert f"    {d}/" in text
    many = [d for d, k in by_dir.items() if k > 1]
    if many:
        lines = text.splitlines()
        i = lines.index(f"    {many[0]}/")
        assert lines[i + 1].endswith(f"(×{by_dir[many[0]]})")


def test_hms():
    assert S.hms(4.54) == "4.5s"
    assert S.hms(125) == "2min05s"
    assert S.hms(3 * 3600 + 62) == "3h01min02s"


def test_explorer_and_annotations():
    b = hits.generate(3, 2)
    rows = S.clip_annotations(b, 0)
    assert len(rows) == len(b.events[0]) and rows[0]["time (s)"] == b.events[0][0].time_s
    s = scenes.generate(2, 2)
    srow = S.clip_annotations(s, 1)
    assert {"label": "category", "value": s.classes["category"][int(s.labels["category"][1])]} in srow
    assert {"label": "secondary", "value": "None"} in srow  # -1 decodes to "None", not a class
    ui = S.explorer(b)
    assert len(ui.children[0].options) == 3
    with pytest.raises(ValueError):
        S.explorer(b[[]])


def test_load_sample_reads_the_first_clips(roots):
    b = S.load_sample(roots["class_folders"], n=2)
    assert len(b) == 2 and b.frames.shape[2:] == (64, 64, 3) and b.sr == 16000
    first = sorted(roots["class_folders"].rglob("*.mp4"))[0]
    assert b.ids[0].endswith(first.name)
    u = S.load_sample(roots["sub_urmp"], "sub_urmp", n=3)
    assert len(u) == 3 and u.audio.shape[1] == 8000  # 0.5 s chunks at 16 kHz
    with pytest.raises(ValueError, match="0"):
        S.load_sample(roots["class_folders"], n=0)
    with pytest.raises(ValueError, match="bogus"):
        S.load_sample(roots["class_folders"], layout="bogus")
