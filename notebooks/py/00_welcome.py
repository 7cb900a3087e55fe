# %% [markdown]
# # 00 · Welcome: video-to-audio ("Foley") generation, from 2016 to 2023
#
# A film's footsteps, door slams and rustling clothes are rarely recorded on set: a *Foley artist*
# (after Jack Foley, who started the craft at Universal in the 1920s) performs them afterwards in
# sync with the picture. **Video-to-audio generation** asks a model to do the same: given silent
# video, produce a soundtrack that happens *at the right time*, *sounds like the right thing* and
# *sounds real*. This series reproduces the 19 papers of the survey *Visual Sound Synthesis*
# (`shared/seed/survey_visual_sound_synthesis.txt`), one notebook each, in order of year — from a
# CNN+LSTM that predicts the sound of a drumstick (2016) to diffusion models that generate sound and
# video together (2023) — and tests each paper's claims with measured experiments.

# %% [markdown]
# ## Learning objectives
#
# - say what a Foley model must get right (timing, semantics, quality) and see and hear each on a toy clip;
# - find your way through the series: which paper, which model family, which notebook;
# - run any notebook interactively or in batch, in the `quick` or `full` profile, on synthetic or real data;
# - know how results are recorded (`fnu.record`, `fnu.claim`) and reported.
#
# **Prerequisites**: Python and a little PyTorch. Nothing else: every later notebook explains what it uses.

# %% tags=["colab"]
# On Google Colab: install the series' package first (this cell does nothing anywhere else)
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                    "foley_nb_utils @ git+https://github.com/foley-notebooks/foley-notebooks"], check=True)

# %%
import numpy as np
import matplotlib.pyplot as plt

import foley_nb_utils as fnu

# %% tags=["parameters"]
PROFILE = "quick"
SEED = 0
DEVICE = "auto"
DATA_DIR = None
OUT_DIR = None
SHOW_SOLUTIONS = False

# %%
ctx = fnu.repro.setup("00_welcome", profile=PROFILE, seed=SEED, device=DEVICE,
                      out_dir=OUT_DIR, data_dir=DATA_DIR)

# %% [markdown]
# ## What a Foley model must get right
#
# We make a two-second clip by hand: a stick strikes a metal plate twice. The picture is 64×64
# pixels at 15 frames per second; the sound is 16 kHz, each strike a *modal impact* — a sum of
# exponentially damped sinusoids, the sound of a struck object ringing at its resonant modes
# (notebook 01 explains it):
#
# $$x(t) = \sum_k a_k\, e^{-t/\tau_k} \sin(2\pi f_k t + \varphi_k), \qquad t \ge t_{\text{hit}}.$$

# %%
FPS, SR, DUR = 15, 16000, 2.0
HIT_TIMES = (0.6, 1.4)  # seconds
fnu.display.show_source(fnu.toy.strike_frames)

# %%
frames = fnu.toy.strike_frames(HIT_TIMES, size=64, fps=FPS, duration_s=DUR)
sound = fnu.toy.strike_sound(HIT_TIMES, "metal", sr=SR, duration_s=DUR)
fnu.display.frames_strip(frames, n=10, fps=FPS, title="the toy clip: two strikes, at 0.6 s and 1.4 s")
plt.show()

# %% [markdown]
# Watch and listen: first the right sound at the right time, then the three ways a generated
# soundtrack goes wrong — **late** by a quarter of a second (timing), a **dull thud** instead of
# ringing metal (semantics: the picture shows metal), and a **noisy** version (quality).

# %%
late = fnu.toy.strike_sound([h + 0.25 for h in HIT_TIMES], "metal", sr=SR, duration_s=DUR)
thud = fnu.toy.strike_sound(HIT_TIMES, "thud", sr=SR, duration_s=DUR)
noisy = sound + 0.15 * ctx.rng("noise").standard_normal(len(sound)).astype(np.float32)
fnu.display.row(*(fnu.display.video_player(frames, FPS, a, SR, width=160, label=name)
                  for name, a in [("right", sound), ("late (timing)", late),
                                  ("thud (semantics)", thud), ("noisy (quality)", noisy)]))

