"""Damaged media files: every case decodes to well-formed arrays or raises one CorruptMediaError
that names the file, quickly, for ``fnu.video.read_video`` and ``fnu.audio.load_audio``.

The files are the kinds the synthetic world writes (H.264 + AAC mp4 at the worlds' rates, PCM and
float wav) plus an mpeg4 video, an audio-only and a video-only mp4 and a variable-frame-rate one.
Each is damaged the ways real downloads break: cut at several lengths, 200 bytes flipped in the
header or in the payload (several seeds), emptied, cut to its first 64 bytes, or given the wrong
extension. The counts of each outcome are printed (``pytest -s``) for the README's reliability notes.
"""
from __future__ import annotations

import time
from collections import Counter
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from foley_nb_utils import audio as A
from foley_nb_utils import video as V
from foley_nb_utils.audio import CorruptMediaError

#: Seconds one damaged file may take to decode or fail (a hang would show as a slow case).
CASE_LIMIT_S = 5.0
CUTS = (0.05, 0.3, 0.5, 0.7, 0.95)
FLIP_SEEDS = range(6)


def _frames(n=24, size=48, seed=0):
    g = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size]
    base = np.stack([np.sin((xx + 2 * t) / 5.0) + np.cos((yy - t) / 7.0) for t in range(n)])
    rgb = (127 + 60 * base[..., None] + g.integers(0, 20, (n, size, size, 3))).clip(0, 255)
    return rgb.astype(np.uint8)


def _tone(sr, seconds=2.0):
    t = np.arange(int(sr * seconds)) / sr
    return (0.3 * np.sin(2 * np.pi * 440 * t) * np.exp(-2 * t)).astype(np.float32)


def _write_with_pyav(path, *, video_codec=None, audio_sr=None, vfr=False):
    """An mpeg4 / audio-only / video-only / variable-frame-rate mp4, written with PyAV directly."""
    with av.open(str(path), "w") as c:
        vs = None
        if video_codec:
            vs = c.add_stream(video_codec, rate=12)
            vs.width = vs.height = 48
            vs.pix_fmt = "yuv420p"
            vs.codec_context.time_base = Fraction(1, 1000)
        ast = c.add_stream("aac", rate=audio_sr, layout="mono") if audio_sr else None
        if vs is not None:
            t_ms = 0
            for i, img in enumerate(_frames(24)):
                frame = av.VideoFrame.from_ndarray(img, format="rgb24")
                frame.pts = t_ms
                frame.time_base = Fraction(1, 1000)
                t_ms += (40 if i % 3 else 150) if vfr else 83
                c.mux(vs.encode(frame))
            c.mux(vs.encode(None))
        if ast is not None:
            x = _tone(audio_sr)
            n = 1024
            for k in range(0, len(x) - n, n):
                frame = av.AudioFrame.from_ndarray(x[None, k:k + n], format="fltp", layout="mono")
                frame.sample_rate, frame.pts = audio_sr, k
                c.mux(ast.encode(frame))
            c.mux(ast.encode(None))
    return path


@pytest.fixture(scope="module")
def originals(tmp_path_factory):
    d = tmp_path_factory.mktemp("originals")
    files = {
        "h264-aac-16k.mp4": V.write_video(d / "a.mp4", _frames(), 12.0, audio=_tone(16000), sr=16000),
        "h264-aac-22k.mp4": V.write_video(d / "b.mp4", _frames(), 10.0, audio=_tone(22050), sr=22050),
        "h264-silent.mp4": V.write_video(d / "c.mp4", _frames(), 12.0),
        "mpeg4-aac.mp4": _write_with_pyav(d / "d.mp4", video_codec="mpeg4", audio_sr=16000),
        "vfr-h264.mp4": _write_with_pyav(d / "e.mp4", video_codec="libx264", vfr=True),
        "audio-only.mp4": _write_with_pyav(d / "f.mp4", audio_sr=16000),
        "pcm16.wav": A.save_audio(d / "g.wav", _tone(16000), 16000),
        "float.wav": A.save_audio(d / "h.wav", _tone(22050), 22050, subtype="FLOAT"),
    }
    return files


