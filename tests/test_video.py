"""Tests of foley_nb_utils.video: write -> read round trips, frame-rate conversion, bad files."""

from __future__ import annotations

import time
from fractions import Fraction

import av
import numpy as np
import pytest

from foley_nb_utils import audio as A
from foley_nb_utils import video as V

SR = 16000


def _index_frames(n, h=48, w=64):
    """Flat frames whose gray level encodes their index (level 4 k), to identify them after decoding."""
    levels = (16 + 4 * np.arange(n)).astype(np.uint8)
    return np.broadcast_to(levels[:, None, None, None], (n, h, w, 3)).copy()


def _decoded_index(frames):
    return np.round((frames.reshape(len(frames), -1).mean(1) - 16) / 4).astype(int)


def _pattern_frames(n, h=64, w=64):
    """Smooth moving colour gradients (compress well, so round trips are nearly lossless)."""
    yy, xx = np.mgrid[:h, :w]
    return np.stack(
        [np.stack([(2 * xx + 3 * t) % 256, (2 * yy) % 256, np.full_like(xx, 60 + t)], -1) for t in range(n)]
    ).astype(np.uint8)


def _write_pyav(path, frames, rate, times_s=None, audio=None, audio_sr=None, codec="aac",
                audio_fmt="fltp", options=None):
    """Write with PyAV directly (for stereo / odd rates / variable frame rate / PCM audio)."""
    with av.open(str(path), "w", options=options or {}) as c:
        vs = c.add_stream("libx264", rate=rate)
        vs.width, vs.height, vs.pix_fmt = frames.shape[2], frames.shape[1], "yuv420p"
        if times_s is not None:
            vs.codec_context.time_base = Fraction(1, 1000)
        if audio is not None:
            layout = "stereo" if audio.shape[0] == 2 else "mono"
            ast = c.add_stream(codec, rate=audio_sr, layout=layout)
        for i, fr in enumerate(frames):
            f = av.VideoFrame.from_ndarray(fr, format="rgb24")
            if times_s is not None:
                f.pts, f.time_base = int(round(times_s[i] * 1000)), Fraction(1, 1000)
            else:
                f.pts = i
            c.mux(vs.encode(f))
        c.mux(vs.encode(None))
        if audio is not None:
            data = audio.astype(np.float32)
            if audio_fmt == "s16":  # packed (interleaved) 16-bit PCM
                data = np.round(data.T.reshape(1, -1) * 32767).astype(np.int16)
            af = av.AudioFrame.from_ndarray(np.ascontiguousarray(data), format=audio_fmt, layout=layout)
            af.sample_rate, af.pts = audio_sr, 0
            c.mux(ast.encode(af))
            c.mux(ast.encode(None))
    return path


# ----------------------------------------------------------------------------- round trip


def test_round_trip_preserves_frames_audio_and_sync(tmp_path):
    fps, T = 15, 30
    frames = _pattern_frames(T)
    frames[15] = 255  # a flash at t = 1.0 s ...
    audio = A.modal_impact([700.0, 1900.0], [0.06, 0.03], [0.4, 0.3], SR, 2.0, onset_s=1.0)  # ... and a hit
    audio += 0.01 * np.sin(2 * np.pi * 220 * np.arange(2 * SR) / SR).astype(np.float32)
    p = V.write_video(tmp_path / "out" / "clip.mp4", frames, fps, audio, SR)
    assert p.exists() and [f.name for f in p.parent.iterdir()] == ["clip.mp4"]  # atomic, no leftovers

    clip = V.read_video(p)
    assert clip.frames.shape == (T, 64, 64, 3) and clip.frames.dtype == np.uint8
    assert clip.fps == 15.0 and clip.source_fps == 15.0 and clip.source_size == (64, 64)
    assert clip.duration_s == pytest.approx(2.0)
    assert clip.sr == SR and clip.source_sr == SR
    assert clip.audio.shape == (2 * SR,) and clip.audio.dtype == np.float32
    rms_in, rms_out = np.sqrt(np.mean(audio**2)), np.sqrt(np.mean(clip.audio**2))
    assert abs(rms_out / rms_in - 1) < 0.05
    ok = np.ones(T, bool)
    ok[15] = False
    assert np.abs(clip.frames[ok].astype(int) - frames[ok]).mean() < 4.0
    # audio and video stay in sync: the flash frame and the detected hit coincide
    assert np.argmax(clip.frames.reshape(T, -1).mean(1)) == 15
    first_loud = np.argmax(np.abs(clip.audio) > 0.1) / SR  # the hit starts at 1.0 s
    assert abs(first_loud - 1.0) < 0.005
    lag = np.argmax(np.correlate(clip.audio[SR - 400 : SR + 400], audio[SR - 200 : SR + 200])) - 200
    assert abs(lag) <= 2  # samples


