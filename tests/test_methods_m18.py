"""Unit tests of the edge-device sound synthesis module (notebook 18)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from foley_nb_utils import train as fnu_train
from foley_nb_utils.methods import m16_autofoley as m16
from foley_nb_utils.methods import m18_iot_sound_synthesis as m18

N_MEL = 173


@pytest.fixture(autouse=True)
def _one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(scope="module")
def models():
    torch.manual_seed(0)
    rec = m16.SequenceClassifier(5, rnn="fs-lstm", interpolate=2, width=8, feat=16, fast=8, slow=8)
    return rec.eval(), m16.EventDetector(8, 16).eval(), m16.ClassSpectrogramGenerator(5, hidden=16).eval()


@pytest.fixture(scope="module")
def frames():
    g = np.random.default_rng(0)
    return g.integers(0, 256, (6, 16, 32, 32, 3), dtype=np.uint8)


def test_small_recogniser_is_smaller_and_runs():
    full = m16.SequenceClassifier(17, rnn="fs-lstm", interpolate=2, width=16, feat=32, fast=32, slow=32)
    small = m18.small_recogniser(17, width=16, feat=32, rnn=32, shrink=4)
    assert small.rnn.fast == 8 and small.cnn.out_dim == 16
    assert m16.n_params(small) * 4 < m16.n_params(full)
    assert small(torch.zeros(2, 16, 32, 32, 3, dtype=torch.uint8)).shape == (2, 17)
    with pytest.raises(ValueError, match="shrink"):
        m18.small_recogniser(17, shrink=0)


def test_quantise_keeps_the_outputs_close_and_shrinks_the_weights(models, frames):
    rec = models[0]
    q = m18.quantise(rec)
    assert q is not rec and isinstance(rec.head, torch.nn.Linear)  # the original is untouched
    p, pq = m16.predict(rec, frames), m16.predict(q, frames)
    assert np.abs(p - pq).max() < 0.05
    full = m16.SequenceClassifier(17, rnn="fs-lstm", interpolate=2, width=16, feat=32, fast=32, slow=32)
    assert m18.state_dict_bytes(m18.quantise(full)) < m18.state_dict_bytes(full)
    with pytest.raises(TypeError, match="nn.Module"):
        m18.quantise("model")


def test_state_dict_bytes_is_deterministic_and_grows_with_the_weights():
    a, b = torch.nn.Linear(10, 10), torch.nn.Linear(100, 100)
    assert m18.state_dict_bytes(a) == m18.state_dict_bytes(a)
    assert m18.state_dict_bytes(b) - m18.state_dict_bytes(a) > 4 * (100 * 100 - 10 * 10)


def test_edge_stages_match_the_batched_pipeline(models, frames):
    rec, det, gen = models
    st = m18.edge_stages(rec, det, gen, frames, fps=8.0, n_mel=N_MEL, n_samples=2048)
    assert list(st) == list(m18.STAGES)
    prob = m16.predict(rec, frames)
    np.testing.assert_allclose(st["recognition"](2).numpy()[0], prob[2], atol=1e-5)
    assert st["event detection"](1).shape == (1, 16)
    assert tuple(st["mel generation"](0).shape) == (1, 40, N_MEL)
    assert st["vocoder"](0).shape == (1, 2048)
    with pytest.raises(ValueError, match="frames"):
        m18.edge_stages(rec, det, gen, frames[0], fps=8.0, n_mel=N_MEL, n_samples=2048)


def test_time_stages_times_every_clip_and_restores_threads():
    calls = []
    out = m18.time_stages({"a": calls.append, "b": lambda k: sum(range(1000))}, [3, 4], repeats=2, threads=1)
    assert set(out) == {"a", "b"} and out["a"].shape == (2, 2) and (out["b"] > 0).all()
    assert calls == [3, 3, 4, 3, 4]  # one warm-up call, then repeats interleaved over the clips
    assert torch.get_num_threads() == 1
    with pytest.raises(ValueError, match="repeats"):
        m18.time_stages({"a": print}, [0], repeats=0)
    with pytest.raises(ValueError, match="clip"):
        m18.time_stages({"a": print}, [])


def test_stage_flops_counts_the_networks(models, frames):
    rec, det, gen = models
    fl = m18.stage_flops(rec, det, gen, frames[0], fps=8.0, n_mel=N_MEL, n_samples=2048)
    assert fl["recognition"] == m16.clip_flops(rec, frames[0])
    assert all(fl[k] > 0 for k in ("recognition", "event detection", "mel generation"))


def test_realtime_factor():
    np.testing.assert_allclose(m18.realtime_factor([0.5, 2.0], 2.0), [0.25, 1.0])
    with pytest.raises(ValueError, match="clip_s"):
        m18.realtime_factor([1.0], 0)


def test_streaming_is_causal_and_its_last_chunk_is_the_whole_clip(models, frames):
    rec, det, gen = models
    out = m18.stream(rec, det, gen, frames, fps=8.0, n_mel=N_MEL, chunk=4)
    assert out["mel"].shape == (6, 40, N_MEL) and out["prob"].shape == (6, 4, 5)
    np.testing.assert_allclose(out["prob"][:, -1], m16.predict(rec, frames), atol=1e-5)
    # causal: changing the last 4 frames changes nothing that was emitted before them
    other = frames.copy()
    other[:, 12:] = 255 - other[:, 12:]
    out2 = m18.stream(rec, det, gen, other, fps=8.0, n_mel=N_MEL, chunk=4)
    first = int(round(12 / 8.0 * 11025 / 128))
    np.testing.assert_array_equal(out["mel"][:, :, :first], out2["mel"][:, :, :first])
    np.testing.assert_array_equal(out["prob"][:, :3], out2["prob"][:, :3])
    np.testing.assert_array_equal(out["track"][:, :12], out2["track"][:, :12])
    # one chunk of the whole clip: the whole-clip class and the whole-clip events
    whole = m18.stream(rec, det, gen, frames, fps=8.0, n_mel=N_MEL, chunk=16)
    with torch.no_grad():
        track = m16.pick_events(det(torch.as_tensor(frames)).numpy())
    np.testing.assert_array_equal(whole["track"], track)
    with pytest.raises(ValueError, match="chunk"):
        m18.stream(rec, det, gen, frames, fps=8.0, n_mel=N_MEL, chunk=0)


def test_a_tiny_training_step_of_the_small_recogniser_lowers_the_loss():
    model = fnu_train.build_seeded(0, lambda: m18.small_recogniser(3, width=8, feat=16, rnn=8, shrink=2))
    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, 256, (6, 4, 16, 16, 3), generator=g, dtype=torch.uint8)
    y = torch.tensor([0, 1, 2, 0, 1, 2])
    hist = fnu_train.fit(model, lambda step: (x, y), lambda m, b: torch.nn.functional.cross_entropy(m(b[0]), b[1]),
                         steps=30, lr=1e-2, progress=False)
    assert hist["loss"][-1] < hist["loss"][0]


def test_full_profile_models_construct_and_run_one_batch():
    rec = m16.SequenceClassifier(17, rnn="fs-lstm", interpolate=2, width=32, feat=64, fast=128, slow=128)
    small = m18.small_recogniser(17, width=32, feat=64, rnn=128)
    x = torch.zeros(1, 16, 64, 64, 3, dtype=torch.uint8)
    assert rec(x).shape == small(x).shape == (1, 17)
    assert m18.quantise(rec)(x).shape == (1, 17)
