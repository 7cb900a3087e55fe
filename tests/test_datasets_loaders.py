"""Sub-URMP, class-folder (VEGAS/VAS/AVFD/Landscape), Countix-AV, AIST++ and piano loaders:
round trips from the synthetic layouts and a clear error for each kind of bad input."""
from __future__ import annotations

import shutil
from fractions import Fraction

import av
import numpy as np
import pytest

from foley_nb_utils import audio, video
from foley_nb_utils.datasets import aist, class_folders, countix_av, piano, sub_urmp
from foley_nb_utils.datasets.common import DatasetError
from foley_nb_utils.synth import dance, instruments, keyboard, scenes


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FOLEY_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def urmp(tmp_path_factory):
    b = instruments.generate(15, 3)
    return b, instruments.write_layout(b, tmp_path_factory.mktemp("urmp") / "Sub-URMP")


@pytest.fixture(scope="module")
def vas(tmp_path_factory):
    b = scenes.generate(10, 3)
    return b, scenes.write_layout(b, tmp_path_factory.mktemp("vas") / "vas")


def _copy(src, tmp_path, name="copy"):
    dst = tmp_path / name
    shutil.copytree(src, dst)
    return dst


# ------------------------------------------------------------------ Sub-URMP
def test_sub_urmp_round_trip_and_splits(urmp):
    b, root = urmp
    got = sub_urmp.load(root, "all")
    k = [got.ids.index(i) for i in b.ids]
    assert got.frames.shape == (15, 64, 64, 3) and got.audio.shape == (15, 8000) and got.fps == 2.0
    np.testing.assert_allclose(got.audio[k], b.audio, atol=1.5 / 32768)
    assert np.abs(got.frames[k].astype(int) - b.frames).mean() < 4          # JPEG quality 95
    assert np.array_equal(got.labels["instrument"][k], b.labels["instrument"])
    test = sub_urmp.load(root, "test")
    assert sorted(test.ids) == sorted(b.ids[i] for i in (4, 9, 14))
    assert sorted(sub_urmp.load(root, "train").ids + test.ids) == sorted(b.ids)


def test_sub_urmp_real_world_spellings(urmp, tmp_path):
    b, root = urmp
    root = _copy(root, tmp_path)
    for part in ("img", "chunk"):
        (root / part / "train").rename(root / part / "validation")
        for d in (root / part / "validation").iterdir():
            if d.name == "double_bass":
                d.rename(d.with_name("Double Bass"))
            if d.name == "sax":
                d.rename(d.with_name("saxophone"))
    got = sub_urmp.load(root, "val")
    assert len(got) == 12 and set(got.label_names("instrument")) <= set(instruments.INSTRUMENTS)
    assert sub_urmp.canonical_instrument("Double Bass") == "double_bass"
    assert sub_urmp.canonical_instrument("saxophone") == "sax"


def test_sub_urmp_bad_inputs(urmp, tmp_path):
    b, root = urmp
    root = _copy(root, tmp_path)
    lonely = next((root / "chunk" / "train").rglob("*.wav"))
    lonely.unlink()
    with pytest.raises(DatasetError, match="no partner"):
        sub_urmp.SubURMP(root, "train")
    with pytest.warns(UserWarning, match="skipped 1 unpaired"):
        assert len(sub_urmp.SubURMP(root, "train", on_unpaired="skip")) == 11
    img = next((root / "img" / "test").rglob("*.jpg"))
    img.write_bytes(img.read_bytes()[:200])
    with pytest.raises(DatasetError, match=img.name):
        sub_urmp.load(root, "test", cache=False)
    img.unlink()
    (root / "chunk" / "test" / img.parent.name / f"{img.stem}.wav").unlink()
    wav = next((root / "chunk" / "test").rglob("*.wav"))
    audio.save_audio(wav, np.zeros(16000, np.float32), 16000)          # 1 s, not a 0.5 s chunk
    with pytest.raises(DatasetError, match=f"{wav.name}.*0.5 s chunk"):
        sub_urmp.load(root, "test", cache=False)
    with pytest.raises(FileNotFoundError, match="holdout"):
        sub_urmp.SubURMP(root, "holdout")
    with pytest.raises(FileNotFoundError, match="img/ and chunk/"):
        sub_urmp.SubURMP(tmp_path)


