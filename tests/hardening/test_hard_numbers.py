"""Numbers past what the store holds, odd digits, bans past the year 9999: each a 4xx
naming the field. And a 500 that does happen still carries X-Request-ID and leaves the
connection usable.

On main before this branch: 2^63 in a conversation, appeal or message id (path or
body) was a 500 (SQLite's OverflowError), as were bans of 99999999d; the stream took
`after=2^63` and failed its reader; a 500 from an unexpected error had no
X-Request-ID header and the server closed the connection under the client."""

from __future__ import annotations

import asyncio
import sqlite3

import httpx
import pytest
import websockets
from hardkit import Hard, mutual
from websockets.exceptions import InvalidStatus

BIG = 2**63
MAX = 2**63 - 1

# (method, path, body, field the answer names, moderator?)
PATHS = [
    ("GET", f"/v1/conversations/{BIG}/messages", None, "conversation_id", False),
    ("POST", f"/v1/conversations/{BIG}/accept", None, "conversation_id", False),
    ("POST", f"/v1/conversations/{BIG}/decline", None, "conversation_id", False),
    ("GET", f"/v1/conversations/1/messages?after_seq={BIG}", None, "after_seq", False),
    ("GET", f"/v1/groups/1/messages?after_seq={BIG}", None, "after_seq", False),
    ("GET", f"/v1/groups/{BIG}", None, "group_id", False),
    ("POST", f"/v1/messages/{BIG}/forward", {"to": "x"}, "message_id", False),
    ("POST", "/v1/reports", {"message_id": BIG, "reason": "spam"}, "message_id", False),
    ("POST", "/v1/reports", {"group_id": BIG, "reason": "spam"}, "group_id", False),
    ("POST", "/v1/messages", {"group": BIG, "text": "hi"}, "group", False),
    ("POST", "/v1/appeals", {"target": f"ban:{BIG}", "statement": "x"}, "target", False),
    ("POST", "/v1/appeals", {"target": "ban:\u00b2", "statement": "x"}, "target", False),
    ("POST", "/v1/appeals", {"target": "strike:\u0661", "statement": "x"}, "target", False),
    ("POST", f"/v1/mod/appeals/{BIG}", {"decision": "uphold"}, "appeal_id", True),
    ("POST", "/v1/mod/actions", {"action": "release", "message_id": BIG}, "message_id", True),
    ("POST", "/v1/mod/actions", {"action": "confirm_held", "message_id": BIG}, "message_id",
     True),
    ("POST", "/v1/mod/actions", {"action": "spam", "message_id": BIG}, "message_id", True),
    ("POST", "/v1/mod/actions", {"action": "close_group", "group_id": BIG}, "group_id", True),
]


@pytest.mark.parametrize(("method", "path", "body", "field", "as_mod"), PATHS,
                         ids=[f"{m} {p.split('?')[0]} {f}" for m, p, _, f, _ in PATHS])
def test_numbers_past_the_store_are_a_4xx_naming_the_field(http, user, mod, method, path,
                                                           body, field, as_mod) -> None:
    who = mod if as_mod else user("n")
    r = http.request(method, path, json=body, headers=who.auth)
    assert 400 <= r.status_code < 500, r.text
    assert r.json()["error"]["field"] == field, r.text


@pytest.mark.parametrize("length", ["99999999d", "9999999w", "2914000d", "1e9w"])
def test_a_ban_ending_after_the_year_9999_is_a_422_naming_for(http, user, mod,
                                                              length) -> None:
    target = user("ln")
    r = http.post("/v1/mod/actions", json={"action": "ban", "handle": target.handle,
                                           "for": length}, headers=mod.auth)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] == "for"
    # A long ban that a date can show still works.
    ok = http.post("/v1/mod/actions", json={"action": "ban", "handle": target.handle,
                                            "for": "99999d"}, headers=mod.auth)
    assert ok.status_code == 200, ok.text
    assert http.get("/v1/me/standing", headers=target.auth).status_code == 200


@pytest.mark.parametrize("after", [str(BIG), "\u00b2", "-1", "1e3", str(10**30)])
def test_the_streams_after_past_an_event_id_is_a_422_naming_after(hard: Hard, user,
                                                                  after) -> None:
    me = user("st")

    async def go() -> httpx.Response:
        with pytest.raises(InvalidStatus) as info:
            async with websockets.connect(f"{hard.ws_url}/v1/stream?after={after}",
                                          additional_headers=me.auth):
                pass
        return info.value.response

    response = asyncio.run(go())
    assert response.status_code == 422
    assert b'"field":"after"' in response.body
    assert response.headers.get("x-request-id")


