# %% [markdown]
# # 22 · Foley by analogy: CondFoleyGen (Du, Chen, Salamon, Russell & Owens, CVPR 2023)
#
# A Foley artist watches a silent scene and performs its sounds; the director says *what* they
# should sound like by pointing at an example — "like this, but on his footsteps". CondFoleyGen
# turns that into a task: given a silent **target** video and a **condition** clip (a video with
# its sound), generate a soundtrack whose **timing** follows the target video and whose **timbre**
# (material, action) follows the condition's sound. The condition is an *analogy*: condition
# video : condition sound :: target video : ?
#
# The model is SpecVQGAN's (notebook 20) — a spectrogram codebook and a transformer over its
# tokens — with one change in what the transformer reads: `[condition video | target video |
# condition audio | target audio]`. It learns from unlabelled recordings: condition and target are
# two clips of the *same* recording, so they share material and action. This notebook builds it at
# laptop scale on the hits world, tests it on condition clips of **other** materials, and measures
# what the paper claims: the timbre follows the condition, the timing follows the target, choosing
# the best of several samples with a synchronisation judge helps, and a simple cut-and-paste
# baseline is strong on timing.

# %% [markdown]
# ## Reproduction card

# %% tags=["colab"]
# On Google Colab: install the series' package first (this cell does nothing anywhere else)
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                    "foley_nb_utils @ git+https://github.com/foley-notebooks/foley-notebooks"], check=True)

# %%
import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch

import foley_nb_utils as fnu
from foley_nb_utils.datasets import condfoleygen as cfg_layout
from foley_nb_utils.methods import m22_condfoleygen as m22

p = fnu.papers.paper(18)
fnu.display.table({"paper": p.title, "authors": "Du, Chen, Salamon, Russell & Owens", "venue": f"{p.venue} {p.year}",
                   "task": p.task, "model": p.family, "survey says": p.survey_family,
                   "survey note": p.survey_note or "—",
                   "original data": "Greatest Hits (drumstick hits and scratches; 15 fps, 22,050 Hz, 2 s clips) "
                                    "and CountixAV",
                   "original code": "github.com/XYPB/CondFoleyGen (a fork of SpecVQGAN)",
                   "our data": "the hits world (notebook 03): 6 materials, 16 kHz, 15 fps, 2 s clips"})

# %% [markdown]
# **What the paper reports** (from `research/verified_numbers_2020_2023.md`; the paper's tables
# were not readable, so no number of the paper is quoted here — *not verified*). Confirmed from the
# code: the test set is **194 target clips × 3 conditions = 582** generated 2 s clips; onset
# metrics — "# onset acc" (right number of onsets) and "onset AP" (generated onsets matched to the
# target's within ±0.1 s, scored by their amplitude); timbre transfer — material and action
# classifiers trained on Greatest Hits, scored against the **condition's** labels, separately for
# matched and mismatched pairs; a codebook of 1,024 codes on a 5 × 10 grid per 2 s; a GPT of 24
# layers, 16 heads, 1,024 d over 60 video features + 100 tokens; R(2+1)D-18 video features at
# 15 fps; loss on the target tokens only; re-ranking of samples with an audio-visual
# synchronisation model (SparseSync).
#
# **Claims tested here**, each decided example by example on the same test pairs (paired
# bootstrap, 95 % interval; notebook 00 explains how), margins fixed before the first run:
#
# 1. the **material follows the condition** even when condition and target differ: on mismatched
#    pairs the audio judge names the *condition's* material at least 20 points more often than
#    for the same model trained without the condition clip, which stays within 15 points of
#    chance (1/6);
# 2. the **timing follows the target video**: the onset AP against the target's hits drops by at
#    most 5 points when the condition comes from another recording, and beats the AP against
#    another clip's hits by more than 10 points;
# 3. **re-ranking** 4 samples with the sync judge raises the onset AP (by more than 2 points) and
#    costs at most 5 points of material accuracy;
# 4. the **onset-transfer baseline** is strong on timing (its onset AP at most 5 points below ours
#    or better) and weak on plausibility (a real-vs-fake discriminator is fooled less often by it).

