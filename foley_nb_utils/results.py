"""Record measured values and tested claims of a paper in a JSON sidecar.

Every notebook writes what it measured to ``<out_dir>/results.json`` so that the
batch runner (:mod:`foley_nb_utils.reproduce`) can build one report of what
reproduced, and so that the "Reproduction results" table of a notebook is
computed, never typed in::

    fnu.results.configure(notebook="05_...", out_dir=OUT_DIR)   # done by fnu.repro.setup
    acc = fnu.results.record("accuracy", acc)
    fnu.results.claim("beats chance", paper="22.0% vs 4.5% chance", ours=acc,
                      measured=fnu.evidence.decide(correct, 0.045))   # per-example 1/0
    fnu.results.show()

A paper's claim is decided from measurements (:mod:`foley_nb_utils.evidence`): its verdict is
``"holds"``, ``"refuted"`` or ``"inconclusive"``, with the effect and its 95 % interval. A
notebook's own checks and the survey statements of notebook 03 may pass a plain ``holds=bool``.

Sidecar format (``"format": 2``; format 1, without ``verdict``/``kind``/``evidence``, still loads)::

    {"format": 2, "notebook": str, "meta": {...}, "started": iso, "updated": iso,
     "values": {name: {"value": v, "unit": u}},
     "claims": {name: {"paper": str, "ours": v, "holds": bool | None, "verdict": str,
                       "kind": "paper" | "survey" | "check", "evidence": {...} | None, "note": str}}}

JSON has no NaN or infinity: such a number is stored as ``null``; when the whole
value is non-finite the entry also carries ``"nonfinite": "nan" | "inf" | "-inf"``
and the tables say so.

This module imports only the standard library at load time (numpy and torch
values are recognised only when those libraries are already imported), so it
stays cheap to import in every kernel.

Notebook: 00_welcome
"""

from __future__ import annotations

import copy
import datetime as _dt
import html
import json
import math
import sys
import warnings
from pathlib import Path
from typing import Any, TypeVar

from .atomic import write_text

__all__ = [
    "FORMAT",
    "SIDECAR_NAME",
    "atomic_write_text",
    "claim",
    "claim_verdict",
    "configure",
    "default_claim_kind",
    "current",
    "format_value",
    "load",
    "record",
    "show",
    "to_html",
    "to_text",
    "verdicts",
]

FORMAT = 2
_READABLE_FORMATS = (1, 2)
#: What a claim is: a paper's claim (decided from measurements), a statement of the survey that
#: notebook 03 checks against the datasets, or a notebook's own check (a primer's sanity test).
CLAIM_KINDS = ("paper", "survey", "check")
SIDECAR_NAME = "results.json"
MAX_ITEMS = 1000  # leaves per value: a sidecar holds summaries, not data

T = TypeVar("T")

_KINDS = ("all", "values", "claims")
_NONFINITE_NOTE = "null = NaN or infinity (JSON has no NaN)"


def _now() -> str:
    return _dt.datetime.now().astimezone().isoformat(timespec="seconds")


def _empty_state() -> dict[str, Any]:
    return {
        "format": FORMAT,
        "notebook": None,
        "meta": {},
        "started": _now(),
        "updated": None,
        "values": {},
        "claims": {},
    }


_state: dict[str, Any] = _empty_state()
_path: Path | None = None
_warned = False


