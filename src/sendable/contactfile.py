"""Reading a contact list as people have one: pasted lines, a CSV export, or vCards.

Pure and dependency-free, so the web app and the command-line client read files
the same way. Only what looks like an email (has an @) or a phone number (at
least 7 digits, written with digits, spaces, + - . ( ) only) is taken; names,
headers and notes are left behind. The server normalises and checks each entry.
"""

from __future__ import annotations

import csv
import io
import re

_PHONE = re.compile(r"^\+?[\d\s().\-]+$")


def _looks_like_phone(cell: str) -> bool:
    return bool(_PHONE.match(cell)) and sum(ch.isdigit() for ch in cell) >= 7


def _vcards(text: str) -> tuple[list[str], list[str]]:
    emails: list[str] = []
    phones: list[str] = []
    lines: list[str] = []
    for raw in text.splitlines():  # unfold: a line starting with a space continues the last
        if raw[:1] in (" ", "\t") and lines:
            lines[-1] += raw[1:]
        else:
            lines.append(raw)
    for line in lines:
        key, sep, value = line.partition(":")
        if not sep:
            continue
        name = key.split(";")[0].split(".")[-1].strip().upper()
        value = value.strip()
        if name == "EMAIL" and value:
            emails.append(value)
        elif name == "TEL" and value:
            phones.append(value.removeprefix("tel:"))
    return emails, phones


def read_contacts(text: str) -> tuple[list[str], list[str]]:
    """(emails, phones) found in a pasted list, a CSV file or a vCard file."""
    if "BEGIN:VCARD" in text.upper():
        return _vcards(text)
    emails: list[str] = []
    phones: list[str] = []
    dialect: type[csv.Dialect] | csv.Dialect = csv.excel
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        pass
    for row in csv.reader(io.StringIO(text), dialect):
        for cell in row:
            cell = cell.strip()
            if "@" in cell:
                emails.append(cell)
            elif _looks_like_phone(cell):
                phones.append(cell)
    return emails, phones
