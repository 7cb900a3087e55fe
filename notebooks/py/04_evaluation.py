# %% [markdown]
# # 04 · The metrics of section 3.3, validated
#
# How good is a generated soundtrack? The survey's section 3.3 lists how its papers answer: the
# Inception Score (IS) and Fréchet distance (FID) of a pretrained classifier, SVM classifiers and
# their mean average precision (mAP), KL divergence and cross-entropy, retrieval recall, PSNR, SSIM
# and SDR, and — in almost every paper — human listeners asked "which one is real?". Every later
# notebook scores its method with these metrics, so that the benchmark at the end of the series can
# compare the methods on one footing. Two problems first: the pretrained classifiers these metrics
# need (Inception, VGGish, PANNs, Synchformer) cannot be downloaded here and know nothing of our
# synthetic world; and a metric is only trustworthy if it gets worse when the sound gets worse. So
# this notebook trains its own small **judges** on real ground truth, explains each metric, and then
# **validates** them all: it damages real sound step by step and watches which metrics notice.

# %% [markdown]
# ## Learning objectives
#
# - explain what each metric of the survey's section 3.3 measures, with its formula, and which papers use it;
# - train a reference classifier ("judge") and read its held-out accuracy before trusting it;
# - compute the metrics on audio arrays with `fnu.metrics` (one call: `AudioEvaluator`);
# - know each metric's blind spots — which damage it cannot see — from measurements, not folklore;
# - run a "which is real?" test, with a machine discriminator and with your own ears.
#
# **Prerequisites**: [01 · Sound and vision](01_sound_and_vision.ipynb) (log-mel, onsets),
# [02 · Building blocks](02_building_blocks.ipynb) (CNNs, training), [03 · Datasets](03_datasets.ipynb)
# (the synthetic `hits` world).

# %% tags=["colab"]
# On Google Colab: install the series' package first (this cell does nothing anywhere else)
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                    "foley_nb_utils @ git+https://github.com/foley-notebooks/foley-notebooks"], check=True)

# %%
import time

import matplotlib.pyplot as plt
import numpy as np

import foley_nb_utils as fnu
from foley_nb_utils import metrics as M
from foley_nb_utils.synth import hits

# %% tags=["parameters"]
PROFILE = "quick"
SEED = 0
DEVICE = "auto"
DATA_DIR = None
OUT_DIR = None
SHOW_SOLUTIONS = False

# %%
ctx = fnu.repro.setup("04_evaluation", profile=PROFILE, seed=SEED, device=DEVICE,
                      out_dir=OUT_DIR, data_dir=DATA_DIR)
cfg = fnu.repro.pick(PROFILE, quick=dict(n_eval=48, all_judges=False, all_steps=False),
                     full=dict(n_eval=512, all_judges=True, all_steps=True))
# damage steps of section 10: full = every step of each ladder, quick = its strongest step
LADDERS = {kind: levels if cfg.all_steps else levels[-1:] for kind, levels in M.degrade.LADDERS.items()}
t_start = time.perf_counter()
if DATA_DIR is not None:
    print("The judges and the validation use the synthetic world; DATA_DIR is not used here.")

# %% [markdown]
# ## 1 · Judges: reference networks trained on real ground truth
#
# IS, FID and KL all look at generated sound *through a classifier trained on real data*: an
# Inception network on spectrograms (SpecVQGAN's "Melception"), VGGish for FAD, PANNs or PaSST for KL,
# Synchformer for audio-visual synchrony. We train small ones on the synthetic `hits` world, where the
# true material and action of every clip are known, on clips drawn from a seed that no notebook
# evaluates on. The **audio judge** reads a log-mel spectrogram with three strided 1-D convolutions
# over time (mel bands as channels), pools over time and predicts the material (17 classes) and the
# dominant action (hit / scratch); its 64-unit penultimate layer is the embedding for Fréchet
# distances. The **sync judge** predicts by how many frames the sound is late or early (−0.4 … +0.4 s).
# Both are cached: the first run trains them (well under a minute on a laptop CPU), later runs and later
# notebooks load them.

# %%
fnu.display.show_source(M.judges.AudioNet)

