"""The benchmark of the series: every method on one shared test split per track, one metric suite.

The survey names a common benchmark as a future direction; this module builds one from the
series' own models (never from typed-in numbers):

- a :class:`Track` is one task on one synthetic world with **one** test split and one reference
  set of real clips (both drawn from the world with seeds of their own, so no method trained on
  them), the judge that scores it and the metrics that apply;
- a :class:`Method` is a small adapter: ``load(profile, seed, device)`` returns the method's
  trained model(s) — the very weights its notebook trains, from the same checkpoint
  (:func:`foley_nb_utils.train.fit` keys a checkpoint by name, config and architecture, so the
  notebook and the benchmark share it; a missing one is trained, once) — and
  ``generate(trained, test, seed)`` the sound of every test clip at the track's sample rate;
- :func:`run_track` scores every method with :func:`score` — the same code for all: Fréchet
  distance and paired KL with the audio judge's embedding and posteriors, Inception Score, judged
  class accuracy, onset accuracy and AP, DeSync from the sync judge, R@1 (a generated clip
  retrieves its own real clip), each with a bootstrap interval over the test clips — and
  measures the cost: parameters, training time, sampling time per second of audio and the peak
  memory of sampling;
- :func:`table`, :func:`plot_scatter`, :func:`plot_metrics` and :func:`listening` show a track;
  :func:`scoreboard` lists every paper claim of the series with its verdict on seeds 0–2, from a
  three-seed run's ``summary.json`` (:mod:`foley_nb_utils.reproduce` merges the seeds).

Adding a method is one :func:`register` call with its two functions (see :func:`builtin_methods`).

Notebook: 24_benchmark
"""
from __future__ import annotations

import glob
import json
import math
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import evidence
from . import repro

__all__ = ["METRIC_INFO", "Method", "Result", "Scorer", "Track", "TRACKS", "Trained", "bootstrap", "builtin_methods",
           "convert", "fit_length",
           "latest_summary", "listening", "methods_of", "peak_memory", "plot_metrics", "plot_scatter",
           "register", "run_track", "scoreboard", "score", "table"]

#: Bootstrap resamples of the set-level metrics (Fréchet distance, IS, KL, onset AP).
N_BOOT = 200


# ------------------------------------------------------------------------------ intervals
def bootstrap(stat: Callable[[np.ndarray], float], n: int, *, per_clip: np.ndarray | None = None,
              n_resamples: int = N_BOOT, level: float = 0.95, seed: int = 0) -> tuple[float, float, float]:
    """A metric and its bootstrap interval over the test clips.

    Args:
        stat: ``stat(idx) -> float``, the metric on the clips ``idx`` (int array, with repeats);
            used for set-level metrics (Fréchet distance, Inception Score).
        n: number of test clips.
        per_clip: when the metric is a mean of per-clip values (accuracy, DeSync, R@1), those
            values ``[n]``: the interval is then :func:`foley_nb_utils.evidence.decide`'s (BCa,
            2000 resamples) and ``stat`` is not called.
        n_resamples: resamples for a set-level metric: the percentile interval of the resamples,
            shifted by their median's bias (median of the resamples minus the value).
        level: confidence level.
        seed: the resampling generator's seed (the same clips give the same interval).

    Returns:
        ``(value, low, high)``.

    Notebook: 24_benchmark
    """
    if n < 2:
        raise ValueError(f"bootstrap needs at least 2 test clips, got {n}")
    if per_clip is not None:
        v = np.asarray(per_clip, dtype=np.float64)
        if v.shape != (n,):
            raise ValueError(f"per_clip must have shape ({n},), got {v.shape}")
        v = v[np.isfinite(v)]
        if v.size < 2:
            return float("nan"), float("nan"), float("nan")
        e = evidence.decide(v, 0.0, level=level, seed=seed)
        return e.effect, e.low, e.high
    value = float(stat(np.arange(n)))
    rng = np.random.default_rng(seed)
    draws = np.array([stat(rng.integers(0, n, n)) for _ in range(int(n_resamples))], dtype=np.float64)
    draws = draws[np.isfinite(draws)]
    if draws.size < 2:
        return value, float("nan"), float("nan")
    a = (1 - level) / 2
    # a set-level statistic of a resample with repeated clips is biased (a Fréchet distance
    # grows: fewer distinct clips); the interval is the resamples' spread around the value itself
    shift = float(np.median(draws)) - value
    return value, float(np.quantile(draws, a)) - shift, float(np.quantile(draws, 1 - a)) - shift


