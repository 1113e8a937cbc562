"""The text layer's fast paths decide exactly what the general paths decide.

Every row of the evaluation sets (guidelines, spam), plus variants that push
rows off the fast paths (capitals, leetspeak, full-width and look-alike
letters, underscores, links), goes through both and must give equal results.
"""

from __future__ import annotations

import csv
import random
import unicodedata
from functools import cache
from pathlib import Path

import pytest

from sendable.policy import build_policy
from sendable.shell.content import ContentAnalyser
from sendable.text import normalise as norm
from sendable.text.guidelines import GuidelineClassifier, _model_input, offensive_probability
from sendable.text.links import _candidates, extract_links
from sendable.text.normalise import TermMatcher, TextForms, normalise
from sendable.text.offensive import offensive_scorer
from sendable.text.spam import score_content
from sendable.text.spam_model import digit_count, letter_counts

EVAL = Path(__file__).resolve().parents[2] / "data" / "eval"


def _rows(name: str) -> list[tuple[str, str]]:
    with (EVAL / name).open(encoding="utf-8") as f:
        return [(row["label"], row["text"]) for row in csv.DictReader(f)]


@cache
def texts() -> tuple[str, ...]:
    base = [t for _, t in _rows("guidelines.csv") + _rows("spam.csv")]
    rng = random.Random(2026)
    look_alike = {"a": "а", "e": "е", "o": "о", "i": "і", "c": "с"}
    variants = []
    for t in base:
        variants += [
            t.upper(),
            t.replace("o", "0").replace("e", "3").replace("s", "$").replace("a", "@"),
            t.replace(" ", "_", 2),
            "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" and rng.random() < 0.2 else c
                    for c in t),
            "".join(look_alike.get(c, c) if rng.random() < 0.2 else c for c in t),
            f"{t} 42 f u c k you!! see https://bit.ly/x{rng.randrange(999)} or a.b.example",
        ]
    extra = ["", " ", "u", "k y s", "f.a.g", "ki11 urself", "stuuupid u", "fucking brilliant you",
             "you 1d10t", "@sam hi", "$$$ 5000 usd now!!!", "aaa you"]
    return tuple(base + variants + extra)


def test_forms_fast_and_general_agree() -> None:
    for t in texts():
        fast, full = TextForms(t), TextForms(t, fast=False)
        assert fast.canonical == full.canonical == normalise(t), t
        assert fast.canonical_words == full.canonical_words, t
        assert fast.match_words == full.match_words, t
        assert fast.plain_words == full.plain_words, t
        assert fast.infos == full.infos, t
        assert fast.spaced == full.spaced, t


def test_forms_match_the_regex_definitions() -> None:
    for t in texts():
        forms = TextForms(t)
        s = norm._deleet(norm._fold(t), norm._match_token)
        words = norm._WORD.findall(s)
        assert forms.match_words == words, t
        assert forms.spaced == (norm._spaced_edges(words) if norm._SPACED_RUN.search(s) else {}), t
        assert " ".join(forms.canonical_words) == " ".join(
            norm.strip_punctuation(normalise(t)).split()), t


def test_ascii_leet_detection_equals_the_regex() -> None:
    rng = random.Random(7)
    alphabet = "ab1 2_9@$0x.-7AZ"
    for _ in range(20_000):
        t = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
        assert TextForms(t).simple == (norm._LEET_TOKEN.search(t.lower()) is None), t


def test_offensive_fast_path_equals_model_on_its_input() -> None:
    model = offensive_scorer()
    for t in texts():
        reference = _model_input(TextForms(t, fast=False))
        expected = None if reference is None else model(reference)
        got = offensive_probability(t)
        # Batched scoring (numpy) sums in another order: equal to float rounding.
        assert (got is None) == (expected is None), t
        assert expected is None or got == pytest.approx(expected, rel=0, abs=1e-12), t


@pytest.mark.parametrize("extra", [None, {"harassment": ["loser", "go away"], "hate": ["zorg"]}])
def test_classify_fast_and_general_agree(extra: dict[str, list[str]] | None) -> None:
    classifier = GuidelineClassifier(extra_terms=extra)
    for t in texts():
        assert classifier.classify(TextForms(t)) == classifier.classify(TextForms(t, fast=False)), t


def test_spam_score_fast_and_general_agree() -> None:
    blocked = TermMatcher(["crypto", "free money", "click here"])
    for t in texts():
        links = extract_links(t)
        fast = score_content(t, links, blocked, TextForms(t))
        full = score_content(t, links, blocked, TextForms(t, fast=False))
        assert fast == full, t


def test_spam_counts_and_tokens_agree() -> None:
    for t in texts():
        nfkc = unicodedata.normalize("NFKC", t)
        assert digit_count(nfkc) == sum(map(str.isdigit, nfkc))
        assert letter_counts(nfkc) == (sum(map(str.isalpha, nfkc)), sum(map(str.isupper, nfkc)))


def test_scheme_link_shortcut_finds_what_urlextract_finds() -> None:
    pieces = ["https://a.com/it's", "(https://a.com)", "foo.com/https://bar.com", "https://x.com,",
              "y.org", "http://bit.ly/x!!", "ftp://files.example/a;b", "<https://a.b/c>",
              "https://a.b/c|d", "x https://é.example/ü", "HTTPS://A.COM", "https://a.com.",
              "see", "ok.so", "1.5", "'https://q.example'", "`https://q.example`", "https://"]
    rng = random.Random(11)
    samples = list(texts())
    samples += [" ".join(rng.choice(pieces) for _ in range(rng.randint(1, 4))) for _ in range(3000)]
    for t in samples:
        assert _candidates(t) == _candidates(t, shortcut=False), t


def test_a_batch_reads_each_text_as_analyse_does() -> None:
    analyser = ContentAnalyser(build_policy({"spam": {"blocked_terms": ["crypto"]}}))
    batch = list(texts())
    read = analyser.analyse_many(batch)
    # Compared and not in turns: fingerprints are computed from the first one needed on.
    assert [read.content(i, i % 3 == 1) for i in range(len(batch))] == [
        analyser.analyse(t, with_fingerprint=i % 3 == 1) for i, t in enumerate(batch)]
    assert [read.content(i, True) for i in range(len(batch))] == [
        analyser.analyse(t) for t in batch]


def test_batched_offensive_scores_equal_the_per_text_model() -> None:
    """The batch scorer (numpy, the send path's) gives score_tokens' probability
    for every text, to float rounding, so no decision at a threshold moves."""
    from sendable.text.guidelines import offensive_tokens
    from sendable.text.offensive import _model

    model = _model()
    tokens = [t for t in map(offensive_tokens, texts()) if t is not None]
    assert len(tokens) > 300
    batched = model.score_many(tokens)
    one_by_one = [model.score_tokens(t) for t in tokens]
    assert batched.tolist() == pytest.approx(one_by_one, rel=0, abs=1e-12)
    assert model.score_many([]).tolist() == []
    for cut in (0.5, 0.9, 0.95):
        assert [p >= cut for p in batched] == [p >= cut for p in one_by_one]


def test_term_matcher_remembers_words_without_changing_what_it_finds() -> None:
    """A matcher's per-word memory of which words start a term gives what the
    trie keys of the words give, on fresh and on remembered words."""
    classifier = GuidelineClassifier()
    matcher = classifier._matcher
    for t in texts():
        forms = TextForms(t)
        words = forms.match_words
        expected = [i for i, (keys, _) in enumerate(forms.infos)
                    if not matcher._root.keys().isdisjoint(keys)]
        assert matcher._starts(words) == expected == matcher._starts(words), t
