"""Counter cost in Redis: memory per active sender and Redis operations per message.

    eval "$(bash ci/services.sh)"
    .venv/bin/python bench/counters.py [--redis URL] [--db URL] [--senders N]

1. Memory: N simulated senders, each with a day of traffic at a profile's rates,
   written through RedisCounters (the service's Lua add, key names and member
   shapes); then MEMORY USAGE on every key and the `used_memory` delta.
2. Operations: sends through a real Service (SQLite by default, or --db) with
   Redis counters; INFO commandstats before and after gives the commands Redis
   ran per send (commands inside the Lua script included), and a count of
   socket writes gives the round trips. The same sends give the store's side:
   SQL statements per send by kind and, on PostgreSQL, the WAL written and the
   table + index bytes added per message.

Everything lives under a scratch key prefix that is deleted at the end. INFO
commandstats is server-wide: run it on an otherwise idle Redis.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from collections import Counter
from dataclasses import dataclass

import redis
import sqlalchemy as sa

from sendable.clock import FixedClock
from sendable.counters.redis import RedisCounters
from sendable.policy import build_policy
from sendable.shell.facts import counter_keep, counter_keys
from sendable.store.temporary import temporary_counters, temporary_db

DAY = 86400.0
NOW = 1_780_000_000.0


@dataclass(frozen=True)
class Profile:
    name: str
    messages_per_day: int
    new_conversations_per_day: int
    stranger_messages_per_day: int


PROFILES = [
    Profile("typical (100 msgs/day, 5 new conversations, 10 to strangers)", 100, 5, 10),
    Profile("busy (600 msgs/day, 20 new conversations, 50 to strangers)", 600, 20, 50),
    Profile("at the default limits (3000/day, 100 new, 30 to strangers/h)", 3000, 100, 720),
]


def _stranger_member(message_id: int, recipient: int, fingerprint_bytes: int) -> str:
    return f"{message_id}:{recipient}:{'ab' * fingerprint_bytes}"


def memory_per_sender(uri: str, profile: Profile, senders: int, fingerprint_bytes: int,
                      seed: int = 7) -> dict[str, float]:
    """Fill `senders` senders with a day of `profile` traffic; measure their keys."""
    rng = random.Random(seed)
    counters = RedisCounters(uri)
    keep_msg, keep_conv, keep_stranger, _ = counter_keep(build_policy({}))
    before = counters.client.info("memory")["used_memory"]
    message_id = 10_000_000  # ids of a store that has been running a while
    for sender in range(1, senders + 1):
        msg_key, conv_key, stranger_key, _ = counter_keys(1_000_000 + sender)
        pipe = counters.client.pipeline(transaction=False)

        def add(key: str, at: float, member: str, keep: float, pipe=pipe) -> None:
            counters._add(keys=[counters.prefix + key],
                          args=[repr(at), member, repr(at - keep),
                                int((keep + 60) * 1000)], client=pipe)

        times = sorted(NOW - rng.random() * DAY for _ in range(profile.messages_per_day))
        conv = set(rng.sample(range(len(times)), min(len(times),
                                                     profile.new_conversations_per_day)))
        strangers = set(rng.sample(range(len(times)), min(len(times),
                                                          profile.stranger_messages_per_day)))
        for i, at in enumerate(times):
            message_id += rng.randint(1, 5000)  # other senders' messages in between
            add(msg_key, at, str(message_id), keep_msg)
            if i in conv:
                add(conv_key, at, str(message_id), keep_conv)
            if i in strangers:
                add(stranger_key, at, _stranger_member(message_id, rng.randint(1, 10**7),
                                                       fingerprint_bytes), keep_stranger)
        pipe.execute()
    sizes = {"msg": 0, "conv": 0, "stranger": 0}
    entries = {"msg": 0, "conv": 0, "stranger": 0}
    for name in counters.client.scan_iter(match=counters.prefix + "*", count=1000):
        kind = name.decode().removeprefix(counters.prefix).split(":", 1)[0]
        sizes[kind] += counters.client.memory_usage(name, samples=0) or 0
        entries[kind] += counters.client.zcard(name)
    after = counters.client.info("memory")["used_memory"]
    counters.clear()
    counters.close()
    return {"bytes_per_sender": sum(sizes.values()) / senders,
            "used_memory_delta_per_sender": (after - before) / senders,
            **{f"{k}_bytes": v / senders for k, v in sizes.items()},
            **{f"{k}_events": v / senders for k, v in entries.items()}}


class _RoundTrips:
    """Counts what redis-py writes to its sockets: one write is one round trip."""

    def __init__(self) -> None:
        self.count = 0
        self._original = redis.connection.AbstractConnection.send_packed_command

    def __enter__(self) -> _RoundTrips:
        original, me = self._original, self

        def counting(conn, command, check_health=True):  # type: ignore[no-untyped-def]
            me.count += 1
            return original(conn, command, check_health)

        redis.connection.AbstractConnection.send_packed_command = counting  # type: ignore[method-assign]
        return self

    def __exit__(self, *_: object) -> None:
        redis.connection.AbstractConnection.send_packed_command = self._original  # type: ignore[method-assign]


def _commandstats(client: redis.Redis) -> Counter[str]:
    return Counter({name.removeprefix("cmdstat_"): stats["calls"]
                    for name, stats in client.info("commandstats").items()})


def operations_per_send(uri: str, db: str | None, sends: int) -> dict[str, object]:
    from sendable.service import Service

    clock = FixedClock(NOW)
    # Limits out of the way: this measures the cost of counting, not refusals.
    policy = build_policy({"rate_limits": {"messages": ["100000/day"],
                                           "new_conversations": ["100000/day"]},
                           "requests": {"max_unanswered": 100000},
                           "spam": {"fanout_per_hour": 100000, "duplicate_recipients": 100000}})
    with temporary_db(db) as url:
        service = Service.open(url, policy, clock, uri)
        people = [f"user{i}" for i in range(60)]
        for handle in people:
            service.create_account(handle, created_at=NOW - 90 * DAY, verified=True, birthdate="1990-01-01")
        for i, handle in enumerate(people[:30]):  # friends in pairs; the rest are strangers
            service.follow(handle, people[(i + 1) % 30])
            service.follow(people[(i + 1) % 30], handle)
        rng = random.Random(3)
        kinds = ["friend", "friend", "friend", "stranger"]
        plan = []
        for i in range(sends):
            kind = rng.choice(kinds)
            a = rng.randrange(30)
            b = (a + 1) % 30 if kind == "friend" else 30 + rng.randrange(30)
            plan.append((people[a], people[b], f"message number {i} about {rng.random()}"))
        client = service.counters.client  # type: ignore[attr-defined]
        results: Counter[str] = Counter()
        statements: Counter[str] = Counter()

        def count_statement(_conn, _cursor, statement, *_: object) -> None:  # type: ignore[no-untyped-def]
            text = statement.lstrip().lower()
            statements["advisory lock" if "pg_advisory" in text else text.split(None, 1)[0]] += 1

        store_before = _store_bytes(service.engine)
        before = _commandstats(client)
        sa.event.listen(service.engine, "before_cursor_execute", count_statement)
        with _RoundTrips() as trips:
            started = time.perf_counter()
            for sender, to, text in plan:
                clock.advance(0.5)
                results[service.send(sender, to, text).outcome] += 1
            elapsed = time.perf_counter() - started
        sa.event.remove(service.engine, "before_cursor_execute", count_statement)
        store_after = _store_bytes(service.engine)
        delta = _commandstats(client) - before
        delta.pop("info", None)
        why_before = _commandstats(client)
        with _RoundTrips() as why_trips:
            for sender, to, text in plan[:200]:
                service.why(sender, to, text)
        why_delta = _commandstats(client) - why_before
        why_delta.pop("info", None)
        service.close()
    return {"sends": sends, "outcomes": dict(results), "seconds": elapsed,
            "commands": {k: v / sends for k, v in sorted(delta.items())},
            "commands_total": sum(delta.values()) / sends,
            "round_trips": trips.count / sends,
            "why_commands_total": sum(why_delta.values()) / 200,
            "why_round_trips": why_trips.count / 200,
            "statements": {k: v / sends for k, v in statements.most_common()},
            "store": {k: (store_after[k] - store_before[k]) / sends for k in store_before}}


_TABLES = ("messages", "events", "conversations", "audit_log")


def _store_bytes(engine: sa.Engine) -> dict[str, float]:
    """PostgreSQL: the WAL position and the size of the tables a send writes."""
    if engine.dialect.name != "postgresql":
        return {}
    with engine.connect() as conn:
        wal = conn.execute(sa.text("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')")).scalar()
        sizes = {t: conn.execute(sa.text("SELECT pg_total_relation_size(:t)"), {"t": t}).scalar()
                 for t in _TABLES}
    return {"wal (server-wide)": float(wal), **{t: float(v) for t, v in sizes.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--redis", default=os.environ.get("SENDABLE_TEST_REDIS",
                                                          "redis://127.0.0.1:6379/0"))
    parser.add_argument("--db", default=os.environ.get("SENDABLE_TEST_DB"),
                        help="PostgreSQL URL for part 2 (default: SENDABLE_TEST_DB, else SQLite)")
    parser.add_argument("--senders", type=int, default=300)
    parser.add_argument("--sends", type=int, default=1000)
    parser.add_argument("--fingerprint-bytes", type=int, default=513,
                        help="size of a message's near-duplicate fingerprint (MinHash, 128 perms)")
    args = parser.parse_args()

    with temporary_counters(args.redis) as uri:
        assert uri is not None
        client = redis.Redis.from_url(args.redis.split("?")[0])
        config = client.config_get("zset-max-listpack-*") or client.config_get("zset-max-ziplist-*")
        version = client.info("server")["redis_version"]
        client.close()
        print(f"Redis {version}; {config}")
        print(f"1. Counter memory per active sender ({args.senders} senders, a day of traffic, "
              f"{args.fingerprint_bytes}-byte fingerprints on stranger messages)")
        for profile in PROFILES:
            m = memory_per_sender(uri, profile, args.senders, args.fingerprint_bytes)
            print(f"   {profile.name}:")
            print(f"     {m['bytes_per_sender']:,.0f} B/sender by MEMORY USAGE "
                  f"({m['used_memory_delta_per_sender']:,.0f} B by used_memory delta); "
                  f"msg {m['msg_bytes']:,.0f} B for {m['msg_events']:.0f} events, "
                  f"conv {m['conv_bytes']:,.0f} B for {m['conv_events']:.0f}, "
                  f"stranger {m['stranger_bytes']:,.0f} B for {m['stranger_events']:.0f}")
        m = memory_per_sender(uri, PROFILES[0], args.senders, 0)
        print(f"   typical, stranger members without the fingerprint: "
              f"{m['bytes_per_sender']:,.0f} B/sender")

    with temporary_counters(args.redis) as uri:
        assert uri is not None
        backend = "PostgreSQL" if args.db else "SQLite"
        print(f"2. Redis operations per send through the Service ({backend} store, "
              f"3 of 4 sends to friends, 1 of 4 to strangers)")
        ops = operations_per_send(uri, args.db, args.sends)
        print(f"   {ops['sends']} sends {ops['outcomes']} in {ops['seconds']:.2f}s "
              f"({ops['sends'] / ops['seconds']:,.0f}/s, one thread)")
        print(f"   {ops['commands_total']:.2f} Redis commands per send "
              f"(commands run inside the Lua script counted): "
              + ", ".join(f"{k} {v:.2f}" for k, v in ops["commands"].items()))
        print(f"   {ops['round_trips']:.2f} round trips per send; "
              f"a `why`: {ops['why_commands_total']:.2f} commands in "
              f"{ops['why_round_trips']:.2f} round trips")
        print(f"   {sum(ops['statements'].values()):.2f} SQL statements per send (one "
              f"transaction): " + ", ".join(f"{k} {v:.2f}" for k, v in ops["statements"].items()))
        if ops["store"]:
            print("   PostgreSQL bytes per send: " + ", ".join(
                f"{k} {v:,.0f}" for k, v in ops["store"].items())
                + " (WAL is server-wide: other clients' writes count too)")


if __name__ == "__main__":
    main()
