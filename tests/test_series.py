"""The method notebooks as CI runs them: same seed, same records; budgets; claims on seeds 0-2.

Every method notebook (05 onwards) runs through the batch runner (:func:`foley_nb_utils.reproduce.run`,
papermill, quick profile) in series order on seeds 0, 1 and 2, from an empty cache, as on a fresh
clone; then seed 0 runs once more with the cache the first pass left (evaluation only: the models
load from their checkpoints). The tests check:

- every run succeeds within the time and memory budgets;
- **same seed, same records**: seed 0 records exactly the same values and claim evidence from an
  empty cache in the series and from the warm cache, and the committed notebook (built alone,
  each from its own empty cache, by ``tools/build_notebooks.py --fresh-cache``) recorded the same
  again (its metadata ``foley_records``);
- every claim is recorded on every seed, and every paper claim carries its evidence;
- each paper claim's verdict over the three seeds (``holds`` / ``refuted`` / ``inconclusive``, see
  :func:`foley_nb_utils.reproduce.collect_claims`) is the one pinned in ``CLAIMS``, which is what we
  measured, not what we hoped: a change that moves a verdict fails here, and the table is updated
  with the new measurement in the same commit.

This is the method notebooks' only execution in ``make test`` (nbval runs the primers 00-04): three
cold runs and one warm run per notebook. Marked ``slow`` and ``notebooks``; one notebook:
``FOLEY_SERIES_ONLY=05 pytest tests/test_series.py`` (``-k`` alone would still run the whole series).
"""
from __future__ import annotations

import json
import os

import nbformat
import pytest

from foley_nb_utils import reproduce
from foley_nb_utils.repro import repo_root

pytestmark = [pytest.mark.notebooks, pytest.mark.slow]

SEEDS = [0, 1, 2]
#: Quick-profile wall-time limit of a method notebook (s), kernel start included, with a margin for a
#: busy CI machine (the budget itself is 60 s on an idle 2-core machine, which the report checks).
TIME_LIMIT_S = 90.0
RECORDS_KEY = "foley_records"  # tools/build_notebooks.py

