"""Build the character table that folds look-alike letters to Latin.

Kept apart from normalise.py because it reads the Unicode confusables data
(via confusable-homoglyphs, ~70 ms) and so is built once, lazily, only when a
non-ASCII message first arrives.
"""

from __future__ import annotations

import unicodedata
from functools import cache

_LATIN = frozenset("abcdefghijklmnopqrstuvwxyz")

# Generic combining diacritics (incl. "zalgo" stacks): dropped so "ïdïöt" reads "idiot".
_COMBINING_BLOCKS = ((0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF),
                     (0x20D0, 0x20FF), (0xFE20, 0xFE2F))
# Invisible characters used to split words without showing a gap.
_INVISIBLE = (0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E,
              *range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2060, 0x2070),
              0x3164, 0xFEFF, 0xFFA0)
# Scripts whose letters we check for look-alikes and accents (Latin ext., Greek,
# Cyrillic, Latin extended additional, Greek extended, letterlike, small caps …).
_SCAN_RANGES = ((0x00A0, 0x058F), (0x1D00, 0x1FFF), (0x2100, 0x24FF),
                (0x2C60, 0x2C7F), (0xA720, 0xA7FF), (0xAB30, 0xAB6F))
# Lowercase look-alikes the confusables data only lists as multi-letter or
# small-capital forms, but that are common in evasion ("ηιgg…", "ωhore").
_OVERRIDES = {"η": "n", "ω": "w", "п": "n", "μ": "u"}


@cache
def _confusables() -> dict:
    # Imported here: the package parses its ~900 kB JSON at import time.
    from confusable_homoglyphs.confusables import confusables_data

    return confusables_data


def _direct(ch: str) -> str | None:
    """A lowercase Latin letter that Unicode lists as confusable with ``ch``."""
    for glyph in _confusables().get(ch, ()):
        c = glyph["c"]
        if len(c) == 1 and c.lower() in _LATIN:
            return c.lower()
    return None


def _latin_for(ch: str) -> str | None:
    if ch.isascii():
        return None
    found = _direct(ch)
    if found:
        return found
    # Input is case-folded first, so "н" must inherit the look-alike of "Н" (→ h).
    upper = ch.upper()
    if len(upper) == 1 and upper != ch:
        found = _direct(upper)
        if found:
            return found
    # One more hop: "к" → "ĸ" (kra) → "k".
    for glyph in _confusables().get(ch, ()):
        c = glyph["c"]
        if len(c) == 1 and not c.isascii():
            found = _direct(c)
            if found:
                return found
    return None


def _strip_accents(ch: str) -> str | None:
    decomposed = unicodedata.normalize("NFD", ch)
    if len(decomposed) > 1 and all(_is_combining(c) for c in decomposed[1:]):
        return decomposed[0]
    return None


def _is_combining(ch: str) -> bool:
    o = ord(ch)
    return any(lo <= o <= hi for lo, hi in _COMBINING_BLOCKS)


@cache
def fold_table() -> dict[int, str | None]:
    """str.translate table: look-alikes → Latin, accents stripped, invisibles dropped."""
    table: dict[int, str | None] = {}
    for lo, hi in _SCAN_RANGES:
        for code in range(lo, hi + 1):
            ch = chr(code)
            if ch.casefold() != ch:
                continue  # only case-folded text reaches the table
            base = _strip_accents(ch) or ch
            target = base if base in _LATIN else _latin_for(base)
            if target is not None and target != ch:
                table[code] = target
            elif base != ch:
                table[code] = base
    # Any other non-ASCII letter that Unicode says looks like a Latin letter.
    for ch in _confusables():
        if len(ch) == 1 and ord(ch) not in table and ch.casefold() == ch:
            target = _latin_for(ch)
            if target is not None:
                table[ord(ch)] = target
    table.update({ord(k): v for k, v in _OVERRIDES.items()})
    for lo, hi in _COMBINING_BLOCKS:
        for code in range(lo, hi + 1):
            table[code] = None
    for code in _INVISIBLE:
        table[code] = None
    return table
