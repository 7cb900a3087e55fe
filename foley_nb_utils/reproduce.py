"""Batch-run the notebooks with papermill and report what reproduced.

Command line (see ``--help``)::

    python -m foley_nb_utils.reproduce --profile quick --only 00,05 --seeds 0,1

Each selected notebook (and each seed) runs in its own child process, which runs
papermill, which starts the Jupyter kernel. The runner times the child (wall time,
kernel start included). Peak memory is the kernel's largest resident set: once
papermill has shut the kernel down and reaped it, the child reads
``getrusage(RUSAGE_CHILDREN).ru_maxrss``, which covers the kernel and anything
the kernel waited for. (Measuring the child itself with ``os.wait4`` from this
process would be wrong: Linux counts the pre-``exec`` copy of the parent in the
child's ``ru_maxrss``, so a large runner process would inflate every number.
The kernel's own number includes its launcher's small image, about 80 MB.)
The runner then reads each run's ``results.json`` (written by
:mod:`foley_nb_utils.results`) and writes ``report.md``, ``report.html`` and
``summary.json`` into a new folder ``<out>/<YYYY-MM-DDTHH-MM-SS>-<profile>/``.

This module keeps its top-level imports to the standard library: the child
process loads this file by path (not through the package), so the child stays
small and fast to start and the memory it reports is the kernel's.

Notebook: 00_welcome
"""

from __future__ import annotations

import argparse
import datetime as _dt
import html
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = [
    "GpuMemorySampler",
    "MEMORY_BUDGET_MB",
    "PROFILES",
    "build_parser",
    "claim_counts",
    "collect_claims",
    "find_notebooks",
    "main",
    "records_of",
    "run",
    "select_notebooks",
    "time_budget_s",
]

PROFILES = ("quick", "full")
MEMORY_BUDGET_MB = 3 * 1024  # 3 GB peak resident memory; MB here means 2**20 bytes
_QUICK_PRIMER_S, _QUICK_METHOD_S, _FULL_S = 30.0, 60.0, 15 * 60.0
_LAST_PRIMER = 4  # notebooks 00-04 are primers
# Parameters the runner sets itself; every notebook's parameters cell must define them.
_RUNNER_PARAMS = {"PROFILE": "--profile", "SEED": "--seeds", "DATA_DIR": "--data-dir", "OUT_DIR": "--out"}
_NOTEBOOK_RE = re.compile(r"^(\d{2})_[^.].*\.ipynb$")
_ERROR_MARKER_TAG = "papermill-error-cell-tag"
_INJECTED_TAG = "injected-parameters"
# the package's __init__ imports nothing heavy, so the child stays small and starts fast
_CHILD_BOOT = "import sys; from foley_nb_utils.reproduce import _child_main; sys.exit(_child_main(sys.argv[1]))"


def _results():
    """The results module (imported lazily: the CLI's --help should not need it)."""
    from . import results

    return results


# ------------------------------------------------------------------ selection


def find_notebooks(notebooks_dir: str | Path) -> list[Path]:
    """List the notebooks of the series: files named ``NN_name.ipynb``, sorted by name.

    Args:
        notebooks_dir: the notebooks folder.

    Returns:
        Paths of the notebooks, sorted.

    Raises:
        FileNotFoundError: the folder does not exist.
        ValueError: it holds no ``NN_name.ipynb`` file.

    Notebook: 00_welcome
    """
    folder = Path(notebooks_dir)
    if not folder.is_dir():
        raise FileNotFoundError(f"notebooks folder {str(folder)!r} does not exist")
    found = sorted(p for p in folder.iterdir() if p.is_file() and _NOTEBOOK_RE.match(p.name))
    if not found:
        raise ValueError(f"no notebooks named NN_name.ipynb in {str(folder)!r}")
    return found


def select_notebooks(notebooks: Sequence[Path], only: Sequence[str] | None) -> list[Path]:
    """Keep the notebooks named in ``only`` (number prefixes like ``"05"`` or stems).

    Args:
        notebooks: candidates, as returned by :func:`find_notebooks`.
        only: tokens; ``None`` or empty keeps all. ``"5"`` and ``"05"`` both
            select ``05_...``; a stem (with or without ``.ipynb``) selects itself.

    Returns:
        The selected notebooks, sorted by name, without duplicates.

    Raises:
        ValueError: a token matches no notebook (the message lists what exists).

    Notebook: 00_welcome
    """
    if not only:
        return sorted(notebooks)
    chosen: set[Path] = set()
    unknown = []
    for raw in only:
        token = raw.strip().removesuffix(".ipynb")
        hits = [
            nb
            for nb in notebooks
            if nb.stem == token or (token.isdigit() and int(token) == int(nb.name.split("_", 1)[0]))
        ]
        if not hits or not token:
            unknown.append(raw)
        chosen.update(hits)
    if unknown:
        names = ", ".join(nb.stem for nb in sorted(notebooks))
        raise ValueError(f"--only: no notebook matches {', '.join(map(repr, unknown))}; available: {names}")
    return sorted(chosen)


