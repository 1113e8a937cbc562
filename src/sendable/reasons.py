"""The reason catalogue and its rendering for each audience.

Every refusal the server gives is one of these codes. The catalogue is data:
cause, HTTP status, what the sender may see instead, whether it can be
appealed, and the words shown to people. Spam texts never name a rule or a
threshold; privacy texts never say that someone blocked someone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from sendable.clock import to_iso

AUDIENCES: tuple[str, ...] = ("sender", "moderator")


@dataclass(frozen=True)
class ReasonInfo:
    code: str
    cause: str
    http_status: int
    appealable: bool
    message: str
    remedy: str
    sender_code: str | None = None  # what the sender sees instead, when this is private


@dataclass(frozen=True)
class Finding:
    """One reason that applies to an attempt, as a check found it."""

    code: str
    effect: Literal["refuse", "hold"] = "refuse"
    retry_after: int | None = None
    until: float | None = None
    appeal_target: str | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)


GUIDELINE_CATEGORIES = (
    "harassment", "hate", "violence", "sexual", "self_harm", "illegal", "misinformation",
)
_CATEGORY_WORDS = {
    "harassment": "harassment or bullying",
    "hate": "hateful content",
    "violence": "threats or violent content",
    "sexual": "sexual content",
    "self_harm": "content that encourages self-harm",
    "illegal": "illegal goods or activity",
    "misinformation": "content that may be misleading",
}

_APPEAL = "If you think this is a mistake, you can appeal."

_ENTRIES = [
    ReasonInfo("client.outdated", "software_update", 426, False,
               "This version of the app is too old to send messages.",
               "Update the app to the latest version, then try again."),
    ReasonInfo("ban.temporary", "temporary_ban", 403, True,
               "Your account can't send messages until the ban ends.",
               "Wait until the ban ends. " + _APPEAL),
    ReasonInfo("ban.permanent", "temporary_ban", 403, True,
               "Your account has been permanently banned from sending messages.",
               _APPEAL),
    ReasonInfo("account.underage", "account_restriction", 403, False,
               "Direct messages are only available to people old enough to use them.",
               "You can use messaging once you reach the minimum age. If you never gave "
               "your date of birth, add it once in Settings (or PUT /v1/me/birthdate): "
               "until then you count as under the minimum age."),
    ReasonInfo("account.flagged", "account_restriction", 403, True,
               "Your account is restricted: for now you can only message people who follow you.",
               "Verify your account to lift the restriction. " + _APPEAL),
    ReasonInfo("account.new_limit", "account_restriction", 403, False,
               "New accounts can start only a few new conversations a day.",
               "Keep talking in the conversations you have, or wait until the time shown."),
    ReasonInfo("privacy.you_blocked", "privacy", 403, False,
               "You blocked this account.",
               "Unblock them if you want to message them."),
    ReasonInfo("privacy.blocked", "privacy", 403, False,
               "The recipient has blocked the sender.",
               "Nothing to do: the recipient chose not to hear from this account.",
               sender_code="privacy.not_accepting"),
    ReasonInfo("privacy.recipient_unavailable", "privacy", 403, False,
               "This account can't receive messages right now.",
               "Try again later."),
    ReasonInfo("privacy.underage_recipient", "privacy", 403, False,
               "The recipient is below the minimum messaging age.",
               "Nothing to do: minors are protected from direct messages.",
               sender_code="privacy.not_accepting"),
    ReasonInfo("privacy.private_account", "privacy", 403, False,
               "This account is private: only approved followers can message it.",
               "Ask to follow them and wait for them to approve you."),
    ReasonInfo("privacy.not_accepting", "privacy", 403, False,
               "This person isn't accepting messages from you.",
               "Their settings decide who can message them; you could reach them another way."),
    ReasonInfo("privacy.request_limit", "privacy", 403, False,
               "You've sent as many messages as you can until they accept your request.",
               "Wait for them to accept your message request or reply."),
    ReasonInfo("privacy.group_invites", "privacy", 403, False,
               "This person can't be added to groups by you.",
               "Their settings decide who can put them in a group; message them instead."),
    ReasonInfo("group.not_member", "privacy", 403, False,
               "You're not a member of this group.",
               "Ask a member to add you, or accept your invitation first."),
    ReasonInfo("group.full", "privacy", 409, False,
               "This group is full.",
               "Someone has to leave before anyone else can join."),
    ReasonInfo("group.closed", "community_guidelines", 403, True,
               "This group was closed by our moderators.",
               "No one can post in it. The group's owner can appeal."),
    ReasonInfo("account.teen_group", "account_restriction", 403, False,
               "You can only join groups through a link where someone you know already is.",
               "Ask a friend in the group to invite you."),
    ReasonInfo("spam.content", "spam", 403, True,
               "This message looks like spam, so it wasn't sent.",
               "Rewrite it in your own words. " + _APPEAL),
    ReasonInfo("spam.link", "spam", 403, True,
               "A link in this message can't be sent.",
               "Remove the link, or send fewer links. " + _APPEAL),
    ReasonInfo("spam.duplicate", "spam", 403, True,
               "You've sent this message to many people who don't know you.",
               "Write to people individually. " + _APPEAL),
    ReasonInfo("spam.fanout", "spam", 403, True,
               "You're messaging a lot of people who don't know you.",
               "Slow down and message people you know. " + _APPEAL),
    ReasonInfo("spam.reputation", "spam", 403, True,
               "Your account can't message people who don't know you right now.",
               "Message people who follow you; your standing improves with time. " + _APPEAL),
    ReasonInfo("rate.messages", "spam", 429, False,
               "You're sending messages too quickly.",
               "Wait a moment, then try again."),
    ReasonInfo("rate.new_conversations", "spam", 429, False,
               "You're starting new conversations too quickly.",
               "Wait a while before starting another new conversation."),
    ReasonInfo("rate.group_messages", "spam", 429, False,
               "You're sending group messages too quickly.",
               "Wait a moment; your direct messages are not affected."),
    ReasonInfo("rate.new_groups", "spam", 429, False,
               "You've made as many groups as you can for now.",
               "Wait a while before making another group."),
    ReasonInfo("spam.forward_limit", "spam", 429, False,
               "You've forwarded this message to as many chats as you can.",
               "Write a new message instead of forwarding this one again."),
]
for _category in GUIDELINE_CATEGORIES:
    _ENTRIES.append(ReasonInfo(
        f"guidelines.{_category}", "community_guidelines", 403, True,
        f"This message goes against our community guidelines ({_CATEGORY_WORDS[_category]}).",
        "Edit your message and try again. " + _APPEAL,
    ))

CATALOGUE: dict[str, ReasonInfo] = {entry.code: entry for entry in _ENTRIES}

# Client-side codes: produced by the client and `doctor`, never by the server.
CLIENT_CAUSES: dict[str, tuple[str, str, str]] = {
    "network.offline": ("network", "This device is offline.",
                        "Check Wi-Fi or mobile data, then try again."),
    "network.dns": ("network", "The server's name could not be looked up.",
                    "Check your connection or DNS settings."),
    "network.connect": ("network", "The server could not be reached.",
                        "Check your connection; the server may be down."),
    "network.tls": ("network", "A secure connection could not be made.",
                    "Check the device clock and any network that intercepts traffic."),
    "network.proxy": ("network", "The configured proxy is not working.",
                      "Fix or remove the proxy settings."),
    "network.slow": ("network", "The connection is very slow.",
                     "Move to a better connection; messages are kept until they send."),
    "app.cache_corrupt": ("app_glitch", "The app's local data is damaged.",
                          "Repair it (sendable doctor --repair); unsent messages are kept."),
    "app.server_error": ("app_glitch", "The server had a problem.",
                         "Try again shortly; your message is kept until it sends."),
}

# The order in which reasons are listed; the first is the primary reason.
PRECEDENCE: tuple[str, ...] = (
    "client.outdated",
    "ban.permanent", "ban.temporary",
    "account.underage", "account.flagged", "account.new_limit", "account.teen_group",
    "privacy.you_blocked", "privacy.blocked", "privacy.recipient_unavailable",
    "privacy.underage_recipient", "privacy.private_account", "privacy.not_accepting",
    "privacy.group_invites", "privacy.request_limit",
    "group.not_member", "group.full", "group.closed",
    *(f"guidelines.{c}" for c in GUIDELINE_CATEGORIES),
    "spam.link", "spam.content", "spam.duplicate", "spam.fanout", "spam.reputation",
    "spam.forward_limit",
    "rate.messages", "rate.new_conversations", "rate.group_messages", "rate.new_groups",
)
_RANK = {code: i for i, code in enumerate(PRECEDENCE)}


def info(code: str) -> ReasonInfo:
    try:
        return CATALOGUE[code]
    except KeyError:
        raise KeyError(f"unknown reason code {code!r}") from None


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """Findings in precedence (PRECEDENCE), the primary first."""
    return sorted(findings, key=lambda f: _RANK[f.code])


def sender_view(findings: Iterable[Finding],
                masks: Mapping[str, str] | None = None) -> list[Finding]:
    """What the sender may know: private codes replaced, duplicates merged.

    The result is re-sorted by the code shown, so that the position of a
    masked reason does not give it away either.
    """
    shown: dict[str, Finding] = {}
    for finding in findings:
        code = (masks or {}).get(finding.code) or CATALOGUE[finding.code].sender_code \
            or finding.code
        if code in shown:
            continue
        if code != finding.code:
            finding = Finding(code=code, effect=finding.effect)
        else:
            finding = Finding(code=finding.code, effect=finding.effect,
                              retry_after=finding.retry_after, until=finding.until,
                              appeal_target=finding.appeal_target)
        shown[code] = finding
    return ordered(shown.values())


def for_audience(findings: Iterable[Finding], audience: str,
                 masks: Mapping[str, str] | None = None) -> list[Finding]:
    if audience == "moderator":
        return ordered(findings)
    if audience == "sender":
        return sender_view(findings, masks)
    raise ValueError(f"audience must be one of {', '.join(AUDIENCES)}")


def render(finding: Finding, audience: str = "sender") -> dict[str, Any]:
    """One reason as JSON (docs/reasons.md) (call after `for_audience`)."""
    entry = CATALOGUE[finding.code]
    out: dict[str, Any] = {
        "code": finding.code,
        "cause": entry.cause,
        "message": entry.message,
        "remedy": entry.remedy,
        "retry_after": finding.retry_after,
        "until": to_iso(finding.until),
        "appealable": entry.appealable,
        "appeal_target": finding.appeal_target if entry.appealable else None,
    }
    if audience == "moderator":
        out["detail"] = dict(finding.detail)
    return out


def render_all(findings: Iterable[Finding], audience: str = "sender",
               masks: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    return [render(f, audience) for f in for_audience(findings, audience, masks)]


# In an invite, the adder sees a block or the invitee's age as the invitee's setting.
INVITE_MASKS: dict[str, str] = {"privacy.blocked": "privacy.group_invites",
                                "privacy.underage_recipient": "privacy.group_invites"}


def http_status(findings: list[Finding]) -> int:
    """The status of a refused send: the primary reason's, in the sender view."""
    refusing = [f for f in sender_view(findings) if f.effect == "refuse"]
    return CATALOGUE[refusing[0].code].http_status if refusing else 201