# ----------------------------------------------------------------------------- files


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically (see :mod:`foley_nb_utils.atomic`).

    Notebook: 00_welcome
    """
    return write_text(path, text)


def _write() -> None:
    _state["updated"] = _now()
    if _path is not None:
        text = json.dumps(_state, indent=1, ensure_ascii=False, allow_nan=False)
        atomic_write_text(_path, text + "\n")


# ----------------------------------------------------------------------- conversion


def _to_plain(value: Any, what: str, *, allow_none: bool = False) -> Any:
    """Convert ``value`` to JSON-ready Python (non-finite floats become None)."""
    count = [0]

    def conv(v: Any, where: str) -> Any:
        count[0] += 1
        if count[0] > MAX_ITEMS:
            raise ValueError(
                f"{what} has more than {MAX_ITEMS} items: a sidecar keeps summaries; "
                "record a mean, a count or a few numbers instead"
            )
        np = sys.modules.get("numpy")
        torch = sys.modules.get("torch")
        if torch is not None and isinstance(v, torch.Tensor):
            v = v.detach().cpu()
            return conv(v.item() if v.dim() == 0 else v.tolist(), where)
        if np is not None and isinstance(v, (np.generic, np.ndarray)):
            if isinstance(v, np.ndarray) and v.ndim > 0:
                if v.size > MAX_ITEMS:
                    raise ValueError(
                        f"{what}{where} is an array of {v.size} items (more than "
                        f"{MAX_ITEMS}): record a summary instead"
                    )
                return conv(v.tolist(), where)
            return conv(v.item(), where)
        if v is None:
            if allow_none:
                return None
            raise TypeError(f"{what}{where} is None: record a measured value")
        if isinstance(v, bool):
            return v
        if isinstance(v, int):
            return int(v)
        if isinstance(v, float):
            return float(v) if math.isfinite(v) else None
        if isinstance(v, str):
            return str(v)
        if isinstance(v, Path):
            return str(v)
        if isinstance(v, (list, tuple)):
            return [conv(x, f"{where}[{i}]") for i, x in enumerate(v)]
        if isinstance(v, dict):
            out = {}
            for k, x in v.items():
                if not isinstance(k, str):
                    raise TypeError(f"{what}{where} has a key {k!r} that is not a str")
                out[k] = conv(x, f"{where}[{k!r}]")
            return out
        raise TypeError(
            f"{what}{where} has type {type(v).__name__}; expected a number, str, bool, "
            "numpy scalar/array, torch tensor, or a list/dict of those"
        )

    return conv(value, "")


def _nonfinite(value: Any) -> str | None:
    """'nan' / 'inf' / '-inf' when ``value`` is a single non-finite number, else None."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    if isinstance(value, (str, bool)) or math.isfinite(x):
        return None
    return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")


