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

__all__ = ["FS_MID", "FS_TOP", "MODES", "Q", "SampleRNN", "block_nll_matrix", "category_retrieval", "dequantize",
           "experiment", "extra_test_clips", "generate", "likelihood_hits", "make_batches", "nll", "nll_matrix",
           "quantize", "sample_categorical", "train_variant", "visual_features"]


# ------------------------------------------------------------------------------ more test clips
def extra_test_clips(seed: int, start: int, n: int, load: dict, classes: Sequence[str], *, scene: str = "scenes",
                     profile: str = "quick", **world):
    """More held-out clips of the same synthetic world: clips ``start .. start + n - 1``.

    :func:`foley_nb_utils.synth.ensure` with ``n=start`` writes clips ``0 .. start - 1`` (train and
    test); every clip is drawn from its own generator (``seed``, scene, index), so clips from
    index ``start`` on are new clips of the same world that no model trained on. They are written
    once as class folders of mp4 (next to the world's layout, reused afterwards) and read with the
    same loader as the test split, so they go through the same video and audio codecs.

    Args:
        seed: the world's seed; start: first clip index (the world's ``n``); n: clips to add.
        load: the class-folder loader's settings (``fps``, ``size``, ``sr``, ``clip_s``).
        classes: class names in the order of the training batch's labels (the new clips' labels
            are indices into it).
        scene, profile, ``**world``: as for :func:`foley_nb_utils.synth.ensure`.

    Returns:
        A :class:`~foley_nb_utils.synth.SceneBatch` of ``n`` clips with label ``class`` (indices
        into ``classes``), ready for ``SceneBatch.concat([test, extra])``.

    Notebook: 09_2018_visual_to_sound (and 10_2018_pocan)
    """
    import dataclasses
    import json
    from pathlib import Path

    from .. import repro, synth
    from ..datasets import class_folders
    from ..synth import common as C

    if n < 1 or start < 0:
        raise ValueError(f"extra_test_clips needs n >= 1 and start >= 0, got n={n}, start={start}")
    mod = synth.scene_module(scene)
    config = {**mod.generate(0, seed, profile, start=start, **world).config, "n": int(n)}
    key = C.layout_key(config)
    root = repro.synthetic_dir(scene) / f"{profile}-seed{seed}-extra{start}-n{n}-{key[:10]}"
    try:
        written = json.loads((root / C.MANIFEST).read_text()).get("key") == key
    except (OSError, ValueError):
        written = False
    if not written:
        mod.write_layout(mod.generate(n, seed, profile, start=start, **world), root)
    batch = class_folders.load(root, "all", **load)
    # the loader lists class folders in turn; put the clips back in the world's (class-mixed) order
    index = [int(Path(i.split("@")[0]).stem.rsplit("_", 1)[-1]) for i in batch.ids]
    batch = batch.subset(np.argsort(index, kind="stable"))
    names, order = batch.classes["class"], list(classes)
    unknown = sorted(set(names) - set(order))
    if unknown:
        raise ValueError(f"extra clips have classes {unknown} that are not in {order}")
    remap = np.array([order.index(c) for c in names], dtype=np.int64)
    labels = {**batch.labels, "class": remap[batch.labels["class"]]}
    return dataclasses.replace(batch, labels=labels, classes={**batch.classes, "class": tuple(order)})


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
                       gallery_labels: np.ndarray, sr: int, ks: Sequence[int] = (1, 5),
                       per_query: bool = False) -> dict:
    """Category recall@K of real clips retrieved with generated sound (log-mel summary features).

    Args:
        generated: ``[N, n]`` generated waveforms; gen_labels ``[N]`` their videos' categories.
        gallery: ``[M, n]`` real waveforms; gallery_labels ``[M]``.
        sr: sample rate in Hz.
        ks: the K values.
        per_query: return each query's hit (1.0 / 0.0, ``[N]`` per K) instead of the recall.

    Returns:
        ``{"R@1": ..., "R@5": ...}`` in [0, 1] (chance ≈ 1 / categories at K = 1), or with
        ``per_query`` the per-query hits whose means those are.

    Notebook: 09_2018_visual_to_sound
    """
    from ..metrics import summary_features
    from ..metrics.retrieval import retrieval_hits

    g, r = summary_features(generated, sr, n_mels=32), summary_features(gallery, sr, n_mels=32)
    mu, sd = r.mean(0), r.std(0) + 1e-6                          # standardise with the real gallery
    hits = retrieval_hits((g - mu) / sd, (r - mu) / sd, ks, query_labels=np.asarray(gen_labels),
                          gallery_labels=np.asarray(gallery_labels))
    return hits if per_query else {k: float(np.mean(v)) for k, v in hits.items()}


