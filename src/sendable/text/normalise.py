"""Canonical text form and fast term matching (CONTRACT §3 "Normalisation").

normalise() gives one deterministic string per message, used for guideline
terms, spam blocked terms and near-duplicate fingerprints alike. TermMatcher
finds terms in a message on word boundaries of that form, with the extra rule
that an ambiguous leetspeak symbol ("1" = i or l) may stand for any of its
letters and that a repeated letter may be stretched ("stuuupid").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache
from itertools import groupby, product

from sendable.text._fold import fold_table

# Leetspeak symbol → the letters it may stand for; the first is the canonical one.
LEET: dict[str, str] = {
    "0": "o", "1": "il", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s",
}
_AMBIGUOUS = {sym: letters for sym, letters in LEET.items() if len(letters) > 1}

_CANON_TABLE = str.maketrans({sym: letters[0] for sym, letters in LEET.items()})
# TermMatcher keeps ambiguous symbols so each of their letters can be tried.
_MATCH_TABLE = str.maketrans(
    {sym: letters[0] for sym, letters in LEET.items() if sym not in _AMBIGUOUS}
)

_LEET_SYMS = re.escape("".join(LEET))
_LEET_CHAR = re.compile(rf"[{_LEET_SYMS}]")
# A whole token that contains a leet symbol; "@" and "$" join tokens ("@$$hole").
# The look-behind/lazy look-ahead keep this linear (no backtracking per position).
_LEET_TOKEN = re.compile(rf"(?<![\w@$])(?=[\w@$]*?[{_LEET_SYMS}])[\w@$]+")
_HAS_LETTER = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"[^\W_]+")
_SQUEEZE = re.compile(r"(.)\1+")
_PUNCT = re.compile(r"[^\w\s]|_")

# More ambiguous symbols in one word than this and we stop trying every reading.
_MAX_AMBIGUOUS_PER_WORD = 6


def _deleet(text: str, repl: Callable[[re.Match[str]], str]) -> str:
    return _LEET_TOKEN.sub(repl, text) if _LEET_CHAR.search(text) else text


def _fold(text: str) -> str:
    """NFKC, case-fold, look-alikes → Latin. ASCII text skips the Unicode work."""
    if text.isascii():
        return text.lower()  # same as casefold() for ASCII, and faster
    return unicodedata.normalize("NFKC", text).casefold().translate(fold_table())


def _canon_token(m: re.Match[str]) -> str:
    tok = m[0]
    # Only tokens with a letter are leetspeak; "455" or "$5" stay numbers.
    return tok.translate(_CANON_TABLE) if _HAS_LETTER.search(tok) else tok


def _match_token(m: re.Match[str]) -> str:
    tok = m[0]
    return tok.translate(_MATCH_TABLE) if _HAS_LETTER.search(tok) else tok


def normalise(text: str) -> str:
    """The canonical form: NFKC, case-folded, look-alikes and leetspeak mapped
    to Latin letters (an ambiguous symbol becomes its first letter), whitespace
    runs collapsed to one space, stripped."""
    return " ".join(_deleet(_fold(text), _canon_token).split())


def strip_punctuation(text: str) -> str:
    """Replace punctuation and symbols by spaces and collapse whitespace."""
    return " ".join(_PUNCT.sub(" ", text).split())


def _runs(word: str) -> tuple[int, ...]:
    return tuple(len(list(g)) for _, g in groupby(word))


@lru_cache(maxsize=1 << 16)
def _word_info(word: str) -> tuple[frozenset[str], tuple[tuple[str, str], ...]]:
    """Trie keys and (key, spelled) readings of one text word.

    Cached: chat vocabulary repeats, and squeezing by regex per word is the
    slowest step otherwise. A word has one reading unless it holds ambiguous
    symbols ("ki11" reads kiii, kiil, kili, kill).
    """
    if not _HAS_LETTER.search(word) or not any(sym in word for sym in _AMBIGUOUS):
        key = _SQUEEZE.sub(r"\1", word)
        return frozenset((key,)), ((key, word),)
    choices = [_AMBIGUOUS.get(ch, ch) for ch in word]
    if sum(len(c) > 1 for c in choices) > _MAX_AMBIGUOUS_PER_WORD:
        choices = [c[0] for c in choices]
    spelled = sorted({"".join(p) for p in product(*choices)})
    readings = tuple((_SQUEEZE.sub(r"\1", w), w) for w in spelled)
    return frozenset(k for k, _ in readings), readings


class TermMatcher:
    """Finds which of a fixed set of terms occur in a text.

    Terms are normalised and split into words; each word is keyed by its
    squeezed form ("kill" → "kil") in a word trie, so a lookup costs one dict
    probe per text word and overlapping terms are all found. A hit is then
    confirmed by run lengths: each letter run in the text must be at least as
    long as in the term ("kiiill" matches "kill", "kil" does not, "as" is not "ass").
    """

    def __init__(self, terms: Iterable[str]) -> None:
        self._root: dict = {}
        self._terms: list[str] = []
        seen: set[str] = set()
        for term in terms:
            if term in seen:
                continue
            words = _WORD.findall(normalise(term))
            if not words:
                continue  # empty or punctuation-only terms never match
            seen.add(term)
            node = self._root
            for w in words:
                node = node.setdefault(_SQUEEZE.sub(r"\1", w), {})
            runs = tuple(_runs(w) for w in words)
            node.setdefault(None, []).append((runs, len(self._terms)))
            self._terms.append(term)

    def __len__(self) -> int:
        return len(self._terms)

    def find(self, text: str) -> list[str]:
        """The original terms found in ``text``, in the order they were given."""
        if not self._terms:
            return []
        words = _WORD.findall(_deleet(_fold(text), _match_token))
        if not words:
            return []
        infos = list(map(_word_info, words))
        root_keys = self._root.keys()
        # Most messages stop here: no word starts any term.
        if all(root_keys.isdisjoint(keys) for keys, _ in infos):
            return []
        readings = [r for _, r in infos]
        root = self._root
        found: set[int] = set()
        n = len(words)
        for i in range(n):
            if root_keys.isdisjoint(infos[i][0]):
                continue
            frontier = [(root, ())]
            j = i
            while frontier and j < n:
                step = []
                for node, path in frontier:
                    for key, spelled in readings[j]:
                        child = node.get(key)
                        if child is None:
                            continue
                        p = (*path, spelled)
                        ends = child.get(None)
                        if ends:
                            got = tuple(_runs(w) for w in p)
                            for need, idx in ends:
                                if all(
                                    all(g >= r for g, r in zip(gw, nw, strict=True))
                                    for gw, nw in zip(got, need, strict=True)
                                ):
                                    found.add(idx)
                        step.append((child, p))
                frontier = step
                j += 1
        return [self._terms[i] for i in sorted(found)]
