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
    page.route("**/v1/why", lambda route: route.abort())
    page.reload()
    page.get_by_label(f"Message to @{friend}").fill("and now?")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#refusal")).to_be_visible()
    check("conversation with a refusal")
    page.unroute("**/v1/why")
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
