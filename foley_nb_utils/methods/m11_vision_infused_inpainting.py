"""VIAI (Zhou et al., ICCV 2019): inpaint a missing gap of a log-mel spectrogram from its audio context
and, optionally, the video.

Small CPU re-implementation of the idea: the gap is pre-filled by linear interpolation between its two
boundary frames (VIAI's non-learned start), a network predicts the gap, and the prediction is composited
only inside the gap (``mask * fake + (1 - mask) * real``). The audio-only variant (VIAI-A) sees the masked
mel and the mask; the audio-visual variant (VIAI-AV) also sees per-frame video features (grey frames and
frame differences, our stand-in for RGB + optical flow), resampled to the mel frame rate. An optional
LSGAN term on the gap (a PatchGAN-like 1-D discriminator) is the paper's adversarial loss.

Notebook: 11_2019_vision_infused_inpainting
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from foley_nb_utils import audio as fa

DB_RANGE = 80.0   # log-mel is clipped to [-80, 0] dB and mapped to [0, 1]


def mels(audio: np.ndarray, sr: int, n_mels: int = 40, n_fft: int = 512, hop: int = 160) -> np.ndarray:
    """Normalised log-mel spectrograms.

    Args:
        audio: float ``[n, samples]``.
        sr: sample rate (Hz).

    Returns:
        float32 ``[n, n_mels, frames]`` in [0, 1] (0 = -80 dB, 1 = 0 dB full scale).

    Notebook: 11_2019_vision_infused_inpainting
    """
    a = np.asarray(audio, np.float32)
    if a.ndim != 2 or a.shape[1] < n_fft:
        raise ValueError(f"mels: audio must be [n, samples >= {n_fft}], got shape {a.shape}")
    out = []
    for x in a:
        db = fa.log_mel(x, sr, n_mels=n_mels, n_fft=n_fft, hop=hop, top_db=None)
        out.append(np.clip((np.maximum(db, -DB_RANGE) + DB_RANGE) / DB_RANGE, 0.0, 1.0))
    return np.stack(out).astype(np.float32)


def video_features(frames: np.ndarray, size: int = 16) -> np.ndarray:
    """Grey frames and frame differences, pooled to ``size``×``size``.

    Args:
        frames: uint8 ``[n, T, H, W, 3]``.

    Returns:
        float32 ``[n, T, 2, size, size]`` (channel 0: grey in [0, 1]; channel 1: |difference to the
        previous frame|, 0 on the first frame), the CPU stand-in for RGB + optical flow.

    Notebook: 11_2019_vision_infused_inpainting
    """
    f = np.asarray(frames)
    if f.ndim != 5 or f.shape[-1] != 3:
        raise ValueError(f"video_features: frames must be [n, T, H, W, 3], got shape {f.shape}")
    g = torch.from_numpy(f.astype(np.float32).mean(-1) / 255.0)            # [n, T, H, W]
    n, T, H, W = g.shape
    g = F.adaptive_avg_pool2d(g.reshape(n * T, 1, H, W), size).reshape(n, T, size, size)
    d = torch.zeros_like(g)
    d[:, 1:] = (g[:, 1:] - g[:, :-1]).abs() * 4.0
    return torch.stack([g, d], 2).numpy().astype(np.float32)


def interp_fill(mel: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Fill the gap by linear interpolation between the frames just outside it (VIAI's pre-fill).

    Args:
        mel: ``[B, M, F]``; mask: ``[B, F]`` with 1 inside one contiguous gap per row.

    Returns:
        ``[B, M, F]``, equal to ``mel`` outside the gap.

    Notebook: 11_2019_vision_infused_inpainting
    """
    out = mel.clone()
    Fn = mel.shape[-1]
    for b in range(mel.shape[0]):
        idx = torch.nonzero(mask[b] > 0.5).flatten()
        if len(idx) == 0:
            continue
        s, e = int(idx[0]), int(idx[-1]) + 1
        left = mel[b, :, max(s - 1, 0)]
        right = mel[b, :, min(e, Fn - 1)]
        w = torch.linspace(0, 1, e - s + 2, device=mel.device)[1:-1]
        out[b, :, s:e] = left[:, None] * (1 - w) + right[:, None] * w
    return out


class _Res(nn.Module):
    def __init__(self, ch: int, dil: int):
        super().__init__()
        self.conv = nn.Conv1d(ch, ch, 3, padding=dil, dilation=dil)
        self.norm = nn.GroupNorm(4, ch)

    def forward(self, x):
        return x + F.gelu(self.norm(self.conv(x)))


