"""What the group and people routes answer (the shapes /openapi.json publishes for
api/routes/groups.py, api/routes/contacts.py and GET /v1/mod/groups). The shared
pieces (Reason, Group, the error envelopes) are in schemas.py."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sendable.api.schemas import (
    Group,
    GroupListed,
    Outcome,
    Problem,
    Reason,
    RefusalReply,
    Reply,
    Timestamp,
)

# -- groups ------------------------------------------------------------------------------

InviteOutcome = Literal["added", "invited", "pending_approval", "refused"]


class InviteAnswer(Reply):
    """One person's answer to being put in a group, in the adder's view (a block or an
    age reads as the invitee's setting, `privacy.group_invites`)."""

    handle: str
    outcome: InviteOutcome
    reasons: list[Reason]


class GroupMade(Reply):
    group: Group
    results: list[InviteAnswer] = Field(description="one per person named, in order")


class GroupReply(Reply):
    group: Group


class GroupsReply(Reply):
    groups: list[GroupListed]


class InviteResults(Reply):
    results: list[InviteAnswer]


class GroupJoined(Reply):
    state: Literal["member", "pending_approval"] = Field(
        description="pending_approval: a teen's group, until its owner approves")


class GroupApproved(Reply):
    handle: str
    state: Literal["member", "invited"] = Field(
        description="invited: approved, and yet to accept the invitation")


class GroupLink(Reply):
    token: str = Field(description="for POST /v1/groups/join; the same each time")


class LinkJoined(InviteAnswer):
    outcome: Literal["added", "invited", "pending_approval"]


class LinkRefused(RefusalReply):
    """Joining by link refused: the refusal envelope, with the invite answer's fields."""

    handle: str
    outcome: Literal["refused"]


class GroupMessage(Reply):
    id: int
    seq: int
    sender: str = Field(alias="from")
    text: str
    outcome: Outcome = Field(description="held: your own message, waiting for review")
    sent_at: Timestamp
    forwarded: bool


class GroupMessages(Reply):
    group_id: int
    messages: list[GroupMessage]


class GroupReport(Reply):
    id: int
    by: str
    reason: str
    at: Timestamp


class ModGroup(Group):
    reports: list[GroupReport]


class ModGroups(Reply):
    groups: list[ModGroup]


# -- people ------------------------------------------------------------------------------

class Person(Reply):
    handle: str
    display_name: str | None
    can_message: bool = Field(description="a dry run of a send: true or false, never why")


class PeopleFound(Reply):
    results: list[Person]
    next_cursor: str | None = Field(description="the next page's `cursor`; null: no more")


class Matches(Reply):
    matches: list[Person]


class ContactsStored(Reply):
    stored: int = Field(description="distinct entries kept (as keyed hashes)")
    skipped: list[Problem] = Field(description="each entry left out, by field (phones[2])")


class PhoneState(Reply):
    phone: str | None = Field(description="E.164, as the server read it")
    phone_verified: bool


class PhoneVerified(Reply):
    phone_verified: bool
