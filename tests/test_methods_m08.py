"""Tests of notebook 08's CMCGAN (Hao et al. 2018): its losses against the paper's formulas,
its four paths against their one-by-one definitions, frozen encoders, training on toy data. The
notebook's claims across seeds: tests/test_series.py."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from foley_nb_utils.methods import m07_cross_modal_gan as m07
from foley_nb_utils.methods import m08_cmcgan as m08

IMG, LMS = (3, 16, 16), (1, 16, 16)


def _encoders(k: int = 4, trained: bool = False):
    v = m07.build_seeded(0, lambda: m07.ConvClassifier(IMG, k, widths=(4, 8)))
    a = m07.build_seeded(1, lambda: m07.ConvClassifier(LMS, k, widths=(4, 8)))
    if trained:  # classifiers of the toy pairs' classes, as notebook 07 trains them
        iv, ia, y = _pairs(96, k, torch.Generator().manual_seed(9))
        for clf, x in ((v, iv), (a, ia)):
            m07.train_classifier(clf, x, y, steps=40, batch_size=16, generator=torch.Generator().manual_seed(0),
                                 lr=1e-2)
    return m08.ClassCode(v.eval()), m08.ClassCode(a.eval())


def _model(k: int = 4, freeze: bool = True, trained: bool = False):
    ev, ea = _encoders(k, trained)
    return m07.build_seeded(2, lambda: m08.CMCGAN(ev, ea, IMG, LMS, code_dim=k, base=4, depth=2,
                                                  freeze_encoders=freeze))


def _pairs(n: int, k: int, g: torch.Generator):
    """Class c: bright quadrant c in the image, bright band c in the 'log-mel'."""
    y = torch.arange(n) % k
    v = 0.1 * torch.randn(n, *IMG, generator=g) - 0.8
    a = 0.1 * torch.randn(n, *LMS, generator=g) - 0.8
    for c in range(k):
        r, q = divmod(c, 2)
        v[y == c, :, r * 8:(r + 1) * 8, q * 8:(q + 1) * 8] += 1.5
        a[y == c, :, 4 * c:4 * c + 4, :] += 1.5
    return v.clamp(-1, 1), a.clamp(-1, 1), y


class _LinearD(torch.nn.Module):
    """A stand-in discriminator with a known score: ``0.1·Σv + 0.05·Σa``."""

    def forward(self, v, a):
        return 0.1 * v.flatten(1).sum(1) + 0.05 * a.flatten(1).sum(1)


def test_joint_losses_match_the_paper():
    g = torch.Generator().manual_seed(0)
    v, vw, vf = (0.3 * torch.randn(6, *IMG, generator=g) for _ in range(3))
    a, aw, af = (0.3 * torch.randn(6, *LMS, generator=g) for _ in range(3))
    D = _LinearD()
    S = lambda x, y: torch.sigmoid(D(x, y))  # noqa: E731
    l_dw = torch.log(S(v, a)) + 0.5 * (torch.log(1 - S(v, aw)) + torch.log(1 - S(vw, a)))
    l_df = torch.log(S(v, a)) + 0.5 * (torch.log(1 - S(v, af)) + torch.log(1 - S(vf, a)))
    assert torch.allclose(m08.joint_d_loss(D, v, a, vw, aw, vf, af), -(l_dw + l_df).mean(), atol=1e-5)
    l_g = torch.log(S(v, af)) + torch.log(S(vf, a))
    assert torch.allclose(m08.joint_g_loss(D, v, a, vf, af), -l_g.mean(), atol=1e-5)


def test_paths_equal_their_definitions():
    model = _model().eval()
    g = torch.Generator().manual_seed(1)
    v, a, _ = _pairs(5, 4, g)
    z = model.sample_z(5, g)
    p = model.paths(v, a, z)
    with torch.no_grad():
        want = {"AV": model.a2v(a, z), "VA": model.v2a(v, z), "AA": model.a2a(a, z), "VV": model.v2v(v, z)}
        want |= {"AVA": model.v2a(want["AV"], z), "VAV": model.a2v(want["VA"], z),
                 "AAV": model.a2v(want["AA"], z), "VVA": model.v2a(want["VV"], z)}
    for k, w in want.items():
        assert p[k].shape == w.shape and torch.allclose(p[k], w, atol=1e-5), k
    av, va = model(v, a, z)
    assert torch.allclose(av, want["AV"], atol=1e-6) and torch.allclose(va, want["VA"], atol=1e-6)
    loss, parts = m08.consistency_loss(p, v, a)
    ref = (F.l1_loss(want["AVA"], a) + F.l1_loss(want["VAV"], v) + F.l1_loss(want["AAV"], v)
           + F.l1_loss(want["VVA"], a))
    assert torch.allclose(loss, ref, atol=1e-5) and set(parts) == {"AVA", "VAV", "AAV", "VVA"}


def test_class_code_is_the_classifiers_logits():
    ev, _ = _encoders()
    x = torch.randn(3, *IMG)
    assert torch.allclose(ev.features(x), ev.net.eval()(x), atol=1e-6)
    assert ev.dim == 4


def test_frozen_encoders_do_not_change():
    model = _model()
    model.train()
    assert not model.enc_v.training and not model.enc_a.training and model.dec_v.training
    assert not any(p.requires_grad for p in model.enc_v.parameters())
    before = {k: v.clone() for k, v in model.enc_a.state_dict().items()}
    dec_before = model.dec_a.fc[0].weight.clone()
    g = torch.Generator().manual_seed(2)
    v, a, _ = _pairs(32, 4, g)
    m08.pretrain_autoencoders(model, v, a, steps=3, batch_size=8, generator=g, lr=1e-2)
    assert all(torch.equal(before[k], t) for k, t in model.enc_a.state_dict().items())  # incl. BN statistics
    assert not torch.equal(dec_before, model.dec_a.fc[0].weight)
    trainable = _model(freeze=False).train()
    assert trainable.enc_v.training and all(p.requires_grad for p in trainable.enc_v.parameters())


def test_pair_discriminator_shapes():
    D = m08.PairDiscriminator(IMG, LMS, base=4, depth=2)
    assert D(torch.randn(7, *IMG), torch.randn(7, *LMS)).shape == (7,)


def test_pretraining_learns_to_reconstruct():
    g = torch.Generator().manual_seed(3)
    v, a, y = _pairs(64, 4, g)
    model = _model(trained=True)
    h = m08.pretrain_autoencoders(model, v, a, steps=80, batch_size=16, generator=g, lr=1e-2)
    assert np.mean(h["loss"][-10:]) < 0.5 * np.mean(h["loss"][:5])
    assert set(h) >= {"loss", "AA", "VV"}
    # through the common code, the image decoder now draws the right quadrant for a *sound*
    model.eval()
    with torch.no_grad():
        img = model.a2v(a, model.sample_z(len(a), g))
    quad = img.mean(1).unfold(1, 8, 8).unfold(2, 8, 8).mean((-1, -2)).flatten(1)
    assert float((quad.argmax(1) == y).float().mean()) > 0.9


def test_cmcgan_training_tracks_and_translates(tmp_path, monkeypatch):
    monkeypatch.setenv("FOLEY_CACHE_DIR", str(tmp_path))
    g = torch.Generator().manual_seed(4)
    v, a, y = _pairs(48, 4, g)
    data = m07.PairData(v, a, y, np.zeros((48, 8000), np.float32), 16000, ("a", "b", "c", "d"), (-80.0, 0.0))
    model = _model()
    D = m07.build_seeded(5, lambda: m08.PairDiscriminator(IMG, LMS, base=4, depth=2))
    calls = []

    def track(G):
        iv, ia = m08.translate(G, data, torch.Generator().manual_seed(0))
        calls.append((iv.shape, ia.shape))
        return {"S2I": float(len(calls)), "I2S": 0.0}

    run = m08.train_cmcgan(model, D, data, steps=6, batch_size=8, generator=g, track=track, track_every=3,
                           name="toy-cmc", config={"t": 1})
    assert run.track_steps == [3, 6] and run.best_step == 6 and calls[0] == ((48, *IMG), (48, *LMS))
    assert len(run.history["g_loss"]) == 6 and np.isfinite(run.history["d_loss"]).all()
    with pytest.raises(ValueError, match="lam_cons"):
        m08.train_cmcgan(model, D, data, steps=1, batch_size=8, generator=g, lam_cons=-1.0)


def test_settings_merge_and_validate():
    cfg = m08.settings("quick")
    assert cfg["gan_steps"] == m07.SETTINGS["quick"]["gan_steps"] and "lam_cons" in cfg
    assert m08.settings("quick", lam_cons=0.0, n_train=13)["n_train"] == 13
    with pytest.raises(ValueError, match="lam_con"):
        m08.settings("quick", lam_con=1.0)
    with pytest.raises(ValueError, match="variant"):
        m08.train_variant("CycleGAN", {}, {}, (None, None), 0, cfg)
    with pytest.raises(ValueError, match="CycleGAN"):
        m08.train_variants(("CMCGAN", "CycleGAN")[::-1], {}, {}, (None, None), 0, cfg)


class _ClassJudge:
    """A stand-in image judge: the class is the brightest quadrant (the toy pairs' code)."""

    def predict(self, images):
        x = images.astype(np.float64).mean(-1)
        q = np.stack([x[:, :8, :8].mean((1, 2)), x[:, :8, 8:].mean((1, 2)),
                      x[:, 8:, :8].mean((1, 2)), x[:, 8:, 8:].mean((1, 2))], 1)
        return {"instrument": np.eye(4)[q.argmax(1)]}


def test_translate_correct_averages_the_draws_of_both_directions(monkeypatch):
    def fake_judge_lms(judge, lms_db):  # the class is the loudest band of four
        bands = lms_db.squeeze(1).reshape(len(lms_db), 4, 4, -1).mean((2, 3))
        return np.eye(4)[bands.argmax(1).numpy()]

    monkeypatch.setattr(m07, "judge_lms", fake_judge_lms)
    v, a, y = _pairs(24, 4, torch.Generator().manual_seed(1))
    data = m07.PairData(v, a, y, np.zeros((24, 8000), np.float32), 16000, ("a", "b", "c", "d"), (-80.0, 0.0))
    model, judges = _model(), (_ClassJudge(), None)
    got = m08.translate_correct(model, data, judges, data.db_range, torch.Generator().manual_seed(3), draws=3)
    assert set(got) == {"S2I", "I2S"} and all(c.shape == (24,) for c in got.values())
    g, want = torch.Generator().manual_seed(3), {"S2I": 0.0, "I2S": 0.0}
    for _ in range(3):  # by hand: translate, judge, average
        iv, ia = m08.translate(model, data, g)
        want["S2I"] = want["S2I"] + m07.image_correct(judges[0], iv, y) / 3
        want["I2S"] = want["I2S"] + m07.lms_correct(None, ia, data.db_range, y) / 3
    for d in ("S2I", "I2S"):
        np.testing.assert_allclose(got[d], want[d])
        assert set(np.round(got[d] * 3).astype(int)) <= {0, 1, 2, 3}
    one = m08.translate_correct(model, data, judges, data.db_range, torch.Generator().manual_seed(7))
    acc = m08._scores(model, data, judges, data.db_range, torch.Generator().manual_seed(7))
    assert {d: float(c.mean()) for d, c in one.items()} == pytest.approx(acc)  # what train_variant reports
    with pytest.raises(ValueError, match="draws"):
        m08.translate_correct(model, data, judges, data.db_range, g, draws=-1)
