"""The synthetic worlds make the same clips as when these fingerprints were taken.

Caches, dataset layouts and every recorded result are keyed by ``synth.common.GENERATOR_VERSION``:
a change to a generator's output that does not bump it would silently mix old and new clips.
Each fingerprint sums the first four quick-profile clips of seed 0 in ways that change with any
sample, pixel or label (sums tolerate last-digit differences of float maths between CPUs).
"""

from __future__ import annotations

import numpy as np
import pytest

from foley_nb_utils import synth
from foley_nb_utils.synth.common import GENERATOR_VERSION

#: scene → (Σ|audio|, Σ audio², Σ|audio|·ramp, mean pixel, mean pixel·ramp), taken at version 1.
FINGERPRINTS = {
    "hits": (3860.9157715322863, 530.4618948247341, 3965.8615813414735, 161.06281127929688, 163.27438202046284),
    "instruments": (3645.627683694891, 655.5124508000165, 3586.195806687206, 53.186238606770836, 53.99135403046728),
    "scenes": (6902.3463961074995, 635.7563067391511, 6858.217023532492, 119.40502319335937, 121.49750105878178),
    "dance": (21676.668798204963, 3691.983429344088, 21627.04865615906, 81.67711147732204, 81.32543962997936),
    "keyboard": (27540.22555096975, 5045.206258412843, 27527.012683094632, 167.07544068287038, 170.57795368547391),
    "bounce": (3036.2700499820503, 801.4784770732467, 3193.9810312254954, 40.45916748046875, 39.95534314195569),
}

LABELS = {
    "hits": {"material": [14, 0, 7, 16], "action": [0, 0, 1, 0], "reaction": [0, 0, 2, 0],
             "distractor": [-1, -1, -1, -1], "n_events": [3, 2, 2, 2]},
    "instruments": {"instrument": [5, 0, 2, 4], "player": [4, 0, 2, 4], "pitch": [67, 57, 59, 68]},
    "scenes": {"category": [5, 5, 7, 1], "secondary": [-1, -1, -1, -1]},
    "dance": {"genre": [1, 2, 0, 0], "bpm": [110, 88, 106, 85], "dancer": [6, 8, 1, 7]},
    "keyboard": {"piece": [3, 4, 6, 4], "bpm": [95, 98, 79, 117], "n_notes": [17, 18, 15, 22]},
    "bounce": {"period": [4, 5, 3, 3], "n_contacts": [4, 3, 6, 6]},
}


def fingerprint(batch) -> tuple[float, ...]:
    a = np.abs(batch.audio.astype(np.float64))
    f = batch.frames.astype(np.float64)
    ramp_a = np.linspace(0.5, 1.5, a.size).reshape(a.shape)  # weights by place: catches reordering
    ramp_f = np.linspace(0.5, 1.5, f.size).reshape(f.shape)
    return float(a.sum()), float((a * a).sum()), float((a * ramp_a).sum()), float(f.mean()), float((f * ramp_f).mean())


@pytest.mark.parametrize("scene", sorted(FINGERPRINTS))
def test_worlds_make_the_clips_of_their_generator_version(scene):
    assert GENERATOR_VERSION == 1, "GENERATOR_VERSION was bumped: take new FINGERPRINTS and LABELS"
    batch = synth.generate(scene, 4, seed=0, profile="quick")
    got = fingerprint(batch)
    assert got == pytest.approx(FINGERPRINTS[scene], rel=1e-6), (
        f"{scene}: the world's clips changed ({got}). If that is intended, bump "
        f"synth.common.GENERATOR_VERSION (caches and layouts are keyed by it) and take new fingerprints")
    assert {k: [int(x) for x in v] for k, v in batch.labels.items()} == LABELS[scene]
