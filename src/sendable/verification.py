"""Verification codes: six digits, sent by mail, stored hashed.

One live code per account at a time (a new one retires the old), each valid
for `CODE_TTL` seconds on the service clock and for at most `MAX_ATTEMPTS`
guesses; at most `MAX_CODES_PER_HOUR` codes are sent to an account in any
hour, so 1 in 10^6 stays out of reach of guessing and nobody can be flooded
with mail. Codes are hashed with argon2, so a copy of the database does not
hand them out.
"""

from __future__ import annotations

import secrets
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from sendable.errors import Conflict, Invalid
from sendable.mailer import Mail
from sendable.store.schema import verification_codes

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


def issue(conn: sa.Connection, account_id: int, now: float) -> str:
    """A fresh code for the account; any earlier live code stops working."""
    sent = conn.execute(
        sa.select(sa.func.count()).select_from(verification_codes)
        .where(verification_codes.c.account_id == account_id,
               verification_codes.c.created_at > now - 3600.0)).scalar_one()
    if sent >= MAX_CODES_PER_HOUR:
        raise Conflict(f"{MAX_CODES_PER_HOUR} codes were sent in the last hour; "
                       "use the newest one or try again later", "verification")
    conn.execute(sa.update(verification_codes)
                 .where(verification_codes.c.account_id == account_id,
                        verification_codes.c.used_at.is_(None),
                        verification_codes.c.expires_at > now)
                 .values(expires_at=now))
    code = new_code()
    conn.execute(sa.insert(verification_codes).values(
        account_id=account_id, code_hash=_hasher.hash(code), created_at=now,
        expires_at=now + CODE_TTL, attempts=0))
    return code


def check(conn: sa.Connection, account_id: int, code: str, now: float) -> bool:
    """Spend one attempt on the live code; True (and the code used up) when it matches."""
    live = conn.execute(
        sa.select(verification_codes)
        .where(verification_codes.c.account_id == account_id,
               verification_codes.c.used_at.is_(None),
               verification_codes.c.expires_at > now,
               verification_codes.c.attempts < MAX_ATTEMPTS)
        .order_by(verification_codes.c.id.desc()).limit(1)).mappings().first()
    if live is None:
        return False
    values: dict[str, Any] = {"attempts": live["attempts"] + 1}
    try:
        matched = _hasher.verify(live["code_hash"], code)
    except (VerificationError, InvalidHashError):
        matched = False
    if matched:
        values["used_at"] = now
    conn.execute(sa.update(verification_codes)
                 .where(verification_codes.c.id == live["id"]).values(**values))
    return matched


def code_mail(to: str, handle: str, code: str) -> Mail:
    minutes = int(CODE_TTL // 60)
    body = (f"Hello @{handle},\n\nyour sendable verification code is {code}.\n"
            f"It works for {minutes} minutes. If you did not ask for it, ignore this mail.\n")
    return Mail(to=to, subject=f"Your sendable code: {code}", body=body,
                data={"kind": "verification", "handle": handle, "code": code})
