# %% [markdown]
# # 03 · The datasets of section 3 and their synthetic twins
#
# A Foley model is only as good as the paired video and sound it learns from. The survey's section 3
# lists the datasets its 19 papers use — Greatest Hits (a drumstick hitting and scratching things),
# Sub-URMP (orchestra players, 0.5 s note chunks), VEGAS / VAS / AVFD (web videos in class folders),
# Extreme Countix-AV (repetitive actions), piano and dance videos — and summarises them in its
# Tables 2–6. None of them can be downloaded at run time, so this series runs on **synthetic twins**:
# procedurally generated clips written in *the same on-disk layout* as the real data, so that one
# loader reads both. This notebook generates each twin, draws its layout, recomputes the survey's
# statistics tables *from the files on disk* — for the twin by default, for your own copy of a real
# dataset when you set `DATA_DIR` — and checks the survey's tables against themselves and against
# the real datasets, where they disagree more than once.

# %% [markdown]
# ## Learning objectives
#
# - name the datasets of the survey's Tables 2–6: what each holds, where it comes from, how it is laid out on disk;
# - generate the synthetic twin of each and read it with the same loader as the real data;
# - compute the survey's statistics (classes, counts and percentages, durations, resolution, fps)
#   from any dataset root, reading container headers rather than decoding every frame;
# - find where the survey's tables are wrong, by computing rather than by trusting;
# - look at and listen to clips with a gallery and an explorer widget.
#
# **Prerequisites**: [00 · Welcome](00_welcome.ipynb) and [01 · Sound and vision](01_sound_and_vision.ipynb)
# (frames, sample rates, spectrograms).

# %% tags=["colab"]
# On Google Colab: install the series' package first (this cell does nothing anywhere else)
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                    "foley_nb_utils @ git+https://github.com/foley-notebooks/foley-notebooks"], check=True)

# %%
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

import foley_nb_utils as fnu
from foley_nb_utils import synth
from foley_nb_utils.datasets import stats

# %% tags=["parameters"]
PROFILE = "quick"
SEED = 0
DEVICE = "auto"
DATA_DIR = None
OUT_DIR = None
SHOW_SOLUTIONS = False
DATASET = None
GALLERY_CLIPS = 2
FRAMES_PER_CLIP = 3

# %%
ctx = fnu.repro.setup("03_datasets", profile=PROFILE, seed=SEED, device=DEVICE,
                      out_dir=OUT_DIR, data_dir=DATA_DIR)

# %% [markdown]
# `DATA_DIR` points at a real dataset's root (its layout is detected; set `DATASET` to one of
# `stats.LAYOUTS` to force it). Left at `None`, every synthetic twin is generated — few clips in
# `quick`, more in `full` (the keyboard and dance scenes are slow to synthesise, so they stay small).

# %%
cfg = fnu.repro.pick(PROFILE,
                     quick=dict(n={"hits": 8, "instruments": 26, "scenes": 8, "keyboard": 2, "dance": 2}),
                     full=dict(n={"hits": 240, "instruments": 1300, "scenes": 240, "keyboard": 60, "dance": 120}))
TWIN_OF = {"hits": "greatest_hits", "instruments": "sub_urmp", "scenes": "class_folders",
           "keyboard": "piano", "dance": "aist"}

# %% [markdown]
# ## The datasets of the survey
#
# The survey's Table 2 lists eleven datasets and Table 3 says where to get them; four (Greatest Hits,
# Sub-URMP, AVFD, Extreme Countix-AV) have download links, the others are YouTube ID lists or not
# public. What each one is, and which of this package's loaders reads it:
#
# | dataset | what it holds | where it comes from | loader (`fnu.datasets.…`) | synthetic twin |
# |---|---|---|---|---|
# | Greatest Hits (GHD) | 977 videos of a drumstick hitting and scratching surfaces, every action annotated (time, material, action, reaction) | recorded by Owens et al. for *Visually Indicated Sounds* (2016); andrewowens.com/vis | `greatest_hits` | `hits` |
# | Sub-URMP | 0.5 s audio chunks of 13 instruments, each with one video frame | cut from URMP (Rochester) by Chen et al. (2017) | `sub_urmp` | `instruments` |
# | VEGAS, VAS | ~28k web videos of 10 sound classes; VAS an 8-class subset | AudioSet-derived YouTube clips (Zhou et al. 2018; Chen et al. 2020) | `class_folders` | `scenes` |
# | AVFD | clips of 12 Foley actions (hammer, saw, footsteps…) | FastFoley (ICASSP 2022), GitHub | `class_folders` | `scenes` |
# | Extreme Countix-AV | videos of repetitive actions with sound | Countix-AV + VGGSound (Zhang et al. 2021) | `countix_av` | — |
# | Piano-YT and piano videos | top-down piano performances, with MIDI | YouTube ([10], [13]) | `piano` | `keyboard` |
# | AIST++ (for [19]) | dance videos with music and 3-D keypoints | Google AIST++ | `aist` | `dance` |
#
# The package's docstring table (`help(fnu.synth)`) gives the same mapping in code. The detection
# rule that decides which loader reads a folder:

