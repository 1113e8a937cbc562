"""How the store talks to the database driver, and the names the rooms above use.

The send path's statements run straight on the driver's connection:
SQLAlchemy's Core execution costs several times what SQLite's own execution
does, and a send runs them on every attempt. So each such statement is
written once as SQL text with `:name` parameters (SQLite's style) and
translated once, at import, to psycopg's `%(name)s`; it runs on the DBAPI
connection under the SQLAlchemy `Connection` it is given, inside that
connection's transaction. Rows come back as plain dicts of what the driver
returns: on SQLite booleans are 0/1 and dates ISO strings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import orjson
import sqlalchemy as sa

# The rooms above the store hold connections and catch its errors by these
# names, so none of them imports SQLAlchemy.
Conn = sa.Connection
Engine = sa.Engine
IntegrityError = sa.exc.IntegrityError  # a uniqueness rule broken by a concurrent writer
DatabaseError = sa.exc.DBAPIError  # anything the database refused or lost
Row = Mapping[str, Any]


class DuplicateRow(Exception):
    """A write that breaks a uniqueness rule (a taken handle, a second appeal)."""


class Sql:
    """One statement in both parameter styles: `:name` (sqlite3) and `%(name)s` (psycopg)."""

    __slots__ = ("named", "pyformat")

    def __init__(self, text: str) -> None:
        self.named = text
        self.pyformat = re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", text.replace("%", "%%"))

def run(conn: sa.Connection, sql: Sql, params: dict[str, Any] | None = None) -> Any:
    """Execute on the DBAPI connection under `conn` (same transaction); the driver's cursor."""
    raw = conn.connection.driver_connection
    text = sql.pyformat if conn.dialect.name == "postgresql" else sql.named
    try:
        return raw.execute(text, params or {})  # type: ignore[union-attr]
    except conn.dialect.loaded_dbapi.Error as error:
        # As SQLAlchemy's own execution would: its exception classes (callers catch
        # sa.exc.IntegrityError), and a lost connection marked invalid so the next
        # transaction opens a new one.
        invalidated = conn.dialect.is_disconnect(error, raw, None)
        if invalidated:
            conn.invalidate(error)
        raise sa.exc.DBAPIError.instance(text, params, error, conn.dialect.loaded_dbapi.Error,
                                         connection_invalidated=invalidated,
                                         dialect=conn.dialect) from error

def _columns(table: sa.Table) -> tuple[str, ...]:
    return tuple(c.name for c in table.c)

# `... WHERE column IN (...)` with one statement text per list length, written once
# (n parameters, not an expanding list that SQLAlchemy would render per call).
# Lists are padded to a power of two, so a few texts serve every batch size.
_IN_SQL: dict[tuple[str, int], Sql] = {}

_MAX_IN = 256  # values per statement

def _rows_in(conn: sa.Connection, select: str, values: list[Any]) -> list[tuple]:
    """Rows of `select` (ending `IN`) for these values, distinct and any number of them."""
    rows: list[tuple] = []
    values = sorted(set(values))
    for start in range(0, len(values), _MAX_IN):
        chunk = values[start : start + _MAX_IN]
        chunk += chunk[-1:] * ((1 << (len(chunk) - 1).bit_length()) - len(chunk))
        sql = _IN_SQL.get((select, len(chunk)))
        if sql is None:
            names = ", ".join(f":v{i}" for i in range(len(chunk)))
            sql = _IN_SQL[(select, len(chunk))] = Sql(f"{select} ({names})")
        rows += run(conn, sql, {f"v{i}": v for i, v in enumerate(chunk)}).fetchall()
    return rows

def dump_json(value: Any) -> str:
    """JSON text for a JSON column (what SQLAlchemy would store, without its overhead)."""
    return orjson.dumps(value).decode()
