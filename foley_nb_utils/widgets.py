"""Interactive explorers: the "which is real?" listening test of Owens et al., in the classroom.

Owens et al. (CVPR 2016) asked Mechanical Turk workers to listen to two sounds for the same
video, one real and one generated, in random order, and to pick the real one; a method's
score is the rate at which its sound was *labeled real* (50 % = indistinguishable).
:class:`ListeningTest` runs the same two-alternative forced choice for a student: it plays
each pair as players "A" and "B", records the choices, and reports the labeled-real rate with
a Wilson 95 % confidence interval.

The logic (trial order, scoring, interval) works without a display, so it is tested and can be
driven by a function (:meth:`ListeningTest.simulate`); :meth:`ListeningTest.widget` adds the
ipywidgets buttons. Widget state is not saved in committed notebooks.

Notebook: 04_evaluation (and 05_2016_visually_indicated_sounds)
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .metrics.features import as_batch
from .metrics.realfake import proportion_ci

__all__ = ["ListeningTest", "Trial"]


@dataclass(frozen=True)
class Trial:
    """One pair: clip ``index`` of the real and generated sets; ``real_is_a`` says which player
    holds the real sound.

    Notebook: 04_evaluation
    """

    index: int
    real_is_a: bool


class ListeningTest:
    """A two-alternative forced-choice listening test: which of A and B is the real sound?

    Args:
        real: ``[N, n]`` real clips.
        generated: ``[N, n]`` generated clips; row ``i`` belongs to the same video as ``real[i]``.
        sr: sample rate in Hz.
        rng: generator for the order of the pairs and the A/B placement (same seed → same test).
        n_trials: number of pairs to play (default all N, each once).
        max_s: seconds of each clip to play (the players cut longer clips).

    Notebook: 04_evaluation
    """

    def __init__(self, real, generated, sr: int, *, rng: np.random.Generator, n_trials: int | None = None,
                 max_s: float = 3.0):
        self.real = as_batch(real, "real")
        self.generated = as_batch(generated, "generated")
        if self.real.shape[0] != self.generated.shape[0]:
            raise ValueError(f"{len(self.real)} real clips but {len(self.generated)} generated clips: "
                             "the test needs one generated clip per real clip")
        if not isinstance(sr, (int, np.integer)) or sr <= 0:
            raise ValueError(f"sr must be a positive integer (Hz), got {sr!r}")
        n = len(self.real)
        n_trials = n if n_trials is None else int(n_trials)
        if not 1 <= n_trials <= n:
            raise ValueError(f"n_trials must be in 1..{n}, got {n_trials}")
        self.sr = int(sr)
        self.max_s = float(max_s)
        order = rng.permutation(n)[:n_trials]
        real_is_a = rng.random(n_trials) < 0.5
        self.trials = [Trial(int(i), bool(a)) for i, a in zip(order, real_is_a)]
        self.choices: list[str] = []

    # ------------------------------------------------------------------ logic
    @property
    def done(self) -> bool:
        """True when every trial has been answered."""
        return len(self.choices) >= len(self.trials)

    def current(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The waveforms ``(A, B)`` of the next unanswered trial, or None when done."""
        if self.done:
            return None
        t = self.trials[len(self.choices)]
        r, g = self.real[t.index], self.generated[t.index]
        return (r, g) if t.real_is_a else (g, r)

    def answer(self, choice: str) -> bool:
        """Record that the listener thinks ``choice`` ("A" or "B") is the real sound.

        Returns:
            True when the listener labeled the *generated* clip real (was fooled).

        Notebook: 04_evaluation
        """
        if self.done:
            raise ValueError("the test is finished: every trial has an answer")
        c = str(choice).strip().upper()
        if c not in ("A", "B"):
            raise ValueError(f"choice must be 'A' or 'B', got {choice!r}")
        t = self.trials[len(self.choices)]
        self.choices.append(c)
        return (c == "A") != t.real_is_a

    def fooled(self) -> np.ndarray:
        """bool ``[answered]``: per answered trial, whether the generated clip was labeled real."""
        return np.array([(c == "A") != t.real_is_a for c, t in zip(self.choices, self.trials)], dtype=bool)

    def result(self) -> dict[str, float]:
        """The labeled-real rate of the generated sound so far, with its Wilson 95 % interval.

        Returns:
            ``{"n": answered trials, "labeled_real": count, "rate", "low", "high"}`` (rate and
            interval NaN before the first answer).

        Notebook: 04_evaluation
        """
        f = self.fooled()
        if len(f) == 0:
            nan = float("nan")
            return {"n": 0, "labeled_real": 0, "rate": nan, "low": nan, "high": nan}
        low, high = proportion_ci(int(f.sum()), len(f))
        return {"n": int(len(f)), "labeled_real": int(f.sum()), "rate": float(f.mean()), "low": low, "high": high}

    def simulate(self, listener: Callable[[np.ndarray, np.ndarray, int], str]) -> dict[str, float]:
        """Answer every remaining trial with ``listener(a, b, sr) -> "A" | "B"`` (a model, or a rule).

        Returns:
            :meth:`result` at the end.

        Notebook: 04_evaluation
        """
        while not self.done:
            a, b = self.current()
            self.answer(listener(a, b, self.sr))
        return self.result()

    # ------------------------------------------------------------------ display
    def _summary_text(self) -> str:
        r = self.result()
        if r["n"] == 0:
            return "No answers yet."
        return (f"{r['n']} of {len(self.trials)} pairs answered · generated sound labeled real in "
                f"{r['labeled_real']} ({100 * r['rate']:.0f} %, 95 % CI {100 * r['low']:.0f}–{100 * r['high']:.0f} %)"
                " · 50 % = you cannot tell them apart")

    def widget(self):
        """The interactive test: players A and B, two buttons, a running score.

        Returns:
            an ``ipywidgets.VBox`` (display it, or let it be the cell's last expression).

        Notebook: 04_evaluation
        """
        import ipywidgets as w

        from .display import play

        players = w.HTML()
        status = w.HTML()
        buttons = [w.Button(description=f"{c} is real", layout=w.Layout(width="120px")) for c in "AB"]

        def refresh():
            pair = self.current()
            if pair is None:
                players.value = "<b>Done — thank you.</b>"
                for b in buttons:
                    b.disabled = True
            else:
                k = len(self.choices) + 1
                players.value = (f"<div>Pair {k} of {len(self.trials)}: which one is the real recording?</div>"
                                 + play(pair[0], self.sr, "A", max_s=self.max_s)._repr_html_()
                                 + play(pair[1], self.sr, "B", max_s=self.max_s)._repr_html_())
            status.value = f"<small>{self._summary_text()}</small>"

        def on_click(button):
            if not self.done:
                self.answer(button.description[0])
            refresh()

        for b in buttons:
            b.on_click(on_click)
        refresh()
        return w.VBox([players, w.HBox(buttons), status])

    def __repr__(self) -> str:
        return f"ListeningTest({len(self.trials)} pairs at {self.sr} Hz) — {self._summary_text()}"
