"""The README's claims and budgets tables, generated from a batch run's ``summary.json``.

``tests/test_series.py`` keeps the summary of its three-seed run in ``runs/test-series/<time>-quick/``;
any ``python -m foley_nb_utils.reproduce --seeds 0,1,2`` run works too. The tables go between the
README's markers ``<!-- claims-table -->`` … ``<!-- /claims-table -->`` and ``<!-- budgets-table -->``
… ``<!-- /budgets-table -->``, so they are never typed in.

With ``--junit runs/ci/junit.xml`` (written by ``make test``) it also fills ``<!-- ci-table -->``:
the measured time of each part of the test command and its projection to the full series of
26 notebooks (the parts that grow with the number of method notebooks scaled by it).

Usage: ``python tools/claims_table.py runs/test-series/<run>/summary.json [--junit runs/ci/junit.xml]
[--write-readme]`` (without ``--write-readme`` the tables are printed).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

from foley_nb_utils import reproduce
from foley_nb_utils.atomic import write_text

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _effects(c: dict) -> str:
    from foley_nb_utils.results import _evidence_text

    return "<br>".join("—" if e is None else _evidence_text(e) for e in c["evidence"])


def claims_table(summary: dict) -> str:
    """One row per paper claim: notebook, claim, the paper's number, per-seed effect [interval] and
    verdict, and the verdict over the seeds; a sentence of counts first."""
    seeds = summary["seeds"] or []
    rows = ["| notebook | claim | paper | effect [95 % interval] per seed | verdicts per seed | over the seeds |",
            "|---|---|---|---|---|---|"]
    claims = []
    for nb in summary["notebooks"]:
        for name, c in nb["claims"].items():
            if c["kind"] != "paper":
                continue
            claims.append(c)
            cells = [_cell(nb["notebook"][:2]), _cell(name), _cell(c["paper"]), _effects(c),
                     ", ".join(v or "—" for v in c["verdicts"]), _cell(reproduce.verdict_text(c))]
            rows.append("| " + " | ".join(cells) + " |")
    counts = reproduce.claim_counts(claims)["paper"]
    agree = sum(c["agree"] for c in claims)
    head = (f"{reproduce.summary_line(reproduce.claim_counts(claims), seeds)}. "
            f"{agree} of {counts['total']} claims get the same verdict on every seed"
            + (f"; the other {counts['total'] - agree} are decided from the seeds' effects together "
               f"(a t interval over the seeds)." if agree < counts["total"] else "."))
    return head + "\n\n" + "\n".join(rows)


def budgets_table(summary: dict) -> str:
    """One row per notebook: slowest run's wall time, peak memory, the committed notebook's size."""
    rows = ["| notebook | wall time, slowest seed (s) | budget (s) | peak memory (MB) | committed size (kB) |",
            "|---|---|---|---|---|"]
    total = 0.0
    for nb in summary["notebooks"]:
        runs = [r for r in nb["runs"] if r["status"] == "ok"]
        wall = max(r["wall_s"] for r in runs)
        peak = max((r["peak_mb"] or 0) for r in runs)
        total += sum(r["wall_s"] for r in runs) / len(runs)
        path = ROOT / "notebooks" / f"{nb['notebook']}.ipynb"
        size = f"{path.stat().st_size / 1e3:.0f}" if path.is_file() else "—"
        rows.append(f"| {nb['notebook']} | {wall:.1f} | {nb['time_budget_s']:g} | {peak:.0f} | {size} |")
    m = summary["machine"]
    return (f"Measured by the batch runner in series order from an empty cache ({summary['started'][:10]}, "
            f"{m['cores']} cores, {m['platform']}); one pass over these notebooks takes {total:.0f} s.\n\n"
            + "\n".join(rows))


SERIES_METHODS = 21  # notebooks 05-25: the 19 methods, the benchmark and the chapter beyond


def _part(classname: str, file: str) -> str:
    """Which part of the test command a test case belongs to (its growth with the series differs)."""
    where = file or classname.replace(".", "/")
    if where.startswith("notebooks/") or where.endswith(".ipynb"):
        return "nbval over the primers 00-04"
    if "test_series" in where:
        return "method notebooks, 3 seeds cold + 1 warm (test_series)"
    if "test_methods_m" in where:
        return "method modules' unit tests (test_methods_mNN)"
    return "everything else (package, runner, lint, fuzz, crash safety)"


GROWS = {"method notebooks, 3 seeds cold + 1 warm (test_series)", "method modules' unit tests (test_methods_mNN)"}


def ci_table(junit: ET.Element, n_methods: int) -> str:
    """Seconds per part of ``make test`` from pytest's JUnit XML, and the projection to
    ``SERIES_METHODS`` method notebooks: the parts in ``GROWS`` scale by
    ``SERIES_METHODS / n_methods``, the others stay (the primers and the package are complete)."""
    seconds: dict[str, float] = defaultdict(float)
    for case in junit.iter("testcase"):
        seconds[_part(case.get("classname", ""), case.get("file", ""))] += float(case.get("time", 0))
    scale = SERIES_METHODS / n_methods
    rows = [f"| part | measured, {n_methods} method notebooks (min) | projected, {SERIES_METHODS} (min) |",
            "|---|---|---|"]
    for part in sorted(seconds):
        grown = seconds[part] * (scale if part in GROWS else 1.0)
        rows.append(f"| {part} | {seconds[part] / 60:.1f} | {grown / 60:.1f} |")
    total = sum(seconds.values())
    projected = sum(v * (scale if k in GROWS else 1.0) for k, v in seconds.items())
    rows.append(f"| **total** (tests only; set-up of .venv not included) | **{total / 60:.1f}** | **{projected / 60:.1f}** |")
    return (f"`make test` as measured on {junit.find('.//testsuite').get('timestamp', '')[:10]} (2 cores), "
            f"and projected to the full series; CI's limit is 90 min, our target 60 min.\n\n" + "\n".join(rows))


def replace_block(text: str, name: str, body: str) -> str:
    """Put ``body`` between ``<!-- name -->`` and ``<!-- /name -->`` (both must be there)."""
    pattern = re.compile(rf"(<!-- {name} -->\n).*?(<!-- /{name} -->)", re.S)  # the block may be empty
    if not pattern.search(text):
        raise SystemExit(f"README.md has no <!-- {name} --> ... <!-- /{name} --> block")
    return pattern.sub(lambda m: m.group(1) + body.rstrip("\n") + "\n" + m.group(2), text)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("summary", type=Path, help="summary.json of a batch run")
    ap.add_argument("--junit", type=Path, help="pytest JUnit XML of `make test` (runs/ci/junit.xml): fill the CI table")
    ap.add_argument("--write-readme", action="store_true", help="write the tables into README.md")
    args = ap.parse_args(argv)
    summary = json.loads(args.summary.read_text(encoding="utf-8"))
    blocks = {"claims-table": claims_table(summary), "budgets-table": budgets_table(summary)}
    if args.junit:
        blocks["ci-table"] = ci_table(ET.parse(args.junit).getroot(), len(summary["notebooks"]))
    if not args.write_readme:
        print(*blocks.values(), sep="\n\n")
        return 0
    text = README.read_text(encoding="utf-8")
    for name, body in blocks.items():
        text = replace_block(text, name, body)
    write_text(README, text)
    print(f"README.md: {', '.join(blocks)} from {args.summary}" + (f" and {args.junit}" if args.junit else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
