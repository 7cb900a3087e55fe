# %% [markdown]
# # 15 · RegNet: visually aligned sound and the audio forwarding regularizer (Chen et al., 2020)
#
# Every video-to-sound model so far learned from soundtracks as they were recorded. But a real
# soundtrack holds sounds the camera never saw — a dog barking off screen, a car passing, a hum in
# the room. No frame predicts them, yet the training loss asks the model to reproduce them, so the
# model learns a wrong mapping: it hallucinates, on *every* clip, a faint average of all the
# off-screen sounds it was ever asked for. Chen, Zhang, Tan, Xiao, Huang and Gan's answer is a
# training-time trick, the **audio forwarding regularizer (AFR)**: give the generator a narrow
# *bottleneck* code of the real sound, so that the code can explain what the video cannot, and
# zero it at test time. This notebook builds RegNet at laptop scale on a world where we know which
# sound is on screen, and measures what the regularizer buys, and how wide its bottleneck may be.

# %% [markdown]
# ## Reproduction card
#
# The card comes from the package's paper table; the survey's error is under *survey note*.

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
import torch

import foley_nb_utils as fnu
from foley_nb_utils.methods import m15_regnet as m15

p = fnu.papers.paper(11)
fnu.display.table({"paper": p.title, "authors": p.authors, "venue": f"{p.venue} {p.year}", "task": p.task,
                   "model": p.family, "survey says": p.survey_family, "survey note": p.survey_note or "—",
                   "original data": "VAS: 8 categories (dog, fireworks, drum, baby from VEGAS; gun, sneeze, cough, "
                                    "hammer from AudioSet), 10 s clips at 21.5 fps and 22,050 Hz; one model per category",
                   "original code": "PeihaoChen/regnet (PyTorch; TSN BN-Inception features, WaveNet vocoder)",
                   "our data": "synthetic `hits` world with off-screen chirps and hums on part of the clips"})

# %% [markdown]
# **What the paper reports** (from `research/verified_numbers_2020_2023.md`, rows marked
# confirmed): in a human study "our generated sound can fool the human with a 68.12 % success rate"
# (abstract, arXiv 2008.00820); AMT studies show gains in temporal and content alignment (the tables
# themselves: not verified). Settings confirmed from the official code: mel with n_fft 1024, hop 256,
# 80 bands over 125 Hz–7.6 kHz, 860 mel frames for 215 video frames (4 per frame); AFR `lstm_last`
# with bottleneck width `auxiliary_dim` 32 (the code's default is 256); Adam, lr 0.0002, β1 0.5;
# loss weight 10,000 on the mel errors. Measured by others (SpecVQGAN's authors, on VAS): FID 78.8,
# MKL 5.7. The bottleneck-width and AFR-variant ablations: not verified.
#
# **Claims tested here**, each decided clip by clip on the same test clips (paired bootstrap, 95 %
# interval; notebook 00 explains how), with margins fixed before the first run:
#
# 1. with off-screen sounds in training, the AFR gives **better onset alignment** than no AFR;
# 2. … and **less hallucinated background**;
# 3. the bottleneck width matters: **too wide** (time-resolved) lets the generator copy the sound,
#    so its zeroed-AFR output degrades;
# 4. **too narrow ≈ no AFR**: a 2-number bottleneck is no better than none;
# 5. the **visually conditioned discriminator** makes the output sharper than plain regression;
# 6. **which is real?**: RegNet's sound fools a real-vs-fake listener more than plain regression.
#
# **Survey vs paper**: the survey files RegNet as a GAN; it is one — but its point is the
# regularizer, which the survey's table has no column for.

# %% [markdown]
# ## Learning objectives
#
# - see why off-screen sound makes a regression model hallucinate, and measure it exactly where
#   the ground truth of what is on screen is known;
# - build the AFR: a bottleneck on the real sound during training, zeroed at test time;
# - trace the bottleneck-width trade-off: too narrow explains nothing, too wide explains everything;
# - add a visually conditioned, time-patch discriminator to a regression generator;
# - evaluate with onsets, hallucination, sharpness and a "which is real?" discriminator.
#
# **Prerequisites**: log-mel spectrograms and Griffin-Lim (notebook 01), GANs (02, 07), onset AP
# and the real-vs-fake discriminator (04), the hits world and its onsets (05).