def time_budget_s(stem: str, profile: str) -> float:
    """Wall-time budget of one notebook run in seconds.

    Args:
        stem: notebook stem, e.g. ``"05_2016_visually_indicated_sounds"``.
        profile: ``"quick"`` (30 s for primers 00-04, 60 s otherwise) or
            ``"full"`` (15 min).

    Returns:
        The budget in seconds.

    Notebook: 00_welcome
    """
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}, got {profile!r}")
    if profile == "full":
        return _FULL_S
    m = re.match(r"^(\d+)_", stem)
    return _QUICK_PRIMER_S if m and int(m.group(1)) <= _LAST_PRIMER else _QUICK_METHOD_S


def _check_parameters(notebooks: Sequence[Path], params: Mapping[str, Any]) -> None:
    """Every notebook must define the runner's parameters and every ``--param`` name."""
    import papermill

    problems = []
    for nb in notebooks:
        declared = papermill.inspect_notebook(str(nb))
        if not declared:
            problems.append(f"{nb.name} has no cell tagged 'parameters'")
            continue
        missing = [p for p in _RUNNER_PARAMS if p not in declared]
        unknown = [p for p in params if p not in declared]
        if missing:
            problems.append(f"{nb.name}'s parameters cell lacks {', '.join(missing)}")
        if unknown:
            problems.append(
                f"--param {', '.join(unknown)} is not a parameter of {nb.name} "
                f"(its parameters: {', '.join(declared)})"
            )
    if problems:
        raise ValueError("; ".join(problems))


def _new_run_dir(base: Path, profile: str, now: _dt.datetime | None = None) -> Path:
    """Create ``<base>/<YYYY-MM-DDTHH-MM-SS>-<profile>[-k]``; never reuse a folder."""
    stamp = (now or _dt.datetime.now()).strftime("%Y-%m-%dT%H-%M-%S")
    base.mkdir(parents=True, exist_ok=True)
    k = 1
    while True:
        path = base / (f"{stamp}-{profile}" if k == 1 else f"{stamp}-{profile}-{k}")
        try:
            path.mkdir()  # atomic: two runners started together get different folders
            return path
        except FileExistsError:
            k += 1


# ----------------------------------------------------------------- child process


def _first_line(source: str) -> str:
    for line in source.splitlines():
        if line.strip():
            return line.strip()
    return ""


def _describe_failure(exc: BaseException, input_path: str, output_path: str) -> dict[str, Any]:
    """Which cell failed and how: index in the *source* notebook, first line, exception."""
    import nbformat

    ename = getattr(exc, "ename", None) or type(exc).__name__
    evalue = getattr(exc, "evalue", None)
    if evalue is None:
        evalue = _first_line(str(exc))
    failure: dict[str, Any] = {
        "cell_index": None,
        "cell_first_line": None,
        "execution_count": None,
        "exception": f"{ename}: {evalue}" if evalue else ename,
    }
    try:
        executed = nbformat.read(output_path, as_version=4)
        source = nbformat.read(input_path, as_version=4)
    except Exception:  # the kernel never started: no executed notebook
        return failure
    cells = [c for c in executed.cells if _ERROR_MARKER_TAG not in c.get("metadata", {}).get("tags", [])]
    index = getattr(exc, "cell_index", None)  # PapermillExecutionError, before the error markers
    if index is None:  # timeout, dead kernel: the last cell that started
        started = [i for i, c in enumerate(cells) if c.get("metadata", {}).get("papermill", {}).get("start_time")]
        index = started[-1] if started else None
    if index is None or index >= len(cells):
        return failure
    cell = cells[index]
    ids = [c.get("id") for c in source.cells]
    if cell.get("id") and cell.get("id") in ids:
        src_index = ids.index(cell.get("id"))
    else:  # notebooks without cell ids: skip the cell papermill injected
        src_index = index - sum(_INJECTED_TAG in c.get("metadata", {}).get("tags", []) for c in cells[:index])
    failure.update(
        cell_index=src_index,
        cell_first_line=_first_line(cell.get("source", "")),
        execution_count=cell.get("execution_count"),
    )
    return failure


def _child_main(spec_json: str) -> int:
    """Run one notebook with papermill; write ``{"status", "error", "peak_mb"}`` to spec["result"]."""
    spec = json.loads(spec_json)
    import papermill

    error = None
    try:
        papermill.execute_notebook(
            spec["input"],
            spec["output"],
            parameters=spec["parameters"],
            cwd=spec["cwd"],
            kernel_name=spec["kernel"],
            execution_timeout=spec["timeout"],
            progress_bar=False,
            log_output=False,
            # the notebook's files are written by then; a graceful kernel shutdown only adds seconds
            shutdown_kernel="immediate",
        )
    except Exception as exc:  # any failure of the notebook is reported, not raised
        error = _describe_failure(exc, spec["input"], spec["output"])
    payload = {"status": "failed" if error else "ok", "error": error, "peak_mb": _kernel_peak_mb()}
    _results().atomic_write_text(spec["result"], json.dumps(payload))
    return 0


