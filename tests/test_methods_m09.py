"""Tests of notebook 09's method module (Zhou et al. 2018, "Visual to Sound", SampleRNN).

Fast tests use tiny untrained models: μ-law codes against the textbook formula, causality of the
teacher-forced forward pass, the sampling loop against the forward pass (same distributions),
determinism, what each conditioning variant can see, batching and errors. The slow test runs the
notebook's experiment for seeds 0, 1, 2 and prints the per-seed claim outcomes.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from foley_nb_utils.methods import m09_visual_to_sound as m09

SR, FPS = 4000, 10.0


def _inputs(b=3, L=128, T=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    codes = torch.randint(0, m09.Q, (b, L), generator=g)
    return codes, torch.randn(b, T, 12, generator=g), torch.randn(b, T, 4, generator=g), torch.arange(b) % 2


def _model(mode, seed=0):
    torch.manual_seed(seed)
    return m09.SampleRNN(mode, 12, 4, n_classes=2, hidden=16, sr=SR, fps=FPS).eval()


# ------------------------------------------------------------------------------ quantisation
def test_mu_law_matches_the_formula_and_round_trips():
    x = np.linspace(-1, 1, 1001)
    mu = 255
    y = np.sign(x) * np.log1p(mu * np.abs(x)) / np.log1p(mu)          # textbook μ-law compression
    ref = np.clip(np.round((y + 1) / 2 * mu), 0, 255)                  # nearest of 256 levels
    codes = m09.quantize(x)
    assert codes.dtype == np.int64 and codes.min() == 0 and codes.max() == 255
    assert np.abs(codes - ref).max() <= 1                             # librosa's grid is offset by ≤ 1 level
    back = m09.dequantize(codes)
    assert back.dtype == np.float32
    # μ-law error grows with amplitude: ≤ one level's width at each point
    step = np.abs(x) * np.log1p(mu) / mu * 2 + 2 / mu
    assert np.all(np.abs(back - x) <= step)
    assert m09.quantize(np.zeros(4)).tolist() == [128] * 4
    assert np.all(m09.quantize(np.array([-3.0, 3.0])) == [0, 255])    # clipped


def test_quantisation_errors():
    with pytest.raises(ValueError, match="levels"):
        m09.quantize(np.zeros(3), levels=255)
    with pytest.raises(ValueError, match="0..255"):
        m09.dequantize(np.array([0, 256]))


# ---------------------------------------------------------------------------- visual features
def test_visual_features_shapes_and_motion():
    rng = np.random.default_rng(0)
    still = np.repeat(rng.integers(0, 255, (2, 1, 16, 16, 3), dtype=np.uint8), 4, axis=1)
    moving = rng.integers(0, 255, (2, 4, 16, 16, 3), dtype=np.uint8)
    app, mot = m09.visual_features(np.concatenate([still, moving]), grid=4)
    assert app.shape == (4, 4, 48) and mot.shape == (4, 4, 16)
    zero = mot[2, 0]                                       # frame 0 has no motion by definition
    assert np.abs(mot[:2] - zero).max() < 1e-5             # no motion anywhere in the still clips
    assert np.all(mot[2:, 1:] > zero + 0.5)                # motion in every cell after the first frame
    # standardised with the first clips' statistics only: the others do not change their scaling
    a2, m2 = m09.visual_features(np.concatenate([still, moving, 255 - moving]), grid=4, n_fit=4)
    ref_app = np.concatenate([still, moving]).astype(np.float32).reshape(4, 4, 4, 4, 4, 4, 3).mean(axis=(3, 5)) / 255
    ref_app = ref_app.reshape(4, 4, 48)
    np.testing.assert_allclose(a2[:4], (ref_app - ref_app.mean((0, 1))) / (ref_app.std((0, 1)) + 1e-6), atol=1e-4)
    np.testing.assert_allclose(a2[:4], app, atol=1e-5)
    np.testing.assert_allclose(m2[:4], mot, atol=1e-5)
    with pytest.raises(ValueError, match="n_fit"):
        m09.visual_features(moving, n_fit=3)
    with pytest.raises(ValueError, match="divisible"):
        m09.visual_features(np.zeros((1, 2, 10, 10, 3), np.uint8), grid=4)
    with pytest.raises(ValueError, match=r"\[N, T, H, W, 3\]"):
        m09.visual_features(np.zeros((2, 10, 10, 3), np.uint8))


# ---------------------------------------------------------------------------------- the model
@pytest.mark.parametrize("mode", m09.MODES)
def test_forward_is_causal(mode):
    model = _model(mode)
    codes, app, mot, cls = _inputs()
    with torch.no_grad():
        ref = model(codes, app, mot, cls)
        t = 37
        changed = codes.clone()
        changed[:, t:] = (changed[:, t:] + 101) % m09.Q
        out = model(changed, app, mot, cls)
    assert ref.shape == (3, 128, m09.Q)
    assert torch.allclose(ref[:, :t + 1], out[:, :t + 1], atol=1e-6)     # the past does not see the future
    assert not torch.allclose(ref[:, t + 1], out[:, t + 1])               # the next sample does see it


@pytest.mark.parametrize("mode", m09.MODES)
def test_sampling_loop_matches_the_forward_pass(mode):
    model = _model(mode, seed=1)
    _, app, mot, cls = _inputs(b=2)
    codes, probs = m09.generate(model, app.numpy(), mot.numpy(), cls.numpy(), 64,
                                torch.Generator().manual_seed(3), keep_probs=64)
    assert codes.shape == (2, 64) and codes.dtype == np.int64 and probs.shape == (64, m09.Q)
    with torch.no_grad():
        ref = torch.softmax(model(torch.as_tensor(codes), app, mot, cls), dim=-1)[0].numpy()
    np.testing.assert_allclose(probs, ref, atol=1e-5)
    again, _ = m09.generate(model, app.numpy(), mot.numpy(), cls.numpy(), 64, torch.Generator().manual_seed(3))
    assert np.array_equal(codes, again)
    other, _ = m09.generate(model, app.numpy(), mot.numpy(), cls.numpy(), 64, torch.Generator().manual_seed(4))
    assert not np.array_equal(codes, other)


def test_each_variant_sees_only_its_conditioning():
    codes, app, mot, cls = _inputs()
    app2, mot2, cls2 = app + 1.0, mot + 1.0, 1 - cls
    with torch.no_grad():
        for mode, sees in [("frame", "app"), ("seq", "app"), ("flow", "app+mot"), ("class", "cls")]:
            model = _model(mode)
            ref = model(codes, app, mot, cls)
            assert torch.allclose(ref, model(codes, app, mot, cls), atol=0)           # deterministic
            d_app = (model(codes, app2, mot, cls) - ref).abs().max()
            d_mot = (model(codes, app, mot2, cls) - ref).abs().max()
            d_cls = (model(codes, app, mot, cls2) - ref).abs().max()
            assert (d_app > 1e-4) == ("app" in sees), mode
            assert (d_mot > 1e-4) == ("mot" in sees), mode
            assert (d_cls > 1e-4) == (sees == "cls"), mode


def test_frame_conditioning_follows_the_window_start():
    model = _model("frame")
    codes, app, mot, cls = _inputs(L=64)
    app = app.clone()
    with torch.no_grad():
        a = model(codes, app, mot, cls, start=0)
        b = model(codes, app, mot, cls, start=400)       # 0.1 s later: frame 1 instead of frame 0
        app[:, 1:] = app[:, :1]                          # make every frame equal to frame 0
        c = model(codes, app, mot, cls, start=400)
    assert not torch.allclose(a, b)
    assert torch.allclose(a, c, atol=1e-6)


def test_nll_is_cross_entropy_and_model_errors():
    model = _model("seq")
    codes, app, mot, cls = _inputs()
    with torch.no_grad():
        logp = torch.log_softmax(model(codes, app, mot, cls), dim=-1)
        ref = -logp.gather(-1, codes[..., None])[..., 0].mean(dim=1)
        per_clip = m09.nll(model, codes, app, mot, cls, reduce=False)
    torch.testing.assert_close(per_clip, ref)
    with torch.no_grad():
        mean = float(m09.nll(model, codes, app, mot, cls))
    assert mean == pytest.approx(float(ref.mean()), rel=1e-6)
    with pytest.raises(ValueError, match="multiple of 32"):
        model(codes[:, :100], app, mot, cls)
    with pytest.raises(ValueError, match="mode"):
        m09.SampleRNN("optical", 12, 4, 2)
    with pytest.raises(ValueError, match="multiple of 32"):
        m09.generate(model, app.numpy(), mot.numpy(), cls.numpy(), 50, torch.Generator())


@pytest.mark.parametrize("mode", ["class", "frame"])
def test_nll_matrix_rows_are_per_query(mode):
    model = _model(mode)
    codes, app, mot, cls = _inputs(b=3)
    mat = m09.nll_matrix(model, codes.numpy(), app.numpy(), mot.numpy(), cls.numpy(), max_rows=4)  # 1 query/pass
    assert mat.shape == (3, 3)
    with torch.no_grad():
        for i in range(3):                             # reference: one query at a time, all audio at once
            direct = m09.nll(model, codes, app[[i] * 3], mot[[i] * 3], cls[[i] * 3], reduce=False)
            np.testing.assert_allclose(mat[i], direct.double().numpy(), rtol=1e-5)
        win = m09.nll_matrix(model, codes.numpy(), app.numpy(), mot.numpy(), cls.numpy(), window=64)
        short = m09.nll(model, codes[:, :64], app[[2] * 3], mot[[2] * 3], cls[[2] * 3], reduce=False)
    np.testing.assert_allclose(win[2], short.double().numpy(), rtol=1e-5)
    assert not np.allclose(win, mat)
    with pytest.raises(ValueError, match="same length"):
        m09.nll_matrix(model, codes.numpy(), app.numpy(), mot.numpy()[:2], cls.numpy())


def test_make_batches_windows():
    codes = np.arange(4 * 96).reshape(4, 96) % 256
    app, mot, cls = np.zeros((4, 2, 3), np.float32), np.zeros((4, 2, 1), np.float32), np.arange(4)
    batch = m09.make_batches(codes, app, mot, cls, 3, torch.Generator().manual_seed(0), crop=32)
    starts = set()
    for step in range(20):
        c, a, mo, k, start = batch(step)
        assert c.shape == (3, 32) and start % m09.FS_TOP == 0 and 0 <= start <= 64
        assert torch.equal(c, torch.as_tensor(codes)[k][:, start:start + 32])   # rows stay paired with labels
        starts.add(start)
    assert len(starts) > 1
    one = m09.make_batches(codes, app, mot, cls, 3, torch.Generator().manual_seed(0), crop=32)
    two = m09.make_batches(codes, app, mot, cls, 3, torch.Generator().manual_seed(0), crop=32)
    assert all(torch.equal(one(i)[0], two(i)[0]) for i in range(5))          # same seed → same batches
    with pytest.raises(ValueError, match="crop"):
        m09.make_batches(codes, app, mot, cls, 3, torch.Generator(), crop=40)
    with pytest.raises(ValueError, match="same length"):
        m09.make_batches(codes, app[:3], mot, cls, 3, torch.Generator())


def test_category_retrieval_finds_matching_sound():
    rng = np.random.default_rng(0)
    t = np.arange(2000) / SR
    tones = [np.sin(2 * np.pi * f * t) * 0.5 for f in (200, 1500)]
    gallery = np.stack([tones[i % 2] + 0.01 * rng.standard_normal(2000) for i in range(8)]).astype(np.float32)
    labels = np.arange(8) % 2
    r = m09.category_retrieval(gallery[:4], labels[:4], gallery, labels, SR)
    assert r["R@1"] == 1.0
    wrong = m09.category_retrieval(gallery[:4], 1 - labels[:4], gallery, labels, SR, ks=(1,))
    assert wrong["R@1"] == 0.0


def test_variants_share_initial_weights_and_batches():
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 256, (6, 128))
    app, mot = rng.standard_normal((6, 3, 12)).astype(np.float32), rng.standard_normal((6, 3, 4)).astype(np.float32)
    cls = np.arange(6) % 2
    kw = dict(n_classes=2, sr=SR, fps=FPS, seed=5, hidden=16, batch_size=4, crop=64, progress=False)
    seen = {}
    for mode in ("seq", "flow"):
        model, _ = m09.train_variant(mode, codes, app, mot, cls, steps=0, **kw)
        seen[mode] = model
    # the layers both variants have start equal (the encoder, which differs in shape, is built last)
    for name, p in seen["seq"].state_dict().items():
        if not name.startswith("encoder"):
            assert torch.equal(p, seen["flow"].state_dict()[name]), name
    # and a different seed gives different weights
    other, _ = m09.train_variant("seq", codes, app, mot, cls, steps=0, **{**kw, "seed": 6})
    assert not torch.equal(other.bot_in.weight, seen["seq"].bot_in.weight)
    # two steps of training: same seed and mode → identical weights (batches drawn from the seed)
    a, h1 = m09.train_variant("frame", codes, app, mot, cls, steps=2, **kw)
    b, h2 = m09.train_variant("frame", codes, app, mot, cls, steps=2, **kw)
    assert h1["loss"] == h2["loss"] and torch.equal(a.bot_in.weight, b.bot_in.weight)


# ------------------------------------------------------------------------------ experiment
QUICK = dict(steps=60, hidden=48, crop=128, batch_size=32, lr=1e-2, gen_s=0.125, draws=2, lik_window=128)
"""The notebook's quick settings (keep in sync with notebooks/py/09_2018_visual_to_sound.py)."""


