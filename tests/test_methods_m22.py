"""CondFoleyGen at laptop scale (foley_nb_utils.methods.m22_condfoleygen)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from foley_nb_utils import tokens as tk
from foley_nb_utils.methods import m22_condfoleygen as m


@pytest.fixture(scope="module")
def rec():
    return m.recordings(6, 0, 0)


def test_halves_split_recordings_and_their_hits(rec):
    a, b = m.halves(rec)
    assert a.frames.shape == (6, 30, 64, 64, 3) and b.audio.shape == (6, 32000)
    for i, evs in enumerate(rec.events):
        vis = [e.time_s for e in evs if e.visible]
        assert a.times[i] == pytest.approx([t for t in vis if t < 2.0])
        assert b.times[i] == pytest.approx([t - 2.0 for t in vis if t >= 2.0])
    assert set(a.material.tolist()) <= set(range(len(m.MATERIALS))) and np.array_equal(a.material, b.material)
    with pytest.raises(ValueError, match="4 s recordings"):
        m.halves(m.recordings(1, 0, 0, duration_s=2.0))


def test_test_pairs_are_matched_then_two_other_materials(rec):
    a, b = m.halves(rec)
    p = m.test_pairs(a, b, seed=0)
    n = len(b)
    assert np.array_equal(p["condition"][:n], np.arange(n)) and np.array_equal(p["target"], np.tile(np.arange(n), 3))
    mis = p["kind"] == 1
    assert mis.sum() == 2 * n
    assert np.all(a.material[p["condition"][mis]] != b.material[p["target"][mis]])


def test_log_mel_pooling_round_trip_and_units(rec):
    S = m.logmel(rec.audio[:, :32000])
    assert S.shape == (6, 64, 126)
    P = m.pool_bands(S)
    assert P.shape == (6, 16, 128)
    back = m.unpool_bands(P)
    assert back.shape == S.shape
    torch.testing.assert_close(m.pool_bands(back)[:, :, :126], P[:, :, :126])
    u = m.to_unit(P)
    assert u.shape == (6, 1, 16, 128) and float(u.abs().max()) <= 1
    assert m.logmel(rec.audio, None).shape[2] == 1 + rec.audio.shape[1] // 256


def test_token_features_align_with_time():
    prob = torch.zeros(1, 30)
    prob[0, 15] = 1.0  # a hit at 1.0 s
    feat = torch.zeros(1, 30, 16)
    tf = m.token_features(feat, prob)
    assert tf.shape == (1, 32, 20)
    col = int(tf[0, ::2, 16:].sum(1).argmax())
    assert col == int(1.0 // 0.128)  # the column that holds t = 1.0 s
    assert torch.equal(tf[0, 0::2], tf[0, 1::2])  # both rows of a column get the same vector


def test_onsets_from_logmel_find_synthetic_clicks():
    x = np.zeros((1, 32000), np.float32)
    for t in (0.3, 1.1):
        k = int(t * 16000)
        x[0, k:k + 800] = np.random.default_rng(0).normal(0, 0.3, 800) * np.exp(-np.arange(800) / 200)
    r = m.onset_ap_per_clip([[0.3, 1.1]], m.logmel(x))
    assert r["onset_ap"][0] == pytest.approx(1.0) and r["onset_acc"][0] == 1.0
    r_none = m.onset_ap_per_clip([[]], m.logmel(x))
    assert np.isnan(r_none["onset_ap"][0])


def test_prior_training_step_lowers_the_loss_and_samples_have_the_right_shape():
    torch.manual_seed(0)
    N, C = 8, 47
    tok = torch.randint(0, 16, (N, 2 * C))
    tf = torch.randn(N, 2 * C, 20)
    prior, hist = m.train_prior(tf, tok, conditional=True, steps=40, seed=0, batch_size=8, d_model=32,
                                n_layers=1, n_codes=16)
    assert np.mean(hist["loss"][-5:]) < np.mean(hist["loss"][:5])
    assert prior.block_size == 65
    out = m.sample(prior, tf[:3, :32], torch.Generator().manual_seed(0), cond_tf=tf[:3, 32:64],
                   cond_tok=tok[:3, :32], n_samples=2)
    assert out.shape == (2, 3, 32) and out.dtype == torch.long
    with pytest.raises(ValueError, match="both"):
        m.sample(prior, tf[:3, :32], torch.Generator(), cond_tok=tok[:3, :32])
    with pytest.raises(ValueError, match="token columns"):
        m.train_prior(tf[:, :40], tok[:, :40], conditional=True, steps=1, seed=0)


def test_codebook_and_onset_net_train_and_shapes(rec):
    u = m.to_unit(m.pool_bands(m.logmel(rec.audio, None)))
    cb, hist = m.train_codebook(u, steps=12, seed=0, batch_size=4, n_codes=16, code_dim=8, widths=(8, 8, 8))
    assert hist["loss"][-1] < hist["loss"][0]
    seq = m.encode(cb, m.to_unit(m.pool_bands(m.logmel(rec.audio[:, :32000]))))
    assert seq.shape == (6, 32)
    assert m.decode(cb, seq).shape == (6, 64, 126)
    times = [[e.time_s for e in evs if e.visible] for evs in rec.events]
    net, h = m.train_onset_net(rec.frames, times, steps=5, seed=0, batch_size=32)
    feat, prob = m.video_features(net, rec.frames[:, :30])
    assert feat.shape == (6, 30, 16) and prob.shape == (6, 30)
    assert all(isinstance(d, np.ndarray) for d in m.detected_hits(prob))
    with pytest.raises(ValueError, match="crop"):
        m.train_codebook(u, steps=1, seed=0, crop=30)


def test_onset_transfer_baseline_pastes_at_target_hits(rec):
    a, b = m.halves(rec)
    out = m.onset_transfer_baseline(a, [np.array([t[0]]) if t else np.zeros(0) for t in a.times], [[0.5, 1.5]] * 6)
    assert out.shape == (6, 32000)
    assert np.abs(out[:, :int(0.5 * 16000)]).max() == 0  # silent before the first pasted hit


def test_full_profile_models_build_and_run_one_batch():
    s = m.SETTINGS["full"]
    prior = tk.GPTPrior(s["n_codes"], 65, d_model=s["d_model"], n_layers=s["n_layers"], n_heads=4, token_cond_dim=20)
    tok = torch.randint(0, s["n_codes"], (2, 64))
    assert prior.loss(tok, from_index=32, token_cond=torch.randn(2, 64, 20)).ndim == 0
    cb = tk.SpecCodebook(s["n_codes"], 16, (16, 32, 32))
    assert cb(torch.zeros(2, 1, 16, 128))[1].shape == (2, 2, 16)
    assert m.OnsetNet()(torch.zeros(2, 3, 32, 32))[0].shape == (2,)
