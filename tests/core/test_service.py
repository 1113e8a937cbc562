"""The service on a real SQLite file: what scenarios can't see."""

from __future__ import annotations

import pytest

from sendable.clock import FixedClock
from sendable.errors import Conflict, Invalid, NotFound
from sendable.policy import build_policy
from sendable.service import Service


def test_repeated_client_msg_id_returns_the_first_result_and_stores_nothing(make_service) -> None:
    s = make_service()
    first = s.send("alice", "bob", "hello", client_msg_id="m-1")
    again = s.send("alice", "bob", "hello (retried)", client_msg_id="m-1")
    assert again.replayed and again.message == first.message
    conversation = s.conversations("bob", "requests")[0]["id"]
    assert [m["text"] for m in s.messages("bob", conversation)] == ["hello"]
    other = s.send("alice", "bob", "a new one", client_msg_id="m-2")
    assert other.message["seq"] == 2


def test_seq_counts_per_conversation_both_ways(make_service) -> None:
    s = make_service(accounts=("alice", "bob", "carol"))
    s.follow("alice", "bob")
    s.follow("bob", "alice")
    a = s.send("alice", "bob", "1").message
    b = s.send("bob", "alice", "2").message
    c = s.send("alice", "carol", "other").message
    assert (a["seq"], b["seq"], c["seq"]) == (1, 2, 1)
    assert a["conversation_id"] == b["conversation_id"] != c["conversation_id"]


def test_requests_folder_then_inbox_after_accepting(make_service) -> None:
    s = make_service()
    s.send("alice", "bob", "hi bob")
    assert s.conversations("bob", "inbox") == []
    [request] = s.conversations("bob", "requests")
    assert request["with"] == "alice" and request["last_message"]["text"] == "hi bob"
    assert [c["with"] for c in s.conversations("alice", "inbox")] == ["bob"]
    s.accept_conversation("bob", request["id"])
    assert [c["with"] for c in s.conversations("bob", "inbox")] == ["alice"]
    assert s.send("alice", "bob", "thanks").outcome == "delivered"


def test_declined_requests_leave_the_folder(make_service) -> None:
    s = make_service()
    s.send("alice", "bob", "hi bob")
    s.decline("bob", "alice")
    assert s.conversations("bob", "requests") == []


def test_only_the_two_people_read_a_conversation(make_service) -> None:
    s = make_service(accounts=("alice", "bob", "eve"))
    conversation = s.send("alice", "bob", "private words").message["conversation_id"]
    with pytest.raises(NotFound):
        s.messages("eve", conversation)
    with pytest.raises(NotFound):
        s.accept_conversation("eve", conversation)


def test_why_and_send_agree_and_why_changes_nothing(make_service) -> None:
    s = make_service({"requests": {"max_unanswered": 2}})
    for text in ("one", "two", "three"):
        dry = s.why("alice", "bob", text)
        real = s.send("alice", "bob", text)
        assert dry.outcome == real.outcome
        assert [f.code for f in dry.findings] == [f.code for f in real.decision.findings]
    assert s.send("alice", "bob", "four").outcome == "refused"


def test_counters_survive_a_restart(db_url, counters_uri) -> None:  # type: ignore[no-untyped-def]
    clock = FixedClock(1_780_000_000.0)
    policy = build_policy({"rate_limits": {"messages": ["2/hour"]}})
    s = Service.open(db_url, policy, clock, counters_uri)
    for h in ("alice", "bob"):
        s.create_account(h, created_at=clock.now() - 400 * 86400, verified=True, birthdate="1990-01-01")
    s.follow("bob", "alice")
    s.send("alice", "bob", "1")
    s.send("alice", "bob", "2")
    s.close()
    clock.advance(60)
    restarted = Service.open(db_url, policy, clock, counters_uri)
    result = restarted.send("alice", "bob", "3")
    assert result.outcome == "refused"
    assert result.decision.findings[0].code == "rate.messages"
    assert result.decision.findings[0].retry_after == 3540
    restarted.close()


