"""Reading a conversation: unread counts, read cursors, earlier history page by page;
and an account that gave no date of birth (under the minimum age until it does)."""

from __future__ import annotations

from apikit import mutual, send


def _inbox(http, who):  # type: ignore[no-untyped-def]
    return {c["with"]: c for c in
            http.get("/v1/conversations", headers=who.auth).json()["conversations"]}


def test_unread_counts_fall_as_the_reader_reads_and_never_reach_the_sender(http, user):
    a, b = user("a"), user("b")
    mutual(http, a, b)
    seqs = [send(http, a, b, f"m{i}").json()["message"]["seq"] for i in range(3)]
    assert http.get("/v1/me/unread", headers=b.auth).json() == {"inbox": 1, "requests": 0}
    assert _inbox(http, b)[a.handle]["unread"] == 3
    assert _inbox(http, a)[b.handle]["unread"] == 0  # one's own messages are never unread
    cid = _inbox(http, b)[a.handle]["id"]

    r = http.post(f"/v1/conversations/{cid}/read", json={"seq": seqs[1]}, headers=b.auth)
    assert r.status_code == 200 and r.json() == {"conversation_id": cid, "read_seq": seqs[1]}
    assert _inbox(http, b)[a.handle]["unread"] == 1
    # The cursor never moves back, and never past the newest message.
    back = http.post(f"/v1/conversations/{cid}/read", json={"seq": 0}, headers=b.auth)
    assert back.json()["read_seq"] == seqs[1]
    ahead = http.post(f"/v1/conversations/{cid}/read", json={"seq": 999}, headers=b.auth)
    assert ahead.json()["read_seq"] == seqs[2]
    assert http.get("/v1/me/unread", headers=b.auth).json() == {"inbox": 0, "requests": 0}
    # A reply makes the other side's count, not the replier's.
    send(http, b, a, "back at you")
    assert http.get("/v1/me/unread", headers=a.auth).json()["inbox"] == 1
    assert http.get("/v1/me/unread", headers=b.auth).json()["inbox"] == 0


def test_requests_are_counted_apart_and_a_stranger_cannot_mark_them(http, user):
    a, b, c = user("a"), user("b"), user("c")
    cid = send(http, a, b, "hello stranger").json()["message"]["conversation_id"]
    assert http.get("/v1/me/unread", headers=b.auth).json() == {"inbox": 0, "requests": 1}
    assert http.get("/v1/me/unread", headers=a.auth).json() == {"inbox": 0, "requests": 0}
    r = http.post(f"/v1/conversations/{cid}/read", json={"seq": 1}, headers=c.auth)
    assert r.status_code == 404
    bad = http.post(f"/v1/conversations/{cid}/read", json={"seq": "x"}, headers=b.auth)
    assert bad.status_code == 422 and "seq" in bad.text


def test_earlier_history_page_by_page_newest_first_pages(http, user):
    a, b = user("a"), user("b")
    mutual(http, a, b)
    for i in range(7):
        r = send(http, a if i % 2 else b, a if i % 2 == 0 else b, f"n{i}")
    cid, last = r.json()["message"]["conversation_id"], r.json()["message"]["seq"]
    url = f"/v1/conversations/{cid}/messages"
    newest = http.get(url, params={"before_seq": last + 1, "limit": 3}, headers=a.auth).json()
    assert [m["text"] for m in newest["messages"]] == ["n4", "n5", "n6"]
    first = newest["messages"][0]["seq"]
    earlier = http.get(url, params={"before_seq": first, "limit": 3}, headers=a.auth).json()
    assert [m["text"] for m in earlier["messages"]] == ["n1", "n2", "n3"]
    rest = http.get(url, params={"before_seq": earlier["messages"][0]["seq"], "limit": 3},
                    headers=a.auth).json()
    assert [m["text"] for m in rest["messages"]] == ["n0"]
    assert http.get(url, params={"before_seq": 0}, headers=a.auth).status_code == 422


def test_no_birthdate_counts_as_under_age_until_given_once(http, user):
    adult = user("adult")
    unknown = user("nobirth", birthdate=None)
    assert http.get("/v1/me", headers=unknown.auth).json()["birthdate"] is None
    mutual(http, adult, unknown)
    r = send(http, unknown, adult, "hi")
    assert r.status_code == 403 and r.json()["error"]["code"] == "account.underage"
    to = send(http, adult, unknown, "hi")  # the recipient side, in the sender's view
    assert to.status_code == 403 and to.json()["error"]["code"] == "privacy.not_accepting"
    assert "underage" not in to.text

    given = http.put("/v1/me/birthdate", json={"birthdate": "1999-05-04"}, headers=unknown.auth)
    assert given.status_code == 200 and given.json()["birthdate"] == "1999-05-04"
    assert send(http, unknown, adult, "hi").status_code == 201
    assert send(http, adult, unknown, "hi").status_code == 201
    # Once on file it is not changed here (else anyone could make themselves older).
    again = http.put("/v1/me/birthdate", json={"birthdate": "1980-01-01"}, headers=unknown.auth)
    assert again.status_code == 409 and again.json()["error"]["field"] == "birthdate"
    future = http.put("/v1/me/birthdate", json={"birthdate": "2999-01-01"},
                      headers=user("later", birthdate=None).auth)
    assert future.status_code == 422 and future.json()["error"]["field"] == "birthdate"