class Inpainter(nn.Module):
    """Gap inpainter over the time axis of a mel spectrogram.

    Args:
        n_mels: mel bands; hidden: channels; dilations: dilated residual convs (receptive field);
        use_video: VIAI-AV (True) or VIAI-A (False); vid_dim: per-frame video embedding size.

    ``forward(mel_masked [B, M, F], mask [B, F], video [B, T, 2, s, s] or None) -> [B, M, F]`` in
    [0, 1], composited so that it equals the input outside the gap.

    Notebook: 11_2019_vision_infused_inpainting
    """

    def __init__(self, n_mels: int = 40, hidden: int = 64, dilations=(1, 2, 4, 8, 16, 1), use_video: bool = True,
                 vid_dim: int = 32):
        super().__init__()
        self.use_video = bool(use_video)
        self.vid = nn.Sequential(nn.Conv2d(2, 16, 3, 2, 1), nn.GELU(), nn.Conv2d(16, 32, 3, 2, 1), nn.GELU(),
                                 nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, vid_dim)) if use_video else None
        self.vid_t = nn.Conv1d(vid_dim, vid_dim, 3, padding=1) if use_video else None
        cin = n_mels + 1 + (vid_dim if use_video else 0)
        self.inp = nn.Conv1d(cin, hidden, 3, padding=1)
        self.body = nn.Sequential(*[_Res(hidden, d) for d in dilations])
        self.out = nn.Conv1d(hidden, n_mels, 1)

    def forward(self, mel, mask, video=None):
        filled = interp_fill(mel, mask)
        parts = [filled * 2 - 1, mask[:, None]]
        if self.use_video:
            if video is None:
                raise ValueError("Inpainter(use_video=True) needs video [B, T, 2, s, s]")
            B, T = video.shape[:2]
            v = self.vid(video.reshape(B * T, *video.shape[2:])).reshape(B, T, -1).transpose(1, 2)
            v = F.interpolate(F.gelu(self.vid_t(v)), size=mel.shape[-1], mode="linear", align_corners=False)
            parts.append(v)
        h = self.body(self.inp(torch.cat(parts, 1)))
        fake = torch.sigmoid(self.out(h) + torch.logit(filled.clamp(1e-3, 1 - 1e-3)))
        m = mask[:, None]
        return m * fake + (1 - m) * mel


