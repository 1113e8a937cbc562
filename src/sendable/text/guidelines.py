"""Community-guideline classification of one message (the `guidelines.*` reasons, docs/reasons.md).

Each category matches by terms (built-in lexicon plus policy extra_terms, via
one TermMatcher); harassment also matches when the offensive-language model
is confident the message insults its reader.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache, lru_cache

from sendable.text.lexicons import load_lexicon
from sendable.text.normalise import TermMatcher, TextForms, forms_of, normalise
from sendable.text.offensive import batch_scorer, tokens_of, tokens_scorer

CATEGORIES: tuple[str, ...] = (
    "harassment", "hate", "violence", "sexual", "self_harm", "illegal", "misinformation",
)
# Hate slurs, encouragement of self-harm, offers of illegal goods: no model vetoes them.
SEVERE = frozenset({"hate", "self_harm", "illegal"})

# Harassment is abuse aimed at someone: the model flags any profanity ("fuck
# yeah we won"), so its verdict only counts when the message addresses the
# reader (second person) or mentions someone (@handle).
_SECOND_PERSON = frozenset(
    {"you", "your", "yours", "youre", "yourself", "yourselves", "u", "ur", "ya", "yall", "ye"}
)
_MENTION = re.compile(r"(?<![\w@])@\w")
_HAS_LETTER = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"[^\W_]+")
_STRETCH = re.compile(r"([^\W\d_])\1{2,}")  # "stuuupid" → "stupid" for the model


@dataclass(frozen=True)
class CategoryMatch:
    category: str
    terms: tuple[str, ...]
    score: float
    sources: tuple[str, ...]  # among "lexicon", "extra_terms", "model", "learned"
    learned: float | None = None  # the learned abuse model's P(abuse), when one is in force


@dataclass(frozen=True)
class RuleReading:
    """What the rules (lexicons, extra terms, the offensive model) found in a text,
    with the offensive model's probability (None when it did not read the text)."""

    matches: dict[str, CategoryMatch]
    offensive: float | None

    @property
    def severe(self) -> bool:
        return any(c in SEVERE for c in self.matches)

    @property
    def rule(self) -> bool:
        """A category a model may veto flagged the text."""
        return any(c not in SEVERE for c in self.matches)

    def evidence(self) -> tuple[float, float, float]:
        """What the abuse stacker reads besides the text: offensive P, rule, severe."""
        return (self.offensive or 0.0, float(self.rule), float(self.severe))


def combine(reading: RuleReading, p: float, veto: float, add: float) -> dict[str, CategoryMatch]:
    """Rules and the learned model together: a severe category always stands; another
    rule flag stands only while P(abuse) >= ``veto``; the model alone flags
    harassment at P(abuse) >= ``add``. Every match kept carries ``p``."""
    out = {c: replace(m, learned=p) for c, m in reading.matches.items()
           if c in SEVERE or p >= veto}
    if p >= add and "harassment" not in out:
        out["harassment"] = CategoryMatch("harassment", (), p, ("learned",), p)
    elif p >= add:
        h = out["harassment"]
        out["harassment"] = replace(h, sources=(*h.sources, "learned"), score=max(h.score, p))
    return {c: out[c] for c in CATEGORIES if c in out}


@cache
def _intensifier_phrases() -> tuple[str, ...]:
    return tuple(sorted({normalise(t) for t in load_lexicon("intensifiers")}, key=len, reverse=True))


@cache
def _intensifiers() -> re.Pattern[str]:
    """Emphasis-only swearing, removed before the model scores a message."""
    body = "|".join(r"\s+".join(map(re.escape, p.split())) for p in _intensifier_phrases())
    return re.compile(rf"(?<![^\W_])(?:{body})(?![^\W_])")


@cache
def _intensifier_keys() -> frozenset[str]:
    """One word of every intensifier (its longest, so rarely "the" or "as"): a
    message with none of these words as a whole word holds no intensifier."""
    return frozenset(max(words, key=len) for p in _intensifier_phrases()
                     if (words := _WORD.findall(p)))


@lru_cache(maxsize=1 << 16)
def _unstretched(word: str) -> str:
    return _STRETCH.sub(r"\1", word)


def _model_input(text: str | TextForms) -> str | None:
    """What the model reads, or None when it should not run at all."""
    forms = forms_of(text)
    canon = forms.canonical
    if not _HAS_LETTER.search(canon):
        return None
    if not _addresses_someone(forms):
        return None
    stripped = _intensifiers().sub(" ", canon)
    if not _HAS_LETTER.search(stripped):
        return None
    return _STRETCH.sub(r"\1", stripped)


