"""Finding people over HTTP, on a real server: contact upload (only keyed hashes are
stored), matches, people search and its exclusions, throttling, discoverability,
phones, and contacts reaching the inbox."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from apikit import PASSWORD, login, send

from serving import User, free_port, start_serve, stop_serve

POLICY = """
[new_accounts]
days = 0

[contacts]
default_region = "GB"
max_entries = 50
search_limits = ["12/hour"]
match_limits = ["6/hour"]
"""
_counter = itertools.count(1)


class Box:
    def __init__(self, url: str, db: Path, workdir: Path, process) -> None:  # type: ignore[no-untyped-def]
        self.url, self.db, self.workdir, self.process = url, db, workdir, process

    @property
    def mail(self) -> list[dict]:
        path = self.workdir / "mail.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Box]:
    workdir = tmp_path_factory.mktemp("contacts")
    (workdir / "policy.toml").write_text(POLICY)
    db = workdir / "contacts.db"
    port = free_port()
    process = start_serve(port, ["--db", str(db), "--policy", str(workdir / "policy.toml"),
                                 "--mail", f"file:{workdir / 'mail.jsonl'}"],
                          workdir / "server.log", env={"SENDABLE_CONTACT_SECRET_FILE": ""})
    yield Box(f"http://127.0.0.1:{port}", db, workdir, process)
    stop_serve(process)


@pytest.fixture(scope="module")
def http(box: Box) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=box.url, timeout=20) as client:
        yield client


def make(http: httpx.Client, prefix: str = "p", **fields: object) -> User:
    handle = f"{prefix}{next(_counter)}x{os.getpid() % 1000}"
    r = http.post("/v1/accounts", json={"handle": handle, "password": PASSWORD,
                                        "birthdate": "1990-01-01", **fields})
    assert r.status_code == 201, r.text
    return login(http, handle)


def verify_email(http: httpx.Client, box: Box, user: User, email: str) -> None:
    """Give the account an email and verify it with the mailed code."""
    assert http.post("/v1/me/verification", headers=user.auth).status_code == 202
    code = [m for m in box.mail if m["to"] == email][-1]["data"]["code"]
    r = http.post("/v1/me/verification/confirm", json={"code": code}, headers=user.auth)
    assert r.status_code == 200, r.text


def settings(http: httpx.Client, user: User, **values: object) -> dict:
    r = http.patch("/v1/me/settings", json=values, headers=user.auth)
    assert r.status_code == 200, r.text
    return r.json()


def db_text(box: Box) -> bytes:
    """Every byte of the database: the file, its WAL, and a dump of every table."""
    raw = b""
    for path in (box.db, Path(f"{box.db}-wal")):
        if path.exists():
            raw += path.read_bytes()
    with sqlite3.connect(box.db) as conn:
        raw += "\n".join(conn.iterdump()).encode()
    return raw.lower()


def hash_rows(box: Box, handle: str) -> int:
    with sqlite3.connect(box.db) as conn:
        return conn.execute(
            "SELECT COUNT(*) FROM contacts JOIN accounts ON accounts.id = contacts.owner_id "
            "WHERE accounts.handle = ?", (handle,)).fetchone()[0]


def test_an_upload_stores_no_address_or_number_nor_its_plain_hash(http, box) -> None:
    owner = make(http, "own")
    settings(http, owner, sync_contacts=True)
    tag = next(_counter)
    emails = [f"  Friend.{tag}@Example.ORG ", f"other{tag}@mail.example.net"]
    phones = ["+44 20 7946 0" + f"{tag % 1000:03d}", "020 7946 1" + f"{tag % 1000:03d}"]
    r = http.put("/v1/me/contacts", json={"emails": emails, "phones": phones},
                 headers=owner.auth)
    assert r.status_code == 200, r.text
    assert r.json() == {"stored": 4, "skipped": []}
    normalised = [e.strip().lower() for e in emails]
    e164 = ["+44207946" + "0" + f"{tag % 1000:03d}", "+44207946" + "1" + f"{tag % 1000:03d}"]
    forms = {*normalised, *(e.strip() for e in emails), *phones, *e164,
             *(p.lstrip("+") for p in e164), *(p.replace(" ", "") for p in phones)}
    digests = {hashlib.sha256(f.encode()).hexdigest() for f in forms}
    digests |= {hashlib.sha256(f"{k}:{f}".encode()).hexdigest()
                for f in forms for k in ("email", "phone")}
    stored = db_text(box)
    for needle in forms | digests:
        assert needle.lower().encode() not in stored, needle
    assert hash_rows(box, owner.handle) == 4
    # Turning sync off deletes every hash of the account.
    assert settings(http, owner, sync_contacts=False)["sync_contacts"] is False
    assert hash_rows(box, owner.handle) == 0


def test_delete_empties_the_list_and_an_upload_needs_sync_on(http, box) -> None:
    owner = make(http, "del")
    body = {"emails": ["someone@example.org"]}
    r = http.put("/v1/me/contacts", json=body, headers=owner.auth)
    assert r.status_code == 409 and r.json()["error"]["field"] == "sync_contacts"
    settings(http, owner, sync_contacts=True)
    assert http.put("/v1/me/contacts", json=body, headers=owner.auth).status_code == 200
    assert hash_rows(box, owner.handle) == 1
    assert http.delete("/v1/me/contacts", headers=owner.auth).status_code == 204
    assert hash_rows(box, owner.handle) == 0


def test_bad_entries_are_skipped_and_named_the_rest_kept(http) -> None:
    owner = make(http, "bad")
    settings(http, owner, sync_contacts=True)
    r = http.put("/v1/me/contacts", headers=owner.auth, json={
        "emails": ["good@example.org", "not an address", 7],
        "phones": ["+44 20 7946 0999", "12", None]})
    assert r.status_code == 200, r.text
    assert r.json()["stored"] == 2
    assert [s["field"] for s in r.json()["skipped"]] == ["emails[1]", "emails[2]", "phones[1]",
                                                         "phones[2]"]
    too_many = {"emails": [f"a{i}@example.org" for i in range(51)]}
    r = http.put("/v1/me/contacts", json=too_many, headers=owner.auth)
    assert r.status_code == 422 and r.json()["error"]["field"] == "emails"
    r = http.put("/v1/me/contacts", json={"emails": "a@example.org"}, headers=owner.auth)
    assert r.status_code == 422 and r.json()["error"]["field"] == "emails"


def test_matches_list_discoverable_contacts_only(http, box) -> None:
    owner = make(http, "mat")
    tag = next(_counter)
    found = make(http, "fnd", email=f"found{tag}@example.org")
    hidden = make(http, "hid", email=f"hidden{tag}@example.org")
    unverified = make(http, "unv", email=f"unverified{tag}@example.org")
    verify_email(http, box, found, f"found{tag}@example.org")
    verify_email(http, box, hidden, f"hidden{tag}@example.org")
    settings(http, hidden, discoverable=False)
    settings(http, owner, sync_contacts=True)
    r = http.put("/v1/me/contacts", headers=owner.auth, json={"emails": [
        f"FOUND{tag}@example.org", f"hidden{tag}@example.org", f"unverified{tag}@example.org"]})
    assert r.status_code == 200
    matches = http.get("/v1/me/contacts/matches", headers=owner.auth).json()["matches"]
    assert [m["handle"] for m in matches] == [found.handle]
    assert set(matches[0]) == {"handle", "display_name", "can_message"}
    assert unverified.handle not in json.dumps(matches)


def test_a_contacts_message_reaches_the_inbox_and_sync_off_sends_it_to_requests(
        http, box) -> None:
    rosa = make(http, "rosa")
    tag = next(_counter)
    alice = make(http, "ali", email=f"alice{tag}@example.org")
    verify_email(http, box, alice, f"alice{tag}@example.org")
    settings(http, rosa, sync_contacts=True, who_can_message="suggested")
    http.put("/v1/me/contacts", json={"emails": [f"alice{tag}@example.org"]}, headers=rosa.auth)
    r = send(http, alice, rosa, "hi Rosa")
    assert r.status_code == 201 and r.json()["message"]["outcome"] == "delivered"
    inbox = http.get("/v1/conversations?folder=inbox", headers=rosa.auth).json()
    assert alice.handle in json.dumps(inbox)
    settings(http, rosa, sync_contacts=False)
    r = send(http, alice, rosa, "still there?")
    assert r.status_code == 403
    assert [x["code"] for x in r.json()["reasons"]] == ["privacy.not_accepting"]


def test_search_leaves_out_blockers_the_underage_and_the_hidden(http) -> None:
    me = make(http, "srch")
    stem = f"zq{next(_counter)}"
    adult = make(http, stem + "adult", birthdate="1990-01-01")
    make(http, stem + "kid", birthdate="2015-01-01")
    blocker = make(http, stem + "blocker")
    hidden = make(http, stem + "hidden")
    private = make(http, stem + "nobody")
    settings(http, hidden, discoverable=False)
    settings(http, private, who_can_message="nobody", display_name="Quiet Person")
    assert http.put(f"/v1/blocks/{me.handle}", headers=blocker.auth).status_code == 200
    r = http.get("/v1/users", params={"q": stem}, headers=me.auth)
    assert r.status_code == 200, r.text
    results = {x["handle"]: x for x in r.json()["results"]}
    assert set(results) == {adult.handle, private.handle}
    assert results[adult.handle] == {"handle": adult.handle, "display_name": None,
                                     "can_message": True}
    assert results[private.handle]["can_message"] is False
    by_name = http.get("/v1/users", params={"q": "quiet"}, headers=me.auth).json()["results"]
    assert private.handle in [x["handle"] for x in by_name]


def test_search_pages_with_a_cursor(http) -> None:
    me = make(http, "page")
    stem = f"pg{next(_counter)}"
    handles = sorted(make(http, stem + "m").handle for _ in range(3))
    first = http.get("/v1/users", params={"q": stem, "limit": 2}, headers=me.auth).json()
    assert [x["handle"] for x in first["results"]] == handles[:2] and first["next_cursor"]
    second = http.get("/v1/users", params={"q": stem, "limit": 2, "cursor": first["next_cursor"]},
                      headers=me.auth).json()
    assert [x["handle"] for x in second["results"]] == handles[2:]
    assert second["next_cursor"] is None
    r = http.get("/v1/users", params={"q": stem, "cursor": "%%%"}, headers=me.auth)
    assert r.status_code == 422 and r.json()["error"]["field"] == "cursor"
    r = http.get("/v1/users", params={"q": "  "}, headers=me.auth)
    assert r.status_code == 422 and r.json()["error"]["field"] == "q"


def test_search_and_matching_are_throttled(http) -> None:
    me = make(http, "thr")
    for _ in range(12):
        assert http.get("/v1/users", params={"q": "a"}, headers=me.auth).status_code == 200
    r = http.get("/v1/users", params={"q": "a"}, headers=me.auth)
    assert r.status_code == 429
    assert r.json()["error"]["retry_after"] >= 1
    assert int(r.headers["retry-after"]) == r.json()["error"]["retry_after"]
    other = make(http, "thm")
    settings(http, other, sync_contacts=True)
    for i in range(6):
        path = "/v1/me/contacts/matches"
        r = (http.get(path, headers=other.auth) if i % 2 else
             http.put("/v1/me/contacts", json={"phones": [f"+44 20 7946 0{i:03d}"]},
                      headers=other.auth))
        assert r.status_code == 200, r.text
    r = http.put("/v1/me/contacts", json={"phones": ["+44 20 7946 0100"]}, headers=other.auth)
    assert r.status_code == 429 and r.json()["error"]["retry_after"] >= 1
    assert http.get("/v1/me/contacts/matches", headers=other.auth).status_code == 429


def test_a_hidden_account_reads_like_a_missing_one_to_strangers(http) -> None:
    me, hidden, friend = make(http, "vw"), make(http, "hdn"), make(http, "frd")
    settings(http, hidden, discoverable=False)
    http.put(f"/v1/follows/{hidden.handle}", headers=friend.auth)
    missing = http.get("/v1/users/nobody_has_this", headers=me.auth)
    shown = http.get(f"/v1/users/{hidden.handle}", headers=me.auth)
    assert missing.status_code == shown.status_code == 404
    strip = lambda r: {**r.json()["error"], "request_id": None,  # noqa: E731
                       "message": r.json()["error"]["message"].split("@")[0]}
    assert strip(missing) == strip(shown)
    known = http.get(f"/v1/users/{hidden.handle}", headers=friend.auth)
    assert known.status_code == 200 and known.json()["handle"] == hidden.handle


def test_a_verified_phone_is_matched(http, box) -> None:
    owner, phoned = make(http, "pho"), make(http, "num")
    number = f"+44 20 7946 {next(_counter) % 10000:04d}"
    r = http.put("/v1/me/phone", json={"phone": number}, headers=phoned.auth)
    assert r.status_code == 200 and r.json()["phone_verified"] is False
    settings(http, owner, sync_contacts=True)
    http.put("/v1/me/contacts", json={"phones": [number.replace("+44 ", "0")]},
             headers=owner.auth)
    assert http.get("/v1/me/contacts/matches", headers=owner.auth).json()["matches"] == []
    e164 = number.replace(" ", "")
    code = [m for m in box.mail if m["to"] == e164][-1]["data"]["code"]
    wrong = "000000" if code != "000000" else "111111"
    assert http.post("/v1/me/phone/confirm", json={"code": wrong},
                     headers=phoned.auth).status_code == 422
    assert http.post("/v1/me/phone/confirm", json={"code": code},
                     headers=phoned.auth).status_code == 200
    matches = http.get("/v1/me/contacts/matches", headers=owner.auth).json()["matches"]
    assert [m["handle"] for m in matches] == [phoned.handle]
    r = http.put("/v1/me/phone", json={"phone": "not a number"}, headers=phoned.auth)
    assert r.status_code == 422 and r.json()["error"]["field"] == "phone"


def test_the_secret_can_live_in_a_file_made_on_first_start(tmp_path: Path) -> None:
    secret = tmp_path / "keys" / "contact.key"
    port = free_port()
    log = tmp_path / "server.log"
    process = start_serve(port, ["--db", str(tmp_path / "s.db")], log,
                          env={"SENDABLE_CONTACT_SECRET_FILE": str(secret)})
    try:
        assert secret.exists() and (secret.stat().st_mode & 0o777) == 0o600
        key = secret.read_text().strip()
        assert len(bytes.fromhex(key)) == 32
    finally:
        stop_serve(process)
    assert key not in log.read_text()
    with sqlite3.connect(tmp_path / "s.db") as conn:
        assert conn.execute("SELECT COUNT(*) FROM server_secrets").fetchone()[0] == 0
