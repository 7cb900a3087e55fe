"""The notebooks where students use them: JupyterLab in a real browser, and the book's pages.

JupyterLab starts headless on a free port; Playwright drives Debian's Chromium (``/usr/bin/chromium``,
nothing is downloaded) to open copies of notebooks 03 and 04, run all their cells, and use their
widgets as a student would: pick another clip in 03's explorer, answer one round of 04's listening
test. The tests check that the widgets' state changes and that an audio element loads with a
non-zero duration. Screenshots go to ``runs/browser/<time>/``. A last test opens a page of the book
(tools/build_book.py) and checks that MathJax typeset its equations.

``make test-browser`` runs this file; ``make test`` leaves it out (marker ``browser``) and ``.ci/run``
runs it after ``make test`` when Chromium is installed. Without Chromium every test skips and says so.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import datetime
from pathlib import Path

import pytest

from foley_nb_utils.repro import repo_root

ROOT = repo_root()
CHROMIUM = os.environ.get("FOLEY_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
# as the machine's probe runs it: no background traffic, which a closed network refuses
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
RUN_TIMEOUT_S = 240  # all cells of one primer, on a busy 2-core machine

pytestmark = [
    pytest.mark.browser, pytest.mark.notebooks, pytest.mark.slow,
    pytest.mark.skipif(ROOT is None, reason="needs the repository checkout"),
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install chromium)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def shots():
    out = ROOT / "runs" / "browser" / datetime.now().strftime("%Y-%m-%dT%H-%M-%S")
    out.mkdir(parents=True, exist_ok=False)  # a new folder per run: no run overwrites another's
    return out


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab on copies of 03 and 04 (autosave must never touch the committed notebooks)."""
    work = tmp_path_factory.mktemp("lab")
    for stem in ("03_datasets", "04_evaluation"):
        shutil.copy(ROOT / "notebooks" / f"{stem}.ipynb", work)
    port, token = _free_port(), "foley-browser-test"
    # fresh user settings; windowing off, so that every cell is in the page (Lab 4 otherwise leaves
    # cells outside the viewport out of the DOM, and a locator could not find a widget far down)
    settings = work / "user-settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    apputils = work / "user-settings" / "@jupyterlab" / "apputils-extension"
    apputils.mkdir(parents=True)
    (apputils / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')  # no news pop-up
    workspaces = work / "workspaces"
    workspaces.mkdir()
    env = dict(os.environ, FOLEY_CACHE_DIR=str(tmp_path_factory.mktemp("cache")), JUPYTER_PLATFORM_DIRS="1")
    log = open(work / "lab.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}", "--expose-app-in-browser",
         f"--LabApp.user_settings_dir={work / 'user-settings'}", f"--LabApp.workspaces_dir={workspaces}",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
         "--LabApp.extension_manager=readonly"]  # offline: no news, no update check, no extension index
        + (["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),
        stdout=log, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            break
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                pytest.fail(f"JupyterLab did not start:\n{(work / 'lab.log').read_text()[-3000:]}")
            time.sleep(0.5)
    yield base, token
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _run_all(page, base, token, stem):
    """Open a notebook in Lab, run all its cells, wait until every code cell has run."""
    # a workspace of its own, reset: Lab would otherwise restore the tabs of the previous test and the
    # current widget could be the other notebook
    page.goto(f"{base}/lab/workspaces/{stem}/tree/{stem}.ipynb?token={token}&reset")
    # null-safe: while the page starts, the widget, its session and its kernel appear one by one
    panel = "window.jupyterapp?.shell?.currentWidget"
    page.wait_for_function(f"{panel}?.context?.path === '{stem}.ipynb' "
                           f"&& {panel}?.sessionContext?.session?.kernel?.status === 'idle'", timeout=60_000)
    # the copy holds the committed outputs and execution counts: clear them first, so that "every cell
    # has a count" below means this kernel ran it
    page.evaluate("window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    page.wait_for_function("""() => window.jupyterapp.shell.currentWidget.content.widgets
        .filter(c => c.model.type === 'code').every(c => c.model.executionCount === null)""", timeout=30_000)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    # done: every code cell's prompt holds a number (not '*', not empty) and no output is an error
    page.wait_for_function("""() => {
        const panel = window.jupyterapp?.shell?.currentWidget;
        const cells = (panel?.content?.widgets ?? []).filter(c => c.model.type === 'code');
        return cells.length > 0 && cells.every(c => c.model.executionCount !== null)
            && panel?.sessionContext?.session?.kernel?.status === 'idle';
    }""", timeout=RUN_TIMEOUT_S * 1000, polling=1000)
    errors = page.evaluate("""() => window.jupyterapp.shell.currentWidget.content.widgets
        .filter(c => c.model.type === 'code')
        .flatMap(c => c.model.outputs.toJSON()).filter(o => o.output_type === 'error')
        .map(o => o.ename + ': ' + o.evalue)""")
    assert not errors, f"{stem}: cells raised in the browser: {errors}"


def _audio_duration(locator) -> float:
    """Load an <audio> element's metadata (the players say preload='none') and return its duration (s)."""
    return locator.evaluate("""a => new Promise((resolve, reject) => {
        a.preload = 'metadata';
        a.addEventListener('loadedmetadata', () => resolve(a.duration), {once: true});
        a.addEventListener('error', () => reject(new Error('audio error ' + (a.error && a.error.code))), {once: true});
        a.load();
    })""")


def test_clip_explorer_of_03_changes_clip_and_plays(lab, browser, shots):
    base, token = lab
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    _run_all(page, base, token, "03_datasets")
    explorer = page.locator(".widget-vbox:has(.widget-dropdown select)").last
    explorer.scroll_into_view_if_needed()
    select = explorer.locator("select").first
    output = explorer.locator(".widget-output")
    before = output.inner_html()
    assert select.evaluate("s => s.selectedIndex") == 0
    page.screenshot(path=str(shots / "03_explorer_clip0.png"))
    select.select_option(index=1)
    page.wait_for_function("([el, html]) => el.innerHTML !== html && el.querySelector('audio')",
                           arg=[output.element_handle(), before], timeout=30_000)
    assert select.evaluate("s => s.selectedIndex") == 1
    after = output.inner_html()
    assert after != before, "the explorer showed the same clip after another was picked"
    audio = output.locator("audio").first
    duration = _audio_duration(audio)
    assert duration > 0.1, f"the explorer's player holds {duration} s of sound"
    explorer.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "03_explorer_clip1.png"))
    page.close()


def test_listening_test_of_04_takes_an_answer(lab, browser, shots):
    base, token = lab
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    _run_all(page, base, token, "04_evaluation")
    button = page.locator("button:has-text('A is real')").last
    widget = page.locator(".widget-vbox:has(button:has-text('A is real'))").last
    widget.scroll_into_view_if_needed()
    assert "Pair 1 of 8" in widget.inner_text() and "No answers yet" in widget.inner_text()
    for player in widget.locator("audio").all():
        assert _audio_duration(player) > 0.1
    page.screenshot(path=str(shots / "04_listening_pair1.png"))
    button.click()
    # the kernel answers: the players move to pair 2, then the score line counts the answer
    page.wait_for_function("el => el.innerText.includes('Pair 2 of 8') && el.innerText.includes('1 of 8 pairs answered')",
                           arg=widget.element_handle(), timeout=30_000)
    assert "1 of 8 pairs answered" in widget.inner_text(), widget.inner_text()
    page.screenshot(path=str(shots / "04_listening_pair2.png"))
    page.close()


def test_book_page_typesets_its_equations(browser, shots, tmp_path):
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import build_book
    finally:
        sys.path.pop(0)
    html = build_book.build(tmp_path / "book")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto((html / "notebooks" / "02_building_blocks.html").as_uri())
    page.wait_for_function("document.querySelectorAll('mjx-container').length > 20", timeout=60_000)
    unrendered = page.evaluate("[...document.querySelectorAll('span.math')].filter(s => !s.querySelector('mjx-container')).length")
    assert unrendered == 0, f"{unrendered} equations of 02 were not typeset"
    page.locator("mjx-container").nth(10).scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "book_02_equations.png"))
    page.close()
