"""Verification codes through a mailer: hashed, expiring, bounded, one at a time."""

from __future__ import annotations

import io
import socket
import threading

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from world import HOUR, World

from sendable.errors import Conflict, Invalid, NotFound, Throttled, Unavailable
from sendable.shell.codes import CODE_TTL, MAX_ATTEMPTS, MAX_CODES_PER_HOUR
from sendable.shell.mailer import (
    ConsoleMailer,
    FileMailer,
    Mail,
    SmtpMailer,
    mailer_from_url,
)


def _code(world: World) -> str:
    mails = world.mailer.read()
    assert mails, "no mail was sent"
    return mails[-1].data["code"]


def _flag_by_reports(world: World, target: str) -> None:
    for n in range(3):
        world.account(f"r{n}")
        world.service.report(f"r{n}", "harassment", of=target)
    assert world.status(target)["flagged"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_start_needs_an_email(world: World) -> None:
    world.account("alice", verified=False)
    with pytest.raises(Invalid) as error:
        world.service.start_verification("alice")
    assert error.value.field == "email"
    assert world.mailer.read() == []


def test_set_email_refuses_bad_addresses(world: World) -> None:
    world.account("alice")
    for bad in ("", "alice", "a@b", "a b@c.org", "x" * 320 + "@example.org"):
        with pytest.raises(Invalid) as error:
            world.service.set_email("alice", bad)
        assert error.value.field == "email"
    with pytest.raises(NotFound):
        world.service.set_email("nobody", "n@example.org")


def test_code_is_mailed_stored_hashed_and_verifies(world: World) -> None:
    world.account("alice", verified=False, email="alice@example.org")
    world.service.start_verification("alice")
    [mail] = world.mailer.read()
    code = mail.data["code"]
    assert mail.to == "alice@example.org" and len(code) == 6 and code.isdigit()
    assert code in mail.body
    with world.service.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT code_hash FROM verification_codes")).scalar_one()
    assert code not in stored and stored.startswith("$argon2")
    assert world.service.confirm_verification("alice", code) is True
    assert world.status("alice")["verified"] is True
    actions = [e["action"] for e in world.service.audit_log("alice")]
    assert "verification_sent" in actions and "verify" in actions
    # a used code does not work twice
    assert world.service.confirm_verification("alice", code) is False


def test_code_may_be_typed_with_spaces(world: World) -> None:
    world.account("alice", verified=False, email="alice@example.org")
    world.service.start_verification("alice")
    code = _code(world)
    assert world.service.confirm_verification("alice", f" {code[:3]} {code[3:]} ") is True


def test_malformed_code_names_the_field(world: World) -> None:
    world.account("alice", verified=False, email="alice@example.org")
    world.service.start_verification("alice")
    for bad in ("12345", "1234567", "abcdef", "١٢٣٤٥٦", ""):
        with pytest.raises(Invalid) as error:
            world.service.confirm_verification("alice", bad)
        assert error.value.field == "code"


def test_wrong_codes_are_bounded(world: World) -> None:
    world.account("alice", verified=False, email="alice@example.org")
    world.service.start_verification("alice")
    code = _code(world)
    for _ in range(MAX_ATTEMPTS):
        assert world.service.confirm_verification("alice", _wrong(code)) is False
    # the right code no longer works once the attempts are spent
    assert world.service.confirm_verification("alice", code) is False
    assert world.status("alice")["verified"] is False
    failed = [e for e in world.service.audit_log("alice") if e["action"] == "verification_failed"]
    assert len(failed) == MAX_ATTEMPTS + 1
    world.service.start_verification("alice")
    assert world.service.confirm_verification("alice", _code(world)) is True


def test_code_expires_on_the_service_clock(world: World) -> None:
    world.account("alice", verified=False, email="alice@example.org")
    world.service.start_verification("alice")
    code = _code(world)
    world.advance(CODE_TTL)
    assert world.service.confirm_verification("alice", code) is False
    assert world.status("alice")["verified"] is False


def test_code_works_until_just_before_expiry(world: World) -> None:
    world.account("alice", verified=False, email="alice@example.org")
    world.service.start_verification("alice")
    world.advance(CODE_TTL - 1)
    assert world.service.confirm_verification("alice", _code(world)) is True


def test_one_live_code_at_a_time(world: World) -> None:
    world.account("alice", verified=False, email="alice@example.org")
    world.service.start_verification("alice")
    first = _code(world)
    world.service.start_verification("alice")
    second = _code(world)
    if first != second:
        assert world.service.confirm_verification("alice", first) is False
    assert world.service.confirm_verification("alice", second) is True


def test_codes_per_hour_are_capped(world: World) -> None:
    world.account("alice", verified=False, email="alice@example.org")
    for _ in range(MAX_CODES_PER_HOUR):
        world.service.start_verification("alice")
    with pytest.raises(Throttled) as error:  # a 429 with the wait until one frees
        world.service.start_verification("alice")
    assert error.value.field == "verification" and 0 < error.value.retry_after <= HOUR
    assert len(world.mailer.read()) == MAX_CODES_PER_HOUR
    world.advance(HOUR)
    world.service.start_verification("alice")


def test_verified_and_unflagged_needs_no_code(world: World) -> None:
    world.account("mod", role="moderator")
    world.account("alice", verified=True, email="alice@example.org")
    with pytest.raises(Conflict):
        world.service.start_verification("alice")
    world.service.flag("alice", "mod")  # now verifying again would clear the flag
    world.service.start_verification("alice")


def test_verification_clears_a_flag_from_reports(world: World) -> None:
    world.account("alice", verified=True, email="alice@example.org")
    world.account("bob")
    _flag_by_reports(world, "alice")
    assert world.send("alice", "bob").reasons()[0]["code"] == "account.flagged"
    world.service.start_verification("alice")
    assert world.service.confirm_verification("alice", _code(world)) is True
    assert world.status("alice")["flagged"] is False
    assert world.send("alice", "bob").outcome != "refused"
    unflag = [e for e in world.service.audit_log("alice") if e["action"] == "unflag"]
    assert unflag and unflag[0]["detail"]["reason"] == "verification completed"


def test_verification_clears_a_moderators_flag_too(world: World) -> None:
    # account.flagged: restricted "until it completes verification or a moderator
    # clears the flag", whoever raised it.
    world.account("mod", role="moderator")
    world.account("alice", verified=False, email="alice@example.org")
    world.service.flag("alice", "mod", "suspected automation")
    world.service.start_verification("alice")
    assert world.service.confirm_verification("alice", _code(world)) is True
    status = world.status("alice")
    assert status["verified"] is True and status["flagged"] is False


def test_mail_failure_is_a_clear_error(world: World, tmp_path) -> None:
    world.account("alice", verified=False, email="alice@example.org")
    world.service.mailer = SmtpMailer("127.0.0.1", _free_port(), timeout=2)  # nothing listens
    with pytest.raises(Unavailable) as error:
        world.service.start_verification("alice")
    assert error.value.field == "email" and error.value.status == 503


# -- the mailers themselves ----------------------------------------------------------

def test_console_mailer_prints() -> None:
    out = io.StringIO()
    ConsoleMailer(out).send(Mail("a@example.org", "Hi", "body text"))
    assert "a@example.org" in out.getvalue() and "body text" in out.getvalue()


def test_file_mailer_appends_json_lines(tmp_path) -> None:
    mailer = FileMailer(tmp_path / "sub" / "mail.jsonl")
    mailer.send(Mail("a@example.org", "one", "1", {"code": "123456"}))
    mailer.send(Mail("b@example.org", "two", "2"))
    assert [m.subject for m in mailer.read()] == ["one", "two"]
    assert mailer.read()[0].data == {"code": "123456"}
    assert len((tmp_path / "sub" / "mail.jsonl").read_text().splitlines()) == 2


def test_mailer_from_url() -> None:
    assert isinstance(mailer_from_url(None), ConsoleMailer)
    assert isinstance(mailer_from_url("console"), ConsoleMailer)
    assert mailer_from_url("file:out/mail.jsonl").path.name == "mail.jsonl"
    smtp = mailer_from_url("smtps://user%40x:p%3Ass@mail.example.org?from=me@example.org")
    assert isinstance(smtp, SmtpMailer)
    assert (smtp.host, smtp.port, smtp.username, smtp.password, smtp.use_ssl, smtp.sender) == (
        "mail.example.org", 465, "user@x", "p:ss", True, "me@example.org")
    assert mailer_from_url("smtp://localhost:2525").port == 2525
    for bad in ("file:", "http://x", "smtp://"):
        with pytest.raises(ValueError):
            mailer_from_url(bad)


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.arrived = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd hook)
        self.messages.append((envelope.mail_from, envelope.rcpt_tos, envelope.content))
        self.arrived.set()
        return "250 OK"


def test_smtp_mailer_delivers_to_a_real_server(world: World) -> None:
    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        world.service.mailer = mailer_from_url(f"smtp://127.0.0.1:{port}?from=v@example.org")
        world.account("alice", verified=False, email="alice@example.org")
        world.service.start_verification("alice")
        assert inbox.arrived.wait(5)
    finally:
        controller.stop()
    [(sender, recipients, content)] = inbox.messages
    assert sender == "v@example.org" and recipients == ["alice@example.org"]
    body = content.decode()
    code = body.split("verification code is ", 1)[1][:6]
    assert world.service.confirm_verification("alice", code) is True
