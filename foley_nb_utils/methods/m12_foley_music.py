"""Foley Music (Gan et al., ECCV 2020): body/hand keypoints → MIDI events → audio.

The paper encodes a player's pose sequence (OpenPose keypoints) with a graph convolutional network
(GCN over the skeleton, temporal convolutions over time) and decodes MIDI events (Performance-RNN
tokens: note-on, note-off, time-shift, velocity) with a Transformer decoder that cross-attends to
the pose features; a synthesizer renders the MIDI. At CPU scale we keep that structure and shrink
every size:

- **the world** (:func:`melody_clips`, :func:`player_keypoints`): the keyboard world's music21
  Bach chorales, top voice only (monophonic melodies), quantised to a coarse time grid and folded
  into a small pitch range; a pianist skeleton plays them: the right hand sits over the key (hand
  position → pitch), the index fingertip dips on each onset (dip depth → velocity), with camera
  jitter, keypoint noise and drop-out (a dropped joint is zeros with confidence 0, as OpenPose
  writes it). The clips are written in the pose ``.npy`` + ``.mid`` layout of
  :mod:`foley_nb_utils.datasets.pose_midi` and read back through it;
- **tokens** (:func:`encode_notes` / :func:`decode_tokens`): SOS/EOS/PAD, ``SHIFT(s)`` (s grid
  steps), ``VEL(v)`` (velocity bin), ``ON(p)``, ``OFF(p)``;
- **encoders** (:class:`PoseEncoder`): ``"gcn"`` (spatial graph conv with the normalised skeleton
  adjacency + per-joint temporal conv: the ST-GCN block) or ``"mlp"`` (the joints flattened per
  frame: no skeleton); both end in the same temporal convs down to the grid rate;
- **decoders** (:class:`FoleyMusic`): ``"transformer"`` (causal self-attention + cross-attention
  to the pose memory) or ``"gru"`` (a GRU with dot-product attention to the same memory); both see
  each token's clock (grid steps elapsed, counted from the SHIFT tokens before it);
- **rendering and editing** (:func:`render`, :func:`transpose`, :func:`rendered_pitches`): the
  MIDI is rendered by the keyboard world's synthesis (:func:`foley_nb_utils.synth.common.render_midi`)
  or the instruments world's (:func:`render_instrument`).

Notebook: 12_2020_foley_music
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# ----------------------------------------------------------------------------- the player
#: Node names of the pianist skeleton (index = row of the keypoint arrays).
NODES: tuple[str, ...] = ("head", "neck", "l_shoulder", "r_shoulder", "l_elbow", "r_elbow", "l_wrist", "r_wrist",
                          "r_thumb", "r_index", "r_middle", "r_ring", "r_little")
#: Skeleton edges.
EDGES: tuple[tuple[int, int], ...] = ((0, 1), (1, 2), (1, 3), (2, 4), (3, 5), (4, 6), (5, 7),
                                      (7, 8), (7, 9), (7, 10), (7, 11), (7, 12))
J = len(NODES)
WORLD_VERSION = 2    # bump when the world's clips change: it keys the written layout (and so the checkpoints)
PLAYING = 9          # the index fingertip plays every note
FINGER_OFFSETS = np.array([-0.05, 0.0, 0.035, 0.065, 0.09], np.float32)   # thumb..little, keyboard widths

#: World settings per profile: ``fps`` (pose frames/s), ``steps_per_s`` (the time grid),
#: ``steps_per_quarter`` (tempo: 2 = 120 bpm at 4 steps/s), ``duration_s``, ``lowest`` / ``n_pitch``
#: (the pitch range), ``n_vel`` (velocity bins), ``noise`` (keypoint jitter, keyboard widths),
#: ``dropout`` (probability a joint is missed in a frame), ``camera`` (per-clip shift/scale),
#: ``rest_prob`` (a note shortened by a step, leaving a rest), ``n_pieces`` (chorales drawn from).
DEFAULTS: dict[str, dict[str, Any]] = {
    "quick": dict(fps=8.0, steps_per_s=4.0, steps_per_quarter=2, duration_s=3.0, lowest=60, n_pitch=12, n_vel=4,
                  noise=0.005, dropout=0.02, camera=0.01, rest_prob=0.2, n_pieces=24),
    "full": dict(fps=16.0, steps_per_s=8.0, steps_per_quarter=4, duration_s=6.0, lowest=55, n_pitch=24, n_vel=4,
                 noise=0.015, dropout=0.1, camera=0.03, rest_prob=0.2, n_pieces=120),
}


def settings(profile: str = "quick", **overrides: Any) -> dict[str, Any]:
    """The world's settings (:data:`DEFAULTS` of ``profile`` with ``overrides``), checked."""
    if profile not in DEFAULTS:
        raise ValueError(f"m12 world: profile must be one of {sorted(DEFAULTS)}, got {profile!r}")
    bad = sorted(set(overrides) - set(DEFAULTS[profile]))
    if bad:
        raise ValueError(f"m12 world: unknown settings {bad}")
    s = {**DEFAULTS[profile], **overrides}
    fps_step = s["fps"] / s["steps_per_s"]
    if fps_step < 1 or abs(fps_step - round(fps_step)) > 1e-9 or s["duration_s"] <= 0:
        raise ValueError(f"m12 world: fps must be a whole multiple of steps_per_s and duration_s > 0, got {s}")
    if not (0 <= s["dropout"] < 1 and s["noise"] >= 0 and 4 <= s["n_pitch"] <= 48 and s["n_vel"] >= 1):
        raise ValueError(f"m12 world: bad noise / dropout / n_pitch / n_vel in {s}")
    s["frames_per_step"] = int(round(fps_step))
    s["n_steps"] = int(round(s["duration_s"] * s["steps_per_s"]))
    s["n_frames"] = s["n_steps"] * s["frames_per_step"]
    return s


