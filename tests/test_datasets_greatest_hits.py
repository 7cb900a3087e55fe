"""Greatest Hits loader: times-file parsing, split lists, round trip synthetic → layout → loader,
hit windows, the feature cache, and one clear error for each kind of bad input."""
from __future__ import annotations

import shutil
import warnings
from fractions import Fraction

import numpy as np
import pytest
import soundfile as sf

from foley_nb_utils import audio, video
from foley_nb_utils.datasets import common as D
from foley_nb_utils.datasets import greatest_hits as G
from foley_nb_utils.datasets.common import CacheWarning, DatasetError
from foley_nb_utils.synth import hits


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FOLEY_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    b = hits.generate(10, 21, distractor_prob=0.5, unlabeled_prob=0.25)
    root = hits.write_layout(b, tmp_path_factory.mktemp("gh") / "vis-data")
    return b, root


@pytest.fixture
def layout(synthetic, tmp_path):
    """A private copy of the synthetic layout (tests may damage it)."""
    b, root = synthetic
    dst = tmp_path / "vis-data"
    shutil.copytree(root, dst)
    return b, dst


def _majority(tokens, vocab):
    known = [t for t in tokens if t in vocab]
    if not known:
        return -1
    counts = {t: known.count(t) for t in known}
    return vocab.index(next(t for t in known if counts[t] == max(counts.values())))


# ------------------------------------------------------------------ parse_times
def test_parse_times_handles_the_real_variety(tmp_path):
    p = tmp_path / "2015-09-29-14-45-11-1_times.txt"
    p.write_bytes(b"\xef\xbb\xbf5.600000 None None None\r\n"
                  b"2.677438 ceramic hit static\r\n"
                  b"\r\n"
                  b"3.1 metal None\r\n"
                  b"4.0 None hit\r\n"
                  b"7.25\r\n"
                  b"8.5 plastic-bag scratch deformation\r\n")
    anns = G.parse_times(p)
    assert [a.time_s for a in anns] == [2.677438, 3.1, 4.0, 5.6, 7.25, 8.5]   # sorted by time
    a = {x.time_s: x for x in anns}
    assert (a[2.677438].material, a[2.677438].action, a[2.677438].reaction) == ("ceramic", "hit", "static")
    assert (a[3.1].material, a[3.1].action, a[3.1].reaction) == ("metal", None, None)
    assert (a[4.0].material, a[4.0].action) == (None, "hit")
    assert (a[5.6].material, a[5.6].action, a[5.6].reaction) == (None, None, None)
    assert a[7.25].material is None and a[8.5].material == "plastic-bag"
    assert a[2.677438].line == 2 and a[5.6].line == 1 and a[8.5].line == 7
    assert a[2.677438].labeled and not a[3.1].labeled


def test_unknown_tokens_are_kept_and_reported(tmp_path):
    p = tmp_path / "x_times.txt"
    p.write_text("1.0 clay hit static\n2.0 wood poke static\n3.0 wood hit wobble\n")
    with pytest.warns(G.UnknownLabelWarning, match=r"x_times\.txt.*line 1: material 'clay'.*line 2: action 'poke'"):
        anns = G.parse_times(p)
    assert [a.material for a in anns] == ["clay", "wood", "wood"] and anns[2].reaction == "wobble"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        G.parse_times(p, on_unknown="ignore")
    with pytest.raises(DatasetError, match=r"x_times\.txt.*clay"):
        G.parse_times(p, on_unknown="error")


@pytest.mark.parametrize("content, line, match", [
    ("1.0 wood hit static\n2,5 wood hit static\n", 2, "cannot read a time"),
    ("1.0 wood hit static extra\n", 1, "5 fields"),
    ("-1.0 wood hit static\n", 1, ">= 0"),
    ("0.5 wood hit\nnan wood hit\n", 2, "finite"),
])
def test_malformed_lines_name_file_and_line(tmp_path, content, line, match):
    p = tmp_path / "bad_times.txt"
    p.write_text(content)
    with pytest.raises(DatasetError, match=match) as info:
        G.parse_times(p)
    assert f"bad_times.txt:{line}:" in str(info.value) and info.value.line == line


def test_binary_or_missing_times_file(tmp_path):
    p = tmp_path / "bin_times.txt"
    p.write_bytes(b"\x00\xff\xfe\x00")
    with pytest.raises(DatasetError, match="bin_times.txt"):
        G.parse_times(p)
    with pytest.raises(FileNotFoundError, match="nope_times.txt"):
        G.parse_times(tmp_path / "nope_times.txt")