# %%
kinds = ("audio", "sync", "image", "video") if cfg.all_judges else ("audio", "sync")  # image, video: FID / FVD
judges = M.judge_panel("hits", kinds, profile=PROFILE, device=ctx.device)  # trained side by side, then cached
audio_judge, sync_judge = judges["audio"], judges["sync"]
fnu.display.table([row for j in judges.values() for row in j.summary()],
                  title="held-out accuracy of each judge (chance = always the most frequent class)")

# %% [markdown]
# A judge that cannot recognise *real* sound cannot judge generated sound, so every judge reports its
# accuracy on clips it never saw, next to chance. The table above is the first thing to check whenever
# a later notebook quotes a judged score.

# %%
acc_mat = fnu.record("audio judge held-out material accuracy", audio_judge.accuracy["material"])
chance_mat = fnu.record("audio judge material chance", audio_judge.chance["material"])
fnu.claim("audio judge recognises the material far above chance", paper="(our requirement for a judge)",
          ours=acc_mat, holds=bool(acc_mat > 0.5 and acc_mat > 4 * chance_mat),
          note="held-out clips; chance = most frequent material")
_ = fnu.record("sync judge held-out offset accuracy (±1 frame)", sync_judge.accuracy["offset_within_1"])

# %% [markdown]
# ## 2 · The clips we score
#
# Two independent sets of real clips: the **evaluation set** (what a method would have to generate)
# and a **reference set** (the "real distribution" for Fréchet distances and linear probes). Here is
# one evaluation clip, its sound and the events annotated in it.

# %%
ev = hits.generate(cfg.n_eval, seed=ctx.seed, profile=PROFILE)
ref = hits.generate(cfg.n_eval, seed=ctx.seed + 1000, profile=PROFILE)
SR, FPS = ev.sr, ev.fps
times = [[e.time_s for e in evs if e.visible] for evs in ev.events]
mats = ev.labels["material"]
k = int(np.argmax([len(t) for t in times[:8]]))  # a clip with several events
fig, ax = plt.subplots(1, 2, figsize=(9, 2.2))
fnu.display.waveform(ev.audio[k], SR, ax=ax[0], events=times[k], title=f"clip {k}: {hits.MATERIALS[mats[k]]}")
fnu.display.spectrogram(audio_judge.logmel(ev.audio[k:k + 1], SR)[0].numpy(), rate=SR / 256, ax=ax[1],
                        ylabel="mel band", title="what the audio judge sees (log-mel, dB)")
plt.tight_layout()
plt.show()
fnu.display.video_player(ev.frames[k], FPS, ev.audio[k], SR, width=160, label="the clip, with its sound")

# %% [markdown]
# ## 3 · Scores from the judge's class posteriors
#
# Let $p(y \mid x)$ be the judge's posterior over $K$ classes for clip $x$, and $y^\ast$ the class the
# sound *should* have (the material shown in the video).
#
# - **Accuracy** $= \frac1N \sum_i [\arg\max_y p(y\mid x_i) = y^\ast_i]$ and **cross-entropy**
#   $= -\frac1N \sum_i \log p(y^\ast_i \mid x_i)$ (nats; $\log K$ is uniform guessing): is the
#   generated sound recognisably the right class? (Owens et al. [1], Chen et al. [3], CMCGAN [4], Foley
#   Music [8], CondFoleyGen [18].)
# - **Inception Score** $\mathrm{IS} = \exp\big(\mathbb{E}_x\, \mathrm{KL}(p(y\mid x)\,\|\,p(y))\big)$
#   with $p(y) = \mathbb{E}_x\, p(y\mid x)$: high when each clip is confidently one class *and* the
#   classes vary; between 1 and $K$. It never looks at the condition, so it cannot tell a wrong
#   material from a right one. ([13], [16], [17].)
# - **KL** $= \frac1N \sum_i \mathrm{KL}\big(p(y \mid x^{\text{real}}_i)\,\|\,p(y \mid x^{\text{gen}}_i)\big)$:
#   the generated sound against the real sound *of the same video* (SpecVQGAN's "MKL").
#
# The survey describes IS as "the entropy of the classification distribution … and the mean of real
# images"; the formula above, from Salimans et al. (2016), is what [13] and [17] compute.

