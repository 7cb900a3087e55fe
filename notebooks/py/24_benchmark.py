# %% [markdown]
# # 24 · All methods on the same data and metrics
#
# Every method notebook of the series scores its own model on its own test clips, with the metrics
# its paper used. That is how the papers were written, and it is why the survey can compare them
# only in prose: no two papers share a test set, a metric suite and a judge. The survey's own list of
# future directions asks for a **common benchmark**; none exists. This notebook builds one from the
# series' own models: per task a **track** with one shared test split of one world, one reference
# set of real clips and one metric suite — the same code for every method — each number with a
# bootstrap interval over the test clips, and the **cost** next to the quality. The models are not
# retrained here: each method's adapter loads the very weights its notebook trained (the same
# checkpoint, by the same-seed rule), and trains them only when they are missing.
#
# At the end, the **claims scoreboard**: every paper claim the series tested, with its verdict on
# seeds 0–2, grouped by paper and year.

# %% tags=["colab"]
# On Google Colab: install the series' package first (this cell does nothing anywhere else)
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                    "foley_nb_utils @ git+https://github.com/foley-notebooks/foley-notebooks"], check=True)

# %%
import time

import numpy as np
import matplotlib.pyplot as plt

import foley_nb_utils as fnu
from foley_nb_utils import benchmark as B

# %% [markdown]
# ## Learning objectives
#
# - see what a fair comparison of generative models needs: one test split, one reference set, one
#   judge, one metric code path, intervals, and the cost of each model;
# - read a benchmark table: which differences are beyond the intervals, and which metric can see
#   which failure (an onset AP that forgives silence, a Fréchet distance that ignores timing);
# - add a method to the benchmark with one small adapter;
# - read the series' claims scoreboard: which paper claims hold at our scale, on every seed.
#
# **Prerequisites**: the metrics and judges of notebook 04, and the method notebooks whose models
# are compared (today: 15, RegNet, and 16, AutoFoley).

# %% tags=["parameters"]
PROFILE = "quick"
SEED = 0
DEVICE = "auto"
DATA_DIR = None
OUT_DIR = None
SHOW_SOLUTIONS = False

# %%
ctx = fnu.repro.setup("24_benchmark", profile=PROFILE, seed=SEED, device=DEVICE, out_dir=OUT_DIR,
                      data_dir=DATA_DIR)
t_start = time.perf_counter()
if ctx.data_dir:
    print("DATA_DIR is ignored: the benchmark's tracks are synthetic worlds, so that every method is "
          "tested on the same clips with the truth known")

# %% [markdown]
# ## The tracks
#
# A track is a task on one world. Its test split and its reference set (for the Fréchet distance)
# are drawn from the world with seeds of their own, so that no method trained on them; they are the
# same for every method, seed and run. Each method's notebook trained on its own clips of the same
# world, at its own frame rate, frame size and sample rate: its adapter converts the track's clips
# to those rates and its sound back to the track's (16 kHz, the judges' rate). The table says which
# method notebooks belong to each track and which have an adapter today.

# %%
registry = B.builtin_methods()
fnu.display.table([{"track": t.name, "task": t.title, "world": t.world,
                    "method notebooks": ", ".join(t.notebooks),
                    "adapters": ", ".join(m.name for m in B.methods_of(t.name)) or "none yet"}
                   for t in B.TRACKS.values()], title="tracks of the benchmark")

# %% [markdown]
# An adapter is two functions in the method's own module: `benchmark_models(profile, seed, device)`
# builds the notebook's data, models and settings and calls the notebook's training function — so
# the checkpoint it finds is the notebook's — and `benchmark_generate(trained, test, seed)` returns
# the sound of every test clip. RegNet's (notebook 15):

# %%
from foley_nb_utils.methods import m15_regnet as m15  # noqa: E402

fnu.display.show_source(m15.benchmark_models)

# %%
fnu.display.show_source(m15.benchmark_generate)

