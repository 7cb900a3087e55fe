"""Audeo (notebook 17): the attention Video2Roll, Roll2Midi (U-Net + PatchGAN), rolls → notes, scores."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from foley_nb_utils.methods import m14_sight_to_sound as m14
from foley_nb_utils.methods import m17_audeo as m17


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny networks: one thread is faster (and on a shared machine, far faster) than several."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.mark.parametrize("temporal", m14.TEMPORAL)
def test_attention_keycnn_shapes_and_row_attention(temporal):
    m = m17.AttentionKeyCNN(25, temporal=temporal).eval()
    for h, w in ((12, 120), (20, 96)):
        x = torch.rand(3, 5, h, w)
        assert m(x).shape == (3, 25)
        fused, a = m.attention_maps(x)
        assert a.shape == (3, 1) + fused.shape[2:]
        assert torch.allclose(a.sum(dim=2), torch.ones(3, 1, fused.shape[3]), atol=1e-5)
    assert isinstance(m, m14.KeyCNN)       # imported from notebook 14, extended


def test_keycnn_refactor_keeps_its_features():
    """KeyCNN.features is KeyCNN.fused then the stages' mean over rows (the split notebook 17 uses)."""
    m = m14.KeyCNN(10, temporal="agg").eval()
    x = torch.rand(2, 5, 12, 64)
    with torch.no_grad():
        assert torch.allclose(m.features(x), m.along(m.stages(m.fused(x)).mean(dim=2)))