# ------------------------------------------------------------------------------ adapters' helpers
def convert(batch, *, fps: float | None = None, sr: int | None = None, size: int | None = None):
    """The same clips at a method's own rates: frames resampled in time (nearest earlier frame) and
    space (area), audio resampled (:func:`foley_nb_utils.audio.resample`); events and labels kept
    (their times are in seconds).

    Notebook: 24_benchmark
    """
    import dataclasses

    from .audio import resample

    frames, audio = batch.frames, batch.audio
    if fps is not None and frames.ndim == 5 and abs(float(fps) - batch.fps) > 1e-9:
        T = frames.shape[1]
        n_out = int(round(T / batch.fps * float(fps)))
        idx = np.minimum((np.arange(n_out) / float(fps) * batch.fps + 1e-9).astype(int), T - 1)
        frames = frames[:, idx]
    if size is not None and frames.shape[-2] != int(size):
        import torch
        import torch.nn.functional as F

        lead = frames.shape[:-3]
        x = torch.from_numpy(np.ascontiguousarray(frames.reshape(-1, *frames.shape[-3:]))).permute(0, 3, 1, 2)
        x = F.interpolate(x.float(), size=(int(size), int(size)), mode="area")
        frames = x.round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).numpy().reshape(*lead, int(size),
                                                                                              int(size), 3)
    if sr is not None and int(sr) != batch.sr:
        n_out = int(round(audio.shape[-1] / batch.sr * int(sr)))
        audio = resample(audio, batch.sr, int(sr))[..., :n_out]
    return dataclasses.replace(batch, frames=frames, audio=np.ascontiguousarray(audio, dtype=np.float32),
                               fps=float(fps if fps is not None else batch.fps), sr=int(sr or batch.sr))


def fit_length(audio: np.ndarray, n: int) -> np.ndarray:
    """Audio ``[N, m]`` cut or zero-padded to ``n`` samples.

    Notebook: 24_benchmark
    """
    a = np.asarray(audio, dtype=np.float32)
    if a.shape[-1] >= n:
        return np.ascontiguousarray(a[..., :n])
    return np.concatenate([a, np.zeros((*a.shape[:-1], n - a.shape[-1]), np.float32)], axis=-1)


# ------------------------------------------------------------------------------ tracks and methods
@dataclass(frozen=True)
class MetricDef:
    """How to read a benchmark metric: ``better`` +1 (higher) or -1 (lower), its unit, a line."""

    better: int
    unit: str
    what: str


#: The metrics :func:`score` reports (a track reports those it can measure).
METRIC_INFO: dict[str, MetricDef] = {
    "FD": MetricDef(-1, "", "Fréchet distance of the audio judge's embeddings to the reference real set"),
    "KL": MetricDef(-1, "nats", "paired KL(p(class | real) || p(class | generated)), audio judge"),
    "IS": MetricDef(+1, "", "Inception Score of the audio judge's posteriors"),
    "accuracy": MetricDef(+1, "", "audio judge names the class the sound should have"),
    "onset_acc": MetricDef(+1, "", "clips with the right number of onsets"),
    "onset_ap": MetricDef(+1, "", "onset AP within ±0.1 s (CondFoleyGen scoring)"),
    "onset_ap_strict": MetricDef(+1, "", "onset AP within ±0.1 s, a missed event counts (silence scores 0)"),
    "desync": MetricDef(-1, "s", "mean |audio-visual offset| predicted by the sync judge (DeSync)"),
    "R@1": MetricDef(+1, "", "the generated clip retrieves its own real clip (audio judge embedding)"),
}


