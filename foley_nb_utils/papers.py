"""The map of the series: the 19 surveyed papers and every notebook, in one table.

The welcome notebook draws its timeline from :data:`PAPERS`, the README's notebook table is
checked against :data:`NOTEBOOKS` by a test, and each method notebook looks up its own row for
its reproduction card, so the three never disagree.

``survey_family`` is what the survey's Table 1 says; ``family`` is what the paper actually
does (the research notes list where the survey is wrong, e.g. POCAN is not a GAN).

Notebook: 00_welcome
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Paper:
    """One surveyed paper. ``ref`` is its number in the survey's reference list."""

    ref: int
    short: str
    title: str
    authors: str
    year: int
    venue: str
    survey_family: str
    family: str
    task: str
    notebook: str
    survey_note: str = ""  # where the survey misdescribes the paper (empty: no known error)


PAPERS: tuple[Paper, ...] = (
    Paper(1, "Visually Indicated Sounds", "Visually Indicated Sounds", "Owens et al.", 2016, "CVPR",
          "CNN+RNN", "CNN+LSTM regression", "video → impact sound", "05_2016_visually_indicated_sounds"),
    Paper(2, "Ambient Sound Supervision", "Ambient Sound Provides Supervision for Visual Learning",
          "Owens et al.", 2016, "ECCV", "CNN+RNN", "self-supervised CNN",
          "sound → visual features (no generation)", "06_2016_ambient_sound_supervision",
          survey_note="generates no sound or spectrogram (Table 1: 'can only generate Mel-spectrograms'): it learns visual features from sound"),
    Paper(3, "Cross-Modal", "Deep Cross-Modal Audio-Visual Generation", "Chen et al.", 2017,
          "ACM MM Workshops", "GAN", "conditional GAN", "image ↔ log-mel", "07_2017_cross_modal_gan"),
    Paper(4, "CMCGAN", "CMCGAN: A Uniform Framework for Cross-Modal Visual-Audio Mutual Generation",
          "Hao et al.", 2018, "AAAI", "GAN", "cycle-consistent GAN", "image ↔ log-mel", "08_2018_cmcgan",
          survey_note="by Hao, Zhang and Guan (not the authors of [3]); its 'pre-trained autoencoder' requirement is not in the paper"),
    Paper(5, "Visual to Sound", "Visual to Sound: Generating Natural Sound for Videos in the Wild",
          "Zhou et al.", 2018, "CVPR", "Sample RNN+GAN", "autoregressive (SampleRNN)",
          "video → waveform", "09_2018_visual_to_sound",
          survey_note="trained on VEGAS (AudioSet-derived), not on Greatest Hits"),
    Paper(6, "POCAN", "Visually Indicated Sound Generation by Perceptually Optimized Classification",
          "Chen et al.", 2018, "ECCV Workshops (MULA)", "CNN+LSTM", "CNN+LSTM regression",
          "video → spectrogram", "10_2018_pocan",
          survey_note="a CNN+LSTM classifier/regressor with a perceptual loss; the survey's text groups it with the GANs"),
    Paper(7, "VIAI", "Vision-Infused Deep Audio Inpainting", "Zhou et al.", 2019, "ICCV",
          "CNN+RNN+GAN", "conditional GAN (inpainting)", "video + partial audio → audio",
          "11_2019_vision_infused_inpainting"),
    Paper(8, "Foley Music", "Foley Music: Learning to Generate Music from Videos", "Gan et al.", 2020,
          "ECCV", "RNN+GAN", "graph encoder + Transformer", "body keypoints → MIDI",
          "12_2020_foley_music",
          survey_note="Table 1 says RNN+GAN; the paper uses a graph encoder and a Transformer decoder of MIDI events"),
    Paper(9, "SA-CMGAN", "Spectrogram Analysis via Self-Attention for Realizing Cross-Model "
          "Visual-Audio Generation", "Tan et al.", 2020, "ICASSP", "CNN + GAN",
          "conditional GAN + self-attention", "image ↔ log-mel", "13_2020_sa_cmgan"),
    Paper(10, "Sight to Sound", "Sight to Sound: An End-to-End Approach for Visual Piano Transcription",
          "Koepke et al.", 2020, "ICASSP", "CNN+RNN", "CNN (no RNN)", "keyboard video → notes",
          "14_2020_sight_to_sound",
          survey_note="Table 1 says CNN+RNN; the paper's model has no RNN (a 3-D convolution aggregates five frames)"),
    Paper(11, "RegNet", "Generating Visually Aligned Sound from Videos", "Chen et al.", 2020,
          "IEEE TIP", "GAN", "GAN + audio regulariser", "video → spectrogram", "15_2020_regnet"),
    Paper(12, "AutoFoley", "AutoFoley: Artificial Synthesis of Synchronized Sound Tracks for Silent "
          "Videos with Deep Learning", "Ghose & Prevost", 2020, "IEEE TMM", "CNN+LTSM",
          "CNN+LSTM / TRN", "video → spectrogram", "16_2020_autofoley"),
    Paper(13, "Audeo", "Audeo: Audio Generation for a Silent Performance Video", "Su et al.", 2020,
          "NeurIPS", "not in Table 1", "CNN + GAN + vocoder", "keyboard video → piano audio",
          "17_2020_audeo"),
    Paper(14, "IoT sound synthesis", "Enabling an IoT System of Systems through Auto Sound Synthesis "
          "in Silent Video with DNN", "Ghose & Prevost", 2020, "IEEE SoSE", "FSLSTM + GAN",
          "CNN+LSTM", "video → spectrogram", "18_2020_iot_sound_synthesis"),
    Paper(15, "VR impact sounds", "Impact Sound Generation for Audiovisual Interaction with Real-World "
          "Movable Objects in Building-Scale Virtual Reality", "Nagao et al.", 2021,
          "Applied Sciences", "not in Table 1", "physics + GAN", "object & collision → impact sound",
          "19_2021_vr_impact_sounds"),
    Paper(16, "SpecVQGAN", "Taming Visually Guided Sound Generation", "Iashin & Rahtu", 2021, "BMVC",
          "not in Table 1", "VQGAN + Transformer", "video → spectrogram tokens", "20_2021_specvqgan"),
    Paper(17, "FoleyGAN", "FoleyGAN: Visually Guided Generative Adversarial Network-Based Synchronous "
          "Sound Generation in Silent Videos", "Ghose & Prevost", 2021, "IEEE TMM", "GAN",
          "class-conditional GAN", "video → spectrogram", "21_2021_foleygan"),
    Paper(18, "CondFoleyGen", "Conditional Generation of Audio from Video via Foley Analogies",
          "Du et al.", 2023, "CVPR", "GAN", "VQGAN + Transformer", "video + example sound → sound",
          "22_2023_condfoleygen",
          survey_note="Table 1 says GAN; the paper is a spectrogram VQGAN codebook + a Transformer prior"),
    Paper(19, "MM-Diffusion", "MM-Diffusion: Learning Multi-Modal Diffusion Models for Joint Audio and "
          "Video Generation", "Ruan et al.", 2023, "CVPR", "GAN U-net", "diffusion (coupled U-Net)",
          "noise → video + audio", "23_2023_mm_diffusion",
          survey_note="Table 1 says 'GAN U-net'; the paper is a pure diffusion model (DDPM) with a coupled audio/video U-Net"),
)