# %%
fnu.display.show_source(stats.detect_layout)

# %% [markdown]
# ## Generating the twins
#
# `synth.ensure(scene, seed, profile, n)` writes a scene's layout once (atomically, keyed by its
# settings) and reuses it afterwards; the same seed gives byte-identical files.

# %%
roots, gen_s = {}, {}
if DATA_DIR is not None:
    layout = DATASET or stats.detect_layout(DATA_DIR)
    roots[f"{layout} (DATA_DIR)"] = (Path(DATA_DIR), layout)
else:
    for scene, n in cfg.n.items():
        t0 = time.perf_counter()
        roots[scene] = (synth.ensure(scene, seed=SEED, profile=PROFILE, n=n), TWIN_OF[scene])
        gen_s[scene] = time.perf_counter() - t0
    fnu.record("time to generate (or reuse) the twins", sum(gen_s.values()), unit="s", timing=True)
fnu.display.table([{"dataset": k, "layout": lay, "detected": stats.detect_layout(r), "root": r.name}
                   for k, (r, lay) in roots.items()], title="dataset roots")

# %% [markdown]
# Each twin is found by the same rule as a real download: the detected layout matches the one the
# twin was written in.

# %%
fnu.record("twins whose layout is detected correctly",
           sum(stats.detect_layout(r) == lay for r, lay in roots.values()))

# %% [markdown]
# ## Layouts as directory trees (the survey's Table 4)
#
# `stats.tree` draws a root with files that differ only in their numbers collapsed into one line
# (`#` stands for digits). Compare with the survey's Table 4, which writes Greatest Hits as
# `-Vis-data --*.mp4 --*.wav --*.txt` and says it is *not* split into training and test sets.

# %%
for name, (root, layout) in roots.items():
    print(f"── {name} ({layout})")
    print(stats.tree(root, max_depth=3, max_dirs=3))
    print()

# %% [markdown]
# The real Greatest Hits download is split: `train.txt` / `test.txt` list recording IDs (733 in the
# training list used by a public reimplementation; research notes §0.1), and each recording has a
# `<id>_times.txt` annotation file beside its `<id>_denoised.mp4` / `.wav`. The twin mirrors the
# download, so Table 4's "not split" is checked on the root at hand (and the survey's example line
# `2677438 ceramic hit static` is really `2.677438 …`: times are in seconds).

# %%
ghd_split = [r for r, lay in roots.values() if lay == "greatest_hits"]
if ghd_split:
    has_split = (ghd_split[0] / "train.txt").is_file() or (ghd_split[0].parent / "train.txt").is_file()
    fnu.claim("Greatest Hits is not split into train/test (survey Table 4)", paper="not split",
              ours="train.txt / test.txt present" if has_split else "no split list",
              holds=not has_split, note="the real download ships split lists (research notes §0.1)")

# %% [markdown]
# ## Statistics from the files on disk (the survey's Tables 5 and 6)
#
# Everything below is computed by `stats.dataset_stats(root)` from the layout: class counts through
# each loader's discovery code (for Greatest Hits, one count per annotated action in `_times.txt`),
# and duration, resolution and frame rate from each video's container header with PyAV — reading a
# header costs microseconds, decoding a 35-second 1080p video costs seconds. For a class with
# $n_c$ items out of $N$,
#
# $$\text{percent}_c = 100\,\frac{n_c}{N}, \qquad \bar d = \frac{1}{V}\sum_{v=1}^{V} d_v ,$$
#
# where $d_v$ is the duration of video $v$ (seconds).

# %%
fnu.display.show_source(stats.media_info)

