"""Metrics against reference computations: scipy, scikit-learn, mir_eval and hand-built cases."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import scipy.stats

from foley_nb_utils import audio as fa
from foley_nb_utils import metrics as M

SR = 16000


# ------------------------------------------------------------------ distribution scores
def _fd_reference(a: np.ndarray, b: np.ndarray) -> float:
    """The textbook FID formula with scipy's general matrix square root of Σa Σb."""
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = scipy.linalg.sqrtm(s1 @ s2).real
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1 + s2 - 2 * covmean))


def test_frechet_distance_matches_scipy_sqrtm(rng):
    a = rng.normal(size=(400, 8)) @ rng.normal(size=(8, 8))
    b = rng.normal(0.3, 1.2, size=(300, 8)) @ rng.normal(size=(8, 8))
    assert M.frechet_distance(a, b) == pytest.approx(_fd_reference(a, b), rel=1e-6)
    # symmetric, zero for the same set, and stats in = features in
    assert M.frechet_distance(b, a) == pytest.approx(M.frechet_distance(a, b), rel=1e-9)
    assert M.frechet_distance(a, a) == pytest.approx(0.0, abs=1e-8)
    assert M.frechet_distance(M.gaussian_stats(a), M.gaussian_stats(b)) == pytest.approx(M.frechet_distance(a, b))


def test_frechet_distance_closed_forms():
    # univariate Gaussians: d² = (μ1-μ2)² + (σ1-σ2)²
    s1 = (np.array([1.0]), np.array([[4.0]]))
    s2 = (np.array([-2.0]), np.array([[1.0]]))
    assert M.frechet_distance(s1, s2) == pytest.approx(9.0 + 1.0)
    # translating one set by c adds |c|²
    x = np.random.default_rng(0).normal(size=(200, 5))
    c = np.array([1.0, -2.0, 0.5, 0.0, 3.0])
    assert M.frechet_distance(x, x + c) == pytest.approx(float(c @ c), rel=1e-9)


def test_frechet_distance_rejects_bad_input():
    with pytest.raises(ValueError, match="at least 2"):
        M.frechet_distance(np.zeros((1, 3)), np.zeros((5, 3)))
    with pytest.raises(ValueError, match="sizes differ"):
        M.frechet_distance(np.ones((5, 3)) + np.arange(5)[:, None], np.ones((5, 4)) + np.arange(5)[:, None])
    with pytest.raises(ValueError, match="NaN"):
        M.frechet_distance(np.full((5, 2), np.nan), np.zeros((5, 2)))


def _softmax(z):
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def test_inception_score_reference_and_extremes(rng):
    p = _softmax(rng.normal(size=(50, 6)) * 2)
    marg = p.mean(0)
    ref = np.exp(np.mean([scipy.stats.entropy(row, marg) for row in p]))
    assert M.inception_score(p) == pytest.approx(ref, rel=1e-9)
    # confident and evenly spread over K classes → K; all the same → 1
    assert M.inception_score(np.eye(5)[np.arange(100) % 5]) == pytest.approx(5.0)
    assert M.inception_score(np.tile(p[:1], (40, 1))) == pytest.approx(1.0)
    parts = [np.exp(np.mean([scipy.stats.entropy(r, q.mean(0)) for r in q])) for q in np.array_split(p, 5)]
    assert M.inception_score(p, splits=5) == pytest.approx(np.mean(parts))
    with pytest.raises(ValueError, match="softmax"):
        M.inception_score(rng.normal(size=(4, 3)))


