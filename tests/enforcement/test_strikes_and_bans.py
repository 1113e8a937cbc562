"""Strikes, the ladder, expiry, and bans: lapse, permanence, scope, the recipient side."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from world import DAY, HOUR, World

from sendable.enforcement.ladder import LadderStep, step_for
from sendable.errors import Forbidden, Invalid, NotFound


def _setup(world: World) -> None:
    world.account("mod", role="moderator")
    world.account("troll")
    world.account("victim")
    world.service.follow("victim", "troll")


def test_ladder_steps_pure() -> None:
    ladder = ("warning", "24h", "7d", "permanent")
    assert step_for(ladder, 1) == LadderStep("warning")
    assert step_for(ladder, 2) == LadderStep("ban", 86400)
    assert step_for(ladder, 3) == LadderStep("ban", 7 * 86400)
    assert step_for(ladder, 4) == LadderStep("ban", None)
    assert step_for(ladder, 9) == LadderStep("ban", None)  # beyond the ladder: the last entry
    assert step_for(("warning",), 5) == LadderStep("warning")
    with pytest.raises(ValueError):
        step_for(ladder, 0)


def test_each_ladder_step_applies_at_the_nth_active_strike(make_world) -> None:
    world = make_world({"enforcement": {"ladder": ["warning", "24h", "7d", "permanent"]}})
    _setup(world)
    seen = []
    for _ in range(5):
        world.service.strike("troll", "harassment", "mod")
        status = world.status("troll")
        seen.append((status["strikes"], status["banned"], status["ban_until"]))
    now = world.clock.now()
    from sendable.clock import to_iso
    assert seen == [(1, False, None), (2, True, to_iso(now + DAY)), (3, True, to_iso(now + 7 * DAY)),
                    (4, True, None), (5, True, None)]


def test_strikes_expire_and_the_ladder_starts_over(make_world) -> None:
    world = make_world({"enforcement": {"ladder": ["warning", "24h"], "strike_expiry_days": 10}})
    _setup(world)
    world.service.strike("troll", "hate", "mod")
    world.advance(10 * DAY - 1)
    assert world.status("troll")["strikes"] == 1
    world.advance(1)  # exactly strike_expiry_days later: expired
    assert world.status("troll")["strikes"] == 0
    world.service.strike("troll", "hate", "mod")
    status = world.status("troll")
    assert status["strikes"] == 1 and status["banned"] is False  # a warning again


def test_second_strike_just_before_expiry_escalates(make_world) -> None:
    world = make_world({"enforcement": {"ladder": ["warning", "24h"], "strike_expiry_days": 10}})
    _setup(world)
    world.service.strike("troll", "hate", "mod")
    world.advance(10 * DAY - 1)
    world.service.strike("troll", "hate", "mod")
    status = world.status("troll")
    assert status["strikes"] == 2 and status["banned"] is True
    world.advance(1)  # the first strike expires; the ban it helped cause runs on
    status = world.status("troll")
    assert status["strikes"] == 1 and status["banned"] is True


def test_a_removed_strike_does_not_count_toward_the_ladder(make_world) -> None:
    world = make_world({"enforcement": {"ladder": ["warning", "24h"]}})
    _setup(world)
    strike = world.service.strike("troll", "violence", "mod")
    appeal = world.service.appeal("troll", f"strike:{strike}", "not me")
    world.service.decide_appeal(appeal, "overturn", "mod")
    world.service.strike("troll", "violence", "mod")
    assert world.status("troll")["banned"] is False


def test_strike_needs_a_known_category_and_a_real_moderator(world: World) -> None:
    _setup(world)
    with pytest.raises(Invalid) as error:
        world.service.strike("troll", "rudeness", "mod")
    assert error.value.field == "category"
    with pytest.raises(Forbidden) as forbidden:
        world.service.strike("troll", "hate", "victim")
    assert forbidden.value.field == "by"
    with pytest.raises(NotFound) as missing:
        world.service.ban("troll", 60, "messaging", "ghost")
    assert missing.value.field == "by"
    assert world.status("troll")["strikes"] == 0


def test_temporary_ban_retry_after_shrinks_then_lapses(world: World) -> None:
    _setup(world)
    world.service.ban("troll", DAY, "messaging", "mod")
    first = world.reasons("troll", "victim")[0]
    assert first["code"] == "ban.temporary" and first["retry_after"] == 86400
    assert first["appealable"] is True and first["until"] is not None
    world.advance(10 * HOUR)
    later = world.reasons("troll", "victim")[0]
    assert later["retry_after"] == 86400 - 36000 and later["until"] == first["until"]
    world.advance(14 * HOUR - 1)
    assert world.reasons("troll", "victim")[0]["retry_after"] == 1
    world.advance(1)  # `until` reached
    assert world.send("troll", "victim").outcome == "delivered"
    assert world.status("troll")["banned"] is False


def test_permanent_ban_has_no_retry_after(world: World) -> None:
    _setup(world)
    world.service.ban("troll", None, "account", "mod")
    reason = world.reasons("troll", "victim")[0]
    assert reason["code"] == "ban.permanent"
    assert reason["retry_after"] is None and reason["until"] is None
    assert reason["appealable"] is True and reason["appeal_target"].startswith("ban:")
    world.advance(3650 * DAY)
    assert world.reasons("troll", "victim")[0]["code"] == "ban.permanent"
    assert world.status("troll")["ban_scope"] == "account"


def test_unban_lifts_every_ban(world: World) -> None:
    _setup(world)
    world.service.ban("troll", DAY, "messaging", "mod")
    world.service.ban("troll", None, "messaging", "mod")
    assert len(world.service.unban("troll", "mod")) == 2
    assert world.send("troll", "victim").outcome == "delivered"
    assert world.service.unban("troll", "mod") == []


def test_ban_scope_must_be_known(world: World) -> None:
    _setup(world)
    with pytest.raises(Invalid) as error:
        world.service.ban("troll", DAY, "everything", "mod")
    assert error.value.field == "scope"


@pytest.mark.parametrize("scope", ["messaging", "account"])
def test_ladder_bans_take_the_policy_scope(make_world, scope: str) -> None:
    world = make_world({"enforcement": {"ladder": ["24h"], "ban_scope": scope}})
    _setup(world)
    world.service.strike("troll", "illegal", "mod")
    status = world.status("troll")
    assert status["banned"] is True and status["ban_scope"] == scope


def test_banned_recipient_is_unavailable_to_the_sender(world: World) -> None:
    _setup(world)
    world.service.ban("victim", DAY, "messaging", "mod")
    sender_view = world.reasons("troll", "victim")
    assert sender_view[0]["code"] == "privacy.recipient_unavailable"
    assert all(not r["code"].startswith("ban.") for r in sender_view)  # the ban stays private
    moderator = world.service.why("troll", "victim", "hi").findings
    unavailable = next(f for f in moderator if f.code == "privacy.recipient_unavailable")
    assert unavailable.detail["banned"] is True
    world.advance(DAY)
    assert world.send("troll", "victim").outcome != "refused"


def test_deactivated_recipient_is_unavailable(world: World) -> None:
    _setup(world)
    # No service verb deactivates yet (accounts are the HTTP work); set the column.
    with world.service.engine.begin() as conn:
        conn.execute(sa.text("UPDATE accounts SET deactivated = 1 WHERE handle = 'victim'"))
    result = world.send("troll", "victim")
    assert result.outcome == "refused"
    assert result.reasons()[0]["code"] == "privacy.recipient_unavailable"