# %% [markdown]
# ## Learning objectives
#
# - pose conditional Foley as an analogy and train it without labels, from two clips of one recording;
# - reuse notebook 20's token machinery (codebook, GPT prior with a prompt, key/value-cached sampling);
# - condition one transformer on two videos and one sound, and train it only on the tokens it must produce;
# - tell timbre from timing in the evaluation: a material judge against the condition, onset AP
#   against the target;
# - re-rank samples with an audio-visual synchronisation judge;
# - read CondFoleyGen's processed Greatest Hits layout.
#
# **Prerequisites**: log-mels (01), the hits world (03), judges and onset metrics (04),
# [notebook 20](20_2021_specvqgan.ipynb) (codebooks and GPT priors, taught step by step there).

# %% tags=["parameters"]
PROFILE = "quick"
SEED = 0
DEVICE = "auto"
DATA_DIR = None
OUT_DIR = None
SHOW_SOLUTIONS = False

# %%
ctx = fnu.repro.setup("22_2023_condfoleygen", profile=PROFILE, seed=SEED, device=DEVICE, out_dir=OUT_DIR,
                      data_dir=DATA_DIR)
t_start = time.perf_counter()

# %% [markdown]
# The settings of each profile. `quick` trains a video hit detector (250 steps), a codebook
# (200 steps) and two transformers side by side (400 steps each) on 240 recordings of 6 s, and
# tests on 160 targets × 3 conditions = 480 pairs (the paper: 194 × 3). `full` (one GPU) uses
# 4,000 recordings, a wider and deeper transformer and 20× the steps.

# %%
cfg = fnu.repro.pick(PROFILE, quick={**m22.SETTINGS["quick"], "n_samples": 4},
                     full={**m22.SETTINGS["full"], "n_samples": 8})
MATS = m22.MATERIALS
CHANCE = 1 / len(MATS)

# %% [markdown]
# ## The data: recordings, and pairs from them
#
# A Greatest Hits recording is one person hitting and scratching one surface with a drumstick for
# a while. Two 2 s clips of the same recording share the material and the action but not the hits:
# that is the whole supervision of CondFoleyGen. Our recordings come from the hits world
# (notebook 03), on six materials that sound clearly apart — dull wood, ringing metal, bright
# ringing glass, muffled cloth, granular dirt, rustling leaves. Training recordings last 6 s (the
# training draws condition and target windows at random places in them, as CondFoleyGen's
# `rand_shift`); test recordings last 4 s: the first half is the matched condition of the second.
#
# **CondFoleyGen's layout.** The paper does not read Greatest Hits' `<id>_times.txt` files
# (notebook 03's loader) but a processed copy: one folder per recording with `hit_record.json` (a
# list of `[time_s, "material action"]`, `"None None"` for an unlabelled hit), `meta.json`
# (`video_name`, `frame_num`, `frame_rate`, `audio_sample_rate`), the sound under `audio/` and the
# frames under `frames/`. `foley_nb_utils.datasets.condfoleygen` writes the hits world in this
# layout and reads it back; with `DATA_DIR` set to a processed copy, the notebook trains and tests on it.

# %%
t0 = time.perf_counter()
if ctx.data_dir:  # a CondFoleyGen-processed Greatest Hits: recordings of >= 6 s train, the others test
    from foley_nb_utils.datasets.common import split_of

    names = cfg_layout.recording_names(ctx.data_dir)
    train = cfg_layout.load(ctx.data_dir, [n for n in names if split_of(n) == "train"], duration_s=m22.TRAIN_S,
                            sr=m22.SR)
    test = cfg_layout.load(ctx.data_dir, [n for n in names if split_of(n) == "test"], duration_s=2 * m22.CLIP_S,
                           sr=m22.SR)
else:
    train = m22.recordings(cfg.n_train, SEED, 0, duration_s=m22.TRAIN_S)
    test = m22.recordings(cfg.n_test, SEED, cfg.n_train)
first, second = m22.halves(test)  # condition candidates, targets
fnu.record("data seconds", time.perf_counter() - t0, unit="s", timing=True)
fnu.record("training recordings", len(train.audio))
fnu.record("test targets", len(second))