# %%
t0 = time.perf_counter()
st = {name: stats.dataset_stats(root, layout) for name, (root, layout) in roots.items()}
fnu.record("time to compute every table", time.perf_counter() - t0, unit="s", timing=True)
fnu.display.table([stats.summary_row(s, name) for name, s in st.items()],
                  title="Table 6, recomputed: quantity, durations, resolution, frame rate")

# %% [markdown]
# Per-class counts and percentages (Table 5), one table per label of each dataset:

# %%
for name, s in st.items():
    for label, rows in s.classes.items():
        if rows:
            display(fnu.display.table(rows, floatfmt=".1f", title=f"{name}: {label}"))
    if s.per_item:
        display(fnu.display.table(s.per_item, floatfmt=".1f", title=f"{name}: annotations per recording"))

# %% [markdown]
# And as a picture: the class balance of each dataset with class labels.

# %%
labelled = [(name, lab, rows) for name, s in st.items() for lab, rows in s.classes.items()
            if lab in ("material", "instrument", "class", "genre") and rows]
if labelled:
    fig, axes = plt.subplots(1, len(labelled), figsize=(2.3 * len(labelled), 2.4))
    for ax, (name, lab, rows) in zip(np.atleast_1d(axes), labelled):
        ax.barh([r["class"] for r in rows][::-1], [r["percent"] for r in rows][::-1], color="C0")
        ax.set_title(f"{name}: {lab}", fontsize=9)
        ax.set_xlabel("% of items")
        ax.tick_params(labelsize=7)
    plt.tight_layout()
    plt.show()

# %% [markdown]
# ## Where the survey's tables disagree with the data
#
# The survey's tables are checked two ways: against themselves (their counts, percentages and
# totals must add up) and against the real datasets, as documented by the research notes
# (`research/papers_2016_2018.md` §0.1 for Greatest Hits, counted from CondFoleyGen's
# `hit_record.json`; `research/verified_numbers_2016_2020.md` for Sub-URMP). The survey's numbers are
# typed below as *quotations*; every verdict is computed.
#
# **Greatest Hits materials.** Table 5 says "15 categories", then lists 17 names, among them *clay*
# and *plasterboard*. The real annotation vocabulary (17 materials) is the one the loader and the twin use:

# %%
from foley_nb_utils.datasets import greatest_hits

SURVEY_GHD_NAMES = ["ceramic", "glass", "clay", "water", "fabric", "wood", "paper", "leaves", "rock", "carpet",
                    "plastic bag", "gravel", "plastic", "plasterboard", "tile", "grass", "metal"]
SYNONYMS = {"fabric": "cloth", "leaves": "leaf", "plastic bag": "plastic-bag", "plasterboard": "drywall"}
survey_vocab = {SYNONYMS.get(m, m) for m in SURVEY_GHD_NAMES}
real_vocab = set(greatest_hits.MATERIALS)
fnu.claim("Greatest Hits has 15 material categories (survey Table 5)", paper="15 categories", ours=len(real_vocab),
          holds=len(real_vocab) == 15, note="the survey's own list has 17 names")
fnu.display.table({"survey's count": 15, "names in the survey's list": len(SURVEY_GHD_NAMES),
                   "real vocabulary": len(real_vocab),
                   "in the survey, not in the data": ", ".join(sorted(survey_vocab - real_vocab)),
                   "in the data, not in the survey": ", ".join(sorted(real_vocab - survey_vocab))},
                  title="Greatest Hits materials: survey vs data (after synonyms)")

# %% [markdown]
# The survey also splits materials into an "impact type" and a "scraping type" group. In the data
# every material can be hit *and* scratched (the action is a separate field of each annotation);
# on the twin we count the materials that occur with both actions. Its percentages do not add up
# either: the two groups' percentages, plus its 43.46 % unlabeled, are summed below, next to the
# real counts of the research notes (39,950 annotated times over 977 recordings).

# %%
SURVEY_GHD = {"ceramic": (437, 2.24), "glass": (382, 1.95), "clay": (3279, 16.67), "water": (986, 4.99),
              "cloth": (2085, 10.52), "wood": (4587, 23.25), "paper": (1802, 9.08), "leaf": (2515, 12.68),
              "rock": (2795, 14.09), "carpet": (377, 1.91), "plastic-bag": (440, 2.12), "gravel": (437, 2.12),
              "plastic": (2176, 10.55), "drywall": (698, 3.37), "tile": (349, 1.68), "grass": (981, 4.73),
              "metal": (4118, 19.78)}
