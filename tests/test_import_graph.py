"""The loaders never need the synthetic world: real data has no generator.

``foley_nb_utils/datasets/*`` and the shared clip types (``foley_nb_utils/clips.py``) must not import
``foley_nb_utils.synth`` anywhere (top level or inside a function); the synthetic world imports the
datasets' vocabularies and the clip types, not the other way round.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "foley_nb_utils"


def _imports(path: Path, package: str | None = None) -> list[tuple[int, str]]:
    """Absolute module names imported by ``path`` (relative imports resolved against ``package``,
    by default the file's own package), with line numbers."""
    package = package or ".".join(path.relative_to(PKG.parent).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            found.append((node.lineno, mod))
            found += [(node.lineno, f"{mod}.{a.name}") for a in node.names]  # `from .. import synth`
    return found


LOADER_FILES = sorted((PKG / "datasets").glob("*.py")) + [PKG / "clips.py"]


@pytest.mark.parametrize("path", LOADER_FILES, ids=lambda p: p.relative_to(PKG).as_posix())
def test_loaders_do_not_import_the_synthetic_world(path):
    bad = [f"line {n}: {m}" for n, m in _imports(path)
           if m == "foley_nb_utils.synth" or m.startswith("foley_nb_utils.synth.")]
    assert not bad, f"{path.relative_to(PKG)} imports the synthetic world: {bad}"


def test_the_check_sees_relative_and_lazy_imports(tmp_path):
    """The parser resolves ``from ..synth.common import X`` inside a function to foley_nb_utils.synth.common."""
    fake = tmp_path / "probe.py"
    fake.write_text("def f():\n    from ..synth.common import SceneBatch\n    from .. import synth\n")
    mods = [m for _, m in _imports(fake, package="foley_nb_utils.datasets")]
    assert "foley_nb_utils.synth.common" in mods and "foley_nb_utils.synth" in mods


def test_shared_types_and_vocabularies_are_one_object():
    from foley_nb_utils import clips
    from foley_nb_utils.datasets import aist, greatest_hits, piano, sub_urmp
    from foley_nb_utils.synth import common, dance, hits, instruments, keyboard

    assert common.SceneBatch is clips.SceneBatch and common.Event is clips.Event
    assert hits.MATERIALS is greatest_hits.MATERIALS and hits.REACTIONS is greatest_hits.REACTIONS
    assert dance.GENRES is aist.GENRES and instruments.INSTRUMENTS is sub_urmp.INSTRUMENTS
    assert keyboard.frame_span is piano.frame_span
