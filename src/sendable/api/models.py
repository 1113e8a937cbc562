"""Request bodies, and the rules of each field as /openapi.json publishes them.

Every rule the server enforces on a field is stated here (lengths, patterns, ranges,
choices), so a generated client knows what will pass; unknown fields are refused
(422 naming the field), so a typo in a client never passes silently. Types are
strict: `"1"` is not an integer, `1` is not a string. The answers are in schemas.py.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    field_validator,
    model_validator,
)

from sendable.enforcement.actions import MAX_STATEMENT
from sendable.inputs import MAX_TEXT, SPACE, WHO_CAN_MESSAGE
from sendable.reasons import GUIDELINE_CATEGORIES
from sendable.textcheck import invalid_unicode

# The largest id: 2^53 - 1, the largest integer every JSON reader holds exactly (the
# store holds 2^63 - 1, and no id comes near either).
MAX_ID = 2**53 - 1
_SPACE = SPACE  # what str.strip() removes
NO_NUL = r"^[^\x00]*$"
NOT_BLANK = rf"^[^\x00]*[^\x00{_SPACE}][^\x00]*$"
HANDLE = r"^[A-Za-z0-9_][A-Za-z0-9_.]{0,29}$"
# An address like name@example.org, spaces around it allowed (they are trimmed).
EMAIL = rf"^[{_SPACE}]*[^@{_SPACE}]+@[^@{_SPACE}]+\.[^@{_SPACE}]+[{_SPACE}]*$"
APPEAL_KINDS = ("ban", "strike", "group", "held", "held_group", "attempt", "flag")  # `target`: <kind>:<id>
DURATION = r"^(permanent|([1-9][0-9]{0,4}(\.[0-9]{1,3})?|0?\.[0-9]{0,2}[1-9])[smhdw])$"


def _iso_date(value: object) -> object:
    if value is not None and not isinstance(value, str | date):
        raise ValueError("must be a date like 2000-01-31")
    return value


Handle = Annotated[str, Field(min_length=1, max_length=30, pattern=HANDLE,
                              description="1-30 letters, digits, '_' or '.', not starting "
                                          "with '.'")]
def _integral(value: object) -> object:
    """JSON Schema counts 7.0 as the integer 7: so does the server (not "7", not true)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


Id = Annotated[int, Field(strict=True, ge=1, le=MAX_ID), BeforeValidator(_integral)]
Text = Annotated[str, Field(strict=True, min_length=1, max_length=MAX_TEXT, pattern=NOT_BLANK,
                            description="not blank, no NUL characters")]
OptionalText = Annotated[str, Field(strict=True, max_length=MAX_TEXT, pattern=NO_NUL)]


def Note(max_length: int) -> object:  # noqa: N802 (a type, spelt as one)
    return Annotated[str, Field(strict=True, max_length=max_length, pattern=NO_NUL)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, strict=True)

    @field_validator("*", mode="before")
    @classmethod
    def _valid_unicode(cls, value: Any) -> Any:
        """A lone surrogate (valid JSON, no valid text) is refused naming its field."""
        items = value if isinstance(value, list) else [value]
        if any(isinstance(v, str) and invalid_unicode(v) for v in items):
            raise ValueError("must be valid Unicode (it holds a lone surrogate)")
        return value


class NewAccount(Body):
    handle: Handle
    password: str = Field(min_length=8, max_length=256)
    birthdate: Annotated[date | None, BeforeValidator(_iso_date)] = Field(
        None, strict=False, description="not in the future; until one is given (here or "
        "with PUT /v1/me/birthdate) the account counts as under the minimum messaging age")
    email: str | None = Field(None, max_length=320, pattern=EMAIL)


class Birthdate(Body):
    birthdate: date = Field(strict=False)  # an ISO date in JSON


class Login(Body):
    handle: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class Settings(Body):
    who_can_message: Literal[WHO_CAN_MESSAGE] | None = None  # type: ignore[valid-type]
    private: StrictBool | None = None
    group_invites: Literal[WHO_CAN_MESSAGE] | None = None  # type: ignore[valid-type]
    discoverable: StrictBool | None = Field(None, description="shown in people search and matches")
    sync_contacts: StrictBool | None = Field(None, description="off deletes every uploaded contact")
    display_name: str | None = Field(None, max_length=64, pattern=NO_NUL,
                                     description="found by people search")


# `to` (a handle) or `group` (a group id): exactly one of them, as JSON Schema says it.
ONE_CHAT = {"oneOf": [
    {"required": ["to"], "properties": {"to": {"type": "string"}}},
    {"required": ["group"], "properties": {"group": {"type": "integer"}}}]}


class NewMessage(Body):
    """To a person (`to`) or to a group (`group`), never both."""

    model_config = ConfigDict(json_schema_extra=ONE_CHAT)
    to: Handle | None = None
    group: Id | None = None
    text: Text
    client_msg_id: str | None = Field(None, min_length=1, max_length=64,
                                      description="a repeat returns the first result")

    @model_validator(mode="after")
    def one_chat(self) -> NewMessage:
        if (self.to is None) == (self.group is None):
            raise ValueError("give `to` (a handle) or `group` (a group id), not both")
        return self


GroupName = Annotated[str, Field(strict=True, min_length=1, max_length=64, pattern=NOT_BLANK)]


class NewGroup(Body):
    name: GroupName
    members: list[Handle] = Field(default_factory=list, max_length=10_000)


class GroupRename(Body):
    name: GroupName