# the layout, written and read back: four test recordings
with tempfile.TemporaryDirectory() as tmp:
    sub = m22.recordings(4, SEED, cfg.n_train)  # the first four test recordings
    root = cfg_layout.write_layout(sub, Path(tmp) / "greatesthit_processed")
    back = cfg_layout.load(root, list(sub.ids))
    rid = sub.ids[0]
    print(f"{rid}/hit_record.json:\n" + (root / rid / "hit_record.json").read_text().strip())
    print(f"{rid}/meta.json: {(root / rid / 'meta.json').read_text().strip()}")
    same_hits = all([round(e.time_s, 6) for e in a] == [round(e.time_s, 6) for e in b if e.visible]
                    for a, b in zip(back.events, sub.events))
    print(f"read back: frames {back.frames.shape}, sound {back.audio.shape} at {back.sr} Hz, hits identical: {same_hits}, "
          f"largest sound difference {np.abs(back.audio - sub.audio).max():.1e} (16-bit), "
          f"mean frame difference {np.abs(back.frames.astype(int) - sub.frames).mean():.1f} grey levels (JPEG)")
fnu.record("layout round trip keeps the hits", bool(same_hits))

# %% [markdown]
# ## The judges
#
# Three questions need answering for every generated clip, each by a network trained on real
# clips of the hits world that no model here saw (notebook 04 builds them):
#
# - *which material does it sound like?* — the **audio judge** (CondFoleyGen's VGGish-ish material
#   classifier); it chooses among our six materials;
# - *is it in sync with the video?* — the **sync judge** (SparseSync's role: the offset between
#   sound and picture, −0.4 … +0.4 s); it re-ranks samples;
# - *where are its onsets?* — an onset detector (spectral flux, peaks picked as librosa does in
#   CondFoleyGen's `predict_onset.py`), matched to the target's hits within ±0.1 s.
#
# All three read the log-mel directly: no vocoder stands between a model and its score (the
# players below use Griffin-Lim, for listening only).

# %%
from foley_nb_utils.metrics.judges import judge_panel

judges = judge_panel("hits", ("audio", "sync"), profile=PROFILE, device="cpu")
audio_judge, sync_judge = judges["audio"], judges["sync"]
fnu.display.table(audio_judge.summary() + sync_judge.summary(), floatfmt=".2f")
real = m22.logmel(second.audio)  # [160, 64, 126] dB: the targets' true sound
real_ok = m22.material_correct(audio_judge, real, second.material)
fnu.record("judge material accuracy, real targets (6 materials)", round(float(real_ok.mean()), 4))

# %% [markdown]
# ## Stage 1 · the codebook (notebook 20's `SpecCodebook`)
#
# A sound becomes a short sequence of integers. The log-mel (64 bands, 16 ms frames) is averaged
# to 16 bands — the resolution the sync judge reads — and a VQ autoencoder with three stride-2
# levels turns each 16 × 128 patch into a 2 × 16 grid of codes from a codebook of 64: one column
# per 0.128 s. CondFoleyGen's codebook is SpecVQGAN's VQGAN (1,024 codes, 5 × 10 per 2 s). How it
# is trained — nearest code, straight-through gradient, commitment loss, dead-code restarts — is
# notebook 20's subject; here we call `tokens.SpecCodebook` and `tokens.codebook_loss`.
#
# ## The video features
#
# CondFoleyGen encodes each 2 s clip with R(2+1)D-18 (Kinetics-pretrained) into 30 features of 512 d.
# Our stand-in is a small per-frame **hit detector** trained on the training recordings (label: the
# frame of each hit) and frozen: each frame becomes a 16-d feature and a hit probability.

# %%
fnu.display.show_source(m22.OnsetNet)

