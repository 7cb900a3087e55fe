"""foley_nb_utils — the helper package of the Foley notebooks.

Modules mirror the curriculum (each public function's docstring names the notebook that
teaches it):

=============  ==================================================================
``repro``      profiles, seeds, devices, paths, the setup banner (00)
``papers``     the 19 surveyed papers and the notebook map (00)
``results``    ``record`` / ``claim``: measured results, JSON sidecar per run (00)
``evidence``   a claim's effect, 95 % interval and verdict from measurements (00)
``display``    plots, compact audio/video players, tables, ``show_source`` (01)
``audio``      I/O, resampling, log-mel, ERB cochleagram, inversion, onsets (01)
``video``      PyAV decoding/encoding, spacetime images, frame differences (01)
``toy``        a hand-made strike clip for the primers (00, 01)
``train``      ``fit`` / ``fit_gan`` with checkpoint-if-present (02)
``nn``         the survey's building blocks: CNN, LSTM, GAN, attention, DDPM/DDIM (02)
``tokens``     spectrogram codebook (VQ) and GPT prior over its tokens (20, 22)
``synth``      the procedural audio-visual world (03)
``datasets``   loaders for the survey's dataset layouts + feature caches (03)
``atomic``     atomic file writes used by every writer in the package
``reproduce``  the papermill batch runner (``python -m foley_nb_utils.reproduce``)
``benchmark``  every method on one test split per track, one metric suite (24)
=============  ==================================================================

``import foley_nb_utils as fnu`` then ``fnu.audio.log_mel(...)``; submodules load on first
use so that importing the package stays fast. ``fnu.record`` and ``fnu.claim`` are shortcuts
to :mod:`foley_nb_utils.results`.
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

_SUBMODULES = ("atomic", "audio", "bench", "benchmark", "clips", "datasets", "display", "evidence", "metrics", "methods",
               "nn", "papers", "repro", "reproduce", "results", "synth", "tokens", "toy", "train", "video", "widgets")


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in ("record", "claim"):
        return getattr(importlib.import_module(f"{__name__}.results"), name)
    raise AttributeError(f"module 'foley_nb_utils' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_SUBMODULES, "record", "claim"])
