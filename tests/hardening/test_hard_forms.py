"""Every web form, every field, given malformed values: a 4xx (or the page again with
the problem named), never a 500. Which forms there are is read from the app's routes,
so a new form without an entry here fails the test.

On main before this branch: a report's `message_id` of "²" (str.isdigit says yes,
int() says no), a ban `length` past the year 9999, and 2^63 in any id of a form's
address (a request, a held message, a label, an appeal, a group in the console)
were 500s."""

from __future__ import annotations

import httpx
import pytest
from hardkit import ADULT, Hard, form_csrf, mutual, page_client

from sendable.web import console, groups, pages, people

BIG = str(2**63)
MALFORMED = ["", " ", "x" * 5000, "\u00b2", "\u0661", BIG, "-1", "0", "1e5", "\x00",
             "a\u202eb", "\u200b", "@@", "../../x", "99999999d", "9999-99-99", "99999-01-01",
             "true", "[]", "permanent", "spam"]
# Bytes no browser would send: percent-encoded invalid UTF-8 and a NUL.
RAW = [b"%ED%A0%80", b"%FF%FE", b"a%00b", b"%C0%AF"]

# route -> (a concrete address, the fields of its form, who posts it)
FORMS: dict[str, tuple[str, list[str], str]] = {
    "/signup": ("/signup", ["handle", "password", "birthdate", "email"], "anon"),
    "/login": ("/login", ["handle", "password", "next"], "anon"),
    "/logout": ("/logout", [], "spare"),
    "/with/{handle}/send": ("/with/{b}/send", ["text", "client_msg_id"], "member"),
    "/requests/{conversation_id}/{choice}": ("/requests/1/accept", [], "member"),
    "/people/{handle}/{action}": ("/people/{b}/report", ["reason", "message_id", "next"],
                                  "member"),
    "/settings": ("/settings", ["who_can_message", "private"], "member"),
    "/settings/birthdate": ("/settings/birthdate", ["birthdate"], "member"),
    "/settings/follow-requests/{handle}/approve": ("/settings/follow-requests/{b}/approve",
                                                   [], "member"),
    "/settings/follow-requests/{handle}/decline": ("/settings/follow-requests/{b}/decline",
                                                   [], "member"),
    "/standing/appeals": ("/standing/appeals", ["target", "statement"], "member"),
    "/standing/verification": ("/standing/verification", ["email", "code"], "member"),
    "/people/settings": ("/people/settings", ["discoverable", "sync_contacts",
                                              "display_name"], "member"),
    "/people/contacts": ("/people/contacts", ["list"], "member"),
    "/people/contacts/delete": ("/people/contacts/delete", [], "member"),
    "/groups": ("/groups", ["name", "members"], "member"),
    "/groups/{group_id}/send": ("/groups/{g}/send", ["text", "client_msg_id"], "member"),
    "/groups/{group_id}/add": ("/groups/{g}/add", ["members"], "member"),
    "/groups/{group_id}/{action}": ("/groups/{g}/approve", ["handle"], "member"),
    "/mod/groups/{group_id}/{action}": ("/mod/groups/{g}/close", ["reason"], "mod"),
    "/mod/accounts/{handle}/{action}": ("/mod/accounts/{b}/ban", ["length", "scope",
                                                                  "reason", "next"], "mod"),
    "/mod/held/{message_id}/release": ("/mod/held/1/release", [], "mod"),
    "/mod/held/{message_id}/confirm": ("/mod/held/1/confirm", [], "mod"),
    "/mod/messages/{message_id}/label": ("/mod/messages/1/label", ["verdict"], "mod"),
    "/mod/appeals/{appeal_id}": ("/mod/appeals/1", ["decision", "note"], "mod"),
}
# Further actions of the forms above whose fields differ.
EXTRA = [("/mod/accounts/{b}/strike", ["category", "reason"], "mod"),
         ("/people/{b}/follow", ["next"], "member"),
         ("/groups/{g}/join", [], "member")]
# Addresses with an id or a name in them, and what to put there.
IN_PATH = ["/requests/{}/accept", "/requests/{}/decline", "/mod/held/{}/release",
           "/mod/held/{}/confirm",
           "/mod/messages/{}/label", "/mod/appeals/{}", "/mod/groups/{}/close",
           "/groups/{}/send", "/groups/{}/add", "/groups/{}/join", "/with/{}/send",
           "/people/{}/report", "/mod/accounts/{}/ban", "/settings/follow-requests/{}/approve"]
