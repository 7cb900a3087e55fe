"""Looking and listening: spectrogram/waveform plots, compact players, tables, source display.

Players keep committed notebooks small: audio is cut to ``max_s`` seconds (3 s), resampled to
16 kHz and embedded as MP3 (about 1.5 KB per second instead of 43 KB for WAV); videos are
small H.264 files. Notebook code never calls ``IPython.display.Audio`` directly.

Notebook: 01_sound_and_vision
"""
from __future__ import annotations

import base64
import html
import inspect
import io
import os
import tempfile
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

PLAYER_SR = 16000


# --------------------------------------------------------------------------- plotting
def setup_plots() -> None:
    """Modest-resolution PNG figures (small notebooks) with readable fonts."""
    import matplotlib as mpl
    import matplotlib.pyplot  # noqa: F401 - activates the inline backend first, which resets rcParams

    mpl.rcParams.update({"figure.dpi": 72, "savefig.dpi": 72, "figure.figsize": (8, 3),
                         "font.size": 9, "axes.titlesize": 10, "image.cmap": "magma",
                         "axes.spines.top": False, "axes.spines.right": False})
    try:
        from IPython import get_ipython

        ip = get_ipython()
        if ip is not None and hasattr(ip, "run_line_magic"):
            ip.run_line_magic("config", "InlineBackend.figure_formats = ['png']")
    except Exception:  # noqa: BLE001 - plots still work with the default backend
        pass


def _axes(ax, figsize=(8, 2.6)):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def spectrogram(S: np.ndarray, *, rate: float | None = None, ax=None, title: str = "",
                ylabel: str = "band", yticks: Sequence[float] | None = None,
                colorbar: bool = True, vmin=None, vmax=None):
    """Show a time–frequency image ``S`` [bands, frames] (low bands at the bottom).

    Args:
        S: log-mel in dB, cochleagram, or any [bands, frames] array.
        rate: frames per second (x axis in seconds); None → frame index.
        yticks: labels for the bands (e.g. centre frequencies in Hz), optional.

    Notebook: 01_sound_and_vision
    """
    ax = _axes(ax)
    S = np.asarray(S)
    extent = None
    if rate:
        extent = (0, S.shape[1] / rate, -0.5, S.shape[0] - 0.5)
    im = ax.imshow(S, origin="lower", aspect="auto", extent=extent, vmin=vmin, vmax=vmax,
                   interpolation="nearest")
    ax.set_xlabel("time (s)" if rate else "frame")
    ax.set_ylabel(ylabel)
    if yticks is not None:
        idx = np.linspace(0, len(yticks) - 1, min(6, len(yticks))).round().astype(int)
        ax.set_yticks(idx, [f"{yticks[i]:.0f}" for i in idx])
    if title:
        ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(im, ax=ax, pad=0.01)
    return ax


def waveform(x: np.ndarray, sr: int, *, ax=None, title: str = "", events: Sequence[float] = (),
             color: str = "tab:blue"):
    """Plot a waveform [n] against time in seconds; ``events`` (s) are drawn as red lines.

    Notebook: 01_sound_and_vision
    """
    ax = _axes(ax, figsize=(8, 1.8))
    x = np.asarray(x)
    ax.plot(np.arange(len(x)) / sr, x, lw=0.6, color=color)
    for t in events:
        ax.axvline(t, color="tab:red", lw=0.8, alpha=0.7)
    ax.set_xlim(0, len(x) / sr)
    ax.set_xlabel("time (s)")
    if title:
        ax.set_title(title)
    return ax


def frames_strip(frames: np.ndarray, n: int = 8, *, fps: float | None = None, axes=None,
                 title: str = ""):
    """Show ``n`` evenly spaced frames of ``frames`` [T,H,W(,3)] in a row, with their times.

    Notebook: 01_sound_and_vision
    """
    import matplotlib.pyplot as plt

    frames = np.asarray(frames)
    idx = np.linspace(0, len(frames) - 1, min(n, len(frames))).round().astype(int)
    if axes is None:
        fig, axes = plt.subplots(1, len(idx), figsize=(1.2 * len(idx), 1.5))
    axes = np.atleast_1d(axes)
    for ax, i in zip(axes, idx):
        ax.imshow(frames[i], cmap="gray" if frames.ndim == 3 else None, vmin=0,
                  vmax=255 if frames.dtype == np.uint8 else None)
        ax.set_title(f"{i / fps:.2f} s" if fps else f"#{i}", fontsize=7)
        ax.axis("off")
    if title:
        axes[0].figure.suptitle(title, fontsize=9)
    return axes


