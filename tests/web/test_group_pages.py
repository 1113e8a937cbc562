"""Groups in a real browser: make a group and see each person's answer, then a second
browser context receives a group message live."""

from __future__ import annotations

from playwright.sync_api import expect


def test_make_a_group_see_each_answer_and_receive_live(new_page, ui) -> None:  # type: ignore[no-untyped-def]
    owner, friend, stranger = new_page(), new_page(), new_page()
    o, f, s = ui.unique("gowner"), ui.unique("gfriend"), ui.unique("gstranger")
    for page, handle in ((owner, o), (friend, f), (stranger, s)):
        ui.sign_up(page, handle)
    # owner and friend follow each other: friend's default setting (mutuals) lets owner add
    for page, other in ((owner, f), (friend, o)):
        page.goto(f"/with/{other}")
        page.get_by_role("button", name="Follow", exact=True).click()

    owner.goto("/groups")
    owner.get_by_label("Name").fill("weekend")
    owner.get_by_label("People to add").fill(f"{f}, {s}")
    owner.get_by_role("button", name="Make the group").click()
    results = owner.locator("#invite-results")
    expect(results.locator(f"[data-handle='{f}']")).to_have_attribute("data-outcome", "added")
    refused = results.locator(f"[data-handle='{s}']")
    expect(refused).to_have_attribute("data-outcome", "refused")
    expect(refused).to_contain_text("can't be added to groups by you")
    ui.shot(owner, "group-created")

    friend.goto("/groups")
    friend.get_by_role("link", name="weekend").click()
    ui.wait_live(friend)
    owner.get_by_label("Message to weekend").fill("who is in for Saturday?")
    owner.get_by_role("button", name="Send").click()
    expect(friend.locator("#messages li.theirs")).to_contain_text("who is in for Saturday?")
    ui.shot(friend, "group-live")

    # someone outside the group finds nothing there
    stranger.goto(owner.url.split("#")[0].split("?")[0])
    expect(stranger.locator("main")).not_to_contain_text("who is in for Saturday?")


def test_the_console_shows_groups_and_closes_one(new_page, ui) -> None:  # type: ignore[no-untyped-def]
    owner, moderator = new_page(), new_page()
    o = ui.unique("gcowner")
    ui.sign_up(owner, o)
    owner.goto("/groups")
    owner.get_by_label("Name").fill("console check")
    owner.get_by_role("button", name="Make the group").click()
    expect(owner.locator("#group-title")).to_have_text("console check")
    group_id = owner.locator("[data-group]").first.get_attribute("data-group")
    ui.log_in(moderator, ui.mod_handle, ui.mod_password)
    moderator.goto("/mod/groups")
    row = moderator.locator(".group-row", has_text="console check")
    expect(row).to_contain_text(f"@{o}")
    row.get_by_role("button", name="Close console check").click()
    expect(moderator.locator(".group-row", has_text="console check")).to_contain_text("closed")
    ui.shot(moderator, "mod-groups")
    owner.goto(f"/groups/{group_id}")  # not a reload: that would post the form again
    expect(owner.locator("main")).to_contain_text("Our moderators closed this group")
