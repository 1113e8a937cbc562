"""Reputation 0..1 from named components.

Guarantees: with no strikes, reports or blocks received an
account scores at least 0.5 if verified and 0.3 if not, whatever its age; each
active strike, distinct reporter and block received lowers the score strictly.
Positive signals add up from a floor; negative ones multiply it down, so every
one of them always counts and the score never leaves 0..1.
"""

from __future__ import annotations

from dataclasses import dataclass

from sendable.gate.facts import Reputation

_FLOOR = 0.3
_VERIFIED = 0.2
_AGE = 0.25  # full after _AGE_FULL_DAYS
_AGE_FULL_DAYS = 180.0
_REPLIES = 0.25  # full after _REPLIES_FULL conversations answered
_REPLIES_FULL = 20
_PER_STRIKE = 0.6
_PER_REPORTER = 0.85
_PER_BLOCK = 0.9


@dataclass(frozen=True, slots=True)
class ReputationInputs:
    account_age_days: float
    verified: bool
    active_strikes: int
    distinct_reporters: int
    blocks_received: int
    replies_received: int


def reputation(inputs: ReputationInputs) -> Reputation:
    age = _AGE * min(max(inputs.account_age_days, 0.0) / _AGE_FULL_DAYS, 1.0)
    replies = _REPLIES * min(inputs.replies_received / _REPLIES_FULL, 1.0)
    verified = _VERIFIED if inputs.verified else 0.0
    positive = _FLOOR + verified + age + replies
    strikes = _PER_STRIKE ** inputs.active_strikes
    reporters = _PER_REPORTER ** inputs.distinct_reporters
    blocks = _PER_BLOCK ** inputs.blocks_received
    score = min(1.0, positive * strikes * reporters * blocks)
    components = {
        "base": _FLOOR,
        "verified": verified,
        "account_age": round(age, 4),
        "replies_received": round(replies, 4),
        "strikes_factor": round(strikes, 4),
        "reporters_factor": round(reporters, 4),
        "blocks_factor": round(blocks, 4),
        "active_strikes": inputs.active_strikes,
        "distinct_reporters": inputs.distinct_reporters,
        "blocks_received": inputs.blocks_received,
        "replies_count": inputs.replies_received,
    }
    return Reputation(score=score, components=components)


def band(score: float, min_reputation: float) -> str:
    """A coarse band for the account holder: the number itself stays with moderators.

    "limited" means what it says: below the policy's floor, so messages to
    people who don't know the account are refused (spam.reputation)."""
    if score < min_reputation:
        return "limited"
    if score >= 0.6:
        return "good"
    return "fair"


def holder_band(score: float, min_reputation: float) -> str:
    """The band the account holder sees: "limited" only when their own reputation limits
    them, "ok" otherwise. Coarser than `band`, so that one more block or report
    received, which the holder must not learn of, changes nothing they can see."""
    return "limited" if score < min_reputation else "ok"
