"""Unit tests of foley_nb_utils.methods.m19_vr_impact_sounds (notebook 19)."""
import numpy as np
import pytest
import torch

from foley_nb_utils.methods import m19_vr_impact_sounds as m19


def test_impact_sounds_balanced_deterministic():
    a, y = m19.impact_sounds(12, 0, "t")
    b, z = m19.impact_sounds(12, 0, "t")
    assert a.shape == (12, m19.N) and a.dtype == np.float32
    assert np.array_equal(a, b) and np.array_equal(y, z)
    assert np.bincount(y, minlength=6).tolist() == [2] * 6
    assert np.abs(a).max() <= 1
    # silence before the 10 ms onset (only the faint room tone)
    assert np.abs(a[:, :100]).max() < 0.02
    # metal rings longer than cloth: energy in the second half
    mi, ci = int(np.flatnonzero(y == 1)[0]), int(np.flatnonzero(y == 5)[0])
    tail = lambda x: float((x[m19.N // 4:] ** 2).sum() / (x ** 2).sum())  # noqa: E731
    assert tail(a[mi]) > 5 * tail(a[ci])


def test_bad_materials_and_sizes():
    with pytest.raises(ValueError, match="unknown material"):
        m19.impact_sounds(4, 0, "t", materials=("wood", "unobtainium"))
    with pytest.raises(ValueError, match="size"):
        m19.draw_objects(2, 0, "t", size=8)
    with pytest.raises(ValueError, match="parts"):
        m19.draw_objects(2, 0, "t", parts=(5,))


def test_draw_objects_invariants():
    o = m19.draw_objects(5, 1, "t", size=32)
    assert o.images.shape == (5, 32, 32, 3) and o.images.dtype == np.uint8 and len(o) == 5
    for i in range(5):
        k = o.n_parts[i]
        assert set(np.unique(o.parts[i])) - {-1} == set(range(k))
        mats = o.materials[i, :k]
        assert len(set(mats.tolist())) == k and (o.materials[i, k:] == -1).all()
    assert np.array_equal(o.depth, o.parts >= 0)


def test_kmeans_and_silhouette_known_answer():
    r = np.random.default_rng(0)
    x = np.concatenate([r.normal(0, 0.1, (30, 2)), r.normal(5, 0.1, (30, 2))]).astype(np.float32)
    lab = m19.kmeans(x, 2, np.random.default_rng(1))
    assert len(set(lab[:30])) == 1 and len(set(lab[30:])) == 1 and lab[0] != lab[30]
    assert m19.silhouette(x, lab) > 0.9
    assert m19.silhouette(x, np.zeros(60, np.int64)) == -1.0
    with pytest.raises(ValueError):
        m19.kmeans(x, 0, np.random.default_rng(0))


def test_segment_two_flat_colours():
    img = np.zeros((32, 32, 3), np.uint8)
    img[:, :16] = (200, 30, 30)
    img[:, 16:] = (30, 30, 200)
    fg = np.ones((32, 32), bool)
    fg[:2] = False
    seg = m19.segment(img, fg)
    assert (seg[~fg] == -1).all() and seg.max() == 1
    assert len(np.unique(seg[5:, :12])) == 1 and len(np.unique(seg[5:, 20:])) == 1 and seg[5, 0] != seg[5, 31]
    with pytest.raises(ValueError, match="differ in size"):
        m19.segment(img, fg[:10])


def test_patches_of_inside_region():
    img = np.arange(32 * 32 * 3, dtype=np.uint8).reshape(32, 32, 3)
    reg = np.zeros((32, 32), bool)
    reg[:, :20] = True
    p = m19.patches_of(img, reg)
    assert p.shape[1:] == (m19.PATCH, m19.PATCH, 3) and len(p) >= 1
    tiny = np.zeros((32, 32), bool)
    tiny[3, 3] = True
    assert len(m19.patches_of(img, tiny)) >= 1  # falls back to the best-covered patch


def test_material_cnn_trains_and_classify_parts():
    p, y = m19.texture_patches(96, 0, "t")
    assert p.shape == (96, m19.PATCH, m19.PATCH, 3)
    model = m19.train_material_cnn(p, y, steps=30, batch_size=16, seed=0)
    with torch.no_grad():
        acc = float((model(m19._patch_tensor(p)).argmax(1).numpy() == y).mean())
    assert acc > 1 / 6 + 0.1
    o = m19.draw_objects(3, 0, "t", size=32)
    segs = [m19.segment(o.images[i], o.depth[i]) for i in range(3)]
    per = m19.classify_parts(model, o, segs)
    whole = m19.classify_parts(model, o, segs, whole=True)
    for i in range(3):
        assert per[i].shape == whole[i].shape == (o.n_parts[i],)
        assert len(set(whole[i].tolist())) == 1


def test_gan_judge_and_units():
    a, y = m19.impact_sounds(24, 0, "t")
    lms = m19.logmel(a)
    assert lms.shape == (24, 1, 64, 32)
    db = m19.db_range(lms)
    u = m19.to_unit(lms, db)
    assert u.min() >= -1 and u.max() <= 1
    assert torch.allclose(m19.from_unit(u, db), lms, atol=1e-3)
    run = m19.train_gan(u, torch.from_numpy(y), steps=3, batch_size=8, seed=0)
    g = m19.generate_lms(run.gen, y, 0, "t")
    assert g.shape == (24, 1, 64, 32) and torch.isfinite(g).all()
    assert torch.equal(g, m19.generate_lms(run.gen, y, 0, "t"))
    judge = m19.train_judge(lms, y, steps=3, batch_size=8, seed=0)
    c = m19.judge_correct(judge, lms, y)
    assert c.shape == (24,) and set(np.unique(c)) <= {0.0, 1.0}


def test_shuffled_labels_differ_and_same_init():
    a, y = m19.impact_sounds(12, 0, "t")
    u = m19.to_unit(m19.logmel(a), (-100.0, 0.0))
    r1 = m19.train_gan(u, torch.from_numpy(y), steps=0, batch_size=4, seed=0)
    r2 = m19.train_gan(u, torch.from_numpy(y), steps=0, batch_size=4, seed=0, shuffle_labels=True)
    for p1, p2 in zip(r1.gen.parameters(), r2.gen.parameters()):
        assert torch.equal(p1, p2)


def test_full_profile_networks_construct():
    g, d = m19.gan_pair(base=32)
    z = g.sample_z(2, torch.Generator().manual_seed(0))
    x = g(torch.eye(6)[:2], z)
    assert x.shape == (2, 1, 64, 32) and d(x, torch.eye(6)[:2]).shape == (2,)


def test_click_scene_logic():
    img = np.zeros((8, 8, 3), np.uint8)
    seg = -np.ones((8, 8), np.int64)
    seg[2:6, 1:4], seg[2:6, 4:7] = 0, 1
    snd = np.stack([np.full(10, 0.1, np.float32), np.full(10, 0.2, np.float32)])
    sc = m19.ClickScene(img, seg, ["wood", "metal"], snd)
    assert sc.click(0, 0) is None
    s, name, x = sc.click(5, 3)
    assert (s, name) == (1, "metal") and x[0] == np.float32(0.2)
    assert sc.log == [(0, 0, -1), (5, 3, 1)]
    with pytest.raises(ValueError, match="outside"):
        sc.click(8, 0)
    with pytest.raises(ValueError, match="segments"):
        m19.ClickScene(img, seg, ["wood"], snd[:1])
    pytest.importorskip("ipywidgets")
    wdg = sc.widget(grid=4)
    assert wdg is not None


def test_load_sounds_missing_dir(tmp_path):
    with pytest.raises(Exception):
        m19.load_sounds(tmp_path / "nope")
