"""SynthScenes: animated ambient textures with matching sound textures (the VAS/VEGAS world).

Eight categories, each a moving picture whose motion parameters also drive its sound, so that
vision predicts sound (and the reverse) without being a copy of the label:

=========  ===========================================  ==========================================
category   picture                                       sound
=========  ===========================================  ==========================================
rain       falling streaks (density, speed)              dense droplet clicks in high-passed noise
stream     water texture sliding sideways (speed)        band noise + bubbles, louder when faster
fire       rising flame texture, flicker, sparks         rumble + crackles at the spark times
wind       grass swaying with the gusts                  low-passed noise modulated by the gusts
waves      swell bands moving in at the wave period      surf noise with the same period
engine     a spinning wheel (rate)                       harmonic buzz at the wheel's rate × spokes
crickets   night, dots blinking with the chirps          4-5 kHz pulse trains at the chirp times
birds      birds crossing the sky, flapping              FM chirps at the flaps
=========  ===========================================  ==========================================

Optionally (``mix_prob``) a quieter second source of another category is heard (not seen), as in
real ambient recordings. The layout is a VAS/VEGAS-style tree of class folders,
``<root>/<category>/<id>.mp4`` plus ``train.txt`` / ``test.txt`` (relative paths), read by
:mod:`foley_nb_utils.datasets.class_folders`.

Notebook: 03_datasets (and 06_2016_ambient_sound_supervision, 09_2018_visual_to_sound,
16_2020_autofoley, 23_2023_mm_diffusion)
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
from scipy.signal import oaconvolve

from . import common as C
from .common import SceneBatch

SCENE = "scenes"

#: The ambient categories (class folder names).
CATEGORIES: tuple[str, ...] = ("rain", "stream", "fire", "wind", "waves", "engine", "crickets", "birds")
CLASSES = CATEGORIES

DEFAULTS: dict[str, dict[str, Any]] = {
    "quick": dict(size=64, fps=10.0, duration_s=2.0, sr=16000, mix_prob=0.0),
    "full": dict(size=128, fps=15.0, duration_s=4.0, sr=16000, mix_prob=0.0),
}


def _palette(v: np.ndarray, cols: list) -> np.ndarray:
    """Map values in [0, 1] ``[...]`` to RGB float32 ``[..., 3]`` by linear interpolation through
    the colours ``cols`` (evenly spaced)."""
    cols = np.asarray(cols, np.float32)
    xp = np.linspace(0, 1, len(cols))
    out = np.empty(np.shape(v) + (3,), np.float32)
    for c in range(3):
        out[..., c] = np.interp(v, xp, cols[:, c])
    return out


def _scroll(tex: np.ndarray, T: int, S: int, vx: float, vy: float, fps: float) -> np.ndarray:
    """Frames ``[T, S, S]`` of a periodic texture moving at (vx, vy) px/s (wrap-around)."""
    h, w = tex.shape
    t = np.arange(T) / fps
    ys = (np.arange(S)[None, :] - np.round(vy * t)[:, None].astype(np.int64)) % h      # [T, S]
    xs = (np.arange(S)[None, :] - np.round(vx * t)[:, None].astype(np.int64)) % w
    return tex[ys[:, :, None], xs[:, None, :]]


def _render(r: np.random.Generator, cat: str, T: int, S: int, fps: float, D: float) -> tuple[np.ndarray, dict]:
    """float32 frames [T, S, S, 3] and the parameters the sound must follow."""
    t = np.arange(T) / fps
    yy = np.arange(S, dtype=np.float32)[:, None] / S
    xx = np.arange(S, dtype=np.float32)[None, :] / S
    p: dict[str, Any] = {}
    if cat == "rain":
        dens = r.uniform(0.2, 1.0)
        speed = r.uniform(2.0, 4.0) * S
        tex = np.zeros((2 * S, S), np.float32)
        k = int(dens * S * 1.5)
        ys, xs = r.integers(0, 2 * S, k), r.integers(0, S, k)
        L = max(2, S // 12)
        for d in range(L):
            tex[(ys + d) % (2 * S), xs] = 1.0 - d / L
        v = _scroll(tex, T, S, 0, speed, fps)
        bg = _palette(0.3 + 0.4 * yy, [(.15, .17, .22), (.30, .33, .38)])
        frames = bg[None] * (1 - 0.8 * v[..., None]) + 0.8 * v[..., None] * np.float32(0.85)
        p.update(density=dens, speed=speed / S)
    elif cat == "stream":
        speed = r.uniform(0.3, 1.2) * S
        tex = C.fourier_texture(r, S, 2 * S, 8, (2, 8), 0, 25, periodic=True)
        v = _scroll(tex, T, S, speed * (1 if r.random() < 0.5 else -1), 0, fps)
        foam = (v > 1.4).astype(np.float32)
        frames = _palette(0.5 + 0.18 * v, [(.05, .2, .25), (.15, .4, .45), (.5, .7, .7)]) + 0.5 * foam[..., None]
        p.update(speed=speed / S)
    elif cat == "fire":
        tex = C.fourier_texture(r, 2 * S, S, 8, (2, 6), 90, 30, periodic=True)
        rise = r.uniform(0.5, 1.2) * S
        v = _scroll(tex, T, S, 0, -rise, fps)
        flick = 1 + 0.15 * np.sin(2 * np.pi * r.uniform(3, 7) * t + r.uniform(0, 6.3))
        heat = np.clip((0.25 + 0.2 * v) * (0.3 + 1.2 * yy[None]) * flick[:, None, None], 0, 1)
        frames = _palette(heat, [(.03, .02, .02), (.5, .05, .0), (.95, .45, .05), (1, .9, .5)])
        sparks = np.sort(r.uniform(0.05, D - 0.05, int(r.integers(2, 7))))
        for s_t in sparks:  # a bright ember flies up for 3 frames from each crackle
            k0 = int(round(s_t * fps))
            x0, y0 = r.uniform(0.3, 0.7) * S, r.uniform(0.6, 0.85) * S
            for j in range(3):
                if k0 + j < T:
                    yi, xi = int(y0 - j * S * 0.06), int(x0)
                    frames[k0 + j, max(0, yi - 1):yi + 1, max(0, xi - 1):xi + 1] = (1, 1, .7)
        p.update(sparks=sparks, flicker=flick)
    elif cat == "wind":
        gust_f = r.uniform(0.3, 0.8)
        gust = 0.5 + 0.5 * np.sin(2 * np.pi * gust_f * t + r.uniform(0, 6.3))
        tex = C.fourier_texture(r, S, 2 * S, 8, (10, 20), 0, 8, periodic=True)
        horizon = int(r.uniform(0.25, 0.45) * S)
        frames = np.empty((T, S, S, 3), np.float32)
        sky = _palette(yy * np.ones_like(xx), [(.55, .7, .9), (.8, .85, .9)])
        rows = np.arange(S)
        for k in range(T):  # sway: each row shifts with the gust, more at the top of the blades
            shift = (gust[k] * 0.12 * S * np.clip((S - rows) / S, 0, 1)).astype(np.int64)
            g = tex[rows[:, None], (np.arange(S)[None, :] + shift[:, None]) % (2 * S)]
            grass = _palette(0.5 + 0.25 * g, [(.1, .25, .05), (.3, .55, .15), (.6, .75, .3)])
            frames[k] = np.where((rows >= horizon)[:, None, None], grass, sky)
        p.update(gust=gust, gust_f=gust_f)
    elif cat == "waves":
        period = r.uniform(1.0, 2.5)
        phase = r.uniform(0, 1)
        horizon = int(r.uniform(0.2, 0.35) * S)
        frames = np.empty((T, S, S, 3), np.float32)
        for k in range(T):
            u = (t[k] / period + phase - 3.0 * yy) % 1.0        # bands travel towards the viewer
            crest = np.exp(-((u - 0.5) / 0.06) ** 2)
            sea = _palette(0.4 + 0.3 * yy + 0.0 * xx, [(.05, .2, .35), (.1, .35, .5)]) + 0.6 * crest[..., None]
            frames[k] = sea
            frames[k, :horizon] = (.7, .8, .9)
        p.update(period=period, phase=phase)
    elif cat == "engine":
        rate = r.uniform(4, 12)          # revolutions per second
        spokes = int(r.integers(3, 7))
        ang0 = r.uniform(0, 2 * np.pi)
        cx, cy, rad = 0.5 + r.uniform(-0.1, 0.1), 0.5 + r.uniform(-0.1, 0.1), r.uniform(0.25, 0.38)
        dx, dy = xx - cx, yy - cy
        rr = np.sqrt(dx * dx + dy * dy)
        th = np.arctan2(dy, dx)
        base = _palette(0.3 + 0.3 * yy * np.ones_like(xx), [(.25, .25, .27), (.45, .45, .47)])
        frames = np.empty((T, S, S, 3), np.float32)
        for k in range(T):
            a = ang0 + 2 * np.pi * rate * t[k] / 3.0   # shown slowed down 3x (stroboscopic)
            spoke = np.cos(spokes * (th - a)) > 0.85
            wheel = (rr < rad) & ((rr > 0.85 * rad) | spoke | (rr < 0.12 * rad))
            frames[k] = np.where(wheel[..., None], np.float32(0.85), base)
        p.update(rate=rate, spokes=spokes)
    elif cat == "crickets":
        chirp_rate = r.uniform(1.5, 3.5)
        chirps = np.arange(r.uniform(0, 1 / chirp_rate), D - 0.1, 1 / chirp_rate)
        n_dots = int(r.integers(3, 8))
        dots = np.stack([r.uniform(0.1, 0.9, n_dots) * S, r.uniform(0.5, 0.95, n_dots) * S], 1)
        bg = _palette(yy * np.ones_like(xx), [(.02, .03, .08), (.05, .12, .06)])
        frames = np.repeat(bg[None], T, 0)
        on = np.zeros(T, bool)
        for c in chirps:
            on[int(round(c * fps)):int(round((c + 0.12) * fps)) + 1] = True
        for k in np.nonzero(on)[0]:
            for x, y in dots:
                frames[k, int(y) - 1:int(y) + 1, int(x) - 1:int(x) + 1] = (.9, .95, .5)
        p.update(chirps=chirps, carrier=r.uniform(4000, 5200))
    elif cat == "birds":
        n_b = int(r.integers(1, 4))
        frames = np.repeat(_palette(yy * np.ones_like(xx), [(.45, .65, .9), (.75, .85, .95)])[None], T, 0)
        flaps = []
        for _ in range(n_b):
            y0 = r.uniform(0.15, 0.6) * S
            x0, vx = r.uniform(0, S), r.uniform(0.2, 0.5) * S * (1 if r.random() < 0.5 else -1)
            fr = r.uniform(2, 4)
            ph = r.uniform(0, 1)
            for k in range(T):
                x = (x0 + vx * t[k]) % S
                up = ((t[k] * fr + ph) % 1.0) < 0.5
                w = max(2, S // 16)
                for j in range(-w, w + 1):
                    yi = int(y0 + (-abs(j) * 0.5 if up else abs(j) * 0.3))
                    xi = int(x + j) % S
                    frames[k, max(0, yi - 1):yi + 1, xi] = (.1, .1, .12)
            flaps += list(np.arange((1 - ph) / fr, D - 0.1, 1 / fr))
        p.update(chirps=np.sort(np.asarray(flaps)))
    else:  # pragma: no cover - guarded by generate
        raise ValueError(cat)
    return frames.astype(np.float32), p


def _sound(r: np.random.Generator, cat: str, p: dict, sr: int, n: int) -> np.ndarray:
    """float32 [n] sound texture of a category following the picture's parameters."""
    t = np.arange(n, dtype=np.float32) / sr
    D = n / sr
    if cat == "rain":
        y = 0.05 * p["density"] * C.band_noise_iir(r, n, sr, 2000, 7000)
        k = int(p["density"] * 150 * D)
        pos = r.integers(0, n - 64, k)
        click = np.exp(-np.arange(64, dtype=np.float32) / 8.0) * np.sin(np.arange(64, dtype=np.float32) * 1.3)
        drops = np.zeros(n, np.float32)
        np.add.at(drops, pos, r.uniform(0.05, 0.3, k).astype(np.float32))
        y += oaconvolve(drops, click)[:n].astype(np.float32)
    elif cat == "stream":
        y = 0.12 * (0.4 + 0.6 * p["speed"]) * C.band_noise_iir(r, n, sr, 250, 3000)
        for _ in range(int(r.integers(6, 14) * p["speed"] * D)):
            d0, nb = int(r.integers(0, n - 800)), 800
            tb = np.arange(nb, dtype=np.float32) / sr
            f0 = r.uniform(500, 1500)
            C.add_at(y, 0.06 * np.exp(-tb / 0.015) * np.sin(2 * np.pi * f0 * (tb + 6 * tb * tb)), d0)
    elif cat == "fire":
        y = 0.08 * C.band_noise_iir(r, n, sr, 60, 500)
        y *= np.interp(t, np.arange(len(p["flicker"])) / (len(p["flicker"]) / D), p["flicker"]).astype(np.float32)
        for s_t in p["sparks"]:
            nb = int(0.02 * sr)
            C.add_at(y, 0.4 * C.band_noise_iir(r, nb, sr, 1000, 6000) * np.exp(-np.arange(nb) / (0.003 * sr)),
                     int(s_t * sr))
        for _ in range(int(8 * D)):  # small crackles without a spark
            nb = int(0.01 * sr)
            C.add_at(y, 0.08 * C.band_noise_iir(r, nb, sr, 1000, 6000) * np.exp(-np.arange(nb) / (0.002 * sr)),
                     int(r.integers(0, n - nb)))
    elif cat == "wind":
        g = np.interp(t, np.arange(len(p["gust"])) / (len(p["gust"]) / D), p["gust"]).astype(np.float32)
        y = 0.15 * (0.2 + g) * C.band_noise_iir(r, n, sr, 80, 900)
    elif cat == "waves":
        u = (t / p["period"] + p["phase"] - 0.75) % 1.0     # the crest reaches the shore
        env = 0.2 + np.exp(-((u - 0.5) / 0.15) ** 2)
        y = 0.12 * env.astype(np.float32) * C.band_noise_iir(r, n, sr, 150, 2500)
    elif cat == "engine":
        f0 = p["rate"] * p["spokes"] * 4.0            # firing rate follows the wheel
        k = np.arange(1, min(30, max(2, int(0.4 * sr / f0))))
        amp = k ** -1.2
        table = C.wavetable(0.25 * amp / amp.sum(), r.uniform(0, 6.3, len(k)))
        y = C.play_wavetable(table, f0 * np.arange(n) / sr)
        y = y * (1 + 0.1 * np.sin(2 * np.pi * p["rate"] * t)) + 0.02 * C.band_noise_iir(r, n, sr, 100, 3000)
    elif cat == "crickets":
        y = np.zeros(n, np.float32)
        fc = min(p["carrier"], 0.45 * sr)
        for c in p["chirps"]:
            for j in range(3):               # three pulses per chirp
                nb = int(0.025 * sr)
                tb = np.arange(nb, dtype=np.float32) / sr
                C.add_at(y, 0.15 * np.sin(np.pi * tb / tb[-1]) * np.sin(2 * np.pi * fc * tb), int((c + 0.04 * j) * sr))
        y += 0.003 * C.band_noise_iir(r, n, sr, 200, 4000)
    elif cat == "birds":
        y = 0.004 * C.band_noise_iir(r, n, sr, 200, 3000)
        for c in p["chirps"]:
            nb = int(r.uniform(0.05, 0.12) * sr)
            tb = np.arange(nb, dtype=np.float32) / sr
            f0, f1 = r.uniform(2000, 3500), r.uniform(3000, min(6000, 0.45 * sr))
            ph = 2 * np.pi * (f0 * tb + (f1 - f0) * tb * tb / (2 * tb[-1]))
            C.add_at(y, 0.15 * np.sin(np.pi * tb / tb[-1]) * np.sin(ph), int(c * sr))
    else:  # pragma: no cover
        raise ValueError(cat)
    return y.astype(np.float32)


