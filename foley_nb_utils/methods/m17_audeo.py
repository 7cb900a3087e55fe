"""Audeo (Su, Liu, Shlizerman, NeurIPS 2020): from a silent video of a pianist to piano audio.

Three stages:

1. **Video2Roll**: five consecutive grayscale frames (stacked as the input channels of a ResNet)
   → which keys are *down* in the middle frame (a multi-label "piano roll"). Audeo adds
   multi-scale attention to the ResNet-18: feature-transform blocks (FTB) on several stages, a
   feature-refinement block (FRB) that gates a finer stage with the channel statistics of a
   coarser one (top-down, squeeze-and-excitation style), and a softmax spatial attention before
   pooling. :class:`AttentionKeyCNN` is notebook 14's :class:`~.m14_sight_to_sound.KeyCNN`
   (imported, same read-out at each key) with these three pieces in front of its read-out.
2. **Roll2Midi**: what the camera sees is not what the microphone hears — keys held by the
   sustain pedal ring on after they come up, keys pressed too softly make no sound, hands hide
   keys. A GAN (a stride-1 U-Net generator, a PatchGAN discriminator, loss
   ``0.001·LSGAN + 0.999·MSE``) turns the Video2Roll probabilities of a 4 s window into the
   audible roll ("pseudo-MIDI"): :class:`Roll2MidiUNet`, :class:`PatchDiscriminator`,
   :func:`train_roll2midi`.
3. **Midi2Audio**: the roll is binarised, its runs become notes (onset and offset by frame
   differences, 40 ms frames) and a MIDI synthesiser renders them (:func:`roll_to_notes`, then
   notebook 14's :func:`~.m14_sight_to_sound.render_notes`, the keyboard world's synthesis).

Scores: Audeo's frame-level multi-label F1 (scikit-learn, ``average="samples"``) per clip
(:func:`frame_f1_per_clip`), note-level onset F1 (``mir_eval`` through notebook 14's
:func:`~.m14_sight_to_sound.note_f1_per_clip`) and a log-mel distance of the rendered audio to the
clip's own audio (:func:`mel_distance`).

Notebook: 17_2020_audeo
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .m14_sight_to_sound import KeyCNN

#: Audeo's thresholds: 0.4 on Video2Roll's probabilities, 0.5 on Roll2Midi's (its code evaluates both).
ROLL_THRESHOLD = 0.4
MIDI_THRESHOLD = 0.5

__all__ = ["MIDI_THRESHOLD", "ROLL_THRESHOLD", "AttentionKeyCNN", "FTB", "PatchDiscriminator", "Roll2MidiUNet",
           "audible_notes", "experiment", "frame_f1_per_clip", "mel_distance", "predict_midi", "roll_to_notes",
           "train_roll2midi"]


# --------------------------------------------------------------------------- Video2Roll
class FTB(nn.Module):
    """Feature-transform block: a 1×1 convolution to ``c_out`` channels, then a residual 3×3
    convolution (BN, ReLU; Audeo's has two). Shape ``[B, c_in, H, W]`` → ``[B, c_out, H, W]``.

    Notebook: 17_2020_audeo
    """

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.proj = nn.Conv2d(c_in, c_out, 1)
        self.body = nn.Sequential(nn.Conv2d(c_out, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.proj(x)
        return F.relu(h + self.body(h))


class AttentionKeyCNN(KeyCNN):
    """Video2Roll with multi-scale attention: notebook 14's :class:`KeyCNN` (same arguments, same
    per-key read-out) whose map before the read-out is built from two scales.

    ``fine = FTB(pool(stem map))`` (after the frames are fused, average-pooled to the stage map's
    size), ``coarse = FTB(stage map)``; the FRB gates the fine map by the coarse map's channel
    statistics, ``fused = coarse + σ(MLP(GAP(coarse))) ⊙ fine``; a softmax over the rows of each column,
    ``a = softmax_rows(w·fused)``, replaces the plain mean over rows (the hands cover the back of
    the keys: the attention can look where the keys are visible). ``temporal="channels"`` is
    Audeo's input (five frames as the first convolution's channels).

    Shape: ``[B, n_frames, H, W]`` → ``[B, n_keys]`` logits.

    Notebook: 17_2020_audeo
    """

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        c0, c = self.stem[0].out_channels, self.head.in_features
        self.ftb_fine, self.ftb_coarse = FTB(c0, c), FTB(c, c)
        self.frb = nn.Sequential(nn.Linear(c, max(4, c // 4)), nn.ReLU(), nn.Linear(max(4, c // 4), c))
        self.row_attention = nn.Conv2d(c, 1, 1)

    def attention_maps(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(fused map [B, C, H', W'], row attention [B, 1, H', W'])`` (the weights sum to 1 over H')."""
        h0 = self.fused(x)
        h1 = self.stages(h0)
        coarse = self.ftb_coarse(h1)
        fine = self.ftb_fine(F.adaptive_avg_pool2d(h0, coarse.shape[-2:]))   # pooled first: cheap
        gate = torch.sigmoid(self.frb(coarse.mean(dim=(2, 3))))[:, :, None, None]
        fused = coarse + gate * fine
        return fused, torch.softmax(self.row_attention(fused), dim=2)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        fused, a = self.attention_maps(x)
        return self.along((fused * a).sum(dim=2))


