"""Held messages as moderators decide them, on a real SQLite file: one id names a direct
or a group message (group ids from 2^40; a lower id that is not a held direct message is
tried as a group message stored before the split), a confirmed message leaves the queue
and stays held, and migration 0016 adds `confirmed_at` without touching what is stored
(nor, on SQLite, the counter that numbers group messages from 2^40)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from world import World

from sendable.errors import Conflict, NotFound
from sendable.store import schema
from sendable.store.schema import GROUP_MESSAGE_IDS_FROM

HELD = "the moon is cheese, honestly"


@pytest.fixture
def w(make_world) -> World:  # type: ignore[no-untyped-def]
    world = make_world({"guidelines": {"actions": {"misinformation": "hold"},
                                       "extra_terms": {"misinformation": ["the moon is cheese"]}}})
    world.account("mod", role="moderator")
    for handle in ("alice", "bob", "carol"):
        world.account(handle)
    world.service.follow("bob", "alice")
    world.service.follow("alice", "bob")
    return world


def _group(w: World) -> int:
    created = w.service.groups.create("alice", "club", ["bob"])
    assert created.group is not None
    return created.group["id"]


def _old_group_message(w: World, group_id: int, message_id: int, text: str) -> None:
    """A held group message as stored before group ids moved past 2^40 (a low id)."""
    with w.service.shell.unit.write() as conn:
        conn.execute(sa.insert(schema.group_messages).values(
            id=message_id, group_id=group_id, seq=1000 + message_id, sender_id=_account_id(w, "alice"),
            text=text, outcome="held", visible=False, sent_at=w.service.now(),
            reasons=[{"code": "guidelines.misinformation"}]))


def _account_id(w: World, handle: str) -> int:
    from sendable.store import accounts as db_accounts

    with w.service.shell.unit.read() as conn:
        return db_accounts.account_by_handle(conn, handle)["id"]


def _held_ids(w: World) -> list[tuple[str, int]]:
    return [(i["kind"], i["id"]) for i in w.service.mod_queue()
            if i["kind"].startswith("held")]


def test_a_group_message_id_says_its_table(w: World) -> None:
    direct = w.send("carol", "alice", HELD).message["id"]
    grouped = w.service.group_chat.send("alice", _group(w), HELD).message["id"]
    assert direct < GROUP_MESSAGE_IDS_FROM <= grouped
    assert sorted(_held_ids(w)) == [("held_group_message", grouped), ("held_message", direct)]
    assert w.service.confirm_held(grouped, "mod")["group_id"] is not None
    assert w.service.confirm_held(direct, "mod")["group_id"] is None
    assert _held_ids(w) == []
    assert w.service.held() == []  # decided: not awaiting anyone
    for decide in (w.service.release, w.service.confirm_held):
        for message_id in (direct, grouped):
            with pytest.raises(Conflict) as error:
                decide(message_id, "mod")
            assert error.value.field == "message_id"


def test_an_id_below_the_split_falls_back_to_a_pre_split_group_message(w: World) -> None:
    group = _group(w)
    visible = w.send("bob", "alice", "hello").message["id"]
    held_direct = w.send("carol", "alice", HELD).message["id"]
    _old_group_message(w, group, visible, "old held one")
    _old_group_message(w, group, held_direct, "old held two")
    queue = {(i["kind"], i["id"]): i for i in w.service.mod_queue()}
    assert queue[("held_group_message", visible)]["group"] == {"id": group, "name": "club"}
    assert ("held_message", held_direct) in queue
    # the direct message with this id is visible, so the id names the old group message
    confirmed = w.service.confirm_held(visible, "mod")
    assert confirmed["group_id"] == group
    assert ("held_group_message", visible) not in _held_ids(w)
    assert "old held one" not in [m["text"] for m in w.service.group_chat.history("bob", group)]
    # a held direct message comes first: the id is the direct one's
    released = w.service.release(held_direct, "mod")
    assert released["conversation_id"] is not None
    assert ("held_message", held_direct) not in _held_ids(w)
    assert ("held_group_message", held_direct) in _held_ids(w)  # undecided still
    # released, the direct message is no longer held: the id finds the group one
    released = w.service.release(held_direct, "mod")
    assert released["group_id"] == group and released["outcome"] == "delivered"
    assert "old held two" in [m["text"] for m in w.service.group_chat.history("bob", group)]
    assert _held_ids(w) == []


def test_nothing_held_is_not_found(w: World) -> None:
    delivered = w.send("bob", "alice", "hello").message["id"]
    for message_id in (delivered, 999, GROUP_MESSAGE_IDS_FROM + 5, 0, -1, 2**63, True):
        for decide in (w.service.release, w.service.confirm_held):
            with pytest.raises(NotFound) as error:
                decide(message_id, "mod")  # type: ignore[arg-type]
            assert error.value.field == "message_id"


def test_migration_0016_keeps_messages_and_the_group_id_counter(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    from sendable.store.engine import _MIGRATIONS, connect, migrate

    engine = connect(f"sqlite:///{tmp_path / 'old.db'}")
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))

    def to(revision: str, step=command.upgrade) -> None:  # type: ignore[no-untyped-def]
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            step(config, revision)

    def next_group_id(conn: sa.Connection, seq: int) -> int:
        return conn.execute(sa.text(
            "INSERT INTO group_messages (group_id, seq, sender_id, text, outcome, visible, "
            "sent_at, stranger) VALUES (3, :seq, 7, 'x', 'delivered', 1, 0, 0) RETURNING id"),
            {"seq": seq}).scalar()

    try:
        to("0015_group_message_ids")
        with engine.begin() as conn:
            conn.execute(sa.insert(schema.accounts).values(
                id=7, handle="old", handle_key="old", created_at=0.0))
            conn.execute(sa.insert(schema.groups).values(
                id=3, name="g", owner_id=7, created_by=7, created_at=0.0, last_seq=9))
            conn.execute(sa.text(
                "INSERT INTO group_messages (id, group_id, seq, sender_id, text, outcome, "
                "visible, sent_at, stranger) VALUES (2, 3, 1, 7, 'held then', 'held', 0, 0, 0)"))
            assert next_group_id(conn, 2) == GROUP_MESSAGE_IDS_FROM
        migrate(engine)
        with engine.begin() as conn:
            rows = conn.execute(sa.text(
                "SELECT id, text, confirmed_at FROM group_messages ORDER BY id")).fetchall()
            assert [tuple(r) for r in rows] == [(2, "held then", None),
                                                (GROUP_MESSAGE_IDS_FROM, "x", None)]
            assert "confirmed_at" in {c["name"] for c in sa.inspect(conn).get_columns("messages")}
            assert next_group_id(conn, 3) == GROUP_MESSAGE_IDS_FROM + 1
            # only old ids left: the rebuild a downgrade makes must not lower the counter
            conn.execute(sa.text("DELETE FROM group_messages WHERE id >= :n"),
                         {"n": GROUP_MESSAGE_IDS_FROM})
        to("0015_group_message_ids", command.downgrade)
        with engine.begin() as conn:
            for table in ("messages", "group_messages"):
                assert "confirmed_at" not in {c["name"] for c in
                                              sa.inspect(conn).get_columns(table)}
            assert next_group_id(conn, 4) == GROUP_MESSAGE_IDS_FROM + 2
            assert conn.execute(sa.text("SELECT count(*) FROM group_messages")).scalar() == 2
    finally:
        engine.dispose()