class GroupMembers(Body):
    handles: list[Handle] = Field(min_length=1, max_length=10_000)


class LinkToken(Body):
    token: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


class Forward(Body):
    """To a person (`to`) or to a group (`group`), never both."""

    model_config = ConfigDict(json_schema_extra=ONE_CHAT)
    to: Handle | None = None
    group: Id | None = None
    client_msg_id: str | None = Field(None, min_length=1, max_length=64,
                                      description="a repeat returns the first result")

    @model_validator(mode="after")
    def one_chat(self) -> Forward:
        if (self.to is None) == (self.group is None):
            raise ValueError("give `to` (a handle) or `group` (a group id), not both")
        return self


class GroupWhy(Body):
    group: Id
    text: OptionalText = ""
    invite: Handle | None = None


class ReadUpTo(Body):
    seq: Annotated[int, Field(strict=True, ge=0, le=MAX_ID), BeforeValidator(_integral)] = Field(
        description="the seq of the newest message you have seen")


class WhyQuery(Body):
    to: Handle
    text: OptionalText = ""


class ModWhyQuery(Body):
    """A direct message (`to`), a group message (`group`), or an invite (`group` and
    `invite`): every reason, with the true codes."""

    model_config = ConfigDict(json_schema_extra={"allOf": [ONE_CHAT, {
        "if": {"required": ["invite"], "properties": {"invite": {"type": "string"}}},
        "then": {"required": ["group"], "properties": {"group": {"type": "integer"}}}}]})
    sender: Handle = Field(alias="from")
    to: Handle | None = None
    group: Id | None = None
    invite: Handle | None = None
    text: OptionalText = ""

    @model_validator(mode="after")
    def one_target(self) -> ModWhyQuery:
        if (self.to is None) == (self.group is None):
            raise ValueError("give `to` (a handle) or `group` (a group id), not both")
        if self.invite is not None and self.group is None:
            raise ValueError("`invite` needs `group`")
        return self


class NewReport(Body):
    """Report an account (`handle`), a message you received (`message_id`), or a group
    you are in (`group_id`)."""

    model_config = ConfigDict(json_schema_extra={"anyOf": [
        {"required": ["handle"], "properties": {"handle": {"type": "string"}}},
        {"required": ["message_id"], "properties": {"message_id": {"type": "integer"}}},
        {"required": ["group_id"], "properties": {"group_id": {"type": "integer"}}}]})
    message_id: Id | None = None
    handle: Handle | None = None
    group_id: Id | None = None
    reason: str = Field(min_length=1, max_length=64, pattern=NO_NUL)
    # One of the three, or the service's 422 naming `handle` (the anyOf above says so).


class NewAppeal(Body):
    target: str = Field(pattern=rf"^(({'|'.join(APPEAL_KINDS)}):[1-9][0-9]{{0,17}}|last_({'|'.join(APPEAL_KINDS)}))$",
                        description=" or ".join(f"{k}:<id>" for k in APPEAL_KINDS))
    statement: str = Field(min_length=1, max_length=MAX_STATEMENT, pattern=NOT_BLANK,
                           description="why it should be lifted: not blank")


class VerificationCode(Body):
    code: str = Field(max_length=64, pattern=r"^[ -]*([0-9][ -]*){6}$",
                      description="the 6 digits sent by email (spaces and dashes allowed)")


def _needs(actions: tuple[str, ...], field: str, kind: str) -> dict[str, Any]:
    return {"if": {"properties": {"action": {"enum": list(actions)}}},
            "then": {"required": [field], "properties": {field: {"type": kind}}}}


class ModAction(Body):
    """Each action names what it acts on: `handle` (ban, unban, strike, flag, unflag),
    `message_id` (release, confirm_held, spam, not_spam) or `group_id` (close_group,
    reopen_group); a strike names its `category`. release and confirm_held take a held
    message, direct or in a group: release shows it; confirm_held keeps it held (it
    leaves the queue, its sender may still appeal)."""

    model_config = ConfigDict(json_schema_extra={"allOf": [
        _needs(("ban", "unban", "strike", "flag", "unflag"), "handle", "string"),
        _needs(("release", "confirm_held", "spam", "not_spam"), "message_id", "integer"),
        _needs(("close_group", "reopen_group"), "group_id", "integer"),
        _needs(("strike",), "category", "string")]})
    action: Literal["ban", "unban", "strike", "flag", "unflag", "release", "spam", "not_spam",
                    "close_group", "reopen_group", "confirm_held"]
    handle: Handle | None = None
    message_id: Id | None = None
    group_id: Id | None = None
    length: str | None = Field(None, alias="for", pattern=DURATION,
                               description="30s, 5m, 2h, 7d, 2w or permanent")
    scope: Literal["messaging", "account"] | None = None  # None: the policy's ban_scope
    category: Literal[GUIDELINE_CATEGORIES] | None = None  # type: ignore[valid-type]
    reason: Note(2000) | None = None  # type: ignore[valid-type]


class AppealDecision(Body):
    decision: Literal["uphold", "overturn"]
    note: Note(2000) | None = None  # type: ignore[valid-type]


class ContactUpload(Body):
    """Entries are checked one by one: a bad one is skipped and reported, not fatal."""
    emails: list[Any] = Field(default_factory=list)
    phones: list[Any] = Field(default_factory=list)


class NewPhone(Body):
    phone: str | None = Field(None, max_length=40, pattern=NO_NUL,
                              description="+country, or the server's region")
