"""FoleyGAN (Ghose & Prevost, IEEE TMM 2022): a class-conditional GAN guided by temporal visual features.

FoleyGAN makes the sound of a silent clip with a **class-conditional GAN** on spectrograms (a
BigGAN-style generator with class-conditional batch norm, a projection discriminator, the hinge
loss, spectral norm) whose generator also receives **temporal visual features**: action features
of the video from a temporal relation network (TRN), so that the sound's timing can follow the
picture. No official code exists; the architecture below is reconstructed from the abstracts and
scaled to a laptop CPU (every size is ours).

Pieces:

- :class:`TemporalVisual` — per-time-step visual features: notebook 16's :class:`FrameCNN` on
  every frame, then its :class:`MultiScaleTRN` over a sliding window of ``window`` frames centred
  on each step (``[B, T, S, S, 3]`` → ``[B, T, dim]``), trained beforehand to find the events
  (per-step BCE) and the class (cross-entropy), then frozen;
- :class:`CondBatchNorm1d` — batch norm whose gain and bias are looked up per class;
- :class:`Generator` — noise ``z`` → a ``[ch, T]`` map at the video rate, three ×2 upsampling
  blocks (class-conditional BN, ReLU, nearest upsampling, 1-D convolution over time) each
  modulated per time column by the visual features (FiLM), then the log-mel bands;
- :class:`Discriminator` — a spectrally normalised 1-D convolutional critic over time with a
  **projection** output per time column: ``ψ(h_t) + ⟨e_y, h_t⟩ + ⟨W v_t, h_t⟩`` (class and
  visual projections; a temporal PatchGAN);
- :func:`hinge_d_loss` / :func:`hinge_g_loss`, :func:`train_gan`, :func:`generate`;
- :class:`MelJudge` — a small class judge on the mel itself (notebook 04's audio judge was trained
  at 16 kHz and cannot name the materials of our 11,025 Hz sound);
- :data:`CONDITIONS` — ``"class"`` (the visual input is zeros), ``"pooled"`` (the clip's mean
  feature at every step), ``"temporal"`` (the per-step features: FoleyGAN). The three GANs have the
  same layers, parameters and training budget; only what the visual input carries differs.

The data are notebook 16's: the ``hits`` world at 8 fps, the struck material as the sound class
(:func:`foley_nb_utils.methods.m16_autofoley.load_clips` / ``prepare``).

Notebook: 21_2021_foleygan
"""
from __future__ import annotations

import hashlib
from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from .. import train as _train
from ..metrics import onsets as _onsets
from . import m15_regnet as _m15
from . import m16_autofoley as _m16

__all__ = ["CONDITIONS", "FPS", "MEL", "CondBatchNorm1d", "Discriminator", "Generator", "MelJudge", "TemporalVisual",
           "condition", "generate", "hinge_d_loss", "hinge_g_loss", "judge_mels", "onset_per_clip", "sync_in_time",
           "train_gan", "train_mel_judge", "train_visual", "visual_features"]

#: Audio and mel settings (notebooks 15 and 16: 11,025 Hz, hop 128, 40 bands, normalised to [0, 1]).
MEL = _m16.MEL
#: The world's frame rate (notebook 16's 8 fps: a hit lasts one frame).
FPS = _m16.FPS
#: What the generator's visual input carries, per GAN.
CONDITIONS: tuple[str, ...] = ("class", "pooled", "temporal")


