"""Request bodies. Unknown fields are refused (422 naming the field), so a typo in a
client never passes silently; the rules themselves stay in the service."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sendable.textcheck import invalid_unicode


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @field_validator("*", mode="before")
    @classmethod
    def _valid_unicode(cls, value: Any) -> Any:
        """A lone surrogate (valid JSON, no valid text) is refused naming its field."""
        items = value if isinstance(value, list) else [value]
        if any(isinstance(v, str) and invalid_unicode(v) for v in items):
            raise ValueError("must be valid Unicode (it holds a lone surrogate)")
        return value


class NewAccount(Body):
    handle: str = Field(max_length=64)
    password: str = Field(max_length=1024)
    birthdate: date | None = None
    email: str | None = Field(None, max_length=320)


class Login(Body):
    handle: str = Field(max_length=64)
    password: str = Field(max_length=1024)


class Settings(Body):
    who_can_message: Literal["everyone", "followers", "following", "mutuals", "nobody",
                             "suggested"] | None = None
    private: bool | None = None
    group_invites: Literal["everyone", "followers", "following", "mutuals", "nobody",
                           "suggested"] | None = None
    discoverable: bool | None = Field(None, description="shown in people search and matches")
    sync_contacts: bool | None = Field(None, description="off deletes every uploaded contact")
    display_name: str | None = Field(None, max_length=64, description="found by people search")


class NewMessage(Body):
    """To a person (`to`) or to a group (`group`), never both."""
    to: str | None = Field(None, max_length=64)
    group: int | None = Field(None, ge=1, le=2**63 - 1)
    text: str
    client_msg_id: str | None = None

    @model_validator(mode="after")
    def one_chat(self) -> NewMessage:
        if (self.to is None) == (self.group is None):
            raise ValueError("give `to` (a handle) or `group` (a group id), not both")
        return self


class NewGroup(Body):
    name: str = Field(min_length=1, max_length=64)
    members: list[str] = Field(default_factory=list, max_length=10_000)


class GroupRename(Body):
    name: str = Field(min_length=1, max_length=64)


class GroupMembers(Body):
    handles: list[str] = Field(min_length=1, max_length=10_000)


class LinkToken(Body):
    token: str = Field(min_length=1, max_length=64)


class Forward(Body):
    to: str | None = Field(None, max_length=64)
    group: int | None = Field(None, ge=1, le=2**63 - 1)
    client_msg_id: str | None = None

    @model_validator(mode="after")
    def one_chat(self) -> Forward:
        if (self.to is None) == (self.group is None):
            raise ValueError("give `to` (a handle) or `group` (a group id), not both")
        return self


class GroupWhy(Body):
    group: int = Field(ge=1, le=2**63 - 1)
    text: str = ""
    invite: str | None = Field(None, max_length=64)


class WhyQuery(Body):
    to: str = Field(max_length=64)
    text: str = ""


class ModWhyQuery(Body):
    sender: str = Field(alias="from", max_length=64)
    to: str = Field(max_length=64)
    text: str = ""


class NewReport(Body):
    message_id: int | None = Field(None, ge=1, le=2**63 - 1)
    handle: str | None = Field(None, max_length=64)
    group_id: int | None = Field(None, ge=1, le=2**63 - 1)  # a whole group you are in
    reason: str


class NewAppeal(Body):
    target: str = Field(max_length=64, description="ban:<id>, strike:<id> or group:<id>")
    statement: str


class VerificationCode(Body):
    code: str = Field(max_length=64)


class ModAction(Body):
    action: Literal["ban", "unban", "strike", "flag", "unflag", "release", "spam", "not_spam",
                    "close_group", "reopen_group"]
    handle: str | None = Field(None, max_length=64)
    message_id: int | None = Field(None, ge=1, le=2**63 - 1)
    group_id: int | None = Field(None, ge=1, le=2**63 - 1)
    length: str | None = Field(None, alias="for", description="30s, 5m, 2h, 7d or permanent")
    scope: Literal["messaging", "account"] | None = None  # None: the policy's ban_scope
    category: str | None = Field(None, max_length=32)
    reason: str | None = Field(None, max_length=2000)


class AppealDecision(Body):
    decision: Literal["uphold", "overturn"]
    note: str | None = Field(None, max_length=2000)


# -- responses (documentation in /openapi.json; routes return plain JSON) ------------

class Reason(BaseModel):
    code: str
    cause: str
    message: str
    remedy: str
    retry_after: int | None
    until: str | None
    appealable: bool
    appeal_target: str | None
    detail: dict[str, Any] | None = Field(None, description="moderator view only")


class SentMessage(BaseModel):
    id: int
    conversation_id: int | None = None  # a direct message's
    group_id: int | None = None  # a group message's
    group: str | None = None
    seq: int
    outcome: Literal["delivered", "requested", "held"]
    sent_at: str
    forwarded: bool = False


class Notice(BaseModel):
    code: str
    message: str


class SendReply(BaseModel):
    message: SentMessage
    notices: list[Notice]


class WhyReply(BaseModel):
    sendable: bool
    outcome: str
    reasons: list[Reason]


class SenderReputation(BaseModel):
    score: float
    band: str
    components: dict[str, float]


class ModWhyReply(WhyReply):
    reputation: SenderReputation  # the sender's, with what it is made of
    relation: list[str] = Field(default_factory=list, description=(
        "follows, followed_by, mutuals, contact (the sender is one of the recipient's "
        "contacts), conversation, blocks, blocked; or none"))


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="allow")
    code: str
    message: str
    request_id: str
    field: str | None = None


class ErrorReply(BaseModel):
    error: ErrorDetail
    reasons: list[Reason] | None = Field(None, description="refused sends: every reason")


class ContactUpload(Body):
    """Entries are checked one by one: a bad one is skipped and reported, not fatal."""
    emails: list[Any] = Field(default_factory=list)
    phones: list[Any] = Field(default_factory=list)


class NewPhone(Body):
    phone: str | None = Field(None, max_length=40, description="+country, or the server's region")
