"""Appeal outcomes: uphold changes nothing, overturn undoes the strike and its ban."""

from __future__ import annotations

import pytest
from world import DAY, World

from sendable.errors import Conflict, Invalid, NotFound


@pytest.fixture
def w(make_world) -> World:
    world = make_world({"enforcement": {"ladder": ["warning", "7d", "permanent"]}})
    world.account("mod", role="moderator")
    world.account("alice")
    world.account("bob")
    world.service.follow("bob", "alice")
    return world


def _two_strikes(w: World) -> tuple[int, int, int]:
    """alice: a warning, then a strike that bans her for 7 days."""
    first = w.service.strike("alice", "harassment", "mod")
    second = w.service.strike("alice", "harassment", "mod")
    ban = w.service.last_target("alice", "ban")
    return first, second, ban


def test_uphold_changes_nothing(w: World) -> None:
    _, second, ban = _two_strikes(w)
    before = w.status("alice")
    appeal = w.service.appeal("alice", f"strike:{second}", "it was a joke")
    result = w.service.decide_appeal(appeal, "uphold", "mod", "no, it was not")
    assert result == {"id": appeal, "state": "upheld", "strikes": [], "bans": []}
    assert w.status("alice") == before
    assert w.reasons("alice", "bob")[0]["code"] == "ban.temporary"
    [row] = w.service.appeals("alice")
    assert row["state"] == "upheld" and row["note"] == "no, it was not"


def test_overturning_a_strike_lifts_the_ban_it_triggered(w: World) -> None:
    _, second, ban = _two_strikes(w)
    appeal = w.service.appeal("alice", f"strike:{second}", "quoting a film")
    result = w.service.decide_appeal(appeal, "overturn", "mod")
    assert result["strikes"] == [second] and result["bans"] == [ban]
    status = w.status("alice")
    assert status["strikes"] == 1 and status["banned"] is False
    assert w.send("alice", "bob").outcome == "delivered"


def test_overturning_a_ban_removes_the_strike_that_triggered_it(w: World) -> None:
    _, second, ban = _two_strikes(w)
    appeal = w.service.appeal("alice", f"ban:{ban}", "the second strike was wrong")
    result = w.service.decide_appeal(appeal, "overturn", "mod")
    assert result["strikes"] == [second] and result["bans"] == [ban]
    status = w.status("alice")
    assert status["strikes"] == 1 and status["banned"] is False


def test_overturning_a_moderators_ban_removes_no_strike(w: World) -> None:
    first = w.service.strike("alice", "hate", "mod")
    ban = w.service.ban("alice", DAY, "messaging", "mod")
    appeal = w.service.appeal("alice", f"ban:{ban}", "please")
    result = w.service.decide_appeal(appeal, "overturn", "mod")
    assert result["strikes"] == [] and result["bans"] == [ban]
    assert w.status("alice")["strikes"] == 1
    assert first


def test_overturned_strike_no_longer_counts_against_reputation(w: World) -> None:
    clean = w.status("alice")["reputation"]
    strike = w.service.strike("alice", "sexual", "mod")
    struck = w.status("alice")["reputation"]
    assert struck < clean
    appeal = w.service.appeal("alice", f"strike:{strike}", "wrong account")
    w.service.decide_appeal(appeal, "overturn", "mod")
    assert w.status("alice")["reputation"] == clean


def test_second_appeal_on_the_same_target_is_a_conflict(w: World) -> None:
    _, second, ban = _two_strikes(w)
    appeal = w.service.appeal("alice", f"strike:{second}", "first try")
    with pytest.raises(Conflict) as error:
        w.service.appeal("alice", f"strike:{second}", "second try")
    assert error.value.status == 409 and error.value.field == "target"
    w.service.decide_appeal(appeal, "uphold", "mod")
    with pytest.raises(Conflict):  # still one appeal, even once decided
        w.service.appeal("alice", f"strike:{second}", "third try")
    # the ban is a different target: it may be appealed on its own
    assert w.service.appeal("alice", f"ban:{ban}", "the ban is too long")


def test_a_decided_appeal_cannot_be_decided_again(w: World) -> None:
    _, second, _ = _two_strikes(w)
    appeal = w.service.appeal("alice", f"strike:{second}", "x")
    w.service.decide_appeal(appeal, "uphold", "mod")
    with pytest.raises(Conflict):
        w.service.decide_appeal(appeal, "overturn", "mod")


def test_appealing_someone_elses_ban_is_not_found(w: World) -> None:
    w.account("carol")
    ban = w.service.ban("carol", DAY, "messaging", "mod")
    with pytest.raises(NotFound) as error:
        w.service.appeal("alice", f"ban:{ban}", "let her go")
    assert error.value.field == "target"
    with pytest.raises(NotFound):
        w.service.appeal("alice", "strike:999", "no such strike")


def test_appeal_input_is_checked(w: World) -> None:
    _, second, _ = _two_strikes(w)
    for target in ("strike", "warning:1", "strike:x", "", "last_warning"):
        with pytest.raises(Invalid) as error:
            w.service.appeal("alice", target, "x")
        assert error.value.field == "target"
    for statement in ("", "   ", "x" * 2001):
        with pytest.raises(Invalid) as error:
            w.service.appeal("alice", f"strike:{second}", statement)
        assert error.value.field == "statement"
    appeal = w.service.appeal("alice", f"strike:{second}", "x" * 2000)
    with pytest.raises(Invalid) as bad:
        w.service.decide_appeal(appeal, "maybe", "mod")
    assert bad.value.field == "decision"
    with pytest.raises(NotFound):
        w.service.decide_appeal(appeal + 100, "uphold", "mod")


def test_appeal_of_the_last_ban_by_name(w: World) -> None:
    _, _, ban = _two_strikes(w)
    appeal = w.service.appeal("alice", "last_ban", "x")
    assert w.service.appeals("alice")[0]["target"] == f"ban:{ban}"
    assert appeal