# %% tags=["parameters"]
PROFILE = "quick"
SEED = 0
DEVICE = "auto"
DATA_DIR = None
OUT_DIR = None
SHOW_SOLUTIONS = False

# %%
ctx = fnu.repro.setup("15_2020_regnet", profile=PROFILE, seed=SEED, device=DEVICE, out_dir=OUT_DIR,
                      data_dir=DATA_DIR)
t_start = time.perf_counter()

# %% [markdown]
# The settings of each profile. `quick` trains five small models (a 32-channel generator, the
# paper's is 64× wider) for 200 steps each on 0.75-second windows of 400 two-second clips, two models
# at a time (one per core), and tests them on 300 clips — enough for the intervals to be decisive.
# The learning rate is ten times the paper's, because we train for 200 steps, not 40,000; every
# variant gets the same settings, the same initial seed and the same batches, so they differ only by
# what the comparison is about. `full` (one GPU) uses 4,000 clips, a 256-channel generator and
# 4,000 steps.

# %%
cfg = m15.settings(PROFILE)  # the profile's settings (the benchmark, notebook 24, reads the same)
if cfg.threads:
    torch.set_num_threads(cfg.threads)  # tiny networks: one thread each, two trainings side by side
OFFSCREEN = m15.OFFSCREEN  # distractor_prob=0.8, distractor_kinds=("chirp", "hum")

# %% [markdown]
# ## Data: hits with sounds from off screen
#
# The `hits` world of notebook 05 — a drumstick hitting and scratching a surface — with one change:
# on part of the clips an **off-screen** sound plays, a rising chirp (1.5–4.5 kHz) or a low hum
# (90–160 Hz harmonics), at a random time at least 0.2 s away from the stick's events and with
# nothing in the picture that causes it. The generator is asked for a placement chance of 80 %;
# it can place one only where the clip's events leave room, so fewer clips get one (the share is
# recorded below). The world also returns the off-screen sound on its own, so *the on-screen sound is known
# exactly*: it is what a perfect video-to-sound model should produce.
#
# The world runs at RegNet's rates scaled by one half: 21.5 fps video, sound at 11,025 Hz, a mel
# hop of 128 samples — exactly 4 mel frames per video frame, as the paper's 860 per 215. With
# `DATA_DIR` the same cells read a VAS / VEGAS tree of class folders (RegNet's own data, through
# `fnu.datasets.class_folders`) or a Greatest Hits folder; there the on-screen sound is not known,
# and the real sound and its detected onsets stand in for it.

# %%
world = {} if ctx.data_dir else {**cfg.world, **OFFSCREEN}
train_b, test_b = m15.load_clips(cfg.n_train, cfg.n_test, SEED, ctx.data_dir, **world)
train, test = m15.prepare(train_b, test_b, grid=cfg.grid)
fnu.record("test clips", len(test))
fnu.record("share of test clips with an off-screen sound", float(test.has_offscreen.mean()))
print(f"{len(train)} training and {len(test)} test clips · {train.vis.shape[1]} video frames at {m15.FPS} fps, "
      f"{train.mel.shape[2]} mel frames · visual features {train.vis.shape[2]}-d · off-screen sound on "
      f"{train.has_offscreen.mean():.0%} of training and {test.has_offscreen.mean():.0%} of test clips")
show = int(np.flatnonzero(test.has_offscreen)[0]) if test.has_offscreen.any() else 0
fnu.display.frames_strip(test_b.frames[show], n=8, fps=test_b.fps, title="a test clip")
plt.show()
fig, ax = plt.subplots(1, 2, figsize=(9, 2.4), sharey=True)
for a, (name, m) in zip(ax, (("the real sound", test.mel[show]), ("its on-screen part", test.clean[show]))):
    fnu.display.spectrogram(m, rate=m15.MEL["sr"] / m15.MEL["hop"], ax=a, title=name, ylabel="mel band")
    for t in test.times[show]:
        a.axvline(t, color="tab:cyan", lw=0.8, ls="--")
    if test.offscreen[show] is not None:
        a.axvspan(*test.offscreen[show], color="tab:red", alpha=0.15)
plt.tight_layout()
plt.show()
fnu.display.players({"real sound": (test.audio[show], test.sr), "on-screen part": (test.onscreen_audio[show], test.sr)})