def generate(n: int, seed: int, profile: str = "quick", *, start: int = 0, **overrides: Any) -> SceneBatch:
    """Generate ``n`` ambient clips, one category each (uniformly drawn).

    Args:
        n: number of clips.
        seed: the world's seed.
        profile: ``"quick"`` (2 s, 64×64, 10 fps, 16 kHz) or ``"full"`` (4 s, 128×128, 15 fps).
        start: index of the first clip.
        **overrides: ``size``, ``fps``, ``duration_s``, ``sr``, ``mix_prob`` (chance of an
            unseen second source at -12 dB).

    Returns:
        A :class:`SceneBatch`: ``frames`` uint8 ``[n, T, S, S, 3]``, ``audio`` float32
        ``[n, round(duration_s * sr)]``, labels ``category`` (index into ``CATEGORIES``) and
        ``secondary`` (the unseen source's category or -1); ids ``"<category>_<index>"``.

    Notebook: 03_datasets
    """
    C.check_counts(n, seed, start)
    cfg = C.resolve_settings(SCENE, profile, DEFAULTS, overrides)
    S, fps, D, sr = int(cfg["size"]), float(cfg["fps"]), float(cfg["duration_s"]), int(cfg["sr"])
    C.check_size(S, S, SCENE)
    if not (fps > 0 and D >= 0.5 and sr >= 8000):
        raise ValueError(f"scenes: need fps > 0, duration_s >= 0.5 and sr >= 8000, got {fps}, {D}, {sr}")
    cfg.update(size=S, fps=fps, duration_s=D, sr=sr)
    T, ns = int(round(D * fps)), int(round(D * sr))
    frames = np.empty((n, T, S, S, 3), np.uint8)
    audio = np.empty((n, ns), np.float32)
    lab = {"category": np.zeros(n, np.int64), "secondary": np.full(n, -1, np.int64)}
    ids = []
    for i, r in enumerate(C.clip_rngs(seed, SCENE, start, n)):
        k = int(r.integers(len(CATEGORIES)))
        cat = CATEGORIES[k]
        fr, p = _render(r, cat, T, S, fps, D)
        light = r.uniform(0.8, 1.15) * r.uniform(0.94, 1.06, 3)
        frames[i] = C.to_uint8(fr * light.astype(np.float32))
        y = _sound(r, cat, p, sr, ns)
        if r.random() < cfg["mix_prob"]:
            k2 = int(r.integers(len(CATEGORIES) - 1))
            k2 += k2 >= k
            _, p2 = _render(r, CATEGORIES[k2], T, max(16, S // 4), fps, D)
            y = y + 0.25 * _sound(r, CATEGORIES[k2], p2, sr, ns)
            lab["secondary"][i] = k2
        audio[i] = np.clip(y, -1, 1)
        lab["category"][i] = k
        ids.append(f"{cat}_{start + i:06d}")
    config = {"scene": SCENE, "seed": int(seed), "profile": profile, "start": int(start), "n": int(n),
              "settings": cfg, "version": C.GENERATOR_VERSION}
    return SceneBatch(frames, audio, fps, sr, ids, lab, [[] for _ in range(n)], {}, SCENE,
                      {"category": CATEGORIES, "secondary": CATEGORIES}, config)


def _write_items(batch: SceneBatch, folder: Path, index0: int = 0) -> list[tuple[str, bool]]:
    """``<category>/<id>.mp4`` (H.264 + AAC) per clip."""
    from .. import video as V

    out = []
    for i in range(len(batch)):
        cat = CATEGORIES[int(batch.labels["category"][i])]
        rel = f"{cat}/{batch.ids[i]}.mp4"
        V.write_video(folder / rel, batch.frames[i], batch.fps, audio=batch.audio[i], sr=batch.sr)
        out.append((rel, C.is_test(index0 + i)))
    return out


def _finish(folder: Path, items: list[tuple[str, bool]], config: dict[str, Any]) -> None:
    """``train.txt`` / ``test.txt`` listing the clips' relative paths."""
    C.write_text_atomic(folder / "train.txt", "".join(f"{p}\n" for p, t in items if not t))
    C.write_text_atomic(folder / "test.txt", "".join(f"{p}\n" for p, t in items if t))


def write_layout(batch: SceneBatch, root) -> Path:
    """Write ``batch`` as class folders of mp4 (VAS/VEGAS style), atomically.

    Args:
        batch: from :func:`generate`.
        root: destination folder.

    Returns:
        ``root`` as a Path.

    Notebook: 03_datasets
    """
    return C.write_batch_layout(sys.modules[__name__], batch, root)


__all__ = ["CATEGORIES", "CLASSES", "DEFAULTS", "generate", "write_layout"]
