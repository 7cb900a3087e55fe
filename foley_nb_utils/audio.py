"""Audio: I/O, resampling, spectrograms, the ERB cochleagram, onsets, impact synthesis, textures.

Conventions: every function accepts float32 or float64 input and returns float32; a mono
signal is a 1-D array ``[n]`` of samples in [-1, 1]; multi-channel audio is channels-first
``[channels, n]``; sample rates ``sr`` are integers in Hz; times are in seconds.

Notebook: 01_sound_and_vision (most of this module), 05_2016_visually_indicated_sounds
(cochleagram inversion, onsets on predicted envelopes), 06_2016_ambient_sound_supervision
(texture statistics).
"""

from __future__ import annotations

import math
from pathlib import Path

import librosa
import numpy as np
import scipy.fft
import scipy.signal
import soundfile as sf

from .atomic import atomic_path

__all__ = [
    "CorruptMediaError",
    "load_audio",
    "save_audio",
    "resample",
    "stft_mag",
    "log_mel",
    "griffin_lim",
    "mel_to_audio",
    "hz_to_erb",
    "erb_to_hz",
    "erb_filterbank",
    "subbands",
    "collapse_subbands",
    "cochleagram",
    "cochleagram_to_audio",
    "cochleagrams",
    "onset_envelope",
    "detect_onsets",
    "detect_onsets_batch",
    "detect_onsets_from_envelope",
    "modal_impact",
    "band_noise",
    "rms_envelope",
    "texture_statistics",
    "texture_vector",
    "texture_vectors",
    "texture_dim",
    "TEXTURE_CORR_OFFSETS",
]


class CorruptMediaError(ValueError):
    """A media file exists but cannot be decoded (corrupt, truncated, empty, wrong kind).

    A ``ValueError`` subclass, so ``except ValueError`` catches it too; the message names the file.

    Notebook: 01_sound_and_vision
    """


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def _check_sr(sr, name: str = "sr") -> int:
    """Return ``sr`` as a positive int, or raise ValueError naming the offending value."""
    if isinstance(sr, bool) or not isinstance(sr, (int, np.integer, float, np.floating)):
        raise ValueError(f"{name} must be a positive integer sample rate in Hz, got {sr!r}")
    if not math.isfinite(float(sr)) or float(sr) != int(sr) or int(sr) <= 0:
        raise ValueError(f"{name} must be a positive integer sample rate in Hz, got {sr!r}")
    return int(sr)


def _check_pos_int(v, name: str) -> int:
    """Return ``v`` as a positive int (window sizes, hops), or raise ValueError naming it."""
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v <= 0:
        raise ValueError(f"{name} must be a positive integer, got {v!r}")
    return int(v)


def _as_float(x, name: str = "x") -> np.ndarray:
    """Float32 view/copy of an audio array; ValueError for non-numeric or empty input."""
    a = np.asarray(x)
    if a.dtype.kind not in "fiu":
        raise ValueError(f"{name} must be a numeric array, got dtype {a.dtype}")
    if a.size == 0:
        raise ValueError(f"{name} is empty (shape {a.shape})")
    return a.astype(np.float32, copy=False)


def _as_mono(x, name: str = "x") -> np.ndarray:
    a = _as_float(x, name)
    if a.ndim != 1:
        raise ValueError(f"{name} must be mono audio of shape [n], got shape {a.shape}")
    return a


# ---------------------------------------------------------------------------------------------
# I/O and resampling
# ---------------------------------------------------------------------------------------------