# ------------------------------------------------------------------ class folders
def test_class_folders_round_trip(vas):
    b, root = vas
    got = class_folders.load(root, "all", fps=10, clip_s=2.0)
    rel = [f"{scenes.CATEGORIES[c]}/{i}.mp4" for c, i in zip(b.labels["category"], b.ids)]
    k = [got.extra["path"].index(p) for p in rel]
    assert got.frames.shape == b.frames.shape
    names = [got.classes["class"][c] for c in got.labels["class"][k]]
    assert names == [scenes.CATEGORIES[c] for c in b.labels["category"]]
    assert np.abs(got.frames[k].astype(int) - b.frames).mean() < 6
    for i, j in enumerate(k):   # AAC: compare loudness envelopes
        e1, e2 = audio.rms_envelope(got.audio[j], 16000, 45), audio.rms_envelope(b.audio[i], 16000, 45)
        assert np.abs(e1 - e2).mean() < 0.1 * e2.mean() + 1e-3
    test = class_folders.load(root, "test", fps=10)
    assert sorted(test.extra["path"]) == sorted(rel[i] for i in (4, 9))


def test_landscape_split_folders_flat_avfd_and_windows(vas, tmp_path):
    b, src = vas
    land = tmp_path / "landscape"
    for i, c in enumerate(b.labels["category"]):
        split = "test" if i % 5 == 4 else "train"
        d = land / split / scenes.CATEGORIES[c]
        d.mkdir(parents=True, exist_ok=True)
        shutil.copy(src / scenes.CATEGORIES[c] / f"{b.ids[i]}.mp4", d)
    assert len(class_folders.load(land, "test", fps=10)) == 2 and len(class_folders.load(land, "train", fps=10)) == 8
    flat = tmp_path / "AVFD"
    flat.mkdir()
    for p in list(src.rglob("*.mp4"))[:3]:
        shutil.copy(p, flat / p.name)
    got = class_folders.load(flat, "all", fps=10, clip_s=0.5, clips_per_video=None)
    assert np.all(got.labels["class"] == -1) and got.classes["class"] == ()
    assert len(got) == 12 and sorted(set(got.labels["start_s"])) == [0.0, 0.5, 1.0, 1.5]   # 4 windows each


def test_class_folders_short_silent_and_listed_videos(vas, tmp_path):
    b, root = vas
    root = _copy(root, tmp_path)
    short = root / "rain" / "short.mp4"
    video.write_video(short, b.frames[0][:5], 10, audio=b.audio[0][:8000], sr=16000)
    silent = root / "rain" / "silent.mp4"
    video.write_video(silent, b.frames[0], 10)
    with pytest.raises(DatasetError, match="silent.mp4.*no audio"):
        class_folders.load(root, "all", fps=10)
    with pytest.warns(UserWarning, match="skipped 2"):
        got = class_folders.load(root, "all", fps=10, missing_audio="skip")
    assert len(got) == 10
    got = class_folders.load(root, "all", fps=10, missing_audio="silence", short="pad")
    j = got.extra["path"].index("rain/short.mp4")
    assert got.labels["valid_frames"][j] == 5 and np.array_equal(got.frames[j, 5], got.frames[j, 4])
    assert not got.audio[got.extra["path"].index("rain/silent.mp4")].any()
    with pytest.raises(DatasetError, match="short.mp4.*shorter than one clip"):
        class_folders.load(root, "all", fps=10, missing_audio="silence", short="error")
    (root / "test.txt").write_text("rain/nothing.mp4\n")
    with pytest.raises(DatasetError, match=r"test\.txt:1:.*nothing"):
        class_folders.ClassFolders(root, "test")
    with pytest.raises(ValueError, match="short"):
        class_folders.ClassFolders(root, "all", short="trim")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no videos"):
        class_folders.ClassFolders(tmp_path / "empty", "all")


