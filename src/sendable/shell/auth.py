"""Passwords and sessions: how people prove who they are to a front end.

Passwords are stored as argon2 hashes. A session is an opaque bearer token
(`secrets.token_urlsafe`) stored only as its SHA-256, with an expiry. Failed
logins are counted per handle and per client address in moving windows on the
service clock (the same counters the send gate uses, so several nodes sharing
Redis share the throttle too).
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
from sendable.gate.windows import wait_for_room
from sendable.inputs import check_email
from sendable.service import Service
from sendable.store import sessions

__all__ = ["Auth", "Principal", "Throttle", "Throttled", "Unauthorized"]

MIN_PASSWORD = 8
MAX_PASSWORD = 256
_DAY = 86400.0


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
                 per_handle: Throttle = Throttle(10, 900.0),
                 per_address: Throttle = Throttle(50, 900.0),
                 cache_seconds: float = 5.0) -> None:
        self.service = service
        self.session_seconds = session_days * _DAY
        self.per_handle, self.per_address = per_handle, per_address
        self.cache_seconds = cache_seconds
        self._hasher = PasswordHasher()
        # Never compared against a real account: keeps a login for an unknown handle
        # as slow as one with a wrong password.
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))
        self._cache: dict[str, tuple[Principal, float]] = {}
        self._cache_lock = threading.Lock()

    # -- accounts -------------------------------------------------------------

    def register(self, handle: str, password: str, birthdate: date | str | None = None,
                 email: str | None = None) -> dict[str, Any]:
        if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
            raise Invalid(f"password must be {MIN_PASSWORD}-{MAX_PASSWORD} characters",
                          "password")
        email = check_email(email) if email is not None else None
        return self.service.create_account(handle, password_hash=self.hash_password(password),
                                           birthdate=birthdate, email=email)

    def hash_password(self, password: str) -> str:
        return self._hasher.hash(password)

    # -- sessions ---------------------------------------------------------------

    def login(self, handle: str, password: str, address: str = "unknown") -> tuple[str, float]:
        """A new session token and its expiry; raises Unauthorized or Throttled."""
        now = self.service.now()
        keys = (f"login:handle:{str(handle).lower()}", f"login:addr:{address}")
        for key, rule in zip(keys, (self.per_handle, self.per_address), strict=True):
            times = [t for t, _ in self.service.counters.since(key, now - rule.window)]
            wait = wait_for_room(times, now, rule.window, rule.limit)
            if wait is not None:
                raise Throttled("too many failed logins; try again later", wait, "handle")
        row = None
        if isinstance(handle, str):
            try:
                row = self.service.account(handle)
            except ServiceError:
                row = None
        stored = row["password_hash"] if row and row["password_hash"] else self._dummy_hash
        try:
            ok = self._hasher.verify(stored, password) and row is not None
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok or row is None or row["deactivated"]:
            member = secrets.token_hex(8)
            for key, rule in zip(keys, (self.per_handle, self.per_address), strict=True):
                self.service.counters.add(key, now, member, rule.window)
            raise Unauthorized("wrong handle or password", "password")
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
        digest = token_hash(token)
        with self._cache_lock:
            self._cache.pop(digest, None)
        with self.service.engine.begin() as conn:
            sessions.revoke(conn, digest, self.service.now())
