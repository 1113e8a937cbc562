"""The web app as a messenger: history, unread counts, the outbox, requests, times,
signing up, the header on a phone and live changes read out. Real pages in Chromium."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
from playwright.sync_api import expect

from sendable.reasons import info

ADULT = "1990-04-01"


def api_user(base: str, handle: str, password: str, **fields: object) -> dict[str, str]:
    """An account made through the API (as another client would); its auth header."""
    body = {"handle": handle, "password": password, "birthdate": ADULT, **fields}
    assert httpx.post(f"{base}/v1/accounts", json=body).status_code == 201
    r = httpx.post(f"{base}/v1/sessions", json={"handle": handle, "password": password})
    return {"Authorization": f"Bearer {r.json()['token']}"}


def mutuals(base: str, a: tuple[str, dict], b: tuple[str, dict]) -> None:
    for (_, x), (y, _) in ((a, b), (b, a)):
        assert httpx.put(f"{base}/v1/follows/{y}", headers=x).status_code == 200


def api_send(base: str, auth: dict, to: str, text: str, **extra: object) -> httpx.Response:
    return httpx.post(f"{base}/v1/messages", json={"to": to, "text": text, **extra},
                      headers=auth)


def texts(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.locator("#messages li .text").all_inner_texts()


def test_a_conversation_opens_at_its_newest_message_and_loads_earlier_on_scroll(
        new_page, roomy, ui) -> None:
    a, b = ui.unique("hist_a"), ui.unique("hist_b")
    auth_a, auth_b = api_user(roomy.url, a, ui.password), api_user(roomy.url, b, ui.password)
    mutuals(roomy.url, (a, auth_a), (b, auth_b))
    for i in range(1, 121):
        sender, to = (auth_a, b) if i % 2 else (auth_b, a)
        assert api_send(roomy.url, sender, to, f"number {i}").status_code == 201
    page = new_page(height=700, url=roomy.url)
    ui.log_in(page, a)
    page.goto(f"/with/{b}")
    history = page.locator("#history")
    expect(page.locator("#messages li")).to_have_count(50)
    assert texts(page)[-1] == "number 120" and texts(page)[0] == "number 71"
    # It opens scrolled to the bottom: the newest message is in view, the oldest is not.
    expect(page.get_by_text("number 120", exact=True)).to_be_in_viewport()
    expect(page.get_by_text("number 71", exact=True)).not_to_be_in_viewport()
    ui.shot(page, "conversation-newest")

    # Scrolling to the top loads the page before, and keeps what you were reading in view.
    history.evaluate("el => { el.scrollTop = 0; }")
    expect(page.locator("#messages li")).to_have_count(100)
    assert texts(page)[0] == "number 21"
    expect(page.get_by_text("number 21", exact=True)).not_to_be_in_viewport()
    history.evaluate("el => { el.scrollTop = 0; }")
    expect(page.locator("#messages li")).to_have_count(120)
    assert texts(page) == [f"number {i}" for i in range(1, 121)]
    expect(page.locator("#earlier")).to_have_count(0)  # nothing earlier left
    expect(page.locator("#announcer")).to_have_text(re.compile("20 earlier messages loaded"))

    # Without script, the same history is a link away.
    plain = new_page(url=roomy.url, java_script_enabled=False)
    ui.log_in(plain, b)
    plain.goto(f"/with/{a}")
    plain.get_by_role("link", name="Earlier messages").click()
    assert plain.locator("#messages li .text").all_inner_texts()[-1] == "number 70"
    expect(plain.get_by_role("link", name="Back to the newest messages")).to_be_visible()


def test_unread_counts_in_the_inbox_and_the_header_follow_reading_live(
        new_page, server, ui) -> None:
    reader = new_page()
    r, w = ui.unique("reader"), ui.unique("writer")
    ui.sign_up(reader, r)
    auth_w = api_user(server.url, w, ui.password)
    reader.goto(f"/with/{w}")
    reader.get_by_role("button", name="Follow").click()  # so the writer lands in the inbox
    reader.goto("/inbox")
    ui.wait_live(reader)
    nav_inbox = reader.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile("^Inbox"))
    expect(nav_inbox).to_have_accessible_name("Inbox")
    for text in ("first one", "second one"):
        assert api_send(server.url, auth_w, r, text).status_code == 201
    expect(nav_inbox).to_have_accessible_name(re.compile(r"^Inbox\s*1 unread\s*$"))  # live, no reload
    row = reader.locator(".conversation", has_text=f"@{w}")
    expect(row.locator(".badge")).to_have_text("2 unread")
    ui.shot(reader, "inbox-unread")

    # Opening the conversation reads it; what arrives while it is open is read too.
    reader.goto(f"/with/{w}")
    expect(nav_inbox).to_have_accessible_name("Inbox")
    ui.wait_live(reader)
    api_send(server.url, auth_w, r, "third one, while you look")
    expect(reader.locator("#messages li.theirs").last).to_contain_text("third one")
    reader.wait_for_timeout(500)
    reader.goto("/inbox")
    expect(row.locator(".badge")).to_have_count(0)
    expect(nav_inbox).to_have_accessible_name("Inbox")
    # A request counts under Requests, not the inbox.
    stranger = ui.unique("stranger")
    api_send(server.url, api_user(server.url, stranger, ui.password), r, "hello, new here")
    nav_requests = reader.get_by_role("navigation", name="Main").get_by_role(
        "link", name=re.compile("^Requests"))
    expect(nav_requests).to_have_accessible_name(re.compile(r"^Requests\s*1 unread\s*$"))
    expect(nav_inbox).to_have_accessible_name("Inbox")


def test_unreachable_server_keeps_the_message_and_sends_it_once_when_back(
        new_page, server, ui) -> None:
    page = new_page()
    s, t = ui.unique("offline"), ui.unique("target")
    ui.sign_up(page, s)
    auth_t = api_user(server.url, t, ui.password)
    assert httpx.put(f"{server.url}/v1/follows/{s}", headers=auth_t).status_code == 200
    page.goto(f"/with/{t}")
    ui.wait_live(page)
    box = page.get_by_label(f"Message to @{t}")
    expect(page.get_by_role("button", name="Send")).to_be_enabled()

    # Offline: the message waits in this browser, marked as not sent yet.
    page.context.set_offline(True)
    box.fill("written on the train")
    page.get_by_role("button", name="Send").click()
    waiting = page.locator("#pending li")
    expect(waiting).to_contain_text("written on the train")
    expect(waiting).to_contain_text("Not sent yet")
    expect(page.get_by_role("status")).to_contain_text("Your message is kept in this browser")
    stored = page.evaluate(f"JSON.parse(localStorage.getItem('sendable-outbox:{s}'))")
    assert [i["text"] for i in stored] == ["written on the train"]
    assert re.fullmatch(r"[0-9a-f]{32}", stored[0]["client_msg_id"])  # as the SDK's ids
    ui.shot(page, "conversation-offline")

    # Back online: sent by itself, shown as sent, the outbox empty.
    page.context.set_offline(False)
    expect(page.locator("#messages li.mine")).to_contain_text("written on the train")
    expect(waiting).to_have_count(0)
    assert page.evaluate(f"localStorage.getItem('sendable-outbox:{s}')") == "[]"

    # An answer lost on the way back: the retry carries the same client_msg_id, and the
    # server keeps one message.
    lost: list[bool] = []

    def lose_answer(route):  # type: ignore[no-untyped-def]
        if lost:  # only the first answer is lost; the retry goes through
            route.continue_()
            return
        route.fetch()  # the server gets it and stores it...
        route.abort()  # ...but the page never hears back
        lost.append(True)

    page.route("**/v1/messages", lose_answer)
    box.fill("the answer to this one is lost")
    page.get_by_role("button", name="Send").click()
    # (it waits in the outbox only until the retry, which may come at once: not asserted)
    # Unrouting while the handler still runs would let Playwright continue the request
    # itself, and the handler's abort would then fail: wait until the answer is lost.
    for _ in range(200):
        if lost:
            break
        page.wait_for_timeout(50)
    assert lost, "the send never reached the route that loses its answer"
    page.unroute("**/v1/messages")
    expect(page.locator("#messages li.mine").last).to_contain_text("the answer to this one is lost")
    expect(waiting).to_have_count(0)
    conversation = httpx.get(f"{server.url}/v1/conversations", headers=auth_t).json()
    cid = next(c["id"] for c in conversation["conversations"] if c["with"] == s)
    seen = httpx.get(f"{server.url}/v1/conversations/{cid}/messages", headers=auth_t).json()
    assert [m["text"] for m in seen["messages"]] == ["written on the train",
                                                      "the answer to this one is lost"]

    # A draft survives a reload.
    box.fill("half a thought")
    page.reload()
    expect(page.get_by_label(f"Message to @{t}")).to_have_value("half a thought")


def test_a_refused_send_keeps_the_text_and_says_why(new_page, server, ui) -> None:
    page = new_page()
    s, t = ui.unique("keeps"), ui.unique("closed")
    ui.sign_up(page, s)
    auth_t = api_user(server.url, t, ui.password)
    page.goto(f"/with/{t}")
    box = page.get_by_label(f"Message to @{t}")
    box.fill("please keep this")
    # The recipient closes their messages after the composer said yes.
    expect(page.locator("#verdict")).to_contain_text("Can send")
    httpx.patch(f"{server.url}/v1/me/settings", json={"who_can_message": "nobody"},
                headers=auth_t)
    page.get_by_role("button", name="Send").click()
    refusal = page.locator("#refusal")
    expect(refusal).to_be_focused()
    expect(refusal).to_contain_text(info("privacy.not_accepting").message)
    expect(box).to_have_value("please keep this")
    expect(page.locator("#pending li")).to_have_count(0)  # refused is not "waiting"


def test_replying_to_a_request_accepts_it_and_the_page_says_so(new_page, server, ui) -> None:
    page = new_page()
    me, them = ui.unique("asked"), ui.unique("asker")
    ui.sign_up(page, me)
    auth = api_user(server.url, them, ui.password)
    assert api_send(server.url, auth, me, "hi, may I ask you something?").status_code == 201
    page.goto(f"/with/{them}")
    banner = page.get_by_role("region", name="Message request")
    expect(banner).to_contain_text("Replying accepts the request")
    reply = page.get_by_label(f"Reply to @{them}")
    expect(reply).to_have_accessible_description(re.compile("Sending a reply accepts"))
    ui.shot(page, "conversation-request")
    reply.fill("sure, go ahead")
    page.get_by_role("button", name="Accept and reply").click()
    expect(page.get_by_role("status")).to_contain_text("Replying accepted the request")
    expect(banner).to_have_count(0)
    expect(page.get_by_role("button", name="Send")).to_be_visible()
    page.goto("/requests")
    expect(page.get_by_text("No message requests")).to_be_visible()
    page.goto("/inbox")
    expect(page.locator(".conversation", has_text=f"@{them}")).to_be_visible()

    # Without script the form does the same and the next page says so.
    plain, other = new_page(java_script_enabled=False), ui.unique("asker")
    ui.log_in(plain, me)
    api_send(server.url, api_user(server.url, other, ui.password), me, "hello from me too")
    plain.goto(f"/with/{other}")
    plain.get_by_label(f"Reply to @{other}").fill("hello back")
    plain.get_by_role("button", name="Accept and reply").click()
    expect(plain.get_by_role("status")).to_contain_text("Replying accepted the request")
    expect(plain.get_by_role("region", name="Message request")).to_have_count(0)


def test_times_are_local_and_relative_while_recent(new_page, server, ui) -> None:
    zone = "Asia/Tokyo"
    page = new_page(timezone_id=zone, locale="en-US")
    a, b = ui.unique("tokyo"), ui.unique("friend")
    ui.sign_up(page, a)
    api_send(server.url, api_user(server.url, b, ui.password), a, "konnichiwa")
    page.goto(f"/with/{b}")
    stamp = page.locator("#messages li time").first
    expect(stamp).to_have_text("just now")
    at = datetime.fromisoformat(stamp.get_attribute("datetime").replace("Z", "+00:00"))
    local = at.astimezone(ZoneInfo(zone))
    assert f"{local.hour % 12 or 12}:{local.minute:02d}" in stamp.get_attribute("title")
    # Older times: relative within a day, then the local date and time.
    shown = page.evaluate("""() => {
      const made = [3 * 3600e3, 3 * 86400e3].map(ago => {
        const t = document.createElement('time');
        t.setAttribute('datetime', new Date(Date.now() - ago).toISOString());
        document.getElementById('main').appendChild(t);
        return t;
      });
      window.sendable.localTimes();
      return made.map(t => t.textContent);
    }""")
    assert shown[0] == "3 hours ago"
    three_days = datetime.now(ZoneInfo(zone)).timestamp() - 3 * 86400
    day = datetime.fromtimestamp(three_days, ZoneInfo(zone))
    assert shown[1].startswith(day.strftime("%b ") + str(day.day)), shown[1]


def test_signup_states_the_password_rule_and_needs_the_date_of_birth(
        new_page, server, ui) -> None:
    page = new_page()
    page.goto("/signup")
    password = page.get_by_label("Password")
    expect(password).to_have_accessible_description(re.compile("At least 8 characters"))
    birth = page.get_by_label("Date of birth")
    expect(birth).to_have_attribute("required", "")
    expect(birth).to_have_accessible_description(re.compile("aged 16 or over"))
    handle = ui.unique("nodate")
    page.get_by_label("Handle").fill(handle)
    password.fill(ui.password)
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("#birthdate-error")).to_contain_text("date of birth")
    expect(page.get_by_label("Date of birth")).to_have_attribute("aria-invalid", "true")

    # An account made elsewhere without one can't message until it gives one, once.
    later, friend = ui.unique("later"), ui.unique("pal")
    api_user(server.url, later, ui.password, birthdate=None)
    api_user(server.url, friend, ui.password)
    ui.log_in(page, later)
    page.goto(f"/with/{friend}")
    expect(page.locator("#verdict")).to_contain_text(info("account.underage").message)
    expect(page.get_by_role("button", name="Send")).to_be_disabled()
    page.goto("/settings")
    page.get_by_label("Date of birth", exact=True).fill("2001-02-03")
    page.get_by_role("button", name="Save date of birth").click()
    expect(page.get_by_role("status")).to_contain_text("Date of birth saved")
    expect(page.locator("#birthdate-card")).to_have_count(0)
    page.goto(f"/with/{friend}")
    expect(page.locator("#verdict")).to_contain_text("Can send")
    expect(page.get_by_role("button", name="Send")).to_be_enabled()


def test_the_header_fits_one_row_on_a_phone(new_page, ui) -> None:
    phone = new_page(width=360, height=740)
    phone.goto("/signup")
    for path in ("/signup", None, "/inbox", "/settings", "/standing"):
        if path is None:
            ui.sign_up(phone, ui.unique("phone_user_long"))
            continue
        phone.goto(path)
        rows = phone.evaluate("""() => {
          const header = document.querySelector('header.top');
          const tops = [...header.children].filter(c => c.offsetParent !== null)
                         .map(c => Math.round(c.getBoundingClientRect().top + c.getBoundingClientRect().height / 2));
          return {height: header.getBoundingClientRect().height, centres: tops,
                  overflow: document.documentElement.scrollWidth - window.innerWidth};
        }""")
        assert rows["height"] <= 56, (path, rows)
        assert max(rows["centres"]) - min(rows["centres"]) <= 6, (path, rows)
        assert rows["overflow"] <= 0, (path, rows)
    ui.shot(phone, "header-phone")


def test_live_status_changes_are_read_out(new_page, ui) -> None:
    page = new_page()
    ui.sign_up(page, ui.unique("listener"))
    sockets = []

    def through(ws):  # type: ignore[no-untyped-def]
        ws.connect_to_server()
        sockets.append(ws)

    page.route_web_socket(re.compile(r".*/v1/stream.*"), through)
    page.goto("/inbox")
    ui.wait_live(page)
    announcer = page.locator("#announcer")
    expect(announcer).to_have_attribute("aria-live", "polite")
    sockets[-1].close(code=1011, reason="test drop")
    expect(announcer).to_have_text("Live updates lost. Reconnecting…")
    expect(page.locator("#live-status")).to_have_text("offline")
    ui.wait_live(page)  # it reconnects by itself
    expect(announcer).to_have_text("Live updates are back.")
    expect(page.locator("#live-status")).to_have_text("live")
