"""Finding people: the contact secret, contact hashes, addresses, phone codes, search.

Only keyed hashes of contact data are written here (the shell computes them): an
uploaded address or number never reaches the database as itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from sendable.store.driver import Row, Sql, run
from sendable.store.schema import (
    accounts,
    blocks,
    contact_addresses,
    contacts,
    server_secrets,
)

# -- the server's contact secret ---------------------------------------------------------

def secret(conn: sa.Connection, name: str) -> str | None:
    found = conn.execute(sa.select(server_secrets.c.value)
                         .where(server_secrets.c.name == name)).first()
    return found[0] if found else None


def put_secret_once(conn: sa.Connection, name: str, value: str, at: float) -> str:
    """Store `value` under `name` unless one is there already (another node may have
    raced us to it); the value kept either way."""
    try:
        with conn.begin_nested():
            conn.execute(sa.insert(server_secrets).values(name=name, value=value, created_at=at))
    except sa.exc.IntegrityError:
        pass
    kept = secret(conn, name)
    assert kept is not None
    return kept


# -- an account's own verified addresses ---------------------------------------------------

def put_address(conn: sa.Connection, account: int, kind: str, digest: str) -> None:
    delete_address(conn, account, kind)
    conn.execute(sa.insert(contact_addresses).values(account_id=account, kind=kind, hash=digest))


def has_address(conn: sa.Connection, account: int, kind: str, digest: str) -> bool:
    return conn.execute(sa.select(contact_addresses.c.account_id).where(
        contact_addresses.c.account_id == account, contact_addresses.c.kind == kind,
        contact_addresses.c.hash == digest)).first() is not None


def delete_address(conn: sa.Connection, account: int, kind: str) -> None:
    conn.execute(sa.delete(contact_addresses).where(contact_addresses.c.account_id == account,
                                                    contact_addresses.c.kind == kind))


# -- uploaded contact lists ------------------------------------------------------------------

def replace_contacts(conn: sa.Connection, owner: int, digests: Iterable[str]) -> int:
    """The owner's list becomes exactly these hashes; how many it now holds."""
    delete_contacts(conn, owner)
    rows = [{"owner_id": owner, "hash": d} for d in sorted(set(digests))]
    if rows:
        conn.execute(sa.insert(contacts), rows)
    return len(rows)


def delete_contacts(conn: sa.Connection, owner: int) -> int:
    return conn.execute(sa.delete(contacts).where(contacts.c.owner_id == owner)).rowcount


def contact_count(conn: sa.Connection, owner: int) -> int:
    return conn.execute(sa.select(sa.func.count()).select_from(contacts)
                        .where(contacts.c.owner_id == owner)).scalar_one()


_IS_CONTACT = Sql("""
SELECT EXISTS (SELECT 1 FROM contacts AS c
               JOIN contact_addresses AS a ON a.hash = c.hash
               WHERE c.owner_id = :owner AND a.account_id = :account)
""")


def is_contact(conn: sa.Connection, owner: int, account: int) -> bool:
    """Whether one of `account`'s verified addresses is in `owner`'s uploaded list
    (whether the owner syncs contacts is the caller's question)."""
    return bool(run(conn, _IS_CONTACT, {"owner": owner, "account": account}).fetchone()[0])


def matches(conn: sa.Connection, owner: int, limit: int) -> list[Row]:
    """The discoverable accounts whose verified addresses are in the owner's list."""
    q = (sa.select(accounts.c.id, accounts.c.handle, accounts.c.display_name,
                   accounts.c.birthdate)
         .where(accounts.c.id != owner, accounts.c.discoverable.is_(True),
                accounts.c.deactivated.is_(False),
                accounts.c.id.in_(sa.select(contact_addresses.c.account_id)
                                  .join(contacts, contacts.c.hash == contact_addresses.c.hash)
                                  .where(contacts.c.owner_id == owner)),
                ~_blocked_by(accounts.c.id, owner))
         .order_by(accounts.c.handle_key).limit(limit))
    return [dict(r) for r in conn.execute(q).mappings()]


def _blocked_by(blocker: Any, blocked: Any) -> sa.ColumnElement[bool]:
    return sa.exists().where(blocks.c.blocker_id == blocker, blocks.c.blocked_id == blocked)


# -- search -------------------------------------------------------------------------------------

def _like_prefix(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search(conn: sa.Connection, searcher: int, q: str, born_before: Any, after: str | None,
           limit: int) -> list[Row]:
    """Discoverable, active accounts whose handle or display name (or a word of it)
    starts with `q` (lower-cased), by handle; never the searcher, one that blocked the
    searcher, or one born after `born_before` or of unknown age (too young to be
    messaged)."""
    prefix = _like_prefix(q)
    name = sa.func.lower(accounts.c.display_name)
    query = (sa.select(accounts.c.id, accounts.c.handle, accounts.c.handle_key,
                       accounts.c.display_name)
             .where(sa.or_(accounts.c.handle_key.like(prefix, escape="\\"),
                           name.like(prefix, escape="\\"),
                           name.like("% " + prefix, escape="\\")),
                    accounts.c.id != searcher,
                    accounts.c.discoverable.is_(True),
                    accounts.c.deactivated.is_(False),
                    accounts.c.birthdate.is_not(None),  # an unknown age counts as too young
                    accounts.c.birthdate <= born_before,
                    ~_blocked_by(accounts.c.id, searcher)))
    if after is not None:
        query = query.where(accounts.c.handle_key > after)
    query = query.order_by(accounts.c.handle_key).limit(limit)
    return [dict(r) for r in conn.execute(query).mappings()]


_KNOWS = Sql("""
SELECT
  EXISTS (SELECT 1 FROM follows WHERE approved AND
          ((follower_id = :a AND followee_id = :b) OR (follower_id = :b AND followee_id = :a))),
  EXISTS (SELECT 1 FROM conversations WHERE low_id = :low AND high_id = :high)
""")


def knows(conn: sa.Connection, a: int, b: int) -> bool:
    """Whether a and b already know each other: a follow either way, or a conversation."""
    low, high = min(a, b), max(a, b)
    row = run(conn, _KNOWS, {"a": a, "b": b, "low": low, "high": high}).fetchone()
    return bool(row[0]) or bool(row[1])