def melodies(n_pieces: int) -> list[np.ndarray]:
    """Top-voice melodies of the first ``n_pieces`` Bach chorales (the keyboard world's corpus):
    float32 ``[n, 3]`` (onset, duration in quarter notes, MIDI pitch), monophonic."""
    from ..synth import keyboard as kb

    out = []
    for path in kb._pieces(n_pieces):
        nt = kb.piece_notes(path)
        top = nt[nt[:, 3] == 0][:, :3]
        top = top[np.argsort(top[:, 0], kind="stable")]
        _, first = np.unique(top[:, 0], return_index=True)        # one note per onset
        out.append(top[first])
    return out


def melody_clips(n: int, seed: int, s: dict[str, Any], start: int = 0) -> list[np.ndarray]:
    """``n`` clips of grid-quantised melody: int64 ``[m, 4]`` per clip (onset step, offset step,
    pitch index 0..n_pitch-1, velocity bin), sorted, non-overlapping."""
    from ..synth import common as C

    mel = melodies(int(s["n_pieces"]))
    S, spq, P = s["n_steps"], s["steps_per_quarter"], s["n_pitch"]
    out = []
    for r in C.clip_rngs(seed, "pianist", start, n):
        m = mel[int(r.integers(len(mel)))]
        on, off = np.round(m[:, 0] * spq).astype(int), np.round((m[:, 0] + m[:, 1]) * spq).astype(int)
        t0 = int(r.integers(0, max(1, int(off.max()) - S)))
        keep = (on >= t0) & (on < t0 + S)
        on, off, pitch = on[keep] - t0, np.minimum(off[keep] - t0, S), m[keep, 2].astype(int)
        off = np.minimum(off, np.append(on[1:], S))                   # monophonic
        if len(pitch):     # centre the window's range, then fold stray notes in by octaves
            pitch = pitch + int(round(P / 2 - (pitch.min() + pitch.max() + 1) / 2))
            pitch = np.where(pitch >= P, pitch - 12 * ((pitch - P) // 12 + 1), pitch)
            pitch = np.where(pitch < 0, pitch + 12 * ((-pitch - 1) // 12 + 1), pitch)
            pitch = np.clip(pitch, 0, P - 1)
        keep = off > on                                              # notes quantised away (grace notes)
        on, off, pitch = on[keep], off[keep], pitch[keep]
        rest = (r.random(len(on)) < s["rest_prob"]) & (off - on >= 2)
        off = off - rest.astype(int)
        vel = r.integers(0, s["n_vel"], len(on))
        out.append(np.stack([on, off, pitch, vel], 1).astype(np.int64).reshape(-1, 4))
    return out


def velocity_of(vbin, n_vel: int):
    """MIDI velocity of a velocity bin (40 … 115)."""
    return 40 + np.round(75 * np.asarray(vbin) / max(1, n_vel - 1)).astype(int)


def player_keypoints(notes: np.ndarray, s: dict[str, Any], rng: np.random.Generator) -> np.ndarray:
    """The pianist's keypoints playing ``notes`` (from :func:`melody_clips`): float32 ``[T, J, 3]``
    (x across the keyboard in keyboard widths, y toward the keys, confidence).

    The right hand glides to the key of each note during the frame before its onset (x =
    (pitch + 0.5) / n_pitch: hand position gives the pitch); the index fingertip is lifted
    (y = 0.10) in rests, held (0.18) while a note sounds, and dips to 0.20 + 0.06·v on the onset frame
    (v = velocity bin / (n_vel - 1): dip depth gives the velocity). The camera shifts / scales the
    clip by up to ``camera``; each coordinate gets Gaussian ``noise``; each joint is dropped in a
    frame with probability ``dropout`` (x = y = 0, confidence 0).
    """
    notes = np.asarray(notes, np.int64).reshape(-1, 4)
    F_, T, P = s["frames_per_step"], s["n_frames"], s["n_pitch"]
    if len(notes) and (notes[:, 2].min() < 0 or notes[:, 2].max() >= P or notes[:, 0].min() < 0):
        raise ValueError(f"player_keypoints: pitch indices must be in 0..{P - 1} and onsets >= 0")
    t = np.arange(T)
    hand = np.full(T, 0.5, np.float32)
    fy = np.full(T, 0.10, np.float32)
    for on, off, p, v in notes:
        a, b = on * F_, min(off * F_, T)
        x = (p + 0.5) / P
        hand[max(a - 1, 0):] = x
        if a >= 1:                                                    # halfway there one frame before
            hand[a - 1] = 0.5 * (x + hand[max(a - 2, 0)])
        fy[a:b] = 0.18
        fy[a] = 0.20 + 0.06 * v / max(1, s["n_vel"] - 1)
    kp = np.zeros((T, J, 3), np.float32)
    sway = 0.01 * np.sin(2 * np.pi * (t / T + rng.uniform()))
    kp[:, 0, :2] = np.stack([0.45 + sway, np.full(T, -0.55)], 1)
    kp[:, 1, :2] = np.stack([0.45 + 0.5 * sway, np.full(T, -0.4)], 1)
    kp[:, 2, :2] = [0.3, -0.38]
    kp[:, 3, :2] = [0.6, -0.38]
    kp[:, 4, :2] = [0.25, -0.15]
    kp[:, 6, :2] = [0.28, 0.05]
    kp[:, 7, :2] = np.stack([hand, np.full(T, 0.02)], 1)
    kp[:, 5, :2] = 0.5 * (kp[:, 3, :2] + kp[:, 7, :2]) + [0.05, 0.05]
    kp[:, 8:, 0] = hand[:, None] + FINGER_OFFSETS[None]
    kp[:, 8:, 1] = 0.10
    kp[:, 8, 1] = 0.08
    kp[:, PLAYING, 1] = fy
    c = s["camera"]
    kp[..., :2] = (kp[..., :2] - 0.5) * rng.uniform(1 - c, 1 + c) + 0.5 + rng.uniform(-c, c, 2)
    kp[..., :2] += rng.normal(0, s["noise"], (T, J, 2))
    kp[..., 2] = 1.0
    drop = rng.random((T, J)) < s["dropout"]
    kp[drop] = 0.0
    return kp.astype(np.float32)


def notes_to_seconds(notes: np.ndarray, s: dict[str, Any]) -> np.ndarray:
    """Grid notes ``[m, 4]`` → float ``[m, 4]`` (start s, end s, MIDI pitch, MIDI velocity)."""
    n = np.asarray(notes).reshape(-1, 4)
    dt = 1.0 / s["steps_per_s"]
    return np.stack([n[:, 0] * dt, n[:, 1] * dt, n[:, 2] + s["lowest"], velocity_of(n[:, 3], s["n_vel"])],
                    1).astype(np.float64)


def seconds_to_notes(notes_s: np.ndarray, s: dict[str, Any]) -> np.ndarray:
    """The inverse of :func:`notes_to_seconds` (what the loader's MIDI notes become), int64 ``[m, 4]``."""
    n = np.asarray(notes_s, np.float64).reshape(-1, 4)
    vbin = np.round((n[:, 3] - 40) / 75 * max(1, s["n_vel"] - 1))
    return np.stack([np.round(n[:, 0] * s["steps_per_s"]), np.round(n[:, 1] * s["steps_per_s"]),
                     n[:, 2] - s["lowest"], np.clip(vbin, 0, s["n_vel"] - 1)], 1).astype(np.int64)


def to_midi(notes_s: np.ndarray, program: int = 0) -> Any:
    """A ``pretty_midi.PrettyMIDI`` of notes ``[m, 4]`` (start s, end s, pitch, velocity)."""
    import pretty_midi

    pm = pretty_midi.PrettyMIDI()
    ins = pretty_midi.Instrument(program=int(program))
    for a, b, p, v in np.asarray(notes_s).reshape(-1, 4):
        if b > a:
            ins.notes.append(pretty_midi.Note(int(v), int(p), float(a), float(b)))
    pm.instruments.append(ins)
    return pm


def write_world(root, n_train: int, n_test: int, seed: int, s: dict[str, Any]) -> None:
    """Write the synthetic pianist in the pose + MIDI layout (:mod:`~foley_nb_utils.datasets.pose_midi`):
    ``train/`` and ``test/`` of ``clip_XXXXXX.npy`` + ``.mid``."""
    from ..datasets import pose_midi
    from ..synth.common import midi_bytes, clip_rngs

    for split, n, start in (("train", n_train, 0), ("test", n_test, n_train)):
        notes = melody_clips(n, seed, s, start)
        rngs = clip_rngs(seed, "pianist_pose", start, n)
        poses = [player_keypoints(nt, s, r) for nt, r in zip(notes, rngs)]
        midis = [midi_bytes(to_midi(notes_to_seconds(nt, s))) for nt in notes]
        pose_midi.write_layout(root, split, [f"clip_{start + i:06d}" for i in range(n)], poses, midis,
                               fps=s["fps"], joints=NODES)


def adjacency(nodes: int = J) -> torch.Tensor:
    """Symmetric normalised adjacency ``D^-1/2 (A + I) D^-1/2`` ``[J, J]`` of the skeleton."""
    A = np.eye(nodes, dtype=np.float32)
    for a, b in EDGES:
        A[a, b] = A[b, a] = 1.0
    d = 1.0 / np.sqrt(A.sum(1))
    return torch.from_numpy(A * d[:, None] * d[None, :])


# ----------------------------------------------------------------------------- tokens
SOS, EOS, PAD = 0, 1, 2


class Vocab:
    """Token ids: SOS, EOS, PAD, ``SHIFT(1..max_shift)``, ``VEL(0..n_vel-1)``, ``ON(0..n_pitch-1)``,
    ``OFF(0..n_pitch-1)`` (in that order)."""

    def __init__(self, n_pitch: int, n_vel: int, max_shift: int):
        self.n_pitch, self.n_vel, self.max_shift = int(n_pitch), int(n_vel), int(max_shift)
        self.shift0 = 3
        self.vel0 = self.shift0 + self.max_shift
        self.on0 = self.vel0 + self.n_vel
        self.off0 = self.on0 + self.n_pitch
        self.size = self.off0 + self.n_pitch

    def shift_table(self) -> torch.Tensor:
        """Grid steps each token moves the clock on, int64 ``[size]``."""
        t = torch.zeros(self.size, dtype=torch.long)
        t[self.shift0:self.vel0] = torch.arange(1, self.max_shift + 1)
        return t

    def kind(self, tok: int) -> str:
        return ("sos", "eos", "pad")[tok] if tok < 3 else "shift" if tok < self.vel0 else \
            "vel" if tok < self.on0 else "on" if tok < self.off0 else "off"

    def name(self, tok: int) -> str:
        k = self.kind(tok)
        arg = {"shift": tok - self.shift0 + 1, "vel": tok - self.vel0, "on": tok - self.on0, "off": tok - self.off0}
        return k.upper() if k not in arg else f"{k.upper()}({arg[k]})"


def encode_notes(notes: np.ndarray, voc: Vocab, max_len: int) -> np.ndarray:
    """Event tokens of grid notes ``[m, 4]``: ``SOS, (SHIFT*, [OFF], VEL, ON)*, …, EOS`` padded with
    PAD (or cut, keeping EOS) to int64 ``[max_len]``. At one time, note-offs come before onsets."""
    ev = []
    for on, off, p, v in np.asarray(notes, np.int64).reshape(-1, 4):
        ev.append((int(on), 1, [voc.vel0 + int(v), voc.on0 + int(p)]))
        ev.append((int(off), 0, [voc.off0 + int(p)]))
    ev.sort(key=lambda e: (e[0], e[1]))
    out, now = [SOS], 0
    for t, _, toks in ev:
        gap = t - now
        while gap > 0:
            st = min(gap, voc.max_shift)
            out.append(voc.shift0 + st - 1)
            gap -= st
        out += toks
        now = t
    out = out[:max_len - 1] + [EOS]
    return np.array(out + [PAD] * (max_len - len(out)), np.int64)


def decode_tokens(tokens, voc: Vocab, n_steps: int) -> np.ndarray:
    """Grid notes int64 ``[m, 4]`` of a token sequence (stops at EOS). A note sounds from its ON to
    its OFF; a new ON (monophonic) or the clip's end closes an open note; the latest VEL applies."""
    notes, t, vel, cur = [], 0, 0, None
    for tok in np.asarray(tokens).tolist():
        k = voc.kind(tok)
        if k == "eos":
            break
        if k == "shift":
            t += tok - voc.shift0 + 1
        elif k == "vel":
            vel = tok - voc.vel0
        elif k == "on" and t < n_steps:
            if cur is not None:
                notes.append([cur[0], t, cur[1], cur[2]])
            cur = (t, tok - voc.on0, vel)
        elif k == "off" and cur is not None and tok - voc.off0 == cur[1]:
            notes.append([cur[0], min(t, n_steps), cur[1], cur[2]])
            cur = None
    if cur is not None:
        notes.append([cur[0], n_steps, cur[1], cur[2]])
    n = np.array(notes, np.int64).reshape(-1, 4)
    return n[n[:, 1] > n[:, 0]]


# ----------------------------------------------------------------------------- models
class PoseEncoder(nn.Module):
    """Keypoints ``[B, T, J, 3]`` → memory ``[B, T / frames_per_step, d]`` (one vector per grid step).

    ``kind="gcn"``: ``blocks`` ST-GCN blocks (linear spatial graph conv ``Â X W`` along the skeleton,
    then a per-joint temporal conv of kernel 3 with a ReLU, residual), the joints' features
    concatenated and projected to ``d``. ``kind="mlp"``: the joints flattened per frame into a two-layer MLP (no skeleton).
    Both then share the temporal part: a conv of kernel 3 and a strided conv down to the grid rate.
    """

    def __init__(self, kind: str = "gcn", d: int = 64, c: int = 16, blocks: int = 2, frames_per_step: int = 2):
        super().__init__()
        if kind not in ("gcn", "mlp"):
            raise ValueError(f"PoseEncoder: kind must be 'gcn' or 'mlp', got {kind!r}")
        self.kind, self.fps_step = kind, int(frames_per_step)
        self.bn = nn.BatchNorm1d(3 * J)                                      # ST-GCN's data BatchNorm
        if kind == "gcn":
            self.register_buffer("A", adjacency())
            self.spatial = nn.ModuleList([nn.Linear(3 if i == 0 else c, c) for i in range(blocks)])
            self.temporal = nn.ModuleList([nn.Conv1d(c, c, 3, padding=1) for _ in range(blocks)])
            self.readout = nn.Linear(J * c, d)
        else:
            self.mlp = nn.Sequential(nn.Linear(3 * J, d), nn.ReLU(), nn.Linear(d, d))
        self.conv = nn.Conv1d(d, d, 3, padding=1)
        self.down = nn.Conv1d(d, d, self.fps_step, stride=self.fps_step)

    def forward(self, kp: torch.Tensor) -> torch.Tensor:
        if kp.ndim != 4 or kp.shape[2:] != (J, 3):
            raise ValueError(f"PoseEncoder: keypoints must be [B, T, {J}, 3], got {tuple(kp.shape)}")
        B, T = kp.shape[:2]
        if T % self.fps_step:
            raise ValueError(f"PoseEncoder: T = {T} frames is not a multiple of frames_per_step = {self.fps_step}")
        x = self.bn(kp.reshape(B, T, -1).transpose(1, 2)).transpose(1, 2)  # [B, T, 3J]
        if self.kind == "gcn":
            x = x.reshape(B, T, J, 3)
            for lin, conv in zip(self.spatial, self.temporal):               # x: [B, T, J, C]
                # mix along the skeleton's edges; linear: a ReLU here clips raw coordinates (half the
                # keyboard) before any time context is seen, and the model then barely learns pitch
                x = torch.einsum("ij,btjc->btic", self.A, lin(x))
                y = conv(x.permute(0, 2, 3, 1).reshape(B * J, x.shape[-1], T))   # each joint along time
                x = x + F.relu(y).reshape(B, J, -1, T).permute(0, 3, 1, 2)
            h = F.relu(self.readout(x.reshape(B, T, -1)))
        else:
            h = self.mlp(x)
        h = h + F.relu(self.conv(h.transpose(1, 2))).transpose(1, 2)
        return F.relu(self.down(h.transpose(1, 2))).transpose(1, 2)


class FoleyMusic(nn.Module):
    """Pose encoder + decoder of MIDI event tokens.

    ``forward(kp [B, T, J, 3], tokens [B, L]) -> logits [B, L, V]``: position i sees tokens ≤ i and
    the whole pose memory. Every token's input is its embedding + the embedding of its clock (grid
    steps elapsed after it, from the SHIFT tokens up to it); memory step t carries the same clock
    embedding of t, so cross-attention can find "now" without counting.

    Args:
        voc: the :class:`Vocab`.
        n_steps: grid steps per clip (memory length).
        encoder: ``"gcn"`` or ``"mlp"``; decoder: ``"transformer"`` or ``"gru"``.
        d, layers, heads, ff, max_len, dropout: sizes.
    """

    def __init__(self, voc: Vocab, n_steps: int, encoder: str = "gcn", decoder: str = "transformer", d: int = 64,
                 layers: int = 2, heads: int = 4, ff: int = 128, max_len: int = 48, frames_per_step: int = 2,
                 dropout: float = 0.0):
        super().__init__()
        if decoder not in ("transformer", "gru"):
            raise ValueError(f"FoleyMusic: decoder must be 'transformer' or 'gru', got {decoder!r}")
        self.voc, self.n_steps, self.max_len, self.kind = voc, int(n_steps), int(max_len), decoder
        self.encoder = PoseEncoder(encoder, d, frames_per_step=frames_per_step)
        self.register_buffer("shift", voc.shift_table())
        self.emb = nn.Embedding(voc.size, d)
        self.clock = nn.Embedding(self.n_steps + 1, d)
        if decoder == "transformer":
            self.pos = nn.Embedding(max_len, d)
            layer = nn.TransformerDecoderLayer(d, heads, ff, dropout, batch_first=True)
            self.decoder = nn.TransformerDecoder(layer, layers)
            self.out = nn.Linear(d, voc.size)
        else:
            self.gru = nn.GRU(d, d, layers, batch_first=True)
            self.query = nn.Linear(d, d)
            self.out = nn.Sequential(nn.Linear(2 * d, d), nn.ReLU(), nn.Linear(d, voc.size))

    def memory(self, kp: torch.Tensor) -> torch.Tensor:
        m = self.encoder(kp)
        return m + self.clock(torch.arange(m.shape[1], device=m.device).clamp(max=self.n_steps))[None]

    def clocks(self, tokens: torch.Tensor) -> torch.Tensor:
        """Grid steps elapsed after each token, int64 ``[B, L]`` (clamped to ``n_steps``)."""
        return self.shift[tokens].cumsum(1).clamp(max=self.n_steps)

    def decode(self, memory: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        L = tokens.shape[1]
        x = self.emb(tokens) + self.clock(self.clocks(tokens))
        if self.kind == "transformer":
            x = x + self.pos(torch.arange(L, device=tokens.device))[None]
            mask = torch.triu(torch.ones(L, L, dtype=torch.bool, device=tokens.device), 1)
            return self.out(self.decoder(x, memory, tgt_mask=mask))
        h, _ = self.gru(x)                                                   # [B, L, d]
        att = torch.softmax(self.query(h) @ memory.transpose(1, 2) / memory.shape[-1] ** 0.5, -1)
        return self.out(torch.cat([h, att @ memory], -1))

    def forward(self, kp: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        return self.decode(self.memory(kp), tokens)


def event_loss(model: FoleyMusic, batch) -> torch.Tensor:
    """Next-token cross-entropy with teacher forcing, PAD ignored (``batch = (kp, tokens)``)."""
    kp, tok = batch
    logits = model(kp, tok[:, :-1])
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tok[:, 1:].reshape(-1), ignore_index=PAD)


@torch.no_grad()
def token_accuracy(model: FoleyMusic, kp: torch.Tensor, tok: torch.Tensor) -> np.ndarray:
    """Per-clip teacher-forced next-token accuracy (PAD targets ignored), float ``[N]``."""
    model.eval()
    pred = model(kp, tok[:, :-1]).argmax(-1)
    tgt = tok[:, 1:]
    ok = (tgt != PAD)
    return (((pred == tgt) & ok).sum(1).float() / ok.sum(1).clamp(min=1).float()).numpy()


def majority_accuracy(train_tok: torch.Tensor, test_tok: torch.Tensor) -> np.ndarray:
    """Per-clip accuracy of always predicting the most frequent training target token."""
    tgt = train_tok[:, 1:]
    common = int(torch.bincount(tgt[tgt != PAD]).argmax())
    t = test_tok[:, 1:]
    ok = t != PAD
    return (((t == common) & ok).sum(1).float() / ok.sum(1).clamp(min=1).float()).numpy()


@torch.no_grad()
def generate(model: FoleyMusic, kp: torch.Tensor, max_len: int | None = None) -> np.ndarray:
    """Greedy decoding of all clips at once: int64 tokens ``[B, max_len]`` (SOS first, PAD after EOS)."""
    model.eval()
    L = max_len or model.max_len
    mem = model.memory(kp)
    tok = torch.full((len(mem), 1), SOS, dtype=torch.long)
    done = torch.zeros(len(mem), dtype=torch.bool)
    for _ in range(L - 1):
        nxt = model.decode(mem, tok)[:, -1]
        nxt[:, [SOS, PAD]] = -float("inf")
        nxt = torch.where(done, torch.full_like(nxt[:, 0], PAD, dtype=torch.long), nxt.argmax(-1))
        done |= nxt == EOS
        tok = torch.cat([tok, nxt[:, None]], 1)
        if bool(done.all()):
            break
    return F.pad(tok, (0, L - tok.shape[1]), value=PAD).numpy()


# ----------------------------------------------------------------------------- evaluation
def clip_scores(ref: list[np.ndarray], est: list[np.ndarray], s: dict[str, Any]) -> dict[str, np.ndarray]:
    """Per-clip note F1 (onset within 50 ms and pitch right, offsets ignored; ``mir_eval``), note F1
    with offsets (offset within 20 % of the note or 50 ms) and onset F1 (pitch ignored)."""
    from ..metrics.music import note_prf, onset_prf

    note, note_off, onset = [], [], []
    for r, e in zip(ref, est):
        rs, es = notes_to_seconds(r, s)[:, :3], notes_to_seconds(e, s)[:, :3]
        note.append(note_prf(rs, es)["f1"])
        note_off.append(note_prf(rs, es, offset_ratio=0.2)["f1"])
        onset.append(onset_prf(rs[:, 0], es[:, 0])["f1"])
    return {"note_f1": np.array(note), "note_off_f1": np.array(note_off), "onset_f1": np.array(onset)}


def transpose(notes_s: np.ndarray, semitones: int) -> np.ndarray:
    """Notes ``[m, 4]`` (start, end, pitch, velocity) moved by ``semitones``: the MIDI edit."""
    out = np.array(notes_s, np.float64).reshape(-1, 4)
    out[:, 2] += semitones
    return out


def render(notes_s: np.ndarray, sr: int, n: int, program: int = 0) -> np.ndarray:
    """Audio float32 ``[n]`` of notes ``[m, 4]`` rendered by the keyboard world's MIDI synthesis
    (:func:`foley_nb_utils.synth.common.render_midi`: FluidSynth when present, else sine)."""
    from ..synth.common import render_midi

    return render_midi(to_midi(notes_s, program), sr, n)


def render_instrument(notes_s: np.ndarray, inst: str, sr: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """Audio float32 ``[n]`` of notes ``[m, 4]`` played by one of the instruments world's instruments
    (``"violin"``, ``"flute"``, …; :mod:`foley_nb_utils.synth.instruments`)."""
    from ..synth import instruments as I

    y = np.zeros(n, np.float32)
    for a, b, p, v in np.asarray(notes_s).reshape(-1, 4):
        i0, i1 = int(a * sr), min(n, int(b * sr))
        if i1 > i0:
            y[i0:i1] += I._note(rng, inst, int(p), sr, i1 - i0) * (v / 127)
    peak = float(np.abs(y).max())
    return y * np.float32(0.5 / peak) if peak > 0 else y


def rendered_pitches(audio: np.ndarray, sr: int, notes_s: np.ndarray, fmin: float = 60.0,
                     fmax: float = 2000.0) -> np.ndarray:
    """The pitch (fractional MIDI number) heard in each note's span of ``audio``: the strongest
    spectral peak between ``fmin`` and ``fmax`` Hz of the middle 60 % of the note (Hann window,
    zero-padded FFT, parabolic interpolation). float ``[m]`` (NaN for a span under 20 ms)."""
    out = []
    for a, b, _, _ in np.asarray(notes_s).reshape(-1, 4):
        i0, i1 = int((a + 0.2 * (b - a)) * sr), int((b - 0.2 * (b - a)) * sr)
        seg = np.asarray(audio[i0:i1], np.float64)
        if len(seg) < 0.02 * sr:
            out.append(np.nan)
            continue
        nfft = 1 << 14
        mag = np.abs(np.fft.rfft(seg * np.hanning(len(seg)), nfft))
        f = np.fft.rfftfreq(nfft, 1 / sr)
        band = np.flatnonzero((f >= fmin) & (f <= fmax))
        k = int(band[np.argmax(mag[band])])
        y0, y1, y2 = np.log(mag[k - 1:k + 2] + 1e-12)
        k = k + 0.5 * (y0 - y2) / (y0 - 2 * y1 + y2 + 1e-12)
        out.append(69 + 12 * np.log2(k * sr / nfft / 440.0))
    return np.array(out)


def batches(arrays: list[torch.Tensor], batch: int, gen: torch.Generator):
    """``step -> tuple`` of a random minibatch of the same rows of each array."""
    n = len(arrays[0])

    def get(step: int):
        idx = torch.randint(0, n, (batch,), generator=gen)
        return tuple(a[idx] for a in arrays)
    return get


__all__ = ["DEFAULTS", "EDGES", "EOS", "FoleyMusic", "J", "NODES", "PAD", "PLAYING", "PoseEncoder", "SOS", "Vocab",
           "adjacency", "batches", "clip_scores", "decode_tokens", "encode_notes", "event_loss", "generate",
           "majority_accuracy", "melodies", "melody_clips", "notes_to_seconds", "player_keypoints", "render",
           "render_instrument", "rendered_pitches", "seconds_to_notes", "settings", "to_midi", "token_accuracy",
           "transpose", "velocity_of", "write_world"]


def synthetic_root(n_train: int, n_test: int, seed: int, s: dict[str, Any]):
    """The synthetic pianist written once in the pose + MIDI layout under the cache
    (``<cache>/m12_pianist/<hash of the settings>``), written whole into a temporary sibling and
    renamed into place; returns its Path."""
    import os
    import shutil
    import tempfile

    from .. import repro

    key = repro.config_hash({"n_train": n_train, "n_test": n_test, "seed": seed, "settings": s,
                             "version": WORLD_VERSION}, n=12)
    base = repro.cache_dir("m12_pianist")
    root = base / key
    if not (root / "pose_midi.json").exists():
        tmp = tempfile.mkdtemp(dir=base, prefix=f".{key}-")
        try:
            write_world(tmp, n_train, n_test, seed, s)
            try:
                os.replace(tmp, root)
            except OSError:               # written by another process meanwhile
                shutil.rmtree(tmp, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return root


__all__ += ["synthetic_root"]
