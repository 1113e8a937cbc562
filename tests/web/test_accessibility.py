"""axe-core on every page, in the states people see them: with messages, a request, a
refusal, a ban, the moderator's pages; on a desktop and on a phone. axe-core ships in
the axe-playwright-python package (no download at run time)."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")
AXE = axe_module.Axe()
ADULT = "1990-04-01"


def violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    found = AXE.run(page).response["violations"]
    return [f"{v['id']} ({v['impact']}): {v['help']} at "
            + "; ".join(n["target"][0] if isinstance(n["target"][0], str) else str(n["target"])
                        for n in v["nodes"][:3])
            for v in found]


def api_user(base: str, handle: str, password: str) -> dict[str, str]:
    body = {"handle": handle, "password": password, "birthdate": ADULT}
    assert httpx.post(f"{base}/v1/accounts", json=body).status_code == 201
    r = httpx.post(f"{base}/v1/sessions", json={"handle": handle, "password": password})
    return {"Authorization": f"Bearer {r.json()['token']}"}


@pytest.mark.parametrize("width", [1100, 390])
def test_no_axe_violations_on_any_page(new_page, server, ui, width: int) -> None:
    page = new_page(width=width, height=844)
    found: dict[str, list[str]] = {}

    def check(name: str) -> None:
        page.wait_for_load_state("load")
        page.wait_for_timeout(300)  # the composer's verdict, times, the live link
        problems = violations(page)
        if problems:
            found[name] = problems

    for path in ("/signup", "/login"):
        page.goto(path)
        check(path)
    page.goto("/signup")
    page.get_by_role("button", name="Create account").click()  # the form with its errors
    check("/signup with errors")

    me, friend, stranger = ui.unique("axe"), ui.unique("axefriend"), ui.unique("axestranger")
    ui.sign_up(page, me)
    auth_friend = api_user(server.url, friend, ui.password)
    auth_stranger = api_user(server.url, stranger, ui.password)
    mine = httpx.post(f"{server.url}/v1/sessions", json={"handle": me, "password": ui.password})
    httpx.put(f"{server.url}/v1/follows/{friend}",
              headers={"Authorization": f"Bearer {mine.json()['token']}"})
    for text in ("hello there", "are you around?"):
        httpx.post(f"{server.url}/v1/messages", json={"to": me, "text": text},
                   headers=auth_friend)
    httpx.post(f"{server.url}/v1/messages", json={"to": me, "text": "a request"},
               headers=auth_stranger)

    page.goto("/inbox")
    check("/inbox with unread")
    page.goto("/requests")
    check("/requests with a request")
    page.goto(f"/with/{friend}")
    check("conversation")
    page.get_by_label(f"Message to @{friend}").fill("a reply of mine")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#messages li.mine")).to_have_count(1)
    page.locator("#messages li.theirs details").first.locator("summary").click()
    check("conversation with a report form open")
    page.goto(f"/with/{stranger}")
    check("conversation that is a request")
    assert httpx.put(f"{server.url}/v1/blocks/{me}", headers=auth_friend).status_code == 200
    page.goto(f"/with/{friend}")
    check("conversation, can't send")
    page.route("**/live/why", lambda route: route.abort())  # the composer's dry run
    page.reload()
    page.get_by_label(f"Message to @{friend}").fill("and now?")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#refusal")).to_be_visible()
    check("conversation with a refusal")
    page.unroute("**/live/why")
    for path in ("/settings", "/standing", "/no/such/page", "/mod"):
        page.goto(path)
        check(path)

    mod = new_page(width=width, height=844)
    ui.log_in(mod, ui.mod_handle, ui.mod_password)
    page = mod
    page.goto(f"/mod/accounts/{friend}")
    check("/mod/accounts")
    page.get_by_label("Length").select_option("7d")
    page.get_by_label("Reason", exact=True).fill("testing the pages")
    page.get_by_role("button", name=f"Ban @{friend}").click()
    expect(page.get_by_role("status")).to_contain_text("Done")
    check("/mod/accounts after a ban")
    for path in ("/mod", f"/mod/audit?handle={friend}"):
        page.goto(path)
        check(path)

    assert not found, "\n".join(f"{name}: {p}" for name, items in found.items() for p in items)


def _bearer(base: str, handle: str, password: str) -> dict[str, str]:
    r = httpx.post(f"{base}/v1/sessions", json={"handle": handle, "password": password})
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


@pytest.mark.parametrize("width", [1100, 390])
def test_no_axe_violations_on_groups_people_settings_standing_and_the_console(
        new_page, server, ui, width: int) -> None:
    """The pages the first test does not reach: groups (list, the answers after making
    one, a group with messages), people (search, contacts uploaded), settings with a
    follow request and with the date of birth to give, the standing page with a strike,
    a ban and an appeal, and the moderators' console with that appeal, groups, the why
    panel and the audit log."""
    page = new_page(width=width, height=844)
    found: dict[str, list[str]] = {}

    def check(name: str, on=None) -> None:  # type: ignore[no-untyped-def]
        on = on or page
        on.wait_for_load_state("load")
        on.wait_for_timeout(300)
        problems = violations(on)
        if problems:
            found[name] = problems

    me, friend, stranger = ui.unique("axg"), ui.unique("axgfriend"), ui.unique("axgstranger")
    ui.sign_up(page, me)
    mine = _bearer(server.url, me, ui.password)
    auth_friend = api_user(server.url, friend, ui.password)
    auth_stranger = api_user(server.url, stranger, ui.password)
    for a, b in ((mine, friend), (auth_friend, me)):
        assert httpx.put(f"{server.url}/v1/follows/{b}", headers=a).status_code == 200

    page.goto("/new")
    check("/new")
    page.goto("/groups")
    check("/groups, none yet")
    page.get_by_label("Name").fill("axe trip")
    page.get_by_label("People to add").fill(f"{friend}, {stranger}")
    page.get_by_role("button", name="Make the group").click()
    expect(page.locator("#invite-results")).to_be_visible()
    check("group made, with an added and a refused answer")
    group_id = page.locator("[data-group]").first.get_attribute("data-group")
    for text in ("first in the group", "second in the group"):
        r = httpx.post(f"{server.url}/v1/messages", json={"group": int(group_id or 0),
                                                         "text": text}, headers=auth_friend)
        assert r.status_code == 201, r.text
    page.goto(f"/groups/{group_id}")
    check("a group with messages")
    page.goto("/groups")
    check("/groups with one")

    page.goto("/people")
    check("/people")
    page.goto(f"/people?q={friend[:-2]}")
    check("/people with results")
    page.goto("/people?q=zzzznobody")
    check("/people with no results")
    assert httpx.patch(f"{server.url}/v1/me/settings", json={"sync_contacts": True,
                                                             "private": True},
                       headers=mine).status_code == 200
    assert httpx.put(f"{server.url}/v1/follows/{me}", headers=auth_stranger).status_code == 200
    page.goto("/settings")
    check("/settings with a follow request and contact sync on")
    page.get_by_label("Paste emails or phone numbers, one a line").fill(
        f"{friend}@example.org\nnot an address")
    page.get_by_role("button", name="Upload contacts").click()
    expect(page.locator("#upload-stored")).to_be_visible()
    check("contacts uploaded")

    # An account made without a date of birth: the settings card and the composer.
    later = ui.unique("axglater")
    api_user_without_birthdate = {"handle": later, "password": ui.password}
    assert httpx.post(f"{server.url}/v1/accounts",
                      json=api_user_without_birthdate).status_code == 201
    other = new_page(width=width, height=844)
    ui.log_in(other, later)
    other.goto("/settings")
    expect(other.locator("#birthdate-card")).to_be_visible()
    check("/settings asking the date of birth", other)
    other.goto(f"/with/{friend}")
    expect(other.get_by_role("button", name="Send")).to_be_disabled()
    check("conversation of an account without a date of birth", other)

    # Standing with a strike, a ban and an appeal; then the console.
    moderator = _bearer(server.url, ui.mod_handle, ui.mod_password)
    for action in ({"action": "strike", "handle": me, "category": "harassment"},
                   {"action": "ban", "handle": me, "for": "7d", "reason": "axe check"}):
        r = httpx.post(f"{server.url}/v1/mod/actions", json=action, headers=moderator)
        assert r.status_code in (200, 201), r.text
    r = httpx.post(f"{server.url}/v1/appeals", json={"target": "last_ban",
                                                     "statement": "please look again"},
                   headers=mine)
    assert r.status_code in (200, 201), r.text
    page.goto("/standing")
    check("/standing with a strike, a ban and an appeal")
    page.goto(f"/with/{friend}")
    check("conversation while banned")

    mod = new_page(width=width, height=844)
    ui.log_in(mod, ui.mod_handle, ui.mod_password)
    mod.goto("/mod")
    expect(mod.locator("main")).to_contain_text("please look again")
    check("/mod queue with an appeal", mod)
    mod.goto("/mod/groups")
    check("/mod/groups", mod)
    mod.goto(f"/mod/accounts/{me}?to={friend}&text=hello")
    expect(mod.locator(".reasons")).to_contain_text("ban.temporary")
    check("/mod/accounts with the why panel", mod)
    mod.goto(f"/mod/accounts/{later}")
    check("/mod/accounts of an account without a date of birth", mod)
    mod.goto(f"/mod/audit?handle={me}")
    check("/mod/audit", mod)

    assert not found, "\n".join(f"{name}: {p}" for name, items in found.items() for p in items)