# %% [markdown]
# Cyan lines: the stick's events (the picture shows them); red band: the off-screen sound (nothing
# in the picture does). A model that hears the left spectrogram in training but sees only the
# frames has no way to know *when* the red sound happens — only *that* it happens sometimes.
#
# ## The spectrogram RegNet predicts
#
# RegNet predicts a normalised log-mel, $u = \operatorname{clip}\big((\mathrm{dB} + 100)/100, 0, 1\big)$
# (0 is -100 dB, 1 is 0 dB), and a vocoder turns it into sound (the paper: a WaveNet per category;
# here Griffin-Lim, for listening only — every score below is computed on the spectrogram, so no
# vocoder stands between a model and its score).

# %%
fnu.display.show_source(m15.mel_unit)

# %% [markdown]
# ## The model
#
# **Visual encoder.** The paper feeds 2,048-d BN-Inception features per frame (RGB and optical flow)
# plus a noise vector $z$ through three 1-D convolutions and a BiLSTM. We have no pretrained
# network, so a frozen stand-in of the same kind: per frame, the RGB image and the frame difference
# (motion) average-pooled to a 4 × 4 grid (notebook 09's descriptors).
#
# **The AFR.** A BiGRU reads the real mel (pooled to the video rate); its final states are projected
# to $d$ numbers and repeated over time — the shipped `lstm_last`. The decoder sees
# $[\,\text{visual}_t ; \text{code}\,]$. During training the code carries whatever the video cannot
# explain; at test time it is **zeroed** (in the original code the AFR stays in the graph and
# `aux_zero` replaces its output by zeros — a reproduction that forgets this leaks the real sound
# into the output). The time-resolved variant (`lstm_sample` in the code) keeps the BiGRU's output
# every 4 frames instead: far wider, since it says *when* as well as *what*.
#
# **Decoder.** Two transposed convolutions upsample 4× in time (the paper's 215 → 860) to the mel
# bands, and a Tacotron-2 postnet adds a residual correction:
#
# $$\hat u^{\text{pre}} = \mathrm{Dec}\big([E(v, z);\ \mathrm{AFR}(u)]\big), \qquad
#   \hat u = \hat u^{\text{pre}} + \mathrm{Post}(\hat u^{\text{pre}}), \qquad
#   \mathcal{L}_G = \lambda\big(\lVert \hat u - u\rVert^2 + \lVert \hat u^{\text{pre}} - u\rVert^2\big) + \mathcal{L}_{\text{GAN}},
#   \quad \lambda = 10^4 .$$

# %%
fnu.display.show_source(m15.AFR.forward)

# %%
fnu.display.show_source(m15.RegNetG.forward)

# %% [markdown]
# **Discriminator.** $D(v, u)$ judges a (video, spectrogram) *pair*: the visual features are
# upsampled to the mel rate, concatenated with the mel, and 1-D convolutions give one real/fake
# logit per patch of time. Conditioning on the video means D can reject a sound that is plausible
# but not *this video's* — a hit where the stick is in the air. With λ = 10⁴ on the mel errors the
# GAN term is a small correction to a regression, as in the paper.

# %%
fnu.display.show_source(m15.RegNetD)

# %% [markdown]
# ## Training the study
#
# Five models: the bottleneck sweep trained by regression alone — no AFR, width 2, width 32 (the
# paper's) and time-resolved width 32 — and RegNet itself (width 32 plus the visual
# discriminator). All share the initial seed, the batches and the optimiser (Adam, β1 = 0.5).

# %%
VARIANTS = m15.default_variants()
t_train = time.perf_counter()
models = m15.train_all(VARIANTS, train, seed=SEED, steps=cfg.steps, batch_size=cfg.batch, lr=cfg.lr,
                       hidden=cfg.hidden, crop=cfg.crop, device=ctx.device)
fnu.record("training seconds (all variants)", time.perf_counter() - t_train, unit="s", timing=True)
fig, ax = plt.subplots(figsize=(6, 2.2))
for name, (_, h) in models.items():
    if "loss" in h:
        ax.semilogy(np.convolve(h["loss"], np.ones(5) / 5, mode="valid"), lw=1, label=name)
ax.set(xlabel="step", ylabel="λ · mel MSE", title="reconstruction loss (moving average)")
ax.legend(fontsize=7)
plt.show()

# %% [markdown]
# The wider the code, the lower the training loss: the code explains more of the target. That is
# the AFR's promise and its danger — a loss that falls because the generator reads the answer is
# not a generator that learned to see.
#
# ## Test time: zero the code
#
# Each model generates every test clip with its AFR code zeroed (RegNet's test-time rule). For
# width 32 and the time-resolved code we also generate with the *real* sound fed to the AFR: the
# gap between the two shows how much each generator leans on the code.