# %%
fnu.display.show_source(M.inception_score)

# %%
K = 17
one_hot = np.eye(K)[np.arange(170) % K]
toy = {"confident, all classes": one_hot,
       "confident, one class": np.eye(K)[np.zeros(170, int)],
       "unsure (uniform)": np.full((170, K), 1 / K),
       "confident, 4 classes": np.eye(K)[np.arange(170) % 4]}
fnu.display.table([{"posteriors": name, "IS": M.inception_score(p)} for name, p in toy.items()],
                  title="the Inception Score rewards confident and diverse predictions (K = 17)")

# %% [markdown]
# ## 4 · Fréchet distance in the judge's embedding (FID, FAD, FVD)
#
# Fit a Gaussian to the judge's embeddings of real clips $(\mu_r, \Sigma_r)$ and of generated clips
# $(\mu_g, \Sigma_g)$; the (squared) Fréchet distance between them is
#
# $$d^2 = \lVert \mu_r - \mu_g \rVert^2 + \operatorname{tr}\big(\Sigma_r + \Sigma_g - 2(\Sigma_r^{1/2}\Sigma_g\Sigma_r^{1/2})^{1/2}\big).$$
#
# With Inception image features it is the FID, with VGGish audio features the FAD, with video
# features the FVD ([16], [19]). It compares *distributions*: it needs no pairing, but it needs many
# clips, because the covariance of a 64-dimensional embedding is poorly estimated from a few dozen.
# Two independent sets of **real** clips are therefore at a positive distance that shrinks as $N$ grows —
# the noise floor against which any generated set must be read.

# %%
fnu.display.show_source(M.frechet_distance)

# %%
emb_ev, emb_ref = audio_judge.embed(ev.audio, SR), audio_judge.embed(ref.audio, SR)
noisy20 = M.degrade.add_noise(ev.audio, 20.0, ctx.rng("fd-demo"))
emb_noisy = audio_judge.embed(noisy20, SR)
ns = [n for n in (16, 24, 32, 48, 64, 128, 256, 512) if n <= cfg.n_eval]
fd_real = [M.frechet_distance(emb_ref[:n], emb_ev[:n]) for n in ns]
fd_noisy = [M.frechet_distance(emb_ref[:n], emb_noisy[:n]) for n in ns]
fig, ax = plt.subplots(figsize=(5, 2.4))
ax.plot(ns, fd_real, "o-", label="real vs real (noise floor)")
ax.plot(ns, fd_noisy, "s-", label="real vs real + noise at 20 dB SNR")
ax.set_xlabel("clips per set")
ax.set_ylabel("Fréchet distance")
ax.legend(fontsize=8)
ax.set_title("Fréchet distance depends on the number of clips")
plt.show()
fnu.record("Fréchet distance real vs real (noise floor)", fd_real[-1])
_ = fnu.record("Fréchet distance real vs noisy 20 dB", fd_noisy[-1])

# %% [markdown]
# ## 5 · Linear probes (SVM) and mean average precision
#
# Owens et al. [2] judge a representation by training linear SVMs on it, with the regularisation $C$
# chosen on a validation split to maximise the **mean average precision** — the mean over classes of
# the area under each class's precision-recall curve; Owens et al. [1] train the SVM on *real* sound
# and apply it to *predicted* sound. `fnu.metrics.linear_probe` does both with scikit-learn. Here: an SVM
# on the judge's embedding of the reference clips, tested on the evaluation clips, against one on
# simple spectral statistics (mean, spread and flux of each mel band).

# %%
rows = []
for name, f_ref, f_ev in [("judge embedding (64-d)", emb_ref, emb_ev),
                          ("log-mel statistics (192-d)", M.summary_features(ref.audio, SR),
                           M.summary_features(ev.audio, SR))]:
    res = M.linear_probe(f_ref, ref.labels["material"], f_ev, mats, rng=ctx.rng("probe"))
    rows.append({"features": name, **res.as_dict()})
    fnu.record(f"linear probe material accuracy, {name}", res.accuracy)
fnu.display.table(rows, title="material from a linear SVM (17 classes)")

