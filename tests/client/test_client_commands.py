"""`sendable login / send / inbox / logout` as real processes: outcomes, refusals with
their remedies, and a message kept in the outbox while offline, sent once later."""

from __future__ import annotations

import json

PASSWORD = "correct horse battery"


def test_send_prints_outcome_and_refusal_reasons(server, cli, user, api, read_back):
    a, b, c = user("a"), user("b"), user("c")
    api("PATCH", server.url, "/v1/me/settings", c, json={"who_can_message": "nobody"})
    assert cli("login", a.handle, "--server", server.url, "--password", PASSWORD).returncode == 0
    sent = cli("send", b.handle, "hi b")
    assert sent.returncode == 0 and "message requests" in sent.stdout
    refused = cli("send", c.handle, "hi c")
    assert refused.returncode == 1
    assert "privacy.not_accepting" in refused.stdout and "remedy:" in refused.stdout
    as_json = json.loads(cli("send", b.handle, "again", "--json").stdout)
    assert as_json["result"]["status"] == "stored" and as_json["pending"] == 0
    assert read_back(server.url, b, a.handle) == ["hi b", "again"]
    inbox = json.loads(cli("inbox", "--json").stdout)
    assert [row["with"] for row in inbox["conversations"]] == [b.handle]
    assert cli("logout").returncode == 0
    assert cli("send", b.handle, "signed out").returncode == 2


def test_offline_send_is_kept_and_sent_once_by_a_later_command(server, proxy, cli, user,
                                                               read_back):
    a, b = user("a"), user("b")
    p = proxy()
    assert cli("login", a.handle, "--server", p.url, "--password", PASSWORD).returncode == 0
    p.down()
    kept = cli("send", b.handle, "sent while offline", "--wait", "0.5")
    assert kept.returncode == 3
    assert "network.connect" in kept.stdout and "Kept in the outbox" in kept.stdout
    assert read_back(server.url, b, a.handle) == []
    offline_inbox = json.loads(cli("inbox", "--json").stdout)
    assert offline_inbox["from_cache"] and offline_inbox["pending"] == 1
    p.up()
    later = json.loads(cli("inbox", "--json").stdout)  # any later command flushes
    assert [r["status"] for r in later["flushed"]] == ["stored"] and later["pending"] == 0
    flush = cli("send", "--flush")
    assert flush.returncode == 0 and "nothing waiting" in flush.stdout
    assert read_back(server.url, b, a.handle) == ["sent while offline"]


def test_search_and_contacts_upload_from_the_command_line(server, cli, user, api, tmp_path):
    a, b = user("a"), user("b")
    assert cli("login", a.handle, "--server", server.url, "--password", PASSWORD).returncode == 0
    found = json.loads(cli("search", b.handle, "--json").stdout)
    assert found["results"] == [{"handle": b.handle, "display_name": None, "can_message": True}]
    assert b.handle in cli("search", b.handle).stdout
    listing = tmp_path / "contacts.vcf"
    listing.write_text("BEGIN:VCARD\nVERSION:3.0\nFN:Someone\nEMAIL:someone@example.org\n"
                       "TEL:+44 20 7946 0018\nTEL:12\nEND:VCARD\n")
    refused = cli("contacts", "upload", str(listing))
    assert refused.returncode == 1 and "sync_contacts" in refused.stderr
    uploaded = json.loads(cli("contacts", "upload", str(listing), "--enable-sync",
                              "--json").stdout)
    assert uploaded["stored"] == 2 and [s["field"] for s in uploaded["skipped"]] == ["phones[1]"]
    assert json.loads(cli("contacts", "matches", "--json").stdout) == {"matches": []}
    assert cli("contacts", "delete").returncode == 0
