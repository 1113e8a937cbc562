"""Backends for the whole suite.

By default every test runs on a fresh SQLite file and in-process counters.
Set both (or either) of

    SENDABLE_TEST_DB=postgresql://user:pass@127.0.0.1:5432/db
    SENDABLE_TEST_REDIS=redis://127.0.0.1:6379/0

(`eval "$(bash ci/services.sh)"` starts both and prints them) and the same
tests run on PostgreSQL (a scratch schema per test, dropped after) and Redis
(a scratch key prefix per test, deleted after). A backend that was asked for
and does not answer fails every test with the reason: never a skip.

Fixtures for tests in any folder:
- `db_url`: a fresh database (a path or URL to pass to `Service.open` or `--db`);
- `counters_uri`: fresh counters (None for in-process, or a Redis URL for `--redis`);
- `open_service(policy=None, clock=None)`: a migrated `Service` on both (every call
  on the same two, like several nodes of one deployment), closed after;
- `scratch_backend()`: another fresh (database, counters) pair on each call;
- `backends`: (SENDABLE_TEST_DB, SENDABLE_TEST_REDIS) as given, for `run_paths` and
  the like, which make their own scratch storage.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from sendable.store.temporary import (
    BackendUnreachable,
    check_db,
    check_redis,
    is_server_db,
    temporary_counters,
    temporary_db,
)

TEST_DB = os.environ.get("SENDABLE_TEST_DB") or None
TEST_REDIS = os.environ.get("SENDABLE_TEST_REDIS") or None


# Tests that run on the asked-for database and counters: those reaching them through
# these fixtures, and tests/scale. Every other test starts its own SQLite server or
# needs no store, so a run on PostgreSQL + Redis can be limited to these with
# `pytest -m backend` (.ci/run does, after the whole suite on SQLite).
BACKEND_FIXTURES = {"db_url", "counters_uri", "scratch_backend", "open_service",
                    "shared_backend"}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "backend: runs on the asked-for database and counters")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        asks = "backends" in getattr(getattr(item, "_fixtureinfo", None), "argnames", ())
        if used & BACKEND_FIXTURES or asks or "tests/scale/" in item.nodeid:
            item.add_marker(pytest.mark.backend)


def pytest_report_header(config: pytest.Config) -> str:
    db = "PostgreSQL (SENDABLE_TEST_DB)" if is_server_db(TEST_DB) else "SQLite"
    counters = "Redis (SENDABLE_TEST_REDIS)" if TEST_REDIS else "in-process"
    return f"sendable backends: database {db}, counters {counters}"


@pytest.fixture(scope="session")
def backends() -> tuple[str | None, str | None]:
    """The servers this run was asked to use; fails (never skips) when one is down."""
    problem = None
    try:
        if TEST_DB:
            if not is_server_db(TEST_DB):
                raise BackendUnreachable(
                    f"SENDABLE_TEST_DB must be a postgresql:// URL, not {TEST_DB!r}")
            check_db(TEST_DB)
        if TEST_REDIS:
            check_redis(TEST_REDIS)
    except BackendUnreachable as error:
        problem = str(error)
    if problem:
        pytest.fail(f"asked-for test backend unavailable: {problem}", pytrace=False)
    return TEST_DB, TEST_REDIS


@pytest.fixture(autouse=True)
def _backends_answer(backends: tuple[str | None, str | None]) -> None:
    """Every test depends on the asked-for servers answering."""


@pytest.fixture
def db_url() -> Iterator[str]:
    with temporary_db(TEST_DB) as url:
        yield url


@pytest.fixture
def counters_uri() -> Iterator[str | None]:
    with temporary_counters(TEST_REDIS) as uri:
        yield uri


@pytest.fixture
def scratch_backend() -> Iterator[Callable[[], tuple[str, str | None]]]:
    with ExitStack() as stack:
        def make() -> tuple[str, str | None]:
            return (stack.enter_context(temporary_db(TEST_DB)),
                    stack.enter_context(temporary_counters(TEST_REDIS)))

        yield make


@pytest.fixture
def open_service(db_url: str, counters_uri: str | None) -> Iterator[Callable[..., Any]]:
    """Open Services on this test's database and counters (all share them, like nodes)."""
    from sendable.policy import build_policy
    from sendable.service import Service

    opened: list[Service] = []

    def make(policy: Any = None, clock: Any = None) -> Service:
        if policy is None or isinstance(policy, dict):
            policy = build_policy(policy or {})
        service = Service.open(db_url, policy, clock, counters_uri)
        opened.append(service)
        return service

    yield make
    for service in opened:
        service.close()