# %% [markdown]
# ## 6 · Retrieval: recall@K
#
# POCAN [6], Chen et al. [5] and VIAI [7] rank a gallery by similarity to a query and report
# **recall@K**, the fraction of queries whose right answer is among the $K$ nearest (and the median
# rank). Here the queries are the evaluation clips with noise added, the gallery the clean clips, in the
# judge's embedding (cosine similarity); *category* retrieval counts any clip of the right material.

# %%
inst = M.recall_at_k(emb_noisy, emb_ev, ks=(1, 5, 10))
cat = M.recall_at_k(emb_noisy, emb_ev, ks=(1, 5, 10), query_labels=mats, gallery_labels=mats)
fnu.display.table([{"retrieval": "instance (its own clean clip)", **inst},
                   {"retrieval": "category (any clip of its material)", **cat}],
                  title="noisy clip (20 dB SNR) → clean clips")
_ = fnu.record("retrieval R@1, noisy 20 dB → clean", inst["R@1"])

# %% [markdown]
# ## 7 · Timing: onset accuracy, onset AP and DeSync
#
# Class and distribution scores ignore *when* sounds happen. CondFoleyGen [18] detects onsets in the
# generated and the target sound and reports (i) **onset acc**, the fraction of clips with the right
# number of onsets, and (ii) **onset AP**: each generated onset gets a confidence (the peak of the
# normalised waveform within ±50 ms), onsets within 50 ms of a more confident one are suppressed, each
# target onset is matched to a generated one within ±0.1 s, and the average precision of the matches is
# computed. Our targets are the exact event times of the synthetic world.
#
# The original script scores a missed target as a positive with confidence 0, so misses cost nothing
# unless there are false alarms: a **silent** output gets AP 1. `onset_ap_strict` counts every miss.

# %%
late = M.degrade.time_shift(ev.audio, SR, 0.15)
(t0, c0), (t1, c1) = M.onsets.scored_onsets_batch(np.stack([ev.audio[k], late[k]]), SR)
fig, ax = plt.subplots(1, 2, figsize=(9, 2))
for a, x, t, title in [(ax[0], ev.audio[k], t0, "real"), (ax[1], late[k], t1, "0.15 s late")]:
    fnu.display.waveform(x, SR, ax=a, events=times[k], title=f"{title}: true events (red), detected onsets (black)")
    for tt in t:
        a.axvline(tt, color="k", ls="--", lw=0.8)
plt.tight_layout()
plt.show()
on_silent = M.onset_metrics(np.zeros_like(ev.audio[:8]), SR, target_times=times[:8])
quirk = {"onset AP (CondFoleyGen)": on_silent["onset_ap"], "onset AP (strict)": on_silent["onset_ap_strict"]}
fnu.display.table(quirk, title="scores of a silent output")
_ = fnu.claim("CondFoleyGen's onset AP gives a silent output full marks",
          paper="predict_onset.py scores misses as positives with confidence 0",
          ours=quirk, holds=bool(quirk["onset AP (CondFoleyGen)"] == 1.0 and quirk["onset AP (strict)"] == 0.0),
          note="use onset_ap_strict (or onset acc) alongside it")

# %% [markdown]
# **DeSync** (used by the recent video-to-audio benchmarks) is the mean absolute audio-visual offset that
# a synchronisation network predicts; ours is the sync judge. Shifting the real sound by known amounts
# shows its range: it saturates at ±0.4 s, the largest offset it was trained to recognise.

# %%
shifts = [-0.3, -0.15, 0.0, 0.15, 0.3]
pred = [np.median(sync_judge.predict_offset(ev.frames[:16], M.degrade.time_shift(ev.audio[:16], SR, s), FPS, SR))
        for s in shifts]
fig, ax = plt.subplots(figsize=(3.6, 2.4))
ax.plot(shifts, pred, "o-")
ax.plot(shifts, shifts, ":", color="gray")
ax.set_xlabel("true offset (s, sound late > 0)")
ax.set_ylabel("median predicted (s)")
ax.set_title("the sync judge")
plt.show()
_ = fnu.record("sync judge median offset for a 0.15 s delay", pred[shifts.index(0.15)], unit="s")

