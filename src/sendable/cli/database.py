"""Which database a command uses, said out loud.

Every command that opens a database (`serve`, `why`, `mod …`, `spam train|eval`)
finds it the same way: `--db`, else `$SENDABLE_DB`, else one file per user
(`~/.local/share/sendable/sendable.db` on Linux), wherever the command is run
from. So `spam train` and then `spam eval`, or `serve` and then `why`, use the
same model and the same accounts without anyone passing `--db`.

Only `serve` and `spam train` may create a database, and they say so. Every other
command refuses a file that does not exist (a mistyped path, another directory)
rather than create an empty one and answer from it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import platformdirs

_SERVER_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")
_SQLITE_URL = re.compile(r"^sqlite(?:\+pysqlite)?:///(?P<path>.*)$")


class DatabaseProblem(Exception):
    """A --db that cannot be used, in one line a person can act on."""


@dataclass(frozen=True)
class Database:
    db: str       # what Service.open takes
    shown: str    # where it is, as printed (a path, or a URL without its password)
    new: bool     # no database was there before this command


def default_path() -> Path:
    return Path(platformdirs.user_data_dir("sendable")) / "sendable.db"


def hide_password(url: str) -> str:
    return re.sub(r"^([a-z0-9+]+://[^:/@]+):[^@]*@", r"\1:***@", url)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def locate(db: str | None, *, create: bool) -> Database:
    """The database `db` names (None: the default), checked before anything opens it."""
    if db is not None and not db.strip():
        raise DatabaseProblem("--db is empty: give a file path or a postgresql:// URL")
    if db and "://" in db:
        match = _SQLITE_URL.match(db)
        if match is None:
            return _server(db)
        path = Path(match.group("path") or "")
    else:
        path = Path(db) if db else default_path()
    path = path.expanduser().resolve()
    if path.is_dir():
        raise DatabaseProblem(f"--db {path} is a directory, not a database file")
    new = not path.exists()
    if new and not create:
        raise DatabaseProblem(
            f"no database at {path}. `sendable serve` creates one there; or point --db "
            f"(or SENDABLE_DB) at the one you use")
    if new:
        if not path.parent.is_dir():
            if db:  # a path the user typed: do not invent its folders
                raise DatabaseProblem(f"--db {path}: the folder {path.parent} does not exist")
            path.parent.mkdir(parents=True, exist_ok=True)
        if not os.access(path.parent, os.W_OK):
            raise DatabaseProblem(f"--db {path}: cannot create it, {path.parent} is not writable")
    return Database(str(path), str(path), new)


def _server(db: str) -> Database:
    scheme = db.split("://", 1)[0].lower()
    shown = hide_password(db)
    if scheme not in _SERVER_SCHEMES:
        raise DatabaseProblem(
            f"--db {shown}: unsupported database URL (use a file path, sqlite:///PATH or "
            f"postgresql://USER:PASSWORD@HOST/NAME)")
    from sendable.store.temporary import BackendUnreachable, check_db

    try:
        check_db(db)
    except BackendUnreachable as error:
        raise DatabaseProblem(f"--db: {_one_line(str(error))}") from None
    except Exception as error:  # a URL the driver cannot even parse
        raise DatabaseProblem(f"--db {shown}: {_one_line(str(error))}") from None
    return Database(db, shown, False)


def stray_local_file(used: Database) -> Path | None:
    """A `sendable.db` in the current directory that this command is not using (the
    default before this rule was that file): worth a word, it may be what was meant."""
    local = Path("sendable.db").resolve()
    return local if local.exists() and str(local) != used.shown else None