def image_grid(images, *, titles=None, colours=None, row_labels: Sequence[str] | None = None,
               tile: float = 0.6, gap: int = 2, fontsize: float = 6, ax=None):
    """Rows of small pictures drawn as one mosaic in one axes, with a title over each picture.

    One axes for the whole grid: notebook 07's 3 × 13 grid of 32 × 32 pictures draws in 0.4 s
    instead of 1.8 s with one axes per picture (each axes costs tens of milliseconds to lay out
    and render).

    Args:
        images: rows of uint8 ``[H, W, 3]`` pictures, all the same size (nested lists or an
            array ``[R, C, H, W, 3]``); ``None`` leaves a place empty.
        titles: rows of strings written above the pictures; a missing or ``None`` row or entry
            has none (a row without titles gets no space for them).
        colours: rows of matplotlib colours for each title and for a frame of ``gap`` pixels
            around the picture, e.g. green where a judge names the right class; missing or
            ``None``: black title, no frame.
        row_labels: one string per row, written left of it.
        tile: width of one picture in inches (sets the figure size when ``ax`` is None).
        gap: white (or coloured) pixels around each picture.
        fontsize: of titles and row labels, in points.
        ax: draw into this axes instead of a new figure.

    Returns:
        The axes.

    Notebook: 07_2017_cross_modal_gan
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_rgb

    if not (tile > 0 and gap >= 0 and int(gap) == gap):
        raise ValueError(f"image_grid: tile must be > 0 inches and gap a whole number of pixels >= 0, "
                         f"got tile={tile}, gap={gap}")
    gap = int(gap)
    rows = [[None if x is None else np.asarray(x) for x in r] for r in images]
    shown = [x for r in rows for x in r if x is not None]
    if not shown:
        raise ValueError("image_grid: no pictures to show")
    H, W = shown[0].shape[:2]
    for i, r in enumerate(rows):
        for j, x in enumerate(r):
            if x is not None and (x.shape != (H, W, 3) or x.dtype != np.uint8):
                raise ValueError(f"image_grid: picture [{i}][{j}] is {x.dtype} {x.shape}; "
                                 f"all must be uint8 [{H}, {W}, 3] like the first")

    def cell(table, i, j):
        if table is None or i >= len(table) or table[i] is None or j >= len(table[i]):
            return None
        return table[i][j]

    pitch_x = W + 2 * gap
    # a row with titles gets a band above it: the font's height in picture pixels at this tile size
    band = int(np.ceil(1.5 * fontsize / 72 * pitch_x / tile))
    tops = np.cumsum([0] + [band * any(cell(titles, i, j) for j in range(len(r))) + H + 2 * gap
                            for i, r in enumerate(rows)])
    n_cols = max(len(r) for r in rows)
    canvas = np.full((tops[-1], n_cols * pitch_x, 3), 255, np.uint8)
    if ax is None:
        _, ax = plt.subplots(figsize=(n_cols * tile, tile * tops[-1] / pitch_x))
    for i, r in enumerate(rows):
        y0 = tops[i + 1] - H - 2 * gap
        for j, x in enumerate(r):
            x0, colour = j * pitch_x, cell(colours, i, j)
            if colour is not None:
                canvas[y0:y0 + H + 2 * gap, x0:x0 + pitch_x] = np.round(np.asarray(to_rgb(colour)) * 255)
            if x is not None:
                canvas[y0 + gap:y0 + gap + H, x0 + gap:x0 + gap + W] = x
            title = cell(titles, i, j)
            if title:
                ax.text(x0 + pitch_x / 2, y0 - 0.5, title, ha="center", va="bottom", fontsize=fontsize,
                        color=colour or "black")
        if row_labels is not None and i < len(row_labels) and row_labels[i]:
            ax.text(-1, y0 + gap + H / 2, row_labels[i], ha="right", va="center", fontsize=fontsize)
    ax.imshow(canvas, interpolation="nearest")
    ax.set_axis_off()
    return ax


# --------------------------------------------------------------------------- HTML helpers
class HTML:
    """Minimal rich-display object (``_repr_html_``) that also prints sensibly as text."""

    def __init__(self, html_text: str, text: str = ""):
        self.data = html_text
        self.text = text or "<html output>"

    def _repr_html_(self) -> str:
        return self.data

    def __repr__(self) -> str:
        return self.text


def _fmt(v: Any, floatfmt: str) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "✓" if v else "✗"
    if isinstance(v, (float, np.floating)):
        return "—" if not np.isfinite(v) else format(float(v), floatfmt)
    return str(v)


def table(rows: Sequence[Mapping[str, Any]] | Mapping[str, Any], *, floatfmt: str = ".3g",
          title: str = "") -> HTML:
    """A small HTML table from a list of dicts (columns = keys of the first row) or one dict.

    Notebook: 04_evaluation
    """
    if isinstance(rows, Mapping):
        rows = [{"name": k, "value": v} for k, v in rows.items()]
    rows = list(rows)
    if not rows:
        return HTML("<p><i>(empty table)</i></p>", "(empty table)")
    cols = list(rows[0])
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in cols)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_fmt(r.get(c, ''), floatfmt))}</td>"
                                    for c in cols) + "</tr>" for r in rows)
    cap = f"<caption style='text-align:left'><b>{html.escape(title)}</b></caption>" if title else ""
    text = "\n".join([" | ".join(cols)] + [" | ".join(_fmt(r.get(c, ""), floatfmt) for c in cols)
                                           for r in rows])
    return HTML(f"<table style='font-size:90%'>{cap}<tr>{head}</tr>{body}</table>",
                (title + "\n" if title else "") + text)


# --------------------------------------------------------------------------- audio players
def _encode_audio(x: np.ndarray, sr: int, max_s: float) -> tuple[str, str]:
    import soundfile as sf

    x = np.asarray(x, dtype=np.float64).reshape(-1)
    if sr <= 0:
        raise ValueError(f"sample rate must be positive, got {sr}")
    if not np.all(np.isfinite(x)):
        raise ValueError("audio contains NaN or inf; cannot play it")
    x = x[: int(round(max_s * sr))]
    if sr != PLAYER_SR:
        from .audio import resample

        x = np.asarray(resample(x, sr, PLAYER_SR), dtype=np.float64)
    peak = np.abs(x).max() if len(x) else 0.0
    if peak > 0:
        x = 0.9 * x / peak  # players normalise; compare loudness on plots, not by ear
    buf = io.BytesIO()
    try:
        sf.write(buf, x.astype(np.float32), PLAYER_SR, format="MP3", subtype="MPEG_LAYER_III")
        mime = "audio/mpeg"
    except Exception:  # noqa: BLE001 - libsndfile without MP3: fall back to WAV
        buf = io.BytesIO()
        sf.write(buf, x.astype(np.float32), PLAYER_SR, format="WAV", subtype="PCM_16")
        mime = "audio/wav"
    return base64.b64encode(buf.getvalue()).decode(), mime


def _audio_tag(x, sr, max_s) -> str:
    b64, mime = _encode_audio(x, sr, max_s)
    return f"<audio controls preload='none' style='width:220px'><source src='data:{mime};base64,{b64}' type='{mime}'></audio>"


def play(x: np.ndarray, sr: int, label: str = "", *, max_s: float = 3.0) -> HTML:
    """A compact audio player (≤ ``max_s`` s, 16 kHz MP3, peak-normalised).

    Args:
        x: waveform [n] (float, any range).
        sr: its sample rate in Hz.
        label: text shown before the player.

    Notebook: 01_sound_and_vision
    """
    lab = f"<span style='font-size:90%;margin-right:6px'>{html.escape(label)}</span>" if label else ""
    return HTML(f"<div>{lab}{_audio_tag(x, sr, max_s)}</div>", f"[audio {label}]")


def players(sounds: Mapping[str, tuple[np.ndarray, int]] | Sequence[tuple[str, np.ndarray, int]], *,
            max_s: float = 3.0, columns: int = 4) -> HTML:
    """A table of labelled players: ``{"real": (x, sr), "predicted": (y, sr)}``.

    Notebook: 01_sound_and_vision
    """
    items = list(sounds.items()) if isinstance(sounds, Mapping) else [(a, (b, c)) for a, b, c in sounds]
    cells = [f"<td style='text-align:center'><div style='font-size:85%'>{html.escape(str(k))}</div>"
             f"{_audio_tag(x, sr, max_s)}</td>" for k, (x, sr) in items]
    rows = ["<tr>" + "".join(cells[i:i + columns]) + "</tr>" for i in range(0, len(cells), columns)]
    return HTML(f"<table>{''.join(rows)}</table>", f"[{len(items)} audio players]")


def video_player(frames: np.ndarray, fps: float, audio: np.ndarray | None = None, sr: int | None = None,
                 *, width: int = 256, label: str = "") -> HTML:
    """An inline H.264 video (with sound when ``audio`` is given), for short clips.

    Args:
        frames: uint8 [T,H,W,3] (H, W even).
        fps: frames per second.
        audio: mono waveform [n] at ``sr`` Hz, or None for a silent video.
        width: displayed width in pixels (small frames are upscaled by the browser).

    Notebook: 01_sound_and_vision
    """
    from .video import write_video

    if audio is not None:
        if sr is None:
            raise ValueError("video_player: give sr with audio")
        a = np.asarray(audio, dtype=np.float64)
        peak = np.abs(a).max() if a.size else 0.0
        audio = (0.9 * a / peak if peak > 0 else a).astype(np.float32)
    fd, path = tempfile.mkstemp(suffix=".mp4")
    os.close(fd)
    try:
        write_video(path, frames, fps, audio=audio, sr=sr)
        with open(path, "rb") as f:
            b64 = base64.b64encode(f.read()).decode()
    finally:
        os.unlink(path)
    lab = f"<div style='font-size:85%'>{html.escape(label)}</div>" if label else ""
    tag = (f"<video controls width='{width}' style='image-rendering:pixelated'>"
           f"<source src='data:video/mp4;base64,{b64}' type='video/mp4'></video>")
    return HTML(f"<div style='display:inline-block;margin:4px'>{lab}{tag}</div>", f"[video {label}]")


def row(*items: HTML) -> HTML:
    """Put several HTML outputs (players, videos) side by side."""
    return HTML("<div style='display:flex;flex-wrap:wrap;gap:8px'>" +
                "".join(i._repr_html_() for i in items) + "</div>",
                " ".join(repr(i) for i in items))


# --------------------------------------------------------------------------- source
def show_source(obj: Any) -> HTML:
    """Show the source code of a package function or class (syntax-highlighted).

    Notebooks teach a component by showing the packaged code, then use it: one copy only.

    Notebook: 00_welcome
    """
    try:
        src = inspect.getsource(obj)
    except (OSError, TypeError) as e:
        raise TypeError(f"show_source: no Python source for {obj!r}") from e
    where = f"{inspect.getmodule(obj).__name__}.{getattr(obj, '__qualname__', '')}"
    try:
        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import PythonLexer

        body = highlight(src, PythonLexer(), HtmlFormatter(noclasses=True, style="friendly"))
    except ImportError:  # pragma: no cover - pygments ships with IPython
        body = f"<pre>{html.escape(src)}</pre>"
    return HTML(f"<details open><summary><code>{html.escape(where)}</code></summary>"
                f"<div style='font-size:85%'>{body}</div></details>", src)


__all__ = ["HTML", "frames_strip", "image_grid", "play", "players", "row", "setup_plots", "show_source",
           "spectrogram", "table", "video_player", "waveform"]
