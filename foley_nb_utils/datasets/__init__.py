"""Loaders for the survey's dataset layouts; each takes a local folder and never downloads.

Every loader returns a :class:`~foley_nb_utils.clips.SceneBatch` with the shapes the
synthetic world uses (frames uint8 ``[N, T, H, W, 3]``, audio float32 ``[N, n]`` mono, labels,
events), so a notebook switches between synthetic and real data by changing ``DATA_DIR`` only.
Decoded sources (and assembled batches) are cached under ``repro.cache_dir("features", ...)``,
keyed by a hash of the files and the settings (see :mod:`.common`).

================  =======================================================  =========================
module            layout                                                   synthetic twin
================  =======================================================  =========================
greatest_hits     ``<id>_denoised.mp4/.wav``, ``<id>_times.txt``,          ``synth.hits``
                  ``train.txt`` / ``test.txt``
sub_urmp          ``{img,chunk}/{train,test}/<instrument>/<n>.{jpg,wav}``  ``synth.instruments``
class_folders     ``<class>/**/*.mp4`` (VEGAS, VAS, AVFD, Landscape), an   ``synth.scenes``
                  optional ``train/`` / ``test/`` level or split lists
countix_av        ``*.mp4`` with same-stem ``*.wav`` (Extreme Countix-AV)  —
aist              flat ``*.mp4`` named ``gBR_sBM_c01_d04_mBR0_ch01``       ``synth.dance``
                  (AIST++), optional ``<stem>_keypoints.npy``
piano             ``<split>/<id>.mp4`` + ``<id>.mid`` + ``<id>_roll.npz``  ``synth.keyboard``
music             ``video/<instrument>/<id>.mp4`` + ``audio/<instrument>/  ``synth.keyboard`` (nb 11)
                  <id>.wav`` (MUSIC, MUSICES), optional split lists
pose_midi         ``<split>/<id>.npy`` (keypoints) + ``<id>.mid`` (URMP /  notebook 12's pianist
                  MUSIC as Foley Music uses them), ``pose_midi.json``      (``m12.write_world``)
condfoleygen      ``<video>/hit_record.json`` + ``meta.json`` + ``audio/``  ``synth.hits`` (nb 22,
                  + ``frames/`` (CondFoleyGen's processed Greatest Hits)   ``condfoleygen.write_layout``)
================  =======================================================  =========================

Notebook: 03_datasets
"""
from __future__ import annotations

import importlib

from .common import CacheWarning, DatasetError

_MODULES = ("stats", "aist", "class_folders", "common", "condfoleygen", "countix_av", "greatest_hits", "music", "piano",
            "pose_midi", "sub_urmp")


def __getattr__(name: str):
    if name in _MODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["CacheWarning", "DatasetError", *_MODULES]
