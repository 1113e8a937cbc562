"""What members say in a group: reading its history, sending to it, forwarding.

Sends go through the one send path (shell/sending.py); this room names the group,
or the message a forward copies, and says what a member may read.
"""

from __future__ import annotations

from typing import Any

from sendable.clock import to_iso
from sendable.errors import Invalid, NotFound
from sendable.shell.context import Shell, find_account
from sendable.shell.group_sends import is_member
from sendable.shell.sending import SendAttempt, Sending, SendResult
from sendable.store import accounts as db_accounts
from sendable.store import groups as db_groups
from sendable.store import messages as db_messages
from sendable.store.driver import Conn
from sendable.store.schema import GROUP_MESSAGE_IDS_FROM


class GroupChat:
    def __init__(self, shell: Shell, sending: Sending) -> None:
        self.shell = shell
        self.sending = sending

    def history(self, viewer: str, group_id: int, after_seq: int = 0,
                limit: int = 200) -> list[dict[str, Any]]:
        """What a member sees: held messages only their own, and never the messages of
        someone they blocked."""
        with self.shell.unit.read() as conn:
            me = find_account(conn, viewer)
            group = db_groups.group_by_id(conn, group_id) if isinstance(group_id, int) else None
            if group is None or not is_member(db_groups.entry(conn, group["id"], me["id"])):
                raise NotFound(f"no group {group_id}", "group")
            hidden = db_groups.blocked_by(conn, me["id"])
            out = []
            for row in db_groups.group_messages_in(conn, group["id"], after_seq, limit):
                mine = row["sender_id"] == me["id"]
                if (not row["visible"] and not mine) or row["sender_id"] in hidden:
                    continue
                out.append({"id": row["id"], "seq": row["seq"], "text": row["text"],
                            "from": db_accounts.handles_by_ids(conn, [row["sender_id"]])[row["sender_id"]],
                            # a released held message reads as delivered to everyone
                            "outcome": "delivered" if row["visible"] else row["outcome"],
                            "sent_at": to_iso(row["sent_at"]),
                            "forwarded": row["forwarded_from"] is not None})
            return out

    # -- sending ------------------------------------------------------------------------

    def send(self, sender: str, group_id: int, text: str, client: str | None = None,
             client_msg_id: str | None = None) -> SendResult:
        if not isinstance(group_id, int) or isinstance(group_id, bool):
            raise Invalid("group is a group id", "group")
        return self.sending.send(SendAttempt(sender, None, text, client, client_msg_id,
                                             group=group_id))

    def forward(self, by: str, source: str, to: str | None = None, group: int | None = None,
                client_msg_id: str | None = None) -> SendResult:
        """Send the text of a message `by` can see (`source`: "dm:<id>" or
        "group:<id>") to another chat, through the same gate."""
        if (to is None) == (group is None):
            raise Invalid("forward to one chat: `to` or `group`", "to")
        with self.shell.unit.read() as conn:
            me = find_account(conn, by)
            text = self._visible_text(conn, me, source)
        return self.sending.send(SendAttempt(by, to, text, None, client_msg_id,
                                             group=group, forward_of=source))

    def forward_by_id(self, by: str, message_id: int, to: str | None = None,
                      group: int | None = None,
                      client_msg_id: str | None = None) -> SendResult:
        """A forward named by a bare id (the HTTP API's): group messages are numbered
        from GROUP_MESSAGE_IDS_FROM on, direct messages below it. A group message stored
        before that split has a low id: it is found when no direct message the caller
        can see has that id."""
        source = f"dm:{message_id}"
        if message_id >= GROUP_MESSAGE_IDS_FROM:
            source = f"group:{message_id}"
        else:
            with self.shell.unit.read() as conn:
                me = find_account(conn, by)
                try:
                    self._visible_text(conn, me, source)
                except NotFound:
                    source = f"group:{message_id}"
        return self.forward(by, source, to=to, group=group, client_msg_id=client_msg_id)

    def _visible_text(self, conn: Conn, me: dict[str, Any], source: str) -> str:
        kind, _, raw = source.partition(":") if isinstance(source, str) else ("", "", "")
        missing = NotFound("no such message", "message")
        if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
            raise missing
        if kind == "dm":
            row = db_messages.message_by_id(conn, int(raw))
            if row is None or me["id"] not in (row["sender_id"], row["recipient_id"]) or (
                    not row["visible"] and row["sender_id"] != me["id"]):
                raise missing
            return row["text"]
        if kind == "group":
            row = db_groups.group_message_by_id(conn, int(raw))
            if row is None or not is_member(db_groups.entry(conn, row["group_id"], me["id"])):
                raise missing
            hidden = row["sender_id"] in db_groups.blocked_by(conn, me["id"])
            if hidden or (not row["visible"] and row["sender_id"] != me["id"]):
                raise missing
            return row["text"]
        raise missing
