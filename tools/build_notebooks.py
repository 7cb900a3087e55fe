"""Build the committed notebooks from their reviewable sources.

Each notebook is written as a jupytext ``py:percent`` file in ``notebooks/py/`` (small diffs,
easy review) and built into ``notebooks/NN_name.ipynb`` here: converted, executed in the
quick profile with the working directory ``notebooks/``, stripped of saved widget state, and
written atomically. ``tests/test_notebooks_lint.py`` checks that each ``.ipynb`` matches its
source, so the two cannot drift.

Usage: ``python tools/build_notebooks.py [--only 00,01] [--no-execute]``
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

from foley_nb_utils.atomic import write_text

ROOT = Path(__file__).resolve().parent.parent
NB_DIR = ROOT / "notebooks"
SRC_DIR = NB_DIR / "py"
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def to_notebook(src: Path) -> nbformat.NotebookNode:
    """Read a py:percent source into a notebook with the series' metadata."""
    nb = jupytext.read(src)
    nb.metadata = {"kernelspec": KERNELSPEC,
                   "language_info": {"name": "python"},
                   "jupytext": {"formats": "ipynb,py:percent"}}
    for cell in nb.cells:
        cell.metadata.pop("lines_to_next_cell", None)
    return nb


def build(src: Path, execute: bool = True, timeout: int = 1800) -> float:
    nb = to_notebook(src)
    t0 = time.time()
    if execute:
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(NB_DIR)}}).execute()
    nb.metadata.pop("widgets", None)
    out = NB_DIR / f"{src.stem}.ipynb"
    write_text(out, nbformat.writes(nb) + "\n")
    return time.time() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default="", help="comma list of notebook number prefixes, e.g. 00,05")
    ap.add_argument("--no-execute", action="store_true", help="convert without executing")
    args = ap.parse_args(argv)
    sources = sorted(SRC_DIR.glob("*.py"))
    if args.only:
        wanted = [w.strip() for w in args.only.split(",") if w.strip()]
        sources = [s for s in sources if any(s.stem.startswith(w) for w in wanted)]
        if not sources:
            ap.error(f"--only {args.only}: no source in {SRC_DIR} matches")
    for src in sources:
        secs = build(src, execute=not args.no_execute)
        size = (NB_DIR / f"{src.stem}.ipynb").stat().st_size
        print(f"{src.stem}: {secs:.1f} s, {size / 1e3:.0f} kB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
