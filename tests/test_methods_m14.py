"""Sight to Sound (notebook 14): the key CNN, its loss, decoding, scores and the baseline."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from foley_nb_utils.methods import m14_sight_to_sound as m14


@pytest.mark.parametrize("temporal", m14.TEMPORAL)
def test_keycnn_shapes_any_size(temporal):
    m = m14.KeyCNN(25, temporal=temporal).eval()
    for h, w in ((12, 120), (20, 96)):
        assert m(torch.rand(3, 5, h, w)).shape == (3, 25)


def test_keycnn_rejects_bad_input():
    with pytest.raises(ValueError, match="temporal"):
        m14.KeyCNN(25, temporal="rnn")
    with pytest.raises(ValueError, match="n_frames"):
        m14.KeyCNN(25, n_frames=4)
    with pytest.raises(ValueError, match="key_x"):
        m14.KeyCNN(3, key_x=[0.1, 0.5])
    with pytest.raises(ValueError, match=r"\[B, 5, H, W\]"):
        m14.KeyCNN(25)(torch.rand(2, 3, 12, 120))


def test_single_frame_model_ignores_the_other_frames():
    m = m14.KeyCNN(10, temporal="single").eval()
    x = torch.rand(2, 5, 12, 64)
    y = x.clone()
    y[:, [0, 1, 3, 4]] = torch.rand(2, 4, 12, 64)
    with torch.no_grad():
        assert torch.allclose(m(x), m(y))


def test_full_profile_model_runs_one_batch():
    """The full profile's network (61 keys, 24×216 gray frames) builds and runs on CPU."""
    from foley_nb_utils.synth.keyboard import DEFAULTS

    d = DEFAULTS["full"]
    m = m14.KeyCNN(d["n_keys"], widths=(32, 64, 128), blocks=2, stem_blocks=1,
                   key_x=m14.key_centres(d["lowest"], d["n_keys"]))
    x = torch.rand(4, 5, d["height"] // 2, d["width"] // 2)
    loss = m14.onset_loss(m(x), torch.zeros(4, d["n_keys"]).index_fill_(1, torch.tensor([3]), 1.0))
    loss.backward()
    assert torch.isfinite(loss)


def test_weighted_loss_balances_positives_and_negatives():
    logits = torch.zeros(2, 4)
    target = torch.tensor([[1, 0, 0, 0], [0, 0, 0, 0]], dtype=torch.float32)
    ln2 = float(np.log(2))
    assert float(m14.onset_loss(logits, target, weighted=True)) == pytest.approx(ln2)     # half + half of ln 2
    assert float(m14.onset_loss(logits, target, weighted=False)) == pytest.approx(ln2)
    # confident on the one positive only: the weighted loss keeps half its value, the plain one nearly none
    logits = torch.tensor([[10.0, 0, 0, 0], [0, 0, 0, 0]])
    assert float(m14.onset_loss(logits, target)) == pytest.approx(ln2 / 2, rel=1e-3)
    assert float(m14.onset_loss(logits, target, weighted=False)) == pytest.approx(7 * ln2 / 8, rel=1e-3)


def test_training_lowers_the_loss():
    rng = np.random.default_rng(0)
    N, T, H, W, K = 6, 20, 8, 48, 6
    gray = rng.integers(0, 255, (N, T, H, W), dtype=np.uint8)
    onsets = np.zeros((N, T, K), bool)
    onsets[:, ::4, 2] = True
    gray[:, ::4, :, 16:24] = 0   # a visible event at each onset
    model, hist = m14.train_transcriber(gray, onsets, steps=40, batch=16, lr=3e-3, widths=(4, 8))
    assert np.mean(hist["loss"][-5:]) < np.mean(hist["loss"][:5])
    probs = m14.clip_probs(model, gray)
    assert probs.shape == (N, T, K) and np.all((probs >= 0) & (probs <= 1))


def test_windows_repeat_the_edges():
    g = torch.arange(4, dtype=torch.uint8).reshape(1, 4, 1, 1).expand(1, 4, 2, 2).contiguous()
    w = m14.windows(g, torch.tensor([0, 0]), torch.tensor([0, 3]))
    assert w.shape == (2, 5, 2, 2)
    assert (w[:, :, 0, 0] * 255).round().tolist() == [[0, 0, 0, 1, 2], [1, 2, 3, 3, 3]]


def test_decode_notes_one_note_per_run():
    p = np.zeros((10, 3))
    p[2:6, 1] = [0.5, 0.9, 0.7, 0.45]    # one run, peak at frame 3
    p[8, 2] = 0.41
    p[4, 0] = 0.39                       # below the threshold
    notes = m14.decode_notes(p, fps=25.0, lowest=60)
    np.testing.assert_allclose(notes, [[3 / 25, 3 / 25 + 0.3, 61], [8 / 25, 8 / 25 + 0.3, 62]])
    first = m14.decode_notes(p, fps=25.0, lowest=60, pick="first")
    assert first[0, 0] == pytest.approx(2 / 25)
    assert m14.decode_notes(np.zeros((5, 3)), 25.0, 60).shape == (0, 3)
    with pytest.raises(ValueError, match="pick"):
        m14.decode_notes(p, 25.0, 60, pick="middle")


def test_note_f1_per_clip_known_answers():
    ref = np.array([[0.0, 0.3, 60], [1.0, 1.3, 62]])
    exact = m14.note_f1_per_clip([ref, ref, np.zeros((0, 3))], [ref, ref[:1], np.zeros((0, 3))])
    np.testing.assert_allclose(exact, [1.0, 2 / 3, 1.0])
    late = ref + [0.04, 0.04, 0]
    assert m14.note_f1_per_clip([ref], [late], 0.05)[0] == 1.0
    assert m14.note_f1_per_clip([ref], [late], 0.02)[0] == 0.0
    with pytest.raises(ValueError):
        m14.note_f1_per_clip([ref], [])


def test_gray_frames():
    f = np.zeros((1, 2, 4, 4, 3), np.uint8)
    f[..., 0] = 255
    g = m14.gray_frames(f, 2)
    assert g.shape == (1, 2, 2, 2) and int(g[0, 0, 0, 0]) == round(0.299 * 255)
    with pytest.raises(ValueError, match="factor"):
        m14.gray_frames(f, 3)
    with pytest.raises(ValueError, match="uint8"):
        m14.gray_frames(f.astype(np.float32), 1)


def test_world_onsets_decode_and_score_perfectly(tmp_path):
    """On the keyboard world: the true onsets, decoded, score about F1 1 against the MIDI; motion
    energy peaks at onset frames more than elsewhere; rendering gives audio of the right length."""
    from foley_nb_utils import synth
    from foley_nb_utils.datasets import piano

    root = synth.keyboard.write_layout(synth.keyboard.generate(5, seed=3), tmp_path / "kb")
    b = piano.load(root, "train")
    info = piano.Piano(root, "train")
    refs = [m14.reference_notes(root / p.replace(".mp4", ".mid"), 4.0, info.lowest, info.n_keys)
            for p in b.extra["path"]]
    est = [m14.decode_notes(o.astype(float), b.fps, info.lowest, 0.5) for o in b.extra["onsets"]]
    assert m14.note_f1_per_clip(refs, est).mean() > 0.95
    me = m14.motion_energy(m14.gray_frames(b.frames, 2), info.lowest, info.n_keys)
    on = b.extra["onsets"]
    assert me[on].mean() > 3 * me[~on].mean()
    y = m14.render_notes(refs[0], 16000, 1.5)
    assert y.shape == (24000,) and np.abs(y).max() > 0
    with pytest.raises(Exception, match="missing.mid"):
        m14.reference_notes(tmp_path / "missing.mid", 4.0, 48, 25)
