"""What the browser tests share: Debian's Chromium driven by Playwright, a real
server on 127.0.0.1 over a fresh data directory, logging in through the login
form, axe-core checks and screenshots.

Playwright never downloads a browser here: it launches the system Chromium by
path, and the tests skip (saying why) where that is not installed."""

import contextlib
import io
import os
from pathlib import Path

import pytest
from PIL import Image
from support import PASSWORD

from archive import db as archive_db
from archive.accounts import auth

CHROMIUM = Path("/usr/bin/chromium")
PROJECT_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
# The flags a root user on a closed network needs: no sandbox (root), and none
# of the background fetches that would only meet refused connections.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 800}
README_SHOT_BYTES = 300_000
README_SHOT_HEIGHT = 1200

requires_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"the browser tests need Debian's chromium at {CHROMIUM} (.ci/run installs it)"
)


def sync_playwright():
    playwright = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is in the test extra")
    return playwright.sync_playwright()


def launch(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)


def collect_errors(context):
    """Uncaught script errors and console errors of every page in context,
    so a test that passes with a broken script still fails."""
    errors = []
    context.on("weberror", lambda error: errors.append(f"uncaught: {error.error}"))
    context.on("console", lambda message: errors.append(f"console: {message.text} at {message.location}")
               if message.type == "error" else None)
    return errors


# Added before any page script runs: the sum of layout shifts as the page
# loads (pictures arriving late without a size would push the page about).
LAYOUT_SHIFT_SCRIPT = """(() => {
    window.layoutShift = 0;
    new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.layoutShift += entry.value;
    }).observe({ type: "layout-shift", buffered: true });
})();"""


def add_archivist(data_dir, username="archie"):
    db = archive_db.connect(data_dir)
    try:
        auth.add_user(db, username, PASSWORD, "archivist")
    finally:
        db.close()
    return username


def log_in(context, base, username):
    """Log in through the login form, as a person would."""
    page = context.new_page()
    page.goto(f"{base}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, page.content()[:2000]
    page.close()


def axe_violations(page):
    """Serious and critical axe-core violations on the page as it is now.

    axe-core comes with the axe-playwright-python package from the test extra."""
    axe_module = pytest.importorskip("axe_playwright_python.sync_playwright",
                                     reason="axe-playwright-python is in the test extra")
    results = axe_module.Axe().run(page)
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def screenshot(page, name, readme=False, around=None):
    """A full-page PNG in test-artifacts/. For the README also a small copy
    (its top README_SHOT_HEIGHT pixels, fewer colours), written to
    docs/screenshots/ when ARCHIVE_README_SHOTS=1, so an ordinary run leaves
    the tracked pictures alone; otherwise to test-artifacts/readme/.

    around: a locator; the picture is then of the page's full width from a
    little above it down to a little below it (as much as README_SHOT_HEIGHT)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    if around is None:
        page.screenshot(path=str(path), full_page=True)
    else:
        around.scroll_into_view_if_needed()
        box = around.bounding_box()
        scroll = page.evaluate("[window.scrollX, window.scrollY]")
        top = box["y"] + scroll[1] - 24
        top = 0 if top < 400 else top  # near the top: the page's header too, for where it is
        height = min(box["y"] + scroll[1] + box["height"] + 24 - top, README_SHOT_HEIGHT)
        width = page.evaluate("document.documentElement.clientWidth")
        page.screenshot(path=str(path), full_page=True, clip={"x": 0, "y": top, "width": width, "height": height})
    assert path.stat().st_size > 0
    if readme:
        folder = SCREENSHOTS if os.environ.get("ARCHIVE_README_SHOTS") == "1" else ARTIFACTS / "readme"
        folder.mkdir(parents=True, exist_ok=True)
        shot = Image.open(path).convert("RGB")
        shot = shot.crop((0, 0, shot.width, min(shot.height, README_SHOT_HEIGHT)))
        # A palette PNG keeps the README's pictures small enough to commit.
        small = shot.quantize(colors=128, method=Image.Quantize.MEDIANCUT)
        out = io.BytesIO()
        small.save(out, "PNG", optimize=True)
        assert len(out.getvalue()) < README_SHOT_BYTES, f"{name}.png is {len(out.getvalue())} bytes"
        (folder / f"{name}.png").write_bytes(out.getvalue())
    return path


def server_env():
    return {"ARCHIVE_SECRET_KEY": "browser-tests-" + os.urandom(8).hex(), "ARCHIVE_PER_PAGE": "48"}


@contextlib.contextmanager
def server_and_browser(data_dir):
    """The production server on data_dir and one headless Chromium for a module."""
    from servers import gunicorn

    # Threads, so Chromium's spare idle connections cannot hold every worker.
    with gunicorn(data_dir, workers=2, threads=4, env=server_env()) as base, sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            yield base, browser
        finally:
            browser.close()


def new_context(browser, base=None, username=None):
    """A browser context, logged in when username is given, and the list its
    page errors and console errors collect into."""
    context = browser.new_context(viewport=VIEWPORT)
    errors = collect_errors(context)
    if username:
        log_in(context, base, username)
    return context, errors


def visible_strings(page):
    """The visible text of the page, node by node, leaving out what is not
    the interface's to translate: code, and words marked in the other language."""
    return page.evaluate("""() => {
        const lang = document.documentElement.lang, out = [];
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) {
            const node = walker.currentNode, text = node.textContent.trim(), el = node.parentElement;
            if (!text || !el || el.closest("code, script, style, [translate=no]")) continue;
            const marked = el.closest("[lang]");
            if (marked && marked.lang !== lang) continue;
            const box = el.getBoundingClientRect(), style = getComputedStyle(el);
            if (!box.width || !box.height || style.visibility === "hidden" || el.closest("[hidden], .visually-hidden")) continue;
            out.push(text);
        }
        for (const el of document.querySelectorAll("input[placeholder]")) out.push(el.placeholder);
        return out;
    }""")


def run_cli(data_dir, *args):
    """A manage_archive.py command run in-process against data_dir; its output (it must succeed)."""
    from click.testing import CliRunner

    from archive.cli import cli

    result = CliRunner().invoke(cli, ["--data", str(data_dir), *map(str, args)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output
