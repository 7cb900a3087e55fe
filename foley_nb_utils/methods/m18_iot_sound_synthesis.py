"""Sound synthesis on an edge device (Ghose & Prevost, IEEE SoSE 2020): AutoFoley's pipeline, measured on a CPU.

The SoSE paper places AutoFoley-style synthesis in an Internet-of-Things "system of systems":
cameras send silent video, deep networks return a synchronised sound track. No code or text of the
paper was found (only the survey's description); the pipeline is the one of notebook 16
(:mod:`foley_nb_utils.methods.m16_autofoley`, by the same authors), **imported, not re-written**:
a CNN + fast-slow LSTM recogniser of the sound class, an event detector, a class-conditioned mel
generator and Griffin-Lim. What this module adds is the edge device's questions:

- :func:`time_stages` — per-clip latency of each stage of the pipeline (batch 1, as a camera
  stream arrives), on a fixed number of torch threads, the median over repeats;
- :func:`edge_stages` — the stages of the pipeline as callables on one test clip;
- :func:`quantise` — int8 dynamic quantisation (``torch.ao.quantization.quantize_dynamic``) of the
  LSTM cells and linear layers;
- :func:`state_dict_bytes`, :func:`stage_flops` — a model's size on disk and the FLOPs of each
  stage for one clip (``torch.utils.flop_counter``);
- :func:`small_recogniser` — the same recogniser with a narrower CNN and a hidden size / 4.

Notebook: 18_2020_iot_sound_synthesis
"""
from __future__ import annotations

import copy
import io
import time
import warnings
from typing import Any, Callable, Sequence

import numpy as np
import torch
from torch import nn

from . import m15_regnet as _m15
from . import m16_autofoley as m16

#: The stages of the edge pipeline, in order.
STAGES = ("recognition", "event detection", "mel generation", "vocoder")


