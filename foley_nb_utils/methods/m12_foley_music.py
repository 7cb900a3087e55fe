"""Foley Music (Gan et al., ECCV 2020): body/hand keypoints → MIDI events → audio.

The paper encodes a player's pose sequence with an ST-GCN (graph convolutions over the skeleton,
temporal convolutions over time) and decodes MIDI events (note-on / time-shift tokens, as in
Performance RNN) with a Transformer decoder that cross-attends to the pose features; a synthesizer
renders the MIDI. At CPU scale we keep the structure and shrink every size:

- **pianist keypoints** (:func:`pianist_keypoints`): a stand-in for OpenPose on the `keyboard`
  world (AtinPiano's ``hands`` layout in the paper): per hand a wrist and five fingertips, plus both
  elbows and shoulders (16 nodes, x/y in keyboard units), made from the clip's key presses (a
  pressing finger sits over its key and dips), with camera jitter and noise;
- **tokens** (:func:`encode_events` / :func:`decode_events`): SOS/EOS/PAD, ``SHIFT(s)`` (s frames,
  1..``MAX_SHIFT``) and ``NOTE(k)`` (onset of key k); offsets are dropped (the metric is onset F1);
- **encoders** (:class:`PoseEncoder`): ``"gcn"`` (spatial graph conv with the normalised skeleton
  adjacency + temporal conv, the ST-GCN block) or ``"mlp"`` (the joints flattened per frame: no
  skeleton);
- **decoder** (:class:`FoleyMusic`): a causal Transformer decoder with learned positions over
  the event tokens, cross-attending to the encoder's memory; greedy decoding (:func:`generate`);
- **audio-feature baseline** (:class:`MelRegressor`): the same encoder regressing the log-mel
  frames directly (the paper's "predict the sound" baselines).

Notebook: 12_2020_foley_music
"""
from __future__ import annotations


import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# ----------------------------------------------------------------------------- keypoints
#: Node names of the pianist skeleton (index = row of the keypoint arrays).
NODES: tuple[str, ...] = ("l_shoulder", "r_shoulder", "l_elbow", "r_elbow", "l_wrist", "r_wrist",
                          *(f"l_finger{i}" for i in range(5)), *(f"r_finger{i}" for i in range(5)))
#: Skeleton edges.
EDGES: tuple[tuple[int, int], ...] = ((0, 1), (0, 2), (1, 3), (2, 4), (3, 5),
                                      *((4, 6 + i) for i in range(5)), *((5, 11 + i) for i in range(5)))
#: Nodes kept when the fingers are ablated (arms and wrists only).
NO_FINGERS: tuple[int, ...] = (0, 1, 2, 3, 4, 5)
J = len(NODES)


