"""Putting someone in a group: creating a group with them, adding them, or their
joining through the group's link. Pure, like the rest of the gate: each person put
in gets one answer, `added`, `invited` (they must accept), `pending_approval` (the
owner must approve) or `refused` with every reason.

Relations are the adder's toward the invitee, as in a send: `sender_follows` is the
adder following the invitee, `recipient_follows` the invitee following the adder."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sendable.gate.checks.privacy import setting_allows
from sendable.gate.facts import AccountFacts, Relation
from sendable.gate.windows import wait_for_room
from sendable.policy import Policy
from sendable.reasons import Finding, ordered

_DAY = 86400.0


@dataclass(frozen=True, slots=True)
class GroupPlace:
    """The group someone is put in, as it stands before they are."""

    id: int | None = None  # None while it is being created
    seats_taken: int = 0  # members and pending entries, the creator included
    closed: bool = False
    owner_is_teen: bool = False
    adder_is_owner: bool = False
    adder_is_member: bool = False
    has_mutual_of_invitee: bool = False  # a member follows the invitee and back


@dataclass(frozen=True, slots=True)
class InviteFacts:
    now: float
    adder: AccountFacts  # through a link, the person joining
    invitee: AccountFacts
    relation: Relation = Relation()
    group: GroupPlace = GroupPlace()
    via_link: bool = False
    creating: bool = False  # part of creating the group


@dataclass(frozen=True, slots=True)
class InviteDecision:
    outcome: str  # added | invited | pending_approval | refused
    findings: tuple[Finding, ...] = field(default_factory=tuple)


def _day(now: float) -> date:
    return datetime.fromtimestamp(now, UTC).date()


def age_of(account: AccountFacts, now: float) -> int | None:
    return account.age_years(_day(now))


def is_teen(account: AccountFacts, now: float, policy: Policy) -> bool:
    """Younger than the adult age; an unknown age counts as under it (and as under the
    messaging age, which refuses such an account anyway)."""
    return account.younger_than(policy.age.adult_age, _day(now))


def effective_group_invites(account: AccountFacts, now: float, policy: Policy) -> str:
    """A teen's setting is never wider than mutuals, whatever they chose."""
    setting = account.group_invites
    if is_teen(account, now, policy) and setting != "nobody":
        return "mutuals"
    return setting


def standing(account: AccountFacts, now: float, policy: Policy) -> list[Finding]:
    """What of an account's own standing stops it putting anyone in a group: a ban in
    force, being under the messaging age, a flag."""
    findings: list[Finding] = []
    ban = account.ban
    if ban is not None and ban.in_force(now):
        target, detail = f"ban:{ban.id}", {"ban_id": ban.id, "scope": ban.scope}
        if ban.until is None:
            findings.append(Finding("ban.permanent", appeal_target=target, detail=detail))
        else:
            findings.append(Finding("ban.temporary", until=ban.until, appeal_target=target,
                                    retry_after=max(1, math.ceil(ban.until - now)),
                                    detail=detail))
    if account.younger_than(policy.age.min_messaging_age, _day(now)):  # unknown: under it
        age = age_of(account, now)
        findings.append(Finding("account.underage", detail={
            "age": age, "birthdate_known": age is not None,
            "min_age": policy.age.min_messaging_age}))
    if account.flagged:
        findings.append(Finding("account.flagged", appeal_target=(
            f"flag:{account.flag_id}" if account.flag_id is not None else None),
            detail={"putting_in_group": True}))
    return findings


def creation_findings(creator: AccountFacts, created_times: tuple[float, ...], now: float,
                      policy: Policy) -> list[Finding]:
    """Why a group cannot be made at all: the creator's standing, or a creation limit
    (`created_times`: when the creator made groups, ascending)."""
    findings = standing(creator, now, policy)
    limits = [policy.groups.max_created_per_day]
    if (now - creator.created_at) / _DAY < policy.new_accounts.days:
        limits.append(policy.new_accounts.max_groups_per_day)
    waits = [w for limit in limits
             if (w := wait_for_room(created_times, now, _DAY, limit)) is not None]
    if waits:
        findings.append(Finding("rate.new_groups", retry_after=max(waits), detail={
            "limits_per_day": limits}))
    return ordered(findings)


def decide_invite(facts: InviteFacts, policy: Policy) -> InviteDecision:
    """The answer for one person put in a group (true codes; the adder's view masks a
    block or an age as `privacy.group_invites`, reasons.INVITE_MASKS)."""
    now, invitee, rel, group = facts.now, facts.invitee, facts.relation, facts.group
    findings = [] if facts.creating else standing(facts.adder, now, policy)
    teen = is_teen(invitee, now, policy)
    if facts.via_link:
        if teen and not group.has_mutual_of_invitee:
            findings.append(Finding("account.teen_group"))
    else:
        if not facts.creating and not group.adder_is_member:
            findings.append(Finding("group.not_member"))
        if rel.sender_blocked:
            findings.append(Finding("privacy.you_blocked"))
        if rel.recipient_blocked:
            findings.append(Finding("privacy.blocked"))
        if invitee.deactivated:
            findings.append(Finding("privacy.recipient_unavailable",
                                    detail={"deactivated": True}))
        if invitee.younger_than(policy.age.min_messaging_age, _day(now)):  # unknown: under
            age = age_of(invitee, now)
            findings.append(Finding("privacy.underage_recipient", detail={
                "recipient_age": age, "birthdate_known": age is not None}))
        setting = effective_group_invites(invitee, now, policy)
        if not setting_allows(setting, rel):
            findings.append(Finding("privacy.group_invites", detail={
                "group_invites": invitee.group_invites, "applied": setting,
                "adder_follows": rel.sender_follows, "invitee_follows": rel.recipient_follows}))
    if group.closed:
        findings.append(Finding("group.closed"))
    if group.seats_taken >= policy.groups.max_members:
        findings.append(Finding("group.full", detail={
            "seats_taken": group.seats_taken, "max_members": policy.groups.max_members}))
    if findings:
        return InviteDecision("refused", tuple(ordered(findings)))
    # In a teen's own group, whoever comes after its creation waits for the owner,
    # unless the owner put them there.
    if group.owner_is_teen and not facts.creating and (facts.via_link or not group.adder_is_owner):
        return InviteDecision("pending_approval")
    if teen and not facts.via_link:
        return InviteDecision("invited")
    return InviteDecision("added")
