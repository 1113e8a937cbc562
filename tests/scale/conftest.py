"""Helpers for the scale tests: which servers this run was given, and real nodes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from sendable.counters.redis import RedisCounters
from sendable.scratch import is_server_db, scratch_counters, scratch_db

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
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def shared_backend(backends: tuple[str | None, str | None]) -> Iterator[tuple[str, str]]:
    """One scratch PostgreSQL schema and one Redis prefix for a module's nodes."""
    db, redis_uri = backends
    if not (is_server_db(db) and redis_uri):
        pytest.skip(NODES_HINT)
    with scratch_db(db) as db_url, scratch_counters(redis_uri) as counters:
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
        port = _free_port()
        policy_file = workdir / f"policy-{port}.toml"
        policy_file.write_text(policy)
        log = workdir / f"node-{port}.log"
        cmd = [sys.executable, "-c", "from sendable.cli import app; app()", "serve",
               "--port", str(port), "--db", db_url, "--redis", redis_uri,
               "--policy", str(policy_file), "--poll", str(poll), "--quiet",
               "--mail", f"file:{workdir / 'mail.jsonl'}"]
        process = subprocess.Popen(cmd, stdout=log.open("w"), stderr=subprocess.STDOUT,
                                   env={**os.environ, "PYTHONUNBUFFERED": "1"})
        node = Node(f"http://127.0.0.1:{port}", process, log)
        started.append(node)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"node exited:\n{log.read_text()}")
            try:
                if httpx.get(f"{node.url}/healthz", timeout=1).status_code == 200:
                    return node
            except httpx.HTTPError:
                time.sleep(0.1)
        node.stop(signal.SIGKILL)
        raise RuntimeError(f"node did not start:\n{log.read_text()}")

    yield start
    for node in started:
        node.stop()
