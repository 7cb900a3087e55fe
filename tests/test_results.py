"""Tests for foley_nb_utils.results: the JSON sidecar of values and claims."""

from __future__ import annotations

import json
import math
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from foley_nb_utils import results


@pytest.fixture(autouse=True)
def fresh_state(monkeypatch):
    """Each test starts unconfigured, as a fresh kernel would."""
    monkeypatch.setattr(results, "_state", results._empty_state())
    monkeypatch.setattr(results, "_path", None)
    monkeypatch.setattr(results, "_warned", False)


def strict_json(path: Path) -> dict:
    """Parse like a strict JSON reader: NaN/Infinity literals are an error."""

    def bad(token):
        raise AssertionError(f"non-standard JSON constant {token} in {path}")

    return json.loads(path.read_text(encoding="utf-8"), parse_constant=bad)


def test_configure_writes_header_and_round_trips(tmp_path):
    out = tmp_path / "runs" / "05_x"  # nested folder is created
    path = results.configure("05_x", out, meta={"profile": "quick", "seed": np.int64(3), "data_dir": None})
    assert path == out / "results.json"
    header = strict_json(path)
    assert header["format"] == results.FORMAT == 2
    assert header["notebook"] == "05_x"
    assert header["meta"] == {"profile": "quick", "seed": 3, "data_dir": None}
    assert header["values"] == {} and header["claims"] == {}
    assert "T" in header["started"]

    results.record("accuracy", 0.75, unit="%")
    results.record("n_clips", 12)
    results.claim("beats chance", paper="22% vs 4.5% chance", ours=0.75, holds=True, note="synthetic", kind="check")
    loaded = results.load(path)
    assert loaded == results.current()
    assert loaded["values"] == {"accuracy": {"value": 0.75, "unit": "%"}, "n_clips": {"value": 12, "unit": None}}
    assert loaded["claims"] == {
        "beats chance": {"paper": "22% vs 4.5% chance", "ours": 0.75, "holds": True, "verdict": "holds",
                         "kind": "check", "evidence": None, "note": "synthetic"}
    }
    # load() also accepts the folder
    assert results.load(out) == loaded


def test_record_returns_the_value_itself_and_overwrites(tmp_path):
    results.configure("00_w", tmp_path)
    x = np.float32(0.5)
    assert results.record("x", x) is x
    t = torch.tensor([1.0, 2.0])
    assert results.record("t", t) is t
    results.record("x", 2)  # re-running a cell replaces the value
    assert results.load(tmp_path)["values"]["x"]["value"] == 2


def test_numpy_and_torch_values_become_plain_json(tmp_path):
    path = results.configure("00_w", tmp_path)
    results.record("f32", np.float32(0.1))
    results.record("i64", np.int64(7))
    results.record("b", np.bool_(True))
    results.record("arr", np.arange(4).reshape(2, 2))
    results.record("t0", torch.tensor(0.25))
    results.record("tvec", torch.tensor([3, 4]))
    results.record("tbool", torch.tensor(False))
    results.record("nested", {"per_class": [np.float64(0.5), 1], "name": np.str_("hit")})
    results.record("where", tmp_path)
    v = strict_json(path)["values"]
    assert v["f32"]["value"] == float(np.float32(0.1)) and isinstance(v["f32"]["value"], float)
    assert v["i64"]["value"] == 7 and type(v["i64"]["value"]) is int
    assert v["b"]["value"] is True
    assert v["arr"]["value"] == [[0, 1], [2, 3]]
    assert v["t0"]["value"] == 0.25
    assert v["tvec"]["value"] == [3, 4] and all(type(i) is int for i in v["tvec"]["value"])
    assert v["tbool"]["value"] is False
    assert v["nested"]["value"] == {"per_class": [0.5, 1], "name": "hit"}
    assert v["where"]["value"] == str(tmp_path)


def test_nan_and_inf_are_stored_as_null_and_flagged(tmp_path):
    path = results.configure("00_w", tmp_path)
    results.record("loss", float("nan"))
    results.record("ratio", np.float32(-np.inf))
    results.record("curve", [1.0, np.nan])
    v = strict_json(path)["values"]
    assert v["loss"] == {"value": None, "unit": None, "nonfinite": "nan"}
    assert v["ratio"]["value"] is None and v["ratio"]["nonfinite"] == "-inf"
    assert v["curve"]["value"] == [1.0, None] and "nonfinite" not in v["curve"]
    text = results.to_text()
    assert "nan (stored as null)" in text and "-inf (stored as null)" in text
    assert "[1, null]" in text
    assert "null = NaN or infinity" in text


@pytest.mark.parametrize(
    "bad, error",
    [(None, TypeError), (object(), TypeError), ({1, 2}, TypeError), ({1: 2}, TypeError), (np.zeros(5000), ValueError)],
)
def test_unsupported_values_are_rejected_with_the_name(tmp_path, bad, error):
    path = results.configure("00_w", tmp_path)
    with pytest.raises(error, match="'thing'"):
        results.record("thing", bad)
    assert "thing" not in results.load(path)["values"]


