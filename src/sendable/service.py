"""The service: the rooms of the shell behind one object, for the front ends.

Every operation a user or moderator can do is one method here, and each is one
line handing it to the room for its subject (sendable/shell/): sending,
accounts, social, conversations, moderation, standing, verification. The
rooms share the unit of work (store/unit.py), the policy, the clock, the
counters and the text layer (shell/context.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sendable.clock import Clock, SystemClock
from sendable.counters import Counters, open_counters
from sendable.errors import ServiceError
from sendable.gate import Decision
from sendable.policy import Policy
from sendable.shell.accounts import Accounts
from sendable.shell.contacts import People
from sendable.shell.content import ContentAnalyser
from sendable.shell.context import Shell
from sendable.shell.conversations import Conversations
from sendable.shell.group_chat import GroupChat
from sendable.shell.group_moderation import GroupModeration
from sendable.shell.groups import Groups
from sendable.shell.lab import Lab
from sendable.shell.learning import SpamModels
from sendable.shell.mailer import ConsoleMailer, Mailer
from sendable.shell.moderation import Moderation
from sendable.shell.sending import SendAttempt, Sending, SendResult
from sendable.shell.social import Social
from sendable.shell.standing import Standing
from sendable.shell.verification import Verification
from sendable.store.driver import Engine
from sendable.store.engine import connect, migrate
from sendable.store.unit import Unit

__all__ = ["SendAttempt", "SendResult", "Service"]


class Service:
    def __init__(self, engine: Engine, policy: Policy, clock: Clock | None = None,
                 counters: Counters | None = None, mailer: Mailer | None = None) -> None:
        self.engine = engine
        unit = Unit(engine)
        analyser = ContentAnalyser(policy)
        self.shell = Shell(unit, policy, clock or SystemClock(), counters or open_counters(None),
                           analyser, SpamModels(unit, analyser), mailer or ConsoleMailer())
        self.sending = Sending(self.shell)
        self.accounts = Accounts(self.shell)
        self.social = Social(self.shell)
        self.conversations_room = Conversations(self.shell)
        self.moderation = Moderation(self.shell)
        self.standing_room = Standing(self.shell, self.moderation)
        self.verification = Verification(self.shell)
        self.groups = Groups(self.shell)
        self.group_moderation = GroupModeration(self.shell, self.groups)
        self.group_chat = GroupChat(self.shell, self.sending)
        self.people = People(self.shell, self.sending)  # search, contacts, phones
        self.lab = Lab(self.shell, self.sending.log)  # policy history, backtests, shadow

    @classmethod
    def open(cls, db: str | None, policy: Policy, clock: Clock | None = None,
             counters_uri: str | None = None, mailer: Mailer | None = None) -> Service:
        engine = connect(db)
        migrate(engine)
        service = cls(engine, policy, clock, open_counters(counters_uri), mailer)
        service.sending.warm_counters()
        service.analyser.warm()
        service.people.prepare()  # the contact secret, generated on first start
        return service

    def close(self) -> None:
        self.shell.unit.close()
        close_counters = getattr(self.counters, "close", None)
        if close_counters is not None:
            close_counters()

    # What the front ends and tests read of the shell (and may set: a policy, a mailer).
    policy = property(lambda self: self.shell.policy,
                      lambda self, value: setattr(self.shell, "policy", value))
    mailer = property(lambda self: self.shell.mailer,
                      lambda self, value: setattr(self.shell, "mailer", value))
    clock = property(lambda self: self.shell.clock)
    counters = property(lambda self: self.shell.counters)
    analyser = property(lambda self: self.shell.analyser)
    models = property(lambda self: self.shell.models)

    def now(self) -> float:
        return self.shell.now()

    def add_event_listener(self, listener: Callable[[set[int]], None]) -> None:
        self.shell.unit.add_event_listener(listener)

    # -- sending -------------------------------------------------------------------

    def send(self, sender: str, to: str, text: str, client: str | None = None,
             client_msg_id: str | None = None) -> SendResult:
        return self.sending.send(SendAttempt(sender, to, text, client, client_msg_id))

    def send_many(self, attempts: list[SendAttempt]) -> list[SendResult | ServiceError]:
        return self.sending.send_many(attempts)

    def why(self, sender: str, to: str, text: str = "", client: str | None = None) -> Decision:
        return self.sending.why(sender, to, text, client)

    def train_spam(self, rows: list[tuple[bool, str]], source: str = "file") -> dict[str, Any]:
        return self.models.train(rows, self.now(), "spam", source)

    def train_guidelines(self, rows: list[tuple[bool, str]], source: str = "file",
                         categories: list[str | None] | None = None) -> dict[str, Any]:
        return self.models.train(rows, self.now(), "abuse", source, categories)

    def retrain(self, kind: str) -> dict[str, Any]:
        """Rebuild the spam or abuse model from every label (files and verdicts)."""
        return self.models.retrain(kind, self.now())

    def label_message(self, message_id: int, is_spam: bool, actor: str | None = None) -> None:
        self.moderation.label_message(message_id, is_spam, actor)

    # -- accounts and social ---------------------------------------------------------

    def create_account(self, handle: str, *, password_hash: str | None = None,
                       birthdate: date | str | None = None, email: str | None = None,
                       created_at: float | None = None, verified: bool = False,
                       role: str = "member", who_can_message: str = "everyone",
                       private: bool = False, group_invites: str = "mutuals") -> dict[str, Any]:
        return self.accounts.create(
            handle, password_hash=password_hash, birthdate=birthdate, email=email,
            created_at=created_at, verified=verified, role=role,
            who_can_message=who_can_message, private=private, group_invites=group_invites)

    def account(self, handle: str, conn: Any = None) -> dict[str, Any]:
        return self.accounts.get(handle, conn)

    def give_birthdate(self, handle: str, birthdate: date | str) -> dict[str, Any]:
        return self.accounts.give_birthdate(handle, birthdate)

    def update_settings(self, handle: str, who_can_message: str | None = None,
                        private: bool | None = None,
                        group_invites: str | None = None) -> dict[str, Any]:
        return self.accounts.update_settings(handle, who_can_message, private, group_invites)

    def follow(self, follower: str, followee: str) -> str:
        return self.social.follow(follower, followee)

    def unfollow(self, follower: str, followee: str) -> bool:
        return self.social.unfollow(follower, followee)

    def approve_follow(self, by: str, follower: str) -> None:
        self.social.approve_follow(by, follower)

    def decline_follow(self, by: str, follower: str) -> None:
        self.social.decline_follow(by, follower)

    def follow_requests(self, handle: str) -> list[dict[str, Any]]:
        return self.social.follow_requests(handle)

    def follow_state(self, follower: str, followee: str) -> str | None:
        return self.social.follow_state(follower, followee)

    def block(self, blocker: str, blocked: str) -> None:
        self.social.block(blocker, blocked)

    def unblock(self, blocker: str, blocked: str) -> bool:
        return self.social.unblock(blocker, blocked)

    def blocked_accounts(self, handle: str) -> list[str]:
        return self.social.blocked_accounts(handle)

    # -- conversations and the stream ----------------------------------------------------

    def accept(self, by: str, from_: str) -> None:
        self.conversations_room.accept(by, from_)

    def decline(self, by: str, from_: str) -> None:
        self.conversations_room.decline(by, from_)

    def accept_conversation(self, handle: str, conversation_id: int) -> None:
        self.accept(handle, self.conversations_room.other_party(handle, conversation_id))

    def decline_conversation(self, handle: str, conversation_id: int) -> None:
        self.decline(handle, self.conversations_room.other_party(handle, conversation_id))

    def conversations(self, handle: str, folder: str = "inbox") -> list[dict[str, Any]]:
        return self.conversations_room.list(handle, folder)

    def messages(self, handle: str, conversation_id: int, after_seq: int = 0,
                 limit: int = 50, before_seq: int | None = None) -> list[dict[str, Any]]:
        return self.conversations_room.messages(handle, conversation_id, after_seq, limit,
                                                before_seq)

    def unread(self, handle: str) -> dict[str, int]:
        return self.conversations_room.unread(handle)

    def mark_read(self, handle: str, conversation_id: int, seq: int) -> dict[str, Any]:
        return self.conversations_room.mark_read(handle, conversation_id, seq)

    def events(self, account_id: int, after: int, limit: int = 500) -> list[dict[str, Any]]:
        return self.events_many([(account_id, after)], limit)[0]

    def events_many(self, cursors: list[tuple[int, int]],
                    limit: int = 500) -> list[list[dict[str, Any]]]:
        return self.conversations_room.events_many(cursors, limit)

    def latest_event_id(self, account_id: int) -> int:
        return self.conversations_room.latest_event_id(account_id)

    # -- moderation and standing ----------------------------------------------------------

    def report(self, by: str, reason: str, of: str | None = None,
               message_id: int | None = None) -> int:
        return self.moderation.report(by, reason, of, message_id)

    def ban(self, handle: str, seconds: float | None, scope: str | None = None,
            actor: str | None = None, reason: str | None = None) -> int:
        return self.moderation.ban(handle, seconds, scope, actor, reason)

    def unban(self, handle: str, actor: str | None = None, reason: str | None = None) -> list[int]:
        return self.moderation.unban(handle, actor, reason)

    def strike(self, handle: str, category: str, actor: str | None = None,
               note: str | None = None) -> int:
        return self.moderation.strike(handle, category, actor, note)

    def flag(self, handle: str, actor: str | None = None, reason: str | None = None) -> None:
        self.moderation.flag(handle, actor, reason)

    def unflag(self, handle: str, actor: str | None = None, reason: str | None = None) -> None:
        self.moderation.unflag(handle, actor, reason)

    def release(self, message_id: int, actor: str | None = None) -> dict[str, Any]:
        return self.moderation.release(message_id, actor)

    def held(self) -> list[dict[str, Any]]:
        return self.moderation.held()

    def mod_queue(self) -> list[dict[str, Any]]:
        return self.moderation.queue()

    def resolve_reports(self, handle: str, actor: str | None = None,
                        note: str | None = None, verdict: str | None = None) -> list[int]:
        return self.moderation.resolve_reports(handle, actor, note, verdict)

    def confirm_held(self, message_id: int, actor: str | None = None) -> dict[str, Any]:
        return self.moderation.confirm_held(message_id, actor)

    def explain_restrictions(self, handle: str) -> list[dict[str, Any]]:
        return self.moderation.explain_restrictions(handle)

    def audit_log(self, handle: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        return self.moderation.audit_log(handle, limit)

    def last_target(self, handle: str, kind: str) -> int:
        return self.moderation.last_target(handle, kind)

    def appeal(self, by: str, target: str, statement: str) -> int:
        return self.moderation.appeal(by, target, statement)

    def decide_appeal(self, appeal_id: int, decision: str, actor: str | None = None,
                      note: str | None = None) -> dict[str, Any]:
        return self.moderation.decide_appeal(appeal_id, decision, actor, note)

    def appeals(self, handle: str | None = None, state: str | None = None) -> list[dict[str, Any]]:
        return self.moderation.appeals(handle, state)

    def status(self, handle: str) -> dict[str, Any]:
        return self.standing_room.status(handle)

    def standing(self, handle: str) -> dict[str, Any]:
        return self.standing_room.standing(handle)

    # -- verification ------------------------------------------------------------------------

    def verify(self, handle: str) -> None:
        self.verification.verify(handle)

    def set_email(self, handle: str, email: str) -> None:
        self.verification.set_email(handle, email)

    def start_verification(self, handle: str) -> None:
        self.verification.start(handle)

    def confirm_verification(self, handle: str, code: str) -> bool:
        return self.verification.confirm(handle, code)
