"""People: finding accounts and being found, contact sync, and phone numbers.

- `discoverable` (default on): whether an account shows in people search and in
  other people's contact matches. Messaging by exact handle is not affected.
  To someone it does not know (no follow either way, no conversation), an
  account that is not discoverable reads like one that does not exist.
- `sync_contacts` (default off): while on, the account may upload its contacts
  (emails and phone numbers), kept only as keyed hashes (shell/contact_keys.py);
  the accounts whose verified addresses are among them are its *contacts*, who
  reach its inbox and pass the `suggested` setting. Turning it off, or
  `clear`, deletes every hash at once.
- People search (handle and display-name prefixes) and contact matching are
  throttled per account (`contacts.search_limits`, `contacts.match_limits`), so
  nobody can walk the directory or test phone numbers in bulk.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from datetime import UTC, date, datetime
from typing import Any

from sendable.durations import RateLimit
from sendable.errors import Conflict, Invalid, NotFound, Throttled, Unavailable
from sendable.gate.checks.contacts import relation_words
from sendable.gate.windows import wait_for_room
from sendable.shell import codes
from sendable.shell import facts as loading
from sendable.shell.contact_keys import keys_for, normalise_email, normalise_phone
from sendable.shell.context import Shell, find_account
from sendable.shell.mailer import Mail, MailError
from sendable.shell.sending import Sending
from sendable.store import accounts as db_accounts
from sendable.store import contacts as db_contacts
from sendable.store import messages as db_messages
from sendable.store import shown_follows as db_shown
from sendable.store import social as db_social
from sendable.store.driver import Conn
from sendable.store.unit import Unit

MAX_LIMIT = 50
MAX_QUERY = 64
MAX_DISPLAY_NAME = 64
_CURSOR = re.compile(r"[A-Za-z0-9_-]*")


def refresh_email_address(unit: Unit, conn: Conn, account: dict[str, Any]) -> None:
    """Keep the account's email among the addresses contacts match while it is verified:
    called when an account is made, verified, or changes its email."""
    row = db_accounts.account_by_id(conn, account["id"]) or account
    if row.get("verified") and row.get("email"):
        digest = keys_for(unit).digest("email", normalise_email(row["email"]))
        db_contacts.put_address(conn, row["id"], "email", digest)
    else:
        db_contacts.delete_address(conn, row["id"], "email")


def email_matches(unit: Unit, conn: Conn, account: dict[str, Any]) -> bool:
    """Whether the account's current email is the verified address contacts match."""
    if not account.get("email"):
        return False
    digest = keys_for(unit).digest("email", normalise_email(account["email"]))
    return db_contacts.has_address(conn, account["id"], "email", digest)


def _flag(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"{field} must be true or false", field)
    return value


