"""Re-deciding logged attempts under another policy: pure, streaming, in log order.

Each logged attempt is decided again by the gate's own `decide`, on its logged facts,
with three kinds of fact rebuilt for the policy being tried ("a world"):

- the sender's history (message, new-conversation, stranger and group windows), from
  the attempts that world stored: an attempt the candidate refuses no longer counts
  toward later windows, and one it lets through does;
- the pair's conversation (whether there is one, who started it, its state, its
  unanswered requests), which the messages stored before shape: the logged relation
  serves while the world stored what was stored live, and is rebuilt where not;
- the forwards of one message so far.

Everything else (follows, blocks, settings, ages, bans, reputation, the client) is the
attempt's own and stays as logged, so rules that read only those are re-decided
exactly. The text layer's findings are the logged ones unless the world's policy reads
text differently (terms, lexicons, thresholds of the text layer): then the kept text is
read again, and an attempt whose text has expired is not re-decidable, never guessed.
"""

from __future__ import annotations

import functools
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import Any, NamedTuple

from sendable.gate.checks import history_needed
from sendable.gate.decide import Decision, decide
from sendable.gate.facts import Content, History, Relation, StrangerMessage
from sendable.lab.codec import Record, decode_content, record_of
from sendable.policy import Policy

# A logged record's columns, as the store reads them (store/attempts.READ_COLUMNS).
ID, AT, SENDER, RECIPIENT, GROUP, OUTCOME, CODES, DIGEST, MODELS, FACTS, CONTENT, TEXT, \
    MESSAGE, STRIKE = range(14)

_NO_HISTORY = History()
CONSENTS = ("accept", "decline")  # shell/attempt_log.CONSENTS: answers, not attempts
Analyse = Callable[[str, bool], Content]  # (text, with_fingerprint) -> the text layer's


def text_keys(policy: Policy) -> tuple[Any, ...]:
    """The policy keys the text layer reads (shell/content.py). It resolves what an
    "auto" spam threshold means (the learned detector's threshold for spam.target_fpr,
    kept with each score) and the abuse model's thresholds itself, so changing those
    means reading the text again; whether the spam threshold is auto or a number is
    the gate's, decided over kept findings."""
    return (policy.spam.blocked_terms, policy.guidelines.extra_terms,
            policy.guidelines.offensive_threshold,
            policy.spam.target_fpr, policy.guidelines.target_fpr,
            policy.guidelines.model_threshold, policy.guidelines.veto_threshold)


def keep_of(policy: Policy) -> float:
    """How far back a world's windows must reach (the checks declare it)."""
    return max([60.0, *history_needed(policy).values()])


# The order of a world's keeps: History's series (shell/facts.SERIES).
_SERIES = ("message_times", "new_conversation_times", "stranger_messages",
           "group_message_times")


def keeps_of(policy: Policy) -> tuple[float, float, float, float]:
    """How long each series is kept: as long as the checks read it, a minute at least."""
    needed = history_needed(policy)
    return tuple(max(needed.get(s, 0.0), 60.0) for s in _SERIES)  # type: ignore[return-value]