def _damaged(original: Path, folder: Path):
    """(label, path) for every damage of one file."""
    data = original.read_bytes()
    n = len(data)
    cases = [("empty", b""), ("first 64 bytes", data[:64])]
    cases += [(f"cut at {int(100 * f)} %", data[: int(n * f)]) for f in CUTS]
    for seed in FLIP_SEEDS:
        g = np.random.default_rng(seed)
        for where, lo, hi in (("header", 0, max(64, n // 20)), ("payload", n // 4, n)):
            buf = bytearray(data)
            for i in g.integers(lo, hi, 200):
                buf[i] ^= int(g.integers(1, 256))
            cases.append((f"200 bytes flipped in the {where} (seed {seed})", bytes(buf)))
    out = []
    for i, (label, blob) in enumerate(cases):
        p = folder / f"{original.stem}-{i:02d}{original.suffix}"
        p.write_bytes(blob)
        out.append((label, p))
    return out


def _check_video(path: Path):
    clip = V.read_video(path, fps=12.0, size=32, sr=16000)
    assert clip.frames.ndim == 4 and clip.frames.shape[1:] == (32, 32, 3) and clip.frames.dtype == np.uint8
    assert len(clip.frames) >= 1
    if clip.audio is not None:
        assert clip.audio.ndim == 1 and clip.audio.dtype == np.float32 and np.all(np.isfinite(clip.audio))
        assert len(clip.audio) == round(clip.duration_s * 16000)


def _check_audio(path: Path):
    x, sr = A.load_audio(path, sr=16000)
    assert x.ndim == 1 and x.dtype == np.float32 and len(x) > 0 and sr == 16000 and np.all(np.isfinite(x))


def _outcome(check, path: Path) -> str:
    t0 = time.perf_counter()
    try:
        check(path)
        outcome = "decoded"
    except CorruptMediaError as e:
        assert str(path) in str(e), f"the error does not name the file: {e}"
        outcome = "CorruptMediaError"
    took = time.perf_counter() - t0
    assert took < CASE_LIMIT_S, f"{path.name} took {took:.1f} s"
    return outcome


def _fuzz(check, original: Path, folder: Path) -> Counter:
    """Check the undamaged file, then every damage of it; count the outcomes (printed with -s)."""
    check(original)
    counts = Counter()
    for label, path in _damaged(original, folder):
        try:
            counts[_outcome(check, path)] += 1
        except AssertionError:
            raise
        except Exception as e:  # anything but a CorruptMediaError is a bug
            raise AssertionError(f"{original.name}, {label}: {type(e).__name__}: {e}") from e
    print(f"{original.name}: {dict(counts)}")
    return counts


@pytest.mark.parametrize("kind", ["h264-aac-16k.mp4", "h264-aac-22k.mp4", "h264-silent.mp4", "mpeg4-aac.mp4",
                                  "vfr-h264.mp4"])
def test_damaged_videos_decode_or_raise_one_clear_error(originals, kind, tmp_path):
    counts = _fuzz(_check_video, originals[kind], tmp_path)
    assert counts["CorruptMediaError"] >= 3  # empty, 64 bytes, the early cuts at least


@pytest.mark.parametrize("kind", ["pcm16.wav", "float.wav"])
def test_damaged_audio_files_load_or_raise_one_clear_error(originals, kind, tmp_path):
    counts = _fuzz(_check_audio, originals[kind], tmp_path)
    assert counts["CorruptMediaError"] >= 2  # empty and 64 bytes at least


def test_audio_only_video_only_and_wrong_extensions(originals, tmp_path):
    with pytest.raises(CorruptMediaError, match="no video stream") as e:
        V.read_video(originals["audio-only.mp4"])
    assert str(originals["audio-only.mp4"]) in str(e.value)
    clip = V.read_video(originals["h264-silent.mp4"])
    assert clip.audio is None and clip.frames.shape[0] == 24
    with pytest.raises(CorruptMediaError, match="no audio track"):
        V.read_video(originals["h264-silent.mp4"], require_audio=True)
    wav_as_mp4 = tmp_path / "sound.mp4"
    wav_as_mp4.write_bytes(originals["pcm16.wav"].read_bytes())
    with pytest.raises(CorruptMediaError, match="sound.mp4"):
        V.read_video(wav_as_mp4)
    mp4_as_wav = tmp_path / "clip.wav"
    mp4_as_wav.write_bytes(originals["h264-aac-16k.mp4"].read_bytes())
    with pytest.raises(CorruptMediaError, match="clip.wav"):
        A.load_audio(mp4_as_wav)


def test_variable_frame_rate_is_resampled_to_the_asked_rate(originals):
    clip = V.read_video(originals["vfr-h264.mp4"], fps=10.0)
    assert clip.fps == 10.0 and clip.frames.shape[0] == round(clip.duration_s * 10.0)


def test_a_cut_audio_stream_header_is_named_not_an_attribute_error(originals, tmp_path):
    """The crash of issue 21: a file cut inside its index left the audio stream without a rate, and
    read_video raised AttributeError('AudioStream' object has no attribute 'rate')."""
    data = originals["h264-aac-22k.mp4"].read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(0.95 * len(data))])
    with pytest.raises(CorruptMediaError, match=r"cut\.mp4: audio stream header is unreadable"):
        V.read_video(cut)