def load_audio(path, sr: int | None = None, mono: bool = True) -> tuple[np.ndarray, int]:
    """Read an audio file with soundfile (wav, flac, ogg, mp3 ...).

    Args:
        path: file to read.
        sr: target sample rate in Hz; ``None`` keeps the file's rate.
        mono: average the channels into one signal.

    Returns:
        ``(x, sr)``: float32 samples, ``[n]`` when ``mono`` else ``[channels, n]``, and the
        sample rate in Hz of ``x``.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        CorruptMediaError (a ValueError): unreadable, corrupt or empty file, or samples that are
            NaN or infinite (message names it).

    Notebook: 01_sound_and_vision
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"audio file not found: {path}")
    if path.is_dir():
        raise CorruptMediaError(f"{path}: is a directory, not an audio file")
    try:
        data, file_sr = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, EOFError, ValueError) as e:
        raise CorruptMediaError(f"{path}: cannot read audio (corrupt or unsupported file): {e}") from e
    if data.shape[0] == 0:
        raise CorruptMediaError(f"{path}: audio file has no samples")
    if not np.all(np.isfinite(data)):  # a float file with damaged bytes decodes to NaN or inf
        bad = int((~np.isfinite(data)).sum())
        raise CorruptMediaError(f"{path}: {bad} of {data.size} samples are NaN or infinite (corrupt file)")
    x = data.T  # [channels, n]
    if mono:
        x = x.mean(axis=0)
    x = np.ascontiguousarray(x, dtype=np.float32)
    if sr is not None:
        sr = _check_sr(sr)
        x = resample(x, file_sr, sr)
        return x, sr
    return x, int(file_sr)


def save_audio(path, x, sr: int, subtype: str = "PCM_16") -> Path:
    """Write audio atomically (temporary file in the same folder, then ``os.replace``).

    Samples are clipped to [-1, 1] for integer PCM subtypes (libsndfile would otherwise wrap).

    Args:
        path: destination; the format follows the suffix (``.wav`` by default usage, ``.flac``...).
            Parent folders are created.
        x: ``[n]`` mono or ``[channels, n]`` samples.
        sr: sample rate in Hz (positive int).
        subtype: soundfile subtype, ``"PCM_16"`` by default (``"FLOAT"`` keeps full precision).

    Returns:
        The destination ``Path``.

    Raises:
        ValueError: NaN/inf samples, non-positive ``sr``, or a bad shape.

    Notebook: 01_sound_and_vision
    """
    path = Path(path)
    sr = _check_sr(sr)
    a = _as_float(x)
    if a.ndim not in (1, 2):
        raise ValueError(f"audio must be [n] or [channels, n], got shape {a.shape} for {path}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"audio for {path} contains NaN or inf samples")
    if subtype.upper().startswith("PCM"):
        a = np.clip(a, -1.0, 1.0)
    with atomic_path(path) as tmp:
        sf.write(str(tmp), a.T, sr, subtype=subtype)
    return path


def resample(x, sr_in: int, sr_out: int) -> np.ndarray:
    """Polyphase resampling over the last axis (``scipy.signal.resample_poly``).

    The ratio ``sr_out / sr_in`` is reduced by the gcd first, so 44100 -> 16000 uses 160/441.

    Args:
        x: ``[..., n]`` samples at ``sr_in``.
        sr_in: input rate in Hz (positive int).
        sr_out: output rate in Hz (positive int).

    Returns:
        float32 ``[..., ceil(n * sr_out / sr_in)]``; a float32 copy when the rates are equal.

    Notebook: 01_sound_and_vision
    """
    sr_in = _check_sr(sr_in, "sr_in")
    sr_out = _check_sr(sr_out, "sr_out")
    a = _as_float(x)
    if sr_in == sr_out:
        return a.copy()
    g = math.gcd(sr_in, sr_out)
    y = scipy.signal.resample_poly(a, sr_out // g, sr_in // g, axis=-1)
    return y.astype(np.float32, copy=False)


# ---------------------------------------------------------------------------------------------
# spectrograms and their inversion
# ---------------------------------------------------------------------------------------------


def stft_mag(x, n_fft: int = 512, hop: int = 128) -> np.ndarray:
    """Magnitude of the centred, Hann-windowed STFT (frames padded with zeros at the ends).

    Args:
        x: ``[n]`` samples, or ``[N, n]`` for a batch of clips.
        n_fft: FFT size in samples (= window length).
        hop: hop in samples.

    Returns:
        float32 ``[n_fft // 2 + 1, 1 + n // hop]`` magnitudes (linear, not dB); ``[N, …]`` for a batch.

    Notebook: 01_sound_and_vision
    """
    a = _as_float(x)
    if a.ndim not in (1, 2):
        raise ValueError(f"x must be [n] samples or a batch [N, n], got shape {a.shape}")
    n_fft, hop = _check_pos_int(n_fft, "n_fft"), _check_pos_int(hop, "hop")
    return np.abs(librosa.stft(a, n_fft=n_fft, hop_length=hop)).astype(np.float32)


def log_mel(
    x,
    sr: int,
    n_mels: int = 64,
    n_fft: int = 1024,
    hop: int = 256,
    fmin: float = 0.0,
    fmax: float | None = None,
    top_db: float | None = 80.0,
) -> np.ndarray:
    """Log-mel power spectrogram in dB relative to full scale (ref = 1.0, so levels are kept).

    Args:
        x: ``[n]`` samples.
        sr: sample rate in Hz.
        n_mels: number of mel bands.
        n_fft, hop: STFT size and hop in samples.
        fmin, fmax: mel band range in Hz (``fmax=None`` means ``sr / 2``).
        top_db: floor at ``max - top_db`` dB (``None``: no floor besides -100 dB).

    Returns:
        float32 ``[n_mels, 1 + n // hop]`` in dB.

    Notebook: 01_sound_and_vision
    """
    sr = _check_sr(sr)
    a = _as_mono(x)
    n_fft, hop = _check_pos_int(n_fft, "n_fft"), _check_pos_int(hop, "hop")
    S = librosa.feature.melspectrogram(
        y=a, sr=sr, n_fft=n_fft, hop_length=hop, n_mels=n_mels, fmin=fmin, fmax=fmax, power=2.0
    )
    return librosa.power_to_db(S, ref=1.0, amin=1e-10, top_db=top_db).astype(np.float32)


def griffin_lim(
    mag,
    n_fft: int,
    hop: int,
    n_iter: int = 32,
    rng: np.random.Generator | None = None,
    length: int | None = None,
) -> np.ndarray:
    """Waveform from an STFT magnitude by (fast) Griffin-Lim phase retrieval (librosa).

    Args:
        mag: ``[n_fft // 2 + 1, frames]`` linear magnitudes, as from :func:`stft_mag`.
        n_fft, hop: STFT size and hop in samples used to make ``mag``.
        n_iter: Griffin-Lim iterations.
        rng: generator for the random initial phase; ``None`` starts from zero phase.
            Either way the result is deterministic.
        length: output length in samples (default ``hop * (frames - 1)``).

    Returns:
        float32 ``[n]`` waveform.

    Notebook: 01_sound_and_vision
    """
    S = _as_float(mag, "mag")
    if S.ndim != 2 or S.shape[0] != n_fft // 2 + 1:
        raise ValueError(f"mag must have shape [n_fft//2+1={n_fft // 2 + 1}, frames], got {S.shape}")
    y = librosa.griffinlim(
        S,
        n_iter=n_iter,
        hop_length=hop,
        n_fft=n_fft,
        init="random" if rng is not None else None,
        random_state=rng,
        length=length,
    )
    return y.astype(np.float32, copy=False)


def mel_to_audio(
    S_db,
    sr: int,
    n_fft: int = 1024,
    hop: int = 256,
    n_iter: int = 32,
    fmin: float = 0.0,
    fmax: float | None = None,
    rng: np.random.Generator | None = None,
    length: int | None = None,
) -> np.ndarray:
    """Invert :func:`log_mel`: dB -> power, mel -> linear STFT magnitude (NNLS), Griffin-Lim.

    Args:
        S_db: ``[n_mels, frames]`` log-mel in dB as returned by :func:`log_mel`.
        sr, n_fft, hop, fmin, fmax: the settings used by :func:`log_mel`.
        n_iter: Griffin-Lim iterations.
        rng: generator for the initial phase (``None``: zero phase); deterministic either way.
        length: output length in samples.

    Returns:
        float32 ``[n]`` waveform.

    Notebook: 01_sound_and_vision
    """
    sr = _check_sr(sr)
    S = librosa.db_to_power(_as_float(S_db, "S_db"))
    mag = librosa.feature.inverse.mel_to_stft(S, sr=sr, n_fft=n_fft, power=2.0, fmin=fmin, fmax=fmax)
    return griffin_lim(mag, n_fft=n_fft, hop=hop, n_iter=n_iter, rng=rng, length=length)


# ---------------------------------------------------------------------------------------------
# ERB cochleagram (Owens et al., "Visually Indicated Sounds", CVPR 2016)
# ---------------------------------------------------------------------------------------------


def hz_to_erb(f_hz):
    """ERB-number ("Cams", Glasberg & Moore 1990): ``21.4 * log10(1 + 0.00437 f)``.

    Args:
        f_hz: frequency in Hz (scalar or array).

    Returns:
        ERB number(s), same shape.

    Notebook: 01_sound_and_vision
    """
    return 21.4 * np.log10(1.0 + 0.00437 * np.asarray(f_hz, dtype=np.float64))


def erb_to_hz(erb):
    """Inverse of :func:`hz_to_erb`.

    Args:
        erb: ERB number(s).

    Returns:
        frequency in Hz, same shape.

    Notebook: 01_sound_and_vision
    """
    return (10.0 ** (np.asarray(erb, dtype=np.float64) / 21.4) - 1.0) / 0.00437


def erb_filterbank(
    n_samples: int, sr: int, n_bands: int = 40, fmin: float = 20.0, fmax: float = 10000.0
) -> tuple[np.ndarray, np.ndarray]:
    """Half-cosine ERB filterbank in the frequency domain, with low- and high-pass ends.

    ``n_bands + 2`` characteristic frequencies ``c_0 < ... < c_{n_bands+1}`` are equally spaced
    (step ``d``) on the ERB-number scale between ``fmin`` and ``fmax``. Channel ``j`` is the
    half-cosine ``cos(pi/2 * (E(f) - E(c_j)) / d)`` for ``|E(f) - E(c_j)| < d``; channel 0 is
    held at 1 below ``c_0`` (the low-pass) and the last channel at 1 above its centre (the
    high-pass). Neighbours are cos/sin pairs, so the squared responses sum to exactly 1 at every
    frequency: filtering twice and summing reconstructs the signal (:func:`collapse_subbands`).

    Args:
        n_samples: signal length in samples (the filters live on its rfft grid).
        sr: sample rate in Hz.
        n_bands: number of band-pass channels (40 in Owens et al.).
        fmin, fmax: frequency range in Hz; ``fmax`` is clipped to ``sr / 2``.

    Returns:
        ``(filters, center_freqs_hz)``: float32 ``[n_bands + 2, n_samples // 2 + 1]`` amplitude
        responses in ascending frequency order (low-pass, band-passes, high-pass), and float64
        ``[n_bands + 2]`` characteristic frequencies in Hz (for the end channels, the edge of
        their flat region).

    Notebook: 01_sound_and_vision
    """
    sr = _check_sr(sr)
    if int(n_samples) < 2:
        raise ValueError(f"n_samples must be >= 2, got {n_samples}")
    if int(n_bands) < 1:
        raise ValueError(f"n_bands must be >= 1, got {n_bands}")
    fmax = min(float(fmax), sr / 2.0)
    if not 0.0 <= fmin < fmax:
        raise ValueError(f"need 0 <= fmin < fmax <= sr/2, got fmin={fmin}, fmax={fmax}, sr={sr}")
    centers_erb = np.linspace(hz_to_erb(fmin), hz_to_erb(fmax), int(n_bands) + 2)
    step = centers_erb[1] - centers_erb[0]
    freqs_erb = hz_to_erb(np.fft.rfftfreq(int(n_samples), d=1.0 / sr))
    u = (freqs_erb[None, :] - centers_erb[:, None]) / step  # distance in filter half-widths
    u[0] = np.maximum(u[0], 0.0)  # low-pass: flat below c_0
    u[-1] = np.minimum(u[-1], 0.0)  # high-pass: flat above c_last
    filters = np.where(np.abs(u) < 1.0, np.cos(0.5 * np.pi * u), 0.0).astype(np.float32)
    return filters, erb_to_hz(centers_erb)


def _subbands_with_filters(a: np.ndarray, filters: np.ndarray) -> np.ndarray:
    X = scipy.fft.rfft(a)
    return scipy.fft.irfft(filters * X[None, :], n=a.shape[-1]).astype(np.float32, copy=False)


def subbands(
    x, sr: int, n_bands: int = 40, fmin: float = 20.0, fmax: float = 10000.0
) -> np.ndarray:
    """Split a signal into ERB subbands (filtering in the frequency domain, rfft/irfft).

    The filtering is circular (it wraps around the ends of the signal).

    Args:
        x: ``[n]`` samples.
        sr: sample rate in Hz.
        n_bands, fmin, fmax: see :func:`erb_filterbank`.

    Returns:
        float32 ``[n_bands + 2, n]`` subband signals, low to high frequency.

    Notebook: 01_sound_and_vision
    """
    a = _as_mono(x)
    filters, _ = erb_filterbank(a.shape[0], sr, n_bands, fmin, fmax)
    return _subbands_with_filters(a, filters)


def collapse_subbands(
    bands, sr: int, fmin: float = 20.0, fmax: float = 10000.0
) -> np.ndarray:
    """Re-synthesise a signal from (possibly modified) ERB subbands.

    Each subband is filtered once more by its own filter and the results are summed; since the
    squared filter responses sum to 1, ``collapse_subbands(subbands(x)) == x`` up to rounding.

    Args:
        bands: ``[n_bands + 2, n]`` subbands.
        sr, fmin, fmax: the settings used by :func:`subbands` (``n_bands`` is ``bands.shape[0] - 2``).

    Returns:
        float32 ``[n]`` signal.

    Notebook: 01_sound_and_vision
    """
    b = _as_float(bands, "bands")
    if b.ndim != 2 or b.shape[0] < 3:
        raise ValueError(f"bands must be [n_bands + 2, n] with n_bands >= 1, got shape {b.shape}")
    filters, _ = erb_filterbank(b.shape[1], sr, b.shape[0] - 2, fmin, fmax)
    return _collapse_with_filters(b, filters)


def _collapse_with_filters(b: np.ndarray, filters: np.ndarray) -> np.ndarray:
    spec = (filters * scipy.fft.rfft(b, axis=-1)).sum(axis=0)
    return scipy.fft.irfft(spec, n=b.shape[-1]).astype(np.float32, copy=False)


def _n_env_frames(n_samples: int, sr: int, env_sr: float) -> int:
    return max(1, int(round(n_samples / sr * env_sr)))


def _downsample_envelopes(env: np.ndarray, sr: int, env_sr: int) -> np.ndarray:
    """[bands, n] at sr -> [bands, round(n/sr*env_sr)] at env_sr (anti-aliased, non-negative)."""
    frames = _n_env_frames(env.shape[-1], sr, env_sr)
    y = resample(env, sr, env_sr)
    if y.shape[-1] < frames:  # pad with the edge value (ceil vs round mismatch of one frame)
        y = np.pad(y, ((0, 0), (0, frames - y.shape[-1])), mode="edge")
    # the anti-aliasing filter rings slightly below zero; envelopes cannot be negative
    return np.maximum(y[:, :frames], 0.0)


def cochleagram(
    x,
    sr: int,
    n_bands: int = 40,
    fmin: float = 20.0,
    fmax: float = 10000.0,
    env_sr: int = 90,
    compression: float = 0.3,
) -> np.ndarray:
    """Compressed subband envelopes: the sound feature of "Visually Indicated Sounds".

    ERB subbands (:func:`subbands`) -> Hilbert envelope -> anti-aliased downsampling to
    ``env_sr`` Hz -> ``** compression``. One clip of :func:`cochleagrams`, which says how the
    envelopes are computed without running the whole filterbank at the full sample rate.

    Args:
        x: ``[n]`` samples.
        sr: sample rate in Hz.
        n_bands, fmin, fmax: see :func:`erb_filterbank` (40, 20 Hz, 10 kHz in the paper).
        env_sr: envelope rate in Hz (90 Hz = 3 steps per frame of 30-fps video).
        compression: exponent applied to the envelopes (0.3 in the paper).

    Returns:
        float32 ``[n_bands + 2, round(n / sr * env_sr)]``; frame ``i`` is at time ``i / env_sr`` s.

    Notebook: 01_sound_and_vision
    """
    return cochleagrams(_as_mono(x)[None], sr, n_bands, fmin, fmax, env_sr, compression)[0]


def cochleagrams(
    audio,
    sr: int,
    n_bands: int = 40,
    fmin: float = 20.0,
    fmax: float = 10000.0,
    env_sr: int = 90,
    compression: float = 0.3,
) -> np.ndarray:
    """:func:`cochleagram` of many clips at once.

    The textbook recipe filters each clip into ERB subbands at the full sample rate, takes each
    band's Hilbert envelope (the magnitude of its analytic signal) and low-pass filters and
    downsamples it to ``env_sr`` (``_cochleagram_full_rate``). Here, per channel and for the
    whole batch: a channel's analytic signal occupies only the FFT bins of its filter, so it is
    shifted down to 0 Hz (which leaves its magnitude, the envelope, unchanged) and sampled at
    ``m × env_sr`` Hz, just above twice the filter's width, instead of at ``sr``;
    ``scipy.signal.resample_poly(·, 1, m)`` then applies the same kind of windowed-sinc low-pass
    (cut-off ``env_sr / 2``) that the textbook recipe applies at the full rate. The two agree to
    within a percent (``tests/test_audio.py``), and this way is about 20× faster. When the clip
    length allows no integer sampling ratio it uses the textbook recipe.

    Args:
        audio: float ``[N, n]`` waveforms at ``sr`` Hz.
        sr, n_bands, fmin, fmax, env_sr, compression: as for :func:`cochleagram`.

    Returns:
        float32 ``[N, n_bands + 2, round(n / sr * env_sr)]``.

    Notebook: 05_2016_visually_indicated_sounds
    """
    a = np.asarray(audio, dtype=np.float32)
    if a.ndim != 2 or a.shape[0] == 0 or a.shape[1] < 2:
        raise ValueError(f"audio must be [N, n] with N >= 1 and n >= 2, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError("audio contains NaN or infinity")
    sr = _check_sr(sr)
    env_sr = _check_sr(env_sr, "env_sr")
    n = a.shape[1]
    filters, _ = erb_filterbank(n, sr, n_bands, fmin, fmax)
    frames = _n_env_frames(n, sr, env_sr)
    q = sr // math.gcd(n * env_sr, sr)  # rate env_sr*m needs n*env_sr*m/sr integral
    if q > 64:
        return np.stack([_cochleagram_full_rate(x, sr, filters, env_sr, compression) for x in a])
    spec = scipy.fft.rfft(a, axis=-1).astype(np.complex64)
    one_sided = np.full(filters.shape[1], 2.0, dtype=np.float32)  # analytic signal: double f > 0
    one_sided[0] = 1.0
    if n % 2 == 0:
        one_sided[-1] = 1.0
    out = np.empty((len(a), filters.shape[0], frames), dtype=np.float32)
    for j, h in enumerate(filters):
        nz = np.flatnonzero(h)
        lo, hi = int(nz[0]), int(nz[-1]) + 1
        need = 2 * (hi - lo) + 16  # samples: |z| of a band W bins wide has most power below W
        m = q * max(1, -(-need * sr // (n * env_sr * q)))
        length = n * env_sr * m // sr
        z = np.zeros((len(a), length), dtype=np.complex64)
        z[:, :hi - lo] = spec[:, lo:hi] * (h[lo:hi] * one_sided[lo:hi])
        env = np.abs(scipy.fft.ifft(z, axis=-1)) * (length / n)
        y = scipy.signal.resample_poly(env, 1, m, axis=-1)
        if y.shape[-1] < frames:
            y = np.pad(y, ((0, 0), (0, frames - y.shape[-1])), mode="edge")
        out[:, j] = y[:, :frames]
    return np.maximum(out, 0.0) ** np.float32(compression)


def _cochleagram_full_rate(a: np.ndarray, sr: int, filters: np.ndarray, env_sr: int,
                           compression: float) -> np.ndarray:
    """The textbook cochleagram of one clip ``[n]``: subbands, ``scipy.signal.hilbert`` envelopes
    at the full rate, then polyphase downsampling (the reference :func:`cochleagrams` is tested
    against, and its fallback)."""
    bands = _subbands_with_filters(a, filters)
    env = np.abs(scipy.signal.hilbert(bands, axis=-1)).astype(np.float32)
    return (_downsample_envelopes(env, sr, env_sr) ** compression).astype(np.float32, copy=False)


def _upsample_envelopes(env: np.ndarray, env_sr: float, sr: int, n_samples: int) -> np.ndarray:
    """Linear interpolation of [bands, frames] (frame i at i/env_sr) onto n_samples at sr."""
    t_out = np.arange(n_samples) / sr
    t_in = np.arange(env.shape[-1]) / env_sr
    return np.stack([np.interp(t_out, t_in, e) for e in env]).astype(np.float32)


def cochleagram_to_audio(
    C,
    sr: int,
    n_samples: int,
    rng: np.random.Generator,
    n_iter: int = 1,
    fmin: float = 20.0,
    fmax: float = 10000.0,
    env_sr: int = 90,
    compression: float = 0.3,
) -> np.ndarray:
    """Parametric waveform synthesis from a cochleagram (McDermott-Simoncelli-style inversion).

    Start from white noise drawn from ``rng``; repeat ``n_iter`` times: split into ERB subbands,
    keep each subband's phase (``cos(angle(hilbert))``), replace its envelope by the target one
    (decompressed with ``1 / compression``, linearly upsampled to ``sr``), re-sum
    (:func:`collapse_subbands`).

    Args:
        C: ``[n_bands + 2, frames]`` cochleagram as from :func:`cochleagram` (values >= 0).
        sr: output sample rate in Hz.
        n_samples: output length in samples.
        rng: numpy Generator for the noise (same seed -> same waveform).
        n_iter: number of envelope impositions (more iterations tighten the match).
        fmin, fmax, env_sr, compression: the settings used by :func:`cochleagram`.

    Returns:
        float32 ``[n_samples]`` waveform (not clipped; its level follows the envelopes).

    Notebook: 05_2016_visually_indicated_sounds
    """
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    sr = _check_sr(sr)
    c = _as_float(C, "C")
    if c.ndim != 2 or c.shape[0] < 3:
        raise ValueError(f"C must be [n_bands + 2, frames], got shape {c.shape}")
    if int(n_iter) < 1:
        raise ValueError(f"n_iter must be >= 1, got {n_iter}")
    env_sr = _check_sr(env_sr, "env_sr")
    n_samples = int(n_samples)
    target = _upsample_envelopes(np.maximum(c, 0.0) ** (1.0 / compression), env_sr, sr, n_samples)
    filters, _ = erb_filterbank(n_samples, sr, c.shape[0] - 2, fmin, fmax)
    y = rng.standard_normal(n_samples).astype(np.float32)
    for _ in range(int(n_iter)):
        analytic = scipy.signal.hilbert(_subbands_with_filters(y, filters), axis=-1)
        fine = np.cos(np.angle(analytic)).astype(np.float32)
        y = _collapse_with_filters(target * fine, filters)
    return y


# ---------------------------------------------------------------------------------------------
# onsets
# ---------------------------------------------------------------------------------------------


def onset_envelope(x, sr: int, hop: int = 160, n_fft: int = 512) -> np.ndarray:
    """Spectral-flux onset strength (``librosa.onset.onset_strength`` on a log-mel spectrogram).

    The STFT is zero-padded at the ends, so a clip that starts inside a sound shows flux in its
    first frames (:func:`detect_onsets` ignores those frames).

    Args:
        x: ``[n]`` samples.
        sr: sample rate in Hz.
        hop: hop in samples (160 = 10 ms at 16 kHz).
        n_fft: analysis window in samples; short windows localise impacts better.

    Returns:
        float32 ``[1 + n // hop]``; frame ``i`` is at time ``i * hop / sr`` s.

    Notebook: 01_sound_and_vision
    """
    sr = _check_sr(sr)
    a = _as_mono(x)
    n_fft, hop = _check_pos_int(n_fft, "n_fft"), _check_pos_int(hop, "hop")
    env = librosa.onset.onset_strength(y=a, sr=sr, hop_length=hop, n_fft=n_fft)
    return env.astype(np.float32, copy=False)


def detect_onsets(
    x,
    sr: int,
    hop: int = 160,
    delta: float = 0.05,
    wait_s: float = 0.05,
    n_fft: int = 512,
    min_strength: float = 4.0,
) -> np.ndarray:
    """Onset times of impacts (peak picking on :func:`onset_envelope`, no backtracking).

    The envelope is the mean rise in dB across mel bands, so an absolute floor is
    level-independent: flux below ``min_strength`` is set to zero (stationary white noise stays
    below ~3.5 dB at any level), then ``librosa.onset.onset_detect`` picks peaks that rise
    ``delta`` (a fraction of the remaining range) above their local mean. Tuned on modal
    impacts: in silence or light noise (white noise ~40 dB below the impact) every impact is
    found within +-20 ms of its true start (typically +-10 ms) without false alarms.
    Onsets within ~``n_fft / 2 + 2 hop`` samples of the start (40 ms at the defaults) and
    ~``n_fft / 2`` samples of the end (16 ms) are not reported: there the analysis windows run
    past the signal, where a clip that starts inside a sound, or a sound cut by the end of the
    clip, looks like an onset. :func:`detect_onsets_batch` does the same for many clips.

    Args:
        x: ``[n]`` samples.
        sr: sample rate in Hz.
        hop: hop in samples of the onset envelope.
        delta: threshold above the local mean, as a fraction of the floored envelope's range.
        wait_s: minimum gap between two onsets in seconds.
        n_fft: analysis window in samples.
        min_strength: floor in dB (mean spectral rise) subtracted before peak picking.

    Returns:
        float64 ``[n_onsets]`` onset times in seconds, ascending (empty for silence or
        stationary noise).

    Notebook: 01_sound_and_vision
    """
    sr = _check_sr(sr)
    a = _as_mono(x)
    n_fft, hop = _check_pos_int(n_fft, "n_fft"), _check_pos_int(hop, "hop")
    env = onset_envelope(a, sr, hop=hop, n_fft=n_fft)
    return _pick_onsets(env, a.shape[0], sr, hop, n_fft, delta, wait_s, min_strength)


def detect_onsets_batch(
    x,
    sr: int,
    hop: int = 160,
    delta: float = 0.05,
    wait_s: float = 0.05,
    n_fft: int = 512,
    min_strength: float = 4.0,
) -> list[np.ndarray]:
    """:func:`detect_onsets` for a batch of clips: the same onsets, about 20× faster.

    The mel spectrograms of all clips come from one librosa call; each clip keeps its own dB
    reference (its own maximum, as ``librosa.power_to_db`` would give it alone), so every clip
    gets exactly the onsets :func:`detect_onsets` finds in it.

    Args:
        x: ``[N, n]`` samples (N clips of equal length).
        sr, hop, delta, wait_s, n_fft, min_strength: as in :func:`detect_onsets`.

    Returns:
        per clip, float64 ``[n_onsets]`` onset times in seconds.

    Notebook: 04_evaluation
    """
    sr = _check_sr(sr)
    a = _as_float(x, "x")
    if a.ndim != 2:
        raise ValueError(f"x must be a batch of mono clips of shape [N, n], got shape {a.shape}")
    n_fft, hop = _check_pos_int(n_fft, "n_fft"), _check_pos_int(hop, "hop")
    S = librosa.feature.melspectrogram(y=a, sr=sr, n_fft=n_fft, hop_length=hop, power=2.0)  # [N, mels, F]
    S_db = 10.0 * np.log10(np.maximum(S, 1e-10))
    S_db = np.maximum(S_db, S_db.max(axis=(1, 2), keepdims=True) - 80.0)  # top_db = 80 per clip
    env = np.atleast_2d(librosa.onset.onset_strength(S=S_db, sr=sr, hop_length=hop, n_fft=n_fft))
    return [_pick_onsets(e, a.shape[1], sr, hop, n_fft, delta, wait_s, min_strength) for e in env]


def _pick_onsets(env: np.ndarray, n: int, sr: int, hop: int, n_fft: int, delta: float, wait_s: float,
                 min_strength: float) -> np.ndarray:
    """Peak picking shared by :func:`detect_onsets` and :func:`detect_onsets_batch`."""
    # flux below the floor (stationary noise) is set to zero before peak picking, so that noise
    # peaks neither count as onsets nor hide a real onset that follows within `wait_s`
    frames = librosa.onset.onset_detect(
        onset_envelope=np.maximum(env - min_strength, 0.0),
        sr=sr,
        hop_length=hop,
        backtrack=False,
        delta=delta,
        wait=max(0, int(round(wait_s * sr / hop))),
        units="frames",
    )
    # librosa's frame i compares STFT frames i - shift and i - shift + 1 (lag 1 plus its centring
    # shift). Keep frames whose two analysis windows lie inside the signal: at the start the
    # zero padding makes any ongoing sound look like an onset, at the end a sound cut by the
    # end of the clip makes a click
    shift = 1 + n_fft // (2 * hop)
    first = shift + math.ceil(n_fft / 2 / hop)
    last = (n - n_fft // 2) // hop + shift - 1
    frames = frames[(frames >= first) & (frames <= last)]
    return frames.astype(np.float64) * hop / sr


def detect_onsets_from_envelope(
    env,
    env_sr: float,
    delta: float = 0.1,
    wait_s: float = 0.05,
    method: str = "flux",
    compression: float | None = 0.3,
) -> np.ndarray:
    """Onset times from a (predicted) envelope or cochleagram.

    Bands are summed; with ``method="flux"`` the half-wave rectified first difference of the sum
    is peak-picked (best timing: the steepest rise), with ``method="peak"`` the sum itself.

    Args:
        env: ``[frames]`` or ``[bands, frames]`` non-negative envelope at ``env_sr`` Hz
            (frame ``i`` at ``i / env_sr`` s), e.g. a cochleagram.
        env_sr: envelope rate in Hz.
        delta: threshold above the local mean, as a fraction of the normalised curve.
        wait_s: minimum gap between onsets in seconds.
        method: ``"flux"`` or ``"peak"``.
        compression: exponent the envelope was compressed with (0.3 for :func:`cochleagram`);
            it is undone first because compression magnifies the faint pre-ringing of the
            zero-phase filters and would move onsets early. ``None`` for a linear envelope
            such as :func:`rms_envelope`.

    Returns:
        float64 ``[n_onsets]`` onset times in seconds.

    Notebook: 05_2016_visually_indicated_sounds
    """
    e = np.maximum(_as_float(env, "env"), 0.0)
    if compression is not None:
        if not compression > 0:
            raise ValueError(f"compression must be positive or None, got {compression}")
        e = e ** (1.0 / compression)
    if e.ndim == 2:
        e = e.sum(axis=0)
    elif e.ndim != 1:
        raise ValueError(f"env must be [frames] or [bands, frames], got shape {e.shape}")
    if not env_sr > 0:
        raise ValueError(f"env_sr must be positive, got {env_sr}")
    if method == "flux":
        curve = np.maximum(np.diff(e, prepend=e[0]), 0.0)  # curve[i] = rise into frame i
    elif method == "peak":
        curve = e
    else:
        raise ValueError(f"method must be 'flux' or 'peak', got {method!r}")
    curve = curve - curve.min()
    peak = curve.max()
    if peak <= 0:
        return np.zeros(0)
    curve = curve / peak
    wait = max(0, int(round(wait_s * env_sr)))
    frames = librosa.util.peak_pick(
        curve, pre_max=1, post_max=1, pre_avg=max(1, int(round(0.1 * env_sr))), post_avg=1,
        delta=delta, wait=wait,
    )
    return np.asarray(frames, dtype=np.float64) / env_sr


# ---------------------------------------------------------------------------------------------
# impact synthesis
# ---------------------------------------------------------------------------------------------


def modal_impact(
    freqs_hz,
    decays_s,
    amps,
    sr: int = 16000,
    duration_s: float = 0.5,
    onset_s: float = 0.0,
    phases=None,
) -> np.ndarray:
    """Modal synthesis of an impact: ``sum_k a_k exp(-t/tau_k) sin(2 pi f_k t + phi_k)``, t >= 0.

    Here ``t`` is the time since ``onset_s``; the output is 0 before the onset. Modes at or
    above the Nyquist frequency ``sr / 2`` are dropped (they would alias).

    Args:
        freqs_hz: ``[K]`` mode frequencies in Hz (or a scalar).
        decays_s: ``[K]`` decay time constants tau in seconds (> 0).
        amps: ``[K]`` amplitudes.
        sr: sample rate in Hz.
        duration_s: output length in seconds (``round(duration_s * sr)`` samples).
        onset_s: time of the strike in seconds (may fall between samples).
        phases: ``[K]`` initial phases in radians (default 0: the sound starts without a click).

    Returns:
        float32 ``[round(duration_s * sr)]`` (not normalised: scale ``amps`` to stay in [-1, 1]).

    Notebook: 01_sound_and_vision
    """
    sr = _check_sr(sr)
    f = np.atleast_1d(np.asarray(freqs_hz, dtype=np.float64))
    tau = np.atleast_1d(np.asarray(decays_s, dtype=np.float64))
    a = np.atleast_1d(np.asarray(amps, dtype=np.float64))
    phi = np.zeros_like(f) if phases is None else np.atleast_1d(np.asarray(phases, dtype=np.float64))
    if f.ndim != 1 or not (f.shape == tau.shape == a.shape == phi.shape):
        raise ValueError(
            "freqs_hz, decays_s, amps (and phases) must be 1-D of equal length, got shapes "
            f"{f.shape}, {tau.shape}, {a.shape}, {phi.shape}"
        )
    if np.any(tau <= 0) or not np.all(np.isfinite(tau)):
        raise ValueError(f"decays_s must be positive and finite, got {tau}")
    if np.any(f < 0) or not np.all(np.isfinite(f)):
        raise ValueError(f"freqs_hz must be non-negative and finite, got {f}")
    if not duration_s > 0:
        raise ValueError(f"duration_s must be positive, got {duration_s}")
    n = int(round(duration_s * sr))
    keep = f < sr / 2.0
    f, tau, a, phi = f[keep], tau[keep], a[keep], phi[keep]
    t = np.arange(n) / sr - onset_s
    active = t >= 0
    y = np.zeros(n, dtype=np.float64)
    if f.size and active.any():
        ta = t[active][None, :]  # modes x time broadcasting
        modes = a[:, None] * np.exp(-ta / tau[:, None]) * np.sin(2 * np.pi * f[:, None] * ta + phi[:, None])
        y[active] = modes.sum(axis=0)
    return y.astype(np.float32)


def band_noise(
    n: int, sr: int, f_lo: float, f_hi: float, rng: np.random.Generator, rms: float = 0.1
) -> np.ndarray:
    """Band-limited white noise (ideal band-pass in the frequency domain), e.g. for scratches.

    Args:
        n: length in samples.
        sr: sample rate in Hz.
        f_lo, f_hi: pass band in Hz, ``0 <= f_lo < f_hi <= sr / 2``.
        rng: numpy Generator for the noise.
        rms: output RMS level (0.1 keeps peaks well inside [-1, 1]).

    Returns:
        float32 ``[n]``.

    Notebook: 01_sound_and_vision
    """
    sr = _check_sr(sr)
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    if int(n) < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    if not 0.0 <= f_lo < f_hi <= sr / 2.0:
        raise ValueError(f"need 0 <= f_lo < f_hi <= sr/2, got f_lo={f_lo}, f_hi={f_hi}, sr={sr}")
    n = int(n)
    X = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1.0 / sr)
    X[(freqs < f_lo) | (freqs > f_hi)] = 0.0
    y = np.fft.irfft(X, n=n)
    level = np.sqrt(np.mean(y**2))
    if level > 0:
        y *= rms / level
    return y.astype(np.float32)


def rms_envelope(x, sr: int, env_sr: int = 90) -> np.ndarray:
    """Loudness envelope: RMS over windows of ``sr / env_sr`` samples centred on each frame.

    Args:
        x: ``[n]`` samples.
        sr: sample rate in Hz.
        env_sr: envelope rate in Hz.

    Returns:
        float32 ``[round(n / sr * env_sr)]``; frame ``i`` is centred at ``i / env_sr`` s (the
        same time grid as :func:`cochleagram`).

    Notebook: 01_sound_and_vision
    """
    sr = _check_sr(sr)
    if not env_sr > 0:
        raise ValueError(f"env_sr must be positive, got {env_sr}")
    a = _as_mono(x).astype(np.float64)
    n = a.shape[0]
    frames = _n_env_frames(n, sr, env_sr)
    hop = sr / env_sr
    centres = np.arange(frames) * hop
    lo = np.clip(np.round(centres - hop / 2).astype(np.int64), 0, n)
    hi = np.clip(np.round(centres + hop / 2).astype(np.int64), 0, n)
    hi = np.maximum(hi, np.minimum(lo + 1, n))  # at least one sample per window
    csum = np.concatenate([[0.0], np.cumsum(a * a)])
    power = (csum[hi] - csum[lo]) / np.maximum(hi - lo, 1)
    return np.sqrt(np.maximum(power, 0.0)).astype(np.float32)


# ---------------------------------------------------------------------------------------------
# texture statistics (McDermott & Simoncelli 2011)
# ---------------------------------------------------------------------------------------------

TEXTURE_CORR_OFFSETS: tuple[int, ...] = (1, 2, 3, 5)
"""Channel offsets ``d`` of the envelope correlations ``corr(channel i, channel i + d)``."""

_TEXTURE_KEYS = ("mean", "std", "corr", "mod_power", "loudness")


def texture_dim(n_bands: int = 30, n_mod: int = 10) -> int:
    """Length of :func:`texture_vector` for ``C = n_bands + 2`` channels.

    ``2 C`` (means, stds) ``+ sum_d (C - d)`` (correlations) ``+ C n_mod`` (modulation power)
    ``+ 1`` (loudness). For the defaults: 64 + 117 + 320 + 1 = 502, the size used by Owens et al.,
    "Ambient Sound Provides Supervision for Visual Learning" (ECCV 2016).

    Args:
        n_bands: number of ERB band-pass channels (the low/high-pass ends are added).
        n_mod: number of modulation bands.

    Returns:
        The dimension as an int.

    Notebook: 06_2016_ambient_sound_supervision
    """
    c = n_bands + 2
    return 2 * c + sum(max(c - d, 0) for d in TEXTURE_CORR_OFFSETS) + c * n_mod + 1


def texture_statistics(
    x,
    sr: int,
    n_bands: int = 30,
    env_sr: int = 400,
    fmin: float = 20.0,
    fmax: float = 10000.0,
    compression: float = 0.3,
    n_mod: int = 10,
    mod_range_hz: tuple[float, float] = (0.5, 200.0),
) -> dict[str, np.ndarray]:
    """Compact McDermott-Simoncelli sound-texture statistics of the ERB subband envelopes.

    The envelopes are exactly :func:`cochleagram` ``(x, sr, n_bands, fmin, fmax, env_sr,
    compression)``: ``C = n_bands + 2`` channels (low-pass, band-passes, high-pass). One clip of
    :func:`texture_vectors`.

    Args:
        x: ``[n]`` samples (use >= 2 s so that the slowest modulation band contains bins).
        sr: sample rate in Hz.
        n_bands: number of ERB band-pass channels.
        env_sr: envelope rate in Hz (its Nyquist frequency limits the top modulation band).
        fmin, fmax, compression: cochleagram settings.
        n_mod: number of log-spaced modulation bands.
        mod_range_hz: modulation frequency range in Hz.

    Returns:
        dict of float32 arrays:
        ``mean`` ``[C]`` envelope means;
        ``std`` ``[C]`` envelope standard deviations divided by the means;
        ``corr`` ``[sum_d (C - d)]`` Pearson correlations of channels ``(i, i + d)`` for ``d``
        in :data:`TEXTURE_CORR_OFFSETS`, ordered by ``d`` then ``i``;
        ``mod_power`` ``[C, n_mod]`` fraction of each envelope's variance that falls in each
        modulation band (edges ``geomspace(*mod_range_hz, n_mod + 1)`` Hz, rows sum to <= 1);
        ``loudness`` ``[1]`` RMS of the waveform;
        ``mod_edges_hz`` ``[n_mod + 1]`` the modulation band edges (not part of the vector).

    Notebook: 06_2016_ambient_sound_supervision
    """
    stats = _texture_statistics_batch(_as_mono(x)[None], sr, n_bands, env_sr, fmin, fmax, compression, n_mod,
                                      mod_range_hz)
    return {k: (v if k == "mod_edges_hz" else v[0]) for k, v in stats.items()}


def texture_vectors(
    audio,
    sr: int,
    n_bands: int = 30,
    env_sr: int = 400,
    fmin: float = 20.0,
    fmax: float = 10000.0,
    compression: float = 0.3,
    n_mod: int = 10,
    mod_range_hz: tuple[float, float] = (0.5, 200.0),
) -> np.ndarray:
    """:func:`texture_vector` ``(`` :func:`texture_statistics` ``)`` of many clips at once.

    Args:
        audio: ``[N, n]`` waveforms at ``sr`` Hz (>= 2 s each).
        sr, n_bands, env_sr, fmin, fmax, compression, n_mod, mod_range_hz: as for
            :func:`texture_statistics`.

    Returns:
        float32 ``[N, texture_dim(n_bands, n_mod)]`` (502 for the defaults, the paper's size).

    Notebook: 06_2016_ambient_sound_supervision
    """
    stats = _texture_statistics_batch(audio, sr, n_bands, env_sr, fmin, fmax, compression, n_mod, mod_range_hz)
    n = len(stats["mean"])
    return np.concatenate([stats[k].reshape(n, -1) for k in _TEXTURE_KEYS], axis=1)


def _texture_statistics_batch(audio, sr, n_bands, env_sr, fmin, fmax, compression, n_mod,
                              mod_range_hz) -> dict[str, np.ndarray]:
    """:func:`texture_statistics` with a leading clip axis on every array but ``mod_edges_hz``."""
    sr = _check_sr(sr)
    a = np.asarray(audio, dtype=np.float32)
    env = cochleagrams(a, sr, n_bands, fmin, fmax, env_sr, compression).astype(np.float64)  # [N, C, F]
    tiny = 1e-12
    mean = env.mean(axis=2)
    centred = env - mean[..., None]
    sd = centred.std(axis=2)
    z = centred / (sd[..., None] + tiny)  # a constant channel gets correlation 0, not NaN
    c, frames = env.shape[1], env.shape[2]
    corr = np.concatenate([(z[:, :-d] * z[:, d:]).mean(axis=2) for d in TEXTURE_CORR_OFFSETS if d < c], axis=1)
    # power spectrum of each centred envelope: by Parseval its bins share out the variance
    # (one-sided spectrum: bins other than DC and Nyquist count twice)
    power = np.abs(np.fft.rfft(centred, axis=2)) ** 2
    power[:, :, 1:(frames + 1) // 2] *= 2.0
    fm = np.fft.rfftfreq(frames, 1.0 / env_sr)
    edges = np.geomspace(mod_range_hz[0], mod_range_hz[1], n_mod + 1)
    band_of_bin = np.digitize(fm, edges) - 1  # -1 or n_mod: outside the range
    onehot = (band_of_bin[:, None] == np.arange(n_mod)[None, :]).astype(np.float64)
    mod_power = (power @ onehot) / (power.sum(axis=2, keepdims=True) + tiny)  # [N, C, n_mod]
    loudness = np.sqrt(np.mean(a.astype(np.float64) ** 2, axis=1, keepdims=True))
    return {
        "mean": mean.astype(np.float32),
        "std": (sd / (mean + tiny)).astype(np.float32),
        "corr": corr.astype(np.float32),
        "mod_power": mod_power.astype(np.float32),
        "loudness": loudness.astype(np.float32),
        "mod_edges_hz": edges.astype(np.float32),
    }


def texture_vector(stats: dict[str, np.ndarray]) -> np.ndarray:
    """Concatenate texture statistics into one vector: ``mean, std, corr, mod_power, loudness``.

    Args:
        stats: output of :func:`texture_statistics`.

    Returns:
        float32 ``[texture_dim(n_bands, n_mod)]`` (502 for the defaults).

    Notebook: 06_2016_ambient_sound_supervision
    """
    missing = [k for k in _TEXTURE_KEYS if k not in stats]
    if missing:
        raise ValueError(f"texture statistics lack keys {missing}")
    return np.concatenate([np.ravel(stats[k]).astype(np.float32) for k in _TEXTURE_KEYS])