def small_recogniser(n_classes: int, *, width: int = 16, feat: int = 32, rnn: int = 32, shrink: int = 4):
    """Notebook 16's Frame Sequence Network (interpolation ×2, CNN, FS-LSTM) made small for an edge
    device: CNN channels and features halved, the LSTM hidden sizes divided by ``shrink``.

    Notebook: 18_2020_iot_sound_synthesis
    """
    if not (isinstance(shrink, int) and 1 <= shrink <= rnn):
        raise ValueError(f"shrink must be an integer between 1 and rnn={rnn}, got {shrink!r}")
    return m16.SequenceClassifier(n_classes, rnn="fs-lstm", interpolate=2, width=max(1, width // 2),
                                  feat=max(1, feat // 2), fast=rnn // shrink, slow=rnn // shrink)


def quantise(model: nn.Module) -> nn.Module:
    """An int8 copy of ``model``: dynamic quantisation of its ``nn.LSTMCell`` and ``nn.Linear``
    layers (weights stored as int8, activations quantised on the fly; the convolutions stay float).
    The original model is not changed.

    Notebook: 18_2020_iot_sound_synthesis
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"quantise needs an nn.Module, got {type(model).__name__}")
    with warnings.catch_warnings():  # torch 2.x deprecates the eager API (it still works)
        warnings.simplefilter("ignore")
        q = torch.ao.quantization.quantize_dynamic(copy.deepcopy(model).cpu().eval(), {nn.LSTMCell, nn.Linear},
                                                   dtype=torch.qint8)
    return q.eval()


def state_dict_bytes(model: nn.Module) -> int:
    """Size in bytes of ``torch.save(model.state_dict())`` — what the device has to store.

    Notebook: 18_2020_iot_sound_synthesis
    """
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.save(model.state_dict(), buf)
    return len(buf.getvalue())


def _count(fn: Callable[[], Any]) -> int:
    from torch.utils.flop_counter import FlopCounterMode

    with torch.no_grad(), FlopCounterMode(display=False) as fc:
        fn()
    return int(fc.get_total_flops())


def edge_stages(recogniser: nn.Module, detector: nn.Module, generator: nn.Module, frames: np.ndarray, *,
                fps: float, n_mel: int, n_samples: int, gl_iter: int = 16, seed: int = 0) -> dict[str, Callable]:
    """The pipeline's stages as callables ``stage(k)`` on test clip ``k`` of ``frames [N, T, S, S, 3]``,
    each fed with what the stage before it returns for that clip (computed once, batched, here):

    - ``recognition``: class probabilities ``[1, C]`` from the recogniser;
    - ``event detection``: the event track ``[1, T]`` (detector logits → :func:`m16.pick_events`);
    - ``mel generation``: the normalised mel ``[1, n_mels, n_mel]`` from class and track;
    - ``vocoder``: the waveform ``[1, n_samples]`` by Griffin-Lim (``gl_iter`` iterations).

    Returns:
        ``{stage: callable}`` in :data:`STAGES` order (the callables close over the batched inputs).

    Notebook: 18_2020_iot_sound_synthesis
    """
    frames = np.asarray(frames)
    if frames.ndim != 5 or frames.shape[-1] != 3:
        raise ValueError(f"frames must be [N, T, S, S, 3], got shape {frames.shape}")
    if gl_iter < 1:
        raise ValueError(f"gl_iter must be >= 1, got {gl_iter!r}")
    for m in (recogniser, detector, generator):
        m.eval()
    x = torch.as_tensor(frames)
    prob = torch.as_tensor(m16.predict(recogniser, frames))
    with torch.no_grad():
        logits = torch.cat([detector(x[i:i + 128]) for i in range(0, len(x), 128)]).numpy()
    track = torch.as_tensor(m16.pick_events(logits))
    mel = m16.synthesise(generator, prob.numpy(), track.numpy(), n_mel, fps)

    @torch.no_grad()
    def recognition(k):
        return torch.softmax(recogniser(x[k:k + 1]), -1)

    @torch.no_grad()
    def detection(k):
        return m16.pick_events(detector(x[k:k + 1]).numpy())

    @torch.no_grad()
    def generation(k):
        return generator(prob[k:k + 1], track[k:k + 1], n_mel, fps)

    def vocoder(k):
        return _m15.griffin_lim(mel[k:k + 1], n_samples, n_iter=gl_iter, seed=seed)

    return dict(zip(STAGES, (recognition, detection, generation, vocoder)))


def time_stages(stages: dict[str, Callable[[int], Any]], clips: Sequence[int], *, repeats: int = 3,
                threads: int = 1, warmup: int = 1) -> dict[str, np.ndarray]:
    """Wall time of each stage on each clip, batch 1, on ``threads`` torch threads.

    Every stage first runs ``warmup`` times (first calls allocate and plan FFTs); then, for each
    repeat, every clip goes through every stage in turn (repeats are interleaved, so that a burst
    of load elsewhere on the machine spreads over clips instead of hitting one clip's repeats).

    Returns:
        ``{stage: seconds [len(clips), repeats]}``. torch's thread count is restored afterwards.

    Notebook: 18_2020_iot_sound_synthesis
    """
    if not (isinstance(repeats, int) and repeats >= 1):
        raise ValueError(f"repeats must be a positive integer, got {repeats!r}")
    if not (isinstance(threads, int) and threads >= 1):
        raise ValueError(f"threads must be a positive integer, got {threads!r}")
    clips = list(clips)
    if not clips:
        raise ValueError("time_stages needs at least one clip")
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    out = {name: np.zeros((len(clips), repeats)) for name in stages}
    try:
        for name, fn in stages.items():
            for _ in range(warmup):
                fn(clips[0])
        for r in range(repeats):
            for i, k in enumerate(clips):
                for name, fn in stages.items():
                    t0 = time.perf_counter()
                    fn(k)
                    out[name][i, r] = time.perf_counter() - t0
    finally:
        torch.set_num_threads(before)
    return out


def stage_flops(recogniser: nn.Module, detector: nn.Module, generator: nn.Module, frames: np.ndarray, *,
                fps: float, n_mel: int, n_samples: int, gl_iter: int = 16) -> dict[str, int]:
    """FLOPs of each stage on one clip ``frames [T, S, S, 3]`` counted by
    :class:`torch.utils.flop_counter.FlopCounterMode` (matrix products and convolutions, 2 per
    multiply-add). The vocoder's FFTs are *not* counted (the counter does not know them): its entry
    is the filterbank inversion only.

    Notebook: 18_2020_iot_sound_synthesis
    """
    f = np.asarray(frames)
    if f.ndim != 4:
        raise ValueError(f"frames must be one clip [T, S, S, 3], got shape {f.shape}")
    st = edge_stages(recogniser, detector, generator, f[None], fps=fps, n_mel=n_mel, n_samples=n_samples,
                     gl_iter=gl_iter)
    return {name: _count(lambda fn=fn: fn(0)) for name, fn in st.items()}


def realtime_factor(seconds: np.ndarray, clip_s: float) -> np.ndarray:
    """Processing time per second of video: < 1 is faster than real time.

    Notebook: 18_2020_iot_sound_synthesis
    """
    if not clip_s > 0:
        raise ValueError(f"clip_s must be positive, got {clip_s!r}")
    return np.asarray(seconds, np.float64) / float(clip_s)


@torch.no_grad()
def stream(recogniser: nn.Module, detector: nn.Module, generator: nn.Module, frames: np.ndarray, *, fps: float,
           n_mel: int, chunk: int = 4, batch_size: int = 128) -> dict[str, np.ndarray]:
    """Causal, chunked synthesis: the video arrives ``chunk`` frames at a time and each chunk's sound
    is emitted when the chunk has arrived, never revised, using nothing from later frames.

    For chunk j, with ``e`` its last real frame:

    - **class so far**: the recogniser (notebook 16's :class:`~foley_nb_utils.methods.m16_autofoley.SequenceClassifier`:
      CNN, ×2 blending, FS-LSTM) averages its FS-LSTM outputs up to real frame ``e`` (the FS-LSTM is
      causal, and the blended frame after ``e`` needs frame ``e + 1``, which has not arrived);
    - **events**: the detector runs on frames ``0 … e`` (its look-ahead of two frames is cut at the
      chunk's end) and the chunk's frames take their events from it;
    - **sound**: the generator gets the class so far and the event track known so far (zeros
      after ``e``); the chunk's span of mel frames is kept.

    Args:
        frames: ``[N, T, S, S, 3]``; ``chunk``: real frames per chunk (1 … T).

    Returns:
        A dict: ``"mel"`` ``[N, n_mels, n_mel]``, ``"prob"`` ``[N, n_chunks, C]`` (class so far after
        each chunk), ``"track"`` ``[N, T]``.

    Notebook: 18_2020_iot_sound_synthesis
    """
    x = torch.as_tensor(np.asarray(frames))
    if x.ndim != 5:
        raise ValueError(f"frames must be [N, T, S, S, 3], got shape {tuple(x.shape)}")
    N, T = x.shape[:2]
    if not (isinstance(chunk, int) and 1 <= chunk <= T):
        raise ValueError(f"chunk must be an integer number of frames between 1 and {T}, got {chunk!r}")
    for attr in ("cnn", "rnn", "head", "interpolate"):
        if not hasattr(recogniser, attr):
            raise TypeError(f"stream needs notebook 16's SequenceClassifier "
                            f"(no {attr!r} on {type(recogniser).__name__})")
    for m in (recogniser, detector, generator):
        m.eval()
    step = int(recogniser.interpolate)
    outs = []
    for i in range(0, N, batch_size):
        xi = x[i:i + batch_size]
        xi = m16.interpolate_frames(xi, step) if step > 1 else xi
        outs.append(recogniser.rnn(recogniser.cnn(xi)))                  # [B, step (T-1) + 1, H]
    h = torch.cat(outs)
    running = h.cumsum(1) / torch.arange(1, h.shape[1] + 1, dtype=h.dtype)[None, :, None]
    ends = [min(s + chunk, T) - 1 for s in range(0, T, chunk)]
    prob = torch.stack([torch.softmax(recogniser.head(running[:, e * step]), -1) for e in ends], 1)
    rate = _m15.MEL["sr"] / _m15.MEL["hop"]
    track = np.zeros((N, T), np.float32)
    mel = np.zeros((N, generator.net[-1].out_channels, n_mel), np.float32)
    for j, e in enumerate(ends):
        s = j * chunk
        logits = torch.cat([detector(x[i:i + batch_size, :e + 1]) for i in range(0, N, batch_size)]).numpy()
        track[:, s:e + 1] = m16.pick_events(logits)[:, s:e + 1]
        known = np.zeros_like(track)
        known[:, :e + 1] = track[:, :e + 1]
        a = min(n_mel, int(round(s / fps * rate)))
        b = n_mel if e == T - 1 else min(n_mel, int(round((e + 1) / fps * rate)))
        mel[:, :, a:b] = m16.synthesise(generator, prob[:, j].numpy(), known, n_mel, fps)[:, :, a:b]
    return {"mel": mel, "prob": prob.numpy(), "track": track}
