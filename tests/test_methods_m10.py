"""Tests of notebook 10's method module (Chen et al. 2018, POCAN).

Small synthetic tensors only: spectrograms against librosa's STFT, base samples against a loop of
class means, the base + Δ composition (teacher-forced vs predicted class, the no-class ablation),
the loss terms against their formulas, the frozen classifier, retrieval on a case with a known
answer, and clear errors for bad input.
"""
from __future__ import annotations

import librosa
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from foley_nb_utils.methods import m10_pocan as m10
from foley_nb_utils.methods import m05_visually_indicated_sounds as m05


def test_spectrograms_match_librosa():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 2000)).astype(np.float32) * 0.1
    s = m10.spectrograms(x, n_fft=256, hop=100)
    ref = np.log(np.abs(librosa.stft(x[1], n_fft=256, hop_length=100, pad_mode="constant")) + m10.EPS).T
    assert s.shape == (2, 21, 129) and s.dtype == np.float32
    np.testing.assert_allclose(s[1], ref, atol=1e-4)
    assert m10.spectrograms(x, 256, 100, steps=20).shape == (2, 20, 129)
    with pytest.raises(ValueError, match="steps=30"):
        m10.spectrograms(x, 256, 100, steps=30)
    with pytest.raises(ValueError, match="hop"):
        m10.spectrograms(x, 256, 300)
    with pytest.raises(ValueError, match=r"\[N, n\]"):
        m10.spectrograms(x[0], 256, 100)


def test_griffin_lim_round_trip_keeps_the_spectrum():
    t = np.arange(4000) / 8000
    x = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[None]
    s = m10.spectrograms(x, 256, 64)
    y = m10.to_audio(s, 256, 64, 4000, np.random.default_rng(0))
    assert y.shape == (1, 4000)
    peak = np.argmax(np.abs(np.fft.rfft(y[0])))
    assert abs(peak * 8000 / 4000 - 440) < 4                  # the tone comes back at 440 Hz
    assert 0.3 < np.abs(y).max() < 0.7
    with pytest.raises(ValueError, match="1 \\+ n_samples // hop"):
        m10.to_audio(s[:, :-1], 256, 64, 4000, np.random.default_rng(0))     # one frame short


def test_class_bases_are_class_means():
    rng = np.random.default_rng(1)
    spec = rng.standard_normal((7, 3, 4)).astype(np.float32)
    lab = np.array([0, 1, 0, 2, 1, 0, 2])
    b = m10.class_bases(spec, lab, 4)
    for k in range(3):
        np.testing.assert_allclose(b[k], spec[lab == k].mean(0), rtol=1e-5)
    np.testing.assert_allclose(b[3], spec.mean(0), rtol=1e-5)     # class without clips → global mean
    with pytest.raises(ValueError, match="0..3"):
        m10.class_bases(spec, np.array([0, 1, 0, 2, 1, 0, 4]), 4)