@dataclass
class Trained:
    """What an adapter's ``load`` returns.

    Attributes:
        models: name → ``nn.Module`` (everything whose parameters the method needs to sample).
        train_seconds: training wall time in s (``None`` when the checkpoints do not say).
        loaded: True when every model came from a checkpoint.
        state: anything else ``generate`` needs (e.g. the training clips' feature statistics).
    """

    models: dict
    train_seconds: float | None = None
    loaded: bool = False
    state: Any = None

    @property
    def n_params(self) -> int:
        return int(sum(p.numel() for m in self.models.values() for p in m.parameters()))


@dataclass(frozen=True)
class Method:
    """One method of a track: a name, its notebook and the adapter's two functions.

    Attributes:
        name: the row label (e.g. ``"RegNet (15)"``).
        notebook: the notebook stem whose checkpoint it uses.
        track: a key of :data:`TRACKS`.
        load: ``load(profile, seed, device) -> Trained``.
        generate: ``generate(trained, test, seed) -> float32 [N, n]`` audio at ``test.sr``
            (``test`` the track's :class:`~foley_nb_utils.clips.SceneBatch`).
    """

    name: str
    notebook: str
    track: str
    load: Callable[[str, int, Any], Trained]
    generate: Callable[[Trained, Any, int], np.ndarray]


@dataclass(frozen=True)
class Track:
    """One task on one world: the shared test split, the reference set and the scoring.

    Attributes:
        name: short key.
        title: one line.
        world: the synthetic world (``foley_nb_utils.synth.<world>``) and its judges'.
        head: the audio judge head the class metrics use (the class a sound should have).
        settings: per profile, the world's overrides (the split's rates and sizes).
        notebooks: the method notebooks that belong to the track (adapters or not yet).
        n_test, n_ref: per profile, test and reference clips.
        sync: whether the world has video a sync judge reads (DeSync).
    """

    name: str
    title: str
    world: str
    head: str
    settings: Mapping[str, Mapping[str, Any]]
    notebooks: tuple[str, ...]
    n_test: Mapping[str, int] = field(default_factory=lambda: {"quick": 200, "full": 1000})
    n_ref: Mapping[str, int] = field(default_factory=lambda: {"quick": 300, "full": 1000})
    sync: bool = True

    def split(self, profile: str):
        """``(test, reference)`` :class:`~foley_nb_utils.clips.SceneBatch` es of the track: drawn from the
        world with seeds no method trains on (the same for every method, seed and run)."""
        import importlib

        profile = repro.check_profile(profile)
        mod = importlib.import_module(f"foley_nb_utils.synth.{self.world}")
        kw = dict(self.settings[profile])
        seed = int(repro.rng(0, "benchmark", self.name, "split").integers(2**31))
        test = mod.generate(self.n_test[profile], seed=seed, profile=profile, **kw)
        ref = mod.generate(self.n_ref[profile], seed=seed + 1, profile=profile, **kw)
        return test, ref


#: The benchmark's tracks. The hits track is the world's own rates (16 kHz, 15 fps: those of its
#: judges) with the smaller frames and fewer events most method notebooks train on; each adapter
#: converts the clips to its method's rates (:func:`convert`) and its sound back to the track's.
TRACKS: dict[str, Track] = {
    "video_to_sound": Track(
        "video_to_sound", "video → sound on the hits world", "hits", "material",
        {"quick": dict(size=32, max_events=3, camera_jitter=False),
         "full": dict(size=64, max_events=3, camera_jitter=True)},
        ("05", "09", "10", "15", "16", "18", "20", "21", "22", "23", "25")),
    "image_sound": Track("image_sound", "image ↔ sound on the instruments world", "instruments", "instrument",
                         {"quick": {}, "full": {}}, ("07", "08", "13"), sync=False),
    "music": Track("music", "music from a performance", "keyboard", "", {"quick": {}, "full": {}},
                   ("12", "14", "17"), sync=False),
    "inpainting": Track("inpainting", "audio inpainting from video", "hits", "material", {"quick": {}, "full": {}},
                        ("11",)),
    "impact": Track("impact", "impact sounds of materials", "hits", "material", {"quick": {}, "full": {}}, ("19",),
                    sync=False),
}

