"""Tests of foley_nb_utils.audio against independent reference computations."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
import soundfile as sf

from foley_nb_utils import audio as A

SR = 16000


def _sine(freq, sr, dur=1.0, amp=0.5):
    t = np.arange(int(round(dur * sr))) / sr
    return amp * np.sin(2 * np.pi * freq * t)


def _peak_hz(x, sr):
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return np.argmax(spec) * sr / len(x)


def _impacts(times, sr=SR, dur=2.0, noise=0.0, rng=None):
    """Two-mode modal impacts at the given onset times, plus optional white noise."""
    x = np.zeros(int(dur * sr), np.float32)
    for k, t in enumerate(times):
        f = np.array([500.0, 1300.0, 3100.0]) * (1 + 0.1 * k)
        x += A.modal_impact(f, [0.08, 0.04, 0.02], [0.3, 0.2, 0.1], sr, dur, onset_s=t)
    if noise:
        x += noise * rng.standard_normal(x.size).astype(np.float32)
    return x


def _lsd_db(a, b, n_fft=512, hop=128):
    """Log-spectral distance in dB between two signals (mean over frames)."""
    Sa, Sb = A.stft_mag(a, n_fft, hop), A.stft_mag(b, n_fft, hop)
    m = min(Sa.shape[1], Sb.shape[1])
    la, lb = 10 * np.log10(Sa[:, :m] ** 2 + 1e-8), 10 * np.log10(Sb[:, :m] ** 2 + 1e-8)
    return float(np.mean(np.sqrt(np.mean((la - lb) ** 2, axis=0))))


# ----------------------------------------------------------------------------- resampling


@pytest.mark.parametrize("sr_in", [44100, 48000, 22050, 96000, 11025, 37800])
def test_resample_keeps_frequency_duration_and_waveform(sr_in):
    x = _sine(1000.0, sr_in, dur=1.0)
    y = A.resample(x, sr_in, 16000)
    assert y.dtype == np.float32
    assert y.shape == (math.ceil(len(x) * 16000 / sr_in),)
    assert abs(len(y) / 16000 - 1.0) < 1e-3  # duration kept
    assert abs(_peak_hz(y, 16000) - 1000.0) <= 1.0
    # away from the edges the result is the same sine sampled at 16 kHz
    ref = _sine(1000.0, 16000, dur=len(y) / 16000)[: len(y)]
    assert np.max(np.abs(y[800:-800] - ref[800:-800])) < 5e-3


def test_resample_identity_and_axis():
    x = np.random.default_rng(0).standard_normal((2, 1000))
    y = A.resample(x, 16000, 16000)
    assert y.dtype == np.float32 and np.allclose(y, x, atol=1e-6)
    z = A.resample(x, 16000, 8000)
    assert z.shape == (2, 500)


@pytest.mark.parametrize("bad", [0, -16000, 16000.5, None, "16k", True])
def test_resample_rejects_bad_rates(bad):
    with pytest.raises(ValueError, match="sr_in"):
        A.resample(np.zeros(100), bad, 16000)


def test_resample_accepts_integral_float_rate():
    assert A.resample(np.zeros(441), 44100.0, 16000).shape == (160,)


# ----------------------------------------------------------------------------- I/O


def test_save_load_round_trip_pcm16(tmp_path):
    x = _sine(440.0, SR, 0.5, amp=0.8)
    p = A.save_audio(tmp_path / "sub" / "a.wav", x, SR)
    assert p == tmp_path / "sub" / "a.wav" and p.exists()
    assert sf.info(str(p)).subtype == "PCM_16"
    y, sr = A.load_audio(p)
    assert sr == SR and y.dtype == np.float32 and y.shape == x.shape
    assert np.max(np.abs(y - x)) < 1.0 / 32768 + 1e-6
    assert [f.name for f in p.parent.iterdir()] == ["a.wav"]  # no temp files left behind


def test_save_clips_instead_of_wrapping(tmp_path):
    p = A.save_audio(tmp_path / "c.wav", np.array([1.5, -2.0, 0.25]), SR)
    y, _ = A.load_audio(p)
    assert np.allclose(y, [32767 / 32768, -1.0, 0.25], atol=1e-4)


def test_load_stereo_to_mono_and_resample(tmp_path):
    left, right = _sine(440, 44100, 0.5, 0.6), _sine(440, 44100, 0.5, 0.2)
    sf.write(str(tmp_path / "s.wav"), np.stack([left, right], 1), 44100, subtype="FLOAT")
    y, sr = A.load_audio(tmp_path / "s.wav")
    assert sr == 44100 and np.allclose(y, 0.5 * (left + right), atol=1e-6)
    both, _ = A.load_audio(tmp_path / "s.wav", mono=False)
    assert both.shape == (2, len(left))
    z, sr16 = A.load_audio(tmp_path / "s.wav", sr=16000)
    assert sr16 == 16000 and len(z) == math.ceil(len(left) * 16000 / 44100)
    assert abs(np.sqrt(np.mean(z[500:-500] ** 2)) - 0.4 / np.sqrt(2)) < 5e-3


def test_load_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.wav"):
        A.load_audio(tmp_path / "nope.wav")
    bad = tmp_path / "garbage.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunkjunk" * 3)
    with pytest.raises(ValueError, match="garbage.wav"):
        A.load_audio(bad)
    empty = tmp_path / "empty.wav"
    sf.write(str(empty), np.zeros(0), SR)
    with pytest.raises(ValueError, match="empty.wav.*no samples"):
        A.load_audio(empty)


def test_save_rejects_nan_and_bad_rate(tmp_path):
    with pytest.raises(ValueError, match="NaN"):
        A.save_audio(tmp_path / "n.wav", np.array([0.0, np.nan]), SR)
    with pytest.raises(ValueError, match="sr"):
        A.save_audio(tmp_path / "n.wav", np.zeros(10), 0)
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- spectrograms


def test_stft_mag_shape_and_peak_bin():
    x = _sine(40 * SR / 512, SR, 1.0)  # exactly on bin 40
    S = A.stft_mag(x, n_fft=512, hop=128)
    assert S.shape == (257, 1 + SR // 128) and S.dtype == np.float32
    assert np.all(np.argmax(S[:, 2:-2], axis=0) == 40)
    # Hann window: a sine of amplitude a gives a peak of a * sum(window) / 2
    assert abs(S[40, 60] - 0.5 * 512 / 2 / 2) < 1.0


def test_log_mel_is_absolute_db():
    x = _sine(1000.0, SR, 1.0, amp=0.5)
    M = A.log_mel(x, SR)
    assert M.shape == (64, 1 + SR // 256) and M.dtype == np.float32
    quiet = A.log_mel(0.1 * x, SR, top_db=None)
    loud = A.log_mel(x, SR, top_db=None)
    band = int(np.argmax(loud[:, 30]))
    assert abs((loud[band, 10:-10] - quiet[band, 10:-10]).mean() - 20.0) < 0.05  # level kept
    import librosa

    centers = librosa.mel_frequencies(n_mels=66, fmin=0.0, fmax=SR / 2)[1:-1]
    assert abs(centers[band] - 1000.0) < 100.0
    assert M.max() - M.min() <= 80.0 + 1e-3


def test_griffin_lim_reconstructs_spectrum_and_is_deterministic(rng):
    x = _impacts([0.2, 0.6], dur=1.0, noise=0.003, rng=rng)
    mag = A.stft_mag(x, 512, 128)
    y = A.griffin_lim(mag, 512, 128, n_iter=32, rng=np.random.default_rng(7), length=len(x))
    assert y.dtype == np.float32 and y.shape == x.shape
    noise = 0.1 * rng.standard_normal(len(x))
    assert _lsd_db(x, y) < 5.0 < _lsd_db(x, noise)
    y2 = A.griffin_lim(mag, 512, 128, n_iter=32, rng=np.random.default_rng(7), length=len(x))
    assert y.tobytes() == y2.tobytes()
    y3 = A.griffin_lim(mag, 512, 128, n_iter=32, rng=np.random.default_rng(8), length=len(x))
    assert not np.array_equal(y, y3)
    with pytest.raises(ValueError, match="n_fft"):
        A.griffin_lim(mag, 1024, 128)


def test_mel_to_audio_inverts_log_mel(rng):
    x = _impacts([0.1, 0.35], dur=0.5, noise=0.003, rng=rng).astype(np.float64)
    S = A.log_mel(x, SR)
    y = A.mel_to_audio(S, SR, n_iter=16, rng=np.random.default_rng(3), length=len(x))
    assert y.dtype == np.float32 and y.shape == x.shape
    S2 = A.log_mel(y, SR)
    loud = S > S.max() - 40
    assert np.abs(S2 - S)[loud].mean() < 4.0  # dB, where the sound is
    y2 = A.mel_to_audio(S, SR, n_iter=16, rng=np.random.default_rng(3), length=len(x))
    assert y.tobytes() == y2.tobytes()


# ----------------------------------------------------------------------------- ERB cochleagram


def _erb_bandwidth(f):
    """Glasberg & Moore (1990) equivalent rectangular bandwidth in Hz."""
    return 24.7 * (4.37 * f / 1000 + 1)


def test_erb_filterbank_perfect_reconstruction_and_spacing():
    filters, cf = A.erb_filterbank(20000, SR, n_bands=40, fmin=20.0, fmax=8000.0)
    assert filters.shape == (42, 10001) and filters.dtype == np.float32 and cf.shape == (42,)
    assert np.allclose((filters.astype(np.float64) ** 2).sum(0), 1.0, atol=1e-5)
    assert np.all(np.diff(cf) > 0) and abs(cf[0] - 20.0) < 1e-6 and abs(cf[-1] - 8000.0) < 1e-3
    # equal steps on the ERB scale = equal steps measured in local bandwidths
    steps = np.diff(cf) / _erb_bandwidth(np.sqrt(cf[:-1] * cf[1:]))
    assert steps.std() / steps.mean() < 0.02
    # each band-pass filter peaks (gain 1) at its characteristic frequency
    freqs = np.fft.rfftfreq(20000, 1 / SR)
    peak_hz = freqs[np.argmax(filters[1:-1], axis=1)]
    assert np.all(np.abs(peak_hz - cf[1:-1]) <= freqs[1])
    assert filters[0, 0] == 1.0 and filters[-1, -1] == 1.0  # low-pass and high-pass ends


def test_erb_filterbank_clips_fmax_to_nyquist_and_validates():
    _, cf = A.erb_filterbank(1000, 8000, fmax=10000.0)
    assert abs(cf[-1] - 4000.0) < 1e-6
    with pytest.raises(ValueError, match="fmin"):
        A.erb_filterbank(1000, SR, fmin=5000.0, fmax=1000.0)


def test_subbands_resum_to_input_and_keep_energy(rng):
    x = rng.standard_normal(SR // 2)
    bands = A.subbands(x, SR)
    assert bands.shape == (42, len(x)) and bands.dtype == np.float32
    y = A.collapse_subbands(bands, SR)
    assert np.max(np.abs(y - x)) < 1e-4 * np.max(np.abs(x))
    # squared responses sum to one, so subband energies add up to the signal energy (Parseval)
    assert abs((bands.astype(np.float64) ** 2).sum() / (x**2).sum() - 1.0) < 1e-4


@pytest.mark.parametrize("sr,n", [(16000, 16000), (16000, 24321), (44100, 44100 * 2)])
def test_cochleagram_shape_and_frame_rate(sr, n):
    x = np.zeros(n)
    onset = 0.5
    x += A.modal_impact([800.0, 2500.0], [0.05, 0.03], [0.5, 0.3], sr, n / sr, onset_s=onset)
    C = A.cochleagram(x, sr)
    assert C.shape == (42, round(n / sr * 90)) and C.dtype == np.float32
    assert C.min() >= 0.0
    # the summed (decompressed) envelope jumps at the impact: frame index = time * 90
    e = (C ** (1 / 0.3)).sum(0)
    assert abs(np.argmax(np.diff(e)) + 1 - onset * 90) <= 1


def test_cochleagram_tone_lights_the_right_band_with_its_amplitude():
    _, cf = A.erb_filterbank(SR, SR)
    target = 12
    x = _sine(cf[target], SR, 1.0, amp=0.5)
    C = A.cochleagram(x, SR, compression=1.0)
    assert np.argmax(C[:, 20:-20].mean(1)) == target
    # the Hilbert envelope of a tone at a band's centre is its amplitude (filter gain 1)
    assert abs(C[target, 20:-20].mean() - 0.5) < 0.01
    assert np.allclose(A.cochleagram(x, SR), C**0.3, atol=2e-3)


def test_cochleagram_to_audio_matches_envelopes_and_is_deterministic(rng):
    x = _impacts([0.3, 0.8, 1.3], dur=1.6, noise=0.002, rng=rng)
    C = A.cochleagram(x, SR)
    def match(y):
        return np.corrcoef(C.ravel(), A.cochleagram(y, SR).ravel())[0, 1]

    y1 = A.cochleagram_to_audio(C, SR, len(x), np.random.default_rng(5), n_iter=1)
    y4 = A.cochleagram_to_audio(C, SR, len(x), np.random.default_rng(5), n_iter=4)
    assert y1.shape == x.shape and y1.dtype == np.float32
    noise = 0.05 * rng.standard_normal(len(x))
    assert match(noise) < 0.7 < 0.8 < match(y1) < match(y4)  # more iterations match better
    assert abs(np.sqrt(np.mean(y4**2)) / np.sqrt(np.mean(x**2)) - 1) < 0.2  # level follows C
    y1b = A.cochleagram_to_audio(C, SR, len(x), np.random.default_rng(5), n_iter=1)
    assert y1.tobytes() == y1b.tobytes()
    with pytest.raises(ValueError, match="Generator"):
        A.cochleagram_to_audio(C, SR, len(x), rng=5)


# ----------------------------------------------------------------------------- onsets


def test_detect_onsets_finds_impacts_in_light_noise(rng):
    times = [0.25, 0.61, 1.07, 1.5, 1.83]
    x = _impacts(times, dur=2.2, noise=0.003, rng=rng)
    env = A.onset_envelope(x, SR)
    assert env.shape == (1 + len(x) // 160,) and env.dtype == np.float32
    on = A.detect_onsets(x, SR)
    assert len(on) == len(times)
    assert np.max(np.abs(on - times)) <= 0.02
    # the envelope peaks at the impacts
    assert np.all(np.abs(np.argmax(env[int(t * 100) - 5 : int(t * 100) + 6]) - 5) <= 2 for t in times)


def test_detect_onsets_isolated_impact_in_silence_and_nothing_in_stationary_noise(rng):
    x = _impacts([0.733], dur=1.5)
    assert np.allclose(A.detect_onsets(x, SR), [0.733], atol=0.02)
    assert A.detect_onsets(np.zeros(SR), SR).size == 0
    # stationary noise has no onsets, whatever its level (the strength floor is in dB)
    for level in (0.001, 0.01, 0.1, 0.3, 0.5, 0.001, 0.01, 0.1, 0.3, 0.5):
        assert A.detect_onsets(level * rng.standard_normal(SR), SR).size == 0
    # no onsets at the clip's edges: one that starts inside noise, one that cuts a ringing tail
    x = _impacts([0.5, 1.37], dur=1.5, noise=0.05, rng=rng)
    assert np.allclose(A.detect_onsets(x, SR), [0.5, 1.37], atol=0.02)
    x = _impacts([0.5, 1.4], dur=1.5)
    assert np.allclose(A.detect_onsets(x, SR), [0.5, 1.4], atol=0.02)


def test_detect_onsets_from_envelope_on_cochleagram_and_rms(rng):
    times = np.array([0.313, 0.7777, 1.2049])  # off the frame grids
    x = _impacts(times, dur=1.6, noise=0.002, rng=rng)
    on = A.detect_onsets_from_envelope(A.cochleagram(x, SR), 90)
    assert len(on) == 3 and np.max(np.abs(on - times)) <= 0.008  # within one 11 ms frame
    on_peak = A.detect_onsets_from_envelope(A.cochleagram(x, SR), 90, method="peak")
    assert len(on_peak) == 3 and np.max(np.abs(on_peak - times)) <= 0.02
    on_rms = A.detect_onsets_from_envelope(A.rms_envelope(x, SR, 100), 100, compression=None)
    assert len(on_rms) == 3 and np.max(np.abs(on_rms - times)) <= 0.008
    assert A.detect_onsets_from_envelope(np.zeros((42, 50)), 90).size == 0
    with pytest.raises(ValueError, match="method"):
        A.detect_onsets_from_envelope(np.ones(10), 90, method="nope")


# ----------------------------------------------------------------------------- synthesis


def test_modal_impact_matches_direct_formula():
    f, tau, a, phi = [300.0, 1234.5, 5000.0], [0.1, 0.05, 0.01], [0.5, 0.3, 0.2], [0.0, 1.0, 2.0]
    onset, sr, dur = 0.01234, 16000, 0.3
    y = A.modal_impact(f, tau, a, sr, dur, onset_s=onset, phases=phi)
    assert y.dtype == np.float32 and y.shape == (round(dur * sr),)
    ref = np.zeros(len(y))
    for i in range(len(y)):
        t = i / sr - onset
        if t >= 0:
            ref[i] = sum(ak * math.exp(-t / tk) * math.sin(2 * math.pi * fk * t + pk)
                         for fk, tk, ak, pk in zip(f, tau, a, phi))
    assert np.max(np.abs(y - ref)) < 1e-6
    assert np.all(y[: int(onset * sr)] == 0)


def test_modal_impact_drops_modes_above_nyquist_and_validates():
    with_high = A.modal_impact([440.0, 9000.0, 12000.0], [0.1, 0.1, 0.1], [0.5, 0.5, 0.5], sr=16000)
    without = A.modal_impact([440.0], [0.1], [0.5], sr=16000)
    assert np.array_equal(with_high, without)
    assert np.array_equal(A.modal_impact(440.0, 0.1, 0.5), without)  # scalars work
    with pytest.raises(ValueError, match="equal length"):
        A.modal_impact([440.0, 880.0], [0.1], [0.5, 0.5])
    with pytest.raises(ValueError, match="decays_s"):
        A.modal_impact([440.0], [0.0], [0.5])


def test_band_noise_is_band_limited_and_reproducible():
    y = A.band_noise(8000, SR, 1000.0, 2000.0, np.random.default_rng(0), rms=0.2)
    assert y.dtype == np.float32 and y.shape == (8000,)
    assert abs(np.sqrt(np.mean(y.astype(np.float64) ** 2)) - 0.2) < 1e-4
    P = np.abs(np.fft.rfft(y)) ** 2
    f = np.fft.rfftfreq(8000, 1 / SR)
    assert P[(f < 990) | (f > 2010)].sum() < 1e-6 * P.sum()
    assert np.array_equal(y, A.band_noise(8000, SR, 1000.0, 2000.0, np.random.default_rng(0), rms=0.2))
    with pytest.raises(ValueError, match="f_hi"):
        A.band_noise(100, SR, 1000.0, 9000.0, np.random.default_rng(0))


def test_rms_envelope_levels_and_timing():
    x = np.concatenate([np.zeros(SR // 2), _sine(500.0, SR, 0.5, amp=0.5)])
    e = A.rms_envelope(x, SR, env_sr=100)
    assert e.shape == (100,) and e.dtype == np.float32
    assert np.allclose(e[:49], 0.0) and np.allclose(e[52:-1], 0.5 / np.sqrt(2), atol=2e-3)
    assert 0.1 < e[50] < 0.3  # the window centred on the step is half silent


def _textbook_cochleagram(x, sr=SR, env_sr=90):
    """The recipe step by step at the full rate: ERB subbands, Hilbert envelopes, polyphase
    downsampling to env_sr, compression 0.3."""
    import scipy.signal

    env = np.abs(scipy.signal.hilbert(A.subbands(x, sr), axis=-1)).astype(np.float32)
    frames = int(round(len(x) / sr * env_sr))
    y = A.resample(env, sr, env_sr)
    y = np.pad(y, ((0, 0), (0, max(0, frames - y.shape[1]))), mode="edge")[:, :frames]
    return np.maximum(y, 0.0) ** 0.3


def test_cochleagrams_match_the_textbook_recipe(rng):
    clips = np.stack([_impacts([0.3, 1.1]), _impacts([0.5, 1.7], noise=0.002, rng=rng),
                      0.05 * rng.standard_normal(2 * SR).astype(np.float32)])
    fast = A.cochleagrams(clips, SR)
    ref = np.stack([_textbook_cochleagram(x) for x in clips])
    assert fast.shape == ref.shape == (3, 42, 180) and fast.dtype == np.float32
    rel = np.linalg.norm(fast - ref) / np.linalg.norm(ref)
    assert rel < 0.01, f"relative difference {rel:.4f}"
    assert np.abs(fast - ref).max() < 0.05
    assert np.abs(fast[0, :, 27:40] - ref[0, :, 27:40]).max() < 0.02  # the first hit's frames
    np.testing.assert_array_equal(A.cochleagram(clips[1], SR), fast[1])  # one clip = one row


def test_cochleagrams_use_the_textbook_recipe_for_awkward_lengths():
    x = _impacts([0.2], dur=16001 / SR)  # 16001 * 90 / 16000 is not a whole number of frames
    np.testing.assert_allclose(A.cochleagrams(x[None], SR)[0], _textbook_cochleagram(x), atol=1e-6)


def test_cochleagrams_reject_bad_audio():
    with pytest.raises(ValueError, match="audio must be"):
        A.cochleagrams(np.zeros(100), SR)
    with pytest.raises(ValueError, match="NaN"):
        A.cochleagrams(np.full((1, 100), np.nan), SR)
    with pytest.raises(ValueError, match="env_sr"):
        A.cochleagrams(np.zeros((1, 100)), SR, env_sr=0)


# ----------------------------------------------------------------------------- textures


def _am_noise(depth, rng, fm=4.0, dur=3.0):
    t = np.arange(int(dur * SR)) / SR
    return 0.1 * (1 + depth * np.sin(2 * np.pi * fm * t)) * rng.standard_normal(len(t))


def test_texture_statistics_dimension_and_modulation(rng):
    weak = A.texture_statistics(_am_noise(0.1, rng), SR)
    strong = A.texture_statistics(_am_noise(0.9, rng), SR)
    assert A.texture_dim() == 502  # the size used by Owens et al. (2016)
    v = A.texture_vector(strong)
    assert v.shape == (A.texture_dim(),) and v.dtype == np.float32 and np.all(np.isfinite(v))
    C = 32
    assert strong["mean"].shape == (C,) and strong["std"].shape == (C,)
    assert strong["corr"].shape == (sum(C - d for d in A.TEXTURE_CORR_OFFSETS),)
    assert strong["mod_power"].shape == (C, 10)
    edges = strong["mod_edges_hz"].astype(np.float64)
    assert edges[0] == pytest.approx(0.5) and edges[-1] == pytest.approx(200.0)
    assert np.allclose(edges[1:] / edges[:-1], (200 / 0.5) ** 0.1, rtol=1e-5)  # log-spaced
    band = int(np.searchsorted(edges, 4.0)) - 1
    assert edges[band] <= 4.0 < edges[band + 1]
    mid = slice(8, 28)  # band-pass channels with energy (16 kHz input)
    assert np.all(strong["mod_power"][mid, band] > 2 * weak["mod_power"][mid, band])
    assert np.argmax(strong["mod_power"][mid].mean(0)) == band
    assert np.all(strong["mod_power"].sum(1) <= 1.0 + 1e-5)
    # a common modulation makes the bands co-vary and fluctuate more
    assert strong["corr"].mean() > weak["corr"].mean() + 0.2
    assert strong["std"][mid].mean() > weak["std"][mid].mean()
    with pytest.raises(ValueError, match="lack keys"):
        A.texture_vector({"mean": strong["mean"]})


def test_texture_vectors_are_each_clips_statistics(rng):
    clips = np.stack([_am_noise(d, rng) for d in (0.1, 0.5, 0.9)])
    batch = A.texture_vectors(clips, SR)
    assert batch.shape == (3, A.texture_dim()) and batch.dtype == np.float32
    for x, v in zip(clips, batch):
        np.testing.assert_allclose(v, A.texture_vector(A.texture_statistics(x, SR)), rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------------------------- dtypes


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: A.resample(x, SR, 8000),
        lambda x: A.stft_mag(x),
        lambda x: A.log_mel(x, SR),
        lambda x: A.subbands(x, SR),
        lambda x: A.cochleagram(x, SR),
        lambda x: A.onset_envelope(x, SR),
        lambda x: A.rms_envelope(x, SR),
        lambda x: A.texture_vector(A.texture_statistics(x, SR)),
    ],
)
def test_float64_in_float32_out(fn, rng):
    x = 0.1 * rng.standard_normal(SR // 2)
    assert x.dtype == np.float64
    assert fn(x).dtype == np.float32


def test_mono_functions_reject_wrong_shapes():
    with pytest.raises(ValueError, match="mono"):
        A.cochleagram(np.zeros((2, 100)), SR)
    with pytest.raises(ValueError, match="empty"):
        A.stft_mag(np.zeros(0))
    with pytest.raises(ValueError, match="hop"):
        A.detect_onsets(np.zeros(1000), SR, hop=0)
    with pytest.raises(ValueError, match="n_fft"):
        A.log_mel(np.zeros(1000), SR, n_fft=-1)


def test_no_temp_files_after_failed_write(tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(A.sf, "write", boom)
    with pytest.raises(OSError, match="disk full"):
        A.save_audio(tmp_path / "x.wav", np.zeros(10), SR)
    assert os.listdir(tmp_path) == []
