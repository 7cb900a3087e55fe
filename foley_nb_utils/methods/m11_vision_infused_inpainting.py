"""VIAI (Zhou et al., ICCV 2019): inpaint a missing gap of a log-mel spectrogram from its audio context
and, optionally, the video of the gap.

Small CPU re-implementation of the idea on the keyboard world (notes pressed in the picture decide the
notes heard): the gap is pre-filled by linear interpolation between its two boundary frames (the
non-learned start), a dilated 1-D conv net predicts the gap, and the prediction is composited only inside
the gap (``mask * fake + (1 - mask) * real``). The audio-only variant (VIAI-A) sees the masked mel and the
mask; the audio-visual variant (VIAI-AV) also sees per-frame, per-key visual features: the key-down
probabilities of a *frozen* visual transcriber (notebook 14's :class:`~.m14_sight_to_sound.KeyCNN`,
trained on the training clips' visible key presses; our stand-in for VIAI's pretrained visual network),
resampled to the spectrogram frame rate. The optional contrastive sync loss (VIAI's audio-visual
synchronisation term) pulls each clip's visual embedding of the gap towards the embedding of its own
true gap audio and away from the other clips' in the batch (InfoNCE).

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

__all__ = ["DB_RANGE", "Inpainter", "gap_mask", "gap_scores", "interp_fill", "inpaint", "key_features",
           "mels", "onsets_in_gap", "render", "retrieval_hits", "sync_loss", "train"]


def mels(audio: np.ndarray, sr: int, n_mels: int = 48, n_fft: int = 1024, hop: int = 320, fmin: float = 60.0,
         fmax: float | None = 2000.0) -> np.ndarray:
    """Normalised log-mel spectrograms (VIAI: 320-sample hop at 16 kHz, log, mapped to [0, 1]).

    Args:
        audio: float ``[n, samples]``.
        sr: sample rate (Hz); n_mels, n_fft, hop (samples), fmin, fmax (Hz): the mel settings.

    Returns:
        float32 ``[n, n_mels, frames]`` in [0, 1] (0 = -80 dB, 1 = 0 dB full scale).

    Notebook: 11_2019_vision_infused_inpainting
    """
    a = np.asarray(audio, np.float32)
    if a.ndim != 2 or a.shape[1] < n_fft:
        raise ValueError(f"mels: audio must be [n, samples >= {n_fft}], got shape {a.shape}")
    out = []
    for x in a:
        db = fa.log_mel(x, sr, n_mels=n_mels, n_fft=n_fft, hop=hop, fmin=fmin, fmax=fmax, top_db=None)
        out.append(np.clip((np.maximum(db, -DB_RANGE) + DB_RANGE) / DB_RANGE, 0.0, 1.0))
    return np.stack(out).astype(np.float32)


def render(mel01: np.ndarray, sr: int, n_fft: int = 1024, hop: int = 320, fmin: float = 60.0,
           fmax: float | None = 2000.0, n_iter: int = 32, length: int | None = None, seed: int = 0) -> np.ndarray:
    """Waveform of one [0, 1] log-mel (:func:`mels`) by mel inversion + Griffin-Lim
    (:func:`foley_nb_utils.audio.mel_to_audio`; VIAI uses a WaveNet vocoder instead).

    Returns:
        float32 ``[length]`` waveform, peak-normalised to 0.5.

    Notebook: 11_2019_vision_infused_inpainting
    """
    db = np.asarray(mel01, np.float32) * DB_RANGE - DB_RANGE
    y = fa.mel_to_audio(db, sr, n_fft=n_fft, hop=hop, n_iter=n_iter, fmin=fmin, fmax=fmax,
                        rng=np.random.default_rng(seed), length=length)
    return (0.5 * y / max(float(np.abs(y).max()), 1e-8)).astype(np.float32)


def key_features(probs: np.ndarray, n_frames: int) -> np.ndarray:
    """Per-key visual features aligned to the spectrogram frames.

    Args:
        probs: float ``[n, T_video, K]`` key-down probabilities (:func:`.m14_sight_to_sound.clip_probs`).
        n_frames: spectrogram frames per clip.

    Returns:
        float32 ``[n, 2K, n_frames]``: the probabilities (channels 0..K-1) and their rise since the previous
        video frame (K..2K-1, an onset cue), each held over the spectrogram frames of its video frame
        (nearest neighbour in time).

    Notebook: 11_2019_vision_infused_inpainting
    """
    p = np.asarray(probs, np.float32)
    if p.ndim != 3:
        raise ValueError(f"key_features: probs must be [n, T_video, K], got shape {p.shape}")
    rise = np.zeros_like(p)
    rise[:, 1:] = np.maximum(p[:, 1:] - p[:, :-1], 0)
    f = torch.from_numpy(np.concatenate([p, rise], 2).transpose(0, 2, 1).copy())
    return F.interpolate(f, size=int(n_frames), mode="nearest").numpy().astype(np.float32)


def interp_fill(mel: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Fill the gap by linear interpolation between the frames just outside it (the non-learned baseline
    and the network's pre-fill).

    Args:
        mel: ``[B, M, F]``; mask: ``[B, F]`` with 1 inside one contiguous gap per row.

    Returns:
        ``[B, M, F]``, equal to ``mel`` outside the gap.

    Notebook: 11_2019_vision_infused_inpainting
    """
    Fn = mel.shape[-1]
    gap = mask > 0.5                                                    # [B, F]
    has = gap.any(1)
    t = torch.arange(Fn, device=mel.device)
    s = torch.where(gap, t, Fn).amin(1)                                 # first gap frame
    e = torch.where(gap, t, -1).amax(1) + 1                             # one past the last
    left = mel.gather(2, (s - 1).clamp(0, Fn - 1)[:, None, None].expand(-1, mel.shape[1], 1))
    right = mel.gather(2, e.clamp(0, Fn - 1)[:, None, None].expand(-1, mel.shape[1], 1))
    w = ((t[None] - s[:, None] + 1).to(mel.dtype) / (e - s + 1).clamp(min=1)[:, None].to(mel.dtype))[:, None]
    fill = left * (1 - w) + right * w                                   # [B, M, F]
    return torch.where((gap & has[:, None])[:, None], fill, mel)


