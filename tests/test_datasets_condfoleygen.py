"""CondFoleyGen's processed Greatest Hits layout (foley_nb_utils.datasets.condfoleygen)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from foley_nb_utils.datasets import condfoleygen as CF
from foley_nb_utils.datasets.common import DatasetError
from foley_nb_utils.synth import hits


@pytest.fixture(scope="module")
def layout(tmp_path_factory):
    batch = hits.generate(2, 0, duration_s=1.0, size=32, fps=15.0, sr=16000, unlabeled_prob=0.5)
    root = CF.write_layout(batch, tmp_path_factory.mktemp("cfg"))
    return batch, root


def test_written_layout_reads_back(layout):
    batch, root = layout
    names = CF.recording_names(root)
    assert names == sorted(batch.ids)
    clips = CF.load(root, list(batch.ids))
    assert clips.frames.shape == batch.frames.shape and clips.audio.shape == batch.audio.shape
    assert np.abs(clips.frames.astype(int) - batch.frames).mean() < 8  # JPEG
    assert np.abs(clips.audio - batch.audio).max() < 1e-3  # 16-bit PCM
    for ev, truth in zip(clips.events, batch.events):
        vis = [e for e in truth if e.visible]
        assert [e.time_s for e in ev] == pytest.approx([e.time_s for e in vis], abs=1e-6)
        assert [(e.material, e.action) for e in ev] == [(e.material, e.action) for e in vis]
    meta = CF.read_meta(root / batch.ids[0] / "meta.json")
    assert meta == {"video_name": batch.ids[0], "frame_num": 15, "frame_rate": 15.0, "audio_sample_rate": 16000}


def test_hit_record_format_and_unlabelled_hits(tmp_path):
    p = tmp_path / "hit_record.json"
    p.write_text(json.dumps([[1.5, "metal scratch"], [0.25, "None None"], [0.75, "wood None"]]))
    hs = CF.read_hit_record(p)
    assert [(h.time_s, h.material, h.action) for h in hs] == [(0.25, None, None), (0.75, "wood", None),
                                                             (1.5, "metal", "scratch")]


@pytest.mark.parametrize("entry, match", [("[-1, \"wood hit\"]", "time"), ("[0.5, \"wood\"]", "two words"),
                                          ("[0.5]", "expected"), ("[\"x\", \"wood hit\"]", "time")])
def test_malformed_entries_name_the_file_and_line(tmp_path, entry, match):
    p = tmp_path / "hit_record.json"
    p.write_text("[\n[0.1, \"wood hit\"],\n" + entry + "\n]\n")
    with pytest.raises(DatasetError, match=match) as e:
        CF.read_hit_record(p)
    assert e.value.line == 3 and "hit_record.json:3" in str(e.value)


def test_bad_json_and_meta(tmp_path):
    p = tmp_path / "hit_record.json"
    p.write_text("[[0.1, \"wood hit\"],\n[0.2, ")
    with pytest.raises(DatasetError, match="not valid JSON"):
        CF.read_hit_record(p)
    m = tmp_path / "meta.json"
    m.write_text(json.dumps({"video_name": "a", "frame_num": 10, "frame_rate": 15}))
    with pytest.raises(DatasetError, match="audio_sample_rate"):
        CF.read_meta(m)
    m.write_text(json.dumps({"video_name": "a", "frame_num": 0, "frame_rate": 15, "audio_sample_rate": 16000}))
    with pytest.raises(DatasetError, match="frame_num"):
        CF.read_meta(m)


def test_inconsistent_recording_is_reported(layout, tmp_path):
    batch, root = layout
    import shutil

    f = tmp_path / batch.ids[0]
    shutil.copytree(root / batch.ids[0], f)
    meta = json.loads((f / "meta.json").read_text())
    meta["frame_num"] = 99
    (f / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(DatasetError, match="frame_num is 99"):
        CF.read_recording(f)
    with pytest.raises(FileNotFoundError):
        CF.recording_names(tmp_path / "missing")