@dataclass(frozen=True)
class NotebookInfo:
    """One notebook of the series. ``kind``: primer, method, benchmark or beyond."""

    stem: str
    title: str
    kind: str
    paper: int | None = None


NOTEBOOKS: tuple[NotebookInfo, ...] = (
    NotebookInfo("00_welcome", "Welcome: what Foley is, the map of the series, how to run it", "primer"),
    NotebookInfo("01_sound_and_vision", "Sound and vision: waveforms, spectrograms, cochleagrams, frames, "
                 "synchrony", "primer"),
    NotebookInfo("02_building_blocks", "The building blocks of section 2.2, each on a Foley toy task", "primer"),
    NotebookInfo("03_datasets", "The datasets of section 3 and their synthetic twins", "primer"),
    NotebookInfo("04_evaluation", "The metrics of section 3.3, validated", "primer"),
    *(NotebookInfo(p.notebook, f"{p.short} ({p.authors}, {p.year})", "method", p.ref) for p in PAPERS),
    NotebookInfo("24_benchmark", "All methods on the same data and metrics", "benchmark"),
    NotebookInfo("25_beyond_the_survey", "Beyond the survey: conditional flow matching for video-to-audio",
                 "beyond"),
)


#: The repository's address (also ``[project.urls]`` in pyproject.toml; a test keeps the two equal).
REPOSITORY = "https://github.com/foley-notebooks/foley-notebooks"