# %% [markdown]
# ## Stage 2 · the transformer over four streams
#
# Write $v^c, v^t$ for the condition and target videos, $a^c = (a^c_1 \dots a^c_{32})$ for the
# condition's tokens and $a^t$ for the target's. CondFoleyGen's transformer models
#
# $$p(a^t \mid v^c, v^t, a^c) = \prod_{i=1}^{32} p\big(a^t_i \mid a^t_{<i},\ a^c,\ v^c,\ v^t\big),$$
#
# reading the sequence `[condition video | target video | condition audio | target audio]` and
# trained with cross-entropy on the **target tokens only** — the condition tokens are context,
# a *prompt* (`GPTPrior.loss(tokens, from_index=32)`; `GPTPrior.generate(prompt=...)` feeds them
# before sampling). Nothing tells the model "copy the timbre, follow the timing": it learns both
# because, in training, the condition is another moment of the same recording — its sound has the
# right material but the wrong hits, and only the target video knows when the hits are.
#
# One change for a small model: CondFoleyGen puts the 2 × 30 video features in front of the tokens
# (a prefix) and lets 24 layers find which frame belongs to which token. Our 2-layer transformer,
# trained for 400 steps, did not find that alignment (its onsets came out at random), so each
# token's input also gets the video feature of its own 0.128 s (`GPTPrior(token_cond_dim=...)`,
# a small addition to notebook 20's prior) — the condition video under the condition tokens, the
# target video under the target tokens. The **ablation** is the same transformer without the
# condition clip (the sequence is the target alone): a SpecVQGAN-like video-only model.

# %%
fnu.display.show_source(m22.train_prior)

# %%
t0 = time.perf_counter()
models = m22.trained_models(PROFILE, SEED, device=ctx.device, train=train)  # the call notebook 24 makes too
del train  # the training videos are not needed any more (memory)
fnu.record("training seconds", time.perf_counter() - t0, unit="s", timing=True)
hist = models.info["history"]
fig, ax = plt.subplots(1, 2, figsize=(9, 2.4))
ax[0].plot(hist["codebook"]["l1"], lw=1)
ax[0].set(xlabel="step", ylabel="L1 (unit scale)", title="codebook reconstruction")
for name in ("conditional", "video only"):
    ax[1].plot(np.convolve(hist[name]["loss"], np.ones(20) / 20, mode="valid"), lw=1, label=name)
ax[1].set(xlabel="step", ylabel="cross-entropy (nats)", title="transformer, target tokens")
ax[1].legend(fontsize=8)
plt.tight_layout()
plt.show()
unit_real = m22.to_unit(m22.pool_bands(real))
recon = m22.decode(models.codebook, m22.encode(models.codebook, unit_real))
recon_ok = m22.material_correct(audio_judge, recon, second.material)
fnu.record("judge material accuracy, codebook reconstructions of real targets", round(float(recon_ok.mean()), 4))
usage = m22.tk.code_usage(m22.encode(models.codebook, unit_real), cfg.n_codes)
fnu.record("codebook perplexity on test targets", round(usage["perplexity"], 2))

# %% [markdown]
# The judge's accuracy on the codebook's *reconstructions* of real sounds is the ceiling of every
# generated sound: whatever the 64 codes on a 16-band grid cannot say, no transformer can put back.
#
# ## The test: each target with three conditions
#
# Each of the 160 test targets (the second half of a test recording) gets three conditions, as in
# CondFoleyGen's 194 × 3 test set: its own first half (**matched**: same material) and the first
# halves of two recordings of other materials (**mismatched**). For each pair the conditional model
# draws 4 samples; the first is "the" sample, and the sync judge re-ranks the 4. The video-only
# model draws one sample per pair. The **onset-transfer** baseline pastes the condition's first hit
# at each hit the video detector finds in the target.

# %%
t0 = time.perf_counter()
pairs = m22.test_pairs(first, second, SEED)
ti, ci, mis = pairs["target"], pairs["condition"], pairs["kind"] == 1
ti_t, mis_t = torch.from_numpy(ti), torch.from_numpy(mis)  # the same indices, for tensors
cond = first.take(ci)
target_frames = second.frames[ti]
lms_all = {}
_, lms_b, cands = m22.generate(models, target_frames, seed=SEED, cond_frames=cond.frames, cond_audio=cond.audio,
                               n_samples=cfg.n_samples, sync=sync_judge, return_logmel=True, return_candidates=True,
                               rng_key="conditional", griffin_lim=False)
lms_c = cands[0]  # "the" sample: the first candidate; lms_b: the one the sync judge prefers
_, lms_v = m22.generate(models, target_frames, seed=SEED, n_samples=1, return_logmel=True, rng_key="video only",
                        griffin_lim=False)