# %% [markdown]
# ## The metric suite
#
# One scorer per track holds the judges (notebook 04's audio judge and sync judge, seed 0: one
# ruler for every method) and the reference statistics, and scores a set of generated clips — paired
# with the real clips of the same test videos — with the same code for every method:
#
# | metric | what it measures | better |
# |---|---|---|
# | **FD** | Fréchet distance of the audio judge's embeddings to the reference real set (FAD-style) | ↓ |
# | **KL** | paired KL(p(class \| real) ‖ p(class \| generated)), the judge's posteriors (MKL) | ↓ |
# | **IS** | Inception Score of the judge's posteriors: confident and diverse | ↑ |
# | **accuracy** | the judge names the material the sound should have (the track's class metric) | ↑ |
# | **R@1** | the generated clip retrieves its own real clip among all test clips (judge embedding) | ↑ |
# | **onset_acc** | clips with the right number of onsets | ↑ |
# | **onset_ap** | onset AP within ±0.1 s, CondFoleyGen's scoring (a silent clip scores 1) | ↑ |
# | **onset_ap_strict** | the same AP where a missed event counts | ↑ |
# | **desync** | mean \|audio-visual offset\| the sync judge predicts (DeSync), in s | ↓ |
#
# **Intervals.** A metric that is a mean over clips (accuracy, KL, R@1, onsets, DeSync) gets the
# BCa bootstrap interval of `fnu.evidence.decide`, the one every claim of the series uses. A
# set-level metric (FD, IS) is recomputed on 200 resamples of the test clips; a resample repeats
# clips, which biases a Fréchet distance upwards, so its interval is the resamples' spread
# placed around the value itself.

# %%
fnu.display.show_source(B.bootstrap)

# %%
fnu.display.show_source(B.Scorer.__call__)

# %% [markdown]
# **Cost.** Next to the quality: the parameters the method needs to sample, its training time
# (kept in the checkpoint by `fnu.train.fit`; measured now when the model had to be trained), the
# sampling time per second of generated audio (everything from the track's clips to the waveform,
# vocoder included), and the peak memory that sampling adds (resident memory on CPU, sampled every
# 5 ms; allocated memory on a GPU). Times and memory depend on the machine: they are shown, not
# part of the records that two runs must reproduce.
#
# ## Track 1: video → sound on the hits world
#
# The test split: 200 clips of the hits world (2 s, 15 fps, 32 × 32 px, at most three events, a
# steady camera — the settings most method notebooks train on), and 300 other real clips as the
# reference set. Two reference rows frame every table: **real sound** (the ceiling: the test clips'
# own soundtracks) and **another clip's real sound** (the right kind of sound at the wrong time —
# what a model that ignores the video can reach at best on the timing metrics).

# %%
track = B.TRACKS["video_to_sound"]
test, ref = track.split(PROFILE)
scorer = B.Scorer(track, test, ref, PROFILE, ctx.device)
fnu.record("video_to_sound test clips", len(test))
fnu.display.table([row for j in (scorer.judge, scorer.sync) for row in j.summary()],
                  title="the judges' held-out accuracy (chance = the most frequent class)")
fnu.display.frames_strip(test.frames[0], n=8, fps=test.fps, title="test clip 0")
plt.show()

# %% [markdown]
# Each method is loaded from its notebook's checkpoint — or trained now, with a progress bar, when
# the notebook has not run on this machine (then the table says how long that took).

# %%
t_methods = time.perf_counter()
results, _ = B.run_track(track, B.methods_of("video_to_sound"), profile=PROFILE, seed=SEED, device=ctx.device,
                         scorer=scorer)
fnu.record("video_to_sound: seconds to load or train, generate and score", time.perf_counter() - t_methods,
           unit="s", timing=True)
for r in results:
    if r.cost:
        how = "loaded from its notebook's checkpoint" if r.cost["loaded"] else \
            f"trained now in {r.cost['train_s']:.0f} s (run notebook {r.notebook[:2]} first to skip this)"
        print(f"{r.method}: {how}")

# %%
for r in results:
    for k, (v, lo, hi) in r.metrics.items():
        fnu.record(f"video_to_sound · {r.method} · {k}", float(v))
    if r.cost:
        fnu.record(f"video_to_sound · {r.method} · parameters", r.cost["params"])
        fnu.record(f"video_to_sound · {r.method} · sampling s per audio s", r.cost["sample_s_per_audio_s"],
                   unit="s", timing=True)
        fnu.record(f"video_to_sound · {r.method} · sampling peak MB", r.cost["peak_mb"], unit="MB", timing=True)