# %% [markdown]
# ## 8 · Signal similarity: PSNR, SSIM, SDR, and transcription scores
#
# When the real waveform of the very same clip is known — inpainting (VIAI [7]), transcription
# (Audeo [10]) — the output can be compared sample by sample:
#
# - **PSNR** $= 10\log_{10}\big(R^2/\mathrm{MSE}\big)$ dB for data range $R$; we apply it, as VIAI does, to
#   the log-mel spectrogram seen as an image ($R$ = 80 dB);
# - **SSIM** compares local means $\mu$, variances $\sigma^2$ and covariance $\sigma_{xy}$ in 11×11 Gaussian
#   windows: $\frac{(2\mu_x\mu_y + c_1)(2\sigma_{xy} + c_2)}{(\mu_x^2+\mu_y^2+c_1)(\sigma_x^2+\sigma_y^2+c_2)}$
#   (torchmetrics);
# - **SDR** (BSS Eval, mir_eval): the energy of the part of the estimate explained by the reference
#   (through a 512-tap filter) over the energy of the rest, in dB; **SI-SDR** allows only a gain.
#
# PSNR and SDR need sample-exact alignment: a correct sound 50 ms late scores as badly as noise.

# %%
# BSS Eval is slow: a 0.3 s excerpt of one clip, from just before its first event
s0 = int(max(0.0, times[k][0] - 0.02) * SR)
x4 = ev.audio[k:k + 1, s0:s0 + int(0.3 * SR)]
versions = {"noise 20 dB": M.degrade.add_noise(x4, 20, ctx.rng("sdr")),
            "Griffin-Lim, 4 iterations": M.degrade.griffin_lim_roundtrip(x4, SR, 4, ctx.rng("sdr-gl")),
            "low-pass 1 kHz": M.degrade.band_limit(x4, SR, 1000),
            "50 ms late": M.degrade.time_shift(x4, SR, 0.05)}
S4 = np.clip(audio_judge.logmel(x4, SR).numpy(), -80, 0) + 80
rows = []
for name, y in versions.items():
    Sy = np.clip(audio_judge.logmel(y, SR).numpy(), -80, 0) + 80
    rows.append({"version": name, "SDR (dB)": M.sdr(x4, y), "SI-SDR (dB)": M.si_sdr(x4, y),
                 "log-mel PSNR (dB)": M.psnr(Sy, S4, data_range=80.0), "log-mel SSIM": M.ssim(Sy, S4, data_range=80.0)})
fnu.display.table(rows, floatfmt=".2f", title="sample-exact comparisons with the real clip")

# %% [markdown]
# Transcription (Audeo [10], Foley Music [8]) is scored on notes: an estimated note is correct when its
# pitch is within half a semitone and its onset within 50 ms of an unmatched reference note
# (`mir_eval.transcription`); precision, recall and F1 follow. A C-major scale, transcribed with growing
# timing jitter:

# %%
scale = np.array([(0.25 + 0.25 * i, 0.45 + 0.25 * i, p) for i, p in enumerate([60, 62, 64, 65, 67, 69, 71, 72])])
rows = []
for jitter in (0.01, 0.03, 0.05, 0.08):
    est = scale.copy()
    est[:, :2] += ctx.rng("jitter", int(jitter * 1000)).uniform(-jitter, jitter, (len(scale), 1))
    rows.append({"onset jitter up to (s)": jitter, **M.note_prf(scale, est)})
fnu.display.table(rows, floatfmt=".2f", title="note precision / recall / F1 (50 ms onset tolerance)")

# %% [markdown]
# ## 9 · "Which one is real?" — listening tests, a machine listener, and you
#
# Owens et al. [1] played Mechanical Turk workers the real and the generated sound of a video, in random
# order, and counted how often the generated one was **labeled real** (50 % = indistinguishable; their
# full model reached 40.01 %, the real sound against itself 46.90 % — Fig. 5a, secondary source). We replace the crowd by a **discriminator**: a linear classifier on
# log-mel statistics, cross-validated over pairs so that it never saw the pair it judges; for each pair
# the clip it finds more "real" is its answer. It is a harsher listener than a crowd worker (it hears a
# 30 dB noise floor that people would not), so its rates are lower, but it ranks methods the same way
# and costs nothing. The widget below is the real thing for a classroom: listen to each pair and pick
# the real one (here: real sound against a Griffin-Lim round trip with a single iteration).

