# %% [markdown]
# # 19 · Impact sounds for the parts of real objects in building-scale VR (Nagao, Kumon & Hattori, 2021)
#
# In a building-scale virtual reality the whole interior of a building is a walkable virtual space.
# Real movable objects — a chair, a bin, a shelf someone brought in — are not in the VR model, so a
# user who walks into one in VR would hit it in silence. Nagao, Kumon and Hattori scan such objects
# with an RGB-D camera, split each picture into parts, estimate each part's **material**, and let a
# **material-conditioned GAN** generate the impact sound of each part; when the user strikes a part
# with a virtual stick, its sound plays. The conditioning is not a video but a material label, and
# the pipeline is a chain: segmentation → material classifier → GAN. This notebook builds the chain
# at laptop scale on pictured objects whose parts and materials we know, and measures each link.

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
import time

import numpy as np
import matplotlib.pyplot as plt
import torch

import foley_nb_utils as fnu
from foley_nb_utils.methods import m07_cross_modal_gan as m07
from foley_nb_utils.methods import m19_vr_impact_sounds as m19

p = fnu.papers.paper(15)
fnu.display.table({"paper": p.title, "authors": p.authors, "venue": f"{p.venue} {p.year} (11(16):7546)",
                   "task": p.task, "model": p.family, "survey says": p.survey_family,
                   "survey note": p.survey_note or "—",
                   "original data": "RGB-D scans and pictures of real objects; material-labelled impact sounds "
                                    "(dataset, GAN type, sample rate: not verified)",
                   "original code": "none found",
                   "our data": "pictured 2–3-part objects textured with the hits world's surfaces; impact "
                               "sounds by the hits world's modal synthesis, six materials"})

# %% [markdown]
# **What the paper reports** (from `research/verified_numbers_2020_2023.md`): the pipeline — RGB-D
# capture, parts, material estimation, a GAN per material, sound on a virtual stick's hit — and
# that "users can judge the material from the sound" (abstract, confirmed; no number in the
# abstract). The article's sections (confirmed): material estimation by a CNN with transfer
# learning; object component segmentation by grouping pixels by distance and colour, superpixels on
# HSV and k-means, hue-range trimming; a GAN for time-series data. The sound dataset, the GAN's
# architecture and the listening-test accuracy: not verified.
#
# **Claims tested here**, each decided on the same test examples, example by example (paired
# bootstrap, 95 % interval; notebook 00 explains how), with margins fixed before the first run:
#
# 1. an independent judge recognises the material of **generated** sounds **far above chance**
#    (by more than 30 points over 1/6);
# 2. … and **close to real** sounds (at most 10 points below the judge's accuracy on real ones);
# 3. **material conditioning matters**: a GAN trained with random material labels is at least
#    20 points worse;
# 4. **per-part** material beats **whole-object** material on multi-material objects, end to end
#    (the judge hears the clicked part's sound), by more than 10 points.
#
# The paper's listeners are replaced by a judge network trained on real sounds that no other model
# saw; that is a proxy for "users can judge the material", not the same test.

# %% [markdown]
# ## Learning objectives
#
# - segment a picture into parts by clustering pixels on colour, texture and position (k-means),
#   and choose the number of parts with the silhouette;
# - classify a region's material by averaging a patch CNN over it;
# - condition notebook 07's GAN on a material label and check what the label buys;
# - judge generated sound with an independent classifier, and compare with real sound and chance;
# - wire the chain into a clickable scene.
#
# **Prerequisites**: log-mels (01), GANs and GAN-CLS (02, 07), the hits world and its modal
# synthesis (03, 05), the judges of notebook 04.

# %% tags=["parameters"]
PROFILE = "quick"
SEED = 0
DEVICE = "auto"
DATA_DIR = None
OUT_DIR = None
SHOW_SOLUTIONS = False

# %%
ctx = fnu.repro.setup("19_2021_vr_impact_sounds", profile=PROFILE, seed=SEED, device=DEVICE, out_dir=OUT_DIR,
                      data_dir=DATA_DIR)
t_start = time.perf_counter()

# %% [markdown]
# The settings of each profile. `quick` trains four small networks — the patch CNN (200 steps), the
# judge (150 steps) and two GANs (the material-conditioned one and its random-label ablation,
# 300 steps each), two at a time on one thread each — on 600 sounds and 1,200 patches, and tests
# on 600 sounds and 150 objects (about 375 parts). `full` (one GPU) uses ten times the data and steps and wider networks.

