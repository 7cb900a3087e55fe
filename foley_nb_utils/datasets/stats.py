"""Dataset statistics computed from a layout on disk: the survey's Tables 4–6, made runnable.

Everything here reads a dataset *root* (synthetic twin or a real download) through the loaders'
discovery code and cheap container metadata (PyAV headers, ``soundfile.info``, image headers):
no frame is decoded, so the same call is fast on a 50 GB download.

- :func:`detect_layout` — which of the loaders' layouts a folder holds;
- :func:`tree` — the folder as a short directory tree (runs of similar files collapsed);
- :func:`media_info` — duration, resolution, fps and audio track of one video file;
- :func:`count_table` — counts and percentages per class (the survey's Table 5);
- :func:`video_summary` — number, total/mean duration, resolutions, fps (the survey's Table 6);
- :func:`dataset_stats` — all of it for one root;
- :func:`explorer` — an ipywidgets clip browser (frames, annotations, sound).

Notebook: 03_datasets
"""
from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from . import common as D
from .common import DatasetError

#: Layout names, in the order :func:`detect_layout` tries them (= loader module names).
LAYOUTS: tuple[str, ...] = ("sub_urmp", "greatest_hits", "aist", "piano", "countix_av", "class_folders")

_VIDEO_EXT = tuple(D.VIDEO_EXTENSIONS)


def _videos(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in _VIDEO_EXT and p.is_file()
                  and not p.name.startswith("."))


def detect_layout(root: str | os.PathLike) -> str:
    """Which loader layout a dataset folder holds.

    Rules (first match wins): ``img/`` + ``chunk/`` → ``sub_urmp``; ``*_times.txt`` (or a
    ``vis-data*/`` folder) → ``greatest_hits``; videos named like AIST++
    (``gBR_sBM_c01_d04_mBR0_ch01``) → ``aist``; videos with a same-stem ``.mid`` → ``piano``;
    flat videos with same-stem ``.wav`` → ``countix_av``; otherwise videos in sub-folders →
    ``class_folders``.

    Args:
        root: dataset folder.

    Returns:
        One of :data:`LAYOUTS`.

    Raises:
        FileNotFoundError: ``root`` is missing or holds no dataset file.

    Notebook: 03_datasets
    """
    from .aist import parse_name

    root = D.find_root(root)
    if (root / "img").is_dir() and (root / "chunk").is_dir():
        return "sub_urmp"
    if any(root.glob("*_times.txt")) or any(p.is_dir() for p in root.glob("vis-data*")):
        return "greatest_hits"
    vids = _videos(root)
    if not vids:
        raise FileNotFoundError(f"{root} holds no video ({', '.join(_VIDEO_EXT)}), no img/+chunk/ and no "
                                f"*_times.txt: not a dataset layout this package reads")
    if all(parse_name(v.stem) is not None for v in vids):
        return "aist"
    if any(v.with_suffix(".mid").is_file() for v in vids):
        return "piano"
    if all(v.parent == root for v in vids) and any(v.with_suffix(".wav").is_file() for v in vids):
        return "countix_av"
    return "class_folders"


# --------------------------------------------------------------------------- directory tree
def _pattern(name: str) -> str:
    """A file name with the digit runs of its stem replaced by ``#`` (so files differing only in numbers
    collapse to one line); the extension is kept (``mp4``)."""
    stem, dot, ext = name.partition(".")
    return re.sub(r"\d+", "#", stem) + dot + ext


