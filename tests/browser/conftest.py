"""Shared fixtures of the browser tests: Debian's Chromium driven by Playwright (one browser a
module, a fresh context a test), the demo province on the real PostgreSQL served by a real
uvicorn, a logged-in page for any demo user at laptop or phone width, an axe-core check and
screenshots of each screen.

Never run `playwright install` (it downloads a browser build): the Debian package is used.
Skipped only on a developer machine without /usr/bin/chromium; under CI=true it must run.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Callable, Iterator

import pytest

from api.app import create_app
from documents import demo
from documents.system import System
from engine.db import unit_of_work
from tests.serving import live_server
from tests.tools import require_program

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(os.environ.get("QLVBDH_SCREENSHOTS", "/tmp/qlvbdh-screens"))
AXE = Path(__file__).resolve().parents[2] / "api" / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
LAPTOP = {"width": 1366, "height": 860}
PHONE = {"width": 390, "height": 844}
DEMO_AGENCY = demo.AGENCIES[0][0]


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium (never `playwright install`); checked before any seeding or start-up."""
    return Path(require_program(str(CHROMIUM), "chromium"))


@pytest.fixture(scope="module")
def chromium_browser(chromium: Path):
    """One headless Chromium a test module; each test opens its own context in it. Not one for
    the whole run: while Playwright's sync API is open its event loop runs in this thread, and
    the tests after it that sign (pyHanko's asyncio.run) would find a loop already running."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # a declared test dependency: never skip on it
        pytest.fail("the `playwright` package is missing: pip install -e '.[test]'", pytrace=False)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def demo_province(pg: System) -> dict[str, int]:
    """The demo province of `make run` (two agencies, one user per role, the default diagrams,
    demo signing keys) on PostgreSQL. Returns the user ids by username."""
    import sqlalchemy as sa

    from documents.models import User

    with unit_of_work(pg.sessions) as session:
        demo.seed(session, pg.runtime, pg.keystore)
        return {name: user_id for name, user_id in session.execute(sa.select(User.username, User.id))}


@pytest.fixture
def demo_server(pg: System, demo_province: dict) -> Iterator[str]:
    """The app on a real loopback port, without the in-process worker (tests drain by hand)."""
    with live_server(create_app(pg, start_worker=False)) as base:
        yield base


@pytest.fixture
def open_page(chromium_browser, demo_server: str) -> Iterator[Callable[..., object]]:
    """open_page(username=None, *, phone=False, locale="vi") → a Playwright page, logged in as
    ``username`` (the demo password) when given, in a context of its own."""
    contexts = []

    def open_(username: str | None = None, *, phone: bool = False, locale: str = "vi"):
        context = chromium_browser.new_context(viewport=PHONE if phone else LAPTOP,
                                               locale="vi-VN" if locale == "vi" else "en-GB",
                                               is_mobile=phone, has_touch=phone)
        contexts.append(context)
        if locale != "vi":
            context.add_cookies([{"name": "lang", "value": locale, "url": demo_server}])
        page = context.new_page()
        page.set_default_timeout(10_000)
        if username:
            log_in(page, demo_server, username)
        return page

    yield open_
    for context in contexts:
        context.close()


def log_in(page, server: str, username: str, password: str = demo.DEMO_PASSWORD) -> None:
    page.goto(f"{server}/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state()


def screenshot(page, name: str) -> Path:
    """Save the whole page as <QLVBDH_SCREENSHOTS>/<name>.png (CI keeps the folder)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_accessible(page, *, exclude: tuple[str, ...] = ()) -> None:
    """axe-core (from the npm lock file) on the current page: no serious or critical violation.
    Evaluated through the DevTools protocol, so the page's CSP needs no exception for it."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make frontend` (npm ci)", pytrace=False)
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async (exclude) => {
             const context = exclude.length ? {exclude: exclude.map((s) => [s])} : document;
             const r = await axe.run(context, {resultTypes: ["violations"]});
             return r.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
               .map((v) => ({id: v.id, impact: v.impact, help: v.help,
                             nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" "))}));
           }""", list(exclude))
    assert result == [], f"accessibility violations on {page.url}: {result}"


def assert_fits_width(page) -> None:
    """Nothing wider than the viewport: the page never scrolls sideways (tables scroll inside
    their own box)."""
    # Against the viewport asked for: on a phone the layout viewport itself grows to fit
    # what overflows, so window.innerWidth would hide the overflow it measures.
    wide = page.evaluate("() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")
    width = page.viewport_size["width"]
    assert wide <= width, f"{page.url} is {wide} px wide in a {width} px viewport"
