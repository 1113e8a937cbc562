"""Properties of the pure gate over arbitrary facts."""

from __future__ import annotations

import json
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from sendable.gate import (
    AccountFacts,
    BanFacts,
    ClientFacts,
    Content,
    Facts,
    History,
    Relation,
    decide,
)
from sendable.gate.facts import Reputation
from sendable.policy import build_policy
from sendable.reasons import PRECEDENCE, render_all

NOW = 1_780_000_000.0
POLICY = build_policy({"rate_limits": {"messages": ["3/minute"], "new_conversations": ["2/hour"]},
                       "new_accounts": {"max_new_conversations_per_day": 2}})
PRIVATE = ("privacy.blocked", "privacy.underage_recipient")

times = st.lists(st.floats(min_value=NOW - 90000, max_value=NOW), max_size=8).map(
    lambda ts: tuple(sorted(ts)))
bans = st.none() | st.builds(BanFacts, id=st.integers(1, 9),
                             scope=st.sampled_from(["messaging", "account"]),
                             until=st.none() | st.floats(NOW - 10, NOW + 90000))
accounts = st.builds(
    AccountFacts,
    id=st.just(0), handle=st.just("x"),
    created_at=st.floats(NOW - 400 * 86400, NOW),
    birthdate=st.none() | st.dates(date(1950, 1, 1), date(2026, 1, 1)),
    verified=st.booleans(), who_can_message=st.sampled_from(
        ["everyone", "followers", "following", "mutuals", "nobody"]),
    private=st.booleans(), deactivated=st.booleans(), flagged=st.booleans(), ban=bans,
    reputation=st.none() | st.builds(Reputation, score=st.floats(0, 1)),
)
relations = st.builds(
    Relation, sender_follows=st.booleans(), recipient_follows=st.booleans(),
    sender_blocked=st.booleans(), recipient_blocked=st.booleans(),
    conversation_id=st.none() | st.just(1),
    conversation_state=st.none() | st.sampled_from(["requested", "accepted", "declined"]),
    started_by_recipient=st.booleans(), unanswered=st.integers(0, 5),
)
clients = st.builds(ClientFacts, header=st.none() | st.just("sendable-py/x"),
                    version=st.none() | st.sampled_from(["0.9.0", "1.0.0", "2.1.0"]),
                    valid=st.booleans())
facts = st.builds(
    Facts, now=st.just(NOW),
    sender=accounts,
    recipient=accounts, relation=relations,
    history=st.builds(History, message_times=times, new_conversation_times=times),
    content=st.just(Content(text="hello")), client=clients,
)


@settings(max_examples=400, deadline=None)
@given(facts)
def test_the_gate_orders_every_reason_and_the_sender_never_sees_private_ones(f: Facts) -> None:
    decision = decide(f, POLICY)
    codes = [x.code for x in decision.findings]
    assert codes == sorted(codes, key=PRECEDENCE.index)
    assert (decision.outcome == "refused") == any(x.effect == "refuse" for x in decision.findings)
    assert decide(f, POLICY) == decision  # pure: same facts, same answer
    shown = json.dumps(render_all(decision.findings, "sender"))
    for code in PRIVATE:
        assert code not in shown
    if decision.outcome == "refused":
        assert render_all(decision.findings, "sender")
    for finding in decision.findings:
        if finding.retry_after is not None:
            assert finding.retry_after >= 1
