"""The moderation console in Chromium: a held group message is in the queue with its
group, and "Keep held (confirm)" keeps it (and a held direct message) held: the item
leaves the queue, the members still do not see it, and a label is stored. The people
and their messages are made over the HTTP API of the same server."""

from __future__ import annotations

import sqlite3

import httpx
from playwright.sync_api import expect

HELD = "vaccines cause autism, look it up"  # held by the default policy


def _person(http: httpx.Client, handle: str, password: str) -> dict[str, str]:
    r = http.post("/v1/accounts", json={"handle": handle, "password": password,
                                        "birthdate": "1990-01-01"})
    assert r.status_code == 201, r.text
    r = http.post("/v1/sessions", json={"handle": handle, "password": password})
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def test_keep_held_from_the_queue_for_a_group_and_a_direct_message(new_page, server,  # type: ignore[no-untyped-def]
                                                                  ui) -> None:
    o, m = ui.unique("gown"), ui.unique("gmem")
    with httpx.Client(base_url=server.url, timeout=10) as http:
        owner, member = _person(http, o, ui.password), _person(http, m, ui.password)
        for who, other in ((owner, m), (member, o)):
            assert http.put(f"/v1/follows/{other}", headers=who).status_code == 200
        group = http.post("/v1/groups", json={"name": f"club {o}", "members": [m]},
                          headers=owner).json()["group"]
        group_text, direct_text = f"{HELD} (to the group, {o})", f"{HELD} (to you, {o})"
        r = http.post("/v1/messages", json={"group": group["id"], "text": group_text},
                      headers=owner)
        assert r.json()["message"]["outcome"] == "held", r.text
        r = http.post("/v1/messages", json={"to": m, "text": direct_text}, headers=owner)
        assert r.json()["message"]["outcome"] == "held", r.text

        mod = new_page()
        ui.log_in(mod, ui.mod_handle, ui.mod_password)
        mod.goto("/mod")
        item = mod.locator("li.queue-item", has_text=group_text)
        expect(item).to_contain_text("Held group message")
        expect(item).to_contain_text(f"club {o}")
        expect(item).to_contain_text("guidelines.misinformation")
        expect(item.get_by_role("button", name="Release to the group")).to_be_visible()
        ui.shot(mod, "mod-queue-held-group")
        item.get_by_role("button", name="Keep held (confirm)").click()
        expect(mod.get_by_role("status")).to_contain_text("Done")
        expect(mod.locator("li.queue-item", has_text=group_text)).to_have_count(0)

        direct = mod.locator("li.queue-item", has_text=direct_text)
        expect(direct).to_contain_text("Held message")
        expect(direct.get_by_role("button", name=f"Release to @{m}")).to_be_visible()
        direct.get_by_role("button", name="Keep held (confirm)").click()
        expect(mod.get_by_role("status")).to_contain_text("Done")
        expect(mod.locator("li.queue-item", has_text=direct_text)).to_have_count(0)

        shown = http.get(f"/v1/groups/{group['id']}/messages", headers=member).json()
        assert group_text not in [x["text"] for x in shown["messages"]]
    with sqlite3.connect(server.db) as db:
        labels = db.execute("SELECT text, positive, source FROM labels WHERE text IN (?, ?) "
                            "ORDER BY id", (group_text, direct_text)).fetchall()
    assert labels == [(group_text, 1, "verdict:held_confirmed"),
                      (direct_text, 1, "verdict:held_confirmed")]