# %% [markdown]
# The same three errors, measured: an onset detector finds the strikes in each soundtrack, and we
# compare them with the frames where the stick touches the plate. This is the kind of number every
# method notebook records (notebook 04 builds the full set of metrics).

# %%
import librosa

contact = np.asarray(HIT_TIMES)
rows = []
for name, a in [("right", sound), ("late", late), ("thud", thud), ("noisy", noisy)]:
    onsets = fnu.audio.detect_onsets(a, SR)
    err = np.mean([np.min(np.abs(onsets - c)) for c in contact]) if len(onsets) else np.inf
    centroid = float(librosa.feature.spectral_centroid(y=a, sr=SR).mean())
    rows.append({"soundtrack": name, "onsets found": len(onsets), "timing error (ms)": 1000 * err,
                 "spectral centroid (Hz)": centroid})
fnu.record("toy timing error, late soundtrack (ms)", rows[1]["timing error (ms)"], unit="ms")
fnu.display.table(rows, floatfmt=".0f", title="timing and timbre of the four soundtracks")

# %% [markdown]
# ## The map of the series
#
# The survey groups its 19 papers by architecture (its Table 1). Several of those labels are wrong —
# POCAN is a CNN+LSTM, not a GAN; MM-Diffusion is a diffusion model, not a "GAN U-net"; the Ambient
# Sound paper generates no sound at all — so the timeline below places each paper by what the paper
# itself does. All of it is drawn from one table in the package, `fnu.papers.PAPERS`, which the
# README and every method notebook also use.

# %%
fnu.papers.timeline()
plt.show()

# %%
from pathlib import Path

written = {p.stem for p in Path("py").glob("[0-9][0-9]_*.py")}  # notebook sources present
fnu.display.table([{"#": nb.stem[:2], "notebook": nb.stem, "topic": nb.title, "kind": nb.kind,
                    "status": "ready" if nb.stem in written else "planned"} for nb in fnu.papers.NOTEBOOKS],
                  title="the notebooks of the series")

# %% [markdown]
# Where the survey misdescribes a paper (kind of model, data, authors), as listed by our research
# notes; each method notebook's *reproduction card* says more:

# %%
corrections = [{"ref": p.ref, "paper": p.short, "survey says": p.survey_family, "what the paper does": p.survey_note}
               for p in fnu.papers.PAPERS if p.survey_note]
fnu.record("papers the survey misdescribes", len(corrections))
fnu.display.table(corrections, title="the survey vs the papers")

# %% [markdown]
# ## How to run the series
#
# | you want to… | do this |
# |---|---|
# | read and run a notebook | `make lab`, open `notebooks/NN_….ipynb`, *Run All* |
# | run it on Colab | `!pip install git+<repository URL>`, then open the notebook |
# | batch-run everything | `make reproduce` (= `python -m foley_nb_utils.reproduce --profile quick`) |
# | a few notebooks, several seeds | `python -m foley_nb_utils.reproduce --only 05,06 --seeds 0,1,2` |
# | the large version on a GPU | set `PROFILE = "full"` (or `--profile full`) |
# | your own copy of a real dataset | set `DATA_DIR` (or `--data-dir PATH`); notebook 03 lists the layouts |
#
# Every notebook has the same parameters cell (above): papermill overrides it, and the next cell
# derives everything else from it. The `quick` profile runs on a 2-core laptop in about a minute;
# `full` uses the same code with larger data and models.

# %% [markdown]
# ## Results are measured, never typed
#
# A notebook states a result with `fnu.record(name, value)` and tests a paper's claim with
# `fnu.claim(name, paper=…, measured=fnu.evidence.decide(ours, reference, …))`. Both go to a JSON
# file beside the run (`results.json`), which the batch runner gathers into its report.
#
# A claim is decided from **per-example measurements**, never from two averages: one value per test
# clip, retrieval query or judged sample for each side ("ours" and the baseline), paired where both
# sides were measured on the same examples. `decide` computes the effect (the mean difference), a
# 95 % bootstrap interval for it, and compares the interval with the margin the paper's wording
# asks for (0 for "beats", more for "far above"):
#
# | the 95 % interval of the effect… | verdict |
# |---|---|
# | lies entirely beyond the margin, in the claimed direction | **holds** |
# | lies entirely on the other side | **refuted** |
# | contains the margin | **inconclusive**: at this scale the effect is within noise |
#
# Run over several seeds (`--seeds 0,1,2`), a claim keeps its verdict when every seed agrees. When
# the seeds disagree, the training runs themselves differ by about as much as the effect, and the
# runner decides the claim from the seeds' effects together (`fnu.evidence.across_runs`: their mean
# with a t interval over the seeds). A toy example: 60 clips scored by two methods, the second a
# little better on most clips.