def test_full_profile_models_run_one_batch():
    """The full profile's networks (61 keys, 24×216 gray frames; Roll2Midi 64–256 channels) build and
    run a backward pass on CPU."""
    from foley_nb_utils.synth.keyboard import DEFAULTS

    d = DEFAULTS["full"]
    m = m17.AttentionKeyCNN(d["n_keys"], temporal="channels", widths=(32, 64, 128), blocks=2, stem_blocks=1,
                            key_x=m14.key_centres(d["lowest"], d["n_keys"]))
    x = torch.rand(2, 5, d["height"] // 2, d["width"] // 2)
    loss = m14.onset_loss(m(x), torch.zeros(2, d["n_keys"]), weighted=False)
    loss.backward()
    G, D = m17.Roll2MidiUNet((64, 128, 256)), m17.PatchDiscriminator(64)
    r = torch.rand(2, 1, d["n_keys"], 100)
    out = G(r)
    assert out.shape == r.shape and D(r, out).ndim == 4
    out.mean().backward()


def test_residual_generator_starts_as_the_identity():
    r = torch.rand(2, 1, 25, 50) * 0.98 + 0.01
    with torch.no_grad():
        assert torch.allclose(m17.Roll2MidiUNet((4, 8)).eval()(r), r, atol=1e-5)
        assert not torch.allclose(m17.Roll2MidiUNet((4, 8), residual=False).eval()(r), r, atol=1e-2)
    with pytest.raises(ValueError, match=r"\[B, 1, K, T\]"):
        m17.Roll2MidiUNet()(torch.rand(2, 25, 50))


def test_roll2midi_learns_to_drop_one_frame_presses():
    """A tiny GAN run lowers the MSE on a toy gap: one-frame presses in the input are not heard."""
    g = np.random.default_rng(0)
    target = np.zeros((32, 40, 8), bool)
    for n in range(32):
        for _ in range(3):
            k, t = g.integers(8), g.integers(0, 30)
            target[n, t:t + 6, k] = True
    seen = target.copy()
    for n in range(32):                     # ghosts: one frame, seen not heard
        seen[n, g.integers(40), g.integers(8)] = True
    probs = np.where(seen, 0.9, 0.1).astype(np.float32)
    G, hist = m17.train_roll2midi(probs, target, steps=60, batch=8, lr=3e-3, widths=(8, 8), base=4, seed=0)
    before = float(((probs - target) ** 2).mean())
    after = float(((m17.predict_midi(G, probs) - target) ** 2).mean())
    assert after < before
    assert hist["g_loss"][-1] < hist["g_loss"][0]
    with pytest.raises(ValueError, match="differ"):
        m17.train_roll2midi(probs, target[:, :20], steps=1)


def test_roll_to_notes_runs():
    roll = np.zeros((10, 3), bool)
    roll[2:5, 0] = True
    roll[7:10, 0] = True      # a second note of the same key, to the clip's end
    roll[0:1, 2] = True
    notes = m17.roll_to_notes(roll, 25.0, 60)
    np.testing.assert_allclose(notes, [[0.0, 0.04, 62], [0.08, 0.2, 60], [0.28, 0.4, 60]])
    assert m17.roll_to_notes(np.zeros((5, 2), bool), 25.0, 60).shape == (0, 3)
    with pytest.raises(ValueError, match=r"\[T, K\]"):
        m17.roll_to_notes(np.zeros(5, bool), 25.0, 60)


def test_frame_f1_matches_sklearn_samples_average():
    from sklearn.metrics import f1_score

    g = np.random.default_rng(1)
    t, p = g.random((3, 20, 6)) < 0.3, g.random((3, 20, 6)) < 0.3
    t[0, :5] = p[0, :5] = False            # empty frames on both sides count as right
    got = m17.frame_f1_per_clip(t, p)
    want = [f1_score(a, b, average="samples", zero_division=1.0) for a, b in zip(t, p)]
    np.testing.assert_allclose(got, want)
    assert m17.frame_f1_per_clip(t, t) == pytest.approx(np.ones(3))
    with pytest.raises(ValueError, match="both be"):
        m17.frame_f1_per_clip(t, p[:, :10])


def test_mel_distance_zero_for_identical_and_grows_with_difference():
    g = np.random.default_rng(2)
    a = (0.1 * g.standard_normal((2, 16000))).astype(np.float32)
    d0 = m17.mel_distance(a, a.copy(), 16000)
    np.testing.assert_allclose(d0, 0, atol=1e-6)
    quiet = m17.mel_distance(a, 0.5 * a, 16000)
    silent = m17.mel_distance(a, np.zeros_like(a), 16000)
    assert np.all(quiet > 0) and np.all(silent > quiet)
    with pytest.raises(ValueError, match="both be"):
        m17.mel_distance(a, a[:, :100], 16000)


def test_audible_notes_drop_soft_presses(tmp_path):
    import pretty_midi

    from foley_nb_utils.datasets.common import DatasetError

    pm = pretty_midi.PrettyMIDI()
    ins = pretty_midi.Instrument(0)
    ins.notes += [pretty_midi.Note(90, 60, 0.1, 0.5), pretty_midi.Note(5, 62, 0.2, 0.24),
                  pretty_midi.Note(80, 40, 0.3, 0.6), pretty_midi.Note(80, 61, 2.5, 2.8)]
    pm.instruments.append(ins)
    path = tmp_path / "a.mid"
    pm.write(str(path))
    got = m17.audible_notes(path, 2.0, 48, 25)
    np.testing.assert_allclose(got, [[0.1, 0.5, 60]], atol=1e-3)
    assert len(m17.audible_notes(path, 2.0, 48, 25, min_velocity=0)) == 2
    (tmp_path / "bad.mid").write_bytes(b"not midi")
    with pytest.raises(DatasetError, match="bad.mid"):
        m17.audible_notes(tmp_path / "bad.mid", 2.0, 48, 25)


def test_experiment_rejects_unknown_main():
    with pytest.raises(ValueError, match="main"):
        m17.experiment(np.zeros((2, 5, 12, 24), np.uint8), np.zeros((2, 5, 3), bool), np.zeros((2, 5, 3), bool),
                       np.zeros((1, 5, 12, 24), np.uint8), variants={"a": {}}, main="b", seed=0, steps=1, batch=2,
                       lr=1e-3)
