"""Outgoing mail: a small protocol and three ways to deliver.

- `ConsoleMailer` prints each mail (development).
- `FileMailer` appends one JSON line per mail to a file, so tests and local
  runs can read what was sent (the verification code is in `data`).
- `SmtpMailer` sends through an SMTP server given by URL:
  `smtp://user:pass@host:port` (STARTTLS when the server offers it),
  `smtps://…` (TLS from the start); `?from=noreply@example.org` sets the sender.

`mailer_from_url("console" | "file:PATH" | "smtp://…")` picks one.
"""

from __future__ import annotations

import json
import smtplib
import sys
import threading
from dataclasses import asdict, dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol, TextIO
from urllib.parse import parse_qs, unquote, urlsplit

DEFAULT_FROM = "sendable <no-reply@sendable.invalid>"


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str
    data: dict[str, Any] = field(default_factory=dict)  # machine-readable extras (dev mailers)


class Mailer(Protocol):
    def send(self, mail: Mail) -> None:
        """Deliver one mail or raise MailError."""
        ...


class MailError(Exception):
    """A mail could not be handed over for delivery."""


class ConsoleMailer:
    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    def send(self, mail: Mail) -> None:
        out = self.stream or sys.stdout
        out.write(f"--- mail to {mail.to}: {mail.subject}\n{mail.body}\n---\n")
        out.flush()


class FileMailer:
    """Appends each mail as one JSON line: {"to", "subject", "body", "data"}."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def send(self, mail: Mail) -> None:
        line = json.dumps(asdict(mail), sort_keys=True)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._lock, self.path.open("a", encoding="utf-8") as out:
                out.write(line + "\n")
        except OSError as error:
            raise MailError(f"cannot write mail to {self.path}: {error}") from None

    def read(self) -> list[Mail]:
        """Every mail written so far, oldest first."""
        if not self.path.exists():
            return []
        return [Mail(**json.loads(line))
                for line in self.path.read_text(encoding="utf-8").splitlines() if line.strip()]


class SmtpMailer:
    def __init__(self, host: str, port: int | None = None, username: str | None = None,
                 password: str | None = None, use_ssl: bool = False,
                 sender: str = DEFAULT_FROM, timeout: float = 10.0) -> None:
        self.host = host
        self.port = port or (465 if use_ssl else 25)
        self.username = username
        self.password = password
        self.use_ssl = use_ssl
        self.sender = sender
        self.timeout = timeout

    @classmethod
    def from_url(cls, url: str) -> SmtpMailer:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(f"{url!r} is not an SMTP URL like smtp://user:pass@host:587")
        query = parse_qs(parts.query)
        return cls(parts.hostname, parts.port,
                   unquote(parts.username) if parts.username else None,
                   unquote(parts.password) if parts.password else None,
                   use_ssl=parts.scheme == "smtps",
                   sender=query.get("from", [DEFAULT_FROM])[0])

    def send(self, mail: Mail) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message.set_content(mail.body)
        smtp_class = smtplib.SMTP_SSL if self.use_ssl else smtplib.SMTP
        try:
            with smtp_class(self.host, self.port, timeout=self.timeout) as smtp:
                if not self.use_ssl:
                    smtp.ehlo()
                    if smtp.has_extn("starttls"):
                        smtp.starttls()
                        smtp.ehlo()
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            raise MailError(f"SMTP {self.host}:{self.port}: {error}") from None


def mailer_from_url(url: str | None) -> Mailer:
    """`console` (or nothing), `file:PATH`, `smtp://…` or `smtps://…`."""
    if not url or url == "console":
        return ConsoleMailer()
    if url.startswith("file:"):
        path = url.removeprefix("file:").removeprefix("//")
        if not path:
            raise ValueError("file: mailer needs a path, like file:mail.jsonl")
        return FileMailer(path)
    if url.startswith(("smtp://", "smtps://")):
        return SmtpMailer.from_url(url)
    raise ValueError(f"mailer {url!r}: use console, file:PATH or smtp://user:pass@host:port")
