"""Throttling sign-ups and sign-ins, without a lockout anyone else can trigger.

- **Rates** (policy `[auth]`, each a list like `["60/minute"]`, with `retry_after`):
  sign-up attempts per source address (`signups_per_address`), sign-in attempts
  per source address (`logins_per_address`), and successful sign-ins per account
  (`logins_per_account`; only the owner can make those, so a stranger cannot use
  it against them).
- **Growing delays, never a lockout.** Wrong passwords are counted per account
  *and source address together*. After `free_failures` of them, each further try
  from that address for that account waits twice as long as the last
  (`first_delay`, then 2×, 4×, … up to `max_delay`), and one success there
  starts afresh.
  Someone guessing from another address only slows their own address down. An
  address that has signed in to the account before is *known* to it, and is
  slowed by nothing but its own wrong passwords; an unknown address is also slowed
  when the account as a whole, or the address as a whole, draws many failures
  (a guess spread over many addresses, or one address guessing many accounts),
  with a shorter cap for the account-wide delay (`max_delay / 15`, at least 1 s).
- **Kept in the store** (table `auth_counters`) so a restart resets nothing; on a
  server given Redis (`--redis`), in Redis, shared by every node.

Every check happens before any password is hashed, so a throttled attempt costs
no argon2 work.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Iterable

from sendable.counters.memory import MemoryCounters
from sendable.durations import RateLimit
from sendable.errors import Throttled
from sendable.gate.windows import wait_for_room
from sendable.policy import AuthLimits
from sendable.store import auth_counters as db_counters
from sendable.store.unit import Unit

_DAY = 86400.0
_KNOWN_FOR = 90 * _DAY


class StoreCounters:
    """The moving-window counters interface over the store's `auth_counters` table."""

    def __init__(self, unit: Unit) -> None:
        self.unit = unit

    def add(self, key: str, at: float, member: str, keep: float) -> None:
        with self.unit.write() as conn:
            db_counters.add(conn, key, at, member, keep)

    def since(self, key: str, start: float) -> list[tuple[float, str]]:
        with self.unit.read() as conn:
            return db_counters.since(conn, key, start)


def delay(failures: int, free: int, cap: float, first: float = 1.0) -> float:
    """The wait a run of `failures` wrong passwords earns: none for the first `free`,
    then `first`, twice that, four times, … up to `cap`."""
    if failures <= free:
        return 0.0
    return min(cap, first * 2.0 ** min(failures - free - 1, 40))


class SignInThrottle:
    def __init__(self, unit: Unit, counters: object, limits: AuthLimits) -> None:
        # Redis counters survive restarts and are shared; in-process ones do neither,
        # so then the store keeps the throttle.
        self.counters = StoreCounters(unit) if isinstance(counters, MemoryCounters) \
            else counters
        self.limits = limits

    # -- rates ---------------------------------------------------------------------------

    def _rate(self, key: str, rules: Iterable[RateLimit], now: float, what: str,
              field: str) -> None:
        rules = tuple(rules)
        if not rules:
            return
        times = [t for t, _ in self.counters.since(key, now - max(r.window for r in rules))]
        waits = [w for r in rules if (w := wait_for_room(times, now, r.window, r.limit))]
        if waits:
            raise Throttled(f"too many {what} for now; try again later", max(waits), field)

    def _count(self, key: str, rules: Iterable[RateLimit], now: float) -> None:
        rules = tuple(rules)
        if rules:
            self.counters.add(key, now, secrets.token_hex(8), max(r.window for r in rules))

    def signup(self, address: str, now: float) -> None:
        """Count one sign-up attempt from `address`, or raise Throttled."""
        key = f"auth:signup:addr:{address}"
        self._rate(key, self.limits.signups_per_address, now, "sign-ups from here", "handle")
        self._count(key, self.limits.signups_per_address, now)

    # -- sign-in ---------------------------------------------------------------------------

    @staticmethod
    def _keys(handle: str, address: str) -> dict[str, str]:
        h = handle.lower()
        return {"pair": f"auth:fail:pair:{h}|{address}", "account": f"auth:fail:acct:{h}",
                "address": f"auth:fail:addr:{address}", "ok_pair": f"auth:ok:pair:{h}|{address}",
                "ok_account": f"auth:ok:acct:{h}", "attempts": f"auth:login:addr:{address}"}

    def _failures(self, key: str, reset_key: str | None, now: float) -> list[float]:
        """Failure times in the last day, after the last success (`reset_key`)."""
        start = now - _DAY
        if reset_key is not None:
            oks = self.counters.since(reset_key, now - _KNOWN_FOR)
            if oks:
                start = max(start, oks[-1][0])
        return [t for t, _ in self.counters.since(key, start)]

    def before_login(self, handle: str, address: str, now: float) -> None:
        """Raise Throttled if this attempt must wait; counts the attempt otherwise."""
        keys, limits = self._keys(handle, address), self.limits
        self._rate(keys["attempts"], limits.logins_per_address, now, "sign-in attempts from here",
                   "handle")
        self._rate(keys["ok_account"], limits.logins_per_account, now,
                   "sign-ins to this account", "handle")
        cap, free = limits.max_delay, limits.free_failures
        known = bool(self.counters.since(keys["ok_pair"], now - _KNOWN_FOR))
        series = [(self._failures(keys["pair"], keys["ok_pair"], now), free, cap)]
        if not known:
            series.append((self._failures(keys["account"], keys["ok_account"], now),
                           4 * free, max(1.0, cap / 15)))
            series.append((self._failures(keys["address"], None, now), 4 * free, cap))
        waits = [last + delay(len(times), free_, cap_, limits.first_delay) - now
                 for times, free_, cap_ in series if times
                 for last in (times[-1],)]
        wait = max([w for w in waits if w > 0], default=0.0)
        if wait > 0:
            raise Throttled("too many wrong passwords; try again later",
                            max(1, math.ceil(wait)), "password")
        self._count(keys["attempts"], limits.logins_per_address, now)

    def failed(self, handle: str, address: str, now: float) -> None:
        keys = self._keys(handle, address)
        member = secrets.token_hex(8)
        for name in ("pair", "account", "address"):
            self.counters.add(keys[name], now, member, _DAY)

    def succeeded(self, handle: str, address: str, now: float) -> None:
        keys = self._keys(handle, address)
        member = secrets.token_hex(8)
        keep = max([_KNOWN_FOR, *(r.window for r in self.limits.logins_per_account)])
        self.counters.add(keys["ok_pair"], now, member, _KNOWN_FOR)
        self.counters.add(keys["ok_account"], now, member, keep)