# %%
gens = {name: m15.generate(G, test, seed=SEED) for name, (G, _) in models.items()}
gens["AFR 32, real code"] = m15.generate(models["AFR 32"][0], test, seed=SEED, aux="real")
gens["time-resolved, real code"] = m15.generate(models["AFR 32, time-resolved"][0], test, seed=SEED, aux="real")
REGNET = "RegNet (AFR 32 + D)"
res = m15.evaluate(gens, test, seed=SEED, judged=["on-screen", "no AFR", REGNET])
fig, ax = plt.subplots(1, 4, figsize=(12, 2.4), sharey=True)
for a, name in zip(ax, ("on-screen", "no AFR", "AFR 32", REGNET)):
    m = test.clean[show] if name == "on-screen" else gens[name][show]
    fnu.display.spectrogram(m, rate=m15.MEL["sr"] / m15.MEL["hop"], ax=a, title=name, ylabel="mel band")
    if test.offscreen[show] is not None:
        a.axvspan(*test.offscreen[show], color="tab:red", alpha=0.15)
plt.tight_layout()
plt.show()
n = test.audio.shape[1]
listen = {"on-screen (target)": (test.onscreen_audio[show], test.sr)}
for k, name in enumerate(("no AFR", "AFR 32", REGNET)):
    listen[name] = (m15.griffin_lim(gens[name][show:show + 1], n, seed=SEED + k)[0], test.sr)
fnu.display.players(listen, columns=4)

# %% [markdown]
# **What 200 steps buy.** The generated spectrograms are blurred, close to *horizontal stripes*:
# each model has learned the level of every band well and the events' timing only faintly (the
# attack column of the results table says how faintly, as a fraction of the real sound's). That is
# what half a minute of CPU gives — and it is the regime where the first effect of the AFR shows:
# the model without a code paints the off-screen chirps' and hums' average energy into its bands,
# the paper's width-32 model much less (claim 2 below). Finer effects — onsets, sharpness — need
# the `full` profile's 4,000 steps.
#
# ## The metrics
#
# - **onset AP**: onsets read from the generated mel (peaks of its spectral flux) as detectors of
#   the on-screen events, matched within ±0.1 s; the *strict* average precision, where a missed
#   event counts (CondFoleyGen's AP scores a silent clip 1; notebook 04);
# - **hallucination**: the sound the output has beyond the on-screen sound,
#   $\frac{1}{FT}\sum_{f,t}\max(0, \hat u_{ft} - u^{\text{on}}_{ft})$ (0.01 ≈ 1 dB over the whole
#   clip), and the same within the off-screen sound's time span (*excess at the off-screen time*);
# - **deficit**: its counterpart, the on-screen sound the output lacks, $\frac{1}{FT}\sum\max(0, u^{\text{on}} - \hat u)$
#   — an output that is simply too quiet hallucinates nothing and lacks much, so read the two together;
# - **mel error** against the on-screen mel;
# - **attack**: how steeply the output rises at the on-screen events (band-averaged, from 2 frames
#   before to the peak within 3 after), as a fraction of the on-screen sound's — the *sharpness*
#   that a regression's average blurs;
# - **which is real?**: notebook 04's cross-validated real-vs-fake discriminator, on summary
#   features of the mel (per band: mean, spread, frame-to-frame change), choosing between the real
#   and the generated sound of the same clip; *fooled* is how often it picks the generated one
#   (50 % = indistinguishable), its *realness margin* how close it came.

# %%
fnu.display.show_source(m15.hallucination)

# %% [markdown]
# ## Reproduction results
#
# Means over the test clips (excess: over the clips with an off-screen sound). *real* and
# *on-screen* are the real sound and its on-screen part scored the same way; the real-vs-fake
# discriminator (the slowest metric) scores only the models that claim 6 compares.

# %%
rows = m15.summary(res)
for row in rows:
    for k, v in row.items():
        if k != "variant":
            if np.isfinite(v):
                fnu.record(f"{k}, {row['variant']}", v)
fnu.display.table(rows, floatfmt=".4f", title=f"{len(test)} test clips ({int(test.has_offscreen.sum())} with an "
                  "off-screen sound); codes zeroed unless 'real code'")

