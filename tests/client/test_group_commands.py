"""`sendable group …` through the real entry point against a real server."""

from __future__ import annotations

import asyncio
import json
from datetime import date

import pytest

from sendable.client import ApiError, AsyncClient, Client
from sendable.client.config import Config
from serving import User

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


# -- the rest of the group API, through the SDK and the CLI ---------------------------

def _teen_birthdate() -> str:
    """17 years old all year: old enough to message, younger than the adult age (18)."""
    return date(date.today().year - 17, 1, 1).isoformat()


def _mutual(api, url: str, *pairs) -> None:  # type: ignore[no-untyped-def]
    for x, y in pairs:
        for f, g in ((x, y), (y, x)):
            assert api("PUT", url, f"/v1/follows/{g.handle}", f).status_code == 200


def _codes(error: ApiError) -> list[str]:
    return [r["code"] for r in error.body["reasons"]]


def test_every_group_call_of_the_sdk_against_a_real_server(  # type: ignore[no-untyped-def]
        server, user, api, tmp_path) -> None:
    a, b, c, n, o = user("sa"), user("sb"), user("sc"), user("sn"), user("so")
    t, lone = user("st", birthdate=_teen_birthdate()), user("sl", birthdate=_teen_birthdate())
    _mutual(api, server.url, (a, b), (a, c), (a, n), (a, t))
    assert api("PATCH", server.url, "/v1/me/settings", n,
               json={"group_invites": "nobody"}).status_code == 200
    outsiders = [user("sx") for _ in range(5)]

    def sdk(who):  # type: ignore[no-untyped-def]
        return AsyncClient(server.url, token=who.token, handle=who.handle,
                           home=tmp_path / who.handle)

    async def go() -> None:
        async with sdk(a) as ca, sdk(b) as cb, sdk(c) as cc, sdk(t) as ct, \
                sdk(o) as co, sdk(lone) as cl:
            made = await ca.groups.create("club", [b.handle])
            gid = made["group"]["id"]
            results = {r["handle"]: r for r in await ca.groups.add(
                gid, [c.handle, n.handle, t.handle])}
            assert {h: r["outcome"] for h, r in results.items()} == {
                c.handle: "added", n.handle: "refused", t.handle: "invited"}
            assert [r["code"] for r in results[n.handle]["reasons"]] == [
                "privacy.group_invites"]

            await ct.groups.decline(gid)
            assert t.handle not in [p["handle"] for p in (await ca.groups.get(gid))["pending"]]
            with pytest.raises(ApiError) as info:  # no invitation left to decline
                await ct.groups.decline(gid)
            assert info.value.status == 404

            assert (await ca.groups.rename(gid, "book club"))["name"] == "book club"
            with pytest.raises(ApiError) as info:
                await cb.groups.rename(gid, "mine now")
            assert info.value.status == 403 and info.value.field == "group"

            token = await ca.groups.link(gid)
            assert await cb.groups.link(gid) == token  # one link per group
            joined = await co.groups.join_by_link(token)
            assert (joined["handle"], joined["outcome"]) == (o.handle, "added")
            with pytest.raises(ApiError) as info:  # a teen with no mutual in the group
                await cl.groups.join_by_link(token)
            assert info.value.status == 403 and _codes(info.value) == ["account.teen_group"]
            assert info.value.body["outcome"] == "refused"

            await cb.groups.mute(gid)
            assert [g["muted"] for g in await cb.groups.list()] == [True]
            await cb.groups.unmute(gid)
            assert [g["muted"] for g in await cb.groups.list()] == [False]

            said = await ca.groups.send(gid, "meet at eight")
            mid = said["message"]["id"]
            other = (await cb.groups.create("pals", [a.handle]))["group"]["id"]
            sent = await cb.groups.forward(mid, group=other)
            assert sent["message"]["outcome"] == "delivered"
            assert [(m["text"], m["forwarded"]) for m in await ca.groups.messages(other)] == [
                ("meet at eight", True)]
            for x in outsiders[:4]:  # five chats in all: the limit
                assert (await cb.groups.forward(mid, to=x.handle))["message"]["outcome"] in (
                    "delivered", "requested")
            with pytest.raises(ApiError) as info:
                await cb.groups.forward(mid, to=outsiders[4].handle)
            assert _codes(info.value) == ["spam.forward_limit"]
            with pytest.raises(ApiError) as info:  # not a member: the message is not seen
                await cl.groups.forward(mid, to=a.handle)
            assert info.value.status == 404 and "reasons" not in info.value.body

            report_id = await cb.groups.report(gid, "spam")
            assert isinstance(report_id, int)
            with pytest.raises(ApiError) as info:
                await cl.groups.report(gid, "spam")
            assert info.value.status == 404

            await ca.groups.remove(gid, c.handle)
            assert c.handle not in (await ca.groups.get(gid))["members"]
            with pytest.raises(ApiError) as info:
                await cc.groups.messages(gid)
            assert info.value.status == 404
            with pytest.raises(ApiError) as info:
                await cb.groups.remove(gid, o.handle)
            assert info.value.status == 403

            await ca.groups.leave(gid)
            assert (await cb.groups.get(gid))["owner"] == b.handle  # joined earliest

            # A teen's own group: whoever joins later waits for the owner.
            teens = (await ct.groups.create("teens", [a.handle]))["group"]["id"]
            waiting = await co.groups.join_by_link(await ct.groups.link(teens))
            assert waiting["outcome"] == "pending_approval"
            assert await ct.groups.approve(teens, o.handle) == {"handle": o.handle,
                                                                "state": "member"}
            assert o.handle in (await co.groups.get(teens))["members"]
            with pytest.raises(ApiError) as info:
                await ca.groups.approve(teens, o.handle)
            assert info.value.status == 403

    asyncio.run(go())