probs_c = m22.video_features(models.onset_net, first.frames)[1]
probs_t = m22.video_features(models.onset_net, second.frames)[1]
hits_c, hits_t = m22.detected_hits(probs_c), m22.detected_hits(probs_t)
ot_audio = m22.onset_transfer_baseline(cond, [hits_c[i] for i in ci], [hits_t[i] for i in ti])
lms_o = m22.logmel(ot_audio)
fnu.record("generation seconds", time.perf_counter() - t0, unit="s", timing=True)
fnu.record("test pairs", len(ti))

# %% [markdown]
# ## Condition, target, generated — side by side
#
# Each row: the condition clip's sound, the target's true sound (which the model never hears), the
# conditional model's sample, the video-only sample and the onset-transfer baseline. Dashed lines
# mark the hits of the clip each panel should follow in time: the condition's own hits in the
# first panel, the **target's** hits in all the others.

# %%
rate = m22.SR / m22.HOP
rows = [int(np.flatnonzero(mis & (second.material[ti] == k))[0]) for k in (0, 1)] + [int(np.flatnonzero(~mis)[0])]
fig, ax = plt.subplots(len(rows), 5, figsize=(15, 2.2 * len(rows)), sharey=True)
for r, j in enumerate(rows):
    panels = [("condition: " + MATS[cond.material[j]], m22.logmel(cond.audio[j:j + 1])[0], cond.times[j]),
              ("target (true): " + MATS[second.material[ti[j]]], real[ti[j]], second.times[ti[j]]),
              ("generated", lms_c[j], second.times[ti[j]]), ("video only", lms_v[j], second.times[ti[j]]),
              ("onset transfer", lms_o[j], second.times[ti[j]])]
    for a, (title, S, hits) in zip(ax[r], panels):
        fnu.display.spectrogram(S.numpy(), rate=rate, ax=a, title=title, ylabel="mel band" if a is ax[r, 0] else "",
                                colorbar=False, vmin=m22.FLOOR_DB, vmax=m22.CEIL_DB)
        for t in hits:
            a.axvline(t, color="w", ls="--", lw=0.8)
plt.tight_layout()
plt.show()
listen = m22.griffin_lim(torch.stack([lms_c[j] for j in rows]), ctx.rng("listen"))
for r, j in enumerate(rows):
    display(fnu.display.players({f"condition ({MATS[cond.material[j]]})": (cond.audio[j], m22.SR),
                         f"target, true ({MATS[second.material[ti[j]]]})": (second.audio[ti[j]], m22.SR),
                         "generated": (listen[r], m22.SR), "onset transfer": (ot_audio[j], m22.SR)}))

# %% [markdown]
# ## Measuring timbre and timing

# %%
cm = cond.material
acc = {name: m22.material_correct(audio_judge, x, cm) for name, x in
       (("conditional", lms_c), ("re-ranked", lms_b), ("video only", lms_v), ("onset transfer", lms_o))}
tt = [second.times[i] for i in ti]
ap = {name: m22.onset_ap_per_clip(tt, x)["onset_ap"] for name, x in
      (("conditional", lms_c), ("re-ranked", lms_b), ("video only", lms_v), ("onset transfer", lms_o))}
ap_real = m22.onset_ap_per_clip(list(second.times), real)["onset_ap"]
other = np.roll(np.arange(len(second)), 1)  # each target scored against the next target's hits
ap_other = m22.onset_ap_per_clip([second.times[other[i]] for i in ti], lms_c)["onset_ap"]
fnu.record("onset AP, real targets", round(float(np.nanmean(ap_real)), 4))
rows_t = []
for name in acc:
    rows_t.append({"sounds": name, "material = condition's (mismatched)": float(acc[name][mis].mean()),
                   "material = condition's (matched)": float(acc[name][~mis].mean()),
                   "onset AP (mismatched)": float(np.nanmean(ap[name][mis])),
                   "onset AP (matched)": float(np.nanmean(ap[name][~mis]))})
    fnu.record(f"material accuracy vs condition, mismatched, {name}", round(rows_t[-1]["material = condition's (mismatched)"], 4))
    fnu.record(f"onset AP, mismatched, {name}", round(rows_t[-1]["onset AP (mismatched)"], 4))
