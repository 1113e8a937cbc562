"""Engines and migrations. SQLite (WAL) by default, PostgreSQL by URL."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url

_MIGRATIONS = Path(__file__).with_name("migrations")


def database_url(db: str | None) -> str:
    """A SQLAlchemy URL from what a user types: a file path, or a full URL."""
    if not db:
        return "sqlite:///sendable.db"
    if "://" in db:
        if db.startswith("postgresql://"):
            return "postgresql+psycopg://" + db.removeprefix("postgresql://")
        if db.startswith("postgres://"):
            return "postgresql+psycopg://" + db.removeprefix("postgres://")
        return db
    return f"sqlite:///{db}"


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # WAL makes NORMAL safe against corruption
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    # A checkpoint (copying the WAL back into the database, with two fsyncs) runs in
    # the commit that crosses this many WAL pages. A send writes ~10 pages, so the
    # default 1000 put a checkpoint of several ms in one send of every ~100; at
    # 10000 (a WAL of up to ~40 MB) checkpoints come 10x rarer and each copies
    # fewer pages per send, as the pages every send rewrites coalesce. A long-lived
    # service also checkpoints on its own thread (WalCheckpointer), so a commit
    # that crosses the mark finds little left to copy.
    cursor.execute("PRAGMA wal_autocheckpoint=10000")
    cursor.close()


def connect(db: str | None) -> sa.Engine:
    url = database_url(db)
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


class WalCheckpointer:
    """SQLite: copy the WAL back into the database every `every` seconds on a thread
    of its own. A passive checkpoint neither waits for nor blocks the writer, and
    sqlite3 lets go of the GIL while it copies, so sends stop paying for it."""

    def __init__(self, engine: sa.Engine, every: float = 0.5) -> None:
        self._engine, self._every = engine, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sendable-wal-checkpoint",
                                        daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            try:
                with self._engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
            except Exception:  # the next commit past the mark checkpoints anyway
                logging.getLogger(__name__).warning("WAL checkpoint failed", exc_info=True)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def migrate(engine: sa.Engine) -> None:
    """Bring the schema to the newest migration."""
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def shown_url(db: str | None) -> str:
    """The database URL as it may be printed: the password hidden."""
    return make_url(database_url(db)).render_as_string(hide_password=True)
