"""Appeals from the pages, end to end in Chromium: a message the spam checks refuse is
sent anyway from the composer and appealed from the refusal, a held message is
appealed from the conversation; the moderator sees what it needs in the queue and
overturns, and the recipient then has the message."""

from __future__ import annotations

from playwright.sync_api import expect

LINKS = "deals http://a.example http://b.example http://c.example http://d.example"
HELD = "vaccines cause autism, look it up"


def _friend_sees(page, sender: str, text: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"/with/{sender}")
    expect(page.locator("main")).to_contain_text(text)


def test_a_refused_message_is_appealed_from_the_composer(new_page, ui) -> None:  # type: ignore[no-untyped-def]
    sender, friend, mod = new_page(), new_page(), new_page()
    s, f = ui.unique("sam"), ui.unique("fay")
    ui.sign_up(sender, s)
    ui.sign_up(friend, f)
    text = f"{LINKS} {s}"
    sender.goto(f"/with/{f}")
    sender.get_by_label(f"Message to @{f}").fill(text)
    verdict = sender.locator("#verdict")
    expect(verdict).to_contain_text("A link in this message can't be sent")
    expect(sender.locator("#send")).to_be_disabled()  # the dry run says it cannot go
    sender.get_by_role("button", name="Send anyway to appeal").first.click()
    refusal = sender.locator("#refusal, section.refusal").first
    expect(refusal).to_contain_text("Not sent")
    ui.shot(sender, "appeal-refusal")
    refusal.get_by_role("link", name="Appeal").first.click()
    sender.wait_for_url("**/standing#appeal-attempt-*")
    refused = sender.locator("section", has=sender.get_by_role("heading",
                                                              name="Messages not sent"))
    expect(refused).to_contain_text(text)
    refused.get_by_label("Why this is a mistake").fill("These are my own shop's links.")
    refused.get_by_role("button", name="Appeal").click()
    expect(sender.get_by_role("status")).to_contain_text("Appeal sent")
    appeals = sender.locator("section", has=sender.get_by_role("heading", name="Appeals"))
    expect(appeals).to_contain_text("open")
    ui.shot(sender, "appeal-standing-refused")

    ui.log_in(mod, ui.mod_handle, ui.mod_password)
    mod.goto("/mod")
    item = mod.locator("li.queue-item", has_text="These are my own shop's links.")
    expect(item.locator(".appealed-text")).to_contain_text(text)  # what deciding needs
    expect(item).to_contain_text("spam.link")
    expect(item).to_contain_text(f"@{f}")
    ui.shot(mod, "appeal-queue-attempt")
    item.get_by_role("button", name="Overturn").click()
    expect(mod.get_by_role("status")).to_contain_text("Done")

    friend.goto("/requests")
    expect(friend.locator("main")).to_contain_text(f"@{s}")
    _friend_sees(friend, s, text)
    sender.goto("/standing")
    expect(refused).to_contain_text("sent to their requests after appeal")
    expect(appeals).to_contain_text("overturned")


def test_a_held_message_is_appealed_from_the_conversation(new_page, ui) -> None:  # type: ignore[no-untyped-def]
    sender, friend, mod = new_page(), new_page(), new_page()
    s, f = ui.unique("hal"), ui.unique("hen")
    ui.sign_up(sender, s)
    ui.sign_up(friend, f)
    text = f"{HELD} {s}"
    sender.goto(f"/with/{f}")
    sender.get_by_label(f"Message to @{f}").fill(text)
    expect(sender.locator("#verdict")).to_contain_text("held")
    sender.locator("#send").click()
    sender.goto(f"/with/{f}")
    expect(sender.locator("main")).to_contain_text("held for review")
    sender.get_by_role("link", name="Appeal").first.click()
    sender.wait_for_url("**/standing#appeal-held-*")
    held = sender.locator("section", has=sender.get_by_role("heading",
                                                           name="Messages held for review"))
    expect(held).to_contain_text(text)
    held.get_by_label("Why this is a mistake").fill("I was quoting a headline to debunk it.")
    held.get_by_role("button", name="Appeal").click()
    expect(sender.get_by_role("status")).to_contain_text("Appeal sent")
    ui.shot(sender, "appeal-standing-held")

    ui.log_in(mod, ui.mod_handle, ui.mod_password)
    mod.goto("/mod")
    item = mod.locator("li.queue-item", has_text="I was quoting a headline")
    expect(item).to_contain_text("guidelines.misinformation")
    item.get_by_role("button", name="Overturn").click()
    expect(mod.get_by_role("status")).to_contain_text("Done")
    _friend_sees(friend, s, text)
    sender.goto("/standing")
    expect(sender.get_by_role("heading", name="Messages held for review")).to_have_count(0)
