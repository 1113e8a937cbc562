"""Verification codes: six digits, sent by mail, stored hashed.

One live code per account at a time (a new one retires the old), each valid
for `CODE_TTL` seconds on the service clock and for at most `MAX_ATTEMPTS`
guesses; at most `MAX_CODES_PER_HOUR` codes are sent to an account in any
hour, so 1 in 10^6 stays out of reach of guessing and nobody can be flooded
with mail. Codes are hashed with argon2, so a copy of the database does not
hand them out.
"""

from __future__ import annotations

import math
import secrets
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from sendable.enforcement import actions
from sendable.errors import Conflict, Invalid, Throttled, Unavailable
from sendable.inputs import check_email
from sendable.shell import contacts
from sendable.shell.context import Shell, find_account
from sendable.shell.mailer import Mail, MailError
from sendable.store import accounts as db_accounts
from sendable.store import contacts as db_contacts
from sendable.store import moderation as db_audit
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


def issue(conn: Conn, account_id: int, now: float) -> str:
    """A fresh code for the account; any earlier live code stops working."""
    if codes.sent_since(conn, account_id, now - 3600.0) >= MAX_CODES_PER_HOUR:
        oldest = codes.first_sent_since(conn, account_id, now - 3600.0) or now
        raise Throttled(f"{MAX_CODES_PER_HOUR} codes were sent in the last hour; "
                        "use the newest one or try again later",
                        max(1, math.ceil(oldest + 3600.0 - now)), "verification")
    codes.retire_live(conn, account_id, now)
    code = new_code()
    codes.insert(conn, account_id, _hasher.hash(code), now, now + CODE_TTL)
    return code


def check(conn: Conn, account_id: int, code: str, now: float) -> bool:
    """Spend one attempt on the live code; True (and the code used up) when it matches."""
    live = codes.live(conn, account_id, now, MAX_ATTEMPTS)
    if live is None:
        return False
    values: dict[str, Any] = {"attempts": live["attempts"] + 1}
    try:
        matched = _hasher.verify(live["code_hash"], code)
    except (VerificationError, InvalidHashError):
        matched = False
    if matched:
        values["used_at"] = now
    codes.update(conn, live["id"], **values)
    return matched


def code_mail(to: str, handle: str, code: str) -> Mail:
    minutes = int(CODE_TTL // 60)
    body = (f"Hello @{handle},\n\nyour sendable verification code is {code}.\n"
            f"It works for {minutes} minutes. If you did not ask for it, ignore this mail.\n")
    return Mail(to=to, subject=f"Your sendable code: {code}", body=body,
                data={"kind": "verification", "handle": handle, "code": code})


class Verification:
    """Verifying an account: directly (an operator, a scenario) or by a mailed code."""

    def __init__(self, shell: Shell) -> None:
        self.shell = shell

    def verify(self, handle: str) -> None:
        """Mark an account verified; completing verification clears a flag."""
        with self.shell.unit.write() as conn:
            self._verified(conn, find_account(conn, handle), self.shell.now(), "direct")

    def _verified(self, conn: Conn, account: dict[str, Any], now: float, method: str) -> None:
        db_accounts.update_account(conn, account["id"], verified=True)
        contacts.refresh_email_address(self.shell.unit, conn, account)  # contacts may match it
        db_audit.audit(conn, now, "verify", account["id"], account["id"], method=method)
        # A flagged account is restricted until it completes verification or a
        # moderator clears the flag, whoever raised it.
        actions.clear_flag(conn, account, now, account["id"], "verification completed")

    def set_email(self, handle: str, email: str) -> None:
        """Set the address verification codes go to."""
        email = check_email(email)
        with self.shell.unit.write() as conn:
            account = find_account(conn, handle)
            db_accounts.update_account(conn, account["id"], email=email)
            db_contacts.delete_address(conn, account["id"], "email")  # matched once verified

    def start(self, handle: str) -> None:
        """Mail a fresh six-digit code to the account's address."""
        with self.shell.unit.write() as conn:
            account = find_account(conn, handle)
            if not account["email"]:
                raise Invalid(f"@{handle} has no email address to send a code to", "email")
            if (account["verified"] and account["flagged_at"] is None
                    and contacts.email_matches(self.shell.unit, conn, account)):
                raise Conflict(f"@{handle} is already verified", "handle")  # nothing would change
            now = self.shell.now()
            code = issue(conn, account["id"], now)
            db_audit.audit(conn, now, "verification_sent", account["id"], account["id"])
        try:  # outside the transaction: a slow mail server must not hold the write lock
            self.shell.mailer.send(code_mail(account["email"], account["handle"], code))
        except MailError as error:
            raise Unavailable(f"the code could not be sent: {error}", "email") from None

    def confirm(self, handle: str, code: str) -> bool:
        """Check a code; a match verifies the account (and clears a flag)."""
        typed = normalise_code(code)
        with self.shell.unit.write() as conn:
            account = find_account(conn, handle)
            now = self.shell.now()
            if not check(conn, account["id"], typed, now):
                db_audit.audit(conn, now, "verification_failed", account["id"], account["id"])
                return False
            self._verified(conn, account, now, "code")
            return True
