"""Helpers of the hardening tests: a real server on its own SQLite file, raw JSON,
browser-like page clients with their CSRF field."""

from __future__ import annotations

import hashlib
import hmac
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))
from apikit import ADULT, DEMO_PASSWORD, PASSWORD, login, mutual, user_maker  # noqa: E402,F401

from serving import User, free_port, start_serve  # noqa: E402

ROOMY = """
[new_accounts]
days = 0

[rate_limits]
messages = ["100000/minute"]
new_conversations = ["100000/hour"]
group_messages = ["100000/minute"]

# The forms tests post wrong passwords from this address, which would slow every
# later sign-in of the shared server; the throttle has tests of its own
# (test_auth_throttle.py).
[auth]
signups_per_address = ["100000/hour"]
logins_per_address = ["100000/minute"]
logins_per_account = ["100000/minute"]
free_failures = 1000
"""
POISON = "POISON-PILL"  # a text holding this fails in the store once `poison` is on


@dataclass
class Hard:
    """A server on its own SQLite file, for tests that reach into the file."""
    url: str
    db: Path
    workdir: Path
    process: object

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://")

    @property
    def log(self) -> Path:
        return self.workdir / "server.log"


def start(workdir: Path, *extra: str, db: Path | None = None) -> Hard:
    policy = workdir / "policy.toml"
    policy.write_text(ROOMY)
    db = db or workdir / "hard.db"
    port = free_port()
    process = start_serve(port, ["--db", str(db), "--policy", str(policy), "--poll", "0.5",
                                 "--mail", f"file:{workdir / 'mail.jsonl'}", *extra],
                          workdir / "server.log")
    return Hard(f"http://127.0.0.1:{port}", db, workdir, process)


def raw_json(http: httpx.Client, method: str, path: str, body: bytes,
             who: User | None = None) -> httpx.Response:
    """A request whose JSON is sent byte for byte (a lone surrogate's escape survives)."""
    headers = {"content-type": "application/json", **(who.auth if who else {})}
    return http.request(method, path, content=body, headers=headers)


def csrf_for(token: str) -> str:
    """The CSRF field a signed-in page's forms carry (web/session.py)."""
    return hmac.new(token.encode(), b"sendable-web-csrf", hashlib.sha256).hexdigest()


def page_client(hard: Hard, who: User | None) -> httpx.Client:
    """A browser-like client: the session cookie of `who`, or none (the signed-out
    forms' double-submit cookie is set instead)."""
    cookies = {"sendable_session": who.token} if who else {"sendable_csrf": "anon-csrf"}
    return httpx.Client(base_url=hard.url, timeout=30, cookies=cookies,
                        headers={"accept": "text/html"})


def form_csrf(who: User | None) -> str:
    return csrf_for(who.token) if who else "anon-csrf"