_REGISTRY: dict[str, list[Method]] = {}


def register(method: Method) -> Method:
    """Add a method to its track (a second method of the same name replaces the first).

    Notebook: 24_benchmark
    """
    if method.track not in TRACKS:
        raise ValueError(f"unknown track {method.track!r}; tracks: {sorted(TRACKS)}")
    rows = [m for m in _REGISTRY.setdefault(method.track, []) if m.name != method.name]
    _REGISTRY[method.track] = [*rows, method]
    return method


def methods_of(track: str, registry: Mapping[str, Sequence[Method]] | None = None) -> list[Method]:
    """The registered methods of a track (``registry``: another registry, e.g. in a test).

    Notebook: 24_benchmark
    """
    if track not in TRACKS and registry is None:
        raise ValueError(f"unknown track {track!r}; tracks: {sorted(TRACKS)}")
    return list((_REGISTRY if registry is None else registry).get(track, []))


def builtin_methods() -> dict[str, list[Method]]:
    """Register the adapters of the method notebooks that have one and return the registry.

    Each adapter is a pair of functions in the method's module: ``benchmark_models(profile, seed,
    device)`` (the notebook's own data, models, settings and training call, loaded from its
    checkpoint) and ``benchmark_generate``.

    Notebook: 24_benchmark
    """
    from .methods import m15_regnet as m15
    from .methods import m16_autofoley as m16

    register(Method("RegNet (15)", "15_2020_regnet", "video_to_sound",
                    load=lambda p, s, d: m15.benchmark_models(p, s, d, variants=(m15.REGNET,)),
                    generate=m15.benchmark_generate))
    register(Method("AutoFoley (16)", "16_2020_autofoley", "video_to_sound", load=m16.benchmark_models,
                    generate=m16.benchmark_generate))
    return _REGISTRY


