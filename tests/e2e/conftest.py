"""Browser tests: Playwright drives Debian's Chromium (/usr/bin/chromium) headless."""

import contextlib
import os
import shutil
import threading

import pytest
from django.core.signals import request_finished, request_started

from tests.helpers.workflow import log_in

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests
# make from that thread are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.path):
            item.add_marker(pytest.mark.e2e)


class InFlight:
    """How many requests Django is answering now, in any thread (the live server's)."""

    def __init__(self):
        self.count = 0
        self.changed = threading.Condition()

    def started(self, **kwargs):
        with self.changed:
            self.count += 1

    def finished(self, **kwargs):
        with self.changed:
            self.count -= 1
            self.changed.notify_all()

    def wait_until_none(self, timeout: float) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: self.count <= 0, timeout=timeout)


@pytest.fixture(autouse=True)
def requests_answered_before_the_flush(transactional_db):
    """A test that closes its browser leaves the live server answering what the page had
    in flight (a debounced preview, an autosave, the markdown previews): the flush of the
    tables after the test, a TRUNCATE, would meet that request's writes, a deadlock under
    load. Set up after the database, so torn down before its flush: waits for them."""
    in_flight = InFlight()
    request_started.connect(in_flight.started, dispatch_uid="e2e-in-flight-started")
    request_finished.connect(in_flight.finished, dispatch_uid="e2e-in-flight-finished")
    yield
    try:
        in_flight.wait_until_none(timeout=15)
    finally:
        request_started.disconnect(dispatch_uid="e2e-in-flight-started")
        request_finished.disconnect(dispatch_uid="e2e-in-flight-finished")


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}; .ci/run installs Debian's chromium.")
        pytest.skip(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, transactional_db):
    # Asking for the database here sets it up before the page and tears it down after the
    # page is closed: a request the page still has in flight (an autosave, a preview) then
    # cannot meet the flush of the tables (a deadlock under load).
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    # Let the page's last requests (a debounced preview, an autosave) finish before the
    # tables are flushed: the live server would still be answering them.
    with contextlib.suppress(Exception):  # a page that never goes idle is closed anyway
        page.wait_for_load_state("networkidle", timeout=5_000)
    context.close()


def dialogs_on_leaving(page, to: str = "/admin/", *, leave: bool = False) -> list[str]:
    """The dialogs `page` shows when sent to `to`, each dismissed (the page stays), or
    accepted with `leave` (the page goes, and this waits until it is at `to`): waits for the
    first, so a slow moment of the machine is not taken for no dialog; fails if none comes
    within 10 s."""
    shown = []

    def answer(dialog):
        shown.append(dialog.type)
        dialog.accept() if leave else dialog.dismiss()

    page.on("dialog", answer)
    try:
        with page.expect_event("dialog", timeout=10_000):
            page.evaluate("(to) => { window.location.href = to; }", to)
    finally:
        page.remove_listener("dialog", answer)
    if leave:
        page.wait_for_url(f"**{to}")
    return shown


def screenshot_taker(docs, tmp_path):
    """A shoot(target, name) that writes into docs with UPDATE_SCREENSHOTS=1, else into tmp."""
    folder = docs if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)

    def shoot(target, name):
        path = folder / f"{name}.png"
        target.screenshot(path=str(path))
        assert path.stat().st_size > 1000

    return shoot


def logged_in_page(browser, live_server, next_path: str, *, username: str = "eddie", **context):
    """A new page of a new browser context, logged in through the admin's login form and
    landed on `next_path`; viewport 1280 x 900 unless `context` says otherwise."""
    context.setdefault("viewport", {"width": 1280, "height": 900})
    page = browser.new_context(**context).new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server.url, username, next_path)
    return page
