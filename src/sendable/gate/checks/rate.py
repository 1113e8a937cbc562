"""Rate limits over moving windows: messages, and new conversations."""

from __future__ import annotations

from collections.abc import Sequence

from sendable.durations import RateLimit
from sendable.gate.facts import Facts
from sendable.gate.windows import count_in_window, wait_for_room
from sendable.policy import Policy
from sendable.reasons import Finding


def _over(code: str, times: Sequence[float], limits: Sequence[RateLimit],
          now: float) -> list[Finding]:
    waits = []
    n = len(times)
    for limit in limits:
        # Fewer times than the limit leave room in any window: no search needed.
        if n >= limit.limit and (
                wait := wait_for_room(times, now, limit.window, limit.limit)) is not None:
            waits.append((wait, limit))
    if not waits:
        return []
    wait = max(w for w, _ in waits)  # the attempt passes only once every window has room
    return [Finding(code, retry_after=wait, detail={
        "limits": [lim.text for _, lim in waits],
        "counts": [count_in_window(times, now, lim.window) for _, lim in waits]})]


def history_needed(policy: Policy) -> dict[str, float]:
    """Each series is kept as long as its longest window."""
    return {"message_times": max((r.window for r in policy.rate_limits.messages), default=0.0),
            "new_conversation_times": max(
                (r.window for r in policy.rate_limits.new_conversations), default=0.0),
            "group_message_times": max(
                (r.window for r in policy.rate_limits.group_messages), default=0.0)}


def check(facts: Facts, policy: Policy) -> list[Finding]:
    history, now = facts.history, facts.now
    if facts.group is not None:  # group messages have windows of their own
        return _over("rate.group_messages", history.group_message_times,
                     policy.rate_limits.group_messages, now)
    findings = _over("rate.messages", history.message_times, policy.rate_limits.messages, now)
    if facts.relation.new_conversation:
        findings += _over("rate.new_conversations", history.new_conversation_times,
                          policy.rate_limits.new_conversations, now)
    return findings
