"""Accounts: creating them, reading them, and their privacy settings."""

from __future__ import annotations

from datetime import date
from typing import Any

from sendable.errors import Conflict, Invalid
from sendable.inputs import ROLES, WHO_CAN_MESSAGE, check_handle, check_note
from sendable.shell import contacts
from sendable.shell.context import Shell, find_account
from sendable.store import accounts as db_accounts
from sendable.store import social as db_social
from sendable.store.driver import Conn, DuplicateRow


def _choice(value: Any, choices: tuple[str, ...], field: str) -> str:
    if value not in choices:
        raise Invalid(f"{field} must be one of {', '.join(choices)}", field)
    return value


class Accounts:
    def __init__(self, shell: Shell) -> None:
        self.shell = shell

    def create(self, handle: str, *, password_hash: str | None = None,
               birthdate: date | str | None = None, email: str | None = None,
               created_at: float | None = None, verified: bool = False,
               role: str = "member", who_can_message: str = "everyone",
               private: bool = False, group_invites: str = "mutuals") -> dict[str, Any]:
        check_handle(handle)
        now = self.shell.now()
        birthdate = _birthdate(birthdate, now)
        check_note(email, "email", 320)
        _choice(role, ROLES, "role")
        _choice(who_can_message, WHO_CAN_MESSAGE, "who_can_message")
        _choice(group_invites, WHO_CAN_MESSAGE, "group_invites")
        with self.shell.unit.write() as conn:
            try:
                account_id = db_accounts.insert_account(
                    conn, handle=handle, password_hash=password_hash, email=email,
                    birthdate=birthdate, created_at=now if created_at is None else created_at,
                    verified=verified, role=role, who_can_message=who_can_message,
                    private=private, deactivated=False, group_invites=group_invites)
            except DuplicateRow as error:
                raise Conflict(str(error), "handle") from None
            row = dict(db_accounts.account_by_id(conn, account_id) or {})
            if verified and email:  # a verified address contacts may match
                contacts.refresh_email_address(self.shell.unit, conn, row)
            return row

    def get(self, handle: str, conn: Conn | None = None) -> dict[str, Any]:
        if conn is not None:
            return find_account(conn, handle)
        with self.shell.unit.read() as c:
            return find_account(c, handle)

    def give_birthdate(self, handle: str, birthdate: date | str) -> dict[str, Any]:
        """Record the date of birth of an account that has none yet. Until then the age
        rules count it as under the minimum age; once given, it is not changed here
        (else anyone could make themselves older)."""
        given = _birthdate(birthdate, self.shell.now())
        if given is None:
            raise Invalid("birthdate is required: a date like 2000-01-31", "birthdate")
        with self.shell.unit.write() as conn:
            account = find_account(conn, handle)
            if account["birthdate"] is not None:
                raise Conflict("your date of birth is already on file and can't be changed",
                               "birthdate")
            db_accounts.update_account(conn, account["id"], birthdate=given)
            return find_account(conn, handle)

    def update_settings(self, handle: str, who_can_message: str | None = None,
                        private: bool | None = None,
                        group_invites: str | None = None) -> dict[str, Any]:
        values: dict[str, Any] = {}
        if group_invites is not None:  # the same five relations as who_can_message
            values["group_invites"] = _choice(group_invites, WHO_CAN_MESSAGE, "group_invites")
        if who_can_message is not None:
            values["who_can_message"] = _choice(who_can_message, WHO_CAN_MESSAGE,
                                                "who_can_message")
        if private is not None:
            if not isinstance(private, bool):
                raise Invalid("private must be true or false", "private")
            values["private"] = private
        with self.shell.unit.write() as conn:
            account = find_account(conn, handle)
            if values:
                db_accounts.update_account(conn, account["id"], **values)
            if private is False:  # a public account needs no approvals: take the waiting ones
                db_social.approve_waiting_follows(conn, account["id"])
            return find_account(conn, handle)


def _birthdate(value: date | str | None, now: float) -> date | None:
    """A date of birth as given (a date or `YYYY-MM-DD`); none in the future."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip()) if value.strip() else None
        except ValueError:
            raise Invalid("birthdate must be a date like 2000-01-31", "birthdate") from None
    if value is not None and value > date.fromtimestamp(now):
        raise Invalid("birthdate is in the future", "birthdate")
    return value
