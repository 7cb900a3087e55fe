"""Sight to Sound (Koepke, Wiles, Moses, Zisserman, ICASSP 2020): visual piano transcription.

A window of five consecutive grayscale frames of a top-down keyboard (0.2 s at 25 fps) goes into
a ResNet-style 2-D CNN that outputs one onset probability per key for the *middle* frame. In the
paper each frame passes through the first ResNet-18 block (shared weights), the five feature maps
are stacked along time and fused by a 5×1×1 3-D convolution ("aggregation"), and the rest of the
ResNet runs once on the fused map; the loss is a per-key binary cross-entropy whose batches are
re-weighted so that the rare onsets weigh as much as the non-onsets. No RNN (the survey's Table 1
says CNN+RNN). Notes are the local maxima over time of the per-frame probabilities above a
threshold (0.4 in the paper), scored with note-level P/R/F1 (``mir_eval``, onsets only).

:class:`KeyCNN` is the reusable network (Audeo's Video2Roll, notebook 17, reuses it with the
piano roll as the target). ``temporal`` selects how the five frames enter:

- ``"agg"``: per-frame stem (shared) → 3-D convolution over the five frames (the paper's model);
- ``"channels"``: the five frames stacked as input channels of the first convolution (the
  paper's "ResNet" baseline row of Table 1);
- ``"single"``: the middle frame only (no temporal context).

Notebook: 14_2020_sight_to_sound
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

TEMPORAL = ("agg", "channels", "single")
#: The paper's decision threshold on the onset probability (Sec. 4.2).
THRESHOLD = 0.4

__all__ = ["TEMPORAL", "THRESHOLD", "KeyCNN", "ResBlock", "clip_probs", "decode_notes", "experiment",
           "gray_frames", "key_centres", "motion_energy", "note_f1_per_clip", "onset_loss", "reference_notes", "render_notes",
           "train_transcriber", "windows"]


# --------------------------------------------------------------------------- data
def gray_frames(frames: np.ndarray, factor: int = 1) -> np.ndarray:
    """RGB clips → grayscale, area-downsampled by ``factor``.

    Args:
        frames: uint8 ``[N, T, H, W, 3]``.
        factor: integer downsampling of height and width (H and W must be multiples of it).

    Returns:
        uint8 ``[N, T, H // factor, W // factor]`` (ITU-R 601 luma).

    Notebook: 14_2020_sight_to_sound
    """
    a = np.asarray(frames)
    if a.ndim != 5 or a.shape[-1] != 3 or a.dtype != np.uint8:
        raise ValueError(f"gray_frames expects uint8 [N, T, H, W, 3] clips, got {a.dtype} {a.shape}")
    if not isinstance(factor, (int, np.integer)) or factor < 1 or a.shape[2] % factor or a.shape[3] % factor:
        raise ValueError(f"gray_frames: factor={factor!r} must be a positive int dividing H={a.shape[2]} and "
                         f"W={a.shape[3]}")
    N, T, H, W, _ = a.shape
    out = np.empty((N, T, H // factor, W // factor), np.uint8)
    w = np.array([0.299, 0.587, 0.114], np.float32)
    for i in range(N):   # per clip: keeps the float copy small
        g = a[i].astype(np.float32) @ w
        if factor > 1:
            g = g.reshape(T, H // factor, factor, W // factor, factor).mean(axis=(2, 4))
        out[i] = np.clip(np.rint(g), 0, 255).astype(np.uint8)
    return out


def windows(gray: torch.Tensor, clip: torch.Tensor, centre: torch.Tensor, n_frames: int = 5) -> torch.Tensor:
    """The ``n_frames`` frames centred on each ``(clip, centre)`` pair, edges repeated.

    Args:
        gray: uint8 ``[N, T, H, W]``.
        clip, centre: int64 ``[B]`` clip and frame indices.
        n_frames: odd window length.

    Returns:
        float32 ``[B, n_frames, H, W]`` in [0, 1].

    Notebook: 14_2020_sight_to_sound
    """
    if n_frames < 1 or n_frames % 2 == 0:
        raise ValueError(f"n_frames must be odd and positive, got {n_frames}")
    h = n_frames // 2
    t = (centre[:, None] + torch.arange(-h, h + 1)[None]).clamp(0, gray.shape[1] - 1)
    return gray[clip[:, None], t].float() / 255.0


# --------------------------------------------------------------------------- network
class ResBlock(nn.Module):
    """A ResNet basic block: two 3×3 conv + BN with a skip (a 1×1 conv when the shape changes).

    Shape: ``[B, c_in, H, W]`` → ``[B, c_out, ceil(H / stride), ceil(W / stride)]``.

    Notebook: 14_2020_sight_to_sound
    """

    def __init__(self, c_in: int, c_out: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.skip = (nn.Identity() if stride == 1 and c_in == c_out else
                     nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(y)) + self.skip(x))


class KeyCNN(nn.Module):
    """Per-key logits for the middle frame of a window of grayscale keyboard frames.

    Layout (``temporal="agg"``, the paper's): each frame → stem (3×3 conv of stride
    ``stem_stride``, BN, ReLU, and ``stem_blocks`` residual blocks; shared weights) → the
    ``n_frames`` maps stacked along time → ``Conv3d(kernel=(n_frames, 1, 1))`` → BN, ReLU → one
    residual stage per further width (stride 2, ``blocks`` blocks each) → mean over rows → a
    1-D convolution along the keyboard → the features read at each key's centre (linear
    interpolation at ``key_x``) → one linear map shared by all keys, plus a bias per key → logits.
    ``"channels"`` feeds the frames as the stem's input channels instead (no 3-D convolution);
    ``"single"`` feeds the middle frame alone.

    Reading every key's logit with the *same* weights at its own position is our stand-in for the
    paper's "slope" vector (which tells its fully connected head where the keys are): a key with
    few onsets in the training set learns from the onsets of every other key.

    Args:
        n_keys: outputs (keys).
        n_frames: window length (odd).
        temporal: one of :data:`TEMPORAL`.
        widths: channels of the stem, then of each later stage.
        blocks: residual blocks per later stage.
        stem_blocks: residual blocks in the per-frame stem.
        stem_stride: stride of the first convolution (2 quarters the cost of everything after it).
        key_x: centre of each key as a fraction of the frame width, ``[n_keys]`` in (0, 1)
            (:func:`key_centres`); None → evenly spaced.

    Shape: ``[B, n_frames, H, W]`` (float in [0, 1]) → ``[B, n_keys]`` logits. H and W are free.

    Notebook: 14_2020_sight_to_sound (reused by 17_2020_audeo)
    """

    def __init__(self, n_keys: int, n_frames: int = 5, temporal: str = "agg", widths: Sequence[int] = (8, 32),
                 blocks: int = 1, stem_blocks: int = 0, stem_stride: int = 2, key_x: Sequence[float] | None = None):
        super().__init__()
        if temporal not in TEMPORAL:
            raise ValueError(f"temporal must be one of {TEMPORAL}, got {temporal!r}")
        if not (isinstance(n_keys, (int, np.integer)) and n_keys > 0):
            raise ValueError(f"n_keys must be a positive int, got {n_keys!r}")
        if not (isinstance(n_frames, (int, np.integer)) and n_frames >= 1 and n_frames % 2 == 1):
            raise ValueError(f"n_frames must be odd and positive, got {n_frames!r}")
        if not widths or min(widths) < 1:
            raise ValueError(f"widths must be positive channel counts, got {widths!r}")
        kx = np.linspace(0.5 / n_keys, 1 - 0.5 / n_keys, n_keys) if key_x is None else np.asarray(key_x, np.float32)
        if kx.shape != (n_keys,) or not np.all((kx > 0) & (kx < 1)):
            raise ValueError(f"key_x must be {n_keys} fractions of the width in (0, 1), got shape {kx.shape}")
        self.n_keys, self.n_frames, self.temporal = int(n_keys), int(n_frames), temporal
        c0, c = widths[0], widths[-1]
        in_ch = n_frames if temporal == "channels" else 1
        self.stem = nn.Sequential(nn.Conv2d(in_ch, c0, 3, stem_stride, 1, bias=False), nn.BatchNorm2d(c0), nn.ReLU(),
                                  *[ResBlock(c0, c0) for _ in range(stem_blocks)])
        self.aggregate = (nn.Sequential(nn.Conv3d(c0, c0, (n_frames, 1, 1), bias=False), nn.BatchNorm3d(c0), nn.ReLU())
                          if temporal == "agg" else None)
        stages: list[nn.Module] = []
        for a, b in zip(widths[:-1], widths[1:]):
            stages += [ResBlock(a, b, 2)] + [ResBlock(b, b) for _ in range(blocks - 1)]
        self.stages = nn.Sequential(*stages)
        self.along = nn.Sequential(nn.Conv1d(c, c, 3, padding=1), nn.ReLU())
        # grid_sample's x coordinate runs from -1 (left edge) to +1 (right edge)
        self.register_buffer("grid_x", torch.as_tensor(2 * kx - 1, dtype=torch.float32), persistent=False)
        self.head = nn.Linear(c, 1)
        self.key_bias = nn.Parameter(torch.zeros(self.n_keys))

    def fused(self, x: torch.Tensor) -> torch.Tensor:
        """The stem's map after the frames are fused (``temporal``): ``[B, widths[0], H', W']``."""
        if x.ndim != 4 or x.shape[1] != self.n_frames:
            raise ValueError(f"KeyCNN expects [B, {self.n_frames}, H, W] frames, got shape {tuple(x.shape)}")
        B, Fr, H, W = x.shape
        if self.temporal == "single":
            return self.stem(x[:, Fr // 2: Fr // 2 + 1])
        if self.temporal == "channels":
            return self.stem(x)
        h = self.stem(x.reshape(B * Fr, 1, H, W))              # shared weights over the frames
        h = h.reshape(B, Fr, *h.shape[1:]).transpose(1, 2)     # [B, C, F, H', W']
        return self.aggregate(h)[:, :, 0]                       # the 5×1×1 conv: [B, C, H', W']

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The map before the key read-out: ``[B, C, W']`` (C = ``widths[-1]``)."""
        return self.along(self.stages(self.fused(x)).mean(dim=2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = self.features(x)                                        # [B, C, W']
        grid = torch.stack([self.grid_x, torch.zeros_like(self.grid_x)], -1)[None, None].expand(len(f), 1, -1, 2)
        at_keys = F.grid_sample(f[:, :, None], grid.to(f.dtype), align_corners=False)[:, :, 0]   # [B, C, K]
        return self.head(at_keys.transpose(1, 2))[..., 0] + self.key_bias


def key_centres(lowest: int, n_keys: int) -> np.ndarray:
    """Each key's centre as a fraction of the keyboard's width (the keyboard world's geometry,
    :func:`foley_nb_utils.synth.keyboard.key_layout`), float32 ``[n_keys]``: ``KeyCNN(key_x=...)``.

    Notebook: 14_2020_sight_to_sound
    """
    from ..synth.keyboard import key_layout

    _, xr, _ = key_layout(lowest, n_keys, 1.0)
    return xr.mean(1).astype(np.float32)


def onset_loss(logits: torch.Tensor, target: torch.Tensor, weighted: bool = True) -> torch.Tensor:
    """Per-key binary cross-entropy; ``weighted``: the batch's positives and negatives each carry
    half of the loss (the paper's re-weighting against sparse onsets).

    Args:
        logits: ``[B, K]``.
        target: ``[B, K]`` in {0, 1}.

    Returns:
        Scalar loss.

    Notebook: 14_2020_sight_to_sound
    """
    target = target.float()
    bce = F.binary_cross_entropy_with_logits(logits, target, reduction="none")
    if not weighted:
        return bce.mean()
    pos = target.sum()
    neg = target.numel() - pos
    w = torch.where(target > 0, 0.5 / pos.clamp(min=1), 0.5 / neg.clamp(min=1))
    return (w * bce).sum()


def train_transcriber(gray: np.ndarray, target: np.ndarray, *, temporal: str = "agg", weighted: bool = True,
                      steps: int = 200, batch: int = 32, lr: float = 1e-3, seed: int = 0,
                      widths: Sequence[int] = (8, 32), blocks: int = 1, stem_blocks: int = 0,
                      stem_stride: int = 2, key_x: Sequence[float] | None = None, n_frames: int = 5, device="cpu",
                      name: str | None = None, progress: bool = False,
                      network: type[KeyCNN] | None = None) -> tuple[KeyCNN, Any]:
    """Train a :class:`KeyCNN` on random windows of the training clips (Adam, the paper's lr).

    The windows' (clip, frame) indices come from a generator seeded by ``seed`` alone, so every
    variant trained with the same seed sees the same batches; the initial weights are drawn from
    ``seed`` too (:func:`~foley_nb_utils.train.build_seeded`).

    Args:
        gray: uint8 ``[N, T, H, W]`` training clips (:func:`gray_frames`).
        target: bool ``[N, T, K]`` (onsets for Sight to Sound; the roll for Audeo).
        temporal, widths, blocks, stem_blocks, stem_stride, key_x, n_frames: see :class:`KeyCNN`.
        weighted: re-weight each batch's positives (:func:`onset_loss`).
        name: checkpoint name (reused when the data, settings and architecture match).
        network: the class built (default :class:`KeyCNN`; a subclass taking the same arguments,
            e.g. Audeo's attention network in notebook 17).

    Returns:
        ``(model, history)`` with the model in eval mode on ``device``.

    Notebook: 14_2020_sight_to_sound
    """
    from .. import repro
    from ..train import build_seeded, fit

    g_t, y_t = torch.as_tensor(np.ascontiguousarray(gray)), torch.as_tensor(np.ascontiguousarray(target))
    if g_t.ndim != 4 or y_t.ndim != 3 or g_t.shape[:2] != y_t.shape[:2]:
        raise ValueError(f"train_transcriber: gray [N, T, H, W] and target [N, T, K] must share N and T, got "
                         f"{tuple(g_t.shape)} and {tuple(y_t.shape)}")
    N, T = y_t.shape[:2]
    K = int(y_t.shape[2])
    gen = repro.torch_generator(seed, "m14", "batches")
    clips = torch.randint(0, N, (steps, batch), generator=gen)
    centres = torch.randint(0, T, (steps, batch), generator=gen)
    net = KeyCNN if network is None else network
    model = build_seeded(seed, lambda: net(K, n_frames, temporal, widths, blocks, stem_blocks, stem_stride, key_x))

    def data(s: int):
        return windows(g_t, clips[s], centres[s], n_frames), y_t[clips[s], centres[s]]

    def loss_fn(m, b):
        x, y = b
        return onset_loss(m(x), y, weighted)

    data_key = repro.config_hash([g_t.numpy().tobytes()[::4097], y_t.numpy().tobytes(), list(g_t.shape)])
    cfg = {"m14": 1, "temporal": temporal, "weighted": weighted, "batch": batch, "seed": seed, "data": data_key}
    hist = fit(model, data, loss_fn, steps=steps, lr=lr, device=device, name=name, config=cfg, progress=progress,
               desc=name)
    model.eval()
    return model, hist


@torch.no_grad()
def clip_probs(model: KeyCNN, gray: np.ndarray, batch: int = 512, device="cpu") -> np.ndarray:
    """Onset (or key-down) probability of every key at every frame of every clip.

    Args:
        gray: uint8 ``[N, T, H, W]``.

    Returns:
        float32 ``[N, T, K]``.

    Notebook: 14_2020_sight_to_sound
    """
    model.eval().to(device)
    g_t = torch.as_tensor(np.ascontiguousarray(gray))
    N, T = g_t.shape[:2]
    clip = torch.arange(N).repeat_interleave(T)
    centre = torch.arange(T).repeat(N)
    out = []
    for a in range(0, N * T, batch):
        x = windows(g_t, clip[a:a + batch], centre[a:a + batch], model.n_frames).to(device)
        out.append(torch.sigmoid(model(x).float()).cpu())
    return torch.cat(out).reshape(N, T, -1).numpy()


# --------------------------------------------------------------------------- notes and scores
def decode_notes(probs: np.ndarray, fps: float, lowest: int, threshold: float = THRESHOLD,
                 duration_s: float = 0.3, pick: str = "peak") -> np.ndarray:
    """Notes from per-frame onset probabilities: every run of consecutive frames in which a key's
    probability reaches ``threshold`` gives one note, at the run's most probable frame
    (``pick="peak"``) or at its first frame (``pick="first"``). One run per press: a key whose
    probability stays high while it is held is not struck again and again.

    Args:
        probs: ``[T, K]`` probabilities of one clip.
        fps: frame rate (onset time = frame / fps).
        lowest: MIDI pitch of key 0.
        threshold: decision threshold.
        duration_s: the length given to each note (onsets carry no offset).
        pick: ``"peak"`` or ``"first"``.

    Returns:
        float64 ``[n, 3]`` rows (onset s, offset s, MIDI pitch), sorted by onset.

    Notebook: 14_2020_sight_to_sound
    """
    p = np.asarray(probs, np.float64)
    if p.ndim != 2:
        raise ValueError(f"decode_notes expects [T, K] probabilities, got shape {p.shape}")
    if pick not in ("peak", "first"):
        raise ValueError(f"pick must be 'peak' or 'first', got {pick!r}")
    on = p >= threshold
    pad = np.zeros((1, p.shape[1]), bool)
    starts = np.argwhere(on & ~np.vstack([pad, on[:-1]]))          # (frame, key) where a run begins
    ends = np.argwhere(on & ~np.vstack([on[1:], pad]))             # where a run ends (same order per key)
    starts = starts[np.lexsort((starts[:, 0], starts[:, 1]))]
    ends = ends[np.lexsort((ends[:, 0], ends[:, 1]))]
    rows = []
    for (t0, k), (t1, _) in zip(starts, ends):
        t = t0 if pick == "first" else t0 + int(np.argmax(p[t0:t1 + 1, k]))
        rows.append((t / float(fps), t / float(fps) + duration_s, lowest + k))
    notes = np.asarray(rows, np.float64).reshape(-1, 3)
    return notes[np.argsort(notes[:, 0], kind="stable")]


def reference_notes(midi_path, clip_s: float, lowest: int, n_keys: int, start_s: float = 0.0) -> np.ndarray:
    """The key presses of a MIDI file inside a clip window, ``[n, 3]`` (onset s, offset s, pitch),
    times relative to ``start_s``: the reference of the note-level scores (exact onset times, not
    frame-quantised).

    Notebook: 14_2020_sight_to_sound
    """
    import pretty_midi

    from ..datasets.common import DatasetError
    from ..metrics.music import notes_array

    try:
        pm = pretty_midi.PrettyMIDI(str(midi_path))
    except Exception as e:  # noqa: BLE001 - mido raises many kinds
        raise DatasetError(midi_path, f"cannot read MIDI: {e}") from None
    a = notes_array(pm, f"notes of {midi_path}")
    a = a[(a[:, 0] >= start_s) & (a[:, 0] < start_s + clip_s) & (a[:, 2] >= lowest) & (a[:, 2] < lowest + n_keys)]
    a[:, :2] -= start_s
    return a


def note_f1_per_clip(refs: Sequence[np.ndarray], ests: Sequence[np.ndarray], onset_tol: float = 0.05) -> np.ndarray:
    """Note-level onset F1 of each clip (``mir_eval`` via :func:`foley_nb_utils.metrics.note_prf`,
    offsets ignored). A clip where both sides are empty scores 1; one empty side scores 0.

    Returns:
        float64 ``[N]``.

    Notebook: 14_2020_sight_to_sound
    """
    from ..metrics.music import note_prf

    if len(refs) != len(ests):
        raise ValueError(f"note_f1_per_clip: {len(refs)} references but {len(ests)} estimates")
    out = np.empty(len(refs))
    for i, (r, e) in enumerate(zip(refs, ests)):
        out[i] = 1.0 if len(r) == 0 and len(e) == 0 else note_prf(r, e, onset_tol=onset_tol)["f1"]
    return out


def motion_energy(gray: np.ndarray, lowest: int, n_keys: int) -> np.ndarray:
    """The motion-energy baseline's onset score: how much each key's strip darkens from one frame
    to the next (``[N, T, K]``, 0 at the first frame). Keys are located with the keyboard's
    geometry (:func:`foley_nb_utils.synth.keyboard.key_layout`); no learning.

    Args:
        gray: uint8 ``[N, T, H, W]``.

    Notebook: 14_2020_sight_to_sound
    """
    from ..synth.keyboard import key_layout

    g = np.asarray(gray, np.float32) / 255.0
    W = g.shape[-1]
    _, xr, _ = key_layout(lowest, n_keys, W)
    cols = g.mean(axis=2)                                               # [N, T, W]: column brightness
    score = np.zeros(g.shape[:2] + (n_keys,), np.float32)
    for k in range(n_keys):
        a, b = int(np.floor(xr[k, 0])), max(int(np.floor(xr[k, 0])) + 1, int(np.ceil(xr[k, 1])))
        m = cols[..., a:b].mean(axis=-1)
        score[:, 1:, k] = np.maximum(m[:, :-1] - m[:, 1:], 0)           # darkening only
    return score


def render_notes(notes: np.ndarray, sr: int, duration_s: float, velocity: int = 90) -> np.ndarray:
    """Audio of ``[n, 3]`` notes (onset s, offset s, pitch) through the keyboard world's synthesis
    (pretty_midi: FluidSynth when present, sine synthesis otherwise), float32
    ``[round(duration_s * sr)]``, peak 0.5.

    Notebook: 14_2020_sight_to_sound
    """
    from ..synth import common as C
    from ..synth.keyboard import _midi

    a = np.asarray(notes, np.float32).reshape(-1, 3)
    rows = np.concatenate([a, np.full((len(a), 1), velocity, np.float32)], 1)
    return C.render_midi(_midi(rows, np.zeros((0, 2), np.float32), 120.0), sr, int(round(duration_s * sr)))


# --------------------------------------------------------------------------- the experiment
def experiment(train_gray: np.ndarray, train_onsets: np.ndarray, test_gray: np.ndarray, refs: Sequence[np.ndarray],
               *, fps: float, lowest: int, seed: int, variants: dict[str, dict[str, Any]], steps: int, batch: int,
               lr: float = 1e-3, model_kw: dict | None = None, tolerances: Sequence[float] = (0.05,),
               threads_side_by_side: bool = True, device="cpu", checkpoint: bool = True,
               progress: bool = False) -> dict[str, Any]:
    """Train each variant (same seed, same batches) and score it on every test clip.

    Args:
        train_gray, train_onsets: uint8 ``[N, T, H, W]`` and bool ``[N, T, K]``.
        test_gray: uint8 ``[M, T, H, W]``; ``refs``: the M clips' reference notes.
        variants: name → keyword arguments of :func:`train_transcriber` (``temporal``, ``weighted``).
        tolerances: onset tolerances (s) at which every variant's per-clip F1 is computed.

    Returns:
        ``models``, ``hist``, ``probs`` (name → ``[M, T, K]``), ``notes`` (name → list of
        ``[n, 3]``), ``f1`` (name → tolerance → per-clip F1 ``[M]``), ``prf`` (name → mean
        P/R/F1 over all test notes at the first tolerance).

    Notebook: 14_2020_sight_to_sound
    """
    from ..metrics.music import note_prf
    from ..train import side_by_side

    kw = dict(model_kw or {})

    def job(name, v):
        return lambda: train_transcriber(train_gray, train_onsets, steps=steps, batch=batch, lr=lr, seed=seed,
                                         device=device, name=f"m14-{name}" if checkpoint else None,
                                         progress=progress, **kw, **v)

    trained = side_by_side({n: job(n, v) for n, v in variants.items()},
                           workers=None if threads_side_by_side else 1)
    out: dict[str, Any] = {"models": {}, "hist": {}, "probs": {}, "notes": {}, "f1": {}, "prf": {}}
    L = np.concatenate(refs) if len(refs) else np.zeros((0, 3))
    for name, (model, hist) in trained.items():
        probs = clip_probs(model, test_gray, device=device)
        notes = [decode_notes(p, fps, lowest) for p in probs]
        out["models"][name], out["hist"][name], out["probs"][name], out["notes"][name] = model, hist, probs, notes
        out["f1"][name] = {tol: note_f1_per_clip(refs, notes, tol) for tol in tolerances}
        # pooled over all test notes (clips shifted apart in time so that no match crosses clips)
        shift = 1000.0 * np.arange(len(refs))
        ref_all = np.concatenate([r + [s, s, 0] for r, s in zip(refs, shift)]) if len(L) else L
        est_all = np.concatenate([e + [s, s, 0] for e, s in zip(notes, shift)]) if notes else L
        out["prf"][name] = note_prf(ref_all, est_all, onset_tol=tolerances[0])
    return out
