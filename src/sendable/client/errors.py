"""What the server said no to that is not policy."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """The server answered, and the answer was 'no' for a reason that is not policy:
    not signed in, no such account, an invalid field (`field` names it)."""

    def __init__(self, status: int, body: dict[str, Any] | None) -> None:
        error = (body or {}).get("error") or {}
        self.status = status
        self.code: str = error.get("code", "error")
        self.message: str = error.get("message", f"HTTP {status}")
        self.field: str | None = error.get("field")
        self.body = body
        super().__init__(f"{status} {self.code}: {self.message}")

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "code": self.code, "message": self.message,
                "field": self.field}
