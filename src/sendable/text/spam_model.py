"""Fast letter and digit counts the hand-made spam features read.

(The naive-Bayes model that lived here gave way to the learned detector in
text/detectors.py.)"""

from __future__ import annotations

_ASCII_UPPER = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ASCII_LETTERS = _ASCII_UPPER + _ASCII_UPPER.lower()
_ASCII_DIGITS = b"0123456789"


def letter_counts(text: str) -> tuple[int, int]:
    """How many letters ``text`` has, and how many of them are capitals."""
    if text.isascii():
        b = text.encode("ascii")
        n = len(b)
        return n - len(b.translate(None, _ASCII_LETTERS)), n - len(b.translate(None, _ASCII_UPPER))
    return sum(map(str.isalpha, text)), sum(map(str.isupper, text))


def digit_count(text: str) -> int:
    if text.isascii():
        b = text.encode("ascii")
        return len(b) - len(b.translate(None, _ASCII_DIGITS))
    return sum(map(str.isdigit, text))
