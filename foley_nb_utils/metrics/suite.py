"""One call that scores generated sound with every applicable metric, on the same footing.

:class:`AudioEvaluator` holds what does not depend on the method being scored — the judges and
a *reference* set of real clips (its embedding statistics, and a linear probe fitted on it) —
and returns a dict of metrics for each set of generated clips, so every method notebook and
the benchmark compute the same numbers the same way. :data:`METRICS` says, for each, which
way is better and how large a change is meaningful.

Notebook: 04_evaluation
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import distribution as D
from .features import as_batch, single_thread, summary_from_logmel
from .image import psnr, ssim
from .music import si_sdr
from .onsets import onset_metrics
from .probe import fit_linear_probe
from .realfake import fooling_rate_from_features
from .retrieval import recall_at_k

__all__ = ["METRICS", "AudioEvaluator", "MetricInfo", "direction_of_change"]


@dataclass(frozen=True)
class MetricInfo:
    """How to read a metric.

    Attributes:
        better: +1 when higher is better, -1 when lower is better.
        tolerance: changes smaller than this are within noise (same unit as the metric).
        unit: the unit ("" for a fraction or a score).
        what: one line of explanation.
        papers: the surveyed papers that use it (survey reference numbers).
        responds_to: the degradations of :mod:`.degrade` that must make it worse (what it can
            see); under the others it may stay flat, but it must never get better.
        fraction_of_clips: the metric counts clips (accuracy-like), so a change of a clip or two
            is noise: :func:`direction_of_change` widens its tolerance to ``2.5 / n`` for n clips.

    Notebook: 04_evaluation
    """

    better: int
    tolerance: float
    unit: str
    what: str
    papers: str
    responds_to: tuple[str, ...] = ()
    fraction_of_clips: bool = False


_CLASS = ("noise", "band_limit", "wrong_material")

#: The metrics :class:`AudioEvaluator` reports.
METRICS: dict[str, MetricInfo] = {
    "accuracy": MetricInfo(+1, 0.03, "", "judge's accuracy on the label the sound should have",
                           "[1], [3], [4], [9], [18] (material/class accuracy)", _CLASS, fraction_of_clips=True),
    "cross_entropy": MetricInfo(-1, 0.05, "nats", "judge's -log p(expected label)", "[5] (cross-entropy)", _CLASS),
    "inception_score": MetricInfo(+1, 0.3, "", "exp E KL(p(y|x) || p(y)): confident and diverse",
                                  "[13], [16], [17]", ("noise", "band_limit")),
    "kl": MetricInfo(-1, 0.03, "nats", "paired KL(p(y|real) || p(y|generated)) (MKL)", "[13], [16], [17]", _CLASS),
    "frechet": MetricInfo(-1, 0.0, "", "Fréchet distance of judge embeddings to a reference real set (FAD)",
                          "[16], [19] (FID / FAD)", _CLASS),
    "probe_accuracy": MetricInfo(+1, 0.03, "", "linear SVM trained on real embeddings, applied to generated",
                                 "[1], [2] (SVM)", _CLASS, fraction_of_clips=True),
    "probe_map": MetricInfo(+1, 0.03, "", "mean average precision of that SVM", "[2] (mAP)", _CLASS),
    "recall_at_1": MetricInfo(+1, 0.03, "", "generated clip retrieves its own real clip (judge embedding)",
                              "[5], [6], [8] (retrieval R@K)", _CLASS, fraction_of_clips=True),
    "onset_acc": MetricInfo(+1, 0.03, "", "clips with the right number of onsets", "[18] (CondFoleyGen)", ("shift",), fraction_of_clips=True),
    "onset_ap": MetricInfo(+1, 0.03, "", "onset AP within ±0.1 s, CondFoleyGen scoring", "[18]", ("shift",)),
    "onset_ap_strict": MetricInfo(+1, 0.03, "", "onset AP within ±0.1 s, misses count", "[1] (impact AP), [18]",
                                  ("shift",)),
    "desync": MetricInfo(-1, 0.03, "s", "mean |offset| predicted by the sync judge (DeSync)", "[18], later work",
                         ("shift",)),
    "fooling_rate": MetricInfo(+1, 0.03, "", "fake labeled real by a discriminator, 2AFC (AMT stand-in)",
                               "[1], [3]-[5] (AMT studies)", ("noise", "band_limit", "griffin_lim", "wrong_material"), fraction_of_clips=True),
    "mel_psnr": MetricInfo(+1, 0.5, "dB", "PSNR of the log-mel (80 dB range) against the real clip", "[7]",
                           ("noise", "shift", "band_limit", "wrong_material")),
    "mel_ssim": MetricInfo(+1, 0.01, "", "SSIM of the log-mel against the real clip", "[7]",
                           ("noise", "shift", "band_limit", "wrong_material")),
    "si_sdr": MetricInfo(+1, 0.5, "dB", "scale-invariant SDR of the waveform against the real clip", "[7], [10]",
                         ("noise", "shift", "band_limit", "griffin_lim", "wrong_material")),
}


def direction_of_change(name: str, clean: float, damaged: float, tolerance: float | None = None,
                        n: int | None = None) -> str:
    """Whether a metric got ``"worse"``, stayed ``"flat"`` or got ``"better"`` from clean to damaged.

    Args:
        name: a key of :data:`METRICS`.
        clean, damaged: the metric's values.
        tolerance: override of the metric's tolerance (e.g. the Fréchet distance between two
            real sets, its sampling noise).
        n: number of clips scored; widens the tolerance of per-clip fractions to ``2.5 / n``.

    Returns:
        ``"worse"``, ``"flat"`` or ``"better"`` (``"n/a"`` if either value is NaN).

    Notebook: 04_evaluation
    """
    info = METRICS[name]
    if np.isnan(clean) or np.isnan(damaged):
        return "n/a"
    if tolerance is not None:
        tol = float(tolerance)
    elif name == "frechet":
        tol = 0.1 * max(abs(clean), 1e-9)  # distances: 10 % of the clean value
    else:
        tol = info.tolerance
        if info.fraction_of_clips and n:
            tol = max(tol, 2.5 / n)
    delta = (damaged - clean) * info.better  # > 0: better
    if delta > tol:
        return "better"
    if delta < -tol:
        return "worse"
    return "flat"


class AudioEvaluator:
    """Score generated audio with the judges against a reference set of real clips.

    Args:
        judge: an :class:`~.judges.AudioJudge`.
        reference: ``[M, n]`` real clips (independent of the clips being scored), for the
            Fréchet distance and the linear probe.
        reference_labels: ``[M]`` int labels of the judge's ``head`` for the probe.
        sr: sample rate in Hz.
        rng: generator (probe split, discriminator folds).
        head: the judge head the class metrics use (default: the judge's first head).
        sync: an optional :class:`~.judges.SyncJudge` for DeSync.

    Notebook: 04_evaluation
    """

    def __init__(self, judge, reference, reference_labels, sr: int, *, rng: np.random.Generator,
                 head: str | None = None, sync=None):
        self.judge = judge
        self.sr = int(sr)
        self.head = head or next(iter(judge.heads))
        if self.head not in judge.heads:
            raise ValueError(f"head {self.head!r} is not one of the judge's heads {list(judge.heads)}")
        self.rng = rng
        self.sync = sync
        ref = as_batch(reference, "reference")
        y = np.asarray(reference_labels)
        if y.shape != (len(ref),):
            raise ValueError(f"reference_labels must have {len(ref)} entries, got shape {y.shape}")
        emb = judge.embed(ref, self.sr)
        self.reference_stats = D.gaussian_stats(emb)
        ok = y >= 0
        self.probe = fit_linear_probe(emb[ok], y[ok], rng=rng)
        self._memo: dict[str, dict] = {}

    def _analyse(self, audio: np.ndarray) -> dict:
        """Log-mel, posteriors and embedding of a set of clips (cached for the paired real set)."""
        key = f"{audio.shape}" + hashlib.blake2b(audio.tobytes(), digest_size=16).hexdigest()
        if key in self._memo:
            self._memo[key] = self._memo.pop(key)  # most recently used last
            return self._memo[key]
        S = self.judge.logmel(audio, self.sr)
        probs, emb = self.judge.analyse_logmel(S)
        out = {"logmel": S, "probs": probs[self.head], "emb": emb}
        while len(self._memo) >= 3:  # keep the few most recent sets (the paired real set among them)
            self._memo.pop(next(iter(self._memo)))
        self._memo[key] = out
        return out

    def __call__(self, generated, *, real=None, labels=None, target_times: Sequence | None = None,
                 frames=None, fps: float | None = None, fooling: bool = True) -> dict[str, float]:
        """Metrics of one set of generated clips (keys of :data:`METRICS` that apply).

        Args:
            generated: ``[N, n]`` generated clips.
            real: ``[N, n]`` the real clips of the same videos (paired metrics: KL, retrieval,
                fooling rate, PSNR/SSIM, SI-SDR).
            labels: ``[N]`` labels the sound should have (accuracy, cross-entropy, probe).
            target_times: per clip, true event times in s (onset metrics).
            frames, fps: the videos ``[N, T, H, W, 3]`` (DeSync, with a sync judge).
            fooling: compute the real-vs-fake fooling rate.

        Returns:
            dict metric → float.

        Notebook: 04_evaluation
        """
        with single_thread():
            return self._score(generated, real, labels, target_times, frames, fps, fooling)

    def _score(self, generated, real, labels, target_times, frames, fps, fooling) -> dict[str, float]:
        gen = as_batch(generated, "generated")
        if real is not None:
            self._analyse(as_batch(real, "real"))  # first, so that it stays in the memo
        g = self._analyse(gen)
        probs, emb = g["probs"], g["emb"]
        out: dict[str, float] = {}
        if labels is not None:
            y = np.asarray(labels)
            ok = y >= 0
            out["accuracy"] = D.accuracy(probs[ok], y[ok])
            out["cross_entropy"] = D.cross_entropy(probs[ok], y[ok])
            res = self.probe.score(emb[ok], y[ok])
            out["probe_accuracy"], out["probe_map"] = res.accuracy, res.mAP
        out["inception_score"] = D.inception_score(probs)
        out["frechet"] = D.frechet_distance(self.reference_stats, emb)
        if real is not None:
            r = as_batch(real, "real")
            if r.shape != gen.shape:
                raise ValueError(f"real {r.shape} and generated {gen.shape} must be paired clips of equal shape")
            rr = self._analyse(r)
            out["kl"] = D.kl_divergence(rr["probs"], probs)
            out["recall_at_1"] = recall_at_k(emb, rr["emb"], ks=(1,))["R@1"]
            # the spectrogram as an image on a fixed scale: -80..0 dB full scale
            Sr = np.clip(rr["logmel"].numpy(), -80, 0) + 80
            Sg = np.clip(g["logmel"].numpy(), -80, 0) + 80
            out["mel_psnr"] = psnr(Sg, Sr, data_range=80.0)
            out["mel_ssim"] = ssim(Sg, Sr, data_range=80.0)
            if np.all(np.any(r != 0, axis=1)):
                out["si_sdr"] = si_sdr(r, gen)
            if fooling:
                out["fooling_rate"] = fooling_rate_from_features(
                    summary_from_logmel(rr["logmel"]), summary_from_logmel(g["logmel"]), rng=self.rng).rate
        if target_times is not None:
            m = onset_metrics(gen, self.sr, target_times=target_times)
            out.update({k: m[k] for k in ("onset_acc", "onset_ap", "onset_ap_strict")})
        if self.sync is not None and frames is not None:
            if fps is None:
                raise ValueError("give fps with frames")
            same = self.sync.spec["sr"] == self.judge.spec["sr"] and self.sync.spec["n_samples"] == \
                self.judge.spec["n_samples"] and self.sr == self.judge.spec["sr"]
            out["desync"] = self.sync.desync(frames, gen, fps, self.sr, logmel=g["logmel"] if same else None)
        return out
