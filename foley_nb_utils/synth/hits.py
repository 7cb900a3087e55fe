"""SynthHits: a drumstick hitting and scratching textured surfaces (the Greatest Hits world).

Each clip shows one surface of one of the 17 Greatest Hits materials, seen from above at an
angle: a procedural texture with material-specific colours, grain, gloss and pattern, and
within-class variation (hue, scale, orientation), under per-clip lighting, with a slightly
shaking camera. A drumstick (its tip and its shadow) comes down on the surface; at each contact
the tip meets its shadow exactly in the frame nearest the annotated time, and the struck object
reacts (static, rigid-motion: it shakes; deformation: it dents; scatter: bits fly; splash:
droplets). The sound is modal synthesis with material-specific modes and decays for hits (stick
speed → loudness and brightness), material-coloured noise bursts for granular materials,
bubbles for water, band-passed noise for scratches, a light room tone, and, optionally, an
off-screen distractor sound (knock, clap, beep, footstep) that has no visual event.

``generate`` returns a :class:`~foley_nb_utils.synth.common.SceneBatch`; ``write_layout``
writes the Greatest Hits files (``<id>_denoised.mp4``, ``<id>_denoised.wav``,
``<id>_times.txt`` with ``seconds material action reaction`` lines, ``train.txt``,
``test.txt``) plus a synthetic-only ``<id>_synth.json`` sidecar with the full truth, so that
:mod:`foley_nb_utils.datasets.greatest_hits` reads the synthetic and the real dataset alike.

Notebook: 03_datasets (and 05_2016_visually_indicated_sounds, 10_2018_pocan, 15_2020_regnet,
19_2021_vr_impact_sounds, 20_2021_specvqgan, 22_2023_condfoleygen)
"""
from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Any

import numpy as np

from ..datasets.greatest_hits import ACTIONS, MATERIALS, REACTIONS  # the dataset's vocabulary
from . import common as C
from .common import Event, SceneBatch

SCENE = "hits"

#: Off-screen distractor sounds (no visual event), the default kinds.
DISTRACTORS: tuple[str, ...] = ("knock", "clap", "beep", "footstep")
#: Every off-screen kind ``distractor_kinds=`` may name: the defaults, then a rising whistle-like
#: ``chirp`` (about 1.5-4.5 kHz) and a mains-like ``hum`` (a 90-160 Hz harmonic tone), both
#: lasting a while (their events' ``end_s`` is their end).
OFFSCREEN_KINDS: tuple[str, ...] = DISTRACTORS + ("chirp", "hum")
_SUSTAINED = {"chirp": (0.12, 0.25), "hum": (0.25, 0.45)}   # duration range (s)
#: Class names of the scene (the per-clip ``material`` label).
CLASSES = MATERIALS

DEFAULTS: dict[str, dict[str, Any]] = {
    "quick": dict(size=64, fps=15.0, duration_s=2.0, sr=16000, max_events=4, scratch_prob=0.35,
                  distractor_prob=0.0, unlabeled_prob=0.0, materials=None, camera_jitter=True),
    "full": dict(size=128, fps=30.0, duration_s=4.0, sr=16000, max_events=8, scratch_prob=0.35,
                 distractor_prob=0.0, unlabeled_prob=0.0, materials=None, camera_jitter=True),
}

