"""Helpers of the hardening tests (leaks, sign-in throttles, streams): real
`sendable serve` processes on loopback, fresh accounts, browser-like sessions."""

from __future__ import annotations

import itertools
import os
import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from serving import User, free_port, start_serve, stop_serve

PASSWORD = "correct horse battery"
ADULT = "1990-01-01"  # accounts are adults unless a test gives another date
BASE_POLICY = """
[new_accounts]
days = 0

[rate_limits]
messages = ["200/hour"]
new_conversations = ["200/hour"]

[guidelines.extra_terms]
misinformation = ["miracle cure"]
"""
_counter = itertools.count(1)


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path
    db: Path
    args: list[str]
    env: dict[str, str]

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://")

    def stop(self) -> None:
        stop_serve(self.process)

    def restart(self) -> None:
        """Stop and start again on the same database and port."""
        self.stop()
        port = int(self.url.rsplit(":", 1)[1])
        self.process = start_serve(port, self.args, self.log, env=self.env)


def start(workdir: Path, policy: str = "", env: dict[str, str] | None = None,
          *extra: str, db_url: str | None = None) -> Server:
    port = free_port()
    policy_file = workdir / f"policy-{port}.toml"
    policy_file.write_text(BASE_POLICY + policy)
    db = workdir / f"hard-{port}.db"
    args = ["--db", db_url or str(db), "--policy", str(policy_file), "--poll", "0.5",
            "--mail", f"file:{workdir / 'mail.jsonl'}", *extra]
    log = workdir / f"server-{port}.log"
    process = start_serve(port, args, log, env=env)
    return Server(f"http://127.0.0.1:{port}", process, log, db, args, env or {})


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = start(tmp_path_factory.mktemp("hard"), "",
                {"SENDABLE_METRICS_TOKEN": "operator-secret-token"})
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def http(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=15) as client:
        yield client


def handle_for(prefix: str) -> str:
    return f"{prefix}{next(_counter)}_{os.getpid() % 1000}"


def make_user(http: httpx.Client, prefix: str = "u", **fields: object) -> User:
    handle = handle_for(prefix)
    r = http.post("/v1/accounts", json={"handle": handle, "password": PASSWORD,
                                          "birthdate": ADULT, **fields})
    assert r.status_code == 201, r.text
    r = http.post("/v1/sessions", json={"handle": handle, "password": PASSWORD})
    assert r.status_code == 201, r.text
    return User(handle, r.json()["token"])


@pytest.fixture
def user(http: httpx.Client):  # type: ignore[no-untyped-def]
    def make(prefix: str = "u", **fields: object) -> User:
        return make_user(http, prefix, **fields)
    return make


def settings(http: httpx.Client, who: User, **values: object) -> None:
    r = http.patch("/v1/me/settings", json=values, headers=who.auth)
    assert r.status_code == 200, r.text


@contextmanager
def browser(url: str, handle: str, password: str = PASSWORD,
            local_address: str | None = None) -> Iterator[httpx.Client]:
    """A signed-in browser-like client (session cookie, CSRF from the log-in form)."""
    transport = httpx.HTTPTransport(local_address=local_address) if local_address else None
    client = httpx.Client(base_url=url, timeout=15, transport=transport,
                          follow_redirects=False)
    page = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf, page.text[:500]
    r = client.post("/login", data={"csrf": csrf.group(1), "handle": handle,
                                    "password": password})
    assert r.status_code == 303, r.text[:500]
    try:
        yield client
    finally:
        client.close()


def page_csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html) or \
        re.search(r'name="sendable-csrf" content="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)
