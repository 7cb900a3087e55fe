"""Tests of notebook 06's method module (Owens et al. 2016, "Ambient Sound Provides Supervision").

The batched texture statistics against ``fnu.audio.texture_statistics``, the targets (clusters,
binary codes) against what they must be, frame sampling and images, the CNN's shapes and a tiny
learning check, the probes, and clear errors for bad input.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from foley_nb_utils import audio
from foley_nb_utils.methods import m06_ambient_sound_supervision as m06

SR = 16000


def _noise(n_clips=3, seconds=2.0, seed=0):
    r = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    clips = []
    for i in range(n_clips):
        am = 1 + 0.8 * np.sin(2 * np.pi * (2 + 3 * i) * t)  # different modulation rates
        clips.append((0.05 * am * r.standard_normal(len(t))).astype(np.float32))
    return np.stack(clips)


# ------------------------------------------------------------------------------ sound summaries
def test_texture_vectors_see_the_modulation_rate():
    x = _noise()  # clip i is modulated at 2 + 3 i Hz
    mod = audio.texture_vectors(x, SR)[:, 181:501].reshape(3, 32, 10).mean(axis=1)
    edges = np.geomspace(0.5, 200, 11)
    for i, rate in enumerate([2, 5, 8]):
        band = np.searchsorted(edges, rate) - 1
        assert mod[i].argmax() == band


def test_spectrum_vectors_are_mean_log_mel():
    x = _noise(2)
    s = m06.spectrum_vectors(x, SR, n_mels=16)
    ref = np.stack([audio.log_mel(c, SR, n_mels=16).mean(axis=1) for c in x])
    assert s.shape == (2, 16)
    np.testing.assert_allclose(s, ref, atol=0.5)  # dB


# ------------------------------------------------------------------------------ targets
def test_cluster_targets_find_obvious_groups_and_are_reproducible():
    r = np.random.default_rng(0)
    x = np.concatenate([r.normal(0, 0.1, (10, 4)), r.normal(5, 0.1, (10, 4)), r.normal(-5, 0.1, (10, 4))])
    a = m06.cluster_targets(x, 3, np.random.default_rng(1))
    assert a.dtype == np.int64 and len(set(a[:10])) == len(set(a[10:20])) == len(set(a[20:])) == 1
    assert len({a[0], a[10], a[20]}) == 3
    np.testing.assert_array_equal(a, m06.cluster_targets(x, 3, np.random.default_rng(1)))
    with pytest.raises(ValueError, match="k must be"):
        m06.cluster_targets(x, 31, np.random.default_rng(0))
    with pytest.raises(ValueError, match="finite"):
        m06.cluster_targets(np.full((3, 2), np.nan), 2, np.random.default_rng(0))


def test_binary_targets_are_balanced_signs_of_principal_components():
    r = np.random.default_rng(0)
    latent = r.normal(size=40)
    # two features share the latent (the first principal component of the standardised data)
    x = np.stack([latent + 0.05 * r.normal(size=40), latent + 0.05 * r.normal(size=40),
                  r.normal(size=40), r.normal(size=40)], axis=1)
    b = m06.binary_targets(x, 2)
    assert b.shape == (40, 2) and set(np.unique(b)) == {0.0, 1.0}
    assert b.mean(axis=0).tolist() == [0.5, 0.5]  # median split
    agree = np.mean(b[:, 0] == (latent > np.median(latent)))
    assert agree >= 0.85 or agree <= 0.15  # the sign of a component is arbitrary; near-median clips may flip
    with pytest.raises(ValueError, match="bits"):
        m06.binary_targets(x, 5)


# ------------------------------------------------------------------------------ images
def test_sample_frames_draws_distinct_frames_per_clip():
    f = np.zeros((3, 6, 4, 4, 3), np.uint8)
    f += np.arange(6, dtype=np.uint8)[None, :, None, None, None]  # value = frame index
    f[:, :, 0, 0, 0] = np.arange(3, dtype=np.uint8)[:, None]  # pixel (0,0) = clip index
    imgs, clip = m06.sample_frames(f, 4, np.random.default_rng(0))
    assert imgs.shape == (12, 4, 4, 3) and clip.tolist() == [0] * 4 + [1] * 4 + [2] * 4
    assert (imgs[:, 0, 0, 0] == clip).all()
    for c in range(3):
        assert len(set(imgs[clip == c, 1, 1, 0].tolist())) == 4  # distinct frames
    with pytest.raises(ValueError, match="per_clip"):
        m06.sample_frames(f, 7, np.random.default_rng(0))


def test_frames_to_images_gray_and_rgb():
    f = np.full((2, 8, 8, 3), 255, np.uint8)
    f[..., 1:] = 0  # pure red
    rgb = m06.frames_to_images(f, 4)
    gray = m06.frames_to_images(f, 4, gray=True)
    assert rgb.shape == (2, 3, 4, 4) and gray.shape == (2, 1, 4, 4)
    assert float(rgb[:, 0].min()) == 1.0 and float(rgb[:, 1:].max()) == 0.0
    assert float(gray.mean()) == pytest.approx(0.299, abs=1e-3)  # BT.601 weight of red
    with pytest.raises(ValueError, match="uint8"):
        m06.frames_to_images(f.astype(np.float32), 4)


# ------------------------------------------------------------------------------ model, probes
def test_frame_net_shapes():
    net = m06.FrameNet(5, widths=(4, 8), in_ch=1)
    x = torch.rand(3, 1, 16, 16)
    assert net(x).shape == (3, 5) and net.features(x).shape == (3, 8)
    assert m06.embed(net, x).shape == (3, 8)


def _bright_dark(n=64, seed=0):
    """Images whose class is their brightness pattern (left half bright vs right half bright)."""
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 2, (n,), generator=g)
    x = 0.1 * torch.rand(n, 1, 8, 8, generator=g)
    x[y == 0, :, :, :4] += 0.8
    x[y == 1, :, :, 4:] += 0.8
    return x, y


def test_train_frame_net_learns_classes_and_bits():
    x, y = _bright_dark()
    net, hist = m06.train_frame_net(x, y, "classes", steps=60, batch_size=32, lr=1e-2, widths=(4, 8),
                                    generator=torch.Generator().manual_seed(0), progress=False)
    assert (net(x).argmax(1) == y).float().mean() > 0.9
    assert np.mean(hist["loss"][-10:]) < np.mean(hist["loss"][:10])
    bits = torch.stack([y.float(), 1 - y.float()], dim=1)
    net2, _ = m06.train_frame_net(x, bits, "bits", steps=60, batch_size=32, lr=1e-2, widths=(4, 8),
                                  generator=torch.Generator().manual_seed(0), progress=False)
    assert ((net2(x) > 0).float() == bits).float().mean() > 0.9
    with pytest.raises(ValueError, match="kind"):
        m06.train_frame_net(x, y, "regression", steps=1, generator=torch.Generator())
    with pytest.raises(ValueError, match="targets"):
        m06.train_frame_net(x, y[:3], "classes", steps=1, generator=torch.Generator())


def test_probes_separate_informative_features_from_noise():
    r = np.random.default_rng(0)
    y = np.repeat(np.arange(4), 20)
    good = np.eye(4)[y] * 3 + r.normal(0, 0.5, (80, 4))
    noise = r.normal(size=(80, 4))
    tr, te = np.arange(80) % 2 == 0, np.arange(80) % 2 == 1
    res = m06.probe(good[tr], y[tr], good[te], y[te], np.random.default_rng(0))
    assert res.balanced_accuracy > 0.9 and res.chance == 0.25
    assert m06.probe(noise[tr], y[tr], noise[te], y[te], np.random.default_rng(0)).balanced_accuracy < 0.6
    one = m06.few_shot_accuracy(good[tr], y[tr], good[te], y[te], shots=1, repeats=3, rng=np.random.default_rng(0))
    bad = m06.few_shot_accuracy(noise[tr], y[tr], noise[te], y[te], shots=1, repeats=3, rng=np.random.default_rng(0))
    assert one > 0.8 > bad
    with pytest.raises(ValueError, match="shots"):
        m06.few_shot_accuracy(good[tr], y[tr], good[te], y[te], shots=50, repeats=1, rng=np.random.default_rng(0))


def test_probe_per_example_gives_each_test_frames_correctness():
    r = np.random.default_rng(1)
    y = np.repeat(np.arange(4), 20)
    feats = np.eye(4)[y] * 1.2 + r.normal(0, 0.6, (80, 4))  # informative but imperfect
    tr, te = np.arange(80) % 2 == 0, np.arange(80) % 2 == 1
    res = m06.probe(feats[tr], y[tr], feats[te], y[te], np.random.default_rng(0))
    res2, hit = m06.probe(feats[tr], y[tr], feats[te], y[te], np.random.default_rng(0), per_example=True)
    assert res2 == res  # the option adds the per-example values, the scores are unchanged
    assert hit.shape == (40,) and set(np.unique(hit)) <= {0.0, 1.0}
    assert hit.mean() == pytest.approx(res.accuracy)
    from foley_nb_utils.metrics.probe import class_balanced_weights

    w = class_balanced_weights(y[te])
    assert (hit * w).mean() == pytest.approx(res.balanced_accuracy)


# ------------------------------------------------------------------------------ data
def test_load_clips_sets_the_probe_label():
    train, test = m06.load_clips(10, 0, world="hits")
    assert len(train) == 8 and len(test) == 2
    np.testing.assert_array_equal(train.labels["probe"], train.labels["material"])
    assert train.classes["probe"][0] == "wood"
    with pytest.raises(ValueError, match="world"):
        m06.load_clips(10, 0, world="piano")


def test_load_clips_reads_a_missing_folder_with_a_clear_error(tmp_path):
    with pytest.raises((FileNotFoundError, ValueError), match="nowhere"):
        m06.load_clips(10, 0, data_dir=tmp_path / "nowhere", world="scenes")


def test_the_pipeline_runs_on_a_greatest_hits_folder(tmp_path, monkeypatch):
    """DATA_DIR → the same pipeline: clips read from a Greatest Hits layout on disk get texture
    targets, frames for the CNN and probe labels (the materials) as in the notebook."""
    from foley_nb_utils import synth

    monkeypatch.setenv("FOLEY_CACHE_DIR", str(tmp_path / "cache"))
    root = synth.ensure("hits", seed=4, n=10, root=tmp_path / "greatest-hits")
    train_b, test_b = m06.load_clips(10, 0, data_dir=root, world="hits")
    videos = {v.name.split("_denoised")[0] for v in root.rglob("*_denoised.mp4")}
    assert {i.split("@")[0] for i in [*train_b.ids, *test_b.ids]} <= videos  # read from the folder
    assert len(train_b) == 8 and len(test_b) == 2
    tex = audio.texture_vectors(train_b.audio, train_b.sr)
    assert tex.shape[0] == 8 and np.all(np.isfinite(tex))
    targets = m06.cluster_targets(tex, 3, np.random.default_rng(0))
    assert targets.shape == (8,) and set(targets) <= {0, 1, 2}
    frames, clip_of = m06.sample_frames(train_b.frames, 2, np.random.default_rng(1))
    images = m06.frames_to_images(frames, 16, gray=True)
    assert images.shape == (16, 1, 16, 16) and clip_of.shape == (16,)
    probe = np.asarray(train_b.labels["probe"])
    assert probe.shape == (8,) and (probe >= 0).any()  # the materials of the annotations
