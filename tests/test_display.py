"""Tests of foley_nb_utils.display.image_grid: one mosaic in one axes, titles, frames, bad input."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from foley_nb_utils import display  # noqa: E402


def _pictures(rows, cols, h=6, w=5):
    """uint8 pictures whose grey level encodes their place: 10 + 20 * row + 3 * column."""
    return [[np.full((h, w, 3), 10 + 20 * i + 3 * j, np.uint8) for j in range(cols)] for i in range(rows)]


def test_image_grid_places_every_picture_in_one_image_with_titles_and_frames():
    pics = _pictures(2, 3)
    pics[1][2] = None  # an empty place
    titles = [["a", "b", "c"]]  # the first row only
    colours = [None, ["green", "red", None]]
    gap = 1
    ax = display.image_grid(pics, titles=titles, colours=colours, row_labels=["real", "made"], gap=gap)
    try:
        assert len(ax.figure.axes) == 1 and len(ax.get_images()) == 1
        canvas = np.asarray(ax.get_images()[0].get_array())
        h, w = 6, 5
        band = canvas.shape[0] - 2 * (h + 2 * gap)  # only the titled row has a band
        assert band > 0 and canvas.shape[1] == 3 * (w + 2 * gap)
        for i, top in enumerate((band, band + h + 2 * gap)):
            for j in range(3):
                tile = canvas[top + gap:top + gap + h, j * (w + 2 * gap) + gap:][:, :w]
                want = 255 if (i, j) == (1, 2) else 10 + 20 * i + 3 * j
                assert (tile == want).all(), (i, j)
        second = band + h + 2 * gap
        assert tuple(canvas[second, 0]) == (0, 128, 0)            # green frame around [1][0]
        assert tuple(canvas[second, w + 2 * gap]) == (255, 0, 0)  # red frame around [1][1]
        assert tuple(canvas[band, 0]) == (255, 255, 255)          # no frame: white gap
        texts = {t.get_text(): t.get_color() for t in ax.texts}
        assert texts == {"a": "black", "b": "black", "c": "black", "real": "black", "made": "black"}
    finally:
        plt.close(ax.figure)


def test_image_grid_colours_titles_like_their_frames():
    ax = display.image_grid(_pictures(1, 2), titles=[["right", "wrong"]], colours=[["green", "red"]])
    try:
        assert {t.get_text(): t.get_color() for t in ax.texts} == {"right": "green", "wrong": "red"}
    finally:
        plt.close(ax.figure)


def test_image_grid_names_the_picture_that_does_not_fit():
    pics = _pictures(2, 2)
    pics[1][0] = np.zeros((7, 5, 3), np.uint8)
    with pytest.raises(ValueError, match=r"\[1\]\[0\].*\[6, 5, 3\]"):
        display.image_grid(pics)
    pics[1][0] = np.zeros((6, 5, 3), np.float32)
    with pytest.raises(ValueError, match=r"\[1\]\[0\] is float32"):
        display.image_grid(pics)
    with pytest.raises(ValueError, match="no pictures"):
        display.image_grid([[None, None]])
    plt.close("all")


@pytest.mark.parametrize("bad", [{"tile": 0}, {"gap": -1}, {"gap": 1.5}])
def test_image_grid_rejects_bad_sizes(bad):
    with pytest.raises(ValueError, match="tile must be > 0 inches and gap a whole number"):
        display.image_grid(_pictures(1, 1), **bad)