def test_the_sync_client_has_the_group_calls_too(server, user, tmp_path) -> None:  # type: ignore[no-untyped-def]
    a, b = user("ya"), user("yb")
    with Client(server.url, token=a.token, handle=a.handle, home=tmp_path) as c:
        gid = c.groups.create("sync", [])["group"]["id"]
        assert c.groups.rename(gid, "synced")["name"] == "synced"
        assert [g["name"] for g in c.groups.list()] == ["synced"]
        assert c.groups.add(gid, [b.handle])[0]["outcome"] == "refused"


def test_every_group_command_of_the_cli(server, cli, user, api) -> None:  # type: ignore[no-untyped-def]
    a, b, c, n, o = user("ca"), user("cb"), user("cc"), user("cn"), user("co")
    t, lone = user("ct", birthdate=_teen_birthdate()), user("cl", birthdate=_teen_birthdate())
    _mutual(api, server.url, (a, b), (a, c), (a, n), (a, t))
    assert api("PATCH", server.url, "/v1/me/settings", n,
               json={"group_invites": "nobody"}).status_code == 200
    for who in (a, b, t, o, lone):
        assert cli("login", who.handle, "--server", server.url,
                   "--password", PASSWORD).returncode == 0

    def run(who, *args: str):  # type: ignore[no-untyped-def]
        return cli("group", *args, "--as", who.handle)

    gid = str(json.loads(run(a, "create", "club", b.handle, "--json").stdout)["group"]["id"])

    added = run(a, "add", gid, c.handle, n.handle, t.handle)
    assert added.returncode == 0, added.stderr
    assert f"- @{c.handle}: added\n" in added.stdout
    assert f"- @{n.handle}: refused\n  privacy.group_invites: " in added.stdout
    assert "remedy: " in added.stdout
    assert f"- @{t.handle}: invited — they must accept: sendable group join {gid}" \
        in added.stdout

    declined = run(t, "decline", gid)
    assert declined.returncode == 0 and f"declined the invitation to group {gid}" in declined.stdout
    assert api("POST", server.url, f"/v1/groups/{gid}/members", a,
               json={"handles": [t.handle]}).json()["results"][0]["outcome"] == "invited"
    accepted = run(t, "join", gid)
    assert accepted.returncode == 0 and f"✓ joined group {gid}" in accepted.stdout

    renamed = run(a, "rename", gid, "book club")
    assert renamed.returncode == 0 and f"group {gid} is now 'book club'" in renamed.stdout
    not_owner = run(b, "rename", gid, "mine")
    assert not_owner.returncode == 1 and "only the group's owner renames it" in not_owner.stderr

    link = run(a, "link", gid)
    token = link.stdout.splitlines()[0]
    assert f"sendable group join --token {token}" in link.stdout
    by_link = run(o, "join", "--token", token)
    assert by_link.returncode == 0 and "✓ added" in by_link.stdout
    teen = run(lone, "join", "--token", token)
    assert teen.returncode == 1, teen.stdout + teen.stderr
    assert "✗ not joined: refused" in teen.stdout and "account.teen_group" in teen.stdout
    assert run(o, "join").returncode == 2
    assert run(o, "join", gid, "--token", token).returncode == 2

    assert "muted" in run(b, "mute", gid).stdout
    assert "muted)" in run(b, "list").stdout
    assert f"group {gid} unmuted" in run(b, "unmute", gid).stdout
    assert "muted)" not in run(b, "list").stdout

    assert run(a, "send", gid, "meet at eight").returncode == 0
    mid = str(json.loads(run(b, "read", gid, "--json").stdout)[-1]["id"])
    pals = api("POST", server.url, "/v1/groups", b,
               json={"name": "pals", "members": [a.handle]}).json()["group"]["id"]
    to_group = run(b, "forward", mid, "--group", str(pals))
    assert to_group.returncode == 0 and f"✓ forwarded to group {pals}" in to_group.stdout
    assert "@" + b.handle + " (forwarded): meet at eight" in run(a, "read", str(pals)).stdout
    others = [user("cx") for _ in range(5)]
    for x in others[:3]:
        assert api("POST", server.url, f"/v1/messages/{mid}/forward", b,
                   json={"to": x.handle}).status_code == 201
    to_person = run(b, "forward", mid, "--to", others[3].handle)
    assert to_person.returncode == 0 and f"✓ forwarded to @{others[3].handle}" \
        in to_person.stdout
    past = run(b, "forward", mid, "--to", others[4].handle)
    assert past.returncode == 1
    assert "✗ not forwarded: refused" in past.stdout and "spam.forward_limit" in past.stdout
    unseen = run(lone, "forward", mid, "--to", a.handle)
    assert unseen.returncode == 1 and "no such message" in unseen.stderr
    assert run(b, "forward", mid).returncode == 2

    reported = run(b, "report", gid, "spam")
    assert reported.returncode == 0 and f"reported group {gid} to the moderators" \
        in reported.stdout

    removed = run(a, "remove", gid, c.handle)
    assert removed.returncode == 0 and f"@{c.handle} is no longer in group {gid}" \
        in removed.stdout
    assert c.handle not in api("GET", server.url, f"/v1/groups/{gid}", a).json()["group"][
        "members"]

    left = run(a, "leave", gid)
    assert left.returncode == 0 and f"you left group {gid}" in left.stdout
    assert [g["owner"] for g in json.loads(run(b, "list", "--json").stdout)
            if str(g["id"]) == gid] == [b.handle]

    # The owner of a teen's group lets a later joiner in.
    teens = json.loads(run(t, "create", "teens", a.handle, "--json").stdout)["group"]["id"]
    teen_token = json.loads(run(t, "link", str(teens), "--json").stdout)["token"]
    waiting = run(o, "join", "--token", teen_token)
    assert "waiting for the group's owner to approve you" in waiting.stdout
    approved = run(t, "approve", str(teens), o.handle)
    assert approved.returncode == 0, approved.stderr
    assert f"@{o.handle} is now a member of group {teens}" in approved.stdout


def test_no_answer_and_a_revoked_session_are_exit_2_with_the_cause(  # type: ignore[no-untyped-def]
        server, proxy, cli, user, api, home) -> None:
    a = user("na")
    gid = api("POST", server.url, "/v1/groups", a,
              json={"name": "quiet", "members": []}).json()["group"]["id"]
    p = proxy()
    assert cli("login", a.handle, "--server", p.url, "--password", PASSWORD).returncode == 0
    p.down()
    offline = cli("group", "report", str(gid), "spam")
    assert offline.returncode == 2 and "network.connect" in offline.stderr, offline.stderr
    p.up()
    saved = Config(home).session(p.url, a.handle)
    assert api("DELETE", p.url, "/v1/sessions",
               User(a.handle, saved.token)).status_code == 204
    revoked = cli("group", "list")
    assert revoked.returncode == 2 and "error:" in revoked.stderr
