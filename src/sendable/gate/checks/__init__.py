"""One check per cause. Each reads the facts and returns zero or more findings;
none raises for a refusal and none stops the others."""

from collections.abc import Callable

from sendable.gate.checks import account, ban, client, guidelines, privacy, rate, spam
from sendable.gate.facts import Facts
from sendable.policy import Policy
from sendable.reasons import Finding

Check = Callable[[Facts, Policy], list[Finding]]

CHECKS: tuple[Check, ...] = (
    client.check,
    ban.check,
    account.check,
    privacy.check,
    guidelines.check,
    spam.check,
    rate.check,
)
