"""The moderation queue, resolving reports, explaining restrictions, an append-only log."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from world import DAY, HOUR, World

from sendable.errors import NotFound


@pytest.fixture
def w(make_world) -> World:
    world = make_world({"guidelines": {"actions": {"misinformation": "hold"},
                                       "extra_terms": {"misinformation": ["the moon is cheese"]}},
                        "enforcement": {"ladder": ["warning", "24h", "permanent"]}})
    world.account("mod", role="moderator")
    for handle in ("alice", "bob", "carol", "dave", "erin"):
        world.account(handle)
    return world


def _hold(world: World, sender: str, to: str, text: str = "the moon is cheese") -> int:
    """A held message, sent through the real send path (misinformation is held)."""
    result = world.service.send(sender, to, f"{text}, honestly")
    assert result.outcome == "held", result.reasons("moderator")
    return result.message["id"]


def test_queue_orders_by_priority_with_reasons(w: World) -> None:
    assert w.service.mod_queue() == []
    # one report about dave (low), a held message, three reporters about carol,
    # an appeal of a strike and an appeal of a ban in force
    w.service.report("alice", "spam", of="dave")
    held = _hold(w, "bob", "alice", "the moon is cheese")
    for who in ("alice", "bob", "erin"):
        w.service.report(who, "harassment", of="carol")
    strike = w.service.strike("erin", "hate", "mod")
    w.service.appeal("erin", f"strike:{strike}", "wrong person")
    ban = w.service.ban("bob", DAY, "messaging", "mod")
    w.service.appeal("bob", f"ban:{ban}", "please")
    queue = w.service.mod_queue()
    kinds = [(i["kind"], i.get("handle")) for i in queue]
    assert kinds == [("appeal", "bob"), ("held_message", None), ("reports", "carol"),
                     ("appeal", "erin"), ("reports", "dave")]
    assert [i["priority"] for i in queue] == [100, 80, 65, 60, 35]
    assert queue[1]["id"] == held and queue[1]["from"] == "bob" and queue[1]["to"] == "alice"
    carol = queue[2]
    assert carol["distinct_reporters"] == 3 and carol["reports"] == 3
    assert carol["reasons"] == {"harassment": 3}
    assert "3 distinct reporter" in carol["priority_reason"]
    assert all(i["priority_reason"] for i in queue)


def test_many_reporters_and_named_messages_rise(w: World) -> None:
    message = w.send("dave", "alice", "hi").message["id"]
    w.service.report("alice", "spam", message_id=message)
    for who in ("bob", "carol", "erin", "mod"):
        w.service.report(who, "spam", of="dave")
    _hold(w, "bob", "carol")
    [first, second] = w.service.mod_queue()
    assert first["kind"] == "reports" and first["priority"] == 20 + 15 * 5 + 10
    assert "names a message" in first["priority_reason"]
    assert first["message_ids"] == [message]
    assert second["kind"] == "held_message"


def test_older_items_rise(w: World) -> None:
    w.service.report("alice", "spam", of="dave")
    w.advance(10 * HOUR)
    _hold(w, "bob", "carol")
    queue = w.service.mod_queue()
    assert queue[0]["kind"] == "held_message" and queue[0]["priority"] == 80
    assert queue[1]["priority"] == 35 + 20 and "waiting 10h" in queue[1]["priority_reason"]
    w.advance(30 * HOUR)  # report: 35 + 48 (cap) = 83; held: 80 + 48 capped too
    queue = w.service.mod_queue()
    assert [i["priority"] for i in queue] == [128, 83]
    w.advance(100 * DAY)
    assert [i["priority"] for i in w.service.mod_queue()] == [128, 83]


def test_an_appeal_of_an_ended_ban_is_not_urgent(w: World) -> None:
    ban = w.service.ban("bob", HOUR, "messaging", "mod")
    w.advance(2 * HOUR)
    w.service.appeal("bob", f"ban:{ban}", "it was unfair")
    [item] = w.service.mod_queue()
    assert item["priority"] == 60


def test_released_decided_and_resolved_items_leave_the_queue(w: World) -> None:
    held = _hold(w, "bob", "alice")
    w.service.report("alice", "spam", of="dave")
    strike = w.service.strike("erin", "hate", "mod")
    appeal = w.service.appeal("erin", f"strike:{strike}", "no")
    assert len(w.service.mod_queue()) == 3
    w.service.release(held, "mod")
    w.service.decide_appeal(appeal, "uphold", "mod")
    ids = w.service.resolve_reports("dave", "mod", "looked fine")
    assert len(ids) == 1 and w.service.mod_queue() == []
    entry = w.service.audit_log("dave")[0]
    assert entry["action"] == "reports_resolved" and entry["actor"] == "mod"
    assert entry["detail"] == {"report_ids": ids, "note": "looked fine"}
    with pytest.raises(NotFound) as error:
        w.service.resolve_reports("dave", "mod")
    assert error.value.field == "handle"


# -- explaining restrictions -----------------------------------------------------------

def _audit_ids(w: World, handle: str, action: str) -> list[int]:
    return [e["id"] for e in w.service.audit_log(handle) if e["action"] == action]


def test_nothing_to_explain(w: World) -> None:
    assert w.service.explain_restrictions("alice") == []


def test_explain_a_ladder_ban_back_to_its_strike(w: World) -> None:
    w.service.strike("alice", "harassment", "mod", note="first")
    second = w.service.strike("alice", "harassment", "mod", note="second")
    entries = w.service.explain_restrictions("alice")
    assert [e["restriction"] for e in entries] == ["ban", "strike", "strike"]
    ban = entries[0]
    strike_audit = [e for e in w.service.audit_log("alice")
                    if e["action"] == "strike" and e["detail"]["strike_id"] == second][0]
    ban_audit = _audit_ids(w, "alice", "ban")
    assert ban["audit_ids"] == [strike_audit["id"], *ban_audit]
    assert f"strike {second}" in ban["text"] and "active strike 2" in ban["text"]
    assert "@mod" in ban["text"] and "1d left" in ban["text"]
    assert "counts until" in entries[1]["text"] and "it brought: a warning" in entries[1]["text"]
    assert "it brought: a 1d ban" in entries[2]["text"]
    assert "would bring a permanent ban" in entries[2]["text"]  # a further strike
    # once the ban lapses it is no longer explained; the strikes still are
    w.advance(DAY)
    assert [e["restriction"] for e in w.service.explain_restrictions("alice")] == [
        "strike", "strike"]
    w.advance(90 * DAY)
    assert w.service.explain_restrictions("alice") == []


def test_explain_a_moderators_ban_and_its_appeal(w: World) -> None:
    ban = w.service.ban("bob", None, "account", "mod", reason="ban evasion")
    w.service.appeal("bob", f"ban:{ban}", "I am not him")
    [entry] = w.service.explain_restrictions("bob")
    assert entry["restriction"] == "ban" and entry["until"] is None
    assert "permanently" in entry["text"] and "ban evasion" in entry["text"]
    assert "by @mod" in entry["text"] and "awaiting a decision" in entry["text"]
    assert entry["audit_ids"] == _audit_ids(w, "bob", "ban") + _audit_ids(w, "bob", "appeal")


def test_explain_a_flag_from_reports(w: World) -> None:
    w.service.report("erin", "spam", of="alice")  # before the window
    w.advance(8 * DAY)
    for who in ("bob", "carol", "dave"):
        w.service.report(who, "spam", of="alice")
    [entry] = w.service.explain_restrictions("alice")
    assert entry["restriction"] == "flag" and entry["source"] == "reports"
    assert "@bob, @carol, @dave" in entry["text"] and "@erin" not in entry["text"]
    reports = sorted(_audit_ids(w, "alice", "report"))[1:]
    assert entry["audit_ids"] == reports + _audit_ids(w, "alice", "flag")
    assert "verification" in entry["text"]


def test_explain_a_moderators_flag(w: World) -> None:
    w.service.flag("alice", "mod", "linked to spam ring")
    [entry] = w.service.explain_restrictions("alice")
    assert "by @mod" in entry["text"] and "linked to spam ring" in entry["text"]
    assert entry["audit_ids"] == _audit_ids(w, "alice", "flag")


def test_every_explained_audit_id_exists(w: World) -> None:
    w.service.strike("alice", "hate", "mod")
    w.service.strike("alice", "hate", "mod")
    w.service.flag("alice", "mod")
    w.service.ban("alice", 3 * DAY, "messaging", "mod")
    log = {e["id"]: e for e in w.service.audit_log("alice")}
    entries = w.service.explain_restrictions("alice")
    assert len(entries) == 5  # two bans, two strikes, a flag
    for entry in entries:
        assert entry["audit_ids"] and all(i in log for i in entry["audit_ids"])


# -- the audit log is append-only ---------------------------------------------------------

def test_service_never_updates_or_deletes_audit_rows(w: World) -> None:
    statements: list[str] = []

    def watch(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        statements.append(statement)

    sa.event.listen(w.service.engine, "before_cursor_execute", watch)
    s = w.service
    s.set_email("alice", "alice@example.org")
    for who in ("bob", "carol", "dave"):
        s.report(who, "spam", of="alice")
    s.start_verification("alice")
    s.confirm_verification("alice", "000000")
    s.confirm_verification("alice", w.mailer.read()[-1].data["code"])
    snapshot = _rows(w)
    s.flag("alice", "mod")
    s.unflag("alice", "mod")
    first = s.strike("alice", "hate", "mod")
    s.strike("alice", "hate", "mod")
    appeal = s.appeal("alice", f"strike:{first}", "x")
    s.decide_appeal(appeal, "overturn", "mod")
    ban = s.ban("bob", DAY, "account", "mod")
    s.decide_appeal(s.appeal("bob", f"ban:{ban}", "y"), "uphold", "mod")
    s.unban("bob", "mod")
    s.release(_hold(w, "carol", "dave"), "mod")
    s.resolve_reports("alice", "mod")
    s.mod_queue()
    s.explain_restrictions("alice")
    sa.event.remove(w.service.engine, "before_cursor_execute", watch)

    touching = [q for q in statements
                if "audit_log" in q and q.lstrip().upper().startswith(("UPDATE", "DELETE"))]
    assert touching == []
    after = _rows(w)
    assert after[:len(snapshot)] == snapshot  # earlier rows unchanged
    assert len(after) > len(snapshot)


def test_the_database_refuses_to_edit_the_audit_log(w: World) -> None:
    w.service.flag("alice", "mod")
    for statement in ("UPDATE audit_log SET action = 'nothing'", "DELETE FROM audit_log"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            with w.service.engine.begin() as conn:
                conn.execute(sa.text(statement))
    assert [r[2] for r in _rows(w)] == ["flag"]


def _rows(w: World) -> list[tuple]:
    with w.service.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "SELECT id, at, action, account_id, actor_id, detail FROM audit_log ORDER BY id"))]


def test_explain_an_automatic_strike_and_the_held_reasons(make_world) -> None:
    world = make_world({"guidelines": {"extra_terms": {"harassment": ["you absolute turnip"],
                                                       "misinformation": ["flat earth proof"]}},
                        "enforcement": {"ladder": ["24h"]}})
    world.account("troll")
    world.account("victim")
    world.service.follow("victim", "troll")
    refused = world.send("troll", "victim", "you absolute turnip")
    assert refused.outcome == "refused"
    [ban, strike] = world.service.explain_restrictions("troll")
    assert "automatic, by the system" in ban["text"] and "harassment" in strike["text"]
    world.account("third")
    held = world.send("victim", "third", "here is the flat earth proof")
    assert held.outcome == "held"
    [item] = world.service.mod_queue()
    assert item["kind"] == "held_message"
    assert [r["code"] for r in item["reasons"]] == ["guidelines.misinformation"]
