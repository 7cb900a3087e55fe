"""RegNet (Chen et al., IEEE TIP 2020): video → spectrogram with an audio forwarding regularizer.

Real soundtracks hold sounds made *off screen* that no frame can predict. A generator trained to
reproduce them from video learns to hallucinate them — on average, as a haze of background sound
smeared over every clip. RegNet's **audio forwarding regularizer (AFR)** feeds the generator, in
training only, a *bottlenecked* code of the real sound, so that the code can explain what the
video cannot; at test time the code is **zeroed** and the output depends on the video alone.

Pieces, at laptop scale (widths follow ``PeihaoChen/regnet:model.py`` scaled down):

- :func:`visual_features` — frozen per-frame appearance + motion descriptors (stand-ins for the
  paper's BN-Inception RGB + optical-flow features), one vector per video frame;
- :class:`RegNetG` — visual encoder (noise z, two Conv1d + BiLSTM), the AFR (a BiGRU over the mel
  at the video rate; ``"last"`` keeps its final states, the shipped ``lstm_last``; ``"sample"``
  keeps its output every few frames, time-resolved), and a decoder that upsamples 4× in time
  (two transposed convolutions, as the paper's 215 → 860) with a Tacotron-2-style postnet;
- :class:`RegNetD` — the visually conditioned, time-patch discriminator;
- :func:`train_variant` — MSE(post) + MSE(pre) × λ, plus the GAN term when a discriminator is used;
- :func:`evaluate` — onset AP against the on-screen events, hallucinated background (energy the
  output has beyond the on-screen sound, known exactly on the synthetic world), mel error,
  sharpness and the "which is real?" discriminator.

Notebook: 15_2020_regnet
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .. import train as _train
from ..metrics import features as _features
from ..metrics import onsets as _onsets
from ..metrics import realfake as _realfake
from .m09_visual_to_sound import visual_features as _m09_visual_features

#: Mel frames per video frame (the paper's 860 / 215).
UP = 4
#: Spectrogram settings (quick): 11,025 Hz, hop 128 → 86.1 frames/s = 4 × 21.5 fps, as the paper's
#: 22,050 Hz with hop 256. ``fmin``/``fmax`` follow the paper's 125 Hz – 7.6 kHz within our Nyquist.
MEL = dict(sr=11025, n_fft=512, hop=128, n_mels=40, fmin=60.0, fmax=5000.0)
FPS = 21.5


#: The off-screen sounds of the notebook's world: a chance of 80 % per clip, a chirp or a hum.
OFFSCREEN = dict(distractor_prob=0.8, distractor_kinds=("chirp", "hum"))
#: The notebook's name of RegNet itself among :func:`default_variants`.
REGNET = "RegNet (AFR 32 + D)"


def settings(profile: str):
    """The notebook's settings of a profile (``quick``: 400 training clips, 200 steps; ``full``: one GPU).

    Notebook: 15_2020_regnet
    """
    from .. import repro

    return repro.pick(profile,
                      quick=dict(n_train=400, n_test=300, world=dict(size=32, max_events=3, camera_jitter=False),
                                 hidden=32, steps=200, batch=16, crop=16, lr=2e-3, grid=4, threads=1),
                      full=dict(n_train=4000, n_test=600, world=dict(size=64, max_events=3, camera_jitter=True),
                                hidden=256, steps=4000, batch=32, crop=43, lr=5e-4, grid=8, threads=0))


# ----------------------------------------------------------------------------------- data
def load_clips(n_train: int, n_test: int, seed: int, data_dir=None, *, size: int = 32, clip_s: float = 2.0,
               sr: int = MEL["sr"], fps: float = FPS, **world: Any):
    """Training and test clips: the synthetic ``hits`` world with off-screen sounds, or real data.

    Synthetic (``data_dir`` None): ``n_train + n_test`` clips of
    :func:`foley_nb_utils.synth.hits.generate` (``world`` overrides, e.g. ``distractor_prob``),
    always with ``offscreen_track=True`` so that the on-screen sound is known; the first
    ``n_train`` train, the rest test (every clip is an independent draw of the world).
    Real: a VAS / VEGAS tree of class folders of mp4 (RegNet's data, read by
    :func:`foley_nb_utils.datasets.class_folders.load`) or a Greatest Hits folder (one with
    ``*_times.txt``, read by :func:`foley_nb_utils.datasets.greatest_hits.load`), cut into
    ``clip_s``-second clips (at most ``n_train`` / ``n_test``).

    Returns:
        ``(train, test)`` :class:`~foley_nb_utils.clips.SceneBatch` es.

    Notebook: 15_2020_regnet
    """
    for name, v in (("n_train", n_train), ("n_test", n_test)):
        if int(v) < 1:
            raise ValueError(f"{name} must be >= 1, got {v}")
    if data_dir is None:
        from ..synth import hits

        batch = hits.generate(int(n_train) + int(n_test), seed=seed, size=size, fps=fps, duration_s=clip_s, sr=sr,
                              offscreen_track=True, **world)
        idx = np.arange(len(batch))
        return batch.subset(idx[:n_train]), batch.subset(idx[n_train:])
    root = Path(data_dir)
    if not root.exists():
        raise FileNotFoundError(f"DATA_DIR {root} does not exist")
    kw = dict(fps=fps, size=size, sr=sr, clip_s=clip_s)
    if any(root.rglob("*_times.txt")):
        from ..datasets import greatest_hits

        return (greatest_hits.load(root, "train", max_clips=int(n_train), **kw),
                greatest_hits.load(root, "test", max_clips=int(n_test), **kw))
    from ..datasets import class_folders

    tr, te = class_folders.load(root, "train", **kw), class_folders.load(root, "test", **kw)
    return tr.subset(np.arange(min(len(tr), n_train))), te.subset(np.arange(min(len(te), n_test)))


def mel_unit(audio, sr: int = MEL["sr"], n_frames: int | None = None) -> np.ndarray:
    """RegNet's normalised log-mel: dB → ``clip((dB + 100) / 100, 0, 1)``.

    Args:
        audio: ``[N, n]`` waveforms at ``sr``.
        n_frames: keep the first ``n_frames`` mel frames (the paper keeps exactly 4 per video frame).

    Returns:
        float32 ``[N, n_mels, frames]`` in [0, 1] (0 = -100 dB, 1 = 0 dB re full scale).

    Notebook: 15_2020_regnet
    """
    if int(sr) != MEL["sr"]:
        raise ValueError(f"mel_unit works at {MEL['sr']} Hz, got sr={sr}")
    db = _features.log_mel_batch(audio, int(sr), n_mels=MEL["n_mels"], n_fft=MEL["n_fft"], hop=MEL["hop"],
                                 fmin=MEL["fmin"], fmax=MEL["fmax"], top_db=None).numpy()
    u = np.clip((db + 100.0) / 100.0, 0.0, 1.0).astype(np.float32)
    return u[..., :n_frames] if n_frames else u


def visual_features(frames: np.ndarray, n_fit: int, grid: int = 8) -> np.ndarray:
    """Frozen per-frame features: pooled RGB (appearance) and pooled frame differences (motion),
    standardised with the training clips' statistics; the paper's RGB + flow BN-Inception
    features concatenated, here ``[N, T, 4 * grid**2]``.

    Notebook: 15_2020_regnet
    """
    app, mot = _m09_visual_features(frames, grid=grid, n_fit=n_fit)
    return np.concatenate([app, mot], axis=-1)


@dataclass
class Data:
    """Everything the models and metrics need, as arrays.

    Attributes:
        vis: float32 ``[N, T, F]`` visual features (T video frames).
        mel: float32 ``[N, n_mels, 4T]`` the real sound's normalised mel (the training target).
        clean: float32 ``[N, n_mels, 4T]`` the on-screen sound's mel (synthetic world: the sound
            without its off-screen part; real data: ``mel``).
        audio: float32 ``[N, n]`` real waveforms; ``onscreen_audio`` the on-screen part.
        times: per clip, the on-screen event onsets in s (real data: onsets detected in ``audio``).
        offscreen: per clip, ``(start_s, end_s)`` of its off-screen sound, or None.
        exact: True when ``clean`` and ``times`` are the exact truth (synthetic world).
    """

    vis: np.ndarray
    mel: np.ndarray
    clean: np.ndarray
    audio: np.ndarray
    onscreen_audio: np.ndarray
    times: list
    offscreen: list
    exact: bool
    sr: int = MEL["sr"]
    fps: float = FPS

    def __len__(self) -> int:
        return len(self.vis)

    @property
    def has_offscreen(self) -> np.ndarray:
        return np.array([o is not None for o in self.offscreen])


def prepare(train, test, grid: int = 8) -> tuple[Data, Data]:
    """Features and targets of the training and test clips (visual features standardised on train).

    Notebook: 15_2020_regnet
    """
    if train.sr != MEL["sr"] or test.sr != MEL["sr"]:
        raise ValueError(f"clips must be at {MEL['sr']} Hz, got {train.sr} and {test.sr}")
    T = train.frames.shape[1]
    if test.frames.shape[1] != T:
        raise ValueError(f"train and test clips differ in length: {T} vs {test.frames.shape[1]} frames")
    n_mel = UP * T
    have = 1 + train.audio.shape[1] // MEL["hop"]
    if have < n_mel:
        raise ValueError(f"{train.audio.shape[1]} samples give {have} mel frames, fewer than {UP} x {T} video frames: "
                         f"the video's fps must be at most sr / hop / {UP} = {MEL['sr'] / MEL['hop'] / UP:.2f}")
    vis = visual_features(np.concatenate([train.frames, test.frames]), n_fit=len(train), grid=grid)
    out = []
    for k, b in enumerate((train, test)):
        exact = "offscreen" in b.extra
        on = (b.audio - b.extra["offscreen"]) if exact else b.audio
        mel = mel_unit(b.audio, b.sr, n_mel)
        clean = mel_unit(on, b.sr, n_mel) if exact else mel
        if exact:
            times = [np.array([e.time_s for e in ev if e.visible]) for ev in b.events]
            off = [next(((e.time_s, e.end_s) for e in ev if not e.visible), None) for ev in b.events]
        else:
            times = [t for t, _ in _onsets.scored_onsets_batch(b.audio, b.sr)]
            off = [None] * len(b)
        v = vis[:len(train)] if k == 0 else vis[len(train):]
        out.append(Data(v, mel, clean, b.audio.astype(np.float32), on.astype(np.float32), times, off, exact,
                        b.sr, b.fps))
    return out[0], out[1]


# ----------------------------------------------------------------------------------- models
def _conv_bn(cin: int, cout: int, k: int = 5) -> nn.Sequential:
    return nn.Sequential(nn.Conv1d(cin, cout, k, padding=k // 2), nn.BatchNorm1d(cout), nn.ReLU())


class AFR(nn.Module):
    """The audio forwarding regularizer: the real mel → a bottleneck code per video frame.

    The mel ``[B, n_mels, 4T]`` is average-pooled to the video rate and read by a BiGRU;
    ``kind="last"`` projects its final states to ``dim`` numbers and repeats them over the T
    frames (the shipped ``lstm_last``: *what* is there, only coarsely *when*); ``kind="sample"``
    projects its outputs every ``every`` frames and holds each for ``every`` frames (the
    ``lstm_sample`` "down-sample & up-sample": time-resolved, so far wider).

    Notebook: 15_2020_regnet
    """

    def __init__(self, n_mels: int, dim: int, kind: str = "last", hidden: int = 16, every: int = 4):
        super().__init__()
        if kind not in ("last", "sample"):
            raise ValueError(f"AFR kind must be 'last' or 'sample', got {kind!r}")
        if int(dim) < 1 or int(every) < 1:
            raise ValueError(f"AFR dim and every must be >= 1, got {dim}, {every}")
        self.kind, self.dim, self.every = kind, int(dim), int(every)
        self.rnn = nn.GRU(n_mels, hidden, batch_first=True, bidirectional=True)
        self.proj = nn.Linear(2 * hidden, self.dim)

    def forward(self, mel: torch.Tensor, T: int) -> torch.Tensor:
        """``mel [B, n_mels, 4T]`` → code ``[B, dim, T]``."""
        x = F.avg_pool1d(mel, UP).transpose(1, 2)                     # [B, T, n_mels]
        out, h = self.rnn(x)
        if self.kind == "last":
            code = self.proj(torch.cat([h[0], h[1]], dim=-1))          # [B, dim]
            return code[:, :, None].expand(-1, -1, T)
        code = self.proj(out[:, self.every - 1::self.every])           # [B, T/every, dim]
        code = code.repeat_interleave(self.every, dim=1)[:, :T]
        if code.shape[1] < T:
            code = torch.cat([code, code[:, -1:].expand(-1, T - code.shape[1], -1)], dim=1)
        return code.transpose(1, 2)


class RegNetG(nn.Module):
    """RegNet's generator: visual features (+ noise, + AFR code) → normalised mel.

    Args:
        vis_dim: feature size per video frame; n_mels: mel bands.
        hidden: encoder/decoder width (the paper: 2048 conv, 2×512 BiLSTM, 1024 out, 512 decoder).
        z_dim: Gaussian noise size, broadcast over time (the paper: 512).
        aux_dim: AFR bottleneck width (0: no AFR; the paper ships 32); aux_kind ``"last"`` or
            ``"sample"`` (see :class:`AFR`), aux_every: its sampling period in video frames.
        postnet: add the Tacotron-2-style residual postnet (5 Conv1d, tanh).

    ``forward(vis [B, T, F], mel [B, n_mels, 4T] or None, aux_zero=...)`` returns
    ``(mel_post, mel_pre)``, both ``[B, n_mels, 4T]``. As in the original code, the AFR code is
    *zeroed*, not removed, at test time (``aux_zero=True``, or ``mel=None``); ``code=`` feeds a
    given code instead.

    Notebook: 15_2020_regnet
    """

    def __init__(self, vis_dim: int, n_mels: int = MEL["n_mels"], hidden: int = 32, z_dim: int = 8,
                 aux_dim: int = 32, aux_kind: str = "last", aux_every: int = 4, postnet: bool = True):
        super().__init__()
        self.z_dim, self.aux_dim, self.n_mels = int(z_dim), int(aux_dim), int(n_mels)
        self.enc = nn.Sequential(_conv_bn(vis_dim + self.z_dim, hidden), _conv_bn(hidden, hidden))
        self.lstm = nn.LSTM(hidden, hidden // 2, batch_first=True, bidirectional=True)
        self.enc_out = nn.Linear(hidden, hidden)
        self.afr = AFR(n_mels, aux_dim, aux_kind, every=aux_every) if aux_dim else None
        c = hidden + self.aux_dim
        self.dec = nn.Sequential(
            nn.ConvTranspose1d(c, hidden, 4, 2, 1), nn.BatchNorm1d(hidden), nn.ReLU(),
            _conv_bn(hidden, hidden),
            nn.ConvTranspose1d(hidden, n_mels, 4, 2, 1), nn.BatchNorm1d(n_mels), nn.ReLU(),
            nn.Conv1d(n_mels, n_mels, 5, padding=2))
        self.postnet = nn.Sequential(
            nn.Conv1d(n_mels, hidden, 5, padding=2), nn.BatchNorm1d(hidden), nn.Tanh(),
            nn.Conv1d(hidden, hidden, 5, padding=2), nn.BatchNorm1d(hidden), nn.Tanh(),
            nn.Conv1d(hidden, n_mels, 5, padding=2)) if postnet else None

    def encode(self, vis: torch.Tensor, generator: torch.Generator | None = None,
               z: torch.Tensor | None = None) -> torch.Tensor:
        """``[B, T, F]`` → ``[B, hidden, T]`` (noise ``z [B, z_dim]``, else drawn from ``generator``)."""
        B, T, _ = vis.shape
        x = vis
        if self.z_dim:
            if z is None:
                z = torch.randn(B, self.z_dim, generator=generator, device=vis.device)
            x = torch.cat([vis, z[:, None, :].expand(-1, T, -1)], dim=-1)
        h = self.enc(x.transpose(1, 2)).transpose(1, 2)
        h, _ = self.lstm(h)
        return self.enc_out(h).transpose(1, 2)

    def forward(self, vis: torch.Tensor, mel: torch.Tensor | None = None, *, aux_zero: bool = False,
                generator: torch.Generator | None = None, z: torch.Tensor | None = None,
                code: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.encode(vis, generator, z)
        T = h.shape[-1]
        if self.afr is not None:
            if code is not None:                 # a given code [B, aux_dim, T] (e.g. the training codes' mean)
                if tuple(code.shape) != (h.shape[0], self.aux_dim, T):
                    raise ValueError(f"code must be [{h.shape[0]}, {self.aux_dim}, {T}], got {tuple(code.shape)}")
            elif mel is None or aux_zero:
                code = h.new_zeros(h.shape[0], self.aux_dim, T)
            else:
                code = self.afr(mel, T)
            h = torch.cat([h, code], dim=1)
        pre = self.dec(h)
        post = pre + self.postnet(pre) if self.postnet is not None else pre
        return post, pre


class RegNetD(nn.Module):
    """The visually conditioned discriminator: is this (video, spectrogram) pair real, over time?

    The visual features are upsampled 4× by two transposed convolutions, the mel mapped by a
    1×1 convolution; the two are concatenated and judged by Conv1d layers into one logit per
    patch of time (the paper ends with a sigmoid; we return logits for a stable BCE).

    Notebook: 15_2020_regnet
    """

    def __init__(self, vis_dim: int, n_mels: int = MEL["n_mels"], hidden: int = 32):
        super().__init__()
        self.vis = nn.Sequential(nn.ConvTranspose1d(vis_dim, hidden, 4, 2, 1), nn.LeakyReLU(0.2),
                                 nn.ConvTranspose1d(hidden, hidden // 2, 4, 2, 1), nn.LeakyReLU(0.2))
        self.mel = nn.Conv1d(n_mels, hidden // 2, 1)
        self.body = nn.Sequential(nn.Conv1d(hidden, hidden, 5, 2, 2), nn.LeakyReLU(0.2),
                                  nn.Conv1d(hidden, 2 * hidden, 5, 2, 2), nn.LeakyReLU(0.2),
                                  nn.Conv1d(2 * hidden, 1, 5, 1, 2))

    def forward(self, vis: torch.Tensor, mel: torch.Tensor) -> torch.Tensor:
        """``vis [B, T, F]``, ``mel [B, n_mels, 4T]`` → logits ``[B, 1, ~T]``."""
        v = self.vis(vis.transpose(1, 2))[..., :mel.shape[-1]]
        return self.body(torch.cat([v, self.mel(mel)], dim=1))


# ----------------------------------------------------------------------------------- training
@dataclass(frozen=True)
class Variant:
    """One model of the study: AFR width/kind and whether a discriminator is used."""

    name: str
    aux_dim: int = 32
    aux_kind: str = "last"
    gan: bool = False


def default_variants() -> list[Variant]:
    """The bottleneck sweep (no AFR, 2, 32 = the paper's, time-resolved 32 every 4 frames),
    all trained by regression, and RegNet itself (AFR 32 + the visual discriminator).

    Notebook: 15_2020_regnet
    """
    return [Variant("no AFR", 0), Variant("AFR 2", 2), Variant("AFR 32", 32),
            Variant("AFR 32, time-resolved", 32, "sample"), Variant("RegNet (AFR 32 + D)", 32, "last", True)]


def batches(data: Data, batch_size: int, seed: int, z_dim: int = 8, crop: int | None = None):
    """``step -> (vis, mel, z)``: random batches and noise, the same for every variant (seeded by
    ``seed``; nothing is drawn from torch's global generator, so variants can train side by side).
    ``crop``: train on windows of ``crop`` video frames (and their ``4 crop`` mel frames), one
    random start per batch (None: whole clips).

    Notebook: 15_2020_regnet
    """
    vis, mel = torch.from_numpy(data.vis), torch.from_numpy(data.mel)
    n, T = len(data), data.vis.shape[1]
    if crop is not None and not 1 <= int(crop) <= T:
        raise ValueError(f"crop must be in 1..{T} video frames, got {crop}")
    c = T if crop is None else int(crop)

    def get(step: int):
        r = np.random.default_rng([seed, step])
        idx = r.choice(n, size=min(batch_size, n), replace=False)
        z = torch.from_numpy(r.standard_normal((len(idx), z_dim)).astype(np.float32))
        f0 = int(r.integers(T - c + 1))
        return vis[idx, f0:f0 + c], mel[idx, :, UP * f0:UP * (f0 + c)], z
    return get


def g_loss_terms(G: RegNetG, vis: torch.Tensor, mel: torch.Tensor, z: torch.Tensor, lam: float):
    """The reconstruction part of the generator loss: λ [MSE(post) + MSE(pre)], and the output."""
    post, pre = G(vis, mel, z=z)
    return lam * (F.mse_loss(post, mel) + F.mse_loss(pre, mel)), post


def train_variant(v: Variant, train: Data, *, seed: int, steps: int, batch_size: int = 32, lr: float = 2e-3,
                  hidden: int = 32, z_dim: int = 8, lam: float = 1e4, d_hidden: int = 32, crop: int | None = None,
                  device="cpu",
                  progress: bool = False, checkpoint: bool = True) -> tuple[RegNetG, dict]:
    """Train one variant (same initial encoder weights and batches for all: seeded by ``seed``).

    Regression variants minimise λ [MSE(post) + MSE(pre)] (λ = 10,000 as the paper, so the GAN
    term is a small addition); the GAN variant adds the BCE GAN loss of :class:`RegNetD` on
    (video, mel) pairs with Adam β = (0.5, 0.999), D updated every step, as the paper.

    Returns:
        ``(G, history)`` with ``history["loss"]`` the reconstruction loss per step.

    Notebook: 15_2020_regnet
    """
    vis_dim = train.vis.shape[-1]
    build = lambda: RegNetG(vis_dim, train.mel.shape[1], hidden, z_dim, v.aux_dim, v.aux_kind)  # noqa: E731
    G = _train.build_seeded(seed, build)
    data = batches(train, batch_size, seed, z_dim, crop)
    cfg = dict(variant=v.name, aux=v.aux_dim, kind=v.aux_kind, gan=v.gan, seed=seed, batch=batch_size, lam=lam,
               crop=crop, hidden=hidden, z=z_dim, d_hidden=d_hidden,
               n=len(train), data=float(np.round(train.mel.mean(), 6)))
    name = "m15_" + v.name.replace(" ", "_").replace(",", "").replace("(", "").replace(")", "").replace("+", "")
    if not v.gan:
        def loss_fn(model, batch):
            loss, _ = g_loss_terms(model, *batch, lam)
            return loss
        # the optimiser of the GAN variant (Adam, β1 = 0.5), so that the discriminator is the only difference
        opt = torch.optim.Adam(G.parameters(), lr=lr, betas=(0.5, 0.999), **_train.OPTIMIZER_OPTIONS)
        hist = _train.fit(G, data, loss_fn, steps=steps, lr=lr, device=device, clip_grad=1.0, optimizer=opt,
                          name=name if checkpoint else None, config={**cfg, "opt": "adam0.5"}, progress=progress,
                          desc=v.name)
        G.eval()
        return G, hist
    D = _train.build_seeded(seed + 1, lambda: RegNetD(vis_dim, train.mel.shape[1], d_hidden))

    def d_loss(G_, D_, batch):
        vis, mel, z = batch
        with torch.no_grad():
            fake, _ = G_(vis, mel, z=z)
        rl, fl = D_(vis, mel), D_(vis, fake)
        return (F.binary_cross_entropy_with_logits(rl, torch.ones_like(rl))
                + F.binary_cross_entropy_with_logits(fl, torch.zeros_like(fl)))

    def g_loss(G_, D_, batch):
        vis, mel, z = batch
        rec, fake = g_loss_terms(G_, vis, mel, z, lam)
        fl = D_(vis, fake)
        return rec + F.binary_cross_entropy_with_logits(fl, torch.ones_like(fl))

    hist = _train.fit_gan(G, D, data, d_loss, g_loss, steps=steps, lr_g=lr, lr_d=lr, betas=(0.5, 0.999),
                          device=device, clip_grad=1.0, name=name if checkpoint else None, config=cfg,
                          progress=progress, desc=v.name)
    G.eval()
    return G, hist


def train_all(variants: Sequence[Variant], train: Data, *, parallel: bool = True, **kw: Any) -> dict[str, tuple]:
    """:func:`train_variant` for each variant, two at a time on a 2-core machine
    (:func:`foley_nb_utils.train.side_by_side`; the same weights as one after the other).

    Returns:
        name → ``(G, history)``.

    Notebook: 15_2020_regnet
    """
    jobs = {v.name: (lambda v=v: train_variant(v, train, **kw)) for v in variants}
    return _train.side_by_side(jobs, workers=None if parallel else 1)


@torch.no_grad()
def generate(G: RegNetG, data: Data, *, seed: int, aux: str = "zero", batch_size: int = 256) -> np.ndarray:
    """Mel of every clip of ``data``: ``aux="zero"`` (the test-time RegNet) or ``"real"`` (the AFR
    reads the real sound: what the generator does when it is allowed to copy).

    Returns:
        float32 ``[N, n_mels, 4T]``.

    Notebook: 15_2020_regnet
    """
    if aux not in ("zero", "real"):
        raise ValueError(f"aux must be 'zero' or 'real', got {aux!r}")
    G.eval()
    gen = torch.Generator().manual_seed(int(seed))
    out = []
    for s in range(0, len(data), batch_size):
        vis = torch.from_numpy(data.vis[s:s + batch_size])
        mel = torch.from_numpy(data.mel[s:s + batch_size])
        post, _ = G(vis, mel, aux_zero=(aux == "zero"), generator=gen)
        out.append(post.clamp(0, 1).numpy())
    return np.concatenate(out)


# ----------------------------------------------------------------------------------- vocoder
_FB_CACHE: dict = {}


def _mel_pinv() -> torch.Tensor:
    if "pinv" not in _FB_CACHE:
        import librosa

        fb = librosa.filters.mel(sr=MEL["sr"], n_fft=MEL["n_fft"], n_mels=MEL["n_mels"], fmin=MEL["fmin"],
                                 fmax=MEL["fmax"])
        _FB_CACHE["pinv"] = torch.from_numpy(np.linalg.pinv(fb).astype(np.float32))
    return _FB_CACHE["pinv"]


def griffin_lim(mel: np.ndarray, n_samples: int, *, n_iter: int = 16, seed: int = 0) -> np.ndarray:
    """Waveforms from normalised mels, batched: unit → dB → power mel → linear magnitude (the
    filterbank's pseudo-inverse, clipped at 0) → fast Griffin-Lim (momentum 0.99), in torch.

    Args:
        mel: ``[N, n_mels, frames]`` in [0, 1] (:func:`mel_unit`).
        n_samples: output length.
        n_iter: Griffin-Lim iterations.
        seed: initial random phase.

    Returns:
        float32 ``[N, n_samples]``.

    Notebook: 15_2020_regnet
    """
    m = torch.as_tensor(np.asarray(mel, np.float32))
    if m.ndim != 3 or m.shape[1] != MEL["n_mels"]:
        raise ValueError(f"mel must be [N, {MEL['n_mels']}, frames], got {tuple(m.shape)}")
    n_fft, hop = MEL["n_fft"], MEL["hop"]
    power = 10.0 ** ((m * 100.0 - 100.0) / 10.0)
    mag = torch.sqrt(torch.clamp(torch.einsum("fm,nmt->nft", _mel_pinv(), power), min=0.0))
    frames_needed = 1 + n_samples // hop
    if mag.shape[-1] < frames_needed:                          # the paper's 4T frames end a frame early
        mag = torch.cat([mag, mag.new_zeros(*mag.shape[:2], frames_needed - mag.shape[-1])], dim=-1)
    mag = mag[..., :frames_needed]
    win = torch.hann_window(n_fft)
    g = torch.Generator().manual_seed(int(seed))
    angles = torch.exp(2j * math.pi * torch.rand(mag.shape, generator=g))  # drawn for the whole batch
    out = []
    # Eight clips at a time: the same result bit for bit as the whole batch at once (every step works
    # per clip), 2-3x faster and a fraction of the memory, because the complex spectra stay in cache.
    for s in range(0, len(mag), _GL_CHUNK):
        mag_c, spec = mag[s:s + _GL_CHUNK], mag[s:s + _GL_CHUNK] * angles[s:s + _GL_CHUNK]
        prev = torch.zeros_like(spec)
        for _ in range(int(n_iter)):
            y = torch.istft(spec, n_fft, hop, window=win, length=n_samples)
            rebuilt = torch.stft(y, n_fft, hop, window=win, return_complex=True)
            acc = rebuilt - 0.99 * prev
            prev = rebuilt
            spec = mag_c * acc / (acc.abs() + 1e-8)
        out.append(torch.istft(spec, n_fft, hop, window=win, length=n_samples))
    if not out:
        return np.zeros((0, n_samples), np.float32)
    return torch.cat(out).numpy().astype(np.float32)


_GL_CHUNK = 8  # clips per Griffin-Lim pass (see griffin_lim)


# ----------------------------------------------------------------------------------- metrics
def hallucination(gen: np.ndarray, clean: np.ndarray) -> np.ndarray:
    """Per clip, the sound the output has beyond the on-screen sound: the mean over time and bands
    of ``max(0, gen − clean)`` in normalised-mel units (0.01 = 1 dB on average over the clip).

    Notebook: 15_2020_regnet
    """
    g, c = np.asarray(gen, np.float64), np.asarray(clean, np.float64)
    if g.shape != c.shape:
        raise ValueError(f"gen and clean differ in shape: {g.shape} vs {c.shape}")
    return np.maximum(g - c, 0).mean(axis=(1, 2))


def deficit(gen: np.ndarray, clean: np.ndarray) -> np.ndarray:
    """Per clip, the on-screen sound the output lacks: the mean of ``max(0, clean − gen)`` — the
    counterpart of :func:`hallucination` (an output that is simply too quiet hallucinates nothing
    and lacks much).

    Notebook: 15_2020_regnet
    """
    return hallucination(clean, gen)


def offscreen_excess(gen: np.ndarray, clean: np.ndarray, windows: Sequence, hop_s: float) -> np.ndarray:
    """Per clip, :func:`hallucination` restricted to the time of its off-screen sound (NaN for a
    clip without one): does the output put sound where only an invisible source made some?

    Notebook: 15_2020_regnet
    """
    out = np.full(len(gen), np.nan)
    for i, w in enumerate(windows):
        if w is None:
            continue
        a, b = int(w[0] / hop_s), max(int(w[0] / hop_s) + 1, int(math.ceil(w[1] / hop_s)))
        out[i] = float(np.maximum(gen[i, :, a:b] - clean[i, :, a:b], 0).mean())
    return out


def _band_energy(mel: np.ndarray) -> np.ndarray:
    """``[N, n_mels, frames]`` normalised mel → ``[N, frames]`` total power (linear)."""
    return (10.0 ** ((np.asarray(mel, np.float64) * 100.0 - 100.0) / 10.0)).sum(axis=1)


def mel_onsets(mel: np.ndarray, *, delta: float = 0.1, wait_s: float = 0.05) -> list[tuple[np.ndarray, np.ndarray]]:
    """Onsets of each clip read from its (generated) mel: the peaks of the spectral flux of the total
    power (:func:`foley_nb_utils.audio.detect_onsets_from_envelope`), each with its flux as confidence.

    Returns:
        per clip ``(times_s, confidences)``.

    Notebook: 15_2020_regnet
    """
    from .. import audio as _audio

    rate = MEL["sr"] / MEL["hop"]
    out = []
    for e in _band_energy(mel):
        t = _audio.detect_onsets_from_envelope(e, rate, delta=delta, wait_s=wait_s, compression=None)
        flux = np.maximum(np.diff(e, prepend=e[0]), 0.0)
        out.append((t, flux[np.round(t * rate).astype(int)]))
    return out


def attack(mel: np.ndarray, times: Sequence, before: int = 2, after: int = 3) -> np.ndarray:
    """Per clip, how steeply its sound rises at the on-screen events: the mean over events of the
    band-averaged mel's maximum within ``after`` frames from the event minus its value ``before``
    frames ahead (normalised units; NaN for a clip without an event). Real onsets are steep; a
    regression's average over plausible timings blurs them.

    Notebook: 15_2020_regnet
    """
    m = np.asarray(mel, np.float64).mean(axis=1)                     # [N, frames]
    rate = MEL["sr"] / MEL["hop"]
    out = np.full(len(m), np.nan)
    for i, ts in enumerate(times):
        vals = []
        for t in np.asarray(ts, float):
            f = int(round(t * rate))
            if f - before < 0 or f + after >= m.shape[1]:
                continue
            vals.append(m[i, f:f + after + 1].max() - m[i, f - before])
        if vals:
            out[i] = float(np.mean(vals))
    return out


def mel_features(mel: np.ndarray) -> np.ndarray:
    """Summary features of normalised mels for the real-vs-fake discriminator: per band the mean,
    spread and mean absolute frame-to-frame change (the recipe of
    :func:`foley_nb_utils.metrics.features.summary_features`, on the model's own output, so no
    vocoder stands between the generator and the judge).

    Returns:
        float64 ``[N, 3 * n_mels]``.

    Notebook: 15_2020_regnet
    """
    m = np.asarray(mel, np.float64)
    return np.concatenate([m.mean(-1), m.std(-1), np.abs(np.diff(m, axis=-1)).mean(-1)], axis=1)


def evaluate(gens: dict[str, np.ndarray], test: Data, *, seed: int,
             judged: Sequence[str] | None = None) -> dict[str, dict[str, np.ndarray]]:
    """Score each variant's test mels against the test clips, clip by clip.

    Per variant and clip: ``onset_ap`` (strict average precision of the onsets read from the mel,
    :func:`mel_onsets`, as detectors of the on-screen events within ±0.1 s: misses count),
    ``halluc`` (:func:`hallucination`), ``deficit`` (:func:`deficit`), ``excess`` (:func:`offscreen_excess`), ``mse`` (mel
    error against the on-screen mel), ``attack`` (:func:`attack` divided by the on-screen mel's
    mean attack), and from the cross-validated real-vs-fake discriminator of notebook 04 (on
    :func:`mel_features`, pairs of the same clip): ``fooled`` (1 when it takes the generated
    sound for the real one, ½ for a tie) and ``margin`` (generated − real realness). The real
    test sound is scored the same way as ``"real"`` and the on-screen sound alone as ``"on-screen"``.
    ``judged``: the names the discriminator scores (None: all; it is the slowest metric).

    Returns:
        ``{variant: {metric: float64 [N]}}``.

    Notebook: 15_2020_regnet
    """
    hop_s = MEL["hop"] / MEL["sr"]
    real_feat = mel_features(test.mel)
    att_ref = float(np.nanmean(attack(test.clean, test.times)))
    per = {}
    for name, m in {"real": test.mel, "on-screen": test.clean, **gens}.items():
        if np.shape(m) != test.mel.shape:
            raise ValueError(f"{name}: generated mels have shape {np.shape(m)}, the test clips' {test.mel.shape}")
        scored = mel_onsets(m)
        sc = _onsets.onset_scores(test.times, [s[0] for s in scored], [s[1] for s in scored], per_clip=True)
        r = dict(onset_ap=sc["per_clip"]["onset_ap_strict"], halluc=hallucination(m, test.clean),
                 deficit=deficit(m, test.clean),
                 excess=offscreen_excess(m, test.clean, test.offscreen, hop_s),
                 mse=((np.asarray(m, np.float64) - test.clean) ** 2).mean(axis=(1, 2)),
                 attack=attack(m, test.times) / att_ref)
        if name != "real" and (judged is None or name in judged):
            s_real, s_fake = _realfake.realness_scores(real_feat, mel_features(m),
                                                       rng=np.random.default_rng([seed, 15]))
            r["fooled"] = (s_fake > s_real) + 0.5 * (s_fake == s_real)
            r["margin"] = s_fake - s_real
        per[name] = r
    return per


def summary(res: dict[str, Any], names: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """One row per variant: the means of :func:`evaluate`'s per-clip metrics (NaN-aware).

    Notebook: 15_2020_regnet
    """
    rows = []
    for name, r in res.items():
        if names is not None and name not in names:
            continue
        row = {"variant": name}
        for key in ("onset_ap", "halluc", "deficit", "excess", "mse", "attack", "fooled", "margin"):
            row[key] = float(np.nanmean(r[key])) if key in r else float("nan")
        rows.append(row)
    return rows


__all__ = ["AFR", "Data", "FPS", "MEL", "OFFSCREEN", "REGNET", "RegNetD", "RegNetG", "UP", "Variant", "batches",
           "benchmark_generate", "benchmark_models", "default_variants", "settings",
           "deficit", "evaluate", "generate", "griffin_lim", "train_all", "hallucination", "load_clips", "mel_unit", "offscreen_excess",
           "prepare", "attack", "mel_features", "mel_onsets", "summary", "train_variant", "visual_features"]


# ----------------------------------------------------------------------------------- benchmark (24)
_BENCH_DATA: dict = {}


def benchmark_models(profile: str = "quick", seed: int = 0, device="cpu", variants: Sequence[str] | None = None):
    """The notebook's trained models, for the benchmark: the same clips, settings and training call
    as the notebook (so the same checkpoints: loaded when present, trained otherwise).

    Args:
        profile, seed, device: the notebook's ``PROFILE``, ``SEED`` and device.
        variants: names of :func:`default_variants` to return (default all).

    Returns:
        :class:`foley_nb_utils.benchmark.Trained` whose ``models`` are the generators and whose
        ``state`` is ``(training clips, settings)`` (the visual features are standardised on them).

    Notebook: 15_2020_regnet (used by 24_benchmark)
    """
    from ..benchmark import Trained

    cfg = settings(profile)
    known = {v.name: v for v in default_variants()}
    names = list(known) if variants is None else list(variants)
    for n in names:
        if n not in known:
            raise ValueError(f"unknown variant {n!r}; variants: {list(known)}")
    key = (profile, int(seed))
    if key not in _BENCH_DATA:  # the notebook's training clips, built once for all the variants asked for
        _BENCH_DATA.clear()
        # clip i of the world depends only on (seed, i): the first n_train clips are the notebook's
        # training clips whatever follows them, so one test clip stands in for the notebook's n_test
        train_b, one = load_clips(cfg.n_train, 1, seed, None, **{**cfg.world, **OFFSCREEN})
        _BENCH_DATA[key] = (train_b, prepare(train_b, one, grid=cfg.grid)[0])
    train_b, train = _BENCH_DATA[key]
    threads = torch.get_num_threads()
    if cfg.threads:
        torch.set_num_threads(cfg.threads)  # as the notebook: one thread per training, side by side
    try:
        out = train_all([known[n] for n in names], train, seed=seed, steps=cfg.steps, batch_size=cfg.batch,
                        lr=cfg.lr, hidden=cfg.hidden, crop=cfg.crop, device=device)
    finally:
        torch.set_num_threads(threads)
    hists = [h for _, h in out.values()]
    loaded = all(getattr(h, "loaded", False) for h in hists)
    secs = sum(getattr(h, "seconds", 0.0) for h in hists)
    return Trained({n: G for n, (G, _) in out.items()}, train_seconds=secs or None, loaded=loaded,
                   state=(train_b, cfg))


def benchmark_generate(trained, test, seed: int, *, variant: str = REGNET, n_iter: int = 16) -> np.ndarray:
    """Sound of the benchmark's test clips (``test``: a hits SceneBatch at any rates): the clips
    converted to the notebook's rates (:data:`FPS`, :data:`MEL` ``sr``, its frame size), the
    test-time RegNet (AFR code zeroed), Griffin-Lim (the notebook's vocoder), resampled to ``test.sr``.

    Returns:
        float32 ``[N, n]`` at ``test.sr``, ``n = test.audio.shape[1]``.

    Notebook: 15_2020_regnet (used by 24_benchmark)
    """
    from ..audio import resample
    from ..benchmark import convert, fit_length

    train_b, cfg = trained.state
    mine = convert(test, fps=train_b.fps, sr=train_b.sr, size=train_b.frames.shape[-2])
    if mine.frames.shape[1] != train_b.frames.shape[1]:
        raise ValueError(f"RegNet was trained on {train_b.frames.shape[1]}-frame clips, the test clips have "
                         f"{mine.frames.shape[1]} at {FPS} fps")
    # prepare()'s test half, without recomputing the training clips' spectrograms
    vis = visual_features(np.concatenate([train_b.frames, mine.frames]), n_fit=len(train_b), grid=cfg.grid)
    mel_in = mel_unit(mine.audio, mine.sr, UP * mine.frames.shape[1])
    data = Data(vis[len(train_b):], mel_in, mel_in, mine.audio, mine.audio, [], [None] * len(mine), False,
                mine.sr, mine.fps)
    mel = generate(trained.models[variant], data, seed=seed)
    audio = griffin_lim(mel, mine.audio.shape[1], n_iter=n_iter, seed=seed)
    return fit_length(resample(audio, mine.sr, test.sr), test.audio.shape[1])