def pianist_keypoints(roll: np.ndarray, onsets: np.ndarray, rng: np.random.Generator,
                      noise: float = 0.01) -> np.ndarray:
    """Pianist keypoints from key presses: float32 ``[T, 16, 2]`` (x across the keyboard in key
    units 0..1, y toward the player; see :data:`NODES`).

    Each hand (lower / upper half of the keys) glides to the mean of its pressed keys; a finger
    presses a key by moving over its centre and down (y + 0.25, + 0.1 more on the onset frame);
    the camera adds a per-clip scale / shift and per-frame noise of ``noise``.

    Args:
        roll, onsets: bool ``[T, K]`` pressed keys and onsets (the keyboard world's ``extra``).
        rng: the clip's generator.
        noise: standard deviation of the per-frame jitter, keyboard units.
    """
    roll, onsets = np.asarray(roll, bool), np.asarray(onsets, bool)
    if roll.ndim != 2 or roll.shape != onsets.shape:
        raise ValueError(f"pianist_keypoints: roll and onsets must be [T, K] of one shape, got {roll.shape}, "
                         f"{onsets.shape}")
    T, K = roll.shape
    xc = (np.arange(K) + 0.5) / K
    kp = np.zeros((T, J, 2), np.float32)
    idx = np.arange(T)
    for side in (0, 1):
        keys = np.arange(K) < K // 2 if side == 0 else np.arange(K) >= K // 2
        w = roll[:, keys].astype(np.float32)
        ok = w.sum(1) > 0
        pos = np.full(T, float(xc[keys].mean()))
        if ok.any():
            pos = np.interp(idx, idx[ok], (w[ok] * xc[keys]).sum(1) / w[ok].sum(1))
        pos = np.convolve(np.pad(pos, 3, mode="edge"), np.ones(7) / 7, mode="valid")
        span = rng.uniform(0.14, 0.2)
        fx = pos[:, None] + np.linspace(-0.4, 0.4, 5)[None] * span          # resting fingertips
        fy = np.full((T, 5), 0.3, np.float32)
        kx = np.flatnonzero(keys)
        for t in range(T):
            for k in kx[roll[t, kx]]:                                      # nearest free finger presses k
                f = int(np.argmin(np.abs(fx[t] - xc[k]) + 10.0 * (fy[t] > 0.3)))
                fx[t, f], fy[t, f] = xc[k], 0.55 + 0.1 * onsets[t, k]
        base = 6 + 5 * side
        kp[:, base:base + 5, 0], kp[:, base:base + 5, 1] = fx, fy
        kp[:, 4 + side] = np.stack([pos, np.full(T, 0.05)], 1)            # wrist behind the fingers
        kp[:, 2 + side] = np.stack([pos * 0.6 + (0.1 if side == 0 else 0.3), np.full(T, -0.3)], 1)
        kp[:, side] = np.array([0.3 + 0.4 * side, -0.6])
    scale, shift = rng.uniform(0.9, 1.1), rng.uniform(-0.05, 0.05, 2)
    kp = (kp - 0.5) * scale + 0.5 + shift
    kp += rng.normal(0, noise, kp.shape)
    return kp.astype(np.float32)


def adjacency(nodes: tuple[int, ...] | None = None) -> torch.Tensor:
    """Symmetric normalised adjacency ``D^-1/2 (A + I) D^-1/2`` ``[J', J']`` of the skeleton
    (restricted to ``nodes``)."""
    nodes = tuple(range(J)) if nodes is None else tuple(nodes)
    pos = {n: i for i, n in enumerate(nodes)}
    A = np.eye(len(nodes), dtype=np.float32)
    for a, b in EDGES:
        if a in pos and b in pos:
            A[pos[a], pos[b]] = A[pos[b], pos[a]] = 1.0
    d = 1.0 / np.sqrt(A.sum(1))
    return torch.from_numpy(A * d[:, None] * d[None, :])


# ----------------------------------------------------------------------------- tokens
SOS, EOS, PAD = 0, 1, 2
MAX_SHIFT = 16
SHIFT0 = 3                         # SHIFT(s) = SHIFT0 + s - 1, s in 1..MAX_SHIFT


def vocab_size(n_keys: int) -> int:
    """SOS, EOS, PAD, MAX_SHIFT shifts and one NOTE per key."""
    return SHIFT0 + MAX_SHIFT + n_keys


def encode_events(onsets: np.ndarray, max_len: int) -> np.ndarray:
    """Event tokens of a bool onset roll ``[T, K]``: ``SOS, (SHIFT*, NOTE*)*, EOS``, padded with PAD
    (or cut, keeping EOS) to int64 ``[max_len]``. Time runs in frames from frame 0."""
    onsets = np.asarray(onsets, bool)
    out, now = [SOS], 0
    for t in np.flatnonzero(onsets.any(1)):
        gap = int(t) - now
        while gap > 0:
            s = min(gap, MAX_SHIFT)
            out.append(SHIFT0 + s - 1)
            gap -= s
        out += [SHIFT0 + MAX_SHIFT + int(k) for k in np.flatnonzero(onsets[t])]
        now = int(t)
    out = out[:max_len - 1] + [EOS]
    return np.array(out + [PAD] * (max_len - len(out)), np.int64)


def decode_events(tokens, n_frames: int, n_keys: int) -> np.ndarray:
    """Bool onset roll ``[n_frames, n_keys]`` of a token sequence (stops at EOS; SOS / PAD ignored)."""
    roll = np.zeros((n_frames, n_keys), bool)
    t = 0
    for tok in np.asarray(tokens).tolist():
        if tok == EOS:
            break
        if SHIFT0 <= tok < SHIFT0 + MAX_SHIFT:
            t += tok - SHIFT0 + 1
        elif tok >= SHIFT0 + MAX_SHIFT and t < n_frames:
            roll[t, tok - SHIFT0 - MAX_SHIFT] = True
    return roll


