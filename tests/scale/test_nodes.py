"""Two Service instances on one PostgreSQL and one Redis behave as two nodes of one
deployment (the HTTP-level two-node test builds on this). Runs when the suite is
given PostgreSQL (and Redis, for shared limits): SQLite has one node by design."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from nodekit import NOW, friends

from sendable.clock import FixedClock


def _nodes(db_url: str, counters_uri: str | None, open_service: Callable[..., Any],
           policy: dict[str, Any], need_redis: bool) -> tuple[Any, Any]:
    if not db_url.startswith("postgresql"):
        pytest.skip("several nodes need PostgreSQL: set SENDABLE_TEST_DB")
    if need_redis and not counters_uri:
        pytest.skip("shared limits need Redis: set SENDABLE_TEST_REDIS")
    clock = FixedClock(NOW)
    a, b = open_service(policy, clock), open_service(policy, clock)
    return a, b


def _hammer(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run every job at once on its own thread; return results (or the exceptions)."""
    results: list[Any] = [None] * len(jobs)
    start = threading.Barrier(len(jobs))

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = jobs[i]()
        except Exception as error:  # collected and asserted on below
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_a_limit_hit_on_one_node_holds_on_the_other(db_url, counters_uri, open_service) -> None:  # type: ignore[no-untyped-def]
    node_a, node_b = _nodes(db_url, counters_uri, open_service,
                            {"rate_limits": {"messages": ["3/minute"]}}, need_redis=True)
    friends(node_a, "chatty", "pal")
    for i in range(3):
        assert node_a.send("chatty", "pal", f"message {i}").outcome == "delivered"
    refused = node_b.send("chatty", "pal", "one more")
    assert refused.outcome == "refused"
    assert [f.code for f in refused.decision.findings] == ["rate.messages"]
    assert not node_b.why("chatty", "pal", "and now?").sendable


def test_concurrent_sends_on_two_nodes_never_pass_a_limit(db_url, counters_uri,  # type: ignore[no-untyped-def]
                                                          open_service) -> None:
    node_a, node_b = _nodes(db_url, counters_uri, open_service,
                            {"rate_limits": {"messages": ["5/minute"]}}, need_redis=True)
    friends(node_a, "chatty", "pal")
    jobs = [(lambda n=n, i=i: n.send("chatty", "pal", f"burst {i}"))
            for i, n in enumerate([node_a, node_b] * 10)]
    results = _hammer(jobs)
    assert not [r for r in results if isinstance(r, Exception)], results
    outcomes = sorted(r.outcome for r in results)
    assert outcomes.count("delivered") == 5 and outcomes.count("refused") == 15


def test_concurrent_sends_in_one_conversation_from_both_ends(db_url, counters_uri,  # type: ignore[no-untyped-def]
                                                             open_service) -> None:
    node_a, node_b = _nodes(db_url, counters_uri, open_service, {}, need_redis=False)
    friends(node_a, "ann", "bob")
    jobs = []
    for i in range(12):
        jobs.append(lambda i=i: node_a.send("ann", "bob", f"from ann {i}"))
        jobs.append(lambda i=i: node_b.send("bob", "ann", f"from bob {i}"))
    results = _hammer(jobs)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert {r.outcome for r in results} == {"delivered"}
    [conversation] = node_b.conversations("ann")
    shown = node_a.messages("ann", conversation["id"], limit=200)
    assert [m["seq"] for m in shown] == list(range(1, 25))  # one conversation, no gap, no twin
    # Each account's stream got its events in id order = commit order: a reader that
    # saw id N never gets an id below N later.
    with node_a.engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT e.id, e.payload FROM events e JOIN accounts a ON a.id = e.account_id "
            "WHERE a.handle = 'ann' ORDER BY e.id")).all()
    seqs = [payload["message"]["seq"] for _, payload in rows]
    assert seqs == sorted(seqs) and len(seqs) == 24


def test_a_resuming_stream_never_skips_or_repeats_under_concurrent_sends(  # type: ignore[no-untyped-def]
        db_url, counters_uri, open_service) -> None:
    """Senders on two nodes write to one recipient while a reader on a third follows
    her stream the way a stream (or a client resuming with its cursor) does.

    Why it holds on PostgreSQL: an account's events are inserted only under that
    account's transaction-scoped advisory lock (a send locks sender and recipient,
    repo.insert_event locks its account); the id is drawn from the sequence while
    the lock is held, and the lock is released only once the commit is visible. So
    the next writer for that account draws a larger id and commits later: per
    account, id order is commit order, and `account_id = X AND id > cursor` can
    never show id N+1 before N. Streams read per account, so no global order is
    needed. (That needs the sequence to hand out ids in order, i.e. no per-session
    cache: checked below.)"""
    node_a, node_b = _nodes(db_url, counters_uri, open_service,
                            {"rate_limits": {"messages": ["1000/minute"]}}, need_redis=False)
    reader = open_service({}, FixedClock(NOW))
    senders = [f"fan{i}" for i in range(8)]
    for handle in ["star", *senders]:
        node_a.create_account(handle, created_at=NOW - 60 * 86400, verified=True, birthdate="1990-01-01")
    for handle in senders:
        node_a.follow(handle, "star")
        node_a.follow("star", handle)
    star = node_a.account("star")["id"]
    with node_a.engine.connect() as conn:
        cache = conn.execute(sa.text(
            "SELECT cache_size FROM pg_sequences WHERE sequencename = 'events_id_seq'")).scalar()
    assert cache == 1
    seen: list[int] = []
    done = threading.Event()

    def follow_stream() -> None:
        cursor = 0
        while True:
            finished = done.is_set()  # read before the last pass: it sees every commit
            for row in reader.events(star, cursor, 50):
                seen.append(row["id"])
                cursor = row["id"]
            if finished:
                return

    following = threading.Thread(target=follow_stream)
    following.start()
    jobs = [(lambda n=n, s=s, i=i: n.send(s, "star", f"{s} says {i}"))
            for i in range(6) for s, n in zip(senders, [node_a, node_b] * 4, strict=True)]
    results = _hammer(jobs)
    done.set()
    following.join()
    assert not [r for r in results if isinstance(r, Exception)], results
    with node_a.engine.connect() as conn:
        stored = [r[0] for r in conn.execute(sa.text(
            "SELECT id FROM events WHERE account_id = :a ORDER BY id"), {"a": star})]
    assert len(stored) == len(jobs)
    assert seen == stored  # nothing skipped, nothing twice, in order