def _quick_world(seed):
    import foley_nb_utils as fnu
    root = fnu.synth.ensure("scenes", seed=seed, n=240, duration_s=0.5, size=32, sr=8000)
    load = dict(fps=10.0, size=32, sr=8000, clip_s=0.5)
    return (fnu.datasets.class_folders.load(root, "train", **load),
            fnu.datasets.class_folders.load(root, "test", **load))


def test_experiment_small_run_is_reproducible():
    tr, te = _quick_world(0)
    tr, te = tr[:24], te[:8]
    kw = dict(seed=0, steps=3, hidden=16, crop=64, batch_size=8, gen_s=0.032, draws=2, lik_window=64,
              modes=("seq", "class"))
    r = m09.experiment(tr, te, **kw)
    assert r["generated"]["seq"].shape == (16, 256) and r["n_queries"] == 16
    assert np.array_equal(r["gen_labels"], np.tile(r["labels"], 2))
    for mode in ("seq", "class"):
        assert 0 <= r["likelihood_top1"][mode] <= 1 and 0 <= r["fooling"][mode] <= 1
        assert np.isfinite(r["test_nll"][mode])
    again = m09.experiment(tr, te, **kw)
    assert np.array_equal(r["generated"]["class"], again["generated"]["class"])     # same seed → same sound
    assert r["retrieval"] == again["retrieval"] and r["fooling"] == again["fooling"]
    with pytest.raises(ValueError, match="draws"):
        m09.experiment(tr, te, **{**kw, "draws": 0})
    with pytest.raises(ValueError, match="gen_s"):
        m09.experiment(tr, te, **{**kw, "gen_s": 5.0})


