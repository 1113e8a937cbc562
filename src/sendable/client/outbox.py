"""The outbox: messages written but not yet acknowledged by the server.

A message is written here (and committed, synchronous=FULL) before the first
attempt to send it, and removed only when the server answered it for good: 201
(stored, or the first result replayed for its `client_msg_id`) or a final
refusal. A crash, a dead network or a restarted server therefore never loses a
message, and because the `client_msg_id` is stored with it, every later attempt
carries the same id and the server stores it at most once.

Plain sqlite3: the file is local to one device and belongs to the client, not to
the service's store.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    client_msg_id TEXT PRIMARY KEY,
    server TEXT NOT NULL,
    handle TEXT NOT NULL,
    recipient TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_code TEXT,
    last_attempt_at REAL
);
CREATE INDEX IF NOT EXISTS outbox_owner ON outbox (server, handle, created_at);
"""


@dataclass(frozen=True)
class Pending:
    client_msg_id: str
    server: str
    handle: str
    recipient: str
    text: str
    created_at: float
    attempts: int
    last_code: str | None


def new_client_msg_id() -> str:
    return uuid.uuid4().hex


class Outbox:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=10, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    def add(self, server: str, handle: str, recipient: str, text: str,
            client_msg_id: str | None = None) -> Pending:
        """Keep a message until the server acknowledges it. Adding an id that is already
        waiting keeps the first copy (the caller is retrying the same message)."""
        cid = client_msg_id or new_client_msg_id()
        self._db.execute(
            "INSERT OR IGNORE INTO outbox (client_msg_id, server, handle, recipient, text,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (cid, server, handle, recipient, text, time.time()))
        found = self.get(cid)
        assert found is not None
        return found

    def get(self, client_msg_id: str) -> Pending | None:
        row = self._db.execute("SELECT * FROM outbox WHERE client_msg_id = ?",
                               (client_msg_id,)).fetchone()
        return self._pending(row) if row else None

    def pending(self, server: str | None = None, handle: str | None = None) -> list[Pending]:
        """Waiting messages, oldest first (for one account when server/handle given)."""
        sql, args = "SELECT * FROM outbox", []
        if server is not None:
            sql += " WHERE server = ? AND handle = ?"
            args = [server, handle]
        rows = self._db.execute(sql + " ORDER BY created_at, rowid", args).fetchall()
        return [self._pending(r) for r in rows]

    def note_attempt(self, client_msg_id: str, code: str | None) -> None:
        self._db.execute("UPDATE outbox SET attempts = attempts + 1, last_code = ?,"
                         " last_attempt_at = ? WHERE client_msg_id = ?",
                         (code, time.time(), client_msg_id))

    def remove(self, client_msg_id: str) -> None:
        """Without an fsync of its own: should a power cut undo the removal, the message
        is sent again with the same id and the server answers with the first result."""
        self._db.execute("PRAGMA synchronous=NORMAL")
        try:
            self._db.execute("DELETE FROM outbox WHERE client_msg_id = ?", (client_msg_id,))
        finally:
            self._db.execute("PRAGMA synchronous=FULL")

    def integrity(self) -> str:
        """'ok', or what SQLite found wrong with the file."""
        try:
            rows = self._db.execute("PRAGMA integrity_check").fetchall()
        except sqlite3.DatabaseError as error:
            return str(error)
        return "; ".join(r[0] for r in rows)

    @staticmethod
    def _pending(row: tuple) -> Pending:
        return Pending(*row[:8])
