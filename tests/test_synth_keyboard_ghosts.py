"""The keyboard world's ghost presses (``ghost_rate``, used by notebook 17): seen, not heard."""
from __future__ import annotations

import numpy as np
import pytest

from foley_nb_utils.synth import keyboard as K


def test_ghost_presses_are_seen_not_heard():
    a = K.generate(6, seed=0)
    b = K.generate(6, seed=0, ghost_rate=3.0)
    ra, rb = a.extra["roll"], b.extra["roll"]
    assert (ra & ~rb).sum() == 0 and (rb & ~ra).sum() > 0                 # only presses added
    np.testing.assert_array_equal(a.extra["sounding"], b.extra["sounding"])  # nothing new is heard
    np.testing.assert_array_equal(a.audio, b.audio)
    ghosts = [n[n[:, 3] <= K.GHOST_VELOCITY] for n in b.extra["notes"]]
    assert sum(len(g) for g in ghosts) > 0
    assert all(len(n[n[:, 3] <= K.GHOST_VELOCITY]) == 0 for n in a.extra["notes"])
    for g in ghosts:                                                     # brief: at most two frames
        assert np.all(g[:, 1] - g[:, 0] <= 0.05 + 1e-6)
    assert b.config["settings"]["ghost_rate"] == 3.0 and "ghost_rate" not in a.config["settings"]


def test_ghost_rate_zero_is_the_default_world():
    a, b = K.generate(2, seed=1), K.generate(2, seed=1, ghost_rate=0.0)
    np.testing.assert_array_equal(a.frames, b.frames)
    assert a.config == b.config


@pytest.mark.parametrize("bad", [-1.0, 50.0, "2", True])
def test_bad_ghost_rate(bad):
    with pytest.raises(ValueError, match="ghost_rate"):
        K.generate(1, seed=0, ghost_rate=bad)
