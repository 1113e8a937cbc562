"""Counters in Redis, shared by every node: one sorted set per key.

Scores are event times from the service's injected clock (never Redis TIME),
so that limits hold the same on every node and scenarios can advance time.
Members are unique (message ids), so recording an event twice, as a node's
warm-up after a restart does, changes nothing.

`add` is one Lua script (atomic: record, trim what is older than `keep`, renew
the key's expiry); `add_many` and `many_since` are one pipelined round trip
each. Times are sent as `repr(float)` and read back from Redis's 17-digit
scores, so they round-trip exactly. A key prefix (`?prefix=` in the URI, `sendable:` by default) lets
several deployments, test runs or scenarios share one Redis.
"""

from __future__ import annotations

import math
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import redis

DEFAULT_PREFIX = "sendable:"

# KEYS[1] the series; ARGV: time, member, drop-up-to time (inclusive), ttl ms.
_ADD = """
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
"""


def split_prefix(uri: str) -> tuple[str, str]:
    """(the URI without our `prefix` parameter, the prefix)."""
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    prefix = DEFAULT_PREFIX
    rest = []
    for name, value in query:
        if name == "prefix":
            prefix = value
        else:
            rest.append((name, value))
    return urlunsplit(parts._replace(query=urlencode(rest))), prefix


class RedisCounters:
    def __init__(self, uri: str, prefix: str | None = None,
                 ttl_margin: float = 60.0) -> None:
        url, uri_prefix = split_prefix(uri)
        self.prefix = uri_prefix if prefix is None else prefix
        self.client = redis.Redis.from_url(url)
        self._add = self.client.register_script(_ADD)
        # The key's expiry is garbage collection on Redis's own clock: a series
        # nobody added to for `keep` (plus a margin) holds nothing still counted
        # when the service clock is the real one.
        self._ttl_margin = ttl_margin

    def add(self, key: str, at: float, member: str, keep: float) -> None:
        self.add_many([(key, at, member, keep)])

    def add_many(self, events: list[tuple[str, float, str, float]]) -> None:
        """Each event's script in one pipelined round trip (each stays atomic)."""
        if not events:
            return
        pipe = self.client.pipeline(transaction=False)
        for key, at, member, keep in events:
            ttl_ms = max(1, math.ceil((keep + self._ttl_margin) * 1000))
            self._add(keys=[self.prefix + key], client=pipe,
                      args=[repr(float(at)), member, repr(float(at - keep)), ttl_ms])
        pipe.execute()

    def since(self, key: str, start: float) -> list[tuple[float, str]]:
        return self.many_since([(key, start)])[0]

    def many_since(self, queries: list[tuple[str, float]]) -> list[list[tuple[float, str]]]:
        if not queries:
            return []
        pipe = self.client.pipeline(transaction=False)
        for key, start in queries:
            pipe.zrangebyscore(self.prefix + key, f"({float(start)!r}", "+inf",
                               withscores=True)
        return [[(score, member.decode()) for member, score in rows]
                for rows in pipe.execute()]

    def many_times_since(self, queries: list[tuple[str, float]]) -> list[list[float]]:
        return [[at for at, _ in events] for events in self.many_since(queries)]

    def clear(self) -> int:
        """Delete every key under this prefix (scratch prefixes in tests and scenarios)."""
        removed = 0
        batch: list[bytes] = []
        for name in self.client.scan_iter(match=_glob_escape(self.prefix) + "*", count=1000):
            batch.append(name)
            if len(batch) >= 500:
                removed += self.client.unlink(*batch)
                batch.clear()
        if batch:
            removed += self.client.unlink(*batch)
        return removed

    def ping(self) -> None:
        self.client.ping()

    def close(self) -> None:
        self.client.close()


def _glob_escape(text: str) -> str:
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)
