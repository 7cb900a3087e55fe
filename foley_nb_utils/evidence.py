"""Deciding a paper's claim from measurements: effect, 95 % interval, verdict.

A claim such as "motion beats RGB for timing" is a statement about an *effect* (here, onset AP
with motion minus onset AP with RGB frames) and the *margin* the paper states (0 for "beats",
more for "far above"). :func:`decide` takes the per-example measurements of the two sides —
per test clip, per query, per generated sample — computes the effect and a bootstrap interval
(:func:`scipy.stats.bootstrap`, with a seeded generator so the same measurements always give the
same interval) and returns one of three verdicts:

- **holds**: the whole interval lies beyond the margin, in the claimed direction;
- **refuted**: the whole interval lies on the other side of the margin;
- **inconclusive**: the interval contains the margin: at this scale the effect is within noise.

:func:`combine` joins the parts of a compound claim ("beats it on R@1, R@5 and R@10"), and
:func:`across_runs` decides a claim from the effects of several independent training runs
(seeds), when the runs' own verdicts disagree: the training-run variance is then part of the
noise, so it uses a t interval over the runs' effects.

Notebook: 00_welcome (how a claim is decided); used by every method notebook through
:func:`foley_nb_utils.results.claim`.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

VERDICTS = ("holds", "refuted", "inconclusive")
DIRECTIONS = ("greater", "less")
#: Bootstrap resamples: the interval's ends move by well under 1 % of its width between 2000 and 10000.
N_RESAMPLES = 2000


@dataclass(frozen=True)
class Evidence:
    """The measured effect of a claim, its interval and the verdict.

    Attributes:
        effect: the statistic of ``ours`` minus that of ``reference`` (for paired data, the mean
            per-example difference), in the measurement's own unit.
        low, high: the ends of the ``level`` interval of ``effect``.
        margin: the effect the claim needs (0 for "beats").
        direction: ``"greater"`` (the claim is effect > margin) or ``"less"`` (effect < margin).
        verdict: ``"holds"``, ``"refuted"`` or ``"inconclusive"``.
        n: how many measurements (examples, or runs for :func:`across_runs`) it rests on.
        method: how the interval was computed, e.g. ``"paired bootstrap (BCa)"``.
        parts: for a compound claim, the evidence of each part.
    """

    effect: float
    low: float
    high: float
    margin: float
    direction: str
    verdict: str
    n: int
    level: float = 0.95
    method: str = ""
    what: str = ""
    parts: tuple["Evidence", ...] = field(default_factory=tuple)

    @property
    def holds(self) -> bool | None:
        """True (holds), False (refuted) or None (inconclusive)."""
        return {"holds": True, "refuted": False}.get(self.verdict)

    def text(self, digits: int = 3) -> str:
        """``"+0.112 [+0.051, +0.170] > 0 → holds"``: effect, interval, what the claim needs."""
        if self.parts:
            return "; ".join(f"{p.what or i + 1}: {p.text(digits)}" for i, p in enumerate(self.parts))
        op = ">" if self.direction == "greater" else "<"
        return (f"{self.effect:+.{digits}f} [{self.low:+.{digits}f}, {self.high:+.{digits}f}] "
                f"{op} {self.margin:g} → {self.verdict}")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form (what the results sidecar stores)."""
        d = asdict(self)
        d["parts"] = [p.to_dict() for p in self.parts]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Evidence":
        d = dict(d)
        d["parts"] = tuple(cls.from_dict(p) for p in d.get("parts", ()))
        return cls(**d)


def verdict_of(low: float, high: float, margin: float, direction: str) -> str:
    """The verdict of an interval [low, high] against the margin, for the claimed direction."""
    _check_direction(direction)
    if direction == "greater":
        return "holds" if low > margin else "refuted" if high < margin else "inconclusive"
    return "holds" if high < margin else "refuted" if low > margin else "inconclusive"


def _check_direction(direction: str) -> None:
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}")


