"""The attempt log: written in a batch with the sends it records, read back in id order
(the order the attempts were decided in) a page at a time, and pruned by age.

Records are written with one `executemany` per batch of sends, inside the batch's
transaction, so logging costs one statement per commit rather than one per send.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa

from sendable.store.driver import Sql, run
from sendable.store.schema import appeals, attempts, audit_log, messages

COLUMNS = ("at", "sender_id", "recipient_id", "group_id", "outcome", "codes", "digest",
           "models", "facts", "content", "text", "message_id", "strike_id")
READ_COLUMNS = ("id", *COLUMNS)

_INSERT = Sql(f"INSERT INTO attempts ({', '.join(COLUMNS)}) "
              f"VALUES ({', '.join(':' + c for c in COLUMNS)})")
_PAGE = Sql(f"SELECT {', '.join(READ_COLUMNS)} FROM attempts "
            "WHERE id > :after AND id <= :last ORDER BY id LIMIT :n")
_FIRST = Sql("SELECT MIN(id) FROM attempts WHERE at >= :since")
_LAST = Sql("SELECT MAX(id) FROM attempts WHERE at < :until")
_DROP_TEXT = Sql("UPDATE attempts SET text = NULL WHERE at < :before AND text IS NOT NULL")
_PRUNE = Sql("DELETE FROM attempts WHERE at < :before")


def insert_many(conn: sa.Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Append records (dicts with every column of COLUMNS) in one statement."""
    if not rows:
        return
    raw = conn.connection.driver_connection
    text = _INSERT.pyformat if conn.dialect.name == "postgresql" else _INSERT.named
    cursor = raw.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(text, rows)
    except conn.dialect.loaded_dbapi.Error as error:
        raise sa.exc.DBAPIError.instance(text, None, error, conn.dialect.loaded_dbapi.Error,
                                         dialect=conn.dialect) from error
    finally:
        cursor.close()


def id_range(conn: sa.Connection, since: float, until: float) -> tuple[int, int] | None:
    """The first and last record ids of the period [since, until); None when empty."""
    first = run(conn, _FIRST, {"since": since}).fetchone()[0]
    last = run(conn, _LAST, {"until": until}).fetchone()[0]
    if first is None or last is None or first > last:
        return None
    return int(first), int(last)


def pages(conn: sa.Connection, first: int, last: int,
          size: int = 5000) -> Iterator[list[tuple[Any, ...]]]:
    """The records with ids first..last, in id order, `size` at a time (tuples in
    READ_COLUMNS order): the period streams, never all in memory."""
    after = first - 1
    while after < last:
        rows = run(conn, _PAGE, {"after": after, "last": last, "n": size}).fetchall()
        if not rows:
            return
        yield rows
        after = rows[-1][0]


def prune(conn: sa.Connection, now: float, retention: float, max_age: float) -> None:
    """Drop the text of records older than `retention`, and records older than `max_age`."""
    run(conn, _PRUNE, {"before": now - max_age})
    run(conn, _DROP_TEXT, {"before": now - retention})


def count(conn: sa.Connection) -> tuple[int, int]:
    """(records, records still holding their text)."""
    row = conn.execute(sa.select(sa.func.count(), sa.func.count(attempts.c.text))).one()
    return int(row[0]), int(row[1])


def labels(conn: sa.Connection, since: float) -> dict[tuple[str, int], str]:
    """What moderators later said about stored messages and strikes since `since`:
    ("dm"|"strike", id) -> "confirmed" (spam labelled, strike upheld on appeal)
    or "cleared" (a held message released, labelled not spam, a strike overturned)."""
    out: dict[tuple[str, int], str] = {}
    for mid in conn.execute(sa.select(messages.c.id).where(
            messages.c.sent_at >= since, messages.c.released_at.is_not(None))).scalars():
        out[("dm", int(mid))] = "cleared"
    for detail in conn.execute(sa.select(audit_log.c.detail).where(
            audit_log.c.action == "spam_label", audit_log.c.at >= since)).scalars():
        if isinstance(detail, dict) and detail.get("message_id") is not None:
            out[("dm", int(detail["message_id"]))] = (
                "confirmed" if detail.get("is_spam") else "cleared")
    for target, state in conn.execute(sa.select(appeals.c.target_id, appeals.c.state).where(
            appeals.c.target_kind == "strike", appeals.c.state.in_(("upheld", "overturned")))):
        out[("strike", int(target))] = "confirmed" if state == "upheld" else "cleared"
    return out