def _list(value: Any, field: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise Invalid(f"{field} must be a list", field)
    return value


def _cursor_out(handle_key: str) -> str:
    return base64.urlsafe_b64encode(handle_key.encode()).decode().rstrip("=")


def _cursor_in(cursor: str | None) -> str | None:
    """The position a cursor names. Any string of base64url letters is one (a page
    starts after it), so a client never holds a cursor that fails; others are a 422."""
    if cursor is None or cursor == "":
        return None
    if not isinstance(cursor, str) or not _CURSOR.fullmatch(cursor):
        raise Invalid("cursor is not one this server gave", "cursor")
    whole = cursor[:-1] if len(cursor) % 4 == 1 else cursor  # a last letter of no byte
    try:
        raw = base64.b64decode(whole + "=" * (-len(whole) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise Invalid("cursor is not one this server gave", "cursor") from None
    return raw.decode("utf-8", errors="replace")


class People:
    def __init__(self, shell: Shell, sending: Sending) -> None:
        self.shell = shell
        self.sending = sending

    @property
    def keys(self):  # type: ignore[no-untyped-def]
        return keys_for(self.shell.unit, self.shell.now())

    def prepare(self) -> None:
        """Generate the contact secret on first start (a no-op afterwards)."""
        self.keys.key()

    # -- settings ----------------------------------------------------------------------

    def update_settings(self, handle: str, discoverable: bool | None = None,
                        sync_contacts: bool | None = None,
                        display_name: str | None = None) -> dict[str, Any]:
        """Discoverability, contact sync (off deletes every uploaded hash) and the
        display name people search finds ("" removes it)."""
        values: dict[str, Any] = {}
        if discoverable is not None:
            values["discoverable"] = _flag(discoverable, "discoverable")
        if sync_contacts is not None:
            values["sync_contacts"] = _flag(sync_contacts, "sync_contacts")
        if display_name is not None:
            if not isinstance(display_name, str) or len(display_name.strip()) > MAX_DISPLAY_NAME \
                    or "\x00" in display_name:
                raise Invalid(f"display_name must be at most {MAX_DISPLAY_NAME} characters",
                              "display_name")
            values["display_name"] = display_name.strip() or None
        with self.shell.unit.write() as conn:
            account = find_account(conn, handle)
            if values:
                db_accounts.update_account(conn, account["id"], **values)
            if values.get("sync_contacts") is False:
                db_contacts.delete_contacts(conn, account["id"])
            return find_account(conn, handle)

    # -- the uploaded list --------------------------------------------------------------

    def upload(self, handle: str, emails: Any = None, phones: Any = None) -> dict[str, Any]:
        """Replace the account's uploaded contacts. Entries are normalised and hashed;
        a bad one is skipped and reported by field (`phones[3]`), the rest kept."""
        emails, phones = _list(emails, "emails"), _list(phones, "phones")
        policy = self.shell.policy.contacts
        if len(emails) + len(phones) > policy.max_entries:
            raise Invalid(f"at most {policy.max_entries} emails and phones in one upload",
                          "emails" if len(emails) > len(phones) else "phones")
        digests, skipped = set(), []
        for i, value in enumerate(emails):
            try:
                digests.add(self.keys.digest("email", normalise_email(value, f"emails[{i}]")))
            except Invalid as error:
                skipped.append({"field": error.field, "message": error.message})
        for i, value in enumerate(phones):
            try:
                digests.add(self.keys.digest("phone", normalise_phone(
                    value, policy.default_region, f"phones[{i}]")))
            except Invalid as error:
                skipped.append({"field": error.field, "message": error.message})
        with self.shell.unit.write() as conn:
            account = find_account(conn, handle)
            if not account["sync_contacts"]:
                raise Conflict("turn on sync_contacts in your settings to upload contacts",
                               "sync_contacts")
            self._throttle(account["id"], "match", policy.match_limits, "contacts")
            stored = db_contacts.replace_contacts(conn, account["id"], digests)
        return {"stored": stored, "skipped": skipped}

    def store_digests(self, handle: str, digests: set[str]) -> int:
        """Set an account's list to these hashes directly (scenarios and demo data)."""
        with self.shell.unit.write() as conn:
            return db_contacts.replace_contacts(conn, find_account(conn, handle)["id"], digests)

    def clear(self, handle: str) -> int:
        """Delete every uploaded hash of the account; how many there were."""
        with self.shell.unit.write() as conn:
            return db_contacts.delete_contacts(conn, find_account(conn, handle)["id"])

    def count(self, handle: str) -> int:
        with self.shell.unit.read() as conn:
            return db_contacts.contact_count(conn, find_account(conn, handle)["id"])

    def matches(self, handle: str) -> list[dict[str, Any]]:
        """The discoverable accounts among the uploaded contacts (none while sync is off),
        leaving out anyone too young to be messaged or who blocked this account."""
        with self.shell.unit.read() as conn:
            account = find_account(conn, handle)
            self._throttle(account["id"], "match", self.shell.policy.contacts.match_limits,
                           "contacts")
            if not account["sync_contacts"]:
                return []
            rows = db_contacts.matches(conn, account["id"], self.shell.policy.contacts.max_entries)
        born_before = self._born_before()
        return [self._result(handle, r) for r in rows
                if r["birthdate"] is not None  # an unknown age counts as too young
                and _as_date(r["birthdate"]) <= born_before]

    # -- search --------------------------------------------------------------------------

    def search(self, handle: str, q: Any, limit: Any = 20,
               cursor: str | None = None) -> dict[str, Any]:
        """Discoverable accounts whose handle or display name starts with `q`, by handle,
        `limit` at a time; `next_cursor` fetches the next page (each page is a search)."""
        if not isinstance(q, str) or not q.strip():
            raise Invalid("q must not be empty", "q")
        if "\x00" in q:
            raise Invalid("q must not contain NUL characters", "q")
        text = q.strip().lstrip("@").lower()
        if not text or len(text) > MAX_QUERY:
            raise Invalid(f"q must be 1-{MAX_QUERY} characters", "q")
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
            raise Invalid(f"limit must be 1-{MAX_LIMIT}", "limit")
        after = _cursor_in(cursor)
        with self.shell.unit.read() as conn:
            me = find_account(conn, handle)
            self._throttle(me["id"], "search", self.shell.policy.contacts.search_limits, "q")
            rows = db_contacts.search(conn, me["id"], text, self._born_before(), after,
                                      limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        return {"results": [self._result(handle, r) for r in rows],
                "next_cursor": _cursor_out(rows[-1]["handle_key"]) if more else None}

    def person(self, viewer: str, handle: str) -> dict[str, Any]:
        """One account as `viewer` may see it. One that is not discoverable and does not
        know the viewer answers exactly as a handle nobody has."""
        with self.shell.unit.read() as conn:
            me = find_account(conn, viewer)
            them = find_account(conn, handle)
            if me["id"] != them["id"] and not self._findable(conn, me, them) \
                    and not db_contacts.knows(conn, me["id"], them["id"]) \
                    and db_shown.state(conn, me["id"], them["id"]) != "following":
                raise NotFound(f"no account @{handle}", "handle")
        return self._result(viewer, them)

    def _findable(self, conn: Conn, me: dict[str, Any], them: dict[str, Any]) -> bool:
        """Whether search would find `them` for `me`: a card for someone search leaves
        out (blocked me, too young, not discoverable) reads as a handle nobody has,
        unless we know each other (or I follow them, as far as I am shown)."""
        born = them.get("birthdate")
        return (bool(them["discoverable"]) and not them["deactivated"]
                and not db_social.is_blocked(conn, them["id"], me["id"])
                and (born is None or _as_date(born) <= self._born_before()))

    def _result(self, viewer: str, row: dict[str, Any]) -> dict[str, Any]:
        """What a result says: who, and whether the viewer can message them (the sender's
        dry run: true or false, never why)."""
        can = False
        if row["handle"].lower() != viewer.lower():
            can = self.sending.why(viewer, row["handle"]).sendable
        return {"handle": row["handle"], "display_name": row.get("display_name"),
                "can_message": can}

    def relation(self, sender: str, to: str) -> list[str]:
        """How sender stands towards `to`, in the moderator's words (`contact` among them)."""
        with self.shell.unit.read() as conn:
            a, b = find_account(conn, sender, "from"), find_account(conn, to, "to")
            pair = db_messages.pair_state(conn, a["id"], b["id"])
            rel = loading.with_contact(conn, loading.relation_from(pair, b["id"]), b, a["id"])
        return relation_words(rel)

    # -- phones ----------------------------------------------------------------------------

    def set_phone(self, handle: str, phone: Any) -> dict[str, Any]:
        """Set (or with None/"" remove) the account's phone; a new number is matched
        only once verified with the code sent to it."""
        number = None
        if phone not in (None, ""):
            number = normalise_phone(phone, self.shell.policy.contacts.default_region)
        with self.shell.unit.write() as conn:
            account = find_account(conn, handle)
            db_accounts.update_account(conn, account["id"], phone=number, phone_verified=False)
            db_contacts.delete_address(conn, account["id"], "phone")
            if number is None:
                return {"phone": None, "phone_verified": False}
            code = codes.issue(conn, account["id"], self.shell.now(), "phone", "phone")
        try:  # outside the transaction, as for mail
            self.shell.mailer.send(Mail(
                to=number, subject=f"Your sendable code: {code}",
                body=f"Your sendable code is {code}. It works for {int(codes.CODE_TTL // 60)} "
                     "minutes.",
                data={"kind": "phone_verification", "handle": account["handle"], "code": code}))
        except MailError as error:
            raise Unavailable(f"the code could not be sent: {error}", "phone") from None
        return {"phone": number, "phone_verified": False}

    def confirm_phone(self, handle: str, code: Any) -> bool:
        typed = codes.normalise_code(code)
        with self.shell.unit.write() as conn:
            account = find_account(conn, handle)
            if not account["phone"]:
                return False
            matched = codes.check(conn, account["id"], typed, self.shell.now(), "phone")
            if matched:
                self.phone_verified(conn, account)
            return matched

    def phone_verified(self, conn: Conn, account: dict[str, Any]) -> None:
        """The account's phone is verified: contacts may match it from now on."""
        db_accounts.update_account(conn, account["id"], phone_verified=True)
        digest = self.keys.digest("phone", account["phone"])
        db_contacts.put_address(conn, account["id"], "phone", digest)

    # -- limits ------------------------------------------------------------------------------

    def _throttle(self, account: int, kind: str, limits: tuple[RateLimit, ...],
                  field: str) -> None:
        """Count one search (or match) for the account, or raise Throttled."""
        if not limits:
            return
        now, key = self.shell.now(), f"{kind}:{account}"
        keep = max(rule.window for rule in limits)
        times = [t for t, _ in self.shell.counters.since(key, now - keep)]
        waits = [w for rule in limits
                 if (w := wait_for_room(times, now, rule.window, rule.limit)) is not None]
        if waits:
            what = "searches" if kind == "search" else "contact matches"
            raise Throttled(f"too many {what} for now; try again later", max(waits), field)
        self.shell.counters.add(key, now, secrets.token_hex(8), keep)

    def _born_before(self) -> date:
        """The latest birthdate of someone old enough to be messaged today."""
        today = datetime.fromtimestamp(self.shell.now(), UTC).date()
        years = self.shell.policy.age.min_messaging_age
        try:
            return today.replace(year=today.year - years)
        except ValueError:  # 29 February, in a year that has none
            return today.replace(year=today.year - years, day=28)


def _as_date(value: Any) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value