def test_kl_cross_entropy_accuracy_against_references(rng):
    from sklearn.metrics import accuracy_score, log_loss

    p, q = _softmax(rng.normal(size=(30, 4))), _softmax(rng.normal(size=(30, 4)))
    ref = np.mean([scipy.stats.entropy(a, b) for a, b in zip(p, q)])
    assert M.kl_divergence(p, q) == pytest.approx(ref, rel=1e-9)
    assert M.kl_divergence(p, p) == pytest.approx(0.0, abs=1e-12)
    y = rng.integers(0, 4, 30)
    assert M.cross_entropy(q, y) == pytest.approx(log_loss(y, q, labels=range(4)), rel=1e-9)
    assert M.accuracy(q, y) == pytest.approx(accuracy_score(y, q.argmax(1)))
    with pytest.raises(ValueError, match="same shape"):
        M.kl_divergence(p, q[:5])
    with pytest.raises(ValueError, match="unlabeled"):
        M.accuracy(q, np.r_[y[:-1], -1])


# ------------------------------------------------------------------ onsets (CondFoleyGen)
def _strict_ap_reference(targets, preds, conf, tol):
    """Standard detection AP by hand: sort detections, greedy match, precision at each hit / #targets."""
    order = np.argsort(-np.asarray(conf), kind="stable")
    used, hits, ap = set(), 0, 0.0
    for rank, i in enumerate(order, start=1):
        cands = [j for j, t in enumerate(targets) if j not in used and abs(preds[i] - t) <= tol]
        if cands:
            used.add(min(cands, key=lambda j: abs(preds[i] - targets[j])))
            hits += 1
            ap += hits / rank
    return ap / len(targets)


def test_onset_ap_hand_built_cases():
    t = [0.5, 1.0]
    assert M.onset_ap(t, [0.52, 0.98], [0.8, 0.7]) == pytest.approx(1.0)
    assert M.onset_ap(t, [0.52, 0.98], [0.8, 0.7], strict=True) == pytest.approx(1.0)
    # 0.15 s late: both targets missed, both detections false alarms
    assert M.onset_ap(t, [0.65, 1.15], [0.8, 0.7]) == pytest.approx(0.5)
    assert M.onset_ap(t, [0.65, 1.15], [0.8, 0.7], strict=True) == 0.0
    # the original protocol's quirk: a silent output (no onset, no false alarm) scores AP 1
    assert M.onset_ap(t, [], []) == pytest.approx(1.0)
    assert M.onset_ap(t, [], [], strict=True) == 0.0
    # one hit at conf .4, one confident false alarm: sorted (.9 FA, .4 hit, 0 miss)
    assert M.onset_ap(t, [0.5, 1.5], [0.4, 0.9]) == pytest.approx(0.5 * 0.5 + 0.5 * (2 / 3))
    assert M.onset_ap(t, [0.5, 1.5], [0.4, 0.9], strict=True) == pytest.approx(0.25)
    assert np.isnan(M.onset_ap([], [0.3], [1.0]))


def test_strict_onset_ap_matches_hand_reference(rng):
    for _ in range(20):
        targets = np.sort(rng.uniform(0, 2, rng.integers(1, 6)))
        preds = np.sort(rng.uniform(0, 2, rng.integers(0, 7)))
        conf = rng.random(len(preds))
        # separate onsets (as NMS guarantees) so that greedy matching is unambiguous
        if len(preds) > 1 and np.min(np.diff(preds)) < 0.25 or len(targets) > 1 and np.min(np.diff(targets)) < 0.25:
            continue
        assert M.onset_ap(targets, preds, conf, strict=True) == pytest.approx(
            _strict_ap_reference(targets, preds, conf, 0.1))


def test_average_precision_matches_sklearn_with_ties(rng):
    from sklearn.metrics import average_precision_score

    for _ in range(30):
        n = int(rng.integers(1, 12))
        y = rng.random(n) < 0.5
        y[rng.integers(n)] = True
        s = np.round(rng.random(n), 1)  # rounding makes ties
        assert M.onsets.average_precision(y, s) == pytest.approx(average_precision_score(y, s), abs=1e-12)
    with pytest.raises(ValueError, match="no positive"):
        M.onsets.average_precision([False, False], [0.1, 0.2])


