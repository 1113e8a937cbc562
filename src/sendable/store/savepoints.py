"""Savepoints: one part of a transaction undone alone, the rest kept for its commit.

A batch of sends shares one transaction; each attempt runs inside a savepoint of
its own, so an attempt the database (or a bug) fails is rolled back to where it
began and its neighbours commit as if it had never been tried. Savepoints are
issued on the driver's connection, where the store's statements run.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from sendable.store import events

_names = itertools.count(1)


class TransactionLost(Exception):
    """A savepoint could not be rolled back to: the database ended the whole transaction,
    which must now be given up (rolled back) by whoever began it."""


@contextmanager
def savepoint(conn: sa.Connection) -> Iterator[None]:
    """Run the block in a savepoint of `conn`'s transaction: released when it ends,
    rolled back to (its stream events forgotten too) if it raises, and the error
    raised on. Should the rollback itself fail (the database ended the whole
    transaction), TransactionLost is raised instead: the transaction must be given up.

    pysqlite begins a transaction only before the first write (reads before it run
    on their own, so another process may write until then, as it always could), and
    a SAVEPOINT outside a transaction would commit on its release. So on SQLite,
    with nothing written yet, the block runs without one, and undoing it is rolling
    back what it began."""
    raw: Any = conn.connection.driver_connection
    kept = events.pending_count(conn)
    if conn.dialect.name == "sqlite" and not raw.in_transaction:
        try:
            yield
        except BaseException:
            try:
                if raw.in_transaction:
                    raw.rollback()
            except Exception as lost:
                raise TransactionLost("could not roll back") from lost
            events.forget_after(conn, kept)
            raise
        return
    name = f"sendable_{next(_names)}"
    raw.execute(f"SAVEPOINT {name}")
    try:
        yield
    except BaseException:
        try:
            raw.execute(f"ROLLBACK TO SAVEPOINT {name}")
            raw.execute(f"RELEASE SAVEPOINT {name}")
        except Exception as lost:
            raise TransactionLost(f"savepoint {name} is gone") from lost
        events.forget_after(conn, kept)
        raise
    raw.execute(f"RELEASE SAVEPOINT {name}")
