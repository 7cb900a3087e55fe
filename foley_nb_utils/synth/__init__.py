"""The synthetic audio-visual world: procedural clips with exact ground truth, written in the
real datasets' on-disk layouts so that the same loaders (:mod:`foley_nb_utils.datasets`) read
synthetic and real data.

Every scene module has ``generate(n, seed, profile="quick", **overrides) -> SceneBatch`` and
``write_layout(batch, root) -> Path``; :func:`ensure` generates a scene's layout once under
``repro.synthetic_dir()`` and reuses it afterwards. Same seed → byte-identical frames and audio.

=============  ===============================  ========================  ==============================
scene          what it is                       layout it writes          notebooks (loader)
=============  ===============================  ========================  ==============================
``hits``       drumstick hits / scratches on    Greatest Hits             03, 05 Visually Indicated
               17 materials, reactions,         (``<id>_denoised.mp4``,   Sounds, 07 Visual to Sound,
               modal + noise sound,             ``_times.txt``,           08 POCAN, RegNet, SpecVQGAN,
               off-screen distractors           ``train.txt``)            CondFoleyGen, onset metrics
                                                                          (``datasets.greatest_hits``)
``instruments``player + instrument image ↔      Sub-URMP                  09 Cross-modal AV generation,
               0.5 s note, 13 instruments       (``img``/``chunk``)       10 CMCGAN, SA-CMGAN
                                                                          (``datasets.sub_urmp``)
``scenes``     animated ambient textures ↔      VAS / VEGAS class         06 Ambient Sound,
               sound textures (8 categories)    folders of mp4            07 Visual to Sound, AutoFoley,
                                                                          MM-Diffusion (Landscape)
                                                                          (``datasets.class_folders``)
``keyboard``   top-down piano, pressed keys,    mp4 + ``.mid`` +          Sight to Sound, Audeo
               hands, Bach chorales, pedal      ``_roll.npz`` beside it   (``datasets.piano``)
``dance``      COCO-17 stick figure moving      AIST++-style mp4 +        Foley Music, MM-Diffusion
               to a beat, MIDI music            ``_keypoints.npy``        (AIST++) (``datasets.aist``)
``bounce``     ball bouncing on a floor, an     flat mp4 folder +         MM-Diffusion (joint audio +
               impact click per contact         ``_contacts.txt``         video) (``datasets.aist``)
=============  ===============================  ========================  ==============================

Notebook: 03_datasets
"""
from __future__ import annotations

import importlib
import os
from pathlib import Path
from types import ModuleType
from typing import Any

from .. import repro
from .common import GENERATOR_VERSION, MANIFEST, Clip, Event, SceneBatch

#: The scene modules.
SCENES: tuple[str, ...] = ("hits", "instruments", "scenes", "keyboard", "dance", "bounce")

#: Clips that :func:`ensure` writes when ``n`` is None (per scene and profile).
DEFAULT_N: dict[str, dict[str, int]] = {
    "hits": {"quick": 240, "full": 4000},
    "instruments": {"quick": 1300, "full": 13000},
    "scenes": {"quick": 240, "full": 4000},
    "keyboard": {"quick": 60, "full": 1000},
    "dance": {"quick": 120, "full": 2000},
    "bounce": {"quick": 640, "full": 8000},
}

#: Clips generated (and held in memory) at a time by :func:`ensure`.
_CHUNK = {"quick": 128, "full": 32}


def scene_module(scene: str) -> ModuleType:
    """The module of a scene name (``"hits"`` → :mod:`foley_nb_utils.synth.hits`).

    Notebook: 03_datasets
    """
    if scene not in SCENES:
        raise ValueError(f"unknown scene {scene!r}; choose one of {SCENES}")
    return importlib.import_module(f"{__name__}.{scene}")


def generate(scene: str, n: int, seed: int, profile: str = "quick", **overrides: Any) -> SceneBatch:
    """``scene_module(scene).generate(n, seed, profile, **overrides)``.

    Notebook: 03_datasets
    """
    return scene_module(scene).generate(n, seed, profile, **overrides)


def ensure(scene: str, seed: int = 0, profile: str = "quick", n: int | None = None,
           root: str | os.PathLike | None = None, **overrides: Any) -> Path:
    """Write a scene's dataset layout once and return its root; later calls reuse it.

    The layout is keyed by scene, profile, seed, n, overrides and :data:`GENERATOR_VERSION`
    (a changed generator writes a new folder instead of reusing a stale one). Clips are
    generated and written in chunks, so memory stays small; the folder appears atomically.

    Args:
        scene: one of :data:`SCENES`.
        seed: the world's seed.
        profile: ``"quick"`` or ``"full"`` (clip sizes; see each scene's ``DEFAULTS``).
        n: number of clips; None → :data:`DEFAULT_N`.
        root: destination; None → ``repro.synthetic_dir(scene) / "<profile>-seed<seed>-n<n>-<hash>"``.
        **overrides: generator settings (as for the scene's ``generate``).

    Returns:
        The layout's root folder (pass it as ``DATA_DIR`` to the loaders).

    Notebook: 03_datasets
    """
    from . import common as C

    mod = scene_module(scene)
    repro.check_profile(profile)
    n = DEFAULT_N[scene][profile] if n is None else n
    C.check_counts(n, seed)
    if n < 1:
        raise ValueError(f"ensure needs n >= 1, got {n}")
    config = {**mod.generate(0, seed, profile, **overrides).config, "n": int(n)}
    key = C.layout_key(config)
    if root is None:
        root = repro.synthetic_dir(scene) / f"{profile}-seed{seed}-n{n}-{key[:10]}"
    root = Path(root)
    chunk = _CHUNK[profile]

    def fill(tmp: Path) -> None:
        items: list = []
        ids: list[str] = []
        for k in range(0, n, chunk):
            b = mod.generate(min(chunk, n - k), seed, profile, start=k, **overrides)
            items += mod._write_items(b, tmp, k)
            ids += b.ids
        mod._finish(tmp, items, config)
        manifest["ids"] = ids

    manifest: dict[str, Any] = {"scene": scene, "config": config, "n": int(n),
                                "generator_version": GENERATOR_VERSION}
    return C.write_tree_atomically(root, key, manifest, fill)


__all__ = ["DEFAULT_N", "GENERATOR_VERSION", "MANIFEST", "SCENES", "Clip", "Event", "SceneBatch", "ensure",
           "generate", "scene_module"]
