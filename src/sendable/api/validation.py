"""Bounds on the numbers a request may carry, stated once for every route (and so in
the published schema): an id is 1 to 2^63 - 1, what the store holds; a cursor is 0 to
that. A number past them names nothing, and is a 422 naming the field, never a
database error."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import Field

from sendable.inputs import MAX_ID


def id_path() -> Any:
    """A path id ({conversation_id}, {appeal_id}, ...): a fresh parameter for each use
    (FastAPI names a parameter object after the first argument it is given to)."""
    return Path(ge=1, le=MAX_ID)


Id = Annotated[int, Field(ge=1, le=MAX_ID)]  # an id in a body
Cursor = Annotated[int, Query(ge=0, le=MAX_ID)]  # after_seq, after


def parse_cursor(after: str | None) -> tuple[int | None, str | None]:
    """A stream's `after` as given in its query: (the event id or None, None), or
    (None, why it is refused): ASCII digits, 0 to MAX_ID."""
    if after is None:
        return None, None
    text = after.strip()
    if not text.isascii() or not text.isdigit() or int(text) > MAX_ID:
        return None, f"after must be an event id (0 to {MAX_ID})"
    return int(text), None
