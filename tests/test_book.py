"""The browsable book (``make book``, tools/build_book.py): it builds with no warnings, every method
page has a player that holds real sound, and no internal link or asset is broken."""
from __future__ import annotations

import base64
import io
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import soundfile as sf

from foley_nb_utils.repro import repo_root

ROOT = repo_root()
pytestmark = [pytest.mark.slow, pytest.mark.skipif(ROOT is None, reason="needs the repository checkout")]


class _Page(HTMLParser):
    """Collects a page's ids, its links/assets (href, src) and its audio sources."""

    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.refs: list[str] = []
        self.audio: list[str] = []
        self._in_audio = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "audio":
            self._in_audio += 1
        if tag in ("source", "audio") and self._in_audio and a.get("src"):
            self.audio.append(a["src"])
        for key in ("href", "src"):
            if a.get(key) and tag != "source":
                self.refs.append(a[key])

    def handle_endtag(self, tag):
        if tag == "audio":
            self._in_audio -= 1


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import build_book
    finally:
        sys.path.pop(0)
    out = tmp_path_factory.mktemp("book")
    html = build_book.build(out)  # raises on any sphinx warning (-W)
    # the pages (the theme ships Jinja templates named *.html under _static/: not pages)
    return html, {p: _parse(p) for p in html.rglob("*.html") if "_static" not in p.parts}, build_book


def _method_stems():
    return sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb") if int(p.stem[:2]) >= 5)


def test_every_committed_notebook_is_a_chapter(book):
    html, pages, _ = book
    index = pages[html / "index.html"]
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        assert f"notebooks/{nb.stem}.html" in index.refs, f"{nb.stem} is not in the book's contents"


@pytest.mark.parametrize("stem", _method_stems())
def test_every_method_page_plays_sound(book, stem):
    html, pages, _ = book
    page = pages[html / "notebooks" / f"{stem}.html"]
    assert page.audio, f"{stem}: no <audio> element on its page"
    for src in page.audio:
        m = re.match(r"data:(audio/[\w.-]+);base64,(.*)", src, flags=re.S)
        assert m, f"{stem}: an audio source is not an embedded sound: {src[:60]}"
        info = sf.info(io.BytesIO(base64.b64decode(m.group(2))))
        assert info.frames > 0 and info.duration > 0.05, f"{stem}: an audio element holds {info.duration:.3f} s"


@pytest.mark.parametrize("stem", _method_stems())
def test_method_page_and_its_module_page_link_each_other(book, stem):
    html, pages, build_book = book
    module = build_book.method_module(stem)
    assert module, f"{stem} has no module in foley_nb_utils/methods/"
    name = module.rsplit(".", 1)[1]
    assert f"../api/{name}.html" in pages[html / "notebooks" / f"{stem}.html"].refs, f"{stem} does not link {module}"
    assert f"../notebooks/{stem}.html" in pages[html / "api" / f"{name}.html"].refs, \
        f"{module}'s docstrings do not link back to {stem} (the 'Notebook: {stem}' line)"


def test_no_internal_link_or_asset_is_broken(book):
    html, pages, _ = book
    broken = []
    for path, page in pages.items():
        for ref in page.refs:
            parts = urlsplit(ref)
            if parts.scheme or ref.startswith(("mailto:", "javascript:", "//")):
                continue
            target = path if not parts.path else (path.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{path.relative_to(html)} -> {ref}")
            elif parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else _parse(target).ids
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{path.relative_to(html)} -> {ref} (no such anchor)")
    assert not broken, f"{len(broken)} broken internal links:\n" + "\n".join(sorted(set(broken))[:40])


def test_equations_render_offline(book):
    html, pages, _ = book
    page = pages[html / "notebooks" / "02_building_blocks.html"]
    scripts = [r for r in page.refs if "mathjax/" in r]
    assert scripts and not urlsplit(scripts[0]).scheme, f"MathJax is not served from the book: {scripts}"
    assert (html / "notebooks" / urlsplit(scripts[0]).path).resolve().exists()
    text = (html / "notebooks" / "02_building_blocks.html").read_text()
    assert text.count('class="math') >= 5, "02's equations are not marked up as math"
