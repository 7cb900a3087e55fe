"""Do the paper claims of the method notebooks hold on seeds 0, 1 and 2?

Runs every method notebook listed below through the batch runner
(:func:`foley_nb_utils.reproduce.run`, papermill, quick profile) once per seed, with an empty
cache folder so that every model trains from scratch as in CI, and checks:

- every run succeeds within the time and memory budgets;
- every claim is recorded on every seed (a claim that silently disappears is a bug);
- the claims marked ``True`` hold on all three seeds, the claims marked ``False`` fail on all
  three (the notebook explains why they do not reproduce on our data); claims marked ``None``
  vary with the seed and are only required to be recorded. The table is what we measured, not
  what we hoped: a change that flips an outcome fails this test, and the table is updated with
  the new measurement in the same commit.

Three runs of each notebook (about 2–3 minutes per notebook on a 2-core machine); marked ``slow``
and ``notebooks``. One notebook: ``pytest tests/test_claims_seeds.py -k 05``.
"""
from __future__ import annotations

import json

import pytest

from foley_nb_utils import reproduce
from foley_nb_utils.repro import repo_root

pytestmark = [pytest.mark.notebooks, pytest.mark.slow]

SEEDS = [0, 1, 2]
#: Quick-profile wall-time budget of a method notebook (s), kernel start included, with a margin
#: for a busy CI machine (the budget itself is 60 s on an idle 2-core machine).
TIME_LIMIT_S = 90.0

#: claim → True (holds on every seed), False (fails on every seed) or None (varies with the seed).
CLAIMS: dict[str, dict[str, bool | None]] = {
    "05_2016_visually_indicated_sounds": {
        "motion input beats RGB only for timing (onset AP)": True,
        "predicted sound carries the material far above chance": None,
        "the LSTM beats a per-frame regressor (no RNN)": None,
        "ranking real > full > no RNN > random impact sound": None,
        "example-based beats parametric synthesis, most for hard materials": None,
    },
    "06_2016_ambient_sound_supervision": {
        "sound-supervised features beat random init by a wide margin": True,
        "they approach but stay below label-supervised features": None,
        "texture statistics are a better target than clusters of the plain spectrum": True,
    },
    "07_2017_cross_modal_gan": {
        "log-mel is the best audio encoding for the classifier": None,
        "the log matters: LMS far above the mel spectrogram without log (MS)": True,
        "S2I-C images are recognised far above chance": True,
        "I2S is much harder than S2I": False,
    },
    "08_2018_cmcgan": {
        "CMCGAN beats [3] in S2I": None,
        "CMCGAN beats [3] in I2S": False,
        "removing the cycle loss hurts": None,
    },
    "09_2018_visual_to_sound": {
        "category retrieval from generated sound: flow ≥ seq ≥ frame (R@1)": False,
        "category retrieval by likelihood (paper's protocol): flow ≥ seq ≥ frame": False,
        "generated sound fools the real-vs-fake discriminator more often than the class-conditional baseline": None,
    },
    "10_2018_pocan": {
        "POCAN beats the notebook-05 regression model on R@1, R@5 and R@10": False,
        "the perceptual loss helps (mean of R@1/5/10)": None,
        "the class prediction helps (mean of R@1/5/10)": None,
        "the generated sound carries the right class more often than the regression model's": None,
    },
}

#: Measured overruns of the 60 s budget (kernel start included, from an empty cache, on the shared
#: 2-core machine): each is an open item of its issue, written here so that it cannot grow unnoticed.
#: Empty: every method notebook fits (07 and 08 did not until their GANs trained side by side).
OVER_BUDGET_S: dict[str, float] = {}


@pytest.fixture(scope="module")
def summary(tmp_path_factory):
    root = repo_root()
    if root is None:
        pytest.skip("needs the repository checkout (notebooks/ folder)")
    cache = tmp_path_factory.mktemp("cache")
    mp = pytest.MonkeyPatch()
    mp.setenv("FOLEY_CACHE_DIR", str(cache))  # no checkpoint from earlier runs: train from scratch
    try:
        return reproduce.run(profile="quick", only=[stem[:2] for stem in CLAIMS], seeds=SEEDS,
                             out=tmp_path_factory.mktemp("runs"), notebooks_dir=root / "notebooks", progress=False)
    finally:
        mp.undo()


def _notebook(summary, stem):
    by_stem = {nb["notebook"]: nb for nb in summary["notebooks"]}
    assert stem in by_stem, f"{stem} did not run; ran {sorted(by_stem)}"
    return by_stem[stem]


def _outcomes(nb) -> str:
    return json.dumps({name: c["holds"] for name, c in nb["claims"].items()}, indent=1)


@pytest.mark.parametrize("stem", list(CLAIMS))
def test_every_run_succeeds_within_budget(summary, stem):
    nb = _notebook(summary, stem)
    assert len(nb["runs"]) == len(SEEDS)
    for run in nb["runs"]:
        assert run["status"] == "ok", f"{stem} seed {run.get('seed')}: {run['error']}"
        if run["peak_mb"] is not None:
            assert run["peak_mb"] <= reproduce.MEMORY_BUDGET_MB, f"{stem}: peak {run['peak_mb']} MB"
        limit = OVER_BUDGET_S.get(stem, TIME_LIMIT_S)
        assert run["wall_s"] <= limit, f"{stem} seed {run.get('seed')}: {run['wall_s']:.0f} s > {limit:.0f} s"


@pytest.mark.parametrize("stem", list(CLAIMS))
def test_every_claim_is_recorded_on_every_seed(summary, stem):
    nb = _notebook(summary, stem)
    assert set(nb["claims"]) == set(CLAIMS[stem]), f"{stem} records {sorted(nb['claims'])}"
    for name, c in nb["claims"].items():
        assert None not in c["holds"], f"{stem}: claim {name!r} missing on some seed: {c['holds']}"


@pytest.mark.parametrize("stem", list(CLAIMS))
def test_claim_outcomes_are_the_measured_ones(summary, stem):
    nb = _notebook(summary, stem)
    for name, expected in CLAIMS[stem].items():
        if expected is None:
            continue
        held = nb["claims"][name]["holds"]
        assert all(h == expected for h in held), (
            f"{stem}: {name!r} expected to {'hold' if expected else 'fail'} on every seed, got {held} "
            f"(ours: {nb['claims'][name]['ours']}); all outcomes:\n{_outcomes(nb)}")
