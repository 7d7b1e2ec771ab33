"""The console in a real browser: Debian's Chromium, headless, driven by Playwright, against
`alertstatus serve` as `make run` starts it, on the test session's real node.

Playwright's own browser download is never used (this machine reaches no CDN): `make test`
installs Debian's `chromium` and passes its path in `CHROMIUM`. In CI a missing browser fails
the run; elsewhere the browser tests are skipped with the reason. A failed test leaves a
screenshot in `test-results/screenshots/`.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from alertstatus.auth.hashing import hash_secret
from tests.serving import served

SCREENSHOTS = Path("test-results/screenshots")
# As the machine's notes say Chromium must start here: no background traffic to a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the test, so the `page` fixture knows it failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


# Module scope, not session: Playwright's sync API runs an event loop in the test thread while
# it is open, and the tests that follow on the same worker call `asyncio.run` (the CLI's tests,
# the unit tests of async code). pytest ends a module's fixtures before the next module's tests.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).is_file():
        message = f"no Chromium at {chromium} (make test installs Debian's chromium)"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
    yield launched
    launched.close()


# A Basic user of the served service (ALERTSTATUS_AUTH_USERS), for the user-and-password sign-in.
BASIC_USER, BASIC_PASSWORD = "ann", "console-password-1"


@pytest.fixture(scope="module")
def console_url(es_url: str) -> Iterator[str]:
    """The service as `make run` serves it (authentication on), on a free port."""
    users = [
        {
            "username": BASIC_USER,
            "password_hash": hash_secret(BASIC_PASSWORD),
            "role": "analyst",
            "spaces": None,
        }
    ]
    env = {"ALERTSTATUS_LOG_FORMAT": "text", "ALERTSTATUS_AUTH_USERS": json.dumps(users)}
    with served(es_url, env) as (url, _):
        yield url


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh browser context (no cookies) at 1280x800; a screenshot if the test fails."""
    context = browser.new_context(viewport=DESKTOP, locale="en-GB", timezone_id="Europe/Paris")
    context.set_default_timeout(20_000)
    opened = context.new_page()
    messages: list[str] = []
    opened.on("pageerror", lambda error: messages.append(f"page error: {error}"))
    opened.on("console", lambda line: messages.append(f"console {line.type}: {line.text}"))
    yield opened
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        opened.screenshot(path=SCREENSHOTS / f"{request.node.name}.png", full_page=True)
        print("\n".join(messages))
    context.close()


@pytest.fixture
def console_space(
    console_url: str, admin_authorization: str, seed: Callable[..., Any]
) -> Callable[..., str]:
    """Make a space through the Spaces API (the console lists spaces from it) and seed alerts
    into it, spread over the last `days` days; returns the space id."""

    def make(count: int, days: float = 6.0, **options: Any) -> str:
        space_id = f"console-{uuid.uuid4().hex[:10]}"
        created = httpx.post(
            f"{console_url}/api/spaces/space",
            json={"id": space_id, "name": f"SOC {space_id[-4:]}"},
            headers={"authorization": admin_authorization, "kbn-xsrf": "tests"},
            timeout=30,
        )
        assert created.status_code == 200, created.text
        end = datetime.now(UTC) - timedelta(minutes=5)
        seed(space_id, count, start=end - timedelta(days=days), end=end, **options)
        return space_id

    return make


def snap(page: Page, name: str) -> None:
    """With CONSOLE_SCREENSHOTS=<dir>, keep a picture of this screen (docs/console.md's come
    from `make console-screenshots`)."""
    if folder := os.environ.get("CONSOLE_SCREENSHOTS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=Path(folder) / f"{name}.png")


def sign_in(page: Page, url: str, authorization: str, query: str = "") -> None:
    """The sign-in form with an API key (the encoded part of `ApiKey <encoded>`)."""
    page.goto(f"{url}/app/{query}")
    page.get_by_label("API key (encoded)").fill(authorization.removeprefix("ApiKey "))
    page.get_by_role("button", name="Sign in").click()
    page.locator("#whoami").wait_for(state="visible")
