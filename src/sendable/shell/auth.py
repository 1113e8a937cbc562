"""Passwords and sessions: how people prove who they are to a front end.

Passwords are stored as argon2 hashes, made in a bounded number of slots
(shell/hashing.py). A session is an opaque bearer token (`secrets.token_urlsafe`)
stored only as its SHA-256, with an expiry. Sign-ups and sign-ins are throttled
per source address and per account, and wrong passwords earn growing delays per
account and address together, never a lockout (shell/throttle.py; kept in the
store, or in Redis when the server has one).

Signing out ends the session's live streams on every node: the sign-out adds a
`signed_out` event to the account's stream, which wakes its streams here and,
through the cross-node wake-up, everywhere; each stream of that session closes
(api/stream.py). Pages open their stream with a *stream ticket* (`mint_ticket`):
short-lived, single-use, tied to one session, so no page carries the session token.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from dataclasses import dataclass
from datetime import date
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from sendable.errors import Invalid, ServiceError, Throttled
from sendable.inputs import check_email
from sendable.service import Service
from sendable.shell.hashing import HashSlots, default_slots
from sendable.shell.throttle import SignInThrottle
from sendable.store import accounts as db_accounts
from sendable.store import events as db_events
from sendable.store import sessions, tickets

__all__ = ["Auth", "Principal", "Throttle", "Throttled", "Unauthorized"]

MIN_PASSWORD = 8
MAX_PASSWORD = 256
_DAY = 86400.0
TICKET_SECONDS = 60.0
SIGNED_OUT = "signed_out"  # the stream event that ends a session's streams


class Unauthorized(ServiceError):
    status = 401


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a valid token belongs to."""

    id: int
    handle: str
    role: str
    expires_at: float


