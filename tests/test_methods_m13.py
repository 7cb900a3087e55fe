"""Unit tests of notebook 13's method module (SA-CMGAN): attention block, placement, losses, build."""
import pytest
import torch

from foley_nb_utils.methods import m07_cross_modal_gan as m07
from foley_nb_utils.methods import m13_sa_cmgan as m13

QUICK = m13.settings("quick")
SHAPES = {"SA I2S": (1, m07.N_MELS, 32), "SA S2I": (3, m07.IMG, m07.IMG)}


def test_attention_shapes_rows_and_identity_at_gamma_zero():
    torch.manual_seed(0)
    blk = m13.SelfAttention2d(16)
    x = torch.randn(3, 16, 8, 4)
    blk.keep_map = True
    y = blk(x)
    assert y.shape == x.shape
    assert torch.equal(y, x)  # gamma = 0 at the start: the identity
    beta = blk.last_map
    assert beta.shape == (3, 32, 32)
    assert torch.allclose(beta.sum(-1), torch.ones(3, 32), atol=1e-5)
    with torch.no_grad():
        blk.gamma.fill_(1.0)
    q = blk.q(x).flatten(2).transpose(1, 2)
    k = blk.k(x).flatten(2)
    v = blk.v(x).flatten(2)
    expect = x + (v @ torch.softmax(q @ k, -1).transpose(1, 2)).view_as(x)  # x + softmax(QK^T) V
    assert torch.allclose(blk(x), expect, atol=1e-5)
    with pytest.raises(ValueError, match="channels"):
        m13.SelfAttention2d(0)
    with pytest.raises(ValueError, match=r"\[B, C, H, W\]"):
        blk(torch.randn(16, 8, 4))


@pytest.mark.parametrize("variant", sorted(SHAPES))
def test_build_is_07s_model_plus_blocks(variant):
    shape = SHAPES[variant]
    gen, disc = m13.build(variant, shape, 0, QUICK)
    base = m13.VARIANTS[variant][0]
    arch = dict(base=QUICK["base"], depth=QUICK["depth"])
    g07 = m07.build_seeded(m07._seed_of(0, "m07-init", base, "G"), lambda: m07.CondGenerator(shape, **arch))
    d07 = m07.build_seeded(m07._seed_of(0, "m07-init", base, "D"), lambda: m07.CondDiscriminator(shape, **arch))
    assert len(m13.attention_blocks(gen)) == len(m13.attention_blocks(disc)) == 1
    assert m13.gammas(gen) == m13.gammas(disc) == [0.0]
    c, z = torch.randn(4, m07.COND_DIM), torch.randn(4, m07.Z_DIM)
    gen.eval(), g07.eval()
    with torch.no_grad():
        out = gen(c, z)
        assert out.shape == (4, *shape)
        assert torch.allclose(out, g07(c, z), atol=1e-6)  # same initial weights, gamma = 0
        assert torch.allclose(disc(out, c), d07(out, c), atol=1e-6)
    maps = m13.attention_maps(gen, c, z)
    n = (shape[1] // 4) * (shape[2] // 4)  # after the first of three 2x upsamplings
    assert maps.shape == (4, n, n)
    assert torch.allclose(maps.sum(-1), torch.ones(4, n), atol=1e-5)
    dmaps = m13.attention_maps(disc, out, c)
    assert dmaps.shape[1] == (shape[1] // 8) * (shape[2] // 8)
    with pytest.raises(ValueError, match="no attention block"):
        m13.attention_maps(d07, out, c)


def test_add_attention_places_and_errors():
    g = m07.CondGenerator((1, 64, 32), base=8, depth=3)
    m13.add_attention(g, 1, after=0)
    assert g.attn.v.in_channels == 32 and g.fc[-1] is g.attn
    d = m07.CondDiscriminator((1, 64, 32), base=8, depth=3)
    m13.add_attention(d, 1, after=1)
    assert d.attn.v.in_channels == 8 and d.down.net[2] is d.attn
    with pytest.raises(ValueError, match="after"):
        m13.add_attention(m07.CondDiscriminator((1, 64, 32), base=8, depth=3), 1, after=0)
    clf = m07.ConvClassifier((1, 64, 32), 13).eval()
    x = torch.randn(2, 1, 64, 32)
    with torch.no_grad():
        before = clf.features(x)
        m13.add_attention(clf, 1, after=1)
        assert clf.attn.v.in_channels == 4 and clf.trunk[4] is clf.attn
        assert torch.allclose(clf.features(x), before)  # gamma = 0: the same encoder
    with pytest.raises(ValueError, match="CondGenerator"):
        m13.add_attention(torch.nn.Linear(2, 2), 1)


def test_hinge_loss_signs_and_mismatch_term():
    good = m13.hinge_d_loss(torch.full((4,), 2.0), torch.full((4,), -2.0), torch.full((4,), -2.0))
    assert float(good) == 0.0  # a confident, right D pays nothing
    fooled = m13.hinge_d_loss(torch.full((4,), 2.0), torch.full((4,), -2.0), torch.full((4,), 1.0))
    assert float(fooled) == pytest.approx(0.5 * 2.0)  # a mismatched pair scored real costs 1/2 (1 + s_w)
    assert float(m13.hinge_d_loss(torch.zeros(4), torch.zeros(4), None)) == pytest.approx(2.0)
    assert float(m13.hinge_g_loss(torch.tensor([1.0, 3.0]))) == pytest.approx(-2.0)


def test_one_step_lowers_the_discriminator_loss():
    torch.manual_seed(0)
    gen, disc = m13.build("SA I2S", SHAPES["SA I2S"], 0, QUICK)
    g = torch.Generator().manual_seed(0)
    x = torch.rand(8, *SHAPES["SA I2S"], generator=g) * 2 - 1
    c = torch.randn(8, m07.COND_DIM, generator=g)
    with torch.no_grad():
        fake = gen(c, gen.sample_z(8, g))
    xw = x.roll(1, 0)

    def loss():
        s = disc(torch.cat([x, fake, xw]), c.repeat(3, 1)).chunk(3)
        return m07.gan_cls_losses(*s)

    opt = torch.optim.Adam(disc.parameters(), lr=1e-3)
    before = loss()
    opt.zero_grad()
    before.backward()
    assert disc.attn.gamma.grad is not None and disc.attn.gamma.grad.abs() > 0  # attention gets a gradient
    opt.step()
    assert float(loss().detach()) < float(before.detach())


def test_full_profile_models_construct_and_run():
    full = m13.settings("full")
    for variant, shape in SHAPES.items():
        gen, disc = m13.build(variant, shape, 0, full)
        out = gen(torch.randn(2, m07.COND_DIM), torch.randn(2, m07.Z_DIM))
        assert out.shape == (2, *shape)
        assert disc(out, torch.randn(2, m07.COND_DIM)).shape == (2,)
        assert m13.attention_blocks(gen)[0].q.out_channels == 8  # full: qk_min 8 = SAGAN's C/8 at 64 channels


def test_bad_settings_and_variants():
    with pytest.raises(ValueError, match="unknown setting"):
        m13.settings("quick", nope=1)
    with pytest.raises(ValueError, match="PROFILE"):
        m13.settings("huge")
    with pytest.raises(ValueError, match="unknown variant"):
        m13.build("SA X", (1, 64, 32), 0, QUICK)
    with pytest.raises(ValueError, match="unknown variant"):
        m13.train_variants(("SA X",), {}, {}, (None, None), 0, QUICK)
    with pytest.raises(ValueError, match="no encoder"):
        m13.train_variants(("SA I2S",), {}, {}, (None, None), 0, QUICK)
