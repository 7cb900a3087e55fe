"""Unit tests of the AutoFoley method module (notebook 16)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from foley_nb_utils import train as fnu_train
from foley_nb_utils.methods import m16_autofoley as m16


@pytest.fixture(autouse=True)
def _one_thread():
    """Tiny networks: one thread is as fast, and immune to a busy machine."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(scope="module")
def clips():
    tr, te = m16.load_clips(24, 8, 0)
    return m16.prepare(tr), m16.prepare(te)


def test_interpolation_blends_between_neighbours():
    f = np.zeros((1, 3, 2, 2, 3), np.uint8)
    f[0, 1] = 100
    f[0, 2] = 200
    out = m16.interpolate_frames(f)
    assert out.shape == (1, 5, 2, 2, 3)
    np.testing.assert_allclose(out[0, :, 0, 0, 0], [0, 50, 100, 150, 200])
    assert m16.interpolate_frames(f, 1).shape == f.shape
    t = m16.interpolate_frames(torch.as_tensor(f), 3)
    assert isinstance(t, torch.Tensor) and t.shape[1] == 7
    with pytest.raises(ValueError, match="factor"):
        m16.interpolate_frames(f, 0)


def test_frame_change_is_zero_for_a_still_clip_and_larger_for_a_jump():
    still = np.repeat(np.random.default_rng(0).integers(0, 255, (1, 1, 8, 8, 3)), 4, axis=1)
    assert m16.frame_change(still)[0] == 0
    moved = still.copy()
    moved[0, 2:] = np.roll(still[0, 2:], 4, axis=2)
    assert m16.frame_change(moved)[0] > 0.1


def test_data_and_labels(clips):
    tr, te = clips
    assert tr.frames.shape[1:] == (16, 32, 32, 3) and tr.fps == m16.FPS
    assert tr.mel.shape[:2] == (24, m16.MEL["n_mels"]) and len(tr.classes) == 17
    assert tr.contact.shape == (24, 16) and tr.contact.sum() >= 24 * 0.5
    assert np.all(np.isfinite(tr.tip_speed))
    with pytest.raises(ValueError, match="fps"):
        m16.load_clips(2, 2, 0, fps=100.0)


def test_fast_slow_lstm_shapes_and_matched_single_lstm():
    fs = m16.FastSlowLSTM(10, 12, 8, k=3)
    assert fs(torch.zeros(2, 5, 10)).shape == (2, 5, 12)
    h = m16.matched_lstm_hidden(10, 12, 8, k=3)
    single = m16.SingleLSTM(10, h)
    assert abs(m16.n_params(single) - m16.n_params(fs)) / m16.n_params(fs) < 0.1
    assert single(torch.zeros(2, 5, 10)).shape == (2, 5, h)
    with pytest.raises(ValueError, match="k >= 2"):
        m16.FastSlowLSTM(10, k=1)


def test_trn_relations_and_sampling():
    trn = m16.MultiScaleTRN(6, n_frames=4, hidden=8, out_dim=5)
    assert [len(t) for t in trn.tuples] == [6, 4, 1]                    # C(4,2), C(4,3), C(4,4)
    assert all(list(t) == sorted(t) for ts in trn.tuples for t in ts)   # ordered tuples
    assert trn(torch.zeros(3, 4, 6)).shape == (3, 5)
    with pytest.raises(ValueError, match="expects 4"):
        trn(torch.zeros(3, 5, 6))
    np.testing.assert_array_equal(m16.sample_frames(16, 4).numpy(), [2, 6, 10, 14])
    g = torch.Generator().manual_seed(0)
    idx = m16.sample_frames(16, 4, g).numpy()
    assert all(4 * k <= i < 4 * (k + 1) for k, i in enumerate(idx))


def test_flops_count_frames(clips):
    tr, _ = clips
    seq = m16.SequenceClassifier(17, interpolate=2)
    plain = m16.SequenceClassifier(17, interpolate=1)
    lstm = m16.SequenceClassifier(17, rnn="lstm", interpolate=2)
    trn = m16.RelationClassifier(17, n_frames=4)
    f = {k: m16.clip_flops(m, tr.frames[0]) for k, m in dict(seq=seq, plain=plain, lstm=lstm, trn=trn).items()}
    assert f["seq"] > 1.8 * f["plain"] and f["trn"] < f["plain"] / 3
    assert abs(f["lstm"] - f["seq"]) / f["seq"] < 0.05                  # the recurrent cells are counted too


def test_a_training_step_lowers_the_loss(clips):
    tr, _ = clips
    m = fnu_train.build_seeded(0, lambda: m16.RelationClassifier(17, n_frames=4))
    x, y = torch.as_tensor(tr.frames), torch.as_tensor(tr.labels)
    opt = torch.optim.Adam(m.parameters(), 3e-3)
    losses = []
    for _ in range(15):
        loss = torch.nn.functional.cross_entropy(m(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    assert losses[-1] < losses[0]
    assert m16.predict(m, tr.frames[:4]).shape == (4, 17)


def test_generator_follows_the_event_track(clips):
    tr, _ = clips
    gen = fnu_train.build_seeded(0, lambda: m16.ClassSpectrogramGenerator(17))
    cls = torch.zeros(2, 17)
    cls[:, 3] = 1
    out = gen(cls, torch.as_tensor(tr.contact[:2]), tr.mel.shape[2], tr.fps)
    assert out.shape == (2, m16.MEL["n_mels"], tr.mel.shape[2]) and 0 <= float(out.min()) <= float(out.max()) <= 1
    det = m16.EventDetector()
    assert det(torch.as_tensor(tr.frames[:2])).shape == (2, 16)
    ev = m16.pick_events(np.array([[-5.0, 3.0, 1.0, -5.0, 2.0]]))
    np.testing.assert_array_equal(ev, [[0, 1, 0, 0, 1]])


def test_onset_f1_known_cases():
    rate = m16.MEL["sr"] / m16.MEL["hop"]
    mel = np.zeros((2, 4, 172), np.float32)
    for t in (0.5, 1.2):
        mel[0, :, int(t * rate):int(t * rate) + 8] = 1.0
    f1 = m16.onset_f1(mel, [[0.5, 1.2], []])
    assert f1[0] == pytest.approx(1.0) and f1[1] == 1.0
    assert m16.onset_f1(mel[:1], [[0.5]])[0] == pytest.approx(2 / 3)


def test_full_profile_models_construct_and_run_one_batch():
    frames = torch.zeros(2, 30, 64, 64, 3, dtype=torch.uint8)
    seq = m16.SequenceClassifier(12, rnn="fs-lstm", interpolate=2, width=32, feat=64, fast=128, slow=128)
    assert seq(frames).shape == (2, 12)
    trn = m16.RelationClassifier(12, n_frames=4, width=32, feat=64, hidden=256)
    assert trn(frames).shape == (2, 12)
