"""The local cache: corruption is detected (SQLite's check and per-row checksums),
reported as app.cache_corrupt and rebuilt from the server; the outbox survives."""

from __future__ import annotations

import asyncio
import json
import sqlite3

from sendable.client import AsyncClient, Retry
from sendable.client.cache import Cache, CacheCorrupt


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


def client_for(url, me, home):
    return AsyncClient(url, token=me.token, handle=me.handle, home=home,
                       retry=Retry(attempts=2, base=0.01), timeout=5.0)


def fill(url, a, b, home, texts):
    async def go():
        async with client_for(url, a, home) as c:
            for text in texts:
                assert (await c.send(b.handle, text)).status == "stored"
            [conv] = await c.conversations()
            await c.all_messages(conv["id"])
            assert c.check_cache() == []
            return conv["id"]

    return run(go())


def test_a_changed_row_fails_its_checksum(server, user, home):
    a, b = user("a"), user("b")
    cid = fill(server.url, a, b, home, ["one", "two"])
    db = sqlite3.connect(home / "cache.db")
    body = json.loads(db.execute("SELECT body FROM messages WHERE seq = 1").fetchone()[0])
    body["text"] = "something else"
    db.execute("UPDATE messages SET body = ? WHERE seq = 1", (json.dumps(body),))
    db.commit()
    db.close()
    cache = Cache(home / "cache.db")  # SQLite itself sees nothing wrong ...
    assert any("checksum mismatch" in p for p in cache.check())  # ... the checksums do
    try:
        cache.messages(f"{server.url}|{a.handle}", cid)
        raise AssertionError("a bad row was read")
    except CacheCorrupt:
        pass
    cache.close()


def test_garbage_file_is_reported_and_rebuilt_keeping_the_outbox(server, proxy, user, home):
    a, b = user("a"), user("b")
    cid = fill(server.url, a, b, home, ["kept on the server"])
    p = proxy()
    p.down()

    async def offline():  # one message written while offline waits in the outbox
        async with client_for(p.url, a, home) as c:
            assert (await c.send(b.handle, "unsent")).status == "queued"

    run(offline())
    (home / "cache.db").write_bytes(b"this is not a database" * 500)
    for extra in ("cache.db-wal", "cache.db-shm"):
        (home / extra).unlink(missing_ok=True)
    p.up()

    async def online():
        async with client_for(p.url, a, home) as c:
            assert c.cached_conversations() == []  # noticed, thrown away
            assert [f.code for f in c.faults] == ["app.cache_corrupt"]
            assert c.faults[0].as_reason()["cause"] == "app_glitch"
            assert [m.text for m in c.pending()] == ["unsent"]  # the outbox is untouched
            await c.repair_cache()
            assert [m["text"] for m in c.cached_messages(cid)] == ["kept on the server"]
            [sent] = await c.flush()
            assert sent.status == "stored"
            assert c.check_cache() == []

    run(online())


def test_torn_pages_fail_sqlites_check(server, user, home):
    a, b = user("a"), user("b")
    fill(server.url, a, b, home, [f"Day {i}: we walked to the harbour, had lunch with Sam and talked "
                                  f"about the trip in {1990 + i}, then took the late train home." * 3
                                  for i in range(30)])
    path = home / "cache.db"
    db = sqlite3.connect(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    data = bytearray(path.read_bytes())
    assert len(data) > 8192
    for i in range(4096, len(data), 4096):  # scribble over the header of every other page
        data[i:i + 16] = b"\xff" * 16
    path.write_bytes(bytes(data))
    problems = None
    try:
        cache = Cache(path)
        problems = cache.check()
        cache.close()
    except CacheCorrupt as error:
        problems = error.problems
    assert problems
