"""SpecVQGAN (notebook 20): data, codebook training with the discriminator, features, prior, metrics."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from foley_nb_utils import tokens as tk
from foley_nb_utils.methods import m20_specvqgan as m20


@pytest.fixture(autouse=True)
def _seeded():
    torch.manual_seed(0)


def _tiny_cfg(**kw):
    base = dict(n_codes=16, code_dim=8, widths=(4, 8, 8), d_model=16, n_layers=1, n_heads=2, cb_steps=6, cb_batch=4,
                cb_lr=2e-3, disc_start=3, disc_weight=0.1, restart_every=2, prior_steps=30, prior_batch=8,
                prior_lr=3e-3, top_k=8)
    base.update(kw)
    return SimpleNamespace(**base)


class _StubJudge:
    """Stands in for the image judge: a fixed 4-d embedding of each image (its mean colour + 1)."""

    def embed(self, images):
        x = np.asarray(images, np.float64) / 255
        return np.concatenate([x.mean(axis=(1, 2)), np.ones((len(x), 1))], 1)


def test_clips_and_prepare_give_the_modelled_shapes():
    tr_b, te_b = m20.load_clips(6, 3, 0, size=16)
    tr = m20.prepare(tr_b)
    assert tr.mel.shape == (6, 40, m20.N_FRAMES) and tr.frames.shape[:2] == (6, 12)
    assert 0.0 <= tr.mel.min() and tr.mel.max() <= 1.0
    assert all((np.asarray(t) < m20.MODEL_S).all() for t in tr.times)
    small, _ = m20.load_clips(5, 1, 0, size=16, materials=("wood", "metal"))
    names = set(np.asarray(small.classes["material"])[np.asarray(small.labels["material"])])
    assert names <= {"wood", "metal"}
    with pytest.raises(ValueError, match="materials"):
        m20.load_clips(2, 1, 0, data_dir="/nonexistent", materials=("wood",))


def test_unit_round_trip():
    mel = np.random.default_rng(0).random((3, 40, 64)).astype(np.float32)
    x = m20.to_unit(mel)
    assert x.shape == (3, 1, 40, 64) and float(x.min()) >= -1 and float(x.max()) <= 1
    np.testing.assert_allclose(m20.from_unit(x), mel, atol=1e-6)


def test_codebook_training_lowers_the_loss_runs_the_discriminator_and_reloads(tmp_path, monkeypatch):
    monkeypatch.setenv("FOLEY_CACHE_DIR", str(tmp_path))
    cfg = _tiny_cfg(cb_steps=40, disc_start=30)
    mel = np.random.default_rng(1).random((12, 40, 64)).astype(np.float32) * 0.3 + 0.4
    model = m20.build_codebook(cfg)
    h = m20.train_codebook("t-cb", model, mel, seed=0, steps=cfg.cb_steps, batch=4, lr=3e-3, disc_start=30,
                           disc_weight=0.1, restart_every=10)
    assert len(h["l1"]) == 40 and np.mean(h["l1"][-5:]) < np.mean(h["l1"][:5])
    assert all(v == 0 for v in h["d_loss"][:30]) and any(v != 0 for v in h["d_loss"][30:])
    again = m20.build_codebook(cfg)
    h2 = m20.train_codebook("t-cb", again, mel, seed=0, steps=cfg.cb_steps, batch=4, lr=3e-3, disc_start=30,
                            disc_weight=0.1, restart_every=10)
    assert h2.loaded
    for a, b in zip(model.state_dict().values(), again.state_dict().values()):
        torch.testing.assert_close(a, b)
    err = m20.reconstruction_error(model, mel)
    assert err.shape == (12,) and (err >= 0).all()
    grids = m20.encode(model, mel)
    assert grids.shape == (12, 5, 8) and grids.dtype == torch.long
    assert m20.decode(model, grids).shape == mel.shape


def test_hinge_loss_known_values():
    assert float(m20.hinge_d_loss(torch.tensor([2.0]), torch.tensor([-2.0]))) == 0.0  # both beyond the margin
    assert float(m20.hinge_d_loss(torch.tensor([0.0]), torch.tensor([0.0]))) == pytest.approx(1.0)


def test_select_frames_picks_evenly_spaced_frames():
    f = np.arange(12)[None, :, None].astype(np.float32).repeat(2, 0)
    assert m20.select_frames(f, 0) is None
    assert m20.select_frames(f, None) is f
    assert m20.select_frames(f, 1)[0, :, 0].tolist() == [6.0]  # the middle frame (rounded up)
    assert m20.select_frames(f, 4)[0, :, 0].tolist() == [1.0, 4.0, 7.0, 10.0]
    with pytest.raises(ValueError, match="1..12"):
        m20.select_frames(f, 13)


def test_frame_features_check_their_input_and_standardise():
    frames = np.random.default_rng(0).integers(0, 255, (2, 3, 8, 8, 3)).astype(np.uint8)
    f = m20.frame_features(_StubJudge(), frames)
    assert f.shape == (2, 3, 4)
    z = m20.standardise(f, m20.feature_stats(f)).reshape(-1, 4)
    np.testing.assert_allclose(z[:, :3].mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(z[:, :3].std(0), 1, atol=1e-3)
    with pytest.raises(ValueError, match="uint8"):
        m20.frame_features(_StubJudge(), frames.astype(np.float32))


def test_prior_learns_to_read_its_prefix(tmp_path, monkeypatch):
    monkeypatch.setenv("FOLEY_CACHE_DIR", str(tmp_path))
    cfg = _tiny_cfg(prior_steps=80)
    # two kinds of clips: the prefix says which; tokens are all 3 or all 7
    kind = np.arange(64) % 2
    tokens = torch.as_tensor(np.where(kind[:, None] == 0, 3, 7).repeat(6, 1)).long()
    feats = np.zeros((64, 2, 4), np.float32)
    feats[:, :, 0] = kind[:, None] * 2 - 1
    prior = m20.build_prior(cfg, 6, 2, 4)
    h = m20.train_prior("t-prior", prior, tokens, feats, seed=0, steps=cfg.prior_steps, batch=16, lr=1e-2)
    assert h.last() < 0.2
    grids = m20.sample_grids(prior.eval(), feats[:4], 4, (2, 3), seed=0, top_k=4)
    assert grids.shape == (4, 2, 3)
    assert grids[0].unique().tolist() == [3] and grids[1].unique().tolist() == [7]
    unconditional = m20.build_prior(cfg, 6, 0, 4)
    assert unconditional.cond is None


def test_melception_lite_and_per_clip_kl():
    judge = m20.MelClassifier(5)
    p, e = m20.judge_mels(judge, np.random.default_rng(0).random((7, 40, 64)))
    assert p.shape == (7, 5) and e.shape == (7, 64)
    np.testing.assert_allclose(p.sum(1), 1.0)
    a = np.array([[0.5, 0.5], [1.0, 0.0]])
    b = np.array([[0.5, 0.5], [0.5, 0.5]])
    np.testing.assert_allclose(m20.per_clip_kl(a, b), [0.0, np.log(2)], atol=1e-12)


def test_generate_gives_audio_of_the_documented_shape():
    cfg = _tiny_cfg()
    cb = m20.build_codebook(cfg).eval()
    prior = m20.build_prior(cfg, 40, 12, 4).eval()
    models = SimpleNamespace(codebook=cb, prior=prior, image_judge=_StubJudge(), feature_stats=(np.zeros(4), np.ones(4)),
                             n_frames=None, grid=(5, 8), cfg=cfg)
    frames = np.random.default_rng(0).integers(0, 255, (2, 12, 16, 16, 3)).astype(np.uint8)
    mel = m20.generate_mel(models, frames, seed=0)
    assert mel.shape == (2, 40, 64)
    np.testing.assert_array_equal(mel, m20.generate_mel(models, frames, seed=0))  # same seed, same sound
    audio = m20.generate(models, frames, seed=0)
    assert audio.shape == (2, m20.N_SAMPLES) and audio.dtype == np.float32


def test_full_profile_models_construct_and_run_one_batch():
    cfg = m20.config("full")
    cb = m20.build_codebook(cfg)
    x = torch.rand(2, 1, 40, 64) * 2 - 1
    x_hat, idx, _ = cb(x)
    assert x_hat.shape == x.shape and idx.shape == (2, 5, 8)
    prior = m20.build_prior(cfg, 40, 12, 64)
    assert prior(tk.grid_to_sequence(idx), torch.zeros(2, 12, 64)).shape == (2, 40, cfg.n_codes)
    with pytest.raises(ValueError, match="PROFILE"):
        m20.config("medium")
