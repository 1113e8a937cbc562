"""Demo accounts for `sendable serve --demo`: one signed-in view of every outcome.

Log in as `alice` and message each of the others to meet delivered, requested and
refused for several causes; log in as `mallory`, `fred` or `gus` to be refused for
your own account's standing; `mod` sees the moderator queue. Alice's inbox has a
conversation with history (with bob, over the last few days), a pending message
request (from hana) and there is a held message (ivan's, in the moderator queue).
Loading twice changes nothing.

Alice and bob share a group, 'weekend plans'.
"""

from __future__ import annotations

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
    Example("alice", "rosa", "hi Rosa, it's Alice from the choir", "delivered (alice is one of rosa's contacts; rosa takes messages from mutuals and contacts)"),
    Example("carol", "rosa", "hello", "refused 403 privacy.not_accepting (carol is neither a mutual nor a contact)"),
    Example("mallory", "bob", "let me out", "refused 403 ban.temporary (7-day ban, appealable)"),
    Example("fred", "carol", "hello", "refused 403 account.flagged (verify to lift)"),
    Example("gus", "alice", "hi", "refused 403 account.underage"),
)


_HASHES: dict[int, str] = {}


def _demo_hash(auth: Auth) -> str:
    """Every demo account shares one password: hash it once (argon2 is slow on purpose;
    a dozen hashes made a first start take many seconds). Salted like any other."""
    if id(auth) not in _HASHES:
        _HASHES[id(auth)] = auth.hash_password(PASSWORD)
    return _HASHES[id(auth)]


def _ensure(service: Service, auth: Auth, handle: str, **values: object) -> None:
    try:
        service.account(handle)
    except NotFound:
        service.create_account(handle, password_hash=_demo_hash(auth),
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
    # Finding people: alice has a verified email in rosa's synced contacts; rosa takes
    # messages from mutuals and contacts (`suggested`); hal cannot be found by search.
    _ensure(service, auth, "rosa", who_can_message="suggested")
    _ensure(service, auth, "hal")
    if not service.account("alice")["email"]:
        service.set_email("alice", "alice@demo.sendable.invalid")
        service.verify("alice")
    service.people.update_settings("rosa", sync_contacts=True, display_name="Rosa Parks")
    service.people.update_settings("hal", discoverable=False, display_name="Hal Hidden")
    service.people.store_digests("rosa", {service.people.keys.digest(
        "email", "alice@demo.sendable.invalid")})
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
    if not service.groups.of("alice"):  # a group: alice and bob, carol invited
        created = service.groups.create("alice", "weekend plans", ["bob", "carol"])
        if created.group is not None:
            service.group_chat.send("alice", created.group["id"], "who is in for Saturday?")
    lines = [f"Demo accounts loaded; every password is {PASSWORD!r}.",
             "Log in:  curl -s -X POST localhost:PORT/v1/sessions "
             f"-H 'content-type: application/json' "
             f"-d '{{\"handle\": \"alice\", \"password\": \"{PASSWORD}\"}}'",
             "Then POST /v1/messages {\"to\": ..., \"text\": ...} with Authorization: Bearer <token>:"]
    lines += [f"  {e.sender} -> {e.to} {e.text!r}: {e.expect}" for e in EXAMPLES]
    lines.append("  any -> any with header 'Sendable-Client: sendable-py/0.1' : refused 426 "
                 "client.outdated")
    lines.append("  alice and bob share the group 'weekend plans' (GET /v1/groups); carol "
                 "could not be added (privacy.group_invites: she doesn't follow alice)")
    lines.append("  'mod' is a moderator: GET /v1/mod/queue, POST /v1/mod/why")
    lines.append("  GET /v1/users?q=ro finds rosa (by handle or 'Rosa Parks'); hal is not "
                 "discoverable, so search never shows him")
    lines.append("alice's inbox: a conversation with bob; her requests: one from hana; "
                 "the moderator queue: ivan's held message to alice.")
    return lines