def test_other_codecs_rates_and_channels(tmp_path):
    """A 29.97 fps MPEG-4 video with 44.1 kHz stereo MP3 sound, a 22.05 kHz AAC one: mono 16 kHz out."""
    root = tmp_path / "vegas" / "dog"
    root.mkdir(parents=True)
    T, sr = 60, 44100
    frames = np.full((T, 48, 64, 3), 90, np.uint8)
    t = np.arange(int(T / 29.97 * sr)) / sr
    tone = 0.3 * np.sin(2 * np.pi * 440 * t)
    with av.open(str(root / "a.avi"), "w") as c:
        vs = c.add_stream("mpeg4", rate=Fraction(30000, 1001))
        vs.width, vs.height, vs.pix_fmt = 64, 48, "yuv420p"
        ast = c.add_stream("libmp3lame", rate=sr, layout="stereo")
        for i in range(T):
            fr = av.VideoFrame.from_ndarray(frames[i], format="rgb24")
            fr.pts = i
            c.mux(vs.encode(fr))
        c.mux(vs.encode(None))
        st = np.stack([tone, tone]).astype(np.float32)
        for k in range(0, st.shape[1], 1152):
            af = av.AudioFrame.from_ndarray(np.ascontiguousarray(st[:, k:k + 1152]), format="fltp", layout="stereo")
            af.sample_rate, af.pts = sr, k
            c.mux(ast.encode(af))
        c.mux(ast.encode(None))
    video.write_video(root / "b.mp4", frames[:40], 20, audio=(0.3 * np.sin(2 * np.pi * 440 * np.arange(44100)
                                                                        / 22050)).astype(np.float32), sr=22050)
    got = class_folders.load(tmp_path / "vegas", "all", fps=10, size=(32, 24), clip_s=1.5)
    assert got.frames.shape == (2, 15, 24, 32, 3) and got.audio.shape == (2, 24000)
    for j in range(2):
        spec = np.abs(np.fft.rfft(got.audio[j]))
        assert abs(np.argmax(spec) * 16000 / 24000 - 440) < 5        # the tone survived, at 16 kHz


# ------------------------------------------------------------------ Countix-AV
def test_countix_pairs_videos_with_their_wav(vas, tmp_path):
    b, src = vas
    root = tmp_path / "Countix-AV"
    (root / "video").mkdir(parents=True)
    (root / "audio").mkdir()
    vids = sorted(src.rglob("*.mp4"))[:3]
    for i, p in enumerate(vids):
        video.write_video(root / "video" / p.name, b.frames[0], 10)            # silent videos ...
        audio.save_audio(root / "audio" / f"{p.stem}.wav", b.audio[i], 16000)  # ... and their sound
    got = countix_av.load(root, fps=10)
    assert len(got) == 3 and np.all(got.labels["class"] == -1)
    for j, rel in enumerate(got.extra["path"]):
        i = [p.name for p in vids].index(rel.split("/")[-1])
        np.testing.assert_allclose(got.audio[j], b.audio[i], atol=1.5 / 32768)
    (root / "audio" / f"{vids[0].stem}.wav").unlink()
    with pytest.raises(DatasetError, match=f"{vids[0].name}.*no audio"):
        countix_av.load(root, fps=10)