def roll_to_notes(onsets: np.ndarray, fps: float, lowest: int, dur_s: float = 0.2) -> np.ndarray:
    """Notes ``[n, 3]`` (onset s, offset s, MIDI pitch) of an onset roll, each ``dur_s`` long."""
    t, k = np.nonzero(np.asarray(onsets, bool))
    return np.stack([t / fps, t / fps + dur_s, k + lowest], 1).astype(np.float64).reshape(-1, 3)


# ----------------------------------------------------------------------------- models
class PoseEncoder(nn.Module):
    """Keypoints ``[B, T, J', 2]`` → memory ``[B, T/2, d]``.

    ``kind="gcn"``: ``blocks`` ST-GCN blocks (spatial graph conv ``A X W`` then a temporal conv of
    kernel 5; the second has stride 2), mean over joints. ``kind="mlp"``: the joints flattened per
    frame into an MLP, then the same temporal convs: no skeleton.
    """

    def __init__(self, kind: str = "gcn", nodes: tuple[int, ...] | None = None, d: int = 64, blocks: int = 2):
        super().__init__()
        if kind not in ("gcn", "mlp"):
            raise ValueError(f"PoseEncoder: kind must be 'gcn' or 'mlp', got {kind!r}")
        self.kind, self.nodes = kind, tuple(range(J)) if nodes is None else tuple(nodes)
        jn = len(self.nodes)
        self.register_buffer("A", adjacency(self.nodes))
        if kind == "gcn":
            self.bn = nn.BatchNorm1d(2 * jn)                               # ST-GCN's data BatchNorm
            self.spatial = nn.ModuleList([nn.Linear(2 if i == 0 else d, d) for i in range(blocks)])
        else:
            self.mlp = nn.Sequential(nn.Linear(2 * jn, d), nn.ReLU(), nn.Linear(d, d))
        self.temporal = nn.ModuleList([nn.Conv1d(d, d, 5, padding=2) for _ in range(blocks)])
        self.down = nn.Conv1d(d, d, 5, stride=2, padding=2)                # temporal stride 2

    def forward(self, kp: torch.Tensor) -> torch.Tensor:
        if kp.ndim != 4 or kp.shape[-1] != 2 or kp.shape[2] != J:
            raise ValueError(f"PoseEncoder: keypoints must be [B, T, {J}, 2], got {tuple(kp.shape)}")
        B, T, _, _ = kp.shape
        x = kp[:, :, list(self.nodes)]
        jn = x.shape[2]
        if self.kind == "gcn":
            x = self.bn(x.reshape(B, T, -1).transpose(1, 2)).transpose(1, 2).reshape(B, T, jn, 2)
            for lin, conv in zip(self.spatial, self.temporal):             # x: [B, T, J, C]
                x = F.relu(torch.einsum("ij,btjc->btic", self.A, lin(x)))  # mix along the skeleton's edges
                y = conv(x.permute(0, 2, 3, 1).reshape(B * jn, -1, T))     # each joint along time
                x = x + F.relu(y).reshape(B, jn, -1, T).permute(0, 3, 1, 2)
            h = x.mean(2)                                                   # [B, T, d]
        else:
            h = self.mlp(x.reshape(B, T, -1))
            for conv in self.temporal:
                h = h + F.relu(conv(h.transpose(1, 2))).transpose(1, 2)
        return F.relu(self.down(h.transpose(1, 2))).transpose(1, 2)


