"""The command line as a user runs it: `python -m sendable …` in a real process, with a
home of its own (so the default database and the client's sessions are the test's,
never the machine's), and real `sendable serve` processes on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

_OURS = ("SENDABLE_DB", "SENDABLE_REDIS", "SENDABLE_POLICY", "SENDABLE_SERVER",
         "SENDABLE_HOST", "SENDABLE_PORT", "SENDABLE_MAIL", "SENDABLE_LOG_FORMAT",
         "SENDABLE_MODERATOR", "SENDABLE_DEMO", "SENDABLE_POLL", "SENDABLE_PASSWORD",
         "SENDABLE_RETRAIN_EVERY")

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def user_env(home: Path) -> dict[str, str]:
    """The environment of a user whose home is `home` (no SENDABLE_* of the runner's)."""
    env = {k: v for k, v in os.environ.items() if k not in _OURS}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"),
               XDG_CONFIG_HOME=str(home / "config"), SENDABLE_HOME=str(home / "client"),
               PYTHONUNBUFFERED="1", COLUMNS="200")
    return env


@pytest.fixture
def default_db(home: Path) -> Path:
    """Where the commands put the database when no --db is given (Linux layout)."""
    return home / "data" / "sendable" / "sendable.db"


@pytest.fixture
def cli(user_env: dict[str, str], tmp_path: Path) -> Iterator[Run]:
    def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "sendable", *args], capture_output=True,
                              text=True, cwd=cwd or tmp_path, timeout=timeout,
                              env={**user_env, **(env or {})})

    yield run
