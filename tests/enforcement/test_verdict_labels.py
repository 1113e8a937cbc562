"""Every moderator verdict becomes a label with its time and moderator: strikes
upheld or overturned, held messages released or confirmed, reports resolved
upheld or dismissed, and spam verdicts from the console. Real SQLite file, the
real send path."""

from __future__ import annotations

from typing import Any

import pytest
from world import World

from sendable.errors import Invalid
from sendable.store import models as db_models


@pytest.fixture
def w(make_world) -> World:
    world = make_world({"guidelines": {"actions": {"misinformation": "hold"},
                                       "extra_terms": {"misinformation": ["the moon is cheese"]}},
                        "enforcement": {"ladder": ["warning", "7d", "permanent"]}})
    world.account("mod", role="moderator")
    for handle in ("alice", "bob", "carol"):
        world.account(handle)
    world.service.follow("bob", "alice")
    world.service.follow("alice", "bob")
    return world


def _labels(w: World, kind: str) -> list[dict[str, Any]]:
    with w.service.shell.unit.read() as conn:
        return db_models.labels_of(conn, kind)



def _id(w: World, handle: str) -> int:
    from sendable.store import accounts as db_accounts

    with w.service.shell.unit.read() as conn:
        return db_accounts.account_by_handle(conn, handle)["id"]


def _refused_strike(w: World, text: str) -> int:
    result = w.send("alice", "bob", text)
    assert result.outcome == "refused"
    return w.service.last_target("alice", "strike")


@pytest.mark.parametrize("decision, state, positive", [("uphold", "upheld", True),
                                                       ("overturn", "overturned", False)])
def test_an_appealed_strike_becomes_an_abuse_label(w: World, decision: str, state: str,
                                                  positive: bool) -> None:
    strike = _refused_strike(w, "i will kill you tonight")
    appeal = w.service.appeal("alice", f"strike:{strike}", "a joke")
    w.advance(60)
    w.service.decide_appeal(appeal, decision, "mod")
    [label] = _labels(w, "abuse")
    assert label["text"] == "i will kill you tonight" and label["positive"] is positive
    assert label["source"] == f"verdict:strike_{state}"
    assert label["moderator_id"] == _id(w, "mod") and label["at"] == w.service.now()
    assert label["category"] == ("violence" if positive else None)
    assert _labels(w, "spam") == []


def test_a_moderators_strike_without_text_is_no_label(w: World) -> None:
    strike = w.service.strike("alice", "harassment", "mod")
    w.service.decide_appeal(w.service.appeal("alice", f"strike:{strike}", "why"), "uphold",
                            "mod")
    assert _labels(w, "abuse") == [] and _labels(w, "spam") == []


def _held(w: World) -> int:
    result = w.service.send("carol", "alice", "the moon is cheese, honestly")
    assert result.outcome == "held"
    return result.message["id"]


def test_released_and_confirmed_held_messages_become_labels(w: World) -> None:
    released, confirmed = _held(w), _held(w)
    w.advance(5)
    w.service.release(released, "mod")
    w.advance(5)
    w.service.confirm_held(confirmed, "mod")
    rows = _labels(w, "abuse")
    assert [(r["message_id"], r["positive"], r["source"]) for r in rows] == [
        (released, False, "verdict:released"), (confirmed, True, "verdict:held_confirmed")]
    assert all(r["moderator_id"] == _id(w, "mod") for r in rows)
    assert rows[1]["at"] - rows[0]["at"] == 5


def test_resolved_reports_become_labels_of_their_kind(w: World) -> None:
    spam = w.send("carol", "alice", "cheap watches at my shop").message["id"]
    rude = w.send("carol", "bob", "you are annoying").message["id"]
    w.service.report("alice", "spam", message_id=spam)
    w.service.report("bob", "harassment", message_id=rude)
    w.service.resolve_reports("carol", "mod", None, "upheld")
    assert [(r["message_id"], r["positive"], r["source"], r["moderator_id"])
            for r in _labels(w, "spam")] == [(spam, True, "verdict:report_upheld", _id(w, "mod"))]
    assert [(r["message_id"], r["positive"]) for r in _labels(w, "abuse")] == [(rude, True)]

    again = w.send("carol", "alice", "hello again").message["id"]
    w.service.report("alice", "spam", message_id=again)
    w.service.resolve_reports("carol", "mod", None, "dismissed")
    assert [(r["message_id"], r["positive"], r["source"]) for r in _labels(w, "spam")][-1] == (
        again, False, "verdict:report_dismissed")
    with pytest.raises(Invalid):
        w.service.resolve_reports("carol", "mod", None, "maybe")


def test_resolving_without_a_verdict_labels_nothing(w: World) -> None:
    message = w.send("carol", "alice", "buy now").message["id"]
    w.service.report("alice", "spam", message_id=message)
    w.service.resolve_reports("carol", "mod")
    assert _labels(w, "spam") == []


def test_a_console_spam_verdict_becomes_a_label(w: World) -> None:
    message = w.send("carol", "alice", "cheap watches at my shop").message["id"]
    w.service.label_message(message, True, "mod")
    w.service.label_message(message, False, "mod")
    assert [(r["positive"], r["source"], r["moderator_id"]) for r in _labels(w, "spam")] == [
        (True, "verdict:spam", _id(w, "mod")), (False, "verdict:not_spam", _id(w, "mod"))]