def test_write_exact_ntsc_rate_and_no_audio_track(tmp_path):
    p = V.write_video(tmp_path / "ntsc.mp4", _pattern_frames(12, 32, 48), 29.97)
    with av.open(str(p)) as c:
        assert c.streams.video[0].average_rate == Fraction(30000, 1001)
        assert not c.streams.audio
    clip = V.read_video(p)
    assert clip.audio is None and clip.sr is None and clip.source_sr is None
    assert clip.source_fps == pytest.approx(30000 / 1001)
    assert clip.frames.shape == (12, 32, 48, 3)
    with pytest.raises(ValueError, match="ntsc.mp4.*no audio"):
        V.read_video(p, require_audio=True)
    assert V.fps_fraction(23.976) == Fraction(24000, 1001)
    assert V.fps_fraction(25) == 25 and V.fps_fraction(12.5) == Fraction(25, 2)


@pytest.mark.parametrize("src_fps", [15, 24, 25, 29.97])
@pytest.mark.parametrize("target", [15, 30])
def test_fps_conversion_frame_count_and_nearest_frames(tmp_path, src_fps, target):
    n_src = int(round(2 * src_fps))
    p = V.write_video(tmp_path / "src.mp4", _index_frames(n_src), src_fps, crf=10)
    clip = V.read_video(p, fps=target, sr=None)
    rate = float(V.fps_fraction(src_fps))
    duration = n_src / rate
    assert clip.frames.shape[0] == round(duration * target)
    assert clip.fps == target and clip.duration_s == pytest.approx(round(duration * target) / target)
    # output frame k is the source frame whose time is nearest to k / target (independent check)
    src_t = np.arange(n_src) / rate
    expected = [int(np.argmin(np.abs(src_t - k / target))) for k in range(len(clip.frames))]
    assert list(_decoded_index(clip.frames)) == expected


def test_variable_frame_rate_uses_timestamps(tmp_path, rng):
    gaps = rng.choice([0.02, 0.04, 0.09], size=29)
    times = np.concatenate([[0.0], np.cumsum(gaps)])
    times = np.round(times * 1000) / 1000
    p = _write_pyav(tmp_path / "vfr.mp4", _index_frames(30), 1000, times_s=times)
    clip = V.read_video(p, fps=25)
    span = times[-1] + np.median(np.diff(times))
    assert clip.frames.shape[0] == round(span * 25)
    expected = [int(np.argmin(np.abs(times - k / 25))) for k in range(len(clip.frames))]
    assert list(_decoded_index(clip.frames)) == expected