@pytest.mark.slow
def test_experiment_claims_for_three_seeds(capsys, one_thread):
    for seed in (0, 1, 2):
        tr, te = _quick_world(seed)                          # the notebook's world follows its seed
        r = m09.experiment(tr, te, seed=seed, **QUICK)
        r1 = {k: v["R@1"] for k, v in r["retrieval"].items()}
        lt = r["likelihood_top1"]
        order = r1["flow"] >= r1["seq"] >= r1["frame"]                # the notebook's claims, same definitions
        order_lik = lt["flow"] >= lt["seq"] >= lt["frame"]
        vision = float(np.mean([r["fooling"][k] for k in ("frame", "seq", "flow")]))
        with capsys.disabled():
            print(f"\nseed {seed}: R@1 {r1} flow>=seq>=frame {order} · likelihood top-1 {lt} ranking {order_lik} · "
                  f"fooling {r['fooling']} vision (mean) > class {vision > r['fooling']['class']}")
        for mode, h in r["hist"].items():            # every variant learned something
            assert np.mean(h["loss"][-10:]) < h["loss"][0] - 0.3, mode
        chance = 1 / 8
        assert all(v > chance for v in lt.values())  # likelihood retrieval beats chance for every variant
        assert all(np.isfinite(w).all() and np.abs(w).max() <= 1 for w in r["generated"].values())


