"""The Counters contract on the backend this run uses (in-process, or Redis when
SENDABLE_TEST_REDIS is set), then what only Redis promises."""

from __future__ import annotations

import threading

from sendable.clock import FixedClock
from sendable.counters import open_counters
from sendable.counters.memory import PendingCounters
from sendable.counters.redis import RedisCounters

T0 = 1_780_000_000.123456  # sub-second times must survive the round trip exactly


def test_since_is_strictly_after_and_oldest_first(counters_uri: str | None) -> None:
    counters = open_counters(counters_uri)
    for offset, member in [(10.0, "b"), (0.0, "a"), (20.5, "c")]:
        counters.add("k", T0 + offset, member, keep=3600)
    assert counters.since("k", T0 - 1) == [(T0, "a"), (T0 + 10.0, "b"), (T0 + 20.5, "c")]
    assert counters.since("k", T0) == [(T0 + 10.0, "b"), (T0 + 20.5, "c")]
    assert counters.since("k", T0 + 20.5) == []
    assert counters.since("never-written", 0.0) == []


def test_events_older_than_keep_are_trimmed_on_add(counters_uri: str | None) -> None:
    counters = open_counters(counters_uri)
    counters.add("k", T0, "old", keep=60)
    counters.add("k", T0 + 30, "mid", keep=60)
    counters.add("k", T0 + 60, "edge", keep=60)  # drops `old`: exactly `keep` ago
    assert [m for _, m in counters.since("k", 0.0)] == ["mid", "edge"]
    counters.add("k", T0 + 200, "late", keep=60)
    assert counters.since("k", 0.0) == [(T0 + 200, "late")]


def test_many_since_answers_each_query_in_order(counters_uri: str | None) -> None:
    counters = open_counters(counters_uri)
    counters.add("msg:1", T0, "1", keep=60)
    counters.add("msg:1", T0 + 1, "2", keep=60)
    counters.add("conv:1", T0, "1", keep=86400)
    got = counters.many_since([("msg:1", T0), ("conv:1", 0.0), ("stranger:1", 0.0),
                               ("msg:1", 0.0)])
    assert got == [[(T0 + 1, "2")], [(T0, "1")], [], [(T0, "1"), (T0 + 1, "2")]]
    assert counters.many_since([]) == []


def test_times_since_are_the_times_of_since(counters_uri: str | None) -> None:
    counters = open_counters(counters_uri)
    for offset, member in [(5.0, "b"), (0.0, "a"), (2.5, "late insert"), (9.0, "c")]:
        counters.add("k", T0 + offset, member, keep=3600)
    for start in (0.0, T0, T0 + 2.5, T0 + 9.0):
        assert counters.many_times_since([("k", start)]) == [
            [at for at, _ in counters.since("k", start)]]
    assert counters.many_times_since([("k", T0), ("none", 0.0)]) == [
        [T0 + 2.5, T0 + 5.0, T0 + 9.0], []]
    pending = PendingCounters(counters)
    pending.add("k", T0 + 1.0, "pending, between", 3600.0)
    pending.add("k", T0 + 20.0, "pending, after", 3600.0)
    assert pending.many_times_since([("k", T0)]) == [
        [T0 + 1.0, T0 + 2.5, T0 + 5.0, T0 + 9.0, T0 + 20.0]]
    pending.prefetch([("k", T0 + 3.0)])  # from the prefetched pairs, as the batch reads
    assert pending.many_times_since([("k", T0 + 4.0)]) == [[T0 + 5.0, T0 + 9.0, T0 + 20.0]]


def test_add_many_is_each_add_in_one_call(counters_uri: str | None) -> None:
    counters = open_counters(counters_uri)
    counters.add_many([("a", T0, "1", 60.0), ("b", T0 + 1, "2", 60.0), ("a", T0 + 2, "3", 60.0),
                       ("a", T0 + 61, "4", 60.0)])  # trims "1", as its own add would
    assert counters.many_since([("a", 0.0), ("b", 0.0)]) == [
        [(T0 + 2, "3"), (T0 + 61, "4")], [(T0 + 1, "2")]]
    counters.add_many([])


