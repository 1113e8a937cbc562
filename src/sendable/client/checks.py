"""What the SDK refuses before it queues or sends: text the server would refuse as
unsendable whatever the policy (a lone surrogate; nothing a reader would see). The
error has the server's shape (422 naming `text`), so callers handle one kind."""

from __future__ import annotations

from typing import Any

from sendable.client.errors import ApiError
from sendable.textcheck import problem


def unsendable(text: Any, field: str = "text") -> ApiError | None:
    """The 422 naming `field` the server would give `text` whatever its policy, or None."""
    found = "must be a string" if not isinstance(text, str) else problem(text)
    if found is None:
        return None
    return ApiError(422, {"error": {"code": "invalid", "message": f"{field} {found}",
                                    "field": field}})


def check_text(text: Any, field: str = "text") -> str:
    """`text` if it can be sent; raises that ApiError otherwise."""
    error = unsendable(text, field)
    if error is not None:
        raise error
    return text
