"""The spam model learned from moderators: loaded from the store, refreshed from what
other nodes taught, taught and saved under the write lock."""

from __future__ import annotations

import time

from sendable.errors import NotFound
from sendable.shell.content import ContentAnalyser
from sendable.store import messages as db_messages
from sendable.store import models as db_models
from sendable.store import moderation as db_audit
from sendable.store.driver import Conn
from sendable.store.unit import Unit
from sendable.text.spam import SpamModel


class SpamModels:
    # How often a node looks for a model another node has taught meanwhile.
    CHECK_SECONDS = 30.0

    def __init__(self, unit: Unit, analyser: ContentAnalyser) -> None:
        self.unit = unit
        self.analyser = analyser
        with unit.read() as conn:
            stored = db_models.spam_model_data(conn)
        self.version = stored[1] if stored else 0
        if stored:
            analyser.spam_model = SpamModel.from_json(stored[0])
        self._checked = time.monotonic()

    def refresh(self, conn: Conn, force: bool = False) -> None:
        """Pick up what another node taught the model: one small read every so often
        (always before teaching it, so no node overwrites another's lessons). A send
        and a `why` both call it first, so they score with the same version."""
        if not force and time.monotonic() - self._checked < self.CHECK_SECONDS:
            return
        self._checked = time.monotonic()
        if db_models.spam_model_version(conn) != self.version:
            stored = db_models.spam_model_data(conn)
            if stored:
                self.version = stored[1]
                self.analyser.spam_model = SpamModel.from_json(stored[0])

    def _save(self, conn: Conn, now: float) -> None:
        self.version = db_models.save_spam_model(conn, self.analyser.spam_model.to_json(), now)

    def train(self, rows: list[tuple[bool, str]], now: float) -> dict[str, int]:
        """Teach the content model labelled examples (True = spam); it is kept in the store."""
        with self.unit.write() as conn:
            self.refresh(conn, force=True)
            self.analyser.spam_model.train(rows)
            self._save(conn, now)
            db_audit.audit(conn, now, "spam_train", None, None, examples=len(rows))
        spam, ham = self.analyser.spam_model.class_counts
        return {"examples": spam + ham, "spam": spam, "ham": ham}

    def label(self, conn: Conn, message_id: int, is_spam: bool, actor: int | None,
              now: float) -> None:
        """A moderator's verdict on a stored message: the content model learns from it."""
        message = db_messages.message_by_id(conn, message_id)
        if message is None:
            raise NotFound(f"no message {message_id}", "message_id")
        self.refresh(conn, force=True)
        self.analyser.spam_model.update(message["text"], is_spam)
        self._save(conn, now)
        db_audit.audit(conn, now, "spam_label", message["sender_id"], actor,
                       message_id=message_id, is_spam=is_spam)