# %%
gl1 = M.degrade.griffin_lim_roundtrip(ev.audio[:16], SR, 1, ctx.rng("listening"))
test = fnu.widgets.ListeningTest(ev.audio[:16], gl1, SR, rng=ctx.rng("listening-order"), n_trials=8)
test.widget()

# %% [markdown]
# When you have answered, `test.result()` gives your labeled-real rate with its 95 % confidence
# interval (Wilson): with 8 pairs it is wide — one reason the AMT studies used hundreds of workers.

# %% [markdown]
# ## 10 · Validation: damage the real sound, watch the metrics
#
# A metric is useful only if it gets worse when the sound gets worse — and it helps to know what it
# *cannot* see. We take the real evaluation clips and damage them in five ways, step by step (the
# `full` profile scores every step; `quick`, to stay within a minute on a laptop, the strongest):
# white **noise** (SNR 30 → 0 dB), a **time shift** against the picture (0.05 → 0.4 s), **band-limiting**
# (low-pass 4 kHz → 500 Hz), a **Griffin-Lim** round trip that keeps the STFT magnitude but rebuilds
# the phase (8 → 1 iterations), and the **wrong material** (a third → all of the clips get the hit
# sounds of a clip of another material, pasted at the right times). Listen to one clip at the
# strongest step:

# %%
rng_dmg = ctx.rng("damage")
damaged = {(kind, lv): M.degrade.degrade(kind, ev.audio, SR, lv, rng_dmg, materials=mats, event_times=times)
           for kind, levels in LADDERS.items() for lv in levels}
strongest = {kind: damaged[(kind, levels[-1])] for kind, levels in LADDERS.items()}
fnu.display.players({"real": (ev.audio[k], SR),
                     **{f"{kind} ({LADDERS[kind][-1]:g})": (x[k], SR) for kind, x in strongest.items()}},
                    columns=6)

# %%
fig, axes = plt.subplots(1, 6, figsize=(12, 1.8), sharey=True)
for a, (name, x) in zip(axes, [("real", ev.audio[k]), *strongest.items()]):
    fnu.display.spectrogram(audio_judge.logmel(x[None] if x.ndim == 1 else x[k:k + 1], SR)[0].numpy(),
                            rate=SR / 256, ax=a, colorbar=False, title=name, vmin=-80, vmax=0)
    a.set_ylabel("")
plt.tight_layout()
plt.show()

# %% [markdown]
# Every damaged set is scored with the same call a method notebook uses — `AudioEvaluator`, with the
# audio judge, the sync judge and the reference set:

# %%
evaluator = M.AudioEvaluator(audio_judge, ref.audio, ref.labels["material"], SR, rng=ctx.rng("evaluator"),
                             sync=sync_judge)
kw = dict(real=ev.audio, labels=mats, target_times=times, frames=ev.frames, fps=FPS)
scores = {("clean", 0): evaluator(ev.audio, **kw)}
for (kind, lv), x in damaged.items():
    scores[(kind, lv)] = evaluator(x, **kw)
names = list(scores[("clean", 0)])
# (— : identical clips have an infinite PSNR; SI-SDR is capped at 200 dB)
fnu.display.table([{"metric": n, "better": "↑" if M.METRICS[n].better > 0 else "↓", "clean": scores[("clean", 0)][n],
                    **{f"{kind} {lv:g}": scores[(kind, lv)][n] for (kind, lv) in damaged}} for n in names],
                  title="every metric on the real clips and on each damaged version")

# %% [markdown]
# Reading the table: for every metric and every kind of damage, compare the strongest step with the
# clean clips — **worse** (beyond the metric's noise tolerance), **flat**, or **better**. For the
# Fréchet distance the tolerance is the distance between the two *real* sets of section 4, for fractions
# of clips (accuracies, rates) about two clips: smaller changes are sampling noise. Each metric is
# expected to get worse under the damage it can see (`METRICS[name].responds_to`) and never to get
# better. The map shows each change scaled by the metric's largest change (red = worse); the verdicts
# are recorded as claims, one per metric.