fnu.display.table(rows_t, floatfmt=".3f")
print(f"chance {CHANCE:.3f} · judge on real targets {real_ok.mean():.3f} · on their codebook reconstructions "
      f"{recon_ok.mean():.3f} · onset AP of the real targets {np.nanmean(ap_real):.3f}")

# %% [markdown]
# ## Reproduction results: deciding the claims
#
# The margins were fixed before the first run, from what a listener would notice: 20 points of
# material accuracy is a clear change of timbre, 15 points of chance is "near chance"; 5 points of
# onset AP is about one hit in twenty, 10 points is a timing that clearly tracks the video; 2 points
# is the smallest AP gain worth a 4× sampling cost. Onset AP is per pair (pairs whose target has no
# hit are left out); "plausibility" is whether a linear real-vs-fake discriminator on summary
# features of the 16-band log-mels (notebook 04's stand-in for the AMT studies) takes the generated
# clip for the real target.

# %%
def paired(a, b):
    ok = np.isfinite(a) & np.isfinite(b)
    return a[ok], b[ok]


N = len(second)
ap_c3 = ap["conditional"].reshape(3, N)
fnu.claim("the material follows the condition clip",
          paper="generated sound takes the condition's material and action, also for mismatched pairs "
                "(timbre-transfer accuracy; numbers not verified)",
          ours={"conditional": round(float(acc["conditional"][mis].mean()), 4),
                "video only": round(float(acc["video only"][mis].mean()), 4), "chance": round(CHANCE, 4)},
          measured=fnu.evidence.combine(
              fnu.evidence.decide(acc["conditional"][mis], acc["video only"][mis], paired=True, margin=0.20,
                                  what="conditional minus video-only"),
              fnu.evidence.decide(acc["video only"][mis], CHANCE, margin=0.15, direction="less",
                                  what="video-only minus chance")),
          note="mismatched pairs; per pair 1/0: the audio judge (6 materials) names the condition's material; "
               "conditional minus video-only 'greater' 0.20, and video-only minus 1/6 'less' 0.15")
fnu.claim("the timing follows the target video",
          paper="onset accuracy and onset AP against the target stay high with mismatched conditions",
          ours={"AP matched": round(float(np.nanmean(ap_c3[0])), 4),
                "AP mismatched": round(float(np.nanmean(ap_c3[1:])), 4),
                "AP vs another clip's hits": round(float(np.nanmean(ap_other[mis])), 4)},
          measured=fnu.evidence.combine(
              fnu.evidence.decide(*paired(np.nanmean(ap_c3[1:], axis=0), ap_c3[0]), paired=True, margin=-0.05,
                                  what="mismatched minus matched, per target"),
              fnu.evidence.decide(*paired(ap["conditional"][mis], ap_other[mis]), paired=True, margin=0.10,
                                  what="own target minus another clip's hits")),
          note="per target: mean AP of its two mismatched pairs minus its matched pair's, 'greater' -0.05; per "
               "mismatched pair: AP against its target's hits minus against another target's, 'greater' 0.10")
fnu.claim("re-ranking with a sync judge improves timing at the same timbre",
          paper="candidates are re-ranked with an audio-visual synchronisation model (SparseSync)",
          ours={"AP first sample": round(float(np.nanmean(ap["conditional"])), 4),
                f"AP best of {cfg.n_samples}": round(float(np.nanmean(ap["re-ranked"])), 4),
                "material first": round(float(acc["conditional"][mis].mean()), 4),
                "material re-ranked": round(float(acc["re-ranked"][mis].mean()), 4)},
          measured=fnu.evidence.combine(
              fnu.evidence.decide(*paired(ap["re-ranked"], ap["conditional"]), paired=True, margin=0.02,
                                  what="onset AP, re-ranked minus first"),
              fnu.evidence.decide(acc["re-ranked"][mis], acc["conditional"][mis], paired=True, margin=-0.05,
                                  what="material accuracy, re-ranked minus first")),
          note="all pairs for AP ('greater' 0.02), mismatched pairs for material ('greater' -0.05)")