# ------------------------------------------------------------------ round trip
def test_round_trip_fixed_clips(synthetic):
    b, root = synthetic
    got = G.load(root, split="all", fps=15, size=64, sr=16000, clip_s=2.0)
    assert got.frames.shape == b.frames.shape and got.audio.shape == b.audio.shape
    assert got.extra["recording"] == b.ids and np.all(got.labels["start_s"] == 0)
    assert np.abs(got.audio - b.audio).max() <= 1.5 / 32768       # the 16-bit wav
    err = np.abs(got.frames.astype(np.int16) - b.frames.astype(np.int16)).mean()
    assert err < 6.0                                             # H.264 at crf 23
    for ev_got, ev_src in zip(got.events, b.events):
        assert ev_got == ev_src    # times.txt fields + the synthetic sidecar (ends, strengths, off-screen)
    for i, ev in enumerate(b.events):
        vis = [e for e in ev if e.visible]
        assert got.labels["material"][i] == _majority([e.material for e in vis], hits.MATERIALS)
        assert got.labels["action"][i] == _majority([e.action for e in vis], hits.ACTIONS)
        assert got.labels["n_events"][i] == len(vis)
    assert got.label_names("material")[0] in hits.MATERIALS + (None,)


def test_splits_follow_the_lists(synthetic):
    b, root = synthetic
    train = G.GreatestHits(root, "train")
    test = G.GreatestHits(root, "test")
    assert test.ids == [b.ids[4], b.ids[9]] and sorted(train.ids + test.ids) == sorted(b.ids)
    assert G.load(root, "test").extra["recording"] == test.ids


def test_hit_windows_centre_each_annotation(synthetic):
    b, root = synthetic
    got = G.load(root, split="all", windows="hits", clip_s=0.6, fps=15)
    vis = [(i, e) for i, ev in enumerate(b.events) for e in ev if e.visible]
    assert len(got) == len(vis) and got.frames.shape[1:] == (9, 64, 64, 3) and got.audio.shape[1] == 9600
    for k, (i, e) in enumerate(vis):
        assert got.extra["recording"][k] == b.ids[i]
        start = got.labels["start_s"][k]
        rel = e.time_s - start
        assert 0 <= rel < 0.6
        if 0 < start < 21 / 15:       # not clamped at either end: the hit sits mid-window (frame 4 of 9)
            assert abs(rel - 4 / 15) <= 0.5 / 15 + 1e-9
        assert got.labels["material"][k] == (hits.MATERIALS.index(e.material) if e.material else -1)
        s = int(round(got.labels["start_s"][k] * 16000))
        np.testing.assert_allclose(got.audio[k], b.audio[i, s:s + 9600], atol=1.5 / 32768)
    labeled = G.load(root, split="all", windows="hits", clip_s=0.6, labeled_only=True)
    assert len(labeled) == sum(e.material is not None and e.action is not None for _, e in vis)


# ------------------------------------------------------------------ real-world variety
def test_id_with_suffix_and_crlf(layout):
    b, root = layout
    old, new = b.ids[0], "2015-09-29-14-45-11-1"
    for suffix in ("_denoised.mp4", "_denoised.wav", "_times.txt", "_synth.json"):
        (root / f"{old}{suffix}").rename(root / f"{new}{suffix}")
    t = root / f"{new}_times.txt"
    t.write_bytes(t.read_bytes().replace(b"\n", b"\r\n"))
    (root / "test.txt").write_bytes(f"{new}\r\n{b.ids[4]}_denoised.mp4\r\n\r\n".encode())
    assert new in G.recording_ids(root)
    got = G.load(root, "test")
    assert got.extra["recording"] == [new, b.ids[4]]
    assert [e.time_s for e in got.events[0]] == [e.time_s for e in b.events[0]]


def test_vis_data_parent_folder_is_accepted(layout, tmp_path):
    b, root = layout
    assert G.GreatestHits(tmp_path, "all").ids == sorted(b.ids)


def test_split_list_naming_a_missing_recording(layout):
    _, root = layout
    (root / "test.txt").write_text("2015-01-01-00-00-00\n")
    with pytest.raises(DatasetError, match=r"test\.txt:1:.*2015-01-01-00-00-00"):
        G.GreatestHits(root, "test")
    with pytest.raises(FileNotFoundError, match="val.txt"):
        G.GreatestHits(root, "val")


def test_lost_decimal_point_is_caught(layout):
    b, root = layout
    rid = b.ids[1]
    t = root / f"{rid}_times.txt"
    t.write_text(t.read_text() + "2677438 ceramic hit static\n")
    n = len(t.read_text().splitlines())
    with pytest.raises(DatasetError, match=rf"{rid}_times\.txt:{n}:.*after the end"):
        G.load(root, "all", cache=False)


def test_missing_wav_falls_back_to_the_video_track(layout):
    b, root = layout
    rid = b.ids[2]
    (root / f"{rid}_denoised.wav").unlink()
    gh = G.GreatestHits(root, "all", cache=False)
    assert gh.files(rid)["audio"] is None
    got = gh.load([rid])
    ref = b.audio[2]
    # AAC is lossy: compare loudness envelopes, not samples
    e1, e2 = audio.rms_envelope(got.audio[0], 16000), audio.rms_envelope(ref, 16000)
    assert np.corrcoef(e1, e2)[0, 1] > 0.95
    with pytest.raises(FileNotFoundError, match=f"{rid}_denoised.wav"):
        G.GreatestHits(root, "all", audio_source="wav").load([rid])


