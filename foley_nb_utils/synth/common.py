"""Shared pieces of the synthetic world: the batch/clip/event containers, per-clip random
streams, procedural textures and stamps, a fast modal-synthesis bank, and atomic layout writing.

Every scene module (:mod:`.hits`, :mod:`.instruments`, :mod:`.scenes`, :mod:`.keyboard`,
:mod:`.dance`) returns a :class:`SceneBatch` and writes its real dataset's on-disk layout through
:func:`write_tree_atomically`.

Reproducibility: clip ``i`` of a scene draws every random number from its own stream
``repro.rng(seed, scene, "clip", i)``, so ``generate(5, seed)`` equals the first five clips of
``generate(100, seed)`` and a layout can be generated in chunks (``start=``) with the same result.

Notebook: 03_datasets
"""
from __future__ import annotations

import functools
import json
import math
import os
import shutil
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .. import repro
from ..atomic import write_json, write_text
# The clip types belong to no generator: loaders of real data use them too.
from ..clips import Clip, Event, SceneBatch, event_from_json, event_to_json

#: Bump when any generator's output changes: it is part of every layout/cache key.
GENERATOR_VERSION = 1

#: File that marks (and describes) a layout written by the synthetic world.
MANIFEST = "synth_manifest.json"


# --------------------------------------------------------------------------- settings
def resolve_settings(scene: str, profile: str, defaults: dict[str, dict[str, Any]],
                     overrides: dict[str, Any]) -> dict[str, Any]:
    """A scene's settings for ``profile`` with ``overrides`` applied (unknown names → ValueError).

    Notebook: 03_datasets
    """
    cfg = vars(repro.pick(profile, quick=defaults["quick"], full=defaults["full"])).copy()
    bad = sorted(set(overrides) - set(cfg))
    if bad:
        raise ValueError(f"{scene}.generate: unknown setting(s) {bad}; known: {sorted(cfg)}")
    cfg.update(overrides)
    return cfg


