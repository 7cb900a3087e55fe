"""Killed and concurrent runs lose nothing and corrupt nothing (issue 21).

A small pipeline runs in a child process, as a notebook does: write a synthetic world
(``synth.ensure``), load it through a loader and its feature caches, train a model with a
checkpoint (``fnu.train.fit(name=...)``) and record results (``fnu.results``). The tests

- kill the child with SIGKILL at random moments, many times over, on one cache, and then check
  that a final run neither fails nor reads a partial file: its records equal an undisturbed run's;
- start two children at once on one empty cache (two students on a shared machine) and check that
  both finish with the undisturbed records.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.slow

PIPELINE = r"""
import hashlib, json, sys
import numpy as np, torch
from foley_nb_utils import results, synth, train
from foley_nb_utils.datasets import greatest_hits

out = sys.argv[1]
stage = lambda name: print("STAGE " + name, flush=True)  # so that the test can kill inside each stage
stage("world")
root = synth.ensure("hits", seed=0, profile="quick", n=6)
stage("load")
batch = greatest_hits.load(root, split="all", fps=10.0, size=32, clip_s=1.0)
x = torch.from_numpy(batch.audio[:, :4000].astype(np.float32))
y = torch.from_numpy(batch.frames.reshape(len(batch.frames), -1)[:, :64].astype(np.float32) / 255)
stage("train")
torch.manual_seed(0)
model = torch.nn.Linear(4000, 64)
hist = train.fit(model, lambda step: (x, y), lambda m, b: torch.nn.functional.mse_loss(m(b[0]), b[1]),
                 steps=200, name="crash-safety", config={"n": len(x)}, progress=False)
stage("record")
results.configure("99_crash_safety", out)
digest = lambda a: hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()
rec = {"frames": digest(batch.frames), "audio": digest(batch.audio),
       "weights": digest(torch.cat([p.detach().flatten() for p in model.parameters()]).numpy()),
       "last loss": float(hist["loss"][-1]),
       "files": sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())}
for k, v in rec.items():
    results.record(k, v)
print("RECORDS " + json.dumps(rec))
"""


def _env(cache: Path, world: Path) -> dict:
    return {**os.environ, "FOLEY_CACHE_DIR": str(cache), "FOLEY_SYNTH_DIR": str(world), "OMP_NUM_THREADS": "1"}


def _start(tmp: Path, cache: Path, world: Path, label: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-u", "-c", PIPELINE, str(tmp / f"out-{label}")], env=_env(cache, world),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_stage(proc: subprocess.Popen, name: str) -> float | None:
    """Read the child's output up to the line ``STAGE name``; its time, or None if the child ended first."""
    for line in proc.stdout:
        if line.strip() == f"STAGE {name}":
            return time.perf_counter()
    return None


def _records(proc: subprocess.Popen, timeout: float = 300) -> dict:
    stdout, stderr = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, f"pipeline failed:\n{stderr[-3000:]}"
    line = next(ln for ln in stdout.splitlines() if ln.startswith("RECORDS "))
    return json.loads(line[len("RECORDS "):])


@pytest.fixture(scope="module")
def undisturbed(tmp_path_factory):
    """The records of a run that nothing disturbs, and how long each stage of it took (s)."""
    tmp = tmp_path_factory.mktemp("undisturbed")
    proc = _start(tmp, tmp / "cache", tmp / "world", "ref")
    starts = {name: _wait_for_stage(proc, name) for name in STAGES}
    end = time.perf_counter()
    rest, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, f"pipeline failed:\n{stderr[-3000:]}"
    line = next(ln for ln in rest.splitlines() if ln.startswith("RECORDS "))
    bounds = [starts[n] for n in STAGES] + [end]
    return json.loads(line[len("RECORDS "):]), {n: b - a for n, a, b in zip(STAGES, bounds, bounds[1:])}


STAGES = ("world", "load", "train", "record")


def test_killed_runs_leave_nothing_that_a_later_run_misreads(undisturbed, tmp_path):
    ref, took = undisturbed
    cache, world = tmp_path / "cache", tmp_path / "world"
    gen = np.random.default_rng(0)
    kills = []
    # each run is killed at a random moment inside one stage, the stages in pipeline order, so
    # that every stage is cut short at least twice, whatever the earlier, killed runs had cached
    for i, name in enumerate(("world",) * 3 + ("load",) * 3 + ("train",) * 3 + ("record",)):
        proc = _start(tmp_path, cache, world, f"killed{i}")
        if _wait_for_stage(proc, name) is not None:
            time.sleep(float(gen.uniform(0.05, 0.9)) * took[name])
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills.append(name)
        proc.communicate()
    assert len(kills) >= 5 and {"world", "load", "train"} <= set(kills), \
        f"only {kills} were killed while running: the pipeline is too fast to test"
    assert _records(_start(tmp_path, cache, world, "after")) == ref
    # and a second run after that reads everything from the cache, still the same
    assert _records(_start(tmp_path, cache, world, "again")) == ref


def test_two_runs_at_once_on_one_empty_cache_both_finish_with_the_same_records(undisturbed, tmp_path):
    ref, _ = undisturbed
    cache, world = tmp_path / "cache", tmp_path / "world"
    a, b = (_start(tmp_path, cache, world, name) for name in ("student-a", "student-b"))
    assert _records(a) == ref and _records(b) == ref
    for name in ("student-a", "student-b"):  # each kept its own results
        assert json.loads((tmp_path / f"out-{name}" / "results.json").read_text())["values"]["weights"]["value"] == ref["weights"]
