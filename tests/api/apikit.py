"""Helpers of the API tests: a real server process, signed-in users, sending."""

from __future__ import annotations

import itertools
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from serving import User, free_port, start_serve, stop_serve

POLICY = """
[new_accounts]
days = 0

[rate_limits]
messages = ["8/hour"]
new_conversations = ["100/hour"]
"""
PASSWORD = "correct horse battery"
DEMO_PASSWORD = "sendable-demo"
ADULT = "1990-01-01"  # accounts the tests make are adults unless a test says otherwise


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path

    @property
    def mail(self) -> Path:
        return self.log.parent / "mail.jsonl"

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://")


def start_server(workdir: Path, *extra: str) -> Server:
    port = free_port()
    policy = workdir / "policy.toml"
    policy.write_text(POLICY)
    log = workdir / f"server-{port}.log"
    process = start_serve(port, ["--db", str(workdir / "api.db"), "--policy", str(policy),
                                 "--poll", "0.5", "--mail", f"file:{workdir / 'mail.jsonl'}",
                                 *extra], log)
    return Server(f"http://127.0.0.1:{port}", process, log)


def stop_server(server: Server) -> None:
    stop_serve(server.process)


def login(http: httpx.Client, handle: str, password: str = PASSWORD) -> User:
    r = http.post("/v1/sessions", json={"handle": handle, "password": password})
    assert r.status_code == 201, r.text
    return User(handle, r.json()["token"])


_made = itertools.count(1)


def user_maker(http: httpx.Client, default_prefix: str) -> Callable[..., User]:
    """What the `user` fixtures give: make(prefix, **account fields) -> a fresh adult
    account, signed in; handles are unique across the test run's processes."""

    def make(prefix: str = default_prefix, **fields: object) -> User:
        handle = f"{prefix}{next(_made)}_{os.getpid() % 1000}"
        r = http.post("/v1/accounts", json={"handle": handle, "password": PASSWORD,
                                            "birthdate": ADULT, **fields})
        assert r.status_code == 201, r.text
        return login(http, handle)

    return make


def mutual(http: httpx.Client, a: User, b: User) -> None:
    for x, y in ((a, b), (b, a)):
        assert http.put(f"/v1/follows/{y.handle}", headers=x.auth).status_code == 200


def send(http: httpx.Client, sender: User, to: User | str, text: str = "hello",
         **extra: object) -> httpx.Response:
    handle = to if isinstance(to, str) else to.handle
    headers = {**sender.auth, **extra.pop("headers", {})}  # type: ignore[dict-item]
    return http.post("/v1/messages", json={"to": handle, "text": text, **extra}, headers=headers)
