"""The enforcement tests' world: a Service on a fixed clock, the times they use."""

from __future__ import annotations

from typing import Any

from sendable.clock import FixedClock, parse_iso
from sendable.service import Service
from sendable.shell.mailer import FileMailer

START = parse_iso("2026-06-01T12:00:00Z")
DAY = 86400.0
HOUR = 3600.0


class World:
    """A service plus the helpers tests keep needing."""

    def __init__(self, service: Service, clock: FixedClock, mailer: FileMailer) -> None:
        self.service = service
        self.clock = clock
        self.mailer = mailer

    def account(self, handle: str, *, age_days: float = 365, verified: bool = True,
                **kw: Any) -> str:
        kw.setdefault("birthdate", "1990-01-01")  # an adult unless a test says otherwise
        self.service.create_account(handle, created_at=self.clock.now() - age_days * DAY,
                                    verified=verified, **kw)
        return handle

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)

    def send(self, sender: str, to: str, text: str = "hello") -> Any:
        return self.service.send(sender, to, text)

    def reasons(self, sender: str, to: str, audience: str = "sender") -> list[dict[str, Any]]:
        return self.service.send(sender, to, "hello").reasons(audience)

    def status(self, handle: str) -> dict[str, Any]:
        return self.service.status(handle)
