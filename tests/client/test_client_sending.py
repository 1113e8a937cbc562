"""Sending through injected faults: every message is stored exactly once and none is
lost (read back from the server), refusals come back as data and are not retried."""

from __future__ import annotations

import asyncio
import random
import time

from sendable.client import AsyncClient, Client, Retry
from sendable.client.outbox import Outbox

FAST = Retry(attempts=8, base=0.05, cap=0.5, budget=20)


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


def client_for(url, me, home, retry=FAST, timeout=5.0):
    return AsyncClient(url, token=me.token, handle=me.handle, home=home, retry=retry,
                       timeout=timeout)


def test_send_stores_and_says_who_is_asking(server, proxy, user, home, read_back):
    a, b = user("a"), user("b")
    p = proxy()

    async def go():
        async with client_for(p.url, a, home) as c:
            result = await c.send(b.handle, "hello there")
            assert result.status == "stored" and result.outcome == "requested"
            assert result.message["conversation_id"] and result.attempts == 1
            assert c.pending() == []

    run(go())
    assert read_back(server.url, b, a.handle) == ["hello there"]
    assert any(b"sendable-client: sendable-py/" in r.lower() for r in p.requests)


def test_refusal_is_data_final_and_not_retried(server, user, home, api):
    a, b = user("a"), user("b")
    api("PATCH", server.url, "/v1/me/settings", b, json={"who_can_message": "nobody"})

    async def go():
        async with client_for(server.url, a, home) as c:
            result = await c.send(b.handle, "let me in")
            assert result.status == "refused" and result.attempts == 1
            assert [r["code"] for r in result.reasons] == ["privacy.not_accepting"]
            assert result.reasons[0]["remedy"]
            assert c.pending() == []  # final: it left the outbox
            unknown = await c.send("nobody_by_this_name", "hi")
            assert unknown.status == "rejected" and unknown.error["status"] == 404
            assert c.pending() == []

    run(go())


def test_reset_after_the_server_stored_it_does_not_duplicate(server, proxy, user, home,
                                                             read_back):
    a, b = user("a"), user("b")
    p = proxy()
    p.plan("reset_after_request", "reset_after_request")

    async def go():
        async with client_for(p.url, a, home) as c:
            result = await c.send(b.handle, "exactly once please")
            assert result.status == "stored" and result.attempts == 3
            assert result.replayed  # the server had it from the first attempt

    run(go())
    assert p.used[:3] == ["reset_after_request", "reset_after_request", "pass"]
    assert read_back(server.url, b, a.handle) == ["exactly once please"]


def test_every_fault_kind_in_turn_loses_nothing(server, proxy, user, home, read_back):
    a, b = user("a"), user("b")
    p = proxy()
    faults = ["reset", "drop", "reset_after_request", "delay:0.2", "http503:0", "pass"]
    texts = [f"message {i} via {f}" for i, f in enumerate(faults)]

    async def go():
        for fault, text in zip(faults, texts, strict=True):
            p.plan(fault)
            async with client_for(p.url, a, home, timeout=3.0) as c:  # a new connection
                result = await c.send(b.handle, text)
                assert result.status == "stored", (fault, result)

    run(go())
    assert [m for m in p.used if m != "pass"] == faults[:-1]  # each fault was met
    assert read_back(server.url, b, a.handle) == texts


def test_a_silent_server_times_out_as_slow_and_is_retried(server, proxy, user, home,
                                                           read_back):
    a, b = user("a"), user("b")
    p = proxy()
    p.plan("blackhole")

    async def go():
        async with client_for(p.url, a, home, retry=Retry(attempts=1), timeout=0.5) as c:
            first = await c.send(b.handle, "through the silence")
            assert first.status == "queued"
            assert first.reasons[0]["code"] == "network.slow"
            assert len(c.pending()) == 1
            [second] = await c.flush()
            assert second.status == "stored"
            assert second.client_msg_id == first.client_msg_id

    run(go())
    assert read_back(server.url, b, a.handle) == ["through the silence"]


