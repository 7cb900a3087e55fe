"""The clip and annotation types every dataset shares, and their JSON form.

A :class:`SceneBatch` holds clips with their ground truth: frames, audio, labels, annotated
:class:`Event` lists and per-clip extras. The loaders of :mod:`foley_nb_utils.datasets` return one
for real data; the synthetic world (:mod:`foley_nb_utils.synth`) returns one for generated data.
Neither needs the other: both import the types from here.

Notebook: 03_datasets
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any, Sequence

import numpy as np

__all__ = ["Clip", "Event", "SceneBatch", "event_from_json", "event_to_json"]


@dataclass(frozen=True)
class Event:
    """One annotated sound event of a clip (Greatest Hits style).

    Attributes:
        time_s: start of the event in seconds from the clip start (the contact time of a hit).
        material: surface material name (``datasets.greatest_hits.MATERIALS``) or None when unlabeled.
        action: ``"hit"``, ``"scratch"`` or None when unlabeled.
        reaction: what the struck object did (``datasets.greatest_hits.REACTIONS``) or None.
        end_s: end of the contact in seconds (= ``time_s`` for a hit, later for a scratch).
        visible: False for an off-screen sound that has no visual event (a distractor).
        frame: index of the video frame nearest ``time_s`` (``round(time_s * fps)``).
        strength: stick speed normalised to [0, 1] (it sets the loudness); NaN when unknown.
        source: ``"stick"`` for the drumstick, else the distractor's kind (``hits.DISTRACTORS``).

    Notebook: 03_datasets
    """

    time_s: float
    material: str | None
    action: str | None
    reaction: str | None
    end_s: float
    visible: bool = True
    frame: int = -1
    strength: float = float("nan")
    source: str = "stick"

    def shifted(self, dt: float, fps: float) -> "Event":
        """The same event with times moved by ``-dt`` seconds (for a window starting at ``dt``)."""
        t = self.time_s - dt
        return replace(self, time_s=t, end_s=self.end_s - dt, frame=int(round(t * fps)))


@dataclass
class Clip:
    """One clip of a :class:`SceneBatch` (``batch[i]``): arrays without the batch axis.

    Notebook: 03_datasets
    """

    frames: np.ndarray
    audio: np.ndarray
    fps: float
    sr: int
    id: str
    labels: dict[str, Any]
    events: list[Event]
    extra: dict[str, Any]
    scene: str = ""

    @property
    def duration_s(self) -> float:
        """Audio length in seconds."""
        return self.audio.shape[-1] / self.sr


@dataclass
class SceneBatch:
    """A batch of synthetic (or loaded) clips with their ground truth.

    Attributes:
        frames: uint8 ``[N, T, H, W, 3]`` RGB video (instruments / Sub-URMP: ``[N, H, W, 3]``
            images, one per 0.5 s note: there is no time axis).
        audio: float32 ``[N, n_samples]`` mono audio in [-1, 1] at ``sr``.
        fps: video frame rate in Hz (instruments: 2.0, one image per 0.5 s chunk).
        sr: audio sample rate in Hz.
        ids: clip names (hits: Greatest-Hits style timestamps such as ``2015-02-16-16-49-06``).
        labels: per-clip labels, each an array of length N (class labels are int indices into
            ``classes[name]``, -1 for unknown).
        events: per clip, its annotated :class:`Event` list (empty for scenes without events).
        extra: per-clip ground truth that is not a single label, each an array or list of
            length N (keyboard: piano rolls and MIDI bytes; dance: keypoints ``[N, T, 17, 2]``).
        scene: the generator (or loader) name.
        classes: label name -> tuple of class names, to decode the int labels.
        config: the settings that produced the batch (seed, profile, sizes, overrides, version).

    Notebook: 03_datasets
    """

    frames: np.ndarray
    audio: np.ndarray
    fps: float
    sr: int
    ids: list[str]
    labels: dict[str, np.ndarray] = field(default_factory=dict)
    events: list[list[Event]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    scene: str = ""
    classes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.ids)
        if len(self.frames) != n or len(self.audio) != n:
            raise ValueError(f"SceneBatch: {n} ids but frames {self.frames.shape}, audio {self.audio.shape}")
        if not self.events:
            self.events = [[] for _ in range(n)]
        for k, v in {**self.labels, **self.extra}.items():
            if len(v) != n:
                raise ValueError(f"SceneBatch: label/extra {k!r} has length {len(v)}, expected {n}")

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i):
        """``batch[i]`` → :class:`Clip`; ``batch[2:5]`` or ``batch[[0, 3]]`` → a smaller batch."""
        if isinstance(i, (int, np.integer)):
            n = len(self)
            if not -n <= i < n:
                raise IndexError(f"clip index {i} out of range for a batch of {n}")
            i = int(i) % n
            return Clip(self.frames[i], self.audio[i], self.fps, self.sr, self.ids[i],
                        {k: v[i] for k, v in self.labels.items()}, list(self.events[i]),
                        {k: v[i] for k, v in self.extra.items()}, self.scene)
        idx = np.arange(len(self))[i]
        return self.subset(idx)

    def subset(self, idx: Sequence[int] | np.ndarray) -> "SceneBatch":
        """A new batch holding clips ``idx`` (in that order); its config records the selection."""
        idx = np.asarray(idx, dtype=np.int64).reshape(-1)
        take = lambda v: v[idx] if isinstance(v, np.ndarray) else [v[j] for j in idx]  # noqa: E731
        config = dict(self.config)
        if not np.array_equal(idx, np.arange(len(self))):
            config["subset"] = [int(j) for j in idx] if "subset" not in config else \
                [config["subset"][j] for j in idx]
        return SceneBatch(self.frames[idx], self.audio[idx], self.fps, self.sr,
                          [self.ids[j] for j in idx], {k: v[idx] for k, v in self.labels.items()},
                          [self.events[j] for j in idx], {k: take(v) for k, v in self.extra.items()},
                          self.scene, dict(self.classes), config)

    @property
    def duration_s(self) -> float:
        """Clip length in seconds (audio samples / sr)."""
        return self.audio.shape[-1] / self.sr

    def label_names(self, name: str) -> list[str | None]:
        """Per-clip class names of label ``name`` (None where the label is -1)."""
        names = self.classes[name]
        return [names[j] if j >= 0 else None for j in self.labels[name]]

    @staticmethod
    def concat(batches: Sequence["SceneBatch"]) -> "SceneBatch":
        """Join batches with equal fps, sr and shapes (e.g. chunks of one generation)."""
        if not batches:
            raise ValueError("concat needs at least one batch")
        b0 = batches[0]
        for b in batches[1:]:
            if (b.fps, b.sr, b.frames.shape[1:], b.audio.shape[1:]) != (b0.fps, b0.sr, b0.frames.shape[1:],
                                                                       b0.audio.shape[1:]):
                raise ValueError("concat: batches differ in fps, sr or clip shape")
        def cat(vs: list) -> Any:
            return np.concatenate(vs) if isinstance(vs[0], np.ndarray) else [x for v in vs for x in v]

        return SceneBatch(np.concatenate([b.frames for b in batches]), np.concatenate([b.audio for b in batches]),
                          b0.fps, b0.sr, [i for b in batches for i in b.ids],
                          {k: np.concatenate([b.labels[k] for b in batches]) for k in b0.labels},
                          [e for b in batches for e in b.events],
                          {k: cat([b.extra[k] for b in batches]) for k in b0.extra},
                          b0.scene, dict(b0.classes), _concat_config([b.config for b in batches]))


def _concat_config(configs: list[dict]) -> dict:
    """Consecutive chunks of one generation merge back into its config; anything else is listed."""
    c0 = configs[0]
    pos = c0.get("start", 0)
    for c in configs:
        same = {k: v for k, v in c.items() if k not in ("start", "n")} == \
            {k: v for k, v in c0.items() if k not in ("start", "n")}
        if not same or "subset" in c or c.get("start") != pos:
            return {"concat": configs}
        pos += c.get("n", 0)
    return {**c0, "n": pos - c0.get("start", 0)}


def event_to_json(e: Event) -> dict[str, Any]:
    """An Event as a JSON-able dict (NaN strength → None).

    Notebook: 03_datasets
    """
    d = {f.name: getattr(e, f.name) for f in fields(Event)}
    if d["strength"] != d["strength"]:
        d["strength"] = None
    return d


def event_from_json(d: dict[str, Any]) -> Event:
    """Inverse of :func:`event_to_json`.

    Notebook: 03_datasets
    """
    d = dict(d)
    if d.get("strength") is None:
        d["strength"] = float("nan")
    return Event(**d)