def test_match_onsets_uses_each_detection_once_and_prefers_confidence():
    m = M.match_onsets([1.0, 1.05], [1.02], [1.0])
    assert m.tolist() == [0, -1]
    m = M.match_onsets([1.0], [0.95, 1.08], [0.2, 0.9])
    assert m.tolist() == [1]  # the more confident detection within 0.1 s wins
    assert M.match_onsets([1.0], [1.1000001], [1.0]).tolist() == [-1]


def test_onset_scores_aggregate():
    s = M.onset_scores([[0.5, 1.0], [0.3], []], [[0.5, 1.0], [0.3, 1.2], []])
    assert s["onset_acc"] == pytest.approx(2 / 3)  # counts equal in clips 0 and 2
    assert s["detection_acc"] == pytest.approx(1.0)
    assert s["n_scored"] == 2 and s["n_clips"] == 3
    assert s["timing_error_s"] == pytest.approx(0.0)
    with pytest.raises(ValueError, match="target clips"):
        M.onset_scores([[0.5]], [[0.5], [0.2]])


def test_onset_scores_per_clip_are_the_clips_own_scores():
    targets, preds = [[0.5, 1.0], [0.3], [], [0.8, 1.6]], [[0.5, 1.3], [0.3, 1.2], [0.4], [0.81]]
    conf = [[0.9, 0.5], [0.8, 0.9], [1.0], [0.7]]
    s = M.onset_scores(targets, preds, conf, per_clip=True)
    pc = s["per_clip"]
    assert set(pc) == {"onset_ap", "onset_ap_strict", "detection_acc"}
    for key, strict in (("onset_ap", False), ("onset_ap_strict", True)):
        assert pc[key].shape == (4,) and np.isnan(pc[key][2])  # no target: AP undefined
        for i in (0, 1, 3):
            assert pc[key][i] == pytest.approx(M.onset_ap(targets[i], preds[i], conf[i], strict=strict))
        assert np.nanmean(pc[key]) == pytest.approx(s[key])
    assert pc["detection_acc"][[0, 1, 3]].tolist() == [0.5, 1.0, 0.5]
    assert np.nanmean(pc["detection_acc"]) == pytest.approx(s["detection_acc"])
    # the option only adds the key: the aggregate numbers are those of a plain call
    plain = M.onset_scores(targets, preds, conf)
    assert "per_clip" not in plain and {k: v for k, v in s.items() if k != "per_clip"} == plain


def test_class_balanced_weights_make_the_mean_the_balanced_accuracy(rng):
    import warnings

    from sklearn.metrics import balanced_accuracy_score

    y = np.array(["a"] * 6 + ["b"] * 3 + ["c"])
    w = M.probe.class_balanced_weights(y)
    assert w.mean() == pytest.approx(1.0)
    assert w.tolist() == pytest.approx([10 / 18] * 6 + [10 / 9] * 3 + [10 / 3])
    for _ in range(5):
        yy = rng.integers(0, 4, 40)
        pred = np.where(rng.random(40) < 0.6, yy, rng.integers(0, 5, 40))  # includes a class absent from yy
        got = float(np.mean((pred == yy) * M.probe.class_balanced_weights(yy)))
        with warnings.catch_warnings():  # sklearn warns that pred has a class y lacks
            warnings.simplefilter("ignore")
            assert got == pytest.approx(balanced_accuracy_score(yy, pred))
    with pytest.raises(ValueError, match="non-empty"):
        M.probe.class_balanced_weights([])


def test_linear_probe_correct_is_per_example_and_averages_to_its_scores(rng):
    centres = rng.normal(0, 1.5, size=(3, 6))
    y = np.r_[np.zeros(90), np.ones(30), np.full(20, 2)].astype(int)  # unbalanced test classes
    X = centres[y] + rng.normal(size=(140, 6))
    probe = M.fit_linear_probe(X[::2], y[::2], rng=np.random.default_rng(0))
    res = probe.score(X[1::2], y[1::2])
    hit = probe.correct(X[1::2], y[1::2])
    assert hit.shape == (70,) and set(np.unique(hit)) <= {0.0, 1.0}
    assert hit.tolist() == (probe.predict(X[1::2]) == y[1::2]).tolist()
    assert hit.mean() == pytest.approx(res.accuracy)
    assert probe.correct(X[1::2], y[1::2], balanced=True).mean() == pytest.approx(res.balanced_accuracy)