# %%
cfg = fnu.repro.pick(PROFILE,
                     quick=dict(n_sounds=600, n_patches=1200, n_objects=150, size=48, cnn_steps=200, judge_steps=150,
                                gan_steps=300, batch=32, base=8, threads=1),
                     full=dict(n_sounds=6000, n_patches=12000, n_objects=600, size=48, cnn_steps=2000,
                               judge_steps=1500, gan_steps=3000, batch=64, base=32, threads=0))
if cfg.threads:
    torch.set_num_threads(cfg.threads)  # tiny networks: one thread each, trainings side by side
MATS = m19.MATERIALS
CHANCE = 1 / len(MATS)
key = dict(seed=SEED, profile=PROFILE, **vars(cfg))

# %% [markdown]
# ## The ground truth: materials that look and sound different
#
# Six materials of the hits world (notebook 03): wood, metal, glass, plastic, ceramic, cloth. Each
# *looks* like its hits surface (colours, grain, gloss, weave; plastic is dyed any hue) and *sounds*
# like its modal model — an impact is a sum of damped partials
#
# $$y(t) = \sum_k a_k\, e^{-t/\tau_k} \sin(2\pi f_k t) + \text{click} + \text{noise burst},\qquad
#   f_k = f_0 r_k,\quad \tau_k = \tau_0\, r_k^{-\alpha},$$
#
# with material-specific ratios $r_k$ (metal's are a free bar's, 1 : 2.76 : 5.40 …), decays
# (metal and glass ring for tenths of a second, cloth for a hundredth) and burst band. $f_0$, $\tau_0$
# and the strength are drawn per sound: two wooden parts do not ring alike.

# %%
fnu.display.show_source(m19.impact_sound)

# %%
if ctx.data_dir:  # a Greatest Hits tree: real hits on the six materials (the objects stay synthetic)
    gan_audio, gan_y = m19.load_sounds(ctx.data_dir, "train")
    test_audio, test_y = m19.load_sounds(ctx.data_dir, "test")
    half = len(gan_audio) // 2
    judge_audio, judge_y, gan_audio, gan_y = gan_audio[:half], gan_y[:half], gan_audio[half:], gan_y[half:]
else:
    gan_audio, gan_y = m19.impact_sounds(cfg.n_sounds, SEED, "gan")
    judge_audio, judge_y = m19.impact_sounds(cfg.n_sounds, SEED, "judge")
    test_audio, test_y = m19.impact_sounds(cfg.n_sounds, SEED, "test")
gan_lms, judge_lms, test_lms = (m19.logmel(a) for a in (gan_audio, judge_audio, test_audio))
fnu.record("test sounds", len(test_y))
first = [int(np.flatnonzero(test_y == k)[0]) for k in range(len(MATS))]
fig, ax = plt.subplots(1, len(MATS), figsize=(12, 2), sharey=True)
for a, k in zip(ax, first):
    fnu.display.spectrogram(test_lms[k, 0].numpy(), rate=m19.SR / 256, ax=a, title=MATS[test_y[k]],
                            ylabel="mel band" if a is ax[0] else "")
plt.tight_layout()
plt.show()
fnu.display.players({MATS[test_y[k]]: (test_audio[k], m19.SR) for k in first})

# %% [markdown]
# ## The pictures: objects made of parts
#
# Each object is a box in front of a wall, cut by one or two slanted lines into 2 or 3 parts of
# different materials, under a light gradient. Like the paper's RGB-D camera we also get a **depth**
# mask (object vs wall); the parts, not the object, are what the pipeline must find.

# %%
objs = m19.draw_objects(cfg.n_objects, SEED, "test", size=cfg.size)
fnu.record("test objects", len(objs))
fnu.record("test parts", int(objs.n_parts.sum()))
show = list(range(6))
fnu.display.image_grid([[objs.images[i] for i in show],
                        [m19.part_colours(objs.parts[i]) for i in show]],
                       titles=[[" + ".join(MATS[k] for k in objs.materials[i, :objs.n_parts[i]]) for i in show],
                               ["true parts"] * len(show)], tile=1.1)
plt.show()