def test_retry_after_is_honoured(server, proxy, user, home, read_back):
    a, b = user("a"), user("b")
    p = proxy()
    p.plan("http503:1")

    async def go():
        async with client_for(p.url, a, home) as c:
            started = time.monotonic()
            result = await c.send(b.handle, "after a pause")
            assert result.status == "stored" and result.attempts == 2
            assert time.monotonic() - started >= 1.0
        p.plan("http503:3600")  # longer than anyone should wait: kept for later
        async with client_for(p.url, a, home) as c:  # a new connection meets it
            kept = await c.send(b.handle, "much later")
            assert kept.status == "queued" and kept.attempts == 1
            assert kept.reasons[0]["code"] == "app.server_error"
            assert kept.reasons[0]["retry_after"] == 3600

    run(go())
    assert read_back(server.url, b, a.handle) == ["after a pause"]


def test_offline_messages_wait_in_the_outbox_across_restarts(server, proxy, user, home,
                                                             read_back):
    a, b = user("a"), user("b")
    p = proxy()
    p.down()

    async def offline():
        async with client_for(p.url, a, home, retry=Retry(attempts=2, base=0.01)) as c:
            first = await c.send(b.handle, "written offline 1")
            assert first.status == "queued"
            assert first.reasons[0]["code"] == "network.connect"
            await c.send(b.handle, "written offline 2")
            return [m.client_msg_id for m in c.pending()]

    ids = run(offline())
    assert len(ids) == 2
    assert read_back(server.url, b, a.handle) == []
    # A new client (as after a process restart) finds them in the outbox file.
    outbox = Outbox(home / "outbox.db")
    assert [m.client_msg_id for m in outbox.pending()] == ids
    outbox.close()
    p.up()

    async def online():
        async with client_for(p.url, a, home) as c:
            results = await c.flush()
            assert [r.status for r in results] == ["stored", "stored"]
            assert [r.client_msg_id for r in results] == ids
            assert c.pending() == []

    run(online())
    assert read_back(server.url, b, a.handle) == ["written offline 1", "written offline 2"]


def test_server_stopped_and_restarted_mid_send(spawn_server, user, home, read_back):
    srv = spawn_server()
    a, b = user("a", url=srv.url), user("b", url=srv.url)

    async def go():
        async with client_for(srv.url, a, home,
                              retry=Retry(attempts=40, base=0.1, cap=0.5, budget=40)) as c:
            assert (await c.send(b.handle, "before")).status == "stored"
            srv.stop()
            task = asyncio.create_task(c.send(b.handle, "while it was down"))
            await asyncio.sleep(1.0)
            assert not task.done()
            assert len(c.pending()) == 1
            await asyncio.to_thread(srv.start)
            result = await task
            assert result.status == "stored" and result.attempts > 1
            assert c.pending() == []

    run(go())
    assert read_back(srv.url, b, a.handle) == ["before", "while it was down"]


def test_many_messages_through_random_faults_arrive_exactly_once(server, proxy, user, home,
                                                                  read_back):
    # Five conversations at once (sends to one person take turns, to keep their order,
    # so it is the conversations that open connections side by side).
    a, people = user("a"), [user("b") for _ in range(5)]
    p = proxy()
    rng = random.Random(6)
    kinds = ["pass", "reset", "drop", "reset_after_request", "delay:0.05", "http503:0"]
    p.plan(*(rng.choice(kinds) for _ in range(200)))
    texts = [f"burst {i}" for i in range(5)]

    async def go():
        async with client_for(p.url, a, home, timeout=3.0,
                              retry=Retry(attempts=3, base=0.01, cap=0.05, budget=5)) as c:
            results = await asyncio.gather(*(c.send(b.handle, t) for t in texts
                                             for b in people))
            for _ in range(20):  # whatever stayed queued goes out with later flushes
                if not c.pending():
                    break
                await c.flush()
            assert c.pending() == []
            return results

    results = run(go())
    assert any(r.status == "queued" or r.attempts > 1 for r in results)  # faults did bite
    for b in people:
        stored = read_back(server.url, b, a.handle)
        assert stored == texts  # every one, none twice, in the order written


def test_sync_client_sends_and_reads(server, user, home, read_back):
    a, b = user("a"), user("b")
    with Client(server.url, token=a.token, handle=a.handle, home=home, retry=FAST) as c:
        assert c.send(b.handle, "sync hello").status == "stored"
        [conversation] = c.conversations()
        assert conversation["with"] == b.handle
        assert [m["text"] for m in c.messages(conversation["id"])] == ["sync hello"]
        assert c.why(b.handle)["sendable"] is True
    assert read_back(server.url, b, a.handle) == ["sync hello"]
