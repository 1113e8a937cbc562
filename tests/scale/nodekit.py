"""What the scale tests share: the fixed time they run at, and friends made on a node."""

from __future__ import annotations

from typing import Any

NOW = 1_780_000_000.0


def friends(node: Any, *handles: str) -> None:
    """Verified, two-month-old accounts that all follow each other."""
    for handle in handles:
        node.create_account(handle, created_at=NOW - 60 * 86400, verified=True,
                            birthdate="1990-01-01")
    for x in handles:
        for y in handles:
            if x != y:
                node.follow(x, y)
