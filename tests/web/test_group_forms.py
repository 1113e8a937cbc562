"""Group forms in a real browser answer 303 to a page that can be reloaded: making a
group, adding people, answering an invitation, muting and leaving. A reload posts
nothing again, and each person's answer still shows, in the adder's view only."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect


def _axe(page) -> list[str]:  # type: ignore[no-untyped-def]
    """axe-core's violations on the page as it stands (as tests/web/test_accessibility.py)."""
    axe = pytest.importorskip("axe_playwright_python.sync_playwright").Axe()
    return [f"{v['id']}: {v['help']}" for v in axe.run(page).response["violations"]]


def _posts(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Every form POST the page makes from now on (its URL), as a live list; the live
    stream's ticket (a script's POST on every page load) is not a form."""
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url)
            if r.method == "POST" and "/live/" not in r.url else None)
    return seen


def _follow_both(a, a_handle: str, b, b_handle: str) -> None:  # type: ignore[no-untyped-def]
    for page, other in ((a, b_handle), (b, a_handle)):
        page.goto(f"/with/{other}")
        page.get_by_role("button", name="Follow", exact=True).click()
        expect(page.get_by_role("button", name="Unfollow")).to_be_visible()


def _group_names(page) -> list[str]:  # type: ignore[no-untyped-def]
    page.goto("/groups")
    return page.locator("#live-list li a").all_inner_texts()


def test_make_a_group_reload_posts_nothing_and_answers_stay(new_page, ui) -> None:  # type: ignore[no-untyped-def]
    owner, friend, blocker = new_page(), new_page(), new_page()
    o, f, b = ui.unique("prgowner"), ui.unique("prgfriend"), ui.unique("prgquiet")
    for page, handle in ((owner, o), (friend, f), (blocker, b)):
        ui.sign_up(page, handle)
    _follow_both(owner, o, friend, f)
    blocker.goto(f"/with/{o}")
    blocker.get_by_role("button", name="Block").click()

    owner.goto("/groups")
    owner.get_by_label("Name").fill("reload test")
    owner.get_by_label("People to add").fill(f"{f}, @{b}")
    with owner.expect_response(lambda r: r.request.method == "POST") as posted:
        owner.get_by_role("button", name="Make the group").click()
    assert posted.value.status == 303
    owner.wait_for_url(re.compile(r"/groups/\d+\?results="))
    group_url = owner.url.split("#")[0]

    posts = _posts(owner)
    owner.reload()
    assert posts == []  # the reload was a GET of the page the form redirected to
    results = owner.locator("#invite-results")
    expect(results.locator(f"[data-handle='{f}']")).to_have_attribute("data-outcome", "added")
    refused = results.locator(f"[data-handle='{b}']")
    expect(refused).to_have_attribute("data-outcome", "refused")
    # a block reads as the invitee's setting: nothing says who blocked whom
    expect(refused).to_contain_text("can't be added to groups by you")
    expect(refused).not_to_contain_text("block")
    ui.shot(owner, "group-created-reloaded")
    assert _axe(owner) == []
    assert _group_names(owner).count("reload test") == 1  # made once, reloads or not

    # the answers were for this session: the same address shows the friend nothing
    friend.goto(group_url)
    expect(friend.locator("#group-title")).to_have_text("reload test")
    expect(friend.locator("#invite-results")).to_have_count(0)
    # and a tampered value is ignored rather than shown or failing
    owner.goto(group_url[:-3] + ("abc" if not group_url.endswith("abc") else "xyz"))
    expect(owner.locator("#group-title")).to_have_text("reload test")
    expect(owner.locator("#invite-results")).to_have_count(0)


def test_add_answer_mute_and_leave_redirect(new_page, ui) -> None:  # type: ignore[no-untyped-def]
    owner, friend, stranger = new_page(), new_page(), new_page()
    o, f, s = ui.unique("prgo"), ui.unique("prgf"), ui.unique("prgs")
    for page, handle in ((owner, o), (friend, f), (stranger, s)):
        ui.sign_up(page, handle)
    _follow_both(owner, o, friend, f)
    owner.goto("/groups")
    owner.get_by_label("Name").fill("adding")
    owner.get_by_role("button", name="Make the group").click()
    expect(owner.locator("#group-title")).to_have_text("adding")
    group_url = owner.url.split("?")[0]

    owner.get_by_label("Add people").fill(f"{f} {s}")
    owner.get_by_role("button", name="Add", exact=True).click()
    owner.wait_for_url(re.compile(r"\?results="))
    posts = _posts(owner)
    owner.reload()
    assert posts == []
    results = owner.locator("#invite-results")
    expect(results.locator(f"[data-handle='{f}']")).to_have_attribute("data-outcome", "added")
    expect(results.locator(f"[data-handle='{s}']")).to_have_attribute("data-outcome", "refused")
    expect(results.locator(f"[data-handle='{s}']")).to_contain_text(
        "can't be added to groups by you")
    expect(owner.locator("#group-meta")).to_contain_text(f"@{f}")

    # an unknown handle: nothing changed, the form names the field, no redirect
    owner.get_by_label("Add people").fill("nobody_here_at_all")
    owner.get_by_role("button", name="Add", exact=True).click()
    expect(owner.locator("#invite-error")).to_be_visible()
    expect(owner.locator("#invite-results")).to_have_count(0)

    # mute and unmute: each a redirect with a notice, a reload posts nothing
    friend.goto(group_url)
    friend.get_by_role("button", name="Mute").click()
    expect(friend.get_by_role("status")).to_contain_text("Muted")
    posts = _posts(friend)
    friend.reload()
    assert posts == []
    expect(friend.get_by_role("button", name="Unmute")).to_be_visible()
    friend.get_by_role("button", name="Unmute").click()
    expect(friend.get_by_role("button", name="Mute")).to_be_visible()

    # leaving goes to the group list, which says so
    friend.get_by_role("button", name="Leave the group").click()
    friend.wait_for_url(re.compile(r"/groups\?notice=group_left"))
    expect(friend.get_by_role("status")).to_contain_text("You left the group")
    assert "adding" not in _group_names(friend)


def test_refused_as_a_whole_redirects_with_every_reason(new_page, ui) -> None:  # type: ignore[no-untyped-def]
    owner = new_page()
    o = ui.unique("prgmany")
    ui.sign_up(owner, o)
    owner.goto("/groups")
    csrf = owner.locator("input[name=csrf]").first.get_attribute("value")
    for i in range(10):  # the default cap: groups.max_created_per_day
        made = owner.request.post("/groups", form={"csrf": csrf, "name": f"g{i}", "members": ""},
                                  max_redirects=0)
        assert made.status == 303, made.status
    owner.get_by_label("Name").fill("one too many")
    owner.get_by_role("button", name="Make the group").click()
    owner.wait_for_url(re.compile(r"/groups\?refused="))
    posts = _posts(owner)
    owner.reload()
    assert posts == []
    refusal = owner.locator("#refusal")
    expect(refusal).to_contain_text("You've made as many groups as you can for now")
    expect(refusal.locator(".countdown")).to_be_visible()  # the wait, counting down
    expect(owner.get_by_label("Name")).to_have_value("one too many")
    assert _axe(owner) == []
    assert _group_names(owner).count("one too many") == 0


def test_answer_an_invitation_and_the_owner_lets_someone_in(new_page, ui) -> None:  # type: ignore[no-untyped-def]
    teen_owner, teen_friend, adult = new_page(), new_page(), new_page()
    t, m, x = ui.unique("prgteen"), ui.unique("prgteenf"), ui.unique("prgadult")
    for page, handle, born in ((teen_owner, t, "2010-02-01"), (teen_friend, m, "2010-03-01"),
                               (adult, x, "1990-04-01")):
        page.goto("/signup")
        page.get_by_label("Handle").fill(handle)
        page.get_by_label("Password").fill(ui.password)
        page.get_by_label("Date of birth").fill(born)
        page.get_by_role("button", name="Create account").click()
        page.wait_for_url("**/inbox")
    _follow_both(teen_owner, t, teen_friend, m)
    _follow_both(teen_friend, m, adult, x)

    teen_owner.goto("/groups")
    teen_owner.get_by_label("Name").fill("teen club")
    teen_owner.get_by_label("People to add").fill(m)
    teen_owner.get_by_role("button", name="Make the group").click()
    results = teen_owner.locator("#invite-results")
    expect(results.locator(f"[data-handle='{m}']")).to_have_attribute("data-outcome", "invited")
    group_url = teen_owner.url.split("?")[0]

    # the invited teen accepts: a redirect, then a reload posts nothing
    teen_friend.goto(group_url)
    teen_friend.get_by_role("button", name="Join").click()
    expect(teen_friend.get_by_role("status")).to_contain_text("You joined the group")
    posts = _posts(teen_friend)
    teen_friend.reload()
    assert posts == []
    # in a teen's group, whoever a member brings in waits for the owner
    teen_friend.get_by_label("Add people").fill(x)
    teen_friend.get_by_role("button", name="Add", exact=True).click()
    expect(teen_friend.locator(f"#invite-results [data-handle='{x}']")).to_have_attribute(
        "data-outcome", "pending_approval")

    teen_owner.goto(group_url)
    assert _axe(teen_owner) == []  # the owner's view, with someone waiting
    teen_owner.get_by_role("button", name=f"Let @{x} in").click()
    expect(teen_owner.get_by_role("status")).to_contain_text("Let in")
    posts = _posts(teen_owner)
    teen_owner.reload()
    assert posts == []

    adult.goto(group_url)
    adult.get_by_role("button", name="Join").click()
    expect(adult.get_by_role("status")).to_contain_text("You joined the group")
    expect(adult.locator("#group-meta")).to_contain_text(f"@{x}")
    ui.shot(adult, "group-joined")