def _addresses_someone(forms: TextForms) -> bool:
    text = forms.text
    return not _SECOND_PERSON.isdisjoint(forms.canonical_words) or (
        "@" in text and _MENTION.search(text) is not None)


def offensive_probability(text: str | TextForms) -> float | None:
    """The model's probability that ``text`` insults its reader; None when the
    model does not read it (no letters, nobody addressed, only emphasis)."""
    tokens = offensive_tokens(text)
    return None if tokens is None else float(batch_scorer()([tokens])[0])


def offensive_tokens(text: str | TextForms) -> list[str] | None:
    """The offensive model's tokens of ``text``, or None when it does not read it.

    Plain ASCII words with no intensifier skip building the model's input
    string: the vectoriser's tokens are then the canonical words themselves.
    """
    forms = forms_of(text)
    if forms.simple and "_" not in forms.text and tokens_scorer() is not None:
        words = forms.canonical_words
        if _intensifier_keys().isdisjoint(words):
            if not _HAS_LETTER.search(forms.canonical) or not _addresses_someone(forms):
                return None
            return [u for w in words if len(u := _unstretched(w)) >= 2]
    model_text = _model_input(forms)
    return None if model_text is None else tokens_of(model_text)


class GuidelineClassifier:
    """Classifies a message into the guideline categories it breaks."""

    def __init__(
        self,
        extra_terms: Mapping[str, Sequence[str]] | None = None,
        offensive_threshold: float = 0.95,
    ) -> None:
        if isinstance(offensive_threshold, bool) or not isinstance(offensive_threshold, int | float):
            raise ValueError(f"offensive_threshold must be a number, got {offensive_threshold!r}")
        if math.isnan(offensive_threshold) or offensive_threshold < 0:
            raise ValueError(f"offensive_threshold must be >= 0, got {offensive_threshold!r}")
        self.offensive_threshold = float(offensive_threshold)
        # term → [(category, source)]: one matcher serves every category.
        self._origins: dict[str, list[tuple[str, str]]] = {}
        for category in CATEGORIES:
            for term in load_lexicon(category):
                self._origins.setdefault(term, []).append((category, "lexicon"))
        for category, terms in (extra_terms or {}).items():
            if category not in CATEGORIES:
                raise ValueError(
                    f"guidelines.extra_terms: unknown category {category!r} "
                    f"(expected one of {', '.join(CATEGORIES)})"
                )
            if isinstance(terms, str) or not all(isinstance(t, str) for t in terms):
                raise ValueError(
                    f"guidelines.extra_terms.{category} must be a list of strings"
                )
            for term in terms:
                origin = (category, "extra_terms")
                if term.strip() and origin not in self._origins.get(term, ()):
                    self._origins.setdefault(term, []).append(origin)
        self._matcher = TermMatcher(self._origins)

    @property
    def model_enabled(self) -> bool:
        return self.offensive_threshold <= 1.0

    def classify(self, text: str | TextForms) -> dict[str, CategoryMatch]:
        """The categories ``text`` matched, in contract order; empty when clean."""
        return self.read(text).matches

    def read(self, text: str | TextForms) -> RuleReading:
        """The rules' matches and the offensive model's probability."""
        return self.read_many([forms_of(text)])[0]

    def read_many(self, forms: Sequence[TextForms]) -> list[RuleReading]:
        """read() of each text; the offensive model scores the batch in one pass."""
        p: list[float | None] = [None] * len(forms)
        if self.model_enabled:
            tokens = [offensive_tokens(f) for f in forms]
            scored = [i for i, t in enumerate(tokens) if t is not None]
            if scored:
                for i, q in zip(scored, batch_scorer()([tokens[i] for i in scored]).tolist(),
                                strict=True):
                    p[i] = q
        return [self._reading(f, q) for f, q in zip(forms, p, strict=True)]

    def _reading(self, forms: TextForms, p: float | None) -> RuleReading:
        terms: dict[str, list[str]] = {}
        sources: dict[str, set[str]] = {}
        for term in self._matcher.find(forms):
            for category, source in self._origins[term]:
                terms.setdefault(category, []).append(term)
                sources.setdefault(category, set()).add(source)
        scores = {category: 1.0 for category in terms}
        if p is not None and p >= self.offensive_threshold:
            scores["harassment"] = max(scores.get("harassment", 0.0), p)
            sources.setdefault("harassment", set()).add("model")
        if not scores:
            return RuleReading({}, p)
        order = ("lexicon", "extra_terms", "model")
        return RuleReading({
            category: CategoryMatch(
                category=category,
                terms=tuple(dict.fromkeys(terms.get(category, ()))),
                score=scores[category],
                sources=tuple(s for s in order if s in sources[category]),
            )
            for category in CATEGORIES
            if category in scores
        }, p)
