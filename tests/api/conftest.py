"""A real `sendable serve` process on loopback, shared by the API tests.

The server runs on the system clock, so tests never wait for time to pass: the
policy below has small limits that a test reaches by sending, and every test
makes fresh accounts so that one test's counters never touch another's.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import httpx
import pytest
from apikit import ADULT, DEMO_PASSWORD, PASSWORD, Server, User, login, start_server, stop_server

_counter = itertools.count(1)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = start_server(tmp_path_factory.mktemp("api"), "--demo")
    yield srv
    stop_server(srv)


@pytest.fixture(scope="session")
def http(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


@pytest.fixture
def user(http: httpx.Client):  # type: ignore[no-untyped-def]
    """Make a fresh signed-in account: user("name") -> User."""

    def make(prefix: str = "u", **fields: object) -> User:
        handle = f"{prefix}{next(_counter)}_{os.getpid() % 1000}"
        r = http.post("/v1/accounts", json={"handle": handle, "password": PASSWORD,
                                            "birthdate": ADULT, **fields})
        assert r.status_code == 201, r.text
        return login(http, handle)

    return make


@pytest.fixture(scope="session")
def mod(http: httpx.Client) -> User:
    return login(http, "mod", DEMO_PASSWORD)