def _check_name(name: Any, what: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{what} name must be a non-empty str, got {name!r}")
    return name


def _warn_unconfigured() -> None:
    global _warned
    if _path is None and not _warned:
        _warned = True
        warnings.warn(
            "foley_nb_utils.results.configure() has not been called: values and claims "
            "are kept in memory only (no results.json is written)",
            stacklevel=3,
        )


# ------------------------------------------------------------------------------ API


def configure(notebook: str, out_dir: str | Path, meta: dict | None = None) -> Path:
    """Start a new record for one notebook run and write its sidecar header.

    Values and claims recorded so far (in memory or for another run) are dropped:
    each configured run has its own ``results.json``.

    Args:
        notebook: notebook stem, e.g. ``"05_2016_visually_indicated_sounds"``.
        out_dir: folder of this run; created if missing. The sidecar is
            ``<out_dir>/results.json``.
        meta: JSON-ready facts about the run (profile, seed, device, versions...);
            numpy/torch scalars are converted, ``None`` is allowed.

    Returns:
        Path of the sidecar file.

    Notebook: 00_welcome
    """
    global _state, _path
    if not isinstance(notebook, str) or not notebook:
        raise ValueError(f"notebook must be a non-empty str, got {notebook!r}")
    if out_dir is None:
        raise ValueError("out_dir is None: pass the folder for this run's results.json")
    meta_plain = _to_plain(dict(meta or {}), "meta", allow_none=True)
    folder = Path(out_dir)
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(f"out_dir {str(folder)!r} exists and is not a folder")
    folder.mkdir(parents=True, exist_ok=True)
    _state = _empty_state()
    _state["notebook"] = notebook
    _state["meta"] = meta_plain
    _path = folder / SIDECAR_NAME
    _write()
    return _path


def record(name: str, value: T, unit: str | None = None, *, timing: bool = False) -> T:
    """Store a measured value in the sidecar (rewritten atomically) and return it.

    Accepted: numbers, bools, strings, numpy scalars/arrays, torch tensors (moved
    to CPU), and lists/tuples/dicts of those (at most ``MAX_ITEMS`` leaves). They
    are stored as plain JSON; NaN/inf become ``null``. Recording a name again
    replaces the old value (re-running a cell). Prints nothing.

    Args:
        name: the value's name, e.g. ``"test_accuracy"``.
        value: the measured value.
        unit: optional unit, e.g. ``"s"``, ``"dB"``, ``"%"``.
        timing: True for a measurement of the machine rather than of the method (a wall time,
            a peak memory): shown and kept in the sidecar, but left out of ``records_of``, so
            that runs of one seed compare equal on any machine and under any load.

    Returns:
        ``value`` itself, unchanged, so ``acc = record("acc", acc)`` works.

    Notebook: 00_welcome
    """
    _check_name(name, "record")
    if unit is not None and not isinstance(unit, str):
        raise TypeError(f"record({name!r}): unit must be a str or None, got {unit!r}")
    entry: dict[str, Any] = {"value": _to_plain(value, f"record({name!r}) value"), "unit": unit}
    if timing:
        entry["timing"] = True
    bad = _nonfinite(value) if entry["value"] is None else None
    if bad:
        entry["nonfinite"] = bad
    _warn_unconfigured()
    _state["values"][name] = entry
    _write()
    return value


def _as_verdict(holds: Any, name: str) -> bool:
    if isinstance(holds, bool):
        return holds
    np = sys.modules.get("numpy")
    if np is not None and isinstance(holds, np.bool_):
        return bool(holds)
    torch = sys.modules.get("torch")
    if (
        torch is not None
        and isinstance(holds, torch.Tensor)
        and holds.dtype == torch.bool
        and holds.numel() == 1
    ):
        return bool(holds.item())
    raise TypeError(
        f"claim({name!r}): holds must be a bool computed from the measurement "
        f"(e.g. holds=acc > 0.5), got {type(holds).__name__} {holds!r}"
    )


def default_claim_kind(notebook: str | None) -> str:
    """The kind of a claim recorded by ``notebook``: ``"survey"`` in 03 (the survey's tables),
    ``"check"`` in the other primers 00–04, ``"paper"`` in the method notebooks 05 onwards."""
    if not notebook:
        return "check"  # outside a configured notebook (a script, a test)
    number = notebook[:2]
    if not number.isdigit():
        return "paper"
    return "survey" if number == "03" else "check" if int(number) <= 4 else "paper"


def claim(name: str, *, paper: str, ours: Any = None, holds: bool | None = None, measured: Any = None,
          note: str = "", kind: str | None = None, timing: bool = False) -> Any:
    """Store a tested claim: its statement, our measurement, the verdict.

    Args:
        name: short name of the claim, e.g. ``"beats chance"``.
        paper: what the paper states, as text (e.g. ``"22.0% accuracy (Table 2)"``).
        ours: our measured value(s): a number, text, or a small list/dict of them
            (default: the evidence's effect and interval).
        holds: for a notebook check or a survey statement only: the verdict as a ``bool``
            (numpy bool and one-element torch bool tensors are accepted).
        measured: an :class:`foley_nb_utils.evidence.Evidence` from
            :func:`~foley_nb_utils.evidence.decide` (or ``combine``): the verdict is its
            ``holds`` / ``refuted`` / ``inconclusive``. A paper's claim must pass it.
        note: optional reason or caveat (e.g. what the margin means).
        kind: ``"paper"``, ``"survey"`` or ``"check"``; default from the notebook's number
            (:func:`default_claim_kind`).
        timing: True for a claim decided from measurements of the machine (latencies, as
            "faster than real time on a CPU"): its evidence is kept in the sidecar but left out of
            ``records_of`` (only its verdict stays there), as for ``record(..., timing=True)``.

    Returns:
        The :class:`Evidence` when ``measured`` was given, else the verdict as a ``bool``.

    Raises:
        TypeError: both or neither of ``holds`` and ``measured``; a paper's claim with a bare
            ``holds``; arguments of the wrong type.

    Notebook: 00_welcome
    """
    _check_name(name, "claim")
    kind = default_claim_kind(_state.get("notebook")) if kind is None else kind
    if kind not in CLAIM_KINDS:
        raise ValueError(f"claim({name!r}): kind must be one of {CLAIM_KINDS}, got {kind!r}")
    if (holds is None) == (measured is None):
        raise TypeError(f"claim({name!r}): pass exactly one of holds= (a notebook check) and "
                        f"measured= (evidence from fnu.evidence.decide)")
    if measured is not None:
        if not all(hasattr(measured, a) for a in ("verdict", "effect", "low", "high", "to_dict")):
            raise TypeError(f"claim({name!r}): measured must be an Evidence from fnu.evidence.decide, "
                            f"got {type(measured).__name__}")
        verdict_text, evidence = measured.verdict, measured.to_dict()
        if ours is None:
            ours = measured.text()
    else:
        if kind == "paper":
            raise TypeError(f"claim({name!r}): a paper's claim is decided from measurements: pass "
                            f"measured=fnu.evidence.decide(per_example_ours, per_example_reference, ...)")
        verdict_text, evidence = ("holds" if _as_verdict(holds, name) else "refuted"), None
    verdict = {"holds": True, "refuted": False}.get(verdict_text)
    if not isinstance(paper, str):
        raise TypeError(f"claim({name!r}): paper must be the paper's statement as str, got {paper!r}")
    if not isinstance(note, str):
        raise TypeError(f"claim({name!r}): note must be a str, got {note!r}")
    entry: dict[str, Any] = {
        "paper": paper,
        "ours": _to_plain(ours, f"claim({name!r}) ours"),
        "holds": verdict,
        "verdict": verdict_text,
        "kind": kind,
        "evidence": evidence,
        "note": note,
    }
    if timing:
        entry["timing"] = True
    _warn_unconfigured()
    _state["claims"][name] = entry
    _write()
    return measured if measured is not None else verdict


def claim_verdict(entry: dict) -> str:
    """``"holds"``, ``"refuted"`` or ``"inconclusive"`` of a stored claim (format 1 or 2)."""
    if "verdict" in entry:
        return entry["verdict"]
    return "holds" if entry.get("holds") else "refuted"


VERDICT_MARK = {"holds": "✓", "refuted": "✗", "inconclusive": "?"}


def current() -> dict:
    """Return a copy of the current record (same layout as the sidecar).

    Returns:
        Dict with keys ``format, notebook, meta, started, updated, values, claims``.

    Notebook: 00_welcome
    """
    return copy.deepcopy(_state)


def verdicts(reasons: dict[str, str]) -> list[str]:
    """One line per claim of this run: ✓ holds, ✗ refuted or ? inconclusive, with the effect and
    its interval, and for a claim that did not hold, why we think so.

    A method notebook writes its explanations before it knows the outcome (the same text serves
    every seed), so every recorded claim needs one; a claim without an explanation, or an
    explanation for a claim that was never recorded, is an error (a renamed claim would otherwise
    silently lose its explanation).

    Args:
        reasons: claim name → the likely reason it may not reproduce on our data.

    Returns:
        The printed lines, in the order the claims were recorded.

    Notebook: 05_2016_visually_indicated_sounds
    """
    claims = _state["claims"]
    missing, unknown = sorted(set(claims) - set(reasons)), sorted(set(reasons) - set(claims))
    if missing or unknown:
        raise KeyError(f"verdicts: no reason given for claims {missing}; reasons for unrecorded claims {unknown}")
    lines = []
    for name, entry in claims.items():
        v = claim_verdict(entry)
        ev = f" ({_evidence_text(entry['evidence'])})" if entry.get("evidence") else ""
        lines.append(f"✓ {name}{ev}" if v == "holds" else
                     f"{VERDICT_MARK[v]} {name}: {v}{ev} — {'likely reason' if v == 'refuted' else 'why'}: {reasons[name]}")
    print("\n".join(lines))
    return lines


def load(path: str | Path) -> dict:
    """Read a sidecar written by :func:`configure` / :func:`record`.

    Args:
        path: a ``results.json`` file, or the folder that holds one.

    Returns:
        The sidecar as a dict (format 1 or 2).

    Raises:
        FileNotFoundError: no such file.
        ValueError: not JSON, or not a format-1 sidecar (the message names the file).

    Notebook: 00_welcome
    """
    path = Path(path)
    if path.is_dir():
        path = path / SIDECAR_NAME
    if not path.is_file():
        raise FileNotFoundError(f"no results sidecar at {str(path)!r}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"{str(path)!r} is not valid JSON: {e}") from None
    if not isinstance(data, dict) or data.get("format") not in _READABLE_FORMATS:
        got = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise ValueError(f"{str(path)!r} is not a results sidecar of format {_READABLE_FORMATS} (format: {got!r})")
    for key in ("values", "claims"):
        if not isinstance(data.get(key), dict):
            raise ValueError(f"{str(path)!r}: field {key!r} is missing or not an object")
    return data


# -------------------------------------------------------------------------- display


def format_value(value: Any, nonfinite: str | None = None) -> str:
    """Format a stored value compactly for a table.

    Floats get 4 significant digits (scientific outside 1e-3..1e9), lists and
    dicts show at most 8 items, ``None`` (a stored NaN/inf) reads ``null``.

    Args:
        value: a JSON-ready value as stored in a sidecar.
        nonfinite: the entry's ``"nonfinite"`` marker, if any ("nan", "inf", "-inf").

    Returns:
        The text.

    Notebook: 00_welcome
    """
    if nonfinite:
        return f"{nonfinite} (stored as null)"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        a = abs(value)
        if a == 0:
            return "0"
        if 1e-3 <= a < 1e4:
            return f"{value:.4g}"
        if 1e4 <= a < 1e9:
            return f"{value:.0f}"
        return f"{value:.3e}"
    if isinstance(value, (list, tuple)):
        items = [format_value(v) for v in value[:8]]
        return "[" + ", ".join(items) + (", …" if len(value) > 8 else "") + "]"
    if isinstance(value, dict):
        items = [f"{k}: {format_value(v)}" for k, v in list(value.items())[:8]]
        return "{" + ", ".join(items) + (", …" if len(value) > 8 else "") + "}"
    return str(value)


def _has_null(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, list):
        return any(_has_null(v) for v in value)
    if isinstance(value, dict):
        return any(_has_null(v) for v in value.values())
    return False


def _rows(data: dict, kind: str) -> tuple[list[list[str]], list[list[str]], bool]:
    values = [
        [name, format_value(e.get("value"), e.get("nonfinite")), e.get("unit") or ""]
        for name, e in data.get("values", {}).items()
    ]
    claims = [
        [name, e.get("paper", ""), format_value(e.get("ours")),
         _evidence_text(e["evidence"]) if e.get("evidence") else "",
         f"{VERDICT_MARK[claim_verdict(e)]} {claim_verdict(e)}", e.get("note", "")]
        for name, e in data.get("claims", {}).items()
    ]
    nulls = any(_has_null(e.get("value")) for e in data.get("values", {}).values()) or any(
        _has_null(e.get("ours")) for e in data.get("claims", {}).values()
    )
    if kind == "values":
        claims = []
    elif kind == "claims":
        values = []
    return values, claims, nulls


def _check_kind(kind: str) -> str:
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {', '.join(map(repr, _KINDS))}, got {kind!r}")
    return kind


_VALUE_HEAD = ["name", "value", "unit"]
_CLAIM_HEAD = ["claim", "paper", "ours", "effect [95 % interval]", "verdict", "note"]


def _evidence_text(ev: dict) -> str:
    """``"+0.112 [+0.051, +0.170] > 0"`` from a stored evidence dict (compound: its weakest part)."""
    op = ">" if ev.get("direction") == "greater" else "<"
    return f"{ev['effect']:+.3g} [{ev['low']:+.3g}, {ev['high']:+.3g}] {op} {ev['margin']:g}"


def to_html(data: dict | None = None, kind: str = "all") -> str:
    """Render values and/or claims as compact HTML tables.

    Args:
        data: a record as returned by :func:`current` or :func:`load`
            (default: the current record).
        kind: ``"all"``, ``"values"`` or ``"claims"``.

    Returns:
        An HTML fragment (``<table>`` elements; escaped text).

    Notebook: 00_welcome
    """
    _check_kind(kind)
    data = _state if data is None else data
    values, claims, nulls = _rows(data, kind)
    style = 'style="text-align:left;padding:2px 8px"'

    def table(head: list[str], rows: list[list[str]], cls: str) -> str:
        th = "".join(f"<th {style}>{html.escape(h)}</th>" for h in head)
        body = "".join(
            "<tr>" + "".join(f"<td {style}>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
        )
        return f'<table class="fnu-{cls}"><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>'

    parts = []
    if kind in ("all", "values"):
        parts.append(table(_VALUE_HEAD, values, "values") if values else "<p><i>no values recorded</i></p>")
    if kind in ("all", "claims"):
        parts.append(table(_CLAIM_HEAD, claims, "claims") if claims else "<p><i>no claims recorded</i></p>")
    if nulls:
        parts.append(f"<p><small>{html.escape(_NONFINITE_NOTE)}</small></p>")
    return "\n".join(parts)


def _text_table(head: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    line = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
    return "\n".join([line(head), line(["-" * w for w in widths]), *map(line, rows)])


def to_text(data: dict | None = None, kind: str = "all") -> str:
    """Render values and/or claims as aligned plain-text tables.

    Args:
        data: a record as returned by :func:`current` or :func:`load`
            (default: the current record).
        kind: ``"all"``, ``"values"`` or ``"claims"``.

    Returns:
        The text (several lines).

    Notebook: 00_welcome
    """
    _check_kind(kind)
    data = _state if data is None else data
    values, claims, nulls = _rows(data, kind)
    parts = []
    if kind in ("all", "values"):
        parts.append(_text_table(_VALUE_HEAD, values) if values else "(no values recorded)")
    if kind in ("all", "claims"):
        parts.append(_text_table(_CLAIM_HEAD, claims) if claims else "(no claims recorded)")
    if nulls:
        parts.append(_NONFINITE_NOTE)
    return "\n\n".join(parts)


def show(kind: str = "all") -> None:
    """Display the current values and/or claims as a table.

    In IPython/Jupyter the output carries both an HTML table and a plain-text
    version (for nbval and text viewers); elsewhere the text is printed.

    Args:
        kind: ``"all"``, ``"values"`` or ``"claims"``.

    Notebook: 00_welcome
    """
    _check_kind(kind)
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        print(to_text(kind=kind))
        return
    from IPython.display import display

    display({"text/html": to_html(kind=kind), "text/plain": to_text(kind=kind)}, raw=True)