# ------------------------------------------------------------------ AIST++
def test_aist_names_keypoints_and_bad_files(tmp_path):
    assert aist.parse_name("gBR_sBM_c01_d04_mBR0_ch01") == {
        "genre": "BR", "situation": "BM", "camera": "01", "dancer": "04", "music": "mBR0"[1:], "choreo": "01"}
    assert aist.parse_name("holiday_video") is None
    b = dance.generate(4, 2)
    root = dance.write_layout(b, tmp_path / "aist")
    got = aist.load(root, "all", fps=15, size=32, clip_s=4.0)
    k = [got.extra["path"].index(f"{i}.mp4") for i in b.ids]
    assert np.array_equal(got.labels["genre"][k], b.labels["genre"])
    assert np.array_equal(got.labels["dancer"][k], b.labels["dancer"])
    np.testing.assert_allclose(got.extra["keypoints"][k], b.extra["keypoints"] / 2, atol=1e-4)   # 64 → 32 px
    half = aist.load(root, "all", fps=7.5, clip_s=4.0)
    np.testing.assert_allclose(half.extra["keypoints"][k], b.extra["keypoints"][:, ::2], atol=1e-4)
    kp = root / f"{b.ids[0]}_keypoints.npz"
    np.savez(kp, keypoints=np.zeros((60, 15, 2)), fps=15.0)
    with pytest.raises(DatasetError, match=f"{b.ids[0]}_keypoints.npz.*17, 2"):
        aist.load(root, "all", cache=False)
    shutil.copy(root / f"{b.ids[1]}.mp4", root / "my_dance.mp4")
    kp.unlink()
    got = aist.load(root, "all", fps=15, clip_s=4.0)
    assert "keypoints" not in got.extra                       # not every video has keypoints
    assert got.labels["genre"][got.extra["path"].index("my_dance.mp4")] == -1


# ------------------------------------------------------------------ piano
def test_piano_rolls_from_npz_and_from_midi(tmp_path):
    b = keyboard.generate(3, 4)
    root = keyboard.write_layout(b, tmp_path / "piano")
    got = piano.load(root, "all")
    k = [got.extra["path"].index(("test/" if i % 5 == 4 else "train/") + f"{b.ids[i]}.mp4") for i in range(3)]
    for name in ("roll", "sounding", "onsets"):
        assert np.array_equal(got.extra[name][k], b.extra[name])
    for i in range(3):
        (root / "train" / f"{b.ids[i]}_roll.npz").unlink()
    from_midi = piano.load(root, "all", lowest=48, n_keys=25, cache=False)
    for name in ("roll", "sounding", "onsets"):
        assert np.array_equal(from_midi.extra[name][k], b.extra[name]), name
    (root / "train" / f"{b.ids[0]}.mid").write_bytes(b"MThd garbage")
    with pytest.raises(DatasetError, match=f"{b.ids[0]}.mid"):
        piano.load(root, "all", lowest=48, n_keys=25, cache=False)
    (root / "train" / f"{b.ids[0]}.mid").unlink()
    with pytest.raises(FileNotFoundError, match=f"{b.ids[0]}"):
        piano.load(root, "all", lowest=48, n_keys=25, cache=False)


def test_variable_frame_rate_video(tmp_path):
    """Frames at irregular times (VFR): output frame k is the source frame nearest k / fps."""
    root = tmp_path / "vfr" / "cls"
    root.mkdir(parents=True)
    times = np.arange(20) * 0.1 + np.array([0, .03, -.03, .02, -.02] * 4)
    times[0] = 0.0
    with av.open(str(root / "v.mp4"), "w") as c:
        vs = c.add_stream("libx264", rate=1000)
        vs.width, vs.height, vs.pix_fmt = 32, 32, "yuv420p"
        vs.codec_context.time_base = Fraction(1, 1000)
        vs.options = {"crf": "10"}
        ast = c.add_stream("aac", rate=16000, layout="mono")
        for k, t in enumerate(times):
            fr = av.VideoFrame.from_ndarray(np.full((32, 32, 3), 10 + 12 * k, np.uint8), format="rgb24")
            fr.pts = int(round(t * 1000))
            fr.time_base = Fraction(1, 1000)
            c.mux(vs.encode(fr))
        c.mux(vs.encode(None))
        a = av.AudioFrame.from_ndarray((0.1 * np.ones((1, 32000))).astype(np.float32), format="fltp", layout="mono")
        a.sample_rate, a.pts = 16000, 0
        c.mux(ast.encode(a))
        c.mux(ast.encode(None))
    got = class_folders.load(tmp_path / "vfr", "all", fps=10, size=32, clip_s=1.5, cache=False)
    level = got.frames[0, :, 16, 16, 0].astype(float)
    assert np.allclose(level, 10 + 12 * np.arange(15), atol=3)
