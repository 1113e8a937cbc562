"""Exhaustion through sign-in (issue 14), against real servers: bounded password
hashing, sign-up and sign-in rates per address and account with retry_after,
growing delays that a stranger cannot turn into the owner's lockout, and
counters that survive a restart."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest
from leakkit import PASSWORD, handle_for, start

STRICT = """
[auth]
signups_per_address = ["1000/hour"]
logins_per_address = ["1000/minute"]
logins_per_account = ["1000/minute"]
free_failures = 3
first_delay = "1s"
max_delay = "10m"
"""
SLOW = STRICT.replace('first_delay = "1s"', 'first_delay = "60s"')


def _client(url: str, address: str = "127.0.0.1") -> httpx.Client:
    return httpx.Client(base_url=url, timeout=30,
                        transport=httpx.HTTPTransport(local_address=address))


def _signup(c: httpx.Client, handle: str) -> httpx.Response:
    return c.post("/v1/accounts", json={"handle": handle, "password": PASSWORD})


def _login(c: httpx.Client, handle: str, password: str = PASSWORD) -> httpx.Response:
    return c.post("/v1/sessions", json={"handle": handle, "password": password})


@pytest.fixture(scope="module")
def strict(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    srv = start(tmp_path_factory.mktemp("auth"), STRICT)
    yield srv
    srv.stop()


def test_a_stranger_guessing_cannot_lock_the_owner_out(strict):
    owner = handle_for("own")
    with _client(strict.url) as home, _client(strict.url, "127.0.0.7") as stranger:
        assert _signup(home, owner).status_code == 201
        assert _login(home, owner).status_code == 201  # the owner's address is known
        answers = [_login(stranger, owner, "guess-guess").status_code for _ in range(40)]
        assert answers[:4] == [401] * 4 and 429 in answers  # the stranger slows down
        assert _login(home, owner).status_code == 201  # the owner does not
        # and every other account behind the stranger's address is untouched
        other = handle_for("oth")
        assert _signup(stranger, other).status_code == 201
        assert _login(stranger, other).status_code == 201


def test_wrong_passwords_earn_growing_delays_not_a_lockout(strict):
    owner = handle_for("grow")
    with _client(strict.url, "127.0.0.8") as c:
        assert _signup(c, owner).status_code == 201
        waits = []
        for _ in range(3 + 4):
            r = _login(c, owner, "wrong-wrong")
            if r.status_code == 429:
                waits.append(r.json()["error"]["retry_after"])
                assert int(r.headers["Retry-After"]) == waits[-1]
        assert waits and all(1 <= w <= 600 for w in waits)
    with _client(strict.url, "127.0.0.9") as elsewhere:  # not a lockout of the account
        assert _login(elsewhere, owner).status_code == 201


def test_throttle_counters_survive_a_restart(tmp_path: Path):
    srv = start(tmp_path, SLOW)
    try:
        owner = handle_for("rst")
        with _client(srv.url, "127.0.0.10") as c:
            assert _signup(c, owner).status_code == 201
            statuses = [_login(c, owner, "wrong-wrong").status_code for _ in range(8)]
            assert statuses[-1] == 429
        srv.restart()
        with _client(srv.url, "127.0.0.10") as c:
            r = _login(c, owner)
            assert r.status_code == 429 and r.json()["error"]["retry_after"] >= 1
    finally:
        srv.stop()


def test_sign_ups_and_sign_ins_are_rate_limited_with_retry_after(tmp_path: Path):
    srv = start(tmp_path, """
[auth]
signups_per_address = ["3/hour"]
logins_per_address = ["1000/minute"]
logins_per_account = ["2/minute"]
""")
    try:
        with _client(srv.url, "127.0.0.11") as c, _client(srv.url, "127.0.0.12") as d:
            handles = [handle_for("rl") for _ in range(4)]
            answers = [_signup(c, h) for h in handles]
            assert [r.status_code for r in answers] == [201, 201, 201, 429]
            assert answers[-1].json()["error"]["retry_after"] >= 1
            assert int(answers[-1].headers["Retry-After"]) >= 1
            assert _signup(d, handles[-1]).status_code == 201  # another address may
            logins = [_login(c, handles[0]).status_code for _ in range(3)]
            assert logins == [201, 201, 429]
    finally:
        srv.stop()


def _peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
def test_concurrent_sign_ups_hash_within_a_memory_bound(tmp_path: Path):
    srv = start(tmp_path, "", {"SENDABLE_HASH_SLOTS": "2"})
    try:
        with _client(srv.url) as c:  # warm up: imports, first requests
            _signup(c, handle_for("warm"))
        before = _peak_rss_mib(srv.process.pid)
        statuses: list[int] = []
        lock = threading.Lock()

        def one() -> None:
            with _client(srv.url) as c:
                r = _signup(c, handle_for("burst"))
            with lock:
                statuses.append(r.status_code)

        threads = [threading.Thread(target=one) for _ in range(24)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        grown = _peak_rss_mib(srv.process.pid) - before
        assert set(statuses) <= {201, 429} and statuses.count(201) >= 2, statuses
        # two slots of 64 MiB (and some slack), where 24 at once took 1.5 GiB
        assert grown < 400, f"peak memory grew {grown:.0f} MiB"
    finally:
        srv.stop()
