"""Hao, Zhang and Guan, "CMCGAN: A Uniform Framework for Cross-Modal Visual-Audio Mutual
Generation" (AAAI 2018, survey [4]) at laptop scale.

One model for both directions. Two encoders map a sound (log-mel) and an image into one
*common* latent space; two decoders map a latent code plus noise back to an image or a sound.
Sharing the decoders gives four paths:

======  ===================================  =========================================
path    computation                          role
======  ===================================  =========================================
A→V     ``DecV(EncA(a), z)``                 sound → image (what [3]'s S2I does)
V→A     ``DecA(EncV(v), z)``                 image → sound (what [3]'s I2S does)
A→A     ``DecA(EncA(a), z)``                 sound auto-encoder
V→V     ``DecV(EncV(v), z)``                 image auto-encoder
======  ===================================  =========================================

Losses (the paper's equations, negated to be minimised; :func:`joint_d_loss`,
:func:`joint_g_loss`, :func:`consistency_loss`):

- a *joint corresponding* discriminator ``S(v, a)`` scores image–sound **pairs**: real pairs are
  real; (real image, wrong sound), (wrong image, real sound), (real image, generated sound) and
  (generated image, real sound) are fake;
- the generators make their generated half of a pair pass as real;
- the consistency (cycle) loss: L1 between the ground truth and the four two-step paths
  A→V→A (vs the sound), V→A→V (vs the image), A→A→V (vs the image) and V→V→A (vs the sound).

The survey says CMCGAN "needs a pre-trained autoencoder"; the paper trains end-to-end. At laptop
scale the adversarial phase is short, so we start from pre-trained parts: the encoders are
notebook 07's classification-trained encoders, kept fixed, and the common code is their 13 class
scores (:class:`ClassCode`: two classifiers of the same classes agree on what each coordinate
means); the two auto-encoder paths are warmed up by a short reconstruction phase
(:func:`pretrain_autoencoders`). :func:`train_variant` trains CMCGAN or its "no cycle" ablation.
The notebook says all of this.

Shapes as in :mod:`.m07_cross_modal_gan`: images ``[N, 3, 32, 32]`` and log-mels
``[N, 1, 64, 32]``, both in [-1, 1].

Notebook: 08_2018_cmcgan
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .. import repro
from . import m07_cross_modal_gan as m07

__all__ = [
    "CMCGAN",
    "ClassCode",
    "PairDiscriminator",
    "SETTINGS",
    "VARIANTS",
    "consistency_loss",
    "joint_d_loss",
    "joint_g_loss",
    "pretrain_autoencoders",
    "pretrained_model",
    "settings",
    "train_cmcgan",
    "train_variant",
    "train_variants",
    "translate",
    "translate_correct",
    "variant_job",
]

#: Sizes per profile (data sizes and the [3] baselines come from :data:`m07.SETTINGS`).
SETTINGS: dict[str, dict[str, Any]] = {
    "quick": dict(pretrain_steps=150, pretrain_lr=5e-3, cmc_steps=150, cmc_batch=16, cmc_base=16, cmc_depth=2,
                  lam_cons=10.0, cmc_lr_g=2e-3, cmc_lr_d=2e-3),
    "full": dict(pretrain_steps=1000, pretrain_lr=2e-3, cmc_steps=6000, cmc_batch=64, cmc_base=32, cmc_depth=3,
                 lam_cons=10.0, cmc_lr_g=2e-4, cmc_lr_d=4e-4),
}


def settings(profile: str, **overrides: Any) -> dict[str, Any]:
    """Notebook 08's settings: notebook 07's (:func:`m07.settings`) plus CMCGAN's own.

    Notebook: 08_2018_cmcgan
    """
    own = dict(SETTINGS[repro.check_profile(profile)])
    base = m07.settings(profile)
    bad = sorted(set(overrides) - set(own) - set(base))
    if bad:
        raise ValueError(f"unknown setting(s) {bad}; known: {sorted({*own, *base})}")
    return {**base, **own, **overrides}


class ClassCode(nn.Module):
    """An encoder whose code is a trained classifier's class scores (logits, no dropout).

    Two classifiers of the same classes, one for images and one for sounds, already agree on
    what each coordinate of this code means: a *common* latent space from the start.

    Shape: ``[B, *in_shape]`` → ``[B, n_classes]`` (:meth:`features`, like the classifiers).

    Notebook: 08_2018_cmcgan
    """

    def __init__(self, classifier: m07.ConvClassifier):
        super().__init__()
        self.net = classifier
        self.dim = classifier.head[-1].out_features

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.net.head[-1](self.net.features(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x)


class CMCGAN(nn.Module):
    """The four-path generator: two encoders into a common latent space, two shared decoders.

    Args:
        enc_v: image encoder with ``features(x) -> [B, code_dim]`` (a :class:`ClassCode`).
        enc_a: sound encoder for log-mels in [-1, 1] (same kind).
        img_shape, lms_shape: decoder outputs, ``(3, 32, 32)`` and ``(1, 64, F)``.
        code_dim: size of the common code.
        base, depth: decoder sizes (:class:`m07.CondGenerator`).
        freeze_encoders: keep the encoders fixed (weights and BatchNorm statistics).

    The paper trains the encoders with everything else, end to end. Notebook 08 uses notebook
    07's classification-trained encoders (:class:`ClassCode`) and keeps them fixed: at our
    learning rates, training them with the reconstruction losses erases their class structure
    within a hundred steps (``tests/test_methods_m08.py`` shows the frozen ones survive). CMCGAN
    and [3]'s models thus start from the same encoders and differ in the framework (shared
    decoders, joint discriminator, cycles). With fixed encoders the cycle A→V→A still trains
    the image decoder: its images must re-encode, through the image encoder, to the right code.

    Notebook: 08_2018_cmcgan
    """

    def __init__(self, enc_v: nn.Module, enc_a: nn.Module, img_shape: Sequence[int] = (3, m07.IMG, m07.IMG),
                 lms_shape: Sequence[int] = (1, m07.N_MELS, 32), code_dim: int = 13, base: int = 16, depth: int = 2,
                 freeze_encoders: bool = True):
        super().__init__()
        self.enc_v, self.enc_a = enc_v, enc_a
        self.dec_v = m07.CondGenerator(img_shape, cond_dim=code_dim, base=base, depth=depth)
        self.dec_a = m07.CondGenerator(lms_shape, cond_dim=code_dim, base=base, depth=depth)
        self.z_dim = self.dec_v.z_dim
        self.freeze_encoders = bool(freeze_encoders)
        if self.freeze_encoders:
            for p in [*enc_v.parameters(), *enc_a.parameters()]:
                p.requires_grad_(False)
            self.train(self.training)

    def train(self, mode: bool = True) -> CMCGAN:
        """Like ``nn.Module.train``, but frozen encoders stay in eval mode (their BatchNorm
        statistics must not drift when generated samples pass through them)."""
        super().train(mode)
        if self.freeze_encoders:
            self.enc_v.eval()
            self.enc_a.eval()
        return self

    def sample_z(self, n: int, generator: torch.Generator | None, device="cpu") -> torch.Tensor:
        """Noise ``[n, 10]`` from ``generator``."""
        return self.dec_v.sample_z(n, generator, device)

    def a2v(self, a, z):
        """Sound → image."""
        return self.dec_v(self.enc_a.features(a), z)

    def v2a(self, v, z):
        """Image → sound."""
        return self.dec_a(self.enc_v.features(v), z)

    def a2a(self, a, z):
        """Sound → sound (auto-encoder)."""
        return self.dec_a(self.enc_a.features(a), z)

    def v2v(self, v, z):
        """Image → image (auto-encoder)."""
        return self.dec_v(self.enc_v.features(v), z)

    def forward(self, v: torch.Tensor, a: torch.Tensor, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(A→V, V→A)``: the generated image for sound ``a`` and the generated sound for image ``v``."""
        return self.a2v(a, z), self.v2a(v, z)

    def paths(self, v: torch.Tensor, a: torch.Tensor, z: torch.Tensor) -> dict[str, torch.Tensor]:
        """All one- and two-step paths, ``{"AV", "VA", "AA", "VV", "AVA", "VAV", "AAV", "VVA"}``.

        Codes that go through the same decoder are decoded in one batch (half the passes).
        """
        n = len(v)
        fa, fv = self.enc_a.features(a), self.enc_v.features(v)
        zz = torch.cat([z, z])
        av, vv = self.dec_v(torch.cat([fa, fv]), zz).split(n)
        va, aa = self.dec_a(torch.cat([fv, fa]), zz).split(n)
        # second step: re-encode the first step's outputs and decode into the other modality
        ava, vva = self.dec_a(self.enc_v.features(torch.cat([av, vv])), zz).split(n)
        vav, aav = self.dec_v(self.enc_a.features(torch.cat([va, aa])), zz).split(n)
        return {"AV": av, "VA": va, "AA": aa, "VV": vv, "AVA": ava, "VAV": vav, "AAV": aav, "VVA": vva}


