"""Shared fixtures of the simulator's browser tests: Debian's Chromium through Playwright,
a phone-sized page that may only talk to 127.0.0.1, and no console errors allowed."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, Page, Request, Route, async_playwright

from adapters.web.app import bound_port, start_web
from bot.app import build_core
from bot.settings import Settings

REPO = Path(__file__).resolve().parents[3]

CHROMIUM = Path("/usr/bin/chromium")
WIDTH, HEIGHT = 360, 740
LAUNCH_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.exists():
        if os.environ.get("REQUIRE_CHROMIUM"):
            pytest.fail("Chromium is required here (REQUIRE_CHROMIUM) but /usr/bin/chromium is missing")
        pytest.skip("Chromium not installed: apt-get install chromium")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


async def open_page(browser: Browser, base_url: str) -> AsyncIterator[Page]:
    """A phone-sized page on ``base_url``; on exit, fails if the page reached beyond
    127.0.0.1 or logged an error or warning (CSP and Trusted Types violations land there)."""
    context = await browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, base_url=base_url,
                                        service_workers="block")
    outside: list[str] = []
    problems: list[str] = []

    async def only_localhost(route: Route, request: Request) -> None:
        if urlsplit(request.url).hostname == "127.0.0.1":
            await route.fallback()
        else:
            outside.append(request.url)
            await route.abort()

    await context.route("**/*", only_localhost)
    page = await context.new_page()
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    # Failed requests ("Failed to load resource") are provoked on purpose and checked where they happen.
    page.on("console", lambda message: problems.append(f"console {message.type}: {message.text}")
            if message.type in ("error", "warning") and not message.text.startswith("Failed to load resource")
            else None)
    try:
        yield page
    finally:
        await context.close()
    assert outside == [], f"the page tried to reach beyond 127.0.0.1: {outside}"
    assert problems == [], problems


async def no_horizontal_scroll(page: Page) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH, f"page is {width}px wide on a {WIDTH}px screen"


@asynccontextmanager
async def simulator(tmp_path: Path, *, demo_school: bool) -> AsyncIterator[str]:
    """The simulator on a free port with the real playbooks and a fresh SQLite file;
    ``demo_school``: with ``school.example.yaml`` (incidents), else without a school."""
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/t.db", playbooks_dir=REPO / "playbooks",
                        school_config=tmp_path / "no-school.yaml")
    core = await build_core(settings, fallback_school=REPO / "school.example.yaml" if demo_school else None)
    runner = await start_web(core, "127.0.0.1", 0)
    try:
        assert core.library.get("naaktbeeld-sexting") is not None, core.playbook_problems
        assert (core.directory is not None) == demo_school
        yield f"http://127.0.0.1:{bound_port(runner)}"
    finally:
        await runner.cleanup()
        await core.close()


@pytest.fixture
async def page(browser: Browser, base_url: str) -> AsyncIterator[Page]:
    """A page on the test module's ``base_url``."""
    async for opened in open_page(browser, base_url):
        yield opened
