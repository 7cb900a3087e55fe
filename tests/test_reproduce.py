"""Tests for the papermill batch runner (python -m foley_nb_utils.reproduce).

Three tiny notebooks are written with nbformat into a temporary folder and run
for real (Jupyter kernels): kernel start-ups are kept to five, the whole file
takes about half a minute on a 2-core machine.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import re

import nbformat
import numpy as np
import pytest

from foley_nb_utils import reproduce

PARAMETERS = 'PROFILE = "quick"\nSEED = 0\nDEVICE = "auto"\nDATA_DIR = None\nOUT_DIR = None\nEXTRA = 1'
SETUP = (
    "from foley_nb_utils import results\n"
    'results.configure(notebook="{name}", out_dir=OUT_DIR, meta={{"profile": PROFILE, "seed": SEED}})'
)
ALLOC_MB = 300
BALLAST_MB = 400  # held by this (parent) process while the runner runs


def write_notebook(folder, name, cells):
    params = nbformat.v4.new_code_cell(PARAMETERS, metadata={"tags": ["parameters"]})
    nb = nbformat.v4.new_notebook(cells=[params] + [nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, folder / f"{name}.ipynb")


@pytest.fixture(scope="module")
def notebooks(tmp_path_factory):
    folder = tmp_path_factory.mktemp("notebooks")
    write_notebook(
        folder,
        "00_alpha",
        [
            SETUP.format(name="00_alpha"),
            "results.record('seed', SEED)\n"
            "results.record('extra', EXTRA)\n"
            "results.record('device', DEVICE)\n"
            "results.record('profile', PROFILE)\n"
            "results.record('data_dir', 'none' if DATA_DIR is None else DATA_DIR)\n"
            "results.record('cwd', __import__('os').getcwd())\n"
            "results.claim('seed is even', paper='even seeds', ours=SEED, holds=SEED % 2 == 0)",
        ],
    )
    write_notebook(
        folder,
        "01_fails",
        [
            SETUP.format(name="01_fails") + "\nresults.claim('ran', paper='it runs', ours='yes', holds=True)",
            'raise RuntimeError("boom in cell three")\nprint("unreachable")',
            'print("never")',
        ],
    )
    write_notebook(
        folder,
        "05_big",
        [
            SETUP.format(name="05_big"),
            f"import numpy as np\nx = np.ones({ALLOC_MB} * 2**20 // 8)  # touched: resident\n"
            "results.record('allocated', x.nbytes / 2**20, unit='MB')\n"
            "from foley_nb_utils import evidence\n"
            "results.claim('stays small', paper='< 100 MB', ours=x.nbytes / 2**20,\n"
            "              measured=evidence.decide(np.full(3, x.nbytes / 2**20), 100.0, direction='less'))",
        ],
    )
    (folder / "notes.ipynb").write_text("{}")  # not NN_name: ignored by the runner
    return folder


def run_main(argv):
    """Run the CLI; return (exit status, stdout)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = reproduce.main(argv)
    return code, out.getvalue()