B.table(results, sort_by="FD", title="video → sound (hits): sorted by FD; click a column head to sort by it")

# %% [markdown]
# The rows: RegNet (notebook 15, its AFR code zeroed at test time as the paper prescribes) and
# AutoFoley (notebook 16: the FS-LSTM recogniser's class, the event detector's hits and the
# class-conditioned generator). Both
# predict a mel spectrogram at 11,025 Hz that Griffin-Lim turns into sound, as in their notebooks;
# nothing above 5.5 kHz can come out of them, which costs them with a judge that hears the full
# 8 kHz band of the real sound.
#
# Reading the table: an interval that does not overlap another's is a difference beyond the
# sampling noise of 200 test clips. Compare each model with the two reference rows rather than with
# a paper's number: our models are small and trained for seconds, and the question the benchmark
# answers is which *method* does better under the same conditions, not how close we come to a
# paper's scale. Two traps the table shows: CondFoleyGen's onset AP forgives a clip without
# onsets (a blurred, onset-free output can score near 1), which the strict AP and the onset count
# do not; and the Fréchet distance and the class metrics see *what* the sound is, not *when* it
# happens — only the onset metrics and DeSync see timing.

# %%
fig, ax = plt.subplots(1, 2, figsize=(10, 3.2))
B.plot_scatter(results, "FD", ax=ax[0])
B.plot_scatter(results, "onset_ap_strict", ax=ax[1])
ax[0].set_yscale("log")
plt.tight_layout()
plt.show()
B.plot_metrics(results)
plt.show()

# %% [markdown]
# ## Listening page
#
# The same test clip for every method and the two reference rows: first the clip's frames, then one
# player per row.

# %%
clip = int(np.argmax([len(t) for t in scorer.targets]))  # a clip with the most events
fnu.display.frames_strip(test.frames[clip], n=8, fps=test.fps, title=f"test clip {clip}")
plt.show()
B.listening(results, test, clip)

# %% [markdown]
# ## The other tracks
#
# The tracks below have a world, a judge and method notebooks, but no adapter yet: each needs its
# method's `benchmark_models` / `benchmark_generate` pair, and the track's task metrics (MIDI onset
# F1 for music from a performance, SI-SDR of the gap for inpainting, judged material accuracy for
# impact sounds, cross-modal retrieval for image ↔ sound).

# %%
fnu.display.table([{"track": t.name, "task": t.title, "method notebooks": ", ".join(t.notebooks)}
                   for t in B.TRACKS.values() if not B.methods_of(t.name)], title="tracks without an adapter yet")

# %% [markdown]
# ## The claims scoreboard
#
# Every paper claim the method notebooks test, with its verdict on seeds 0, 1 and 2, the effect and
# its 95 % interval per seed, and the verdict over the seeds (`fnu.reproduce` merges them: the
# common verdict when the seeds agree, a t interval over the seeds' effects when they do not). It
# is read from the newest three-seed run's `summary.json` under `runs/` (`make test` leaves one in
# `runs/test-series/`); nothing in it is typed in.

# %%
summary_path = B.latest_summary()
if summary_path is None:
    print("No three-seed run found under runs/: run `python -m foley_nb_utils.reproduce --seeds 0,1,2` "
          "(or `make test`) first.")
    board = []
else:
    import json

    summary = json.loads(summary_path.read_text())
    board = B.scoreboard(summary)
    print(f"from {summary_path.parent.name} ({len(summary['notebooks'])} notebooks, seeds {summary['seeds']}): "
          f"{summary.get('summary_line', '')}")
if board:
    papers = {}
    for row in board:
        k = (row["year"], row["paper"], row["notebook"])
        papers.setdefault(k, {"holds": 0, "refuted": 0, "inconclusive": 0, "missing": 0})
        papers[k][row["verdict"].split()[1]] += 1
    display(fnu.display.table([{"year": y, "paper": p, "notebook": nb, **c} for (y, p, nb), c in papers.items()],
                              title="verdicts over seeds 0–2, per paper"))
    display(fnu.display.table(board, title="every paper claim, by year and paper"))