def _impacts(times, n=2 * SR, noise=0.002, seed=0):
    x = sum(fa.modal_impact([600, 1500], [0.1, 0.05], [1, 0.5], sr=SR, duration_s=n / SR, onset_s=t) for t in times)
    return (x + noise * np.random.default_rng(seed).standard_normal(n)).astype(np.float32)


def test_onset_metrics_on_audio_with_known_impacts():
    times = [[0.3, 1.1], [0.6], [0.4, 0.9, 1.5]]
    audio = np.stack([_impacts(t, seed=i) for i, t in enumerate(times)])
    good = M.onset_metrics(audio, SR, target_times=times)
    assert good["onset_acc"] == 1.0 and good["onset_ap"] == pytest.approx(1.0)
    assert good["timing_error_s"] < 0.02
    late = M.onset_metrics(M.degrade.time_shift(audio, SR, 0.2), SR, target_times=times)
    assert late["onset_ap_strict"] == 0.0 and late["onset_ap"] < good["onset_ap"]
    # with real audio as the target (the original protocol) the clean copy is perfect
    same = M.onset_metrics(audio, SR, target=audio)
    assert same["onset_acc"] == 1.0 and same["onset_ap"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="exactly one"):
        M.onset_metrics(audio, SR)


def test_batched_onset_detection_equals_the_package_detector():
    levels = np.array([0.05, 0.3, 1.0], dtype=np.float32)[:, None]
    x = np.concatenate([_impact_set(3, 11) * levels, _impact_set(3, 12, noise=0.02)])
    ref = [fa.detect_onsets(c, SR) for c in x]
    got = fa.detect_onsets_batch(x, SR)
    assert all(np.array_equal(a, b) for a, b in zip(ref, got)), (ref, got)
    assert sum(len(a) for a in ref) >= 6  # the clips do have onsets


def test_scored_onsets_confidences_and_nms():
    x = _impacts([0.5]) + 0.3 * _impacts([1.2], seed=1)
    t, c = M.scored_onsets(x, SR)
    assert len(t) == 2 and np.all(np.abs(t - [0.5, 1.2]) < 0.03)
    assert c[0] > c[1] and c.max() <= 1.0
    silent = M.scored_onsets(np.zeros(SR, np.float32), SR)
    assert len(silent[0]) == 0


# ------------------------------------------------------------------ retrieval
def test_recall_at_k_matches_sklearn_top_k(rng):
    from sklearn.metrics import top_k_accuracy_score

    q, g = rng.normal(size=(40, 6)), rng.normal(size=(40, 6))
    g[:20] = q[:20] + 0.1 * rng.normal(size=(20, 6))
    sim = M.similarity(q, g)
    r = M.recall_at_k(q, g, ks=(1, 5))
    for k in (1, 5):
        assert r[f"R@{k}"] == pytest.approx(top_k_accuracy_score(np.arange(40), sim, k=k, labels=np.arange(40)))
    ranks = M.retrieval_ranks(sim)
    assert r["median_rank"] == np.median(ranks)
    assert np.all(ranks[:20] == 1)


def test_retrieval_ties_are_pessimistic_and_categories():
    const = np.ones((5, 3))
    assert M.retrieval_ranks(M.similarity(const, const)).tolist() == [5] * 5
    q = np.array([[1.0, 0.0], [0.0, 1.0]])
    g = np.array([[0.9, 0.1], [0.8, 0.3], [0.1, 0.9]])
    r = M.recall_at_k(q, g, ks=(1, 2), query_labels=[0, 1], gallery_labels=[1, 0, 1])
    assert r == {"R@1": 0.5, "R@2": 1.0}
    with pytest.raises(ValueError, match="both"):
        M.recall_at_k(q, g, query_labels=[0, 1])


