"""The store behaves the same on every backend: run on SQLite by default and on
PostgreSQL (+ Redis) when SENDABLE_TEST_DB (+ SENDABLE_TEST_REDIS) is set."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from sendable.clock import FixedClock
from sendable.errors import Conflict, Invalid
from sendable.scenario import run_paths
from sendable.store.engine import connect, migrate

NOW = 1_780_000_000.5
ROOT = Path(__file__).resolve().parents[2]


def _people(service, *handles: str) -> None:  # type: ignore[no-untyped-def]
    for handle in handles:
        service.create_account(handle, created_at=NOW - 60 * 86400, verified=True, birthdate="1990-01-01")


def test_migrations_apply_twice_and_reach_head(db_url: str) -> None:
    engine = connect(db_url)
    try:
        migrate(engine)
        migrate(engine)  # a second node starting: nothing to do, no error
        with engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names())
            version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        assert {"accounts", "messages", "conversations", "bans", "strikes", "appeals",
                "audit_log", "events", "sessions"} <= tables
        assert version is not None
    finally:
        engine.dispose()


def test_postgresql_column_types(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL: set SENDABLE_TEST_DB (eval \"$(bash ci/services.sh)\")")
    engine = connect(db_url)
    try:
        migrate(engine)
        with engine.connect() as conn:
            types = dict(((t, c), d) for t, c, d in conn.execute(sa.text(
                "SELECT table_name, column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = current_schema()")))
    finally:
        engine.dispose()
    assert types["messages", "sent_at"] == "double precision"
    assert types["accounts", "verified"] == "boolean"
    assert types["messages", "reasons"] == "json"
    assert types["messages", "fingerprint"] == "bytea"


def test_send_round_trip(open_service) -> None:  # type: ignore[no-untyped-def]
    service = open_service(clock=FixedClock(NOW))
    _people(service, "ann", "bob", "cy")
    service.follow("ann", "bob")
    service.follow("bob", "ann")
    first = service.send("ann", "bob", "hi bob", client_msg_id="c-1")
    assert first.outcome == "delivered"
    again = service.send("ann", "bob", "hi bob", client_msg_id="c-1")
    assert again.replayed and again.message["id"] == first.message["id"]
    assert service.send("cy", "bob", "hello stranger").outcome == "requested"
    [listed] = service.messages("bob", first.message["conversation_id"])
    assert listed["text"] == "hi bob" and listed["from"] == "ann" and listed["seq"] == 1
    assert listed["sent_at"] == "2026-05-28T20:26:40.500Z" or listed["sent_at"].startswith(
        "2026-05-28T20:26:40.5")  # the float time comes back to the half second
    assert [c["with"] for c in service.conversations("bob", "requests")] == ["cy"]
    service.block("bob", "cy")
    assert service.blocked_accounts("bob") == ["cy"]
    decision = service.why("cy", "bob", "again?")
    assert not decision.sendable


def test_booleans_and_json_survive(open_service) -> None:  # type: ignore[no-untyped-def]
    service = open_service(clock=FixedClock(NOW))
    _people(service, "ann")
    service.create_account("shy", private=True, created_at=NOW - 86400,
                           birthdate="1990-01-01")
    assert service.follow("ann", "shy") == "pending"
    assert [r["handle"] for r in service.follow_requests("shy")] == ["ann"]
    service.update_settings("shy", private=False)  # takes the waiting follows
    assert service.follow_requests("shy") == []
    assert service.account("shy")["private"] is False
    service.flag("ann", reason="looks odd")
    entries = service.audit_log("ann")
    assert entries[0]["action"] == "flag" and entries[0]["detail"]["reason"] == "looks odd"


def test_savepoints_keep_the_transaction_usable(open_service) -> None:  # type: ignore[no-untyped-def]
    service = open_service(clock=FixedClock(NOW))
    _people(service, "ann")
    with pytest.raises(Conflict):
        service.create_account("ANN")
    _people(service, "bob")  # the failed insert left nothing broken behind
    strike = service.strike("bob", "harassment")
    service.appeal("bob", f"strike:{strike}", "it was a joke")
    with pytest.raises(Conflict):
        service.appeal("bob", f"strike:{strike}", "really")
    assert len(service.appeals("bob")) == 1


def test_the_ban_that_ends_last_is_in_force(open_service) -> None:  # type: ignore[no-untyped-def]
    service = open_service(clock=FixedClock(NOW))
    _people(service, "ann")
    service.ban("ann", 3600)
    permanent = service.ban("ann", None)
    service.ban("ann", 7200)
    status = service.status("ann")
    assert status["banned"] and status["ban_until"] is None  # permanent outranks NULL-last
    service.unban("ann")
    assert not service.status("ann")["banned"]
    assert service.last_target("ann", "ban") > permanent


def test_text_the_store_cannot_hold_is_refused_by_name(open_service) -> None:  # type: ignore[no-untyped-def]
    service = open_service(clock=FixedClock(NOW))
    _people(service, "ann", "bob")
    for call, field in [(lambda: service.send("ann", "bob", "a\x00b"), "text"),
                        (lambda: service.send("ann", "bob", "ok", client_msg_id="x\x00"),
                         "client_msg_id"),
                        (lambda: service.report("ann", "spam\x00", of="bob"), "reason"),
                        (lambda: service.create_account("cy", email="x" * 321), "email"),
                        (lambda: service.flag("bob", reason="\x00"), "reason")]:
        with pytest.raises(Invalid) as caught:
            call()
        assert caught.value.field == field


def _scenario_folders() -> list[Path]:
    shared = Path(os.environ.get("SENDABLE_SHARED", ROOT.parent / "shared")) / "scenarios"
    folders = [shared, ROOT / "tests" / "scenarios", ROOT / "scenarios"]
    return [f for f in folders if f.is_dir()]


def test_scenarios_give_the_same_results_on_every_backend() -> None:
    """Whatever passes or fails on SQLite does the same on the backends of this run."""
    test_db, test_redis = os.environ.get("SENDABLE_TEST_DB"), os.environ.get("SENDABLE_TEST_REDIS")
    if not (test_db or test_redis):
        pytest.skip("compares SQLite with PostgreSQL/Redis: set SENDABLE_TEST_DB/_REDIS")
    folders = _scenario_folders()
    if not folders:
        pytest.skip("no scenario folders found")

    def outcome(db: str | None, redis: str | None) -> list[tuple[str, str, int, list[str]]]:
        return [(r.file, r.name, r.passed, [f.line() for f in r.failures])
                for r in run_paths(folders, db, redis)]

    assert outcome(test_db, test_redis) == outcome(None, None)


def test_ids_that_grow_with_traffic_are_64_bit(open_service) -> None:  # type: ignore[no-untyped-def]
    service = open_service(clock=FixedClock(NOW))
    _people(service, "ann", "bob")
    if service.engine.dialect.name == "postgresql":  # move the sequences past 32 bits
        with service.engine.begin() as conn:
            for table in ("conversations", "messages", "events", "audit_log"):
                conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                     f"{2**31 + 5})"))
    else:  # SQLite: the next rowid follows the largest
        with service.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO audit_log (id, at, action, detail) "
                                 f"VALUES ({2**31 + 5}, 0, 'seed', '{{}}')"))
    sent = service.send("ann", "bob", "past two billion")
    assert sent.message["conversation_id"] > 2**31 or service.engine.dialect.name == "sqlite"
    service.report("bob", "spam", message_id=sent.message["id"])
    assert service.audit_log("ann")[0]["id"] > 2**31
    [shown] = service.messages("bob", sent.message["conversation_id"])
    assert shown["id"] == sent.message["id"]


def test_direct_and_group_message_ids_never_meet(open_service) -> None:  # type: ignore[no-untyped-def]
    """On a fresh database the first direct message and the first group message would
    both be 1; a bare id (the forward route's) must name one of them."""
    from sendable.store import messages
    from sendable.store.schema import GROUP_MESSAGE_IDS_FROM

    service = open_service(clock=FixedClock(NOW))
    _people(service, "ann", "bob", "cat")
    for a, b in (("ann", "bob"), ("bob", "ann"), ("ann", "cat"), ("cat", "ann")):
        service.follow(a, b)
    direct = service.send("ann", "bob", "the direct one").message
    group = service.groups.create("ann", "trip", ["bob"]).group
    posted = service.group_chat.send("ann", group["id"], "the group one").message
    assert direct["id"] < GROUP_MESSAGE_IDS_FROM <= posted["id"]
    for message, text in ((direct, "the direct one"), (posted, "the group one")):
        forwarded = service.group_chat.forward_by_id("ann", message["id"], to="cat")
        assert forwarded.outcome == "delivered" and forwarded.message["forwarded"]
        with service.shell.unit.read() as conn:
            assert messages.message_by_id(conn, forwarded.message["id"])["text"] == text


def test_the_group_message_id_split_keeps_existing_messages(db_url: str) -> None:
    """Migration 0015 on a database with group messages: they keep their ids (every
    reference to them stays true) and the next one is numbered past the split."""
    from alembic import command
    from alembic.config import Config

    from sendable.store import schema
    from sendable.store.engine import _MIGRATIONS
    from sendable.store.schema import GROUP_MESSAGE_IDS_FROM

    engine = connect(db_url)
    try:
        config = Config()
        config.set_main_option("script_location", str(_MIGRATIONS))
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "0014_refused_attempts")
        with engine.begin() as conn:  # the schema's tables are 0014's: 0015 adds no column
            conn.execute(sa.insert(schema.accounts).values(
                id=7, handle="old", handle_key="old", created_at=0.0))
            conn.execute(sa.insert(schema.groups).values(
                id=3, name="old times", owner_id=7, created_by=7, created_at=0.0, last_seq=2))
            for seq, text in ((1, "first"), (2, "second")):
                conn.execute(sa.insert(schema.group_messages).values(
                    group_id=3, seq=seq, sender_id=7, text=text, outcome="delivered",
                    visible=True, sent_at=0.0))
        migrate(engine)
        with engine.begin() as conn:
            kept = conn.execute(sa.text(
                "SELECT id, text FROM group_messages ORDER BY id")).fetchall()
            assert [tuple(r) for r in kept] == [(1, "first"), (2, "second")]
            new_id = conn.execute(sa.insert(schema.group_messages).values(
                group_id=3, seq=3, sender_id=7, text="third", outcome="delivered",
                visible=True, sent_at=0.0).returning(schema.group_messages.c.id)).scalar()
        assert new_id == GROUP_MESSAGE_IDS_FROM
    finally:
        engine.dispose()