def test_near_duplicates_sent_before_a_restart_still_count(db_url, counters_uri) -> None:  # type: ignore[no-untyped-def]
    # Messages sent while too few to compare keep no fingerprint: after a restart the
    # windows are refilled from stored rows, and the comparison reads their texts.
    clock = FixedClock(1_780_000_000.0)
    policy = build_policy({"spam": {"duplicate_recipients": 3}})
    s = Service.open(db_url, policy, clock, counters_uri)
    for h in ("spammer", "a", "b", "c", "d"):
        s.create_account(h, created_at=clock.now() - 400 * 86400, verified=True, birthdate="1990-01-01")
    pitch = "hi, I run a small photography studio and would love to show you my portfolio"
    assert [s.send("spammer", h, pitch).outcome for h in ("a", "b")] == ["requested"] * 2
    s.close()
    clock.advance(60)
    restarted = Service.open(db_url, policy, clock, counters_uri)
    assert restarted.send("spammer", "c", pitch + "!").outcome == "requested"  # the third
    refused = restarted.send("spammer", "d", pitch.capitalize())
    assert [f.code for f in refused.decision.findings] == ["spam.duplicate"]
    assert restarted.send("spammer", "d", "a different question entirely, about lunch").outcome \
        == "requested"
    restarted.close()


def test_bad_input_names_the_field(make_service) -> None:
    s = make_service()
    with pytest.raises(Invalid) as e:
        s.send("alice", "bob", "   ")
    assert e.value.field == "text"
    with pytest.raises(Invalid) as e:
        s.send("alice", "bob", "x" * 4001)
    assert e.value.field == "text"
    with pytest.raises(Invalid) as e:
        s.send("alice", "alice", "me")
    assert e.value.field == "to"
    with pytest.raises(NotFound) as e:
        s.send("alice", "nobody_here", "hi")
    with pytest.raises(Invalid) as e:
        s.create_account("bad handle!")
    assert e.value.field == "handle"
    with pytest.raises(Conflict):
        s.create_account("ALICE")
    with pytest.raises(Invalid) as e:
        s.update_settings("alice", who_can_message="friends")
    assert e.value.field == "who_can_message"


def test_a_private_account_approves_follows_and_going_public_approves_waiting_ones(
        make_service) -> None:
    s = make_service(accounts=("alice", "bob", "priv"))
    s.update_settings("priv", private=True)
    assert s.follow("alice", "priv") == "pending"
    assert s.follow("bob", "priv") == "pending"
    assert [r["handle"] for r in s.follow_requests("priv")] == ["alice", "bob"]
    s.approve_follow("priv", "alice")
    assert [r["handle"] for r in s.follow_requests("priv")] == ["bob"]
    s.update_settings("priv", private=False)
    assert s.follow_requests("priv") == []


def test_a_follow_to_someone_who_blocked_you_answers_as_their_settings_would(
        make_service) -> None:
    s = make_service(accounts=("alice", "bob", "carol"))
    s.block("bob", "alice")
    s.block("carol", "alice")
    s.update_settings("carol", private=True)
    # What any account would hear from a public and a private account ...
    assert s.follow("alice", "bob") == "following"
    assert s.follow("alice", "carol") == "pending"
    # ... and keeps reading so to alice ...
    assert s.follow_state("alice", "bob") == "following"
    assert s.follow_state("alice", "carol") == "pending"
    # ... and yet nothing is stored that any rule could count.
    assert s.follow_requests("carol") == []
    assert not s.why("alice", "bob", "hi").sendable
    s.unblock("bob", "alice")
    s.update_settings("bob", who_can_message="followers")
    assert [f.code for f in s.why("alice", "bob", "hi").findings] == ["privacy.not_accepting"]