# ----------------------------------------------------------------------------------- visual features
class TemporalVisual(nn.Module):
    """Per-step visual features from a temporal relation module.

    Each frame goes through :class:`~foley_nb_utils.methods.m16_autofoley.FrameCNN`; for every step
    ``t`` a :class:`~foley_nb_utils.methods.m16_autofoley.MultiScaleTRN` reads the ``window`` frames
    centred on it (edges repeated), so relations between neighbouring frames — the stick arriving,
    stopping, leaving — become the feature of step ``t``. A linear head on them gives per-step event
    logits (its training signal; the class is the GAN's own input).

    ``forward(frames [B, T, S, S, 3])`` → ``[B, T, dim]``; ``event_logits(f)`` → ``[B, T]``.

    Notebook: 21_2021_foleygan
    """

    def __init__(self, *, width: int = 16, feat: int = 32, dim: int = 32, hidden: int = 48,
                 window: int = 3):
        super().__init__()
        if window < 2 or window % 2 == 0:
            raise ValueError(f"window must be an odd number >= 3 of frames, got {window!r}")
        self.window, self.dim = int(window), int(dim)
        self.cnn = _m16.FrameCNN(width, feat)
        # each frame enters as its features and their change from the previous frame (motion)
        self.trn = _m16.MultiScaleTRN(2 * feat, n_frames=window, hidden=hidden, out_dim=dim)
        self.event = nn.Linear(dim, 1)

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        f = self.cnn(frames)                                             # [B, T, F]
        f = torch.cat([f, torch.cat([torch.zeros_like(f[:, :1]), f[:, 1:] - f[:, :-1]], 1)], -1)
        B, T, Fd = f.shape
        r = self.window // 2
        padded = torch.cat([f[:, :1].expand(B, r, Fd), f, f[:, -1:].expand(B, r, Fd)], 1)
        win = padded.unfold(1, self.window, 1).permute(0, 1, 3, 2)       # [B, T, window, F]
        return self.trn(win.reshape(B * T, self.window, Fd)).reshape(B, T, self.dim)

    def event_logits(self, f: torch.Tensor) -> torch.Tensor:
        return self.event(f)[..., 0]


def _digest(*arrays: torch.Tensor) -> str:
    """A short hash of the training arrays (part of a checkpoint's key: other features, other GAN)."""
    h = hashlib.blake2b(digest_size=8)
    for a in arrays:
        h.update(np.ascontiguousarray(a.numpy()).tobytes())
    return h.hexdigest()


def _batches(n: int, batch: int, seed: int, key: str):
    def draw(step: int) -> torch.Tensor:
        g = torch.Generator().manual_seed(int(seed) * 1_000_003 + step * 7919 + sum(map(ord, key)))
        return torch.randint(0, n, (batch,), generator=g)
    return draw


def train_visual(data, *, seed: int, steps: int, batch: int, lr: float, device="cpu", **kw):
    """Train :class:`TemporalVisual` on the training clips (per-step event BCE, positives weighted by
    their rarity), checkpointed. ``data``: notebook 16's ``Data``. Returns
    ``(model, history)``; the model is in eval mode on CPU.

    Notebook: 21_2021_foleygan
    """
    frames, contact = torch.as_tensor(data.frames), torch.as_tensor(data.contact)
    model = _train.build_seeded(seed, lambda: TemporalVisual(**kw))
    pos_w = torch.tensor(float((1 - data.contact.mean()) / max(data.contact.mean(), 1e-3)))

    def loss(m, idx):
        return F.binary_cross_entropy_with_logits(m.event_logits(m(frames[idx].to(device))), contact[idx].to(device),
                                                  pos_weight=pos_w.to(device))

    hist = _train.fit(model, _batches(len(data), batch, seed, "visual"), loss, steps=steps, lr=lr, device=device,
                      name="m21-visual", config={"seed": seed, "batch": batch, "n": len(data), **kw},
                      progress=False)
    return model.to("cpu").eval(), hist


@torch.no_grad()
def visual_features(model: TemporalVisual, frames: np.ndarray, batch_size: int = 128) -> np.ndarray:
    """Frozen per-step features ``[N, T, dim]`` (float32) of clips ``[N, T, S, S, 3]``.

    Notebook: 21_2021_foleygan
    """
    model.eval()
    return torch.cat([model(torch.as_tensor(frames[i:i + batch_size]))
                      for i in range(0, len(frames), batch_size)]).numpy()


def condition(feats: np.ndarray, kind: str) -> np.ndarray:
    """The visual input of each GAN from per-step features ``[N, T, D]``: ``"temporal"`` as they
    are, ``"pooled"`` their mean over steps repeated at every step, ``"class"`` zeros (same shape:
    the three generators have the same layers).

    Notebook: 21_2021_foleygan
    """
    f = np.asarray(feats, np.float32)
    if f.ndim != 3:
        raise ValueError(f"features must be [N, T, D], got shape {f.shape}")
    if kind == "temporal":
        return f
    if kind == "pooled":
        return np.repeat(f.mean(1, keepdims=True), f.shape[1], axis=1)
    if kind == "class":
        return np.zeros_like(f)
    raise ValueError(f"condition must be one of {CONDITIONS}, got {kind!r}")