class FoleyMusic(nn.Module):
    """Pose encoder + Transformer decoder of MIDI event tokens.

    ``forward(kp [B, T, J, 2], tokens [B, L]) -> logits [B, L, V]`` (causal: position i sees
    tokens ≤ i and the whole pose memory).
    """

    def __init__(self, n_keys: int, kind: str = "gcn", nodes: tuple[int, ...] | None = None, d: int = 64,
                 layers: int = 2, heads: int = 4, ff: int = 128, max_len: int = 64, dropout: float = 0.1):
        super().__init__()
        self.n_keys, self.max_len = int(n_keys), int(max_len)
        self.encoder = PoseEncoder(kind, nodes, d)
        V = vocab_size(n_keys)
        self.emb, self.pos = nn.Embedding(V, d), nn.Embedding(max_len, d)
        self.mem_pos = nn.Parameter(torch.zeros(1, 512, d))
        layer = nn.TransformerDecoderLayer(d, heads, ff, dropout, batch_first=True)
        self.decoder = nn.TransformerDecoder(layer, layers)
        self.out = nn.Linear(d, V)

    def memory(self, kp: torch.Tensor) -> torch.Tensor:
        m = self.encoder(kp)
        return m + self.mem_pos[:, :m.shape[1]]

    def decode(self, memory: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        L = tokens.shape[1]
        x = self.emb(tokens) + self.pos(torch.arange(L, device=tokens.device))[None]
        mask = torch.triu(torch.ones(L, L, dtype=torch.bool, device=tokens.device), 1)
        return self.out(self.decoder(x, memory, tgt_mask=mask, tgt_key_padding_mask=tokens == PAD))

    def forward(self, kp: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        return self.decode(self.memory(kp), tokens)


def event_loss(model: FoleyMusic, batch) -> torch.Tensor:
    """Next-token cross-entropy ignoring PAD (``batch = (kp, tokens)``)."""
    kp, tok = batch
    logits = model(kp, tok[:, :-1])
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tok[:, 1:].reshape(-1), ignore_index=PAD)


@torch.no_grad()
def generate(model: FoleyMusic, kp: torch.Tensor, max_len: int | None = None, batch: int = 256) -> np.ndarray:
    """Greedy decoding: int64 tokens ``[B, max_len]`` starting with SOS (after EOS: PAD)."""
    model.eval()
    L = max_len or model.max_len
    outs = []
    for i in range(0, len(kp), batch):
        mem = model.memory(kp[i:i + batch])
        tok = torch.full((len(mem), 1), SOS, dtype=torch.long)
        done = torch.zeros(len(mem), dtype=torch.bool)
        for _ in range(L - 1):
            nxt = model.decode(mem, tok)[:, -1]
            nxt[:, [SOS, PAD]] = -float("inf")
            nxt = nxt.argmax(-1)
            nxt = torch.where(done, torch.full_like(nxt, PAD), nxt)
            done |= nxt == EOS
            tok = torch.cat([tok, nxt[:, None]], 1)
            if bool(done.all()):
                break
        outs.append(F.pad(tok, (0, L - tok.shape[1]), value=PAD))
    return torch.cat(outs).numpy()


class MelRegressor(nn.Module):
    """The audio-feature baseline: the pose encoder, upsampled back to the frame rate, and a
    linear head predicting the log-mel frame (scaled to about [0, 1]) ``[B, T, n_mels]``."""

    def __init__(self, n_mels: int, kind: str = "gcn", nodes: tuple[int, ...] | None = None, d: int = 64):
        super().__init__()
        self.encoder = PoseEncoder(kind, nodes, d)
        self.head = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, n_mels))

    def forward(self, kp: torch.Tensor) -> torch.Tensor:
        h = self.encoder(kp)
        h = F.interpolate(h.transpose(1, 2), size=kp.shape[1], mode="linear", align_corners=False).transpose(1, 2)
        return self.head(h)


def mel_loss(model: MelRegressor, batch) -> torch.Tensor:
    """L1 between predicted and true scaled log-mel frames (``batch = (kp, mel)``)."""
    kp, mel = batch
    return F.l1_loss(model(kp), mel)


# ----------------------------------------------------------------------------- evaluation
def mel_frames(audio: np.ndarray, sr: int, fps: float, n_frames: int, n_mels: int = 32) -> np.ndarray:
    """Log-mel frames at the video rate, scaled to about [0, 1] (dB / 80 + 1): float32
    ``[N, n_frames, n_mels]``."""
    from ..metrics.features import log_mel_batch

    hop = int(round(sr / fps))
    S = np.asarray(log_mel_batch(np.asarray(audio, np.float32), sr, n_mels=n_mels, n_fft=2 * hop, hop=hop))
    S = np.moveaxis(S, -1, 1)[:, :n_frames]                               # [N, T', n_mels]
    S = np.pad(S, ((0, 0), (0, n_frames - S.shape[1]), (0, 0)), mode="edge")
    return np.clip(S / 80.0 + 1.0, 0, 1.2).astype(np.float32)


