"""A small multinomial naive-Bayes spam model that learns online.

Hand-written rather than scikit-learn: the state is two token-count tables
that a moderator confirmation updates in O(tokens), and that persist as plain
JSON (no pickles in the database). Counts are binarised per message (a token
counts once per message), which works better than raw counts on short texts.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

_FORMAT = 1
_ALPHA = 1.0  # Laplace smoothing
# Below this many examples of EITHER class the model abstains: a model that
# has seen only spam would call everything spam.
MIN_EXAMPLES_PER_CLASS = 20

_MONEY = re.compile(r"[$£€]\s?\d[\d,.]*k?|\d[\d,.]*\s?(?:usd|usdt|eur|gbp|dollars|pounds|euros)\b")
_NUMBER = re.compile(r"\d[\d,.]*")
_WORD = re.compile(r"[^\W_]+|[$£€!]|[\U0001F300-\U0001FAFF\u2600-\u27BF]")


# ASCII bytes → space unless a letter, a digit, "$" or "!" (what _WORD keeps).
_ASCII_KEEP = bytes(c if c < 128 and (chr(c).isalnum() or chr(c) in "$!") else 32
                    for c in range(256))
_ASCII_UPPER = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ASCII_LETTERS = _ASCII_UPPER + _ASCII_UPPER.lower()
_ASCII_DIGITS = b"0123456789"
_CURRENCY_WORDS = ("usd", "eur", "gbp", "dollars", "pounds")  # usdt, euros: substrings


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


def _words(text: str) -> tuple[list[str], bool]:
    """The _WORD tokens of the placeholder form, and whether ``text`` is mostly capitals."""
    return _ascii_words(text) if text.isascii() else _general_words(text)


def _general_words(text: str) -> tuple[list[str], bool]:
    t = unicodedata.normalize("NFKC", text)
    caps = sum(c.isupper() for c in t) > 0.6 * max(1, sum(c.isalpha() for c in t))
    t = t.casefold()
    # Amounts and numbers vary per message; their shape is the signal. The
    # placeholders are words no message uses.
    t = _MONEY.sub(" qqmoneyqq ", t)
    t = _NUMBER.sub(" qqnumqq ", t)
    return _WORD.findall(t), caps


def _ascii_words(text: str) -> tuple[list[str], bool]:
    """_general_words by byte tables: NFKC, casefold and \\w are trivial in ASCII."""
    letters, upper = letter_counts(text)
    caps = upper > 0.6 * max(1, letters)
    t = text.lower()
    if digit_count(text):
        if "$" in t or any(w in t for w in _CURRENCY_WORDS):  # else no amount to mark
            t = _MONEY.sub(" qqmoneyqq ", t)
        t = _NUMBER.sub(" qqnumqq ", t)
    if "!" in t or "$" in t:  # single-character tokens, even when runs touch
        t = t.replace("!", " ! ").replace("$", " $ ")
    return t.encode("ascii").translate(_ASCII_KEEP).decode("ascii").split(), caps


def tokens(text: str) -> set[str]:
    """Words, money and number shapes, '!' and emoji, plus word bigrams."""
    words, caps = _words(text)
    out = set(words)
    out.update(map(" ".join, zip(words, words[1:], strict=False)))  # bigrams "a b"
    if caps:
        out.add("qqcapsqq")
    return out


class SpamModel:
    """Multinomial NB over binarised token counts; ``True`` means spam."""

    def __init__(self) -> None:
        self._docs = {True: 0, False: 0}
        self._counts: dict[bool, Counter[str]] = {True: Counter(), False: Counter()}
        self._totals = {True: 0, False: 0}
        self._vocab = 0  # distinct tokens seen in either class
        # token -> its log-likelihood-ratio term: filled as messages are scored,
        # bounded by the vocabulary, emptied whenever the counts change.
        self._llr: dict[str, float] = {}

    @property
    def examples(self) -> int:
        """Messages learned from, both classes."""
        return self._docs[True] + self._docs[False]

    @property
    def class_counts(self) -> tuple[int, int]:
        """(spam, ham) messages learned from."""
        return self._docs[True], self._docs[False]

    @property
    def ready(self) -> bool:
        """True once both classes have enough examples to be trusted."""
        return min(self._docs.values()) >= MIN_EXAMPLES_PER_CLASS

    def update(self, text: str, is_spam: bool) -> None:
        """Learn one labelled message (e.g. a moderator's confirmation)."""
        label = bool(is_spam)
        toks = tokens(text)
        other = self._counts[not label]
        self._vocab += sum(1 for t in toks if t not in self._counts[label] and t not in other)
        self._docs[label] += 1
        self._counts[label].update(toks)
        self._totals[label] += len(toks)
        self._llr = {}  # after the counts: a scorer that starts now reads only new terms

    def train(self, rows: Iterable[tuple[bool, str]]) -> None:
        """Learn many ``(is_spam, text)`` rows; adds to what is already known."""
        for is_spam, text in rows:
            self.update(text, is_spam)

    def log_odds(self, text: str) -> float | None:
        """log P(spam|text)/P(ham|text), clipped to ±50; None while not :attr:`ready`.

        Class priors are taken as equal: what moderators confirm says little
        about how much of all traffic is spam.
        """
        if not self.ready:
            return None
        cache, spam, ham = self._llr, self._counts[True], self._counts[False]
        llr = 0.0
        for tok in tokens(text):
            term = cache.get(tok)
            if term is None:
                if tok not in spam and tok not in ham:
                    continue  # unseen words say nothing
                term = cache[tok] = self._term(tok)
            llr += term
        return max(-50.0, min(50.0, llr))

    def _term(self, tok: str) -> float:
        spam, ham = self._counts[True], self._counts[False]
        denom_s = self._totals[True] + _ALPHA * self._vocab
        denom_h = self._totals[False] + _ALPHA * self._vocab
        cs, ch = spam[tok], ham[tok]
        return math.log((cs + _ALPHA) / denom_s) - math.log((ch + _ALPHA) / denom_h)

    def prob_spam(self, text: str) -> float | None:
        """P(spam | text), or None while the model is not :attr:`ready`."""
        llr = self.log_odds(text)
        return None if llr is None else 1.0 / (1.0 + math.exp(-llr))

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": _FORMAT,
                "docs": {"spam": self._docs[True], "ham": self._docs[False]},
                "tokens": {"spam": dict(self._counts[True]), "ham": dict(self._counts[False])},
            },
            sort_keys=True, ensure_ascii=False, separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, s: str) -> SpamModel:
        data = json.loads(s)
        if data.get("format") != _FORMAT:
            raise ValueError(f"unknown spam model format {data.get('format')!r}")
        model = cls()
        for label, key in ((True, "spam"), (False, "ham")):
            model._docs[label] = int(data["docs"][key])
            model._counts[label] = Counter({t: int(n) for t, n in data["tokens"][key].items()})
            model._totals[label] = sum(model._counts[label].values())
        model._vocab = len(model._counts[True].keys() | model._counts[False].keys())
        return model
