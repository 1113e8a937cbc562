"""Finding people in a real browser: search, open a person, the composer explains, and
a contact upload in settings changes who can message."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def _verify_email(page, server, ui, handle: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/standing")
    page.get_by_label("Email for the code").fill(f"{handle}@example.org")
    page.get_by_role("button", name="Send me a code").click()
    codes = re.findall(rf"@{handle},\n\nyour sendable verification code is (\d+)",
                       server.log.read_text())
    page.get_by_label("Code", exact=True).fill(codes[-1])
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("status")).to_contain_text("Your account is verified")


def test_search_a_person_and_a_contact_upload_lets_them_write(new_page, server, ui) -> None:
    alice, rosa = new_page(), new_page(width=390, height=844)
    a, r = ui.unique("alice"), ui.unique("rosa")
    ui.sign_up(alice, a)
    _verify_email(alice, server, ui, a)
    ui.sign_up(rosa, r)

    # Rosa takes messages from mutuals and her contacts only.
    rosa.goto("/settings")
    rosa.get_by_label("People you follow who follow you back, and your contacts").check()
    rosa.get_by_role("button", name="Save", exact=True).click()
    expect(rosa.get_by_role("status")).to_contain_text("Privacy settings saved")

    # Alice finds Rosa; the dry run disables the Message button.
    alice.goto("/people")
    alice.get_by_label("Handle or name").fill(r[:-2])
    alice.get_by_role("button", name="Search").click()
    row = alice.locator(f".person-result[data-handle='{r}']")
    expect(row).to_be_visible()
    expect(row.get_by_role("button", name="Message")).to_be_disabled()
    ui.shot(alice, "people-search-disabled")

    # Opening her anyway, the composer explains before anything is sent.
    alice.goto(f"/with/{r}")
    expect(alice.locator("#verdict")).to_contain_text(f"Can't send to @{r}")
    expect(alice.locator("#verdict")).to_contain_text("isn't accepting messages from you")

    # Rosa turns on contact sync and pastes Alice's address.
    rosa.goto("/settings")
    expect(rosa.get_by_label("Sync my contacts")).not_to_be_checked()
    rosa.get_by_label("Sync my contacts").check()
    rosa.get_by_role("button", name="Update how people find me").click()
    rosa.get_by_label("Paste emails or phone numbers, one a line").fill(
        f"{a.upper()}@Example.org\nnot an address at all")
    ui.shot(rosa, "settings-contacts")
    rosa.get_by_role("button", name="Upload contacts").click()
    expect(rosa.locator("#upload-stored")).to_contain_text("1 contact kept")
    expect(rosa.get_by_label("Matched contacts")).to_contain_text(f"@{a}")
    ui.shot(rosa, "contacts-uploaded")

    # Now the search offers Message, and the composer says it goes to her inbox.
    alice.goto(f"/people?q={r}")
    row = alice.locator(f".person-result[data-handle='{r}']")
    row.get_by_role("link", name="Message").click()
    alice.wait_for_url(f"**/with/{r}")
    expect(alice.locator("#verdict")).to_contain_text(f"Can send to @{r}")
    expect(alice.locator("#verdict")).to_contain_text("inbox")
    alice.get_by_label(f"Message to @{r}").fill("hi Rosa, it's Alice")
    alice.get_by_role("button", name="Send").click()
    expect(alice.get_by_role("status")).to_contain_text("Sent.")

    # Turning sync off deletes the list: Alice can no longer write.
    rosa.goto("/settings")
    rosa.get_by_label("Sync my contacts").uncheck()
    rosa.get_by_role("button", name="Update how people find me").click()
    expect(rosa.get_by_role("status")).to_contain_text("deleted your uploaded contacts")
    alice.goto(f"/people?q={r}")
    expect(alice.locator(f".person-result[data-handle='{r}']")
           .get_by_role("button", name="Message")).to_be_disabled()
