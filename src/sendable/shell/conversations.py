"""Conversations as their two people see them: requests, the inbox, history, the stream."""

from __future__ import annotations

from typing import Any

from sendable.clock import to_iso
from sendable.errors import Invalid, NotFound
from sendable.shell.attempt_log import log_consent
from sendable.shell.context import Shell, find_account
from sendable.shell.sending import message_json
from sendable.store import accounts as db_accounts
from sendable.store import events as db_events
from sendable.store import messages as db_messages
from sendable.store.driver import Conn


def conversation_of(conn: Conn, me: dict[str, Any], conversation_id: int) -> dict[str, Any]:
    """A conversation `me` is part of; anyone else's reads as missing."""
    conversation = db_messages.conversation_by_id(conn, conversation_id)
    if conversation is None or me["id"] not in (conversation["low_id"],
                                                conversation["high_id"]):
        raise NotFound("no such conversation", "conversation_id")
    return conversation


class Conversations:
    def __init__(self, shell: Shell) -> None:
        self.shell = shell

    def _request_from(self, conn: Conn, by: str, from_: str) -> dict[str, Any]:
        me, them = find_account(conn, by), find_account(conn, from_, "from")
        conversation = db_messages.conversation_between(conn, me["id"], them["id"])
        if conversation is None or conversation["started_by"] != them["id"]:
            raise NotFound(f"no message request from @{from_}", "from")
        return conversation

    def accept(self, by: str, from_: str) -> None:
        with self.shell.unit.write() as conn:
            conversation = self._request_from(conn, by, from_)
            db_messages.update_conversation(conn, conversation["id"], state="accepted")
            log_consent(conn, self.shell, conversation["started_by"],
                        _other(conversation, conversation["started_by"]), "accept")

    def decline(self, by: str, from_: str) -> None:
        with self.shell.unit.write() as conn:
            conversation = self._request_from(conn, by, from_)
            if conversation["state"] != "accepted":
                db_messages.update_conversation(conn, conversation["id"], state="declined")
            log_consent(conn, self.shell, conversation["started_by"],
                        _other(conversation, conversation["started_by"]), "decline")

    def other_party(self, handle: str, conversation_id: int) -> str:
        with self.shell.unit.read() as conn:
            me = find_account(conn, handle)
            conversation = conversation_of(conn, me, conversation_id)
            other = (conversation["high_id"] if conversation["low_id"] == me["id"]
                     else conversation["low_id"])
            return db_accounts.handles_by_ids(conn, [other])[other]

    def list(self, handle: str, folder: str = "inbox") -> list[dict[str, Any]]:
        """The inbox (accepted, or started by me) or the message requests waiting for me."""
        if folder not in ("inbox", "requests"):
            raise Invalid("folder must be inbox or requests", "folder")
        with self.shell.unit.read() as conn:
            me = find_account(conn, handle)
            rows = db_messages.conversations_of(conn, me["id"])
            others = db_accounts.handles_by_ids(
                conn, [r["high_id"] if r["low_id"] == me["id"] else r["low_id"] for r in rows])
            out = []
            for r in rows:
                is_request = r["state"] != "accepted" and r["started_by"] != me["id"]
                if is_request and r["state"] == "declined":
                    continue
                if (folder == "requests") != is_request:
                    continue
                last = db_messages.last_message(conn, r["id"], me["id"])
                if last is None:  # only held messages so far: nothing to show yet
                    continue
                other = r["high_id"] if r["low_id"] == me["id"] else r["low_id"]
                out.append({"id": r["id"], "with": others[other], "state": r["state"],
                            "last_seq": r["last_seq"], "updated_at": to_iso(r["updated_at"]),
                            "last_message": {"text": last["text"], "seq": last["seq"],
                                             "from": handle if last["sender_id"] == me["id"]
                                             else others[other]}})
            return out

    def messages(self, handle: str, conversation_id: int, after_seq: int = 0,
                 limit: int = 50) -> list[dict[str, Any]]:
        if not 1 <= limit <= 200:
            raise Invalid("limit must be between 1 and 200", "limit")
        with self.shell.unit.read() as conn:
            me = find_account(conn, handle)
            conversation = conversation_of(conn, me, conversation_id)
            rows = db_messages.messages_in(conn, conversation_id, after_seq, limit,
                                           viewer=me["id"])
            names = db_accounts.handles_by_ids(conn, [conversation["low_id"],
                                                      conversation["high_id"]])
            return [{**message_json(r), "from": names[r["sender_id"]], "text": r["text"]}
                    for r in rows]

    # -- the live stream ----------------------------------------------------------------

    def events_many(self, cursors: list[tuple[int, int]],
                    limit: int = 500) -> list[list[dict[str, Any]]]:
        """An account's stream after a cursor, in id order ({id, kind, at, payload}), for
        several (account, cursor) pairs on one connection: the streams a commit woke are
        read together."""
        with self.shell.unit.read() as conn:
            out = []
            for account_id, after in cursors:
                rows = db_events.after(conn, account_id, after, limit)
                for row in rows:
                    row["at"] = to_iso(row["at"])
                out.append(rows)
            return out

    def latest_event_id(self, account_id: int) -> int:
        with self.shell.unit.read() as conn:
            return db_events.latest_id(conn, account_id)


def _other(conversation: dict[str, Any], one: int) -> int:
    return conversation["high_id"] if conversation["low_id"] == one else conversation["low_id"]