#: The first code cell of every notebook: on Colab it installs the package (with its notebooks' needs)
#: from the repository; anywhere else it does nothing. tests/test_notebooks_lint.py checks every
#: notebook starts with exactly this, tests/test_papers.py that it is a no-op off Colab.
COLAB_CELL = f"""\
# On Google Colab: install the series' package first (this cell does nothing anywhere else)
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                    "foley_nb_utils @ git+{REPOSITORY}"], check=True)"""


def colab_url(stem: str) -> str:
    """The "Open in Colab" address of a notebook (``"05_2016_visually_indicated_sounds"``).

    Notebook: 00_welcome
    """
    owner_repo = REPOSITORY.removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{owner_repo}/blob/main/notebooks/{stem}.ipynb"


def paper(ref_or_notebook: int | str) -> Paper:
    """Look a paper up by its survey reference number or its notebook stem."""
    for p in PAPERS:
        if ref_or_notebook in (p.ref, p.notebook):
            return p
    raise KeyError(f"no surveyed paper {ref_or_notebook!r}; known: refs 1–{len(PAPERS)}")


def notebook(stem: str) -> NotebookInfo:
    """Look a notebook up by its stem (``"05_2016_visually_indicated_sounds"``)."""
    for nb in NOTEBOOKS:
        if nb.stem == stem:
            return nb
    raise KeyError(f"no notebook {stem!r} in the series map")


def family_group(family: str) -> str:
    """Coarse family of a paper's actual method, for the timeline's rows."""
    if "diffusion" in family:
        return "diffusion"
    if "autoregressive" in family or "Transformer" in family:
        return "autoregressive / tokens"
    if "self-supervised" in family:
        return "self-supervised"
    if "GAN" in family:
        return "GAN"
    return "regression (CNN+LSTM)"


def timeline(ax=None, highlight: int | None = None):
    """Draw the 19 papers by year (x) and model family (y); returns the matplotlib Axes.

    Args:
        ax: axes to draw on (a new figure when None).
        highlight: a survey reference number to draw in red (a method notebook's own paper).

    Notebook: 00_welcome
    """
    import matplotlib.pyplot as plt

    names = ["regression (CNN+LSTM)", "self-supervised", "GAN", "autoregressive / tokens", "diffusion"]
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 4.2))
    cells: dict[tuple[int, int], list[Paper]] = {}
    for p in PAPERS:
        cells.setdefault((p.year, names.index(family_group(p.family))), []).append(p)
    for (year, row), group in cells.items():
        # a lone paper with a neighbour one year later in its row is labelled above its dot:
        # a label to the right would run into the neighbour (Foley Music → SpecVQGAN)
        above = len(group) == 1 and (year + 1, row) in cells
        for k, p in enumerate(group):  # papers sharing a year and family stack vertically
            y = row + 0.24 * (k - (len(group) - 1) / 2)
            color = "tab:red" if p.ref == highlight else "tab:blue"
            ax.plot(year, y, "o", color=color, ms=6)
            ax.annotate(f"[{p.ref}] {p.short}", (year, y), xytext=(0, 6) if above else (5, -3),
                        textcoords="offset points", fontsize=7.5, color=color,
                        ha="center" if above else "left", va="bottom" if above else "baseline")
    ax.set_yticks(range(len(names)), names)
    ax.set_xticks(sorted({p.year for p in PAPERS}))
    ax.set_xlim(2015.7, 2024.4)
    ax.set_ylim(-0.6, len(names) - 0.4)
    ax.grid(axis="x", alpha=0.3)
    ax.set_title("The 19 surveyed papers by year and (actual) model family")
    return ax


__all__ = ["COLAB_CELL", "NOTEBOOKS", "PAPERS", "REPOSITORY", "NotebookInfo", "Paper", "colab_url", "family_group",
           "notebook", "paper", "timeline"]