def likelihood_hits(mat: np.ndarray, labels: np.ndarray, block: int | None = None,
                    centre: bool = True) -> np.ndarray:
    """Per-video hit of the paper's likelihood retrieval: does the most likely test soundtrack have the
    video's category?

    Args:
        mat: ``[N, N]`` cross-entropies from :func:`nll_matrix` (row: video, column: soundtrack)
            of the same ``N`` test clips, or ``[N, block]`` from :func:`block_nll_matrix`.
        labels: int ``[N]`` categories of the clips.
        block: None: ``mat`` is ``[N, N]``, every video ranks every soundtrack. Otherwise ``mat`` is
            ``[N, block]``: the clips are split into consecutive blocks of ``block`` (the last may be
            shorter, its missing columns are ignored) and video ``i`` ranks the soundtracks of its
            own block, column ``j`` being clip ``(i // block) * block + j``.
        centre: rank by the cross-entropy minus that soundtrack's mean over the videos of its
            block (a quiet clip is likely under every video); False: the raw cross-entropy.

    Returns:
        float ``[N]`` of 1.0 / 0.0.

    Notebook: 09_2018_visual_to_sound
    """
    m, y = np.asarray(mat, dtype=np.float64), np.asarray(labels)
    n = len(y)
    b = n if block is None else int(block)
    if b < 1 or m.shape != (n, n if block is None else b):
        raise ValueError(f"mat must be [{n}, {n if block is None else block}] for {n} clips, got {m.shape}")
    hits = np.empty(n)
    for s0 in range(0, n, b):
        rows = slice(s0, min(s0 + b, n))
        sub = m[rows, :rows.stop - s0]                       # this block's videos × its soundtracks
        if centre:
            sub = sub - sub.mean(axis=0, keepdims=True)
        hits[rows] = (y[s0 + sub.argmin(axis=1)] == y[rows]).astype(np.float64)
    return hits


