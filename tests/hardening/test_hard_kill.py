"""kill -9 under load: every acknowledged message survives, once.

Twenty senders keep sending (each with its own client_msg_id) until the server is
killed with SIGKILL mid-stream; a new server on the same SQLite file must hold every
message that was answered 201, with the id it was answered with, and a retry of any
send that got no answer stores it once (a repeated client_msg_id replays). The
suite's other durability test (tests/scale/test_two_nodes.py) needs PostgreSQL and
kills a node between sends; this one runs on every backend run, under load."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import httpx
from hardkit import ADULT, PASSWORD, User, login, mutual, start

from serving import stop_serve

SENDERS = 20


def test_kill_9_under_load_loses_no_acknowledged_message(tmp_path: Path) -> None:
    first = start(tmp_path)
    with httpx.Client(base_url=first.url, timeout=60) as http:
        people = []
        for n in range(SENDERS + 1):
            handle = f"k{n}"
            assert http.post("/v1/accounts", json={"handle": handle, "birthdate": ADULT,
                                                   "password": PASSWORD}).status_code == 201
            people.append(login(http, handle))
        hub, senders = people[0], people[1:]
        for s in senders:
            mutual(http, s, hub)

    acked: dict[str, int] = {}  # client_msg_id -> message id, from 201 answers
    attempted: list[tuple[User, str]] = []
    lock = threading.Lock()

    def keep_sending(s: User) -> None:
        with httpx.Client(base_url=first.url, timeout=30) as client:
            n = 0
            while True:
                cid = f"{s.handle}-{n}"
                with lock:
                    attempted.append((s, cid))
                try:
                    r = client.post("/v1/messages", headers=s.auth, json={
                        "to": hub.handle, "text": f"note {cid}", "client_msg_id": cid})
                except httpx.HTTPError:
                    return  # killed: this one was never acknowledged
                if r.status_code != 201:
                    return
                with lock:
                    acked[cid] = r.json()["message"]["id"]
                n += 1

    threads = [threading.Thread(target=keep_sending, args=(s,)) for s in senders]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while len(acked) < 400 and time.monotonic() < deadline:
        time.sleep(0.02)
    first.process.send_signal(signal.SIGKILL)  # type: ignore[attr-defined]
    for t in threads:
        t.join()
    first.process.wait(timeout=10)  # type: ignore[attr-defined]
    assert len(acked) >= 400, len(acked)
    in_flight = len(attempted) - len(acked)

    second = start(tmp_path, db=first.db)
    try:
        with httpx.Client(base_url=second.url, timeout=60) as http:
            found: dict[str, list[int]] = {}
            for conversation in http.get("/v1/conversations", headers=hub.auth).json()[
                    "conversations"]:
                after = 0
                while True:
                    page = http.get(f"/v1/conversations/{conversation['id']}/messages",
                                    params={"after_seq": after, "limit": 200},
                                    headers=hub.auth).json()["messages"]
                    for m in page:
                        found.setdefault(m["text"], []).append(m["id"])
                    if len(page) < 200:
                        break
                    after = page[-1]["seq"]
            lost = [cid for cid, mid in acked.items() if found.get(f"note {cid}") != [mid]]
            assert lost == [], f"{len(lost)} of {len(acked)} acknowledged messages lost"
            # What got no answer is sent again: stored once, never twice.
            for s, cid in attempted:
                if cid not in acked:
                    r = http.post("/v1/messages", headers=s.auth, json={
                        "to": hub.handle, "text": f"note {cid}", "client_msg_id": cid})
                    assert r.status_code == 201, r.text
                    again = http.post("/v1/messages", headers=s.auth, json={
                        "to": hub.handle, "text": f"note {cid}", "client_msg_id": cid})
                    assert again.json()["message"]["id"] == r.json()["message"]["id"]
            assert in_flight <= SENDERS  # each sender had at most one send unanswered
    finally:
        stop_serve(second.process)  # type: ignore[arg-type]