# %% [markdown]
# **The bottleneck curve.** Zeroed-code output against the bottleneck width (0 = no AFR; "TR" = the
# time-resolved code), and, dotted, with the real sound fed to the code.

# %%
sweep = ["no AFR", "AFR 2", "AFR 32", "AFR 32, time-resolved"]
labels = ["0", "2", "32", "TR"]
per = res
fig, ax = plt.subplots(1, 3, figsize=(11, 2.6))
for a, key, title in zip(ax, ("onset_ap", "halluc", "mse"), ("onset AP (strict) ↑", "hallucination ↓",
                                                             "mel error vs on-screen ↓")):
    mean = [np.nanmean(per[v][key]) for v in sweep]
    ci = [fnu.evidence.decide(per[v][key][np.isfinite(per[v][key])], 0.0) for v in sweep]
    a.errorbar(range(4), mean, yerr=[[m - c.low for m, c in zip(mean, ci)], [c.high - m for m, c in zip(mean, ci)]],
               marker="o", capsize=3, label="code zeroed")
    a.plot([2, 3], [np.nanmean(per["AFR 32, real code"][key]), np.nanmean(per["time-resolved, real code"][key])],
           "s:", color="tab:grey", label="real code")
    a.set(xticks=range(4), xticklabels=labels, xlabel="bottleneck width", title=title)
ax[0].legend(fontsize=7)
plt.tight_layout()
plt.show()

# %% [markdown]
# **Deciding the claims.** Each claim compares two models on the same test clips, clip by clip.
# The margins were fixed before the first run, from what a listener would notice: 0.02 of onset AP
# (two points); 0.005 of hallucination (half a dB averaged over the whole clip); a zero margin for
# "degrades" (any reliable loss) and for the listener's realness margin; 2 % of the real attack for
# sharpness. "Too narrow ≈ no AFR" is an equivalence: it holds when the whole interval of the
# difference lies within ±0.005 and is refuted when it lies outside.

# %%
def d(a, b, key, **kw):
    x, y = per[a][key], per[b][key]
    ok = np.isfinite(x) & np.isfinite(y)
    return fnu.evidence.decide(x[ok], y[ok], paired=True, **kw)


def ours(key, *names):
    return {nm: round(float(np.nanmean(per[nm][key])), 4) for nm in names}


fnu.claim("AFR gives better onset alignment than no AFR",
          paper="AFR improves temporal alignment (AMT; table not verified)",
          ours=ours("onset_ap", "AFR 32", "no AFR"),
          measured=d("AFR 32", "no AFR", "onset_ap", margin=0.02),
          note="per test clip: strict onset AP of the zeroed-code output against the on-screen events (±0.1 s); "
               "width 32 minus no AFR, both regression; 'greater' with margin 0.02")
fnu.claim("AFR gives less hallucinated background than no AFR",
          paper="the AFR controls the irrelevant sound component (abstract)",
          ours=ours("halluc", "AFR 32", "no AFR"),
          measured=d("AFR 32", "no AFR", "halluc", margin=-0.005, direction="less"),
          note="per test clip: mean max(0, output − on-screen mel) in normalised units (0.01 ≈ 1 dB); width 32 "
               "minus no AFR; 'less' than −0.005. An output that is simply quieter also scores low: read it with "
               "the deficit and mel-error columns")
fnu.claim("too wide a bottleneck (time-resolved) degrades the zeroed-code output",
          paper="bottleneck width ablation (not verified): a wide code lets the generator copy the sound",
          ours=ours("mse", "AFR 32, time-resolved", "AFR 32"),
          measured=d("AFR 32, time-resolved", "AFR 32", "mse", margin=0.0),
          note="per test clip: mel error of the zeroed-code output against the on-screen mel; time-resolved "
               "(32 numbers every 4 frames) minus width 32; 'greater' with margin 0")
narrow = fnu.evidence.combine(d("AFR 2", "no AFR", "halluc", margin=-0.005, direction="greater"),
                              d("AFR 2", "no AFR", "halluc", margin=0.005, direction="less"),
                              what="|hallucination difference| < 0.005")
fnu.claim("too narrow a bottleneck (2 numbers) is about the same as no AFR",
          paper="bottleneck width ablation (not verified): too narrow ≈ no AFR",
          ours=ours("halluc", "AFR 2", "no AFR"), measured=narrow,
          note="per test clip: hallucination, width 2 minus no AFR; an equivalence: holds when the 95 % interval "
               "lies within ±0.005, refuted when it lies outside")