def _kernel_peak_mb() -> float | None:
    """Largest resident set (MB) among this process's reaped children: the kernel."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    maxrss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    scale = 1.0 if sys.platform == "darwin" else 1024.0  # bytes on macOS, KiB on Linux
    return maxrss * scale / 2**20 if maxrss else None  # 0: no kernel ever ran


class GpuMemorySampler:
    """The largest GPU memory in use while a notebook runs, polled from ``nvidia-smi`` (MB, 2**20 bytes).

    The kernel is a grandchild of the runner, so its CUDA allocator cannot be asked directly;
    ``nvidia-smi --query-gpu=memory.used`` every ``interval_s`` sees the whole device (the
    CUDA context of about 300-500 MB included, and any other process on the GPU: run the full
    profile on a GPU of its own). Without ``nvidia-smi`` (a CPU machine) the peak stays None.

    Use as ``with GpuMemorySampler() as gpu: ...`` then ``gpu.peak_mb``.

    Notebook: 00_welcome
    """

    def __init__(self, interval_s: float = 0.5, command: str = "nvidia-smi"):
        self.interval_s, self.peak_mb = interval_s, None
        self._exe = shutil.which(command)
        self._stop = threading.Event()
        self._thread = None

    def poll(self) -> float | None:
        """Memory in use now, summed over the visible GPUs (MB), or None when it cannot be read."""
        try:
            out = subprocess.run([self._exe, "--query-gpu=memory.used", "--format=csv,noheader,nounits"],
                                 capture_output=True, text=True, timeout=10).stdout
            return sum(float(line) for line in out.split() if line.strip()) if out.strip() else None
        except (OSError, ValueError, subprocess.SubprocessError):
            return None

    def _loop(self):
        while not self._stop.is_set():
            used = self.poll()
            if used is not None:
                self.peak_mb = used if self.peak_mb is None else max(self.peak_mb, used)
            self._stop.wait(self.interval_s)

    def __enter__(self):
        if self._exe:
            self._thread = threading.Thread(target=self._loop, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc):
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
        return False


def _run_one(
    nb: Path,
    *,
    label: str,
    out_dir: Path,
    run_dir: Path,
    parameters: dict[str, Any],
    kernel: str,
    timeout: float,
) -> dict[str, Any]:
    """Run one notebook in a child process; measure it; read its results sidecar."""
    results = _results()
    out_dir.mkdir(parents=True, exist_ok=True)
    executed = run_dir / f"{label}.ipynb"
    log = run_dir / "logs" / f"{label}.log"
    log.parent.mkdir(exist_ok=True)
    result_file = run_dir / f".{label}.result.json"
    spec = {
        "input": str(nb.resolve()),
        "output": str(executed),
        "parameters": parameters,
        "cwd": str(nb.resolve().parent),
        "kernel": kernel,
        "timeout": timeout,
        "result": str(result_file),
    }
    cmd = [sys.executable, "-c", _CHILD_BOOT, json.dumps(spec)]
    start = time.perf_counter()
    with open(log, "wb") as log_file, GpuMemorySampler() as gpu:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT, cwd=run_dir)
        code = proc.wait()
    wall_s = time.perf_counter() - start

    try:
        outcome = json.loads(result_file.read_text(encoding="utf-8"))
        result_file.unlink()
    except (FileNotFoundError, json.JSONDecodeError):
        tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-1:] or [""]
        how = f"killed by signal {-code}" if code < 0 else f"exited with status {code}"
        outcome = {
            "status": "failed",
            "error": {
                "cell_index": None,
                "cell_first_line": None,
                "execution_count": None,
                "exception": f"runner child process {how} (see logs/{log.name}): {tail[0]}".rstrip(": "),
            },
            "peak_mb": None,
        }
    peak_mb = outcome.get("peak_mb")
    if log.stat().st_size == 0:
        log.unlink()

    sidecar, sidecar_error = None, None
    try:
        sidecar = results.load(out_dir)
    except FileNotFoundError:
        pass
    except ValueError as e:
        sidecar_error = str(e)
    return {
        "status": outcome["status"],
        "error": outcome["error"],
        "wall_s": round(wall_s, 2),
        "peak_mb": None if peak_mb is None else round(peak_mb, 1),
        "gpu_peak_mb": None if gpu.peak_mb is None else round(gpu.peak_mb, 1),
        "executed": executed.relative_to(run_dir).as_posix(),
        "out_dir": out_dir.relative_to(run_dir).as_posix(),
        "log": log.relative_to(run_dir).as_posix() if log.exists() else None,
        "results": sidecar,
        "results_error": sidecar_error,
    }


# ------------------------------------------------------------------------- report


def _machine() -> dict[str, Any]:
    try:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (AttributeError, ValueError, OSError):
        ram = None
    versions = {"python": platform.python_version()}
    for pkg in ("torch", "numpy", "papermill"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    return {
        "cores": os.cpu_count(),
        "ram_gb": None if ram is None else round(ram, 1),
        "gpus": _gpu_names(),
        "platform": platform.platform(),
        "versions": versions,
    }


def _gpu_names() -> list[str]:
    """``["NVIDIA H100 80GB HBM3, 81559 MiB"]`` from nvidia-smi; [] on a machine without it."""
    exe = shutil.which("nvidia-smi")
    if not exe:
        return []
    try:
        out = subprocess.run([exe, "--query-gpu=name,memory.total", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.strip() for line in out.splitlines() if line.strip()]


def _evidence():
    from foley_nb_utils import evidence  # scipy: only the parent runner needs it, never the child

    return evidence


def _verdict(entry: dict[str, Any] | None) -> str | None:
    if entry is None:
        return None
    return entry.get("verdict") or ("holds" if entry.get("holds") else "refuted")


def collect_claims(runs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Merge one notebook's claims over its runs (one per seed).

    Per claim: ``verdicts`` and ``evidence`` per run (``None`` where a run did not record it),
    and one ``verdict`` for all runs: the runs' common verdict when they agree (``agree``); when
    they disagree and every run measured the claim's effect, the verdict of
    :func:`foley_nb_utils.evidence.across_runs` over the runs' effects (``across``: a t interval
    over the seeds, which counts training-run variance as noise); otherwise ``"inconclusive"``.
    A claim missing from a run is ``"missing"``: a claim that silently disappears is a bug.

    Notebook: 00_welcome
    """
    names: list[str] = []
    for r in runs:
        for name in (r["results"] or {}).get("claims", {}):
            if name not in names:
                names.append(name)
    claims = {}
    for name in names:
        entries = [(r["results"] or {}).get("claims", {}).get(name) for r in runs]
        present = [e for e in entries if e is not None]
        verdicts = [_verdict(e) for e in entries]
        evidence = [None if e is None else e.get("evidence") for e in entries]
        notes = [e.get("note", "") for e in present]
        agree = len(set(verdicts)) == 1
        across = None
        if None in verdicts:
            verdict = "missing"
        elif agree:
            verdict = verdicts[0]
        elif all(evidence) and len({(e["margin"], e["direction"]) for e in evidence}) == 1:
            across = _evidence().across_runs([e["effect"] for e in evidence], margin=evidence[0]["margin"],
                                             direction=evidence[0]["direction"]).to_dict()
            verdict = across["verdict"]
        else:
            verdict = "inconclusive"
        kind = present[0].get("kind") or _results().default_claim_kind(None)
        claims[name] = {
            "paper": present[0].get("paper", ""),
            "kind": kind,
            "ours": [None if e is None else e.get("ours") for e in entries],
            "verdicts": verdicts,
            "holds": [None if v is None else v == "holds" for v in verdicts],
            "evidence": evidence,
            "note": "; ".join(dict.fromkeys(n for n in notes if n)),
            "held": sum(v == "holds" for v in verdicts),
            "of": len(runs),
            "agree": agree,
            "across": across,
            "verdict": verdict,
            "reproduced": verdict == "holds",
        }
    return claims