def test_a_released_message_lands_where_a_message_sent_now_would(make_service) -> None:
    s = make_service({"guidelines": {"extra_terms": {"misinformation": ["miracle cure"]}}},
                     accounts=("alice", "bob", "carol"))
    s.follow("bob", "alice")
    to_follower = s.send("alice", "bob", "a miracle cure").message["id"]
    to_stranger = s.send("alice", "carol", "a miracle cure").message["id"]
    assert s.conversations("bob", "inbox") == [] and s.conversations("carol", "requests") == []
    assert s.release(to_follower)["outcome"] == "delivered"
    assert s.release(to_stranger)["outcome"] == "requested"
    assert [c["with"] for c in s.conversations("bob", "inbox")] == ["alice"]
    assert [c["with"] for c in s.conversations("carol", "requests")] == ["alice"]


def test_a_retried_refusal_is_not_struck_twice(make_service) -> None:
    s = make_service({"guidelines": {"extra_terms": {"harassment": ["you absolute turnip"]}},
                      "enforcement": {"ladder": ["warning", "7d"]}})
    first = s.send("alice", "bob", "you absolute turnip", client_msg_id="try-1")
    again = s.send("alice", "bob", "you absolute turnip", client_msg_id="try-1")
    assert first.outcome == again.outcome == "refused"
    target = first.decision.findings[0].appeal_target
    assert target and again.decision.findings[0].appeal_target == target
    assert s.status("alice")["strikes"] == 1 and not s.status("alice")["banned"]
    s.send("alice", "bob", "you absolute turnip", client_msg_id="try-2")
    assert s.status("alice")["strikes"] == 2 and s.status("alice")["banned"]


def test_the_reputation_band_says_limited_only_below_the_floor(make_service) -> None:
    s = make_service({"spam": {"min_reputation": 0.2}}, accounts=("old",))
    s.create_account("fresh", verified=False, birthdate="1990-01-01")  # 0.3: new, unverified, clean
    assert s.status("fresh")["reputation_band"] == "fair"
    assert s.status("old")["reputation_band"] == "good"
    s.strike("fresh", "harassment")
    assert s.status("fresh")["reputation"] < 0.2
    assert s.status("fresh")["reputation_band"] == "limited"


def test_a_private_account_declines_a_follow_request(make_service) -> None:
    s = make_service(accounts=("alice", "priv"))
    s.update_settings("priv", private=True)
    assert s.follow("alice", "priv") == "pending"
    s.decline_follow("priv", "alice")
    assert s.follow_requests("priv") == []
    assert s.send("alice", "priv", "hi").decision.findings[0].code == "privacy.private_account"
    with pytest.raises(NotFound):
        s.decline_follow("priv", "alice")  # nothing left to decline
    assert s.follow("alice", "priv") == "pending"  # they may ask again


def test_a_model_swap_on_one_node_is_used_by_the_next_send_and_why_on_another(
        tmp_path, clock) -> None:
    from sendable.policy import build_policy
    from sendable.service import Service

    db = str(tmp_path / "shared.db")
    a = Service.open(db, build_policy(), clock)
    for handle in ("alice", "bob"):
        a.create_account(handle, created_at=0.0, verified=True, birthdate="1990-01-01")
    b = Service.open(db, build_policy(), clock)  # a second node on the same store
    pitch = "zorblax tokens now, zorblax tokens"
    assert b.send("alice", "bob", pitch).outcome == "requested"  # the shipped model: fine
    assert a.models.version == b.models.version == 0
    message = a.send("alice", "bob", "see you at the zorblax later").message["id"]
    a.label_message(message, False)  # a verdict is a label, not a model change
    assert a.models.version == 0
    rows = ([(True, f"zorblax tokens cheap today {i} zorblax") for i in range(40)]
            + [(False, f"dinner at mine on friday {i} ok") for i in range(300)])
    summary = a.train_spam(rows)
    assert summary["version"] == a.models.version >= 1
    # b has not looked yet; its next why and send do, in their own transaction.
    decision = b.why("alice", "bob", pitch)
    assert b.models.version == a.models.version
    spam = [f for f in decision.findings if f.code == "spam.content"]
    assert spam and spam[0].detail["model_version"] == a.models.version
    result = b.send("alice", "bob", pitch)
    assert result.outcome == "refused"
    assert result.decision.findings[0].detail["model_version"] == a.models.version
    a.close()
    b.close()
