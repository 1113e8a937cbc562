"""The strike ladder: what the n-th active strike brings."""

from __future__ import annotations

from dataclasses import dataclass

from sendable.durations import parse_duration


@dataclass(frozen=True, slots=True)
class LadderStep:
    kind: str  # warning | ban
    seconds: float | None = None  # ban length; None with kind "ban" is permanent


def step_for(ladder: tuple[str, ...], active_strikes: int) -> LadderStep:
    """The step for an account that has just reached `active_strikes` (1-based)."""
    if active_strikes < 1:
        raise ValueError("the ladder starts at the first strike")
    entry = ladder[min(active_strikes, len(ladder)) - 1]
    if entry == "warning":
        return LadderStep("warning")
    if entry == "permanent":
        return LadderStep("ban")
    return LadderStep("ban", parse_duration(entry))