def _values(x: Any, what: str) -> np.ndarray:
    a = np.asarray(x, dtype=np.float64)
    if a.ndim != 1 or a.size < 2:
        raise ValueError(f"decide: {what} must be a 1-D sequence of at least 2 per-example measurements, "
                         f"got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"decide: {what} contains NaN or inf ({int((~np.isfinite(a)).sum())} of {a.size})")
    return a


def decide(ours: Sequence[float], reference: Sequence[float] | float = 0.0, *, paired: bool = True,
           margin: float = 0.0, direction: str = "greater", statistic: Callable[..., Any] | None = None,
           level: float = 0.95, n_resamples: int = N_RESAMPLES, seed: int = 0, what: str = "") -> Evidence:
    """Decide "ours − reference > margin" (or ``< margin``) from per-example measurements.

    Args:
        ours: per-example measurements of the claimed-better side, shape ``[n]`` (e.g. 1/0 hits of
            each retrieval query, each test clip's onset AP, each judged clip's correctness).
        reference: the other side: per-example measurements (shape ``[n]`` when ``paired``: the
            same examples, in the same order; any length otherwise), or one number (chance, a
            threshold), which is then subtracted from the statistic of ``ours``.
        paired: when ``reference`` is a sequence, whether its examples are those of ``ours``
            (then the bootstrap resamples examples, keeping pairs together: far tighter when the
            two sides share the examples' difficulty).
        margin: the effect the claim needs, in the measurement's unit (0: "beats").
        direction: ``"greater"`` or ``"less"`` (e.g. "stays below").
        statistic: a numpy reduction ``f(x, axis=-1)``; default the mean.
        level: the interval's confidence level.
        n_resamples: bootstrap resamples.
        seed: seeds the bootstrap's generator: the same measurements give the same interval.
        what: a short label, shown for the parts of a compound claim.

    Returns:
        :class:`Evidence`.

    Notebook: 00_welcome
    """
    from scipy import stats

    _check_direction(direction)
    if not 0.5 < level < 1:
        raise ValueError(f"decide: level must be in (0.5, 1), got {level}")
    stat = statistic or (lambda x, axis=-1: np.mean(x, axis=axis))
    a = _values(ours, "ours")
    if np.ndim(reference) == 0:
        ref = float(reference)
        if not math.isfinite(ref):
            raise ValueError(f"decide: reference must be finite, got {reference}")
        samples, fn, method = (a,), (lambda x, axis=-1: stat(x, axis=axis) - ref), "bootstrap"
    else:
        b = _values(reference, "reference")
        if paired:
            if b.size != a.size:
                raise ValueError(f"decide: paired measurements need the same examples on both sides, "
                                 f"got {a.size} and {b.size}")
            if statistic is None:
                samples, fn, method = (a - b,), stat, "paired bootstrap"
            else:
                samples = (a, b)
                fn, method = (lambda x, y, axis=-1: stat(x, axis=axis) - stat(y, axis=axis)), "paired bootstrap"
        else:
            samples, method = (a, b), "two-sample bootstrap"
            fn = lambda x, y, axis=-1: stat(x, axis=axis) - stat(y, axis=axis)  # noqa: E731
    effect = float(fn(*samples))
    if all(np.ptp(s) == 0 for s in samples):  # no spread: every resample gives the effect itself
        low = high = effect
        method += " (no spread)"
    else:
        kw = dict(paired=len(samples) > 1 and paired and np.ndim(reference) > 0, vectorized=True,
                  confidence_level=level, n_resamples=n_resamples, rng=np.random.default_rng(seed))
        with np.errstate(all="ignore"):
            res = stats.bootstrap(samples, fn, method="BCa", **kw)
            low, high = map(float, (res.confidence_interval.low, res.confidence_interval.high))
            if not (math.isfinite(low) and math.isfinite(high)):  # BCa degenerate (e.g. nearly constant)
                res = stats.bootstrap(samples, fn, method="percentile", **kw)
                low, high = map(float, (res.confidence_interval.low, res.confidence_interval.high))
                method += " (percentile)"
            else:
                method += " (BCa)"
    return Evidence(effect=effect, low=low, high=high, margin=float(margin), direction=direction,
                    verdict=verdict_of(low, high, margin, direction), n=int(a.size), level=level,
                    method=method, what=what)


def combine(*parts: Evidence, what: str = "") -> Evidence:
    """A compound claim ("A > B and B > C", "beats it on R@1, R@5 and R@10"): it holds when every
    part holds, is refuted when any part is refuted, and is inconclusive otherwise. Its effect and
    interval are those of the weakest part (the one whose interval is nearest the wrong side).

    Notebook: 00_welcome
    """
    if not parts:
        raise ValueError("combine: needs at least one part")

    def slack(e: Evidence) -> float:
        return (e.low - e.margin) if e.direction == "greater" else (e.margin - e.high)

    verdicts = [p.verdict for p in parts]
    verdict = "refuted" if "refuted" in verdicts else "holds" if set(verdicts) == {"holds"} else "inconclusive"
    weakest = min(parts, key=slack)
    return Evidence(effect=weakest.effect, low=weakest.low, high=weakest.high, margin=weakest.margin,
                    direction=weakest.direction, verdict=verdict, n=min(p.n for p in parts),
                    level=weakest.level, method="all parts", what=what, parts=tuple(parts))


def across_runs(effects: Sequence[float], *, margin: float = 0.0, direction: str = "greater",
                level: float = 0.95) -> Evidence:
    """Decide a claim from the effects of independent runs (one per seed): the mean effect with a
    Student-t interval over the runs, which counts training-run variance as noise.

    Args:
        effects: one effect per run, shape ``[k]``, k ≥ 2.

    Returns:
        :class:`Evidence` with ``n = k`` and ``method = "t over k runs"``.

    Notebook: 00_welcome
    """
    from scipy import stats

    e = _values(effects, "effects")
    mean, sd = float(e.mean()), float(e.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, e.size - 1)) * sd / math.sqrt(e.size)
    low, high = mean - half, mean + half
    return Evidence(effect=mean, low=low, high=high, margin=float(margin), direction=direction,
                    verdict=verdict_of(low, high, margin, direction), n=int(e.size), level=level,
                    method=f"t over {e.size} runs")