@torch.no_grad()
def block_nll_matrix(model: SampleRNN, codes: np.ndarray, app: np.ndarray, mot: np.ndarray, cls: np.ndarray,
                     block: int, window: int | None = None, max_rows: int = 48) -> np.ndarray:
    """:func:`nll_matrix` within consecutive blocks of ``block`` clips: the cross-entropy of every
    soundtrack of a block under every video of the same block (cost grows with ``N · block``, not
    ``N²``).

    The same numbers as :func:`nll_matrix` (up to float rounding), computed faster: the parts of
    the forward pass that depend on the soundtrack alone (the bottom tier's embedding of the
    previous samples, the middle tier's input) and on the video alone (the sequence encoder) are
    computed once per clip, not once per (video, soundtrack) pair.

    Args:
        codes: int64 ``[N, L]``; app, mot, cls: the same ``N`` clips' conditioning.
        block: clips per block; window: as for :func:`nll_matrix`; max_rows: pairs per pass.

    Returns:
        float64 ``[N, block]``: entry ``[i, j]`` is soundtrack ``(i // block) * block + j`` given
        video ``i`` (NaN past the end of a shorter last block).

    Notebook: 09_2018_visual_to_sound
    """
    model.eval()
    c_all = torch.as_tensor(codes, dtype=torch.long)
    c_all = c_all if window is None else c_all[:, :int(window)]
    model._check(c_all)
    app_t, mot_t, cls_t = torch.as_tensor(app), torch.as_tensor(mot), torch.as_tensor(cls, dtype=torch.long)
    n, L = c_all.shape
    if not (len(app_t) == len(mot_t) == len(cls_t) == n):
        raise ValueError(f"codes, app, mot and cls must have the same length, got {n}, {len(app_t)}, "
                         f"{len(mot_t)}, {len(cls_t)}")
    H, lv, n_top, n_mid = model.hidden, model.levels, L // FS_TOP, L // FS_MID
    out = np.full((n, int(block)), np.nan)
    for s0 in range(0, n, int(block)):
        sl = slice(s0, min(s0 + int(block), n))
        c, m = c_all[sl], sl.stop - s0
        # soundtrack-only parts, once per soundtrack (as in SampleRNN.forward)
        full = torch.cat([torch.full((m, FS_TOP), lv // 2, dtype=c.dtype), c], dim=1)
        u = _codes_to_unit(full, lv)
        top_x = u[:, :L].reshape(m, n_top, FS_TOP)
        mid_x = model.mid_in(u[:, FS_TOP - FS_MID:FS_TOP - FS_MID + L].reshape(m, n_mid, FS_MID))
        hist = full[:, FS_TOP - FS_MID:FS_TOP + L - 1].unfold(1, FS_MID, 1)
        e = model.bot_in(model.embed(hist).reshape(m, L, -1))                              # [m, L, H]
        # video-only parts, once per video
        h0 = model._h0(app_t[sl], mot_t[sl], cls_t[sl])                                    # [1, m, H] or None
        cond = model._frame_cond(app_t[sl], n_top) if model.mode == "frame" else None
        per = max(1, int(max_rows) // m)
        for i in range(0, m, per):
            q = torch.arange(i, min(i + per, m)).repeat_interleave(m)                     # video of each row
            a = torch.arange(m).repeat(len(q) // m)                                       # soundtrack of each row
            x = top_x[a] if cond is None else torch.cat([top_x[a], cond[q]], dim=-1)
            top_o, _ = model.top_rnn(model.top_in(x), None if h0 is None else h0[:, q])
            top_c = model.top_up(top_o).reshape(len(q), n_mid, H)
            mid_o, _ = model.mid_rnn(mid_x[a] + top_c)
            mid_c = model.mid_up(mid_o).reshape(len(q), L, H)
            logits = model.bot(e[a] + mid_c)
            ce = F.cross_entropy(logits.reshape(-1, lv), c[a].reshape(-1), reduction="none").reshape(len(q), L)
            out[s0 + i:s0 + i + len(q) // m, :m] = ce.mean(dim=1).double().reshape(-1, m).numpy()
    return out


def experiment(train_batch, test_batch, *, seed: int, steps: int, hidden: int = 64, crop: int = 256,
               batch_size: int = 32, lr: float = 3e-3, gen_s: float = 0.25, draws: int = 2,
               lik_window: int = 256, lik_block: int | None = None, nll_clips: int | None = None,
               progress: bool = False, modes: Sequence[str] = MODES, checkpoint: bool = False) -> dict:
    """Train every variant on the same batches, generate sound for every test video and score it.

    Args:
        train_batch, test_batch: :class:`~foley_nb_utils.synth.SceneBatch` of the scenes world
            (labels ``class`` or ``category``), audio at the model's rate.
        seed: the run's seed (weights, batches, sampling, discriminator folds).
        steps, hidden, crop, batch_size, lr: training settings (same for every variant).
        gen_s: seconds generated per video; draws: independent samples per test video (all are
            retrieval queries, so sampling noise averages out).
        lik_window: samples (from each clip's start) scored by the likelihood retrieval.
        lik_block: likelihood retrieval within consecutive blocks of this many test clips (each
            block a gallery of its own; None: one gallery of all test clips).
        nll_clips: the test cross-entropy is measured on the first ``nll_clips`` test clips, whole
            (None: all; it costs a teacher-forced pass over every sample of every clip).
        progress: progress bars; modes: variants to run; checkpoint: reuse/save checkpoints.

    Returns:
        dict with ``models``, ``hist``, ``generated`` (``{mode: [draws * N, n] float32}``, draw-major:
        row ``d * N + i`` is draw ``d`` for test video ``i``), ``gen_labels``, ``real`` (``[N, n]``),
        ``labels`` (``[N]``), ``sr``, ``test_nll`` (``{mode: nats per sample}``), ``likelihood_top1``
        (``{mode: accuracy}``: the paper's protocol, the test audio the video makes most likely —
        relative to that audio's mean cross-entropy over the test videos — has the video's
        category), ``likelihood_top1_raw`` (the same ranked by raw cross-entropy),
        ``retrieval`` (``{mode: {"R@1", "R@5"}}``: real training sound of the right category
        retrieved with the generated sound),
        ``retrieval_real`` (the same with the real test sound as queries: the reachable ceiling),
        ``fooling`` (``{mode: rate}``, mean over draws), ``n_queries`` (generated queries per mode),
        and the per-example outcomes behind those means: ``likelihood_hits`` (``{mode: [N]}``
        1/0), ``retrieval_hits`` (``{mode: {"R@1": [draws * N], ...}}`` 1/0, draw-major) and
        ``fooled`` (``{mode: [draws * N]}``: 1 when the discriminator took the generated clip for
        the real one, 0.5 for a tie, draw-major) and ``realness_margin`` (``{mode: [draws * N]}``:
        the discriminator's held-out realness of the generated clip minus that of its video's
        real clip; > 0 means fooled, and the closer to 0 from below, the nearer to fooling).

    Notebook: 09_2018_visual_to_sound
    """
    from .. import repro
    from ..metrics import summary_features
    from ..metrics.realfake import realness_scores

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
    block = nte if lik_block is None else int(lik_block)
    n_nll = nte if nll_clips is None else min(int(nll_clips), nte)
    if block < 2:
        raise ValueError(f"lik_block must be >= 2, got {lik_block}")
    app, mot = visual_features(np.concatenate([train_batch.frames, test_batch.frames]), n_fit=ntr)
    L = train_batch.audio.shape[1] - train_batch.audio.shape[1] % FS_TOP
    codes, te_codes = quantize(train_batch.audio[:, :L]), quantize(test_batch.audio[:, :L])
    te = slice(ntr, ntr + nte)
    rep = np.tile(np.arange(ntr, ntr + nte), draws)                 # draw-major: all videos, then again
    out: dict = {"models": {}, "hist": {}, "generated": {}, "retrieval": {}, "fooling": {}, "test_nll": {},
                 "likelihood_top1": {}, "likelihood_top1_raw": {}, "likelihood_hits": {}, "retrieval_hits": {},
                 "fooled": {}, "realness_margin": {}, "labels": y_te, "gen_labels": np.tile(y_te, draws),
                 "real": test_batch.audio[:, :n], "sr": sr, "n_queries": draws * nte, "lik_block": block}
    out["retrieval_real"] = category_retrieval(out["real"], y_te, train_batch.audio[:, :n], y_tr, sr)
    real_feat = summary_features(out["real"], sr)
    for mode in modes:
        model, hist = train_variant(mode, codes, app[:ntr], mot[:ntr], y_tr, n_classes=n_classes, sr=sr,
                                    fps=fps, seed=seed, steps=steps, hidden=hidden, batch_size=batch_size,
                                    crop=crop, lr=lr, progress=progress,
                                    name=f"m09_{mode}" if checkpoint else None)
        with torch.no_grad():                   # in chunks: the logits of all clips at once are large
            per_clip = [nll(model, torch.as_tensor(te_codes[i:i + 8]), torch.as_tensor(app[te][i:i + 8]),
                            torch.as_tensor(mot[te][i:i + 8]), torch.as_tensor(y_te[i:i + 8]), reduce=False)
                        for i in range(0, n_nll, 8)]
            out["test_nll"][mode] = float(torch.cat(per_clip).double().mean())
        mat = block_nll_matrix(model, te_codes, app[te], mot[te], y_te, block, window=lik_window)
        out["likelihood_top1_raw"][mode] = float(np.mean(likelihood_hits(mat, y_te, block, centre=False)))
        # a quiet clip is likely under *every* video; rank by how much more likely the video makes it
        out["likelihood_hits"][mode] = likelihood_hits(mat, y_te, block)
        out["likelihood_top1"][mode] = float(np.mean(out["likelihood_hits"][mode]))
        gen, _ = generate(model, app[rep], mot[rep], np.tile(y_te, draws), n,
                          repro.torch_generator(seed, "m09-sample", mode))
        wav = dequantize(gen)
        out["models"][mode], out["hist"][mode], out["generated"][mode] = model, hist, wav
        out["retrieval_hits"][mode] = category_retrieval(wav, out["gen_labels"], train_batch.audio[:, :n], y_tr,
                                                         sr, per_query=True)
        out["retrieval"][mode] = {k: float(np.mean(v)) for k, v in out["retrieval_hits"][mode].items()}
        fake_feat = summary_features(wav, sr)
        scores = [realness_scores(real_feat, fake_feat[d * nte:(d + 1) * nte], rng=repro.rng(seed, "m09-fool"),
                                  n_folds=4) for d in range(draws)]          # the same folds for every draw and mode
        out["fooled"][mode] = np.concatenate([(f > r) + 0.5 * (f == r) for r, f in scores])
        out["realness_margin"][mode] = np.concatenate([f - r for r, f in scores])
        out["fooling"][mode] = float(np.mean(out["fooled"][mode]))
    return out
