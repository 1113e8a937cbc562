"""`sendable doctor` run as a real process against real servers: each failing step is
named with its cause code and remedy, and the why step never leaks a block."""

from __future__ import annotations

import asyncio
import json
import socket

import pytest

from sendable.client import AsyncClient, Retry
from sendable.client.doctor import STEPS, Doctor

PASSWORD = "correct horse battery"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when we return: connections are refused


def signed_in(cli, url, me):
    r = cli("login", me.handle, "--server", url, "--password", PASSWORD)
    assert r.returncode == 0, r.stderr


def doctor_json(cli, *args, env=None):
    r = cli("doctor", "--json", "--timeout", "10", *args, env=env)
    assert r.returncode in (0, 1), r.stderr
    report = json.loads(r.stdout)
    assert report["ok"] == (r.returncode == 0)
    assert [s["name"] for s in report["steps"]] == list(STEPS)
    return {s["name"]: s for s in report["steps"]}, r.returncode


def test_all_clear(server, cli, user):
    a, b = user("a"), user("b")
    signed_in(cli, server.url, a)
    steps, code = doctor_json(cli, "--to", b.handle, "--text", "hi")
    assert code == 0
    assert {n: s["status"] for n, s in steps.items()} == {
        **{n: "pass" for n in STEPS}, "tls": "skip"}
    assert steps["why"]["detail"]["outcome"] == "requested"
    assert steps["version"]["detail"]["ours"]


def test_dns_failure(cli):
    steps, code = doctor_json(cli, "--server", "http://no-such-host.invalid:8000")
    assert code == 1
    assert steps["dns"]["status"] == "fail" and steps["dns"]["code"] == "network.dns"
    assert steps["dns"]["remedy"]
    assert steps["connect"]["status"] == "skip" and steps["server"]["status"] == "skip"
    human = cli("doctor", "--server", "http://no-such-host.invalid:8000")
    assert human.returncode == 1
    assert "fail dns" in human.stdout and "network.dns" in human.stdout
    assert "start with dns" in human.stdout


def test_refused_connection(cli):
    url = f"http://127.0.0.1:{closed_port()}"
    steps, code = doctor_json(cli, "--server", url)
    assert code == 1
    assert steps["dns"]["status"] == "pass"
    assert steps["connect"]["status"] == "fail"
    assert steps["connect"]["code"] == "network.connect"
    assert all(steps[n]["status"] == "skip" for n in ("latency", "server", "version"))
    assert steps["cache"]["status"] == "pass"  # local steps still run


def test_outdated_client(spawn_server, cli):
    srv = spawn_server(policy='[clients]\nmin_version = "99.0.0"\n', demo=False)
    steps, code = doctor_json(cli, "--server", srv.url)
    assert code == 1
    version = steps["version"]
    assert version["status"] == "fail" and version["code"] == "client.outdated"
    assert "99.0.0" in version["message"] and "99.0.0" in version["remedy"]
    assert version["detail"]["min_client_version"] == "99.0.0"
    assert steps["server"]["status"] == "pass"


def test_banned_account(server, cli, user, api, mod):
    a, b = user("banned"), user("b")
    r = api("POST", server.url, "/v1/mod/actions", mod,
            json={"action": "ban", "handle": a.handle, "for": "24h", "reason": "test"})
    assert r.status_code == 200, r.text
    signed_in(cli, server.url, a)
    steps, code = doctor_json(cli, "--to", b.handle)
    assert code == 1
    standing = steps["standing"]
    assert standing["status"] == "fail" and standing["code"] == "ban.temporary"
    assert standing["detail"]["active_bans"] == 1 and standing["detail"]["until"]
    assert 0 < standing["detail"]["retry_after"] <= 24 * 3600
    assert standing["detail"]["appealable"] and "wait" in standing["remedy"]
    assert all(steps[n]["status"] == "pass" for n in ("dns", "connect", "server", "version"))
    human = cli("doctor", "--to", b.handle)
    assert "fail standing" in human.stdout and "ban.temporary" in human.stdout


def test_blocked_by_privacy_without_leaking_the_block(server, cli, user, api, home):
    a, b = user("a"), user("quiet")
    assert api("PUT", server.url, f"/v1/blocks/{a.handle}", b).status_code == 200
    signed_in(cli, server.url, a)
    steps, code = doctor_json(cli, "--to", b.handle, "--text", "hello?")
    assert code == 1
    assert steps["why"]["status"] == "fail"
    assert steps["why"]["code"] == "privacy.not_accepting"
    assert steps["standing"]["status"] == "pass"
    for args in (["--json"], []):
        out = cli("doctor", "--to", b.handle, *args).stdout.replace(str(home), "HOME")
        assert "privacy.not_accepting" in out
        assert "privacy.blocked" not in out and "block" not in out.lower()


