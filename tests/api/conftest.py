"""A real `sendable serve` process on loopback, shared by the API tests.

The server runs on the system clock, so tests never wait for time to pass: the
policy below has small limits that a test reaches by sending, and every test
makes fresh accounts so that one test's counters never touch another's.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from apikit import DEMO_PASSWORD, Server, User, login, start_server, stop_server, user_maker


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
    return user_maker(http, "u")


@pytest.fixture(scope="session")
def mod(http: httpx.Client) -> User:
    return login(http, "mod", DEMO_PASSWORD)
