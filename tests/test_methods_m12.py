"""Tests of notebook 12's method module (Gan et al. 2020, Foley Music) and its pose + MIDI loader:
the player's keypoints, event tokens, encoders, the decoders' causality, a training step that lowers
the loss, the scores and the pitch reader on cases with known answers, the loader (incl. bad input)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from foley_nb_utils.datasets import pose_midi
from foley_nb_utils.datasets.common import DatasetError
from foley_nb_utils.methods import m12_foley_music as m12

S = m12.settings("quick")
VOC = m12.Vocab(S["n_pitch"], S["n_vel"], 8)
NOTES = np.array([[0, 2, 3, 1], [2, 4, 5, 3], [5, 6, 5, 0], [6, 12, 11, 2]], np.int64)   # a rest at step 4


def test_settings_check_bad_values():
    assert S["n_frames"] == S["n_steps"] * S["frames_per_step"]
    with pytest.raises(ValueError, match="unknown settings"):
        m12.settings("quick", colour=1)
    with pytest.raises(ValueError, match="whole multiple"):
        m12.settings("quick", fps=6.0)
    with pytest.raises(ValueError, match="profile"):
        m12.settings("huge")


def test_keypoints_carry_pitch_and_velocity():
    kp = m12.player_keypoints(NOTES, {**S, "noise": 0.0, "dropout": 0.0, "camera": 0.0}, np.random.default_rng(0))
    F_ = S["frames_per_step"]
    assert kp.shape == (S["n_frames"], m12.J, 3) and kp.dtype == np.float32
    for on, off, p, v in NOTES:
        assert kp[on * F_, 7, 0] == pytest.approx((p + 0.5) / S["n_pitch"])    # wrist over the key at the onset
        assert kp[on * F_, m12.PLAYING, 1] == pytest.approx(0.20 + 0.06 * v / 3)   # dip depth = velocity
    assert kp[4 * F_, m12.PLAYING, 1] == pytest.approx(0.10)                         # lifted in the rest
    drop = m12.player_keypoints(NOTES, {**S, "dropout": 0.5}, np.random.default_rng(0))
    assert 0.3 < (drop[..., 2] == 0).mean() < 0.7 and (drop[drop[..., 2] == 0][:, :2] == 0).all()
    with pytest.raises(ValueError, match="pitch indices"):
        m12.player_keypoints(NOTES + [0, 0, 20, 0], S, np.random.default_rng(0))


def test_melody_clips_monophonic_and_in_range():
    clips = m12.melody_clips(6, 0, S)
    for c in clips:
        assert len(c) and (c[:, 2] >= 0).all() and (c[:, 2] < S["n_pitch"]).all()
        assert (c[:, 1] > c[:, 0]).all() and (c[1:, 0] >= c[:-1, 1]).all() and c[:, 1].max() <= S["n_steps"]


def test_tokens_round_trip_and_seconds():
    tok = m12.encode_notes(NOTES, VOC, 48)
    assert tok[0] == m12.SOS and m12.EOS in tok.tolist()
    np.testing.assert_array_equal(m12.decode_tokens(tok, VOC, S["n_steps"]), NOTES)
    names = [VOC.name(int(t)) for t in tok[:6]]
    assert names == ["SOS", "VEL(1)", "ON(3)", "SHIFT(2)", "OFF(3)", "VEL(3)"]
    assert m12.encode_notes(np.tile(NOTES, (20, 1)), VOC, 10)[-1] == m12.EOS       # cut, keeping EOS
    np.testing.assert_array_equal(m12.seconds_to_notes(m12.notes_to_seconds(NOTES, S), S), NOTES)


@pytest.mark.parametrize("kind", ["gcn", "mlp"])
def test_encoder_shapes(kind):
    enc = m12.PoseEncoder(kind, d=16, frames_per_step=2)
    assert enc(torch.randn(2, 24, m12.J, 3)).shape == (2, 12, 16)
    with pytest.raises(ValueError, match="keypoints must be"):
        enc(torch.randn(2, 24, 5, 3))
    with pytest.raises(ValueError, match="kind"):
        m12.PoseEncoder("rnn")


@pytest.mark.parametrize("decoder", ["transformer", "gru"])
def test_decoder_is_causal(decoder):
    torch.manual_seed(0)
    m = m12.FoleyMusic(VOC, 12, "gcn", decoder, d=16, layers=1, heads=2, ff=32, max_len=16).eval()
    kp, tok = torch.randn(1, 24, m12.J, 3), torch.randint(3, VOC.size, (1, 10))
    tok2 = tok.clone()
    tok2[0, 6:] = 5
    torch.testing.assert_close(m(kp, tok)[:, :6], m(kp, tok2)[:, :6])
    with pytest.raises(ValueError, match="decoder"):
        m12.FoleyMusic(VOC, 12, decoder="lstm")


def test_training_lowers_the_loss_and_generate():
    torch.manual_seed(0)
    kp = torch.from_numpy(m12.player_keypoints(NOTES, S, np.random.default_rng(0)))[None].repeat(4, 1, 1, 1)
    tok = torch.from_numpy(m12.encode_notes(NOTES, VOC, 24))[None].repeat(4, 1)
    m = m12.FoleyMusic(VOC, S["n_steps"], d=16, layers=1, heads=2, ff=32, max_len=24)
    opt = torch.optim.Adam(m.parameters(), 3e-3)
    first = float(m12.event_loss(m, (kp, tok)).detach())
    for _ in range(30):
        opt.zero_grad()
        m12.event_loss(m, (kp, tok)).backward()
        opt.step()
    assert float(m12.event_loss(m, (kp, tok)).detach()) < first
    out = m12.generate(m, kp[:2])
    assert out.shape == (2, 24) and (out[:, 0] == m12.SOS).all()
    assert m12.token_accuracy(m, kp, tok).shape == (4,)
    assert m12.majority_accuracy(tok, tok).max() <= 1.0


def test_scores_known_answers():
    s = m12.clip_scores([NOTES], [NOTES], S)
    assert s["note_f1"][0] == pytest.approx(1.0) and s["onset_f1"][0] == pytest.approx(1.0)
    wrong = NOTES.copy()
    wrong[:, 2] = (wrong[:, 2] + 1) % S["n_pitch"]                                  # right times, wrong pitches
    s = m12.clip_scores([NOTES], [wrong], S)
    assert s["onset_f1"][0] == pytest.approx(1.0) and s["note_f1"][0] == 0.0


def test_transpose_is_heard_in_the_render():
    ns = m12.notes_to_seconds(NOTES, S)
    a0, a1 = m12.render(ns, 16000, 48000), m12.render(m12.transpose(ns, 3), 16000, 48000)
    np.testing.assert_allclose(m12.rendered_pitches(a0, 16000, ns), ns[:, 2], atol=0.1)
    np.testing.assert_allclose(m12.rendered_pitches(a1, 16000, ns) - m12.rendered_pitches(a0, 16000, ns), 3, atol=0.1)
    y = m12.render_instrument(ns, "violin", 16000, 48000, np.random.default_rng(0))
    assert y.shape == (48000,) and np.abs(y).max() > 0


def test_loader_round_trip_and_bad_input(tmp_path, monkeypatch):
    monkeypatch.setenv("FOLEY_CACHE_DIR", str(tmp_path / "cache"))
    m12.write_world(tmp_path / "d", 3, 2, 0, S)
    tr = pose_midi.load(tmp_path / "d", "train")
    assert tr["pose"].shape == (3, S["n_frames"], m12.J, 3) and tr["fps"] == S["fps"]
    assert tr["ids"] == ["clip_000000", "clip_000001", "clip_000002"] and tr["joints"] == list(m12.NODES)
    np.testing.assert_array_equal(m12.seconds_to_notes(tr["notes"][0], S), m12.melody_clips(1, 0, S)[0])
    again = pose_midi.load(tmp_path / "d", "train")                                  # from the cache
    np.testing.assert_array_equal(again["pose"], tr["pose"])
    (tmp_path / "d" / "test" / "clip_000003.mid").unlink()                           # a pose without its MIDI
    with pytest.raises(DatasetError, match="clip_000003.npy.*no partner"):
        pose_midi.load(tmp_path / "d", "test")
    np.save(tmp_path / "d" / "train" / "clip_000001.npy", np.zeros((5, 3)))          # wrong shape
    with pytest.raises(DatasetError, match="clip_000001.npy.*\\[T, J, 2 or 3\\]"):
        pose_midi.load(tmp_path / "d", "train")
    with pytest.raises(FileNotFoundError, match="split folder"):
        pose_midi.load(tmp_path / "d", "val")


def test_full_profile_model_builds_and_runs_one_batch():
    s = m12.settings("full", n_pieces=4)
    voc = m12.Vocab(s["n_pitch"], s["n_vel"], 16)
    m = m12.FoleyMusic(voc, s["n_steps"], d=256, layers=6, heads=8, ff=1024, max_len=160,
                       frames_per_step=s["frames_per_step"])
    notes = m12.melody_clips(1, 0, s)[0]
    kp = torch.from_numpy(m12.player_keypoints(notes, s, np.random.default_rng(0)))[None]
    tok = torch.from_numpy(m12.encode_notes(notes, voc, 160))[None]
    assert m(kp, tok[:, :-1]).shape == (1, 159, voc.size)
