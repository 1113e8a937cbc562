"""Spam: links, content, near-duplicates, fan-out and reputation.

Only messages to people who don't know the sender (no follow back, no
accepted conversation) count toward duplicates and fan-out, and only they are
held to the reputation floor. Nothing here reaches the sender but the code:
thresholds, scores and features stay in the moderator's detail. Duplicates and
fan-out do say when the attempt would pass (retry_after), as every rule does.
"""

from __future__ import annotations

import math

from sendable.gate.facts import Facts
from sendable.policy import Policy
from sendable.reasons import Finding
from sendable.text.fingerprint import similarities
from sendable.text.links import blocked_domain

_HOUR = 3600.0


def history_needed(policy: Policy) -> dict[str, float]:
    """Duplicates look back over their window, fan-out over the last hour."""
    return {"stranger_messages": max(policy.spam.duplicate_window, _HOUR)}


def _links(facts: Facts, policy: Policy) -> list[Finding]:
    links = facts.content.links
    blocked = sorted({hit for link in links
                      if (hit := blocked_domain(link, policy.spam.blocked_domains))})
    too_many = len(links) > policy.spam.max_links
    if not blocked and not too_many:
        return []
    return [Finding("spam.link", detail={
        "blocked_domains": blocked, "links": len(links), "max_links": policy.spam.max_links})]


def _content(facts: Facts, policy: Policy) -> list[Finding]:
    score = facts.content.spam
    if score is None:
        return []
    # A number in the policy is the threshold; "auto" is the learned model's, which the
    # text layer resolved and kept beside the score (so a backtest can change either
    # over kept findings alone).
    number = policy.spam.threshold_number
    if not score.flags(number):
        return []
    return [Finding("spam.content", detail={
        "score": round(score.score, 3), "threshold": score.line(number),
        "blocked_terms": list(score.blocked_terms), "hand_score": score.hand_score,
        "model_version": score.model_version,
        "features": [{"name": f.name, "weight": f.weight, "evidence": f.evidence}
                     for f in score.features]})]


def _distinct_wait(latest: dict[int, float], now: float, window: float,
                   limit: int) -> tuple[int, int] | None:
    """(count, seconds until below limit) of distinct recipients, or None when under it."""
    times = sorted(latest.values())
    if len(times) < limit:
        return None
    frees_at = times[len(times) - limit] + window
    return len(times), max(1, math.ceil(frees_at - now))


def _duplicates(facts: Facts, policy: Policy) -> list[Finding]:
    mine = facts.content.fingerprint
    if mine is None:
        return []
    spam, now = policy.spam, facts.now
    if len(facts.history.stranger_messages) < spam.duplicate_recipients:
        return []  # fewer messages than the limit: fewer recipients too
    recent = [past for past in facts.history.stranger_messages
              if now - past.at < spam.duplicate_window and past.fingerprint is not None]
    # Only distinct recipients count toward the limit: with fewer of them than the
    # limit in the window, no score could make a finding, so none is computed.
    if len({past.recipient_id for past in recent}) < spam.duplicate_recipients:
        return []
    scores = similarities(mine, [past.fingerprint for past in recent])  # type: ignore[misc]
    latest: dict[int, float] = {}
    for past, score in zip(recent, scores, strict=True):
        if score >= spam.duplicate_similarity:
            latest[past.recipient_id] = past.at
    hit = _distinct_wait(latest, now, spam.duplicate_window, spam.duplicate_recipients)
    if hit is None:
        return []
    return [Finding("spam.duplicate", retry_after=hit[1], detail={
        "similar_recipients": hit[0], "limit": spam.duplicate_recipients})]


def _fanout(facts: Facts, policy: Policy) -> list[Finding]:
    if len(facts.history.stranger_messages) < policy.spam.fanout_per_hour:
        return []  # fewer messages than the limit: fewer recipients too
    now = facts.now
    latest: dict[int, float] = {}
    for past in facts.history.stranger_messages:
        if now - past.at < _HOUR:
            latest[past.recipient_id] = past.at
    hit = _distinct_wait(latest, now, _HOUR, policy.spam.fanout_per_hour)
    if hit is None:
        return []
    return [Finding("spam.fanout", retry_after=hit[1], detail={
        "recipients_last_hour": hit[0], "limit": policy.spam.fanout_per_hour})]


def _reputation(facts: Facts, policy: Policy) -> list[Finding]:
    reputation = facts.sender.reputation
    if reputation is None or reputation.score >= policy.spam.min_reputation:
        return []
    return [Finding("spam.reputation", detail={
        "score": round(reputation.score, 3), "min_reputation": policy.spam.min_reputation,
        "components": dict(reputation.components)})]


def check(facts: Facts, policy: Policy) -> list[Finding]:
    content = facts.content
    findings = _links(facts, policy) if content.links else []  # none: none too many
    if content.spam is not None:
        findings += _content(facts, policy)
    if facts.to_stranger:
        findings += _duplicates(facts, policy) + _fanout(facts, policy)
        findings += _reputation(facts, policy)
    if facts.forwards is not None and facts.forwards >= policy.groups.max_forwards:
        findings.append(Finding("spam.forward_limit", detail={
            "forwarded_to": facts.forwards, "limit": policy.groups.max_forwards}))
    return findings
