"""foley_nb_utils.evidence: effect, bootstrap interval and verdict of a claim."""
from __future__ import annotations

import numpy as np
import pytest

from foley_nb_utils import evidence as E


def _pair(effect, n=300, seed=0):
    g = np.random.default_rng(seed)
    base = g.normal(0, 1, n)
    return base + effect + g.normal(0, 0.5, n), base


def test_a_clear_effect_holds_and_its_opposite_is_refuted():
    a, b = _pair(0.3)
    e = E.decide(a, b)
    assert e.verdict == "holds" and e.low > 0 and e.low < e.effect < e.high
    assert e.effect == pytest.approx((a - b).mean())
    assert E.decide(b, a).verdict == "refuted"
    assert E.decide(a, b, direction="less").verdict == "refuted"
    assert E.decide(b, a, direction="less").verdict == "holds"


def test_no_effect_is_inconclusive_and_a_margin_can_refute():
    a, b = _pair(0.0)
    assert E.decide(a, b).verdict == "inconclusive"
    a, b = _pair(0.3)
    assert E.decide(a, b, margin=1.0).verdict == "refuted"  # clearly better, but not "far" better
    assert E.decide(a, b, margin=0.1).verdict == "holds"


def test_pairing_makes_the_interval_tighter_when_examples_share_difficulty():
    a, b = _pair(0.1)
    paired, unpaired = E.decide(a, b), E.decide(a, b, paired=False)
    assert paired.high - paired.low < 0.5 * (unpaired.high - unpaired.low)
    assert paired.verdict == "holds" and unpaired.verdict == "inconclusive"
    assert "paired" in paired.method and "two-sample" in unpaired.method


def test_against_a_number_chance_or_threshold():
    hits = (np.random.default_rng(1).random(400) < 0.3).astype(float)
    assert E.decide(hits, 0.1).verdict == "holds"
    assert E.decide(hits, 0.5).verdict == "refuted"
    assert E.decide(hits, 0.1, margin=0.1).effect == pytest.approx(hits.mean() - 0.1)


def test_the_interval_has_about_its_coverage():
    g = np.random.default_rng(5)
    covered = 0
    for _ in range(100):
        x = g.normal(0.2, 1.0, 80)
        e = E.decide(x, 0.0, n_resamples=500, seed=int(g.integers(1 << 30)))
        covered += e.low <= 0.2 <= e.high
    assert 88 <= covered <= 99


def test_same_measurements_same_interval_and_no_spread():
    a, b = _pair(0.2)
    assert E.decide(a, b) == E.decide(a, b)
    e = E.decide([1.0, 1.0, 1.0], [0.0, 0.0, 0.0])
    assert (e.low, e.high, e.verdict) == (1.0, 1.0, "holds") and "no spread" in e.method


def test_a_statistic_other_than_the_mean():
    a, b = _pair(0.3)
    e = E.decide(a, b, statistic=np.median)
    assert e.effect == pytest.approx(np.median(a) - np.median(b)) and e.verdict == "holds"


def test_bad_input_names_the_problem():
    with pytest.raises(ValueError, match="same examples"):
        E.decide([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="NaN"):
        E.decide([1, np.nan, 3], 0)
    with pytest.raises(ValueError, match="at least 2"):
        E.decide([1.0], 0)
    with pytest.raises(ValueError, match="direction"):
        E.decide([1, 2, 3], 0, direction="up")


def test_combine_holds_only_when_every_part_holds():
    a, b = _pair(0.3)
    z, w = _pair(0.0, seed=2)
    good, none, bad = E.decide(a, b, what="good"), E.decide(z, w, what="tie"), E.decide(b, a, what="bad")
    assert E.combine(good, good).verdict == "holds"
    both = E.combine(good, none)
    assert both.verdict == "inconclusive" and both.effect == none.effect  # the weakest part
    assert E.combine(good, none, bad).verdict == "refuted"
    assert "good:" in both.text() and "tie:" in both.text()
    assert E.Evidence.from_dict(both.to_dict()) == both


def test_across_runs_uses_a_t_interval_over_the_seeds():
    e = E.across_runs([0.10, 0.12, 0.11])
    assert e.verdict == "holds" and e.n == 3 and e.method == "t over 3 runs"
    assert e.effect == pytest.approx(0.11)
    # t(0.975, df=2) = 4.303: half-width = 4.303 * sd / sqrt(3)
    assert e.high - e.effect == pytest.approx(4.3027 * np.std([0.10, 0.12, 0.11], ddof=1) / np.sqrt(3), rel=1e-3)
    assert E.across_runs([0.1, -0.05, 0.02]).verdict == "inconclusive"
    assert E.across_runs([-0.1, -0.12, -0.11]).verdict == "refuted"