# --------------------------------------------------------------------------- materials
# Look: two colours c1/c2 mixed by a texture (contrast), texture band in cycles per frame width,
# wave direction and spread (deg), speckle (amount, grain px at 64 px), gloss, special pattern.
# Sound: modal f0 range (Hz), mode ratios, tau0 range (s), decay exponent alpha (tau_k =
# tau0 (f_k/f0)^-alpha), amplitude slope beta, hit gain; noise burst (gain, band Hz, tau s,
# crackles); scratch (gain, band Hz, roughness); reaction probabilities.
MATERIAL_SPECS: dict[str, dict[str, Any]] = {
    "wood": dict(c1=(.52, .34, .19), c2=(.70, .50, .30), contrast=.35, band=(2, 7), angle=90, spread=8,
                 speckle=(.03, 1), gloss=0, pattern="grain",
                 f0=(280, 650), ratios=(1, 2.62, 4.3, 6.1), tau=(.04, .08), alpha=.6, beta=.9, gain=.45,
                 burst=(.10, (400, 3000), .008, 0), scratch=(.22, (700, 4000), .5),
                 reactions={"static": .5, "rigid-motion": .5}),
    "metal": dict(c1=(.55, .57, .60), c2=(.74, .76, .80), contrast=.12, band=(14, 26), angle=90, spread=3,
                  speckle=(.02, 1), gloss=.35, pattern="brushed",
                  f0=(420, 1100), ratios=(1, 2.756, 5.404, 8.933, 13.35), tau=(.35, .8), alpha=.5, beta=.5,
                  gain=.40, burst=(.05, (2000, 7000), .003, 0), scratch=(.20, (2500, 7500), .6),
                  reactions={"static": .5, "rigid-motion": .5}),
    "dirt": dict(c1=(.30, .21, .13), c2=(.50, .37, .24), contrast=.45, band=(4, 14), angle=0, spread=180,
                 speckle=(.12, 1), gloss=0, pattern="",
                 f0=(80, 160), ratios=(1, 1.9), tau=(.015, .03), alpha=1, beta=1, gain=.30,
                 burst=(.30, (100, 1800), .03, 5), scratch=(.25, (200, 2500), .8),
                 reactions={"scatter": .6, "deformation": .2, "static": .2}),
    "rock": dict(c1=(.38, .38, .37), c2=(.62, .61, .58), contrast=.45, band=(2, 7), angle=0, spread=180,
                 speckle=(.08, 1), gloss=.05, pattern="",
                 f0=(900, 2000), ratios=(1, 1.62, 2.35, 3.2), tau=(.02, .045), alpha=.8, beta=.8, gain=.40,
                 burst=(.12, (1000, 6500), .008, 0), scratch=(.22, (1500, 6500), .7),
                 reactions={"static": .6, "rigid-motion": .4}),
    "leaf": dict(c1=(.22, .38, .10), c2=(.55, .38, .12), contrast=.55, band=(5, 12), angle=0, spread=180,
                 speckle=(.08, 2), gloss=0, pattern="",
                 f0=(150, 300), ratios=(1, 2.2), tau=(.01, .02), alpha=1, beta=1, gain=.10,
                 burst=(.35, (1500, 7500), .05, 7), scratch=(.25, (1800, 7500), .9),
                 reactions={"scatter": .7, "static": .3}),
    "plastic": dict(c1=None, c2=None, contrast=.08, band=(1, 3), angle=0, spread=180, speckle=(.01, 1), gloss=.25,
                    pattern="",
                    f0=(500, 1200), ratios=(1, 2.1, 3.6, 5.2), tau=(.03, .06), alpha=.7, beta=.9, gain=.40,
                    burst=(.10, (1000, 5000), .006, 0), scratch=(.20, (1000, 5000), .5),
                    reactions={"rigid-motion": .5, "deformation": .3, "static": .2}),
    "cloth": dict(c1=None, c2=None, contrast=.20, band=(1, 4), angle=0, spread=180, speckle=(.03, 1), gloss=0,
                  pattern="weave",
                  f0=(90, 200), ratios=(1, 2.3), tau=(.012, .025), alpha=1, beta=1.2, gain=.25,
                  burst=(.20, (100, 1500), .02, 0), scratch=(.16, (300, 2500), .4),
                  reactions={"deformation": .7, "static": .3}),
    "paper": dict(c1=(.86, .86, .82), c2=(.95, .95, .92), contrast=.15, band=(1, 5), angle=0, spread=180,
                  speckle=(.02, 1), gloss=0, pattern="",
                  f0=(200, 420), ratios=(1, 2.4, 3.9), tau=(.012, .025), alpha=1, beta=1, gain=.20,
                  burst=(.25, (800, 6500), .02, 2), scratch=(.20, (1500, 7500), .4),
                  reactions={"deformation": .6, "rigid-motion": .2, "static": .2}),
    "grass": dict(c1=(.14, .34, .08), c2=(.40, .62, .22), contrast=.55, band=(12, 24), angle=0, spread=10,
                  speckle=(.10, 1), gloss=0, pattern="",
                  f0=(120, 250), ratios=(1, 2.0), tau=(.01, .02), alpha=1, beta=1, gain=.10,
                  burst=(.30, (1000, 7000), .04, 5), scratch=(.22, (1500, 7500), .8),
                  reactions={"static": .4, "scatter": .3, "deformation": .3}),
    "water": dict(c1=(.12, .26, .42), c2=(.35, .55, .70), contrast=.35, band=(3, 8), angle=90, spread=40,
                  speckle=(.02, 1), gloss=.20, pattern="ripple",
                  f0=(150, 300), ratios=(1, 2.0), tau=(.01, .02), alpha=1, beta=1, gain=.08,
                  burst=(.30, (200, 3000), .05, 0), scratch=(.22, (150, 1500), .9),
                  reactions={"splash": 1.0}),
    "drywall": dict(c1=(.80, .79, .75), c2=(.88, .87, .83), contrast=.15, band=(2, 6), angle=0, spread=180,
                    speckle=(.03, 1), gloss=0, pattern="",
                    f0=(150, 320), ratios=(1, 2.3, 3.9), tau=(.02, .035), alpha=.8, beta=1, gain=.35,
                    burst=(.12, (300, 3000), .012, 0), scratch=(.18, (800, 5000), .5),
                    reactions={"static": .8, "deformation": .2}),
    "gravel": dict(c1=(.40, .38, .34), c2=(.70, .67, .60), contrast=.20, band=(10, 20), angle=0, spread=180,
                   speckle=(.30, 2), gloss=0, pattern="",
                   f0=(1200, 2500), ratios=(1, 1.7), tau=(.005, .01), alpha=1, beta=1, gain=.10,
                   burst=(.35, (1000, 7500), .05, 8), scratch=(.25, (1000, 7500), 1.0),
                   reactions={"scatter": .7, "static": .3}),
    "plastic-bag": dict(c1=(.80, .81, .84), c2=(.96, .96, .98), contrast=.50, band=(6, 14), angle=0, spread=180,
                        speckle=(.02, 1), gloss=.15, pattern="crinkle",
                        f0=(300, 600), ratios=(1, 2.5), tau=(.008, .015), alpha=1, beta=1, gain=.08,
                        burst=(.30, (2000, 7800), .07, 8), scratch=(.22, (2500, 7800), 1.0),
                        reactions={"deformation": .8, "static": .2}),
    "ceramic": dict(c1=(.86, .84, .80), c2=(.95, .94, .92), contrast=.10, band=(1, 3), angle=0, spread=180,
                    speckle=(.01, 1), gloss=.35, pattern="",
                    f0=(1400, 2800), ratios=(1, 1.59, 2.14, 2.65, 3.9), tau=(.12, .25), alpha=.6, beta=.6,
                    gain=.35, burst=(.05, (2000, 7000), .003, 0), scratch=(.18, (3000, 7500), .5),
                    reactions={"static": .6, "rigid-motion": .4}),
    "tile": dict(c1=None, c2=None, contrast=.10, band=(1, 4), angle=0, spread=180, speckle=(.02, 1), gloss=.15,
                 pattern="grid",
                 f0=(800, 1600), ratios=(1, 1.7, 2.5, 3.3), tau=(.04, .08), alpha=.7, beta=.8, gain=.40,
                 burst=(.08, (1500, 6000), .005, 0), scratch=(.20, (2000, 7000), .6),
                 reactions={"static": 1.0}),
    "carpet": dict(c1=None, c2=None, contrast=.15, band=(16, 28), angle=0, spread=180, speckle=(.15, 1), gloss=0,
                   pattern="",
                   f0=(70, 150), ratios=(1, 2.1), tau=(.008, .015), alpha=1, beta=1.2, gain=.20,
                   burst=(.20, (100, 900), .015, 0), scratch=(.14, (200, 2000), .5),
                   reactions={"deformation": .5, "static": .5}),
    "glass": dict(c1=(.62, .72, .76), c2=(.82, .89, .92), contrast=.10, band=(1, 3), angle=0, spread=180,
                  speckle=(.01, 1), gloss=.55, pattern="streaks",
                  f0=(1800, 3500), ratios=(1, 2.32, 4.25, 6.63), tau=(.15, .4), alpha=.5, beta=.6, gain=.30,
                  burst=(.04, (3000, 7800), .002, 0), scratch=(.16, (3000, 7800), .4),
                  reactions={"static": .6, "rigid-motion": .4}),
}