def test_a_stream_with_the_largest_cursor_opens_and_others_keep_streaming(
        hard: Hard, http, user) -> None:
    a, b = user("sa"), user("sb")
    mutual(http, a, b)

    async def go() -> None:
        async with websockets.connect(f"{hard.ws_url}/v1/stream?after={MAX}",
                                      additional_headers=a.auth) as edge, \
                websockets.connect(f"{hard.ws_url}/v1/stream",
                                   additional_headers=b.auth) as honest:
            assert '"ready"' in await asyncio.wait_for(edge.recv(), 10)
            assert '"ready"' in await asyncio.wait_for(honest.recv(), 10)
            r = await asyncio.to_thread(http.post, "/v1/messages", json={
                "to": b.handle, "text": "still streaming"}, headers=a.auth)
            assert r.status_code == 201, r.text
            frame = await asyncio.wait_for(honest.recv(), 10)
            assert "still streaming" in frame

    asyncio.run(go())


def test_a_500_carries_its_request_id_and_the_connection_stays_usable(hard: Hard, http,
                                                                      user) -> None:
    """A follow the store fails for real (a trigger aborts the row): the answer is a 500
    with the X-Request-ID its body and log line name, and the same keep-alive
    connection answers the next request."""
    fan, idol = user("ka"), user("poisoned")
    with sqlite3.connect(hard.db, timeout=30) as conn:
        conn.execute("CREATE TRIGGER IF NOT EXISTS poison_follows BEFORE INSERT ON follows "
                     "WHEN (SELECT handle FROM accounts WHERE id = NEW.followee_id) "
                     "LIKE 'poisoned%' BEGIN SELECT RAISE(ABORT, 'injected failure'); END")
    try:
        opened: list[object] = []
        with httpx.Client(base_url=hard.url, timeout=30,
                          event_hooks={"request": [lambda _: None]}) as client:
            assert client.get("/healthz").status_code == 200
            first = _connection(client)
            r = client.put(f"/v1/follows/{idol.handle}", headers=fan.auth)
            assert r.status_code == 500, r.text
            rid = r.headers.get("x-request-id")
            assert rid and r.json()["error"]["request_id"] == rid
            assert r.json()["error"]["code"] == "server_error"
            assert r.headers.get("connection", "").lower() != "close"
            again = client.get("/v1/me", headers=fan.auth)
            assert again.status_code == 200
            assert _connection(client) is first  # the same connection, still open
            opened.append(first)
        assert rid in hard.log.read_text()
    finally:
        with sqlite3.connect(hard.db, timeout=30) as conn:
            conn.execute("DROP TRIGGER IF EXISTS poison_follows")


def _connection(client: httpx.Client) -> object:
    """The one pooled connection the client holds (httpcore's), to tell reuse apart."""
    pool = client._transport._pool  # type: ignore[attr-defined]
    connections = list(pool.connections)
    assert len(connections) == 1, connections
    return connections[0]


def test_every_integer_a_request_may_carry_is_bounded_in_the_schema(http) -> None:
    """The class: no integer in a path, a query or a body is left without a maximum the
    store can hold, so none reaches the database to fail there."""
    schema = http.get("/openapi.json").json()
    loose = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            for p in operation.get("parameters", []):
                if _unbounded(p.get("schema", {}), schema):
                    loose.append(f"{method.upper()} {path} {p['name']}")
            body = operation.get("requestBody", {}).get("content", {}).get(
                "application/json", {}).get("schema")
            if body:
                for name in _unbounded_fields(body, schema):
                    loose.append(f"{method.upper()} {path} body.{name}")
    assert loose == []


def _resolve(node: dict, schema: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _unbounded(node: dict, schema: dict) -> bool:
    node = _resolve(node, schema)
    options = node.get("anyOf") or node.get("oneOf") or [node]
    # (The schema's numbers are floats: 2^63 - 1 reads as 2^63 there.)
    return any(_resolve(o, schema).get("type") == "integer"
               and float(_resolve(o, schema).get("maximum", float("inf"))) > float(MAX)
               for o in options)


def _unbounded_fields(node: dict, schema: dict) -> list[str]:
    node = _resolve(node, schema)
    return [name for name, prop in node.get("properties", {}).items()
            if _unbounded(prop, schema)]