SURVEY_UNLABELED_PCT = 43.46
REAL_GHD = {"wood": 4005, "metal": 3543, "dirt": 2994, "rock": 2420, "leaf": 2309, "plastic": 1853, "cloth": 1789,
            "paper": 1405, "grass": 921, "water": 677, "drywall": 453, "gravel": 433, "plastic-bag": 383,
            "ceramic": 351, "tile": 313, "carpet": 281, "glass": 261, None: 15559}  # research notes §0.1
pct_sum = sum(p for _, p in SURVEY_GHD.values()) + SURVEY_UNLABELED_PCT
fnu.claim("survey Table 5 percentages for Greatest Hits sum to 100 %", paper="100 %", ours=round(pct_sum, 2),
          holds=abs(pct_sum - 100) < 1)
real_rows = stats.count_table([m for m, k in REAL_GHD.items() for _ in range(k)], order=greatest_hits.MATERIALS)
real_pct = {r["class"]: r["percent"] for r in real_rows}
ghd_table = fnu.display.table([{"material": m, "survey count": SURVEY_GHD.get(m, (None,))[0],
                    "survey %": SURVEY_GHD.get(m, (None, None))[1], "real count (notes)": REAL_GHD.get(m),
                    "real % (computed)": real_pct.get(m)} for m in [*greatest_hits.MATERIALS, "clay"]]
                  + [{"material": "unlabeled", "survey count": None, "survey %": SURVEY_UNLABELED_PCT,
                      "real count (notes)": REAL_GHD[None], "real % (computed)": real_pct["unlabeled"]}],
                  floatfmt=".2f", title="Greatest Hits material counts: survey Table 5 vs the real annotations")
display(ghd_table)
for name, (root, layout) in roots.items():
    if layout == "greatest_hits":
        ds = greatest_hits.GreatestHits(root, split="all", cache=False)
        pairs = {(a.material, a.action) for rid in ds.ids for a in ds.annotations(rid)}
        both = sorted(m for m in real_vocab if (m, "hit") in pairs and (m, "scratch") in pairs)
        fnu.record(f"{name}: materials seen both hit and scratched", len(both))

# %% [markdown]
# **Sub-URMP.** Table 5 says "8 categories" and lists 13 instruments (the paper has 13). Its pair
# counts are the *training* counts of the camera-ready paper's Table 2 (cello 9800, …; verified
# notes), but its per-instrument *durations* are copied from the AVFD row — and a pair is a 0.5 s
# chunk, so the durations can be recomputed from the counts. And Table 6's 17,555 pairs is neither
# the sum of these counts nor the arXiv-v1 paper's total (14,333 train + 3,502 test): the survey mixes
# numbers from two versions of the paper and from another dataset's row.

# %%
def secs(h=0, m=0, s=0):
    return 3600 * h + 60 * m + s


SURVEY_URMP = {"bassoon": (1735, secs(0, 9, 50)), "cello": (9800, secs(0, 13, 53)), "clarinet": (8125, secs(0, 16, 44)),
               "double_bass": (1270, secs(0, 14, 49)), "flute": (5690, secs(0, 7, 49)), "horn": (5540, secs(1, 47, 53)),
               "oboe": (4505, secs(0, 23, 13)), "sax": (7615, secs(1, 16, 10)), "trombone": (8690, secs(1, 21, 34)),
               "trumpet": (1015, secs(0, 8, 12)), "tuba": (3285, secs(0, 12, 24)), "viola": (6530, secs(1, 38, 17)),
               "violin": (7430, secs(1, 8, 37))}
SURVEY_AVFD = {"boxing": (62, secs(0, 9, 50)), "cutting": (181, secs(0, 13, 53)), "clapping": (210, secs(0, 16, 44)),
               "footsteps": (200, secs(0, 14, 49)), "gunshots": (65, secs(0, 7, 49)), "hammer": (1269, secs(1, 47, 53)),
               "hammering": (299, secs(0, 23, 13)), "power tools": (922, secs(1, 16, 10)), "saw": (977, secs(1, 21, 34)),
               "ping pong": (73, secs(0, 8, 12)), "typing": (97, secs(0, 12, 24)), "waterfall": (1190, secs(1, 38, 17))}