_DEFAULT_STICK = np.array([0.86, 0.70, 0.47], dtype=np.float32)  # light wood
_BLACK = np.zeros(3, np.float32)
_FOAM = np.array([230, 240, 250], np.float32)


# --------------------------------------------------------------------------- planning
def _plan_events(r: np.random.Generator, cfg: dict[str, Any], mat: str) -> tuple[list[dict], str, str]:
    """Times, actions, positions and strengths of one clip's stick events (world px)."""
    D, S, fps = cfg["duration_s"], cfg["size"], cfg["fps"]
    spec = MATERIAL_SPECS[mat]
    dominant = "scratch" if r.random() < cfg["scratch_prob"] else "hit"
    names, probs = zip(*spec["reactions"].items())
    cum = np.cumsum(probs)
    reaction = names[min(int(np.searchsorted(cum, r.random() * cum[-1], side="right")), len(names) - 1)]
    ev: list[dict] = []
    t = r.uniform(0.25, 0.6)
    while len(ev) < cfg["max_events"]:
        action = dominant if r.random() < 0.85 else ("hit" if dominant == "scratch" else "scratch")
        end = t if action == "hit" else t + r.uniform(0.25, 0.6)
        if end > D - 0.15:
            if ev:
                break
            action, t = "hit", min(t, D - 0.3)
            end = t
        t6, e6 = round(float(t), 6), round(float(end), 6)
        x0 = r.uniform(0.22, 0.78) * S
        y0 = r.uniform(0.55, 0.88) * S
        if action == "scratch":
            dx = r.uniform(0.25, 0.7) * S * (e6 - t6) * (1 if r.random() < 0.5 else -1) * 2
            x1 = float(np.clip(x0 + dx, 0.12 * S, 0.88 * S))
            y1 = float(np.clip(y0 + r.uniform(-0.05, 0.05) * S, 0.5 * S, 0.9 * S))
        else:
            x1, y1 = x0, y0
        ev.append(dict(t=t6, end=e6, action=action, strength=round(float(r.uniform(0, 1)), 4),
                       x0=x0, y0=y0, x1=x1, y1=y1, frame=int(round(t6 * fps))))
        t = end + r.uniform(0.3, 0.8)
    return ev, dominant, reaction


def _plan_distractor(r: np.random.Generator, cfg: dict[str, Any], ev: list[dict]) -> dict | None:
    """An off-screen sound whose onsets are at least 0.2 s from every stick event, or None."""
    if not r.random() < cfg["distractor_prob"]:
        return None
    kinds = cfg.get("distractor_kinds") or DISTRACTORS
    kind = kinds[int(r.integers(len(kinds)))]
    D = cfg["duration_s"]
    span = 0.2 if kind == "knock" else 0.0   # a knock is two knocks 0.12-0.18 s apart
    dur = None
    if kind in _SUSTAINED:                   # only the opt-in kinds draw a duration (defaults keep their streams)
        dur = round(float(r.uniform(*_SUSTAINED[kind])), 6)
        span = dur
    for _ in range(30):
        t = r.uniform(0.15, D - 0.25 - span)
        if all(t + span < e["t"] - 0.2 or t > e["end"] + 0.2 for e in ev):
            out = dict(t=round(float(t), 6), kind=kind, strength=round(float(r.uniform(0.5, 1.0)), 4))
            if dur is not None:
                out["dur"] = dur
            return out
    return None


# --------------------------------------------------------------------------- pictures
def _surface_colours(r: np.random.Generator, spec: dict) -> tuple[np.ndarray, np.ndarray]:
    if spec["c1"] is None:  # dyed materials: any hue, per-clip
        hue = r.uniform(0, 1)
        sat = r.uniform(0.35, 0.8)
        val = r.uniform(0.4, 0.85)
        k = (np.array([0, 2, 4]) / 6.0 + hue) % 1.0
        rgb = val * (1 - sat * np.clip(np.minimum(np.abs(k * 6 - 3) - 1, 1), 0, 1))  # hue wheel
        c1 = rgb.astype(np.float32)
        c2 = np.clip(c1 * r.uniform(1.1, 1.3), 0, 1)
    else:
        jit = r.normal(0, 0.035, 3)
        c1 = np.clip(np.asarray(spec["c1"]) + jit + r.normal(0, 0.03), 0, 1)
        c2 = np.clip(np.asarray(spec["c2"]) + jit + r.normal(0, 0.03), 0, 1)
    return c1.astype(np.float32), c2.astype(np.float32)


def surface_texture(r: np.random.Generator, spec: dict, h: int, w: int, S: int) -> np.ndarray:
    """One material's surface texture, float32 ``[h, w, 3]`` in [0, 1] before lighting.

    ``spec`` is the material's entry of :data:`MATERIAL_SPECS`; ``S`` the frame size (px) the
    texture's scales are set for (64 in the world). Draws from ``r``.

    Notebooks: 03_datasets (the world), 19_2021_vr_impact_sounds (textures of virtual objects)
    """
    c1, c2 = _surface_colours(r, spec)
    scale = r.uniform(0.8, 1.25)  # within-class size variation
    band = (spec["band"][0] * scale * w / S, spec["band"][1] * scale * w / S)
    tex = C.fourier_texture(r, h, w, 7, band, spec["angle"] + r.uniform(-12, 12), spec["spread"])
    pat = spec["pattern"]
    if pat == "crinkle":
        tex = 1.5 - 2.5 * np.abs(tex)       # sharp ridges
    elif pat == "grain":
        tex = tex + 0.5 * C.fourier_texture(r, h, w, 3, (band[1] * 2, band[1] * 4), spec["angle"], 4)
    v = np.clip(0.5 + spec["contrast"] * tex * r.uniform(0.7, 1.3), 0, 1)[..., None]
    img = c1 * (1 - v) + c2 * v
    amt, grain = spec["speckle"]
    if amt:
        img += (amt * C.block_noise(r, h, w, max(1, round(grain * S / 64))))[..., None]
    yy = np.arange(h, dtype=np.float32)[:, None]
    xx = np.arange(w, dtype=np.float32)[None, :]
    if pat == "grid":  # tiles with grout lines
        per = S / r.uniform(2.5, 4.5)
        ox, oy = r.uniform(0, per, 2)
        line = max(1.0, S / 40)
        grout = (((xx + ox) % per) < line) | (((yy + oy) % per) < line)
        img[np.broadcast_to(grout, (h, w))] = np.clip(c1 * 0.45 + 0.25, 0, 1)
    elif pat == "weave":  # two orthogonal threads
        per = S / r.uniform(14, 22)
        wv = np.cos(2 * np.pi * xx / per) * np.cos(2 * np.pi * yy / per)
        img *= (1 + 0.18 * wv)[..., None]
    elif pat == "brushed":
        img *= (1 + 0.06 * C.fourier_texture(r, h, w, 4, (band[1], band[1] * 2), 90, 2))[..., None]
    if spec["gloss"]:
        # specular highlight: a broad blob (ceramic/plastic/water) or diagonal streaks (glass)
        gx, gy = r.uniform(0.2, 0.8) * w, r.uniform(0.2, 0.8) * h
        if pat == "streaks":
            d = ((xx - gx) + (yy - gy)) / S
            hi = np.exp(-(d / 0.08) ** 2) + 0.6 * np.exp(-((d - 0.35) / 0.05) ** 2)
        else:
            rad = r.uniform(0.15, 0.3) * S
            hi = np.exp(-((xx - gx) ** 2 + (yy - gy) ** 2) / (2 * rad * rad))
        img += (spec["gloss"] * r.uniform(0.6, 1.2) * hi)[..., None]
    return img