def test_no_audio_anywhere_is_an_error(layout):
    b, root = layout
    rid = b.ids[3]
    (root / f"{rid}_denoised.wav").unlink()
    video.write_video(root / f"{rid}_denoised.mp4", b.frames[3], 15)   # no audio track
    with pytest.raises(DatasetError, match=f"{rid}_denoised.mp4.*no audio"):
        G.load(root, "all")


def test_truncated_and_missing_videos(layout):
    b, root = layout
    p = root / f"{b.ids[5]}_denoised.mp4"
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])
    with pytest.raises(ValueError, match=b.ids[5]):
        G.load(root, "all")
    p.unlink()
    with pytest.raises(FileNotFoundError, match=b.ids[5]):
        G.load(root, "all")
    with pytest.raises(FileNotFoundError, match="no_such_folder"):
        G.GreatestHits(root / "no_such_folder")


def test_stereo_44k_wav_and_29_97_fps_video(layout):
    b, root = layout
    rid = b.ids[6]
    # real files: 44.1 kHz stereo audio, video at 29.97 fps
    stereo = np.stack([b.audio[6], 0.5 * b.audio[6]], 1)
    sf.write(root / f"{rid}_denoised.wav", audio.resample(stereo.T, 16000, 44100).T, 44100, subtype="FLOAT")
    frames30 = np.repeat(b.frames[6], 2, axis=0)
    video.write_video(root / f"{rid}_denoised.mp4", frames30, Fraction(30000, 1001))
    got = G.load(root, "all", cache=False)
    k = got.extra["recording"].index(rid)
    # 60 frames at 29.97 fps last 2.002 s: 30 frames at 15 fps
    assert got.frames.shape[1] == 30
    ref = 0.75 * b.audio[6]
    inner = slice(200, 31800)      # resampling filters ring at the edges
    np.testing.assert_allclose(got.audio[k, inner], ref[inner], atol=0.02)
    assert np.corrcoef(got.audio[k], ref)[0, 1] > 0.99


def test_bad_parameters(synthetic):
    _, root = synthetic
    with pytest.raises(ValueError, match="fps"):
        G.GreatestHits(root, fps=0)
    with pytest.raises(ValueError, match="sr"):
        G.GreatestHits(root, sr=16000.5)
    with pytest.raises(ValueError, match="windows"):
        G.GreatestHits(root, windows="every")
    with pytest.raises(ValueError, match="size"):
        G.GreatestHits(root, size=(64,))


# ------------------------------------------------------------------ feature cache
def test_cache_is_used_rebuilt_when_corrupt_and_keyed_by_the_source(layout, tmp_path, monkeypatch):
    b, root = layout
    ids = b.ids[:3]
    first = G.GreatestHits(root, "all").load(ids)
    files = sorted((tmp_path / "cache" / "features" / "greatest_hits").glob("*.npz"))
    assert len(files) == 4 and not list(files[0].parent.glob("*.tmp*"))   # 3 recordings + 1 batch
    # a second load reads only the cache: decoding is not even possible
    monkeypatch.setattr(video, "read_video", lambda *a, **k: (_ for _ in ()).throw(AssertionError("decoded")))
    again = G.GreatestHits(root, "all").load(ids)
    assert again.frames.tobytes() == first.frames.tobytes() and again.events == first.events
    # per-recording caches serve a new window layout without decoding
    G.GreatestHits(root, "all", windows="hits", clip_s=0.5).load(ids)
    monkeypatch.undo()
    monkeypatch.setenv("FOLEY_CACHE_DIR", str(tmp_path / "cache"))
    # corrupt every cache file: each is rebuilt (with a warning), never trusted
    for f in files:
        data = bytearray(f.read_bytes())
        data[len(data) // 2: len(data) // 2 + 64] = b"\x07" * 64
        f.write_bytes(bytes(data))
    with pytest.warns(CacheWarning, match="rebuilding"):
        fixed = G.GreatestHits(root, "all").load(ids)
    assert fixed.frames.tobytes() == first.frames.tobytes()
    # a changed source gets a new key: the new contents are read, the old cache is dropped
    a2 = b.audio[0] * 0.5
    audio.save_audio(root / f"{ids[0]}_denoised.wav", a2, 16000)
    changed = G.GreatestHits(root, "all").load(ids)
    np.testing.assert_allclose(changed.audio[0], a2, atol=1.5 / 32768)
    names = [f.name for f in (tmp_path / "cache" / "features" / "greatest_hits").glob(f"{ids[0]}_denoised-*.npz")]
    assert len(names) == 1


def test_cache_survives_a_crash_while_writing(tmp_path, monkeypatch):
    path = D.cache_path("unit", "x", "k" * 16)
    D.save_cached(path, {"a": np.arange(3)})

    class Boom(Exception):
        pass

    def bad_savez(f, **arrays):
        f.write(b"partial")
        raise Boom()

    monkeypatch.setattr(np, "savez", bad_savez)
    with pytest.raises(Boom):
        D.save_cached(path, {"a": np.arange(5)})
    monkeypatch.undo()
    assert np.array_equal(D.load_cached(path)["a"], np.arange(3))          # old cache intact
    assert not [p for p in path.parent.iterdir() if p != path]              # no temp file left