CHUNK_S = 0.5
copied = sum(d in {a for _, a in SURVEY_AVFD.values()} for _, d in SURVEY_URMP.values())
fnu.claim("Sub-URMP durations in Table 5 are its own (not AVFD's)", paper="13 durations",
          ours=f"{copied} of 13 equal an AVFD duration", holds=copied == 0)
fnu.claim("Sub-URMP has 8 categories (survey Table 5)", paper="8 categories", ours=len(SURVEY_URMP), holds=len(SURVEY_URMP) == 8)
v1_total = 14333 + 3502  # arXiv-v1 Table 2, train + test (research notes)
cr_train = sum(k for k, _ in SURVEY_URMP.values())  # = camera-ready Table 2 train counts
fnu.claim("Sub-URMP quantity 17,555 pairs (survey Table 6) = sum of its Table 5 counts", paper="17,555 pairs",
          ours=cr_train, holds=cr_train == 17555, note=f"arXiv-v1 train+test would be {v1_total}")
fnu.record("Sub-URMP: survey durations equal to an AVFD duration", copied)
fnu.display.table([{"instrument": k, "pairs (survey)": n, "survey duration": stats.hms(d),
                    "pairs × 0.5 s": stats.hms(n * CHUNK_S)} for k, (n, d) in SURVEY_URMP.items()],
                  title="Sub-URMP: the survey's durations vs its own pair counts")

# %% [markdown]
# **Table 6 totals.** A total duration must equal the quantity times the average duration. Recomputed
# from the survey's own numbers (AVFD's clip count is also checked against the sum of its Table 5 rows):

# %%
TABLE6 = {"GHD (segments)": (2931, secs(29, 41, 26), secs(0, 0, 36)),
          "Sub-URMP": (17555, secs(19, 51, 17), secs(0, 6, 17)),
          "AVFD": (5565, secs(4, 23, 25), secs(0, 8, 16)),
          "Extreme Countix-AV": (233, secs(2, 0, 47), secs(0, 3, 7))}
rows = []
for k, (n, total, mean) in TABLE6.items():
    ratio = n * mean / total
    rows.append({"dataset": k, "quantity": n, "total": stats.hms(total), "mean": stats.hms(mean),
                 "quantity × mean": stats.hms(n * mean), "ratio": ratio})
    fnu.claim(f"Table 6 {k}: quantity × mean = total", paper=stats.hms(total), ours=stats.hms(n * mean),
              holds=abs(ratio - 1) < 0.1)
fnu.display.table(rows, floatfmt=".2f", title="survey Table 6, checked against itself")
avfd_clips = sum(k for k, _ in SURVEY_AVFD.values())
fnu.claim("AVFD: 5,565 videos (Table 6) = sum of Table 5 rows", paper="5,565 videos", ours=avfd_clips, holds=avfd_clips == 5565)

# %% [markdown]
# The results table at the end of the notebook lists every verdict. In short: only the Greatest Hits
# row of Table 6 is self-consistent (2,931 segments of about 36 s); the material vocabulary and its
# percentages, the Sub-URMP category count, durations and pair total, AVFD's clip count and the
# totals of the other Table 6 rows do not survive a recomputation.

# %% [markdown]
# ## Look and listen: a gallery per dataset
#
# Two clips of each root (one row per dataset, three frames per clip), read by the layout's loader
# (`stats.load_sample`: the same call for a real root), and the first clip's sound. A Sub-URMP pair
# is one frame and a 0.5 s chunk, so its row shows six pairs instead.

# %%
samples = {name: stats.load_sample(root, layout, n=GALLERY_CLIPS if layout != "sub_urmp" else 2 * FRAMES_PER_CLIP)
           for name, (root, layout) in roots.items()}
cols = GALLERY_CLIPS * FRAMES_PER_CLIP
fig, axes = plt.subplots(len(samples), cols, figsize=(0.6 * cols, 0.62 * len(samples)), squeeze=False)
for ax_row, (name, b) in zip(axes, samples.items()):
    if b.frames.ndim == 4:  # Sub-URMP: one image per pair, so show one image of each pair
        fnu.display.frames_strip(b.frames[:cols], n=cols, axes=ax_row)
        for ax, i in zip(ax_row, b.labels["instrument"][:cols]):
            ax.set_title(b.classes["instrument"][int(i)], fontsize=6)
    else:
        for k in range(min(GALLERY_CLIPS, len(b))):
            fnu.display.frames_strip(b.frames[k], n=FRAMES_PER_CLIP, fps=b.fps,
                                     axes=ax_row[k * FRAMES_PER_CLIP:(k + 1) * FRAMES_PER_CLIP])
    ax_row[0].text(-0.15, 0.5, name, transform=ax_row[0].transAxes, ha="right", va="center", fontsize=8)
