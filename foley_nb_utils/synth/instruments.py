"""SynthInstruments: a musician's picture ↔ a 0.5 s note of the instrument (the Sub-URMP world).

Each item pairs one image (a player silhouette holding one of 13 instruments, drawn with its
own shape, colour, size and playing posture) with a 0.5 s note of that instrument: harmonic
synthesis with instrument-specific spectra (odd harmonics for the clarinet, a nasal peak for
the oboe, brassy formants, bowed strings with vibrato), attack/decay and breath or bow noise, at
a random pitch in the instrument's range. Each instrument has ``n_players`` players (shirt and
skin colours, size) whose pose is jittered per image, for the pose-oriented scenario.

The layout is Sub-URMP's: ``img/{train,test}/<instrument>/<id>.jpg`` and
``chunk/{train,test}/<instrument>/<id>.wav`` (:mod:`foley_nb_utils.datasets.sub_urmp`).

``SceneBatch.frames`` here is uint8 ``[N, H, W, 3]``: one image per note, no time axis;
``fps`` is 2.0 (Sub-URMP pairs the first frame of each 0.5 s chunk).

Notebook: 03_datasets (and 07_2017_cross_modal_gan, 08_2018_cmcgan, 13_2020_sa_cmgan)
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

from ..datasets.sub_urmp import INSTRUMENTS  # the dataset's vocabulary
from . import common as C
from .common import SceneBatch

SCENE = "instruments"

CLASSES = INSTRUMENTS

DEFAULTS: dict[str, dict[str, Any]] = {
    "quick": dict(size=64, sr=16000, note_s=0.5, n_players=5),
    "full": dict(size=128, sr=22050, note_s=0.5, n_players=5),
}

_WOOD, _DARK_WOOD = (.55, .30, .14), (.35, .18, .08)
_GOLD, _SILVER, _BLACK = (.85, .68, .25), (.80, .82, .85), (.08, .08, .09)

# Sound: MIDI range, harmonic slope, formants (Hz, gain, width), odd-only, vibrato depth,
# attack (s), noise (gain, band Hz). Look: colour, glyph kind, size (fraction of the image).
_I: dict[str, dict[str, Any]] = {
    "bassoon": dict(midi=(34, 72), slope=0.8, formants=((500, 2.0, 250), (1150, 1.2, 300)), odd=False, vib=0.002,
                    attack=0.04, noise=(0.02, (300, 2000)), colour=(.50, .24, .10), glyph="tube", length=0.75,
                    width=0.05, angle=70),
    "cello": dict(midi=(36, 76), slope=1.0, formants=((250, 1.8, 150), (1200, 1.3, 400)), odd=False, vib=0.004,
                  attack=0.06, noise=(0.02, (1000, 4000)), colour=_WOOD, glyph="body", length=0.55, width=0.22,
                  angle=90),
    "clarinet": dict(midi=(50, 89), slope=0.9, formants=((1500, 1.3, 600),), odd=True, vib=0.0, attack=0.03,
                     noise=(0.015, (1500, 5000)), colour=_BLACK, glyph="tube", length=0.42, width=0.035, angle=100),
    "double_bass": dict(midi=(28, 60), slope=1.2, formants=((150, 2.0, 80), (700, 1.2, 300)), odd=False, vib=0.003,
                        attack=0.08, noise=(0.02, (500, 2500)), colour=_DARK_WOOD, glyph="body", length=0.8, width=0.3,
                        angle=90),
    "flute": dict(midi=(60, 96), slope=2.0, formants=(), odd=False, vib=0.004, attack=0.05,
                  noise=(0.05, (2000, 7000)), colour=_SILVER, glyph="tube", length=0.5, width=0.03, angle=0),
    "horn": dict(midi=(41, 77), slope=2.0, formants=((400, 1.5, 200),), odd=False, vib=0.0, attack=0.05,
                 noise=(0.01, (300, 2000)), colour=_GOLD, glyph="coil", length=0.22, width=0.05, angle=0),
    "oboe": dict(midi=(58, 91), slope=0.3, formants=((1200, 2.5, 500), (2800, 1.6, 700)), odd=False, vib=0.002,
                 attack=0.03, noise=(0.015, (2000, 6000)), colour=(.15, .10, .08), glyph="tube", length=0.38,
                 width=0.028, angle=100),
    "sax": dict(midi=(49, 80), slope=0.7, formants=((700, 1.5, 400), (2200, 1.3, 800)), odd=False, vib=0.003,
                attack=0.03, noise=(0.04, (1500, 6000)), colour=_GOLD, glyph="hook", length=0.45, width=0.05, angle=95),
    "trombone": dict(midi=(40, 72), slope=0.8, formants=((550, 1.8, 300), (1400, 1.2, 500)), odd=False, vib=0.0,
                     attack=0.025, noise=(0.01, (500, 3000)), colour=_GOLD, glyph="slide", length=0.7, width=0.03,
                     angle=-5),
    "trumpet": dict(midi=(54, 82), slope=0.6, formants=((1300, 2.0, 500),), odd=False, vib=0.0, attack=0.02,
                    noise=(0.01, (1500, 5000)), colour=_GOLD, glyph="bell", length=0.4, width=0.035, angle=-5),
    "tuba": dict(midi=(28, 58), slope=1.8, formants=((250, 1.6, 120),), odd=False, vib=0.0, attack=0.05,
                 noise=(0.01, (200, 1200)), colour=(.80, .66, .30), glyph="coil", length=0.27, width=0.07, angle=0),
    "viola": dict(midi=(48, 81), slope=1.0, formants=((350, 1.6, 200), (1800, 1.3, 500)), odd=False, vib=0.004,
                  attack=0.05, noise=(0.02, (1500, 5000)), colour=(.45, .22, .10), glyph="fiddle", length=0.3,
                  width=0.12, angle=20),
    "violin": dict(midi=(55, 93), slope=0.9, formants=((300, 1.5, 150), (2500, 1.5, 600)), odd=False, vib=0.005,
                   attack=0.05, noise=(0.02, (2000, 6000)), colour=(.62, .30, .12), glyph="fiddle", length=0.25,
                   width=0.10, angle=20),
}


# --------------------------------------------------------------------------- drawing
def _capsule(xx, yy, x0, y0, x1, y1, r):
    """Mask of the points within ``r`` of the segment (x0, y0)-(x1, y1)."""
    dx, dy = x1 - x0, y1 - y0
    L2 = dx * dx + dy * dy + 1e-9
    t = np.clip(((xx - x0) * dx + (yy - y0) * dy) / L2, 0, 1)
    return (xx - x0 - t * dx) ** 2 + (yy - y0 - t * dy) ** 2 <= r * r


def _ellipse(xx, yy, cx, cy, rx, ry):
    return ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2 <= 1


def _paint(img, mask, colour):
    img[mask] = colour


def _image(r: np.random.Generator, inst: str, player: dict, S: int) -> np.ndarray:
    """float32 [S, S, 3] picture of one player with an instrument."""
    spec = _I[inst]
    yy, xx = np.mgrid[0:S, 0:S].astype(np.float32) / S          # unit coordinates
    top = np.asarray(player["stage"], np.float32)
    img = (top * (1 - 0.4 * yy[..., None])).astype(np.float32) + \
        np.float32(0.03) * r.standard_normal((S, S, 1)).astype(np.float32)
    sc = player["scale"] * r.uniform(0.95, 1.05)
    cx = 0.5 + r.uniform(-0.06, 0.06)
    cy = 0.5 + r.uniform(-0.04, 0.04)
    lean = np.deg2rad(r.uniform(-6, 6))
    head = (cx + 0.02 * np.sin(lean), cy - 0.26 * sc)
    skin, shirt = player["skin"], player["shirt"]
    _paint(img, _capsule(xx, yy, cx, cy - 0.12 * sc, cx - 0.3 * sc * np.sin(lean), cy + 0.3 * sc, 0.12 * sc), shirt)
    _paint(img, _ellipse(xx, yy, head[0], head[1], 0.075 * sc, 0.09 * sc), skin)
    # instrument glyph, anchored at the playing position
    L, w, col = spec["length"] * sc, spec["width"] * sc, spec["colour"]
    a = np.deg2rad(spec["angle"] + r.uniform(-5, 5))
    g = spec["glyph"]
    if g == "body":        # cello / double bass: big wooden body, neck up, in front of the player
        bx, by = cx + 0.02, cy + 0.12 * sc
        _paint(img, _ellipse(xx, yy, bx, by, w * 0.55, L * 0.35), col)
        _paint(img, _ellipse(xx, yy, bx, by - L * 0.22, w * 0.42, L * 0.16), col)
        _paint(img, _capsule(xx, yy, bx, by - L * 0.3, bx, by - L * 0.75, 0.012 + 0.01 * sc), _DARK_WOOD)
        _paint(img, _capsule(xx, yy, bx - 0.22 * sc, by + 0.02, bx + 0.25 * sc, by - 0.05, 0.008), (.75, .7, .6))
    elif g == "fiddle":    # violin / viola: under the chin, bow across
        bx, by = head[0] - 0.1 * sc, head[1] + 0.12 * sc
        _paint(img, _ellipse(xx, yy, bx, by, L * 0.45, w * 0.5), col)
        _paint(img, _capsule(xx, yy, bx - L * 0.4, by - 0.01, bx - L * 1.1, by - 0.06, 0.01), _DARK_WOOD)
        _paint(img, _capsule(xx, yy, bx + 0.1 * sc, by - 0.12 * sc, bx - 0.05, by + 0.18 * sc, 0.007), (.8, .75, .6))
    elif g == "tube":      # flute (sideways), clarinet / oboe / bassoon (down from the mouth)
        x0, y0 = head[0] + 0.02, head[1] + 0.06 * sc
        if spec["angle"] == 0:
            x0, y0 = head[0] - 0.05, head[1] + 0.03 * sc
        x1, y1 = x0 + L * np.cos(a) * (1 if spec["angle"] in (0, 70) else 0.3), y0 + L * np.sin(a)
        _paint(img, _capsule(xx, yy, x0, y0, x1, y1, w), col)
        if inst == "clarinet":
            _paint(img, _ellipse(xx, yy, x1, y1, w * 1.8, w * 1.2), col)
    elif g == "hook":      # saxophone: J shape with a bell
        x0, y0 = head[0] + 0.02, head[1] + 0.08 * sc
        x1, y1 = x0 + 0.02, y0 + L
        _paint(img, _capsule(xx, yy, x0, y0, x1, y1, w * 0.8), col)
        _paint(img, _capsule(xx, yy, x1, y1, x1 + 0.12 * sc, y1 - 0.1 * sc, w), col)
        _paint(img, _ellipse(xx, yy, x1 + 0.13 * sc, y1 - 0.12 * sc, w * 1.6, w * 1.2), col)
    elif g in ("bell", "slide"):  # trumpet / trombone: forward from the mouth, a bell at the end
        x0, y0 = head[0] + 0.05, head[1] + 0.02
        x1, y1 = x0 + L * np.cos(a), y0 + L * np.sin(a)
        _paint(img, _capsule(xx, yy, x0, y0, x1, y1, w), col)
        _paint(img, _ellipse(xx, yy, x1, y1, w * 1.2, w * 3.0), col)
        if g == "slide":
            _paint(img, _capsule(xx, yy, x0 + 0.1, y0 + 0.05, x1 - 0.05, y1 + 0.05, w * 0.7), col)
    elif g == "coil":      # horn / tuba: a round coil (a ring), tuba in front, horn at the side
        bx = cx + (0.0 if inst == "tuba" else 0.18 * sc)
        by = cy + (0.02 if inst == "tuba" else 0.05) * sc
        d2 = ((xx - bx) ** 2 + (yy - by) ** 2)
        _paint(img, (d2 <= L * L) & (d2 >= (L - 2.2 * w) ** 2), col)
        if inst == "tuba":
            _paint(img, _capsule(xx, yy, bx + 0.1 * sc, by - 0.1 * sc, bx + 0.12 * sc, by - L - 0.1 * sc, w * 1.4), col)
        else:
            _paint(img, _ellipse(xx, yy, bx + L * 0.9, by + L * 0.5, w * 2.0, w * 1.5), col)
    # arms: to the instrument's neighbourhood
    _paint(img, _capsule(xx, yy, cx - 0.12 * sc, cy - 0.1 * sc, cx - 0.05, cy + 0.05, 0.035 * sc), shirt)
    _paint(img, _capsule(xx, yy, cx + 0.12 * sc, cy - 0.1 * sc, cx + 0.08, cy + 0.08, 0.035 * sc), shirt)
    light = r.uniform(0.8, 1.15)
    return np.clip(img * light, 0, 1)


def _player(seed: int, inst: str, p: int) -> dict:
    """The fixed look of player ``p`` of an instrument (same in every clip)."""
    from .. import repro

    r = repro.rng(seed, SCENE, "player", inst, p)
    return {"skin": np.array([.9, .7, .55]) * r.uniform(0.45, 1.05), "shirt": r.uniform(0.05, 0.9, 3),
            "scale": r.uniform(0.85, 1.1), "stage": r.uniform(0.05, 0.35, 3)}


# --------------------------------------------------------------------------- sound
def _note(r: np.random.Generator, inst: str, midi: int, sr: int, n: int) -> np.ndarray:
    """float32 [n] note: a band-limited harmonic wavetable played with vibrato, plus noise."""
    spec = _I[inst]
    f0 = 440.0 * 2 ** ((midi - 69) / 12) * (1 + r.normal(0, 0.002))
    t = np.arange(n, dtype=np.float64) / sr
    vib = spec["vib"] * np.sin(2 * np.pi * r.uniform(4.5, 6.5) * t + r.uniform(0, 6.3))
    cycles = f0 * (t + np.cumsum(vib) / sr) + r.uniform(0, 1)   # phase in cycles, with vibrato
    K = max(1, min(40, int(0.45 * sr / f0)))
    k = np.arange(1, K + 1)
    amp = k ** (-spec["slope"]) * (0.5 if spec["odd"] else 1.0)
    if spec["odd"]:
        amp = np.where(k % 2 == 1, k ** -0.6, 0.04 * amp)
    for fc, g, bw in spec["formants"]:
        amp = amp * (1 + (g - 1) * np.exp(-0.5 * ((k * f0 - fc) / bw) ** 2))
    amp = amp * r.uniform(0.85, 1.15, K)
    y = C.play_wavetable(C.wavetable(amp / amp.sum()), cycles)
    g, band = spec["noise"]
    if g:  # breath or bow noise
        y += np.float32(g) * C.band_noise_iir(r, n, sr, band[0], min(band[1], 0.45 * sr))
    att, rel = spec["attack"] * r.uniform(0.8, 1.2), 0.05
    env = np.minimum(1.0, t / att) * np.minimum(1.0, (t[-1] - t) / rel + 1e-3) * (1 - 0.15 * t / t[-1])
    return (0.5 * r.uniform(0.6, 1.0) * y * env).astype(np.float32)


# --------------------------------------------------------------------------- public API
def generate(n: int, seed: int, profile: str = "quick", *, start: int = 0, **overrides: Any) -> SceneBatch:
    """Generate ``n`` (image, 0.5 s note) pairs of random instruments.

    Args:
        n: number of pairs.
        seed: the world's seed (players' looks derive from it too).
        profile: ``"quick"`` (64×64 images, 16 kHz) or ``"full"`` (128×128, 22.05 kHz).
        start: index of the first pair (chunked generation gives the same pairs).
        **overrides: ``size`` (px, even), ``sr`` (Hz), ``note_s`` (s), ``n_players``.

    Returns:
        A :class:`SceneBatch` with ``frames`` uint8 ``[n, S, S, 3]`` (images, no time axis),
        ``audio`` float32 ``[n, round(note_s * sr)]``, ``fps = 1 / note_s``, labels
        ``instrument`` (index into ``INSTRUMENTS``), ``player`` (0 .. n_players-1), ``pitch``
        (MIDI note number), ids ``"<instrument>_<index>"``.

    Notebook: 03_datasets
    """
    C.check_counts(n, seed, start)
    cfg = C.resolve_settings(SCENE, profile, DEFAULTS, overrides)
    S, sr, note_s, P = int(cfg["size"]), int(cfg["sr"]), float(cfg["note_s"]), int(cfg["n_players"])
    C.check_size(S, S, SCENE)
    if not (note_s > 0 and sr >= 8000 and P >= 1):
        raise ValueError(f"instruments: need note_s > 0, sr >= 8000 and n_players >= 1, got {note_s}, {sr}, {P}")
    cfg.update(size=S, sr=sr, note_s=note_s, n_players=P)
    ns = int(round(note_s * sr))
    frames = np.empty((n, S, S, 3), np.uint8)
    audio = np.empty((n, ns), np.float32)
    lab = {k: np.zeros(n, np.int64) for k in ("instrument", "player", "pitch")}
    ids = []
    for i, r in enumerate(C.clip_rngs(seed, SCENE, start, n)):
        k = int(r.integers(len(INSTRUMENTS)))
        inst = INSTRUMENTS[k]
        p = int(r.integers(P))
        midi = int(r.integers(_I[inst]["midi"][0], _I[inst]["midi"][1] + 1))
        frames[i] = C.to_uint8(_image(r, inst, _player(seed, inst, p), S))
        audio[i] = _note(r, inst, midi, sr, ns)
        lab["instrument"][i], lab["player"][i], lab["pitch"][i] = k, p, midi
        ids.append(f"{inst}_{start + i:06d}")
    config = {"scene": SCENE, "seed": int(seed), "profile": profile, "start": int(start), "n": int(n),
              "settings": cfg, "version": C.GENERATOR_VERSION}
    return SceneBatch(frames, audio, 1.0 / note_s, sr, ids, lab, [[] for _ in range(n)], {}, SCENE,
                      {"instrument": INSTRUMENTS}, config)


def _write_items(batch: SceneBatch, folder: Path, index0: int = 0) -> list[tuple[str, bool]]:
    """``img/<split>/<instrument>/<id>.jpg`` and ``chunk/<split>/<instrument>/<id>.wav``."""
    from PIL import Image

    from .. import audio as A

    out = []
    for i in range(len(batch)):
        inst = INSTRUMENTS[int(batch.labels["instrument"][i])]
        split = "test" if C.is_test(index0 + i) else "train"
        img_dir = folder / "img" / split / inst
        img_dir.mkdir(parents=True, exist_ok=True)
        Image.fromarray(batch.frames[i]).save(img_dir / f"{batch.ids[i]}.jpg", quality=95)
        A.save_audio(folder / "chunk" / split / inst / f"{batch.ids[i]}.wav", batch.audio[i], batch.sr)
        out.append((batch.ids[i], split == "test"))
    return out


def _finish(folder: Path, items: list[tuple[str, bool]], config: dict[str, Any]) -> None:
    """Sub-URMP has no split lists (the folders are the split)."""


def write_layout(batch: SceneBatch, root) -> Path:
    """Write ``batch`` in the Sub-URMP layout, atomically (temporary sibling, then rename).

    Args:
        batch: from :func:`generate`.
        root: destination folder (the equivalent of ``Sub-URMP/``).

    Returns:
        ``root`` as a Path.

    Notebook: 03_datasets
    """
    return C.write_batch_layout(sys.modules[__name__], batch, root)


__all__ = ["CLASSES", "DEFAULTS", "INSTRUMENTS", "generate", "write_layout"]