PATH_VALUES = ["\u00b2", BIG, "-1", "0", "%ED%A0%80", "x" * 300, "%00"]


def _web_posts() -> set[str]:
    return {r.path for router in (people.router, pages.router, groups.router,
                                  console.router)
            for r in router.routes if "POST" in getattr(r, "methods", ())}


def test_every_form_of_the_app_is_fuzzed_here() -> None:
    assert _web_posts() == set(FORMS)


@pytest.fixture(scope="module")
def world(hard: Hard, http: httpx.Client, user, mod):  # type: ignore[no-untyped-def]
    a, b = user("fa"), user("fb")
    mutual(http, a, b)
    assert http.post("/v1/messages", json={"to": b.handle, "text": "hi"},
                     headers=a.auth).status_code == 201
    made = http.post("/v1/groups", json={"name": "fuzz", "members": [b.handle]},
                     headers=a.auth).json()
    gid = made.get("id") or made["group"]["id"]
    spare = user("fs")  # signed out by the fuzzing of /logout
    clients = {who: page_client(hard, person) for who, person in
               (("member", a), ("mod", mod), ("anon", None), ("spare", spare))}
    yield {"member": a, "mod": mod, "anon": None, "spare": spare, "b": b.handle, "g": gid,
           "clients": clients}
    for client in clients.values():
        client.close()


@pytest.fixture(scope="module")
def user(http: httpx.Client):  # type: ignore[no-untyped-def]  # module-wide accounts
    import itertools
    import os

    from hardkit import PASSWORD, login
    counter = itertools.count(1)

    def make(prefix: str) -> object:
        handle = f"{prefix}{next(counter)}_{os.getpid() % 1000}"
        assert http.post("/v1/accounts", json={"handle": handle, "birthdate": ADULT,
                                               "password": PASSWORD}).status_code == 201
        return login(http, handle)

    return make


def _post(world, who: str, path: str, fields: dict[str, str] | None = None,  # type: ignore[no-untyped-def]
          raw: bytes | None = None) -> httpx.Response:
    client, csrf = world["clients"][who], form_csrf(world[who])
    if raw is not None:
        return client.post(path, content=b"csrf=" + csrf.encode() + b"&" + raw, headers={
            "content-type": "application/x-www-form-urlencoded"})
    return client.post(path, data={"csrf": csrf, **(fields or {})})


def _cases() -> list[tuple[str, list[str], str]]:
    return [*FORMS.values(), *EXTRA]


@pytest.mark.parametrize(("address", "fields", "who"), _cases(),
                         ids=[c[0] for c in _cases()])
def test_malformed_fields_never_fail_a_form(hard: Hard, world, address, fields,  # type: ignore[no-untyped-def]
                                            who) -> None:
    path = address.format(b=world["b"], g=world["g"])
    failures = []
    for field in fields:
        for value in MALFORMED:
            r = _post(world, who, path, {field: value})
            if r.status_code >= 500:
                failures.append((field, value[:12], r.status_code))
        for raw in RAW:
            r = _post(world, who, path, raw=field.encode() + b"=" + raw)
            if r.status_code >= 500:
                failures.append((field, raw, r.status_code))
    r = _post(world, who, path, {f: "" for f in fields} | {"extra": "x"})
    if r.status_code >= 500:
        failures.append(("all empty", "", r.status_code))
    assert failures == []


@pytest.mark.parametrize("address", IN_PATH)
def test_malformed_ids_and_names_in_a_forms_address_are_a_4xx(hard: Hard, world,  # type: ignore[no-untyped-def]
                                                              address) -> None:
    who = "mod" if address.startswith("/mod") else "member"
    fields = {"text": "hi", "reason": "spam", "verdict": "spam", "decision": "uphold",
              "length": "1h", "members": "x"}
    for value in PATH_VALUES:
        r = _post(world, who, address.format(value), fields)
        assert r.status_code < 500, (address, value, r.status_code)
        assert r.status_code in (303, 400, 403, 404, 409, 422), (address, value, r.status_code)


def test_the_fields_main_failed_on_are_named_on_the_page(hard: Hard, world) -> None:  # type: ignore[no-untyped-def]
    r = _post(world, "member", f"/people/{world['b']}/report",
              {"reason": "spam", "message_id": "\u00b2"})
    assert r.status_code == 422 and "message_id" in r.text.lower()
    r = _post(world, "mod", f"/mod/accounts/{world['b']}/ban",
              {"length": "99999999d", "scope": "messaging"})
    assert r.status_code == 422 and "length" in r.text.lower() and "9999" in r.text
