"""environment.yml (conda route) must list exactly the dependencies of pyproject.toml."""
from __future__ import annotations

import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent


def _norm(req: str) -> str:
    return re.sub(r"\s+", "", req.split("#")[0]).lower().replace("_", "-")


def test_environment_yml_matches_pyproject():
    proj = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    want = {_norm(r) for r in proj["dependencies"]}
    for extra in proj["optional-dependencies"].values():
        want |= {_norm(r) for r in extra}
    lines = (ROOT / "environment.yml").read_text().splitlines()
    start = next(i for i, l in enumerate(lines) if l.strip() == "- pip:")
    have = {_norm(l.strip()[2:]) for l in lines[start + 1:] if l.strip().startswith("- ")}
    have.discard("-e.")
    assert have == want, f"only in environment.yml: {have - want}; only in pyproject.toml: {want - have}"


def test_python_floor_agrees():
    proj = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = (ROOT / "environment.yml").read_text()
    floor = proj["requires-python"].replace(">=", "")
    assert f"python>={floor}" in env
