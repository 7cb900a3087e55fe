"""Notebook lint: every notebook follows the series template and stays small.

Checks (DESIGN.md section 2 and 7): the committed ``.ipynb`` matches its ``notebooks/py``
source; template order; exactly one ``parameters`` cell holding only literal assignments of the
shared parameters; no empty cells; executed with outputs and no errors; ≤ 1.5 MB; no saved
widget state; audio only through ``fnu.display``; listed in the README (with its Colab link) and the
series map; the first code cell is the Colab cell.
"""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import jupytext
import pytest

from foley_nb_utils import papers

ROOT = Path(__file__).resolve().parent.parent
NB_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NB_DIR.glob("[0-9][0-9]_*.ipynb"))
SHARED_PARAMS = {"PROFILE", "SEED", "DEVICE", "DATA_DIR", "OUT_DIR"}
MAX_BYTES = 1_500_000


def _load(path: Path) -> dict:
    return json.loads(path.read_text())


def _src(cell) -> str:
    s = cell["source"]
    return "".join(s) if isinstance(s, list) else s


def _first(cells, pred) -> int:
    for i, c in enumerate(cells):
        if pred(c):
            return i
    return -1


def _unmarked_timings(tree: ast.AST) -> list[ast.Call]:
    """The ``*.record(...)`` calls of a cell whose value comes from a clock but lack ``timing=``."""
    def clocked(expr, tainted) -> bool:
        return any(isinstance(n, ast.Attribute) and n.attr in ("perf_counter", "time", "monotonic")
                   or isinstance(n, ast.Name) and (n.id in tainted or "seconds" in n.id) for n in ast.walk(expr))

    def base(target):
        while isinstance(target, (ast.Subscript, ast.Attribute)):
            target = target.value
        return [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]

    tainted: set[str] = set()
    for _ in range(4):  # to a fixed point: a = clock(); b = a * 2; for k, v in b.items(): ...
        for node in ast.walk(tree):
            pairs = []
            if isinstance(node, ast.Assign):
                pairs = [(t, node.value) for t in node.targets]
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign)) and node.value is not None:
                pairs = [(node.target, node.value)]
            elif isinstance(node, (ast.For, ast.comprehension)):
                pairs = [(node.target, node.iter)]
            for target, value in pairs:
                if clocked(value, tainted):
                    tainted.update(base(target))
    return [node for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "record"
            and len(node.args) > 1 and clocked(node.args[1], tainted)
            and not any(k.arg == "timing" for k in node.keywords)]


def test_the_timing_lint_follows_a_clock_through_names_and_loops():
    def bad(src):
        return [ast.unparse(n) for n in _unmarked_timings(ast.parse(src))]
    assert bad("t0 = time.perf_counter()\nfnu.record('x', time.perf_counter() - t0)")
    assert bad("g = {}\ng['a'] = time.perf_counter() - t0\nfnu.record('twins', sum(g.values()), unit='s')")
    assert bad("c = {}\nc['ms'] = 1000 * (time.perf_counter() - t0)\nfor k, v in c.items():\n    fnu.record(k, v)")
    assert not bad("c = {}\nc['ms'] = 1000 * (time.perf_counter() - t0)\nfor k, v in c.items():\n    fnu.record(k, v, timing=True)")
    assert not bad("err = np.abs(a - b).mean()\nfnu.record('onset error (s)', err, unit='s')")


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 2, "expected at least the two opening notebooks"


def test_every_source_has_a_notebook_and_back():
    srcs = {p.stem for p in (NB_DIR / "py").glob("*.py")}
    nbs = {p.stem for p in NOTEBOOKS}
    assert srcs == nbs, f"sources without notebook: {srcs - nbs}; notebooks without source: {nbs - srcs}"


def test_docstrings_name_notebooks_of_the_series():
    """Every ``Notebook: NN_name`` line in the package names a notebook of the series map, so a
    reader can go from a function to the notebook that teaches it."""
    stems = {nb.stem for nb in papers.NOTEBOOKS}
    wrong = [f"{py.relative_to(ROOT)}:{i}: {m.group(1)}"
             for py in sorted((ROOT / "foley_nb_utils").rglob("*.py"))
             for i, line in enumerate(py.read_text().splitlines(), 1)
             for m in re.finditer(r"Notebooks?: ([0-9]{2}_[A-Za-z0-9_]+)", line) if m.group(1) not in stems]
    assert not wrong, "docstrings name notebooks that are not in papers.NOTEBOOKS:\n" + "\n".join(wrong)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
