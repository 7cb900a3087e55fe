"""Throughput of the synthetic world and the loaders: ``python -m foley_nb_utils.bench``.

For each scene it prints clips per second generated in memory, clips per second written in the
real dataset layout, clips per second loaded back by the matching loader from the mp4s (cache
off) and from the feature cache, and the peak memory of generation (numpy/Python allocations,
``tracemalloc``) with the process's peak RSS. Everything is written to a temporary folder
(layouts and a private feature cache) that is deleted afterwards. Not a test: it times a
machine. Targets on a 2-core laptop for ``hits`` (quick: 2 s, 64×64, 15 fps, 16 kHz): ≥ 200
clips/s generated, ≥ 30 clips/s written, cache ≥ 20× faster than decoding.

Notebook: 03_datasets
"""
from __future__ import annotations

import argparse
import contextlib
import gc
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any, Callable

TARGETS = {"hits": {"gen": 200.0, "write": 30.0, "speedup": 20.0}}

#: Default clip counts of a run (per scene) for ``--quick`` and the normal run.
N_CLIPS = {"hits": 200, "instruments": 400, "scenes": 100, "keyboard": 20, "dance": 60}


def _loader(scene: str) -> Callable[[Path, bool], Any] | None:
    """The loader that reads a scene's layout back, as ``f(root, cache) -> SceneBatch``."""
    from . import datasets

    if scene == "hits":
        return lambda root, cache: datasets.greatest_hits.load(root, "all", cache=cache)
    if scene == "instruments":
        return lambda root, cache: datasets.sub_urmp.load(root, "all", cache=cache)
    if scene == "scenes":
        return lambda root, cache: datasets.class_folders.load(root, "all", clip_s=2.0, fps=10, cache=cache)
    if scene == "dance":
        return lambda root, cache: datasets.aist.load(root, "all", cache=cache)
    if scene == "keyboard":
        return lambda root, cache: datasets.piano.load(root, "all", cache=cache)
    return None


def _best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """Best wall time, best CPU time of this process (both s) and the last result."""
    best, best_cpu, out = float("inf"), float("inf"), None
    for _ in range(repeat):
        gc.collect()
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        best = min(best, time.perf_counter() - t)
        best_cpu = min(best_cpu, time.process_time() - c)
    return best, best_cpu, out


def _peak_rss_mb() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / 2**20 if sys.platform == "darwin" else r / 1024


def bench_scene(scene: str, n: int, profile: str, workdir: Path, repeat: int = 2) -> dict[str, Any]:
    """Measure one scene; returns a row of the table (rates in clips per second, memory in MB).

    Notebook: 03_datasets
    """
    from . import synth

    mod = synth.scene_module(scene)
    mod.generate(2, 0, profile)                                   # imports and caches warm up
    t_gen, c_gen, batch = _best_of(lambda: mod.generate(n, 0, profile), repeat)
    tracemalloc.start()
    mod.generate(n, 0, profile)
    peak_alloc = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    roots = iter(workdir / f"{scene}-{k}" for k in range(1000))
    t_write, c_write, root = _best_of(lambda: mod.write_layout(batch, next(roots)), repeat)
    row: dict[str, Any] = {"scene": scene, "n": n, "gen": n / t_gen, "write": n / t_write,
                           "mp4": None, "cache": None, "speedup": None, "peak_alloc_mb": peak_alloc,
                           "cpu": {"gen": n / c_gen, "write": n / c_write}}
    load = _loader(scene)
    if load is not None:
        t_mp4, c_mp4, got = _best_of(lambda: load(root, False), 1)
        load(root, True)                                          # fill the cache
        t_cache, c_cache, _ = _best_of(lambda: load(root, True), repeat)
        row.update(mp4=len(got) / t_mp4, cache=len(got) / t_cache, speedup=t_mp4 / t_cache)
        row["cpu"].update(mp4=len(got) / c_mp4, cache=len(got) / c_cache, speedup=c_mp4 / c_cache)
    row["peak_rss_mb"] = _peak_rss_mb()
    return row


def format_table(rows: list[dict[str, Any]]) -> str:
    """The rows as a fixed-width text table with the targets' verdicts.

    Notebook: 03_datasets
    """
    head = (f"{'scene':<12}{'clips':>6}{'gen/s':>9}{'write/s':>9}{'mp4 load/s':>12}{'cache load/s':>14}"
            f"{'speedup':>9}{'peak alloc MB':>15}{'peak RSS MB':>13}  targets")
    lines = [head, "-" * len(head)]
    fmt = lambda v, w, p=1: f"{v:>{w}.{p}f}" if v is not None else f"{'-':>{w}}"  # noqa: E731
    for r in rows:
        verdicts = []
        for k, target in TARGETS.get(r["scene"], {}).items():
            if r.get(k) is not None:
                verdicts.append(f"{k} {'ok' if r[k] >= target else 'BELOW'} (>= {target:g})")
        lines.append(f"{r['scene']:<12}{r['n']:>6}{fmt(r['gen'], 9)}{fmt(r['write'], 9)}{fmt(r['mp4'], 12)}"
                     f"{fmt(r['cache'], 14)}{fmt(r['speedup'], 9)}{fmt(r['peak_alloc_mb'], 15)}"
                     f"{fmt(r['peak_rss_mb'], 13)}  {', '.join(verdicts)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    """Command line entry point (``python -m foley_nb_utils.bench --help``).

    Notebook: 03_datasets
    """
    from . import synth

    ap = argparse.ArgumentParser(prog="python -m foley_nb_utils.bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenes", default=",".join(synth.SCENES), help="comma-separated scenes")
    ap.add_argument("--profile", default="quick", choices=("quick", "full"))
    ap.add_argument("--n", type=int, default=None, help="clips per scene (default: per-scene)")
    ap.add_argument("--repeat", type=int, default=2, help="timed repetitions (best is kept)")
    args = ap.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="foley-bench-") as tmp:
        print(f"load average before: {os.getloadavg()[0]:.1f}", file=sys.stderr)
        old = os.environ.get("FOLEY_CACHE_DIR")
        os.environ["FOLEY_CACHE_DIR"] = str(Path(tmp) / "cache")     # never touch the user's cache
        try:
            for scene in [s.strip() for s in args.scenes.split(",") if s.strip()]:
                n = args.n or N_CLIPS.get(scene, 50)
                try:
                    rows.append(bench_scene(scene, n, args.profile, Path(tmp), args.repeat))
                except (ImportError, AttributeError, NotImplementedError) as e:
                    print(f"{scene}: skipped ({e})", file=sys.stderr)
                with contextlib.suppress(Exception):
                    print(format_table(rows[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
        finally:
            if old is None:
                os.environ.pop("FOLEY_CACHE_DIR", None)
            else:
                os.environ["FOLEY_CACHE_DIR"] = old
    load = os.getloadavg()[0]
    print(f"foley_nb_utils.bench · profile {args.profile} · {os.cpu_count()} CPU cores · load average "
          f"{load:.1f} · rates in clips per second of wall time (best of {args.repeat})")
    print(format_table(rows))
    print("\nthe same per second of this process's CPU time (less sensitive to other work on the machine):")
    print(format_table([{**r, **r["cpu"]} for r in rows]))
    if load > (os.cpu_count() or 1):
        print(f"note: the machine was busy (load {load:.1f} > {os.cpu_count()} cores): wall-time rates are pessimistic")
    return rows


if __name__ == "__main__":
    main()
