"""Image-style similarity for frames and spectrograms: PSNR and SSIM (torchmetrics).

VIAI (survey [7]) scores inpainted mel-spectrograms like images:

- **PSNR** ``= 10 log10(R^2 / MSE)`` in dB, with ``R`` the data range (255 for uint8 frames,
  e.g. 80 dB for a log-mel with ``top_db=80``);
- **SSIM** (Wang et al. 2004) compares local means, contrasts and correlations in 11×11
  Gaussian windows (σ = 1.5); 1 = identical structure.

Accepted shapes: one grey image ``[H, W]``, a batch ``[N, H, W]``, or colour ``[N, H, W, C]``.
PSNR uses the mean squared error over the whole set; SSIM is averaged over images.

Notebook: 04_evaluation
"""
from __future__ import annotations

import numpy as np

__all__ = ["psnr", "ssim"]


def _images(pred, target, data_range: float | None):
    import torch

    p, t = np.asarray(pred), np.asarray(target)
    if p.shape != t.shape:
        raise ValueError(f"pred {p.shape} and target {t.shape} must have the same shape")
    if p.ndim not in (2, 3, 4):
        raise ValueError(f"images must be [H, W], [N, H, W] or [N, H, W, C], got shape {p.shape}")
    if data_range is None:
        if p.dtype == np.uint8 and t.dtype == np.uint8:
            data_range = 255.0
        else:
            raise ValueError("data_range is required for float images (e.g. 1.0 for [0, 1] images, "
                             "80.0 for a log-mel in dB with top_db=80)")
    if not data_range > 0:
        raise ValueError(f"data_range must be positive, got {data_range}")
    # float32: torch's float64 convolutions (SSIM's Gaussian window) are several times slower
    p = p.astype(np.float32)
    t = t.astype(np.float32)
    if not (np.all(np.isfinite(p)) and np.all(np.isfinite(t))):
        raise ValueError("images contain NaN or infinity")
    if p.ndim == 2:
        p, t = p[None, None], t[None, None]
    elif p.ndim == 3:
        p, t = p[:, None], t[:, None]
    else:
        p, t = p.transpose(0, 3, 1, 2), t.transpose(0, 3, 1, 2)
    return torch.from_numpy(p), torch.from_numpy(t), float(data_range)


def psnr(pred, target, data_range: float | None = None) -> float:
    """Peak signal-to-noise ratio in dB of a set of images (``torchmetrics``; MSE over all pixels).

    Args:
        pred: generated images, ``[H, W]``, ``[N, H, W]`` or ``[N, H, W, C]``.
        target: real images, same shape.
        data_range: value range ``R`` (default 255 for uint8; required for float input).

    Returns:
        PSNR in dB (infinite for identical images).

    Notebook: 04_evaluation
    """
    from torchmetrics.functional.image import peak_signal_noise_ratio

    p, t, r = _images(pred, target, data_range)
    if bool((p == t).all()):
        return float("inf")
    # one MSE over the whole set: a single identical pair cannot make the mean infinite
    return float(peak_signal_noise_ratio(p, t, data_range=r))


def ssim(pred, target, data_range: float | None = None) -> float:
    """Structural similarity (11×11 Gaussian window, σ = 1.5), averaged over images (``torchmetrics``).

    Args:
        pred: generated images, ``[H, W]``, ``[N, H, W]`` or ``[N, H, W, C]`` (H, W >= 11).
        target: real images, same shape.
        data_range: value range (default 255 for uint8; required for float input).

    Returns:
        SSIM in [-1, 1]; 1 for identical images.

    Notebook: 04_evaluation
    """
    from torchmetrics.functional.image import structural_similarity_index_measure

    p, t, r = _images(pred, target, data_range)
    if min(p.shape[-2:]) < 11:
        raise ValueError(f"SSIM needs images of at least 11x11 pixels, got {tuple(p.shape[-2:])}")
    v = structural_similarity_index_measure(p, t, data_range=r, reduction="none")
    return float(v.mean())