def tree(root: str | os.PathLike, max_depth: int = 4, max_dirs: int = 4) -> str:
    """The folder as a directory tree, files collapsed to ``pattern  (×count)``.

    Args:
        root: folder to draw.
        max_depth: deepest folder level shown.
        max_dirs: sub-folders shown per folder (the rest are counted on one line).

    Returns:
        Text, one entry per line (``name/`` for folders; ``#`` stands for any digits).

    Notebook: 03_datasets
    """
    root = D.find_root(root)
    lines = [f"{root.name}/"]

    def walk(folder: Path, depth: int, indent: str) -> None:
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
        dirs = [p for p in entries if p.is_dir() and not p.name.startswith(".")]
        files = Counter(_pattern(p.name) for p in entries if p.is_file() and not p.name.startswith("."))
        for pat, k in sorted(files.items()):
            lines.append(f"{indent}{pat}" + (f"  (×{k})" if k > 1 else ""))
        for d in dirs[:max_dirs]:
            lines.append(f"{indent}{d.name}/")
            if depth < max_depth:
                walk(d, depth + 1, indent + "    ")
        if len(dirs) > max_dirs:
            lines.append(f"{indent}… {len(dirs) - max_dirs} more folder(s)")

    walk(root, 1, "    ")
    return "\n".join(lines)


# --------------------------------------------------------------------------- media metadata
def media_info(path: str | os.PathLike) -> dict[str, Any]:
    """Container metadata of one video file, read from its headers (no frame is decoded).

    Args:
        path: a video file (mp4, avi, mkv, webm, mov…).

    Returns:
        ``{"path", "duration_s", "width", "height", "fps", "codec", "audio_sr", "audio_channels"}``
        (``fps`` is the stream's average frame rate in Hz; ``audio_sr`` / ``audio_channels`` are
        None when the file has no audio track; ``duration_s`` is in seconds).

    Raises:
        FileNotFoundError: ``path`` is missing.
        DatasetError: the file cannot be opened or has no video stream.

    Notebook: 03_datasets
    """
    import av

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"video file not found: {path}")
    try:
        with av.open(str(path)) as c:
            if not c.streams.video:
                raise DatasetError(path, "has no video stream")
            v = c.streams.video[0]
            rate = v.average_rate or v.guessed_rate or v.base_rate
            if v.duration is not None and v.time_base is not None:
                dur = float(v.duration * v.time_base)
            elif c.duration is not None:
                dur = c.duration / 1e6  # av.time_base: microseconds
            elif v.frames and rate:
                dur = v.frames / float(rate)
            else:
                dur = float("nan")
            a = c.streams.audio[0] if c.streams.audio else None
            return {"path": path, "duration_s": dur, "width": int(v.codec_context.width),
                    "height": int(v.codec_context.height), "fps": float(Fraction(rate)) if rate else float("nan"),
                    "codec": v.codec_context.name, "audio_sr": int(a.rate) if a is not None else None,
                    "audio_channels": int(a.channels) if a is not None else None}
    except DatasetError:
        raise
    except (av.FFmpegError, OSError, ValueError) as e:
        raise DatasetError(path, f"cannot be read as a video ({type(e).__name__}: {e})") from e


