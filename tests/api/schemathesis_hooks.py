"""Schemathesis hooks for tests/api/test_schemathesis.py (SCHEMATHESIS_HOOKS names this
module). They leave out generated requests whose refusal depends on something JSON
Schema cannot state, so that `positive_data_acceptance` still holds every other
schema-valid request to a 2xx:

- a birthdate after today (the rule "not in the future" moves with the date);
- the caller's own handle where the server refuses it (a message, `why`, forward,
  invite, report, follow or block of oneself; and a moderator's action on their own
  account), and a moderator's `why` from an account to itself: "not equal to that
  other value" is not a rule JSON Schema has. Schemathesis reads the caller's handle
  from the answers (GET /v1/me), so it does send it.

Nothing else is filtered: every other generated request is sent and checked.
"""

from __future__ import annotations

import os
from datetime import date
from typing import Any

import schemathesis

SELF = os.environ.get("SENDABLE_FUZZ_HANDLE", "").lower()


def _future(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return date.fromisoformat(value) > date.today()
    except ValueError:
        return False


def _same(a: Any, b: Any) -> bool:
    return isinstance(a, str) and isinstance(b, str) and a.lower() == b.lower()


@schemathesis.hook
def filter_case(context: Any, case: Any) -> bool:
    path = case.operation.path
    if SELF and path.startswith(("/v1/follows/", "/v1/blocks/")) and _same(
            (case.path_parameters or {}).get("handle"), SELF):
        return False
    body = case.body
    if not isinstance(body, dict):
        return True
    if path in ("/v1/accounts", "/v1/me/birthdate") and _future(body.get("birthdate")):
        return False
    if path == "/v1/mod/why" and (_same(body.get("from"), body.get("to"))
                                  or _same(body.get("from"), body.get("invite"))):
        return False
    return not (SELF and any(_same(body.get(key), SELF) for key in ("to", "invite", "handle")))
