"""What a person may type: handles, texts, notes and settings, checked at the door.

Each check raises `Invalid` naming the field, so every front end answers bad
input the same way (a 422 over HTTP, one line at the command line).
"""

from __future__ import annotations

import re
from typing import Any

from sendable.errors import Invalid
from sendable.textcheck import problem

# What str.strip() removes, spelt out so that every regex dialect (Python's, the JSON
# Schema's, a client's) reads the same set (Python's \s has more than ECMAScript's).
SPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
EMAIL_PATTERN = re.compile(rf"^[^@{SPACE}]+@[^@{SPACE}]+\.[^@{SPACE}]+\Z")
HANDLE_PATTERN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.]{0,29}$")
WHO_CAN_MESSAGE = ("everyone", "followers", "following", "mutuals", "nobody",
                   "suggested")  # suggested: mutuals and the recipient's contacts
ROLES = ("member", "moderator")
MAX_TEXT = 4000
MAX_ID = 2**63 - 1  # the largest id the store holds (a signed 64-bit integer)
LAST_INSTANT = 253402300799.0  # 9999-12-31T23:59:59Z: no date past it can be written


def check_text(text: Any, field: str = "text", allow_empty: bool = False) -> str:
    if not isinstance(text, str):
        raise Invalid(f"{field} must be a string", field)
    found = problem(text, allow_empty)
    if found is not None:  # a lone surrogate, or nothing a reader would see
        raise Invalid(f"{field} {found}", field)
    if len(text) > MAX_TEXT:
        raise Invalid(f"{field} is longer than {MAX_TEXT} characters", field)
    if "\x00" in text:  # PostgreSQL text cannot hold NUL; refuse it on every backend alike
        raise Invalid(f"{field} must not contain NUL characters", field)
    return text


def check_note(value: Any, field: str, max_length: int = MAX_TEXT) -> None:
    """An optional free-text field: None, or text the store takes on every backend."""
    if value is not None:
        check_text(value, field, allow_empty=True)
        if len(value) > max_length:
            raise Invalid(f"{field} is longer than {max_length} characters", field)


def check_handle(handle: Any, field: str = "handle") -> str:
    if not isinstance(handle, str) or not HANDLE_PATTERN.match(handle):
        raise Invalid(f"{field} must be 1-30 letters, digits, '_' or '.', not starting with '.'",
                      field)
    return handle


def check_email(email: Any, field: str = "email") -> str:
    """An address like name@example.org, trimmed; Invalid naming `field` otherwise."""
    if (not isinstance(email, str) or len(email) > 320
            or not EMAIL_PATTERN.match(email.strip())):
        raise Invalid("email must be an address like name@example.org", field)
    return email.strip()


def parse_id(raw: Any, field: str) -> int:
    """An id typed into a form or a path: ASCII digits, 1 to MAX_ID; Invalid naming
    `field` otherwise (a "²" or a number past what the store holds names nothing)."""
    text = str(raw).strip()
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_ID:
        raise Invalid(f"{field} must be a number from 1 to {MAX_ID}", field)
    return int(text)


def check_until(now: float, seconds: float | None, field: str = "for") -> float | None:
    """When something lasting `seconds` from `now` ends (None: never); Invalid naming
    `field` if that is past the year 9999, which no date can show."""
    if seconds is None:
        return None
    if not seconds < LAST_INSTANT - now:  # also refuses inf and nan
        raise Invalid(f"{field} is too long: it would end after the year 9999 "
                      "(give a shorter length, or permanent)", field)
    return now + seconds
