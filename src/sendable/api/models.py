"""Request bodies. Unknown fields are refused (422 naming the field), so a typo in a
client never passes silently; the rules themselves stay in the service."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class NewAccount(Body):
    handle: str = Field(max_length=64)
    password: str = Field(max_length=1024)
    birthdate: date | None = None
    email: str | None = Field(None, max_length=320)


class Birthdate(Body):
    birthdate: date


class Login(Body):
    handle: str = Field(max_length=64)
    password: str = Field(max_length=1024)


class Settings(Body):
    who_can_message: Literal["everyone", "followers", "following", "mutuals", "nobody"] | None = None
    private: bool | None = None


class NewMessage(Body):
    to: str = Field(max_length=64)
    text: str
    client_msg_id: str | None = None


class ReadUpTo(Body):
    seq: int = Field(ge=0, description="the seq of the newest message you have seen")


class WhyQuery(Body):
    to: str = Field(max_length=64)
    text: str = ""


class ModWhyQuery(Body):
    sender: str = Field(alias="from", max_length=64)
    to: str = Field(max_length=64)
    text: str = ""


class NewReport(Body):
    message_id: int | None = None
    handle: str | None = Field(None, max_length=64)
    reason: str


class NewAppeal(Body):
    target: str = Field(max_length=64, description="ban:<id> or strike:<id>")
    statement: str


class VerificationCode(Body):
    code: str = Field(max_length=64)


class ModAction(Body):
    action: Literal["ban", "unban", "strike", "flag", "unflag", "release", "spam", "not_spam"]
    handle: str | None = Field(None, max_length=64)
    message_id: int | None = None
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
    conversation_id: int
    seq: int
    outcome: Literal["delivered", "requested", "held"]
    sent_at: str


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


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="allow")
    code: str
    message: str
    request_id: str
    field: str | None = None


class ErrorReply(BaseModel):
    error: ErrorDetail
    reasons: list[Reason] | None = Field(None, description="refused sends: every reason")