def backdrop(r: np.random.Generator, h: int, w: int, S: int) -> np.ndarray:
    """A muted wall behind the surface, float32 ``[h, w, 3]`` in [0, 1]: a vertical light falloff
    and faint vertical panels (``S``: the frame size in px the panels are scaled for).

    Notebooks: 03_datasets, 19_2021_vr_impact_sounds
    """
    c = (r.uniform(0.25, 0.7) * (1 + r.normal(0, 0.12, 3))).astype(np.float32)
    grad = np.linspace(1.1, 0.85, h, dtype=np.float32)[:, None, None]
    x = np.arange(w, dtype=np.float32)
    panels = 1 + 0.05 * np.cos(2 * np.pi * x / (S * r.uniform(0.2, 0.6)) + r.uniform(0, 6.3))
    return np.clip(c * grad * panels[None, :, None], 0, 1)


def lighting(r: np.random.Generator, h: int, w: int) -> tuple[np.ndarray, float, np.ndarray]:
    """Per-clip light: ``(gain map float32 [h, w, 3], brightness, colour cast [3])``; the gain map
    is brightness × a directional gradient × the colour cast, to multiply a texture with.

    Notebooks: 03_datasets, 19_2021_vr_impact_sounds
    """
    g = r.uniform(0.75, 1.15)
    th = r.uniform(0, 2 * np.pi)
    gam = r.uniform(0.0, 0.3)
    cast = r.uniform(0.93, 1.07, 3).astype(np.float32)
    ramp = (np.cos(th) * (np.arange(w, dtype=np.float32) / w - 0.5))[None, :] + \
        (np.sin(th) * (np.arange(h, dtype=np.float32) / h - 0.5))[:, None]
    return (np.float32(g) * (1 + np.float32(gam) * ramp))[..., None] * cast, float(g), cast


@functools.lru_cache(maxsize=512)
def _stick_offsets(S: int, angle_deg: int, flip: bool) -> np.ndarray:
    """(dy, dx) pixel offsets from the tip of a stick leaving at ``angle_deg`` (up and to the right,
    mirrored when ``flip``), half-width ``S / 48`` px; cached per integer angle."""
    half_w = max(1.0, S / 48)
    yy, xx = np.mgrid[-S:S + 1, -S:S + 1].astype(np.float32)
    a = np.deg2rad(angle_deg)
    c, s = np.cos(a), np.sin(a)
    xs = -xx if flip else xx
    along = xs * c - yy * s          # towards the handle
    perp = xs * s + yy * c
    m = ((along >= 0) & (np.abs(perp) <= half_w)) | (xx * xx + yy * yy <= half_w * half_w)
    off = np.argwhere(m) - S
    off.flags.writeable = False
    return off


def _trajectory(ev: list[dict], times: np.ndarray, S: int, fps: float) -> tuple[np.ndarray, ...]:
    """Ground point (x, y) and tip height h (world px) of the stick at ``times``; contact flags."""
    kt, kx, ky = [], [], []
    for e in ev:
        kt += [e["t"], e["end"]] if e["action"] == "scratch" else [e["t"]]
        kx += [e["x0"], e["x1"]] if e["action"] == "scratch" else [e["x0"]]
        ky += [e["y0"], e["y1"]] if e["action"] == "scratch" else [e["y0"]]
    gx = np.interp(times, kt, kx)
    gy = np.interp(times, kt, ky)
    h_rest = 0.32 * S
    dwell = 0.5 / fps + 1e-6  # the tip rests on the surface for the frame nearest the contact
    h = np.full(len(times), h_rest)
    for e in ev:
        v = (0.6 + 1.8 * e["strength"]) * S  # px/s: stick speed sets loudness
        dist = np.maximum(0.0, np.maximum(e["t"] - times, times - e["end"]) - dwell)
        h = np.minimum(h, v * dist)
    return gx, gy, h, h <= 1e-9


