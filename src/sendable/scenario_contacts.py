"""The scenario runner's part for finding people (accounts' `discoverable`,
`sync_contacts` and `contacts`; the `search` step and its `handles` expectations).

An account's `contacts: [handle…]` is an uploaded list holding those accounts'
addresses: an account without an email gets one of its own
(`<handle>@contacts.scenario.invalid`), which is verified when the account is,
so a contact counts exactly while it is verified and the owner syncs contacts.
"""

from __future__ import annotations

from typing import Any

from sendable.service import Service
from sendable.shell.contact_keys import keys_for, normalise_email
from sendable.shell.contacts import refresh_email_address

ACCOUNT_KEYS = {"discoverable", "sync_contacts", "contacts", "display_name"}
EXPECT_KEYS = ("handles", "not_handles")


def apply_settings(service: Service, handle: str, settings: dict[str, Any]) -> None:
    """The people settings a scenario gives an account or a `settings` step."""
    values = {k: settings.pop(k) for k in ("discoverable", "sync_contacts", "display_name")
              if k in settings}
    if values:
        service.people.update_settings(handle, **values)


def load_contacts(service: Service, owner: str, handles: Any) -> None:
    if not isinstance(handles, list):
        raise ValueError(f"{owner}: contacts must be a list of handles")
    keys = keys_for(service.shell.unit)
    digests = set()
    for handle in handles:
        account = service.account(str(handle))
        email = account["email"]
        if not email:
            email = f"{account['handle'].lower()}@contacts.scenario.invalid"
            service.verification.set_email(account["handle"], email)
            with service.shell.unit.write() as conn:
                refresh_email_address(service.shell.unit, conn, account)
        digests.add(keys.digest("email", normalise_email(email)))
    service.people.store_digests(owner, digests)


def search(service: Service, by: str, args: dict[str, Any]) -> dict[str, Any]:
    found = service.people.search(by, str(args.get("q", "")), int(args.get("limit", 50)))
    return {"handles": [r["handle"] for r in found["results"]]}


def handle_problems(key: str, wanted: Any, observed: dict[str, Any]) -> list[str]:
    got = [h.lower() for h in observed.get("handles", [])]
    names = [str(h).lower() for h in (wanted or [])]
    if key == "handles":
        missing = [h for h in names if h not in got]
        return [f"expected handles {missing} among {got}"] if missing else []
    present = [h for h in names if h in got]
    return [f"expected no {present}, got {got}"] if present else []
