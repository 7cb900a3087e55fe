"""Compile librosa's numba kernels once, when the environment is installed (``make venv``).

librosa compiles its numba functions on first use and caches them next to the installed package.
In a fresh environment the first notebook that detects onsets or runs Griffin-Lim would pay for
that compilation (about 25 s: 00_welcome took 38.7 s on a fresh ``.venv``, 17.4 s afterwards) and
blow its time budget. Running each kernel once here moves the cost to the installation.
"""
from __future__ import annotations

import time

import librosa
import numpy as np

from foley_nb_utils import audio


def main() -> None:
    t0 = time.perf_counter()
    sr = 16000
    x = np.zeros(sr, dtype=np.float32)
    x[4000:4400] = np.random.default_rng(0).standard_normal(400).astype(np.float32)
    audio.detect_onsets(x, sr)                                   # peak picking, local maxima
    audio.griffin_lim(np.abs(librosa.stft(x, n_fft=512)), n_fft=512, hop=128, n_iter=2)  # phases, overlap-add
    librosa.zero_crossings(x)
    librosa.util.localmin(x)
    librosa.piptrack(y=x, sr=sr)
    print(f"librosa's numba kernels compiled and cached in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