fnu.claim("the visual discriminator makes the output sharper than plain regression",
          paper="the visually conditioned D improves the quality of the generated sound (code; not verified)",
          ours=ours("attack", REGNET, "AFR 32"),
          measured=d(REGNET, "AFR 32", "attack", margin=0.02),
          note="per test clip: the output's rise at the on-screen events as a fraction of the on-screen sound's "
               "mean rise; RegNet (width 32 + D) minus width 32 by regression alone; 'greater' with margin 0.02")
fnu.claim("which is real? RegNet fools the real-vs-fake listener more than plain regression",
          paper="fools humans 68.12 % of the time (abstract)",
          ours={"fooled, RegNet": round(float(per[REGNET]["fooled"].mean()), 4),
                "fooled, no AFR": round(float(per["no AFR"]["fooled"].mean()), 4),
                "realness margin, RegNet": round(float(per[REGNET]["margin"].mean()), 3),
                "realness margin, no AFR": round(float(per["no AFR"]["margin"].mean()), 3)},
          measured=d(REGNET, "no AFR", "margin", margin=0.0),
          note="per test clip: the discriminator's held-out realness of the generated mel minus that of the real "
               "one (> 0: fooled); RegNet minus regression without AFR; 'greater' with margin 0. The margin rather "
               "than the 1/0 choice, because a learned listener is rarely fooled at this scale")
fnu.record("notebook wall time", time.perf_counter() - t_start, unit="s", timing=True)
fnu.results.show()

# %% [markdown]
# **Reading the table.** The verdicts are computed, not typed; the same text serves every seed.
# Things to look for. First, the model without a code hallucinates: trained to reproduce chirps and
# hums at unpredictable times, it paints a faint average of them over every clip (compare its
# hallucination with the on-screen sound's 0). But look at the *deficit* and mel-error columns too:
# a zeroed code does not only remove the off-screen haze, it can lower the whole output (the decoder
# learned the level of the sound partly from the code, and zero is not a code it saw), so part of
# the lower hallucination is a quieter output, not a cleaner one — the paper's claim about
# hallucination holds here, its promise of an otherwise unharmed output is what the mel error
# tests. Second, each seed's interval is narrow — 300 clips —
# but the seeds can disagree with each other: a different seed draws a different world and trains
# different weights, and with 200 steps *which* model ends ahead on onsets or mel error can change
# with the seed (`python -m foley_nb_utils.reproduce --only 15 --seeds 0,1,2` decides each claim
# across seeds too). Third, a 2-number code is not "no AFR" in our world, in either direction: an
# off-screen sound here is one of two kinds at one time, a few numbers' worth, and what a tiny code
# does with it depends on the run. Fourth, with λ = 10⁴ the discriminator is a small correction,
# and 200 steps give it little time; the `full` profile is where its effect on sharpness can show.
# Last, every model's attack is a few percent of the real one: at this training length all outputs
# are blurred, which is the regime where the AFR's cleaning shows and its finer effects do not.
# The cell below gives, for each claim that did not hold, the likely reason.

# %%
why_not = {
    "AFR gives better onset alignment than no AFR":
        "if it does not hold, the likely reason is that alignment comes from the visual encoder, which all variants "
        "share: the AFR removes the off-screen haze but does not teach the encoder when the stick lands, and 120 "
        "steps leave the onsets blurred for every variant alike",
    "AFR gives less hallucinated background than no AFR":
        "if it does not hold, the likely reason is that the zeroed code is not the 'no off-screen sound' code: the "
        "decoder only learns what a code means for codes it saw, and zero may lie away from them",
    "too wide a bottleneck (time-resolved) degrades the zeroed-code output":
        "if it does not hold, the likely reason is that in 200 steps the generator does not yet learn to copy the "
        "on-screen events from the code (copying pays only once the code is read well), so the time-resolved model "
        "still relies on the video; the real-code curve shows how much it already leans on the code",
    "too narrow a bottleneck (2 numbers) is about the same as no AFR":
        "if it does not hold, the reason is that two numbers are not nothing in our world: an off-screen sound here "
        "is one of two kinds at one time, which a 2-number code can partly carry (less haze than no AFR) — or, "
        "zeroed, push the decoder to a code it never saw (more haze); the difference exceeds half a dB either way",
    "the visual discriminator makes the output sharper than plain regression":
        "if it does not hold, the likely reason is the paper's loss weighting: with λ = 10⁴ on the mel errors the "
        "GAN term is about 1 % of the generator's loss, and in 200 steps the discriminator barely starts to judge",
    "which is real? RegNet fools the real-vs-fake listener more than plain regression":
        "if it does not hold, the likely reason is that a learned discriminator separates every generated mel from "
        "the real one by the same cues (missing fine texture, level) at this training length, so the models "
        "differ far less in realness than the listener's margin spread",
}
_ = fnu.results.verdicts(why_not)