# %%
tolerance = {"frechet": M.frechet_distance(emb_ref, emb_ev)}  # the real-vs-real noise floor
kinds = list(LADDERS)
directions = {n: {kind: M.direction_of_change(n, scores[("clean", 0)][n], scores[(kind, LADDERS[kind][-1])][n],
                                              tolerance.get(n), n=cfg.n_eval) for kind in kinds} for n in names}
capped = lambda v: min(v, 100.0)  # noqa: E731 - PSNR / SI-SDR of identical clips are infinite / capped
change = np.array([[(capped(scores[(kind, LADDERS[kind][-1])][n]) - capped(scores[("clean", 0)][n]))
                    * M.METRICS[n].better for kind in kinds] for n in names])
change /= np.maximum(np.abs(change).max(axis=1, keepdims=True), 1e-12)
fig, ax = plt.subplots(figsize=(6, 4.6))
ax.imshow(change, cmap="RdBu", vmin=-1, vmax=1, aspect="auto")
for i, n in enumerate(names):
    for j, kind in enumerate(kinds):
        ax.text(j, i, {"worse": "worse", "flat": "·", "better": "BETTER", "n/a": "n/a"}[directions[n][kind]],
                ha="center", va="center", fontsize=7)
ax.set_xticks(range(len(kinds)), [f"{kind}\n{LADDERS[kind][-1]:g}" for kind in kinds], fontsize=8)
ax.set_yticks(range(len(names)), names, fontsize=8)
ax.set_title("change at the strongest damage, per metric (red = worse)")
plt.show()
for n, d in directions.items():
    must = M.METRICS[n].responds_to
    missed = [kind for kind in must if d[kind] != "worse"]
    wrong = [kind for kind, v in d.items() if v == "better"]
    fnu.claim(f"{n}: worse under {', '.join(must)}; never better", paper=M.METRICS[n].what, ours=d,
              holds=not missed and not wrong,
              note=(f"does not respond to {missed}. " if missed else "") + (f"improves under {wrong}" if wrong else ""))

# %% [markdown]
# What the measurements say, read off the tables by code (so that the sentences stay true when the
# numbers change):

# %%
clean = scores[("clean", 0)]
blind = {kind: [n for n in names if directions[n][kind] == "flat"] for kind in LADDERS}
improved = sorted({(n, f"{kind} {lv:g}") for (kind, lv), sc in scores.items() if kind != "clean" for n in names
                   if M.direction_of_change(n, clean[n], sc[n], tolerance.get(n), n=cfg.n_eval) == "better"})
for kind in LADDERS:
    print(f"blind to {kind:15s} (flat at {LADDERS[kind][-1]:g}): {', '.join(blind[kind]) or '—'}")
print("improved by some damage:", ", ".join(f"{n} ({c})" for n, c in improved) or "none")
acc4k = fnu.record("judge material accuracy, low-passed at 4 kHz", M.accuracy(
    audio_judge.predict(M.degrade.band_limit(ev.audio, SR, 4000), SR)["material"], mats))
fool30 = fnu.record("fooling rate, noise 30 dB below the sound", M.fooling_rate(
    ev.audio, M.degrade.add_noise(ev.audio, 30, ctx.rng("noise30")), SR, rng=ctx.rng("noise30-folds")).rate)
print(f"judge accuracy: clean {clean['accuracy']:.2f}, low-passed at 4 kHz {acc4k:.2f} · discriminator "
      f"fooling rate: clean {clean['fooling_rate']:.2f}, noise 30 dB below the sound {fool30:.2f}")