# %% [markdown]
# ## Step 1 · segmentation
#
# The paper groups pixels by depth and colour, computes superpixels on HSV and clusters them with
# k-means. scikit-image (SLIC superpixels) is not a dependency of this series, so we cluster the
# pixels directly — each pixel described by its smoothed HSV colour (hue as a saturation-weighted
# angle), its local contrast (texture) and its position — with a few lines of k-means, for
# $k = 2$ and $k = 3$, keeping the $k$ whose clustering has the best **silhouette**
# $s_i = (b_i - a_i)/\max(a_i, b_i)$ ($a_i$: mean distance to the own cluster, $b_i$: to the nearest
# other). Position keeps parts compact, as superpixels would.

# %%
fnu.display.show_source(m19.segment)

# %%
from sklearn.metrics import adjusted_rand_score

t0 = time.perf_counter()
segs = [m19.segment(objs.images[i], objs.depth[i], seed=SEED) for i in range(len(objs))]
ari = np.array([adjusted_rand_score(objs.parts[i][objs.depth[i]], segs[i][objs.depth[i]]) for i in range(len(objs))])
k_ok = np.array([int(s.max()) + 1 == k for s, k in zip(segs, objs.n_parts)])
fnu.record("segmentation seconds", time.perf_counter() - t0, unit="s", timing=True)
fnu.record("segmentation adjusted Rand index", round(float(ari.mean()), 4))
fnu.record("share of objects with the right number of parts", round(float(k_ok.mean()), 4))
fnu.display.image_grid([[objs.images[i] for i in show], [m19.part_colours(segs[i]) for i in show]],
                       titles=[[f"{objs.n_parts[i]} parts" for i in show],
                               [f"ARI {ari[i]:.2f}" for i in show]], tile=1.1)
plt.show()

# %% [markdown]
# ## Step 2 · material per part
#
# The paper fine-tunes an ImageNet CNN on material pictures. We train notebook 07's small 4-block
# CNN from scratch on 16 × 16 patches of single-material surfaces, then classify a segment by
# averaging the class probabilities of the patches that lie (≥ 80 %) inside it. A click on a true
# part plays the sound of the segment that covers most of it. The **whole-object** baseline
# averages all the object's patches into one material for every part.

# %%
# The four networks of the notebook (this CNN, the two GANs and the judge below) train side by side
# here, one per core; the cells below only use them.
patches, patch_y = m19.texture_patches(cfg.n_patches, SEED, "train")
db = m19.db_range(gan_lms)
gan_unit = m19.to_unit(gan_lms, db)
t0 = time.perf_counter()
jobs = {"cnn": lambda: m19.train_material_cnn(patches, patch_y, steps=cfg.cnn_steps, batch_size=cfg.batch, seed=SEED,
                                              name="m19_material_cnn", config=key, device=ctx.device),
        "judge": lambda: m19.train_judge(judge_lms, judge_y, steps=cfg.judge_steps, batch_size=cfg.batch, seed=SEED,
                                         name="m19_judge", config=key, device=ctx.device),
        **{name: (lambda tag=tag, shuf=shuf: m19.train_gan(
            gan_unit, torch.from_numpy(gan_y), steps=cfg.gan_steps, batch_size=cfg.batch, seed=SEED,
            shuffle_labels=shuf, base=cfg.base, name=f"m19_gan_{tag}", config=key, device=ctx.device))
           for name, tag, shuf in (("conditioned", "cond", False), ("random labels", "shuffled", True))}}
trained = fnu.train.side_by_side(jobs)
fnu.record("training seconds (four networks)", time.perf_counter() - t0, unit="s", timing=True)
cnn, judge = trained["cnn"].cpu().eval(), trained["judge"].cpu().eval()
runs = {name: trained[name] for name in ("conditioned", "random labels")}
for run in runs.values():
    run.gen.cpu()
tp, ty = m19.texture_patches(600, SEED, "test")
with torch.no_grad():
    patch_acc = float((cnn(m19._patch_tensor(tp)).argmax(1).numpy() == ty).mean())
fnu.record("material CNN accuracy on single-material test patches", round(patch_acc, 4))
truth = [objs.materials[i, :objs.n_parts[i]] for i in range(len(objs))]
est_part = m19.classify_parts(cnn, objs, segs)
est_whole = m19.classify_parts(cnn, objs, segs, whole=True)
flat = lambda xs: np.concatenate(xs)  # noqa: E731
part_ok, whole_ok = flat(est_part) == flat(truth), flat(est_whole) == flat(truth)
fnu.record("part material accuracy, per part", round(float(part_ok.mean()), 4))
fnu.record("part material accuracy, whole object", round(float(whole_ok.mean()), 4))
print(f"patches: {patch_acc:.0%} · parts, per-part pipeline: {part_ok.mean():.0%} · parts, whole-object: "
      f"{whole_ok.mean():.0%} (a whole-object label can be right for one part of each object at most)")