# %%
scores = ctx.rng("claim-demo").normal(0.5, 0.15, (2, 60))
better = scores[0] + 0.03 + ctx.rng("claim-demo-noise").normal(0, 0.02, 60)
for name, reference, paired in (("paired, same clips", scores[0], True), ("as if unpaired", scores[0], False),
                                ("against a random other method", scores[1], True)):
    print(f"{name:32s} {fnu.evidence.decide(better, reference, paired=paired).text()}")

# %% [markdown]
# Pairing matters: both methods find the same clips hard, so the per-clip differences vary far less
# than the scores themselves. Here is the code that records a claim:

# %%
fnu.display.show_source(fnu.results.claim)

# %% [markdown]
# ## Environment check
#
# What this machine offers the series: versions, the codecs the video writer needs, MP3 for the
# compact audio players, and a measured speed (a 10-second log-mel spectrogram).

# %%
import time

import av
import soundfile as sf
import torch

checks = {
    "device": str(ctx.device),
    "torch threads": torch.get_num_threads(),
    "H.264 encoder (libx264)": "libx264" in av.codecs_available,
    "AAC encoder": "aac" in av.codecs_available,
    "MP3 in libsndfile": "MP3" in sf.available_formats(),
}
x10 = ctx.rng("bench").standard_normal(10 * SR).astype(np.float32)
t0 = time.perf_counter()
for _ in range(5):
    fnu.audio.log_mel(x10, SR)
checks["log-mel of 10 s audio (ms)"] = 1000 * (time.perf_counter() - t0) / 5
for k, v in checks.items():
    fnu.record(f"env: {k}", v, timing=k.endswith("(ms)"))  # a wall time is not a result
fnu.display.table(checks, title="environment")

# %%
fnu.results.show()

# %% [markdown]
# ## Exercises
#
# 1. Change `HIT_TIMES` so the two strikes are 0.1 s apart. Does the onset detector still find both?
#    What is the shortest gap it resolves?
# 2. Which surveyed papers does the survey's Table 1 label "GAN" although they are not GANs? Answer
#    with `fnu.papers.PAPERS` (fields `survey_family`, `family`), not by reading the table.
# 3. Give the stick a *wooden* sound (`fnu.toy.MODES["wood"]`: fewer, lower, faster-decaying modes).
#    Which number of the timing/timbre table changes most?
#
# Set `SHOW_SOLUTIONS = True` in the parameters cell and re-run to see solutions.

# %%
if SHOW_SOLUTIONS:
    for gap in (0.3, 0.2, 0.1, 0.06, 0.04):
        a = fnu.toy.strike_sound((0.6, 0.6 + gap), "metal", sr=SR, duration_s=DUR)
        print(f"gap {gap:.2f} s → {len(fnu.audio.detect_onsets(a, SR))} onsets")
    print("labelled GAN by the survey but not GANs:",
          [p.short for p in fnu.papers.PAPERS if "GAN" in p.survey_family and "GAN" not in p.family])
    wood = fnu.toy.strike_sound(HIT_TIMES, "wood", sr=SR, duration_s=DUR)
    print("wood onsets:", fnu.audio.detect_onsets(wood, SR).round(3), "(timing unchanged; the timbre changes)")
else:
    print("Solutions hidden: set SHOW_SOLUTIONS = True in the parameters cell.")

# %% [markdown]
# ## Summary
#
# - A Foley model must be right in **timing**, **semantics** and **quality**; each can be measured.
# - The series follows the survey's 19 papers in order of year, placed by what each paper really does.
# - Every notebook runs the same way: parameters cell → `fnu.repro.setup` → idea, maths, code,
#   picture and sound → training → the paper's protocol → claims, recorded and reported.
#
# **Next**: [01 · Sound and vision](01_sound_and_vision.ipynb) — the representations every later
# notebook uses.
