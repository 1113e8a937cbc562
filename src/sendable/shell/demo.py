"""Demo accounts for `sendable serve --demo`: one signed-in view of every outcome.

Log in as `alice` and message each of the others to meet delivered, requested and
refused for several causes; log in as `mallory`, `fred` or `gus` to be refused for
your own account's standing; `mod` sees the moderator queue. Alice's inbox has a
conversation with history (with bob, over the last few days), a pending message
request (from hana) and there is a held message (ivan's, in the moderator queue).
Loading twice changes nothing.

More demo content (a group, once groups exist) plugs in through `EXTRAS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sendable.clock import FixedClock
from sendable.errors import NotFound
from sendable.service import Service
from sendable.shell.auth import Auth

PASSWORD = "sendable-demo"
_YEAR = 365 * 86400.0


@dataclass(frozen=True)
class Example:
    sender: str
    to: str
    text: str
    expect: str  # what the sender is told


EXAMPLES = (
    Example("alice", "bob", "hi Bob!", "delivered (bob follows alice)"),
    Example("alice", "bob", "vaccines cause autism", "held for review (a moderator releases it)"),
    Example("alice", "carol", "hi Carol, we met at the meetup", "requested (carol doesn't follow alice)"),
    Example("alice", "dave", "hello?", "refused 403 privacy.not_accepting (dave blocked alice; only a moderator sees privacy.blocked)"),
    Example("alice", "erin", "hello", "refused 403 privacy.not_accepting (erin takes messages from mutuals)"),
    Example("alice", "frank", "hello", "refused 403 privacy.private_account (frank is private)"),
    Example("alice", "gus", "hello", "refused 403 privacy.not_accepting (gus is under the messaging age)"),
    Example("mallory", "bob", "let me out", "refused 403 ban.temporary (7-day ban, appealable)"),
    Example("fred", "carol", "hello", "refused 403 account.flagged (verify to lift)"),
    Example("gus", "alice", "hi", "refused 403 account.underage"),
)


def _ensure(service: Service, auth: Auth, handle: str, **values: object) -> None:
    try:
        service.account(handle)
    except NotFound:
        service.create_account(handle, password_hash=auth.hash_password(PASSWORD),
                               created_at=service.now() - _YEAR, verified=True,
                               birthdate=values.pop("birthdate", date(1990, 1, 1)),
                               **values)  # type: ignore[arg-type]


# Conversations that were going on before the demo started: (minutes before now,
# sender, recipient, text). Sent on a clock set back, so they have real times.
HISTORY = (
    (3 * 1440, "bob", "alice", "Are we still on for climbing on Saturday?"),
    (3 * 1440 - 20, "alice", "bob", "Yes! 10am at the usual wall?"),
    (3 * 1440 - 25, "bob", "alice", "Perfect. I'll bring the spare harness."),
    (1440 + 90, "alice", "bob", "That was fun. Same time next week?"),
    (1440 - 30, "bob", "alice", "Definitely. My arms still hurt"),
    (180, "hana", "alice", "Hi Alice! We met at the meetup on Thursday, it was great "
                           "talking about climbing."),
    (45, "ivan", "alice", "vaccines cause autism, read this before your next appointment"),
)
# Hooks for more demo content (a group, once groups exist): each is called with the
# service and returns lines to show; it must change nothing when run again.
EXTRAS: list[Callable[[Service, Auth], list[str]]] = []


def _history(service: Service) -> None:
    """The conversations above, once: skipped when hana (who appears only here) exists."""
    now = service.now()
    real = service.shell.clock
    clock = FixedClock(now - HISTORY[0][0] * 60.0)
    service.shell.clock = clock
    try:
        for minutes, sender, to, text in HISTORY:
            clock.set(now - minutes * 60.0)
            service.send(sender, to, text)
    finally:
        service.shell.clock = real


def load_demo(service: Service, auth: Auth) -> list[str]:
    """Create (or keep) the demo accounts; returns the lines to show the user."""
    today = date.fromtimestamp(service.now())
    try:
        service.account("hana")
        had_history = True
    except NotFound:
        had_history = False
    for handle in ("alice", "bob", "carol", "dave", "mallory", "fred"):
        _ensure(service, auth, handle)
    _ensure(service, auth, "erin", who_can_message="mutuals")
    _ensure(service, auth, "frank", private=True)
    _ensure(service, auth, "gus", birthdate=today.replace(year=today.year - 12))
    _ensure(service, auth, "mod", role="moderator")
    _ensure(service, auth, "ivan")
    service.follow("bob", "alice")
    service.follow("alice", "bob")
    service.block("dave", "alice")
    if not service.status("mallory")["banned"]:
        service.ban("mallory", 7 * 86400.0, "messaging", "mod", "demo: spamming")
    if not service.status("fred")["flagged"]:
        service.flag("fred", "mod", "demo: reported by several people")
    if not had_history:
        _ensure(service, auth, "hana")
        _history(service)
    lines = [f"Demo accounts loaded; every password is {PASSWORD!r}.",
             "Log in:  curl -s -X POST localhost:PORT/v1/sessions "
             f"-H 'content-type: application/json' "
             f"-d '{{\"handle\": \"alice\", \"password\": \"{PASSWORD}\"}}'",
             "Then POST /v1/messages {\"to\": ..., \"text\": ...} with Authorization: Bearer <token>:"]
    lines += [f"  {e.sender} -> {e.to} {e.text!r}: {e.expect}" for e in EXAMPLES]
    lines.append("  any -> any with header 'Sendable-Client: sendable-py/0.1' : refused 426 "
                 "client.outdated")
    lines.append("  'mod' is a moderator: GET /v1/mod/queue, POST /v1/mod/why")
    lines.append("alice's inbox: a conversation with bob; her requests: one from hana; "
                 "the moderator queue: ivan's held message to alice.")
    for extra in EXTRAS:
        lines += extra(service, auth)
    return lines