def test_stereo_44k_aac_to_mono_16k(tmp_path):
    t = np.arange(44100 * 2) / 44100
    left, right = 0.4 * np.sin(2 * np.pi * 440 * t), 0.2 * np.sin(2 * np.pi * 440 * t)
    p = _write_pyav(tmp_path / "st.mp4", _pattern_frames(50, 32, 32), 25,
                    audio=np.stack([left, right]), audio_sr=44100)
    clip = V.read_video(p)  # sr=16000 by default
    assert clip.source_sr == 44100 and clip.sr == SR
    assert clip.audio.shape == (round(clip.duration_s * SR),) == (2 * SR,)
    mid = clip.audio[SR // 4 : -SR // 4]
    assert np.sqrt(np.mean(mid**2)) == pytest.approx(0.3 / np.sqrt(2), rel=0.03)  # mean of channels
    spec = np.abs(np.fft.rfft(mid * np.hanning(len(mid))))
    assert abs(np.argmax(spec) * SR / len(mid) - 440) < 2
    native = V.read_video(p, sr=None)
    assert native.sr == 44100 and native.audio.shape == (2 * 44100,)


def test_pcm_stereo_48k_in_mov(tmp_path):
    t = np.arange(48000) / 48000
    stereo = np.stack([0.5 * np.sin(2 * np.pi * 300 * t), -0.5 * np.sin(2 * np.pi * 300 * t) + 0.2])
    p = _write_pyav(tmp_path / "pcm.mov", _pattern_frames(24, 32, 32), 24, audio=stereo,
                    audio_sr=48000, codec="pcm_s16le", audio_fmt="s16")
    clip = V.read_video(p, sr=SR)
    assert clip.audio.shape == (SR,)
    assert np.allclose(clip.audio[200:-200], 0.1, atol=2e-3)  # the sines cancel in the mean


def test_size_gray_and_max_duration(tmp_path):
    frames = _pattern_frames(30, 48, 64)
    audio = 0.2 * np.sin(2 * np.pi * 500 * np.arange(2 * SR) / SR)
    p = V.write_video(tmp_path / "c.mp4", frames, 15, audio, SR, crf=0)
    assert V.read_video(p, size=(32, 24)).frames.shape == (30, 24, 32, 3)
    assert V.read_video(p, size=24).frames.shape == (30, 24, 32, 3)  # shortest side, aspect kept
    rgb = V.read_video(p).frames
    gray = V.read_video(p, gray=True).frames
    assert gray.shape == (30, 48, 64) and gray.dtype == np.uint8
    assert np.abs(gray.astype(int) - np.round(V.to_gray(rgb) * 255)).max() <= 1
    short = V.read_video(p, max_duration_s=0.4)
    assert short.frames.shape[0] == 6 and short.audio.shape == (6400,) and short.duration_s == 0.4
    assert np.array_equal(short.frames, rgb[:6])
    assert np.sqrt(np.mean(short.audio[800:] ** 2)) == pytest.approx(0.2 / np.sqrt(2), rel=0.05)
    assert V.read_video(p, fps=30, max_duration_s=0.5).frames.shape[0] == 15
    assert V.read_video(p, max_duration_s=0.5).frames.shape[0] == 7  # whole frames, <= 0.5 s
    with pytest.raises(ValueError, match="size"):
        V.read_video(p, size=(0, 10))


# ----------------------------------------------------------------------------- bad files


def test_truncated_files_raise_naming_the_file(tmp_path):
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 255, (40, 64, 64, 3), dtype=np.uint8)  # incompressible: big mdat
    p = V.write_video(tmp_path / "full.mp4", frames, 20, 0.1 * rng.standard_normal(2 * SR), SR)
    data = p.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])  # index ("moov") at the end is lost
    with pytest.raises(ValueError, match="cut.mp4.*(corrupt|truncated)"):
        V.read_video(cut)
    # index at the front ("faststart"): the file opens but frames are missing
    fast = _write_pyav(tmp_path / "fast.mp4", frames, 20, options={"movflags": "+faststart"})
    data = fast.read_bytes()
    cut2 = tmp_path / "cut2.mp4"
    cut2.write_bytes(data[: int(len(data) * 0.8)])
    with pytest.raises(ValueError, match="cut2.mp4.*truncated"):
        V.read_video(cut2)
    assert V.read_video(fast).frames.shape[0] == 40


def test_missing_non_video_and_audio_only_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.mp4"):
        V.read_video(tmp_path / "missing.mp4")
    txt = tmp_path / "notes.mp4"
    txt.write_text("this is not a video\n" * 20)
    with pytest.raises(ValueError, match="notes.mp4"):
        V.read_video(txt)
    wav = A.save_audio(tmp_path / "sound.wav", np.zeros(SR), SR)
    with pytest.raises(ValueError, match="sound.wav.*no video stream"):
        V.read_video(wav)
    with pytest.raises(ValueError, match="is a directory"):
        V.read_video(tmp_path)


def test_write_video_validation(tmp_path):
    with pytest.raises(ValueError, match="63x64"):
        V.write_video(tmp_path / "odd.mp4", np.zeros((3, 64, 63, 3), np.uint8), 15)
    with pytest.raises(ValueError, match="uint8"):
        V.write_video(tmp_path / "f.mp4", np.zeros((3, 64, 64, 3), np.float32), 15)
    ok = np.zeros((3, 64, 64, 3), np.uint8)
    with pytest.raises(ValueError, match="NaN"):
        V.write_video(tmp_path / "n.mp4", ok, 15, np.array([0.0, np.nan]), SR)
    with pytest.raises(ValueError, match="sr"):
        V.write_video(tmp_path / "n.mp4", ok, 15, np.zeros(100))
    with pytest.raises(ValueError, match="12345"):
        V.write_video(tmp_path / "n.mp4", ok, 15, np.zeros(100), 12345)
    with pytest.raises(ValueError, match="fps"):
        V.write_video(tmp_path / "n.mp4", ok, 0)
    assert list(tmp_path.iterdir()) == []