# ----------------------------------------------------------------------------------- GAN
class CondBatchNorm1d(nn.Module):
    """Class-conditional batch norm (de Vries et al. 2017; BigGAN): ``BN(x) · γ_y + β_y`` with
    ``γ``, ``β`` looked up per class (``γ`` starts at 1, ``β`` at 0). ``forward(x [B, C, L], y [B])``.

    Notebook: 21_2021_foleygan
    """

    def __init__(self, channels: int, n_classes: int):
        super().__init__()
        self.bn = nn.BatchNorm1d(channels, affine=False)
        self.gain = nn.Embedding(n_classes, channels)
        self.bias = nn.Embedding(n_classes, channels)
        nn.init.ones_(self.gain.weight)
        nn.init.zeros_(self.bias.weight)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.bn(x) * self.gain(y)[:, :, None] + self.bias(y)[:, :, None]


class _GBlock(nn.Module):
    def __init__(self, ch: int, n_classes: int, vis_dim: int):
        super().__init__()
        self.bn = CondBatchNorm1d(ch, n_classes)
        self.conv = nn.Conv1d(ch, ch, 5, padding=2)
        self.film = nn.Conv1d(vis_dim, 2 * ch, 1)

    def forward(self, h, y, v):
        h = F.interpolate(torch.relu(self.bn(h, y)), scale_factor=2, mode="nearest")
        h = self.conv(h)
        g, b = self.film(F.interpolate(v, size=h.shape[-1], mode="nearest")).chunk(2, 1)
        return h * (1 + g) + b