class _Series:
    """One sender's windows in one world, trimmed as the send path's counters are."""

    __slots__ = ("_history", "convs", "gmsgs", "msgs", "strangers", "unsorted")

    def __init__(self) -> None:
        self.msgs: list[float] = []
        self.convs: list[float] = []
        self.strangers: list[StrangerMessage] = []
        self.gmsgs: list[float] = []
        self.unsorted = False  # a stranger message logged before the one stored last
        self._history: History | None = None

    def add_stranger(self, message: StrangerMessage) -> None:
        strangers = self.strangers
        if strangers and message.at < strangers[-1].at:
            self.unsorted = True
        strangers.append(message)

    def history(self, now: float, keeps: tuple[float, float, float, float],
                few: int) -> History:
        """The history at `now`. Times older than their keep are harmless to the windows
        (each check counts only its own) and are dropped in bulk; messages to strangers
        are kept to their hour exactly, and left out while fewer than `few` (neither
        duplicates nor fan-out could find anything in them: shell/facts.load_history)."""
        times = self.msgs
        if len(times) > 64 and times[32] <= now - keeps[0]:
            self.msgs = times[bisect_right(times, now - keeps[0]):]
        times = self.convs
        if len(times) > 64 and times[32] <= now - keeps[1]:
            self.convs = times[bisect_right(times, now - keeps[1]):]
        times = self.gmsgs
        if len(times) > 64 and times[32] <= now - keeps[3]:
            self.gmsgs = times[bisect_right(times, now - keeps[3]):]
        strangers = self.strangers
        if strangers and strangers[0].at <= now - keeps[2]:
            cutoff = now - keeps[2]
            if self.unsorted:
                strangers = self.strangers = [m for m in strangers if m.at > cutoff]
            else:  # in time order the old ones lead: drop them in place
                old = 1
                while old < len(strangers) and strangers[old].at <= cutoff:
                    old += 1
                del strangers[:old]
        visible = strangers if len(strangers) >= few else ()
        # The History holds the series themselves (read at once, never kept), so one
        # serves until a series is replaced: rebuilding it per attempt cost ~3%.
        h = self._history
        if (h is None or h.message_times is not self.msgs
                or h.new_conversation_times is not self.convs
                or h.stranger_messages is not visible
                or h.group_message_times is not self.gmsgs):
            h = self._history = History(self.msgs, self.convs,  # type: ignore[arg-type]
                                        visible, self.gmsgs)  # type: ignore[arg-type]
        return h


def _stored(pair: list[Any], sender: int, is_request: bool, held: bool) -> None:
    """A message stored in the pair, as the send path advances its conversation."""
    if not pair[0]:
        pair[0], pair[1] = True, sender
    state = pair[2] or "requested"
    if not is_request and not held:
        state = "accepted"
    pair[2] = state
    if is_request:
        pair[3] += 1


class World:
    """The state one policy builds as it re-decides the log, attempt by attempt."""

    def __init__(self, policy: Policy, analyse: Analyse | None,
                 policy_of: Callable[[str], Policy | None]) -> None:
        self.policy = policy
        self.analyse = analyse
        self.keep = keep_of(policy)
        self.keeps = keeps_of(policy)
        self.few = min(policy.spam.duplicate_recipients, policy.spam.fanout_per_hour)
        self.series: dict[int, _Series] = {}
        self.pairs: dict[tuple[int, int], list[Any]] = {}
        self.forwards: dict[tuple[int, str], int] = {}  # stored here minus stored live
        self.diverged: set[int] = set()  # senders whose stored messages differ from live
        self._keys = text_keys(policy)
        self._reads: dict[str, bool] = {}
        self._policy_of = policy_of

    def reads_text(self, digest: str) -> bool:
        """Whether this world must read the text again: its text rules differ from those
        of the policy the attempt was decided under (or that policy is unknown)."""
        found = self._reads.get(digest)
        if found is None:
            logged = self._policy_of(digest)
            found = logged is None or text_keys(logged) != self._keys
            self._reads[digest] = found
        return found


class Redecided(NamedTuple):
    """One logged attempt and its decision in the world tried."""

    row: tuple[Any, ...]  # the logged record (READ_COLUMNS)
    record: Record
    decision: Decision | None  # None: not re-decidable (its text expired)
    resimulated: bool  # windows, conversation or forwards differed from the live ones
    baseline: Decision | None = None  # under --against; None: the logged decision
    why_not: str | None = None

    @property
    def outcome(self) -> str | None:
        return self.decision.outcome if self.decision is not None else None

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple([f.code for f in self.decision.findings]) if self.decision else ()

    @property
    def base_outcome(self) -> str:
        return self.baseline.outcome if self.baseline is not None else self.row[OUTCOME]

    @property
    def base_codes(self) -> tuple[str, ...]:
        if self.baseline is not None:
            return tuple([f.code for f in self.baseline.findings])
        return _codes_of(self.row[CODES]) if self.row[CODES] else ()


