"""What the API answers: one model per response body, and the error envelopes.

These are the shapes /openapi.json publishes. A route declares its answer with
`response_model=` (FastAPI then checks and filters what the route returns) or, when
it returns a ready `JSON` response on a hot path, with `responses={status: {"model":
...}}`; its errors with `responses=errors(404, 409, ...)`. The errors every route
shares (401 for a route that needs a session, 403 for a moderator's route, 413 and
422 for a route that takes input) are added by `sendable.api.openapi` on its own.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from sendable.inputs import WHO_CAN_MESSAGE
from sendable.reasons import CATALOGUE

Timestamp = Annotated[str, Field(description="UTC time, ISO 8601 (2030-01-31T12:00:00Z)",
                                 json_schema_extra={"format": "date-time"})]
ReasonCode = Literal[tuple(sorted(CATALOGUE))]  # type: ignore[valid-type]
Outcome = Literal["delivered", "requested", "held"]


class Reply(BaseModel):
    """A response body: fields read from the route's dict by name (aliases for the
    ones Python reserves, like `from`)."""

    model_config = ConfigDict(populate_by_name=True)


# -- reasons and errors -------------------------------------------------------------

class Reason(Reply):
    code: ReasonCode
    cause: str
    message: str
    remedy: str
    retry_after: int | None = Field(description="seconds until trying again can help")
    until: Timestamp | None
    appealable: bool
    appeal_target: str | None = Field(description="what to POST to /v1/appeals as target")


class ModReason(Reason):
    """A reason in the moderator view: the true code, with its detail."""

    detail: dict[str, Any]


ErrorCode = Literal["bad_request", "unauthorized", "forbidden", "not_found",
                    "method_not_allowed", "conflict", "too_large", "bad_media_type",
                    "invalid", "throttled", "server_error", "not_available",
                    "unavailable", "error"]


class ErrorDetail(Reply):
    code: ErrorCode
    message: str
    field: str | None = Field(description="the input at fault, when there is one")
    retry_after: int | None = Field(None, description="429: seconds until trying again helps")
    request_id: str = Field(description="as in the server's log line for this request")


class Problem(Reply):
    field: str | None
    message: str


class ErrorReply(Reply):
    """Every error but a refused send."""

    error: ErrorDetail
    problems: list[Problem] | None = Field(None, description="422: every invalid field")


class RefusalDetail(Reason):
    request_id: str


class RefusalReply(Reply):
    """A refused send: the primary reason (sender view) and every reason."""

    error: RefusalDetail
    reasons: list[Reason]


_ERRORS = {400: "bad request", 401: "no valid session (Authorization: Bearer <token>)",
           403: "not allowed", 404: "no such thing (or not yours to see)",
           409: "conflicts with what exists", 413: "request body too large",
           422: "invalid input: `error.field` names it", 429: "too many: see Retry-After",
           501: "not available on this server", 503: "a service it needs is unreachable"}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route's errors, each in the error envelope."""
    return {s: {"model": ErrorReply, "description": _ERRORS.get(s, "error")} for s in statuses}


# -- accounts ------------------------------------------------------------------------

class Account(Reply):
    handle: str
    created_at: Timestamp
    birthdate: str | None = Field(json_schema_extra={"format": "date"})
    email: str | None
    verified: bool
    role: Literal["member", "moderator"]
    who_can_message: Literal[WHO_CAN_MESSAGE]  # type: ignore[valid-type]
    private: bool
    group_invites: Literal[WHO_CAN_MESSAGE]  # type: ignore[valid-type]
    flagged: bool
    discoverable: bool
    sync_contacts: bool
    display_name: str | None
    phone: str | None = Field(description="the account's phone, when it gave one")
    phone_verified: bool


class Session(Reply):
    token: str
    expires_at: Timestamp
    handle: str


class VerificationSent(Reply):
    sent: bool


class Verified(Reply):
    verified: bool


class Appeal(Reply):
    id: int
    handle: str
    target: str
    statement: str
    state: Literal["open", "upheld", "overturned"]
    created_at: Timestamp
    decided_at: Timestamp | None
    note: str | None


class Strike(Reply):
    id: int
    category: str
    source: str
    created_at: Timestamp
    expires_at: Timestamp
    removed_at: Timestamp | None
    active: bool
    appeal_target: str
    appeal: str | None = Field(description="the state of its appeal, if appealed")


