"""Email verification: a code (shell/codes.py) sent by mail, and what a verified
address changes (the account's standing, the contacts it matches)."""

from __future__ import annotations

from typing import Any

from sendable.enforcement import actions
from sendable.errors import Conflict, Invalid, Unavailable
from sendable.inputs import check_email
from sendable.shell import contacts
from sendable.shell.codes import CODE_TTL, check, issue, normalise_code
from sendable.shell.context import Shell, find_account
from sendable.shell.mailer import Mail, MailError
from sendable.store import accounts as db_accounts
from sendable.store import contacts as db_contacts
from sendable.store import moderation as db_audit
from sendable.store.driver import Conn


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
