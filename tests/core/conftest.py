"""A real service with a fixed clock, on a fresh database and counters of the run's
backends (SQLite and in-process by default; see tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sendable.clock import FixedClock, parse_iso
from sendable.policy import build_policy
from sendable.service import Service

START = parse_iso("2026-06-01T12:00:00Z")
YEAR = 365 * 86400.0


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def make_service(scratch_backend, clock) -> Iterator:  # type: ignore[no-untyped-def]
    opened: list[Service] = []

    def make(policy: dict | None = None, accounts: tuple[str, ...] = ("alice", "bob")) -> Service:
        db, counters = scratch_backend()
        service = Service.open(db, build_policy(policy), clock, counters)
        for handle in accounts:
            service.create_account(handle, created_at=START - YEAR, verified=True,
                                   birthdate="1990-01-01")
        opened.append(service)
        return service

    yield make
    for service in opened:
        service.close()
