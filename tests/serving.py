"""Real `sendable serve` processes for tests: start on a free loopback port, wait
until /healthz answers, stop. One way of doing it, shared by every test folder
and the benchmarks in bench/."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Test servers sign up and sign in hundreds of accounts from one loopback address;
# a policy that says nothing of [auth] gets these roomy limits (tests of the sign-in
# throttle write their own [auth] section).
TEST_AUTH_LIMITS = """
[auth]
signups_per_address = ["100000/hour"]
logins_per_address = ["100000/minute"]
logins_per_account = ["100000/minute"]
first_delay = "30s"  # a loaded machine must not outwait a delay between two tries
"""


def _roomy_auth(args: list[str], log: Path, env: dict[str, str]) -> list[str]:
    args = list(args)
    named = (Path(args[args.index("--policy") + 1]) if "--policy" in args
             else Path(env["SENDABLE_POLICY"]) if env.get("SENDABLE_POLICY") else None)
    if named is not None:  # a flag or the environment names it: add the limits there
        policy = named
        text = policy.read_text() if policy.exists() else ""
        if "[auth]" not in text:
            policy.write_text(text + "\n" + TEST_AUTH_LIMITS)
    else:
        policy = log.parent / f"auth-policy-{log.stem}.toml"
        policy.write_text(TEST_AUTH_LIMITS)
        args += ["--policy", str(policy)]
    return args


def start_serve(port: int, args: list[str], log: Path, timeout: float = 90,
                env: dict[str, str] | None = None) -> subprocess.Popen:
    """`sendable serve --port PORT ARGS…`, its output in `log`; returns once it answers."""
    args = _roomy_auth(args, log, env or {})
    cmd = [sys.executable, "-c", "from sendable.cli import app; app()", "serve",
           "--port", str(port), *args]
    process = subprocess.Popen(cmd, stdout=log.open("w"), stderr=subprocess.STDOUT,
                               env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})})
    url = f"http://127.0.0.1:{port}/healthz"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited:\n{log.read_text()}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    stop_serve(process, signal.SIGKILL)
    raise RuntimeError(f"server did not start within {timeout:.0f}s:\n{log.read_text()}")


def stop_serve(process: subprocess.Popen, sig: int = signal.SIGTERM, wait: float = 20) -> None:
    """Stop a server (SIGTERM lets it finish what it acknowledged); kill it if it hangs."""
    if process.poll() is None:
        process.send_signal(sig)
    try:
        process.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@dataclass
class User:
    """A signed-in account on a test server."""
    handle: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}