def records_of(sidecar: dict[str, Any]) -> dict[str, Any]:
    """What a run recorded, without timestamps, notes or timings (``record(..., timing=True)``):
    ``{"values": {name: value}, "claims":
    {name: {"verdict", "evidence"}}}`` (a claim marked ``timing``, decided from latencies, keeps its
    verdict and leaves its evidence out: ``"evidence": None``). Two runs of the same notebook, seed and profile on the
    same machine must give equal records (``tests/test_series.py``); the committed notebooks keep
    theirs in the metadata key ``foley_records`` (``tools/build_notebooks.py``).

    Notebook: 00_welcome
    """
    return {"values": {k: v["value"] for k, v in sidecar["values"].items() if not v.get("timing")},
            "claims": {k: {"verdict": c.get("verdict"), "evidence": None if c.get("timing") else c.get("evidence")}
                       for k, c in sidecar["claims"].items()}}


def claim_counts(claims: Sequence[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Per kind (``paper``, ``survey``, ``check``): how many claims, and how many of each verdict;
    for paper claims also how many were decided across disagreeing seeds.

    Notebook: 00_welcome
    """
    counts: dict[str, dict[str, int]] = {}
    for kind in ("paper", "survey", "check"):
        mine = [c for c in claims if c["kind"] == kind]
        counts[kind] = {"total": len(mine), **{v: sum(c["verdict"] == v for c in mine)
                                               for v in ("holds", "refuted", "inconclusive", "missing")},
                        "decided_across_seeds": sum(c["across"] is not None for c in mine)}
    return counts


def summary_line(counts: dict[str, dict[str, int]], seeds: Sequence[int] | None) -> str:
    """``"12 of 22 paper claims hold (4 refuted, 6 inconclusive) on seeds 0, 1, 2; 12 survey
    statements checked, 3 found wrong; 31 of 33 notebook checks pass"``."""
    p, s, c = counts["paper"], counts["survey"], counts["check"]
    on = "" if not seeds else " on seed " + str(seeds[0]) if len(seeds) == 1 else \
        " on seeds " + ", ".join(map(str, seeds))
    missing = f", {p['missing']} missing" if p["missing"] else ""
    parts = [f"{p['holds']} of {p['total']} paper claims hold ({p['refuted']} refuted, "
             f"{p['inconclusive']} inconclusive{missing}){on}"]
    if p["decided_across_seeds"]:
        parts[0] += f", {p['decided_across_seeds']} of them decided across the seeds, which disagree"
    if s["total"]:
        parts.append(f"{s['total']} survey statements checked, {s['refuted']} found wrong")
    if c["total"]:
        parts.append(f"{c['holds']} of {c['total']} notebook checks pass")
    return "; ".join(parts)


def verdict_text(c: dict[str, Any]) -> str:
    """How a merged claim was decided, for the report: ``"✓ holds"``, ``"? inconclusive on every
    seed"``, ``"✗ refuted across the seeds, which disagree (held on 1 of 3): −0.02 [−0.05, +0.01]"``."""
    mark = {"holds": "✓", "refuted": "✗", "inconclusive": "?", "missing": "✗"}[c["verdict"]]
    if c["of"] == 1:
        return f"{mark} {c['verdict']}"
    if c["verdict"] == "missing":
        return f"✗ missing on {c['verdicts'].count(None)} of {c['of']} seeds"
    if c["agree"]:
        return f"{mark} {c['verdict']} on every seed"
    how = f"{mark} {c['verdict']} across the seeds, which disagree (held on {c['held']} of {c['of']})"
    if c["across"]:
        how += ": " + _results()._evidence_text(c["across"]) + " (t over the seeds' effects)"
    return how


def _status_text(run: dict[str, Any]) -> str:
    if run["status"] == "ok":
        return "ok"
    err = run["error"] or {}
    return "failed" if err.get("cell_index") is None else f"failed (cell {err['cell_index']})"


def _budget_text(run: dict[str, Any], nb: dict[str, Any]) -> str:
    why = []
    if not run["within_time"]:
        why.append(f"time > {nb['time_budget_s']:g} s")
    if not run["within_memory"]:
        why.append(f"memory > {nb['memory_budget_mb']} MB")
    return "✓" if not why else "✗ " + ", ".join(why)


def _fmt(x: float | None, digits: int) -> str:
    return "?" if x is None else f"{x:.{digits}f}"


def _failure_text(nb: dict[str, Any], run: dict[str, Any], several: bool) -> str:
    err = run["error"] or {}
    who = nb["notebook"] + (f" (seed {run['seed']})" if several else "")
    where = ""
    if err.get("cell_index") is not None:
        where = f"cell {err['cell_index']} (counting from 0; first line: `{err['cell_first_line']}`): "
    return f"{who}: {where}{err.get('exception', 'failed')}. Executed notebook: {run['executed']}"


def _blocks(summary: dict[str, Any]) -> list[tuple]:
    """The report as neutral blocks, rendered to Markdown and to HTML."""
    fmt = _results().format_value
    seeds = summary["seeds"]
    several = seeds is not None and len(seeds) > 1
    m = summary["machine"]
    v = m["versions"]
    blocks: list[tuple] = [
        ("h1", f"Reproduction report: {summary['started']} ({summary['profile']} profile)"),
        (
            "ul",
            [
                f"profile: {summary['profile']}; seeds: "
                + ("the notebooks' own SEED" if seeds is None else ", ".join(map(str, seeds))),
                "data: " + (summary["data_dir"] or "synthetic world (DATA_DIR=None)"),
                "parameters: "
                + (", ".join(f"{k}={json.dumps(x)}" for k, x in summary["params"].items()) or "notebook defaults"),
                f"machine: {m['cores']} cores, {m['ram_gb']} GB RAM, "
                + (f"GPU {'; '.join(m['gpus'])}, " if m.get("gpus") else "") + m["platform"],
                "versions: " + ", ".join(f"{k} {x}" for k, x in v.items()),
                f"kernel: {summary['kernel']}; per-cell timeout {summary['timeout_s']:g} s",
            ],
        ),
        (
            "strong",
            f"{summary['summary_line']}; {summary['runs_failed']} of {summary['runs_total']} notebook runs "
            f"failed; total wall time {summary['total_wall_s']:.1f} s",
        ),
    ]
    gpu = any(r.get("gpu_peak_mb") is not None for nb in summary["notebooks"] for r in nb["runs"])
    head = (["notebook"] + (["seed"] if several else []) + ["status", "wall s", "peak MB"]
            + (["GPU peak MB"] if gpu else []) + ["within budget"])
    rows = []
    for nb in summary["notebooks"]:
        for r in nb["runs"]:
            rows.append(
                [nb["notebook"]]
                + ([str(r["seed"])] if several else [])
                + [_status_text(r), _fmt(r["wall_s"], 1), _fmt(r["peak_mb"], 0)]
                + ([_fmt(r.get("gpu_peak_mb"), 0)] if gpu else [])
                + [_budget_text(r, nb)]
            )
    blocks.append(("table", head, rows))
    failures = [_failure_text(nb, r, several) for nb in summary["notebooks"] for r in nb["runs"] if r["status"] != "ok"]
    if failures:
        blocks += [("h2", "Failures"), ("ul", failures)]

    for nb in summary["notebooks"]:
        blocks.append(("h2", nb["notebook"]))
        runs = nb["runs"]
        sidecars = [r["results"] for r in runs]
        for r in runs:
            if r["results_error"]:
                blocks.append(("p", f"results.json unreadable: {r['results_error']}"))
        blocks.append(("p", "executed: " + ", ".join(r["executed"] for r in runs)))
        if all(s is None for s in sidecars):
            blocks.append(("p", "No results.json was written."))
            continue
        metas = [s.get("meta") or {} for s in sidecars if s is not None]
        shared = {k: x for k, x in metas[0].items() if all(m.get(k) == x for m in metas)}  # not the per-seed ones
        if shared:
            blocks.append(("p", "meta: " + "; ".join(f"{k}: {fmt(x)}" for k, x in shared.items())))
        names: list[str] = []
        for s in sidecars:
            names += [n for n in (s or {}).get("values", {}) if n not in names]
        if names:
            blocks.append(("h3", "Recorded values"))
            vrows = []
            for name in names:
                entries = [(s or {}).get("values", {}).get(name) for s in sidecars]
                unit = next((e.get("unit") for e in entries if e and e.get("unit")), "") or ""
                cells = ["—" if e is None else fmt(e.get("value"), e.get("nonfinite")) for e in entries]
                vrows.append([name, *cells, unit])
            vhead = ["name", *([f"seed {r['seed']}" for r in runs] if several else ["measured"]), "unit"]
            blocks.append(("table", vhead, vrows))
        if nb["claims"]:
            blocks.append(("h3", "Claims"))
            crows = []
            for name, c in nb["claims"].items():
                ev = ["—" if e is None else _results()._evidence_text(e) for e in c["evidence"]]
                if several:
                    ours = "; ".join(f"seed {r['seed']}: " + ("—" if v is None else fmt(o))
                                     for r, o, v in zip(runs, c["ours"], c["verdicts"]))
                    effect = "; ".join(f"seed {r['seed']}: {t}" for r, t in zip(runs, ev)) if any(c["evidence"]) else ""
                else:
                    ours, effect = fmt(c["ours"][0]), ev[0] if c["evidence"][0] else ""
                crows.append([name, c["kind"], c["paper"], ours, effect, verdict_text(c), c["note"]])
            blocks.append(("table", ["claim", "kind", "paper", "ours", "effect [95 % interval]", "verdict", "note"], crows))
    return blocks


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _to_markdown(blocks: list[tuple]) -> str:
    out = []
    for kind, *rest in blocks:
        if kind in ("h1", "h2", "h3"):
            out.append("#" * int(kind[1]) + " " + rest[0])
        elif kind == "p":
            out.append(rest[0])
        elif kind == "strong":
            out.append(f"**{rest[0]}**")
        elif kind == "ul":
            out.append("\n".join(f"- {item}" for item in rest[0]))
        elif kind == "table":
            head, rows = rest
            lines = ["| " + " | ".join(map(_md_cell, head)) + " |", "|" + "---|" * len(head)]
            lines += ["| " + " | ".join(map(_md_cell, row)) + " |" for row in rows]
            out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


_CSS = """
body { font-family: system-ui, sans-serif; max-width: 72rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.ok { color: #17702a; } td.bad { color: #b00020; }
"""


def _html_cell(text: str, tag: str = "td") -> str:
    cls = ""
    if tag == "td" and (text.startswith("✓") or text == "ok"):
        cls = ' class="ok"'
    elif tag == "td" and (text.startswith("✗") or text.startswith("failed")):
        cls = ' class="bad"'
    return f"<{tag}{cls}>{html.escape(text)}</{tag}>"


def _to_html(blocks: list[tuple]) -> str:
    title = next(rest[0] for kind, *rest in blocks if kind == "h1")
    out = []
    for kind, *rest in blocks:
        if kind in ("h1", "h2", "h3"):
            out.append(f"<{kind}>{html.escape(rest[0])}</{kind}>")
        elif kind == "p":
            out.append(f"<p>{html.escape(rest[0])}</p>")
        elif kind == "strong":
            out.append(f"<p><strong>{html.escape(rest[0])}</strong></p>")
        elif kind == "ul":
            out.append("<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in rest[0]) + "</ul>")
        elif kind == "table":
            head, rows = rest
            th = "".join(_html_cell(h, "th") for h in head)
            body = "".join("<tr>" + "".join(_html_cell(c) for c in row) + "</tr>" for row in rows)
            out.append(f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head>\n<body>\n"
        + "\n".join(out)
        + "\n</body></html>\n"
    )


# ----------------------------------------------------------------------------- run


def run(
    *,
    profile: str = "quick",
    only: Sequence[str] | None = None,
    data_dir: str | Path | None = None,
    params: Mapping[str, Any] | None = None,
    seeds: Sequence[int] | None = None,
    out: str | Path = "runs",
    notebooks_dir: str | Path = "notebooks",
    timeout: float = 1800,
    kernel: str = "python3",
    progress: bool = True,
) -> dict[str, Any]:
    """Run notebooks with papermill, each in its own process, and write the report.

    Args:
        profile: ``"quick"`` or ``"full"``; injected as ``PROFILE``.
        only: notebook number prefixes or stems to run (default: all).
        data_dir: dataset folder injected as ``DATA_DIR`` (must exist); ``None``
            keeps the synthetic world.
        params: extra parameters (e.g. ``{"DEVICE": "cpu"}``); each must be in
            every selected notebook's parameters cell.
        seeds: run each notebook once per seed (``SEED``); ``None`` runs once with
            the notebook's own SEED.
        out: base folder; the run goes to a new ``<out>/<timestamp>-<profile>/``.
        notebooks_dir: folder of ``NN_name.ipynb`` notebooks (the kernels' cwd).
        timeout: per-cell execution timeout in seconds.
        kernel: Jupyter kernel name.
        progress: show a tqdm progress bar on stderr.

    Returns:
        The summary dict also written to ``<run>/summary.json``; notably
        ``run_dir``, ``report_md``, ``report_html``, ``notebooks`` (per notebook:
        runs with status, wall_s, peak_mb, error, results; merged claims),
        ``claims`` (counts per kind and verdict, :func:`claim_counts`), ``summary_line``, ``exit_code``
        (0 when every run succeeded, else 1).

    Raises:
        ValueError / FileNotFoundError: bad options, found before anything runs.

    Notebook: 00_welcome
    """
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}, got {profile!r}")
    if not (isinstance(timeout, (int, float)) and timeout > 0):
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    params = dict(params or {})
    for name in params:
        if name in _RUNNER_PARAMS:
            raise ValueError(f"--param {name}=... : set {name} with {_RUNNER_PARAMS[name]} instead")
        if not name.isidentifier():
            raise ValueError(f"--param name {name!r} is not a Python identifier")
        try:
            json.dumps(params[name])
        except TypeError:
            raise ValueError(f"--param {name}: value {params[name]!r} cannot be passed to a notebook") from None
    if seeds is not None:
        seeds = list(seeds)
        if not seeds or any(isinstance(s, bool) or not isinstance(s, int) or s < 0 for s in seeds):
            raise ValueError(f"seeds must be non-negative integers, got {seeds!r}")
        if len(set(seeds)) != len(seeds):
            raise ValueError(f"seeds must not repeat, got {seeds!r}")
    if data_dir is not None:
        data_path = Path(data_dir).expanduser().resolve()
        if not data_path.exists():
            raise FileNotFoundError(f"--data-dir {str(data_dir)!r} does not exist")
        if not data_path.is_dir():
            raise ValueError(f"--data-dir {str(data_dir)!r} is not a folder")
        data_dir = str(data_path)
    notebooks = select_notebooks(find_notebooks(notebooks_dir), only)
    _check_parameters(notebooks, params)

    from tqdm import tqdm

    results = _results()
    started = _dt.datetime.now()
    t0 = time.perf_counter()
    run_dir = _new_run_dir(Path(out).expanduser().resolve(), profile, started)
    several = seeds is not None and len(seeds) > 1
    jobs = [(nb, seed) for nb in notebooks for seed in (seeds if seeds is not None else [None])]
    entries: dict[str, dict[str, Any]] = {}
    bar = tqdm(total=len(jobs), unit="notebook", disable=not progress, file=sys.stderr, dynamic_ncols=True)
    try:
        for nb, seed in jobs:
            label = nb.stem + (f".seed-{seed}" if several else "")
            bar.set_description(label)
            parameters = {**params, "PROFILE": profile, "DATA_DIR": data_dir}
            if seed is not None:
                parameters["SEED"] = seed
            out_dir = run_dir / nb.stem / f"seed-{seed}" if several else run_dir / nb.stem
            parameters["OUT_DIR"] = str(out_dir)
            r = _run_one(
                nb, label=label, out_dir=out_dir, run_dir=run_dir, parameters=parameters, kernel=kernel, timeout=timeout
            )
            entry = entries.setdefault(
                nb.stem,
                {
                    "notebook": nb.stem,
                    "source": str(nb.resolve()),
                    "time_budget_s": time_budget_s(nb.stem, profile),
                    "memory_budget_mb": MEMORY_BUDGET_MB,
                    "runs": [],
                },
            )
            r["seed"] = seed
            r["within_time"] = r["wall_s"] <= entry["time_budget_s"]
            r["within_memory"] = r["peak_mb"] is None or r["peak_mb"] <= MEMORY_BUDGET_MB
            r["within_budget"] = r["within_time"] and r["within_memory"]
            entry["runs"].append(r)
            bar.update(1)
            bar.write(f"{'✓' if r['status'] == 'ok' else '✗'} {label}: {r['status']}, "
                      f"{r['wall_s']:.1f} s, {_fmt(r['peak_mb'], 0)} MB", file=sys.stderr)
    finally:
        bar.close()

    for entry in entries.values():
        entry["status"] = "ok" if all(r["status"] == "ok" for r in entry["runs"]) else "failed"
        entry["claims"] = collect_claims(entry["runs"])
    all_claims = [c for e in entries.values() for c in e["claims"].values()]
    counts = claim_counts(all_claims)
    runs = [r for e in entries.values() for r in e["runs"]]
    failed = sum(r["status"] != "ok" for r in runs)
    summary: dict[str, Any] = {
        "format": 2,
        "run_dir": str(run_dir),
        "started": started.isoformat(timespec="seconds"),
        "finished": _dt.datetime.now().isoformat(timespec="seconds"),
        "profile": profile,
        "seeds": seeds,
        "data_dir": data_dir,
        "params": params,
        "kernel": kernel,
        "timeout_s": timeout,
        "machine": _machine(),
        "notebooks": list(entries.values()),
        "claims": counts,
        "summary_line": summary_line(counts, seeds),
        "runs_failed": failed,
        "runs_total": len(runs),
        "failed": sorted({e["notebook"] for e in entries.values() if e["status"] != "ok"}),
        "total_wall_s": round(time.perf_counter() - t0, 2),
        "exit_code": 1 if failed else 0,
        "report_md": str(run_dir / "report.md"),
        "report_html": str(run_dir / "report.html"),
    }
    blocks = _blocks(summary)
    results.atomic_write_text(run_dir / "report.md", _to_markdown(blocks))
    results.atomic_write_text(run_dir / "report.html", _to_html(blocks))
    results.atomic_write_text(run_dir / "summary.json", json.dumps(summary, indent=1, ensure_ascii=False) + "\n")
    return summary


# ----------------------------------------------------------------------------- CLI


def _seeds_arg(text: str) -> list[int]:
    try:
        seeds = [int(s) for s in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers like 0,1,2, got {text!r}") from None
    if any(s < 0 for s in seeds) or len(set(seeds)) != len(seeds):
        raise argparse.ArgumentTypeError(f"seeds must be distinct non-negative integers, got {text!r}")
    return seeds


def _only_arg(text: str) -> list[str]:
    tokens = [t.strip() for t in text.split(",") if t.strip()]
    if not tokens:
        raise argparse.ArgumentTypeError(f"expected a comma list of notebook numbers or stems, got {text!r}")
    return tokens


def _param_arg(text: str) -> tuple[str, Any]:
    import yaml

    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE with NAME a Python identifier, got {text!r}")
    try:
        return name, yaml.safe_load(value)
    except yaml.YAMLError as e:
        first = str(e).splitlines()[0]
        raise argparse.ArgumentTypeError(f"cannot parse the value of {text!r} as YAML: {first}") from None


def _positive_float(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        x = -1.0
    if not x > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return x


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser of ``python -m foley_nb_utils.reproduce``.

    Returns:
        An :class:`argparse.ArgumentParser`; every option is documented in ``--help``.

    Notebook: 00_welcome
    """
    p = argparse.ArgumentParser(
        prog="python -m foley_nb_utils.reproduce",
        description=(
            "Batch-run the Foley notebooks with papermill (each in its own process, measuring "
            "wall time and peak memory) and write report.md, report.html and summary.json "
            "into a new folder <out>/<YYYY-MM-DDTHH-MM-SS>-<profile>/."
        ),
        epilog=(
            "examples:\n"
            "  python -m foley_nb_utils.reproduce                      # every notebook, quick profile\n"
            "  python -m foley_nb_utils.reproduce --only 00,05 --seeds 0,1,2\n"
            "  python -m foley_nb_utils.reproduce --profile full --param DEVICE=cuda \\\n"
            "      --data-dir /data/greatest_hits --out runs/\n"
            "exit status: 0 when every notebook ran, 1 when one failed, 2 for bad options."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--profile", choices=PROFILES, default="quick",
                   help="quick: CPU-sized, minutes for the series (default); full: GPU-sized, <= 15 min a notebook")
    p.add_argument("--only", metavar="LIST", type=_only_arg,
                   help="comma list of notebook number prefixes or stems to run, e.g. 00,05 or "
                        "05_2016_visually_indicated_sounds (default: all)")
    p.add_argument("--data-dir", metavar="PATH",
                   help="dataset folder passed to the notebooks as DATA_DIR; must exist "
                        "(default: None, the synthetic world)")
    p.add_argument("--param", metavar="NAME=VALUE", action="append", type=_param_arg, default=[],
                   help="set a notebook parameter; VALUE is read as YAML (3, 0.5, true, [1, 2], cuda); "
                        "repeatable; NAME must be in every selected notebook's parameters cell")
    p.add_argument("--seeds", metavar="LIST", type=_seeds_arg,
                   help="comma list of seeds, one run per seed, e.g. 0,1,2 "
                        "(default: one run with the notebook's own SEED)")
    p.add_argument("--out", metavar="DIR", default="runs",
                   help="base folder of the runs; each run gets a new sub-folder (default: runs/)")
    p.add_argument("--notebooks-dir", metavar="DIR", default="notebooks",
                   help="folder of NN_name.ipynb notebooks, also their working directory (default: notebooks/)")
    p.add_argument("--timeout", metavar="SECONDS", type=_positive_float, default=1800.0,
                   help="per-cell execution timeout in seconds (default: 1800)")
    p.add_argument("--kernel", metavar="NAME", default="python3",
                   help="Jupyter kernel to run the notebooks with (default: python3)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status.

    Args:
        argv: arguments without the program name (default: ``sys.argv[1:]``).

    Returns:
        0 when every notebook ran, 1 when any failed (bad options exit 2 via argparse).

    Notebook: 00_welcome
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    params: dict[str, Any] = {}
    for name, value in args.param:
        if name in params:
            parser.error(f"argument --param: {name} is given twice")
        params[name] = value
    try:
        summary = run(
            profile=args.profile,
            only=args.only,
            data_dir=args.data_dir,
            params=params,
            seeds=args.seeds,
            out=args.out,
            notebooks_dir=args.notebooks_dir,
            timeout=args.timeout,
            kernel=args.kernel,
            progress=not args.no_progress,
        )
    except (ValueError, FileNotFoundError) as e:
        parser.error(str(e))
    print(f"report: {summary['report_md']}")
    print(
        f"{summary['summary_line']}; {summary['runs_failed']} of {summary['runs_total']} notebook runs failed"
        + (f" ({', '.join(summary['failed'])})" if summary["failed"] else "")
        + f"; total wall time {summary['total_wall_s']:.1f} s"
    )
    return summary["exit_code"]


if __name__ == "__main__":
    sys.exit(main())