# ------------------------------------------------------------------------------ cost
class peak_memory:
    """Context manager: the peak resident memory above the start, in MB, while the block runs
    (sampled every 5 ms on CPU; ``torch.cuda.max_memory_allocated`` on CUDA).

    Notebook: 24_benchmark
    """

    def __init__(self, device: Any = "cpu", every_s: float = 0.005):
        self.cuda = str(device).startswith("cuda")
        self.every_s = every_s
        self.mb = 0.0

    def __enter__(self):
        if self.cuda:
            import torch

            torch.cuda.reset_peak_memory_stats()
            self._base = torch.cuda.memory_allocated()
            return self
        import psutil

        self._proc = psutil.Process(os.getpid())
        self._base = self._peak = self._proc.memory_info().rss
        self._stop = threading.Event()

        def watch():
            while not self._stop.wait(self.every_s):
                self._peak = max(self._peak, self._proc.memory_info().rss)

        self._thread = threading.Thread(target=watch, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        if self.cuda:
            import torch

            self.mb = (torch.cuda.max_memory_allocated() - self._base) / 2**20
            return False
        self._stop.set()
        self._thread.join()
        self._peak = max(self._peak, self._proc.memory_info().rss)
        self.mb = (self._peak - self._base) / 2**20
        return False


# ------------------------------------------------------------------------------ scoring
class Scorer:
    """The judges and the reference statistics of one track, computed once for all methods.

    Args:
        track: the :class:`Track`.
        test, ref: its split (:meth:`Track.split`).
        profile, device: the judges' profile and device (judges use seed 0: one ruler for all).

    Notebook: 24_benchmark
    """

    def __init__(self, track: Track, test, ref, profile: str = "quick", device: Any = "cpu", *, judges=None):
        from .metrics import distribution as D
        from .metrics import judges as J

        self.track, self.test, self.sr = track, test, int(test.sr)
        if judges is None:
            kinds = ("audio", "sync") if track.sync else ("audio",)
            judges = J.judge_panel(track.world, kinds, profile=profile, seed=0, device=device)
        self.judge, self.sync = judges["audio"], judges.get("sync")
        self.labels = np.asarray(test.labels[track.head]) if track.head else None
        self.targets = [np.array([e.time_s for e in ev if getattr(e, "visible", True)]) for ev in test.events]
        self.ref_stats = D.gaussian_stats(self.judge.embed(ref.audio, int(ref.sr)))
        self.real = self._analyse(test.audio)

    def _analyse(self, audio: np.ndarray) -> dict:
        from .metrics.features import single_thread

        with single_thread():
            S = self.judge.logmel(audio, self.sr)
            probs, emb = self.judge.analyse_logmel(S)
        head = self.track.head or next(iter(probs))
        return {"logmel": S, "probs": probs[head], "emb": emb}

    def __call__(self, audio: np.ndarray, seed: int = 0) -> dict[str, tuple[float, float, float]]:
        """Every metric of the track on generated clips ``[N, n]`` (paired with the test clips).

        Returns:
            metric → ``(value, low, high)`` (95 % bootstrap interval over the test clips).
        """
        from .metrics import distribution as D
        from .metrics.onsets import onset_scores, scored_onsets_batch
        from .metrics.retrieval import retrieval_hits

        audio = np.asarray(audio, dtype=np.float32)
        n = len(self.test)
        if audio.ndim != 2 or len(audio) != n:
            raise ValueError(f"generated audio must be [{n}, samples] (one clip per test clip), got {audio.shape}")
        g = self._analyse(audio)
        pg, pr, emb = g["probs"], self.real["probs"], g["emb"]
        out: dict[str, tuple[float, float, float]] = {}
        out["FD"] = bootstrap(lambda i: D.frechet_distance(self.ref_stats, emb[i]), n, seed=seed)
        out["KL"] = bootstrap(None, n, per_clip=np.array([D.kl_divergence(pr[k:k + 1], pg[k:k + 1])
                                                          for k in range(n)]), seed=seed)
        out["IS"] = bootstrap(lambda i: D.inception_score(pg[i]), n, seed=seed)
        if self.labels is not None:
            ok = self.labels >= 0
            out["accuracy"] = bootstrap(None, n, per_clip=np.where(ok, pg.argmax(1) == self.labels, np.nan), seed=seed)
        hits = retrieval_hits(emb, self.real["emb"], ks=(1,))["R@1"]
        out["R@1"] = bootstrap(None, n, per_clip=hits, seed=seed)
        if any(len(t) for t in self.targets):
            det = scored_onsets_batch(audio, self.sr)
            pt, pc = [d[0] for d in det], [d[1] for d in det]
            res = onset_scores(self.targets, pt, pc, per_clip=True)
            count_ok = np.array([len(t) == len(p) for t, p in zip(self.targets, pt)], dtype=np.float64)
            out["onset_acc"] = bootstrap(None, n, per_clip=count_ok, seed=seed)
            out["onset_ap"] = bootstrap(None, n, per_clip=res["per_clip"]["onset_ap"], seed=seed)
            out["onset_ap_strict"] = bootstrap(None, n, per_clip=res["per_clip"]["onset_ap_strict"], seed=seed)
        if self.sync is not None:
            off = self.sync.predict_offset(self.test.frames, audio, self.test.fps, self.sr)
            out["desync"] = bootstrap(None, n, per_clip=np.abs(off), seed=seed)
        return out


def score(scorer: Scorer, audio: np.ndarray, seed: int = 0) -> dict[str, tuple[float, float, float]]:
    """:class:`Scorer` applied to one method's clips (the same code for every method).

    Notebook: 24_benchmark
    """
    return scorer(audio, seed)


@dataclass
class Result:
    """One method's row of a track: metrics with intervals, costs, and its clips (for listening)."""

    method: str
    notebook: str
    metrics: dict
    cost: dict
    audio: np.ndarray | None = None


def run_track(track: str | Track, methods: Sequence[Method], *, profile: str = "quick", seed: int = 0,
              device: Any = "cpu", baselines: bool = True, scorer: Scorer | None = None,
              progress: bool = True) -> tuple[list[Result], Scorer]:
    """Load (or train) every method of a track, generate the test split, score it, measure its cost.

    Args:
        track: a key of :data:`TRACKS` or a :class:`Track`.
        methods: the adapters (:func:`methods_of`).
        profile, seed, device: the methods' own profile and seed (their checkpoints).
        baselines: also score the real sound (the ceiling) and the real sound of another test
            clip (right kind of sound, wrong timing: what a model that ignores the video can reach).
        scorer: a :class:`Scorer` built before (the judges), else built here.

    Returns:
        ``(results, scorer)``; ``cost`` has ``params``, ``train_s`` (None: unknown), ``loaded``,
        ``sample_s_per_audio_s`` and ``peak_mb``.

    Notebook: 24_benchmark
    """
    from tqdm.auto import tqdm

    tr = TRACKS[track] if isinstance(track, str) else track
    if scorer is None:
        test, ref = tr.split(profile)
        scorer = Scorer(tr, test, ref, profile, device)
    test = scorer.test
    seconds = len(test) * test.audio.shape[1] / test.sr
    results = []
    if baselines:
        results.append(Result("real sound", "—", scorer(test.audio, seed), {}, test.audio))
        other = np.roll(np.arange(len(test)), 1)
        results.append(Result("another clip's real sound", "—", scorer(test.audio[other], seed), {},
                              test.audio[other]))
    for m in tqdm(methods, desc=f"{tr.name}: methods", disable=not progress, leave=False):
        t0 = time.perf_counter()
        trained = m.load(profile, seed, device)
        wall = time.perf_counter() - t0
        with peak_memory(device) as mem:
            t1 = time.perf_counter()
            audio = np.asarray(m.generate(trained, test, seed), dtype=np.float32)
            sample_s = time.perf_counter() - t1
        if audio.shape != test.audio.shape:
            raise ValueError(f"{m.name}: generate returned {audio.shape}, the test clips are {test.audio.shape}")
        train_s = trained.train_seconds if trained.train_seconds else (None if trained.loaded else wall)
        cost = {"params": trained.n_params, "train_s": train_s, "loaded": trained.loaded,
                "sample_s_per_audio_s": sample_s / seconds, "peak_mb": mem.mb}
        results.append(Result(m.name, m.notebook, scorer(audio, seed), cost, audio))
    return results, scorer


# ------------------------------------------------------------------------------ display
def _fmt(v: float, digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "—"
    return f"{v:.{digits}g}"


def rows(results: Sequence[Result], sort_by: str | None = None) -> list[dict]:
    """One dict per method: ``metric`` = value, ``metric ±`` = its interval, then the costs;
    sorted best first by ``sort_by`` (a metric; default the first one), the baselines last.

    Notebook: 24_benchmark
    """
    if not results:
        return []
    names = [k for k in METRIC_INFO if k in results[0].metrics]
    key = sort_by or names[0]
    if key not in METRIC_INFO:
        raise ValueError(f"sort_by must be one of {names}, got {sort_by!r}")
    better = METRIC_INFO[key].better

    def order(r: Result):
        v = r.metrics.get(key, (float("nan"),))[0]
        return (not r.cost, math.isnan(v), -better * v if not math.isnan(v) else 0.0)

    out = []
    for r in sorted(results, key=order):
        row = {"method": r.method, "notebook": r.notebook[:2]}
        for k in names:
            v, lo, hi = r.metrics.get(k, (float("nan"),) * 3)
            row[k] = v
            row[f"{k} 95 %"] = f"[{_fmt(lo)}, {_fmt(hi)}]"
        c = r.cost
        row.update({"params": c.get("params"), "train s": c.get("train_s"),
                    "sample s / audio s": c.get("sample_s_per_audio_s"), "peak MB": c.get("peak_mb")})
        out.append(row)
    return out


def table(results: Sequence[Result], sort_by: str | None = None, title: str = ""):
    """The track's table as HTML: click a column head to sort by it (the text version is sorted by
    ``sort_by``); ↑/↓ after a metric says which way is better.

    Notebook: 24_benchmark
    """
    import html as _html

    from .display import HTML

    rs = rows(results, sort_by)
    if not rs:
        return HTML("<p><i>(no method)</i></p>", "(no method)")
    cols = list(rs[0])
    arrow = {k: (" ↑" if METRIC_INFO[k].better > 0 else " ↓") for k in METRIC_INFO}
    tid = "bench-" + repro.config_hash([title, cols], n=8)

    def cell(v):
        s = "—" if v is None else (_fmt(v) if isinstance(v, float) else str(v))
        return f"<td>{_html.escape(s)}</td>"

    head = "".join(f"<th style='cursor:pointer' onclick=\"benchSort('{tid}',{j})\">"
                   f"{_html.escape(c + arrow.get(c, ''))}</th>" for j, c in enumerate(cols))
    body = "".join("<tr>" + "".join(cell(r[c]) for c in cols) + "</tr>" for r in rs)
    script = ("<script>function benchSort(id,j){var t=document.getElementById(id),b=t.tBodies[0],"
              "r=[].slice.call(b.rows,1);var a=t.dataset.c==j&&t.dataset.d=='1';r.sort(function(x,y){"
              "var p=parseFloat(x.cells[j].innerText),q=parseFloat(y.cells[j].innerText);"
              "var s=(isNaN(p)||isNaN(q))?x.cells[j].innerText.localeCompare(y.cells[j].innerText):p-q;"
              "return a?-s:s});t.dataset.c=j;t.dataset.d=a?'0':'1';r.forEach(function(e){b.appendChild(e)})}"
              "</script>")
    cap = f"<caption style='text-align:left'><b>{_html.escape(title)}</b></caption>" if title else ""
    text = "\n".join([" | ".join(cols)] + [" | ".join("—" if r[c] is None else (_fmt(r[c]) if isinstance(r[c], float)
                                                                                else str(r[c])) for c in cols)
                                           for r in rs])
    return HTML(f"{script}<table id='{tid}' style='font-size:85%'>{cap}<tr>{head}</tr>{body}</table>",
                (title + "\n" if title else "") + text)


def plot_scatter(results: Sequence[Result], metric: str = "FD", ax=None):
    """Quality (``metric``) against sampling time per second of audio, one point per method, with
    the metric's interval as a vertical bar (log time axis).

    Notebook: 24_benchmark
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3))
    for r in results:
        if not r.cost or metric not in r.metrics:
            continue
        v, lo, hi = r.metrics[metric]
        x = max(r.cost["sample_s_per_audio_s"], 1e-6)
        ax.errorbar([x], [v], yerr=[[v - lo], [hi - v]], fmt="o", capsize=3, label=r.method)
    for r in results:  # the baselines as horizontal lines: they cost nothing to sample
        if not r.cost and metric in r.metrics:
            ax.axhline(r.metrics[metric][0], ls="--", lw=0.8, color="grey")
            ax.annotate(r.method, (1, r.metrics[metric][0]), xycoords=("axes fraction", "data"),
                        ha="right", va="bottom", fontsize=7, color="grey")
    ax.set_xscale("log")
    ax.set(xlabel="sampling time per second of audio (s)",
           ylabel=f"{metric} ({'higher' if METRIC_INFO[metric].better > 0 else 'lower'} is better)")
    ax.legend(fontsize=7)
    return ax


def plot_metrics(results: Sequence[Result], metrics: Sequence[str] | None = None):
    """One panel per metric: each method's value with its 95 % interval.

    Notebook: 24_benchmark
    """
    import matplotlib.pyplot as plt

    names = list(metrics or [k for k in METRIC_INFO if results and k in results[0].metrics])
    fig, axes = plt.subplots(1, len(names), figsize=(2.1 * len(names), 2.6), squeeze=False)
    for ax, k in zip(axes[0], names):
        for j, r in enumerate(results):
            v, lo, hi = r.metrics.get(k, (float("nan"),) * 3)
            ax.errorbar([j], [v], yerr=[[max(v - lo, 0)], [max(hi - v, 0)]], fmt="o", capsize=2,
                        color=f"C{j}")
        ax.set_title(f"{k} {'↑' if METRIC_INFO[k].better > 0 else '↓'}", fontsize=9)
        ax.set_xticks(range(len(results)))
        ax.set_xticklabels([r.method for r in results], rotation=70, fontsize=6, ha="right")
    fig.tight_layout()
    return fig


def listening(results: Sequence[Result], test, clip: int, *, max_s: float = 2.0):
    """The same test clip played for every method (and the baselines), in one row of players.

    Notebook: 24_benchmark
    """
    from .display import players

    if not 0 <= clip < len(test):
        raise ValueError(f"clip must be in [0, {len(test)}), got {clip}")
    return players({r.method: (r.audio[clip], int(test.sr)) for r in results if r.audio is not None},
                   columns=4, max_s=max_s)


# ------------------------------------------------------------------------------ claims scoreboard
def latest_summary(root: str | Path | None = None) -> Path | None:
    """The newest ``summary.json`` of a three-seed run (seeds 0, 1, 2) under ``<root>/runs``
    (``runs/test-series`` first, then any runner output); None when there is none.

    Notebook: 24_benchmark
    """
    root = Path(root) if root is not None else (repro.repo_root() or Path.cwd())
    for pattern in ("runs/test-series/*/summary.json", "runs/**/summary.json"):
        found = sorted(glob.glob(str(root / pattern), recursive=True), key=os.path.getmtime, reverse=True)
        for p in found:
            try:
                s = json.loads(Path(p).read_text())
            except (OSError, ValueError):
                continue
            if sorted(s.get("seeds") or []) == [0, 1, 2] and s.get("notebooks"):
                return Path(p)
    return None


def scoreboard(summary: Mapping[str, Any]) -> list[dict]:
    """Every paper claim of a three-seed run with its verdict per seed, the merged verdict, and
    the effect [interval] per seed, grouped by paper (ordered by year, then notebook).

    Args:
        summary: a ``summary.json`` of :mod:`foley_nb_utils.reproduce` (its claims are already
            merged over the seeds by :func:`foley_nb_utils.reproduce.collect_claims`).

    Returns:
        rows ``{"year", "paper", "notebook", "claim", "per seed", "effect [95 %] per seed",
        "verdict"}``.

    Notebook: 24_benchmark
    """
    from . import reproduce
    from .papers import PAPERS
    from .results import _evidence_text

    by_nb = {p.notebook: p for p in PAPERS}
    if "notebooks" not in summary:
        raise ValueError("not a runner summary: it has no 'notebooks'")
    out = []
    for nb in summary["notebooks"]:
        p = by_nb.get(nb["notebook"])
        for name, c in (nb.get("claims") or {}).items():
            if c.get("kind") != "paper":
                continue
            out.append({"year": p.year if p else None, "paper": p.short if p else nb["notebook"],
                        "notebook": nb["notebook"][:2], "claim": name,
                        "per seed": ", ".join(v or "—" for v in c["verdicts"]),
                        "effect [95 %] per seed": "; ".join("—" if e is None else _evidence_text(e)
                                                            for e in c["evidence"]),
                        "verdict": reproduce.verdict_text(c)})
    out.sort(key=lambda r: (r["year"] or 0, r["notebook"]))
    return out
