"""Evaluation: judges and the metrics of the survey's section 3.3, on the same footing for all.

Every method notebook scores its output with these functions (usually through
:class:`AudioEvaluator`, which computes them all the same way), so that the benchmark notebook
can compare methods. Inputs are numpy arrays: audio ``[N, n]`` at a sample rate ``sr`` (Hz),
class probabilities ``[N, K]``, embeddings ``[N, D]``, times in seconds.

=======================================  ===========================================  ===========================
metric                                   function                                     papers (survey refs)
=======================================  ===========================================  ===========================
judges (reference classifiers)           :func:`audio_judge`, :func:`image_judge`,    Melception [16], PANNs/PaSST
                                         :func:`video_judge`, :func:`sync_judge`      taggers, Synchformer
                                         (several at once: :func:`judge_panel`)
accuracy of generated sound as judged    :func:`accuracy`                             [1], [3], [4], [9], [18]
cross-entropy                            :func:`cross_entropy`                        [5]
Inception Score (IS)                     :func:`inception_score`                      [13], [16], [17]
KL between paired posteriors (MKL)       :func:`kl_divergence`                        [13], [16], [17]
Fréchet distance (FID / FAD / FVD)       :func:`frechet_distance` on ``judge.embed``  [16], [19]
SVM / linear probe, mAP                  :func:`linear_probe`,                        [1], [2]
                                         :func:`mean_average_precision`
retrieval recall@K, median rank          :func:`recall_at_k`                          [5], [6], [7], [8]
onset count accuracy, onset AP ±0.1 s    :func:`onset_metrics`, :func:`onset_ap`      [18] (CondFoleyGen), [1]
DeSync (audio-visual offset)             :meth:`SyncJudge.desync`                     [18] and later work
note precision / recall / F1             :func:`note_prf`, :func:`onset_prf`          [8], [10], [13]
SDR, SI-SDR                              :func:`sdr` (mir_eval), :func:`si_sdr`        [7], [10]
PSNR, SSIM                               :func:`psnr`, :func:`ssim` (torchmetrics)     [7]
real-vs-fake "which is real?" (AMT)      :func:`fooling_rate`, :func:`proportion_ci`  [1], [3]–[5]
listening test (students)                :class:`foley_nb_utils.widgets.ListeningTest` [1], [3]–[5]
=======================================  ===========================================  ===========================

Also: :mod:`.degrade` (controlled damage: noise, time shift, band limit, Griffin-Lim,
wrong material, and the onset-transfer baseline) and :data:`METRICS` (which way is better).

The judges (and :mod:`.suite`) load torch on first use; the other metrics need only numpy,
scipy, scikit-learn, mir_eval or torchmetrics.

Notebook: 04_evaluation
"""
from __future__ import annotations

import importlib

from . import degrade
from .distribution import accuracy, cross_entropy, frechet_distance, gaussian_stats, inception_score, kl_divergence
from .features import log_mel_batch, summary_features
from .image import psnr, ssim
from .music import note_prf, onset_prf, sdr, si_sdr
from .onsets import match_onsets, onset_ap, onset_metrics, onset_scores, scored_onsets
from .probe import LinearProbe, ProbeResult, fit_linear_probe, linear_probe, mean_average_precision
from .realfake import FoolingResult, fooling_rate, proportion_ci
from .retrieval import recall_at_k, retrieval_ranks, similarity

_LAZY = {
    "judges": "judges", "suite": "suite",
    "audio_judge": "judges", "image_judge": "judges", "video_judge": "judges", "sync_judge": "judges",
    "judge_panel": "judges",
    "Judge": "judges", "AudioJudge": "judges", "ImageJudge": "judges", "VideoJudge": "judges",
    "SyncJudge": "judges", "AudioEvaluator": "suite", "METRICS": "suite", "MetricInfo": "suite",
    "direction_of_change": "suite",
}

__all__ = ["AudioEvaluator", "FoolingResult", "LinearProbe", "METRICS", "ProbeResult", "accuracy",
           "audio_judge", "cross_entropy", "degrade", "direction_of_change", "fit_linear_probe",
           "fooling_rate", "frechet_distance", "gaussian_stats", "image_judge", "inception_score",
           "judge_panel", "kl_divergence", "linear_probe", "log_mel_batch", "match_onsets",
           "mean_average_precision", "note_prf", "onset_ap", "onset_metrics", "onset_prf", "onset_scores",
           "proportion_ci", "psnr", "recall_at_k", "retrieval_ranks", "scored_onsets", "sdr", "si_sdr",
           "similarity", "ssim", "summary_features", "sync_judge", "video_judge"]


def __getattr__(name: str):
    if name in _LAZY:
        mod = importlib.import_module(f"{__name__}.{_LAZY[name]}")
        return mod if name == _LAZY[name] else getattr(mod, name)
    raise AttributeError(f"module 'foley_nb_utils.metrics' has no attribute {name!r}")