def test_bad_names_and_units_are_rejected(tmp_path):
    results.configure("00_w", tmp_path)
    with pytest.raises(ValueError, match="non-empty"):
        results.record("", 1)
    with pytest.raises(TypeError, match="unit"):
        results.record("x", 1, unit=3)


def test_rewrite_is_atomic_old_file_survives_a_failed_write(tmp_path, monkeypatch):
    path = results.configure("00_w", tmp_path)
    results.record("a", 1)
    before = path.read_bytes()

    replaced = []
    from foley_nb_utils import atomic

    real_replace = atomic.os.replace

    def failing_replace(src, dst):
        replaced.append((Path(src), Path(dst)))
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(atomic.os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        results.record("b", 2)
    # the write went through a temporary file in the same folder, now removed
    assert replaced and replaced[0][0].parent == tmp_path and replaced[0][1] == path
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json"]

    monkeypatch.setattr(atomic.os, "replace", real_replace)
    results.record("c", 3)
    assert set(results.load(path)["values"]) == {"a", "b", "c"}


def test_atomic_write_text_keeps_normal_permissions(tmp_path):
    target = tmp_path / "f.txt"
    results.atomic_write_text(target, "one")
    results.atomic_write_text(target, "two")
    assert target.read_text() == "two"
    assert target.stat().st_mode & 0o044, "file should be readable by others under a usual umask"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]


@pytest.mark.parametrize("verdict", [None, "yes", 1, 0, np.float64(1.0), torch.tensor([True, False])])
def test_claim_rejects_a_verdict_that_is_not_a_bool(tmp_path, verdict):
    path = results.configure("00_w", tmp_path)
    with pytest.raises(TypeError, match="holds must be a bool" if verdict is not None else "exactly one of holds"):
        results.claim("sync", paper="better sync", ours=0.3, holds=verdict)
    assert results.load(path)["claims"] == {}


def test_claim_accepts_numpy_and_torch_comparisons(tmp_path):
    results.configure("00_w", tmp_path)
    acc = np.float64(0.8)
    assert results.claim("np", paper="> 0.5", ours=acc, holds=acc > 0.5) is True
    t = torch.tensor(0.2)
    assert results.claim("torch", paper="> 0.5", ours=t, holds=t > 0.5) is False
    claims = results.load(tmp_path)["claims"]
    assert claims["np"]["holds"] is True and claims["np"]["ours"] == 0.8
    assert claims["torch"]["holds"] is False and claims["torch"]["ours"] == pytest.approx(0.2)
    with pytest.raises(TypeError, match="paper"):
        results.claim("p", paper=0.5, ours=1, holds=True)


def test_without_configure_values_stay_in_memory_and_warn_once(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results.record("a", 1)
        results.record("b", 2)
        results.claim("c", paper="p", ours=1, holds=True)
    ours = [w for w in caught if "configure() has not been called" in str(w.message)]
    assert len(ours) == 1
    assert ours[0].filename == __file__  # points at the caller, not at results.py
    assert results.current()["values"] == {"a": {"value": 1, "unit": None}, "b": {"value": 2, "unit": None}}
    assert list(tmp_path.iterdir()) == []  # nothing written anywhere


def test_configure_starts_a_new_record(tmp_path):
    results.configure("00_w", tmp_path / "one")
    results.record("a", 1)
    results.configure("00_w", tmp_path / "two")
    assert results.current()["values"] == {}
    assert results.load(tmp_path / "one")["values"] == {"a": {"value": 1, "unit": None}}
    with pytest.raises(ValueError, match="out_dir"):
        results.configure("00_w", None)
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError, match="file"):
        results.configure("00_w", tmp_path / "file")


def test_load_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.json"):
        results.load(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": 1, "values": {')
    with pytest.raises(ValueError, match="broken.json.*not valid JSON"):
        results.load(broken)
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"format": 3, "values": {}, "claims": {}}))
    with pytest.raises(ValueError, match="other.json.*format"):
        results.load(other)
    nolist = tmp_path / "noclaims.json"
    nolist.write_text(json.dumps({"format": 1, "values": {}}))
    with pytest.raises(ValueError, match="noclaims.json.*'claims'"):
        results.load(nolist)


@pytest.mark.parametrize(
    "value, text",
    [
        (0.123456, "0.1235"),
        (22050.0, "22050"),
        (1e-5, "1.000e-05"),
        (3, "3"),
        (True, "True"),
        (0.0, "0"),
        ("hit", "hit"),
        (list(range(10)), "[0, 1, 2, 3, 4, 5, 6, 7, …]"),
        ({"a": 0.5}, "{a: 0.5}"),
    ],
)
def test_format_value(value, text):
    assert results.format_value(value) == text


