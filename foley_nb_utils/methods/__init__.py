"""One module per method notebook: the model, its losses and its synthesis step.

Each module holds what a method notebook would otherwise paste as a wall of code, so that the
notebook can show it (``fnu.display.show_source``) and the benchmark notebook can reuse it.

==========================================  =================================================
module                                      notebook and paper
==========================================  =================================================
:mod:`.m05_visually_indicated_sounds`       05 · Owens et al., "Visually Indicated Sounds",
                                            CVPR 2016 (survey [1]): CNN + LSTM → cochleagram,
                                            example-based and parametric synthesis
:mod:`.m06_ambient_sound_supervision`       06 · Owens et al., "Ambient Sound Provides
                                            Supervision for Visual Learning", ECCV 2016
                                            (survey [2]): sound-texture clusters as labels
:mod:`.m07_cross_modal_gan`                 07 · Chen et al., "Deep Cross-Modal Audio-Visual
                                            Generation", 2017 (survey [3]): audio encodings,
                                            GAN-CLS sound → image and image → log-mel
:mod:`.m08_cmcgan`                          08 · Hao et al., CMCGAN, AAAI 2018 (survey [4]):
                                            common latent space, joint discriminator, cycles
:mod:`.m09_visual_to_sound`                09 · Zhou et al., "Visual to Sound", CVPR 2018
                                            (survey [5]): three-tier SampleRNN conditioned on
                                            frames, a sequence encoding or motion
:mod:`.m10_pocan`                           10 · Chen et al., POCAN, 2018 (survey [6]): class
                                            base + regressed residual, perceptual loss
==========================================  =================================================

Modules load on first use (``fnu.methods.m05_visually_indicated_sounds``), like the package;
every ``mNN_<name>.py`` file in this folder is found, so a new method module needs no entry here
(add its row to the table above).

Notebook: 05_2016_visually_indicated_sounds
"""
from __future__ import annotations

import importlib
import re
from pathlib import Path

_MODULES = tuple(sorted(p.stem for p in Path(__file__).parent.glob("m[0-9][0-9]_*.py")))


def __getattr__(name: str):
    if name in _MODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if re.fullmatch(r"m\d\d_\w+", name):
        raise AttributeError(f"no method module {name!r}; known: {', '.join(_MODULES)}")
    raise AttributeError(f"module 'foley_nb_utils.methods' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_MODULES])