#: Per method notebook, each paper claim's verdict over seeds 0-2 as measured (see the module docstring).
CLAIMS: dict[str, dict[str, str]] = {
    '05_2016_visually_indicated_sounds': {
        'motion input beats RGB only for timing (onset AP)': 'inconclusive',
        'predicted sound carries the material far above chance': 'inconclusive',
        'the LSTM beats a per-frame regressor (no RNN)': 'inconclusive',
        'ranking real > full > no RNN > random impact sound': 'inconclusive',
        'example-based beats parametric synthesis, most for hard materials': 'inconclusive',
    },
    '06_2016_ambient_sound_supervision': {
        'sound-supervised features beat random init by a wide margin': 'inconclusive',
        'they approach but stay below label-supervised features': 'inconclusive',
        'texture statistics are a better target than clusters of the plain spectrum': 'inconclusive',
    },
    '07_2017_cross_modal_gan': {
        'log-mel is the best audio encoding for the classifier': 'inconclusive',
        'the log matters: LMS far above the mel spectrogram without log (MS)': 'holds',
        'S2I-C images are recognised far above chance': 'inconclusive',
        'I2S is much harder than S2I': 'refuted',
    },
    '08_2018_cmcgan': {
        'CMCGAN beats [3] in S2I': 'inconclusive',
        'CMCGAN beats [3] in I2S': 'refuted',
        'removing the cycle loss hurts': 'inconclusive',
    },
    '09_2018_visual_to_sound': {
        'category retrieval from generated sound: flow ≥ seq ≥ frame (R@1)': 'inconclusive',
        "category retrieval by likelihood (paper's protocol): flow ≥ seq ≥ frame": 'inconclusive',
        'generated sound fools the real-vs-fake discriminator more often than the class-conditional baseline': 'inconclusive',
    },
    '10_2018_pocan': {
        'POCAN beats the notebook-05 regression model on R@1, R@5 and R@10': 'inconclusive',
        'the perceptual loss helps (mean of R@1/5/10)': 'inconclusive',
        'the class prediction helps (mean of R@1/5/10)': 'inconclusive',
        "the generated sound carries the right class more often than the regression model's": 'inconclusive',
    },
    '11_2019_vision_infused_inpainting': {
        'spectrogram inpainting (VIAI-A) beats linear interpolation in the gap': 'holds',
        'vision helps when a note starts inside the gap (AV < A gap error)': 'holds',
        'the benefit of vision grows with gap length': 'inconclusive',
        'the sync loss improves audio→video retrieval R@1': 'inconclusive',
    },
    '12_2020_foley_music': {
        'the graph encoder over the skeleton beats an MLP over the flattened keypoints (note F1)': 'refuted',
        'the Transformer decoder beats a GRU decoder (note F1)': 'holds',
        'transposing the predicted MIDI moves the rendered pitch by exactly the interval': 'holds',
    },
    '13_2020_sa_cmgan': {
        'self-attention raises S2I judged accuracy': 'inconclusive',
        'self-attention raises I2S judged accuracy': 'inconclusive',
        'the mismatch term improves conditioning': 'holds',
        'I2S stays harder than S2I': 'refuted',
    },
    '14_2020_sight_to_sound': {
        'five frames beat one frame (note F1)': 'holds',
        '3-D aggregation beats stacking the frames as channels (note F1)': 'inconclusive',
        "re-weighting onsets in the loss raises note F1 at the paper's threshold": 'inconclusive',
        'visual transcription is far above a motion-energy baseline': 'inconclusive',
    },
    '15_2020_regnet': {
        'AFR gives better onset alignment than no AFR': 'inconclusive',
        'AFR gives less hallucinated background than no AFR': 'holds',
        'too wide a bottleneck (time-resolved) degrades the zeroed-code output': 'holds',
        'too narrow a bottleneck (2 numbers) is about the same as no AFR': 'refuted',
        'the visual discriminator makes the output sharper than plain regression': 'inconclusive',
        'which is real? RegNet fools the real-vs-fake listener more than plain regression': 'inconclusive',
    },
    '16_2020_autofoley': {
        'frame interpolation raises class accuracy on fast motion at a low frame rate': 'inconclusive',
        'the fast-slow LSTM beats a single-rate LSTM of the same size': 'inconclusive',
        'the TRN matches the sequence network with far fewer frames and FLOPs': 'inconclusive',
        "the generated sound's onsets align with the visual events": 'holds',
    },
    '17_2020_audeo': {
        'Roll2Midi raises note F1 over the raw visual roll': 'holds',
        'Roll2Midi brings the rendered audio closer to the real audio': 'holds',
        'multi-scale attention beats the plain ResNet encoder (Video2Roll frame F1)': 'inconclusive',
        'five frames beat one (Video2Roll frame F1)': 'inconclusive',
    },
    '18_2020_iot_sound_synthesis': {
        'the pipeline synthesises faster than real time on one CPU thread': 'holds',
        'int8 quantisation keeps class accuracy within 2 points': 'holds',
        'the small recogniser keeps class accuracy within 5 points': 'inconclusive',
        'streamed sound is in sync with the visual events': 'inconclusive',
        'streaming loses at most 0.05 onset F1 against whole-clip processing': 'inconclusive',
    },
    '19_2021_vr_impact_sounds': {
        'the material of generated sounds is recognised far above chance': 'inconclusive',
        'generated sounds are recognised about as well as real ones': 'refuted',
        'material conditioning matters (random-label ablation)': 'inconclusive',
        'per-part material beats whole-object material on multi-material objects': 'inconclusive',
    },
    '20_2021_specvqgan': {
        'visual features improve relevance (per-clip KL, all frames vs none)': 'inconclusive',
        'more frames improve relevance (per-clip KL, all frames vs 1)': 'inconclusive',
        'more frames improve onset timing (onset F1, all frames vs 1)': 'inconclusive',
        'a codebook from a bigger, more diverse world transfers to a smaller one': 'inconclusive',
    },
    '21_2021_foleygan': {
        "per-step temporal visual features make the GAN's sound more synchronous than the class-only GAN": 'holds',
        'per-step temporal features beat pooled visual features for synchrony': 'holds',
        "the temporal features do not cost recognisability (a judge's class accuracy comparable)": 'inconclusive',
    },
    '22_2023_condfoleygen': {
        'the material follows the condition clip': 'inconclusive',
        'the timing follows the target video': 'inconclusive',
        're-ranking with a sync judge improves timing at the same timbre': 'inconclusive',
        'onset transfer is strong on timing and weak on plausibility': 'refuted',
    },
    '23_2023_mm_diffusion': {
        'coupled cross-modal attention aligns video and audio better than independent U-Nets': 'refuted',
        'random-shift windowed attention is about as good as full cross-attention': 'holds',
        'zero-shot video-to-audio from the joint model beats unconditional sampling on alignment': 'refuted',
    },
    "24_benchmark": {},
    '25_beyond_the_survey': {
        'frame-aligned sync features beat pooled ones and none (DeSync and onset AP)': 'inconclusive',
        'flow matching beats DDPM with the same network and budget at 4, 8 and 25 steps': 'holds',
        'one round of reflow improves 1- and 4-step quality': 'refuted',
        'the guidance scale trades quality against diversity': 'refuted',
    },
}

ROOT = repo_root()
METHODS = [] if ROOT is None else [p.stem for p in reproduce.find_notebooks(ROOT / "notebooks") if int(p.stem[:2]) >= 5]
# while writing one notebook: FOLEY_SERIES_ONLY=14 pytest tests/test_series.py runs only it (CI runs all)
if os.environ.get("FOLEY_SERIES_ONLY"):
    METHODS = [m for m in METHODS if m[:2] in os.environ["FOLEY_SERIES_ONLY"].split(",")]


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    if ROOT is None:
        pytest.skip("needs the repository checkout (notebooks/ folder)")
    return tmp_path_factory.mktemp("cache")