def _video(b=3, T=4, s=16, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(b, T, 3, s, s, generator=g), torch.rand(b, 3, s, s, generator=g)


def test_pocan_is_base_plus_delta():
    torch.manual_seed(0)
    bases = np.stack([np.full((8, 5), v, np.float32) for v in (0.0, 10.0, -10.0)])
    model = m10.POCAN(bases, steps_per_frame=2, size=16, hidden=8).eval()
    x, first = _video()
    with torch.no_grad():
        delta = model.regressor(x, first)
        forced, logits = model(x, first, torch.tensor([1, 2, 0]))
        free, _ = model(x, first)
    assert forced.shape == (3, 8, 5) and logits.shape == (3, 3)
    torch.testing.assert_close(forced - delta, torch.as_tensor(bases[[1, 2, 0]]))
    torch.testing.assert_close(free - delta, torch.as_tensor(bases[logits.argmax(1).numpy()]))
    ablated = m10.POCAN(bases, 2, size=16, hidden=8, use_class=False).eval()
    with torch.no_grad():
        out, lg = ablated(x, first, torch.tensor([1, 2, 0]))
        d2 = ablated.regressor(x, first)
    assert lg is None and ablated.class_head is None
    torch.testing.assert_close(out - d2, torch.zeros_like(out))      # the global mean of the bases is 0
    assert isinstance(model.regressor, m05.SoundPredictor)          # notebook 05's CNN + LSTM, reused
    with pytest.raises(ValueError, match=r"\[K, S, F\]"):
        m10.POCAN(bases[0], 2, size=16)


def test_loss_terms_match_their_formulas():
    torch.manual_seed(0)
    bases = np.random.default_rng(0).standard_normal((3, 8, 12)).astype(np.float32)
    model = m10.POCAN(bases, 2, size=16, hidden=8).eval()
    clf = m10.SoundClassifier(3).eval()
    x, first = _video()
    spec = torch.randn(3, 8, 12)
    cls = torch.tensor([0, 2, 1])
    with torch.no_grad():
        loss, parts = m10.pocan_loss(model, (x, first, spec, cls), clf, w_cls=0.5, w_perc=2.0)
        pred, logits = model(x, first, cls)
        mse = F.mse_loss(pred, spec)
        ce = F.cross_entropy(logits, cls)
        fp, ft = clf(pred)[0], clf(spec)[0]                       # unit-length features: 2 - 2 cos
        perc = (2 - 2 * F.cosine_similarity(fp, ft, dim=1)).mean()
    assert parts["mse"] == pytest.approx(float(mse), rel=1e-5)
    assert parts["cls"] == pytest.approx(float(ce), rel=1e-5)
    assert parts["perc"] == pytest.approx(float(perc), rel=1e-5)
    assert float(loss) == pytest.approx(float(mse + 0.5 * ce + 2.0 * perc), rel=1e-5)
    _, no_perc = m10.pocan_loss(model, (x, first, spec, cls), clf, w_perc=0.0)
    assert "perc" not in no_perc
    baseline = m05.SoundPredictor(2, size=16, n_out=12, hidden=8, lstm_rate="video").eval()
    _, base_parts = m10.pocan_loss(baseline, (x, first, spec, cls), None)
    assert set(base_parts) == {"mse"}


def test_perceptual_loss_trains_the_regressor_not_the_classifier():
    bases = np.zeros((2, 8, 12), np.float32)
    model = m10.POCAN(bases, 2, size=16, hidden=8)
    spec = torch.randn(3, 8, 12)
    lab = np.array([0, 1, 0])
    clf = m10.pretrain_classifier(spec.numpy(), lab, 2, seed=0, steps=3)
    assert not any(p.requires_grad for p in clf.parameters()) and not clf.training
    x, first = _video()
    loss, _ = m10.pocan_loss(model, (x, first, spec, torch.as_tensor(lab)), clf, w_cls=0.0, w_perc=1.0)
    loss.backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.regressor.parameters())
    assert all(p.grad is None for p in clf.parameters())


def test_classifier_pretraining_is_deterministic():
    spec = np.random.default_rng(0).standard_normal((6, 8, 12)).astype(np.float32)
    lab = np.arange(6) % 2
    a = m10.pretrain_classifier(spec, lab, 2, seed=3, steps=4)
    b = m10.pretrain_classifier(spec, lab, 2, seed=3, steps=4)
    for p, q in zip(a.parameters(), b.parameters()):
        assert torch.equal(p, q)


def test_retrieval_with_known_answers():
    torch.manual_seed(0)
    clf = m10.SoundClassifier(2).eval()
    true = np.random.default_rng(0).standard_normal((12, 8, 12)).astype(np.float32)
    perfect = m10.retrieval(true, true, clf)
    assert perfect["R@1"] == 1.0 and perfect["median_rank"] == 1.0
    shuffled = m10.retrieval(true[::-1].copy(), true, clf, ks=(1,))
    assert shuffled["R@1"] < 0.5


def test_make_batches_and_predict():
    x, first = _video(b=5)
    spec = np.zeros((5, 8, 12), np.float32)
    batch = m10.make_batches(x, first, spec, np.arange(5) % 2, 2, torch.Generator().manual_seed(0))
    bx, bf, bs, bc = batch(0)
    assert bx.shape == (2, 4, 3, 16, 16) and bs.shape == (2, 8, 12) and bc.dtype == torch.long
    with pytest.raises(ValueError, match="same length"):
        m10.make_batches(x, first, spec[:4], np.arange(5), 2, torch.Generator())
    model = m10.POCAN(np.zeros((2, 8, 12), np.float32), 2, size=16, hidden=8)
    pred, logits = m10.predict(model, x, first, batch_size=2)
    assert pred.shape == (5, 8, 12) and logits.shape == (5, 2)


def test_perceptual_loss_ignores_the_feature_scale():
    torch.manual_seed(0)
    bases = np.zeros((2, 8, 12), np.float32)
    model = m10.POCAN(bases, 2, size=16, hidden=8).eval()
    clf = m10.SoundClassifier(2).eval()
    x, first = _video()
    batch = (x, first, torch.randn(3, 8, 12), torch.tensor([0, 1, 0]))
    with torch.no_grad():
        _, a = m10.pocan_loss(model, batch, clf, w_cls=0.0)
        clf.feat.weight.mul_(10.0)                                 # features 10× larger, same directions
        clf.feat.bias.mul_(10.0)
        _, b = m10.pocan_loss(model, batch, clf, w_cls=0.0)
    assert 0 < a["perc"] <= 4 and b["perc"] == pytest.approx(a["perc"], rel=1e-4)