def flux_onsets(mel: np.ndarray, rel: float = 0.3) -> np.ndarray:
    """Onset frames of one log-mel ``[T, n_mels]`` by spectral flux: local maxima of the summed
    positive rise above ``rel`` × the clip's largest rise. The same detector reads every side."""
    flux = np.maximum(np.diff(np.asarray(mel), axis=0, prepend=mel[:1]), 0).sum(1)
    if flux.max() <= 0:
        return np.zeros(0, np.int64)
    pk = (flux >= np.roll(flux, 1)) & (flux > np.roll(flux, -1)) & (flux > rel * flux.max())
    return np.flatnonzero(pk)


def clip_scores(ref_onsets: np.ndarray, est_onsets: np.ndarray, fps: float, lowest: int) -> dict[str, np.ndarray]:
    """Per-clip note F1 (onset within 50 ms and pitch right) and onset-only F1 (pitch ignored) of
    predicted onset rolls ``[N, T, K]`` against the true ones."""
    from ..metrics.music import note_prf, onset_prf

    note, onset = [], []
    for r, e in zip(ref_onsets, est_onsets):
        note.append(note_prf(roll_to_notes(r, fps, lowest), roll_to_notes(e, fps, lowest))["f1"])
        onset.append(onset_prf(np.flatnonzero(r.any(1)) / fps, np.flatnonzero(e.any(1)) / fps)["f1"])
    return {"note_f1": np.array(note), "onset_f1": np.array(onset)}


def onset_f1_from_mels(ref_onsets: np.ndarray, mels: np.ndarray, fps: float) -> np.ndarray:
    """Per-clip onset F1 (50 ms) of :func:`flux_onsets` on log-mels ``[N, T, n_mels]`` against
    the true onset frames of ``ref_onsets`` ``[N, T, K]``."""
    from ..metrics.music import onset_prf

    return np.array([onset_prf(np.flatnonzero(r.any(1)) / fps, flux_onsets(m) / fps)["f1"]
                     for r, m in zip(ref_onsets, mels)])


def render_onsets(onsets: np.ndarray, fps: float, lowest: int, sr: int, n: int) -> np.ndarray:
    """Audio float32 ``[N, n]`` of onset rolls rendered as MIDI (0.3 s notes, velocity 90) with
    the package's MIDI synthesizer (FluidSynth when present, sine otherwise)."""
    import pretty_midi

    from ..synth.common import midi_synth_method, render_midi

    method = midi_synth_method()
    out = np.zeros((len(onsets), n), np.float32)
    for i, r in enumerate(onsets):
        pm = pretty_midi.PrettyMIDI()
        ins = pretty_midi.Instrument(program=0)
        for s, e, p in roll_to_notes(r, fps, lowest, 0.3):
            ins.notes.append(pretty_midi.Note(90, int(p), float(s), float(e)))
        pm.instruments.append(ins)
        out[i] = render_midi(pm, sr, n, method) if ins.notes else 0.0
    return out


def batches(arrays: list[torch.Tensor], batch: int, gen: torch.Generator):
    """``step -> tuple`` of a random minibatch of the same rows of each array."""
    n = len(arrays[0])

    def get(step: int):
        idx = torch.randint(0, n, (batch,), generator=gen)
        return tuple(a[idx] for a in arrays)
    return get


__all__ = ["EDGES", "EOS", "FoleyMusic", "J", "MAX_SHIFT", "MelRegressor", "NODES", "NO_FINGERS", "PAD",
           "PoseEncoder", "SOS", "adjacency", "batches", "clip_scores", "decode_events", "encode_events",
           "event_loss", "flux_onsets", "generate", "mel_frames", "mel_loss", "onset_f1_from_mels",
           "pianist_keypoints", "render_onsets", "roll_to_notes", "vocab_size"]