def test_write_video_is_fast():
    """A 2 s 64x64 15 fps clip with 16 kHz audio: CPU time per write (median of 5)."""
    frames = _pattern_frames(30)
    audio = A.modal_impact([700.0, 1900.0], [0.06, 0.03], [0.4, 0.3], SR, 2.0, onset_s=0.5)
    audio += 0.003 * np.random.default_rng(0).standard_normal(2 * SR).astype(np.float32)
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        V.write_video(f"{d}/w.mp4", frames, 15, audio, SR)  # warm-up
        cpu = []
        for _ in range(5):
            t0 = time.process_time()
            V.write_video(f"{d}/w.mp4", frames, 15, audio, SR)
            cpu.append(time.process_time() - t0)
    assert np.median(cpu) < 0.06  # measured ~0.02 s; generous for a shared 2-core machine


# ----------------------------------------------------------------------------- frame features


def test_to_gray_uses_bt601():
    px = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]]], np.uint8)
    assert np.allclose(V.to_gray(px), [[0.299, 0.587, 0.114, 1.0]], atol=1e-6)
    assert V.to_gray(px).dtype == np.float32


def test_spacetime_images_channels_and_edges():
    frames = _index_frames(5, 6, 8)
    g = V.to_gray(frames)
    st = V.spacetime_images(frames)
    assert st.shape == (5, 3, 6, 8) and st.dtype == np.float32
    for t in range(5):
        assert np.array_equal(st[t, 0], g[max(t - 1, 0)])
        assert np.array_equal(st[t, 1], g[t])
        assert np.array_equal(st[t, 2], g[min(t + 1, 4)])
    assert 0.0 <= st.min() and st.max() <= 1.0


def test_frame_differences():
    frames = _index_frames(4, 6, 8)[::-1].copy()
    d = V.frame_differences(frames)
    assert d.shape == (4, 6, 8) and d.dtype == np.float32
    assert np.all(d[0] == 0) and np.allclose(d[1:], 4 / 255, atol=1e-6)
    with pytest.raises(ValueError, match="shape"):
        V.frame_differences(np.zeros((4, 6)))


@pytest.mark.parametrize("size", [64, 160])
def test_write_video_same_frames_same_bytes(tmp_path, size):
    """The same frames and sound always give the same file (x264 on one thread): otherwise the
    same seed decodes to different pictures and a notebook's records change from run to run."""
    import hashlib

    gen = np.random.default_rng(3)
    frames = gen.integers(0, 256, (20, size, size, 3), dtype=np.uint8)
    audio = (0.1 * gen.standard_normal(32000)).astype(np.float32)
    digests = set()
    for i in range(8):
        p = V.write_video(tmp_path / f"clip{i}.mp4", frames, 10.0, audio=audio, sr=16000)
        digests.add(hashlib.sha256(p.read_bytes()).hexdigest())
    assert len(digests) == 1, f"{len(digests)} different files from 8 writes of the same clip"


def test_write_video_same_bytes_for_smooth_moving_pictures(tmp_path):
    """Moving, smooth pictures (the scenes world) with other clips encoded in between: x264's
    macroblock-tree rate control read memory it had not written, so on one thread a clip still
    came out differently when the heap held other data (mbtree=0 removes it)."""
    import hashlib

    yy, xx = np.mgrid[0:64, 0:64]
    frames = np.stack([np.stack([128 + 100 * np.sin((xx + 3 * t) / 7.0),
                                 128 + 100 * np.cos((yy - 2 * t) / 9.0),
                                 128 + 60 * np.sin((xx + yy + 5 * t) / 11.0)], -1)
                       for t in range(24)]).astype(np.uint8)
    gen = np.random.default_rng(0)
    digests = set()
    for i in range(6):
        noise = gen.integers(0, 256, (12, 96 + 16 * i, 96, 3), dtype=np.uint8)  # dirty the heap
        V.write_video(tmp_path / f"noise{i}.mp4", noise, 12.0)
        p = V.write_video(tmp_path / f"smooth{i}.mp4", frames, 12.0)
        digests.add(hashlib.sha256(p.read_bytes()).hexdigest())
    assert len(digests) == 1, f"{len(digests)} different files from 6 writes of the same clip"
