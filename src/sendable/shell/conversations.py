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
from sendable.store import groups as db_groups
from sendable.store import messages as db_messages
from sendable.store import reads as db_reads
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
            unread = {r["conversation_id"]: r["unread"]
                      for r in db_reads.unread_by_conversation(conn, me["id"])}
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
                # To its sender, a declined request reads as one not yet answered.
                state = "requested" if r["state"] == "declined" else r["state"]
                out.append({"id": r["id"], "with": others[other], "state": state,
                            "last_seq": r["last_seq"], "updated_at": to_iso(r["updated_at"]),
                            "unread": unread.get(r["id"], 0),
                            "last_message": {"text": last["text"], "seq": last["seq"],
                                             "from": handle if last["sender_id"] == me["id"]
                                             else others[other]}})
            return out

    def messages(self, handle: str, conversation_id: int, after_seq: int = 0,
                 limit: int = 50, before_seq: int | None = None) -> list[dict[str, Any]]:
        """Messages after `after_seq`, oldest first; or, with `before_seq`, the newest
        `limit` before it (still oldest first): a conversation opens at its newest
        messages and reads earlier ones page by page."""
        if not 1 <= limit <= 200:
            raise Invalid("limit must be between 1 and 200", "limit")
        if before_seq is not None and before_seq < 1:
            raise Invalid("before_seq must be 1 or more", "before_seq")
        with self.shell.unit.read() as conn:
            me = find_account(conn, handle)
            conversation = conversation_of(conn, me, conversation_id)
            if before_seq is not None:
                rows = db_messages.messages_before(conn, conversation_id, before_seq, limit,
                                                   viewer=me["id"])
            else:
                rows = db_messages.messages_in(conn, conversation_id, after_seq, limit,
                                               viewer=me["id"])
            names = db_accounts.handles_by_ids(conn, [conversation["low_id"],
                                                      conversation["high_id"]])
            return [{**message_json(r), "from": names[r["sender_id"]], "text": r["text"]}
                    for r in rows]

    # -- what is unread ---------------------------------------------------------------

    def unread(self, handle: str) -> dict[str, int]:
        """How many conversations have unread messages, per folder (the header's counts)."""
        with self.shell.unit.read() as conn:
            me = find_account(conn, handle)
            counts = {"inbox": 0, "requests": 0}
            for r in db_reads.unread_by_conversation(conn, me["id"]):
                if r["state"] == "accepted" or r["started_by"] == me["id"]:
                    counts["inbox"] += 1
                elif r["state"] != "declined":
                    counts["requests"] += 1
            return counts

    def mark_read(self, handle: str, conversation_id: int, seq: int) -> dict[str, Any]:
        """`handle` has seen the conversation up to `seq` (at most its newest message).
        The cursor only moves forward; each move is an event on the reader's own stream,
        so their other open pages update their counts. The other side is never told."""
        if not isinstance(seq, int) or seq < 0:
            raise Invalid("seq must be a whole number, 0 or more", "seq")
        with self.shell.unit.read() as conn:
            me = find_account(conn, handle)
            conversation = conversation_of(conn, me, conversation_id)
            seq = min(seq, conversation["last_seq"])
            if db_reads.read_seq(conn, me["id"], conversation_id) >= seq:
                return {"conversation_id": conversation_id,
                        "read_seq": db_reads.read_seq(conn, me["id"], conversation_id)}
        now = self.shell.now()
        with self.shell.unit.write() as conn:
            before = db_reads.read_seq(conn, me["id"], conversation_id)
            cursor = db_reads.mark_read(conn, me["id"], conversation_id, seq, now)
            if cursor > before:
                db_events.add(conn, me["id"], now, "read",
                              {"conversation_id": conversation_id, "seq": cursor})
        return {"conversation_id": conversation_id, "read_seq": cursor}

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
                if any(row["kind"] == "group_message" for row in rows):
                    # a stream resumed from before a block does not replay the blocked
                    # member's group messages either
                    hidden = db_groups.blocked_handles(conn, account_id)
                    rows = [row for row in rows if row["kind"] != "group_message"
                            or row["payload"].get("from") not in hidden] if hidden else rows
                for row in rows:
                    row["at"] = to_iso(row["at"])
                out.append(rows)
            return out

    def latest_event_id(self, account_id: int) -> int:
        with self.shell.unit.read() as conn:
            return db_events.latest_id(conn, account_id)


def _other(conversation: dict[str, Any], one: int) -> int:
    return conversation["high_id"] if conversation["low_id"] == one else conversation["low_id"]
