"""Service.send_many: a batch of sends in one transaction, on the run's backends."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa

from sendable.clock import FixedClock, parse_iso
from sendable.counters.memory import MemoryCounters, PendingCounters
from sendable.errors import Invalid, NotFound
from sendable.policy import build_policy
from sendable.service import SendAttempt, SendResult, Service
from sendable.shell import facts as loading
from sendable.store.schema import messages
from sendable.store.temporary import is_server_db

START = parse_iso("2026-06-01T12:00:00Z")
YEAR = 365 * 86400.0


class RacingClock(FixedClock):
    """A fixed clock that runs `race` at its n-th reading from now on: another writer
    gets in between what a send has read and what it writes."""

    def __init__(self, start: float) -> None:
        super().__init__(start)
        self._race: tuple[int, Callable[[], None]] | None = None

    def race_at(self, reading: int, race: Callable[[], None]) -> None:
        self._race = (reading, race)

    def now(self) -> float:
        if self._race is not None:
            reading, race = self._race
            self._race = (reading - 1, race) if reading > 1 else None
            if reading == 1:
                race()
        return super().now()


@pytest.fixture
def world(scratch_backend) -> Iterator[Callable[..., tuple[Service, RacingClock, str]]]:  # type: ignore[no-untyped-def]
    """world(policy) -> (service, clock, db): alice..erin, alice and bob mutuals,
    dave has blocked erin."""
    opened: list[Service] = []

    def make(policy: dict | None = None) -> tuple[Service, RacingClock, str]:
        db, counters = scratch_backend()
        clock = RacingClock(START)
        service = Service.open(db, build_policy(policy), clock, counters)
        opened.append(service)
        for handle in ("alice", "bob", "carol", "dave", "erin"):
            service.create_account(handle, created_at=START - YEAR, verified=True, birthdate="1990-01-01")
        service.follow("alice", "bob")
        service.follow("bob", "alice")
        service.block("dave", "erin")
        return service, clock, db

    yield make
    for service in opened:
        service.close()


def stored(service: Service, a: str, b: str) -> list[tuple[str, str]]:
    """(sender, text) of every message between a and b, as a reads them."""
    found = [c for folder in ("inbox", "requests") for c in service.conversations(a, folder)
             if c["with"] == b]
    if not found:
        return []
    return [(m["from"], m["text"]) for m in service.messages(a, found[0]["id"], limit=200)]


def outcomes(results: list) -> list[str]:  # type: ignore[type-arg]
    return [r.outcome if isinstance(r, SendResult) else type(r).__name__ for r in results]


def counted(service: Service, handle: str) -> int:
    """Events in the sender's message window (what rate limits read)."""
    key = loading.counter_keys(service.account(handle)["id"])[0]
    return len(service.counters.since(key, 0.0))


def test_a_mixed_batch_answers_each_attempt_and_wakes_streams_once(world) -> None:
    s, clock, _ = world()
    woken: list[set[int]] = []
    s.add_event_listener(woken.append)
    results = s.send_many([
        SendAttempt("alice", "bob", "hi bob"),
        SendAttempt("alice", "nobody", "hello?"),
        SendAttempt("erin", "dave", "let me in"),
        SendAttempt("carol", "dave", "hello dave"),
        SendAttempt("bob", "alice", ""),
        SendAttempt("bob", "alice", "hi alice"),
    ])
    assert outcomes(results) == ["delivered", "NotFound", "refused", "requested", "Invalid",
                                 "delivered"]
    assert isinstance(results[1], NotFound) and results[1].field == "to"
    assert isinstance(results[4], Invalid) and results[4].field == "text"
    assert results[2].decision.findings[0].code == "privacy.blocked"
    assert stored(s, "alice", "bob") == [("alice", "hi bob"), ("bob", "hi alice")]
    assert stored(s, "dave", "carol") == [("carol", "hello dave")]
    assert stored(s, "dave", "erin") == []
    ids = {h: s.account(h)["id"] for h in ("alice", "bob", "carol", "dave")}
    assert woken == [set(ids.values())]  # once, after the commit, for every stream touched
    assert [m["seq"] for m in (results[0].message, results[5].message)] == [1, 2]