for ax in axes.ravel():
    ax.axis("off")
    ax.title.set_fontsize(6)
fig.subplots_adjust(hspace=0.55, wspace=0.05)
plt.show()
fnu.display.row(*(fnu.display.play(b.audio[0], b.sr, label=name, max_s=2.0) for name, b in samples.items()))

# %% [markdown]
# ## The explorer
#
# Pick a clip: its frames, its annotations (for Greatest Hits, every annotated action with material,
# action, reaction; for the other layouts, its labels) and its sound. It runs in a live kernel; on
# GitHub the widget does not render, so a static example follows it.

# %%
explore_name = next(iter(samples))
stats.explorer(samples[explore_name])

# %%
stats.show_clip(samples[explore_name], 0, max_s=2.0)

# %% [markdown]
# The explorer's code:

# %%
fnu.display.show_source(stats.explorer)

# %%
fnu.results.show()

# %% [markdown]
# ## Exercises
#
# 1. Generate a Greatest Hits twin with 200 recordings (`synth.ensure("hits", seed=SEED, n=200)`) and
#    compare its material percentages with the real ones (`REAL_GHD`). Which materials does the twin
#    over- and under-represent?
# 2. Write a fake "real" dataset: copy the scenes twin, delete the audio of one video's mp4 (re-write it
#    silent with `fnu.video.write_video`), and run `stats.dataset_stats` on it. Which column reports it?
# 3. The survey's Table 5 gives each Sub-URMP instrument a duration. From the pair counts alone, what
#    should the Sub-URMP total be with a 0.5 s window and a 0.1 s stride (the camera-ready paper's
#    construction)? Is it closer to Table 6's 19h51min?
#
# Set `SHOW_SOLUTIONS = True` in the parameters cell and re-run to see solutions.

# %%
if SHOW_SOLUTIONS:
    big = stats.dataset_stats(synth.ensure("hits", seed=SEED, profile=PROFILE, n=200))
    twin_pct = {r["class"]: r["percent"] for r in big.classes["material"]}
    labelled_real = {k: v for k, v in REAL_GHD.items() if k is not None}
    real_share = {k: 100 * v / sum(labelled_real.values()) for k, v in labelled_real.items()}
    diffs = sorted(((twin_pct.get(m, 0.0) - real_share[m], m) for m in real_share))
    print("most under-represented:", diffs[:3], "\nmost over-represented:", diffs[-3:])
    import shutil
    import tempfile
    scenes_root = synth.ensure("scenes", seed=SEED, profile=PROFILE, n=cfg.n["scenes"])
    tmp = Path(tempfile.mkdtemp()) / "fake"
    shutil.copytree(scenes_root, tmp)
    victim = sorted(tmp.rglob("*.mp4"))[0]
    fr = stats.load_sample(scenes_root, "class_folders", n=1).frames[0]
    fnu.video.write_video(victim, fr, 10.0)
    print("no_audio column:", stats.dataset_stats(tmp).summary["no_audio"])
    n_pairs = sum(k for k, _ in SURVEY_URMP.values())
    # with a 0.1 s stride consecutive chunks overlap: n chunks span about 0.1 * n seconds of recording
    print("pairs:", n_pairs, "→ recording time ≈", stats.hms(0.1 * n_pairs), "vs Table 6: 19h51min17s")
else:
    print("Solutions hidden: set SHOW_SOLUTIONS = True in the parameters cell.")

# %% [markdown]
# ## Summary
#
# - Every dataset of the survey has a loader here and (except Countix-AV) a synthetic twin in the same
#   layout, so a notebook switches from synthetic to real data by setting `DATA_DIR`.
# - The survey's Tables 5–6 can be recomputed from any root: class counts from the layout, durations,
#   resolution and frame rate from container headers (the recorded time shows how cheap that is).
# - Recomputing shows where the survey's tables fail: Greatest Hits has 17 materials (with *dirt* and
#   *plastic-bag*, no *clay*), Sub-URMP 13 instruments with durations copied from AVFD, and several
#   Table 6 totals that do not equal quantity × mean.
#
# **Next**: [04 · Evaluation](04_evaluation.ipynb) — the metrics of section 3.3, validated.
