"""Attacks on a real `sendable serve` process: bad input, failures injected into the
store, kills under load. Each test makes fresh accounts on a shared server whose
policy has room for many sends (the limits are not what these tests are about).

Failures are injected for real: a test adds a SQLite trigger to the server's own
database file that aborts the insert of a chosen text (`poison`), so the store
fails exactly as it would on a bad row, inside our code path, with no mock."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import httpx
import pytest
from hardkit import DEMO_PASSWORD, POISON, Hard, User, login, start, user_maker

from serving import stop_serve


@pytest.fixture(scope="session")
def hard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hard]:
    # On its own SQLite file whatever the suite's backend: the tests add triggers to it.
    srv = start(tmp_path_factory.mktemp("hard"), "--demo")
    yield srv
    stop_serve(srv.process)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def http(hard: Hard) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=hard.url, timeout=30) as client:
        yield client


@pytest.fixture
def user(http: httpx.Client):  # type: ignore[no-untyped-def]
    """Make a fresh signed-in account: user("name") -> User."""
    return user_maker(http, "h")


@pytest.fixture(scope="session")
def mod(http: httpx.Client) -> User:
    return login(http, "mod", DEMO_PASSWORD)


@pytest.fixture
def poison(hard: Hard) -> Iterator[str]:
    """While the test runs, the store fails every message (direct or group) whose text
    holds POISON: a trigger in the server's database aborts its insert."""
    with sqlite3.connect(hard.db, timeout=30) as conn:
        for table in ("messages", "group_messages"):
            conn.execute(f"CREATE TRIGGER IF NOT EXISTS poison_{table} BEFORE INSERT ON "
                         f"{table} WHEN NEW.text LIKE '%{POISON}%' "
                         "BEGIN SELECT RAISE(ABORT, 'injected failure'); END")
    yield POISON
    with sqlite3.connect(hard.db, timeout=30) as conn:
        for table in ("messages", "group_messages"):
            conn.execute(f"DROP TRIGGER IF EXISTS poison_{table}")


