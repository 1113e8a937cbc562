"""The hand-made spam features: explainable evidence for spam.content.

The hand score is a sum of named features, each with its weight and the
evidence that triggered it, so a moderator can see why a message scored what it
did. It is one input of the learned spam detector (text/detectors.py), which
stacks it with a model of the text's n-grams into P(spam); without a detector
the hand score itself is compared with 1.0. Weights are set for precision: no
single hand-made feature reaches 1.0 alone, and ordinary chat that mentions
money, prizes, phone numbers or a link stays well under it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from sendable.text.links import Link
from sendable.text.normalise import TermMatcher, TextForms
from sendable.text.spam_model import digit_count, letter_counts

__all__ = ["ContentScore", "SpamFeature", "score_content", "spam_phrases"]


@dataclass(frozen=True)
class SpamFeature:
    name: str
    weight: float
    evidence: str


@dataclass(frozen=True)
class ContentScore:
    score: float  # P(spam) from the learned detector; the hand score without one
    features: tuple[SpamFeature, ...]
    blocked_terms: tuple[str, ...]
    # What "auto" compares the score with: the learned detector's threshold for
    # spam.target_fpr (1.0, the hand score's line, without one; None: not recorded).
    threshold: float | None = None
    hand_score: float | None = None  # the sum of the hand-made features' weights
    model_version: int | None = None
    # The hand score "auto" needs beside the threshold while the detector's threshold
    # rests on too few labels to vouch for the target (0: none). Kept with the score,
    # so a backtest applies "auto" or a number to kept findings without the text.
    floor: float = 0.0

    def line(self, number: float | None = None) -> float:
        """The threshold the score is compared with: a policy's number, or with None
        auto's (1.0, the hand score's line, when none was recorded)."""
        if number is not None:
            return number
        return self.threshold if self.threshold is not None else 1.0

    def flags(self, number: float | None = None) -> bool:
        """Spam: a blocked term, or the score at `line(number)`; under auto (None) only
        with `floor` of hand evidence beside it."""
        if self.blocked_terms:
            return True
        corroborated = number is not None or (self.hand_score or 0.0) >= self.floor
        return self.score >= self.line(number) and corroborated


# --- weights (the whole policy of this module is in this block) ---------------
PHRASE_DEFAULT = 0.4
PHRASES_CAP = 1.2  # three phrases' worth: phrasing alone can just refuse
MONEY = 0.2  # an amount: "$20" is chat, "$5000" with a pitch is spam
MONEY_SYMBOLS = 0.35  # "$$$", 💰, 🤑 ...
MONEY_RATE = 0.4  # "$500 a day", "$45/hr": income pitches
BIG_MULTIPLIER = 0.4  # "300% per month", "10x profit", "2x back"
DISCOUNT = 0.2  # "90% off"
CRYPTO = 0.2  # bitcoin, usdt, airdrop... friends talk about it too
WALLET = 0.7  # a pasted wallet address is a request to be paid
PHONE = 0.15  # friends share numbers; only adds to other signals
SHOUTING = 0.25  # mostly capitals
BANGS = 0.15  # "!!!"
BANGS_MANY = 0.3  # several "!!" runs
SHORTENER = 0.4  # per shortener link, hides the destination
SHORTENERS_CAP = 0.8
EXTRA_LINK = 0.15  # per link beyond the first
EXTRA_LINKS_CAP = 0.45
BAIT_HOST = 0.4  # login/verify/prize words in the host name
PITCH_WITH_CONTACT = 0.25  # a pitch phrase plus somewhere to act on it (link, number)
# ------------------------------------------------------------------------------

_NUM = r"\d(?:[\d,]*\d)?(?:\.\d+)?"
_AMOUNT = rf"(?:[$£€]\s?{_NUM}\s?k?\b|{_NUM}\s?k?\s?(?:usd|usdt|dollars|pounds|euros|eur|gbp|bucks)\b)"
_MONEY_RE = re.compile(_AMOUNT, re.I)
_MONEY_RATE_RE = re.compile(
    _AMOUNT + r"\s?(?:/|a|an|per|every)?\s?(?:day|daily|week|weekly|month|monthly|hour|hr|h)\b", re.I
)
# A rate only reads as an income pitch next to an earning verb ("the plumber
# charges $90 an hour" is chat).
_EARN_RE = re.compile(r"\b(?:earn\w*|make|making|made|paid|pays?|receive|income|profits?)\b", re.I)
_MONEY_SYMBOLS_RE = re.compile(r"\${2,}|[💰💵💸🤑💲]")
_MULTIPLIER_RE = re.compile(
    r"\b\d{2,4}\s?%\s?(?:profit|profits|return|returns|gains?|bonus|interest|monthly|weekly|daily|"
    r"per\s(?:day|week|month))|\b\d{1,3}\s?%\s?(?:daily|weekly|monthly|per\s(?:day|week|month))|"
    r"\b(?:[2-9]|[1-9]\d)x\s(?:profit|profits|back|your|returns?)|\bget\s\d[\d.]*\s?\w*\s?back\b",
    re.I,
)
_DISCOUNT_RE = re.compile(r"\b\d{2}\s?%\s?(?:off|discount)", re.I)
_CRYPTO_WORDS = frozenset((
    "bitcoin", "btc", "eth", "ethereum", "usdt", "crypto", "cryptos", "airdrop", "nft", "forex",
    "binance", "coinbase", "presale", "memecoin", "altcoin",
))
_CRYPTO_RE = re.compile(rf"\b(?:{'|'.join(sorted(_CRYPTO_WORDS))})\b", re.I)
_WALLET_RE = re.compile(
    r"\b(?:bc1[ac-hj-np-z02-9]{25,62}|[13][a-km-zA-HJ-NP-Z1-9]{25,34}|0x[0-9a-fA-F]{40})\b"
)
# 7+ digits in phone shape, with optional +country and separators.
_PHONE_RE = re.compile(r"(?<![\w$£€])(?:\+\d{1,3}[\s.-]?)?\(?\d{2,5}\)?(?:[\s.-]?\d{2,5}){1,4}(?!\w)")
_BANG_RUN_RE = re.compile(r"!{2,}")
# An amount has a currency sign or one of these words (lower case) in it.
_CURRENCY_HINTS = ("$", "£", "€", "usd", "eur", "gbp", "dollars", "pounds", "bucks")
_WALLET_MIN = 26  # the shortest address _WALLET_RE takes
# Substrings of the host name ("win" is left out: windows, wine, twin).
_BAIT_HOST_WORDS = re.compile(
    r"login|verify|secure|account|unlock|update|billing|support|appeal|claim|prize|"
    r"reward|bonus|giveaway|free|winner|cash|refund|gift|voucher|loan",
)


@cache
def spam_phrases() -> dict[str, float]:
    """The bundled promotional phrases and their weights."""
    text = resources.files("sendable.text").joinpath("data/spam_phrases.txt").read_text("utf-8")
    phrases: dict[str, float] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        phrase, *weight = re.split(r"\t+|\s+\|\s+", line, maxsplit=1)
        phrases[phrase.strip()] = float(weight[0]) if weight else PHRASE_DEFAULT
    return phrases


@cache
def _phrase_matcher() -> TermMatcher:
    return TermMatcher(list(spam_phrases()))


def _quote(items: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(repr(i) for i in items[:limit])
    return shown + (f" (+{len(items) - limit} more)" if len(items) > limit else "")


def _phrase_features(forms: TextForms) -> list[SpamFeature]:
    found = _phrase_matcher().find(forms)
    if not found:
        return []
    phrases = spam_phrases()
    weight = min(PHRASES_CAP, sum(phrases.get(p, PHRASE_DEFAULT) for p in found))
    return [SpamFeature("promo_phrases", round(weight, 3), _quote(found))]


def _number_features(text: str, digits: int, forms: TextForms) -> list[SpamFeature]:
    """Money, returns, discounts, wallets, phone numbers: all need digits.

    Plain ASCII text skips a regex when a substring it needs is missing (an
    amount needs a currency sign or word, a wallet a 26+ character word, ...).
    """
    feats: list[SpamFeature] = []
    lower = forms.folded if forms.ascii else text.lower()
    maybe_money = not forms.ascii or any(c in lower for c in _CURRENCY_HINTS)
    if maybe_money and (m := _MONEY_RATE_RE.search(text)) and _EARN_RE.search(text):
        feats.append(SpamFeature("income_claim", MONEY_RATE, repr(m.group().strip())))
    elif maybe_money and (amounts := _MONEY_RE.findall(text)):
        feats.append(SpamFeature("money", MONEY, _quote([a.strip() for a in amounts])))
    if "%" in text or "back" in lower or (
        "x" in lower and (not forms.ascii or any(d + "x" in lower for d in "0123456789"))
    ):
        if m := _MULTIPLIER_RE.search(text):
            feats.append(SpamFeature("returns_claim", BIG_MULTIPLIER, repr(m.group())))
    if "%" in text and (m := _DISCOUNT_RE.search(text)):
        feats.append(SpamFeature("discount", DISCOUNT, repr(m.group())))
    maybe_wallet = not forms.ascii or max(map(len, forms.plain_words), default=0) >= _WALLET_MIN
    if maybe_wallet and (wallets := _WALLET_RE.findall(text)):
        feats.append(SpamFeature("wallet_address", WALLET, _quote(wallets)))
    if digits >= 7:
        phones = [p.strip() for p in _PHONE_RE.findall(text) if digit_count(p) >= 7]
        if phones:
            feats.append(SpamFeature("phone_number", PHONE, _quote(phones)))
    return feats


def _style_features(text: str) -> list[SpamFeature]:
    feats: list[SpamFeature] = []
    letters, upper = letter_counts(text)
    if letters >= 12 and upper >= 0.6 * letters:
        feats.append(SpamFeature("shouting", SHOUTING, f"{upper}/{letters} letters capital"))
    if "!!" in text:
        runs = _BANG_RUN_RE.findall(text)
        if len(runs) >= 2:
            feats.append(SpamFeature("exclamations", BANGS_MANY, f"{len(runs)} runs of '!!'"))
        elif len(runs[0]) >= 3:
            feats.append(SpamFeature("exclamations", BANGS, repr(runs[0])))
    return feats


def _text_features(text: str, forms: TextForms) -> list[SpamFeature]:
    """``text`` is the NFKC form of ``forms.text``."""
    feats = _phrase_features(forms)
    if (not forms.ascii or "$$" in text) and (m := _MONEY_SYMBOLS_RE.findall(text)):
        feats.append(SpamFeature("money_symbols", MONEY_SYMBOLS, _quote(m)))
    digits = digit_count(text)
    if digits:
        feats += _number_features(text, digits, forms)
    # A crypto word is a whole word, so a plain ASCII text without one skips the regex.
    maybe_crypto = not forms.ascii or not _CRYPTO_WORDS.isdisjoint(forms.plain_words)
    if (maybe_crypto and "wallet_address" not in {f.name for f in feats}
            and (m := _CRYPTO_RE.search(text))):
        feats.append(SpamFeature("crypto", CRYPTO, repr(m.group())))
    return feats + _style_features(text)


def _link_features(links: Sequence[Link]) -> list[SpamFeature]:
    feats: list[SpamFeature] = []
    short = [lk.url for lk in links if lk.shortener]
    if short:
        feats.append(
            SpamFeature("shortener_links", min(SHORTENERS_CAP, SHORTENER * len(short)), _quote(short))
        )
    if len(links) > 1:
        weight = min(EXTRA_LINKS_CAP, EXTRA_LINK * (len(links) - 1))
        feats.append(SpamFeature("many_links", weight, f"{len(links)} links"))
    bait = [lk.host for lk in links if not lk.shortener and _BAIT_HOST_WORDS.search(lk.host)]
    if bait:
        feats.append(SpamFeature("bait_host", BAIT_HOST, _quote(bait)))
    return feats


def _pitch_with_contact(feats: list[SpamFeature], links: Sequence[Link]) -> SpamFeature | None:
    # The shape of most spam: a pitch and a channel to act on it. Either alone
    # is everyday chat; together they are rare between friends.
    names = {f.name: f for f in feats}
    pitch = names.get("promo_phrases")
    if pitch is None or pitch.weight < PHRASE_DEFAULT:
        return None
    if links:
        channel = "a link"
    elif "phone_number" in names:
        channel = "a phone number"
    else:
        return None
    return SpamFeature("pitch_with_contact", PITCH_WITH_CONTACT, f"pitch phrase and {channel}")


def score_content(
    text: str,
    links: Sequence[Link],
    blocked_terms: TermMatcher | None,
    forms: TextForms | None = None,
) -> ContentScore:
    """The hand-made features of ``text``; ``links`` are ``extract_links(text)``,
    ``forms`` (if given) ``TextForms(text)``."""
    forms = forms or TextForms(text)
    text = unicodedata.normalize("NFKC", text)  # full-width "ＦＲＥＥ" etc. for the regexes
    feats = _text_features(text, forms) + _link_features(links)
    if (pc := _pitch_with_contact(feats, links)) is not None:
        feats.append(pc)
    feats.sort(key=lambda f: -f.weight)
    score = max(0.0, round(sum(f.weight for f in feats), 3))
    # Term matching folds with NFKC itself, so the forms of the original text serve.
    blocked = tuple(blocked_terms.find(forms)) if blocked_terms is not None else ()
    return ContentScore(score=score, features=tuple(feats), blocked_terms=blocked,
                        hand_score=score)