def test_a_batch_decides_and_stores_what_sends_one_by_one_do(world) -> None:
    # Its texts are analysed together and fingerprinted only once a message is
    # compared: duplicates among strangers are caught alike (the earlier messages'
    # fingerprints come from their stored texts), and only compared ones store one.
    policy = {"spam": {"duplicate_recipients": 2}}
    spam = "hey there, I found your profile through the climbing club and wanted to say hello"
    attempts = [SendAttempt("alice", "bob", "lunch at noon?"),
                SendAttempt("carol", "alice", spam), SendAttempt("carol", "bob", spam + "!"),
                SendAttempt("carol", "dave", spam.upper()), SendAttempt("carol", "erin", ""),
                SendAttempt("carol", "erin", "are you coming to the meetup on thursday?"),
                SendAttempt("bob", "carol", "who is this?")]  # a reply: no longer strangers
    batched, _, _ = world(policy)
    alone, _, _ = world(policy)
    together = batched.send_many(attempts)
    each = [alone.send(*a[:5]) if a.text else None for a in attempts]
    assert outcomes(together) == ["delivered", "requested", "requested", "refused", "Invalid",
                                  "requested", "delivered"]
    assert together[3].decision.findings[0].code == "spam.duplicate"
    assert [r.decision for r in together if isinstance(r, SendResult)] == [
        r.decision for r in each if r is not None]

    def rows(service: Service) -> list[tuple]:  # type: ignore[type-arg]
        with service.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.select(
                messages.c.sender_id, messages.c.text, messages.c.outcome,
                messages.c.fingerprint).order_by(messages.c.id))]

    assert rows(batched) == rows(alone)
    assert [fp is None for *_, fp in rows(batched)] == [True, True, True, False, True]


def test_a_rate_limit_reached_mid_batch_refuses_the_rest(world) -> None:
    s, clock, _ = world({"rate_limits": {"messages": ["3/minute"]}})
    results = s.send_many([SendAttempt("alice", "bob", f"message {i}") for i in range(5)]
                          + [SendAttempt("bob", "alice", "my own limit")])
    assert outcomes(results) == ["delivered"] * 3 + ["refused"] * 2 + ["delivered"]
    assert {r.decision.findings[0].code for r in results[3:5]} == {"rate.messages"}
    assert len(stored(s, "alice", "bob")) == 4
    assert counted(s, "alice") == 3  # counted for the sends that follow the batch
    assert s.send("alice", "bob", "after").outcome == "refused"
    clock.advance(61)
    assert s.send("alice", "bob", "a minute on").outcome == "delivered"


def test_a_client_msg_id_repeated_in_a_batch_replays_the_first(world) -> None:
    s, _, _ = world()
    results = s.send_many([
        SendAttempt("alice", "bob", "once", client_msg_id="m-1"),
        SendAttempt("alice", "bob", "once (retried)", client_msg_id="m-1"),
        SendAttempt("alice", "bob", "twice", client_msg_id="m-2"),
        SendAttempt("bob", "alice", "bob's own m-1", client_msg_id="m-1"),
    ])
    assert [r.replayed for r in results] == [False, True, False, False]
    assert results[1].message == results[0].message
    assert results[2].message["seq"] == 2
    assert stored(s, "alice", "bob") == [("alice", "once"), ("alice", "twice"),
                                         ("bob", "bob's own m-1")]
    assert counted(s, "alice") == 2


