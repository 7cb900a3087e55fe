"""The listening-test widget: trial order, scoring, confidence interval, the ipywidgets front end."""
from __future__ import annotations

import numpy as np
import pytest

from foley_nb_utils.metrics import proportion_ci
from foley_nb_utils.widgets import ListeningTest

SR = 8000


def _sets(n: int = 12):
    r = np.random.default_rng(0)
    real = (0.1 * r.standard_normal((n, SR // 4))).astype(np.float32)
    fake = (0.5 * r.standard_normal((n, SR // 4))).astype(np.float32)  # louder: easy to tell apart
    return real, fake


def test_trials_are_random_but_reproducible():
    real, fake = _sets(40)
    a = ListeningTest(real, fake, SR, rng=np.random.default_rng(1))
    b = ListeningTest(real, fake, SR, rng=np.random.default_rng(1))
    c = ListeningTest(real, fake, SR, rng=np.random.default_rng(2))
    assert a.trials == b.trials and a.trials != c.trials
    assert sorted(t.index for t in a.trials) == list(range(40))  # every pair once
    assert 10 < sum(t.real_is_a for t in a.trials) < 30  # the real clip is sometimes A, sometimes B


def test_current_pair_follows_the_placement():
    real, fake = _sets()
    test = ListeningTest(real, fake, SR, rng=np.random.default_rng(0))
    t = test.trials[0]
    a, b = test.current()
    assert np.array_equal(a if t.real_is_a else b, real[t.index])
    assert np.array_equal(b if t.real_is_a else a, fake[t.index])


def test_scoring_perfect_fooled_and_always_a_listeners():
    real, fake = _sets(30)
    ear = lambda a, b, sr: "A" if np.std(a) < np.std(b) else "B"  # noqa: E731 - the quieter one is real
    res = ListeningTest(real, fake, SR, rng=np.random.default_rng(0)).simulate(ear)
    assert res["rate"] == 0.0 and res["labeled_real"] == 0 and res["n"] == 30
    fooled = lambda a, b, sr: "B" if np.std(a) < np.std(b) else "A"  # noqa: E731
    assert ListeningTest(real, fake, SR, rng=np.random.default_rng(0)).simulate(fooled)["rate"] == 1.0
    t = ListeningTest(real, fake, SR, rng=np.random.default_rng(0))
    res = t.simulate(lambda a, b, sr: "A")
    expected = np.mean([not tr.real_is_a for tr in t.trials])  # fooled whenever the fake was A
    assert res["rate"] == pytest.approx(expected)
    assert (res["low"], res["high"]) == pytest.approx(proportion_ci(res["labeled_real"], 30))
    assert res["low"] <= res["rate"] <= res["high"]


def test_answers_are_checked():
    real, fake = _sets(2)
    t = ListeningTest(real, fake, SR, rng=np.random.default_rng(0), n_trials=1)
    assert np.isnan(t.result()["rate"])
    with pytest.raises(ValueError, match="'A' or 'B'"):
        t.answer("C")
    t.answer("a")
    assert t.done and t.current() is None
    with pytest.raises(ValueError, match="finished"):
        t.answer("A")
    with pytest.raises(ValueError, match="one generated clip per real clip"):
        ListeningTest(real, fake[:1], SR, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="n_trials"):
        ListeningTest(real, fake, SR, rng=np.random.default_rng(0), n_trials=5)


def test_widget_buttons_record_answers():
    pytest.importorskip("ipywidgets")
    real, fake = _sets(3)
    t = ListeningTest(real, fake, SR, rng=np.random.default_rng(0))
    box = t.widget()
    players, buttons, status = box.children
    assert "<audio" in players.value and "Pair 1 of 3" in players.value
    for _ in range(3):
        buttons.children[0].click()  # "A is real"
    assert t.done and len(t.choices) == 3 and set(t.choices) == {"A"}
    assert "Done" in players.value and all(b.disabled for b in buttons.children)
    assert "3 of 3 pairs answered" in status.value
