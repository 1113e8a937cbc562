import json

from sendable.reasons import (
    CATALOGUE,
    PRECEDENCE,
    Finding,
    http_status,
    ordered,
    render_all,
    sender_view,
)

PRIVATE = ("privacy.blocked", "privacy.underage_recipient")
CONTRACT_CODES = {
    "client.outdated", "ban.temporary", "ban.permanent", "account.underage",
    "account.new_limit", "account.flagged", "privacy.you_blocked", "privacy.blocked",
    "privacy.not_accepting", "privacy.underage_recipient", "privacy.private_account",
    "privacy.request_limit", "privacy.recipient_unavailable", "spam.content", "spam.link",
    "spam.duplicate", "spam.fanout", "spam.reputation", "rate.messages",
    "rate.new_conversations",
    # groups
    "privacy.group_invites", "group.not_member", "group.full", "group.closed",
    "account.teen_group", "rate.group_messages", "rate.new_groups", "spam.forward_limit",
} | {f"guidelines.{c}" for c in ("harassment", "hate", "violence", "sexual", "self_harm",
                                  "illegal", "misinformation")}


def test_the_catalogue_is_exactly_the_contract() -> None:
    assert set(CATALOGUE) == CONTRACT_CODES
    assert set(PRECEDENCE) == CONTRACT_CODES


def test_every_entry_speaks_to_people() -> None:
    for entry in CATALOGUE.values():
        assert entry.message.strip() and entry.remedy.strip()
        assert entry.http_status in (403, 409, 426, 429)


def test_sender_view_never_names_a_private_reason() -> None:
    every = [Finding(code, detail={"secret": "x"}) for code in CONTRACT_CODES]
    shown = json.dumps(render_all(every, "sender"))
    for code in PRIVATE:
        assert code not in shown
    assert "secret" not in shown and "detail" not in shown
    assert '"privacy.not_accepting"' in shown


def test_masked_reasons_sort_as_what_is_shown() -> None:
    # A block must not show up earlier than a settings refusal would.
    masked = sender_view([Finding("privacy.blocked"), Finding("privacy.private_account")])
    plain = sender_view([Finding("privacy.not_accepting"), Finding("privacy.private_account")])
    assert [f.code for f in masked] == [f.code for f in plain]


def test_moderator_view_keeps_every_reason_and_detail() -> None:
    findings = [Finding("privacy.not_accepting"), Finding("privacy.blocked", detail={"a": 1})]
    rendered = render_all(findings, "moderator")
    assert [r["code"] for r in rendered] == ["privacy.blocked", "privacy.not_accepting"]
    assert rendered[0]["detail"] == {"a": 1}


def test_precedence_and_status() -> None:
    findings = [Finding("rate.messages"), Finding("spam.link"), Finding("client.outdated")]
    assert [f.code for f in ordered(findings)][0] == "client.outdated"
    assert http_status(findings) == 426
    assert http_status([Finding("rate.messages", retry_after=3)]) == 429
    assert http_status([Finding("privacy.blocked")]) == 403
