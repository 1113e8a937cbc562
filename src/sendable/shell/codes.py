"""One-time codes: six digits, stored hashed, for an email or a phone.

One live code per account and kind at a time (a new one retires the old), each
valid for `CODE_TTL` seconds on the service clock and for at most `MAX_ATTEMPTS`
guesses; at most `MAX_CODES_PER_HOUR` codes of a kind are sent to an account in
any hour, so 1 in 10^6 stays out of reach of guessing and nobody can be flooded
with mail or texts. Codes are hashed with argon2, so a copy of the database does
not hand them out.
"""

from __future__ import annotations

import math
import secrets
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from sendable.errors import Invalid, Throttled
from sendable.store import verification as codes
from sendable.store.driver import Conn

CODE_TTL = 15 * 60.0
MAX_ATTEMPTS = 5
MAX_CODES_PER_HOUR = 5
CODE_DIGITS = 6

_hasher = PasswordHasher()


def new_code() -> str:
    return f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


def normalise_code(code: Any) -> str:
    """The code as typed, spaces and dashes allowed ("123 456"); else Invalid naming `code`."""
    text = str(code if code is not None else "").strip().replace(" ", "").replace("-", "")
    if len(text) != CODE_DIGITS or not text.isascii() or not text.isdigit():
        raise Invalid(f"code must be {CODE_DIGITS} digits", "code")
    return text


def issue(conn: Conn, account_id: int, now: float, kind: str = "email",
          field: str = "verification") -> str:
    """A fresh code for the account's email (or `kind="phone"`); any earlier live code
    of that kind stops working. Throttled, naming `field`, past the hour's codes."""
    if codes.sent_since(conn, account_id, now - 3600.0, kind) >= MAX_CODES_PER_HOUR:
        oldest = codes.first_sent_since(conn, account_id, now - 3600.0, kind) or now
        raise Throttled(f"{MAX_CODES_PER_HOUR} codes were sent in the last hour; "
                        "use the newest one or try again later",
                        max(1, math.ceil(oldest + 3600.0 - now)), field)
    codes.retire_live(conn, account_id, now, kind)
    code = new_code()
    codes.insert(conn, account_id, _hasher.hash(code), now, now + CODE_TTL, kind)
    return code


def check(conn: Conn, account_id: int, code: str, now: float, kind: str = "email") -> bool:
    """Spend one attempt on the live code; True (and the code used up) when it matches."""
    live = codes.live(conn, account_id, now, MAX_ATTEMPTS, kind)
    if live is None:
        return False
    values: dict[str, Any] = {"attempts": live["attempts"] + 1}
    try:
        matched = _hasher.verify(live["code_hash"], code)
    except (VerificationError, InvalidHashError):
        matched = False
    if matched:
        values["used_at"] = now
    codes.update(conn, live["id"], kind, **values)
    return matched