class _Res(nn.Module):
    def __init__(self, ch: int, dil: int):
        super().__init__()
        self.conv = nn.Conv1d(ch, ch, 3, padding=dil, dilation=dil)
        self.norm = nn.GroupNorm(4, ch)

    def forward(self, x):
        return x + F.gelu(self.norm(self.conv(x)))


class Inpainter(nn.Module):
    """Gap inpainter over the time axis of a mel spectrogram (mel bands as channels).

    Args:
        n_mels: mel bands; hidden: channels; dilations: dilated residual convs (receptive field);
        vis_channels: channels of the visual features (0: VIAI-A, no vision); vis_dim: their embedding;
        emb_dim: size of the sync embeddings (used by :func:`sync_loss`).

    ``forward(mel_masked [B, M, F], mask [B, F], vis [B, C, F] or None) -> [B, M, F]`` in [0, 1],
    composited so that it equals the input outside the gap. ``vis_embed(vis)`` and ``audio_embed(mel)``
    give ``[B, emb_dim, F]`` per-frame embeddings of the two streams for the sync loss.

    Notebook: 11_2019_vision_infused_inpainting
    """

    def __init__(self, n_mels: int = 48, hidden: int = 64, dilations=(1, 2, 4, 8, 1), vis_channels: int = 0,
                 vis_dim: int = 32, emb_dim: int = 32):
        super().__init__()
        self.vis_channels = int(vis_channels)
        if self.vis_channels:
            self.vis = nn.Sequential(nn.Conv1d(self.vis_channels, vis_dim, 3, padding=1), nn.GELU(),
                                     nn.Conv1d(vis_dim, vis_dim, 3, padding=1), nn.GELU())
            self.vis_head = nn.Conv1d(vis_dim, emb_dim, 1)
            self.aud_head = nn.Sequential(nn.Conv1d(n_mels, emb_dim, 3, padding=1), nn.GELU(),
                                          nn.Conv1d(emb_dim, emb_dim, 1))
        cin = n_mels + 1 + (vis_dim if self.vis_channels else 0)
        self.inp = nn.Conv1d(cin, hidden, 3, padding=1)
        self.body = nn.Sequential(*[_Res(hidden, d) for d in dilations])
        self.out = nn.Conv1d(hidden, n_mels, 1)

    def vis_embed(self, vis: torch.Tensor) -> torch.Tensor:
        return self.vis_head(self.vis(vis))

    def audio_embed(self, mel: torch.Tensor) -> torch.Tensor:
        return self.aud_head(mel * 2 - 1)

    def forward(self, mel, mask, vis=None):
        filled = interp_fill(mel, mask)
        parts = [filled * 2 - 1, mask[:, None]]
        if self.vis_channels:
            if vis is None or vis.shape[1] != self.vis_channels or vis.shape[-1] != mel.shape[-1]:
                raise ValueError(f"Inpainter with vision needs vis [B, {self.vis_channels}, {mel.shape[-1]}], got "
                                 f"{None if vis is None else tuple(vis.shape)}")
            parts.append(self.vis(vis))
        h = self.body(self.inp(torch.cat(parts, 1)))
        fake = torch.sigmoid(self.out(h) + torch.logit(filled.clamp(1e-3, 1 - 1e-3)))
        m = mask[:, None]
        return m * fake + (1 - m) * mel