class Generator(nn.Module):
    """FoleyGAN's generator at laptop scale.

    ``z [B, z_dim]`` → linear → ``[ch, T]`` (one column per video frame) plus a projection of the
    visual input ``v [B, T, vis_dim]``; three blocks (class-conditional BN → ReLU → ×2 nearest
    upsampling → conv k=5 → FiLM by the visual input at that rate); linear interpolation to the mel's
    ``n_frames``; class-conditional BN → ReLU → conv → sigmoid: a normalised log-mel
    ``[B, n_mels, n_frames]`` in [0, 1].

    Notebook: 21_2021_foleygan
    """

    def __init__(self, n_classes: int, vis_dim: int, *, n_frames: int, T: int = 16, z_dim: int = 32, ch: int = 48,
                 n_mels: int = MEL["n_mels"], blocks: int = 3):
        super().__init__()
        self.T, self.z_dim, self.ch, self.n_frames = int(T), int(z_dim), int(ch), int(n_frames)
        self.fc = nn.Linear(z_dim, ch * T)
        self.vin = nn.Conv1d(vis_dim, ch, 1)
        self.blocks = nn.ModuleList([_GBlock(ch, n_classes, vis_dim) for _ in range(blocks)])
        self.bn_out = CondBatchNorm1d(ch, n_classes)
        self.out = nn.Conv1d(ch, n_mels, 3, padding=1)

    def sample_z(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return torch.randn(n, self.z_dim, generator=generator)

    def forward(self, z: torch.Tensor, y: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        v = v.transpose(1, 2)                                            # [B, D, T]
        h = self.fc(z).view(-1, self.ch, self.T) + self.vin(v)
        for blk in self.blocks:
            h = blk(h, y, v)
        h = F.interpolate(h, size=self.n_frames, mode="linear", align_corners=False)
        return torch.sigmoid(self.out(torch.relu(self.bn_out(h, y))))


class Discriminator(nn.Module):
    """Projection discriminator over time, spectrally normalised (Miyato & Koyama 2018; BigGAN).

    Four stride-2 convolutions over the mel's time axis (bands as channels, LeakyReLU) give
    features ``h_t`` at about the video rate; per column ``t`` the score is
    ``ψ(h_t) + ⟨e_y, h_t⟩ + ⟨W v_t, h_t⟩`` (class embedding ``e_y`` and the visual input at that
    column, both projected onto the features). ``forward(mel [B, n_mels, L], y [B], v [B, T, D])`` →
    ``[B, L']`` scores (a temporal PatchGAN: the hinge loss averages them).

    Notebook: 21_2021_foleygan
    """

    def __init__(self, n_classes: int, vis_dim: int, *, ch: int = 48, n_mels: int = MEL["n_mels"]):
        super().__init__()
        sn = spectral_norm
        self.body = nn.Sequential(sn(nn.Conv1d(n_mels, ch, 5, 2, 2)), nn.LeakyReLU(0.2),
                                  sn(nn.Conv1d(ch, ch, 5, 2, 2)), nn.LeakyReLU(0.2),
                                  sn(nn.Conv1d(ch, ch, 5, 2, 2)), nn.LeakyReLU(0.2),
                                  sn(nn.Conv1d(ch, ch, 3, 2, 1)), nn.LeakyReLU(0.2))
        # the read-out and the projections are not normalised: with every layer 1-Lipschitz the scores
        # of a four-layer critic stay near 0, and the hinge's margins of ±1 are never reached
        self.psi = nn.Conv1d(ch, 1, 1)
        self.embed = nn.Embedding(n_classes, ch)
        self.vproj = nn.Conv1d(vis_dim, ch, 1)

    def forward(self, mel: torch.Tensor, y: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        h = self.body(mel * 2.0 - 1.0)                                   # [B, ch, L'], input in [-1, 1]
        vv = self.vproj(F.interpolate(v.transpose(1, 2), size=h.shape[-1], mode="nearest"))
        return self.psi(h)[:, 0] + (h * (self.embed(y)[:, :, None] + vv)).sum(1)


def hinge_d_loss(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """The discriminator's hinge loss ``E[max(0, 1 − D(x))] + E[max(0, 1 + D(G(z)))]`` over all scores.

    Notebook: 21_2021_foleygan
    """
    return F.relu(1.0 - real).mean() + F.relu(1.0 + fake).mean()


def hinge_g_loss(fake: torch.Tensor) -> torch.Tensor:
    """The generator's hinge loss ``−E[D(G(z))]``.

    Notebook: 21_2021_foleygan
    """
    return -fake.mean()


def train_gan(kind: str, data, feats: np.ndarray, *, seed: int, steps: int, batch: int, lr_g: float = 2e-4,
              lr_d: float = 4e-4, n_classes: int, device="cpu", **kw):
    """Train one GAN (:data:`CONDITIONS` ``kind``) with the hinge loss (Adam β = (0, 0.999), BigGAN's
    two time-scale rates), checkpointed. ``data``: notebook 16's ``Data`` (mels, labels); ``feats``:
    the frozen per-step visual features ``[N, T, D]`` of the same clips. The batches, the noise and
    the initial weights are the same for every ``kind``. Returns ``(G, D, history)``.

    Notebook: 21_2021_foleygan
    """
    if kind not in CONDITIONS:
        raise ValueError(f"kind must be one of {CONDITIONS}, got {kind!r}")
    mel = torch.as_tensor(data.mel)
    labels = torch.as_tensor(data.labels)
    vis = torch.as_tensor(condition(feats, kind))
    T, D = vis.shape[1:]
    G = _train.build_seeded(seed, lambda: Generator(n_classes, D, n_frames=mel.shape[2], T=T, **kw))
    Dn = _train.build_seeded(seed + 1, lambda: Discriminator(n_classes, D, ch=G.ch))
    draw = _batches(len(labels), batch, seed, "gan")
    noise = torch.Generator().manual_seed(int(seed) + 2021)

    def batches(step: int):
        idx = draw(step)
        return mel[idx], labels[idx], vis[idx], G.sample_z(len(idx), noise)

    def d_loss(g, d, b):
        x, y, v, z = b
        with torch.no_grad():
            fake = g(z, y, v)
        return hinge_d_loss(d(x, y, v), d(fake, y, v))

    def g_loss(g, d, b):
        _, y, v, z = b
        return hinge_g_loss(d(g(z, y, v), y, v))

    hist = _train.fit_gan(G, Dn, batches, d_loss, g_loss, steps=steps, lr_g=lr_g, lr_d=lr_d, betas=(0.0, 0.999),
                          device=device, name=f"m21-gan-{kind}",
                          config={"seed": seed, "batch": batch, "n": len(labels), "kind": kind, "data": _digest(mel, vis),
                                  **kw}, progress=False)
    return G.to("cpu").eval(), Dn.to("cpu").eval(), hist


@torch.no_grad()
def generate(G: Generator, labels: np.ndarray, vis: np.ndarray, *, seed: int, batch_size: int = 256) -> np.ndarray:
    """Mels ``[N, n_mels, n_frames]`` for classes ``[N]`` and visual inputs ``[N, T, D]``, one noise
    draw per clip from ``seed`` (the same noise for every generator).

    Notebook: 21_2021_foleygan
    """
    G.eval()
    z = G.sample_z(len(labels), torch.Generator().manual_seed(int(seed)))
    y, v = torch.as_tensor(np.asarray(labels, np.int64)), torch.as_tensor(np.asarray(vis, np.float32))
    return torch.cat([G(z[i:i + batch_size], y[i:i + batch_size], v[i:i + batch_size])
                      for i in range(0, len(y), batch_size)]).numpy()


# ----------------------------------------------------------------------------------- metrics
class MelJudge(nn.Module):
    """A small class judge on the normalised mel itself (no vocoder between the GAN and the judge):
    three stride-2 1-D convolutions over time (bands as channels), a mean over time, a linear head.
    ``forward(mel [B, n_mels, L])`` → class logits ``[B, n_classes]``.

    Notebook: 21_2021_foleygan
    """

    def __init__(self, n_classes: int, *, ch: int = 48, n_mels: int = MEL["n_mels"]):
        super().__init__()
        self.net = nn.Sequential(nn.Conv1d(n_mels, ch, 5, 2, 2), nn.ReLU(), nn.Conv1d(ch, ch, 5, 2, 2), nn.ReLU(),
                                 nn.Conv1d(ch, ch, 5, 2, 2), nn.ReLU())
        self.head = nn.Linear(ch, n_classes)

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        return self.head(self.net(mel * 2.0 - 1.0).mean(-1))


def train_mel_judge(data, *, seed: int, steps: int, batch: int, lr: float, n_classes: int, device="cpu"):
    """Train :class:`MelJudge` on real mels and labels (cross-entropy), checkpointed; returns it
    (eval mode, CPU). Test it on real held-out mels before trusting it on generated ones.

    Notebook: 21_2021_foleygan
    """
    mel, labels = torch.as_tensor(data.mel), torch.as_tensor(data.labels)
    model = _train.build_seeded(seed + 3, lambda: MelJudge(n_classes))

    def loss(m, idx):
        return F.cross_entropy(m(mel[idx].to(device)), labels[idx].to(device))

    _train.fit(model, _batches(len(labels), batch, seed, "mel-judge"), loss, steps=steps, lr=lr, device=device,
               name="m21-mel-judge", config={"seed": seed, "batch": batch, "n": len(labels), "data": _digest(mel, labels)},
               progress=False)
    return model.to("cpu").eval()


@torch.no_grad()
def judge_mels(judge: MelJudge, mel: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Class probabilities ``[N, C]`` (float64) of mels ``[N, n_mels, L]``.

    Notebook: 21_2021_foleygan
    """
    judge.eval()
    out = [torch.softmax(judge(torch.as_tensor(mel[i:i + batch_size])), -1) for i in range(0, len(mel), batch_size)]
    return torch.cat(out).double().numpy()


def onset_per_clip(mel: np.ndarray, times: Sequence, tol_s: float = 0.1) -> dict[str, np.ndarray]:
    """Per clip, the onset metrics of :mod:`foley_nb_utils.metrics.onsets` of a mel's onsets (read
    from its spectral flux, :func:`foley_nb_utils.methods.m15_regnet.mel_onsets`) against the true
    event times: ``onset_ap`` (strict AP: misses count; NaN for a clip without an event),
    ``onset_acc`` (1 when the number of onsets equals the number of events), ``detection``.

    Notebook: 21_2021_foleygan
    """
    scored = _m15.mel_onsets(mel)
    pred = [s[0] for s in scored]
    sc = _onsets.onset_scores(times, pred, [s[1] for s in scored], tol_s, per_clip=True)
    acc = np.array([float(len(p) == len(t)) for p, t in zip(pred, times)])
    return {"onset_ap": sc["per_clip"]["onset_ap_strict"], "onset_acc": acc,
            "detection": sc["per_clip"]["detection_acc"]}


def sync_in_time(offset_probs: np.ndarray, max_shift: int, within: int = 1) -> np.ndarray:
    """Per clip, the sync judge's probability that the sound is in time: its posterior mass on
    offsets within ``within`` judge frames of 0 (columns ``max_shift ± within``).

    Notebook: 21_2021_foleygan
    """
    p = np.asarray(offset_probs, np.float64)
    if p.ndim != 2 or p.shape[1] != 2 * max_shift + 1:
        raise ValueError(f"offset_probs must be [N, {2 * max_shift + 1}], got shape {p.shape}")
    return p[:, max_shift - within:max_shift + within + 1].sum(1)
