"""Canonical text form and fast term matching.

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
from typing import Any

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
# A whole token holding a leet symbol and a letter: only those are leetspeak,
# so "455" or "$5" stay numbers while "@$$hole" and "k1ll" are words. The
# look-behind and lazy look-aheads keep this linear (no backtracking).
_LEET_TOKEN = re.compile(
    rf"(?<![\w@$])(?=[\w@$]*?[^\W\d_])(?=[\w@$]*?[{_LEET_SYMS}])[\w@$]+"
)
_HAS_LETTER = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"[^\W_]+")
_SQUEEZE = re.compile(r"(.)\1+")
_PUNCT = re.compile(r"[^\w\s]|_")

# Chat shorthand that TermMatcher also reads as the full word ("kill u").
SHORTHAND: dict[str, str] = {"u": "you", "yu": "you", "ya": "you", "ur": "your", "r": "are"}

# More ambiguous symbols in one word than this and we stop trying every reading.
_MAX_AMBIGUOUS_PER_WORD = 6
# Letters spelled out one by one ("k y s", "f.a.g"): a run of single-character
# words. Only such runs of at most this many letters are re-joined.
_SPACED_RUN = re.compile(r"(?<![^\W_])[^\W_](?![^\W_])(?:[\W_]{1,3}[^\W_](?![^\W_])){2,}")
_MAX_SPACED_LETTERS = 16
# Words whose "starts a term" answer a TermMatcher keeps before it starts afresh.
_MAX_REMEMBERED = 1 << 16


def _deleet(text: str, repl: Callable[[re.Match[str]], str]) -> str:
    return _LEET_TOKEN.sub(repl, text) if _LEET_CHAR.search(text) else text


def _fold(text: str) -> str:
    """NFKC, case-fold, look-alikes → Latin. ASCII text skips the Unicode work."""
    if text.isascii():
        return text.lower()  # same as casefold() for ASCII, and faster
    return unicodedata.normalize("NFKC", text).casefold().translate(fold_table())


def _canon_token(m: re.Match[str]) -> str:
    return m[0].translate(_CANON_TABLE)


def _match_token(m: re.Match[str]) -> str:
    return m[0].translate(_MATCH_TABLE)


def normalise(text: str) -> str:
    """The canonical form: NFKC, case-folded, look-alikes and leetspeak mapped
    to Latin letters (an ambiguous symbol becomes its first letter), whitespace
    runs collapsed to one space, stripped. Same as ``TextForms(text).canonical``."""
    return " ".join(_deleet(_fold(text), _canon_token).split())


def strip_punctuation(text: str) -> str:
    """Replace punctuation and symbols by spaces and collapse whitespace."""
    return " ".join(_PUNCT.sub(" ", text).split())


@lru_cache(maxsize=1 << 16)
def _runs(word: str) -> tuple[int, ...]:
    return tuple(len(list(g)) for _, g in groupby(word))


@lru_cache(maxsize=1 << 16)
def _word_info(word: str) -> tuple[frozenset[str], tuple[tuple[str, str], ...]]:
    """Trie keys and (key, spelled) readings of one text word.

    Cached: chat vocabulary repeats, and squeezing by regex per word is the
    slowest step otherwise. A word has one reading unless it holds ambiguous
    symbols ("ki11" reads kiii, kiil, kili, kill), is a lone ambiguous symbol
    ("1 will" reads as "i will" too) or is shorthand ("u" also reads "you").
    """
    spelled = [word]
    if word in _AMBIGUOUS:
        spelled += list(_AMBIGUOUS[word])
    elif word in SHORTHAND:
        spelled.append(SHORTHAND[word])
    elif not any(sym in word for sym in _AMBIGUOUS) or not _HAS_LETTER.search(word):
        key = _SQUEEZE.sub(r"\1", word)  # one reading: most words
        return frozenset((key,)), ((key, word),)
    else:
        choices = [_AMBIGUOUS.get(ch, ch) for ch in word]
        if sum(len(c) > 1 for c in choices) > _MAX_AMBIGUOUS_PER_WORD:
            choices = [c[0] for c in choices]
        spelled = sorted({"".join(p) for p in product(*choices)})
    readings = tuple((_SQUEEZE.sub(r"\1", w), w) for w in spelled)
    return frozenset(k for k, _ in readings), readings


def _spaced_edges(words: list[str]) -> dict[int, list[tuple[int, str, str]]]:
    """Extra readings that join spelled-out letters: "f u c k" → "fuck"."""
    extra: dict[int, list[tuple[int, str, str]]] = {}
    i, n = 0, len(words)
    while i < n:
        j = i
        while j < n and len(words[j]) == 1:
            j += 1
        if j - i >= 3:
            for a in range(i, j):
                for b in range(a + 3, min(j, a + _MAX_SPACED_LETTERS) + 1):
                    joined = "".join(words[a:b])
                    for key, spelled in _word_info(joined)[1]:
                        extra.setdefault(a, []).append((b, key, spelled))
        i = max(j, i + 1)
    return extra


# ASCII bytes → space unless a letter or digit (str.split() then gives _WORD tokens).
_ASCII_WORDS = bytes(c if chr(c).isalnum() and c < 128 else 32 for c in range(256))
# For spotting leetspeak tokens in ASCII: letters → "a", leet symbols → "1",
# other token characters deleted, everything else → " ". A token mixes a letter
# and a symbol iff some letter and symbol are adjacent once the rest is deleted.
_ASCII_LEET_CLASS = bytes(
    ord("1") if chr(c) in LEET else ord("a") if chr(c).isalpha() and c < 128 else 32
    for c in range(256)
)
_ASCII_LEET_DELETE = bytes(c for c in b"0123456789_" if chr(c) not in LEET)

_Info = tuple[frozenset[str], tuple[tuple[str, str], ...]]
_UNSET = object()


class TextForms:
    """The normalised forms of one message, computed once and read by every check.

    ``normalise``, ``TermMatcher.find``, the guideline model input, spam
    scoring and the fingerprint all start from the same folding; computing it
    per check cost several passes over the text. Plain ASCII text (the usual
    chat message) takes a fast path: ``str.lower`` and a byte-table split
    instead of regexes, taken only when no token mixes letters with leetspeak
    symbols, so its results are exactly those of the general path
    (tests/text/test_fast_paths.py checks both on every evaluation row).
    """

    __slots__ = ("text", "folded", "ascii", "plain_words", "_leet", "_cache")

    def __init__(self, text: str, fast: bool = True) -> None:
        """``fast=False`` takes the general path even for ASCII (for tests)."""
        self.text = text
        self.folded = _fold(text)
        self.ascii = fast and text.isascii()
        self._cache: dict[str, object] = {}
        if self.ascii:
            b = self.folded.encode("ascii")
            # Alphanumeric runs of the folded text (_WORD tokens, no leet mapping).
            self.plain_words: list[str] = b.translate(_ASCII_WORDS).decode("ascii").split()
            classes = b.translate(_ASCII_LEET_CLASS, _ASCII_LEET_DELETE)
            self._leet = b"a1" in classes or b"1a" in classes
        else:
            self.plain_words = _WORD.findall(self.folded)
            self._leet = True  # not known without the regexes: take the general path

    @property
    def simple(self) -> bool:
        """ASCII with no leetspeak token: match and canonical forms are the folded text."""
        return self.ascii and not self._leet

    def _get(self, key: str, make: Callable[[], object]) -> Any:
        value = self._cache.get(key, _UNSET)  # not try/except: most keys miss once per text
        if value is _UNSET:
            value = self._cache[key] = make()
        return value

    @property
    def match_form(self) -> str:
        """The folded text with unambiguous leetspeak mapped (what TermMatcher reads)."""
        if self.simple:
            return self.folded
        return self._get("match_form", lambda: _deleet(self.folded, _match_token))

    @property
    def match_words(self) -> list[str]:
        if self.simple:
            return self.plain_words
        return self._get("match_words", lambda: _WORD.findall(self.match_form))

    @property
    def canonical(self) -> str:
        """normalise(text)."""
        return self._get("canonical", lambda: " ".join(
            (self.folded if self.simple else _deleet(self.folded, _canon_token)).split()))

    @property
    def canonical_words(self) -> list[str]:
        """The words of normalise(text), punctuation dropped."""
        if self.simple:
            return self.plain_words
        return self._get("canonical_words", lambda: _WORD.findall(self.canonical))

    @property
    def infos(self) -> list[_Info]:
        return self._get("infos", lambda: list(map(_word_info, self.match_words)))

    @property
    def spaced(self) -> dict[int, list[tuple[int, str, str]]]:
        return self._get("spaced", self._spaced)

    def _spaced(self) -> dict[int, list[tuple[int, str, str]]]:
        words = self.match_words
        # _SPACED_RUN needs three consecutive one-character words: check the list first.
        run = 0
        for w in words:
            run = run + 1 if len(w) == 1 else 0
            if run == 3:
                break
        else:
            return {}
        return _spaced_edges(words) if _SPACED_RUN.search(self.match_form) else {}


def forms_of(text: str | TextForms) -> TextForms:
    return text if isinstance(text, TextForms) else TextForms(text)


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
        self._starts_word: dict[str, bool] = {}
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

    def find(self, text: str | TextForms) -> list[str]:
        """The original terms found in ``text``, in the order they were given."""
        if not self._terms:
            return []
        forms = forms_of(text)
        if not forms.match_words:
            return []
        spaced = forms.spaced
        starts = self._starts(forms.match_words)
        # Most messages stop here: no word starts any term.
        if not starts and not spaced:
            return []
        if spaced:
            starts = sorted(set(starts).union(spaced))
        return [self._terms[i] for i in sorted(self._walk(forms.infos, spaced, starts))]

    def _starts(self, words: list[str]) -> list[int]:
        """Indexes of the words some reading of which starts a term (the same as the
        words whose trie keys meet the root's). Per word, remembered: chat
        vocabulary repeats, and one dict probe a word is the cheapest test."""
        known = self._starts_word
        get = known.get
        out = []
        for i, w in enumerate(words):
            hit = get(w)
            if hit is None:
                if len(known) >= _MAX_REMEMBERED:
                    known.clear()
                hit = known[w] = not self._root.keys().isdisjoint(_word_info(w)[0])
            if hit:
                out.append(i)
        return out

    def _walk(
        self,
        infos: list[tuple[frozenset[str], tuple[tuple[str, str], ...]]],
        spaced: dict[int, list[tuple[int, str, str]]],
        starts: list[int],
    ) -> set[int]:
        """Indexes of the terms spelled by consecutive words from the ``starts`` words.

        From word i the text reads as any of its readings (word i + 1 follows)
        or, for spelled-out letters, as a joined word (see _spaced_edges).
        """
        found: set[int] = set()
        n = len(infos)
        stack: list[tuple[dict, tuple[str, ...], int]] = []
        root_get = self._root.get
        for start in starts:
            for key, spelled in infos[start][1]:  # _push from the root, inlined
                child = root_get(key)
                if child is not None:
                    stack.append((child, (spelled,), start + 1))
            if spaced:
                self._push_spaced(stack, self._root, (), start, spaced)
            while stack:
                node, path, pos = stack.pop()
                ends = node.get(None)
                if ends:
                    got = [_runs(w) for w in path]
                    for need, idx in ends:
                        # Every letter run in the text at least as long as in the term.
                        if all(
                            g >= r
                            for gw, nw in zip(got, need, strict=True)
                            for g, r in zip(gw, nw, strict=True)
                        ):
                            found.add(idx)
                if pos < n and len(node) > (1 if ends else 0):
                    if spaced:
                        self._push(stack, node, path, pos, infos, spaced)
                    else:  # _push without spelled-out letters, inlined
                        get = node.get
                        for key, spelled in infos[pos][1]:
                            child = get(key)
                            if child is not None:
                                stack.append((child, (*path, spelled), pos + 1))
        return found

    @staticmethod
    def _push(
        stack: list[tuple[dict, tuple[str, ...], int]],
        node: dict,
        path: tuple[str, ...],
        pos: int,
        infos: list[tuple[frozenset[str], tuple[tuple[str, str], ...]]],
        spaced: dict[int, list[tuple[int, str, str]]],
    ) -> None:
        """Push every child of ``node`` that the text at word ``pos`` reads into."""
        for key, spelled in infos[pos][1]:
            child = node.get(key)
            if child is not None:
                stack.append((child, (*path, spelled), pos + 1))
        if spaced:
            TermMatcher._push_spaced(stack, node, path, pos, spaced)

    @staticmethod
    def _push_spaced(
        stack: list[tuple[dict, tuple[str, ...], int]],
        node: dict,
        path: tuple[str, ...],
        pos: int,
        spaced: dict[int, list[tuple[int, str, str]]],
    ) -> None:
        for nxt, key, spelled in spaced.get(pos, ()):
            child = node.get(key)
            if child is not None:
                stack.append((child, (*path, spelled), nxt))
