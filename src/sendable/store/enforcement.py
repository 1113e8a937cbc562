"""Strikes, bans, reports and appeals."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from sendable.store.driver import DuplicateRow, Row, Sql, run
from sendable.store.schema import appeals, bans, reports, strikes

_ACTIVE_BANS_WHERE = ("account_id IN (:a, :b) AND lifted_at IS NULL "
                      "AND (until IS NULL OR until > :now)")

_BAN_COLUMNS = ("id", "account_id", "scope", "until")

_BANS = Sql(f"SELECT id, account_id, scope, until FROM bans WHERE {_ACTIVE_BANS_WHERE}")

def active_bans(conn: sa.Connection, a: int, b: int, now: float) -> dict[int, dict[str, Any]]:
    """The ban in force for each of two accounts: the one that ends last (permanent first)."""
    chosen: dict[int, dict[str, Any]] = {}
    for row in run(conn, _BANS, {"a": a, "b": b, "now": now}).fetchall():
        ban = dict(zip(_BAN_COLUMNS, row, strict=True))
        current = chosen.get(ban["account_id"])
        if current is None or _ends_later(ban["until"], current["until"]):
            chosen[ban["account_id"]] = ban
    return chosen

def _ends_later(until: float | None, other: float | None) -> bool:
    if other is None:
        return False
    return until is None or until > other


def active_ban(conn: sa.Connection, account: int, now: float) -> Row | None:
    """The ban in force, the one that ends last (permanent first): the same rule the
    gate's facts use (active_bans), so a send and a status never disagree."""
    return active_bans(conn, account, account, now).get(account)

def active_strikes(conn: sa.Connection, account: int, now: float) -> list[Row]:
    q = (sa.select(strikes).where(strikes.c.account_id == account,
                                  strikes.c.removed_at.is_(None), strikes.c.expires_at > now)
         .order_by(strikes.c.created_at, strikes.c.id))
    return [dict(r) for r in conn.execute(q).mappings()]

def strike_for_attempt(conn: sa.Connection, account: int, client_msg_id: str) -> int | None:
    """The strike an earlier try of the same attempt recorded, if any."""
    return conn.execute(sa.select(strikes.c.id).where(
        strikes.c.account_id == account, strikes.c.client_msg_id == client_msg_id)).scalar()

def insert_strike(conn: sa.Connection, **values: Any) -> int:
    return conn.execute(sa.insert(strikes).values(**values)).inserted_primary_key[0]

def insert_ban(conn: sa.Connection, **values: Any) -> int:
    return conn.execute(sa.insert(bans).values(**values)).inserted_primary_key[0]

def strike_by_id(conn: sa.Connection, strike_id: int) -> Row | None:
    found = conn.execute(sa.select(strikes).where(strikes.c.id == strike_id)).mappings().first()
    return dict(found) if found else None

def ban_by_id(conn: sa.Connection, ban_id: int) -> Row | None:
    found = conn.execute(sa.select(bans).where(bans.c.id == ban_id)).mappings().first()
    return dict(found) if found else None

def bans_of(conn: sa.Connection, account: int) -> list[Row]:
    q = sa.select(bans).where(bans.c.account_id == account).order_by(bans.c.id)
    return [dict(r) for r in conn.execute(q).mappings()]

def strikes_of(conn: sa.Connection, account: int) -> list[Row]:
    q = sa.select(strikes).where(strikes.c.account_id == account).order_by(strikes.c.id)
    return [dict(r) for r in conn.execute(q).mappings()]

def update_strike(conn: sa.Connection, strike_id: int, **values: Any) -> None:
    conn.execute(sa.update(strikes).where(strikes.c.id == strike_id).values(**values))

def update_ban(conn: sa.Connection, ban_id: int, **values: Any) -> None:
    conn.execute(sa.update(bans).where(bans.c.id == ban_id).values(**values))

def insert_report(conn: sa.Connection, **values: Any) -> int:
    return conn.execute(sa.insert(reports).values(**values)).inserted_primary_key[0]

def open_reports(conn: sa.Connection) -> list[Row]:
    q = sa.select(reports).where(reports.c.resolved_at.is_(None)).order_by(reports.c.created_at)
    return [dict(r) for r in conn.execute(q).mappings()]

def insert_appeal(conn: sa.Connection, **values: Any) -> int:
    try:
        with conn.begin_nested():
            return conn.execute(sa.insert(appeals).values(**values)).inserted_primary_key[0]
    except sa.exc.IntegrityError:
        raise DuplicateRow("this has already been appealed; one appeal per ban or strike") from None

def appeal_by_id(conn: sa.Connection, appeal_id: int) -> Row | None:
    found = conn.execute(sa.select(appeals).where(appeals.c.id == appeal_id)).mappings().first()
    return dict(found) if found else None

def appeals_of(conn: sa.Connection, account: int | None = None,
               state: str | None = None) -> list[Row]:
    q = sa.select(appeals).order_by(appeals.c.created_at, appeals.c.id)
    if account is not None:
        q = q.where(appeals.c.account_id == account)
    if state is not None:
        q = q.where(appeals.c.state == state)
    return [dict(r) for r in conn.execute(q).mappings()]

def update_appeal(conn: sa.Connection, appeal_id: int, **values: Any) -> None:
    conn.execute(sa.update(appeals).where(appeals.c.id == appeal_id).values(**values))


def newest_report_id(conn: sa.Connection, account: int) -> int:
    return conn.execute(sa.select(sa.func.max(reports.c.id))
                        .where(reports.c.account_id == account)).scalar_one() or 0


def reports_toward_flag(conn: sa.Connection, account: int, since: float, until: float,
                        cleared_report: int) -> list[Row]:
    """The reports that count toward flagging an account: filed in (since, until] (the
    report window) and after the last clearing of its flag (by id: reports filed in
    the same instant as the clearing may fall either side of it)."""
    q = (sa.select(reports).where(reports.c.account_id == account,
                                  reports.c.created_at > since, reports.c.created_at <= until,
                                  reports.c.id > cleared_report)
         .order_by(reports.c.id))
    return [dict(r) for r in conn.execute(q).mappings()]


def resolve_reports(conn: sa.Connection, ids: list[int], now: float, actor: int | None) -> None:
    conn.execute(sa.update(reports).where(reports.c.id.in_(ids))
                 .values(resolved_at=now, resolved_by=actor))
