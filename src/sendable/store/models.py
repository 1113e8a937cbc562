"""The learned text models and their labels, stored so that every node uses what
another trained: a model is one row, its id the version; the highest id of a kind
is in force."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from sendable.store.driver import Sql, run
from sendable.store.schema import labels, spam_model, text_models

# Read before every send batch: on the driver, as the send path's statements are.
_CURRENT_VERSION = Sql("SELECT max(id) FROM text_models")


def current_version(conn: sa.Connection) -> int:
    """The highest model id of any kind (0 before the first): a node compares it with
    the version it holds, one indexed read."""
    return run(conn, _CURRENT_VERSION).fetchone()[0] or 0


def current_models(conn: sa.Connection) -> dict[str, dict[str, Any]]:
    """kind -> {id, data, summary, created_at} of the model in force per kind."""
    out: dict[str, dict[str, Any]] = {}
    for kind in ("spam", "abuse"):
        row = conn.execute(sa.select(text_models).where(text_models.c.kind == kind)
                           .order_by(text_models.c.id.desc()).limit(1)).first()
        if row is not None:
            out[kind] = dict(row._mapping)
    return out


def model_history(conn: sa.Connection, limit: int = 20) -> list[dict[str, Any]]:
    """The newest models of either kind, without their weights."""
    rows = conn.execute(sa.select(text_models.c.id, text_models.c.kind, text_models.c.summary,
                                  text_models.c.created_at)
                        .order_by(text_models.c.id.desc()).limit(limit))
    return [dict(r._mapping) for r in rows]


def save_model(conn: sa.Connection, kind: str, data: str, summary: dict[str, Any],
               at: float) -> int:
    """Store a trained model; it is in force from the commit on. Returns its version."""
    result = conn.execute(sa.insert(text_models).values(kind=kind, data=data, summary=summary,
                                                        created_at=at))
    return int(result.inserted_primary_key[0])


def add_labels(conn: sa.Connection, rows: Iterable[dict[str, Any]]) -> int:
    """Store labels ({kind, positive, category, text, source, message_id, moderator_id, at})."""
    rows = list(rows)
    if rows:
        conn.execute(sa.insert(labels), rows)
    return len(rows)


def labels_of(conn: sa.Connection, kind: str) -> list[dict[str, Any]]:
    """Every label of a kind, oldest first."""
    rows = conn.execute(sa.select(labels).where(labels.c.kind == kind).order_by(labels.c.id))
    return [dict(r._mapping) for r in rows]


def last_label_id(conn: sa.Connection, kind: str) -> int:
    """The id of the newest label of a kind (0 before the first): labels only grow, so
    a model trained when this was N has seen every label up to N."""
    return conn.execute(sa.select(sa.func.max(labels.c.id))
                        .where(labels.c.kind == kind)).scalar() or 0


def label_counts(conn: sa.Connection) -> dict[str, dict[str, int]]:
    """kind -> {"positive": n, "negative": n, "verdicts": n}."""
    out: dict[str, dict[str, int]] = {}
    q = (sa.select(labels.c.kind, labels.c.positive,
                   labels.c.source.like("verdict:%").label("verdict"), sa.func.count())
         .group_by(labels.c.kind, labels.c.positive, sa.text("3")))
    for kind, positive, verdict, n in conn.execute(q):
        entry = out.setdefault(kind, {"positive": 0, "negative": 0, "verdicts": 0})
        entry["positive" if positive else "negative"] += n
        if verdict:
            entry["verdicts"] += n
    return out


def label_sources(conn: sa.Connection) -> dict[str, dict[str, dict[str, int]]]:
    """kind -> source (file:NAME, verdict:WHAT) -> {"positive": n, "negative": n}."""
    out: dict[str, dict[str, dict[str, int]]] = {}
    q = (sa.select(labels.c.kind, labels.c.source, labels.c.positive, sa.func.count())
         .group_by(labels.c.kind, labels.c.source, labels.c.positive)
         .order_by(labels.c.kind, labels.c.source))
    for kind, source, positive, n in conn.execute(q):
        entry = out.setdefault(kind, {}).setdefault(source, {"positive": 0, "negative": 0})
        entry["positive" if positive else "negative"] += n
    return out


# The naive-Bayes model of earlier versions (table spam_model) is no longer read;
# the table stays so that older databases migrate without loss.
__all__ = ["add_labels", "current_models", "current_version", "label_counts", "label_sources", "labels_of",
           "last_label_id",
           "model_history", "save_model", "spam_model"]
