"""Contact data in the form it is stored: normalised, then hashed under a server secret.

An email is trimmed and case-folded; a phone number is parsed (the policy's
`contacts.default_region` for numbers written without +country) and written in
E.164. Each is then hashed with HMAC-SHA256 under the server's contact secret,
as `<kind>:<value>`, so a stored hash is neither the value nor its plain SHA-256,
and cannot be tested against a guessed value without the secret.

The secret is 32 random bytes, generated on first start and never logged. It is
kept in a file when one is named (`sendable serve --contact-secret-file PATH`,
or the environment variable SENDABLE_CONTACT_SECRET_FILE), so that a copy of
the database alone cannot be used to test guesses; otherwise in the database
(table `server_secrets`), shared by every node.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import weakref
from pathlib import Path

import phonenumbers

from sendable.errors import Invalid
from sendable.inputs import EMAIL_PATTERN
from sendable.store import contacts as db_contacts
from sendable.store.unit import Unit

SECRET_ENV = "SENDABLE_CONTACT_SECRET_FILE"
_SECRET_NAME = "contact_key"
_secret_file: Path | None = None


def use_secret_file(path: str | Path | None) -> None:
    """Keep the contact secret in this file (created, 0600, on first start)."""
    global _secret_file
    _secret_file = Path(path) if path else None


def secret_file() -> Path | None:
    if _secret_file is not None:
        return _secret_file
    named = os.environ.get(SECRET_ENV, "").strip()
    return Path(named) if named else None


def normalise_email(value: object, field: str = "email") -> str:
    if not isinstance(value, str) or len(value) > 320:
        raise Invalid("must be an address like name@example.org", field)
    text = value.strip().casefold()
    if not EMAIL_PATTERN.match(text):
        raise Invalid("must be an address like name@example.org", field)
    return text


def normalise_phone(value: object, region: str, field: str = "phone") -> str:
    """E.164 (`+14155550123`); a number without +country is read in `region`."""
    if not isinstance(value, str) or not value.strip() or len(value) > 40:
        raise Invalid("must be a phone number like +1 415 555 0123", field)
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        raise Invalid("must be a phone number like +1 415 555 0123", field) from None
    if not phonenumbers.is_valid_number(number):
        raise Invalid("is not a valid phone number", field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _read_or_create_file(path: Path) -> bytes:
    try:
        return bytes.fromhex(path.read_text().strip())
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_bytes(32)
    try:  # exclusive: two nodes starting together keep one secret
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return bytes.fromhex(path.read_text().strip())
    with os.fdopen(fd, "w") as out:
        out.write(value.hex() + "\n")
    return value


class ContactKeys:
    """The keyed hash of normalised contact values, for one database."""

    def __init__(self, unit: Unit, now: float = 0.0) -> None:
        self.unit = unit
        self._now = now
        self._key: bytes | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # never the key
        return "ContactKeys(<secret>)"

    def key(self) -> bytes:
        with self._lock:
            if self._key is None:
                path = secret_file()
                if path is not None:
                    self._key = _read_or_create_file(path)
                else:
                    with self.unit.write() as conn:  # joins a write already open
                        kept = db_contacts.secret(conn, _SECRET_NAME)
                        if kept is None:
                            kept = db_contacts.put_secret_once(
                                conn, _SECRET_NAME, secrets.token_hex(32), self._now)
                    self._key = bytes.fromhex(kept)
            return self._key

    def digest(self, kind: str, value: str) -> str:
        """HMAC-SHA256 of an already normalised value, hex."""
        return hmac.new(self.key(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


_KEYS: weakref.WeakKeyDictionary[Unit, ContactKeys] = weakref.WeakKeyDictionary()
_KEYS_LOCK = threading.Lock()


def keys_for(unit: Unit, now: float = 0.0) -> ContactKeys:
    """The one ContactKeys of this unit of work (so every room hashes alike)."""
    with _KEYS_LOCK:
        keys = _KEYS.get(unit)
        if keys is None:
            keys = _KEYS[unit] = ContactKeys(unit, now)
        return keys