def _render(r: np.random.Generator, cfg: dict[str, Any], mat: str, ev: list[dict], reaction: str,
            out: np.ndarray) -> dict[str, np.ndarray]:
    """Draw one clip into ``out`` (uint8 [T, S, S, 3]); return its geometric truth."""
    T, S, fps = out.shape[0], cfg["size"], cfg["fps"]
    spec = MATERIAL_SPECS[mat]
    P = max(1, S // 32) if cfg["camera_jitter"] else 0    # camera shake margin
    M = max(2, S // 16)                                     # object shift margin
    hp, wp = S + 2 * P, S + 2 * P
    horizon = int(r.uniform(0.12, 0.3) * S)
    light, gain, cast = lighting(r, hp, wp + 2 * M)
    back = C.to_uint8(backdrop(r, hp, wp, S) * light[:, :wp])
    surf = C.to_uint8(surface_texture(r, spec, hp, wp + 2 * M, S) * light)
    times = np.arange(T) / fps
    # camera: a small random walk, integer px
    if P:
        dx = np.clip(np.cumsum(r.integers(-1, 2, T)) * (r.random(T) < 0.5), -P, P)
        dy = np.clip(np.cumsum(r.integers(-1, 2, T)) * (r.random(T) < 0.5), -P, P)
    else:
        dx = dy = np.zeros(T, dtype=np.int64)
    # object motion: rigid-motion shakes, water drifts
    obj = np.zeros(T)
    if reaction == "rigid-motion":
        for e in ev:
            a = (0.03 + 0.05 * e["strength"]) * S
            tt = times - e["t"]
            obj += np.where(tt >= 0, a * np.exp(-np.maximum(tt, 0) / 0.3) * np.sin(2 * np.pi * 3 * tt), 0)
    if spec["pattern"] == "ripple":
        obj += np.linspace(-M / 2, M / 2, T) * (1 if r.random() < 0.5 else -1)
    odx = np.clip(np.round(obj), -M, M).astype(np.int64)
    gx, gy, h, contact = _trajectory(ev, times, S, fps)
    offsets = _stick_offsets(S, int(r.integers(55, 76)), bool(r.random() < 0.5))
    stick_rgb = C.to_uint8(np.clip(_DEFAULT_STICK * r.uniform(0.92, 1.05) * gain * cast, 0, 1))
    rows = np.clip(horizon - dy, 0, S).astype(int).tolist()
    dxl, dyl, odl = dx.tolist(), dy.tolist(), odx.tolist()
    world = surf[:, M:M + wp].copy()        # the still scene: wall above the horizon, surface below
    world[:horizon + P] = back[:horizon + P]
    for t in range(T):  # camera shake: one crop per frame; a moving object: two
        y0, x0 = P + dyl[t], P + dxl[t]
        if odl[t] == 0:
            out[t] = world[y0:y0 + S, x0:x0 + S]
        else:
            row, xo = rows[t], M + x0 + odl[t]
            out[t, :row] = back[y0:y0 + row, x0:x0 + S]
            out[t, row:] = surf[y0 + row:y0 + S, xo:xo + S]
    ox, oy = (dx - odx).astype(np.float64), dy.astype(np.float64)  # world → frame, things on the object
    fr = np.arange(T)
    sx, sy = gx - dx, gy - dy                      # contact point in frame px
    # every disk of the clip (dents, foam, the tip's shadow, flying bits) is drawn in one call,
    # in list order: (frames, x, y, radius, rgb, alpha)
    disks: list[tuple] = []
    if reaction == "deformation":  # dents that recover
        for e, rad in zip(ev, (0.035 + 0.03 * np.array([e["strength"] for e in ev])) * S):
            a = 0.5 * np.exp(-np.maximum(0.0, times - e["end"]) / 0.35)
            k = fr[(times - e["t"] >= -0.5 / fps) & (a > 0.04)]
            on = (times[k] <= e["end"]) & (e["action"] == "scratch")
            disks.append((k, np.where(on, gx[k], e["x1"]) - ox[k], np.where(on, gy[k], e["y1"]) - oy[k],
                          rad, _BLACK, a[k]))
    flying: list[tuple] = []
    if reaction in ("scatter", "splash"):  # bits or droplets thrown up, falling back
        for e in ev:
            kp = int(r.integers(5, 10)) if reaction == "scatter" else int(r.integers(8, 14))
            vx = r.uniform(-0.7, 0.7, kp) * S
            vy = -r.uniform(0.6, 1.4, kp) * S * (0.6 + 0.8 * e["strength"])
            col = (_surface_colours(r, spec)[int(r.integers(2))] * 255 * gain if reaction == "scatter"
                   else np.array([200, 225, 245.0]) * gain)
            age = times - e["t"]
            k = fr[(age >= 0) & (age <= 0.5)]
            if reaction == "splash":
                kf = k[age[k] <= 0.15]
                disks.append((kf, e["x1"] - ox[kf], e["y1"] - oy[kf], (0.04 + 0.4 * age[kf]) * S, _FOAM, 0.35))
            ag = age[k][:, None]
            px = e["x1"] + vx[None] * ag - ox[k][:, None]
            py = e["y1"] + vy[None] * ag + 1.5 * S * ag * ag - oy[k][:, None]
            flying.append((np.repeat(k, kp), px.ravel(), py.ravel(), max(0.6, S / 80), np.clip(col, 0, 255), 1.0))
    # the shadow of the tip on the surface darkens as the stick comes down
    disks.append((fr, sx, sy, max(1.0, S / 40) + 0.08 * h, _BLACK, 0.45 * np.exp(-h / (0.25 * S))))
    disks += flying
    cols = np.stack([np.broadcast_to(np.asarray(d[4], np.float32), (3,)) for d in disks])
    which = np.repeat(np.arange(len(disks)), [len(d[0]) for d in disks])     # disk list → its entry
    cat = lambda j: np.concatenate([np.broadcast_to(np.asarray(d[j], np.float32), (len(d[0]),))  # noqa: E731
                                    for d in disks])
    C.paint_disks(out, np.concatenate([d[0] for d in disks]), cat(1), cat(2), cat(3), cols[which], cat(5))
    C.paint_sprite(out, offsets, fr, np.round(sx).astype(int), np.round(sy - h).astype(int), stick_rgb)
    tip = np.stack([sx, sy - h], 1).astype(np.float32)
    ground = np.stack([sx, sy], 1).astype(np.float32)
    return {"tip_xy": tip, "ground_xy": ground, "contact": contact, "stick_rgb": stick_rgb,
            "camera_dxy": np.stack([dx, dy], 1).astype(np.int16)}


# --------------------------------------------------------------------------- sounds
def hit_sound(r: np.random.Generator, spec: dict, bank: np.ndarray, base_amp: np.ndarray, strength: float,
              sr: int, mat: str) -> np.ndarray:
    """One hit's sound, float32 ``[samples]`` at ``sr`` Hz: modal ring + contact click + material
    noise burst (+ bubbles for water).

    ``spec``: the material's entry of :data:`MATERIAL_SPECS`; ``bank``/``base_amp``: the clip's
    mode frequencies (Hz) and amplitudes; ``strength`` in (0, 1]; ``mat``: the material's name.

    Notebooks: 03_datasets, 19_2021_vr_impact_sounds
    """
    loud = spec["gain"] * (0.3 + 0.7 * strength)
    k = np.arange(len(base_amp))
    amp = base_amp * np.exp(-k * (1 - strength) * 0.35)   # soft hits excite fewer high modes
    y = (amp / amp.sum() * loud).astype(np.float32) @ bank
    y += _click(r, len(y), sr, strength, mat)
    g, band, tau, crackles = spec["burst"]
    nb = min(len(y), int(5 * tau * sr) + 1)
    hi = min(band[1], 0.45 * sr)
    noise = _noise(r, nb, sr, band[0], hi)
    tt = np.arange(nb, dtype=np.float32) / sr
    if crackles:  # granular materials: a few sub-bursts, the first at the contact
        d = np.concatenate([[0.0], r.uniform(0.005, 3 * tau, crackles)])
        gj = np.concatenate([[1.0], r.uniform(0.2, 0.7, crackles)])
        env = (gj[:, None] * np.exp(-np.maximum(tt[None] - d[:, None], 0) / 0.006) * (tt[None] >= d[:, None])).sum(0)
        env *= np.exp(-tt / (2 * tau))
    else:
        env = np.exp(-tt / tau)
    y[:nb] += noise * env.astype(np.float32) * g * (0.3 + 0.7 * strength)
    if mat == "water":  # bubbles: short rising chirps
        for _ in range(int(r.integers(2, 5))):
            f0 = r.uniform(400, 1200)
            d0 = int(r.uniform(0.0, 0.08) * sr)
            nbub = int(0.06 * sr)
            tb = np.arange(nbub, dtype=np.float32) / sr
            ph = 2 * np.pi * f0 * (tb + 4.0 * tb * tb)
            C.add_at(y, (0.08 * (0.3 + 0.7 * strength) * np.exp(-tb / 0.02) * np.sin(ph)).astype(np.float32), d0)
    return y


_CLICK_LOWPASS = {"carpet": 500.0, "cloth": 700.0, "dirt": 1500.0, "water": 1500.0, "grass": 3000.0,
                  "leaf": 3000.0}


def _click(r: np.random.Generator, n: int, sr: int, strength: float, mat: str) -> np.ndarray:
    """The transient of the stick touching the surface (a few ms; muffled on soft materials),
    zero-padded to ``n`` samples."""
    nc = min(n, int(0.004 * sr))
    y = np.zeros(n, np.float32)
    c = r.standard_normal(nc, dtype=np.float32) * np.exp(-np.arange(nc, dtype=np.float32) / (0.0012 * sr))
    fc = _CLICK_LOWPASS.get(mat)
    if fc is not None:
        c = C.one_pole_lowpass(C.one_pole_lowpass(c, sr, fc), sr, fc) * 3.0
    y[:nc] = c * 0.35 * (0.3 + 0.7 * strength)
    return y


def _noise(r: np.random.Generator, n: int, sr: int, lo: float, hi: float) -> np.ndarray:
    """Unit-RMS band-passed noise (an excerpt of a band-passed noise table)."""
    return C.band_noise_table(r, n, sr, lo, hi)


def _scratch_sound(r: np.random.Generator, spec: dict, dur: float, strength: float, sr: int,
                   mat: str) -> np.ndarray:
    g, band, rough = spec["scratch"]
    n = max(2, int(round(dur * sr)))
    y = _noise(r, n, sr, band[0], min(band[1], 0.45 * sr))
    t = np.arange(n, dtype=np.float32) / sr
    am = 1 + rough * 0.6 * np.sin(2 * np.pi * r.uniform(8, 30) * t + r.uniform(0, 6.3))
    y *= C.envelope_ar(n, sr, 0.002, 0.03) * am / (1 + 0.6 * rough) * g * (0.4 + 0.6 * strength)
    return y.astype(np.float32) + _click(r, n, sr, strength, mat)  # the stick lands, then slides


def _distractor_sound(r: np.random.Generator, kind: str, strength: float, sr: int,
                      dur: float | None = None) -> np.ndarray:
    if kind == "knock":  # two knuckle knocks on a door
        n = int(0.35 * sr)
        bank = C.modal_bank(r.uniform(150, 260) * np.array([1, 2.3, 3.6]), np.array([.05, .03, .02]), sr, n)
        one = np.array([1, .5, .3], np.float32) @ bank * 0.25 * strength
        y = one.copy()
        C.add_at(y, one * 0.8, int(r.uniform(0.12, 0.18) * sr))
        return y
    if kind == "clap":
        n = int(0.08 * sr)
        return (_noise(r, n, sr, 700, 4000) * np.exp(-np.arange(n) / (0.012 * sr)) * 0.25 * strength).astype(np.float32)
    if kind == "beep":
        n = int(r.uniform(0.1, 0.2) * sr)
        t = np.arange(n, dtype=np.float32) / sr
        f0 = r.uniform(600, 1300)
        k = np.arange(1, int(0.45 * sr / f0), 2, dtype=np.float32)  # odd harmonics: a buzzer's square wave
        wave = (np.sin(2 * np.pi * f0 * k[:, None] * t[None]) / k[:, None]).sum(0)
        return (0.25 * strength * wave * C.envelope_ar(n, sr, 0.002, 0.01)).astype(np.float32)
    if kind == "footstep":
        n = int(0.2 * sr)
        bank = C.modal_bank(r.uniform(60, 120) * np.array([1, 2.1]), np.array([.04, .02]), sr, n)
        y = np.array([1, .4], np.float32) @ bank * 0.35 * strength
        y += _noise(r, n, sr, 100, 1200) * np.exp(-np.arange(n) / (0.02 * sr)).astype(np.float32) * 0.1 * strength
        return y.astype(np.float32)
    if kind == "chirp":  # a rising whistle (an off-screen bird or a squeak)
        n = int(round(float(dur) * sr))
        t = np.arange(n, dtype=np.float32) / sr
        f1 = r.uniform(1500, 2500)
        f2 = min(f1 * r.uniform(1.4, 1.8), 0.42 * sr)
        ph = 2 * np.pi * f1 * float(dur) / np.log(f2 / f1) * (np.exp(t / float(dur) * np.log(f2 / f1)) - 1)
        return (0.2 * strength * np.sin(ph) * C.envelope_ar(n, sr, 0.01, 0.03)).astype(np.float32)
    if kind == "hum":  # a mains-like hum of a few harmonics
        n = int(round(float(dur) * sr))
        t = np.arange(n, dtype=np.float32) / sr
        f0 = r.uniform(90, 160)
        k = np.arange(1, 7, dtype=np.float32)
        wave = (np.sin(2 * np.pi * f0 * k[:, None] * t[None] + r.uniform(0, 6.3, 6)[:, None]) / k[:, None]).sum(0)
        return (0.15 * strength * wave * C.envelope_ar(n, sr, 0.03, 0.06)).astype(np.float32)
    raise ValueError(f"unknown distractor {kind!r}; choose from {OFFSCREEN_KINDS}")


def _sound(r: np.random.Generator, cfg: dict[str, Any], mat: str, ev: list[dict], dis: dict | None,
           out: np.ndarray, track: np.ndarray | None = None) -> None:
    sr, n = cfg["sr"], out.shape[0]
    spec = MATERIAL_SPECS[mat]
    f0 = r.uniform(*spec["f0"])
    ratios = np.asarray(spec["ratios"]) * (1 + r.normal(0, 0.02, len(spec["ratios"])))
    ratios[0] = 1.0
    freqs = f0 * ratios
    tau = r.uniform(*spec["tau"]) * ratios ** (-spec["alpha"])
    base_amp = (np.arange(1.0, len(freqs) + 1) ** (-float(spec["beta"]))) * r.uniform(0.7, 1.3, len(freqs))
    nb = min(n, int(5 * tau.max() * sr) + 1)
    bank = C.modal_bank(freqs, tau, sr, nb)
    y = out
    y[:] = _noise(r, n, sr, 20, 0.45 * sr) * np.float32(r.uniform(0.001, 0.003))  # room tone
    for e in ev:
        start = int(round(e["t"] * sr))
        if e["action"] == "hit":
            C.add_at(y, hit_sound(r, spec, bank, base_amp, e["strength"], sr, mat), start)
        else:
            C.add_at(y, _scratch_sound(r, spec, e["end"] - e["t"], e["strength"], sr, mat), start)
    if dis is not None:
        d = _distractor_sound(r, dis["kind"], dis["strength"], sr, dis.get("dur"))
        C.add_at(y, d, int(round(dis["t"] * sr)))
        if track is not None:   # the off-screen part alone (before the clip at ±1)
            C.add_at(track, d, int(round(dis["t"] * sr)))
    np.clip(y, -1.0, 1.0, out=y)


# --------------------------------------------------------------------------- public API
def _unlabel(r: np.random.Generator, p: float, mat: str | None, act: str | None, rea: str | None):
    """Mimic the real annotations: with probability ``p`` some fields are unlabeled (None)."""
    if not r.random() < p:
        return mat, act, rea
    k = int(r.integers(4))
    return [(None, None, None), (None, act, rea), (mat, None, rea), (mat, act, None)][k]


def generate(n: int, seed: int, profile: str = "quick", *, start: int = 0, **overrides: Any) -> SceneBatch:
    """Generate ``n`` Greatest-Hits-like clips.

    Args:
        n: number of clips.
        seed: the world's seed; clip ``i`` depends only on (seed, i, settings).
        profile: ``"quick"`` (2 s, 64×64 px, 15 fps, 16 kHz) or ``"full"`` (4 s, 128×128, 30 fps).
        start: index of the first clip (generate a big set in chunks with the same result).
        **overrides: any of ``size`` (px, even), ``fps``, ``duration_s``, ``sr`` (Hz),
            ``max_events``, ``scratch_prob`` (per-clip chance that scratches dominate),
            ``distractor_prob`` (chance of one off-screen sound per clip), ``distractor_kinds``
            (names from :data:`OFFSCREEN_KINDS` to draw the off-screen sound from; default
            :data:`DISTRACTORS`), ``offscreen_track`` (bool, default False: also return the
            off-screen sound alone as ``extra["offscreen"]``, so ``audio - offscreen`` is the
            on-screen sound up to clipping), ``unlabeled_prob``
            (chance that an annotation has ``None`` fields, as in the real data; the clip labels
            keep the truth), ``materials`` (names to draw from; default all 17),
            ``camera_jitter`` (bool).

    Returns:
        A :class:`SceneBatch`: ``frames`` uint8 ``[n, T, S, S, 3]`` with ``T = round(duration_s
        * fps)``, ``audio`` float32 ``[n, round(duration_s * sr)]``; ``labels`` ``material``,
        ``action`` (dominant), ``reaction`` (int indices into ``MATERIALS`` / ``ACTIONS`` /
        ``REACTIONS``), ``distractor`` (index into ``OFFSCREEN_KINDS``, whose first entries are
        ``DISTRACTORS``, or -1), ``n_events``;
        ``events`` per clip sorted by time (an off-screen sound has ``visible=False``); ``extra``
        ``tip_xy`` / ``ground_xy`` float32 ``[n, T, 2]`` (stick tip and contact point in frame
        px), ``contact`` bool ``[n, T]``, ``stick_rgb`` uint8 ``[n, 3]``, ``camera_dxy`` int16
        ``[n, T, 2]`` (the camera's shake in px).

    Notebook: 03_datasets
    """
    C.check_counts(n, seed, start)
    # opt-in settings kept out of DEFAULTS, so that default worlds keep their configs and layout keys
    kinds = overrides.pop("distractor_kinds", None)
    keep_track = bool(overrides.pop("offscreen_track", False))
    cfg = C.resolve_settings(SCENE, profile, DEFAULTS, overrides)
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else list(kinds)
        bad = [k for k in kinds if k not in OFFSCREEN_KINDS]
        if bad or not kinds:
            raise ValueError(f"hits: distractor_kinds must name some of {OFFSCREEN_KINDS}, got {kinds}")
        cfg["distractor_kinds"] = kinds
    if keep_track:
        cfg["offscreen_track"] = True
    S, fps, D, sr = int(cfg["size"]), float(cfg["fps"]), float(cfg["duration_s"]), int(cfg["sr"])
    C.check_size(S, S, SCENE)
    if not (fps > 0 and D >= 0.8 and sr >= 8000):
        raise ValueError(f"hits: need fps > 0, duration_s >= 0.8 and sr >= 8000, got {fps}, {D}, {sr}")
    mats = tuple(cfg["materials"] or MATERIALS)
    bad = [m for m in mats if m not in MATERIALS]
    if bad:
        raise ValueError(f"hits: unknown material(s) {bad}; choose from {MATERIALS}")
    cfg.update(size=S, fps=fps, duration_s=D, sr=sr, materials=list(mats))
    T, ns = int(round(D * fps)), int(round(D * sr))
    frames = np.empty((n, T, S, S, 3), np.uint8)
    audio = np.empty((n, ns), np.float32)
    lab = {k: np.full(n, -1, np.int64) for k in ("material", "action", "reaction", "distractor", "n_events")}
    extra = {"tip_xy": np.zeros((n, T, 2), np.float32), "ground_xy": np.zeros((n, T, 2), np.float32),
             "contact": np.zeros((n, T), bool), "stick_rgb": np.zeros((n, 3), np.uint8),
             "camera_dxy": np.zeros((n, T, 2), np.int16)}
    if keep_track:
        extra["offscreen"] = np.zeros((n, ns), np.float32)
    events: list[list[Event]] = []
    for i, r in enumerate(C.clip_rngs(seed, SCENE, start, n)):
        mat = mats[int(r.integers(len(mats)))]
        ev, dominant, reaction = _plan_events(r, cfg, mat)
        dis = _plan_distractor(r, cfg, ev)
        geo = _render(r, cfg, mat, ev, reaction, frames[i])
        _sound(r, cfg, mat, ev, dis, audio[i], extra["offscreen"][i] if keep_track else None)
        for k, v in geo.items():
            if k in extra:
                extra[k][i] = v
        lab["material"][i] = MATERIALS.index(mat)
        lab["action"][i] = ACTIONS.index(dominant)
        lab["reaction"][i] = REACTIONS.index(reaction)
        lab["n_events"][i] = len(ev)
        evs = []
        for e in ev:
            m_, a_, r_ = _unlabel(r, cfg["unlabeled_prob"], mat, e["action"], reaction)
            evs.append(Event(e["t"], m_, a_, r_, e["end"], True, e["frame"], e["strength"]))
        if dis is not None:
            lab["distractor"][i] = OFFSCREEN_KINDS.index(dis["kind"])
            evs.append(Event(dis["t"], None, None, None, dis["t"] if "dur" not in dis else round(dis["t"] + dis["dur"], 6), False,
                             int(round(dis["t"] * fps)),
                             dis["strength"], dis["kind"]))
        events.append(sorted(evs, key=lambda e: e.time_s))
    config = {"scene": SCENE, "seed": int(seed), "profile": profile, "start": int(start), "n": int(n),
              "settings": cfg, "version": C.GENERATOR_VERSION}
    return SceneBatch(frames, audio, fps, sr, C.timestamp_ids(seed, SCENE, start, n), lab, events, extra, SCENE,
                      {"material": MATERIALS, "action": ACTIONS, "reaction": REACTIONS,
                       "distractor": OFFSCREEN_KINDS if kinds is not None else DISTRACTORS},
                      config)


def times_lines(events: list[Event]) -> str:
    """The ``<id>_times.txt`` text of a clip: one ``seconds material action reaction`` line per
    visible event (``None`` for unlabeled fields), six decimals like the real files.

    Notebook: 03_datasets
    """
    return "".join(f"{e.time_s:.6f} {e.material or 'None'} {e.action or 'None'} {e.reaction or 'None'}\n"
                   for e in events if e.visible)


def _write_items(batch: SceneBatch, folder: Path, index0: int = 0) -> list[tuple[str, bool]]:
    """Write the per-recording files of ``batch`` into ``folder``; return (id, is_test) pairs.

    ``index0`` is the generation index of the batch's first clip (it fixes the split). Two
    threads write in parallel: the H.264/AAC encoders release the GIL, so the second core helps.
    """
    from concurrent.futures import ThreadPoolExecutor

    from .. import audio as A
    from .. import video as V

    def one(i: int) -> tuple[str, bool]:
        c = batch[i]
        V.write_video(folder / f"{c.id}_denoised.mp4", c.frames, batch.fps, audio=c.audio, sr=batch.sr)
        A.save_audio(folder / f"{c.id}_denoised.wav", c.audio, batch.sr)
        C.write_text_atomic(folder / f"{c.id}_times.txt", times_lines(c.events))
        side = {"id": c.id, "labels": {k: int(v) for k, v in c.labels.items()},
                "label_names": {k: (batch.classes[k][int(v)] if int(v) >= 0 else None)
                                for k, v in c.labels.items() if k in batch.classes},
                "events": [C.event_to_json(e) for e in c.events], "fps": batch.fps, "sr": batch.sr}
        C.write_json_atomic(folder / f"{c.id}_synth.json", side)
        return c.id, C.is_test(index0 + i)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(one, range(len(batch))))


def _finish(folder: Path, items: list[tuple[str, bool]], config: dict[str, Any]) -> None:
    """The split lists ``train.txt`` / ``test.txt`` (one recording ID per line)."""
    C.write_text_atomic(folder / "train.txt", "".join(f"{i}\n" for i, t in items if not t))
    C.write_text_atomic(folder / "test.txt", "".join(f"{i}\n" for i, t in items if t))


def write_layout(batch: SceneBatch, root) -> Path:
    """Write ``batch`` in the Greatest Hits layout (one flat folder), atomically.

    Files: ``<id>_denoised.mp4`` (H.264 + AAC), ``<id>_denoised.wav`` (16-bit PCM),
    ``<id>_times.txt``, ``<id>_synth.json`` (synthetic-only full truth: event ends, strengths,
    off-screen sounds, clip labels), ``train.txt`` / ``test.txt`` (every fifth clip is a test
    clip), ``synth_manifest.json``. The folder is built beside ``root`` and renamed into place;
    an existing different dataset at ``root`` is never overwritten (FileExistsError).

    Args:
        batch: from :func:`generate`.
        root: destination folder (the equivalent of the real ``vis-data/``).

    Returns:
        ``root`` as a Path.

    Notebook: 03_datasets
    """
    return C.write_batch_layout(sys.modules[__name__], batch, root)


__all__ = ["ACTIONS", "CLASSES", "DEFAULTS", "DISTRACTORS", "MATERIALS", "MATERIAL_SPECS", "OFFSCREEN_KINDS", "REACTIONS",
           "backdrop", "generate", "hit_sound", "lighting", "surface_texture", "times_lines",
           "write_layout"]