def test_sample_categorical_follows_the_distribution():
    probs = torch.tensor([[0.1, 0.0, 0.6, 0.3], [0.0, 0.0, 0.0, 2.0]])
    u = torch.tensor([[0.0], [0.5]])
    assert m09.sample_categorical(probs, u).tolist() == [0, 3]            # smallest k with cdf > u·total
    # evenly spaced uniforms reproduce the probabilities exactly; a zero-probability code is never drawn
    n = 1000
    grid = ((torch.arange(n) + 0.5) / n)[:, None]
    draws = m09.sample_categorical(probs[:1].expand(n, -1), grid)
    np.testing.assert_allclose(np.bincount(draws.numpy(), minlength=4) / n, [0.1, 0.0, 0.6, 0.3], atol=2e-3)
    # random uniforms: frequencies within sampling error of the probabilities (reference: numpy's choice)
    g = torch.Generator().manual_seed(0)
    p = torch.softmax(torch.randn(1, 16, generator=g), dim=-1)
    draws = m09.sample_categorical(p.expand(20000, -1), torch.rand(20000, 1, generator=g))
    freq = np.bincount(draws.numpy(), minlength=16) / 20000
    assert np.abs(freq - p[0].numpy()).max() < 4 * np.sqrt(0.25 / 20000)