def sync_loss(model: Inpainter, mel: torch.Tensor, vis: torch.Tensor, mask: torch.Tensor,
              temperature: float = 0.1) -> torch.Tensor:
    """Contrastive audio-visual sync loss (InfoNCE, both directions) on the gap.

    Each clip's visual embedding and true-audio embedding are averaged over its gap frames and
    L2-normalised; the clip's own pair is the positive, the batch's other clips the negatives:
    ``L = ½ [CE(a·vᵀ/τ, diag) + CE(v·aᵀ/τ, diag)]``.

    Args:
        mel: true ``[B, M, F]``; vis: ``[B, C, F]``; mask: ``[B, F]``.

    Notebook: 11_2019_vision_infused_inpainting
    """
    m = mask[:, None]
    k = m.sum(-1).clamp(min=1)
    a = F.normalize((model.audio_embed(mel) * m).sum(-1) / k, dim=1)
    v = F.normalize((model.vis_embed(vis) * m).sum(-1) / k, dim=1)
    logits = a @ v.T / temperature
    y = torch.arange(len(a))
    return 0.5 * (F.cross_entropy(logits, y) + F.cross_entropy(logits.T, y))


def gap_mask(n: int, n_frames: int, length: int | np.ndarray, gen: np.random.Generator, margin: int = 5) -> np.ndarray:
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


def train(mel: np.ndarray, vis: np.ndarray | None, *, sync: float = 0.0, steps: int, batch: int, lr: float,
          gap_range: tuple[int, int], seed: int, hidden: int = 64, name: str | None = None,
          progress: bool = False) -> Inpainter:
    """Train one variant: L1 inside the gap (+ ``sync`` × :func:`sync_loss` when > 0).

    Args:
        mel: ``[n, M, F]`` training mels; vis: ``[n, C, F]`` visual features (None: VIAI-A).

    Every variant with the same ``seed`` gets the same batches and gaps. Checkpoints go through
    :func:`fnu.train.fit` when ``name`` is given.

    Notebook: 11_2019_vision_infused_inpainting
    """
    from foley_nb_utils import repro
    from foley_nb_utils import train as ft
    if sync < 0 or (sync > 0 and vis is None):
        raise ValueError(f"train: sync weight must be >= 0 and needs visual features, got sync={sync}, "
                         f"vis={'None' if vis is None else 'given'}")
    n, M, Fn = mel.shape
    C = 0 if vis is None else int(vis.shape[1])
    cfg = dict(m11=2, sync=sync, steps=steps, batch=batch, lr=lr, gap_range=list(gap_range), seed=seed,
               hidden=hidden, C=C, data=repro.config_hash([np.asarray(mel).tobytes()[::997],
                                                           b"" if vis is None else np.asarray(vis).tobytes()[::997]]))
    G = ft.build_seeded(seed, lambda: Inpainter(M, hidden, vis_channels=C))
    melt = torch.from_numpy(np.ascontiguousarray(mel))
    vist = None if vis is None else torch.from_numpy(np.ascontiguousarray(vis))
    plans = []
    r = np.random.default_rng(seed + 1000)
    for _ in range(steps):
        idx = r.choice(n, batch, replace=False)      # distinct clips: the sync loss's negatives
        L = r.integers(gap_range[0], gap_range[1] + 1, batch)
        plans.append((torch.from_numpy(idx), torch.from_numpy(gap_mask(batch, Fn, L, r))))

    def data(step):
        idx, m = plans[step % len(plans)]
        return melt[idx], m, None if vist is None else vist[idx]

    def loss(Gm, b):
        x, m, v = b
        y = Gm(x * (1 - m[:, None]), m, v)
        rec = (y - x).abs().sum() / (m.sum() * M)
        return rec + (sync * sync_loss(Gm, x, v, m) if sync > 0 else 0.0)

    ft.fit(G, data, loss, steps=steps, lr=lr, name=name, config=cfg, progress=progress)
    return G.eval()


