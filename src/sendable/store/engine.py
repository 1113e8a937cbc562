"""Engines and migrations. SQLite (WAL) by default, PostgreSQL by URL."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

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
    # fewer pages per send, as the pages every send rewrites coalesce.
    cursor.execute("PRAGMA wal_autocheckpoint=10000")
    cursor.close()


def connect(db: str | None) -> sa.Engine:
    url = database_url(db)
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def migrate(engine: sa.Engine) -> None:
    """Bring the schema to the newest migration."""
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