def test_html_table_has_values_claims_and_escapes(tmp_path):
    results.configure("00_w", tmp_path)
    results.record("acc", 0.91234, unit="%")
    results.claim("beats <b>chance</b>", paper="22% > 4.5%", ours=0.91234, holds=True)
    results.claim("sync", paper="better than baseline", ours=[0.2, 0.3], holds=False, note="too few clips")
    page = results.to_html()
    assert page.count("<table") == 2
    assert "<td" in page and "acc" in page and "0.9123" in page and "%" in page
    assert "beats &lt;b&gt;chance&lt;/b&gt;" in page and "<b>chance" not in page
    claims_rows = page.split('class="fnu-claims"')[1].split("<tr>")[2:]
    assert "✓" in claims_rows[0] and "✗" in claims_rows[1] and "too few clips" in claims_rows[1]
    only_claims = results.to_html(kind="claims")
    assert "fnu-values" not in only_claims and "fnu-claims" in only_claims
    assert "fnu-claims" not in results.to_html(kind="values")
    with pytest.raises(ValueError, match="kind"):
        results.to_html(kind="bogus")


def test_show_prints_text_outside_ipython(tmp_path, capsys, monkeypatch):
    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    results.configure("00_w", tmp_path)
    results.record("acc", 0.5)
    results.claim("c", paper="p", ours=1, holds=False)
    capsys.readouterr()
    results.show()
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == ["name", "value", "unit"]
    assert any(line.split()[:2] == ["acc", "0.5"] for line in lines)
    assert any(line.split()[:4] == ["c", "p", "1", "✗"] for line in lines)
    results.show("values")
    assert "claim" not in capsys.readouterr().out
    with pytest.raises(ValueError, match="kind"):
        results.show("bogus")


def test_show_displays_html_and_text_in_ipython(tmp_path, monkeypatch):
    import IPython
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython, "get_ipython", lambda: object())
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append((obj, raw)))
    results.configure("00_w", tmp_path)
    results.claim("c", paper="p", ours=math.pi, holds=True)
    results.show("claims")
    (bundle, raw), = shown
    assert raw is True
    assert "<table" in bundle["text/html"] and "3.142" in bundle["text/html"]
    assert "3.142" in bundle["text/plain"] and "<table" not in bundle["text/plain"]


def test_verdicts_explain_every_failed_claim_and_nothing_else(tmp_path, capsys):
    results.configure("02_x", tmp_path)
    results.claim("holds", paper="a", ours=1, holds=True)
    results.claim("fails", paper="b", ours=0, holds=False)
    lines = results.verdicts({"holds": "unused", "fails": "too little data"})
    assert lines == ["✓ holds", "✗ fails: refuted — likely reason: too little data"]
    assert "too little data" in capsys.readouterr().out
    with pytest.raises(KeyError, match="fails"):
        results.verdicts({"holds": "x"})  # a claim without its reason
    with pytest.raises(KeyError, match="renamed"):
        results.verdicts({"holds": "x", "fails": "y", "renamed": "z"})  # a reason without its claim


def test_a_paper_claim_is_decided_from_measurements(tmp_path):
    from foley_nb_utils import evidence

    path = results.configure("05_x", tmp_path)
    with pytest.raises(TypeError, match="decided from measurements"):
        results.claim("bare", paper="p", ours=1, holds=True)  # a method notebook's claim needs evidence
    with pytest.raises(TypeError, match="exactly one"):
        results.claim("both", paper="p", holds=True, measured=evidence.decide([1, 0, 1], 0.1))
    gen = np.random.default_rng(0)
    ours = (gen.random(200) < 0.7).astype(float)
    base = (gen.random(200) < 0.4).astype(float)
    ev = results.claim("beats", paper="70 % vs 40 %", measured=evidence.decide(ours, base))
    tie = results.claim("ties", paper="better", measured=evidence.decide(ours, ours[::-1]))
    assert ev.verdict == "holds" and ev.low > 0 and tie.verdict == "inconclusive"
    stored = results.load(path)["claims"]
    assert stored["beats"]["verdict"] == "holds" and stored["beats"]["holds"] is True
    assert stored["beats"]["kind"] == "paper"
    assert stored["beats"]["evidence"]["effect"] == pytest.approx(ours.mean() - base.mean())
    assert stored["ties"]["holds"] is None and stored["ties"]["verdict"] == "inconclusive"
    assert stored["beats"]["ours"] == ev.text()  # default ours: effect and interval
    assert evidence.Evidence.from_dict(stored["beats"]["evidence"]) == ev
    text = results.to_text(kind="claims")
    assert "? inconclusive" in text and "✓ holds" in text and "effect [95 % interval]" in text


def test_claim_kinds_follow_the_notebook_number():
    assert [results.default_claim_kind(n) for n in ("00_w", "03_datasets", "04_e", "05_x", "23_y", None)] == [
        "check", "survey", "check", "paper", "paper", "check"]