# ------------------------------------------------------------------ linear probe, mAP
def test_mean_average_precision_matches_sklearn(rng):
    from sklearn.metrics import average_precision_score
    from sklearn.preprocessing import label_binarize

    y = rng.integers(0, 4, 60)
    s = rng.normal(size=(60, 4)) + 1.5 * np.eye(4)[y]
    ref = average_precision_score(label_binarize(y, classes=range(4)), s, average="macro")
    assert M.mean_average_precision(y, s) == pytest.approx(ref)


def test_linear_probe_separable_vs_random(rng):
    centres = rng.normal(0, 4, size=(3, 10))
    y = rng.integers(0, 3, 300)
    X = centres[y] + rng.normal(size=(300, 10))
    res = M.linear_probe(X[:200], y[:200], X[200:], y[200:], rng=np.random.default_rng(0))
    assert res.accuracy > 0.95 and res.mAP > 0.95 and res.chance == pytest.approx(1 / 3)
    noise = M.linear_probe(X[:200], rng.integers(0, 3, 200), X[200:], y[200:], rng=np.random.default_rng(0))
    assert noise.balanced_accuracy < 0.55
    again = M.linear_probe(X[:200], y[:200], X[200:], y[200:], rng=np.random.default_rng(0))
    assert again == res
    with pytest.raises(ValueError, match="2 classes"):
        M.linear_probe(X[:10], np.zeros(10), X[10:20], y[10:20])


