"""`make full` (tools/run_full.py) and the runner's GPU memory sampler, without a GPU."""
from __future__ import annotations

import importlib.util
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from foley_nb_utils import reproduce

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("run_full", ROOT / "tools" / "run_full.py")
run_full = importlib.util.module_from_spec(spec)
spec.loader.exec_module(run_full)


def _fake_nvidia_smi(folder: Path, values_file: Path) -> None:
    """An nvidia-smi that prints the next line of values_file each call (memory.used in MiB, one per GPU)."""
    exe = folder / "nvidia-smi"
    exe.write_text("#!/bin/sh\n"
                   f"line=$(head -n 1 '{values_file}')\n"
                   f"tail -n +2 '{values_file}' > '{values_file}.tmp'; mv '{values_file}.tmp' '{values_file}'\n"
                   "if [ -z \"$line\" ]; then echo 100; else echo \"$line\" | tr ',' '\\n'; fi\n")
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)


def test_the_sampler_keeps_the_largest_reading_summed_over_gpus(tmp_path, monkeypatch):
    values = tmp_path / "values"
    values.write_text("300\n2000,500\n900\n")
    _fake_nvidia_smi(tmp_path, values)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    with reproduce.GpuMemorySampler(interval_s=0.01) as gpu:
        time.sleep(0.5)
    assert gpu.peak_mb == 2500.0


def test_without_nvidia_smi_the_gpu_peak_is_none(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing on it
    with reproduce.GpuMemorySampler(interval_s=0.01) as gpu:
        time.sleep(0.05)
    assert gpu.peak_mb is None
    assert reproduce._gpu_names() == []


def test_without_a_gpu_make_full_stops_before_running_anything(tmp_path):
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    out = subprocess.run([sys.executable, str(ROOT / "tools" / "run_full.py"), "--out", str(tmp_path)],
                         capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode != 0
    assert "needs a CUDA GPU" in out.stderr and "--allow-cpu" in out.stderr
    assert not any(tmp_path.iterdir())  # no run folder was made


def _summary(profile="full"):
    runs = [{"seed": None, "status": "ok", "wall_s": 312.0, "peak_mb": 4096.0, "gpu_peak_mb": 10240.0,
             "within_budget": True}]
    slow = [{"seed": None, "status": "failed", "wall_s": 1200.0, "peak_mb": None, "gpu_peak_mb": None,
             "within_budget": False}]
    return {"profile": profile, "started": "2026-12-07T10:00:00", "run_dir": "runs/full/x",
            "machine": {"gpus": ["NVIDIA H100 80GB HBM3, 81559 MiB"]},
            "notebooks": [{"notebook": "05_a", "runs": runs}, {"notebook": "20_b", "runs": slow}]}


def test_the_table_shows_times_memory_and_budget_per_notebook():
    table = run_full.full_table(_summary(), "NVIDIA H100")
    assert "on NVIDIA H100" in table and "2026-12-07" in table and "budget 15 min" in table
    assert "| 05_a | ok | 5.2 | 4.0 | 10.0 | yes |" in table
    assert "| 20_b | failed | 20.0 | – | – | no |" in table
    assert "**25.2**" in table  # total minutes
    with pytest.raises(ValueError, match="not a full-profile"):
        run_full.full_table(_summary("quick"), "x")


def test_the_readme_block_is_replaced_and_nothing_else(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# T\n\nbefore\n<!-- full-table -->\nold\n<!-- /full-table -->\nafter\n")
    run_full.write_readme("NEW TABLE\n", readme)
    assert readme.read_text() == "# T\n\nbefore\n<!-- full-table -->\nNEW TABLE\n<!-- /full-table -->\nafter\n"
    (tmp_path / "bare.md").write_text("no block\n")
    with pytest.raises(SystemExit, match="no <!-- full-table -->"):
        run_full.write_readme("x", tmp_path / "bare.md")


def test_the_real_readme_has_the_block():
    assert run_full.README_BLOCK.search((ROOT / "README.md").read_text(encoding="utf-8"))


def test_a_table_from_a_saved_summary(tmp_path, capsys):
    import json

    path = tmp_path / "summary.json"
    path.write_text(json.dumps(_summary()))
    assert run_full.main(["--from-summary", str(path)]) == 0
    assert "NVIDIA H100 80GB HBM3" in capsys.readouterr().out