@torch.no_grad()
def inpaint(model: Inpainter | None, mel: np.ndarray, vis: np.ndarray | None, mask: np.ndarray,
            chunk: int = 256) -> np.ndarray:
    """Inpaint each clip's gap; ``model=None`` gives the linear-interpolation baseline. ``[n, M, F]``.

    Notebook: 11_2019_vision_infused_inpainting
    """
    out = []
    for s in range(0, len(mel), chunk):
        x, m = torch.from_numpy(mel[s:s + chunk]), torch.from_numpy(mask[s:s + chunk])
        xm = x * (1 - m[:, None])
        if model is None:
            out.append(interp_fill(xm, m).numpy())
        else:
            v = None if (vis is None or not model.vis_channels) else torch.from_numpy(vis[s:s + chunk])
            out.append(model(xm, m, v).numpy())
    return np.concatenate(out)


def gap_scores(pred: np.ndarray, true: np.ndarray, mask: np.ndarray) -> dict[str, np.ndarray]:
    """Per-clip scores inside the gap.

    Returns:
        ``l1_db`` mean ``|pred − true|`` in dB; ``psnr`` on [0, 1] mels inside the gap. Each ``[n]``.

    Notebook: 11_2019_vision_infused_inpainting
    """
    if pred.shape != true.shape or mask.shape != (pred.shape[0], pred.shape[2]):
        raise ValueError(f"gap_scores: shapes {pred.shape}, {true.shape}, {mask.shape} do not match")
    m = mask[:, None, :]
    k = m.sum((1, 2)) * pred.shape[1]
    err = np.abs(pred - true) * m
    mse = (err ** 2).sum((1, 2)) / k
    return {"l1_db": err.sum((1, 2)) / k * DB_RANGE, "psnr": 10 * np.log10(1.0 / np.maximum(mse, 1e-10))}


@torch.no_grad()
def retrieval_hits(model: Inpainter, mel: np.ndarray, vis: np.ndarray, mask: np.ndarray, group: int = 32) -> np.ndarray:
    """Audio→video retrieval through the inpainter: within groups of ``group`` test clips, each clip's
    gapped audio is inpainted with every clip's visual features, and the video whose fill is closest
    to the true gap (L1) is retrieved. The same protocol scores any AV model, with or without the sync loss.

    Returns:
        float ``[n]``: 1 where the clip's own video is retrieved first (R@1 = the mean); chance is 1/group.

    Notebook: 11_2019_vision_infused_inpainting
    """
    n = len(mel) // group * group
    if n == 0:
        raise ValueError(f"retrieval_hits: needs at least group={group} clips, got {len(mel)}")
    hits = np.zeros(n)
    M = model.out.out_channels
    w_a, w_v = model.inp.weight[:, :M + 1], model.inp.weight[:, M + 1:]   # audio+mask | visual input channels
    for g0 in range(0, n, group):
        sl = slice(g0, g0 + group)
        x, m, v = torch.from_numpy(mel[sl]), torch.from_numpy(mask[sl]), torch.from_numpy(vis[sl])
        # the first conv is linear in its input channels: its audio part is computed once per query and its
        # visual part once per candidate video, then summed over all group x group pairs (query-major)
        filled = interp_fill(x * (1 - m[:, None]), m)
        ha = F.conv1d(torch.cat([filled * 2 - 1, m[:, None]], 1), w_a, model.inp.bias, padding=1)
        hv = F.conv1d(model.vis(v), w_v, None, padding=1)
        h = model.body((ha[:, None] + hv[None]).flatten(0, 1))
        qi = torch.arange(group).repeat_interleave(group)   # query clip of each pair
        fake = torch.sigmoid(model.out(h) + torch.logit(filled.clamp(1e-3, 1 - 1e-3))[qi])
        err = ((fake - x[qi]).abs() * m[qi][:, None]).sum((1, 2)).reshape(group, group)   # inside the gap only
        hits[g0:g0 + group] = (err.argmin(1) == torch.arange(group)).numpy()
    return hits


def onsets_in_gap(onset_times: list[np.ndarray], mask: np.ndarray, frame_rate: float) -> np.ndarray:
    """bool ``[n]``: whether a note starts inside each clip's gap.

    Args:
        onset_times: per clip, onset times in seconds; mask: ``[n, F]``; frame_rate: spectrogram frames/s.

    Notebook: 11_2019_vision_infused_inpainting
    """
    if len(onset_times) != len(mask):
        raise ValueError(f"onsets_in_gap: {len(onset_times)} onset lists for {len(mask)} masks")
    out = np.zeros(len(mask), bool)
    for i, t in enumerate(onset_times):
        idx = np.flatnonzero(mask[i] > 0.5)
        if len(idx):
            t = np.asarray(t, float)
            out[i] = bool(np.any((t >= idx[0] / frame_rate) & (t < (idx[-1] + 1) / frame_rate)))
    return out
