"""The learned spam model, stored so that every node can load what another taught."""

from __future__ import annotations

import sqlalchemy as sa

from sendable.store.schema import spam_model


def spam_model_data(conn: sa.Connection) -> tuple[str, int] | None:
    """The stored model and its version, or None before the first save."""
    row = conn.execute(sa.select(spam_model.c.data, spam_model.c.version)
                       .where(spam_model.c.id == 1)).first()
    return (row.data, row.version) if row else None

def spam_model_version(conn: sa.Connection) -> int:
    return conn.execute(sa.select(spam_model.c.version).where(spam_model.c.id == 1)).scalar() or 0

def save_spam_model(conn: sa.Connection, data: str, at: float) -> int:
    """Store the model; returns its new version."""
    updated = conn.execute(sa.update(spam_model).where(spam_model.c.id == 1)
                           .values(data=data, updated_at=at, version=spam_model.c.version + 1))
    if updated.rowcount == 0:
        conn.execute(sa.insert(spam_model).values(id=1, data=data, updated_at=at, version=1))
    return spam_model_version(conn)