# %% [markdown]
# How to read these lines:
#
# - **Class-based metrics** (accuracy, cross-entropy, KL, the SVM probe, retrieval) and the **Fréchet
#   distance** look through the judge, which reads a log-mel spectrogram pooled over time: whatever the
#   judge cannot hear — timing, phase — they cannot see either (the "blind to shift / griffin_lim" lines).
#   A shift still moves some of them a little, because sound pushed past the end of the clip is lost.
# - Even a gentle low-pass (4 kHz, which keeps every material's fundamental modes) can ruin the judged
#   scores (last line above): the judge never heard a low-passed impact and confidently calls it
#   something else. A judge is only as robust as its training data, and a method whose output lacks high
#   frequencies (an 8 kHz model, say) is punished for it.
# - **The Inception Score** never looks at the video, so a wrong material can only lower it through the
#   diversity or confidence of the predictions, never because the material is wrong.
# - **Onset metrics and DeSync** are the ones that see timing. The onset detector also counts the crackles
#   of granular materials as onsets, so damage that smooths them away (low-pass, Griffin-Lim) can make
#   onset counts *better* — if the "improved" line above lists one, that is why; read onset scores next to
#   the judged scores, never alone.
# - **Sample-exact metrics** (log-mel PSNR/SSIM, SI-SDR) punish any misalignment; only SI-SDR, which
#   compares waveforms, sees the phase that Griffin-Lim loses.
# - **The real-vs-fake discriminator** compares each damaged clip with its own clean version, so it notices
#   damage a listener would barely hear, such as a noise floor 30 dB below the sound (last line above);
#   its rates sit far below a crowd's.
#
# No single number tells whether a soundtrack is right: every method notebook reports the whole
# `AudioEvaluator` dict, and the benchmark compares methods on all of it.

# %%
fnu.record("notebook wall time", time.perf_counter() - t_start, unit="s", timing=True)
fnu.results.show()

# %% [markdown]
# ## Exercises
#
# 1. **Sample size.** The Fréchet distance of two *real* sets shrinks as they grow. How many clips per set
#    does it take before noise at 30 dB SNR is reliably farther than the real-vs-real floor? (Use
#    `M.frechet_distance` on `emb_ref`, `emb_ev` and the embeddings of `M.degrade.add_noise(..., 30, ...)`.)
# 2. **A metric's blind spot.** Design a generated set that gets a *perfect* Inception Score and Fréchet
#    distance yet is useless as a soundtrack. (Hint: the table of section 10 says which damage they cannot see.)
# 3. **Your own ears.** Take the listening test above. Is your labeled-real rate inside the discriminator's
#    95 % interval for the same damage? Which damage would fool you but not the discriminator?
#
# Set `SHOW_SOLUTIONS = True` in the parameters cell and re-run to see solutions.

# %%
if SHOW_SOLUTIONS:
    noisy30 = audio_judge.embed(M.degrade.add_noise(ev.audio, 30.0, ctx.rng("ex1")), SR)
    for n in [n for n in (16, 32, 64, 128, 256, 512) if n <= cfg.n_eval]:
        print(f"N={n:4d}: real-real {M.frechet_distance(emb_ref[:n], emb_ev[:n]):7.1f}   "
              f"real-noisy30 {M.frechet_distance(emb_ref[:n], noisy30[:n]):7.1f}")
    print("2. Shift every real clip by 0.4 s: IS and FD stay those of real sound (section 10), yet every "
          "sound is out of sync. Onset AP and DeSync catch it.")
    fr = M.fooling_rate(ev.audio[:16], gl1, SR, rng=ctx.rng("ex3"), n_folds=4)
    print(f"3. discriminator on the same 16 pairs: labeled real {fr.rate:.0%} "
          f"(95 % CI {fr.low:.0%}–{fr.high:.0%}); yours: {test.result()}")
else:
    print("Solutions hidden: set SHOW_SOLUTIONS = True in the parameters cell.")

# %% [markdown]
# ## Summary
#
# - Judges trained on real ground truth turn the survey's pretrained-network metrics (IS, FID/FAD, KL,
#   accuracy, DeSync) into numbers on the synthetic world; each reports its held-out accuracy first.
# - The survey's metrics fall into families that see different things: classes and distributions
#   (accuracy, IS, KL, FD, SVM, retrieval), timing (onset acc/AP, DeSync), sample-exact similarity
#   (PSNR, SSIM, SDR), and "which is real?" tests (AMT, our discriminator, the listening widget).
# - Damaging real sound step by step shows each metric's blind spots; only a set of metrics covers
#   timing, class and quality together. `fnu.metrics.AudioEvaluator` computes them all the same way for
#   every method of the series.
#
# **Next**: [05 · Visually Indicated Sounds](05_2016_visually_indicated_sounds.ipynb) — the first
# method, scored with these metrics.