class TestNotebook:
    def test_matches_its_source(self, path):
        src = jupytext.read(NB_DIR / "py" / f"{path.stem}.py")
        nb = _load(path)
        a = [(c.cell_type, c.source.strip()) for c in src.cells]
        b = [(c["cell_type"], _src(c).strip()) for c in nb["cells"]]
        assert a == b, f"{path.name} differs from notebooks/py/{path.stem}.py: run `make notebooks ARGS='--only {path.stem[:2]}'`"

    def test_size_and_widget_state(self, path):
        assert path.stat().st_size <= MAX_BYTES, f"{path.name} is {path.stat().st_size / 1e6:.2f} MB"
        assert "widgets" not in _load(path).get("metadata", {}), f"{path.name} carries saved widget state"

    def test_no_empty_cells(self, path):
        empty = [i for i, c in enumerate(_load(path)["cells"]) if not _src(c).strip()]
        assert not empty, f"empty cells at {empty}"

    def test_executed_without_errors(self, path):
        code = [c for c in _load(path)["cells"] if c["cell_type"] == "code"]
        assert code and all(c.get("execution_count") for c in code), "notebook not fully executed"
        errors = [o for c in code for o in c.get("outputs", []) if o.get("output_type") == "error"]
        assert not errors, f"error outputs: {[e.get('ename') for e in errors]}"

    def test_template_order(self, path):
        cells = _load(path)["cells"]
        stem = path.stem
        info = papers.notebook(stem)
        first = _src(cells[0])
        assert cells[0]["cell_type"] == "markdown" and first.startswith(f"# {stem[:2]} · "), \
            "first cell must be the title '# NN · Title'"
        md = lambda pat: _first(cells, lambda c: c["cell_type"] == "markdown" and re.search(pat, _src(c), re.M))
        code = lambda pat: _first(cells, lambda c: c["cell_type"] == "code" and re.search(pat, _src(c), re.M))
        params = [i for i, c in enumerate(cells) if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(params) == 1, f"need exactly one 'parameters' cell, found {len(params)}"
        order = {
            "learning objectives": md(r"^## Learning objectives"),
            "parameters": params[0],
            "setup": code(r"fnu\.repro\.setup\("),
            "exercises": md(r"^## Exercises"),
            "summary": md(r"^## Summary"),
        }
        if info.kind == "method":
            order = {"reproduction card": md(r"^## Reproduction card"), **order}
            order["reproduction results"] = md(r"^## Reproduction results")
            order = {k: order[k] for k in ["reproduction card", "learning objectives", "parameters", "setup",
                                           "reproduction results", "exercises", "summary"]}
        missing = [k for k, v in order.items() if v < 0]
        assert not missing, f"missing template sections: {missing}"
        pos = list(order.values())
        assert pos == sorted(pos), f"template sections out of order: {order}"

    def test_parameters_cell(self, path):
        cell = next(c for c in _load(path)["cells"] if "parameters" in c.get("metadata", {}).get("tags", []))
        tree = ast.parse(_src(cell))
        names = set()
        for node in tree.body:
            assert isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name), \
                "the parameters cell holds only NAME = value lines (derived values go in the next cell)"
            ast.literal_eval(node.value)  # literals only, so papermill overrides behave
            names.add(node.targets[0].id)
        assert SHARED_PARAMS <= names, f"missing parameters: {SHARED_PARAMS - names}"

    def test_sound_goes_through_the_package(self, path):
        for c in _load(path)["cells"]:
            if c["cell_type"] == "code":
                assert "display.Audio(" not in _src(c) and "import Audio" not in _src(c), \
                    "use fnu.display.play/players (compact, clipped) instead of IPython Audio"

    def test_timings_are_marked_as_timings(self, path):
        """A wall time differs from run to run: recorded without ``timing=True`` it would make two
        runs of one seed compare unequal (``reproduce.records_of``). A value is a wall time when it is
        computed, within the cell, from a clock (``perf_counter``, ``time``, ``monotonic``) — through
        assignments, subscript stores and loops — or from a name with "seconds" in it."""
        for c in _load(path)["cells"]:
            if c["cell_type"] != "code":
                continue
            try:
                tree = ast.parse(_src(c))
            except SyntaxError:  # a cell magic: not Python
                continue
            for node in _unmarked_timings(tree):
                pytest.fail(f"{ast.unparse(node)[:120]}: pass timing=True (a wall time is not a result)")

    def test_listed_in_readme_and_map(self, path):
        readme = (ROOT / "README.md").read_text()
        assert f"notebooks/{path.name}" in readme, f"{path.name} missing from the README's notebook table"
        assert papers.colab_url(path.stem) in readme, f"{path.name}: no 'Open in Colab' link in the README's table"
        papers.notebook(path.stem)

    def test_first_code_cell_is_the_colab_cell(self, path):
        code = [c for c in _load(path)["cells"] if c["cell_type"] == "code"]
        assert _src(code[0]).strip() == papers.COLAB_CELL.strip() and "colab" in code[0]["metadata"].get("tags", []), \
            f"{path.name}: the first code cell must be papers.COLAB_CELL (tools/build_notebooks.py inserts it)"
