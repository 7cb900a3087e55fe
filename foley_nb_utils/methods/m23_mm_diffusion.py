"""MM-Diffusion (Ruan et al., CVPR 2023): one diffusion model that generates a video *and* its sound.

MM-Diffusion denoises a (video, audio) pair together: a **coupled U-Net** with a video branch
(factorised 2-D + 1-D convolutions over frames) and an audio branch (dilated 1-D convolutions over
the raw waveform), the two joined at the coarse levels by **random-shift multi-modal attention**
(RS-MMA): each video frame attends to the audio of a window of ``w`` frames around its time (and
each audio step to the video of its window), the window shifted by a random offset in training.
Both streams share **one noise level per pair**; the loss is the sum of the two streams' MSEs
(the paper's are on ε; ours on the clean pair, the x₀-parameterisation, which a network this small
samples stably). Because
the model learns the joint distribution, it can generate audio for a *given* video zero-shot:
sample the pair while keeping the video pinned to the given one (replacement), optionally adding a
reconstruction-guidance gradient.

Pieces, at laptop scale (the sizes are ours; the paper's are in notebook 23's card):

- :func:`to_tensors` — a :class:`~foley_nb_utils.clips.SceneBatch` → video ``[N, 1, T, S, S]`` and
  audio ``[N, 1, n]`` in [-1, 1] (grey frames, mono waveform);
- :class:`VideoBlock` (2-D + 1-D residual block), :class:`AudioBlock` (dilated 1-D residual block);
- :class:`CrossModalAttention` — RS-MMA (``mode="window"``), full cross-attention (``"full"``), or
  the same layer attending *within* each modality (``"self"``: two independent U-Nets with exactly
  the coupled model's parameter count);
- :class:`CoupledUNet` — the two branches, the attention at the coarse level;
- :func:`joint_loss`, :func:`train_model` — DDPM training, one diffusion step per pair;
- :class:`Packed` and :func:`sample` — joint DDIM sampling with :func:`foley_nb_utils.nn.ddim_sample`
  (video and audio packed into one tensor); :class:`VideoToAudio` and :func:`video_to_audio` —
  zero-shot V2A by replacement (+ reconstruction guidance);
- :func:`ball_lowness`, :func:`frame_energy`, :func:`sync_score` — the alignment score;
- :func:`nearest_train_distance` — the memorisation check;
- :func:`attention_cost` — time and attention-score memory of the cross-modal layer.

Notebook: 23_2023_mm_diffusion
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .. import nn as fnn
from .. import repro
from .. import train as _train

#: Which cross-modal layer each mode builds.
MODES = ("window", "full", "self")


# ------------------------------------------------------------------------------------------ data
def to_tensors(batch) -> tuple[torch.Tensor, torch.Tensor]:
    """Video ``[N, 1, T, S, S]`` (grey, wall ≈ −1, ball ≈ +1) and audio ``[N, 1, n]`` in [-1, 1].

    Args:
        batch: a SceneBatch with ``frames`` uint8 ``[N, T, S, S, 3]`` and ``audio`` ``[N, n]``.

    Notebook: 23_2023_mm_diffusion
    """
    fr = np.asarray(batch.frames)
    if fr.ndim != 5 or fr.shape[-1] != 3:
        raise ValueError(f"to_tensors needs frames [N, T, H, W, 3], got {fr.shape}")
    v = torch.from_numpy(fr.astype(np.float32).mean(-1) / 127.5 - 1.0)[:, None]
    a = torch.from_numpy(np.clip(np.asarray(batch.audio, np.float32), -1, 1))[:, None]
    return v.contiguous(), a.contiguous()


def load_clips(n_train: int, n_test: int, seed: int, data_dir=None, *, profile: str = "quick"):
    """Training and test SceneBatches: the bounce world, or a real flat mp4 folder.

    Synthetic: :func:`foley_nb_utils.synth.bounce.generate` (test clips drawn after the training
    clips, so never the same). Real (``data_dir``, e.g. Landscape or AIST++): ``train.txt`` /
    ``test.txt`` of :mod:`foley_nb_utils.datasets.aist` when present (else all videos, split by
    name), 1-s windows resized to the world's frame size, rate and sample rate.

    Notebook: 23_2023_mm_diffusion
    """
    from ..synth import bounce

    if data_dir is None:
        return bounce.generate(n_train, seed, profile), bounce.generate(n_test, seed, profile, start=n_train)
    from ..datasets import aist

    s = bounce.DEFAULTS[profile]
    kw = dict(fps=s["fps"], size=s["size"], sr=s["sr"], clip_s=s["n_frames"] / s["fps"])
    return aist.load(data_dir, "train", max_clips=n_train, **kw), aist.load(data_dir, "test", max_clips=n_test, **kw)


# ----------------------------------------------------------------------------------------- model
def _gn(c: int) -> nn.GroupNorm:
    return nn.GroupNorm(min(4, c), c)


def _to_frames(v: torch.Tensor) -> torch.Tensor:
    """``[B, C, T, H, W]`` → ``[B·T, C, H, W]`` (the video branch's working layout)."""
    B, C, T, H, W = v.shape
    return v.transpose(1, 2).reshape(B * T, C, H, W)


def _from_frames(x: torch.Tensor, T: int) -> torch.Tensor:
    """``[B·T, C, H, W]`` → ``[B, C, T, H, W]``."""
    return x.reshape(-1, T, *x.shape[1:]).transpose(1, 2)


class VideoBlock(nn.Module):
    """Factorised residual block over frames ``[B·T, C, H, W]``: norm → SiLU → spatial 3×3 conv,
    + step embedding, norm → SiLU → temporal 3-tap conv (along the ``T`` frames of each clip, at
    every pixel), plus a skip — MM-Diffusion's "2d+1d" block. The video branch keeps its frames
    as a batch of images (group norms are per frame), which is much faster on a CPU than ``Conv3d``.

    Notebook: 23_2023_mm_diffusion
    """

    def __init__(self, c_in: int, c_out: int, emb: int):
        super().__init__()
        self.n1, self.c1 = _gn(c_in), nn.Conv2d(c_in, c_out, 3, padding=1)
        self.emb = nn.Linear(emb, c_out)
        self.n2, self.c2 = _gn(c_out), nn.Conv1d(c_out, c_out, 3, padding=1)
        self.skip = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x: torch.Tensor, e: torch.Tensor, T: int) -> torch.Tensor:
        BT, _, H, W = x.shape
        h = self.c1(F.silu(self.n1(x))) + self.emb(e).repeat_interleave(T, 0)[:, :, None, None]
        h = F.silu(self.n2(h))
        C = h.shape[1]
        ht = h.reshape(BT // T, T, C, H, W).permute(0, 3, 4, 2, 1).reshape(-1, C, T)
        ht = self.c2(ht).reshape(BT // T, H, W, C, T).permute(0, 4, 3, 1, 2).reshape(BT, C, H, W)
        return self.skip(x) + ht


class AudioBlock(nn.Module):
    """Dilated residual block over a waveform's features ``[B, C, L]`` (WaveNet-like receptive
    field; MM-Diffusion's audio branch grows the dilation through the network).

    Notebook: 23_2023_mm_diffusion
    """

    def __init__(self, c_in: int, c_out: int, emb: int, dilation: int = 1):
        super().__init__()
        d = int(dilation)
        self.n1, self.c1 = _gn(c_in), nn.Conv1d(c_in, c_out, 3, padding=d, dilation=d)
        self.emb = nn.Linear(emb, c_out)
        self.n2, self.c2 = _gn(c_out), nn.Conv1d(c_out, c_out, 3, padding=2 * d, dilation=2 * d)
        self.skip = nn.Conv1d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x: torch.Tensor, e: torch.Tensor) -> torch.Tensor:
        h = self.c1(F.silu(self.n1(x))) + self.emb(e)[:, :, None]
        return self.skip(x) + self.c2(F.silu(self.n2(h)))


def window_index(T: int, window: int, shift: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """The frames each frame attends to: ``idx [T, window]`` (clamped) and ``valid [T, window]``.

    Frame ``f`` sees frames ``f + shift − ⌊window/2⌋ … f + shift − ⌊window/2⌋ + window − 1``;
    those outside ``0 … T−1`` are masked.

    >>> window_index(4, 2)[0].tolist()
    [[0, 0], [0, 1], [1, 2], [2, 3]]

    Notebook: 23_2023_mm_diffusion
    """
    if not (isinstance(window, int) and 1 <= window <= T):
        raise ValueError(f"window must be an int in 1..{T}, got {window!r}")
    raw = torch.arange(T)[:, None] + int(shift) - window // 2 + torch.arange(window)[None, :]
    return raw.clamp(0, T - 1), (raw >= 0) & (raw < T)


def _attend(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, valid: torch.Tensor | None) -> torch.Tensor:
    """softmax(QKᵀ/√d)V with masked keys; a query with no valid key gets 0."""
    s = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if valid is not None:
        s = s.masked_fill(~valid, float("-inf"))
    return torch.nan_to_num(s.softmax(-1), nan=0.0) @ v


class CrossModalAttention(nn.Module):
    """RS-MMA between video tokens ``[B, C, T, h, w]`` and audio tokens ``[B, C, T·m]``.

    ``mode="window"``: each video token of frame ``f`` attends to the audio tokens of the frames in
    its window (:func:`window_index`), and each audio token of frame ``f`` to the video tokens of
    its window; ``shift`` moves every window by the same offset (drawn at random per training
    step by :func:`joint_loss` when the model was built with ``shift=True``; 0 when sampling).
    ``mode="full"``: every token attends to every token of the other modality. ``mode="self"``:
    the same layers, but each modality attends to *itself* within the window: no information
    crosses, so a ``"self"`` model is two independent U-Nets of exactly the coupled one's size.
    Outputs enter as zero-initialised residuals (the model starts as two independent U-Nets).

    ``last_scores`` holds the number of attention scores of the last forward pass per example
    (the memory the layer's score matrices take, in floats).

    Notebook: 23_2023_mm_diffusion
    """

    def __init__(self, dim: int, n_frames: int, mode: str = "window", window: int = 4, d_attn: int | None = None):
        super().__init__()
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        self.mode, self.T = mode, int(n_frames)
        self.window = int(window) if mode != "full" else self.T
        window_index(self.T, self.window)  # checks the window
        d = int(d_attn or dim)
        self.nv, self.na = _gn(dim), _gn(dim)
        self.q_v, self.kv_a, self.q_a, self.kv_v = (nn.Linear(dim, d), nn.Linear(dim, 2 * d),
                                                    nn.Linear(dim, d), nn.Linear(dim, 2 * d))
        self.out_v, self.out_a = nn.Linear(d, dim), nn.Linear(d, dim)
        for o in (self.out_v, self.out_a):
            nn.init.zeros_(o.weight)
            nn.init.zeros_(o.bias)
        self.last_scores = 0

    def forward(self, v: torch.Tensor, a: torch.Tensor, shift: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
        B, C, T, h, w = v.shape
        if T != self.T or a.shape[-1] % T:
            raise ValueError(f"CrossModalAttention: {self.T} frames and audio tokens divisible by them, got video "
                             f"{tuple(v.shape)}, audio {tuple(a.shape)}")
        m = a.shape[-1] // T
        vt = self.nv(v).permute(0, 2, 3, 4, 1).reshape(B, T, h * w, C)       # [B, T, hw, C]
        at = self.na(a).transpose(1, 2).reshape(B, T, m, C)                  # [B, T, m, C]
        qv, qa = self.q_v(vt), self.q_a(at)
        kv_src_v, kv_src_a = (vt, at) if self.mode == "self" else (at, vt)  # keys for video / audio queries
        kv, vv = self.kv_a(kv_src_v).chunk(2, -1)                            # keys/values for the video queries
        ka, va = self.kv_v(kv_src_a).chunk(2, -1)                            # … for the audio queries
        if self.mode == "full":
            ov = _attend(qv.reshape(B, 1, T * h * w, -1), kv.reshape(B, 1, -1, kv.shape[-1]),
                         vv.reshape(B, 1, -1, vv.shape[-1]), None).reshape(B, T, h * w, -1)
            oa = _attend(qa.reshape(B, 1, T * m, -1), ka.reshape(B, 1, -1, ka.shape[-1]),
                         va.reshape(B, 1, -1, va.shape[-1]), None).reshape(B, T, m, -1)
            self.last_scores = (T * h * w) * kv.shape[1] * kv.shape[2] + (T * m) * ka.shape[1] * ka.shape[2]
        else:
            idx, valid = window_index(T, self.window, shift)
            idx, valid = idx.to(v.device), valid.to(v.device)

            def gather(x):  # [B, T, n, d] → [B, T, window·n, d]
                return x[:, idx].reshape(B, T, -1, x.shape[-1])

            n_v, n_a = kv.shape[2], ka.shape[2]
            ov = _attend(qv, gather(kv), gather(vv), valid.repeat_interleave(n_v, 1)[None, :, None, :])
            oa = _attend(qa, gather(ka), gather(va), valid.repeat_interleave(n_a, 1)[None, :, None, :])
            self.last_scores = T * (h * w * self.window * n_v + m * self.window * n_a)
        dv = self.out_v(ov).reshape(B, T, h, w, C).permute(0, 4, 1, 2, 3)
        da = self.out_a(oa).reshape(B, T * m, C).transpose(1, 2)
        return v + dv, a + da


@dataclass(frozen=True)
class Shapes:
    """Data shapes: ``n_frames`` × ``size`` × ``size`` grey video and ``n_samples`` of audio.

    Notebook: 23_2023_mm_diffusion
    """

    n_frames: int = 16
    size: int = 16
    n_samples: int = 8000

    @property
    def video(self) -> tuple[int, int, int, int]:
        return (1, self.n_frames, self.size, self.size)

    @property
    def audio(self) -> tuple[int, int]:
        return (1, self.n_samples)

    @property
    def numel(self) -> int:
        return self.n_frames * self.size * self.size + self.n_samples


class CoupledUNet(nn.Module):
    """The coupled U-Net ``f_θ(v_t, a_t, t) → (v̂_0, â_0)``: the clean pair's estimate.

    Video ``[B, 1, T, S, S]``: a 2×2 patch conv (4 pixels → ``c ≥ 4`` channels) → ``VideoBlock(c)`` → ↓2 (space only) →
    ``VideoBlock(2c)`` → RS-MMA → ``VideoBlock(2c)`` → ↑2 → concat skip → ``VideoBlock(c)`` →
    2×2 transposed conv. Audio ``[B, 1, n]``: a patch conv of stride ``n / (T · 4 · m)`` →
    ``AudioBlock(c)`` → ↓4 → ``AudioBlock(2c, dilation 2)`` → RS-MMA → ``AudioBlock(2c, dilation 4)``
    → ↑4 → concat skip → ``AudioBlock(c_a)`` → transposed patch conv, with ``m = audio_tokens`` audio
    tokens per frame at the coarse level and ``c_a = audio_base`` channels at the fine audio level
    (at least the patch length: a patch squeezed into fewer channels could not carry white noise
    through, and an ε-predictor must). Each branch has its own step-embedding MLP, so with
    ``mode="self"`` the two branches share nothing.

    Args:
        shapes: the data shapes.
        base: channels ``c`` at the fine level.
        mode, window: the cross-modal layer (:class:`CrossModalAttention`).
        shift: draw a random window offset per training step (RS-MMA); False: offset 0 always.
        audio_tokens: audio tokens per video frame at the coarse level.
        audio_base: channels of the fine audio level (≥ the patch length).

    Notebook: 23_2023_mm_diffusion
    """

    def __init__(self, shapes: Shapes = Shapes(), base: int = 8, mode: str = "window", window: int = 4,
                 shift: bool = True, audio_tokens: int = 5, audio_base: int = 32):
        super().__init__()
        self.shapes, self.base, self.shift = shapes, int(base), bool(shift) and mode == "window"
        T, S, n = shapes.n_frames, shapes.size, shapes.n_samples
        if S % 4:
            raise ValueError(f"frame size must be a multiple of 4, got {S}")
        patch = n / (T * 4 * audio_tokens)
        if patch != int(patch) or patch < 1:
            raise ValueError(f"n_samples={n} must be a multiple of n_frames·4·audio_tokens = {T * 4 * audio_tokens}")
        self.patch = int(patch)
        ab = int(audio_base)
        if ab < self.patch:  # fewer channels than samples per patch: white noise could not pass through
            raise ValueError(f"audio_base={ab} must be at least the audio patch of {self.patch} samples")
        c, E = self.base, 4 * self.base
        self.emb_v = nn.Sequential(nn.Linear(c, E), nn.SiLU(), nn.Linear(E, E))
        self.emb_a = nn.Sequential(nn.Linear(c, E), nn.SiLU(), nn.Linear(E, E))
        self.v_in = nn.Conv2d(1, c, 2, stride=2)
        self.v1, self.v_down = VideoBlock(c, c, E), nn.Conv2d(c, 2 * c, 2, stride=2)
        self.v2, self.v3 = VideoBlock(2 * c, 2 * c, E), VideoBlock(2 * c, 2 * c, E)
        self.v_up = nn.ConvTranspose2d(2 * c, c, 2, stride=2)
        self.v4 = VideoBlock(2 * c, c, E)
        self.v_out_norm, self.v_out = _gn(c), nn.ConvTranspose2d(c, 1, 2, stride=2)
        self.a_in = nn.Conv1d(1, ab, self.patch, stride=self.patch)
        self.a1, self.a_down = AudioBlock(ab, ab, E, 1), nn.Conv1d(ab, 2 * c, 4, stride=4)
        self.a2, self.a3 = AudioBlock(2 * c, 2 * c, E, 2), AudioBlock(2 * c, 2 * c, E, 4)
        self.a_up = nn.ConvTranspose1d(2 * c, ab, 4, stride=4)
        self.a4 = AudioBlock(2 * ab, ab, E, 1)
        self.a_out = nn.Sequential(_gn(ab), nn.SiLU(), nn.ConvTranspose1d(ab, 1, self.patch, stride=self.patch))
        self.cross = CrossModalAttention(2 * c, T, mode, window)

    @property
    def mode(self) -> str:
        return self.cross.mode

    def forward(self, v: torch.Tensor, a: torch.Tensor, t: torch.Tensor, shift: int = 0):
        if v.shape[1:] != self.shapes.video or a.shape[1:] != self.shapes.audio:
            raise ValueError(f"CoupledUNet expects video [B, {self.shapes.video}] and audio [B, {self.shapes.audio}], "
                             f"got {tuple(v.shape)} and {tuple(a.shape)}")
        s = fnn.sinusoidal_embedding(t, self.base)
        ev, ea = self.emb_v(s), self.emb_a(s)
        T = self.shapes.n_frames
        hv0 = self.v1(self.v_in(_to_frames(v)), ev, T)
        ha0 = self.a1(self.a_in(a), ea)
        hv, ha = self.v2(self.v_down(hv0), ev, T), self.a2(self.a_down(ha0), ea)
        hv, ha = self.cross(_from_frames(hv, T), ha, shift if self.shift else 0)
        hv, ha = self.v3(_to_frames(hv), ev, T), self.a3(ha, ea)
        hv = self.v4(torch.cat([self.v_up(hv), hv0], 1), ev, T)
        ha = self.a4(torch.cat([self.a_up(ha), ha0], 1), ea)
        return _from_frames(self.v_out(F.silu(self.v_out_norm(hv))), T), self.a_out(ha)


def n_params(model: nn.Module) -> int:
    """Number of parameters.

    Notebook: 23_2023_mm_diffusion
    """
    return sum(p.numel() for p in model.parameters())


# -------------------------------------------------------------------------------------- training
def joint_loss(model: CoupledUNet, schedule: fnn.DDPMSchedule, v0: torch.Tensor, a0: torch.Tensor,
               generator: torch.Generator) -> torch.Tensor:
    """``‖v_0 − v̂_0‖² + ‖a_0 − â_0‖²`` (two means) with **one** step ``t`` per (video, audio) pair.

    Both streams are noised to the same step (:func:`foley_nb_utils.nn.q_sample`) and the network
    predicts the clean pair (the x₀-parameterisation; :class:`Packed` turns it into the ε that the
    samplers expect). With ``model.shift`` the attention windows move by a random offset in
    ``−⌊w/2⌋ … ⌊w/2⌋`` (at least ±1), one per step, drawn from ``generator``.

    Notebook: 23_2023_mm_diffusion
    """
    B = v0.shape[0]
    t = torch.randint(0, schedule.T, (B,), generator=generator)
    nv = torch.randn(v0.shape, generator=generator)
    na = torch.randn(a0.shape, generator=generator)
    shift = 0
    if model.shift:
        r = max(1, model.cross.window // 2)
        shift = int(torch.randint(-r, r + 1, (1,), generator=generator))
    pv, pa = model(fnn.q_sample(schedule, v0, t, nv), fnn.q_sample(schedule, a0, t, na), t, shift)
    return F.mse_loss(pv, v0) + F.mse_loss(pa, a0)


def train_model(video: torch.Tensor, audio: torch.Tensor, *, schedule: fnn.DDPMSchedule, steps: int,
                batch_size: int, seed: int, base: int = 8, mode: str = "window", window: int = 4,
                shift: bool = True, lr: float = 3e-3, audio_tokens: int = 5, audio_base: int = 32,
                name: str | None = None, config: dict | None = None,
                device="cpu") -> tuple[CoupledUNet, _train.History]:
    """Build a :class:`CoupledUNet` (initial weights from ``seed``, the same for every variant with
    the same layers) and train it with :func:`joint_loss` (or load its checkpoint).

    Notebook: 23_2023_mm_diffusion
    """
    shapes = Shapes(video.shape[2], video.shape[-1], audio.shape[-1])
    model = _train.build_seeded(int(repro.rng(seed, "m23 init").integers(2**31)),
                                lambda: CoupledUNet(shapes, base=base, mode=mode, window=window, shift=shift,
                                                    audio_tokens=audio_tokens, audio_base=audio_base))
    g = repro.torch_generator(seed, "m23 train", mode, window, bool(shift))
    n = len(video)

    def loss_fn(m, _):
        i = torch.randint(0, n, (batch_size,), generator=g)
        return joint_loss(m, schedule, video[i].to(device), audio[i].to(device), g)

    hist = _train.fit(model, lambda step: None, loss_fn, steps=steps, lr=lr, device=device, name=name,
                      config={**(config or {}), "mode": mode, "window": window, "shift": bool(shift), "base": base,
                              "batch": batch_size, "T": schedule.T, "audio_tokens": audio_tokens,
                              "audio_base": audio_base}, progress=False)
    return model.eval(), hist


# -------------------------------------------------------------------------------------- sampling
class Packed(nn.Module):
    """A :class:`CoupledUNet` seen as one noise predictor over packed tensors ``[B, Nv + Na]``, so
    that the series' samplers (:func:`foley_nb_utils.nn.ddim_sample`) run it unchanged: the
    network's clean-pair estimate ``x̂_0`` becomes ``ε̂ = (x_t − √ᾱ_t x̂_0) / √(1−ᾱ_t)``.

    Notebook: 23_2023_mm_diffusion
    """

    def __init__(self, model: CoupledUNet, schedule: fnn.DDPMSchedule):
        super().__init__()
        self.model, self.schedule = model, schedule

    def unpack(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        s = self.model.shapes
        nv = s.numel - s.n_samples
        return x[:, :nv].reshape(-1, *s.video), x[:, nv:].reshape(-1, *s.audio)

    @staticmethod
    def pack(v: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        return torch.cat([v.flatten(1), a.flatten(1)], 1)

    def to_eps(self, x: torch.Tensor, x0: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        ab = self.schedule._at(self.schedule.alpha_bars, t, x)
        return (x - ab.sqrt() * x0) / (1 - ab).sqrt()

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return self.to_eps(x, self.pack(*self.model(*self.unpack(x), t)), t)


def sample(model: CoupledUNet, schedule: fnn.DDPMSchedule, n: int, seed: int, key: str, *, steps: int = 20,
           batch_size: int = 128) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` unconditional (video, audio) pairs by deterministic DDIM on ``steps`` of the chain.

    Returns:
        video ``[n, 1, T, S, S]`` and audio ``[n, 1, n_samples]`` in [-1, 1].

    Notebook: 23_2023_mm_diffusion
    """
    pk = Packed(model, schedule)
    g = repro.torch_generator(seed, "m23 sample", key)
    out = [fnn.ddim_sample(pk, schedule, (min(batch_size, n - k), model.shapes.numel), g, steps=steps)
           for k in range(0, n, batch_size)]
    return pk.unpack(torch.cat(out))


def chain(model: CoupledUNet, schedule: fnn.DDPMSchedule, seed: int, *, steps: int = 20,
          show: Sequence[int] = (1, 5, 10, 20)) -> dict[int, tuple[torch.Tensor, torch.Tensor]]:
    """The denoising chain of one sample: ``{k: (video, audio)}`` after ``k`` of ``steps`` DDIM
    steps (the predicted clean pair ``x̂_0`` of the last model call; ``k = steps`` is the sample).

    Notebook: 23_2023_mm_diffusion
    """
    pk = Packed(model, schedule)
    out = {}
    for k in show:
        g = repro.torch_generator(seed, "m23 chain")   # the same x_T for every k
        taus = torch.linspace(schedule.T - 1, 0, steps).round().long()
        x = _ddim_prefix(pk, schedule, taus[:k].tolist(), g)  # a truncated run: stop after k steps
        v, a = pk.unpack(x)
        out[int(k)] = (v[0], a[0])
    return out


@torch.no_grad()
def _ddim_prefix(pk: Packed, schedule: fnn.DDPMSchedule, taus: list[int], g: torch.Generator) -> torch.Tensor:
    """``x̂_0`` after the first ``len(taus)`` deterministic DDIM steps (for the chain picture)."""
    x = torch.randn((1, pk.model.shapes.numel), generator=g)
    x0 = x
    for i, t in enumerate(taus):
        ab = float(schedule.alpha_bars[t])
        eps = pk(x, torch.full((1,), t, dtype=torch.long))
        x0 = ((x - math.sqrt(1 - ab) * eps) / math.sqrt(ab)).clamp(-1, 1)
        if i + 1 < len(taus):
            eps = (x - math.sqrt(ab) * x0) / math.sqrt(1 - ab)
            abp = float(schedule.alpha_bars[taus[i + 1]])
            x = math.sqrt(abp) * x0 + math.sqrt(1 - abp) * eps
    return x0


class VideoToAudio(nn.Module):
    """Zero-shot video-to-audio with the joint model: a packed noise predictor that **replaces**
    the video half of ``x_t`` by the given video noised to step ``t`` (``√ᾱ_t v + √(1−ᾱ_t) ε``,
    fresh ε each call) before the network sees it, and, with ``scale > 0``, adds **reconstruction
    guidance** to the audio's ε̂: ``ε̂_a + scale · √(1−ᾱ_t) ∇_{a_t} ‖v̂_0 − v‖²``, the gradient
    pushing the audio towards what makes the network's estimate of the clean video match the
    given one (MM-Diffusion's ``classifier_scale``). Run by
    :func:`foley_nb_utils.nn.ddim_sample`; the video half of its result is discarded.

    Notebook: 23_2023_mm_diffusion
    """

    def __init__(self, model: CoupledUNet, schedule: fnn.DDPMSchedule, video: torch.Tensor,
                 generator: torch.Generator, scale: float = 0.0):
        super().__init__()
        if scale < 0:
            raise ValueError(f"guidance scale must be >= 0, got {scale}")
        self.pk, self.schedule, self.video, self.g, self.scale = (Packed(model, schedule), schedule, video, generator,
                                                                 float(scale))

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        _, a = self.pk.unpack(x)
        ab = float(self.schedule.alpha_bars[int(t[0])])
        v_t = math.sqrt(ab) * self.video + math.sqrt(1 - ab) * torch.randn(self.video.shape, generator=self.g)
        if self.scale == 0:
            pv, pa = self.pk.model(v_t, a, t)
        else:
            with torch.enable_grad():
                a_req = a.detach().requires_grad_(True)
                pv, pa = self.pk.model(v_t, a_req, t)
                err = ((pv - self.video) ** 2).flatten(1).sum(1).sum()
                grad, = torch.autograd.grad(err, a_req, allow_unused=True)
            if grad is None:  # no path from the audio to the video ("self" mode): nothing to guide
                grad = torch.zeros_like(a)
            pv, pa = pv.detach(), pa.detach()
        eps = self.pk.to_eps(x, self.pk.pack(pv, pa), t)
        if self.scale:
            _, ea = self.pk.unpack(eps)
            eps = self.pk.pack(self.pk.unpack(eps)[0], ea + self.scale * math.sqrt(1 - ab) * grad)
        return eps


def video_to_audio(model: CoupledUNet, schedule: fnn.DDPMSchedule, video: torch.Tensor, seed: int, key: str, *,
                   steps: int = 20, scale: float = 0.0, batch_size: int = 128) -> torch.Tensor:
    """Audio ``[N, 1, n_samples]`` for given videos ``[N, 1, T, S, S]``, zero-shot (:class:`VideoToAudio`).

    Notebook: 23_2023_mm_diffusion
    """
    g = repro.torch_generator(seed, "m23 v2a", key)
    out = []
    for k in range(0, len(video), batch_size):
        vb = video[k:k + batch_size]
        x = fnn.ddim_sample(VideoToAudio(model, schedule, vb, g, scale), schedule,
                            (len(vb), model.shapes.numel), g, steps=steps)
        out.append(Packed(model, schedule).unpack(x)[1])
    return torch.cat(out)


# --------------------------------------------------------------------------------------- metrics
def ball_lowness(video: torch.Tensor | np.ndarray, threshold: float = -0.2) -> np.ndarray:
    """Per frame, how low the bright ball is: the brightness-weighted mean row (in units of the
    frame height, 0 top … 1 bottom) of the pixels brighter than ``threshold`` above the floor.

    Args:
        video: ``[N, 1, T, S, S]`` in [-1, 1].

    Returns:
        float ``[N, T]`` (0.5 for a frame without a bright pixel).

    Notebook: 23_2023_mm_diffusion
    """
    from ..synth.bounce import FLOOR_ROWS

    v = torch.as_tensor(video, dtype=torch.float32)[:, 0]
    S = v.shape[-1]
    v = v[..., : S - FLOOR_ROWS * S // 16, :]                  # the floor is always there: leave it out
    w = (v - threshold).clamp(min=0).sum(-1)                  # [N, T, rows]
    rows = (torch.arange(w.shape[-1], dtype=torch.float32) + 0.5) / S
    tot = w.sum(-1)
    low = (w * rows).sum(-1) / tot.clamp(min=1e-6)
    return torch.where(tot > 1e-6, low, torch.full_like(low, 0.5)).numpy()


def frame_energy(audio: torch.Tensor | np.ndarray, n_frames: int) -> np.ndarray:
    """Log RMS of the audio in each video frame's span, ``[N, T]`` (dB-like, ``log10(rms + 1e-3)``).

    Notebook: 23_2023_mm_diffusion
    """
    a = torch.as_tensor(audio, dtype=torch.float32).reshape(len(audio), -1)
    if a.shape[1] % n_frames:
        raise ValueError(f"{a.shape[1]} samples do not split into {n_frames} frames")
    rms = a.reshape(len(a), n_frames, -1).pow(2).mean(-1).sqrt()
    return torch.log10(rms + 1e-3).numpy()


def _rowcorr(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    x = x - x.mean(1, keepdims=True)
    y = y - y.mean(1, keepdims=True)
    den = np.sqrt((x * x).sum(1) * (y * y).sum(1))
    return np.where(den > 1e-12, (x * y).sum(1) / np.maximum(den, 1e-12), 0.0)


def sync_score(video, audio) -> np.ndarray:
    """Audio-visual alignment per clip: the correlation, over its frames, between how low the ball
    is (:func:`ball_lowness`) and how loud the audio is (:func:`frame_energy`).

    Impacts happen when the ball is on the floor, so a real clip scores high; a video and a sound
    drawn independently score about 0 (a clip with a constant track scores 0).

    Returns:
        float ``[N]`` in [-1, 1].

    Notebook: 23_2023_mm_diffusion
    """
    low = ball_lowness(video)
    return _rowcorr(low, frame_energy(audio, low.shape[1]))


def sync_to_truth(contact: np.ndarray, audio) -> np.ndarray:
    """Alignment of audio with the *known* contact frames ``[N, T]`` of given videos (the ground
    truth of the bounce world): the per-clip correlation between contact and frame energy.

    Notebook: 23_2023_mm_diffusion
    """
    c = np.asarray(contact, np.float64)
    return _rowcorr(c, frame_energy(audio, c.shape[1]))


def clip_features(video, audio) -> np.ndarray:
    """What the memorisation check compares: the grey frames and the per-frame log energy, each
    scaled to unit weight per clip, ``[N, T·S·S + T]``.

    Notebook: 23_2023_mm_diffusion
    """
    v = torch.as_tensor(video, dtype=torch.float32).flatten(1).numpy()
    e = frame_energy(audio, torch.as_tensor(video).shape[2])
    return np.concatenate([v / math.sqrt(v.shape[1]), e / math.sqrt(e.shape[1])], 1).astype(np.float32)


def nearest_train_distance(query: np.ndarray, train: np.ndarray) -> np.ndarray:
    """Euclidean distance from each query feature row to its nearest training row, ``[n_query]``.

    Notebook: 23_2023_mm_diffusion
    """
    q, t = torch.as_tensor(query, dtype=torch.float64), torch.as_tensor(train, dtype=torch.float64)
    return torch.cdist(q, t).min(1).values.numpy()


# ------------------------------------------------------------------------------------------- cost
def attention_cost(shapes: Shapes, base: int, mode: str, window: int, *, batch: int = 8, repeats: int = 3,
                   audio_tokens: int = 5, seed: int = 0) -> dict[str, Any]:
    """Cost of one cross-modal layer at the coarse level: forward + backward seconds (median of
    ``repeats``) and the attention scores it computes (floats per example, and MB for ``batch``).

    Notebook: 23_2023_mm_diffusion
    """
    c = 2 * int(base)
    layer = _train.build_seeded(seed, lambda: CrossModalAttention(c, shapes.n_frames, mode, window))
    g = repro.torch_generator(seed, "m23 cost")
    h = shapes.size // 4
    v = torch.randn((batch, c, shapes.n_frames, h, h), generator=g, requires_grad=True)
    a = torch.randn((batch, c, shapes.n_frames * audio_tokens), generator=g, requires_grad=True)
    times = []
    for _ in range(repeats + 1):
        t0 = time.perf_counter()
        ov, oa = layer(v, a)
        (ov.square().mean() + oa.square().mean()).backward()
        times.append(time.perf_counter() - t0)
    return {"seconds": float(np.median(times[1:])), "scores": int(layer.last_scores),
            "score_mb": layer.last_scores * batch * 4 / 1e6}


__all__ = ["MODES", "AudioBlock", "CoupledUNet", "CrossModalAttention", "Packed", "Shapes", "VideoBlock",
           "VideoToAudio", "attention_cost", "ball_lowness", "chain", "clip_features", "frame_energy", "joint_loss",
           "load_clips", "n_params", "nearest_train_distance", "sample", "sync_score", "sync_to_truth", "to_tensors",
           "train_model", "video_to_audio", "window_index"]
