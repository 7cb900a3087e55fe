"""Zhou et al., "Visual to Sound: Generating Natural Sound for Videos in the Wild" (CVPR 2018,
survey [5]) at laptop scale.

Silent video of a natural scene → raw waveform samples, one at a time, by a **SampleRNN**
conditioned on vision. The pieces, in the order the notebook teaches them:

1. **Quantisation** (:func:`quantize`, :func:`dequantize`): 8-bit μ-law codes (librosa's
   ``mu_compress`` / ``mu_expand``), so every sample is a 256-way classification.
2. **Visual features** (:func:`visual_features`): a frozen per-frame descriptor (pooled colour
   thumbnail; the paper uses ImageNet VGG19 fc6) and a motion descriptor (pooled absolute frame
   differences; the paper uses a temporal ConvNet on optical flow).
3. **Generator** (:class:`SampleRNN`): three tiers. The top GRU reads frames of ``FS_TOP``
   samples, the middle GRU frames of ``FS_MID`` samples, conditioned on the (upsampled) tier
   above; an MLP predicts each sample from the previous ``FS_MID`` samples and the middle tier.
4. **Conditioning variants** (``mode``): ``"frame"`` concatenates the current frame's feature to
   the top tier's input; ``"seq"`` encodes the frame sequence with a GRU whose last state
   initialises the top tier; ``"flow"`` is ``"seq"`` with motion features added to the encoder
   input; ``"class"`` (our baseline, no vision) initialises the top tier from a class embedding.
5. **Loss** (:func:`nll`): per-sample cross-entropy, teacher forced; :func:`train_variant`
   gives every variant the same initial seed and the same batches (a fair comparison).
6. **Sampling** (:func:`generate`): autoregressive, vectorised over the batch, with
   inverse-CDF draws (:func:`sample_categorical`).
7. **Evaluation** (:func:`nll_matrix`, :func:`category_retrieval`, :func:`experiment`): the
   paper's likelihood retrieval, retrieval with the generated sound, and the real-vs-fake
   discriminator.

Shapes: audio float32 ``[N, L]`` in [-1, 1]; codes int64 ``[N, L]`` in ``0..Q-1``; visual
features ``[N, T, D]`` per video frame; ``L`` must be a multiple of ``FS_TOP``.

Notebook: 09_2018_visual_to_sound
"""
from __future__ import annotations

from typing import Callable, Sequence

import librosa
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .. import video as _video

Q = 256
"""Quantisation levels (8 bits)."""
FS_TOP = 32
"""Samples per frame of the top (coarsest) tier (8 ms at 4 kHz)."""
FS_MID = 8
"""Samples per frame of the middle tier (and samples of history the bottom MLP sees)."""
MODES = ("frame", "seq", "flow", "class")
"""Conditioning variants: the paper's three, and a class-conditional baseline without vision."""

__all__ = ["FS_MID", "FS_TOP", "MODES", "Q", "SampleRNN", "category_retrieval", "dequantize", "experiment",
           "generate", "make_batches", "nll", "nll_matrix", "quantize", "sample_categorical", "train_variant",
           "visual_features"]


# ------------------------------------------------------------------------------ quantisation
def quantize(audio: np.ndarray, levels: int = Q) -> np.ndarray:
    """μ-law codes of a waveform.

    Args:
        audio: float ``[...]`` samples in [-1, 1] (values outside are clipped).
        levels: number of codes (256 = 8 bits).

    Returns:
        int64 ``[...]`` codes in ``0..levels-1`` (``levels // 2`` is silence).

    Notebook: 09_2018_visual_to_sound
    """
    x = np.clip(np.asarray(audio, dtype=np.float64), -1.0, 1.0)
    if levels < 2 or levels % 2:
        raise ValueError(f"levels must be an even number >= 2, got {levels}")
    return librosa.mu_compress(x, mu=levels - 1, quantize=True).astype(np.int64) + levels // 2