@pytest.fixture(scope="module")
def first_run(notebooks, tmp_path_factory):
    base = tmp_path_factory.mktemp("runs")
    # A big runner process must not inflate the numbers: Linux counts a child's
    # pre-exec copy of its parent in the child's own ru_maxrss.
    ballast = np.ones(BALLAST_MB * 2**20 // 8)
    code, stdout = run_main(["--notebooks-dir", str(notebooks), "--out", str(base), "--no-progress"])
    del ballast
    run_dir = next(base.iterdir())
    summary = json.loads((run_dir / "summary.json").read_text())
    return {"code": code, "stdout": stdout, "base": base, "run_dir": run_dir, "summary": summary}


@pytest.fixture(scope="module")
def seeds_run(notebooks, first_run, tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    before = set(first_run["base"].iterdir())
    code, stdout = run_main(
        [
            "--notebooks-dir", str(notebooks), "--out", str(first_run["base"]), "--only", "00",
            "--seeds", "0,1", "--profile", "full", "--param", "EXTRA=[1, 2.5]", "--param", "DEVICE=cpu",
            "--data-dir", str(data), "--no-progress",
        ]
    )  # fmt: skip
    (run_dir,) = set(first_run["base"].iterdir()) - before
    summary = json.loads((run_dir / "summary.json").read_text())
    return {"code": code, "stdout": stdout, "run_dir": run_dir, "summary": summary, "data": data}


def by_name(summary):
    return {nb["notebook"]: nb for nb in summary["notebooks"]}


@pytest.mark.notebooks
def test_every_notebook_runs_with_status_time_and_memory(first_run, notebooks):
    s = first_run["summary"]
    nbs = by_name(s)
    assert list(nbs) == ["00_alpha", "01_fails", "05_big"]
    assert [nbs[n]["status"] for n in nbs] == ["ok", "failed", "ok"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-quick", first_run["run_dir"].name)
    for nb in nbs.values():
        (r,) = nb["runs"]
        assert 0.5 < r["wall_s"] < 120
        assert r["peak_mb"] > 20  # at least a Python interpreter
        assert r["within_time"] == (r["wall_s"] <= nb["time_budget_s"])
        assert (first_run["run_dir"] / r["executed"]).is_file()
    assert nbs["00_alpha"]["time_budget_s"] == 30 and nbs["05_big"]["time_budget_s"] == 60
    # the kernel (a grandchild) is measured: its 300 MB array shows up
    big, small = nbs["05_big"]["runs"][0]["peak_mb"], nbs["00_alpha"]["runs"][0]["peak_mb"]
    assert big >= ALLOC_MB
    assert big - small >= ALLOC_MB - 50
    assert small < BALLAST_MB - 150  # the runner's own memory is not counted
    # parameters reached the notebook; it ran in the notebooks folder; DATA_DIR stayed None
    values = nbs["00_alpha"]["runs"][0]["results"]["values"]
    assert values["profile"]["value"] == "quick" and values["seed"]["value"] == 0
    assert values["cwd"]["value"] == str(notebooks.resolve())
    assert values["data_dir"]["value"] == "none"
    assert (first_run["run_dir"] / "00_alpha" / "results.json").is_file()


@pytest.mark.notebooks
def test_failure_is_reported_with_cell_and_exception(first_run):
    assert first_run["code"] == 1
    s = first_run["summary"]
    fails = by_name(s)["01_fails"]
    (r,) = fails["runs"]
    assert r["error"]["cell_index"] == 2  # parameters=0, setup=1, raise=2: the injected cell is not counted
    assert r["error"]["cell_first_line"] == 'raise RuntimeError("boom in cell three")'
    assert r["error"]["exception"] == "RuntimeError: boom in cell three"
    # what it recorded before failing is kept
    assert fails["claims"]["ran"]["reproduced"] is True
    assert s["failed"] == ["01_fails"] and s["runs_failed"] == 1 and s["exit_code"] == 1
    md = (first_run["run_dir"] / "report.md").read_text()
    failure_line = next(line for line in md.splitlines() if line.startswith("- 01_fails"))
    assert "cell 2" in failure_line
    assert 'raise RuntimeError("boom in cell three")' in failure_line
    assert "RuntimeError: boom in cell three" in failure_line
    # nothing lost: the executed notebook is kept, with the failing cell's traceback in its outputs
    executed = nbformat.read(first_run["run_dir"] / r["executed"], as_version=4)
    failing = next(c for c in executed.cells if c.cell_type == "code" and "boom in cell three" in c.source)
    assert any(o.get("output_type") == "error" and o.get("ename") == "RuntimeError" for o in failing.outputs)
    assert r["executed"] in failure_line


@pytest.mark.notebooks
def test_report_files_tables_and_summary_line(first_run):
    run_dir, s = first_run["run_dir"], first_run["summary"]
    # notebook checks 'seed is even' and 'ran' pass; the paper claim 'stays small' is refuted
    line = "0 of 1 paper claims hold (1 refuted, 0 inconclusive); 2 of 2 notebook checks pass"
    assert s["summary_line"] == line
    assert s["claims"]["paper"] == {"total": 1, "holds": 0, "refuted": 1, "inconclusive": 0, "missing": 0,
                                    "decided_across_seeds": 0}
    assert s["claims"]["check"]["total"] == 2 and s["claims"]["check"]["holds"] == 2
    small = by_name(s)["05_big"]["claims"]["stays small"]
    assert small["reproduced"] is False and small["verdict"] == "refuted" and small["kind"] == "paper"
    assert small["evidence"][0]["effect"] == pytest.approx(ALLOC_MB - 100)
    assert f"report: {run_dir / 'report.md'}" in first_run["stdout"]
    assert line in first_run["stdout"] and "01_fails" in first_run["stdout"]
    assert s["machine"]["cores"] >= 1 and s["machine"]["versions"]["python"]

    md = (run_dir / "report.md").read_text()
    assert f"**{line}" in md
    row = re.compile(r"^\| (\d\d_\w+) \| ([^|]+) \| ([\d.]+) \| (\d+) \| ([^|]+) \|$", re.M)
    rows = {m.group(1): m.groups() for m in row.finditer(md)}
    assert set(rows) == {"00_alpha", "01_fails", "05_big"}
    assert rows["00_alpha"][1].strip() == "ok" and rows["01_fails"][1].strip() == "failed (cell 2)"
    assert int(rows["05_big"][3]) >= ALLOC_MB
    assert f"| stays small | paper | < 100 MB | 300 | +{ALLOC_MB - 100:g} [+{ALLOC_MB - 100:g}, +{ALLOC_MB - 100:g}] < 0 | ✗ refuted |" in md
    assert "| allocated | 300 | MB |" in md

    page = (run_dir / "report.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page
    assert not re.search(r"""(src|href)=["']?https?:""", page)  # self-contained
    assert "stays small" in page and "&lt; 100 MB" in page and "RuntimeError: boom in cell three" in page


@pytest.mark.notebooks
def test_seeds_params_only_and_data_dir(seeds_run, first_run):
    s, run_dir = seeds_run["summary"], seeds_run["run_dir"]
    assert seeds_run["code"] == 0
    assert run_dir != first_run["run_dir"] and run_dir.name.endswith("-full")  # a new folder every run
    assert first_run["summary"] == json.loads((first_run["run_dir"] / "summary.json").read_text())
    assert list(by_name(s)) == ["00_alpha"]  # --only 00
    nb = by_name(s)["00_alpha"]
    assert nb["time_budget_s"] == 15 * 60
    assert [r["seed"] for r in nb["runs"]] == [0, 1]
    for seed, r in zip((0, 1), nb["runs"]):
        assert r["executed"] == f"00_alpha.seed-{seed}.ipynb" and (run_dir / r["executed"]).is_file()
        values = r["results"]["values"]
        assert values["seed"]["value"] == seed
        assert values["extra"]["value"] == [1, 2.5]  # YAML-parsed --param
        assert values["device"]["value"] == "cpu"
        assert values["profile"]["value"] == "full"
        assert values["data_dir"]["value"] == str(seeds_run["data"].resolve())
        assert (run_dir / "00_alpha" / f"seed-{seed}" / "results.json").is_file()
    claim = nb["claims"]["seed is even"]
    assert claim["holds"] == [True, False] and claim["ours"] == [0, 1]
    assert claim["verdicts"] == ["holds", "refuted"] and claim["agree"] is False
    assert (claim["held"], claim["of"], claim["reproduced"], claim["verdict"]) == (1, 2, False, "inconclusive")
    assert s["summary_line"] == "0 of 0 paper claims hold (0 refuted, 0 inconclusive) on seeds 0, 1; 0 of 1 notebook checks pass"
    md = (run_dir / "report.md").read_text()
    assert "? inconclusive across the seeds, which disagree (held on 1 of 2)" in md
    assert "seed 0: 0; seed 1: 1" in md
    assert "| 00_alpha | 1 | ok |" in md  # one table row per seed


@pytest.mark.notebooks
def test_kernel_that_cannot_start_is_a_reported_failure(notebooks, tmp_path):
    s = reproduce.run(only=["00_alpha"], notebooks_dir=notebooks, out=tmp_path, kernel="no-such-kernel", progress=False)
    (r,) = by_name(s)["00_alpha"]["runs"]
    assert r["status"] == "failed" and s["exit_code"] == 1
    assert "no-such-kernel" in r["error"]["exception"] and r["error"]["cell_index"] is None
    assert "0 of 0 paper claims hold (0 refuted, 0 inconclusive)" == s["summary_line"]


@pytest.mark.parametrize(
    "boot, expected",
    [
        ("import sys; print('child broke'); sys.exit(3)", "exited with status 3 (see logs/00_alpha.log): child broke"),
        ("import os, signal; os.kill(os.getpid(), signal.SIGKILL)", "killed by signal 9"),
    ],
)
def test_a_child_that_dies_is_a_reported_failure(notebooks, tmp_path, monkeypatch, boot, expected):
    monkeypatch.setattr(reproduce, "_CHILD_BOOT", boot)  # stands in for a crash of papermill itself
    s = reproduce.run(only=["00"], notebooks_dir=notebooks, out=tmp_path, progress=False)
    (r,) = by_name(s)["00_alpha"]["runs"]
    assert r["status"] == "failed" and s["exit_code"] == 1 and r["peak_mb"] is None
    assert expected in r["error"]["exception"]
    assert expected.split(" (")[0] in (tmp_path / next(tmp_path.iterdir()) / "report.md").read_text()


# --------------------------------------------------- option errors: no kernel is started


def cli_error(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        reproduce.main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    # argparse: the usage, then one error line
    assert lines[0].startswith("usage:") and sum("error:" in line for line in lines) == 1
    assert lines[-1].startswith("python -m foley_nb_utils.reproduce: error: ")
    return lines[-1]


def test_unknown_param_is_an_error_listing_the_parameters(notebooks, tmp_path, capsys):
    err = cli_error(["--notebooks-dir", str(notebooks), "--out", str(tmp_path), "--param", "LR=0.1"], capsys)
    assert "LR" in err and "00_alpha.ipynb" in err
    assert "its parameters: PROFILE, SEED, DEVICE, DATA_DIR, OUT_DIR, EXTRA" in err
    assert list(tmp_path.iterdir()) == []  # nothing created before the check
    err = cli_error(["--notebooks-dir", str(notebooks), "--param", "SEED=3"], capsys)
    assert "--seeds" in err


def test_only_filters_and_unknown_only_lists_notebooks(notebooks, tmp_path, capsys):
    found = reproduce.find_notebooks(notebooks)
    assert [p.stem for p in found] == ["00_alpha", "01_fails", "05_big"]
    assert [p.stem for p in reproduce.select_notebooks(found, ["5", "00_alpha.ipynb"])] == ["00_alpha", "05_big"]
    err = cli_error(["--notebooks-dir", str(notebooks), "--out", str(tmp_path), "--only", "00,07"], capsys)
    assert "'07'" in err and "available: 00_alpha, 01_fails, 05_big" in err
    assert list(tmp_path.iterdir()) == []


def test_missing_data_dir_and_notebooks_dir_are_clear_errors(notebooks, tmp_path, capsys):
    missing = tmp_path / "missing"
    argv = ["--notebooks-dir", str(notebooks), "--out", str(tmp_path / "o"), "--data-dir", str(missing)]
    err = cli_error(argv, capsys)
    assert str(missing) in err and "does not exist" in err
    err = cli_error(["--notebooks-dir", str(missing)], capsys)
    assert str(missing) in err
    with pytest.raises(FileNotFoundError, match="missing"):
        reproduce.run(notebooks_dir=notebooks, out=tmp_path / "o", data_dir=missing)
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["--profile", "medium"], "invalid choice: 'medium'"),
        (["--seeds", "a,b"], "--seeds"),
        (["--seeds", "1,1"], "distinct"),
        (["--param", "NOVALUE"], "NAME=VALUE"),
        (["--param", "X=[1,"], "YAML"),
        (["--timeout", "-3"], "positive"),
        (["--only", ","], "--only"),
        (["--frobnicate"], "unrecognized"),
    ],
)
def test_bad_options_exit_2_with_one_line(argv, fragment, capsys):
    err = cli_error(argv, capsys)
    assert fragment in err


def test_help_lists_every_option(capsys):
    with pytest.raises(SystemExit) as exc:
        reproduce.main(["--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    options = ("--profile", "--only", "--data-dir", "--param", "--seeds", "--out", "--notebooks-dir", "--timeout")
    for option in (*options, "--kernel", "--no-progress"):
        assert option in text
    assert "examples:" in text and "--only 00,05 --seeds 0,1,2" in text


def test_run_folders_are_never_reused(tmp_path):
    when = dt.datetime(2024, 5, 6, 7, 8, 9)
    a = reproduce._new_run_dir(tmp_path, "quick", when)
    b = reproduce._new_run_dir(tmp_path, "quick", when)
    c = reproduce._new_run_dir(tmp_path, "quick", when)
    stamp = "2024-05-06T07-08-09-quick"
    assert [p.name for p in (a, b, c)] == [stamp, f"{stamp}-2", f"{stamp}-3"]


@pytest.mark.parametrize(
    "stem, profile, budget",
    [("00_welcome", "quick", 30), ("04_primer", "quick", 30), ("05_2016_x", "quick", 60), ("19_x", "full", 900)],
)
def test_time_budgets(stem, profile, budget):
    assert reproduce.time_budget_s(stem, profile) == budget


def test_failure_location_after_a_timeout_maps_to_the_source_cell(tmp_path):
    """A timeout has no error output: the failing cell is the last one that started."""
    from nbclient.exceptions import CellTimeoutError

    cells = [nbformat.v4.new_code_cell(PARAMETERS, metadata={"tags": ["parameters"]})]
    cells += [nbformat.v4.new_code_cell(src) for src in ("x = 1", "\nimport time\ntime.sleep(99)", "y = 2")]
    source = nbformat.v4.new_notebook(cells=cells)
    nbformat.write(source, tmp_path / "in.ipynb")
    executed = nbformat.from_dict(json.loads(nbformat.writes(source)))
    injected = nbformat.v4.new_code_cell("SEED = 1", metadata={"tags": ["injected-parameters"]})
    executed.cells.insert(1, injected)
    for i, cell in enumerate(executed.cells):
        cell.metadata["papermill"] = {"start_time": "2024-01-01T00:00:00" if i <= 3 else None}
    nbformat.write(executed, tmp_path / "out.ipynb")
    exc = CellTimeoutError("A cell timed out while it was being executed, after 5 seconds.\nmore")
    info = reproduce._describe_failure(exc, str(tmp_path / "in.ipynb"), str(tmp_path / "out.ipynb"))
    assert info["cell_index"] == 2
    assert info["cell_first_line"] == "import time"
    assert info["exception"] == "CellTimeoutError: A cell timed out while it was being executed, after 5 seconds."
    # without cell ids the injected cell is skipped by counting
    for nb in (source, executed):
        for cell in nb.cells:
            cell.pop("id", None)
        nb.nbformat_minor = 4
    nbformat.write(source, tmp_path / "in.ipynb")
    nbformat.write(executed, tmp_path / "out.ipynb")
    assert reproduce._describe_failure(exc, str(tmp_path / "in.ipynb"), str(tmp_path / "out.ipynb"))["cell_index"] == 2


def _run_with(claims):
    return {"results": {"claims": claims}}


def _paper_claim(effect, verdict, margin=0.0):
    ev = {"effect": effect, "low": effect - 0.01, "high": effect + 0.01, "margin": margin, "direction": "greater",
          "verdict": verdict, "n": 100, "level": 0.95, "method": "paired bootstrap (BCa)", "what": "", "parts": []}
    return {"paper": "p", "ours": effect, "holds": verdict == "holds", "verdict": verdict, "kind": "paper",
            "evidence": ev, "note": ""}


def test_claims_whose_seeds_agree_keep_their_verdict_and_others_are_decided_across_seeds():
    flips = ((0.05, "holds"), (-0.04, "refuted"), (0.01, "inconclusive"))
    ups = ((0.12, "holds"), (0.10, "holds"), (0.11, "inconclusive"))
    runs = [_run_with({"same": _paper_claim(0.2, "holds"), "flip": _paper_claim(*f), "up": _paper_claim(*u)})
            for f, u in zip(flips, ups)]
    c = reproduce.collect_claims(runs)
    assert c["same"]["verdict"] == "holds" and c["same"]["agree"] and c["same"]["across"] is None
    assert c["flip"]["agree"] is False and c["flip"]["verdict"] == "inconclusive"  # mean 0.007, wide t interval
    assert c["flip"]["across"]["method"] == "t over 3 runs"
    assert c["flip"]["across"]["effect"] == pytest.approx((0.05 - 0.04 + 0.01) / 3)
    assert c["up"]["verdict"] == "holds" and c["up"]["across"]["low"] > 0  # 0.12, 0.10, 0.11: mean 0.11 ± 0.025
    counts = reproduce.claim_counts(list(c.values()))
    assert counts["paper"]["holds"] == 2 and counts["paper"]["decided_across_seeds"] == 2
    line = reproduce.summary_line(counts, [0, 1, 2])
    assert line == ("2 of 3 paper claims hold (0 refuted, 1 inconclusive) on seeds 0, 1, 2, "
                    "2 of them decided across the seeds, which disagree")
    assert reproduce.verdict_text(c["same"]) == "✓ holds on every seed"
    assert reproduce.verdict_text(c["flip"]).startswith("? inconclusive across the seeds, which disagree (held on 1 of 3): ")


def test_a_claim_missing_from_a_run_is_counted_missing():
    c = reproduce.collect_claims([_run_with({"a": _paper_claim(0.2, "holds")}), _run_with({})])
    assert c["a"]["verdict"] == "missing" and c["a"]["verdicts"] == ["holds", None]
    assert reproduce.verdict_text(c["a"]) == "✗ missing on 1 of 2 seeds"
    assert "1 missing" in reproduce.summary_line(reproduce.claim_counts(list(c.values())), [0, 1])


def test_records_leave_out_timings_so_that_runs_of_one_seed_compare_equal(tmp_path):
    from foley_nb_utils import results
    out = []
    for took in (1.5, 9.0):  # the same run, once on an idle machine and once under load
        run = tmp_path / f"run-{took}"
        results.configure("99_timing", run)
        results.record("accuracy", 0.75)
        results.record("notebook wall time", took, unit="s", timing=True)
        sidecar = json.loads((run / "results.json").read_text())
        assert sidecar["values"]["notebook wall time"] == {"value": took, "unit": "s", "timing": True}
        out.append(reproduce.records_of(sidecar))
    assert out[0] == out[1] == {"values": {"accuracy": 0.75}, "claims": {}}


def test_records_keep_only_the_verdict_of_a_claim_decided_from_timings(tmp_path):
    from foley_nb_utils import evidence, results
    out = []
    for took in (0.01, 0.05):  # per-clip latencies of the same run on an idle and a loaded machine
        run = tmp_path / f"run-{took}"
        results.configure("99_timing", run)
        lat = evidence.decide([took, 2 * took, 1.5 * took], 1.0, direction="less")
        results.claim("faster than real time", paper="real time", measured=lat, timing=True)
        results.claim("beats chance", paper="p", measured=evidence.decide([1.0, 1.0, 0.0, 1.0], 0.25))
        sidecar = json.loads((run / "results.json").read_text())
        assert sidecar["claims"]["faster than real time"]["evidence"]["effect"] == lat.effect  # kept in the sidecar
        assert sidecar["claims"]["faster than real time"]["timing"] is True
        out.append(reproduce.records_of(sidecar))
    assert out[0] == out[1]
    assert out[0]["claims"]["faster than real time"] == {"verdict": "holds", "evidence": None}
    assert out[0]["claims"]["beats chance"]["evidence"] is not None  # ordinary claims keep their evidence