def _tiny_hits(seed=0):
    from foley_nb_utils.synth import hits
    batch = hits.generate(10, seed=seed, fps=10.0, duration_s=0.8, size=32, sr=8000, camera_jitter=False)
    return batch.subset(np.arange(7)), batch.subset(np.arange(7, 10))


def test_experiment_is_fair_reproducible_and_checks_its_settings():
    tr, te = _tiny_hits()
    kw = dict(seed=0, steps=2, clf_steps=2, n_fft=128, hop=100, size=16, hidden=8, batch_size=4)
    r = m10.experiment(tr, te, **kw)
    assert list(r["retrieval"]) == list(m10.VARIANTS)
    assert r["settings"]["k"] == 8 and r["true"].shape == (3, 8 * tr.frames.shape[1], 65)
    assert r["judge"] is not r["classifier"]
    assert not torch.equal(r["judge"].feat.weight, r["classifier"].feat.weight)   # independent networks
    for name, pred in r["pred"].items():
        assert pred.shape == r["true"].shape and np.isfinite(pred).all(), name
        assert 0 <= r["retrieval"][name]["R@1"] <= 1 and 0 <= r["class_acc"][name] <= 1
    assert set(r["pred_class_acc"]) == {"POCAN", "no perceptual loss"}
    # same seed → same weights at the start for the variants with the same layers: the two POCAN
    # variants differ only in their loss, so after one identical first batch their MSE terms agree
    assert r["hist"]["POCAN"]["mse"][0] == pytest.approx(r["hist"]["no perceptual loss"]["mse"][0], rel=1e-6)
    base = r["models"]["regression (notebook 05)"]           # the plain regressor is given the data's scale
    s_tr = m10.spectrograms(tr.audio, 128, 100, r["true"].shape[1])
    np.testing.assert_allclose(base.out_mean.numpy(), s_tr.mean(axis=(0, 1)), rtol=1e-4, atol=1e-4)
    again = m10.experiment(tr, te, **{**kw, "variants": ["POCAN"]})
    np.testing.assert_array_equal(again["pred"]["POCAN"], r["pred"]["POCAN"])
    with pytest.raises(ValueError, match="whole number"):
        m10.experiment(tr, te, **{**kw, "hop": 96})
    with pytest.raises(ValueError, match="label .colour."):
        m10.experiment(tr, te, **{**kw, "label": "colour"})
    with pytest.raises(ValueError, match="unknown variants"):
        m10.experiment(tr, te, **{**kw, "variants": ["GAN"]})


QUICK = dict(steps=150, clf_steps=100, n_fft=256, hop=100, size=16, hidden=64, batch_size=16, lr=2e-3)
"""The notebook's quick settings (keep in sync with notebooks/py/10_2018_pocan.py)."""


@pytest.mark.slow
def test_experiment_claims_for_three_seeds(capsys, one_thread):
    import foley_nb_utils as fnu
    for seed in (0, 1, 2):
        root = fnu.synth.ensure("scenes", seed=seed, n=240, duration_s=0.5, size=32, sr=8000)   # notebook 09's world
        load = dict(fps=10.0, size=32, sr=8000, clip_s=0.5)
        tr = fnu.datasets.class_folders.load(root, "train", **load)
        te = fnu.datasets.class_folders.load(root, "test", **load)
        r = m10.experiment(tr, te, seed=seed, **QUICK)
        R, ks = r["retrieval"], ("R@1", "R@5", "R@10")
        mean_r = {name: float(np.mean([v[k] for k in ks])) for name, v in R.items()}
        beats = all(R["POCAN"][k] > R["regression (notebook 05)"][k] for k in ks)    # the notebook's claims
        with capsys.disabled():
            print(f"\nseed {seed}: beats regression {beats} · perceptual helps "
                  f"{mean_r['POCAN'] > mean_r['no perceptual loss']} · class helps "
                  f"{mean_r['POCAN'] > mean_r['no class prediction']} · semantic "
                  f"{r['class_acc']['POCAN'] > r['class_acc']['regression (notebook 05)']} · {mean_r}")
        chance10 = 10 / len(te)
        assert all(v["R@10"] > chance10 for v in R.values())        # every model retrieves far above chance
        assert r["judge_acc"] > 0.5 and r["pred_class_acc"]["POCAN"] > 0.5
