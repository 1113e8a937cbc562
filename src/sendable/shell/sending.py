"""The one send path: every send is a batch of attempts, decided and applied by `send_many`.

Whoever sends (the HTTP writer's group commit, the fast path, a web form, a
scenario, the command line) comes through here, one attempt or many. Each
attempt loads its facts, the pure gate decides, and only then are its effects
applied: the message stored, its stream events added, its counts taken, a
strike recorded for a refused guideline violation. A batch shares one
transaction, one lock and one commit; its stream events, strikes' included,
are written in the order they happened (store/events.py).

`why` runs the same prologue (the same facts, the same spam-model version)
and stops before the effects, so the two cannot disagree.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from sendable.counters import Counters
from sendable.counters.memory import MemoryCounters, PendingCounters
from sendable.enforcement import actions
from sendable.errors import Invalid, NotFound, ServiceError
from sendable.gate import Content, Decision, Facts, decide
from sendable.inputs import check_text
from sendable.policy import Policy
from sendable.reasons import Finding, render_all
from sendable.shell import appeal_targets, group_sends
from sendable.shell import facts as loading
from sendable.shell.attempt_log import AttemptLog
from sendable.shell.context import Shell
from sendable.shell.direct_sends import message_json, store_direct_message
from sendable.store import accounts as db_accounts
from sendable.store import enforcement as db_enforcement
from sendable.store import groups as db_groups
from sendable.store import messages as db_messages
from sendable.store.driver import Conn
from sendable.store.savepoints import TransactionLost, savepoint

log = logging.getLogger(__name__)


class SendAttempt(NamedTuple):
    """One send: from a handle, to a handle (or to a group by id), a text, the client's
    header and id; `forward_of` names the message a forward copies ("dm:<id>" or
    "group:<id>")."""
    sender: str
    to: str | None
    text: str
    client: str | None = None
    client_msg_id: str | None = None
    group: int | None = None
    forward_of: str | None = None


@dataclass(frozen=True)
class SendResult:
    outcome: str
    decision: Decision
    message: dict[str, Any] | None = None  # the stored message; None when refused
    replayed: bool = False  # a repeated client_msg_id: the first result, nothing new stored

    def reasons(self, audience: str = "sender") -> list[dict[str, Any]]:
        return render_all(self.decision.findings, audience)


class AttemptFailed(ServiceError):
    """The store failed this one attempt (not its neighbours); nothing of it was kept."""

    status = 500


_RETRY = object()  # an attempt that failed inside its batch: tried again on its own


@dataclass(frozen=True, slots=True)
class _Batch:
    """What the attempts of one transaction share."""

    counters: PendingCounters  # their counts, seen by the attempts after them
    accounts: dict[str, dict[str, Any]]  # every account the batch names, by handle_key
    notes: list[dict[str, Any]] = field(default_factory=list)  # the attempt log's records


def check_attempt(text: Any, client_msg_id: Any) -> None:
    check_text(text)
    if client_msg_id is not None and (not isinstance(client_msg_id, str)
                                      or not 1 <= len(client_msg_id) <= 64
                                      or "\x00" in client_msg_id):
        raise Invalid("client_msg_id must be 1-64 characters", "client_msg_id")


def forwards_of(conn: Conn, sender: dict[str, Any], attempt: SendAttempt) -> int | None:
    """For a forward, the chats the sender already forwarded that message to."""
    if attempt.forward_of is None:
        return None
    return db_groups.forwards_of(conn, sender["id"], attempt.forward_of)


def strike_refusal(conn: Conn, policy: Policy, sender: dict[str, Any], decision: Decision,
                   text: str, now: float, client_msg_id: str | None) -> tuple[Finding, ...]:
    """A refused guideline violation records a strike (once per attempt: a retry with the
    same client_msg_id gets the same strike back); its id becomes the appeal target."""
    blocks = [f for f in decision.findings
              if f.code.startswith("guidelines.") and f.effect == "refuse"]
    if not blocks or any(f.code.startswith("ban.") for f in decision.findings):
        return decision.findings
    strike_id = (db_enforcement.strike_for_attempt(conn, sender["id"], client_msg_id)
                 if client_msg_id else None)
    if strike_id is None:
        category = blocks[0].code.split(".", 1)[1]
        strike_id = actions.add_strike(conn, policy, sender["id"], category,
                                       "automatic", now, text=text,
                                       client_msg_id=client_msg_id)
    target = f"strike:{strike_id}"
    return tuple(Finding(f.code, f.effect, f.retry_after, f.until, target, f.detail)
                 if f in blocks else f for f in decision.findings)


class Sending:
    def __init__(self, shell: Shell) -> None:
        self.shell = shell
        self.log = AttemptLog(shell)  # every decided attempt is logged (shell/attempt_log.py)

    # -- the door -------------------------------------------------------------

    def send(self, attempt: SendAttempt) -> SendResult:
        """One attempt: its result, or the error it caused, raised."""
        result = self.send_many([attempt])[0]
        if isinstance(result, ServiceError):
            raise result
        return result

    def send_many(self, attempts: list[SendAttempt]) -> list[SendResult | ServiceError]:
        """Several sends in one transaction (one lock, one commit), answered one by one
        in order: each gets its result, or the error it alone caused (a bad handle
        refuses that attempt, not its neighbours).

        Each attempt is decided on the state the ones before it left: their messages
        count toward limits and duplicates, and a client_msg_id repeated in the batch
        replays the first. Results are given once the batch is committed; streams
        wake once for it. An attempt that fails (the database refusing its row, a
        client_msg_id raced in by another writer, a bug) is rolled back to its own
        savepoint and the others commit; it is then tried once more on its own and,
        failing again, fails alone. Should the batch fail as a whole (a lost
        connection, a failed commit), it is rolled back whole and its attempts are
        run again one transaction each. Nothing is lost, nothing is stored twice (a
        retried client_msg_id replays), and no attempt fails a neighbour.
        """
        checked: list[ServiceError | None] = []
        for attempt in attempts:
            try:
                check_attempt(attempt.text, attempt.client_msg_id)
                checked.append(None)
            except ServiceError as error:
                checked.append(error)
        try:
            results = self._run(attempts, checked)
        except Exception:
            if len(attempts) > 1:
                log.warning("a batch of %d sends failed; sending them one by one",
                            len(attempts), exc_info=True)
            results = [_RETRY if error is None else error for error in checked]
        return [self._alone(attempt) if result is _RETRY else result
                for attempt, result in zip(attempts, results, strict=True)]

    def _alone(self, attempt: SendAttempt) -> SendResult | ServiceError:
        """An attempt that failed in its batch, tried once more in a transaction of its
        own (a client_msg_id raced in by another writer then replays); failing again,
        it fails alone."""
        try:
            result = self._run([attempt], [None])[0]
        except Exception:
            log.exception("a send failed in the store")
            result = _RETRY
        if result is _RETRY:
            return AttemptFailed("this message could not be stored; nothing was sent, "
                                 "so it is safe to try again")
        return result

    def _run(self, attempts: list[SendAttempt],
             checked: list[ServiceError | None]) -> list[Any]:
        """The batch in one transaction. Each attempt runs in a savepoint of its own: one
        that fails (the database refusing a row, a bug) is rolled back to where it
        began, its counts dropped, and marked _RETRY; its neighbours go on."""
        shell = self.shell
        results: list[Any] = []
        with shell.unit.write() as conn:
            batch = self._begin(conn, attempts)
            texts = shell.analyser.analyse_many(
                [a.text if error is None else "" for a, error in zip(attempts, checked,
                                                                      strict=True)])
            for i, (attempt, error) in enumerate(zip(attempts, checked, strict=True)):
                if error is not None:
                    results.append(error)
                    continue
                mark, noted = batch.counters.mark(), len(batch.notes)
                try:
                    with savepoint(conn):
                        results.append(self._attempt(conn, batch, attempt,
                                                     functools.partial(texts.content, i)))
                except TransactionLost:
                    raise  # the whole transaction is gone: the batch fails as one
                except ServiceError as refused:  # this attempt's own error, nothing kept
                    batch.counters.undo(mark)
                    del batch.notes[noted:]
                    results.append(refused)
                except Exception:
                    batch.counters.undo(mark)
                    del batch.notes[noted:]  # nor logged: the attempt log keeps what happened
                    log.warning("a send failed inside its batch of %d; the others go on",
                                len(attempts), exc_info=True)
                    results.append(_RETRY)
            self.log.write(conn, batch.notes)
            # Counted before the commit, while the senders are locked: the next send
            # (on any node) sees them. A commit that then fails leaves extra events in
            # the windows: erring towards the limit, never past it.
            batch.counters.flush()
        return results

    def _begin(self, conn: Conn, attempts: list[SendAttempt]) -> _Batch:
        """Read every account the batch names in one query and, on PostgreSQL, lock
        them all in id order before any attempt runs, so two nodes' batches cannot
        deadlock (SQLite has one writer). Account rows are not written by sends, so
        the batch's attempts can all read them from here; and with its senders
        locked, nobody else counts for them, so their windows in Redis are read here
        too, in one round trip."""
        shell = self.shell
        known = db_accounts.accounts_named(conn, {h for a in attempts for h in (a.sender, a.to)
                                                  if isinstance(h, str)})
        db_accounts.lock_accounts(conn, *(row["id"] for row in known.values()))
        shell.models.refresh(conn)
        counters = PendingCounters(shell.counters)
        if not isinstance(shell.counters, MemoryCounters):  # in-process: read where kept
            senders = {known[a.sender.lower()]["id"] for a in attempts
                       if isinstance(a.sender, str) and a.sender.lower() in known}
            now, keeps = shell.now(), loading.counter_keep(shell.policy)
            counters.prefetch([(key, now - keep) for sender in sorted(senders)
                               for key, keep in zip(loading.counter_keys(sender), keeps,
                                                    strict=True)])
        return _Batch(counters, known)

    # -- one attempt ----------------------------------------------------------------

    def _attempt(self, conn: Conn, batch: _Batch, attempt: SendAttempt,
                 read: Callable[[bool], Content]) -> SendResult:
        """One send inside the batch's transaction: decide on what is stored and counted
        so far, then store and count it."""
        if attempt.group is not None:
            return self._group_attempt(conn, batch, attempt, read)
        sender, recipient = pair_of(batch.accounts, attempt.sender, attempt.to)
        if attempt.client_msg_id is not None:
            first = db_messages.message_by_client_id(conn, sender["id"], attempt.client_msg_id)
            if first is not None:
                return replay(first)
        now = self.shell.now()
        decision, facts, pair = self._decide(conn, sender, recipient, attempt.text,
                                             attempt.client, now, batch.counters, read,
                                             forwards_of(conn, sender, attempt))
        if not decision.sendable:
            findings = self._enforce_refusal(conn, sender, decision, attempt.text, now,
                                             attempt.client_msg_id, recipient_id=recipient["id"])
            self.log.note(batch.notes, facts, decision, "refused", findings, attempt.text,
                          None, attempt.forward_of)
            return SendResult("refused", Decision("refused", findings))
        message = store_direct_message(conn, sender, recipient, attempt.text, decision, facts,
                                       pair, attempt.client_msg_id, now, attempt.forward_of)
        count(self.shell.policy, batch.counters, sender["id"], recipient["id"], message)
        self.log.note(batch.notes, facts, decision, decision.outcome, decision.findings,
                      attempt.text, message["id"], attempt.forward_of)
        if decision.outcome == "held":
            decision = appeal_targets.with_held_target(decision, message["id"])
        return SendResult(decision.outcome, decision, message_json(message))

    def _decide(self, conn: Conn, sender: dict[str, Any], recipient: dict[str, Any],
                text: str, client: str | None, now: float, counters: Counters,
                read: Callable[[bool], Content] | None = None,
                forwards: int | None = None) -> tuple[Decision, Facts, dict]:
        shell = self.shell
        facts, pair = loading.load_facts(conn, counters, shell.policy, shell.analyser, sender,
                                         recipient, text, loading.parse_client(client), now,
                                         read)
        if forwards is not None:
            facts = replace(facts, forwards=forwards)
        return decide(facts, shell.policy), facts, pair

    def _group_attempt(self, conn: Conn, batch: _Batch, attempt: SendAttempt,
                       read: Callable[[bool], Content]) -> SendResult:
        """A message to a group: the same decision and enforcement, its own storing
        and windows (shell/group_sends.py)."""
        shell = self.shell
        sender = batch.accounts.get(attempt.sender.lower()) if isinstance(
            attempt.sender, str) else None
        if sender is None:
            raise NotFound(f"no account @{attempt.sender}", "from")
        if attempt.client_msg_id is not None:
            first = db_groups.group_message_by_client_id(conn, sender["id"],
                                                         attempt.client_msg_id)
            if first is not None:
                group = db_groups.group_by_id(conn, first["group_id"]) or {"name": ""}
                return SendResult(first["outcome"], Decision(first["outcome"], ()),
                                  group_sends.group_message_json(first, group), replayed=True)
        now = shell.now()
        facts, stored = group_sends.load_group_facts(
            conn, batch.counters, shell.policy, shell.analyser, sender, attempt.group,
            attempt.text, loading.parse_client(attempt.client), now, read,
            forwards_of(conn, sender, attempt))
        decision = decide(facts, shell.policy)
        if not decision.sendable:
            findings = self._enforce_refusal(conn, sender, decision, attempt.text, now,
                                             attempt.client_msg_id, group_id=attempt.group)
            self.log.note(batch.notes, facts, decision, "refused", findings, attempt.text,
                          None, attempt.forward_of)
            return SendResult("refused", Decision("refused", findings))
        row = group_sends.store_group_message(conn, sender, attempt.text, decision, facts,
                                              stored, attempt.client_msg_id,
                                              attempt.forward_of, now)
        group_sends.count_group_message(shell.policy, batch.counters, sender["id"], row)
        self.log.note(batch.notes, facts, decision, decision.outcome, decision.findings,
                      attempt.text, row["id"], attempt.forward_of)
        if decision.outcome == "held":
            decision = appeal_targets.with_held_target(decision, row["id"], "held_group")
        return SendResult(decision.outcome, decision,
                          group_sends.group_message_json(row, stored["group"]))

    def _enforce_refusal(self, conn: Conn, sender: dict[str, Any], decision: Decision,
                         text: str, now: float, client_msg_id: str | None = None,
                         recipient_id: int | None = None,
                         group_id: int | None = None) -> tuple[Finding, ...]:
        """A guideline refusal records a strike (strike_refusal); a spam refusal keeps the
        attempt as its appeal target (appeal_targets.py)."""
        findings = strike_refusal(conn, self.shell.policy, sender, decision, text, now,
                                  client_msg_id)
        return appeal_targets.keep_refused_attempt(conn, sender, findings, text, now,
                                                   client_msg_id, recipient_id, group_id)

    # -- the dry run ---------------------------------------------------------------

    def why(self, sender: str, to: str, text: str = "", client: str | None = None) -> Decision:
        """Every reason that applies to sending `text` now, without sending it: the
        prologue of a send (the same facts, the same spam-model version), no effects."""
        check_text(text, allow_empty=True)
        shell = self.shell
        with shell.unit.read() as conn:
            shell.models.refresh(conn)
            known = (db_accounts.accounts_named(conn, (sender, to))
                     if isinstance(sender, str) and isinstance(to, str) else {})
            a, b = pair_of(known, sender, to)
            return self._decide(conn, a, b, text, client, shell.now(), shell.counters)[0]

    def why_group(self, sender: str, group_id: int, text: str = "",
                  client: str | None = None) -> Decision:
        """`why` for a message to a group: the same prologue, no effects."""
        check_text(text, allow_empty=True)
        shell = self.shell
        with shell.unit.read() as conn:
            shell.models.refresh(conn)
            row = db_accounts.accounts_named(conn, (sender,)).get(sender.lower())
            if row is None:
                raise NotFound(f"no account @{sender}", "from")
            facts, _ = group_sends.load_group_facts(
                conn, shell.counters, shell.policy, shell.analyser, row, group_id, text,
                loading.parse_client(client), shell.now())
            return decide(facts, shell.policy)

    # -- counting --------------------------------------------------------------------

    def warm_counters(self) -> None:
        """Refill in-process windows from stored messages after a restart."""
        shell = self.shell
        now = shell.now()
        since = now - max(loading.counter_keep(shell.policy))
        with shell.unit.read() as conn:
            rows = db_messages.recent_messages_of(conn, since)
            group_rows = db_groups.recent_group_messages(conn, since)
        for row in rows:
            count(shell.policy, shell.counters, row["sender_id"], row["recipient_id"], row)
        for row in group_rows:
            group_sends.count_group_message(shell.policy, shell.counters, row["sender_id"], row)


def pair_of(known: dict[str, dict[str, Any]], sender: Any, to: Any) -> tuple[dict, dict]:
    """Sender and recipient rows from the accounts read for the batch."""
    a = known.get(sender.lower()) if isinstance(sender, str) else None
    b = known.get(to.lower()) if isinstance(to, str) else None
    if a is None:
        raise NotFound(f"no account @{sender}", "from")
    if b is None:
        raise NotFound(f"no account @{to}", "to")
    if a["id"] == b["id"]:
        raise Invalid("you cannot message yourself", "to")
    return a, b


def replay(first: dict[str, Any]) -> SendResult:
    """The answer to a repeated client_msg_id: the first result, nothing new stored."""
    return SendResult(first["outcome"], Decision(first["outcome"], ()), message_json(first),
                      replayed=True)


def count(policy: Any, counters: Counters, sender: int, recipient: int,
          message: dict[str, Any]) -> None:
    """Count a stored message toward the sender's moving windows."""
    msg_key, conv_key, stranger_key, _ = loading.counter_keys(sender)
    keep_msg, keep_conv, keep_stranger, _ = loading.counter_keep(policy)
    member, now = str(message["id"]), message["sent_at"]
    counters.add(msg_key, now, member, keep_msg)
    if message["new_conversation"]:
        counters.add(conv_key, now, member, keep_conv)
    if message["stranger"]:
        fingerprint = message["fingerprint"].hex() if message["fingerprint"] else ""
        counters.add(stranger_key, now, f"{member}:{recipient}:{fingerprint}", keep_stranger)