# --------------------------------------------------------------------------- Roll2Midi
def _conv(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out),
                         nn.LeakyReLU(0.2))


class Roll2MidiUNet(nn.Module):
    """Roll2Midi's generator: a U-Net whose convolutions are all 3×3 with stride 1 (a roll has
    no resolution to spare), channels ``widths`` down, the mirror up with skip concatenations,
    then a 1×1 convolution and a sigmoid. Unlike Audeo's, the 1×1 convolution *adds* to the
    input's logit and starts at zero (``residual=True``): the untrained network returns its
    input, and training learns only the corrections — what a few hundred CPU steps can afford.

    Shape: ``[B, 1, K, T]`` probabilities (keys × frames) → ``[B, 1, K, T]`` in (0, 1).

    Notebook: 17_2020_audeo
    """

    def __init__(self, widths: Sequence[int] = (16, 32, 32), residual: bool = True):
        super().__init__()
        self.residual = bool(residual)
        if not widths or min(widths) < 1:
            raise ValueError(f"widths must be positive channel counts, got {widths!r}")
        self.down = nn.ModuleList()
        c = 1
        for w in widths:
            self.down.append(_conv(c, w))
            c = w
        self.up = nn.ModuleList()
        for w in reversed(widths[:-1]):
            self.up.append(_conv(c + w, w))
            c = w
        self.out = nn.Conv2d(c, 1, 1)
        if self.residual:
            nn.init.zeros_(self.out.weight)
            nn.init.zeros_(self.out.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4 or x.shape[1] != 1:
            raise ValueError(f"Roll2MidiUNet expects [B, 1, K, T] rolls, got shape {tuple(x.shape)}")
        skips = []
        h = x
        for i, layer in enumerate(self.down):
            h = layer(h)
            if i < len(self.down) - 1:
                skips.append(h)
        for layer in self.up:
            h = layer(torch.cat([h, skips.pop()], 1))
        if self.residual:
            return torch.sigmoid(torch.logit(x.clamp(1e-4, 1 - 1e-4)) + self.out(h))
        return torch.sigmoid(self.out(h))


class PatchDiscriminator(nn.Module):
    """Roll2Midi's PatchGAN: the (input roll, MIDI roll) pair as two channels, 4×4 convolutions of
    strides 2, 2, 1 with InstanceNorm and LeakyReLU, one score per patch (LSGAN: no sigmoid).

    Shape: ``[B, 1, K, T]`` twice → ``[B, 1, K', T']``.

    Notebook: 17_2020_audeo
    """

    def __init__(self, base: int = 16):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(2, base, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(base, 2 * base, 4, 2, 1), nn.InstanceNorm2d(2 * base), nn.LeakyReLU(0.2),
            nn.Conv2d(2 * base, 1, 3, 1, 1))

    def forward(self, roll: torch.Tensor, midi: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([roll, midi], 1))


def _rolls_tensor(a: np.ndarray, what: str) -> torch.Tensor:
    """``[N, T, K]`` → float ``[N, 1, K, T]``."""
    t = torch.as_tensor(np.ascontiguousarray(a)).float()
    if t.ndim != 3:
        raise ValueError(f"{what} must be [N, T, K] rolls, got shape {tuple(t.shape)}")
    return t.transpose(1, 2)[:, None]


def train_roll2midi(probs: np.ndarray, target: np.ndarray, *, steps: int = 300, batch: int = 16, lr: float = 5e-4,
                    gan_weight: float = 0.001, widths: Sequence[int] = (16, 32, 32), base: int = 16,
                    residual: bool = True, seed: int = 0,
                    device="cpu", name: str | None = None, progress: bool = False) -> tuple[Roll2MidiUNet, Any]:
    """Train Roll2Midi on Video2Roll's own probabilities of the training clips (Audeo's recipe:
    the GAN learns to fix *that* model's errors), one clip (4 s) per window.

    Losses: D: ``½[(D(x, y) − 1)² + D(x, G(x))²]`` (LSGAN); G: ``gan_weight·(D(x, G(x)) − 1)² +
    (1 − gan_weight)·MSE(G(x), y)``. Adam, β = (0.9, 0.999).

    Args:
        probs: float ``[N, T, K]`` Video2Roll probabilities of the training clips.
        target: bool ``[N, T, K]`` audible roll (keys sounding, pedal included).
        gan_weight: weight of the adversarial term (Audeo: 0.001; 0 trains by MSE alone).
        widths, residual: see :class:`Roll2MidiUNet`; base: :class:`PatchDiscriminator`'s width.
        name: checkpoint name (reused when data, settings and architecture match).

    Returns:
        ``(generator, history)``, the generator in eval mode.

    Notebook: 17_2020_audeo
    """
    from .. import repro
    from ..train import build_seeded, fit_gan

    x, y = _rolls_tensor(probs, "probs"), _rolls_tensor(target, "target")
    if x.shape != y.shape:
        raise ValueError(f"train_roll2midi: probs {tuple(x.shape)} and target {tuple(y.shape)} differ")
    if not 0 <= gan_weight < 1:
        raise ValueError(f"gan_weight must be in [0, 1), got {gan_weight}")
    gen = repro.torch_generator(seed, "m17", "roll2midi")
    idx = torch.randint(0, len(x), (steps, batch), generator=gen)
    G = build_seeded(seed, lambda: Roll2MidiUNet(widths, residual))
    D = build_seeded(seed + 1, lambda: PatchDiscriminator(base))

    def data(s: int):
        return x[idx[s]], y[idx[s]]

    def d_loss(g, d, b):
        xb, yb = b
        with torch.no_grad():
            fake = g(xb)
        return 0.5 * ((d(xb, yb) - 1).pow(2).mean() + d(xb, fake).pow(2).mean())

    def g_loss(g, d, b):
        xb, yb = b
        fake = g(xb)
        return gan_weight * (d(xb, fake) - 1).pow(2).mean() + (1 - gan_weight) * F.mse_loss(fake, yb)

    key = repro.config_hash([x.numpy().tobytes(), y.numpy().tobytes()])
    hist = fit_gan(G, D, data, d_loss, g_loss, steps=steps, lr_g=lr, lr_d=lr, betas=(0.9, 0.999), device=device,
                   name=name, config={"m17": 1, "batch": batch, "seed": seed, "gan_weight": gan_weight, "data": key},
                   progress=progress, desc=name)
    G.eval()
    return G, hist


@torch.no_grad()
def predict_midi(generator: Roll2MidiUNet, probs: np.ndarray, device="cpu", batch: int = 64) -> np.ndarray:
    """Roll2Midi's audible-roll probabilities ``[N, T, K]`` for Video2Roll probabilities ``[N, T, K]``.

    Notebook: 17_2020_audeo
    """
    generator.eval().to(device)
    x = _rolls_tensor(probs, "probs")
    out = [generator(x[a:a + batch].to(device)).float().cpu() for a in range(0, len(x), batch)]
    return torch.cat(out)[:, 0].transpose(1, 2).numpy()


# --------------------------------------------------------------------------- Midi2Audio and scores
def roll_to_notes(roll: np.ndarray, fps: float, lowest: int) -> np.ndarray:
    """Notes of a binary roll (Audeo's ``Midi_synth``): every run of frames in which a key is on is
    one note, from the run's first frame to the frame after its last.

    Args:
        roll: bool ``[T, K]``.
        fps: frames per second.
        lowest: MIDI pitch of key 0.

    Returns:
        float64 ``[n, 3]`` (onset s, offset s, pitch), sorted by onset.

    Notebook: 17_2020_audeo
    """
    r = np.asarray(roll, bool)
    if r.ndim != 2:
        raise ValueError(f"roll_to_notes expects a [T, K] roll, got shape {r.shape}")
    pad = np.zeros((1, r.shape[1]), bool)
    d = np.diff(np.vstack([pad, r, pad]).astype(np.int8), axis=0)       # +1 at an onset, -1 after an offset
    on, off = np.argwhere(d == 1), np.argwhere(d == -1)
    on, off = on[np.lexsort((on[:, 0], on[:, 1]))], off[np.lexsort((off[:, 0], off[:, 1]))]
    notes = np.stack([on[:, 0] / fps, off[:, 0] / fps, lowest + on[:, 1]], 1).astype(np.float64).reshape(-1, 3)
    return notes[np.argsort(notes[:, 0], kind="stable")]


def audible_notes(midi_path, clip_s: float, lowest: int, n_keys: int, min_velocity: int | None = None) -> np.ndarray:
    """The notes of a MIDI file that sound: velocity above ``min_velocity`` (default the keyboard
    world's ghost-press ceiling, :data:`~foley_nb_utils.synth.keyboard.GHOST_VELOCITY`), onset
    inside ``[0, clip_s)`` and pitch inside the keys; float64 ``[n, 3]`` (onset s, offset s, pitch).

    Notebook: 17_2020_audeo
    """
    import pretty_midi

    from ..datasets.common import DatasetError
    from ..synth.keyboard import GHOST_VELOCITY

    v_min = GHOST_VELOCITY if min_velocity is None else int(min_velocity)
    try:
        pm = pretty_midi.PrettyMIDI(str(midi_path))
    except Exception as e:  # noqa: BLE001 - mido raises many kinds
        raise DatasetError(midi_path, f"cannot read MIDI: {e}") from None
    rows = [(n.start, n.end, n.pitch) for ins in pm.instruments if not ins.is_drum for n in ins.notes
            if n.velocity > v_min and 0 <= n.start < clip_s and lowest <= n.pitch < lowest + n_keys]
    a = np.asarray(rows, np.float64).reshape(-1, 3)
    return a[np.argsort(a[:, 0], kind="stable")]


def frame_f1_per_clip(true: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """Audeo's frame-level score per clip: scikit-learn's multi-label F1 with ``average="samples"``
    (the F1 of each frame's set of keys, averaged over the clip's frames; a frame with no key on
    either side scores 1).

    Args:
        true, pred: bool ``[N, T, K]``.

    Returns:
        float64 ``[N]``.

    Notebook: 17_2020_audeo
    """
    from sklearn.metrics import f1_score

    t, p = np.asarray(true, bool), np.asarray(pred, bool)
    if t.shape != p.shape or t.ndim != 3:
        raise ValueError(f"frame_f1_per_clip: true {t.shape} and pred {p.shape} must both be [N, T, K]")
    return np.array([f1_score(a, b, average="samples", zero_division=1.0) for a, b in zip(t, p)])


def mel_distance(reference: np.ndarray, estimate: np.ndarray, sr: int, floor_db: float = -80.0) -> np.ndarray:
    """Mean absolute difference (dB) of the log-mel spectrograms (64 bands, 1024-point FFT, hop
    256) of each pair of clips, each clipped at ``floor_db`` (absolute, so that silence in both is
    no difference). All clips in one batched librosa call.

    Args:
        reference, estimate: float ``[N, n]`` audio at ``sr``.

    Returns:
        float64 ``[N]`` (0 = identical spectrograms; lower is closer).

    Notebook: 17_2020_audeo
    """
    import librosa

    a, b = np.asarray(reference, np.float32), np.asarray(estimate, np.float32)
    if a.shape != b.shape or a.ndim != 2:
        raise ValueError(f"mel_distance: reference {a.shape} and estimate {b.shape} must both be [N, n]")
    S = librosa.feature.melspectrogram(y=np.concatenate([a, b]), sr=sr, n_fft=1024, hop_length=256, n_mels=64)
    L = np.maximum(librosa.power_to_db(S, ref=1.0, amin=1e-10, top_db=None), floor_db)
    return np.abs(L[:len(a)] - L[len(a):]).mean(axis=(1, 2)).astype(np.float64)


def experiment(train_gray: np.ndarray, train_roll: np.ndarray, train_audible: np.ndarray, test_gray: np.ndarray, *,
               variants: dict[str, dict[str, Any]], main: str, seed: int, steps: int, batch: int, lr: float,
               model_kw: dict | None = None, r2m_kw: dict | None = None, device="cpu", checkpoint: bool = True,
               progress: bool = False) -> dict[str, Any]:
    """Train the Video2Roll variants (same seed, same batches; notebook 14's
    :func:`~.m14_sight_to_sound.train_transcriber` on the visual roll, plain BCE) and Roll2Midi on
    the ``main`` variant's probabilities of the training clips; two threads: one trains ``main``
    then Roll2Midi, the other the remaining variants (:func:`~foley_nb_utils.train.side_by_side`).

    Args:
        train_gray, test_gray: uint8 ``[N, T, H, W]`` / ``[M, T, H, W]``.
        train_roll, train_audible: bool ``[N, T, K]``: keys seen down / keys heard.
        variants: name → :func:`~.m14_sight_to_sound.train_transcriber` keywords (``temporal``,
            ``network``).
        main: the variant whose probabilities Roll2Midi learns from.
        r2m_kw: keywords of :func:`train_roll2midi` (``steps``, ``batch``, ``widths``, ...).

    Returns:
        ``models``, ``hist`` (name → Video2Roll model / history), ``probs`` (name → test
        ``[M, T, K]``), ``train_probs`` (``main``'s, ``[N, T, K]``), ``roll2midi`` (generator),
        ``r2m_hist``, ``midi_probs`` (test ``[M, T, K]``).

    Notebook: 17_2020_audeo
    """
    from ..train import side_by_side
    from .m14_sight_to_sound import clip_probs, train_transcriber

    if main not in variants:
        raise ValueError(f"main={main!r} is not one of the variants {sorted(variants)}")
    kw = dict(model_kw or {})

    def v2r(name):
        return train_transcriber(train_gray, train_roll, weighted=False, steps=steps, batch=batch, lr=lr, seed=seed,
                                 device=device, name=f"m17-v2r-{name}" if checkpoint else None, progress=progress,
                                 **kw, **variants[name])

    def first():
        model, hist = v2r(main)
        train_probs = clip_probs(model, train_gray, device=device)
        G, h = train_roll2midi(train_probs, train_audible, seed=seed, device=device,
                               name="m17-roll2midi" if checkpoint else None, progress=progress, **(r2m_kw or {}))
        return model, hist, train_probs, G, h

    def rest():
        return {name: v2r(name) for name in variants if name != main}

    done = side_by_side({"main": first, "rest": rest})
    model, hist, train_probs, G, r2m_hist = done["main"]
    trained = {main: (model, hist), **done["rest"]}
    out: dict[str, Any] = {"models": {}, "hist": {}, "probs": {}, "train_probs": train_probs, "roll2midi": G,
                           "r2m_hist": r2m_hist}
    for name in variants:
        m, h = trained[name]
        out["models"][name], out["hist"][name] = m, h
        out["probs"][name] = clip_probs(m, test_gray, device=device)
    out["midi_probs"] = predict_midi(G, out["probs"][main], device=device)
    return out
