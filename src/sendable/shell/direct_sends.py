"""What a direct message needs of the one send path (shell/sending.py) once the gate
has decided it: its storing, the conversation advanced, and the stream events of both
sides. Appeals that deliver an overturned attempt store it the same way."""

from __future__ import annotations

from typing import Any

from sendable.clock import to_iso
from sendable.gate import Decision, Facts
from sendable.reasons import render_all
from sendable.store import events as db_events
from sendable.store import messages as db_messages
from sendable.store.driver import Conn, dump_json


def message_json(row: dict[str, Any]) -> dict[str, Any]:
    """A stored message as its sender is answered."""
    out = {"id": row["id"], "conversation_id": row["conversation_id"], "seq": row["seq"],
           "outcome": row["outcome"], "sent_at": to_iso(row["sent_at"])}
    if row.get("forwarded_from") is not None:  # marked only when it is one
        out["forwarded"] = True
    return out



def store_direct_message(conn: Conn, sender: dict[str, Any], recipient: dict[str, Any],
                         text: str, decision: Decision, facts: Facts, pair: dict[str, Any],
                         client_msg_id: str | None, now: float,
                         forwarded_from: str | None = None) -> dict[str, Any]:
    """Store the message, advance its conversation, and add its stream events."""
    rel = facts.relation
    conversation_id, last_seq = pair["conversation_id"], pair["last_seq"] or 0
    if conversation_id is None:
        conversation_id = db_messages.insert_conversation(conn, sender["id"],
                                                          recipient["id"], sender["id"], now)
    held = decision.outcome == "held"
    seq = last_seq + 1
    state = pair["conversation_state"] or "requested"
    if not rel.is_request and not held:
        state = "accepted"  # a reply, or a message from someone they follow
    db_messages.advance_conversation(
        conn, conversation_id, seq, now,
        rel.unanswered + 1 if rel.is_request else rel.unanswered, state)
    values = {
        "conversation_id": conversation_id, "seq": seq, "sender_id": sender["id"],
        "recipient_id": recipient["id"], "text": text, "outcome": decision.outcome,
        "visible": not held, "sent_at": now, "client_msg_id": client_msg_id,
        "stranger": rel.is_request, "new_conversation": rel.new_conversation,
        "fingerprint": facts.content.fingerprint,
        "reasons": render_all(decision.findings, "moderator") if held else None,
        "released_at": None, "released_by": None, "forwarded_from": forwarded_from,
    }
    values["id"] = db_messages.insert_message(conn, values)
    # Streams carry the text, so a client shows a message without fetching it.
    payload = dump_json({"message": {**message_json(values), "text": text},
                         "from": sender["handle"], "to": recipient["handle"]})
    db_events.add(conn, sender["id"], now, "message", payload)
    if not held and state != "declined":  # a declined request is never shown
        db_events.add(conn, recipient["id"], now,
                      "request" if rel.is_request else "message", payload)
    return values
