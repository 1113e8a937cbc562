"""The recipient's privacy: blocks, availability, age, settings, requests.

Every privacy reason that applies is listed (the moderator sees a block beside
the settings); masking for the sender happens at rendering, not here.
"""

from __future__ import annotations

from sendable.gate.checks import contacts
from sendable.gate.facts import Facts, Relation
from sendable.policy import Policy
from sendable.reasons import Finding


def setting_allows(setting: str, rel: Relation) -> bool:
    """Whether a `who_can_message` or `group_invites` setting lets this sender in
    (gate/checks/contacts.py holds the relations, `suggested` among them); anything
    unknown fails closed."""
    return contacts.allows(setting, rel)


def check(facts: Facts, policy: Policy) -> list[Finding]:
    if facts.group is not None:  # joining was the consent: see checks/group.py
        return []
    rel, recipient, now = facts.relation, facts.recipient, facts.now
    findings: list[Finding] = []
    if rel.sender_blocked:
        findings.append(Finding("privacy.you_blocked"))
    if rel.recipient_blocked:
        findings.append(Finding("privacy.blocked"))
    banned = recipient.ban is not None and recipient.ban.in_force(now)
    if recipient.deactivated or banned:
        findings.append(Finding("privacy.recipient_unavailable", detail={
            "deactivated": recipient.deactivated, "banned": banned}))
    age = recipient.age_at(now)
    if age is None or age < policy.age.min_messaging_age:  # unknown: under it
        findings.append(Finding("privacy.underage_recipient", detail={
            "recipient_age": age, "birthdate_known": age is not None}))
    # Settings keep applying to an accepted conversation (an unfollow or a
    # stricter setting takes effect), but someone who wrote to the sender
    # first can be answered whatever their settings say; a block still wins.
    if not rel.started_by_recipient:
        if recipient.private and not rel.sender_follows:
            findings.append(Finding("privacy.private_account", detail={
                "follow_pending": rel.sender_follow_pending}))
        if not setting_allows(recipient.who_can_message, rel):
            findings.append(Finding("privacy.not_accepting", detail={
                "who_can_message": recipient.who_can_message,
                "sender_follows": rel.sender_follows,
                "recipient_follows": rel.recipient_follows,
                "contact": rel.sender_is_contact}))
    # A declined request reads to its sender exactly as one not yet answered: its
    # messages still go to `requested` (the recipient never sees them) until the
    # limit that applies to every request.
    if rel.is_request:
        limit = policy.requests.max_unanswered
        if rel.unanswered >= limit:
            findings.append(Finding("privacy.request_limit", detail={
                "unanswered": rel.unanswered, "limit": limit,
                "declined": rel.conversation_state == "declined"}))
    return findings
