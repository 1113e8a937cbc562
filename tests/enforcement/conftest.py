"""A real Service on a temp SQLite file, a fixed clock and a file mailer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from world import START, World

from sendable.clock import FixedClock
from sendable.policy import build_policy
from sendable.service import Service
from sendable.shell.mailer import FileMailer


@pytest.fixture
def make_world(tmp_path: Path) -> Iterator[Callable[..., World]]:
    made: list[Service] = []

    def make(policy: dict[str, Any] | None = None, name: str = "world") -> World:
        clock = FixedClock(START)
        mailer = FileMailer(tmp_path / f"{name}-mail.jsonl")
        service = Service.open(str(tmp_path / f"{name}.db"), build_policy(policy or {}), clock,
                               mailer=mailer)
        made.append(service)
        return World(service, clock, mailer)

    yield make
    for service in made:
        service.close()


@pytest.fixture
def world(make_world: Callable[..., World]) -> World:
    return make_world()