def _run(cache, out, seeds):
    mp = pytest.MonkeyPatch()
    mp.setenv("FOLEY_CACHE_DIR", str(cache))
    try:
        return reproduce.run(profile="quick", only=METHODS, seeds=seeds, out=out,
                             notebooks_dir=ROOT / "notebooks", progress=False)
    finally:
        mp.undo()


@pytest.fixture(scope="module")
def series(cache, tmp_path_factory):
    """Seeds 0-2 in series order from an empty cache (no checkpoint of earlier runs: all train).
    The run is kept in runs/test-series/ (git-ignored): tools/claims_table.py makes the README's
    claims and budgets tables from its summary.json."""
    return _run(cache, ROOT / "runs" / "test-series", SEEDS)


@pytest.fixture(scope="module")
def warm(series, cache, tmp_path_factory):
    """Seed 0 again, with the cache the series left."""
    return _run(cache, tmp_path_factory.mktemp("warm"), [0])


def _notebook(summary, stem):
    by_stem = {nb["notebook"]: nb for nb in summary["notebooks"]}
    assert stem in by_stem, f"{stem} did not run; ran {sorted(by_stem)}"
    return by_stem[stem]


def _seed0(summary, stem):
    run = next(r for r in _notebook(summary, stem)["runs"] if r["seed"] == 0)
    assert run["status"] == "ok", f"{stem} seed 0: {run['error']}"
    return reproduce.records_of(run["results"])


def _differences(a: dict, b: dict) -> list[str]:
    out = []
    for part in ("values", "claims"):
        for k in sorted(set(a[part]) | set(b[part])):
            if a[part].get(k) != b[part].get(k):
                out.append(f"{part}[{k!r}]: {json.dumps(a[part].get(k))[:200]} != {json.dumps(b[part].get(k))[:200]}")
    return out


def test_every_method_notebook_has_its_claims_pinned():
    assert METHODS, "no method notebooks found"
    if os.environ.get("FOLEY_SERIES_ONLY"):
        pytest.skip("FOLEY_SERIES_ONLY is set: the pins of the other notebooks are not checked")
    assert sorted(CLAIMS) == METHODS, f"pin the claims of {sorted(set(METHODS) - set(CLAIMS))}"


@pytest.mark.parametrize("stem", METHODS)
def test_every_run_succeeds_within_budget(series, stem):
    nb = _notebook(series, stem)
    assert [r["seed"] for r in nb["runs"]] == SEEDS
    for run in nb["runs"]:
        assert run["status"] == "ok", f"{stem} seed {run['seed']}: {run['error']}"
        if run["peak_mb"] is not None:
            assert run["peak_mb"] <= reproduce.MEMORY_BUDGET_MB, f"{stem}: peak {run['peak_mb']} MB"
        assert run["wall_s"] <= TIME_LIMIT_S, f"{stem} seed {run['seed']}: {run['wall_s']:.0f} s > {TIME_LIMIT_S:.0f} s"


@pytest.mark.parametrize("stem", METHODS)
def test_same_seed_same_records_from_an_empty_and_a_warm_cache(series, warm, stem):
    diff = _differences(_seed0(series, stem), _seed0(warm, stem))
    assert not diff, f"{stem} seed 0 recorded differently with a warm cache:\n" + "\n".join(diff)


@pytest.mark.parametrize("stem", METHODS)
def test_the_committed_notebook_records_what_a_fresh_run_records(series, stem):
    nb = nbformat.read(ROOT / "notebooks" / f"{stem}.ipynb", as_version=4)
    assert RECORDS_KEY in nb.metadata, f"{stem}.ipynb was not built by tools/build_notebooks.py (no records)"
    diff = _differences(json.loads(json.dumps(nb.metadata[RECORDS_KEY])), _seed0(series, stem))
    assert not diff, (f"{stem}: the committed notebook (built alone) and seed 0 in the series record differently "
                      f"(rebuild it with tools/build_notebooks.py --only {stem[:2]} --fresh-cache):\n" + "\n".join(diff))


@pytest.mark.parametrize("stem", METHODS)
def test_every_claim_is_recorded_on_every_seed_with_its_evidence(series, stem):
    nb = _notebook(series, stem)
    assert set(nb["claims"]) == set(CLAIMS.get(stem, {})), f"{stem} records {sorted(nb['claims'])}"
    for name, c in nb["claims"].items():
        assert None not in c["verdicts"], f"{stem}: claim {name!r} missing on some seed: {c['verdicts']}"
        if c["kind"] == "paper":
            assert all(c["evidence"]), f"{stem}: paper claim {name!r} has no evidence on some seed"


@pytest.mark.parametrize("stem", METHODS)
def test_claim_verdicts_are_the_measured_ones(series, stem):
    nb = _notebook(series, stem)
    got = {name: c["verdict"] for name, c in nb["claims"].items()}
    detail = {name: [c["verdicts"], [e and round(e["effect"], 4) for e in c["evidence"]]]
              for name, c in nb["claims"].items()}
    assert got == CLAIMS.get(stem), f"{stem}: verdicts {json.dumps(got, indent=1)}\nper seed: {json.dumps(detail, indent=1)}"