# %% [markdown]
# ## Step 3 · the material-conditioned GAN
#
# Notebook 07's GAN-CLS networks, with the image feature replaced by a one-hot material $c$: the
# generator maps $[\phi(c); z]$ through a DCGAN decoder to a 64 × 32 log-mel in $[-1, 1]$
# (0.5 s at 16 kHz); the discriminator scores (log-mel, material) pairs, real-and-matching against
# generated and against real sounds of another material:
#
# $$\mathcal{L}_D = -\log D(x, c) - \tfrac12\big[\log(1 - D(x_{\text{other}}, c)) + \log(1 - D(G(z, c), c))\big],
#   \qquad \mathcal{L}_G = -\log D(G(z, c), c).$$
#
# The **ablation** trains the same networks, same seed and batches, with the material labels
# randomly permuted: the condition says nothing about the sound.

# %%
fnu.display.show_source(m19.train_gan)

# %%
fig, ax = plt.subplots(figsize=(6, 2.2))
for name, run in runs.items():
    for k in ("d_loss", "g_loss"):
        ax.plot(np.convolve(run.history[k], np.ones(10) / 10, mode="valid"), lw=1, label=f"{name}: {k}")
ax.set(xlabel="step", ylabel="loss", title="GAN losses (moving average)")
ax.legend(fontsize=7)
plt.show()

# %% [markdown]
# ## The judge
#
# A CNN trained on *other* real sounds (a separate draw, never seen by the GAN) names the material
# of a log-mel. It hears the real test sounds, and for each of them a generated sound of the same
# material from each GAN.

# %%
gen = {name: m19.from_unit(m19.generate_lms(run.gen, test_y, SEED, name), db) for name, run in runs.items()}
correct = {"real": m19.judge_correct(judge, test_lms, test_y),
           **{name: m19.judge_correct(judge, g, test_y) for name, g in gen.items()}}
for name, c in correct.items():
    fnu.record(f"judge accuracy, {name} sounds", round(float(c.mean()), 4))
fnu.display.table([{"sounds": n, "judge accuracy": float(c.mean()),
                    **{m: float(c[test_y == k].mean()) for k, m in enumerate(MATS)}} for n, c in correct.items()],
                  floatfmt=".2f")
fig, ax = plt.subplots(2, len(MATS), figsize=(12, 3.4), sharey=True)
for j, k in enumerate(first):
    for i, (name, x) in enumerate((("real", test_lms), ("conditioned", gen["conditioned"]))):
        fnu.display.spectrogram(x[k, 0].numpy(), rate=m19.SR / 256, ax=ax[i, j], title=f"{name}: {MATS[test_y[k]]}",
                                ylabel="")
plt.tight_layout()
plt.show()
listen = m07.lms_to_audio(gen["conditioned"][first], m19.SR, ctx.rng("listen"))
fnu.display.players({f"generated {MATS[test_y[k]]}": (listen[j], m19.SR) for j, k in enumerate(first)})

# %% [markdown]
# (The players go through Griffin-Lim, for listening only; the judge reads the log-mels, so no
# vocoder stands between a model and its score.)
#
# ## Step 4 · the whole chain, and the clickable scene
#
# For every part of every test object: the pipeline's estimated material → the conditioned GAN →
# a sound; the judge says whether that sound is of the part's **true** material. The same with the
# whole-object material.

# %%
n_parts = objs.n_parts
obj_of = np.repeat(np.arange(len(objs)), n_parts)
chain = {}
for name, est in (("per part", flat(est_part)), ("whole object", flat(est_whole))):
    g = m19.from_unit(m19.generate_lms(runs["conditioned"].gen, est, SEED, f"chain {name}"), db)
    chain[name] = m19.judge_correct(judge, g, flat(truth))
    fnu.record(f"chain accuracy, {name}", round(float(chain[name].mean()), 4))
print({k: round(float(v.mean()), 3) for k, v in chain.items()})

# %% [markdown]
# The scene: the first test object, its segments, and a board of buttons over the picture (each
# coloured by the segment under it); pressing a button plays the generated sound of that segment's
# estimated material. In a static rendering of this notebook the widget is inert; the logic below it
# (`scene.click(x, y)`) is what the buttons call.