class Ban(Reply):
    id: int
    scope: Literal["messaging", "account"]
    created_at: Timestamp
    until: Timestamp | None = Field(description="null: permanent")
    lifted_at: Timestamp | None
    active: bool
    appeal_target: str
    appeal: str | None = Field(description="the state of its appeal, if appealed")


class ShownReason(Reply):
    code: ReasonCode
    message: str


class Appealable(Reply):
    appeal_target: str = Field(description="what to POST to /v1/appeals as target")
    appeal: str | None = Field(description="the state of its appeal, if appealed")
    active: bool


class HeldMessage(Appealable):
    id: int
    to: str | None
    group: str | None = Field(description="for a message to a group: the group's name")
    text: str
    sent_at: Timestamp
    reasons: list[ShownReason]


class RefusedAttempt(Appealable):
    id: int
    to: str | None
    group: str | None
    text: str
    attempted_at: Timestamp
    reasons: list[ShownReason] = Field(description="as the sender was shown them")
    delivered: str | None = Field(description="after an overturned appeal: the outcome "
                                  "of its delivery (delivered, requested, held, refused)")


class Flag(Appealable):
    since: Timestamp


class ClosedGroup(Appealable):
    id: int
    name: str
    closed_at: Timestamp


class Standing(Reply):
    handle: str
    restrictions: list[Reason]
    strikes: list[Strike]
    bans: list[Ban]
    flagged: bool
    verified: bool
    reputation_band: str | None
    appeals: list[Appeal]
    held: list[HeldMessage] = Field(description="your messages held for review")
    refused: list[RefusedAttempt] = Field(description="sends refused by the spam checks, "
                                          "the last 30 days")
    flag: Flag | None = Field(description="the flag on your account, while in force")
    closed_groups: list[ClosedGroup] = Field(description="groups of yours that moderators "
                                             "closed")


class Appeals(Reply):
    appeals: list[Appeal]


# -- social ----------------------------------------------------------------------------

class FollowState(Reply):
    handle: str
    state: Literal["following", "pending", "declined"]


class FollowRequest(Reply):
    handle: str
    requested_at: Timestamp


class FollowRequests(Reply):
    requests: list[FollowRequest]


class Blocked(Reply):
    blocked: list[str]


class BlockState(Reply):
    handle: str
    blocked: bool


class Created(Reply):
    id: int


# -- messages ----------------------------------------------------------------------------

class SentMessage(Reply):
    id: int
    conversation_id: int | None = Field(None, description="a direct message's")
    group_id: int | None = Field(None, description="a group message's")
    group: str | None = Field(None, description="a group message's group name")
    seq: int
    outcome: Outcome
    sent_at: Timestamp
    forwarded: bool = False


class Notice(Reply):
    code: str
    message: str
    reasons: list[Reason] | None = Field(None, description="held: why, in the sender view")


class SendReply(Reply):
    message: SentMessage
    notices: list[Notice]


class WhyReply(Reply):
    sendable: bool
    outcome: Literal["delivered", "requested", "held", "refused"]
    reasons: list[Reason]


class LastMessage(Reply):
    text: str
    seq: int
    sender: str = Field(alias="from")


class Conversation(Reply):
    kind: Literal["direct"] = "direct"
    id: int
    with_: str = Field(alias="with")
    state: Literal["requested", "accepted", "declined"]
    last_seq: int
    updated_at: Timestamp
    last_message: LastMessage | None
    unread: int = Field(0, description="messages after your read cursor")


class ReadState(Reply):
    conversation_id: int
    read_seq: int


class Unread(Reply):
    inbox: int = Field(description="conversations with unread messages")
    requests: int


class GroupEntry(Reply):
    handle: str
    state: Literal["invited", "pending_approval"]
    awaits_owner: bool = Field(False, description="the owner has yet to approve them "
                               "(also while an invitation is unanswered)")


class Group(Reply):
    id: int
    name: str
    owner: str
    closed: bool = Field(description="closed by a moderator: nobody can post")
    members: list[str]
    pending: list[GroupEntry]
    created_at: Timestamp


class GroupListed(Group):
    kind: Literal["group"] = "group"
    muted: bool
    state: Literal["member", "invited", "pending_approval"]


