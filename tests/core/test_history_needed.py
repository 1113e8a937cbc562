"""Each check declares the history it reads; the loader keeps what the longest asks."""

from __future__ import annotations

from sendable.gate.checks import history_needed
from sendable.policy import build_policy
from sendable.shell.facts import counter_keep


def test_the_longest_declared_window_decides_each_series() -> None:
    policy = build_policy({
        "rate_limits": {"messages": ["30/minute", "500/2h"], "new_conversations": ["5/3d"]},
        "spam": {"duplicate_window": "6h"},
    })
    needed = history_needed(policy)
    assert needed["message_times"] == 7200
    # the rate check's 3 days beat the new-account check's one day
    assert needed["new_conversation_times"] == 3 * 86400
    assert needed["stranger_messages"] == 6 * 3600
    assert counter_keep(policy)[:3] == (7200, 3 * 86400, 6 * 3600)


def test_a_short_policy_keeps_what_the_fixed_windows_need() -> None:
    policy = build_policy({
        "rate_limits": {"messages": ["3/10s"], "new_conversations": ["2/1h"]},
        "spam": {"duplicate_window": "10m"},
    })
    # the new-account day and fan-out's hour are windows of those checks, not of the policy
    assert counter_keep(policy)[:3] == (60.0, 86400, 3600)
