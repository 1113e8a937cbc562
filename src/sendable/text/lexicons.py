"""Read the built-in word lists shipped in text/lexicons/*.txt."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def load_lexicon(name: str) -> tuple[str, ...]:
    """Terms of one list, in file order: one per line, "#" starts a comment."""
    path = resources.files("sendable.text").joinpath("lexicons", f"{name}.txt")
    terms: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        term = line.split("#", 1)[0].strip()
        if term:
            terms.append(term)
    return tuple(terms)