class PairDiscriminator(nn.Module):
    """The joint corresponding discriminator ``S(v, a)``: one logit per (image, log-mel) pair.

    Each modality goes through its own stride-2 conv trunk (:class:`m07.Down`) and a linear
    layer to 128 features; the two are concatenated and a small MLP says whether the pair is
    real *and* corresponding.

    Shape: ``v [B, 3, 32, 32]``, ``a [B, 1, 64, F]`` → ``[B]`` logits.

    Notebook: 08_2018_cmcgan
    """

    def __init__(self, img_shape: Sequence[int] = (3, m07.IMG, m07.IMG), lms_shape: Sequence[int] = (1, m07.N_MELS, 32),
                 base: int = 8, depth: int = 3, dim: int = 128):
        super().__init__()
        self.down_v = m07.Down(int(img_shape[0]), base, depth)
        self.down_a = m07.Down(int(lms_shape[0]), base, depth)
        with torch.no_grad():
            nv = self.down_v(torch.zeros(1, *img_shape)).numel()
            na = self.down_a(torch.zeros(1, *lms_shape)).numel()
        self.fv = nn.Sequential(nn.Flatten(), nn.Linear(nv, dim), nn.LeakyReLU(0.2))
        self.fa = nn.Sequential(nn.Flatten(), nn.Linear(na, dim), nn.LeakyReLU(0.2))
        self.joint = nn.Sequential(nn.Linear(2 * dim, dim), nn.LeakyReLU(0.2), nn.Linear(dim, 1))
        m07._he_init(self)

    def forward(self, v: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        return self.joint(torch.cat([self.fv(self.down_v(v)), self.fa(self.down_a(a))], dim=1)).squeeze(1)


def joint_d_loss(D: PairDiscriminator, v, a, v_wrong, a_wrong, v_fake, a_fake) -> torch.Tensor:
    """The paper's ``L_D = L_Dw + L_Df`` (maximised there; here its negative, minimised):

    ``L_Dw = log S(v, a) + ½[log(1 − S(v, a_w)) + log(1 − S(v_w, a))]`` and
    ``L_Df = log S(v, a) + ½[log(1 − S(v, â)) + log(1 − S(v̂, a))]``, with ``S = sigmoid(logit)``,
    wrong = a real sample of another class, ^ = generated.

    All five kinds of pair go through D in one batch (D has no BatchNorm).

    Returns:
        Scalar loss.

    Notebook: 08_2018_cmcgan
    """
    vs = torch.cat([v, v, v_wrong, v, v_fake])
    as_ = torch.cat([a, a_wrong, a, a_fake, a])
    s_r, s_rvwa, s_wvra, s_rvfa, s_fvra = D(vs, as_).chunk(5)
    real = F.softplus(-s_r).mean()
    wrong = 0.5 * (F.softplus(s_rvwa).mean() + F.softplus(s_wvra).mean())
    fake = 0.5 * (F.softplus(s_rvfa).mean() + F.softplus(s_fvra).mean())
    return 2 * real + wrong + fake


def joint_g_loss(D: PairDiscriminator, v, a, v_fake, a_fake) -> torch.Tensor:
    """The generators' adversarial loss ``−log S(v, â) − log S(v̂, a)`` (non-saturating form of
    the paper's ``L_G``).

    Notebook: 08_2018_cmcgan
    """
    s_rvfa, s_fvra = D(torch.cat([v, v_fake]), torch.cat([a_fake, a])).chunk(2)
    return F.softplus(-s_rvfa).mean() + F.softplus(-s_fvra).mean()


def consistency_loss(paths: dict[str, torch.Tensor], v: torch.Tensor, a: torch.Tensor) -> tuple[torch.Tensor, dict[str, float]]:
    """The paper's ``L_Cons``: L1 of the four two-step paths against the ground truth.

    ``|A→V→A − a| + |V→A→V − v| + |A→A→V − v| + |V→V→A − a|`` (means over elements). The
    first two are cycles through the other modality; the last two ask the auto-encoders'
    outputs to translate correctly.

    Args:
        paths: :meth:`CMCGAN.paths` of ``(v, a, z)``.
        v, a: the paired real images and log-mels.

    Returns:
        ``(loss, {"AVA": …, "VAV": …, "AAV": …, "VVA": …})``.

    Notebook: 08_2018_cmcgan
    """
    terms = {"AVA": F.l1_loss(paths["AVA"], a), "VAV": F.l1_loss(paths["VAV"], v),
             "AAV": F.l1_loss(paths["AAV"], v), "VVA": F.l1_loss(paths["VVA"], a)}
    return sum(terms.values()), {k: float(t.detach()) for k, t in terms.items()}


def pretrain_autoencoders(model: CMCGAN, images: torch.Tensor, lms: torch.Tensor, *, steps: int, batch_size: int,
                          generator: torch.Generator, lr: float = 2e-3, name: str | None = None,
                          config: dict | None = None, device="cpu", progress: bool = False):
    """Warm up the A→A and V→V paths: L1 reconstruction of sounds and images (``fnu.train.fit``).

    Args:
        model: the :class:`CMCGAN`.
        images, lms: paired training images and log-mels in [-1, 1].
        steps, batch_size, generator, lr: optimisation (AdamW).
        name, config: checkpoint name and identifying settings.

    Returns:
        The :class:`~foley_nb_utils.train.History` (``loss``, ``AA``, ``VV``).

    Notebook: 08_2018_cmcgan
    """
    from ..train import fit

    take = m07._batches(len(images), batch_size, generator)

    def batch(step: int):
        idx = take(step)
        return images[idx], lms[idx], model.sample_z(len(idx), generator)

    def loss_fn(m, b):
        v, a, z = b
        aa, vv = F.l1_loss(m.a2a(a, z), a), F.l1_loss(m.v2v(v, z), v)
        return aa + vv, {"AA": float(aa.detach()), "VV": float(vv.detach())}

    return fit(model, batch, loss_fn, steps=steps, lr=lr, device=device, name=name, config=config,
               progress=progress, desc=name)


def train_cmcgan(model: CMCGAN, disc: PairDiscriminator, data: m07.PairData, *, steps: int, batch_size: int,
                 generator: torch.Generator, lam_cons: float = 10.0, lr_g: float = 1e-3, lr_d: float = 2e-3,
                 track=None, track_every: int = 50, name: str | None = None, config: dict | None = None,
                 device="cpu", progress: bool = False) -> m07.GanRun:
    """Adversarial training of CMCGAN (the paper's Algorithm 1 with K = 1 generator step).

    Each step: one discriminator update on the five kinds of pair (:func:`joint_d_loss`), then
    one update of the four-path generator on :func:`joint_g_loss` ``+ lam_cons ·``
    :func:`consistency_loss`. ``lam_cons = 0`` is the "no cycle" ablation. Tracking and
    checkpoint selection as in :func:`m07.fit_tracked`.

    Args:
        model, disc: :class:`CMCGAN` (pretrained by :func:`pretrain_autoencoders`) and
            :class:`PairDiscriminator`.
        data: the training split.
        steps, batch_size, generator: optimisation length, batch, random source.
        lam_cons: weight of the consistency loss (the paper does not state it).
        lr_g, lr_d: Adam learning rates.
        track: ``model -> {"S2I": acc, "I2S": acc}`` on validation data.
        name, config: checkpoint name and identifying settings.

    Returns:
        :class:`m07.GanRun`.

    Notebook: 08_2018_cmcgan
    """
    if lam_cons < 0:
        raise ValueError(f"lam_cons must be >= 0, got {lam_cons}")
    take = m07._batches(len(data), batch_size, generator)
    y = data.labels

    def batch(step: int):
        idx = take(step)
        wa = m07.wrong_class_index(y, idx, generator)
        wv = m07.wrong_class_index(y, idx, generator)
        return (data.images[idx], data.lms[idx], data.images[wv], data.lms[wa],
                model.sample_z(len(idx), generator))

    def d_loss(G, D, b):
        v, a, vw, aw, z = b
        with torch.no_grad():
            v_fake, a_fake = G(v, a, z)
        return joint_d_loss(D, v, a, vw, aw, v_fake, a_fake)

    def g_loss(G, D, b):
        v, a, _, _, z = b
        if not lam_cons:
            v_fake, a_fake = G(v, a, z)
            return joint_g_loss(D, v, a, v_fake, a_fake)
        p = G.paths(v, a, z)
        cons, _ = consistency_loss(p, v, a)
        return joint_g_loss(D, v, a, p["AV"], p["VA"]) + lam_cons * cons

    full = {**(config or {}), "lam_cons": float(lam_cons), "batch_size": int(batch_size)}
    return m07.fit_tracked(model, disc, batch, d_loss, g_loss, steps=steps, lr_g=lr_g, lr_d=lr_d, track=track,
                           track_every=track_every, name=name, config=full, device=device, progress=progress)


@torch.no_grad()
def translate(model: CMCGAN, d: m07.PairData, generator: torch.Generator, chunk: int = 256) -> tuple[torch.Tensor, torch.Tensor]:
    """Both translations of a split: ``(A→V images [N, 3, 32, 32], V→A log-mels [N, 1, 64, F])``.

    Notebook: 08_2018_cmcgan
    """
    was = model.training
    model.eval()
    dev = next(model.parameters()).device
    z = model.sample_z(len(d), generator)
    vs, as_ = [], []
    for i in range(0, len(d), chunk):
        v, a = model(d.images[i:i + chunk].to(dev), d.lms[i:i + chunk].to(dev), z[i:i + chunk].to(dev))
        vs.append(v.float().cpu())
        as_.append(a.float().cpu())
    model.train(was)
    return torch.cat(vs), torch.cat(as_)


def _scores(model: CMCGAN, d: m07.PairData, judges_: tuple, db, generator: torch.Generator) -> dict[str, float]:
    img_j, aud_j = judges_
    v, a = translate(model, d, generator)
    return {"S2I": m07.image_accuracy(img_j, v, d.labels), "I2S": m07.lms_accuracy(aud_j, a, db, d.labels)}


def translate_correct(model: CMCGAN, d: m07.PairData, judges_: tuple, db, generator: torch.Generator,
                      draws: int = 1) -> dict[str, np.ndarray]:
    """Per-example judged correctness of both translations of a split, over ``draws`` noise draws.

    For each pair of ``d``: the fraction of ``draws`` A→V images (from its sound) that the image
    judge assigns to its instrument, and the same for the V→A log-mels (from its image) and the
    audio judge. With ``draws=1`` the means are the accuracies :func:`train_variant` reports
    (same generator).

    Args:
        model: a trained :class:`CMCGAN`.
        d: a split (:class:`m07.PairData`).
        judges_: ``(image_judge, audio_judge)``.
        db: the dB range of the log-mels (``PairData.db_range`` of the training split).
        generator: noise source.
        draws: noise draws per pair.

    Returns:
        ``{"S2I": float64 [N], "I2S": float64 [N]}``, values in [0, 1].

    Notebook: 08_2018_cmcgan
    """
    draws = m07._check_draws(draws)
    img_j, aud_j = judges_
    s2i, i2s = np.zeros(len(d)), np.zeros(len(d))
    for _ in range(draws):
        v, a = translate(model, d, generator)
        s2i += m07.image_correct(img_j, v, d.labels)
        i2s += m07.lms_correct(aud_j, a, db, d.labels)
    return {"S2I": s2i / draws, "I2S": i2s / draws}


VARIANTS = ("CMCGAN", "no cycle")
"""CMCGAN and its ablation without the consistency (cycle) loss."""


def _run_key(seed: int, cfg: dict) -> dict:
    return {**m07.run_key(seed, cfg), **{k: cfg[k] for k in SETTINGS["quick"]}}


def pretrained_model(data: dict[str, m07.PairData], encoders: dict[str, nn.Module], seed: int, cfg: dict,
                     device="cpu", progress: bool = False) -> CMCGAN:
    """A new :class:`CMCGAN` (copies of notebook 07's classifiers as encoders) after the
    auto-encoder pre-training (:func:`pretrain_autoencoders`; trained once, then loaded from the
    cache, so both variants start from the same weights).

    Notebook: 08_2018_cmcgan
    """
    import copy

    tr = data["train"]
    shapes = dict(img_shape=tuple(tr.images.shape[1:]), lms_shape=tuple(tr.lms.shape[1:]))
    model = m07.build_seeded(m07._seed_of(seed, "m08-init", "G"), lambda: CMCGAN(
        ClassCode(copy.deepcopy(encoders["image"])), ClassCode(copy.deepcopy(encoders["logmel"])),
        code_dim=len(tr.classes), base=cfg["cmc_base"], depth=cfg["cmc_depth"], **shapes))
    pretrain_autoencoders(model, tr.images, tr.lms, steps=cfg["pretrain_steps"], batch_size=cfg["cmc_batch"],
                          lr=cfg["pretrain_lr"], generator=repro.torch_generator(seed, "m08-pretrain"), name="m08-pretrain",
                          config={**_run_key(seed, cfg), "kind": "pretrain"}, device=device, progress=progress)
    return model


def train_variant(variant: str, data: dict[str, m07.PairData], encoders: dict[str, nn.Module], judges_: tuple,
                  seed: int, cfg: dict, device="cpu", progress: bool = False) -> tuple[m07.GanRun, dict[str, dict[str, float]]]:
    """Train CMCGAN (``"CMCGAN"``) or its ablation without the consistency loss (``"no cycle"``).

    Args:
        variant: ``"CMCGAN"`` or ``"no cycle"``.
        data: splits from :func:`m07.load_data`.
        encoders: ``{"image": …, "logmel": …}`` — notebook 07's trained classifiers; CMCGAN
            trains copies of them.
        judges_: ``(image_judge, audio_judge)``.
        seed, cfg: the run's seed and settings (:func:`settings`).

    Returns:
        ``(run, {"train": {"S2I", "I2S"}, "test": {"S2I", "I2S"}})`` judged accuracies.

    Notebook: 08_2018_cmcgan
    """
    return variant_job(variant, data, encoders, judges_, seed, cfg, device, progress)()


def variant_job(variant: str, data: dict[str, m07.PairData], encoders: dict[str, nn.Module], judges_: tuple,
                seed: int, cfg: dict, device="cpu", progress: bool = False):
    """Build what :func:`train_variant` trains (the pre-trained CMCGAN and the discriminator, in
    the caller's thread: initial weights come from torch's global generator) and return the
    adversarial training as a function without arguments.

    Notebook: 08_2018_cmcgan
    """
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; choose one of {VARIANTS}")
    tr = data["train"]
    key = _run_key(seed, cfg)
    shapes = dict(img_shape=tuple(tr.images.shape[1:]), lms_shape=tuple(tr.lms.shape[1:]))
    model = pretrained_model(data, encoders, seed, cfg, device, progress)
    disc = m07.build_seeded(m07._seed_of(seed, "m08-init", "D"),  # [3]'s discriminator sizes
                            lambda: PairDiscriminator(**shapes, base=cfg["base"], depth=cfg["depth"]))

    def track(G):
        return _scores(G, data["val"], judges_, tr.db_range, repro.torch_generator(seed, "m08-track"))

    lam = cfg["lam_cons"] if variant == "CMCGAN" else 0.0

    def train() -> tuple[m07.GanRun, dict[str, dict[str, float]]]:
        run = train_cmcgan(model, disc, tr, steps=cfg["cmc_steps"], batch_size=cfg["cmc_batch"],
                           generator=repro.torch_generator(seed, "m08-gan", variant), lam_cons=lam,
                           lr_g=cfg["cmc_lr_g"], lr_d=cfg["cmc_lr_d"], track=track, track_every=cfg["track_every"],
                           name=f"m08-{variant.replace(' ', '-')}", config={**key, "variant": variant},
                           device=device, progress=progress)
        acc = {p: _scores(run.gen, data[p], judges_, tr.db_range, repro.torch_generator(seed, "m08-eval", p))
               for p in ("train", "test")}
        return run, acc

    return train


def train_variants(variants: Sequence[str], data: dict[str, m07.PairData], encoders: dict[str, nn.Module],
                   judges_: tuple, seed: int, cfg: dict, device="cpu",
                   progress: bool = False) -> tuple[dict[str, m07.GanRun], dict[str, dict[str, dict[str, float]]]]:
    """:func:`train_variant` for several variants: the shared pre-training once and the networks
    one after the other (:func:`variant_job`), then the adversarial trainings side by side
    (``fnu.train.side_by_side``: no layer of CMCGAN draws from torch's global generator while it
    trains, so the weights are those of one-after-the-other runs).

    Returns:
        ``(runs, accuracies)``: dicts keyed by variant.

    Notebook: 08_2018_cmcgan
    """
    return m07.run_jobs({v: variant_job(v, data, encoders, judges_, seed, cfg, device, progress) for v in variants})
