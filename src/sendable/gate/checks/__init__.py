"""One check per cause. Each reads the facts and returns zero or more findings;
none raises for a refusal and none stops the others."""

from collections.abc import Callable

from sendable.gate.checks import account, ban, client, group, guidelines, privacy, rate, spam
from sendable.gate.facts import Facts
from sendable.policy import Policy
from sendable.reasons import Finding

Check = Callable[[Facts, Policy], list[Finding]]

# What history each check reads: series of `History` -> how far back, in seconds.
HistoryNeeded = Callable[[Policy], dict[str, float]]
HISTORY_NEEDED: tuple[HistoryNeeded, ...] = (
    account.history_needed, rate.history_needed, spam.history_needed)


def history_needed(policy: Policy) -> dict[str, float]:
    """How far back each series of the sender's history must be read and kept: the
    longest that any check declares (a series no check reads is not kept)."""
    needed: dict[str, float] = {}
    for declare in HISTORY_NEEDED:
        for series, seconds in declare(policy).items():
            needed[series] = max(needed.get(series, 0.0), seconds)
    return needed


CHECKS: tuple[Check, ...] = (
    client.check,
    ban.check,
    account.check,
    privacy.check,
    group.check,
    guidelines.check,
    spam.check,
    rate.check,
)