def test_prefetched_windows_read_as_the_base_plus_what_is_pending(
        counters_uri: str | None) -> None:
    base = open_counters(counters_uri)
    base.add_many([("k", T0 + i, str(i), 3600.0) for i in range(5)])
    pending = PendingCounters(base)
    pending.prefetch([("k", T0 + 1), ("empty", 0.0)])
    pending.add("k", T0 + 10, "new", 3600.0)
    assert pending.since("k", T0 + 2) == [(T0 + 3, "3"), (T0 + 4, "4"), (T0 + 10, "new")]
    assert pending.since("empty", T0) == []
    # From before the prefetched start: read from the base again, not cut short.
    assert [m for _, m in pending.since("k", 0.0)] == ["0", "1", "2", "3", "4", "new"]
    pending.flush()
    base.add("k", T0 + 11, "elsewhere", 3600.0)
    assert [m for _, m in pending.since("k", T0 + 4)] == ["new", "elsewhere"]


def test_redis_members_are_unique(redis_counters: RedisCounters) -> None:
    redis_counters.add("k", T0, "m1", keep=60)
    redis_counters.add("k", T0, "m1", keep=60)  # a node's warm-up re-adding it: no change
    assert redis_counters.since("k", 0.0) == [(T0, "m1")]


def test_redis_key_expires_after_keep(redis_counters: RedisCounters) -> None:
    redis_counters.add("k", T0, "m1", keep=60)
    ttl = redis_counters.client.pttl(redis_counters.prefix + "k")
    assert 60_000 < ttl <= (60 + 60) * 1000  # keep plus the margin, in Redis's own time


def test_redis_scores_are_the_injected_clock_not_redis_time(open_service,
                                                           redis_counters: RedisCounters) -> None:
    clock = FixedClock(946_684_800.25)  # 2000-01-01: far from Redis's clock
    service = open_service(clock=clock)
    service.create_account("ann", created_at=clock.now() - 30 * 86400, birthdate="1970-01-01")
    service.create_account("bob", created_at=clock.now() - 30 * 86400, birthdate="1970-01-01")
    service.follow("bob", "ann")
    service.follow("ann", "bob")
    sent = service.send("ann", "bob", "hello")
    assert sent.outcome == "delivered"
    ann = service.account("ann")["id"]
    score = redis_counters.client.zscore(redis_counters.prefix + f"msg:{ann}",
                                         str(sent.message["id"]))
    assert score == 946_684_800.25


def test_redis_prefixes_are_separate(redis_counters: RedisCounters) -> None:
    other = RedisCounters(f"redis://{_host(redis_counters)}?prefix={redis_counters.prefix}other:")
    try:
        redis_counters.add("k", T0, "mine", keep=60)
        other.add("k", T0, "theirs", keep=60)
        assert redis_counters.since("k", 0.0) == [(T0, "mine")]
        assert other.clear() == 1
        assert redis_counters.since("k", 0.0) == [(T0, "mine")]
    finally:
        other.close()


def test_redis_add_is_atomic_under_concurrent_threads(redis_counters: RedisCounters) -> None:
    threads, per_thread, keep = 8, 150, 1000.0

    def work(n: int) -> None:
        client = RedisCounters(f"redis://{_host(redis_counters)}?prefix={redis_counters.prefix}")
        try:
            for i in range(per_thread):
                # interleaved times from every thread; each add trims to its own `at - keep`
                client.add("hot", T0 + i * 10 + n * 0.001, f"{n}:{i}", keep)
        finally:
            client.close()

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    last = T0 + (per_thread - 1) * 10 + 1
    redis_counters.add("hot", last, "last", keep)  # trims everything <= last - keep
    events = redis_counters.since("hot", 0.0)
    expected = sorted((T0 + i * 10 + n * 0.001, f"{n}:{i}") for n in range(threads)
                      for i in range(per_thread) if T0 + i * 10 + n * 0.001 > last - keep)
    assert events == [*expected, (last, "last")]
    assert len(events) == threads * 100 + 1  # the last 100 steps of each thread, and `last`


def _host(counters: RedisCounters) -> str:
    kwargs = counters.client.connection_pool.connection_kwargs
    return f"{kwargs.get('host', '127.0.0.1')}:{kwargs.get('port', 6379)}/{kwargs.get('db', 0)}"
