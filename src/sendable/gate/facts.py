"""Facts: everything the gate may know about one attempt, loaded before it runs.

Plain frozen objects; the gate reads them and never does I/O or asks the clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

_DAY = 86400


@lru_cache(maxsize=64)
def _date_of_day(day: int) -> date:
    return datetime.fromtimestamp(day * _DAY, UTC).date()


def utc_date(now: float) -> date:
    """The UTC calendar date at `now` (what the age rules count birthdays on); the
    same as `datetime.fromtimestamp(now, UTC).date()`, found once per day."""
    return _date_of_day(int(now // _DAY))


def _whole_years(birthdate: date, today: date) -> int:
    return today.year - birthdate.year - (
        (today.month, today.day) < (birthdate.month, birthdate.day))


@lru_cache(maxsize=16384)
def _years_on_day(birthdate: date, day: int) -> int:
    return _whole_years(birthdate, _date_of_day(day))


def ban_in_force(until: float | None, now: float, lifted_at: float | None = None) -> bool:
    """The one rule for a ban: in force until it is lifted or its end passes (no end:
    permanent). The store's query for bans in force says the same in SQL."""
    return lifted_at is None and (until is None or until > now)


@dataclass(frozen=True, slots=True)
class BanFacts:
    id: int
    scope: str  # "messaging" or "account"
    until: float | None  # None: permanent

    def in_force(self, now: float) -> bool:
        return ban_in_force(self.until, now)


@dataclass(frozen=True, slots=True)
class Reputation:
    score: float
    components: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AccountFacts:
    id: int
    handle: str
    created_at: float
    birthdate: date | None = None
    verified: bool = True
    role: str = "member"
    who_can_message: str = "everyone"
    group_invites: str = "mutuals"
    private: bool = False
    deactivated: bool = False
    flagged: bool = False
    flag_id: int | None = None  # the flag in force, appealed as flag:<id>
    ban: BanFacts | None = None  # the active ban, if any
    active_strikes: int = 0
    reputation: Reputation | None = None

    def age_years(self, now: date) -> int | None:
        """Whole years on `now`; None while the birthdate is unknown (the age checks
        count an unknown age as under every minimum)."""
        return None if self.birthdate is None else _whole_years(self.birthdate, now)

    def age_at(self, now: float) -> int | None:
        """`age_years(utc_date(now))`, found once per birthdate and day: the age checks
        ask it of every attempt, and a backtest replays millions."""
        b = self.birthdate
        return None if b is None else _years_on_day(b, int(now // _DAY))

    def younger_than(self, years: int, now: date) -> bool:
        """Under `years` on `now`. An unknown age counts as under every minimum until
        the account gives its date of birth."""
        age = self.age_years(now)
        return age is None or age < years


@dataclass(frozen=True, slots=True)
class Relation:
    """How the sender and the recipient stand towards each other."""

    sender_follows: bool = False  # approved follow, sender -> recipient
    sender_follow_pending: bool = False
    recipient_follows: bool = False  # approved follow, recipient -> sender
    sender_blocked: bool = False  # the sender blocked the recipient
    recipient_blocked: bool = False  # the recipient blocked the sender
    conversation_id: int | None = None
    conversation_state: str | None = None  # requested | accepted | declined
    started_by_recipient: bool = False
    unanswered: int = 0  # the sender's messages in a pending request
    # The sender is one of the recipient's contacts: a verified address of theirs is
    # in the recipient's uploaded list, and the recipient syncs contacts (now).
    sender_is_contact: bool = False

    @property
    def accepted(self) -> bool:
        """The recipient accepted, replied, or wrote first."""
        return self.conversation_state == "accepted" or self.started_by_recipient

    @property
    def is_request(self) -> bool:
        return not self.recipient_follows and not self.accepted and not self.sender_is_contact

    @property
    def new_conversation(self) -> bool:
        return self.conversation_id is None


@dataclass(frozen=True, slots=True)
class StrangerMessage:
    """A stored message the sender sent to someone who doesn't know them."""

    at: float
    recipient_id: int
    fingerprint: bytes | None  # None until a near-duplicate comparison needs it
    message_id: int = 0


@dataclass(frozen=True, slots=True)
class History:
    """The sender's recent stored messages, times ascending. Messages to strangers
    are left out while fewer than the spam limits on them (shell/facts.load_history)."""

    message_times: tuple[float, ...] = ()
    new_conversation_times: tuple[float, ...] = ()
    stranger_messages: tuple[StrangerMessage, ...] = ()
    group_message_times: tuple[float, ...] = ()


@dataclass(frozen=True, slots=True)
class ClientFacts:
    header: str | None = None
    version: str | None = None  # the semantic version the header names
    valid: bool = True


@dataclass(frozen=True, slots=True)
class Content:
    """What the text layer found in the message; computed before the gate."""

    text: str = ""
    links: tuple[Any, ...] = ()  # sendable.text.links.Link
    guideline_matches: Mapping[str, Any] = field(default_factory=dict)  # category -> match
    spam: Any = None  # sendable.text.spam.ContentScore, or None when not scored
    fingerprint: bytes | None = None


@dataclass(frozen=True, slots=True)
class GroupFacts:
    """The group a message is sent to, as the sender stands in it."""

    id: int
    closed: bool = False
    sender_is_member: bool = False  # joined (not only invited or waiting for approval)
    sender_is_owner: bool = False
    others_follow_sender: bool = True  # every other member follows the sender

    @property
    def stranger(self) -> bool:
        """A group counts as one stranger recipient when any other member does not
        follow the sender."""
        return not self.others_follow_sender


@dataclass(frozen=True, slots=True)
class Facts:
    now: float
    sender: AccountFacts
    recipient: AccountFacts
    relation: Relation = Relation()
    history: History = History()
    content: Content = Content()
    client: ClientFacts = ClientFacts()
    group: GroupFacts | None = None  # a message to a group, not to `recipient`
    forwards: int | None = None  # a forward: the chats this message was forwarded to so far

    @property
    def to_stranger(self) -> bool:
        """Whether duplicates, fan-out and reputation apply."""
        return self.group.stranger if self.group is not None else self.relation.is_request