# %% [markdown]
# ## Exercises
#
# 1. **Another order.** Sort the video → sound table by the strict onset AP, then by DeSync. Does
#    the ranking of RegNet and AutoFoley change? Which metric would you report, and why?
# 2. **A method in three lines.** Register notebook 15's ablation, RegNet trained without its AFR
#    (`m15.benchmark_models(..., variants=("no AFR",))`), and a method that outputs silence (zeros),
#    and score both. Which metrics does silence win, and what does that tell you about them?
# 3. **How many test clips?** Score the RegNet row on the first 50 test clips only (a
#    `B.Scorer` on `test.subset(...)`): how much wider are the intervals?

# %%
if SHOW_SOLUTIONS:
    fnu.display.table(B.rows(results, sort_by="onset_ap_strict"), title="1. by strict onset AP")
    display(fnu.display.table(B.rows(results, sort_by="desync"), title="1. by DeSync"))
    no_afr = B.Method("RegNet without AFR (15)", "15_2020_regnet", "video_to_sound",
                      load=lambda p, s, d: m15.benchmark_models(p, s, d, variants=("no AFR",)),
                      generate=lambda t, x, s: m15.benchmark_generate(t, x, s, variant="no AFR"))
    silent = B.Method("silence", "—", "video_to_sound", load=lambda p, s, d: B.Trained({}, loaded=True),
                      generate=lambda t, x, s: np.zeros_like(x.audio))
    res2, _ = B.run_track(track, [no_afr, silent], profile=PROFILE, seed=SEED, device=ctx.device, scorer=scorer,
                          baselines=False, progress=False)
    display(fnu.display.table(B.rows(results + res2), title="2. with the no-AFR ablation and silence"))
    small = B.Scorer(track, test.subset(np.arange(50)), ref, PROFILE, ctx.device,
                     judges={"audio": scorer.judge, "sync": scorer.sync})
    regnet = next(r for r in results if r.method == "RegNet (15)")
    few = small(regnet.audio[:50], SEED)
    display(fnu.display.table([{"metric": k, "200 clips": f"[{regnet.metrics[k][1]:.3g}, {regnet.metrics[k][2]:.3g}]",
                                "50 clips": f"[{lo:.3g}, {hi:.3g}]"} for k, (v, lo, hi) in few.items()],
                              title="3. intervals on 200 and on 50 test clips"))
else:
    print("Solutions hidden: set SHOW_SOLUTIONS = True in the parameters cell.")

# %% [markdown]
# ## Summary
#
# - A benchmark is one test split, one reference set, one judge and one metric code path per
#   track, with intervals over the test clips and the cost next to the quality — built here from
#   the series' own checkpoints, so the numbers are those of the models the method notebooks teach.
# - Adding a method is one adapter: the notebook's training call (which finds the notebook's
#   checkpoint) and a generation function that converts the track's clips to the method's rates.
# - No single metric ranks methods: class metrics and the Fréchet distance see what a sound is,
#   onsets and DeSync see when it happens, and a lenient onset AP rewards silence.
# - The claims scoreboard gathers every paper claim of the series with its verdict on three seeds.
#
# **References**: the survey's section on evaluation and its future directions (a common
# benchmark); K. Kilgour et al., "Fréchet Audio Distance", 2019; V. Iashin and E. Rahtu,
# "Taming Visually Guided Sound Generation", BMVC 2021 (Melception judge, MKL); Y. Du et al.,
# "Conditional Generation of Audio from Video via Foley Analogies", CVPR 2023 (onset AP);
# V. Iashin et al., "Synchformer", ICASSP 2024 (DeSync); P. Chen et al., "Generating Visually
# Aligned Sound from Videos" (RegNet), IEEE TIP 2020.
#
# **Next**: [25 · Beyond the survey](25_beyond_the_survey.ipynb) trains a conditional flow-matching
# model for video-to-audio, and would be scored here by its own adapter.
