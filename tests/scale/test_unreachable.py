"""A backend that was asked for and does not answer fails the run: never a skip."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sendable.store.temporary import BackendUnreachable, check_db, check_redis, temporary_db

DEAD_PG = "postgresql://nobody:nothing@127.0.0.1:1/none"
DEAD_REDIS = "redis://127.0.0.1:1/0"


def test_checks_name_the_unreachable_server() -> None:
    with pytest.raises(BackendUnreachable, match="127.0.0.1:1"):
        check_db(DEAD_PG)
    with pytest.raises(BackendUnreachable, match="Redis redis://127.0.0.1:1/0 is unreachable"):
        check_redis(DEAD_REDIS)
    with pytest.raises(BackendUnreachable), temporary_db(DEAD_PG):
        pass


@pytest.mark.parametrize("variable, url", [("SENDABLE_TEST_DB", DEAD_PG),
                                           ("SENDABLE_TEST_REDIS", DEAD_REDIS)])
def test_suite_fails_when_its_backend_is_down(tmp_path: Path, variable: str, url: str) -> None:
    tests = Path(__file__).resolve().parents[1]
    (tmp_path / "test_probe.py").write_text("def test_probe(open_service):\n"
                                            "    open_service()\n")
    env = {k: v for k, v in os.environ.items()
           if k not in ("SENDABLE_TEST_DB", "SENDABLE_TEST_REDIS")}
    env[variable] = url
    env["PYTHONPATH"] = str(tests)  # load the suite's top-level conftest, as any test would
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "conftest", "-p",
                           "no:cacheprovider", str(tmp_path)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert f"asked-for test backend unavailable: {'database' if 'DB' in variable else 'Redis'}" \
        in output
    assert "1 error" in output and "skipped" not in output and "passed" not in output