def test_not_accepting_suggests_ways_to_reach_them_that_reveal_nothing(server, cli, user,
                                                                        api, home):
    a, blocker, closed = user("a"), user("blk"), user("shut")
    assert api("PUT", server.url, f"/v1/blocks/{a.handle}", blocker).status_code == 200
    api("PATCH", server.url, "/v1/me/settings", closed, json={"who_can_message": "nobody"})
    signed_in(cli, server.url, a)
    by_block = doctor_json(cli, "--to", blocker.handle)[0]["why"]
    by_setting = doctor_json(cli, "--to", closed.handle)[0]["why"]
    assert by_block["code"] == by_setting["code"] == "privacy.not_accepting"
    assert by_block["remedy"] == by_setting["remedy"]
    assert "write to you first" in by_block["remedy"] and "contacts" in by_block["remedy"]
    assert "nobody" not in by_setting["remedy"].lower()


def test_rate_limit_headroom_from_why(spawn_server, cli, user, api):
    srv = spawn_server(policy='[rate_limits]\nmessages = ["2/hour"]\n', demo=False)
    a, b = user("a", url=srv.url), user("b", url=srv.url)
    for i in range(2):
        r = api("POST", srv.url, "/v1/messages", a, json={"to": b.handle, "text": f"m{i}"})
        assert r.status_code == 201, r.text
    signed_in(cli, srv.url, a)
    steps, code = doctor_json(cli, "--to", b.handle)
    assert code == 1
    assert steps["why"]["status"] == "pass"
    rate = steps["rate_limit"]
    assert rate["status"] == "fail" and rate["code"] == "rate.messages"
    assert 0 < rate["detail"]["retry_after"] <= 3600
    # Asking sent nothing: still exactly the two messages.
    conv = api("GET", srv.url, "/v1/conversations", a).json()["conversations"][0]
    assert conv["last_seq"] == 2


def test_broken_proxy_variable(server, cli, user):
    env = {"HTTP_PROXY": f"http://127.0.0.1:{closed_port()}"}
    steps, code = doctor_json(cli, "--server", server.url, env=env)
    assert code == 1
    assert steps["proxy"]["status"] == "fail" and steps["proxy"]["code"] == "network.proxy"
    assert steps["dns"]["status"] == "skip"


def test_slow_network(server, proxy, user, home):
    p = proxy(default="delay:0.3")

    async def go():
        async with AsyncClient(p.url, home=home, retry=Retry(attempts=1), timeout=5) as c:
            doctor = Doctor(c, slow_ms=100)
            await doctor.run()
            return {s.name: s for s in doctor.steps}

    steps = asyncio.run(asyncio.wait_for(go(), 60))
    assert steps["connect"].status == "pass"
    assert steps["latency"].status == "fail" and steps["latency"].code == "network.slow"
    assert steps["latency"].detail["median_ms"] >= 300


def test_expired_session(server, cli, user, home):
    a = user("a")
    signed_in(cli, server.url, a)
    config = json.loads((home / "config.json").read_text())
    config["tokens"][server.url][a.handle] = "a-token-the-server-never-gave"
    (home / "config.json").write_text(json.dumps(config))
    steps, code = doctor_json(cli)
    assert code == 1
    standing = steps["standing"]
    assert standing["status"] == "fail" and "sendable login" in standing["remedy"]


@pytest.mark.parametrize("repair", [False, True])
def test_corrupt_cache(server, cli, user, home, repair):
    a, b = user("a"), user("b")
    signed_in(cli, server.url, a)
    assert cli("send", b.handle, "cached").returncode == 0
    assert cli("inbox").returncode == 0
    assert (home / "cache.db").exists()
    (home / "cache.db").write_bytes(b"\0garbage" * 1000)
    steps, code = doctor_json(cli, *(["--repair"] if repair else []))
    cache = steps["cache"]
    if not repair:
        assert code == 1 and cache["status"] == "fail" and cache["code"] == "app.cache_corrupt"
        assert "--repair" in cache["remedy"]
    else:
        assert code == 0 and cache["status"] == "pass" and cache["detail"]["repaired"]
        assert cache["detail"]["messages_rebuilt"] == 1
        again, code = doctor_json(cli)
        assert code == 0 and again["cache"]["message"].startswith("local cache is sound")
