"""The web app end to end: two people, a moderator, real pages in a real browser."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from sendable.reasons import info


def test_sign_up_two_users_and_a_refusal_explains_itself(new_page, ui) -> None:
    alice, bob = new_page(), new_page(width=390, height=844)  # bob is on a phone
    a, b = ui.unique("alice"), ui.unique("bob")
    ui.sign_up(alice, a, screenshot="signup")
    ui.shot(alice, "inbox-empty")
    ui.sign_up(bob, b)

    # Bob takes messages only from people he follows, and blocks Alice.
    bob.goto("/settings")
    bob.get_by_label("People you follow", exact=True).check()
    bob.get_by_role("button", name="Save").click()
    expect(bob.get_by_role("status")).to_contain_text("Privacy settings saved")
    bob.goto(f"/with/{a}")
    bob.get_by_role("button", name="Block").click()
    expect(bob.get_by_role("status")).to_contain_text("Blocked")
    bob.goto("/settings")
    expect(bob.get_by_text(f"@{a}", exact=True)).to_be_visible()
    ui.shot(bob, "settings-mobile")

    # Before sending, the composer already says she can't, and why (debounced `why`).
    alice.goto(f"/with/{b}")
    verdict = alice.locator("#verdict")
    expect(verdict).to_have_attribute("aria-live", "polite")
    expect(verdict).to_contain_text(f"Can't send to @{b}")
    alice.get_by_label(f"Message to @{b}").fill("hello Bob, are you around?")
    shown = info("privacy.not_accepting")
    expect(verdict).to_contain_text(shown.message)
    expect(verdict).to_contain_text(shown.remedy)
    ui.shot(alice, "composer-verdict")

    # Send is disabled while the dry run says it can't go, and says why.
    send = alice.get_by_role("button", name="Send")
    expect(send).to_be_disabled()
    expect(send).to_have_accessible_description(re.compile(shown.message[:30]))

    # When the check itself can't be reached, Send stays usable and the server's answer
    # says why: refused, with the reason and the remedy, in the sender's view only.
    alice.route("**/live/why", lambda route: route.abort())  # the composer's dry run
    alice.reload()
    alice.get_by_label(f"Message to @{b}").fill("hello Bob, are you around?")
    expect(verdict).to_contain_text("Couldn't check right now")
    expect(send).to_be_enabled()
    send.click()
    refusal = alice.locator("#refusal")
    expect(refusal).to_be_visible()
    expect(refusal).to_be_focused()
    expect(refusal).to_contain_text(shown.message)
    expect(refusal).to_contain_text(shown.remedy)
    assert info("privacy.blocked").message not in alice.content()
    expect(alice.get_by_label(f"Message to @{b}")).to_have_value("hello Bob, are you around?")
    ui.shot(alice, "conversation-refused")

    # Error pages say what happened and what to do.
    alice.goto("/no/such/page")
    expect(alice.get_by_role("heading", name="We can't find that page")).to_be_visible()
    expect(alice.get_by_role("link", name="Go to your inbox")).to_be_visible()
    ui.shot(alice, "error-404")
    alice.goto("/mod")
    expect(alice.get_by_role("heading", name="You can't open this page")).to_be_visible()
    ui.shot(alice, "error-403")


def test_refusal_with_a_wait_counts_down(new_page, ui) -> None:
    sender, friend = new_page(), new_page()
    s, f = ui.unique("fast"), ui.unique("friend")
    ui.sign_up(sender, s)
    ui.sign_up(friend, f)
    friend.goto(f"/with/{s}")  # a follower's inbox takes more than a request would
    friend.get_by_role("button", name="Follow").click()
    expect(friend.get_by_role("status")).to_contain_text("You follow them")
    sender.goto(f"/with/{f}")
    box = sender.get_by_label(f"Message to @{f}")
    for i in range(6):  # the test policy allows 6 a minute
        box.fill(f"message number {i}")
        sender.get_by_role("button", name="Send").click()
        expect(sender.locator("#messages li")).to_have_count(i + 1)
    box.fill("one too many")
    # The composer's dry run already knows: Send is disabled, the wait counts down.
    verdict = sender.locator("#verdict")
    expect(verdict).to_contain_text(info("rate.messages").message)
    expect(sender.get_by_role("button", name="Send")).to_be_disabled()
    countdown = verdict.locator(".countdown")
    expect(countdown).to_have_text(re.compile(r"^(\d+s|1m 00s)$"))
    first = countdown.inner_text()
    expect(countdown).not_to_have_text(first, timeout=3000)  # it ticks
    ui.shot(sender, "conversation-wait")


def test_request_accepted_and_the_conversation_updates_live(new_page, ui) -> None:
    alice, carol = new_page(), new_page()
    a, c = ui.unique("alice"), ui.unique("carol")
    ui.sign_up(alice, a)
    ui.sign_up(carol, c)

    carol.goto("/requests")
    expect(carol.get_by_text("No message requests")).to_be_visible()
    ui.shot(carol, "requests-empty")
    ui.wait_live(carol)

    alice.goto(f"/with/{c}")
    expect(alice.locator("#verdict")).to_contain_text("message requests")
    alice.get_by_label(f"Message to @{c}").fill("hi Carol, we met at the meetup")
    alice.get_by_role("button", name="Send").click()
    expect(alice.get_by_role("status")).to_contain_text("message request")
    expect(alice.locator("#messages")).to_contain_text("in their requests")
    ui.wait_live(alice)

    # Carol's open requests page shows it without a reload.
    expect(carol.get_by_text("hi Carol, we met at the meetup")).to_be_visible()
    ui.shot(carol, "requests")
    carol.get_by_role("button", name="Accept").click()
    carol.wait_for_url(f"**/with/{a}**")
    expect(carol.get_by_role("status")).to_contain_text("Request accepted")
    carol.get_by_label(f"Message to @{a}").fill("Hi Alice! Good to hear from you.")
    carol.get_by_role("button", name="Send").click()

    # Alice's open conversation gets the reply live, and hers reaches Carol live.
    expect(alice.locator("#messages li.theirs")).to_contain_text("Good to hear from you")
    ui.wait_live(carol)
    alice.get_by_label(f"Message to @{c}").fill("Likewise!")
    alice.get_by_role("button", name="Send").click()
    live = carol.locator("#messages li.theirs").last
    expect(live).to_contain_text("Likewise!")
    ui.shot(alice, "conversation")
    ui.shot(carol, "conversation-other-side")

    # A message that arrived live can be reported like one rendered with the page.
    live.get_by_text("Report this message").click()
    live.get_by_label("Reason").select_option("spam")
    live.get_by_role("button", name="Send report").click()
    expect(carol.get_by_role("status")).to_contain_text("Report sent to the moderators")

    alice.goto("/inbox")
    expect(alice.locator(".conversation")).to_contain_text(f"@{c}")
    ui.shot(alice, "inbox")


def test_moderator_bans_user_appeals_moderator_overturns(new_page, ui) -> None:
    dave, mod = new_page(), new_page()
    d, friend = ui.unique("dave"), ui.unique("erin")
    ui.sign_up(dave, d)
    ui.sign_up(new_page(), friend)
    dave.goto("/standing")
    expect(dave.get_by_text("Nothing restricts your account")).to_be_visible()
    ui.shot(dave, "standing-clear")

    ui.log_in(mod, ui.mod_handle, ui.mod_password)
    mod.goto("/mod")
    mod.get_by_label("Look up an account").fill(d)
    mod.get_by_role("button", name="Open").click()
    mod.wait_for_url(f"**/mod/accounts/{d}")
    mod.get_by_label("Length").select_option("7d")
    mod.get_by_label("Reason", exact=True).fill("spamming links")
    mod.get_by_role("button", name=f"Ban @{d}").click()
    expect(mod.get_by_role("status")).to_contain_text("Done")
    expect(mod.get_by_text("in force").first).to_be_visible()
    mod.get_by_label(f"Could @{d} message").fill(friend)
    mod.get_by_role("button", name="Check").click()
    expect(mod.locator(".reasons")).to_contain_text("ban.temporary")
    expect(mod.get_by_role("table", name="Reputation components")).to_be_visible()
    ui.shot(mod, "mod-account")

    # Dave's standing shows the ban and its end; the composer says why he can't send.
    dave.goto("/standing")
    expect(dave.get_by_text(info("ban.temporary").message)).to_be_visible()
    bans = dave.locator("section", has=dave.get_by_role("heading", name="Bans"))
    expect(bans).to_contain_text("in force")
    expect(bans).to_contain_text("ends ")
    dave.get_by_label("Why this is a mistake").fill("I was sharing my own blog, not spam.")
    dave.get_by_role("button", name="Appeal").click()
    expect(dave.get_by_role("status")).to_contain_text("Appeal sent")
    appeals = dave.locator("section", has=dave.get_by_role("heading", name="Appeals"))
    expect(appeals).to_contain_text("open")
    ui.shot(dave, "standing-banned")
    dave.goto(f"/with/{friend}")
    expect(dave.locator("#verdict")).to_contain_text(info("ban.temporary").message)

    # The moderator overturns it from the queue; Dave's open standing page follows live.
    dave.goto("/standing")
    ui.wait_live(dave)
    mod.goto("/mod")
    item = mod.locator("li.queue-item", has_text="I was sharing my own blog")
    expect(item).to_contain_text("appeal of a ban in force")  # how it was prioritised
    ui.shot(mod, "mod-queue")
    item.get_by_label(f"Note to @{d}").fill("Agreed: links to your own site are fine.")
    item.get_by_role("button", name="Overturn").click()
    expect(mod.get_by_role("status")).to_contain_text("Done")
    expect(mod.locator("main")).not_to_contain_text("I was sharing my own blog")

    expect(dave.get_by_text("Nothing restricts your account")).to_be_visible()
    expect(appeals).to_contain_text("overturned")
    expect(appeals).to_contain_text("links to your own site are fine")
    ui.shot(dave, "standing-overturned")

    mod.goto(f"/mod/audit?handle={d}")
    expect(mod.locator("table.audit")).to_contain_text("appeal_overturned")
    ui.shot(mod, "mod-audit")


def test_verification_from_the_standing_page(new_page, server, ui) -> None:
    page = new_page()
    handle = ui.unique("vera")
    ui.sign_up(page, handle)
    page.goto("/standing")
    expect(page.locator("#verification")).to_contain_text("Not verified")
    page.get_by_label("Email for the code").fill(f"{handle}@example.org")
    page.get_by_role("button", name="Send me a code").click()
    expect(page.get_by_role("status")).to_contain_text("We sent you a code")
    # The server's console mailer printed the mail to its log.
    mails = re.findall(rf"@{handle},\n\nyour sendable verification code is (\d+)",
                       server.log.read_text())
    assert mails, "no verification mail in the server log"
    page.get_by_label("Code", exact=True).fill("000000" if mails[-1] != "000000" else "111111")
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("#code-error")).to_contain_text("That code is wrong or has expired")
    expect(page.get_by_label("Code", exact=True)).to_have_attribute("aria-invalid", "true")
    ui.shot(page, "standing-verification")
    page.get_by_label("Code", exact=True).fill(mails[-1])
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("status")).to_contain_text("Your account is verified")
    expect(page.locator("#verification")).to_contain_text("Verified")
