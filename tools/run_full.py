"""`make full`: the whole series in the full profile on one GPU, with a report of times and memory.

    python tools/run_full.py                     # every notebook, seed: each notebook's own SEED
    python tools/run_full.py --only 05,20 --seeds 0,1,2
    python tools/run_full.py --write-readme      # also put the measured table in README.md
    python tools/run_full.py --from-summary runs/full/<run>/summary.json --write-readme

Steps: check that a CUDA device is there and works (a matrix product on it), print what it is;
run the notebooks through the batch runner (``foley_nb_utils.reproduce.run``, profile ``full``),
which times each notebook, measures the kernel's peak resident memory and, through ``nvidia-smi``,
the GPU's peak memory; write ``full_table.md`` beside the run's ``report.md``; with
``--write-readme``, replace the README's block between ``<!-- full-table -->`` and
``<!-- /full-table -->`` with the measured table. Nothing downloads anything.

Without a GPU it stops with exit status 2 before running anything (``--allow-cpu`` runs anyway,
for trying the script; the full profile on a 2-core CPU takes hours).
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from foley_nb_utils import reproduce  # noqa: E402

README_BLOCK = re.compile(r"(<!-- full-table -->\n)(.*?)(<!-- /full-table -->)", re.S)


def check_device(allow_cpu: bool = False) -> str:
    """Describe the CUDA device after a test computation on it; exit with status 2 without one."""
    import torch

    if not torch.cuda.is_available():
        msg = (f"make full needs a CUDA GPU: torch.cuda.is_available() is False (torch {torch.__version__}, "
               f"built for CUDA {torch.version.cuda or 'none'}). On a CPU, `make reproduce` runs the quick profile.")
        if not allow_cpu:
            raise SystemExit(f"{msg}\nTo try the full profile on the CPU anyway (hours): ARGS=--allow-cpu")
        print(f"warning: {msg} Running on the CPU (--allow-cpu).", file=sys.stderr)
        return "cpu"
    try:
        a = torch.randn(1024, 1024, device="cuda")
        float((a @ a).sum())
    except RuntimeError as e:  # a driver/toolkit mismatch shows up here, not in is_available()
        raise SystemExit(f"the CUDA device does not compute: {e}") from None
    p = torch.cuda.get_device_properties(0)
    return (f"{p.name}, {p.total_memory / 2**30:.0f} GiB, compute capability {p.major}.{p.minor}, "
            f"torch {torch.__version__} (CUDA {torch.version.cuda})")


def _gb(mb) -> str:
    return "–" if mb is None else f"{mb / 1024:.1f}"


def full_table(summary: dict, device: str) -> str:
    """The measured table (markdown) of a full-profile run's ``summary.json``."""
    if summary.get("profile") != "full":
        raise ValueError(f"{summary.get('run_dir')}: a {summary.get('profile')!r} run, not a full-profile one")
    date = str(summary.get("started", ""))[:10]
    lines = [f"Measured with `make full` on {date}, on {device}; budget {reproduce.time_budget_s('x', 'full') / 60:.0f} "
             "min per notebook.", "",
             "| notebook | status | wall (min) | peak memory (GB) | GPU peak memory (GB) | within budget |",
             "|---|---|---|---|---|---|"]
    total = 0.0
    for nb in summary["notebooks"]:
        for r in nb["runs"]:
            total += r["wall_s"]
            seed = "" if r.get("seed") is None else f" (seed {r['seed']})"
            lines.append(f"| {nb['notebook']}{seed} | {r['status']} | {r['wall_s'] / 60:.1f} | {_gb(r['peak_mb'])} | "
                         f"{_gb(r.get('gpu_peak_mb'))} | {'yes' if r.get('within_budget') else 'no'} |")
    lines.append(f"| **total** | | **{total / 60:.1f}** | | | |")
    return "\n".join(lines) + "\n"


def write_readme(table: str, readme: Path = ROOT / "README.md") -> None:
    """Replace the README's full-table block with ``table``."""
    text = readme.read_text(encoding="utf-8")
    if not README_BLOCK.search(text):
        raise SystemExit(f"{readme} has no <!-- full-table --> ... <!-- /full-table --> block")
    readme.write_text(README_BLOCK.sub(lambda m: m.group(1) + table + m.group(3), text, count=1), encoding="utf-8")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", help="notebook numbers or stems, comma-separated (default: all)")
    ap.add_argument("--seeds", help="comma-separated seeds (default: each notebook's own SEED)")
    ap.add_argument("--out", default=str(ROOT / "runs" / "full"), help="base folder of the run (default runs/full)")
    ap.add_argument("--allow-cpu", action="store_true", help="run even without a CUDA GPU (hours)")
    ap.add_argument("--write-readme", action="store_true", help="write the measured table into README.md")
    ap.add_argument("--from-summary", help="make the table from this summary.json instead of running")
    args = ap.parse_args(argv)

    if args.from_summary:
        summary = json.loads(Path(args.from_summary).read_text(encoding="utf-8"))
        gpus = summary.get("machine", {}).get("gpus") or ["no GPU"]
        table = full_table(summary, "; ".join(gpus))
    else:
        device = check_device(args.allow_cpu)
        print(f"device: {device}", file=sys.stderr)
        summary = reproduce.run(profile="full", only=args.only.split(",") if args.only else None,
                                seeds=[int(s) for s in args.seeds.split(",")] if args.seeds else None,
                                out=args.out, notebooks_dir=ROOT / "notebooks")
        table = full_table(summary, device)
        path = Path(summary["run_dir"]) / "full_table.md"
        path.write_text(table, encoding="utf-8")
        print(f"{summary['summary_line']}\nreport: {summary['report_md']}\ntable: {path}", file=sys.stderr)
    print(table)
    if args.write_readme:
        write_readme(table)
        print(f"README.md: full-profile table written ({_dt.date.today()})", file=sys.stderr)
    return int(summary.get("exit_code", 0))


if __name__ == "__main__":
    sys.exit(main())
