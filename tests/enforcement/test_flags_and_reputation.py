"""Flags from reports, their clearing, and reputation's guarantees."""

from __future__ import annotations

import itertools

import pytest
from world import DAY, World

from sendable.enforcement.reputation import ReputationInputs, reputation
from sendable.errors import Invalid, NotFound


def _people(world: World, n: int, prefix: str = "r") -> list[str]:
    return [world.account(f"{prefix}{i}") for i in range(n)]


def _flagged(world: World, handle: str) -> bool:
    return world.status(handle)["flagged"]


@pytest.fixture
def w(world: World) -> World:
    world.account("mod", role="moderator")
    world.account("alice")
    world.account("bob")
    return world


def test_distinct_reporters_flag(w: World) -> None:
    r = _people(w, 3)
    w.service.report(r[0], "spam", of="alice")
    w.service.report(r[1], "spam", of="alice")
    assert not _flagged(w, "alice")
    w.service.report(r[2], "spam", of="alice")
    assert _flagged(w, "alice")
    assert w.reasons("alice", "bob")[0]["code"] == "account.flagged"
    flag = next(e for e in w.service.audit_log("alice") if e["action"] == "flag")
    assert flag["detail"]["source"] == "reports"


def test_one_reporter_many_times_does_not_flag(w: World) -> None:
    [r] = _people(w, 1)
    for _ in range(10):
        w.service.report(r, "harassment", of="alice")
    assert not _flagged(w, "alice")


def test_reports_outside_the_window_do_not_count(w: World) -> None:
    r = _people(w, 3)
    w.service.report(r[0], "spam", of="alice")
    w.advance(7 * DAY)  # now - t == window: no longer inside it
    w.service.report(r[1], "spam", of="alice")
    w.service.report(r[2], "spam", of="alice")
    assert not _flagged(w, "alice")


def test_reports_just_inside_the_window_count(w: World) -> None:
    r = _people(w, 3)
    w.service.report(r[0], "spam", of="alice")
    w.advance(7 * DAY - 1)
    w.service.report(r[1], "spam", of="alice")
    w.service.report(r[2], "spam", of="alice")
    assert _flagged(w, "alice")


def test_flagged_account_may_still_write_to_its_followers(w: World) -> None:
    for who in _people(w, 3):
        w.service.report(who, "spam", of="alice")
    w.service.follow("bob", "alice")
    assert w.send("alice", "bob").outcome == "delivered"


def test_verification_clears_and_old_reports_do_not_reflag(w: World) -> None:
    r = _people(w, 5)
    for who in r[:3]:
        w.service.report(who, "spam", of="alice")
    w.service.verify("alice")
    assert not _flagged(w, "alice")
    # the three earlier reporters report again: still only 3 after the clearing
    w.advance(60)
    for who in r[:2]:
        w.service.report(who, "spam", of="alice")
    assert not _flagged(w, "alice")
    w.service.report(r[3], "spam", of="alice")
    assert _flagged(w, "alice")  # three distinct reporters since the clearing


def test_moderator_flag_and_unflag(w: World) -> None:
    w.service.flag("alice", "mod", "manual review")
    assert _flagged(w, "alice")
    w.service.unflag("alice", "mod")
    assert not _flagged(w, "alice")
    actions = [e["action"] for e in w.service.audit_log("alice")]
    assert actions[:2] == ["unflag", "flag"]


def test_report_input_is_checked(w: World) -> None:
    with pytest.raises(Invalid) as error:
        w.service.report("alice", "spam", of="alice")
    assert error.value.field == "handle"
    with pytest.raises(Invalid) as error:
        w.service.report("bob", "", of="alice")
    assert error.value.field == "reason"
    with pytest.raises(NotFound):
        w.service.report("bob", "spam", of="nobody")
    with pytest.raises(NotFound) as error:
        w.service.report("bob", "spam", message_id=12345)
    assert error.value.field == "message_id"


# -- reputation ----------------------------------------------------------------------

def test_each_strike_reporter_and_block_strictly_lowers_reputation(w: World) -> None:
    scores = [w.status("alice")["reputation"]]
    others = _people(w, 4, "x")
    for who in others:  # distinct reporters
        w.service.report(who, "spam", of="alice")
        scores.append(w.status("alice")["reputation"])
    for who in _people(w, 4, "b"):  # blocks received
        w.service.block(who, "alice")
        scores.append(w.status("alice")["reputation"])
    for _ in range(4):  # strikes
        w.service.strike("alice", "harassment", "mod")
        scores.append(w.status("alice")["reputation"])
    assert all(a > b for a, b in itertools.pairwise(scores)), scores
    assert scores[-1] >= 0.0
    # the same reporter again changes nothing
    w.service.report(others[0], "spam", of="alice")
    assert w.status("alice")["reputation"] == scores[-1]


def test_reputation_components_are_shown(w: World) -> None:
    components = w.status("alice")["reputation_components"]
    for name in ("verified", "account_age", "replies_received", "strikes_factor",
                 "reporters_factor", "blocks_factor"):
        assert name in components


def test_reputation_floors_hold_at_every_age(make_world) -> None:
    world = make_world()
    for i, days in enumerate([0, 0.001, 1, 7, 30, 365, 3650]):
        world.account(f"v{i}", age_days=days, verified=True)
        world.account(f"u{i}", age_days=days, verified=False)
        assert world.status(f"v{i}")["reputation"] >= 0.5
        assert world.status(f"u{i}")["reputation"] >= 0.3
    # an account created "in the future" (clock skew) does not go below the floor
    world.account("future", age_days=-1, verified=False)
    assert world.status("future")["reputation"] >= 0.3


@pytest.mark.parametrize("verified", [True, False])
def test_reputation_pure_guarantees(verified: bool) -> None:
    floor = 0.5 if verified else 0.3
    for age, replies in itertools.product([0, 1, 90, 10_000], [0, 5, 1000]):
        clean = reputation(ReputationInputs(age, verified, 0, 0, 0, replies)).score
        assert floor <= clean <= 1.0
        for field in ("active_strikes", "distinct_reporters", "blocks_received"):
            previous = clean
            for n in range(1, 30):
                counts = {"active_strikes": 0, "distinct_reporters": 0, "blocks_received": 0,
                          field: n}
                score = reputation(ReputationInputs(age, verified, replies_received=replies,
                                                    **counts)).score
                assert 0.0 <= score < previous, (field, n)
                previous = score


def test_reports_in_the_same_instant_as_the_clearing(w: World) -> None:
    """The clock does not move between these steps: ids, not times, tell before from after."""
    r = _people(w, 4)
    for who in r[:3]:
        w.service.report(who, "spam", of="alice")
    w.service.verify("alice")
    for who in r[:2]:  # two re-report after the clearing: the earlier three do not count
        w.service.report(who, "spam", of="alice")
    assert not _flagged(w, "alice")
    w.service.report(r[3], "spam", of="alice")
    assert _flagged(w, "alice")
    [entry] = w.service.explain_restrictions("alice")
    assert "3 distinct accounts (@r0, @r1, @r3)" in entry["text"]