def check_counts(n: int, seed: int, start: int = 0) -> None:
    """ValueError unless ``n >= 0``, ``seed >= 0`` and ``start >= 0`` are integers.

    Notebook: 03_datasets
    """
    for name, v in (("n", n), ("seed", seed), ("start", start)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {v!r}")


def check_size(h: int, w: int, scene: str) -> None:
    """Frames go to H.264 (yuv420p): both sides must be even and at least 16 px.

    Notebook: 03_datasets
    """
    if h % 2 or w % 2 or h < 16 or w < 16:
        raise ValueError(f"{scene}: frame size {w}x{h} (WxH) must be even and at least 16 px")


def clip_rngs(seed: int, scene: str, start: int, n: int) -> list[np.random.Generator]:
    """Independent generators for clips ``start .. start+n-1`` of a scene.

    Notebook: 03_datasets
    """
    return [repro.rng(seed, scene, "clip", start + i) for i in range(n)]


def timestamp_ids(seed: int, scene: str, start: int, n: int) -> list[str]:
    """Greatest-Hits style recording IDs (``2015-02-16-16-49-06``) made from the seed.

    Consecutive recordings are 40–140 s apart, starting somewhere in 2015, so IDs are unique,
    sorted, and clip ``i`` has the same ID whatever ``n`` is.

    Notebook: 03_datasets
    """
    r = repro.rng(seed, scene, "ids")
    t0 = datetime(2015, 1, 1) + timedelta(seconds=int(r.integers(0, 300 * 86400)))
    gaps = r.integers(40, 141, size=start + n)
    offs = np.concatenate([[0], np.cumsum(gaps)])[start:start + n]
    return [(t0 + timedelta(seconds=int(o))).strftime("%Y-%m-%d-%H-%M-%S") for o in offs]


def is_test(i: int) -> bool:
    """Deterministic 80/20 split by clip index (every fifth clip is a test clip).

    Notebook: 03_datasets
    """
    return i % 5 == 4


# --------------------------------------------------------------------------- images
def fourier_texture(rng: np.random.Generator, h: int, w: int, n_comp: int, cycles: tuple[float, float],
                    angle_deg: float = 0.0, spread_deg: float = 180.0, periodic: bool = False) -> np.ndarray:
    """A random sum of plane waves, float32 ``[h, w]`` with zero mean and unit std.

    Args:
        rng: the clip's generator.
        h, w: size in pixels.
        n_comp: number of plane waves.
        cycles: (low, high) spatial frequency in cycles per ``w`` pixels (scale-free sizes).
        angle_deg: mean direction of the wave vectors (0 = varies along x: vertical stripes).
        spread_deg: half-width of the uniform spread of directions around ``angle_deg``.
        periodic: round the wave vectors to whole cycles per ``w`` and per ``h`` so that the
            texture tiles seamlessly (for textures that scroll with wrap-around).

    Returns:
        float32 ``[h, w]``.

    Notebook: 03_datasets
    """
    f = rng.uniform(cycles[0], cycles[1], n_comp) / w          # cycles per pixel
    th = np.deg2rad(angle_deg + rng.uniform(-spread_deg, spread_deg, n_comp))
    ph = rng.uniform(0, 2 * np.pi, n_comp)
    amp = rng.uniform(0.5, 1.0, n_comp)
    fx, fy = f * np.cos(th), f * np.sin(th)
    if periodic:
        fx, fy = np.round(fx * w) / w, np.round(fy * h) / h
    x = np.arange(w, dtype=np.float32)[:, None]
    y = np.arange(h, dtype=np.float32)[:, None]
    ax = (2 * np.pi * fx).astype(np.float32)[None, :] * x      # [w, K]
    by = (2 * np.pi * fy).astype(np.float32)[None, :] * y + ph.astype(np.float32)  # [h, K]
    # cos(a + b) = cos a cos b - sin a sin b: two small matrix products instead of K full images
    a = amp.astype(np.float32)
    tex = (np.cos(by) * a) @ np.cos(ax).T - (np.sin(by) * a) @ np.sin(ax).T
    tex -= tex.mean()
    sd = tex.std()
    return (tex / sd if sd > 0 else tex).astype(np.float32)


def block_noise(rng: np.random.Generator, h: int, w: int, cell: int = 1) -> np.ndarray:
    """Uniform noise in [-1, 1] with ``cell``×``cell`` pixel blocks (grain), float32 ``[h, w]``.

    Notebook: 03_datasets
    """
    hh, ww = -(-h // cell), -(-w // cell)
    n = rng.random((hh, ww), dtype=np.float32) * 2 - 1
    if cell > 1:
        n = np.repeat(np.repeat(n, cell, 0), cell, 1)
    return n[:h, :w]


def paint_disks(video: np.ndarray, t: np.ndarray, cx: np.ndarray, cy: np.ndarray, r: np.ndarray,
                color, alpha) -> None:
    """Blend many filled disks into a video at once (in place), one per (frame, centre) row.

    Vectorised over all disks: this is what keeps the hits renderer fast. Where disks of one
    frame overlap, the later one wins.

    Args:
        video: uint8 ``[T, H, W, 3]``.
        t: int ``[K]`` frame index of each disk.
        cx, cy: ``[K]`` centres in pixels (x = column, y = row).
        r: ``[K]`` radii in pixels.
        color: RGB ``[3]`` or ``[K, 3]`` in [0, 255].
        alpha: opacity, scalar or ``[K]`` in [0, 1].

    Notebook: 03_datasets
    """
    t = np.asarray(t, np.int64).reshape(-1)
    if t.size == 0:
        return
    T, H, W = video.shape[:3]
    cx, cy, r = (np.broadcast_to(np.asarray(v, np.float32), t.shape) for v in (cx, cy, r))
    R = int(math.ceil(float(r.max()))) + 1
    o = np.arange(-R, R + 1, dtype=np.int64)
    ix = np.floor(cx).astype(np.int64)[:, None, None] + o[None, None, :]     # [K, 1, n]
    iy = np.floor(cy).astype(np.int64)[:, None, None] + o[None, :, None]     # [K, n, 1]
    d2 = (ix - cx[:, None, None]) ** 2 + (iy - cy[:, None, None]) ** 2
    m = (d2 <= (r * r)[:, None, None]) & (ix >= 0) & (ix < W) & (iy >= 0) & (iy < H)
    k, a_, b_ = np.nonzero(m)
    flat = (t[k] * H + iy[k, a_, 0]) * W + ix[k, 0, b_]
    v = video.reshape(-1, 3)
    col = np.asarray(color, np.float32)
    col = col[k] if col.ndim == 2 else col[None, :]
    al = np.broadcast_to(np.asarray(alpha, np.float32), t.shape)[k][:, None]
    v[flat] = (v[flat] * (1 - al) + col * al + np.float32(0.5)).astype(np.uint8)


def paint_sprite(video: np.ndarray, offsets: np.ndarray, t: np.ndarray, x: np.ndarray, y: np.ndarray,
                 color) -> None:
    """Paint an opaque sprite (pixel ``offsets`` ``[P, 2]`` as (dy, dx) from its anchor) into
    frames ``t`` at integer anchors ``(x, y)``, in place, clipped at the borders.

    Notebook: 03_datasets
    """
    T, H, W = video.shape[:3]
    t = np.asarray(t, np.int64)
    iy = np.asarray(y, np.int64)[:, None] + offsets[None, :, 0]
    ix = np.asarray(x, np.int64)[:, None] + offsets[None, :, 1]
    ok = (ix >= 0) & (ix < W) & (iy >= 0) & (iy < H)
    flat = ((t[:, None] * H + iy) * W + ix)[ok]
    video.reshape(-1, 3)[flat] = np.asarray(color, np.uint8)


def to_uint8(x: np.ndarray) -> np.ndarray:
    """float image in [0, 1] → uint8 [0, 255] (rounded, clipped).

    Notebook: 03_datasets
    """
    return np.clip(x * 255.0 + 0.5, 0, 255).astype(np.uint8)


# --------------------------------------------------------------------------- sound
def modal_bank(freqs_hz: np.ndarray, decays_s: np.ndarray, sr: int, n: int) -> np.ndarray:
    """Damped sinusoids ``exp(-t/tau_k) sin(2 pi f_k t)``, float32 ``[K, n]``, one row per mode.

    The formula of :func:`foley_nb_utils.audio.modal_impact` (the tests use it as the reference),
    returned per mode so that a clip's hits, which share their material's modes, are weighted
    sums of these rows (``amps @ bank``). Modes at or above Nyquist are zero rows. Fast: with
    ``w = (-1/tau + 2 pi i f) / sr``, ``exp(w (mB + b)) = exp(w m B) exp(w b)``, so only
    ``K (n/B + B)`` complex exponentials are evaluated and the rest are products.

    Args:
        freqs_hz: ``[K]`` mode frequencies in Hz.
        decays_s: ``[K]`` decay time constants in seconds.
        sr: sample rate in Hz.
        n: length in samples.

    Returns:
        float32 ``[K, n]``.

    Notebook: 03_datasets
    """
    f = np.asarray(freqs_hz, dtype=np.float64).reshape(-1)
    tau = np.asarray(decays_s, dtype=np.float64).reshape(-1)
    B = 256
    m = -(-n // B)
    w = (-1.0 / tau + 2j * np.pi * f) / sr
    base = np.exp(w[:, None] * np.arange(B)).astype(np.complex64)          # [K, B]
    step = np.exp(w[:, None] * (B * np.arange(m))).astype(np.complex64)    # [K, m]
    bank = (step[:, :, None] * base[:, None, :]).reshape(len(f), m * B)[:, :n].imag
    bank = np.ascontiguousarray(bank, dtype=np.float32)
    bank[f >= sr / 2] = 0.0
    return bank


def wavetable(amps: np.ndarray, phases: np.ndarray | None = None, size: int = 2048) -> np.ndarray:
    """One period of ``sum_k a_k sin(2 pi k u + phi_k)``, k = 1..K, sampled at ``size`` points
    (float32). Playing it with :func:`play_wavetable` is harmonic synthesis at the cost of a
    table lookup per sample (keep ``K * f0`` below Nyquist: the table is not band-limited
    for you).

    Notebook: 03_datasets
    """
    a = np.asarray(amps, np.float64)
    k = np.arange(1, len(a) + 1)
    if phases is None:
        # sin(2 pi (k j mod size) / size) is entry (k j mod size) of one sine period: a lookup
        # gives the very same float32 numbers as evaluating the sine K times over
        sines = _sine_period(size)[(k[:, None] * np.arange(size)[None]) % size]
    else:
        u = np.arange(size) / size
        arg = (k[:, None] * u[None]) % 1.0 * (2 * np.pi) + np.asarray(phases, np.float64)[:, None]
        sines = np.sin(arg.astype(np.float32))
    return (sines * a[:, None].astype(np.float32)).sum(0)


@functools.lru_cache(maxsize=8)
def _sine_period(size: int) -> np.ndarray:
    """float32 ``sin(2 pi j / size)``, j = 0..size-1, computed as :func:`wavetable` computes it."""
    table = np.sin((np.arange(size) / size * (2 * np.pi)).astype(np.float32))
    table.flags.writeable = False
    return table


def play_wavetable(table: np.ndarray, cycles: np.ndarray) -> np.ndarray:
    """Read a one-period table at a phase given in cycles (``[n]``, any real numbers), with
    linear interpolation; float32 ``[n]``.

    Notebook: 03_datasets
    """
    size = len(table)
    x = (np.asarray(cycles, np.float64) % 1.0) * size
    i = x.astype(np.int64)
    f = (x - i).astype(np.float32)
    ext = np.append(table, table[0])
    return ext[i] * (1 - f) + ext[i + 1] * f


def add_at(y: np.ndarray, x: np.ndarray, start: int) -> None:
    """``y[start:start+len(x)] += x`` in place, clipped to ``y``'s length (``start`` may be < 0).

    Notebook: 03_datasets
    """
    a, b = max(0, start), min(len(y), start + len(x))
    if a < b:
        y[a:b] += x[a - start:b - start]


def envelope_ar(n: int, sr: int, attack_s: float, release_s: float) -> np.ndarray:
    """Linear attack / release gate of ``n`` samples (float32, peak 1).

    Notebook: 03_datasets
    """
    t = np.arange(n, dtype=np.float32)
    a = max(1.0, attack_s * sr)
    r = max(1.0, release_s * sr)
    return np.minimum(1.0, np.minimum((t + 1) / a, (n - t) / r)).astype(np.float32)


@functools.lru_cache(maxsize=512)
def bandpass_sos(lo: float, hi: float, sr: int, order: int = 2) -> np.ndarray:
    """Butterworth band-pass (second-order sections), cached: the synthetic sounds reuse a few
    material/instrument bands thousands of times.

    Notebook: 03_datasets
    """
    from scipy.signal import butter

    return butter(order, [lo, min(hi, 0.49 * sr)], btype="bandpass", fs=sr, output="sos")


def band_noise_iir(r: np.random.Generator, n: int, sr: int, lo: float, hi: float) -> np.ndarray:
    """Unit-RMS band-passed noise, float32 ``[n]``: white noise through :func:`bandpass_sos`.

    A cheaper stand-in for :func:`foley_nb_utils.audio.band_noise` (an ideal FFT band-pass) for
    the many short bursts of the synthetic world.

    Notebook: 03_datasets
    """
    from scipy.signal import sosfilt

    y = sosfilt(bandpass_sos(float(lo), float(hi), int(sr)), r.standard_normal(n, dtype=np.float32))
    y = y.astype(np.float32)
    return y / np.float32(max(float(np.sqrt(np.mean(y * y))), 1e-9))


_TABLE_LEN = 2 ** 16


@functools.lru_cache(maxsize=128)
def _noise_table(lo: float, hi: float, sr: int) -> np.ndarray:
    """A fixed 2**16-sample unit-RMS band-passed noise (:func:`foley_nb_utils.audio.band_noise`,
    seeded by the band), read-only."""
    from .. import audio

    seed = np.random.SeedSequence([int(lo * 10), int(hi * 10), int(sr), 0x5EED])
    y = audio.band_noise(_TABLE_LEN, sr, lo, min(hi, sr / 2), np.random.default_rng(seed), rms=1.0)
    y.flags.writeable = False
    return y


def band_noise_table(r: np.random.Generator, n: int, sr: int, lo: float, hi: float) -> np.ndarray:
    """Unit-RMS band-passed noise, float32 ``[n]``: a random excerpt (random start, random sign)
    of a fixed band-passed noise table per band — the cost of a slice, which is what lets the
    synthetic world make thousands of noise bursts per second. Excerpts of different events are
    different stretches of the table; longer requests fall back to :func:`band_noise_iir`.

    Args:
        r: the clip's generator (chooses the excerpt).
        n: length in samples.
        sr: sample rate in Hz.
        lo, hi: pass band in Hz.

    Returns:
        float32 ``[n]``.

    Notebook: 03_datasets
    """
    if n > _TABLE_LEN // 2:
        return band_noise_iir(r, n, sr, lo, hi)
    tab = _noise_table(float(lo), float(hi), int(sr))
    off = int(r.integers(0, _TABLE_LEN - n))
    return tab[off:off + n] * np.float32(1.0 if r.random() < 0.5 else -1.0)


def one_pole_lowpass(x: np.ndarray, sr: int, fc: float) -> np.ndarray:
    """First-order low-pass (for rumbles and room tone), float32.

    Notebook: 03_datasets
    """
    from scipy.signal import lfilter

    a = float(np.exp(-2 * np.pi * fc / sr))
    return lfilter([1 - a], [1, -a], x).astype(np.float32)


# --------------------------------------------------------------------------- MIDI
def midi_synth_method() -> str:
    """``"fluidsynth"`` when pretty_midi can drive FluidSynth (the pyfluidsynth module and the
    libfluidsynth C library are both present), else ``"sine"`` (pretty_midi's sine synthesis).

    Notebook: 03_datasets
    """
    try:
        import fluidsynth  # noqa: F401  (pyfluidsynth; loading it loads libfluidsynth)
    except (ImportError, OSError):
        return "sine"
    return "fluidsynth"


def render_midi(pm: Any, sr: int, n: int, method: str | None = None) -> np.ndarray:
    """Audio of a ``pretty_midi.PrettyMIDI``: FluidSynth with pretty_midi's bundled General MIDI
    soundfont when available (``method="fluidsynth"``), else pretty_midi's sine synthesis;
    float32 ``[n]`` (cut or zero-padded), peak 0.5 (silence stays silent).

    Notebook: 03_datasets
    """
    method = method or midi_synth_method()
    y = pm.fluidsynth(fs=sr) if method == "fluidsynth" else pm.synthesize(fs=sr)
    out = np.zeros(n, np.float32)
    y = np.asarray(y, np.float32)[:n]
    out[:len(y)] = y
    peak = float(np.abs(out).max())
    return out * np.float32(0.5 / peak) if peak > 0 else out


def midi_bytes(pm: Any) -> bytes:
    """A ``pretty_midi.PrettyMIDI`` as standard MIDI file bytes.

    Notebook: 03_datasets
    """
    import io

    buf = io.BytesIO()
    pm.write(buf)
    return buf.getvalue()


# --------------------------------------------------------------------------- layouts
def _read_manifest(root: Path) -> dict | None:
    try:
        return json.loads((root / MANIFEST).read_text())
    except (OSError, ValueError):
        return None


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _read_umask()  # read once at import: os.umask is process-wide, writers may run in threads


def write_json_atomic(path: Path, obj: Any) -> Path:
    """Write JSON (sorted keys, non-JSON values as text) to ``path`` atomically.

    Notebook: 03_datasets
    """
    return write_json(path, obj, sort_keys=True, default=str)


def write_text_atomic(path: Path, text: str) -> Path:
    """Write text to ``path`` atomically.

    Notebook: 03_datasets
    """
    return write_text(path, text)


def layout_key(config: dict[str, Any]) -> str:
    """Hash that identifies a written layout: the settings that generated it (seed, profile,
    first clip and count, sizes, overrides, generator version, any subset selection).

    Notebook: 03_datasets
    """
    return repro.config_hash(config, n=16)


def write_tree_atomically(root: str | os.PathLike, key: str, manifest: dict[str, Any],
                          write_fn: Callable[[Path], None]) -> Path:
    """Build a dataset folder in a temporary sibling of ``root``, then rename it into place.

    A reader never sees a half-written layout, and a crash leaves ``root`` untouched. An
    existing ``root`` holding the same dataset (same ``key`` in its manifest) is reused; an empty
    folder is replaced; anything else is refused (FileExistsError) rather than overwritten.

    Args:
        root: destination folder.
        key: identity of the dataset (:func:`layout_key`).
        manifest: JSON-able description written to ``root/synth_manifest.json``.
        write_fn: ``write_fn(tmp_folder)`` writes the files.

    Returns:
        ``root`` as a Path.

    Notebook: 03_datasets
    """
    root = Path(root).expanduser()

    def same() -> bool:
        m = _read_manifest(root)
        return m is not None and m.get("key") == key

    if root.exists():
        if not root.is_dir():
            raise FileExistsError(f"{root} exists and is not a folder; choose another root")
        if any(root.iterdir()):
            if same():
                return root
            raise FileExistsError(
                f"{root} already holds a different dataset (no matching {MANIFEST}); refusing to "
                "overwrite it: choose another root or delete that folder")
    root.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{root.name}.tmp-", dir=root.parent))
    os.chmod(tmp, 0o777 & ~_UMASK)       # mkdtemp makes a private folder; a dataset is not
    try:
        write_fn(tmp)
        write_json_atomic(tmp / MANIFEST, {**manifest, "key": key})
        try:
            if root.exists():
                root.rmdir()  # only succeeds when empty
            os.rename(tmp, root)
        except OSError:
            if same():  # another process wrote the same dataset first
                shutil.rmtree(tmp, ignore_errors=True)
                return root
            raise FileExistsError(f"{root} appeared while writing and holds a different dataset") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return root


def batch_manifest(batch: SceneBatch) -> dict[str, Any]:
    """The manifest of a written batch: scene, config, clip count and IDs.

    Notebook: 03_datasets
    """
    return {"scene": batch.scene, "config": batch.config, "n": len(batch), "ids": list(batch.ids),
            "generator_version": GENERATOR_VERSION}


def write_batch_layout(module: Any, batch: SceneBatch, root: str | os.PathLike) -> Path:
    """``module.write_layout``: write ``batch`` with the scene module's ``_write_items`` /
    ``_finish`` into a temporary sibling of ``root`` and rename it into place.

    Notebook: 03_datasets
    """
    if batch.scene != module.SCENE:
        raise ValueError(f"{module.SCENE}.write_layout got a {batch.scene!r} batch")

    def fill(tmp: Path) -> None:
        module._finish(tmp, module._write_items(batch, tmp, batch.config.get("start", 0)), batch.config)

    return write_tree_atomically(root, layout_key(batch.config), batch_manifest(batch), fill)


__all__ = [
    "Clip", "Event", "GENERATOR_VERSION", "MANIFEST", "SceneBatch", "add_at", "band_noise_iir",
    "bandpass_sos", "batch_manifest", "block_noise", "check_counts", "check_size", "clip_rngs", "envelope_ar",
    "event_from_json", "event_to_json", "fourier_texture", "is_test", "layout_key", "midi_bytes",
    "midi_synth_method", "modal_bank", "one_pole_lowpass", "paint_disks", "paint_sprite", "play_wavetable",
    "render_midi", "resolve_settings", "timestamp_ids", "to_uint8", "wavetable",
    "write_batch_layout", "write_json_atomic", "write_text_atomic", "write_tree_atomically"
]
