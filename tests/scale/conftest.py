"""Helpers for the scale tests: which servers this run was given, and real nodes."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sendable.counters.redis import RedisCounters
from sendable.store.temporary import is_server_db, temporary_counters, temporary_db
from serving import free_port, start_serve, stop_serve

TEST_REDIS_HINT = "needs Redis: set SENDABLE_TEST_REDIS (eval \"$(bash ci/services.sh)\")"


@pytest.fixture
def redis_counters(counters_uri: str | None) -> RedisCounters:
    """RedisCounters on this test's scratch prefix; only in a run given a Redis."""
    if not counters_uri:
        pytest.skip(TEST_REDIS_HINT)
    counters = RedisCounters(counters_uri)
    yield counters
    counters.close()


# -- real `sendable serve` nodes on one PostgreSQL and one Redis ---------------------

NODES_HINT = ("two nodes need PostgreSQL and Redis: set SENDABLE_TEST_DB and "
              "SENDABLE_TEST_REDIS (eval \"$(bash ci/services.sh)\")")


@dataclass
class Node:
    """One `sendable serve` process."""

    url: str
    process: subprocess.Popen
    log: Path

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        stop_serve(self.process, sig)


@pytest.fixture(scope="module")
def shared_backend(backends: tuple[str | None, str | None]) -> Iterator[tuple[str, str]]:
    """One scratch PostgreSQL schema and one Redis prefix for a module's nodes."""
    db, redis_uri = backends
    if not (is_server_db(db) and redis_uri):
        pytest.skip(NODES_HINT)
    with temporary_db(db) as db_url, temporary_counters(redis_uri) as counters:
        assert counters is not None
        yield db_url, counters


@pytest.fixture(scope="module")
def start_node(shared_backend: tuple[str, str],
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Node]]:
    """start_node(policy_text, poll=0.5) -> a serving Node on the module's backend;
    every node still running at the end is stopped."""
    db_url, redis_uri = shared_backend
    workdir = tmp_path_factory.mktemp("nodes")
    started: list[Node] = []

    def start(policy: str, poll: float = 0.5) -> Node:
        port = free_port()
        policy_file = workdir / f"policy-{port}.toml"
        policy_file.write_text(policy)
        log = workdir / f"node-{port}.log"
        process = start_serve(port, ["--db", db_url, "--redis", redis_uri,
                                     "--policy", str(policy_file), "--poll", str(poll), "--quiet",
                                     "--mail", f"file:{workdir / 'mail.jsonl'}"], log, timeout=60)
        node = Node(f"http://127.0.0.1:{port}", process, log)
        started.append(node)
        return node

    yield start
    for node in started:
        node.stop()
