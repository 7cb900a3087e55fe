"""Build the committed notebooks from their reviewable sources.

Each notebook is written as a jupytext ``py:percent`` file in ``notebooks/py/`` (small diffs,
easy review) and built into ``notebooks/NN_name.ipynb`` here: converted, then executed in the
quick profile **by the batch runner** (:func:`foley_nb_utils.reproduce.run`, papermill, the same
path as ``make reproduce``), stripped of papermill's injected cell and metadata and of saved
widget state, and written atomically. Before that, the source's first code cell is made the Colab
cell (:data:`foley_nb_utils.papers.COLAB_CELL`: installs the package on Colab, a no-op elsewhere). What the run recorded (``fnu.record`` values and each
claim's verdict and evidence) is stored in the notebook's metadata under ``foley_records``;
``tests/test_series.py`` checks that a fresh run of the notebook records exactly that, and
``tests/test_notebooks_lint.py`` that each ``.ipynb`` matches its source.

Each notebook runs alone (``--only``) with the cache the user has; the same seed gives the same
records either way (the property ``tests/test_series.py`` tests).

Usage: ``python tools/build_notebooks.py [--only 00,01] [--no-execute] [--cache-dir DIR | --fresh-cache]``
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import jupytext
import nbformat

from foley_nb_utils import papers, reproduce
from foley_nb_utils.atomic import write_text

ROOT = Path(__file__).resolve().parent.parent
NB_DIR = ROOT / "notebooks"
SRC_DIR = NB_DIR / "py"
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
RECORDS_KEY = "foley_records"


COLAB_MARKER = '# %% tags=["colab"]'


def ensure_colab_cell(src: Path) -> bool:
    """Make the source's first code cell :data:`foley_nb_utils.papers.COLAB_CELL` (tagged ``colab``):
    inserted before the first code cell when missing, rewritten when it is out of date.
    Returns whether the file changed."""
    text = src.read_text()
    lines = text.splitlines(keepends=True)
    starts = [i for i, ln in enumerate(lines) if ln.startswith("# %%")]
    first_code = next((i for i in starts if not lines[i].startswith("# %% [markdown]")), None)
    if first_code is None:
        raise SystemExit(f"{src}: no code cell")
    cell = f"{COLAB_MARKER}\n{papers.COLAB_CELL}\n\n"
    if lines[first_code].rstrip("\n") == COLAB_MARKER:
        end = next((i for i in starts if i > first_code), len(lines))
        new = "".join(lines[:first_code]) + cell + "".join(lines[end:])
    else:
        new = "".join(lines[:first_code]) + cell + "".join(lines[first_code:])
    if new != text:
        write_text(src, new)
    return new != text


def to_notebook(src: Path) -> nbformat.NotebookNode:
    """Read a py:percent source into a notebook with the series' metadata."""
    nb = jupytext.read(src)
    nb.metadata = {"kernelspec": KERNELSPEC,
                   "language_info": {"name": "python"},
                   "jupytext": {"formats": "ipynb,py:percent"}}
    for i, cell in enumerate(nb.cells):
        cell.metadata.pop("lines_to_next_cell", None)
        cell.id = f"cell-{i:03d}"  # stable ids: a rebuild changes only what changed
    return nb


def _strip_papermill(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb.cells = [c for c in nb.cells if "injected-parameters" not in c.metadata.get("tags", [])]
    for cell in nb.cells:
        for key in ("papermill", "execution"):
            cell.metadata.pop(key, None)
        if cell.metadata.get("tags") == []:
            del cell.metadata["tags"]
    for key in ("papermill", "widgets"):
        nb.metadata.pop(key, None)
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def build(src: Path, execute: bool = True, timeout: int = 1800) -> dict:
    """Convert ``src`` and (by default) execute it through the batch runner; returns its run."""
    out = NB_DIR / f"{src.stem}.ipynb"
    ensure_colab_cell(src)
    write_text(out, nbformat.writes(to_notebook(src)) + "\n")
    if not execute:
        return {"wall_s": 0.0, "peak_mb": None}
    # runs/build/<time>-quick/: kept like every run (and git-ignored), so a failed build can be read
    summary = reproduce.run(profile="quick", only=[src.stem], out=ROOT / "runs" / "build", notebooks_dir=NB_DIR,
                            timeout=timeout, progress=False)
    (run,) = summary["notebooks"][0]["runs"]
    if run["status"] != "ok":
        err = run["error"] or {}
        raise SystemExit(f"{src.stem} failed: {err.get('exception')} (cell {err.get('cell_index')}); see "
                         f"{summary['run_dir']}/{run['executed']}; the committed notebook is left unexecuted")
    nb = _strip_papermill(nbformat.read(Path(summary["run_dir"]) / run["executed"], as_version=4))
    nb.metadata[RECORDS_KEY] = reproduce.records_of(run["results"])
    write_text(out, nbformat.writes(nb) + "\n")
    return run


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default="", help="comma list of notebook number prefixes, e.g. 00,05")
    ap.add_argument("--no-execute", action="store_true", help="convert without executing")
    ap.add_argument("--cache-dir", help="model/feature cache for the runs (default: the user's; "
                    "an empty folder trains everything from scratch, as CI does)")
    ap.add_argument("--fresh-cache", action="store_true",
                    help="run each notebook alone from its own empty cache (as the committed notebooks are built)")
    args = ap.parse_args(argv)
    if args.cache_dir and args.fresh_cache:
        ap.error("--cache-dir and --fresh-cache exclude each other")
    if args.cache_dir:
        os.environ["FOLEY_CACHE_DIR"] = str(Path(args.cache_dir).resolve())
    sources = sorted(SRC_DIR.glob("*.py"))
    if args.only:
        wanted = [w.strip() for w in args.only.split(",") if w.strip()]
        sources = [s for s in sources if any(s.stem.startswith(w) for w in wanted)]
        if not sources:
            ap.error(f"--only {args.only}: no source in {SRC_DIR} matches")
    for src in sources:
        t0 = time.perf_counter()
        if args.fresh_cache:
            with tempfile.TemporaryDirectory(prefix="foley-cache-") as cache:
                os.environ["FOLEY_CACHE_DIR"] = cache
                run = build(src, execute=not args.no_execute)
        else:
            run = build(src, execute=not args.no_execute)
        size = (NB_DIR / f"{src.stem}.ipynb").stat().st_size
        peak = "" if run["peak_mb"] is None else f", peak {run['peak_mb']:.0f} MB"
        print(f"{src.stem}: {run['wall_s']:.1f} s in the runner ({time.perf_counter() - t0:.1f} s in all){peak}, "
              f"{size / 1e3:.0f} kB", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
