"""The local cache: conversations and messages as last read from the server.

Only a copy: the server is the source of truth, so a damaged cache is thrown away
and rebuilt from it. Damage is found two ways: SQLite's own `PRAGMA
integrity_check` (torn pages, a file that is not a database) and a SHA-256
checksum on every row over its key and body (a row changed behind SQLite's back
passes SQLite's check but not ours). Unsent messages are never here: they live in
the outbox file, which a rebuild does not touch.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    owner TEXT NOT NULL, id INTEGER NOT NULL, folder TEXT NOT NULL,
    body TEXT NOT NULL, checksum TEXT NOT NULL, PRIMARY KEY (owner, id));
CREATE TABLE IF NOT EXISTS messages (
    owner TEXT NOT NULL, conversation_id INTEGER NOT NULL, seq INTEGER NOT NULL,
    body TEXT NOT NULL, checksum TEXT NOT NULL, PRIMARY KEY (owner, conversation_id, seq));
"""


class CacheCorrupt(Exception):
    """The cache file is damaged; `problems` says how."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _checksum(table: str, key: tuple[Any, ...], body: str) -> str:
    return hashlib.sha256(json.dumps([table, *key, body]).encode()).hexdigest()


def _dump(value: dict[str, Any]) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


class Cache:
    """Opening a damaged file raises CacheCorrupt; so does reading a row whose
    checksum does not match."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=10, isolation_level=None)
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # a copy: no fsync per write
            self._db.executescript(SCHEMA)
            quick = self._db.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as error:
            self._db.close()
            raise CacheCorrupt([f"sqlite: {error}"]) from None
        if quick != "ok":
            self._db.close()
            raise CacheCorrupt([f"sqlite: {quick}"])

    def close(self) -> None:
        self._db.close()

    def check(self) -> list[str]:
        """Every problem found (empty when the cache is sound): SQLite's integrity check,
        then every row's checksum."""
        try:
            problems = [r[0] for r in self._db.execute("PRAGMA integrity_check")
                        if r[0] != "ok"]
            for owner, cid, body, checksum in self._db.execute(
                    "SELECT owner, id, body, checksum FROM conversations"):
                if _checksum("conversations", (owner, cid), body) != checksum:
                    problems.append(f"conversation {cid}: checksum mismatch")
            for owner, cid, seq, body, checksum in self._db.execute(
                    "SELECT owner, conversation_id, seq, body, checksum FROM messages"):
                if _checksum("messages", (owner, cid, seq), body) != checksum:
                    problems.append(f"message {cid}/{seq}: checksum mismatch")
        except sqlite3.DatabaseError as error:
            problems = [f"sqlite: {error}"]
        return problems

    # -- writes: whole answers from the server replace what was there ----------------

    def put_conversations(self, owner: str, folder: str,
                          conversations: list[dict[str, Any]]) -> None:
        with self._tx():
            self._db.execute("DELETE FROM conversations WHERE owner = ? AND folder = ?",
                             (owner, folder))
            self._db.executemany(
                "INSERT OR REPLACE INTO conversations VALUES (?, ?, ?, ?, ?)",
                [(owner, c["id"], folder, body := _dump(c),
                  _checksum("conversations", (owner, c["id"]), body)) for c in conversations])

    def put_messages(self, owner: str, conversation_id: int,
                     messages: list[dict[str, Any]]) -> None:
        with self._tx():
            self._db.executemany(
                "INSERT OR REPLACE INTO messages VALUES (?, ?, ?, ?, ?)",
                [(owner, conversation_id, m["seq"], body := _dump(m),
                  _checksum("messages", (owner, conversation_id, m["seq"]), body))
                 for m in messages])

    # -- reads: checksums verified on every row --------------------------------------

    def conversations(self, owner: str, folder: str) -> list[dict[str, Any]]:
        rows = self._read("SELECT id, body, checksum FROM conversations WHERE owner = ?"
                          " AND folder = ? ORDER BY id", (owner, folder))
        return [self._verified("conversations", (owner, cid), body, checksum)
                for cid, body, checksum in rows]

    def messages(self, owner: str, conversation_id: int) -> list[dict[str, Any]]:
        rows = self._read("SELECT seq, body, checksum FROM messages WHERE owner = ?"
                          " AND conversation_id = ? ORDER BY seq", (owner, conversation_id))
        return [self._verified("messages", (owner, conversation_id, seq), body, checksum)
                for seq, body, checksum in rows]

    def last_seq(self, owner: str, conversation_id: int) -> int:
        row = self._read("SELECT max(seq) FROM messages WHERE owner = ? AND"
                         " conversation_id = ?", (owner, conversation_id))
        return row[0][0] or 0

    def _read(self, sql: str, args: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        try:
            return self._db.execute(sql, args).fetchall()
        except sqlite3.DatabaseError as error:
            raise CacheCorrupt([f"sqlite: {error}"]) from None

    @staticmethod
    def _verified(table: str, key: tuple[Any, ...], body: str, checksum: str) -> dict[str, Any]:
        if _checksum(table, key, body) != checksum:
            raise CacheCorrupt([f"{table} {key[1:]}: checksum mismatch"])
        return json.loads(body)

    def _tx(self) -> _Tx:
        return _Tx(self._db)


class _Tx:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as error:
            raise CacheCorrupt([f"sqlite: {error}"]) from None

    def __exit__(self, kind: object, error: object, tb: object) -> None:
        if kind is None:
            try:
                self.db.execute("COMMIT")
            except sqlite3.DatabaseError as e:
                raise CacheCorrupt([f"sqlite: {e}"]) from None
        else:
            with suppress(sqlite3.DatabaseError):
                self.db.execute("ROLLBACK")
            if isinstance(error, sqlite3.DatabaseError):
                raise CacheCorrupt([f"sqlite: {error}"]) from None


def remove_cache_files(path: Path) -> None:
    """Throw a damaged cache away (with its WAL and shared-memory files)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)


class CacheFile:
    """The cache file as the client holds it: opened on first use, and thrown away and
    started afresh when found damaged. Each time damage is found, `on_corrupt` hears the
    problems (the client reports them as app.cache_corrupt)."""

    def __init__(self, path: Path, on_corrupt: Callable[[list[str]], None]) -> None:
        self.path = path
        self.on_corrupt = on_corrupt
        self._cache: Cache | None = None

    def open(self) -> Cache:
        if self._cache is None:
            try:
                self._cache = Cache(self.path)
            except CacheCorrupt as error:
                self._corrupt(error)
                self._cache = Cache(self.path)
        return self._cache

    def use(self, action: Callable[[Cache], T], default: T | None = None) -> T | None:
        """`action` on the cache, or `default` when the cache turns out damaged."""
        try:
            return action(self.open())
        except CacheCorrupt as error:
            self._corrupt(error)
            return default

    def check(self) -> list[str]:
        """Every problem in the file (empty when sound, or when there is no file yet);
        does not repair."""
        if self._cache is None and not self.path.exists():
            return []
        try:
            self._cache = self._cache or Cache(self.path)
        except CacheCorrupt as error:
            return error.problems
        return self._cache.check()

    def reset(self) -> None:
        """Throw the file away (it is only a copy of what the server holds)."""
        self.close()
        remove_cache_files(self.path)

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()
            self._cache = None

    def _corrupt(self, error: CacheCorrupt) -> None:
        self.on_corrupt(error.problems)
        self.reset()
