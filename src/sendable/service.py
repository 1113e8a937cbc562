"""The shell: every operation a user or moderator can do, wired over the store.

A send attempt flows one way: load facts, let the pure gate decide, then
apply effects (store the message, count it, record strikes, push events).
`why` is the same path with the effects left out, so the two cannot disagree.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

import sqlalchemy as sa

from sendable import enforcing, loading, moderation, verification
from sendable.clock import Clock, SystemClock, to_iso
from sendable.content import ContentAnalyser
from sendable.counters import Counters, open_counters
from sendable.counters.memory import MemoryCounters, PendingCounters
from sendable.enforcement.reputation import band
from sendable.errors import Conflict, Forbidden, Invalid, NotFound, ServiceError, Unavailable
from sendable.gate import Content, Decision, Facts, decide
from sendable.gate.checks import account as account_check
from sendable.gate.checks import ban as ban_check
from sendable.inputs import (  # noqa: F401
    EMAIL_PATTERN,
    ROLES,
    WHO_CAN_MESSAGE,
    check_handle,
    check_note,
    check_text,
)
from sendable.mailer import ConsoleMailer, Mailer, MailError
from sendable.policy import Policy
from sendable.reasons import Finding, render_all
from sendable.store import hot, repo
from sendable.store.engine import WalCheckpointer, connect, migrate
from sendable.text.spam import SpamModel


@dataclass(frozen=True, slots=True)
class _Batch:
    """What the attempts of one send_many transaction share."""

    counters: PendingCounters  # their counts, seen by the attempts after them
    accounts: dict[str, dict[str, Any]]  # every account the batch names, by handle_key
    events: list[dict[str, Any]]  # their stream events, inserted once before the commit


@dataclass(frozen=True)
class SendResult:
    outcome: str
    decision: Decision
    message: dict[str, Any] | None = None  # the stored message; None when refused
    replayed: bool = False  # a repeated client_msg_id: the first result, nothing new stored

    def reasons(self, audience: str = "sender") -> list[dict[str, Any]]:
        return render_all(self.decision.findings, audience)


class SendAttempt(NamedTuple):
    """One send, as `Service.send` takes it; `Service.send_many` takes several."""
    sender: str
    to: str
    text: str
    client: str | None = None
    client_msg_id: str | None = None


class Service:
    def __init__(self, engine: sa.Engine, policy: Policy, clock: Clock | None = None,
                 counters: Counters | None = None, mailer: Mailer | None = None) -> None:
        self.engine = engine
        self.mailer = mailer or ConsoleMailer()
        self.policy = policy
        self.clock = clock or SystemClock()
        self.counters = counters or open_counters(None)
        self._spam_version, model = self._load_spam_model()
        self._spam_checked = time.monotonic()
        self.analyser = ContentAnalyser(policy, model)
        # One writer at a time per process: a send's read-decide-write must
        # not interleave with another's, or two could both pass a limit. The
        # writer keeps its connection, so a send pays no pool checkout.
        self._write_lock = threading.RLock()
        self._writer: sa.Connection | None = None
        self._event_listeners: list[Callable[[set[int]], None]] = []
        self._checkpointer: WalCheckpointer | None = None

    @classmethod
    def open(cls, db: str | None, policy: Policy, clock: Clock | None = None,
             counters_uri: str | None = None, mailer: Mailer | None = None) -> Service:
        engine = connect(db)
        migrate(engine)
        service = cls(engine, policy, clock, open_counters(counters_uri), mailer)
        if engine.dialect.name == "sqlite":
            service._checkpointer = WalCheckpointer(engine)
        service.warm_counters()
        service.analyser.warm()
        return service

    def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
        with self._write_lock:
            if self._writer is not None:
                self._writer.close()
                self._writer = None
        self.engine.dispose()
        close_counters = getattr(self.counters, "close", None)
        if close_counters is not None:
            close_counters()

    @contextmanager
    def _tx(self) -> Iterator[sa.Connection]:
        with self._write_lock:
            if self._writer is None or self._writer.closed or self._writer.invalidated:
                self._writer = self.engine.connect()
            if self._writer.in_transaction():  # a nested call inside a transaction
                yield self._writer
                return
            self._writer.info.pop(hot.EVENT_ACCOUNTS, None)  # left by a rolled-back write
            with self._writer.begin():
                yield self._writer
            touched = self._writer.info.pop(hot.EVENT_ACCOUNTS, None)
        if touched:  # after commit and outside the lock: streams read what is committed
            self._wake(touched)

    def add_event_listener(self, listener: Callable[[set[int]], None]) -> None:
        """Call `listener(account_ids)` after each commit that added events for them
        (live streams wake on it; a scale-out notifier can publish it to other nodes)."""
        self._event_listeners.append(listener)

    def _wake(self, accounts: set[int]) -> None:
        for listener in self._event_listeners:
            try:
                listener(accounts)
            except Exception:  # a listener must never undo a committed write
                logging.getLogger(__name__).exception("event listener failed")

    @contextmanager
    def _read(self) -> Iterator[sa.Connection]:
        with self.engine.connect() as conn:
            yield conn

    def now(self) -> float:
        return self.clock.now()

    # -- the spam model, learned from moderators ---------------------------------

    # How often a node looks for a model another node has taught meanwhile.
    SPAM_MODEL_CHECK_SECONDS = 30.0

    def _load_spam_model(self) -> tuple[int, SpamModel]:
        with self._read() as conn:
            stored = repo.spam_model_data(conn)
        return (stored[1], SpamModel.from_json(stored[0])) if stored else (0, SpamModel())

    def _save_spam_model(self, conn: sa.Connection) -> None:
        self._spam_version = repo.save_spam_model(conn, self.analyser.spam_model.to_json(),
                                                  self.now())

    def _refresh_spam_model(self, conn: sa.Connection, force: bool = False) -> None:
        """Pick up what another node taught the model; one small read every so often
        (always before teaching it, so no node overwrites another's lessons)."""
        if not force and time.monotonic() - self._spam_checked < self.SPAM_MODEL_CHECK_SECONDS:
            return
        self._spam_checked = time.monotonic()
        if repo.spam_model_version(conn) != self._spam_version:
            stored = repo.spam_model_data(conn)
            if stored:
                self._spam_version = stored[1]
                self.analyser.spam_model = SpamModel.from_json(stored[0])

    def train_spam(self, rows: list[tuple[bool, str]]) -> dict[str, int]:
        """Teach the content model labelled examples (True = spam); it is kept in the store."""
        with self._tx() as conn:
            self._refresh_spam_model(conn, force=True)
            self.analyser.spam_model.train(rows)
            self._save_spam_model(conn)
            repo.audit(conn, self.now(), "spam_train", None, None, examples=len(rows))
        spam, ham = self.analyser.spam_model.class_counts
        return {"examples": spam + ham, "spam": spam, "ham": ham}

    def label_message(self, message_id: int, is_spam: bool, actor: str | None = None) -> None:
        """A moderator's verdict on a stored message: the content model learns from it."""
        with self._tx() as conn:
            message = repo.message_by_id(conn, message_id)
            if message is None:
                raise NotFound(f"no message {message_id}", "message_id")
            self._refresh_spam_model(conn, force=True)
            self.analyser.spam_model.update(message["text"], is_spam)
            self._save_spam_model(conn)
            repo.audit(conn, self.now(), "spam_label", message["sender_id"],
                       self._actor(conn, actor), message_id=message_id, is_spam=is_spam)

    # -- accounts -----------------------------------------------------------

    def create_account(self, handle: str, *, password_hash: str | None = None,
                       birthdate: date | str | None = None, email: str | None = None,
                       created_at: float | None = None, verified: bool = False,
                       role: str = "member", who_can_message: str = "everyone",
                       private: bool = False) -> dict[str, Any]:
        check_handle(handle)
        if isinstance(birthdate, str):
            try:
                birthdate = date.fromisoformat(birthdate)
            except ValueError:
                raise Invalid("birthdate must be a date like 2000-01-31", "birthdate") from None
        if birthdate is not None and birthdate > date.fromtimestamp(self.now()):
            raise Invalid("birthdate is in the future", "birthdate")
        check_note(email, "email", 320)
        if role not in ROLES:
            raise Invalid(f"role must be one of {', '.join(ROLES)}", "role")
        if who_can_message not in WHO_CAN_MESSAGE:
            raise Invalid(f"who_can_message must be one of {', '.join(WHO_CAN_MESSAGE)}",
                          "who_can_message")
        now = self.now()
        with self._tx() as conn:
            try:
                account_id = repo.insert_account(
                    conn, handle=handle, password_hash=password_hash, email=email,
                    birthdate=birthdate, created_at=now if created_at is None else created_at,
                    verified=verified, role=role, who_can_message=who_can_message,
                    private=private, deactivated=False)
            except repo.Conflict as error:
                raise Conflict(str(error), "handle") from None
            return dict(repo.account_by_id(conn, account_id) or {})

    def account(self, handle: str, conn: sa.Connection | None = None) -> dict[str, Any]:
        if conn is None:
            with self._read() as c:
                return self.account(handle, c)
        row = repo.account_by_handle(conn, handle) if isinstance(handle, str) else None
        if row is None:
            raise NotFound(f"no account @{handle}", "handle")
        return dict(row)

    def update_settings(self, handle: str, who_can_message: str | None = None,
                        private: bool | None = None) -> dict[str, Any]:
        values: dict[str, Any] = {}
        if who_can_message is not None:
            if who_can_message not in WHO_CAN_MESSAGE:
                raise Invalid(f"who_can_message must be one of {', '.join(WHO_CAN_MESSAGE)}",
                              "who_can_message")
            values["who_can_message"] = who_can_message
        if private is not None:
            if not isinstance(private, bool):
                raise Invalid("private must be true or false", "private")
            values["private"] = private
        with self._tx() as conn:
            account = self.account(handle, conn)
            if values:
                repo.update_account(conn, account["id"], **values)
            if private is False:  # a public account needs no approvals: take the waiting ones
                conn.execute(sa.text(
                    "UPDATE follows SET approved = :t WHERE followee_id = :id"),
                    {"t": True, "id": account["id"]})
            return self.account(handle, conn)

    # -- follows and blocks ---------------------------------------------------

    def follow(self, follower: str, followee: str) -> str:
        """Follow someone; a private account must approve. Returns the follow's state."""
        with self._tx() as conn:
            a, b = self.account(follower, conn), self.account(followee, conn)
            if a["id"] == b["id"]:
                raise Invalid("you cannot follow yourself", "handle")
            if repo.is_blocked(conn, a["id"], b["id"]) or repo.is_blocked(conn, b["id"], a["id"]):
                # Reads as a pending request to the follower, so a block stays private.
                return "pending"
            existing = repo.follow_row(conn, a["id"], b["id"])
            if existing and existing["approved"]:
                return "following"
            approved = not b["private"]
            repo.put_follow(conn, a["id"], b["id"], approved, self.now())
            return "following" if approved else "pending"

    def unfollow(self, follower: str, followee: str) -> bool:
        with self._tx() as conn:
            a, b = self.account(follower, conn), self.account(followee, conn)
            return repo.delete_follow(conn, a["id"], b["id"])

    def approve_follow(self, by: str, follower: str) -> None:
        with self._tx() as conn:
            owner, fan = self.account(by, conn), self.account(follower, conn)
            row = repo.follow_row(conn, fan["id"], owner["id"])
            if row is None:
                raise NotFound(f"@{follower} has not asked to follow you", "follower")
            repo.put_follow(conn, fan["id"], owner["id"], True, self.now())

    def decline_follow(self, by: str, follower: str) -> None:
        """Turn down a request to follow a private account; the asker is not told."""
        with self._tx() as conn:
            owner, fan = self.account(by, conn), self.account(follower, conn)
            row = repo.follow_row(conn, fan["id"], owner["id"])
            if row is None or row["approved"]:
                raise NotFound(f"@{follower} has not asked to follow you", "follower")
            repo.delete_follow(conn, fan["id"], owner["id"])

    def follow_requests(self, handle: str) -> list[dict[str, Any]]:
        with self._read() as conn:
            account = self.account(handle, conn)
            return [{"handle": r["handle"], "requested_at": to_iso(r["created_at"])}
                    for r in repo.pending_followers(conn, account["id"])]

    def block(self, blocker: str, blocked: str) -> None:
        """Block someone: follows between the two go, both ways, and stay gone."""
        with self._tx() as conn:
            a, b = self.account(blocker, conn), self.account(blocked, conn)
            if a["id"] == b["id"]:
                raise Invalid("you cannot block yourself", "handle")
            repo.put_block(conn, a["id"], b["id"], self.now())
            repo.delete_follow(conn, a["id"], b["id"])
            repo.delete_follow(conn, b["id"], a["id"])

    def unblock(self, blocker: str, blocked: str) -> bool:
        with self._tx() as conn:
            a, b = self.account(blocker, conn), self.account(blocked, conn)
            return repo.delete_block(conn, a["id"], b["id"])

    def blocked_accounts(self, handle: str) -> list[str]:
        with self._read() as conn:
            return repo.blocked_handles(conn, self.account(handle, conn)["id"])

    def follow_state(self, follower: str, followee: str) -> str | None:
        """'following', 'pending' (a private account has not approved yet) or None."""
        with self._read() as conn:
            a, b = self.account(follower, conn), self.account(followee, conn)
            row = repo.follow_row(conn, a["id"], b["id"])
            return None if row is None else ("following" if row["approved"] else "pending")

    # -- send and why -----------------------------------------------------------

    def _pair(self, conn: sa.Connection, sender: str, to: str,
              known: dict[str, dict[str, Any]] | None = None) -> tuple[dict, dict]:
        """Sender and recipient rows; `known`: a batch's accounts, read once for it."""
        found = {}
        if isinstance(to, str):
            found = hot.accounts_named(conn, (sender, to)) if known is None else known
        a, b = found.get(str(sender).lower()), found.get(str(to).lower())
        if a is None:
            raise NotFound(f"no account @{sender}", "from")
        if b is None:
            raise NotFound(f"no account @{to}", "to")
        if a["id"] == b["id"]:
            raise Invalid("you cannot message yourself", "to")
        return a, b

    def _decide(self, conn: sa.Connection, sender: dict[str, Any], recipient: dict[str, Any],
                text: str, client: str | None, now: float, counters: Counters | None = None,
                read: Callable[[bool], Content] | None = None) -> tuple[Decision, Facts, dict]:
        facts, pair = loading.load_facts(
            conn, self.counters if counters is None else counters, self.policy, self.analyser,
            sender, recipient, text, loading.parse_client(client), now, read)
        return decide(facts, self.policy), facts, pair

    def why(self, sender: str, to: str, text: str = "", client: str | None = None) -> Decision:
        """Every reason that applies to sending `text` now, without sending it."""
        check_text(text, allow_empty=True)
        with self._read() as conn:
            a, b = self._pair(conn, sender, to)
            return self._decide(conn, a, b, text, client, self.now())[0]

    @staticmethod
    def _check_attempt(text: Any, client_msg_id: Any) -> None:
        check_text(text)
        if client_msg_id is not None and (not isinstance(client_msg_id, str)
                                          or not 1 <= len(client_msg_id) <= 64
                                          or "\x00" in client_msg_id):
            raise Invalid("client_msg_id must be 1-64 characters", "client_msg_id")

    def send(self, sender: str, to: str, text: str, client: str | None = None,
             client_msg_id: str | None = None) -> SendResult:
        self._check_attempt(text, client_msg_id)
        try:
            return self._send(sender, to, text, client, client_msg_id)
        except sa.exc.IntegrityError:
            # The same client_msg_id stored meanwhile by another writer that this
            # one did not wait for (e.g. another process on one SQLite file; on
            # PostgreSQL the sender's lock makes the lookup below see it first):
            # the loser answers with the winner's result, like any repeat.
            if client_msg_id is None:
                raise
            with self._read() as conn:
                first = hot.message_by_client_id(conn, self._pair(conn, sender, to)[0]["id"],
                                                 client_msg_id)
            if first is None:
                raise
            return self._replay(first)

    def send_many(self, attempts: list[SendAttempt]) -> list[SendResult | ServiceError]:
        """Several sends in one transaction (one lock, one commit), answered one by one
        in order: each gets its result, or the error it alone caused (a bad handle
        refuses that attempt, not its neighbours).

        Each attempt is decided on the state the ones before it left: their messages
        count toward limits and duplicates, and a client_msg_id repeated in the batch
        replays the first. Results are given once the batch is committed; streams
        wake once for it. Should the database fail the batch (a client_msg_id raced
        in by another writer, a deadlock, a failed commit), it is rolled back whole
        and its attempts are sent again one transaction each: nothing is lost, and
        nothing is stored twice (a retried client_msg_id replays).
        """
        if len(attempts) < 2:
            return self._send_each(attempts)
        results: list[SendResult | ServiceError] = []
        checked: list[ServiceError | None] = []
        for attempt in attempts:
            try:
                self._check_attempt(attempt.text, attempt.client_msg_id)
                checked.append(None)
            except ServiceError as error:
                checked.append(error)
        try:
            with self._tx() as conn:
                batch = self._begin_batch(conn, attempts)
                texts = self.analyser.analyse_many(
                    [a.text if error is None else "" for a, error in zip(attempts, checked,
                                                                          strict=True)])
                for i, (attempt, error) in enumerate(zip(attempts, checked, strict=True)):
                    if error is not None:
                        results.append(error)
                        continue
                    try:
                        results.append(self._attempt(conn, batch, *attempt,
                                                     functools.partial(texts.content, i)))
                    except ServiceError as error:  # raised before it wrote anything
                        results.append(error)
                hot.insert_events(conn, batch.events)
                # Counted before the commit, while the senders are locked (see _attempt).
                batch.counters.flush()
        except sa.exc.DBAPIError:
            logging.getLogger(__name__).warning(
                "a batch of %d sends failed in the database; sending them one by one",
                len(attempts), exc_info=True)
            return self._send_each(attempts)
        return results

    def _send_each(self, attempts: list[SendAttempt]) -> list[SendResult | ServiceError]:
        results: list[SendResult | ServiceError] = []
        for attempt in attempts:
            try:
                results.append(self.send(*attempt))
            except ServiceError as error:
                results.append(error)
        return results

    def _begin_batch(self, conn: sa.Connection, attempts: list[SendAttempt]) -> _Batch:
        """Read every account the batch names in one query and, on PostgreSQL, lock
        them all in id order before any attempt runs, so two nodes' batches cannot
        deadlock (SQLite has one writer). Account rows are not written by sends, so
        the batch's attempts can all read them from here; and with its senders
        locked, nobody else counts for them, so their windows in Redis are read here
        too, in one round trip."""
        known = hot.accounts_named(conn, {h for a in attempts for h in (a.sender, a.to)
                                          if isinstance(h, str)})
        repo.lock_accounts(conn, *(row["id"] for row in known.values()))
        self._refresh_spam_model(conn)
        counters = PendingCounters(self.counters)
        if not isinstance(self.counters, MemoryCounters):  # in-process: read where kept
            senders = {known[a.sender.lower()]["id"] for a in attempts
                       if isinstance(a.sender, str) and a.sender.lower() in known}
            now, keeps = self.now(), loading.counter_keep(self.policy)
            counters.prefetch([(key, now - keep) for sender in sorted(senders)
                               for key, keep in zip(loading.counter_keys(sender), keeps,
                                                    strict=True)])
        return _Batch(counters, known, [])

    @classmethod
    def _replay(cls, first: dict[str, Any]) -> SendResult:
        return SendResult(first["outcome"], Decision(first["outcome"], ()),
                          cls._message_json(first), replayed=True)

    def _send(self, sender: str, to: str, text: str, client: str | None,
              client_msg_id: str | None) -> SendResult:
        with self._tx() as conn:
            return self._attempt(conn, None, sender, to, text, client, client_msg_id)

    def _attempt(self, conn: sa.Connection, batch: _Batch | None, sender: str, to: str,
                 text: str, client: str | None, client_msg_id: str | None,
                 read: Callable[[bool], Content] | None = None) -> SendResult:
        """One send inside the caller's transaction: decide on what is stored and counted
        so far, then store and count it. In a batch (send_many) its accounts are read
        and locked, its text analysed (`read`), and its events inserted by the batch."""
        if batch is None:
            a, b = self._pair(conn, sender, to)
            repo.lock_accounts(conn, a["id"], b["id"])
            counters = self.counters
        else:
            a, b = self._pair(conn, sender, to, batch.accounts)
            counters = batch.counters
        if client_msg_id is not None:
            first = hot.message_by_client_id(conn, a["id"], client_msg_id)
            if first is not None:
                return self._replay(first)
        now = self.now()
        self._refresh_spam_model(conn)
        decision, facts, pair = self._decide(conn, a, b, text, client, now, counters, read)
        if not decision.sendable:
            findings = self._enforce_refusal(conn, a, decision, text, now, client_msg_id)
            return SendResult("refused", Decision("refused", findings))
        message, events = self._store(conn, a, b, text, decision, facts, pair, client_msg_id, now)
        if batch is None:
            hot.insert_events(conn, events)
        else:
            batch.events.extend(events)
        # Counted before the commit, while the sender is locked: the next send
        # (on any node) sees it. A commit that then fails leaves one extra event
        # in the window: erring towards the limit, never past it.
        self._count(a["id"], b["id"], message, counters)
        return SendResult(decision.outcome, decision, message["json"])

    def _enforce_refusal(self, conn: sa.Connection, sender: dict[str, Any], decision: Decision,
                         text: str, now: float,
                         client_msg_id: str | None = None) -> tuple[Finding, ...]:
        """A refused guideline violation records a strike; its id becomes the appeal target.

        A retry of the same attempt (same client_msg_id, the answer was lost) gets the
        same strike back rather than a second one."""
        blocks = [f for f in decision.findings
                  if f.code.startswith("guidelines.") and f.effect == "refuse"]
        if not blocks or any(f.code.startswith("ban.") for f in decision.findings):
            return decision.findings
        strike_id = (repo.strike_for_attempt(conn, sender["id"], client_msg_id)
                     if client_msg_id else None)
        if strike_id is None:
            category = blocks[0].code.split(".", 1)[1]
            strike_id = enforcing.add_strike(conn, self.policy, sender["id"], category,
                                             "automatic", now, text=text,
                                             client_msg_id=client_msg_id)
        target = f"strike:{strike_id}"
        return tuple(Finding(f.code, f.effect, f.retry_after, f.until, target, f.detail)
                     if f in blocks else f for f in decision.findings)

    def _store(self, conn: sa.Connection, sender: dict[str, Any], recipient: dict[str, Any],
               text: str, decision: Decision, facts: Facts, pair: dict[str, Any],
               client_msg_id: str | None, now: float) -> tuple[dict[str, Any], list[dict]]:
        """Store the message and advance its conversation; the stream events to add."""
        rel = facts.relation
        conversation_id, last_seq = pair["conversation_id"], pair["last_seq"] or 0
        if conversation_id is None:
            conversation_id = hot.insert_conversation(conn, sender["id"], recipient["id"],
                                                      sender["id"], now)
        held = decision.outcome == "held"
        seq = last_seq + 1
        state = pair["conversation_state"] or "requested"
        if not rel.is_request and not held:
            state = "accepted"  # a reply, or a message from someone they follow
        hot.advance_conversation(conn, conversation_id, seq, now,
                                 rel.unanswered + 1 if rel.is_request else rel.unanswered, state)
        values = {
            "conversation_id": conversation_id, "seq": seq, "sender_id": sender["id"],
            "recipient_id": recipient["id"], "text": text, "outcome": decision.outcome,
            "visible": not held, "sent_at": now, "client_msg_id": client_msg_id,
            "stranger": rel.is_request, "new_conversation": rel.new_conversation,
            "fingerprint": facts.content.fingerprint,
            "reasons": render_all(decision.findings, "moderator") if held else None,
            "released_at": None, "released_by": None,
        }
        values["id"] = hot.insert_message(conn, values)
        values["json"] = message = self._message_json(values)  # the sender's answer
        # Streams carry the text, so a client shows a message without fetching it.
        payload = hot.dump_json({"message": {**message, "text": text},
                                 "from": sender["handle"], "to": recipient["handle"]})
        events = [{"account_id": sender["id"], "at": now, "kind": "message", "payload": payload}]
        if not held:
            events.append({"account_id": recipient["id"], "at": now,
                           "kind": "request" if rel.is_request else "message",
                           "payload": payload})
        return values, events

    def _count(self, sender: int, recipient: int, message: dict[str, Any],
               counters: Counters | None = None) -> None:
        """Count a stored message toward the sender's moving windows."""
        counters = self.counters if counters is None else counters
        msg_key, conv_key, stranger_key = loading.counter_keys(sender)
        keep_msg, keep_conv, keep_stranger = loading.counter_keep(self.policy)
        member, now = str(message["id"]), message["sent_at"]
        counters.add(msg_key, now, member, keep_msg)
        if message["new_conversation"]:
            counters.add(conv_key, now, member, keep_conv)
        if message["stranger"]:
            fingerprint = message["fingerprint"].hex() if message["fingerprint"] else ""
            counters.add(stranger_key, now, f"{member}:{recipient}:{fingerprint}",
                         keep_stranger)

    def warm_counters(self) -> None:
        """Refill in-process windows from stored messages after a restart."""
        now = self.now()
        with self._read() as conn:
            rows = repo.recent_messages_of(conn, now - max(loading.counter_keep(self.policy)))
        for row in rows:
            self._count(row["sender_id"], row["recipient_id"], row)

    @staticmethod
    def _message_json(row: dict[str, Any]) -> dict[str, Any]:
        return {"id": row["id"], "conversation_id": row["conversation_id"], "seq": row["seq"],
                "outcome": row["outcome"], "sent_at": to_iso(row["sent_at"])}

    # -- requests and conversations ------------------------------------------------

    def _request_from(self, conn: sa.Connection, by: str, from_: str) -> dict[str, Any]:
        me, them = self.account(by, conn), self.account(from_, conn)
        conversation = repo.conversation_between(conn, me["id"], them["id"])
        if conversation is None or conversation["started_by"] != them["id"]:
            raise NotFound(f"no message request from @{from_}", "from")
        return conversation

    def accept(self, by: str, from_: str) -> None:
        with self._tx() as conn:
            conversation = self._request_from(conn, by, from_)
            repo.update_conversation(conn, conversation["id"], state="accepted")

    def decline(self, by: str, from_: str) -> None:
        with self._tx() as conn:
            conversation = self._request_from(conn, by, from_)
            if conversation["state"] != "accepted":
                repo.update_conversation(conn, conversation["id"], state="declined")

    def accept_conversation(self, handle: str, conversation_id: int) -> None:
        self.accept(handle, self._other_party(handle, conversation_id))

    def decline_conversation(self, handle: str, conversation_id: int) -> None:
        self.decline(handle, self._other_party(handle, conversation_id))

    @staticmethod
    def _conversation_of(conn: sa.Connection, me: dict[str, Any],
                         conversation_id: int) -> dict[str, Any]:
        """A conversation `me` is part of; anyone else's reads as missing."""
        conversation = repo.conversation_by_id(conn, conversation_id)
        if conversation is None or me["id"] not in (conversation["low_id"],
                                                    conversation["high_id"]):
            raise NotFound("no such conversation", "conversation_id")
        return conversation

    def _other_party(self, handle: str, conversation_id: int) -> str:
        with self._read() as conn:
            me = self.account(handle, conn)
            conversation = self._conversation_of(conn, me, conversation_id)
            other = (conversation["high_id"] if conversation["low_id"] == me["id"]
                     else conversation["low_id"])
            return repo.handles_by_ids(conn, [other])[other]

    def conversations(self, handle: str, folder: str = "inbox") -> list[dict[str, Any]]:
        """The inbox (accepted, or started by me) or the message requests waiting for me."""
        if folder not in ("inbox", "requests"):
            raise Invalid("folder must be inbox or requests", "folder")
        with self._read() as conn:
            me = self.account(handle, conn)
            rows = repo.conversations_of(conn, me["id"])
            others = repo.handles_by_ids(
                conn, [r["high_id"] if r["low_id"] == me["id"] else r["low_id"] for r in rows])
            out = []
            for r in rows:
                is_request = r["state"] != "accepted" and r["started_by"] != me["id"]
                if is_request and r["state"] == "declined":
                    continue
                if (folder == "requests") != is_request:
                    continue
                last = repo.last_message(conn, r["id"], me["id"])
                if last is None:  # only held messages so far: nothing to show yet
                    continue
                other = r["high_id"] if r["low_id"] == me["id"] else r["low_id"]
                out.append({"id": r["id"], "with": others[other], "state": r["state"],
                            "last_seq": r["last_seq"], "updated_at": to_iso(r["updated_at"]),
                            "last_message": {"text": last["text"], "seq": last["seq"],
                                             "from": handle if last["sender_id"] == me["id"]
                                             else others[other]}})
            return out

    def messages(self, handle: str, conversation_id: int, after_seq: int = 0,
                 limit: int = 50) -> list[dict[str, Any]]:
        if not 1 <= limit <= 200:
            raise Invalid("limit must be between 1 and 200", "limit")
        with self._read() as conn:
            me = self.account(handle, conn)
            conversation = self._conversation_of(conn, me, conversation_id)
            rows = repo.messages_in(conn, conversation_id, after_seq, limit, viewer=me["id"])
            names = repo.handles_by_ids(conn, [conversation["low_id"], conversation["high_id"]])
            return [{**self._message_json(r), "from": names[r["sender_id"]], "text": r["text"]}
                    for r in rows]

    # -- reports, verification, moderation -------------------------------------------

    def report(self, by: str, reason: str, of: str | None = None,
               message_id: int | None = None) -> int:
        if not isinstance(reason, str) or not reason.strip() or len(reason) > 64:
            raise Invalid("reason must be 1-64 characters", "reason")
        check_note(reason, "reason")
        with self._tx() as conn:
            reporter = self.account(by, conn)
            if message_id is not None:
                message = repo.message_by_id(conn, message_id)
                if message is None or message["recipient_id"] != reporter["id"]:
                    raise NotFound("no such message in your conversations", "message_id")
                target = repo.account_by_id(conn, message["sender_id"]) or {}
            elif of is not None:
                target = self.account(of, conn)
            else:
                raise Invalid("name a handle or a message_id to report", "handle")
            return enforcing.report(conn, self.policy, reporter, dict(target), reason.strip(),
                                    self.now(), message_id)

    def verify(self, handle: str) -> None:
        """Mark an account verified; completing verification clears a flag (CONTRACT.md §3)."""
        with self._tx() as conn:
            self._verified(conn, self.account(handle, conn), self.now(), "direct")

    def _verified(self, conn: sa.Connection, account: dict[str, Any], now: float,
                  method: str) -> None:
        repo.update_account(conn, account["id"], verified=True)
        repo.audit(conn, now, "verify", account["id"], account["id"], method=method)
        # The contract: a flagged account is restricted "until it completes
        # verification or a moderator clears the flag", whoever raised it.
        enforcing.clear_flag(conn, account, now, account["id"], "verification completed")

    def set_email(self, handle: str, email: str) -> None:
        """Set the address verification codes go to."""
        if (not isinstance(email, str) or len(email) > 320
                or not EMAIL_PATTERN.match(email.strip())):
            raise Invalid("email must be an address like name@example.org", "email")
        with self._tx() as conn:
            account = self.account(handle, conn)
            repo.update_account(conn, account["id"], email=email.strip())

    def start_verification(self, handle: str) -> None:
        """Mail a fresh six-digit code to the account's address (see verification.py)."""
        with self._tx() as conn:
            account = self.account(handle, conn)
            if not account["email"]:
                raise Invalid(f"@{handle} has no email address to send a code to", "email")
            if account["verified"] and account["flagged_at"] is None:
                raise Conflict(f"@{handle} is already verified", "handle")  # nothing would change
            now = self.now()
            code = verification.issue(conn, account["id"], now)
            repo.audit(conn, now, "verification_sent", account["id"], account["id"])
        try:  # outside the transaction: a slow mail server must not hold the write lock
            self.mailer.send(verification.code_mail(account["email"], account["handle"], code))
        except MailError as error:
            raise Unavailable(f"the code could not be sent: {error}", "email") from None

    def confirm_verification(self, handle: str, code: str) -> bool:
        """Check a code; a match verifies the account (and clears a flag)."""
        typed = verification.normalise_code(code)
        with self._tx() as conn:
            account = self.account(handle, conn)
            now = self.now()
            if not verification.check(conn, account["id"], typed, now):
                repo.audit(conn, now, "verification_failed", account["id"], account["id"])
                return False
            self._verified(conn, account, now, "code")
            return True

    def _actor(self, conn: sa.Connection, actor: str | None) -> int | None:
        """The moderator acting (None: the system or an operator at the command line)."""
        if not actor:
            return None
        try:
            row = self.account(actor, conn)
        except NotFound:
            raise NotFound(f"no account @{actor}", "by") from None
        if row["role"] != "moderator":
            raise Forbidden(f"@{actor} is not a moderator", "by")
        return row["id"]

    def ban(self, handle: str, seconds: float | None, scope: str | None = None,
            actor: str | None = None, reason: str | None = None) -> int:
        """Ban an account for `seconds` (None: permanently); the scope defaults to the
        policy's enforcement.ban_scope."""
        check_note(reason, "reason")
        scope = scope or self.policy.enforcement.ban_scope
        with self._tx() as conn:
            account = self.account(handle, conn)
            now = self.now()
            until = None if seconds is None else now + seconds
            return enforcing.add_ban(conn, account["id"], scope, until, now, "moderator",
                                     self._actor(conn, actor), reason=reason)

    def unban(self, handle: str, actor: str | None = None, reason: str | None = None) -> list[int]:
        check_note(reason, "reason")
        with self._tx() as conn:
            account = self.account(handle, conn)
            return enforcing.lift_bans(conn, account["id"], self.now(), self._actor(conn, actor),
                                       reason or "lifted by a moderator")

    def strike(self, handle: str, category: str, actor: str | None = None,
               note: str | None = None) -> int:
        check_note(note, "note")
        with self._tx() as conn:
            account = self.account(handle, conn)
            return enforcing.add_strike(conn, self.policy, account["id"], category, "moderator",
                                        self.now(), self._actor(conn, actor), note=note)

    def flag(self, handle: str, actor: str | None = None, reason: str | None = None) -> None:
        check_note(reason, "reason")
        with self._tx() as conn:
            enforcing.set_flag(conn, self.account(handle, conn), "moderator", self.now(),
                               self._actor(conn, actor), reason)

    def unflag(self, handle: str, actor: str | None = None, reason: str | None = None) -> None:
        check_note(reason, "reason")
        with self._tx() as conn:
            enforcing.clear_flag(conn, self.account(handle, conn), self.now(),
                                 self._actor(conn, actor), reason or "cleared by a moderator")

    def release(self, message_id: int, actor: str | None = None) -> dict[str, Any]:
        """Show a held message to its recipient."""
        with self._tx() as conn:
            message = repo.message_by_id(conn, message_id)
            if message is not None:  # lock its accounts, then read it again under the lock
                repo.lock_accounts(conn, message["sender_id"], message["recipient_id"])
                message = repo.message_by_id(conn, message_id)
            if message is None or message["visible"]:
                raise NotFound(f"no held message {message_id}", "message")
            now, actor_id = self.now(), self._actor(conn, actor)
            # Where it lands is decided now, as for a message sent now: the
            # recipient may have followed the sender or accepted meanwhile.
            pair = hot.pair_state(conn, message["sender_id"], message["recipient_id"])
            is_request = loading.relation_from(pair, message["recipient_id"]).is_request
            outcome = "requested" if is_request else "delivered"
            conn.execute(sa.text("UPDATE messages SET visible = :t, released_at = :now, "
                                 "released_by = :actor WHERE id = :id"),
                         {"t": True, "now": now, "actor": actor_id, "id": message_id})
            if not is_request and pair["conversation_state"] != "accepted":
                repo.update_conversation(conn, message["conversation_id"], state="accepted")
            repo.audit(conn, now, "release", message["sender_id"], actor_id,
                       message_id=message_id, outcome=outcome)
            sender = repo.handles_by_ids(conn, [message["sender_id"]])[message["sender_id"]]
            payload = {"message": {**self._message_json(message), "outcome": outcome,
                                   "text": message["text"]},
                       "from": sender}
            repo.insert_event(conn, message["recipient_id"], now,
                              "request" if is_request else "message", payload)
            return payload["message"]

    def held(self) -> list[dict[str, Any]]:
        with self._read() as conn:
            rows = repo.held_messages(conn)
            names = repo.handles_by_ids(conn, [r["sender_id"] for r in rows]
                                        + [r["recipient_id"] for r in rows])
            return [{"id": r["id"], "from": names[r["sender_id"]], "to": names[r["recipient_id"]],
                     "text": r["text"], "sent_at": to_iso(r["sent_at"]), "reasons": r["reasons"]}
                    for r in rows]

    def mod_queue(self) -> list[dict[str, Any]]:
        """Held messages, open reports per account and open appeals, most urgent first.

        Ordering (moderation.queue): an appeal of a ban in force 100, a held
        message 80, another appeal 60, reports 20 + 15 per distinct reporter
        (up to 5) + 10 when a message is named; every item +2 per hour waited
        (up to +48); ties go oldest first. Each item says how it was scored.
        """
        with self._read() as conn:
            return moderation.queue(conn, self.now())

    def resolve_reports(self, handle: str, actor: str | None = None,
                        note: str | None = None) -> list[int]:
        """Close the open reports about an account; returns their ids."""
        with self._tx() as conn:
            return moderation.resolve_reports(conn, self.account(handle, conn),
                                              self._actor(conn, actor), self.now(), note)

    def explain_restrictions(self, handle: str) -> list[dict[str, Any]]:
        """Why the account is restricted now: each ban, strike and flag in force, in words,
        with the audit ids that record its cause (empty when nothing restricts it)."""
        with self._read() as conn:
            return moderation.explain(conn, self.policy, self.account(handle, conn), self.now())

    # -- appeals -----------------------------------------------------------------------

    def last_target(self, handle: str, kind: str) -> int:
        """The id of an account's newest ban or strike (scenarios say last_ban, last_strike)."""
        with self._read() as conn:
            account = self.account(handle, conn)
            rows = (repo.bans_of(conn, account["id"]) if kind == "ban"
                    else repo.strikes_of(conn, account["id"]))
            if not rows:
                raise NotFound(f"@{handle} has no {kind}", "target")
            return rows[-1]["id"]

    def appeal(self, by: str, target: str, statement: str) -> int:
        """Appeal `ban:<id>` or `strike:<id>` (one appeal each)."""
        check_note(statement, "statement")
        kind, _, raw_id = str(target).partition(":")
        if kind in ("last_ban", "last_strike") and not raw_id:
            kind, raw_id = kind.removeprefix("last_"), str(self.last_target(by, kind[5:]))
        if kind not in ("ban", "strike") or not raw_id.isdigit():
            raise Invalid("target must be ban:<id> or strike:<id>", "target")
        with self._tx() as conn:
            account = self.account(by, conn)
            return enforcing.appeal(conn, account["id"], kind, int(raw_id), statement, self.now())

    def decide_appeal(self, appeal_id: int, decision: str, actor: str | None = None,
                      note: str | None = None) -> dict[str, Any]:
        check_note(note, "note")
        with self._tx() as conn:
            return enforcing.decide_appeal(conn, appeal_id, decision, self._actor(conn, actor),
                                           self.now(), note)

    def appeals(self, handle: str | None = None, state: str | None = None) -> list[dict[str, Any]]:
        with self._read() as conn:
            account = self.account(handle, conn)["id"] if handle else None
            rows = repo.appeals_of(conn, account, state)
            names = repo.handles_by_ids(conn, [r["account_id"] for r in rows])
            return [{"id": r["id"], "handle": names[r["account_id"]],
                     "target": f"{r['target_kind']}:{r['target_id']}",
                     "statement": r["statement"], "state": r["state"],
                     "created_at": to_iso(r["created_at"]),
                     "decided_at": to_iso(r["decided_at"]), "note": r["note"]} for r in rows]

    # -- standing -------------------------------------------------------------------------

    def status(self, handle: str) -> dict[str, Any]:
        """An account's standing in numbers: what scenarios and moderators check."""
        now = self.now()
        with self._read() as conn:
            row = self.account(handle, conn)
            facts = self._account_facts(conn, row, now)
        rep = facts.reputation
        return {
            "handle": row["handle"],
            "banned": facts.ban is not None,
            "ban_scope": facts.ban.scope if facts.ban else None,
            "ban_until": to_iso(facts.ban.until) if facts.ban else None,
            "strikes": facts.active_strikes,
            "flagged": facts.flagged,
            "verified": facts.verified,
            "reputation": round(rep.score, 4) if rep else None,
            "reputation_band": (band(rep.score, self.policy.spam.min_reputation)
                                if rep else None),
            "reputation_components": dict(rep.components) if rep else {},
        }

    def _account_facts(self, conn: sa.Connection, row: dict[str, Any], now: float) -> Any:
        """An account's own facts (ban, strikes, flag, reputation) as the gate sees them."""
        counts = hot.standing_counts(conn, row["id"], now)
        return loading.account_facts(row, repo.active_ban(conn, row["id"], now), counts, now)

    def audit_log(self, handle: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        with self._read() as conn:
            account = self.account(handle, conn)["id"] if handle else None
            rows = repo.audit_entries(conn, account, limit)
            names = repo.handles_by_ids(conn, [r["account_id"] for r in rows if r["account_id"]]
                                        + [r["actor_id"] for r in rows if r["actor_id"]])
            return [{"id": r["id"], "at": to_iso(r["at"]), "action": r["action"],
                     "account": names.get(r["account_id"]), "actor": names.get(r["actor_id"]),
                     "detail": r["detail"]} for r in rows]

    # -- the account holder's view and the live stream ------------------------------------

    def standing(self, handle: str) -> dict[str, Any]:
        """An account's standing as its holder sees it: restrictions (as the reasons the
        gate would give), strikes, bans with their ends, the reputation band (never the
        number) and appeals."""
        now = self.now()
        with self._read() as conn:
            row = self.account(handle, conn)
            me = self._account_facts(conn, row, now)
            strikes, bans = repo.strikes_of(conn, row["id"]), repo.bans_of(conn, row["id"])
        # The checks about the sender's own account, asked of the account alone.
        alone = Facts(now=now, sender=me, recipient=me)
        findings = ban_check.check(alone, self.policy) + account_check.check(alone, self.policy)
        appeals = self.appeals(handle)
        appealed = {a["target"]: a["state"] for a in appeals}
        return {
            "handle": row["handle"],
            "restrictions": render_all(findings, "sender"),
            "strikes": [{"id": s["id"], "category": s["category"], "source": s["source"],
                         "created_at": to_iso(s["created_at"]),
                         "expires_at": to_iso(s["expires_at"]),
                         "removed_at": to_iso(s["removed_at"]),
                         "active": s["removed_at"] is None and s["expires_at"] > now,
                         "appeal_target": f"strike:{s['id']}",
                         "appeal": appealed.get(f"strike:{s['id']}")} for s in strikes],
            "bans": [{"id": b["id"], "scope": b["scope"], "created_at": to_iso(b["created_at"]),
                      "until": to_iso(b["until"]), "lifted_at": to_iso(b["lifted_at"]),
                      "active": b["lifted_at"] is None and (b["until"] is None
                                                            or b["until"] > now),
                      "appeal_target": f"ban:{b['id']}",
                      "appeal": appealed.get(f"ban:{b['id']}")} for b in bans],
            "flagged": me.flagged,
            "verified": me.verified,
            "reputation_band": (band(me.reputation.score, self.policy.spam.min_reputation)
                                if me.reputation else None),
            "appeals": appeals,
        }

    def events(self, account_id: int, after: int, limit: int = 500) -> list[dict[str, Any]]:
        """An account's stream after a cursor, in id order: {id, kind, at, payload}."""
        return self.events_many([(account_id, after)], limit)[0]

    def events_many(self, cursors: list[tuple[int, int]],
                    limit: int = 500) -> list[list[dict[str, Any]]]:
        """`events` for several (account, cursor) pairs on one connection: the
        streams a commit woke are read together."""
        with self._read() as conn:
            out = []
            for account_id, after in cursors:
                rows = hot.events_after(conn, account_id, after, limit)
                for row in rows:
                    row["at"] = to_iso(row["at"])
                out.append(rows)
            return out

    def latest_event_id(self, account_id: int) -> int:
        with self._read() as conn:
            return repo.latest_event_id(conn, account_id)
