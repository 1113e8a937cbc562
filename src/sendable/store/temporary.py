"""Temporary backends: an empty database and counter namespace, removed afterwards.

The test suite and the scenario runner use these to give each test or
scenario a storage of its own on whichever backend they were pointed at:

- no server: a SQLite file in a temporary folder (or `memory://` counters);
- `postgresql://…`: a new schema in that database, reached through a URL
  whose `options=-csearch_path=<schema>` makes it the only one the service
  sees; the schema is dropped afterwards;
- `redis://…`: a unique key prefix (`?prefix=`), its keys deleted afterwards.

A server that was asked for but does not answer raises `BackendUnreachable`
naming it, so that a run meant for PostgreSQL or Redis never passes on
something else.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from sendable.store.engine import database_url


class BackendUnreachable(RuntimeError):
    """A database or Redis that was asked for does not answer."""


def is_server_db(db: str | None) -> bool:
    return bool(db) and not database_url(db).startswith("sqlite")


def _admin_engine(db: str) -> sa.Engine:
    url = make_url(database_url(db))
    return sa.create_engine(url, poolclass=sa.pool.NullPool,
                            connect_args={"connect_timeout": 5})


def _shown(db: str) -> str:
    return make_url(database_url(db)).render_as_string(hide_password=True)


def check_db(db: str) -> None:
    """Raise BackendUnreachable unless the database answers."""
    if not is_server_db(db):
        return
    engine = _admin_engine(db)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as error:
        raise BackendUnreachable(
            f"database {_shown(db)} is unreachable: {error.__class__.__name__}: "
            f"{str(getattr(error, 'orig', error)).strip()}") from None
    finally:
        engine.dispose()


def check_redis(uri: str) -> None:
    """Raise BackendUnreachable unless Redis answers."""
    from sendable.counters.redis import RedisCounters

    counters = RedisCounters(uri)
    try:
        counters.ping()
    except Exception as error:  # redis-py raises several kinds; all mean "not usable"
        raise BackendUnreachable(f"Redis {uri} is unreachable: {error}") from None
    finally:
        counters.close()


@contextmanager
def temporary_db(db: str | None = None) -> Iterator[str]:
    """A database URL for an empty database, removed on exit (see the module doc)."""
    if not is_server_db(db):
        with tempfile.TemporaryDirectory(prefix="sendable-scratch-") as folder:
            yield str(Path(folder) / "scratch.db")
        return
    assert db is not None
    url = make_url(database_url(db))
    if url.get_backend_name() != "postgresql":
        raise ValueError(f"scratch databases: unsupported backend {url.get_backend_name()!r}")
    schema = f"scratch_{secrets.token_hex(6)}"
    check_db(db)
    engine = _admin_engine(db)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False)
    finally:
        try:
            with engine.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        finally:
            engine.dispose()


@contextmanager
def temporary_counters(uri: str | None = None) -> Iterator[str | None]:
    """A counters URI with nothing in it, cleared on exit; None means in-process."""
    if not uri or uri.startswith("memory://"):
        yield uri
        return
    from sendable.counters.redis import RedisCounters, split_prefix

    check_redis(uri)
    base, prefix = split_prefix(uri)
    prefix = f"{prefix}scratch:{secrets.token_hex(6)}:"
    scratch = f"{base}{'&' if '?' in base else '?'}prefix={prefix}"
    try:
        yield scratch
    finally:
        counters = RedisCounters(scratch)
        try:
            counters.clear()
        finally:
            counters.close()
