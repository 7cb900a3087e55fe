"""tools/claims_table.py: the README tables come from a run's summary, never typed in; tools/build_notebooks.py
puts the Colab cell first."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from foley_nb_utils import reproduce

ROOT = Path(__file__).resolve().parent.parent


def _tool():
    spec = importlib.util.spec_from_file_location("claims_table", ROOT / "tools" / "claims_table.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _claim(effect, verdict):
    ev = {"effect": effect, "low": effect - 0.02, "high": effect + 0.02, "margin": 0.0, "direction": "greater",
          "verdict": verdict, "n": 50, "level": 0.95, "method": "paired bootstrap (BCa)", "what": "", "parts": []}
    return {"paper": "A > B (Table 1)", "ours": effect, "holds": verdict == "holds", "verdict": verdict,
            "kind": "paper", "evidence": ev, "note": ""}


def _summary():
    runs = [{"seed": s, "status": "ok", "wall_s": 30.0 + s, "peak_mb": 900.0,
             "results": {"claims": {"a | b": _claim(0.2, "holds"), "flip": _claim(e, v),
                                    "check": {"paper": "p", "ours": 1, "holds": True, "kind": "check"}}}}
            for s, (e, v) in enumerate(((0.05, "holds"), (-0.05, "refuted"), (0.0, "inconclusive")))]
    nb = {"notebook": "05_2016_visually_indicated_sounds", "time_budget_s": 60.0, "runs": runs,
          "claims": reproduce.collect_claims(runs)}
    return {"seeds": [0, 1, 2], "notebooks": [nb], "started": "2026-12-06T10:00:00",
            "machine": {"cores": 2, "platform": "Linux"}}


def test_claims_table_has_one_row_per_paper_claim_and_the_counts():
    table = _tool().claims_table(_summary())
    lines = table.splitlines()
    assert lines[0].startswith("1 of 2 paper claims hold (0 refuted, 1 inconclusive) on seeds 0, 1, 2, "
                               "1 of them decided across the seeds")
    assert "1 of 2 claims get the same verdict on every seed" in lines[0]
    rows = [ln for ln in lines if ln.startswith("| 05 |")]
    assert len(rows) == 2  # the notebook check is not a paper claim
    assert "a \\| b" in rows[0] and "✓ holds on every seed" in rows[0] and "holds, holds, holds" in rows[0]
    assert "+0.05 [+0.03, +0.07] > 0<br>-0.05 [-0.07, -0.03] > 0" in rows[1]
    assert "? inconclusive across the seeds, which disagree (held on 1 of 3)" in rows[1]


def test_budgets_table_and_readme_blocks():
    tool = _tool()
    table = tool.budgets_table(_summary())
    assert "| 05_2016_visually_indicated_sounds | 32.0 | 60 | 900 |" in table
    assert "one pass over these notebooks takes 31 s" in table
    text = "a\n<!-- claims-table -->\nold\n<!-- /claims-table -->\nb"
    assert tool.replace_block(text, "claims-table", "new") == "a\n<!-- claims-table -->\nnew\n<!-- /claims-table -->\nb"
    empty = "a\n<!-- claims-table -->\n<!-- /claims-table -->\nb"  # as committed before the first fill
    assert tool.replace_block(empty, "claims-table", "new") == "a\n<!-- claims-table -->\nnew\n<!-- /claims-table -->\nb"
    with pytest.raises(SystemExit, match="ci-table"):
        tool.replace_block(text, "ci-table", "x")
    readme = (ROOT / "README.md").read_text()
    for name in ("claims-table", "budgets-table", "ci-table"):
        assert f"<!-- {name} -->" in readme and f"<!-- /{name} -->" in readme


def test_ci_table_sums_the_parts_and_scales_the_growing_ones():
    import xml.etree.ElementTree as ET
    xml = ET.fromstring(
        '<testsuites><testsuite timestamp="2026-12-06T10:00:00">'
        '<testcase classname="tests.test_series" name="a" time="600"/>'
        '<testcase classname="tests.test_methods_m05" name="b" time="30"/>'
        '<testcase classname="tests.test_methods_m06" name="c" time="30"/>'
        '<testcase classname="tests.test_audio" name="d" time="60"/>'
        '<testcase classname="notebooks.00_welcome.ipynb" file="notebooks/00_welcome.ipynb" name="e" time="120"/>'
        '</testsuite></testsuites>')
    table = _tool().ci_table(xml, n_methods=6)
    assert "| method notebooks, 3 seeds cold + 1 warm (test_series) | 10.0 | 35.0 |" in table
    assert "| method modules' unit tests (test_methods_mNN) | 1.0 | 3.5 |" in table
    assert "| nbval over the primers 00-04 | 2.0 | 2.0 |" in table
    assert "| everything else (package, runner, lint, fuzz, crash safety) | 1.0 | 1.0 |" in table
    assert "**14.0** | **41.5** |" in table


# ---------------------------------------------------------------- tools/build_notebooks.py: the Colab cell
def _build_notebooks():
    spec = importlib.util.spec_from_file_location("build_notebooks", ROOT / "tools" / "build_notebooks.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_colab_cell_is_inserted_once_before_the_first_code_cell_and_kept_up_to_date(tmp_path):
    from foley_nb_utils import papers

    tool = _build_notebooks()
    src = tmp_path / "99_x.py"
    body = "# %% [markdown]\n# # 99 · X\n\n# %%\nimport numpy as np\n\n# %% [markdown]\n# text\n"
    src.write_text(body)
    assert tool.ensure_colab_cell(src) is True
    once = src.read_text()
    assert once.index(tool.COLAB_MARKER) < once.index("import numpy") and once.count(tool.COLAB_MARKER) == 1
    assert papers.COLAB_CELL in once and once.endswith("# %%\nimport numpy as np\n\n# %% [markdown]\n# text\n")
    assert tool.ensure_colab_cell(src) is False and src.read_text() == once  # idempotent
    src.write_text(once.replace(papers.COLAB_CELL, "# an old version of the cell\nimport sys"))
    assert tool.ensure_colab_cell(src) is True and src.read_text() == once  # an outdated cell is rewritten
    (tmp_path / "98_y.py").write_text("# %% [markdown]\n# # 98 · Y\n")
    with pytest.raises(SystemExit, match="no code cell"):
        tool.ensure_colab_cell(tmp_path / "98_y.py")
