"""Restrictions on the sender's own account: age, flags, new-account limits."""

from __future__ import annotations

from sendable.gate.facts import AccountFacts, Facts
from sendable.gate.windows import wait_for_room
from sendable.policy import Policy
from sendable.reasons import Finding

_DAY = 86400.0


def history_needed(policy: Policy) -> dict[str, float]:
    """The new-account limit counts the new conversations of the last day."""
    return {"new_conversation_times": _DAY}


def flag_target(sender: AccountFacts) -> str | None:
    """What the holder of a flagged account appeals: the flag in force."""
    return f"flag:{sender.flag_id}" if sender.flag_id is not None else None


def check(facts: Facts, policy: Policy) -> list[Finding]:
    findings: list[Finding] = []
    sender, now = facts.sender, facts.now
    age = sender.age_at(now)
    if age is None or age < policy.age.min_messaging_age:  # unknown: under it
        findings.append(Finding("account.underage", detail={
            "age": age, "birthdate_known": age is not None,
            "min_age": policy.age.min_messaging_age}))
    # A flagged account may write only to people who follow it; in a group, only
    # where every other member does.
    followed = (facts.group.others_follow_sender if facts.group is not None
                else facts.relation.recipient_follows)
    if sender.flagged and not followed:
        findings.append(Finding("account.flagged", appeal_target=flag_target(sender),
                                detail={"recipient_follows": False}))
    account_days = (now - sender.created_at) / _DAY
    if facts.relation.new_conversation and account_days < policy.new_accounts.days:
        limit = policy.new_accounts.max_new_conversations_per_day
        wait = wait_for_room(facts.history.new_conversation_times, now, _DAY, limit)
        if wait is not None:
            findings.append(Finding("account.new_limit", retry_after=wait, detail={
                "account_age_days": round(account_days, 2), "limit_per_day": limit}))
    return findings