def test_an_attempt_the_database_fails_is_undone_alone_and_sent_again_losing_nothing(
        world, caplog: pytest.LogCaptureFixture) -> None:
    """Another writer stores alice's client_msg_id "x" between the batch's lookup of it
    and its insert: the insert fails, that attempt alone is rolled back (the others
    commit) and is then sent again on its own; "x" then replays the other writer's
    message."""
    s, clock, db = world()
    s.send("alice", "carol", "an earlier message")
    other = sa.create_engine(s.engine.url)  # another writer, not taking our locks
    alice, carol = s.account("alice")["id"], s.account("carol")["id"]

    def race() -> None:
        conversation = s.conversations("alice", "inbox")
        into = next(c for c in conversation if c["with"] == "carol")
        with other.begin() as conn:
            conn.execute(sa.insert(messages).values(
                conversation_id=into["id"], seq=2, sender_id=alice, recipient_id=carol,
                text="raced in", outcome="requested", visible=True, sent_at=clock.now(),
                client_msg_id="x", stranger=True, new_conversation=False))

    # On SQLite a writer holds the file's lock until it commits, so another writer can
    # only get in before the batch's first write; on PostgreSQL at any point.
    before = ([SendAttempt("carol", "dave", "first in the batch")]
              if is_server_db(db) else [])
    attempts = before + [
        SendAttempt("alice", "nobody", "lost?"),
        SendAttempt("alice", "bob", "collides", client_msg_id="x"),
        SendAttempt("erin", "dave", "refused"),
        SendAttempt("bob", "alice", "after the collision"),
        SendAttempt("alice", "bob", "last", client_msg_id="y"),
    ]
    # At the colliding attempt's reading of the clock (with Redis counters the batch
    # reads it once first, for its senders' windows).
    clock.race_at(len(before) + (1 if isinstance(s.counters, MemoryCounters) else 2), race)
    with caplog.at_level(logging.WARNING, logger="sendable.service"):
        results = s.send_many(attempts)
    other.dispose()
    assert "failed inside its batch" in caplog.text  # the attempt did fail and was redone
    assert outcomes(results) == (["requested"] if before else []) + [
        "NotFound", "requested", "refused", "delivered", "delivered"]
    replay = results[len(before) + 1]
    assert replay.replayed and replay.message["seq"] == 2  # the raced-in message
    assert stored(s, "alice", "bob") == [("bob", "after the collision"), ("alice", "last")]
    assert stored(s, "carol", "alice") == [("alice", "an earlier message"),
                                           ("alice", "raced in")]
    if before:
        assert stored(s, "dave", "carol") == [("carol", "first in the batch")]
    # Counted once each: the rolled-back batch left no events in the windows.
    assert counted(s, "alice") == 2 and counted(s, "bob") == 1
    again = s.send("alice", "bob", "last (retried)", client_msg_id="y")
    assert again.replayed and again.message == results[-1].message


def test_pending_counters_show_their_additions_and_hand_them_over_on_flush() -> None:
    base = MemoryCounters()
    base.add("k", 10.0, "a", 100.0)
    pending = PendingCounters(base)
    pending.add("k", 20.0, "b", 100.0)
    pending.add("k", 5.0, "early", 100.0)
    pending.add("other", 1.0, "x", 100.0)
    assert pending.since("k", 0.0) == [(5.0, "early"), (10.0, "a"), (20.0, "b")]
    assert pending.many_since([("k", 6.0), ("other", 0.0)]) == [[(10.0, "a"), (20.0, "b")],
                                                               [(1.0, "x")]]
    assert base.since("k", 0.0) == [(10.0, "a")]  # nothing counted until the flush
    pending.flush()
    assert base.since("k", 0.0) == pending.since("k", 0.0) == [(5.0, "early"), (10.0, "a"),
                                                               (20.0, "b")]


def test_a_prefetched_window_is_read_once_from_the_base() -> None:
    class Counted(MemoryCounters):
        reads = 0

        def many_since(self, queries):  # type: ignore[no-untyped-def]
            self.reads += 1
            return super().many_since(queries)

    base = Counted()
    base.add("k", 10.0, "a", 100.0)
    pending = PendingCounters(base)
    pending.prefetch([("k", 5.0)])
    assert [pending.since("k", t) for t in (5.0, 9.0, 10.0)] == [[(10.0, "a")]] * 2 + [[]]
    assert base.reads == 1  # the prefetch; the three reads came from it
    assert pending.since("k", 0.0) == [(10.0, "a")] and base.reads == 2  # earlier: the base