# %% [markdown]
# ## Exercises
#
# 1. **Forget to zero the code.** Generate the test clips with `aux="real"` for every AFR model:
#    which metrics improve, and why is that not a result?
# 2. **No off-screen sound.** Retrain "no AFR" and "AFR 32" on a world with `distractor_prob=0`:
#    does the AFR still help? (Hint: what is left for the code to explain?)
# 3. **Where does the haze go?** Compare the hallucination of "no AFR" on test clips *with* and
#    *without* an off-screen sound. What does that say about what it learned?
# 4. **Zero is not "nothing off screen".** Feed the AFR-32 model the *mean* of its training codes
#    instead of zeros (`G(vis, code=...)`). What happens to the deficit and the hallucination?

# %%
if SHOW_SOLUTIONS:
    for name in ("AFR 2", "AFR 32"):
        g = m15.generate(models[name][0], test, seed=SEED, aux="real")
        r = m15.evaluate({name: g}, test, seed=SEED)[name]
        print(f"1. {name}, real code: mel error {r['mse'].mean():.4f} vs zeroed {per[name]['mse'].mean():.4f} — "
              "the real sound leaks in: it scores the sound, not the model")
    print("2. with no off-screen sound the code can only carry on-screen detail: expect it to lower the training "
          "loss without cleaning anything at test time; set OFFSCREEN = dict(distractor_prob=0.0) and rerun to see")
    has = test.has_offscreen
    h = per["no AFR"]["halluc"]
    print(f"3. no AFR hallucination: {h[has].mean():.4f} with an off-screen sound, {h[~has].mean():.4f} without — "
          "if they are close, the haze is painted on every clip: the video cannot tell which clips have one")
    G = models["AFR 32"][0]
    with torch.no_grad():
        mean_code = G.afr(torch.from_numpy(train.mel), train.vis.shape[1]).mean(0, keepdim=True)
        post, _ = G(torch.from_numpy(test.vis), code=mean_code.expand(len(test), -1, -1),
                    generator=ctx.torch_gen("exercise 4"))
    r = m15.evaluate({"mean code": post.clamp(0, 1).numpy()}, test, seed=SEED, judged=[])["mean code"]
    print(f"4. AFR 32 with the mean training code: deficit {r['deficit'].mean():.4f} (zeroed "
          f"{per['AFR 32']['deficit'].mean():.4f}), hallucination {r['halluc'].mean():.4f} (zeroed "
          f"{per['AFR 32']['halluc'].mean():.4f}) — a lower deficit means zero lay off the codes the decoder "
          "was trained on, and part of the zeroed output's quietness is that, not the regularizer's cleaning")
else:
    print("Solutions hidden: set SHOW_SOLUTIONS = True in the parameters cell.")

# %% [markdown]
# ## Summary
#
# - Off-screen sound in the training targets makes a video-to-sound regression hallucinate a
#   background on every clip; on a world where the on-screen sound is known this is measurable.
# - The AFR gives the generator a bottleneck code of the real sound during training and zeroes it at
#   test time; how wide the bottleneck may be depends on how much off-screen sound there is to
#   explain — the curve above shows it for our world.
# - RegNet adds a visually conditioned, time-patch discriminator to a heavily weighted regression.
#
# **References**: P. Chen, Y. Zhang, M. Tan, H. Xiao, D. Huang, C. Gan, "Generating Visually Aligned
# Sound from Videos", IEEE TIP 2020 (arXiv 2008.00820); code PeihaoChen/regnet. V. Iashin, E. Rahtu,
# "Taming Visually Guided Sound Generation", BMVC 2021 (SpecVQGAN; its RegNet comparison).
#
# **Next**: [16 · AutoFoley](16_2020_autofoley.ipynb) predicts sound for a whole movie scene with
# CNN+LSTM and temporal relation networks.
