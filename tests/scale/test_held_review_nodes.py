"""Held review on every backend (SQLite by default; PostgreSQL + Redis when
SENDABLE_TEST_DB / SENDABLE_TEST_REDIS are set), with two nodes on one store: a held
group message confirmed on one node is off the other's queue at once, and deciding it
again there is a conflict naming message_id."""

from __future__ import annotations

import pytest

from sendable.clock import FixedClock
from sendable.errors import Conflict

NOW = 1_780_000_000.5
HELD = "vaccines cause autism, look it up"  # held by the default policy


def test_a_decision_on_one_node_holds_on_the_other(open_service) -> None:  # type: ignore[no-untyped-def]
    one, two = open_service(clock=FixedClock(NOW)), open_service(clock=FixedClock(NOW))
    for handle in ("ann", "bob"):
        one.create_account(handle, created_at=NOW - 60 * 86400, verified=True,
                           birthdate="1990-01-01")
    one.create_account("mod", role="moderator", birthdate="1990-01-01")
    one.follow("ann", "bob")
    one.follow("bob", "ann")
    group = one.groups.create("ann", "club", ["bob"]).group["id"]
    in_group = one.group_chat.send("ann", group, f"{HELD} (group)").message["id"]
    direct = one.send("ann", "bob", f"{HELD} (direct)").message["id"]
    held = {(i["kind"], i["id"]) for i in two.mod_queue()}
    assert held == {("held_group_message", in_group), ("held_message", direct)}
    assert one.confirm_held(in_group, "mod")["group_id"] == group
    assert {i["id"] for i in two.mod_queue()} == {direct}
    for decide in (two.release, two.confirm_held):
        with pytest.raises(Conflict) as error:
            decide(in_group, "mod")
        assert error.value.field == "message_id"
    assert two.release(direct, "mod")["outcome"] == "delivered"
    assert one.mod_queue() == []
    assert f"{HELD} (direct)" in [m["text"] for m in one.messages("bob", one.conversations(
        "bob", "inbox")[0]["id"])]
    assert f"{HELD} (group)" not in [m["text"] for m in one.group_chat.history("bob", group)]