# ------------------------------------------------------------------ mir_eval-backed
def test_note_prf_known_inputs():
    import pretty_midi

    ref = [(0.0, 0.5, 60), (0.5, 1.0, 64), (1.0, 1.5, 67)]
    assert M.note_prf(ref, ref) == {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    late40 = [(a + 0.04, b, p) for a, b, p in ref]
    late60 = [(a + 0.06, b + 0.06, p) for a, b, p in ref]
    assert M.note_prf(ref, late40)["f1"] == 1.0 and M.note_prf(ref, late60)["f1"] == 0.0
    est = [(0.0, 0.5, 60), (0.5, 1.0, 65)]  # second note a semitone off, third missing
    r = M.note_prf(ref, est)
    assert r["precision"] == pytest.approx(0.5) and r["recall"] == pytest.approx(1 / 3)
    inst = pretty_midi.Instrument(0)
    inst.notes = [pretty_midi.Note(100, p, a, b) for a, b, p in ref]
    assert M.note_prf(inst, ref)["f1"] == 1.0
    assert M.note_prf(ref, [])["f1"] == 0.0
    with pytest.raises(ValueError, match="not after its onset"):
        M.note_prf([(1.0, 0.5, 60)], ref)


def test_onset_prf_known_inputs():
    r = M.onset_prf([1.0, 2.0, 3.0], [1.01, 2.2])
    assert r["precision"] == pytest.approx(0.5) and r["recall"] == pytest.approx(1 / 3)
    assert r["f1"] == pytest.approx(0.4)


def test_sdr_and_si_sdr_known_inputs(rng):
    s = _impacts([0.05, 0.2], n=SR // 4)  # short: BSS Eval's 512-tap projections are costly
    noise = rng.standard_normal(len(s)).astype(np.float32)
    noise *= np.sqrt(np.mean(s ** 2) / np.mean(noise ** 2) / 100)  # 20 dB SNR
    assert M.sdr(s, s + noise) == pytest.approx(20.0, abs=1.0)
    assert M.sdr(s, 0.5 * s) > 60  # BSS Eval forgives a gain
    import torch
    from torchmetrics.functional.audio import scale_invariant_signal_distortion_ratio as tm_si_sdr

    batch_ref = np.stack([s, np.roll(s, 300)]).astype(np.float64)
    batch_est = np.stack([s + noise, 0.3 * np.roll(s, 300) + 2 * noise]).astype(np.float64)
    ref_si = tm_si_sdr(torch.from_numpy(batch_est), torch.from_numpy(batch_ref), zero_mean=True).mean().item()
    assert M.si_sdr(batch_ref, batch_est) == pytest.approx(ref_si, abs=1e-6)
    assert M.si_sdr(s, s) > 150
    with pytest.raises(ValueError, match="silent"):
        M.sdr(np.zeros(100), np.ones(100))


# ------------------------------------------------------------------ PSNR / SSIM
def _ssim_reference(a: np.ndarray, b: np.ndarray, R: float) -> float:
    """Wang et al. 2004 with an 11-tap Gaussian window (σ 1.5), mean over the valid interior."""
    from scipy.ndimage import gaussian_filter

    a, b = a.astype(np.float64), b.astype(np.float64)
    f = lambda x: gaussian_filter(x, 1.5, truncate=3.5, mode="reflect")  # noqa: E731 - radius 5
    mu_a, mu_b = f(a), f(b)
    saa, sbb, sab = f(a * a) - mu_a ** 2, f(b * b) - mu_b ** 2, f(a * b) - mu_a * mu_b
    c1, c2 = (0.01 * R) ** 2, (0.03 * R) ** 2
    m = ((2 * mu_a * mu_b + c1) * (2 * sab + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (saa + sbb + c2))
    return float(m[5:-5, 5:-5].mean())


def test_psnr_and_ssim_against_references(rng):
    a = rng.random((48, 40))
    b = np.clip(a + 0.05 * rng.standard_normal(a.shape), 0, 1)
    mse = np.mean((a - b) ** 2)
    assert M.psnr(b, a, data_range=1.0) == pytest.approx(10 * np.log10(1 / mse), rel=1e-5)
    assert M.ssim(b, a, data_range=1.0) == pytest.approx(_ssim_reference(b, a, 1.0), abs=2e-3)
    assert M.ssim(a, a, data_range=1.0) == pytest.approx(1.0)
    worse = np.clip(a + 0.2 * rng.standard_normal(a.shape), 0, 1)
    assert M.ssim(worse, a, data_range=1.0) < M.ssim(b, a, data_range=1.0)
    img = (a * 255).astype(np.uint8)
    assert M.psnr(img[None], img[None]) == float("inf")
    rgb = np.stack([img, img // 2])[..., None].repeat(3, -1)  # [2, H, W, 3] colour batch
    other = np.stack([255 - img, img])[..., None].repeat(3, -1)
    pooled = 10 * np.log10(255 ** 2 / np.mean((rgb.astype(float) - other) ** 2))  # one MSE over the set
    assert M.psnr(rgb, other) == pytest.approx(pooled, rel=1e-5)
    assert np.isfinite(M.psnr(np.stack([img, img]), np.stack([img, 255 - img])))  # one identical pair
    with pytest.raises(ValueError, match="data_range"):
        M.psnr(a, b)
    with pytest.raises(ValueError, match="same shape"):
        M.ssim(a, b[:10], data_range=1.0)


# ------------------------------------------------------------------ real vs fake
def test_proportion_ci_wilson_formula():
    k, n, z = 30, 100, scipy.stats.norm.ppf(0.975)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    low, high = M.proportion_ci(k, n)
    assert low == pytest.approx(centre - half, abs=1e-9) and high == pytest.approx(centre + half, abs=1e-9)
    with pytest.raises(ValueError, match="trial"):
        M.proportion_ci(0, 0)


def _impact_set(n: int, seed: int, noise: float = 0.002, seconds: float = 2.0) -> np.ndarray:
    r = np.random.default_rng(seed)
    return np.stack([_impacts(np.sort(r.uniform(0.1, seconds - 0.3, r.integers(1, 4))), n=int(seconds * SR),
                              noise=noise, seed=seed * 1000 + i) for i in range(n)])


def test_fooling_rate_chance_for_same_distribution_low_for_damaged():
    real, other = _impact_set(60, 1, seconds=1.0), _impact_set(60, 2, seconds=1.0)
    same = M.fooling_rate(real, other, SR, rng=np.random.default_rng(0))
    assert 0.3 < same.rate < 0.7 and same.low < 0.5 < same.high
    noisy = M.fooling_rate(real, M.degrade.add_noise(real, 0.0, np.random.default_rng(3)), SR,
                           rng=np.random.default_rng(0))
    assert noisy.rate < 0.1 and noisy.discriminator_accuracy > 0.9
    again = M.fooling_rate(real, other, SR, rng=np.random.default_rng(0))
    assert again == same
    with pytest.raises(ValueError, match="pairs"):
        M.fooling_rate(real, other[:10], SR, rng=np.random.default_rng(0))


# ------------------------------------------------------------------ features and degradations
def test_log_mel_batch_matches_per_clip_log_mel():
    x = _impact_set(3, 5)
    S = M.log_mel_batch(x, SR).numpy()
    ref = np.stack([fa.log_mel(c, SR) for c in x])
    assert S.shape == ref.shape
    assert np.max(np.abs(S - ref)) < 1e-2


def test_degradations_do_what_they_say(rng):
    x = _impact_set(4, 7)
    noisy = M.degrade.add_noise(x, 10.0, rng)
    snr = 10 * np.log10(np.mean(x ** 2, 1) / np.mean((noisy - x) ** 2, 1))
    assert np.all(np.abs(snr - 10.0) < 0.5)
    imp = np.zeros((1, 1000), np.float32)
    imp[0, 100] = 1
    assert np.argmax(M.degrade.time_shift(imp, 1000, 0.05)[0]) == 150
    assert np.argmax(M.degrade.time_shift(imp, 1000, -0.05)[0]) == 50
    t = np.arange(SR) / SR
    tones = np.stack([np.sin(2 * np.pi * 500 * t), np.sin(2 * np.pi * 3000 * t)]).astype(np.float32)
    low = M.degrade.band_limit(tones, SR, 1000)
    assert np.std(low[0, 2000:-2000]) > 0.65 and np.std(low[1, 2000:-2000]) < 0.01  # edges: filter transients
    gl1 = M.degrade.griffin_lim_roundtrip(x, SR, 4, np.random.default_rng(0))
    gl2 = M.degrade.griffin_lim_roundtrip(x, SR, 4, np.random.default_rng(0))
    assert gl1.shape == x.shape and np.array_equal(gl1, gl2)
    with pytest.raises(ValueError, match="cutoff"):
        M.degrade.band_limit(x, SR, 9000)
    with pytest.raises(ValueError, match="unknown degradation"):
        M.degrade.degrade("reverb", x, SR, 1, rng)


def test_onset_transfer_keeps_timing_and_takes_the_donor_sound():
    donor = _impacts([0.4])
    out = M.degrade.onset_transfer(donor, 0.4, [0.3, 1.0, 1.6], SR, 2 * SR)
    t, _ = M.scored_onsets(out, SR)
    assert len(t) == 3 and np.all(np.abs(t - [0.3, 1.0, 1.6]) < 0.03)
    seg = out[int(0.3 * SR):int(0.3 * SR) + 400]
    assert np.allclose(seg, donor[int(0.4 * SR):int(0.4 * SR) + 400])
    mats = np.array([0, 0, 1, 1])
    times = [[0.3], [0.5], [0.7], [0.9]]
    x = np.stack([_impacts(tt, seed=i) for i, tt in enumerate(times)])
    y = M.degrade.wrong_material(x, SR, mats, times, 1.0, np.random.default_rng(0))
    assert not np.allclose(y, x)
    assert np.array_equal(M.degrade.wrong_material(x, SR, mats, times, 0.0, np.random.default_rng(0)), x)
