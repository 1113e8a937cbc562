"""Text that cannot be stored or shows nothing is a 422 naming the field, on every way
in; bidirectional controls never reach a reader, while the stored text stays as sent.

On main before this branch: a lone surrogate was a 500 on send (and on a report), `why`
said it was sendable, zero-width texts were stored, the SDK passed them on, and pages,
the console and `sendable mod appeals` showed U+202E as it came."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hardkit import Hard, mutual, page_client, raw_json

from sendable.client.core import AsyncClient
from sendable.client.errors import ApiError

SURROGATES = [b'"a\\ud800b"', b'"\\udfff"', b'"ok \\ud83d"']  # valid JSON, invalid text
INVISIBLE = ["\u200b", "\u200b\u200c\u200d", " \u2060 \ufeff ", "\u2800", "\u3164\u115f",
             "\u202e\u202d", "\ufe0f\ufe0f", "\U000e0041\U000e0042", "\u00ad\n\u180e"]
RLO = "\u202e"


def _field(r) -> str | None:  # type: ignore[no-untyped-def]
    return r.json()["error"]["field"]


@pytest.mark.parametrize("text", SURROGATES)
def test_a_lone_surrogate_is_a_422_naming_text_on_every_send(http, user, text) -> None:
    a, b = user("sa"), user("sb")
    direct = raw_json(http, "POST", "/v1/messages",
                      b'{"to": "%s", "text": %s}' % (b.handle.encode(), text), a)
    assert direct.status_code == 422, direct.text
    assert _field(direct) == "text"
    group = http.post("/v1/groups", json={"name": "g", "members": []}, headers=a.auth).json()
    gid = group.get("id") or group["group"]["id"]
    to_group = raw_json(http, "POST", "/v1/messages",
                        b'{"group": %d, "text": %s}' % (gid, text), a)
    assert to_group.status_code == 422 and _field(to_group) == "text", to_group.text
    why = raw_json(http, "POST", "/v1/why", b'{"to": "%s", "text": %s}' % (
        b.handle.encode(), text), a)
    assert why.status_code == 422 and _field(why) == "text", why.text


def test_a_lone_surrogate_in_any_free_text_field_names_that_field(http, user, mod) -> None:
    a, b = user("sf"), user("sg")
    cases = [("/v1/reports", b'{"handle": "%s", "reason": "a\\ud800"}' % b.handle.encode(),
              "reason", a),
             ("/v1/appeals", b'{"target": "ban:1", "statement": "\\ud800"}', "statement", a),
             ("/v1/mod/why", b'{"from": "%s", "to": "%s", "text": "\\udc00"}' % (
                 a.handle.encode(), b.handle.encode()), "text", mod)]
    for path, body, field, who in cases:
        r = raw_json(http, "POST", path, body, who)
        assert r.status_code == 422, (path, r.text)
        assert _field(r) == field, (path, r.text)


@pytest.mark.parametrize("text", INVISIBLE)
def test_a_text_of_only_invisible_characters_is_a_422_naming_text(http, user, text) -> None:
    a, b = user("za"), user("zb")
    r = http.post("/v1/messages", json={"to": b.handle, "text": text}, headers=a.auth)
    assert r.status_code == 422, r.text
    assert _field(r) == "text"
    # Visible text around the same characters is fine.
    ok = http.post("/v1/messages", json={"to": b.handle, "text": f"hi{text}"}, headers=a.auth)
    assert ok.status_code == 201, ok.text


def test_the_sdk_refuses_unsendable_text_before_it_queues_it(hard: Hard, user,
                                                             tmp_path: Path) -> None:
    a, b = user("ka"), user("kb")

    async def go() -> None:
        async with AsyncClient(hard.url, token=a.token, handle=a.handle,
                               home=tmp_path) as client:
            for bad in ("a\ud800b", "\u200b\u200d"):
                result = await client.send(b.handle, bad)
                assert result.status == "rejected", result
                assert result.error["status"] == 422 and result.error["field"] == "text"
                with pytest.raises(ApiError) as info:
                    await client.groups.send(1, bad)
                assert info.value.status == 422 and info.value.field == "text"
            assert client.pending() == []  # nothing queued to fail again and again
            assert (await client.send(b.handle, "fine")).status == "stored"

    asyncio.run(go())


def test_bidi_controls_are_removed_where_a_message_is_shown_not_where_it_is_kept(
        hard: Hard, http, user, mod) -> None:
    a, b = user("ba"), user("bb")
    mutual(http, a, b)
    text = f"invoice {RLO}fdp.exe"
    assert http.post("/v1/messages", json={"to": b.handle, "text": text},
                     headers=a.auth).status_code == 201
    # Kept as sent: the API gives the stored text back unchanged.
    convo = http.get("/v1/conversations", headers=b.auth).json()["conversations"][0]
    stored = http.get(f"/v1/conversations/{convo['id']}/messages", headers=b.auth).json()
    assert stored["messages"][-1]["text"] == text
    # Shown without it: the conversation page of either side.
    for viewer, other in ((b, a), (a, b)):
        with page_client(hard, viewer) as pages:
            html = pages.get(f"/with/{other.handle}").text
        assert "invoice fdp.exe" in html and RLO not in html
    # A report of the message shows it in the moderator's console without it too.
    message_id = stored["messages"][-1]["id"]
    assert http.post("/v1/reports", json={"message_id": message_id, "reason": "spam"},
                     headers=b.auth).status_code == 201
    with page_client(hard, mod) as pages:
        for path in ("/mod", f"/mod/accounts/{a.handle}"):
            html = pages.get(path).text
            assert RLO not in html, path


def test_the_command_line_shows_statements_without_bidi_controls(hard: Hard, http, user,
                                                                 mod) -> None:
    a = user("ca")
    ban = http.post("/v1/mod/actions", json={"action": "ban", "handle": a.handle, "for": "1h"},
                    headers=mod.auth).json()
    statement = f"please {RLO}nalp ym"
    r = http.post("/v1/appeals", json={"target": f"ban:{ban['ban_id']}",
                                       "statement": statement}, headers=a.auth)
    assert r.status_code == 201, r.text
    out = subprocess.run([sys.executable, "-c", "from sendable.cli import app; app()", "mod",
                          "appeals", "--db", str(hard.db)], capture_output=True, text=True,
                         timeout=60, check=True).stdout
    assert "please nalp ym" in out and RLO not in out
    as_json = subprocess.run([sys.executable, "-c", "from sendable.cli import app; app()",
                              "mod", "appeals", "--json", "--db", str(hard.db)],
                             capture_output=True, text=True, timeout=60, check=True).stdout
    assert statement in {row["statement"] for row in json.loads(as_json)}  # data is as sent
