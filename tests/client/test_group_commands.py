"""`sendable group …` through the real entry point against a real server."""

from __future__ import annotations

import json

PASSWORD = "correct horse battery"


def test_create_send_read_and_why(server, cli, user, api):  # type: ignore[no-untyped-def]
    a, b, c = user("ga"), user("gb"), user("gc")
    for x, y in ((a, b), (b, a)):
        assert api("PUT", server.url, f"/v1/follows/{y.handle}", x).status_code == 200
    assert cli("login", a.handle, "--server", server.url, "--password", PASSWORD).returncode == 0
    made = cli("group", "create", "trip", b.handle, c.handle, "--json")
    assert made.returncode == 0, made.stderr
    body = json.loads(made.stdout)
    outcomes = {r["handle"]: r["outcome"] for r in body["results"]}
    assert outcomes == {b.handle: "added", c.handle: "refused"}
    group = str(body["group"]["id"])
    sent = cli("group", "send", group, "hello trip")
    assert sent.returncode == 0 and "delivered" in sent.stdout
    read = cli("group", "read", group)
    assert f"@{a.handle}: hello trip" in read.stdout
    why = cli("group", "why", group, "--invite", c.handle)
    assert why.returncode == 1 and "privacy.group_invites" in why.stdout
    listed = json.loads(cli("group", "list", "--json").stdout)
    assert [g["name"] for g in listed] == ["trip"]