# --------------------------------------------------------------------------- tables
def count_table(labels: Sequence[str | None], none_label: str = "unlabeled",
                order: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Counts and percentages per class (the survey's Table 5 columns).

    Args:
        labels: one class name per item; None counts as ``none_label``.
        none_label: the row name for None.
        order: class order (classes not in it follow, by count); None → by count, descending.

    Returns:
        Rows ``{"class", "count", "percent"}`` (percent of all items, summing to 100); the
        ``none_label`` row comes last.

    Notebook: 03_datasets
    """
    counts = Counter(none_label if x is None else str(x) for x in labels)
    total = sum(counts.values())
    named = [k for k in counts if k != none_label]
    rank = {c: i for i, c in enumerate(order or ())}
    named.sort(key=lambda k: (rank.get(k, len(rank)), -counts[k], k))
    keys = named + ([none_label] if none_label in counts else [])
    return [{"class": k, "count": counts[k], "percent": 100.0 * counts[k] / total} for k in keys]


def _fmt_res(w: int, h: int) -> str:
    return f"{w}×{h}"


def video_summary(infos: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Table-6 style summary of :func:`media_info` results.

    Args:
        infos: media infos (one per video).

    Returns:
        ``{"videos", "total_s", "mean_s", "min_s", "max_s", "resolutions", "fps", "audio_sr",
        "no_audio"}`` — durations in seconds; ``resolutions`` / ``fps`` / ``audio_sr`` as
        ``"value (×count)"`` strings, most common first; ``no_audio`` counts videos without sound.

    Raises:
        ValueError: ``infos`` is empty.

    Notebook: 03_datasets
    """
    if not infos:
        raise ValueError("video_summary needs at least one media info")
    d = np.array([i["duration_s"] for i in infos], dtype=float)

    def common(values) -> str:
        return ", ".join(f"{v} (×{k})" for v, k in Counter(values).most_common(4))

    return {"videos": len(infos), "total_s": float(np.nansum(d)), "mean_s": float(np.nanmean(d)),
            "min_s": float(np.nanmin(d)), "max_s": float(np.nanmax(d)),
            "resolutions": common(_fmt_res(i["width"], i["height"]) for i in infos),
            "fps": common(f"{i['fps']:.3g}" for i in infos),
            "audio_sr": common(str(i["audio_sr"]) for i in infos if i["audio_sr"] is not None) or "—",
            "no_audio": sum(i["audio_sr"] is None for i in infos)}


def hms(seconds: float) -> str:
    """Seconds as ``1h02min03s`` / ``2min03s`` / ``4.5s`` (the survey's duration style).

    Notebook: 03_datasets
    """
    if not np.isfinite(seconds):
        return "—"
    if seconds < 60:
        return f"{seconds:.1f}s"
    s = int(round(seconds))
    h, m, s = s // 3600, s % 3600 // 60, s % 60
    return f"{h}h{m:02d}min{s:02d}s" if h else f"{m}min{s:02d}s"


# --------------------------------------------------------------------------- per layout
@dataclass
class DatasetStats:
    """Statistics of one dataset root.

    Attributes:
        root: the folder.
        layout: one of :data:`LAYOUTS`.
        classes: label name → :func:`count_table` rows (per *video* for class folders, per
            *annotation* for Greatest Hits materials/actions/reactions, per *pair* for Sub-URMP).
        summary: :func:`video_summary` (Sub-URMP: image/chunk pair summary instead).
        per_item: extra per-video facts (Greatest Hits: annotations per recording).

    Notebook: 03_datasets
    """

    root: Path
    layout: str
    classes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    per_item: dict[str, Any] = field(default_factory=dict)


def _greatest_hits(root: Path, st: DatasetStats) -> None:
    from . import greatest_hits as G

    ds = G.GreatestHits(root, split="all", cache=False)
    anns, per_rec, infos = [], [], []
    for rid in ds.ids:
        a = ds.annotations(rid)
        anns += a
        per_rec.append(len(a))
        infos.append(media_info(ds.files(rid)["video"]))
    st.classes["material"] = count_table([a.material for a in anns], order=G.MATERIALS)
    st.classes["action"] = count_table([a.action for a in anns], order=G.ACTIONS)
    st.classes["reaction"] = count_table([a.reaction for a in anns], order=G.REACTIONS)
    st.summary = video_summary(infos)
    n = np.array(per_rec)
    st.per_item = {"annotations": int(n.sum()), "annotations per recording (min)": int(n.min()),
                   "annotations per recording (max)": int(n.max()),
                   "annotations per recording (mean)": float(n.mean()),
                   "fully labeled annotations": sum(a.labeled for a in anns)}


def _sub_urmp(root: Path, st: DatasetStats) -> None:
    import soundfile as sf
    from PIL import Image

    from . import sub_urmp as S

    prs = S.pairs(root, split="all")
    if not prs:
        raise FileNotFoundError(f"{root}: img/ and chunk/ hold no image/chunk pair")
    st.classes["instrument"] = count_table([p["instrument"] for p in prs])
    st.classes["split"] = count_table([p["split"] for p in prs])
    durs, rates, sizes = [], Counter(), Counter()
    for p in prs:
        try:
            info = sf.info(str(p["chunk"]))
        except RuntimeError as e:
            raise DatasetError(p["chunk"], f"cannot be read as audio ({e})") from e
        durs.append(info.frames / info.samplerate)
        rates[info.samplerate] += 1
    for p in prs[:: max(1, len(prs) // 50)]:  # image headers of a sample: sizes are uniform per video
        try:
            with Image.open(p["image"]) as im:
                sizes[_fmt_res(*im.size)] += 1
        except OSError as e:
            raise DatasetError(p["image"], f"cannot be read as an image ({e})") from e
    d = np.array(durs)
    st.summary = {"pairs": len(prs), "total_s": float(d.sum()), "mean_s": float(d.mean()),
                  "min_s": float(d.min()), "max_s": float(d.max()),
                  "resolutions": ", ".join(f"{k} (×{v}, sampled)" for k, v in sizes.most_common(3)),
                  "fps": "one image per chunk",
                  "audio_sr": ", ".join(f"{k} (×{v})" for k, v in rates.most_common(3))}


def _video_folder(root: Path, st: DatasetStats) -> None:
    from .aist import AIST
    from .class_folders import VideoFolder
    from .countix_av import CountixAV
    from .piano import Piano

    cls = {"aist": AIST, "piano": Piano, "countix_av": CountixAV, "class_folders": VideoFolder}[st.layout]
    ds = cls(root, split="all", cache=False)
    for name, names in ds.label_classes().items():
        labels = [ds.labels_of(v)[name] for v in ds.videos]
        st.classes[name] = count_table([names[i] if i >= 0 else None for i in labels], order=names)
    st.summary = video_summary([media_info(v) for v in ds.videos])


def dataset_stats(root: str | os.PathLike, layout: str | None = None) -> DatasetStats:
    """The survey's Tables 5–6 for one dataset root, computed from the files on disk.

    Args:
        root: dataset folder (a synthetic twin from ``synth.ensure`` or a real download).
        layout: one of :data:`LAYOUTS`; None → :func:`detect_layout`.

    Returns:
        A :class:`DatasetStats`.

    Raises:
        ValueError: unknown ``layout``.
        FileNotFoundError / DatasetError: missing or unreadable files (named in the message).

    Notebook: 03_datasets
    """
    root = D.find_root(root)
    layout = detect_layout(root) if layout is None else layout
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; choose one of {LAYOUTS}")
    st = DatasetStats(root=root, layout=layout)
    if layout == "greatest_hits":
        _greatest_hits(root, st)
    elif layout == "sub_urmp":
        _sub_urmp(root, st)
    else:
        _video_folder(root, st)
    return st


def summary_row(st: DatasetStats, name: str = "") -> dict[str, Any]:
    """One row of the survey's Table 6 (quantity, total / mean duration, resolution, fps).

    Notebook: 03_datasets
    """
    s = st.summary
    n = s.get("videos", s.get("pairs"))
    return {"dataset": name or st.root.name, "layout": st.layout,
            "quantity": f"{n} {'pairs' if 'pairs' in s else 'videos'}", "total duration": hms(s["total_s"]),
            "mean duration": hms(s["mean_s"]), "resolution": s["resolutions"], "fps": s["fps"],
            "audio Hz": s["audio_sr"]}


# --------------------------------------------------------------------------- samples
#: Loader settings :func:`load_sample` uses per layout (small frames: a gallery, not training).
SAMPLE_SETTINGS: dict[str, dict[str, Any]] = {
    "greatest_hits": {"fps": 15.0, "size": 64, "clip_s": 2.0},
    "sub_urmp": {"size": 64},
    "class_folders": {"fps": 10.0, "size": 64, "clip_s": 2.0},
    "countix_av": {"fps": 15.0, "size": 64, "clip_s": 2.0},
    "aist": {"fps": 15.0, "size": 64, "clip_s": 2.0},
    "piano": {"fps": 25.0, "size": (240, 24), "clip_s": 2.0},
}


def load_sample(root: str | os.PathLike, layout: str | None = None, n: int = 4, sr: int = 16000) -> Any:
    """The first ``n`` clips of a dataset root, read by its layout's loader (split ``"all"``).

    Args:
        root: dataset folder.
        layout: one of :data:`LAYOUTS`; None → :func:`detect_layout`.
        n: number of clips (Sub-URMP: image/chunk pairs).
        sr: audio rate in Hz.

    Returns:
        A SceneBatch of at most ``n`` clips (settings from :data:`SAMPLE_SETTINGS`).

    Notebook: 03_datasets
    """
    import importlib

    root = D.find_root(root)
    layout = detect_layout(root) if layout is None else layout
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; choose one of {LAYOUTS}")
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    mod = importlib.import_module(f"{__package__}.{layout}")
    kw = dict(SAMPLE_SETTINGS[layout])
    if layout == "sub_urmp":
        return mod.load(root, split="all", sr=sr, max_items=n, **kw)
    return mod.load(root, split="all", sr=sr, max_clips=n, **kw)


# --------------------------------------------------------------------------- explorer
def clip_annotations(batch: Any, i: int) -> list[dict[str, Any]]:
    """The annotations of clip ``i`` of a SceneBatch as table rows (events, else its labels).

    Args:
        batch: a :class:`~foley_nb_utils.clips.SceneBatch`.
        i: clip index.

    Returns:
        Rows ``{"time (s)", "material", "action", "reaction", "visible"}`` for clips with events;
        otherwise one row per label ``{"label", "value"}`` with class names decoded.

    Notebook: 03_datasets
    """
    ev = batch.events[i]
    if ev:
        return [{"time (s)": e.time_s, "material": e.material or "None", "action": e.action or "None",
                 "reaction": e.reaction or "None", "visible": e.visible} for e in ev]
    rows = []
    for k, v in batch.labels.items():
        names = batch.classes.get(k)
        x = int(v[i]) if np.ndim(v[i]) == 0 else v[i]
        if names and isinstance(x, int):
            x = names[x] if 0 <= x < len(names) else "None"  # -1: unlabeled
        rows.append({"label": k, "value": x})
    return rows


def show_clip(batch: Any, i: int, max_s: float = 3.0) -> None:
    """Display clip ``i``: frames strip, annotation table and a player (≤ ``max_s`` seconds).

    Notebook: 03_datasets
    """
    import matplotlib.pyplot as plt
    from IPython.display import display

    from .. import display as dsp

    frames = batch.frames[i]
    if frames.ndim == 3:  # Sub-URMP: one image per chunk
        frames = frames[None]
    dsp.frames_strip(frames, n=min(6, len(frames)), fps=batch.fps if len(frames) > 1 else None,
                     title=f"{batch.scene}: {batch.ids[i]}")
    plt.show()
    display(dsp.table(clip_annotations(batch, i), floatfmt=".2f", title="annotations"))
    display(dsp.play(batch.audio[i], batch.sr, label=batch.ids[i], max_s=max_s))


def explorer(batch: Any, max_s: float = 3.0):
    """An ipywidgets explorer: pick a clip from a dropdown → its frames, annotations and sound.

    Args:
        batch: a SceneBatch (synthetic or loaded).
        max_s: longest sound played, seconds.

    Returns:
        An ``ipywidgets.VBox`` (display it as a cell's last expression).

    Notebook: 03_datasets
    """
    import ipywidgets as w

    if len(batch) == 0:
        raise ValueError("explorer needs a batch with at least one clip")
    pick = w.Dropdown(options=[(f"{k}: {cid}", k) for k, cid in enumerate(batch.ids)], value=0,
                      description="clip")
    out = w.Output()

    def update(change=None) -> None:
        out.clear_output(wait=True)
        with out:
            show_clip(batch, pick.value, max_s=max_s)

    pick.observe(update, names="value")
    update()
    return w.VBox([pick, out])


__all__ = ["LAYOUTS", "DatasetStats", "clip_annotations", "count_table", "dataset_stats", "detect_layout",
           "explorer", "hms", "load_sample", "media_info", "show_clip", "summary_row", "tree", "video_summary"]