class Conversations(Reply):
    folder: Literal["inbox", "requests"]
    conversations: list[Annotated[Conversation | GroupListed, Field(discriminator="kind")]]


class Message(SentMessage):
    sender: str = Field(alias="from")
    text: str


class Messages(Reply):
    conversation_id: int
    messages: list[Message]


class ConversationState(Reply):
    conversation_id: int
    state: Literal["accepted", "declined"]


# -- moderation ------------------------------------------------------------------------

class QueueItem(Reply):
    id: int
    priority: int
    priority_reason: str
    created_at: Timestamp


class HeldItem(QueueItem):
    kind: Literal["held_message"]
    sender: str = Field(alias="from")
    to: str
    text: str
    reasons: Any = Field(description="why it was held, as the gate gave it")


class GroupRef(Reply):
    id: int
    name: str


class HeldGroupItem(QueueItem):  # nobody in the group sees it until it is released
    kind: Literal["held_group_message"]
    sender: str = Field(alias="from")
    group: GroupRef
    text: str
    reasons: Any = Field(description="why it was held, as the gate gave it")


class ReportedMessage(Reply):
    id: int
    text: str | None


class ReportsItem(QueueItem):
    kind: Literal["reports"]
    handle: str
    distinct_reporters: int
    reports: int
    report_ids: list[int]
    message_ids: list[int]
    messages: list[ReportedMessage]
    reasons: dict[str, int]


class AppealItem(QueueItem):
    kind: Literal["appeal"]
    handle: str
    target: str
    statement: str
    context: dict[str, Any] = Field(default_factory=dict, description=(
        "what deciding it needs: the text, recipient or group, reasons (moderator view) "
        "and time of a held message or refused attempt; a flag's source and reports; a "
        "closed group's name, reports and members"))


class ModQueue(Reply):
    items: list[Annotated[HeldItem | HeldGroupItem | ReportsItem | AppealItem,
                          Field(discriminator="kind")]]


class AccountStatus(Reply):
    handle: str
    banned: bool
    ban_scope: Literal["messaging", "account"] | None
    ban_until: Timestamp | None
    strikes: int
    flagged: bool
    verified: bool
    reputation: float
    reputation_band: str
    reputation_components: dict[str, int | float]


class ReleasedMessage(SentMessage):
    text: str


class ModActionReply(Reply):
    """What the action did; only the fields of that action are present."""

    action: str
    handle: str | None = None
    message_id: int | None = Field(None, description="spam, not_spam, confirm_held")
    group_id: int | None = Field(None, description="close_group, reopen_group; confirm_held "
                                 "of a group message")
    message: ReleasedMessage | None = Field(None, description="release")
    labels: int | None = Field(None, description="confirm_held: labels stored for the "
                               "content models")
    ban_id: int | None = Field(None, description="ban")
    strike_id: int | None = Field(None, description="strike")
    lifted: list[int] | None = Field(None, description="unban: the bans lifted")
    status: AccountStatus | None = Field(None, description="the account's status after it")


class AppealDecided(Reply):
    id: int
    state: Literal["upheld", "overturned"]
    strikes: list[int] = Field(description="strikes removed")
    bans: list[int] = Field(description="bans lifted")
    labels: int = Field(0, description="labels stored for the content models")
    delivered: str | None = Field(None, description="a held message or refused attempt "
                                  "overturned: where it went (delivered, requested, held, "
                                  "or refused when something else stops it now)")


class SenderReputation(Reply):
    score: float
    band: str
    components: dict[str, int | float]


class ModWhyReply(Reply):
    sendable: bool
    outcome: Literal["delivered", "requested", "held", "refused", "added", "invited",
                     "pending_approval"]
    reasons: list[ModReason]
    reputation: SenderReputation  # the sender's, with what it is made of
    relation: list[str] = Field(default_factory=list, description=(
        "follows, followed_by, mutuals, contact (the sender is one of the recipient's "
        "contacts), conversation, blocks, blocked; or none"))


# -- meta ---------------------------------------------------------------------------------

class Meta(Reply):
    version: str
    min_client_version: str
    policy_digest: str


class Health(Reply):
    ok: bool


class StreamTicket(Reply):
    ticket: str = Field(description="Opens one live stream: /v1/stream?ticket=…")
    expires_in: int = Field(description="Seconds it stays valid, unused")