@dataclass(frozen=True, slots=True)
class Throttle:
    limit: int
    window: float  # seconds


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Auth:
    def __init__(self, service: Service, *, session_days: float = 30.0,
                 cache_seconds: float = 5.0, hash_slots: int | None = None) -> None:
        self.service = service
        self.session_seconds = session_days * _DAY
        self.cache_seconds = cache_seconds
        self._hasher = PasswordHasher()
        self.slots = HashSlots(hash_slots or default_slots(self._hasher.memory_cost))
        self.throttle = SignInThrottle(service.shell.unit, service.counters,
                                       service.policy.auth)
        # Never compared against a real account: keeps a login for an unknown handle
        # as slow as one with a wrong password.
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))
        self._cache: dict[str, tuple[Principal, float]] = {}
        self._cache_lock = threading.Lock()

    # -- accounts -------------------------------------------------------------

    def register(self, handle: str, password: str, birthdate: date | str | None = None,
                 email: str | None = None, address: str = "unknown") -> dict[str, Any]:
        """A new account; sign-ups are throttled per source address (429, retry_after)."""
        _check_password(password, "password")
        email = check_email(email) if email is not None else None
        self.throttle.signup(address, self.service.now())
        return self.service.create_account(handle, password_hash=self.hash_password(password),
                                           birthdate=birthdate, email=email)

    def hash_password(self, password: str) -> str:
        with self.slots.slot():
            return self._hasher.hash(password)

    def _verify(self, stored: str, password: str) -> bool:
        with self.slots.slot():
            try:
                return self._hasher.verify(stored, password)
            except (VerificationError, InvalidHashError):
                return False

    def change_password(self, token: str, current: str, new: str,
                        address: str = "unknown") -> None:
        """Change the signed-in account's password (the current one must be right,
        throttled as a sign-in); every other session of the account ends."""
        me = self.authenticate(token)
        _check_password(new, "new_password")
        now = self.service.now()
        self.throttle.before_login(me.handle, address, now)
        row = self.service.account(me.handle)
        if not isinstance(current, str) or not row["password_hash"] \
                or not self._verify(row["password_hash"], current):
            self.throttle.failed(me.handle, address, now)
            raise Unauthorized("the current password is wrong", "current_password")
        hashed = self.hash_password(new)
        keep = token_hash(token)
        with self.service.shell.unit.write() as conn:
            db_accounts.update_account(conn, me.id, password_hash=hashed)
            ended = sessions.revoke_others(conn, me.id, keep, now)
            if ended:
                db_events.add(conn, me.id, now, SIGNED_OUT, {"sessions": ended})
        with self._cache_lock:
            for digest in ended:
                self._cache.pop(digest, None)

    # -- sessions ---------------------------------------------------------------

    def login(self, handle: str, password: str, address: str = "unknown") -> tuple[str, float]:
        """A new session token and its expiry; raises Unauthorized or Throttled."""
        now = self.service.now()
        self.throttle.before_login(str(handle)[:MAX_PASSWORD], address, now)
        row = None
        if isinstance(handle, str):
            try:
                row = self.service.account(handle)
            except ServiceError:
                row = None
        stored = row["password_hash"] if row and row["password_hash"] else self._dummy_hash
        ok = isinstance(password, str) and self._verify(stored, password) and row is not None
        if not ok or row is None or row["deactivated"]:
            self.throttle.failed(str(handle)[:MAX_PASSWORD], address, now)
            raise Unauthorized("wrong handle or password", "password")
        self.throttle.succeeded(row["handle"], address, now)
        token = secrets.token_urlsafe(32)
        expires_at = now + self.session_seconds
        with self.service.engine.begin() as conn:
            sessions.insert(conn, token_hash(token), row["id"], now, expires_at)
        return token, expires_at

    def cached(self, token: str | None) -> Principal | None:
        """The principal for a token validated in the last few seconds; no I/O."""
        if not token:
            return None
        now = self.service.now()
        with self._cache_lock:
            cached = self._cache.get(token_hash(token))
        if cached and cached[1] > now and cached[0].expires_at > now:
            return cached[0]
        return None

    def authenticate(self, token: str | None) -> Principal:
        """The principal behind a bearer token. Valid tokens are remembered for a few
        seconds, so a logout on another node takes at most that long to bite."""
        if not token:
            raise Unauthorized("sign in first: send Authorization: Bearer <token>", "token")
        cached = self.cached(token)
        if cached is not None:
            return cached
        digest, now = token_hash(token), self.service.now()
        with self.service.engine.connect() as conn:
            row = sessions.live(conn, digest, now)
        if row is None or row["deactivated"]:
            with self._cache_lock:
                self._cache.pop(digest, None)
            raise Unauthorized("this token is not valid (expired or signed out)", "token")
        principal = Principal(row["id"], row["handle"], row["role"], row["expires_at"])
        with self._cache_lock:
            if len(self._cache) > 50_000:
                self._cache.clear()
            self._cache[digest] = (principal, now + self.cache_seconds)
        return principal

    def logout(self, token: str) -> None:
        """End the session, and with it its live streams on every node."""
        digest = token_hash(token)
        with self._cache_lock:
            self._cache.pop(digest, None)
        now = self.service.now()
        with self.service.shell.unit.write() as conn:
            account = sessions.account_of(conn, digest)
            if sessions.revoke(conn, digest, now) and account is not None:
                db_events.add(conn, account, now, SIGNED_OUT, {"sessions": [digest]})

    # -- stream tickets -----------------------------------------------------------------

    def mint_ticket(self, token: str | None) -> tuple[str, float]:
        """A single-use ticket that opens one live stream for this session within
        TICKET_SECONDS: (ticket, seconds it stays valid)."""
        me = self.authenticate(token)
        ticket, now = secrets.token_urlsafe(32), self.service.now()
        with self.service.shell.unit.write() as conn:
            tickets.insert(conn, token_hash(ticket), token_hash(token or ""), me.id, now,
                           now + TICKET_SECONDS)
        return ticket, TICKET_SECONDS

    def redeem_ticket(self, ticket: str | None) -> tuple[Principal, str]:
        """The principal and session digest behind a ticket, using it up; Unauthorized
        if it is unknown, used, expired, or its session has ended."""
        if not ticket:
            raise Unauthorized("a stream ticket is needed", "ticket")
        now = self.service.now()
        with self.service.shell.unit.write() as conn:
            row = tickets.redeem(conn, token_hash(ticket), now)
            live = sessions.live(conn, row["session_hash"], now) if row else None
        if row is None or live is None or live["deactivated"]:
            raise Unauthorized("this stream ticket is not valid (used, expired or signed out)",
                               "ticket")
        return (Principal(live["id"], live["handle"], live["role"], live["expires_at"]),
                row["session_hash"])


def _check_password(password: Any, field: str) -> None:
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise Invalid(f"password must be {MIN_PASSWORD}-{MAX_PASSWORD} characters", field)