def dequantize(codes: np.ndarray, levels: int = Q) -> np.ndarray:
    """Waveform from μ-law codes (inverse of :func:`quantize` up to quantisation error).

    Args:
        codes: int ``[...]`` in ``0..levels-1``.
        levels: number of codes.

    Returns:
        float32 ``[...]`` samples in [-1, 1].

    Notebook: 09_2018_visual_to_sound
    """
    c = np.asarray(codes)
    if c.size and (c.min() < 0 or c.max() >= levels):
        raise ValueError(f"codes must lie in 0..{levels - 1}, got range {c.min()}..{c.max()}")
    return librosa.mu_expand(c.astype(np.float64) - levels // 2, mu=levels - 1, quantize=True).astype(np.float32)


def _codes_to_unit(c: torch.Tensor, levels: int) -> torch.Tensor:
    """Codes → floats in [-1, 1] on a linear scale (the tiers' RNN inputs)."""
    return c.float() * (2.0 / (levels - 1)) - 1.0


# --------------------------------------------------------------------------- visual features
def visual_features(frames: np.ndarray, grid: int = 4, n_fit: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Frozen appearance and motion descriptors per video frame.

    Appearance: the RGB frame average-pooled to ``grid × grid`` cells (a stand-in for VGG19 fc6);
    motion: the absolute grayscale frame difference pooled the same way (a stand-in for the
    optical-flow ConvNet). Both are standardised per dimension with the statistics of the first
    ``n_fit`` clips (the training set; None: all clips), so test clips never shape the scaling.

    Args:
        frames: uint8 ``[N, T, H, W, 3]`` RGB video; ``H`` and ``W`` divisible by ``grid``.
        grid: cells per side.
        n_fit: number of leading clips whose mean and spread standardise all clips.

    Returns:
        ``(appearance [N, T, 3 * grid**2], motion [N, T, grid**2])``, float32.

    Notebook: 09_2018_visual_to_sound
    """
    f = np.asarray(frames)
    if f.ndim != 5 or f.shape[-1] != 3:
        raise ValueError(f"frames must be [N, T, H, W, 3], got shape {f.shape}")
    n, t, h, w, _ = f.shape
    if h % grid or w % grid:
        raise ValueError(f"frame size {h}x{w} is not divisible by grid={grid}")
    x = f.astype(np.float32) / 255.0
    app = x.reshape(n, t, grid, h // grid, grid, w // grid, 3).mean(axis=(3, 5)).reshape(n, t, -1)
    diff = np.stack([_video.frame_differences(clip) for clip in f])                  # [N, T, H, W]
    mot = diff.reshape(n, t, grid, h // grid, grid, w // grid).mean(axis=(3, 5)).reshape(n, t, -1)

    k = n if n_fit is None else int(n_fit)
    if not 0 < k <= n:
        raise ValueError(f"n_fit must be in 1..{n}, got {n_fit}")

    def standardise(a: np.ndarray) -> np.ndarray:
        mu, sd = a[:k].mean(axis=(0, 1), keepdims=True), a[:k].std(axis=(0, 1), keepdims=True)
        return ((a - mu) / (sd + 1e-6)).astype(np.float32)

    return standardise(app), standardise(mot)


# -------------------------------------------------------------------------------- the model
class SampleRNN(nn.Module):
    """Three-tier SampleRNN conditioned on vision (or on a class, for the baseline).

    Args:
        mode: one of :data:`MODES`.
        app_dim, mot_dim: sizes of the per-frame appearance and motion features.
        n_classes: classes for ``mode="class"``.
        hidden: GRU and MLP width.
        sr, fps: audio sample rate and video frame rate in Hz (to align frames with samples).
        levels: quantisation levels.

    Shapes: ``forward(codes [B, L], app [B, T, A], mot [B, T, M], cls [B]) -> logits [B, L, Q]``.

    Notebook: 09_2018_visual_to_sound
    """

    def __init__(self, mode: str, app_dim: int, mot_dim: int, n_classes: int, hidden: int = 96,
                 sr: int = 8000, fps: float = 10.0, levels: int = Q, emb: int = 16):
        super().__init__()
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        self.mode, self.sr, self.fps, self.levels, self.hidden = mode, int(sr), float(fps), int(levels), hidden
        cond_in = app_dim if mode == "frame" else 0
        self.top_in = nn.Linear(FS_TOP + cond_in, hidden)
        self.top_rnn = nn.GRU(hidden, hidden, batch_first=True)
        self.top_up = nn.Linear(hidden, (FS_TOP // FS_MID) * hidden)
        self.mid_in = nn.Linear(FS_MID, hidden)
        self.mid_rnn = nn.GRU(hidden, hidden, batch_first=True)
        self.mid_up = nn.Linear(hidden, FS_MID * hidden)
        self.embed = nn.Embedding(levels, emb)
        self.bot_in = nn.Linear(FS_MID * emb, hidden)
        self.bot = nn.Sequential(nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, levels))
        if mode in ("seq", "flow"):
            self.encoder = nn.GRU(app_dim + (mot_dim if mode == "flow" else 0), hidden, batch_first=True)
        if mode == "class":
            self.class_emb = nn.Embedding(n_classes, hidden)

    # conditioning ------------------------------------------------------------------------
    def _h0(self, app, mot, cls) -> torch.Tensor | None:
        """Initial top-tier state ``[1, B, H]`` (seq/flow/class) or None (frame)."""
        if self.mode == "seq":
            return self.encoder(app)[1]
        if self.mode == "flow":
            return self.encoder(torch.cat([app, mot], dim=-1))[1]
        if self.mode == "class":
            return torch.tanh(self.class_emb(cls))[None]
        return None

    def _frame_cond(self, app: torch.Tensor, n_top: int, start: int = 0) -> torch.Tensor:
        """Frame-to-frame conditioning: each top step gets the feature of the frame it falls in."""
        t = (start + torch.arange(n_top) * FS_TOP) / self.sr                           # seconds
        idx = torch.clamp((t * self.fps).long(), max=app.shape[1] - 1)
        return app[:, idx]

    def _check(self, codes: torch.Tensor) -> None:
        if codes.ndim != 2 or codes.shape[1] % FS_TOP:
            raise ValueError(f"codes must be [B, L] with L a multiple of {FS_TOP}, got {tuple(codes.shape)}")

    # teacher-forced forward ----------------------------------------------------------------
    def forward(self, codes: torch.Tensor, app: torch.Tensor, mot: torch.Tensor, cls: torch.Tensor,
                start: int = 0) -> torch.Tensor:
        """Logits ``[B, L, Q]`` of every sample given the ones before it (``start``: the window's
        first sample within the clip, which aligns the video frames in ``mode="frame"``)."""
        self._check(codes)
        b, L = codes.shape
        pad = torch.full((b, FS_TOP), self.levels // 2, dtype=codes.dtype, device=codes.device)
        full = torch.cat([pad, codes], dim=1)                                           # [B, FS_TOP + L]
        u = _codes_to_unit(full, self.levels)
        n_top, n_mid = L // FS_TOP, L // FS_MID
        top_x = u[:, :L].reshape(b, n_top, FS_TOP)                     # the frame *before* each step
        if self.mode == "frame":
            top_x = torch.cat([top_x, self._frame_cond(app, n_top, start)], dim=-1)
        top_o, _ = self.top_rnn(self.top_in(top_x), self._h0(app, mot, cls))
        top_c = self.top_up(top_o).reshape(b, n_mid, self.hidden)
        mid_x = u[:, FS_TOP - FS_MID:FS_TOP - FS_MID + L].reshape(b, n_mid, FS_MID)
        mid_o, _ = self.mid_rnn(self.mid_in(mid_x) + top_c)
        mid_c = self.mid_up(mid_o).reshape(b, L, self.hidden)
        hist = full[:, FS_TOP - FS_MID:FS_TOP + L - 1].unfold(1, FS_MID, 1)             # [B, L, FS_MID]
        e = self.embed(hist).reshape(b, L, -1)
        return self.bot(self.bot_in(e) + mid_c)


def nll(model: SampleRNN, codes: torch.Tensor, app: torch.Tensor, mot: torch.Tensor, cls: torch.Tensor,
        start: int = 0, reduce: bool = True) -> torch.Tensor:
    """Teacher-forced cross-entropy of the codes (nats per sample).

    Args:
        model: a :class:`SampleRNN`.
        codes: int64 ``[B, L]``.
        app, mot: visual features ``[B, T, ·]``; cls: int64 ``[B]``.
        start: first sample of the window within its clip.
        reduce: True → scalar mean; False → ``[B]`` mean per clip.

    Returns:
        The loss (scalar or ``[B]``).

    Notebook: 09_2018_visual_to_sound
    """
    logits = model(codes, app, mot, cls, start)
    if reduce:                                  # flat rows: no transposed copy of the [B, L, Q] logits
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), codes.reshape(-1))
    ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), codes.reshape(-1), reduction="none")
    return ce.reshape(codes.shape).mean(dim=1)


def make_batches(codes: np.ndarray, app: np.ndarray, mot: np.ndarray, cls: np.ndarray, batch_size: int,
                 generator: torch.Generator, crop: int | None = None) -> Callable[[int], tuple]:
    """``step -> (codes, app, mot, cls, start)`` random training batches for :func:`foley_nb_utils.train.fit`.

    Truncated training: each batch is a window of ``crop`` samples (same start for the batch,
    a multiple of ``FS_TOP``), as SampleRNN trains on subsequences.

    Args:
        codes: int64 ``[N, L]``; app ``[N, T, A]``; mot ``[N, T, M]``; cls int ``[N]``.
        batch_size: clips per batch.
        generator: torch generator for the batch draws (same seed → same batches).
        crop: window length in samples (multiple of ``FS_TOP``); None → whole clips.

    Returns:
        A function of the step index returning a tuple of tensors.

    Notebook: 09_2018_visual_to_sound
    """
    t = [torch.as_tensor(codes, dtype=torch.long), torch.as_tensor(app), torch.as_tensor(mot),
         torch.as_tensor(cls, dtype=torch.long)]
    n = len(t[0])
    if not all(len(x) == n for x in t):
        raise ValueError(f"codes, app, mot and cls must have the same length, got {[len(x) for x in t]}")

    L = t[0].shape[1]
    crop = L if crop is None else int(crop)
    if crop % FS_TOP or not 0 < crop <= L:
        raise ValueError(f"crop must be a multiple of {FS_TOP} in {FS_TOP}..{L}, got {crop}")

    def batch(step: int):
        idx = torch.randint(0, n, (min(batch_size, n),), generator=generator)
        start = FS_TOP * int(torch.randint(0, (L - crop) // FS_TOP + 1, (1,), generator=generator))
        return t[0][idx, start:start + crop], t[1][idx], t[2][idx], t[3][idx], start

    return batch


@torch.no_grad()
def nll_matrix(model: SampleRNN, codes: np.ndarray, app: np.ndarray, mot: np.ndarray, cls: np.ndarray,
               window: int | None = None, max_rows: int = 256) -> np.ndarray:
    """Cross-entropy of every audio clip under every video's conditioning (the paper's retrieval).

    All (video, audio) pairs are scored in batches of about ``max_rows`` pairs, each a full
    teacher-forced pass over the first ``window`` samples.

    Args:
        model: a trained :class:`SampleRNN`.
        codes: int64 ``[M, L]`` the audio database; app ``[N, T, A]``, mot ``[N, T, M']``,
            cls ``[N]`` the queries.
        window: samples scored from the start of each clip (a multiple of ``FS_TOP``; None: all ``L``).
        max_rows: pairs per forward pass (bounds memory: ``max_rows * window * Q`` floats).

    Returns:
        float64 ``[N, M]``: nats per sample of audio ``j`` given video ``i`` (lower = more likely).

    Notebook: 09_2018_visual_to_sound
    """
    model.eval()
    c = torch.as_tensor(codes, dtype=torch.long)
    c = c if window is None else c[:, :int(window)]
    app_t, mot_t, cls_t = torch.as_tensor(app), torch.as_tensor(mot), torch.as_tensor(cls, dtype=torch.long)
    n, m = len(app_t), len(c)
    if not (len(mot_t) == len(cls_t) == n):
        raise ValueError(f"app, mot and cls must have the same length, got {len(app_t)}, {len(mot_t)}, {len(cls_t)}")
    per = max(1, int(max_rows) // max(m, 1))                       # queries per forward pass
    out = np.empty((n, m))
    for i in range(0, n, per):
        q = torch.arange(i, min(i + per, n)).repeat_interleave(m)        # query of each row
        a = torch.arange(m).repeat(len(q) // m)                          # audio of each row
        out[i:i + per] = nll(model, c[a], app_t[q], mot_t[q], cls_t[q], reduce=False).double().reshape(-1, m).numpy()
    return out


@torch.no_grad()
def generate(model: SampleRNN, app: np.ndarray, mot: np.ndarray, cls: np.ndarray, n_samples: int,
             generator: torch.Generator, temperature: float = 1.0,
             keep_probs: int = 0) -> tuple[np.ndarray, np.ndarray | None]:
    """Sample waveforms autoregressively, one sample at a time for the whole batch at once.

    Every ``FS_TOP`` samples the top GRU takes one step, every ``FS_MID`` samples the middle
    GRU, and at every sample the MLP gives a distribution over the next code.

    Args:
        model: a trained :class:`SampleRNN`.
        app, mot, cls: conditioning of ``B`` clips (``[B, T, ·]``, ``[B]``).
        n_samples: samples to generate (a multiple of ``FS_TOP``).
        generator: torch generator for the draws (same seed → same waveforms).
        temperature: softmax temperature (1 = the model's distribution).
        keep_probs: keep the predicted distributions of clip 0 for the first ``keep_probs``
            samples (for the slow-motion plot).

    Returns:
        ``(codes int64 [B, n_samples], probs float32 [keep_probs, Q] or None)``.

    Notebook: 09_2018_visual_to_sound
    """
    if n_samples % FS_TOP or n_samples <= 0:
        raise ValueError(f"n_samples must be a positive multiple of {FS_TOP}, got {n_samples}")
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    model.eval()
    app_t, mot_t = torch.as_tensor(app), torch.as_tensor(mot)
    cls_t = torch.as_tensor(cls, dtype=torch.long)
    b, H, lv = len(app_t), model.hidden, model.levels
    out = torch.full((b, FS_TOP + n_samples), lv // 2, dtype=torch.long)
    h_top = model._h0(app_t, mot_t, cls_t)
    h_mid = None
    cond = model._frame_cond(app_t, n_samples // FS_TOP) if model.mode == "frame" else None
    probs = np.zeros((keep_probs, lv), np.float32) if keep_probs else None
    top_c = mid_c = u = None
    for t in range(n_samples):
        p = FS_TOP + t                                                              # position in `out`
        if t % FS_TOP == 0:
            u = torch.rand(b, FS_TOP, 1, generator=generator)           # this frame's uniforms, one draw
            x = _codes_to_unit(out[:, p - FS_TOP:p], lv)
            if cond is not None:
                x = torch.cat([x, cond[:, t // FS_TOP]], dim=-1)
            o, h_top = model.top_rnn(model.top_in(x)[:, None], h_top)
            top_c = model.top_up(o[:, 0]).reshape(b, FS_TOP // FS_MID, H)
        if t % FS_MID == 0:
            x = model.mid_in(_codes_to_unit(out[:, p - FS_MID:p], lv)) + top_c[:, (t % FS_TOP) // FS_MID]
            o, h_mid = model.mid_rnn(x[:, None], h_mid)
            mid_c = model.mid_up(o[:, 0]).reshape(b, FS_MID, H)
        e = model.embed(out[:, p - FS_MID:p]).reshape(b, -1)
        logits = model.bot(model.bot_in(e) + mid_c[:, t % FS_MID]) / temperature
        pr = torch.softmax(logits, dim=-1)
        if probs is not None and t < keep_probs:
            probs[t] = pr[0].numpy()
        out[:, p] = sample_categorical(pr, u[:, t % FS_TOP])
    return out[:, FS_TOP:].numpy(), probs


def sample_categorical(probs: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """Inverse-CDF draws from categorical distributions (several times faster than
    ``torch.multinomial`` for one draw per row, which dominates the sampling loop's time).

    Args:
        probs: ``[B, K]`` non-negative weights per row (need not sum to one).
        u: ``[B, 1]`` uniforms in [0, 1).

    Returns:
        int64 ``[B]``: the smallest ``k`` with ``cumsum(probs)[k] > u * sum(probs)``.

    Notebook: 09_2018_visual_to_sound
    """
    cdf = probs.cumsum(dim=-1)
    return torch.searchsorted(cdf, u * cdf[:, -1:], right=True)[:, 0].clamp_max(probs.shape[-1] - 1)


# ------------------------------------------------------------------------------ experiment
def train_variant(mode: str, codes: np.ndarray, app: np.ndarray, mot: np.ndarray, cls: np.ndarray, *,
                  n_classes: int, sr: int, fps: float, seed: int, steps: int, hidden: int = 64,
                  batch_size: int = 32, crop: int = 256, lr: float = 3e-3, progress: bool = True,
                  name: str | None = None):
    """Build and train one conditioning variant (teacher forced, truncated windows).

    Fair comparison: the weights' seed and the batch draws depend on ``seed`` only, not on
    ``mode``, so every variant sees the same clips and windows in the same order.

    Args:
        mode: one of :data:`MODES`.
        codes, app, mot, cls: training set (see :func:`make_batches`).
        n_classes: number of categories; sr, fps: rates in Hz.
        seed: seeds the weights and the batch draws.
        steps, hidden, batch_size, crop, lr: training settings (crop in samples).
        progress: show a progress bar; name: checkpoint name (None: no checkpoint; the
            checkpoint's key includes a fingerprint of the training data).

    Returns:
        ``(model, history)``.

    Notebook: 09_2018_visual_to_sound
    """
    import hashlib

    from .. import repro, train

    model = train.build_seeded(int(repro.rng(seed, "m09-init").integers(2**31)),  # init from the seed, not global state
                               lambda: SampleRNN(mode, app.shape[-1], mot.shape[-1], n_classes, hidden=hidden, sr=sr,
                                                 fps=fps))
    data = make_batches(codes, app, mot, cls, batch_size, repro.torch_generator(seed, "m09-batches"), crop)
    digest = hashlib.sha1()
    for arr in (codes, app, mot, cls):
        digest.update(np.ascontiguousarray(arr).tobytes())
    config = {"mode": mode, "seed": seed, "hidden": hidden, "batch_size": batch_size, "crop": crop,
              "sr": sr, "fps": fps, "frames": [FS_TOP, FS_MID], "data": digest.hexdigest()[:16]}
    hist = train.fit(model, data, lambda m_, b: nll(m_, *b[:4], start=b[4]), steps=steps, lr=lr,
                     progress=progress, name=name, config=config, desc=f"SampleRNN ({mode})")
    model.eval()
    return model, hist


def category_retrieval(generated: np.ndarray, gen_labels: np.ndarray, gallery: np.ndarray,
                       gallery_labels: np.ndarray, sr: int, ks: Sequence[int] = (1, 5)) -> dict[str, float]:
    """Category recall@K of real clips retrieved with generated sound (log-mel summary features).

    Args:
        generated: ``[N, n]`` generated waveforms; gen_labels ``[N]`` their videos' categories.
        gallery: ``[M, n]`` real waveforms; gallery_labels ``[M]``.
        sr: sample rate in Hz.
        ks: the K values.

    Returns:
        ``{"R@1": ..., "R@5": ...}`` in [0, 1] (chance ≈ 1 / categories at K = 1).

    Notebook: 09_2018_visual_to_sound
    """
    from ..metrics import recall_at_k, summary_features

    g, r = summary_features(generated, sr, n_mels=32), summary_features(gallery, sr, n_mels=32)
    mu, sd = r.mean(0), r.std(0) + 1e-6                          # standardise with the real gallery
    return recall_at_k((g - mu) / sd, (r - mu) / sd, ks, query_labels=np.asarray(gen_labels),
                       gallery_labels=np.asarray(gallery_labels))


def experiment(train_batch, test_batch, *, seed: int, steps: int, hidden: int = 64, crop: int = 256,
               batch_size: int = 32, lr: float = 3e-3, gen_s: float = 0.25, draws: int = 2,
               lik_window: int = 256, progress: bool = False, modes: Sequence[str] = MODES,
               checkpoint: bool = False) -> dict:
    """Train every variant on the same batches, generate sound for every test video and score it.

    Args:
        train_batch, test_batch: :class:`~foley_nb_utils.synth.SceneBatch` of the scenes world
            (labels ``class`` or ``category``), audio at the model's rate.
        seed: the run's seed (weights, batches, sampling, discriminator folds).
        steps, hidden, crop, batch_size, lr: training settings (same for every variant).
        gen_s: seconds generated per video; draws: independent samples per test video (all are
            retrieval queries, so sampling noise averages out).
        lik_window: samples (from each clip's start) scored by the likelihood retrieval.
        progress: progress bars; modes: variants to run; checkpoint: reuse/save checkpoints.

    Returns:
        dict with ``models``, ``hist``, ``generated`` (``{mode: [draws * N, n] float32}``, draw-major:
        row ``d * N + i`` is draw ``d`` for test video ``i``), ``gen_labels``, ``real`` (``[N, n]``),
        ``labels`` (``[N]``), ``sr``, ``test_nll`` (``{mode: nats per sample}``), ``likelihood_top1``
        (``{mode: accuracy}``: the paper's protocol, the test audio the video makes most likely —
        relative to that audio's mean cross-entropy over all test videos — has the video's
        category), ``likelihood_top1_raw`` (the same ranked by raw cross-entropy),
        ``retrieval`` (``{mode: {"R@1", "R@5"}}``: real training sound of the right category
        retrieved with the generated sound),
        ``retrieval_real`` (the same with the real test sound as queries: the reachable ceiling),
        ``fooling`` (``{mode: rate}``, mean over draws), ``n_queries`` (generated queries per mode).

    Notebook: 09_2018_visual_to_sound
    """
    from .. import repro
    from ..metrics import fooling_rate

    def labels(b) -> np.ndarray:
        return np.asarray(b.labels["class"] if "class" in b.labels else b.labels["category"])

    if draws < 1:
        raise ValueError(f"draws must be >= 1, got {draws}")
    sr, fps = int(train_batch.sr), float(train_batch.fps)
    y_tr, y_te = labels(train_batch), labels(test_batch)
    n_classes = int(max(y_tr.max(), y_te.max()) + 1)
    n = FS_TOP * int(round(gen_s * sr) // FS_TOP)
    if not 0 < n <= test_batch.audio.shape[1]:
        raise ValueError(f"gen_s={gen_s} s must give 1..{test_batch.audio.shape[1]} samples at {sr} Hz")
    ntr, nte = len(train_batch), len(test_batch)
    app, mot = visual_features(np.concatenate([train_batch.frames, test_batch.frames]), n_fit=ntr)
    L = train_batch.audio.shape[1] - train_batch.audio.shape[1] % FS_TOP
    codes, te_codes = quantize(train_batch.audio[:, :L]), quantize(test_batch.audio[:, :L])
    te = slice(ntr, ntr + nte)
    rep = np.tile(np.arange(ntr, ntr + nte), draws)                 # draw-major: all videos, then again
    out: dict = {"models": {}, "hist": {}, "generated": {}, "retrieval": {}, "fooling": {}, "test_nll": {},
                 "likelihood_top1": {}, "likelihood_top1_raw": {}, "labels": y_te, "gen_labels": np.tile(y_te, draws),
                 "real": test_batch.audio[:, :n], "sr": sr, "n_queries": draws * nte}
    out["retrieval_real"] = category_retrieval(out["real"], y_te, train_batch.audio[:, :n], y_tr, sr)
    for mode in modes:
        model, hist = train_variant(mode, codes, app[:ntr], mot[:ntr], y_tr, n_classes=n_classes, sr=sr,
                                    fps=fps, seed=seed, steps=steps, hidden=hidden, batch_size=batch_size,
                                    crop=crop, lr=lr, progress=progress,
                                    name=f"m09_{mode}" if checkpoint else None)
        with torch.no_grad():
            out["test_nll"][mode] = float(nll(model, torch.as_tensor(te_codes), torch.as_tensor(app[te]),
                                              torch.as_tensor(mot[te]), torch.as_tensor(y_te)))
        mat = nll_matrix(model, te_codes, app[te], mot[te], y_te, window=lik_window)
        out["likelihood_top1_raw"][mode] = float(np.mean(y_te[mat.argmin(axis=1)] == y_te))
        # a quiet clip is likely under *every* video; rank by how much more likely the video makes it
        centred = mat - mat.mean(axis=0, keepdims=True)
        out["likelihood_top1"][mode] = float(np.mean(y_te[centred.argmin(axis=1)] == y_te))
        gen, _ = generate(model, app[rep], mot[rep], np.tile(y_te, draws), n,
                          repro.torch_generator(seed, "m09-sample", mode))
        wav = dequantize(gen)
        out["models"][mode], out["hist"][mode], out["generated"][mode] = model, hist, wav
        out["retrieval"][mode] = category_retrieval(wav, out["gen_labels"], train_batch.audio[:, :n], y_tr, sr)
        out["fooling"][mode] = float(np.mean([
            fooling_rate(out["real"], wav[d * nte:(d + 1) * nte], sr, rng=repro.rng(seed, "m09-fool"), n_folds=4).rate
            for d in range(draws)]))
    return out