# %%
i0 = 0
seg0 = segs[i0]
names0 = []
for s in range(int(seg0.max()) + 1):
    with torch.no_grad():
        pr = torch.softmax(cnn(m19._patch_tensor(m19.patches_of(objs.images[i0], seg0 == s))), 1).mean(0)
    names0.append(MATS[int(pr.argmax())])
snd0 = m07.lms_to_audio(
    m19.from_unit(m19.generate_lms(runs["conditioned"].gen, [MATS.index(nm) for nm in names0], SEED, "scene"), db),
    m19.SR, ctx.rng("scene"))
scene = m19.ClickScene(objs.images[i0], seg0, names0, snd0)
hit = scene.click(cfg.size // 2, cfg.size // 2)
print("a click in the middle:", "the backdrop" if hit is None else f"segment {hit[0]}, {hit[1]}",
      "· true materials:", [MATS[k] for k in truth[i0]])
try:
    from IPython.display import display

    display(scene.widget())
except ImportError:
    print("ipywidgets is not installed: the scene's logic works (scene.click), its buttons need ipywidgets")

# %% [markdown]
# ## Reproduction results: deciding the claims
#
# Margins fixed before the first run, from what a listener would notice: 30 points above chance is
# "far above"; "close to real" allows 10 points below the judge's accuracy on real sounds; the
# conditioning ablation must lose at least 20 points; per-part must beat whole-object by more than
# 10 points. All four are paired on the same test items (chance is a constant).

# %%
fnu.claim("the material of generated sounds is recognised far above chance",
          paper="users can judge the material from the generated sound (abstract; no number)",
          ours={"judge accuracy, generated": round(float(correct["conditioned"].mean()), 4), "chance": round(CHANCE, 4)},
          measured=fnu.evidence.decide(correct["conditioned"], CHANCE, margin=0.30),
          note="per test sound: 1/0, does the independent judge name the requested material of the generated "
               "sound; minus chance 1/6; 'greater' with margin 0.30")
fnu.claim("generated sounds are recognised about as well as real ones",
          paper="users can judge the material from the generated sound (abstract)",
          ours={"generated": round(float(correct["conditioned"].mean()), 4), "real": round(float(correct["real"].mean()), 4)},
          measured=fnu.evidence.decide(correct["conditioned"], correct["real"], paired=True, margin=-0.10),
          note="per test sound: judge correct on the generated sound of its material minus on the real sound; "
               "'greater' than -0.10 (at most 10 points worse)")
fnu.claim("material conditioning matters (random-label ablation)",
          paper="a GAN generates the impact sound from the estimated material (abstract)",
          ours={"conditioned": round(float(correct["conditioned"].mean()), 4),
                "random labels": round(float(correct["random labels"].mean()), 4)},
          measured=fnu.evidence.decide(correct["conditioned"], correct["random labels"], paired=True, margin=0.20),
          note="per test sound: judge correct, conditioned GAN minus the same GAN trained with permuted labels; "
               "'greater' with margin 0.20")
fnu.claim("per-part material beats whole-object material on multi-material objects",
          paper="the image is split into parts and each part's material is estimated (abstract, section 4.3)",
          ours={k: round(float(v.mean()), 4) for k, v in chain.items()},
          measured=fnu.evidence.decide(chain["per part"], chain["whole object"], paired=True, margin=0.10),
          note="per test part: does the judge hear the part's true material in the sound generated from the "
               "pipeline's estimate; per-part segmentation + classification minus one whole-object estimate; "
               "'greater' with margin 0.10")
fnu.record("notebook wall time", time.perf_counter() - t_start, unit="s", timing=True)
fnu.results.show()

# %% [markdown]
# **Reading the table.** The verdicts are computed, not typed. Read the chain from its links: the
# judge on real sounds is the ceiling of everything that follows; the GAN's accuracy says how much
# of each material's sound it learned in a few hundred steps; the part-material accuracy says how
# often segmentation and the patch CNN name the right material; the chain multiplies the two. The
# random-label GAN should sit near chance: without a meaningful condition it can only learn the
# mixture of all materials. The whole-object baseline can name at most one part of each object
# right, so on 2–3-part objects its ceiling is well below the per-part pipeline's. Across seeds 0–2
# (`python -m foley_nb_utils.reproduce --only 19 --seeds 0,1,2`) the GAN learned on two seeds and
# stayed near chance on the third (the README's claims table gives each seed's numbers): a small GAN
# trained for 300 steps does not always take off, and every claim downstream of it follows, so the
# verdicts across seeds are inconclusive except "about as well as real", which fails on every seed —
# even the good GANs stay well below the judge's accuracy on real sounds. We did not change the seeds or the
# settings after seeing this. The cell below gives, for each claim that did not hold, the likely reason.

# %%
why_not = {
    "the material of generated sounds is recognised far above chance":
        "if it does not hold, the likely reason is the GAN's training length: 300 steps of a small GAN learn the "
        "coarse envelope of each material (ringing vs dull) but blur the partials that tell glass from ceramic",
    "generated sounds are recognised about as well as real ones":
        "if it does not hold, the likely reason is that the judge was trained on real log-mels only: generated ones "
        "lack their fine partial structure, and the materials that differ only in it (metal/glass/ceramic, "
        "wood/plastic) are confused",
    "material conditioning matters (random-label ablation)":
        "if it does not hold, the likely reason is that the conditioned GAN itself is near chance (see claim 1): "
        "a condition the generator has not yet learned to use cannot matter",
    "per-part material beats whole-object material on multi-material objects":
        "if it does not hold, the likely reason is the segmentation: when k-means cuts across the true parts or "
        "merges them, the per-part estimate degrades to a whole-object one, and a dyed-plastic part can look like "
        "any other material",
}
_ = fnu.results.verdicts(why_not)

# %% [markdown]
# ## Exercises
#
# 1. **Where does the chain lose?** Split the chain's errors into those where the estimated
#    material was wrong and those where the GAN's sound was misjudged.
# 2. **Which materials get confused?** Print the judge's confusion matrix on the conditioned GAN's
#    sounds. Which pairs are confused, and what in the modal model do they share?
# 3. **Oracle segmentation.** Classify the *true* parts instead of the k-means segments: how much of
#    the chain's loss is the segmentation's?

# %%
if SHOW_SOLUTIONS:
    est_ok = flat(est_part) == flat(truth)
    ch = chain["per part"].astype(bool)
    print(f"1. chain correct {ch.mean():.0%}; with a right material estimate {ch[est_ok].mean():.0%}, with a wrong "
          f"one {ch[~est_ok].mean():.0%} (a wrong estimate is only rescued when the judge errs too)")
    with torch.no_grad():
        pred = judge(gen["conditioned"]).argmax(1).numpy()
    cm = np.zeros((len(MATS), len(MATS)), int)
    np.add.at(cm, (test_y, pred), 1)
    print("2. rows: requested material, columns: judged")
    fnu.display.table([{"requested": MATS[a], **{MATS[b]: int(cm[a, b]) for b in range(len(MATS))}}
                       for a in range(len(MATS))])
    oracle = m19.classify_parts(cnn, objs, [np.where(objs.depth[i], objs.parts[i], -1) for i in range(len(objs))])
    print(f"3. part material accuracy with the true parts {np.mean(flat(oracle) == flat(truth)):.0%}, with "
          f"k-means {part_ok.mean():.0%}")
else:
    print("Solutions hidden: set SHOW_SOLUTIONS = True in the parameters cell.")

# %% [markdown]
# ## Summary
#
# - Nagao, Kumon and Hattori make real objects audible in VR with a chain: segment the object's
#   picture into parts, estimate each part's material, generate each part's impact sound with a
#   material-conditioned GAN, play it when the part is struck.
# - Each link can be measured where the truth is known: the segmentation against the true parts,
#   the material CNN against the true materials, the GAN with an independent judge against real
#   sounds and against a random-label ablation, and the chain end to end.
# - The condition here is a label, not a picture: the GAN's job is to know what a material sounds
#   like, and the picture's job is to say which material a part is.
#
# **References**: K. Nagao, K. Kumon, K. Hattori, "Impact Sound Generation for Audiovisual
# Interaction with Real-World Movable Objects in Building-Scale Virtual Reality", Applied Sciences
# 11(16):7546, 2021 (doi 10.3390/app11167546). A. Owens et al., "Visually Indicated Sounds", CVPR
# 2016 (the Greatest Hits materials). L. Chen et al., "Deep Cross-Modal Audio-Visual Generation",
# 2017 (notebook 07's GAN-CLS networks).
#
# **Next**: [20 · SpecVQGAN](20_2021_specvqgan.ipynb) generates spectrograms as sequences of codebook
# tokens with a transformer.
