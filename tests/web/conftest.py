"""Browser tests: Playwright drives Debian's Chromium against a real `sendable serve`.

The server is a real process on a free loopback port with a temp SQLite file. The
moderator account is made through the Service on that file before the server starts
(there is no sign-up for moderators). Every test makes fresh accounts. Each page a
test looks at is saved to artifacts/screenshots/ (gitignored) for a person to check.
No browser is ever downloaded: without /usr/bin/chromium (ci/browser.sh installs it)
these tests are skipped.
"""

from __future__ import annotations

import itertools
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from serving import free_port, start_serve, stop_serve

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
PASSWORD = "correct horse battery"
MOD_HANDLE, MOD_PASSWORD = "moderator1", "moderator password"
POLICY = """
[new_accounts]
days = 0

[rate_limits]
messages = ["6/minute", "600/hour"]
"""
_counter = itertools.count(1)

sync_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    pytest.skip("Debian's chromium is not installed (run ci/browser.sh)",
                allow_module_level=True)


@dataclass
class Server:
    url: str
    db: Path
    process: subprocess.Popen
    log: Path  # the server's output; its console mailer prints verification mails here


def _make_moderator(db: Path, policy: Path) -> None:
    from sendable.policy import load_policy
    from sendable.service import Service
    from sendable.shell.auth import Auth

    service = Service.open(str(db), load_policy(policy))
    try:
        service.create_account(MOD_HANDLE, password_hash=Auth(service).hash_password(MOD_PASSWORD),
                               role="moderator", verified=True, birthdate="1990-01-01")
    finally:
        service.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    workdir = tmp_path_factory.mktemp("web")
    db, policy = workdir / "web.db", workdir / "policy.toml"
    policy.write_text(POLICY)
    _make_moderator(db, policy)
    port = free_port()
    log = workdir / "server.log"
    process = start_serve(port, ["--db", str(db), "--policy", str(policy), "--poll", "0.5"],
                          log)
    yield Server(f"http://127.0.0.1:{port}", db, process, log)
    stop_serve(process)


ROOMY_POLICY = """
[new_accounts]
days = 0

[rate_limits]
messages = ["1000/minute"]
new_conversations = ["1000/minute"]
"""


@pytest.fixture(scope="session")
def roomy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A second server whose limits let a test write long conversations quickly."""
    workdir = tmp_path_factory.mktemp("roomy")
    db, policy = workdir / "roomy.db", workdir / "policy.toml"
    policy.write_text(ROOMY_POLICY)
    log = workdir / "server.log"
    port = free_port()
    process = start_serve(port, ["--db", str(db), "--policy", str(policy), "--poll", "0.5"],
                          log)
    yield Server(f"http://127.0.0.1:{port}", db, process, log)
    stop_serve(process)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                     headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser, server: Server):  # type: ignore[no-untyped-def]
    """new_page(width=1100) -> a Page in its own browser context (its own cookies)."""
    contexts = []

    def make(width: int = 1100, height: int = 800, url: str | None = None,
             **options: object):  # type: ignore[no-untyped-def]
        context = browser.new_context(base_url=url or server.url,
                                      viewport={"width": width, "height": height}, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


class UI:
    """What the tests do with pages, as one fixture (test modules import no conftest)."""

    password = PASSWORD
    mod_handle, mod_password = MOD_HANDLE, MOD_PASSWORD

    @staticmethod
    def unique(prefix: str) -> str:
        return f"{prefix}{next(_counter)}_{os.getpid() % 1000}"

    @staticmethod
    def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    def sign_up(self, page, handle: str, screenshot: str | None = None) -> None:  # type: ignore[no-untyped-def]
        page.goto("/signup")
        page.get_by_label("Handle").fill(handle)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_label("Date of birth").fill("1990-04-01")
        if screenshot:
            self.shot(page, screenshot)
        page.get_by_role("button", name="Create account").click()
        page.wait_for_url("**/inbox")

    @staticmethod
    def log_in(page, handle: str, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
        page.goto("/login")
        page.get_by_label("Handle").fill(handle)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/inbox")

    @staticmethod
    def wait_live(page) -> None:  # type: ignore[no-untyped-def]
        """Wait until the page's stream is connected (the body says so)."""
        page.wait_for_selector("body[data-live='on']", state="attached")


@pytest.fixture(scope="session")
def ui() -> UI:
    return UI()