class GapDiscriminator(nn.Module):
    """PatchGAN-like 1-D discriminator on (mel, mask): one score per time patch, ``[B, F']``.

    Notebook: 11_2019_vision_infused_inpainting
    """

    def __init__(self, n_mels: int = 40, hidden: int = 48):
        super().__init__()
        self.net = nn.Sequential(nn.Conv1d(n_mels + 1, hidden, 4, 2, 1), nn.LeakyReLU(0.2),
                                 nn.Conv1d(hidden, hidden, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv1d(hidden, 1, 3, 1, 1))

    def forward(self, mel, mask):
        return self.net(torch.cat([mel * 2 - 1, mask[:, None]], 1)).squeeze(1)


def gap_mask(n: int, n_frames: int, length: int | np.ndarray, gen: np.random.Generator, margin: int = 10) -> np.ndarray:
    """One contiguous gap per clip at a random start (``margin`` frames of context kept on each side).

    Args:
        length: gap length in frames (one number or ``[n]``).

    Returns:
        float32 ``[n, n_frames]`` with 1 inside the gap.

    Notebook: 11_2019_vision_infused_inpainting
    """
    L = np.broadcast_to(np.asarray(length, int), (n,))
    if (L < 1).any() or (L + 2 * margin > n_frames).any():
        raise ValueError(f"gap_mask: gap lengths must be in [1, {n_frames - 2 * margin}], got {sorted(set(L.tolist()))}")
    m = np.zeros((n, n_frames), np.float32)
    for i, l in enumerate(L):
        s = int(gen.integers(margin, n_frames - margin - l + 1))
        m[i, s:s + l] = 1
    return m


def train(mel: np.ndarray, vid: np.ndarray, *, use_video: bool, adversarial: float, steps: int, batch: int,
          lr: float, gap_range: tuple[int, int], seed: int, hidden: int = 64, name: str | None = None,
          progress: bool = False) -> Inpainter:
    """Train one variant: L1 inside the gap (+ ``adversarial`` × LSGAN when > 0).

    Every variant with the same ``seed`` gets the same initial inpainter weights and the same batches
    and gaps. Checkpoints go through :func:`fnu.train.fit` / :func:`fnu.train.fit_gan` when ``name``.

    Notebook: 11_2019_vision_infused_inpainting
    """
    from foley_nb_utils import train as ft
    if adversarial < 0:
        raise ValueError(f"train: adversarial weight must be >= 0, got {adversarial}")
    n, M, Fn = mel.shape
    cfg = dict(use_video=use_video, adversarial=adversarial, steps=steps, batch=batch, lr=lr,
               gap_range=list(gap_range), seed=seed, hidden=hidden, n=n, M=M, F=Fn,
               data=float(np.asarray(mel, np.float64).sum()))
    G = ft.build_seeded(seed, lambda: Inpainter(M, hidden, use_video=use_video))
    melt, vidt = torch.from_numpy(mel), torch.from_numpy(vid)
    plans = []
    r = np.random.default_rng(seed + 1000)
    for _ in range(steps):
        idx = r.integers(0, n, batch)
        L = r.integers(gap_range[0], gap_range[1] + 1, batch)
        plans.append((torch.from_numpy(idx), torch.from_numpy(gap_mask(batch, Fn, L, r))))

    def data(step):
        idx, m = plans[step % len(plans)]
        return melt[idx], m, vidt[idx]

    def l1(Gm, b):
        x, m, v = b
        y = Gm(x * (1 - m[:, None]), m, v)
        return (y - x).abs().sum() / (m.sum() * M)

    if adversarial == 0:
        ft.fit(G, data, l1, steps=steps, lr=lr, name=name, config=cfg, progress=progress)
        return G.eval()
    D = ft.build_seeded(seed + 1, lambda: GapDiscriminator(M))

    def d_loss(Gm, Dm, b):
        x, m, v = b
        with torch.no_grad():
            y = Gm(x * (1 - m[:, None]), m, v)
        return ((Dm(x, m) - 1) ** 2).mean() + (Dm(y, m) ** 2).mean()

    def g_loss(Gm, Dm, b):
        x, m, v = b
        y = Gm(x * (1 - m[:, None]), m, v)
        rec = (y - x).abs().sum() / (m.sum() * M)
        return rec + adversarial * ((Dm(y, m) - 1) ** 2).mean()

    ft.fit_gan(G, D, data, d_loss, g_loss, steps=steps, lr_g=lr, lr_d=lr, name=name, config=cfg, progress=progress)
    return G.eval()


@torch.no_grad()
def inpaint(model: Inpainter | None, mel: np.ndarray, vid: np.ndarray, mask: np.ndarray, chunk: int = 64) -> np.ndarray:
    """Inpaint each clip's gap; ``model=None`` gives the linear-interpolation baseline. ``[n, M, F]``.

    Notebook: 11_2019_vision_infused_inpainting
    """
    out = []
    for s in range(0, len(mel), chunk):
        x, m = torch.from_numpy(mel[s:s + chunk]), torch.from_numpy(mask[s:s + chunk])
        xm = x * (1 - m[:, None])
        out.append((interp_fill(xm, m) if model is None else model(xm, m, torch.from_numpy(vid[s:s + chunk]))).numpy())
    return np.concatenate(out)


def gap_scores(pred: np.ndarray, true: np.ndarray, mask: np.ndarray) -> dict[str, np.ndarray]:
    """Per-clip scores inside the gap.

    Returns:
        ``l1_db`` mean |pred − true| in dB; ``sharp_err_db`` |temporal contrast(pred) − temporal
        contrast(true)| in dB, where temporal contrast is the mean |frame-to-frame change| inside the
        gap (a blurred, over-smooth gap has too little); ``psnr`` on [0, 1] mels inside the gap.
        Each ``[n]``.

    Notebook: 11_2019_vision_infused_inpainting
    """
    if pred.shape != true.shape or mask.shape != (pred.shape[0], pred.shape[2]):
        raise ValueError(f"gap_scores: shapes {pred.shape}, {true.shape}, {mask.shape} do not match")
    m = mask[:, None, :]
    k = m.sum((1, 2)) * pred.shape[1]
    err = np.abs(pred - true) * m
    l1 = err.sum((1, 2)) / k * DB_RANGE
    mse = (err ** 2).sum((1, 2)) / k
    mm = mask[:, 1:] * mask[:, :-1]

    def contrast(x):
        return (np.abs(np.diff(x, axis=2)) * mm[:, None]).sum((1, 2)) / np.maximum(mm.sum(1) * x.shape[1], 1)
    sharp = np.abs(contrast(pred) - contrast(true)) * DB_RANGE
    return {"l1_db": l1, "sharp_err_db": sharp, "psnr": 10 * np.log10(1.0 / np.maximum(mse, 1e-10))}


def events_in_gap(events: list[list[Any]], mask: np.ndarray, frame_rate: float) -> np.ndarray:
    """bool ``[n]``: whether a visible event starts inside each clip's gap (``frame_rate`` mel frames/s).

    Notebook: 11_2019_vision_infused_inpainting
    """
    out = np.zeros(len(mask), bool)
    for i, ev in enumerate(events):
        idx = np.flatnonzero(mask[i] > 0.5)
        if len(idx) == 0:
            continue
        t0, t1 = idx[0] / frame_rate, (idx[-1] + 1) / frame_rate
        out[i] = any(getattr(e, "visible", True) and t0 <= e.time_s < t1 for e in ev)
    return out