@functools.lru_cache(maxsize=1024)
def _codes_of(logged: str) -> tuple[str, ...]:
    """A logged decision's codes (a few distinct strings make up the whole log)."""
    return tuple(logged.split())


class Replay:
    """Feed it the log in id order; it yields each attempt of the period re-decided.

    `candidate` is the policy tried; `baseline`, when given (backtest --against), is
    re-decided the same way and compared instead of the logged decisions. Records
    before `since` only warm the windows up (counted as they were logged)."""

    def __init__(self, candidate: Policy, policy_of: Callable[[str], Policy | None],
                 analyse: Analyse | None = None, baseline: Policy | None = None,
                 analyse_baseline: Analyse | None = None) -> None:
        self.live_pairs: dict[tuple[int, int], list[Any]] = {}
        self.live_forwards: dict[tuple[int, str], int] = {}
        self.worlds = [World(candidate, analyse, policy_of)]
        if baseline is not None:
            self.worlds.append(World(baseline, analyse_baseline, policy_of))

    @property
    def warmup(self) -> float:
        """How long before the period the log must be read, to fill every window."""
        return max(w.keep for w in self.worlds)

    def run(self, rows: Iterable[tuple[Any, ...]], since: float) -> Iterator[Redecided]:
        for row in rows:
            result = self.feed(row, row[AT] < since)
            if result is not None:
                yield result

    def feed(self, row: tuple[Any, ...], warmup: bool = False) -> Redecided | None:
        if row[OUTCOME] in CONSENTS:
            self._consent(row)
            return None
        record = record_of(row[FACTS])
        at, sender = row[AT], row[SENDER]
        logged_stored = row[OUTCOME] != "refused"
        group = record.group
        pair_key: tuple[int, int] | None = None
        if group is None:
            recipient = record.recipient.id
            pair_key = (sender, recipient) if sender < recipient else (recipient, sender)
            self._observe(pair_key, record.pair())
        fwd_key = (sender, record.forward_of) if record.forward_of else None
        results: list[tuple[Decision | None, bool]] = []
        content: Content | None = None
        for world in self.worlds:
            if warmup:
                decision, resim, relation = None, False, record.relation
            else:
                relation = record.relation
                resim = sender in world.diverged
                if pair_key is not None:
                    mine = world.pairs[pair_key]
                    if mine != self.live_pairs[pair_key]:
                        relation, resim = _relation(relation, mine, record.recipient.id), True
                forwards = record.forwards
                if fwd_key is not None and world.forwards.get(fwd_key):
                    forwards, resim = (forwards or 0) + world.forwards[fwd_key], True
                series = world.series.get(sender)
                history = (series.history(at, world.keeps, world.few) if series is not None
                           else _NO_HISTORY)
                if world.analyse is not None and world.reads_text(row[DIGEST]):
                    if row[TEXT] is None:
                        results.append((None, resim))
                        self._store(world, row, record, relation, logged_stored, pair_key,
                                    fwd_key, row[OUTCOME] == "held")
                        continue
                    seen = decode_content(row[CONTENT])
                    this = world.analyse(row[TEXT], seen.fingerprint is not None)
                    if this.fingerprint is None and seen.fingerprint is not None:
                        this = replace(this, fingerprint=seen.fingerprint)
                else:
                    if content is None:  # no check reads the text itself: the findings do
                        content = decode_content(row[CONTENT])
                    this = content
                facts = record.facts(at, relation, history, this, forwards)
                decision = decide(facts, world.policy)
            stored = logged_stored if decision is None else decision.outcome != "refused"
            held = (row[OUTCOME] if decision is None else decision.outcome) == "held"
            self._store(world, row, record, relation, stored, pair_key, fwd_key, held)
            if stored != logged_stored:
                world.diverged.add(sender)
            results.append((decision, resim))
        # The live world last: the worlds above compared against it as it stood before.
        if pair_key is not None and logged_stored:
            _stored(self.live_pairs[pair_key], sender, record.relation.is_request,
                    row[OUTCOME] == "held")
        if fwd_key is not None and logged_stored:
            self.live_forwards[fwd_key] = self.live_forwards.get(fwd_key, 0) + 1
        if warmup:
            return None
        decision, resim = results[0]
        baseline = results[1][0] if len(results) > 1 else None
        if decision is None or (len(results) > 1 and baseline is None):
            return Redecided(row, record, None, resim, None, "text expired")
        return Redecided(row, record, decision, resim or (
            len(results) > 1 and results[1][1]), baseline)

    def _consent(self, row: tuple[Any, ...]) -> None:
        """A recipient (RECIPIENT) accepted or declined the request of SENDER: in each
        world where that request exists, as the conversations room would."""
        requester, by = row[SENDER], row[RECIPIENT]
        key = (requester, by) if requester < by else (by, requester)
        for pairs in (self.live_pairs, *(w.pairs for w in self.worlds)):
            pair = pairs.get(key)
            if pair is None or not pair[0] or pair[1] != requester:
                continue  # no request from them here: the answer finds nothing
            if row[OUTCOME] == "accept":
                pair[2] = "accepted"
            elif pair[2] != "accepted":
                pair[2] = "declined"

    def _observe(self, key: tuple[int, int], seen: list[Any]) -> None:
        """The pair as logged now; where it differs from what the live world predicted,
        something outside sending changed it (an accept, a decline; or the pair's first
        attempt in the log): every world takes the change where it agreed with live."""
        live = self.live_pairs.get(key)
        if live is None:
            self.live_pairs[key] = seen
            for world in self.worlds:
                world.pairs[key] = list(seen)
            return
        if live == seen:
            return
        for world in self.worlds:
            mine = world.pairs[key]
            for i in range(4):
                if live[i] != seen[i] and mine[i] == live[i]:
                    mine[i] = seen[i]
        self.live_pairs[key] = seen

    @staticmethod
    def _store(world: World, row: tuple[Any, ...], record: Record, relation: Relation,
               stored: bool, pair_key: tuple[int, int] | None,
               fwd_key: tuple[int, str] | None, held: bool = False) -> None:
        """What the world keeps of an attempt it stored (or, undecided, as live did)."""
        if pair_key is not None and stored:
            _stored(world.pairs[pair_key], row[SENDER], relation.is_request, held)
        if fwd_key is not None and stored != (row[OUTCOME] != "refused"):
            world.forwards[fwd_key] = world.forwards.get(fwd_key, 0) + (1 if stored else -1)
        if not stored:
            return
        at, sender = row[AT], row[SENDER]
        series = world.series.get(sender)
        if series is None:
            series = world.series[sender] = _Series()
        group = record.group
        if group is None:
            series.msgs.append(at)
            if relation.conversation_id is None:
                series.convs.append(at)
            stranger = relation.is_request
            recipient, member = record.recipient.id, row[ID]
        else:
            series.gmsgs.append(at)
            stranger = group.stranger
            recipient, member = -group.id, -row[ID]
        if stranger:
            series.add_stranger(StrangerMessage(at, recipient, _fingerprint(row[CONTENT]),
                                                member))


@functools.lru_cache(maxsize=4096)
def _fingerprint(content: str) -> bytes | None:
    """The logged fingerprint, found once per distinct findings (a chatty sender logs
    the same ones again and again)."""
    i = content.find('"p":"')
    return bytes.fromhex(content[i + 5:content.index('"', i + 5)]) if i >= 0 else None


def _relation(logged: Relation, pair: list[Any], recipient: int) -> Relation:
    """The logged relation with the conversation as this world's messages left it."""
    exists, started, state, unanswered = pair
    r = logged
    return Relation(r.sender_follows, r.sender_follow_pending, r.recipient_follows,
                    r.sender_blocked, r.recipient_blocked,
                    (r.conversation_id or 0) if exists else None, state if exists else None,
                    bool(exists and started == recipient), unanswered if exists else 0,
                    r.sender_is_contact)
