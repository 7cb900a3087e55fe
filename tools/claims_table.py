"""The README's claims and budgets tables, generated from a batch run's ``summary.json``.

``tests/test_series.py`` keeps the summary of its three-seed run in ``runs/test-series/<time>-quick/``;
any ``python -m foley_nb_utils.reproduce --seeds 0,1,2`` run works too. The tables go between the
README's markers ``<!-- claims-table -->`` … ``<!-- /claims-table -->`` and ``<!-- budgets-table -->``
… ``<!-- /budgets-table -->``, so they are never typed in.

Usage: ``python tools/claims_table.py runs/test-series/<run>/summary.json [--write-readme]``
(without ``--write-readme`` the tables are printed).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
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


def replace_block(text: str, name: str, body: str) -> str:
    """Put ``body`` between ``<!-- name -->`` and ``<!-- /name -->`` (both must be there)."""
    pattern = re.compile(rf"(<!-- {name} -->\n).*?(\n<!-- /{name} -->)", re.S)
    if not pattern.search(text):
        raise SystemExit(f"README.md has no <!-- {name} --> ... <!-- /{name} --> block")
    return pattern.sub(lambda m: m.group(1) + body + m.group(2), text)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("summary", type=Path, help="summary.json of a batch run")
    ap.add_argument("--write-readme", action="store_true", help="write the tables into README.md")
    args = ap.parse_args(argv)
    summary = json.loads(args.summary.read_text(encoding="utf-8"))
    claims, budgets = claims_table(summary), budgets_table(summary)
    if not args.write_readme:
        print(claims, budgets, sep="\n\n")
        return 0
    text = README.read_text(encoding="utf-8")
    text = replace_block(replace_block(text, "claims-table", claims), "budgets-table", budgets)
    write_text(README, text)
    print(f"README.md: claims and budgets tables from {args.summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
