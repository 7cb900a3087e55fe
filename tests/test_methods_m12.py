"""Tests of notebook 12's method module (Gan et al. 2020, Foley Music): keypoints, event tokens,
encoders, the decoder's causality, a training step that lowers the loss, and the scores on cases
with known answers."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from foley_nb_utils.methods import m12_foley_music as m12

T, K = 20, 12


def _rolls(seed=0):
    r = np.random.default_rng(seed)
    on = r.random((T, K)) < 0.08
    roll = on | np.roll(on, 1, axis=0)
    return roll, on


def test_keypoints_shape_and_fingers_follow_keys():
    roll, on = _rolls()
    kp = m12.pianist_keypoints(roll, on, np.random.default_rng(0), noise=0.0)
    assert kp.shape == (T, m12.J, 2) and kp.dtype == np.float32
    with pytest.raises(ValueError, match="roll and onsets"):
        m12.pianist_keypoints(roll, on[:3], np.random.default_rng(0))


def test_tokens_round_trip():
    roll, on = _rolls(1)
    tok = m12.encode_events(on, 128)
    assert tok[0] == m12.SOS and m12.EOS in tok.tolist()
    np.testing.assert_array_equal(m12.decode_events(tok, T, K), on)
    long_gap = np.zeros((40, K), bool)
    long_gap[37, 3] = True                          # a gap longer than MAX_SHIFT
    np.testing.assert_array_equal(m12.decode_events(m12.encode_events(long_gap, 16), 40, K), long_gap)
    assert m12.encode_events(np.ones((T, K), bool), 10)[-1] == m12.EOS   # cut, keeping EOS


def test_adjacency_is_symmetric_normalised():
    A = m12.adjacency().numpy()
    np.testing.assert_allclose(A, A.T)
    assert m12.adjacency(m12.NO_FINGERS).shape == (6, 6)


@pytest.mark.parametrize("kind,nodes", [("gcn", None), ("mlp", None), ("gcn", m12.NO_FINGERS)])
def test_encoder_shapes(kind, nodes):
    enc = m12.PoseEncoder(kind, nodes, d=16)
    assert enc(torch.randn(2, T, m12.J, 2)).shape == (2, T // 2, 16)
    with pytest.raises(ValueError):
        enc(torch.randn(2, T, 5, 2))
    with pytest.raises(ValueError, match="kind"):
        m12.PoseEncoder("rnn")


def test_decoder_is_causal():
    torch.manual_seed(0)
    m = m12.FoleyMusic(K, d=16, layers=1, heads=2, ff=32, max_len=16).eval()
    kp, tok = torch.randn(1, T, m12.J, 2), torch.randint(3, m12.vocab_size(K), (1, 10))
    a = m(kp, tok)
    tok2 = tok.clone()
    tok2[0, 6:] = 5
    b = m(kp, tok2)
    torch.testing.assert_close(a[:, :6], b[:, :6])


def test_training_lowers_the_loss_and_generate():
    torch.manual_seed(0)
    roll, on = _rolls(2)
    kp = torch.from_numpy(m12.pianist_keypoints(roll, on, np.random.default_rng(0)))[None].repeat(4, 1, 1, 1)
    tok = torch.from_numpy(m12.encode_events(on, 32))[None].repeat(4, 1)
    m = m12.FoleyMusic(K, d=16, layers=1, heads=2, ff=32, max_len=32)
    opt = torch.optim.Adam(m.parameters(), 3e-3)
    first = float(m12.event_loss(m, (kp, tok)))
    for _ in range(30):
        opt.zero_grad()
        m12.event_loss(m, (kp, tok)).backward()
        opt.step()
    assert float(m12.event_loss(m, (kp, tok))) < first
    out = m12.generate(m, kp[:2])
    assert out.shape == (2, 32) and (out[:, 0] == m12.SOS).all()
    mr = m12.MelRegressor(8, d=16)
    assert mr(kp).shape == (4, T, 8)


def test_scores_known_answers():
    _, on = _rolls(3)
    s = m12.clip_scores(on[None], on[None], 25.0, 48)
    assert s["note_f1"][0] == pytest.approx(1.0) and s["onset_f1"][0] == pytest.approx(1.0)
    shifted = np.roll(on, 1, axis=1)                 # right times, wrong pitches
    s = m12.clip_scores(on[None], shifted[None], 25.0, 48)
    assert s["onset_f1"][0] == pytest.approx(1.0) and s["note_f1"][0] < 1.0
    mel = np.zeros((T, 4))
    mel[5:] = 1.0                                    # one rise at frame 5
    np.testing.assert_array_equal(m12.flux_onsets(mel), [5])


def test_full_profile_model_builds_and_runs_one_batch():
    m = m12.FoleyMusic(61, d=256, layers=4, heads=8, ff=512, max_len=256)
    tok = torch.from_numpy(m12.encode_events(np.zeros((132, 61), bool), 256))[None]
    assert m(torch.randn(1, 132, m12.J, 2), tok[:, :-1]).shape == (1, 255, m12.vocab_size(61))
