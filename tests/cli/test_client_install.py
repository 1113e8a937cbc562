"""`pip install sendable` is the client alone: the SDK and the commands that talk to a
server over HTTP work without any of the server's packages, and a server command says
in one line which install it needs."""

from __future__ import annotations

import subprocess
import sys
import tomllib

import pytest
from clikit import ROOT, one_clear_line

from sendable.cli import SERVER_PACKAGES

# Run `sendable` as if none of the server's packages were installed.
_BLOCKED = f"""
import sys
from importlib.abc import MetaPathFinder
BLOCKED = {sorted(SERVER_PACKAGES)!r}
class Blocker(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None
sys.meta_path.insert(0, Blocker())
sys.argv[0] = "sendable"
from sendable.cli import main
main()
"""


def client_only(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", _BLOCKED, *args], capture_output=True,
                          text=True, env=env, timeout=60)


def test_the_client_commands_need_none_of_the_server(user_env) -> None:
    assert client_only("--version", env=user_env).returncode == 0
    helped = client_only("--help", env=user_env)
    assert helped.returncode == 0 and "login" in helped.stdout, helped.stderr
    doctor = client_only("doctor", "--server", "http://127.0.0.1:9", "--json", env=user_env)
    assert "Traceback" not in doctor.stderr, doctor.stderr
    assert doctor.returncode == 1 and '"network' in doctor.stdout
    login = client_only("login", "alice", "--password", "x", "--server", "http://127.0.0.1:9",
                        env=user_env)
    assert login.returncode == 2 and "Traceback" not in login.stderr, login.stderr
    code = ("from sendable.client import Client; import sys; "
            "assert not any(m.split('.')[0] in {blocked!r} for m in sys.modules)")
    sdk = subprocess.run([sys.executable, "-c", code.format(blocked=sorted(SERVER_PACKAGES))],
                         capture_output=True, text=True, timeout=60)
    assert sdk.returncode == 0, sdk.stderr


@pytest.mark.parametrize("command", [
    ["serve"], ["why", "alice", "bob"], ["mod", "queue"],
    ["scenario", "run", str(ROOT / "tests" / "scenarios")],
    ["spam", "eval", str(ROOT / "data" / "eval" / "spam_test.csv")],
])
def test_server_commands_name_the_install_they_need(user_env, command) -> None:
    line = one_clear_line(client_only(*command, env=user_env))
    assert "pip install 'sendable[server]'" in line, line


def test_the_install_that_brings_what() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

    def names(requirements: list[str]) -> set[str]:
        return {r.split(";")[0].split("[")[0].split(">")[0].split("=")[0].split("<")[0]
                .strip().lower() for r in requirements}

    client = names(project["dependencies"])
    server = names(project["optional-dependencies"]["server"])
    assert {"httpx", "websockets", "typer", "rich", "platformdirs"} <= client
    heavy = {"sqlalchemy", "fastapi", "uvicorn", "numpy", "alt-profanity-check", "psycopg",
             "redis", "alembic", "datasketch", "jinja2"}
    assert not client & heavy and heavy <= server
    assert "sendable[server]" in project["optional-dependencies"]["test"]
    readme = (ROOT / "README.md").read_text()
    assert "pip install sendable" in readme and "pip install 'sendable[server]'" in readme