fool_o = m22.fooled(real[ti_t][mis_t], lms_o[mis_t], SEED)
fool_c = m22.fooled(real[ti_t][mis_t], lms_c[mis_t], SEED)
fnu.record("fooling rate, mismatched, conditional", round(float(fool_c.mean()), 4))
fnu.record("fooling rate, mismatched, onset transfer", round(float(fool_o.mean()), 4))
fnu.claim("onset transfer is strong on timing and weak on plausibility",
          paper="a simple onset-transfer baseline (paste the condition's hit at the detected onsets)",
          ours={"AP onset transfer": round(float(np.nanmean(ap["onset transfer"][mis])), 4),
                "AP ours": round(float(np.nanmean(ap["conditional"][mis])), 4),
                "fooled, onset transfer": round(float(fool_o.mean()), 4), "fooled, ours": round(float(fool_c.mean()), 4)},
          measured=fnu.evidence.combine(
              fnu.evidence.decide(*paired(ap["onset transfer"][mis], ap["conditional"][mis]), paired=True,
                                  margin=-0.05, what="onset AP, onset transfer minus ours"),
              fnu.evidence.decide(fool_o, fool_c, paired=True, margin=0.0, direction="less",
                                  what="fooling rate, onset transfer minus ours")),
          note="mismatched pairs; AP 'greater' -0.05; per pair 1/0.5/0 fooled, 'less' 0")
fnu.record("notebook wall time", time.perf_counter() - t_start, unit="s", timing=True)
fnu.results.show()

# %% [markdown]
# **Reading the table.** The verdicts are computed, not typed. Read each generated number against
# its ceiling: the judge's accuracy on the codebook's reconstructions of real sounds bounds the
# material accuracy of anything the transformer makes, and the onset AP of the real targets bounds
# the timing. The video-only model cannot know the condition's material (our video features carry
# motion, not much texture), so its accuracy against the condition is the floor. The README's claims
# table gives each seed's numbers (`python -m foley_nb_utils.reproduce --only 22 --seeds 0,1,2`).
#
# **What seeds 0–2 showed.** The condition clip clearly moves the timbre: on every seed the
# conditional model names the condition's material far more often than the video-only model, which
# sits at chance — but the gain lies close to the 20-point margin we asked for, and its interval
# straddles it, so claim 1 is inconclusive (its ceiling, the judge on the codebook's reconstructions,
# is low). The timing changes little when the condition changes (that half of claim 2 holds on two
# seeds and is inconclusive on the third), but the AP against the target's hits beats the AP
# against another clip's hits by less than the 10 points we asked: our transformer follows the
# target's hits only loosely. Re-ranking raised the AP by about the 2-point margin on every seed, and
# its cost in timbre stayed within 5 points on two seeds but not clearly on the third: inconclusive.
# The onset-transfer baseline is refuted the opposite way round from the paper: on every seed it
# fools the discriminator *more* often than ours, and its onset AP is *lower* than ours (by more than
# our 5-point tolerance on two seeds). We did not change the seeds,
# the margins or the settings after seeing the results; the cell below gives, for each claim that
# did not hold, the likely reason.

# %%
why_not = {
    "the material follows the condition clip":
        "if it does not hold, the likely reason is the codebook: on 16 bands and 64 codes the judge recognises "
        "reconstructed real sounds far less often than the real ones, and the transformer cannot do better "
        "than its codebook",
    "the timing follows the target video":
        "if it does not hold, the likely reason is twofold: the video hit detector, trained for 250 steps on "
        "64-pixel frames, gives soft and sometimes missing hit probabilities, so the transformer follows the "
        "target's hits only loosely; and onset AP with a ±0.1 s window is lenient — with two or three hits in "
        "2 s, onsets placed at random already match many of another clip's hits, so the gap to that control "
        "is small",
    "re-ranking with a sync judge improves timing at the same timbre":
        "if it does not hold, the likely reason is the sync judge's resolution: it scores offsets in whole "
        "frames of 67 ms, and 4 samples that all follow the hit detector differ by less than that",
    "onset transfer is strong on timing and weak on plausibility":
        "if it does not hold, the likely reasons are: for timing, the baseline pastes a sound only where the "
        "video detector's probability crosses 0.5, so every missed hit is silent, while our transformer still "
        "uses the detector's sub-threshold probabilities; for plausibility, the pasted sound is real sound — a "
        "discriminator on band statistics finds little wrong with real hits, while our codebook's sounds are "
        "blurred; the paper's listeners heard cut-off rings and repeated hits that band statistics miss",
}
_ = fnu.results.verdicts(why_not)

