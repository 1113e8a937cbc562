"""The attempt log's record of gate facts, compact: JSON arrays in field order.

`facts` holds everything of `Facts` but the history (which the replay rebuilds from
the log itself, in time order) and the content (the text layer's findings, kept
apart so that a changed text rule can replace them); `content` holds those findings
without the text (kept in its own column until it expires).
"""

from __future__ import annotations

import functools
from datetime import date
from typing import Any

import orjson

from sendable.gate.facts import (
    AccountFacts,
    BanFacts,
    ClientFacts,
    Content,
    Facts,
    GroupFacts,
    History,
    Relation,
    Reputation,
)
from sendable.text.guidelines import CategoryMatch
from sendable.text.links import Link
from sendable.text.spam import ContentScore, SpamFeature

_DEFAULT_CLIENT = ClientFacts()
_DEFAULT_RELATION = Relation()


def _account(a: AccountFacts) -> list[Any]:
    ban = [a.ban.id, a.ban.scope, a.ban.until] if a.ban is not None else None
    rep = ([a.reputation.score, dict(a.reputation.components)]
           if a.reputation is not None else None)
    return [a.id, a.handle, a.created_at, a.birthdate.isoformat() if a.birthdate else None,
            a.verified, a.role, a.who_can_message, a.group_invites, a.private,
            a.deactivated, a.flagged, ban, a.active_strikes, rep]


def _account_of(v: list[Any]) -> AccountFacts:
    ban = BanFacts(v[11][0], v[11][1], v[11][2]) if v[11] is not None else None
    rep = Reputation(v[13][0], v[13][1]) if v[13] is not None else None
    # By name: a field added to AccountFacts (such as flag_id, which only names an
    # appeal target and decides nothing) must not shift the others.
    return AccountFacts(id=v[0], handle=v[1], created_at=v[2],
                        birthdate=date.fromisoformat(v[3]) if v[3] else None,
                        verified=v[4], role=v[5], who_can_message=v[6], group_invites=v[7],
                        private=v[8], deactivated=v[9], flagged=v[10], ban=ban,
                        active_strikes=v[12], reputation=rep)


def _relation(r: Relation) -> list[Any]:
    return [r.sender_follows, r.sender_follow_pending, r.recipient_follows, r.sender_blocked,
            r.recipient_blocked, r.conversation_id, r.conversation_state,
            r.started_by_recipient, r.unanswered, r.sender_is_contact]


def encode_facts(facts: Facts, forward_of: str | None = None) -> str:
    """The facts (history and content aside) as compact JSON."""
    out: dict[str, Any] = {"s": _account(facts.sender)}
    if facts.group is None:
        out["r"] = _account(facts.recipient)
    if facts.relation != _DEFAULT_RELATION:
        out["l"] = _relation(facts.relation)
    if facts.client != _DEFAULT_CLIENT:
        c = facts.client
        out["c"] = [c.header, c.version, c.valid]
    if facts.group is not None:
        g = facts.group
        out["g"] = [g.id, g.closed, g.sender_is_member, g.sender_is_owner,
                    g.others_follow_sender]
    if facts.forwards is not None:
        out["f"] = [facts.forwards, forward_of]
    return orjson.dumps(out).decode()


@functools.lru_cache(maxsize=8192)
def record_of(data: str) -> Record:
    """A record's facts, decoded once: a chatty pair logs the same facts again and again,
    and a Record is never changed once made."""
    return Record(data)


class Record:
    """One decoded record's facts, ready to take a history and a content."""

    __slots__ = ("_pair", "client", "forward_of", "forwards", "group", "recipient",
                 "relation", "sender")

    def __init__(self, data: str | bytes) -> None:
        d = orjson.loads(data)
        self.sender = _account_of(d["s"])
        self.recipient = _account_of(d["r"]) if "r" in d else self.sender
        self.relation = Relation(*d["l"]) if "l" in d else _DEFAULT_RELATION
        self.client = ClientFacts(*d["c"]) if "c" in d else _DEFAULT_CLIENT
        self.group = GroupFacts(*d["g"]) if "g" in d else None
        f = d.get("f")
        self.forwards, self.forward_of = (f[0], f[1]) if f else (None, None)
        self._pair: tuple[Any, ...] | None = None

    def pair(self) -> list[Any]:
        """[conversation exists, started by, state, unanswered] as the relation shows them
        (a fresh list each time: the replay advances its own copy)."""
        if self._pair is None:
            rel, sender, recipient = self.relation, self.sender.id, self.recipient.id
            exists = rel.conversation_id is not None
            started = (recipient if rel.started_by_recipient else sender) if exists else None
            self._pair = (exists, started, rel.conversation_state, rel.unanswered)
        return list(self._pair)

    def facts(self, now: float, relation: Relation, history: History, content: Content,
              forwards: int | None) -> Facts:
        return Facts(now, self.sender, self.recipient, relation, history, content,
                     self.client, self.group, forwards)


def encode_content(content: Content) -> str:
    """The text layer's findings, the text itself left out."""
    spam = content.spam
    out: dict[str, Any] = {}
    if content.links:
        out["l"] = [[k.url, k.host, k.registered_domain, k.shortener] for k in content.links]
    if content.guideline_matches:
        out["g"] = {c: [list(m.terms), m.score, list(m.sources)]
                    for c, m in content.guideline_matches.items()}
    if spam is not None:
        out["s"] = [spam.score, [[f.name, f.weight, f.evidence] for f in spam.features],
                    list(spam.blocked_terms), spam.threshold, spam.hand_score,
                    spam.model_version, spam.floor]
    if content.fingerprint is not None:
        out["p"] = content.fingerprint.hex()
    return orjson.dumps(out).decode()


_EMPTY: dict[str, Any] = {}


@functools.lru_cache(maxsize=8192)
def decode_content(data: str, text: str = "") -> Content:
    """The logged findings (with the text, when kept), decoded once per distinct pair:
    the same text gives the same findings, and a Content is frozen."""
    d = orjson.loads(data) if data != "{}" else _EMPTY
    if not d:
        return Content(text=text)
    links = tuple(Link(*v) for v in d["l"]) if "l" in d else ()
    matches = ({c: CategoryMatch(c, tuple(v[0]), v[1], tuple(v[2])) for c, v in d["g"].items()}
               if "g" in d else {})
    s = d.get("s")
    # Auto's threshold and floor are kept (records from before they were: None, 0).
    spam = (ContentScore(s[0], tuple(SpamFeature(*f) for f in s[1]), tuple(s[2]),
                         *s[3:7]) if s is not None else None)
    p = d.get("p")
    return Content(text, links, matches, spam, bytes.fromhex(p) if p else None)
