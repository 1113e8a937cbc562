"""What every room of the shell shares: the unit of work, the policy, the clock, the
counters, the text layer and its learned model, and the mailer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sendable.clock import Clock
from sendable.counters import Counters
from sendable.errors import Forbidden, NotFound
from sendable.policy import Policy
from sendable.shell.content import ContentAnalyser
from sendable.shell.learning import SpamModels
from sendable.shell.mailer import Mailer
from sendable.store import accounts as db_accounts
from sendable.store.driver import Conn
from sendable.store.unit import Unit


@dataclass
class Shell:
    unit: Unit
    policy: Policy
    clock: Clock
    counters: Counters
    analyser: ContentAnalyser
    models: SpamModels
    mailer: Mailer

    def now(self) -> float:
        return self.clock.now()


def find_account(conn: Conn, handle: Any, field: str = "handle") -> dict[str, Any]:
    """The account with this handle; NotFound naming `field` otherwise."""
    row = db_accounts.account_by_handle(conn, handle) if isinstance(handle, str) else None
    if row is None:
        raise NotFound(f"no account @{handle}", field)
    return dict(row)


def moderator_id(conn: Conn, actor: str | None) -> int | None:
    """The moderator acting (None: the system or an operator at the command line)."""
    if not actor:
        return None
    row = find_account(conn, actor, "by")
    if row["role"] != "moderator":
        raise Forbidden(f"@{actor} is not a moderator", "by")
    return row["id"]
