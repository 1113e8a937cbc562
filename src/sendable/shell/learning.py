"""The learned spam and abuse models: labels in, versioned models out, on every node.

- `label_from_verdict` is THE way a moderator's verdict becomes a label (strikes
  upheld or overturned, held messages released, reports resolved, spam verdicts
  from the queue): stored with its time and moderator, never a model update on
  the spot.
- `train` stores a file's labels and retrains; `retrain` rebuilds a model from
  every label of its kind (the command line, or `serve` on a schedule). Training
  runs outside the write lock; the new model is one row, written in one short
  transaction, so a swap is atomic and versioned.
- `refresh` is called by every send batch and every `why` inside their
  transaction: one indexed read of the highest model id; when another node saved
  a newer model, it is loaded and swapped in whole (ContentAnalyser.detectors), so
  the next send and `why` on every node score with the same version.
"""

from __future__ import annotations

import logging
from typing import Any

from sendable.errors import Invalid, NotFound
from sendable.shell.content import ContentAnalyser, Detectors
from sendable.store import messages as db_messages
from sendable.store import models as db_models
from sendable.store import moderation as db_audit
from sendable.store.driver import Conn
from sendable.store.unit import Unit
from sendable.text.detectors import Detector
from sendable.text.learn import default_spam, read_rows, train_abuse, train_spam

log = logging.getLogger(__name__)
KINDS = ("spam", "abuse")


def label_from_verdict(conn: Conn, kind: str, text: str, positive: bool, verdict: str,
                       moderator: int | None, at: float, message_id: int | None = None,
                       category: str | None = None) -> int:
    """Store a moderator's verdict on a text as a label of ``kind`` (spam or abuse):
    ``positive`` is spam / abusive; ``verdict`` names what was decided (e.g.
    strike_upheld, released, report_upheld). Returns how many labels were stored
    (0 for an empty text)."""
    if kind not in KINDS:
        raise Invalid(f"kind must be one of {', '.join(KINDS)}", "kind")
    if not text or not text.strip():
        return 0
    db_models.add_labels(conn, [{
        "kind": kind, "positive": bool(positive), "category": category, "text": text,
        "source": f"verdict:{verdict}"[:64], "message_id": message_id,
        "moderator_id": moderator, "at": at}])
    return 1


class SpamModels:
    """The models in force on this node (name kept from when only spam learned)."""

    def __init__(self, unit: Unit, analyser: ContentAnalyser) -> None:
        self.unit = unit
        self.analyser = analyser
        self.version = 0
        with unit.read() as conn:
            self.refresh(conn, force=True)

    def refresh(self, conn: Conn, force: bool = False) -> None:
        """Swap in the models another node saved, if any (one small read). A send
        batch and a `why` both call it first, so they score with the same version."""
        version = db_models.current_version(conn)
        if version == self.version and not force:
            return
        stored = db_models.current_models(conn) if version else {}
        try:
            spam = (Detector.from_json(stored["spam"]["data"]) if "spam" in stored
                    else default_spam())
            abuse = Detector.from_json(stored["abuse"]["data"]) if "abuse" in stored else None
        except (ValueError, KeyError) as error:  # a bad row must not stop sending
            log.error("stored text model version %s is unreadable: %s", version, error)
            self.version = version
            return
        self.analyser.detectors = Detectors(spam=spam, abuse=abuse, version=version)
        self.version = version

    # -- labels ------------------------------------------------------------------------

    def label(self, conn: Conn, message_id: int, is_spam: bool, actor: int | None,
              now: float) -> None:
        """A moderator's spam verdict on a stored message becomes a label."""
        message = db_messages.message_by_id(conn, message_id)
        if message is None:
            raise NotFound(f"no message {message_id}", "message_id")
        label_from_verdict(conn, "spam", message["text"], is_spam,
                           "spam" if is_spam else "not_spam", actor, now, message_id)
        db_audit.audit(conn, now, "spam_label", message["sender_id"], actor,
                       message_id=message_id, is_spam=is_spam)

    # -- training ----------------------------------------------------------------------

    def train(self, rows: list[tuple[bool, str]], now: float, kind: str = "spam",
              source: str = "file", categories: list[str | None] | None = None
              ) -> dict[str, Any]:
        """Store labelled examples (True = spam / abusive), then retrain from every label."""
        cats = categories or [None] * len(rows)
        with self.unit.write() as conn:
            db_models.add_labels(conn, ({"kind": kind, "positive": bool(p), "text": t,
                                         "category": c, "source": source[:64],
                                         "message_id": None, "moderator_id": None, "at": now}
                                        for (p, t), c in zip(rows, cats, strict=True)))
        return self.retrain(kind, now)

    def retrain(self, kind: str, now: float) -> dict[str, Any]:
        """Rebuild the ``kind`` model from all its labels and put it in force everywhere.
        Returns its summary (version, chosen thresholds, cross-validated figures)."""
        if kind not in KINDS:
            raise Invalid(f"kind must be one of {', '.join(KINDS)}", "kind")
        with self.unit.read() as conn:
            stored = db_models.labels_of(conn, kind)
            rows = [(bool(r["positive"]), r["text"]) for r in stored]
        policy = self.analyser.policy
        if kind == "spam":
            detector = train_spam(rows, policy.spam.target_fpr, base=shipped_spam_rows())
        else:
            detector = train_abuse(rows, policy.guidelines.target_fpr, self.analyser.guidelines)
        # The newest label it saw: a scheduled retrain runs again only after a newer one.
        summary = dict(detector.summary, trained_at=now,
                       last_label=max((int(r["id"]) for r in stored), default=0))
        with self.unit.write() as conn:
            version = db_models.save_model(conn, kind, detector.to_json(), summary, now)
            db_audit.audit(conn, now, f"{kind}_train", None, None, version=version,
                           labels=len(rows))
            self.refresh(conn, force=True)
        return {"kind": kind, "version": version, **summary}

    def unseen_labels(self, kind: str) -> tuple[int, int]:
        """(newest label id of ``kind``, newest label the model in force was trained on)."""
        with self.unit.read() as conn:
            newest = db_models.last_label_id(conn, kind)
            model = next((r for r in db_models.model_history(conn, 50) if r["kind"] == kind),
                         None)
        return newest, int((model or {}).get("summary", {}).get("last_label", 0) or 0)

    def status(self) -> dict[str, Any]:
        """For the console: versions in force, label counts, last cross-validated figures."""
        with self.unit.read() as conn:
            self.refresh(conn)  # what this node's next send would use
            history = db_models.model_history(conn)
            counts = db_models.label_counts(conn)
            sources = db_models.label_sources(conn)
        current: dict[str, Any] = {}
        for row in history:
            current.setdefault(row["kind"], {"version": row["id"], **row["summary"]})
        d = self.analyser.detectors
        if "spam" not in current and d.spam is not None:
            current["spam"] = {"version": 0, **d.spam.summary}
        return {"version": self.version, "models": current, "labels": counts,
                "sources": sources}


def shipped_spam_rows() -> list[tuple[bool, str]]:
    """The project's own spam training set (data/training/spam.csv), when installed
    from a checkout; learned from alongside a deployment's labels."""
    from pathlib import Path

    path = Path(__file__).resolve().parents[3] / "data" / "training" / "spam.csv"
    return read_rows(path, "spam", "ham") if path.exists() else []