# %% [markdown]
# ## Exercises
#
# 1. **Matched vs mismatched.** Is the material accuracy against the condition higher on matched
#    pairs? Why should it be, even for the video-only model?
# 2. **How many samples?** Re-rank the best of 2 instead of 4: how much of the AP gain remains?
# 3. **Which materials transfer?** Print the confusion matrix of the judge on the conditional
#    model's mismatched samples (rows: the condition's material).

# %%
if SHOW_SOLUTIONS:
    print(f"1. conditional: matched {acc['conditional'][~mis].mean():.2f}, mismatched {acc['conditional'][mis].mean():.2f}; "
          f"video only: matched {acc['video only'][~mis].mean():.2f}, mismatched {acc['video only'][mis].mean():.2f} "
          "(on matched pairs the condition's material is the target's, which the video may give away)")
    sc2 = np.stack([m22.sync_scores(sync_judge, target_frames, x) for x in cands[:2]])
    lms_2 = cands[:2][torch.from_numpy(m22.rerank(sc2)), torch.arange(len(ti))]
    ap2 = m22.onset_ap_per_clip(tt, lms_2)["onset_ap"]
    print(f"2. onset AP: first {np.nanmean(ap['conditional']):.3f}, best of 2 {np.nanmean(ap2):.3f}, "
          f"best of {cfg.n_samples} {np.nanmean(ap['re-ranked']):.3f}")
    from foley_nb_utils.datasets.greatest_hits import MATERIALS as GH_MATERIALS

    cols = [GH_MATERIALS.index(mm) for mm in MATS]
    pred = audio_judge.predict_logmel(lms_c[mis_t])["material"][:, cols].argmax(1)
    cmat = np.zeros((len(MATS), len(MATS)), int)
    np.add.at(cmat, (cm[mis], pred), 1)
    print("3. rows: the condition's material, columns: judged")
    fnu.display.table([{"condition": MATS[a], **{MATS[b]: int(cmat[a, b]) for b in range(len(MATS))}}
                       for a in range(len(MATS))])
else:
    print("Solutions hidden: set SHOW_SOLUTIONS = True in the parameters cell.")

# %% [markdown]
# ## Summary
#
# - CondFoleyGen asks for the sound of a silent video *in the style of* an example clip, and trains
#   for it without labels: condition and target are two moments of one recording.
# - It is SpecVQGAN's machinery (notebook 20) with a prompt: the condition's tokens come first, the
#   loss covers only the target's, and the transformer must take the timbre from the prompt and the
#   timing from the target video.
# - Evaluation separates the two: a material judge scores the sound against the **condition**, onset
#   AP scores it against the **target**; mismatched pairs are the real test.
# - Several samples and a synchronisation judge to choose among them are a cheap way to trade compute
#   for timing; a cut-and-paste baseline at detected hits is the bar for timing.
#
# **References**: Y. Du, Z. Chen, J. Salamon, B. Russell, A. Owens, "Conditional Generation of Audio
# from Video via Foley Analogies", CVPR 2023 (arXiv 2304.08490; code github.com/XYPB/CondFoleyGen).
# V. Iashin, E. Rahtu, "Taming Visually Guided Sound Generation", BMVC 2021 (notebook 20). A. Owens
# et al., "Visually Indicated Sounds", CVPR 2016 (Greatest Hits; notebook 05). V. Iashin et al.,
# "Sparse in Space and Time: Audio-visual Synchronisation with Trainable Selectors" (SparseSync), BMVC 2022.
#
# **Next**: [23 · MM-Diffusion](23_2023_mm_diffusion.ipynb) generates video and sound together with a
# coupled diffusion model.
