from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import sys
from pathlib import Path

import pytest

from foley_nb_utils import papers


def test_nineteen_papers_in_survey_order_and_years():
    refs = [p.ref for p in papers.PAPERS]
    assert refs == list(range(1, 20))
    years = [p.year for p in papers.PAPERS]
    assert years == sorted(years), "papers are listed in order of year"


def test_notebooks_numbered_and_unique():
    stems = [n.stem for n in papers.NOTEBOOKS]
    assert len(stems) == len(set(stems))
    assert [int(s[:2]) for s in stems] == list(range(len(stems)))
    # every method notebook's year is the paper's year
    for n in papers.NOTEBOOKS:
        if n.kind == "method":
            assert n.stem.split("_")[1] == str(papers.paper(n.paper).year)


def test_lookups_and_budgets():
    assert papers.paper(6).short == "POCAN"
    assert papers.paper("10_2018_pocan").ref == 6
    with pytest.raises(KeyError):
        papers.paper(42)
    assert papers.notebook("00_welcome").kind == "primer"
    assert papers.notebook("24_benchmark").kind == "benchmark"


def test_family_groups_follow_the_papers_not_the_survey():
    assert papers.family_group(papers.paper(6).family) != "GAN"  # POCAN is not a GAN
    assert papers.family_group(papers.paper(19).family) == "diffusion"
    assert papers.family_group(papers.paper(16).family) == "autoregressive / tokens"


def test_timeline_draws_every_paper():
    ax = papers.timeline(highlight=1)
    labels = [t.get_text() for t in ax.texts]
    assert len(labels) == 19 and any(l.startswith("[1] ") for l in labels)
    assert sum(1 for t in ax.texts if t.get_color() == "tab:red") == 1


def test_timeline_labels_do_not_overlap():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from foley_nb_utils import papers

    ax = papers.timeline()
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(renderer), ax.transData.transform(t.xy)[0]) for t in ax.texts]
    assert len(boxes) == len(papers.PAPERS)
    clashes = [(a, b) for i, (a, ba, _) in enumerate(boxes) for b, bb, _ in boxes[i + 1:] if ba.overlaps(bb)]
    # a dot's radius plus 3 points of air, in pixels: a label that touches a dot reads as its label
    r = (ax.lines[0].get_markersize() / 2 + 3) * fig.dpi / 72
    dots = [ax.transData.transform(line.get_xydata()[0]) for line in ax.lines]
    on_dot = [a for a, box, own_x in boxes for x, y in dots  # dots of other years (a year's stack is fine)
              if abs(x - own_x) > 1 and box.x0 - r < x < box.x1 + r and box.y0 - r < y < box.y1 + r]
    plt.close(fig)
    assert not clashes, f"labels overlap: {clashes}"
    assert not on_dot, f"labels cover a paper's dot: {on_dot}"


# ---------------------------------------------------------------- Colab: the first code cell of every notebook
def _run_colab_cell(monkeypatch, on_colab: bool) -> list:
    import subprocess
    import types

    calls = []
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: calls.append((a, k)))
    if on_colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    exec(compile(papers.COLAB_CELL, "<colab cell>", "exec"), {})
    return calls


def test_colab_cell_does_nothing_off_colab(monkeypatch):
    assert _run_colab_cell(monkeypatch, on_colab=False) == []


def test_colab_cell_installs_the_package_from_the_repository_on_colab(monkeypatch):
    (call,) = _run_colab_cell(monkeypatch, on_colab=True)
    args, kwargs = call
    cmd = args[0]
    assert cmd[:4] == [sys.executable, "-m", "pip", "install"] and kwargs.get("check") is True
    assert cmd[-1] == f"foley_nb_utils @ git+{papers.REPOSITORY}"


def test_repository_address_is_written_once():
    import tomllib

    meta = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())
    assert meta["project"]["urls"]["Repository"] == papers.REPOSITORY
    assert papers.colab_url("05_2016_visually_indicated_sounds") == (
        "https://colab.research.google.com/github/foley-notebooks/foley-notebooks/blob/main/notebooks/"
        "05_2016_visually_indicated_sounds.ipynb")
