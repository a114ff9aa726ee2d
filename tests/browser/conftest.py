"""A real server and a real headless Chromium (Debian's, driven by Playwright)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright._impl._api_structures import ViewportSize
from playwright.sync_api import Browser, Page, expect, sync_playwright

from registry.accounts.service import create_user
from registry.actors import SYSTEM
from registry.db import make_engine, unit_of_work
from tests.conftest import unique
from tests.live import LiveServer, serve

CHROMIUM = os.environ.get("REGISTRY_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# Flags for a machine without a display, sandbox or outside network.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE: ViewportSize = {"width": 412, "height": 915}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve(
        database_url,
        tmp_path_factory.mktemp("browser-keys"),
        tmp_path_factory.mktemp("browser-log") / "server.log",
    ) as live:
        yield live


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not at {CHROMIUM}: scripts/test installs Debian's chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def desktop(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    yield page
    context.close()


_axe = Axe()


def serious_violations(page: Page) -> list[str]:
    """WCAG 2.1 A/AA rules from axe-core; what is serious or critical, in words."""
    results = _axe.run(
        page,
        options={
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}
        },
    )
    found: list[Any] = results.response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in found
        if v.get("impact") in ("serious", "critical")
    ]


def screenshot(page: Page, name: str) -> None:
    """Saves a screenshot when REGISTRY_SCREENSHOTS names a folder (scripts/screenshots does)."""
    folder = os.environ.get("REGISTRY_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def audit_with_zoom(page: Page) -> None:
    """No serious or critical axe violation as the page is and at 200 % zoom (a CSS viewport
    of half the size, which is what zooming does to a page)."""
    problems = serious_violations(page)
    size = page.viewport_size or DESKTOP
    page.set_viewport_size({"width": size["width"] // 2, "height": size["height"] // 2})
    try:
        problems += [f"at 200 %: {p}" for p in serious_violations(page)]
    finally:
        page.set_viewport_size(size)
    assert problems == [], f"{page.url}: {problems}"


def coordinator(server: LiveServer, region_code: str, password: str) -> str:
    """A coordinator of the region who signs in with a password; their username."""
    engine = make_engine(server.env["REGISTRY_DATABASE_URL"])
    username = unique("coord")
    with unit_of_work(engine) as session:
        create_user(
            session,
            SYSTEM,
            username=username,
            role="coordinator",
            region_code=region_code,
            password=password,
        )
    engine.dispose()
    return username


def sign_in(page: Page, base_url: str, username: str, password: str) -> None:
    """Signs in through the form and waits for the dashboard."""
    page.goto(f"{base_url}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
