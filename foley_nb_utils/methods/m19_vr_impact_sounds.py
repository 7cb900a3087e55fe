"""Impact sounds for the parts of a pictured object (Nagao, Kumon & Hattori, Applied Sciences 2021).

The paper's pipeline at laptop scale: a picture of an object made of parts of different materials
→ segmentation (k-means on colour, texture and position; the paper's HSV superpixels + k-means,
here without scikit-image's SLIC) → a material classifier per part (a small CNN on patches) → a
material-conditioned GAN that generates the part's impact sound (notebook 07's GAN-CLS networks on
log-mels) → a clickable scene where clicking a part plays its sound.

The ground truth is the hits world's material model (:mod:`foley_nb_utils.synth.hits`): its
textures draw the parts, its modal synthesis (material-specific partials, decays and noise burst)
makes the real impact sounds. An independent judge (a CNN trained on other real sounds) names the
material of any sound.

Notebook: 19_2021_vr_impact_sounds
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from .. import repro
from ..train import build_seeded
from ..synth import common as C
from ..synth import hits as H
from . import m07_cross_modal_gan as m07

__all__ = ["CLIP_S", "MATERIALS", "SR", "ClickScene", "Objects", "classify_parts", "db_range", "draw_objects",
           "from_unit", "gan_pair", "generate_lms", "impact_sound", "impact_sounds", "kmeans", "judge_correct", "load_sounds", "logmel", "part_colours",
           "patches_of", "pixel_features", "segment", "silhouette", "texture_patches", "to_unit", "train_gan", "train_judge",
           "train_material_cnn"]

SR = 16000
"""Sample rate in Hz."""
CLIP_S = 0.5
"""Length of one impact sound in seconds (0.5 s: 32 log-mel frames at hop 256)."""
N = int(SR * CLIP_S)
MATERIALS: tuple[str, ...] = ("wood", "metal", "glass", "plastic", "ceramic", "cloth")
"""The six materials of the study (a subset of the hits world's 17)."""
PATCH = 16
"""Side of a material-classifier patch in pixels."""
ONSET_S = 0.01


def _check_materials(materials: Sequence[str]) -> tuple[str, ...]:
    bad = [m for m in materials if m not in H.MATERIAL_SPECS]
    if bad:
        raise ValueError(f"unknown material(s) {bad}; the hits world knows {sorted(H.MATERIAL_SPECS)}")
    if len(set(materials)) < 2:
        raise ValueError(f"need at least two different materials, got {list(materials)}")
    return tuple(materials)


# ----------------------------------------------------------------------------------- sounds
def impact_sound(r: np.random.Generator, material: str, sr: int = SR, n: int = N) -> np.ndarray:
    """One impact of a stick on ``material``: the hits world's modal synthesis (its partial
    frequencies, decays and noise burst, drawn afresh: every object of a material rings a little
    differently), struck with a random strength 10 ms into a ``n``-sample clip, over a faint room tone.

    Returns: float32 ``[n]`` in [-1, 1].

    Notebook: 19_2021_vr_impact_sounds
    """
    spec = H.MATERIAL_SPECS[material]
    f0 = r.uniform(*spec["f0"])
    ratios = np.asarray(spec["ratios"]) * (1 + r.normal(0, 0.02, len(spec["ratios"])))
    ratios[0] = 1.0
    tau = r.uniform(*spec["tau"]) * ratios ** (-spec["alpha"])
    amp = (np.arange(1.0, len(ratios) + 1) ** (-float(spec["beta"]))) * r.uniform(0.7, 1.3, len(ratios))
    start = int(ONSET_S * sr)
    bank = C.modal_bank(f0 * ratios, tau, sr, n - start)
    y = C.band_noise_table(r, n, sr, 20, 0.45 * sr) * np.float32(r.uniform(0.001, 0.003))
    C.add_at(y, H.hit_sound(r, spec, bank, amp, float(r.uniform(0.5, 1.0)), sr, material), start)
    return np.clip(y, -1, 1).astype(np.float32)


def impact_sounds(n: int, seed: int, key: str, materials: Sequence[str] = MATERIALS) -> tuple[np.ndarray, np.ndarray]:
    """``n`` real impact sounds, balanced over ``materials`` in random order.

    Returns: audio float32 ``[n, N]`` at :data:`SR` and int64 labels ``[n]`` (indices into ``materials``).

    Notebook: 19_2021_vr_impact_sounds
    """
    materials = _check_materials(materials)
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    r = repro.rng(seed, "m19 sounds", key)
    labels = r.permutation(np.arange(n) % len(materials)).astype(np.int64)
    return np.stack([impact_sound(r, materials[k]) for k in labels]), labels


def load_sounds(data_dir, split: str = "train", materials: Sequence[str] = MATERIALS,
                max_clips: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Real impact sounds from a Greatest Hits tree: a 0.5 s window from 10 ms before each annotated
    *hit* on one of ``materials`` (read by :mod:`foley_nb_utils.datasets.greatest_hits`).

    Returns: audio float32 ``[n, N]`` and int64 labels ``[n]``.

    Notebook: 19_2021_vr_impact_sounds
    """
    from ..datasets import greatest_hits as gh

    materials = _check_materials(materials)
    batch = gh.load(data_dir, split, sr=SR, max_clips=max_clips)
    audio, labels = [], []
    for a, evs in zip(batch.audio, batch.events):
        for e in evs:
            s = int(round(e.time_s * SR)) - int(ONSET_S * SR)
            if e.action == "hit" and e.material in materials and s >= 0 and s + N <= len(a):
                audio.append(np.asarray(a[s:s + N], np.float32))
                labels.append(materials.index(e.material))
    if not audio:
        raise ValueError(f"no hit on {list(materials)} with 0.5 s of sound after it in {data_dir!s} ({split})")
    return np.stack(audio), np.asarray(labels, np.int64)


def logmel(audio: np.ndarray) -> torch.Tensor:
    """Log-mels in dB ``[n, 1, 64, 32]`` (notebook 07's: 1024-point FFT, hop 256, 80 dB range).

    Notebook: 19_2021_vr_impact_sounds
    """
    return m07.audio_features(audio, SR, "logmel")


db_range = m07.db_range


def to_unit(lms_db: torch.Tensor, db: tuple[float, float]) -> torch.Tensor:
    """dB → [-1, 1] with the training range ``db`` (the GAN's scale)."""
    lo, hi = db
    return (2 * (lms_db - lo) / (hi - lo) - 1).clamp(-1, 1)


def from_unit(x: torch.Tensor, db: tuple[float, float]) -> torch.Tensor:
    """[-1, 1] → dB (inverse of :func:`to_unit`)."""
    lo, hi = db
    return (x + 1) / 2 * (hi - lo) + lo


# ----------------------------------------------------------------------------------- pictures
def texture(r: np.random.Generator, material: str, h: int, w: int) -> np.ndarray:
    """float32 ``[h, w, 3]`` in [0, 1]: the hits world's surface of ``material`` (at its 64-px scale).

    Notebook: 19_2021_vr_impact_sounds
    """
    return np.clip(H.surface_texture(r, H.MATERIAL_SPECS[material], h, w, 64), 0, 1).astype(np.float32)


@dataclass
class Objects:
    """Pictured objects made of parts.

    Attributes:
        images: uint8 ``[n, S, S, 3]``.
        parts: int8 ``[n, S, S]``: the part of each pixel (0, 1, …), -1 on the backdrop.
        depth: bool ``[n, S, S]``: pixels nearer than the wall (the RGB-D camera's cue: object vs backdrop).
        materials: int64 ``[n, 3]``: each part's material index (-1 where the object has fewer parts).
        n_parts: int64 ``[n]``.

    Notebook: 19_2021_vr_impact_sounds
    """

    images: np.ndarray
    parts: np.ndarray
    depth: np.ndarray
    materials: np.ndarray
    n_parts: np.ndarray

    def __len__(self) -> int:
        return len(self.images)


def draw_objects(n: int, seed: int, key: str, size: int = 48, materials: Sequence[str] = MATERIALS,
                 parts: Sequence[int] = (2, 3)) -> Objects:
    """``n`` objects in front of a wall: a box split by straight, slanted cuts into 2 or 3 parts,
    each of a *different* material, textured with the hits world's surfaces, under a light gradient.

    Notebook: 19_2021_vr_impact_sounds
    """
    materials = _check_materials(materials)
    if size < 24:
        raise ValueError(f"size must be >= 24 pixels, got {size}")
    if not parts or min(parts) < 1 or max(parts) > min(3, len(materials)):
        raise ValueError(f"parts must be counts in 1..{min(3, len(materials))}, got {list(parts)}")
    r = repro.rng(seed, "m19 objects", key)
    S = size
    yy, xx = np.mgrid[0:S, 0:S].astype(np.float32)
    imgs = np.zeros((n, S, S, 3), np.uint8)
    pm = np.full((n, S, S), -1, np.int8)
    mats = np.full((n, 3), -1, np.int64)
    nps = np.zeros(n, np.int64)
    for i in range(n):
        k = int(r.choice(parts))
        mat = r.choice(len(materials), k, replace=False)
        x0, y0 = r.uniform(0.08, 0.2, 2) * S
        x1, y1 = S - r.uniform(0.08, 0.2, 2) * S
        inside = (xx >= x0) & (xx < x1) & (yy >= y0) & (yy < y1)
        vertical = r.random() < 0.5  # cut direction
        u = (xx - x0) / (x1 - x0) if vertical else (yy - y0) / (y1 - y0)
        v = (yy - y0) / (y1 - y0) if vertical else (xx - x0) / (x1 - x0)
        cuts = np.sort(r.uniform(0.3, 0.7, k - 1)) if k == 2 else np.array([r.uniform(.25, .4), r.uniform(.6, .75)])
        slant = r.uniform(-0.15, 0.15, k - 1)
        part = np.zeros((S, S), np.int64)
        for c, s in zip(cuts, slant):
            part += (u > c + s * (v - 0.5)).astype(np.int64)
        img = H.backdrop(r, S, S, 64)
        for j in range(k):
            m = inside & (part == j)
            img[m] = texture(r, materials[mat[j]], S, S)[m]
        light, _, _ = H.lighting(r, S, S)
        imgs[i] = C.to_uint8(np.clip(img * light, 0, 1))
        pm[i][inside] = part[inside]
        mats[i, :k] = mat
        nps[i] = k
    return Objects(imgs, pm, pm >= 0, mats, nps)


def texture_patches(n: int, seed: int, key: str, materials: Sequence[str] = MATERIALS) -> tuple[np.ndarray, np.ndarray]:
    """``n`` single-material training patches ``uint8 [n, PATCH, PATCH, 3]`` (a random crop of a
    48-px surface under random light) and their int64 labels ``[n]``.

    Notebook: 19_2021_vr_impact_sounds
    """
    materials = _check_materials(materials)
    r = repro.rng(seed, "m19 patches", key)
    labels = r.permutation(np.arange(n) % len(materials)).astype(np.int64)
    out = np.zeros((n, PATCH, PATCH, 3), np.uint8)
    for i, k in enumerate(labels):
        img = texture(r, materials[k], 48, 48) * H.lighting(r, 48, 48)[0]
        y, x = r.integers(0, 48 - PATCH + 1, 2)
        out[i] = C.to_uint8(np.clip(img[y:y + PATCH, x:x + PATCH], 0, 1))
    return out, labels


_PALETTE = np.array([[235, 235, 235], [228, 26, 28], [55, 126, 184], [77, 175, 74], [152, 78, 163]], np.uint8)


def part_colours(parts: np.ndarray) -> np.ndarray:
    """uint8 ``[H, W, 3]`` picture of a part map ``[H, W]`` (-1: light grey; parts 0–3: red, blue,
    green, purple).

    Notebook: 19_2021_vr_impact_sounds
    """
    return _PALETTE[np.clip(np.asarray(parts, np.int64) + 1, 0, len(_PALETTE) - 1)]


def _patch_tensor(p: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(p)).permute(0, 3, 1, 2).float() / 255.0


# ----------------------------------------------------------------------------------- segmentation
def _box_mean(x: np.ndarray, r: int) -> np.ndarray:
    """Mean over a (2r+1)² window (edge-padded), ``[H, W, C]``."""
    p = np.pad(x, ((r + 1, r), (r + 1, r), (0, 0)), mode="edge").cumsum(0).cumsum(1)
    k = 2 * r + 1
    return (p[k:, k:] - p[:-k, k:] - p[k:, :-k] + p[:-k, :-k]) / (k * k)


def pixel_features(image: np.ndarray, pos_weight: float = 1.0) -> np.ndarray:
    """Per-pixel features ``[H, W, 8]`` for k-means: HSV-like colour (the paper clusters in HSV) —
    hue as (cos, sin) scaled by saturation, saturation, value — smoothed over 5×5, the local
    contrast (5×5 std of the value) and the position (x, y) in units of the image side × ``pos_weight``.

    Notebook: 19_2021_vr_impact_sounds
    """
    rgb = image.astype(np.float32) / 255.0
    mx, mn = rgb.max(-1), rgb.min(-1)
    sat = (mx - mn) / np.maximum(mx, 1e-6)
    d = np.maximum(mx - mn, 1e-6)
    rr, gg, bb = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    hue = np.where(mx == rr, (gg - bb) / d % 6, np.where(mx == gg, (bb - rr) / d + 2, (rr - gg) / d + 4)) / 6
    col = np.stack([sat * np.cos(2 * np.pi * hue), sat * np.sin(2 * np.pi * hue), sat, mx], -1)
    col = _box_mean(col, 2)
    var = _box_mean(mx[..., None] ** 2, 2) - _box_mean(mx[..., None], 2) ** 2
    H_, W_ = mx.shape
    yy, xx = np.mgrid[0:H_, 0:W_].astype(np.float32)
    pos = np.stack([xx / W_, yy / H_], -1) * pos_weight
    return np.concatenate([col, 4 * np.sqrt(np.maximum(var, 0)), pos, np.zeros_like(pos[..., :1])], -1)


def kmeans(x: np.ndarray, k: int, r: np.random.Generator, iters: int = 20, restarts: int = 2) -> np.ndarray:
    """Lloyd's k-means with k-means++ seeding (``restarts`` tries, the lowest inertia wins) on
    float ``[n, d]`` points; returns int64 labels ``[n]``. A few lines of numpy: scikit-learn's
    ``KMeans`` costs ~100 ms a call in set-up alone, and we run it on every object.

    Notebook: 19_2021_vr_impact_sounds
    """
    x = np.asarray(x, np.float32)
    if not 1 <= k <= len(x):
        raise ValueError(f"k must be in 1..{len(x)}, got {k}")
    best, best_in = None, np.inf
    for _ in range(restarts):
        c = x[[int(r.integers(len(x)))]]
        for _ in range(k - 1):
            d2 = ((x[:, None] - c[None]) ** 2).sum(-1).min(1)
            c = np.concatenate([c, x[[int(r.choice(len(x), p=d2 / d2.sum()))]]]) if d2.sum() > 0 else \
                np.concatenate([c, x[[int(r.integers(len(x)))]]])
        for _ in range(iters):
            lab = ((x[:, None] - c[None]) ** 2).sum(-1).argmin(1)
            new = np.stack([x[lab == j].mean(0) if (lab == j).any() else c[j] for j in range(k)])
            if np.allclose(new, c):
                break
            c = new
        d = ((x[:, None] - c[None]) ** 2).sum(-1)
        lab, inertia = d.argmin(1), float(d.min(1).sum())
        if inertia < best_in:
            best, best_in = lab, inertia
    return best.astype(np.int64)


def silhouette(x: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette of a clustering of float ``[n, d]`` points (−1 … 1; higher: better separated).

    Notebook: 19_2021_vr_impact_sounds
    """
    ks = np.unique(labels)
    if len(ks) < 2:
        return -1.0
    d = np.sqrt(((x[:, None] - x[None]) ** 2).sum(-1))
    mean_to = np.stack([d[:, labels == k].mean(1) for k in ks], 1)          # [n, K]
    own = np.searchsorted(ks, labels)
    cnt = np.array([(labels == k).sum() for k in ks])[own]
    a = mean_to[np.arange(len(x)), own] * cnt / np.maximum(cnt - 1, 1)       # exclude the point itself
    mean_to[np.arange(len(x)), own] = np.inf
    b = mean_to.min(1)
    return float(np.mean(np.where(cnt > 1, (b - a) / np.maximum(np.maximum(a, b), 1e-12), 0.0)))


def segment(image: np.ndarray, foreground: np.ndarray, ks: Sequence[int] = (2, 3), seed: int = 0,
            sample: int = 300) -> np.ndarray:
    """Split an object's pixels into parts: :func:`kmeans` on :func:`pixel_features` of the
    foreground (the depth mask) for each ``k`` in ``ks``; the ``k`` with the best
    :func:`silhouette` (on ``sample`` pixels) wins. Returns int ``[H, W]``: the part of each pixel,
    -1 off the object.

    Notebook: 19_2021_vr_impact_sounds
    """
    if image.shape[:2] != foreground.shape:
        raise ValueError(f"image {image.shape} and foreground {foreground.shape} differ in size")
    f = pixel_features(image)[foreground]
    out = np.full(foreground.shape, -1, np.int64)
    if len(f) < 2 * max(ks):
        out[foreground] = 0
        return out
    r = repro.rng(seed, "m19 segment")
    sub = r.choice(len(f), min(sample, len(f)), replace=False)
    best, best_s = np.zeros(len(f), np.int64), -np.inf
    for k in ks:
        lab = kmeans(f, k, r) if k > 1 else np.zeros(len(f), np.int64)
        s = silhouette(f[sub], lab[sub]) if k > 1 else 0.0
        if s > best_s:
            best, best_s = lab, s
    out[foreground] = best
    return out


def patches_of(image: np.ndarray, region: np.ndarray, stride: int = 4, min_inside: float = 0.8) -> np.ndarray:
    """uint8 patches ``[m, PATCH, PATCH, 3]`` on a ``stride`` grid that lie (≥ ``min_inside``) in the
    bool ``region`` mask; the best-covered one when none does.

    Notebook: 19_2021_vr_impact_sounds
    """
    Hh, Ww = region.shape
    cov = _box_mean(region[..., None].astype(np.float32), PATCH // 2)[..., 0]  # ≈ coverage of a patch at its centre
    ys = np.arange(PATCH // 2, Hh - PATCH // 2 + 1, stride)
    xs = np.arange(PATCH // 2, Ww - PATCH // 2 + 1, stride)
    cy, cx = np.meshgrid(ys, xs, indexing="ij")
    c = cov[cy, cx]
    keep = c >= min_inside
    if not keep.any():
        keep = c == c.max()
    return np.stack([image[y - PATCH // 2:y + PATCH // 2, x - PATCH // 2:x + PATCH // 2]
                     for y, x in zip(cy[keep], cx[keep])])


def train_material_cnn(patches: np.ndarray, labels: np.ndarray, *, steps: int, batch_size: int, seed: int,
                       n_classes: int = len(MATERIALS), name: str | None = None, config: dict | None = None,
                       device="cpu") -> m07.ConvClassifier:
    """The material classifier: notebook 07's 4-block CNN on 16×16 RGB patches (the paper
    fine-tunes an ImageNet CNN; we train from scratch on the world's textures).

    Notebook: 19_2021_vr_impact_sounds
    """
    model = build_seeded(int(repro.rng(seed, "m19 material cnn init").integers(2**31)), lambda: m07.ConvClassifier(
        (3, PATCH, PATCH), n_classes, widths=(8, 16, 16, 16), dropout=0.2))
    m07.train_classifier(model, _patch_tensor(patches), torch.from_numpy(labels), steps=steps,
                         batch_size=batch_size, generator=repro.torch_generator(seed, "m19 material cnn"),
                         name=name, config=config, device=device)
    return model.eval()


@torch.no_grad()
def classify_parts(model: m07.ConvClassifier, objects: Objects, segments: Sequence[np.ndarray],
                   whole: bool = False) -> list[np.ndarray]:
    """The material of each *true* part of each object, as the pipeline estimates it.

    Per part (``whole=False``): each segment is classified (mean class probability of its patches),
    and each true part takes the estimate of the segment that covers most of it — what a click on
    the part plays. Whole object (``whole=True``): one estimate from all the object's patches, for every part.

    Returns: per object, int64 ``[n_parts]`` estimated material indices.

    Notebook: 19_2021_vr_impact_sounds
    """
    model.eval()
    out = []
    for i, seg in enumerate(segments):
        img, truth, k = objects.images[i], objects.parts[i], int(objects.n_parts[i])
        groups = [seg >= 0] if whole else [seg == s for s in range(int(seg.max()) + 1)]
        est = []
        for g in groups:
            p = F.softmax(model(_patch_tensor(patches_of(img, g))), 1).mean(0) if g.any() else None
            est.append(int(p.argmax()) if p is not None else 0)
        if whole:
            out.append(np.full(k, est[0], np.int64))
            continue
        own = []
        for j in range(k):
            counts = np.bincount(seg[truth == j][seg[truth == j] >= 0], minlength=len(est))
            own.append(est[int(counts.argmax())])
        out.append(np.asarray(own, np.int64))
    return out


# ----------------------------------------------------------------------------------- GAN and judge
def gan_pair(n_classes: int = len(MATERIALS), base: int = 8, depth: int = 3):
    """Notebook 07's GAN-CLS generator and discriminator for ``[1, 64, 32]`` log-mels, conditioned
    on a one-hot material (``n_classes``-d) instead of an image feature.

    Notebook: 19_2021_vr_impact_sounds
    """
    g = m07.CondGenerator((1, 64, 32), cond_dim=n_classes, cond_emb=16, base=base, depth=depth)
    d = m07.CondDiscriminator((1, 64, 32), cond_dim=n_classes, cond_emb=16, base=base, depth=depth)
    return g, d


def train_gan(lms_unit: torch.Tensor, labels: torch.Tensor, *, steps: int, batch_size: int, seed: int,
              shuffle_labels: bool = False, n_classes: int = len(MATERIALS), base: int = 8, lr_g: float = 1e-3,
              lr_d: float = 2e-3, name: str | None = None, config: dict | None = None,
              device="cpu") -> m07.GanRun:
    """Train the material-conditioned GAN on real log-mels in [-1, 1] ``[n, 1, 64, 32]``.

    ``shuffle_labels=True`` is the ablation: the condition is a random material, unrelated to the
    sound (the same random permutation for the whole training), so the generator cannot learn
    what a material sounds like.

    Notebook: 19_2021_vr_impact_sounds
    """
    y = labels.clone()
    if shuffle_labels:
        y = y[torch.randperm(len(y), generator=repro.torch_generator(seed, "m19 shuffled labels"))]
    cond = F.one_hot(y, n_classes).float()
    # the same initial weights for both variants, whatever ran before (and safe side by side)
    g, d = build_seeded(int(repro.rng(seed, "m19 gan init").integers(2**31)), lambda: torch.nn.ModuleList(
        gan_pair(n_classes, base=base)))
    return m07.train_cgan(g, d, lms_unit, cond, y, steps=steps, batch_size=batch_size,
                          generator=repro.torch_generator(seed, "m19 gan", bool(shuffle_labels)),
                          lr_g=lr_g, lr_d=lr_d, track=None, name=name,
                          config={**(config or {}), "shuffle": bool(shuffle_labels)}, device=device)


def generate_lms(gen: m07.CondGenerator, labels: np.ndarray | torch.Tensor, seed: int, key: str,
                 n_classes: int = len(MATERIALS)) -> torch.Tensor:
    """Generated log-mels in [-1, 1] ``[n, 1, 64, 32]``, one per requested material index.

    Notebook: 19_2021_vr_impact_sounds
    """
    y = torch.as_tensor(np.asarray(labels), dtype=torch.int64)
    return m07.generate(gen, F.one_hot(y, n_classes).float(), repro.torch_generator(seed, "m19 generate", key))


def train_judge(lms_db: torch.Tensor, labels: np.ndarray, *, steps: int, batch_size: int, seed: int,
                n_classes: int = len(MATERIALS), name: str | None = None, config: dict | None = None,
                device="cpu") -> m07.ConvClassifier:
    """The independent judge: a CNN that names the material of a log-mel in dB, trained on real
    sounds that neither the GAN nor any test saw.

    Notebook: 19_2021_vr_impact_sounds
    """
    model = build_seeded(int(repro.rng(seed, "m19 judge init").integers(2**31)), lambda: m07.ConvClassifier(
        (1, 64, 32), n_classes, widths=(8, 16, 16, 16), dropout=0.3))
    m07.train_classifier(model, lms_db, torch.as_tensor(labels), steps=steps, batch_size=batch_size,
                         generator=repro.torch_generator(seed, "m19 judge"), name=name, config=config, device=device)
    return model.eval()


def judge_correct(judge: m07.ConvClassifier, lms_db: torch.Tensor, labels) -> np.ndarray:
    """1/0 per log-mel: does the judge name material ``labels[i]``? float ``[n]``.

    Notebook: 19_2021_vr_impact_sounds
    """
    return m07.classifier_correct(judge.eval(), lms_db, torch.as_tensor(np.asarray(labels), dtype=torch.int64))


# ----------------------------------------------------------------------------------- the scene
class ClickScene:
    """A pictured object whose parts sound when clicked (the paper's VR scene, in a notebook).

    Args:
        image: uint8 ``[S, S, 3]``.
        segments: int ``[S, S]`` part of each pixel (-1: backdrop), as the pipeline segmented it.
        names: the estimated material of each segment.
        sounds: float32 ``[n_segments, n]`` the generated impact sound of each segment, at ``sr``.

    :meth:`click` is the logic (tested without a browser); :meth:`widget` is the ipywidgets
    front end: the picture, a grid of cells over it and a player.

    Notebook: 19_2021_vr_impact_sounds
    """

    def __init__(self, image: np.ndarray, segments: np.ndarray, names: Sequence[str], sounds: np.ndarray,
                 sr: int = SR):
        if segments.shape != image.shape[:2]:
            raise ValueError(f"segments {segments.shape} do not match the image {image.shape[:2]}")
        if len(names) != len(sounds) or int(segments.max()) >= len(sounds):
            raise ValueError(f"{int(segments.max()) + 1} segments but {len(names)} names and {len(sounds)} sounds")
        self.image, self.segments, self.names, self.sounds, self.sr = image, segments, list(names), sounds, sr
        self.log: list[tuple[int, int, int]] = []

    def click(self, x: int, y: int) -> tuple[int, str, np.ndarray] | None:
        """The part under pixel (x, y): ``(segment, material, sound)``, or None on the backdrop."""
        h, w = self.segments.shape
        if not (0 <= x < w and 0 <= y < h):
            raise ValueError(f"click ({x}, {y}) is outside the {w}×{h} picture")
        s = int(self.segments[y, x])
        self.log.append((x, y, s))
        return None if s < 0 else (s, self.names[s], self.sounds[s])

    def widget(self, grid: int = 8):
        """ipywidgets: the picture and a ``grid × grid`` board of buttons over it (one per cell,
        coloured by the part under its centre); pressing one plays that part's sound."""
        import io

        import ipywidgets as w
        from IPython.display import display as ip_display
        from PIL import Image

        from .. import display as fd

        buf = io.BytesIO()
        Image.fromarray(self.image).resize((192, 192), Image.NEAREST).save(buf, format="png")
        out = w.Output()
        h, wd = self.segments.shape
        palette = ["#e6194b", "#3cb44b", "#4363d8", "#f58231"]
        rows = []
        for gy in range(grid):
            btns = []
            for gx in range(grid):
                x, y = int((gx + 0.5) * wd / grid), int((gy + 0.5) * h / grid)
                s = int(self.segments[y, x])
                b = w.Button(description="", layout=w.Layout(width="24px", height="24px", padding="0"),
                             tooltip=self.names[s] if s >= 0 else "backdrop")
                b.style.button_color = palette[s % 4] if s >= 0 else "#dddddd"

                def on(_, x=x, y=y):
                    hit = self.click(x, y)
                    with out:
                        out.clear_output()
                        if hit is None:
                            print("the backdrop: no sound")
                        else:
                            ip_display(fd.play(hit[2], self.sr, f"part {hit[0]}: {hit[1]}"))
                b.on_click(on)
                btns.append(b)
            rows.append(w.HBox(btns))
        return w.HBox([w.Image(value=buf.getvalue(), format="png", width=192, height=192),
                       w.VBox([w.VBox(rows), out])])
