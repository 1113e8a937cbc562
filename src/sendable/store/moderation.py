"""The audit log: what happened to an account, by whom, never edited in place."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from sendable.clock import to_iso
from sendable.store import events
from sendable.store.driver import Row
from sendable.store.schema import audit_log

# Audited actions that change the standing of the account they name; each also
# becomes a `standing` event on that account's live stream.
STANDING_ACTIONS = frozenset({"strike", "ban", "unban", "flag", "unflag", "verify",
                              "appeal_upheld", "appeal_overturned"})

# What of an audit entry's detail the account itself may see on its stream (no
# reporters, no moderator notes): enough to know what changed and refetch standing.
_STANDING_DETAIL = ("ban_id", "strike_id", "appeal_id", "scope", "until", "category")

def audit(conn: sa.Connection, at: float, action: str, account: int | None,
          actor: int | None, **detail: Any) -> int:
    """Append to the audit log (entries are never edited in place); returns its id."""
    entry = conn.execute(sa.insert(audit_log).values(at=at, action=action, account_id=account,
                                                     actor_id=actor, detail=detail))
    if account is not None and action in STANDING_ACTIONS:
        shown = {k: detail[k] for k in _STANDING_DETAIL if detail.get(k) is not None}
        if "until" in shown:
            shown["until"] = to_iso(shown["until"])
        events.add(conn, account, at, "standing", {"change": action, **shown})
    return entry.inserted_primary_key[0]

def audit_entries(conn: sa.Connection, account: int | None = None,
                  limit: int = 200) -> list[Row]:
    q = sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if account is not None:
        q = q.where(audit_log.c.account_id == account)
    return [dict(r) for r in conn.execute(q).mappings()]


def audit_of(conn: sa.Connection, account_id: int) -> list[dict[str, Any]]:
    """Every entry about one account, oldest first."""
    q = sa.select(audit_log).where(audit_log.c.account_id == account_id).order_by(audit_log.c.id)
    return [dict(r) for r in conn.execute(q).mappings()]


def audit_entry(conn: sa.Connection, entry_id: int) -> Row | None:
    """One audit entry by id (a flag is named by the entry that recorded it)."""
    found = conn.execute(sa.select(audit_log).where(audit_log.c.id == entry_id)).mappings().first()
    return dict(found) if found else None
