"""What the text layer finds in a message, gathered into gate facts.

Built once per policy (lexicons and term lists compile once); `analyse` runs
on every send and `why`, before the gate, so the gate itself stays pure. The
learned detectors in force are one immutable `Detectors` value, swapped whole
(shell/learning.py), and a batch reads it once: every text of a batch, and a
`why`, is scored by one model version.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from sendable.gate.facts import Content
from sendable.policy import Policy
from sendable.text import features
from sendable.text.detectors import Detector
from sendable.text.fingerprint import fingerprint, fingerprints
from sendable.text.guidelines import GuidelineClassifier, RuleReading, combine
from sendable.text.learn import default_spam
from sendable.text.links import extract_links
from sendable.text.normalise import TermMatcher, TextForms
from sendable.text.spam import ContentScore, SpamFeature, score_content

HAND_THRESHOLD = 1.0  # the hand score's line when no spam detector is in force
# A spam threshold resting on too few legitimate labels to vouch for the target FPR
# (the shipped model's, a new deployment's) needs corroboration: P(spam) refuses
# only when the hand-made features also reach this much. Once the labels suffice,
# the model decides alone.
UNTRUSTED_HAND_FLOOR = 0.3


@dataclass(frozen=True)
class Detectors:
    """The learned models in force and their version (0: the shipped ones)."""

    spam: Detector | None = None
    abuse: Detector | None = None
    version: int = 0


def _setting(value: float | str, auto: float | None) -> float | None:
    return auto if value == "auto" else float(value)


class ContentAnalyser:
    def __init__(self, policy: Policy, detectors: Detectors | None = None) -> None:
        self.policy = policy
        self.guidelines = GuidelineClassifier(
            extra_terms=policy.guidelines.extra_terms.model_dump(),
            offensive_threshold=policy.guidelines.offensive_threshold)
        terms = policy.spam.blocked_terms
        self.blocked_terms = TermMatcher(terms) if terms else None
        self.detectors = detectors or Detectors(spam=default_spam())

    def auto_spam(self, detectors: Detectors | None = None) -> tuple[float, float]:
        """What "auto" means for the detector in force: its threshold for
        spam.target_fpr, and the hand score it needs beside P(spam) (0: none)."""
        d = (detectors or self.detectors).spam
        if d is None:
            return HAND_THRESHOLD, 0.0
        choice = d.threshold(self.policy.spam.target_fpr)
        return choice.threshold, (0.0 if choice.trusted else UNTRUSTED_HAND_FLOOR)

    def spam_threshold(self, detectors: Detectors | None = None) -> float:
        """What the score is compared with: the policy's number, or auto's threshold."""
        auto = self.auto_spam(detectors)[0]
        return _setting(self.policy.spam.content_threshold, auto)  # type: ignore[return-value]

    def abuse_thresholds(self, detectors: Detectors | None = None) -> tuple[float, float] | None:
        """(veto, add) for the abuse detector in force, or None without one."""
        d = (detectors or self.detectors).abuse
        if d is None:
            return None
        g = self.policy.guidelines
        pair = d.pair(g.target_fpr)
        return (_setting(g.veto_threshold, pair.veto),  # type: ignore[return-value]
                _setting(g.model_threshold, pair.add))

    def warm(self) -> None:
        """Load the model and data files now, so the first sender does not wait for them."""
        self.analyse("warm up: are you there? https://example.org")

    def analyse(self, text: str, with_fingerprint: bool = True) -> Content:
        """`with_fingerprint`: the message is to be compared as a near-duplicate
        (loading.load_facts says when); only then is its fingerprint computed."""
        batch = TextBatch(self, [text])
        return batch.content(0, with_fingerprint)

    def analyse_many(self, texts: Sequence[str]) -> TextBatch:
        """The texts of a batch of sends, read together before the batch's SQL runs:
        the learned models score them all in one pass, and fingerprints are
        computed a group at a time, once some message of the batch needs one."""
        return TextBatch(self, texts)


def _spam_content(hand: ContentScore, p: float | None, threshold: float,
                  detector: Detector | None, version: int, floor: float) -> ContentScore:
    """`threshold`, `floor`: auto's (ContentAnalyser.auto_spam), kept with the score."""
    if p is None or detector is None:
        return ContentScore(hand.score, hand.features, hand.blocked_terms, threshold,
                            hand.hand_score, hand.model_version)
    note = (f"; under auto it also needs hand score >= {floor:g}, as its labels are few"
            if floor else "")
    model = SpamFeature("model", round(p, 3),
                        f"learned P(spam)={p:.3f} (model version {version}, hand score "
                        f"{hand.score:.2f}, auto threshold {threshold:.3f}{note})")
    # Built directly, not by dataclasses.replace: this runs once a message.
    return ContentScore(round(p, 4), (model, *hand.features), hand.blocked_terms, threshold,
                        hand.hand_score, version, floor)


def _rule_score(reading: RuleReading) -> float:
    """Without a learned abuse model: 1 for a rule flag, else the offensive model's P."""
    return 1.0 if reading.matches else (reading.offensive or 0.0)


class TextBatch:
    """analyse() of each of a batch's texts; see ContentAnalyser.analyse_many."""

    def __init__(self, analyser: ContentAnalyser, texts: Sequence[str]) -> None:
        detectors = analyser.detectors  # read once: one version for the whole batch
        self._forms = [TextForms(text) if text.strip() else None for text in texts]
        live = [i for i, f in enumerate(self._forms) if f is not None]
        links = {i: tuple(extract_links(texts[i])) for i in live}
        hand = {i: score_content(texts[i], links[i], analyser.blocked_terms, self._forms[i])
                for i in live}
        readings: dict[int, RuleReading] = dict(zip(live, analyser.guidelines.read_many(
            [self._forms[i] for i in live]), strict=True))  # type: ignore[misc]
        spam_p: dict[int, float] = {}
        abuse_p: dict[int, float] = {}
        if live and (detectors.spam is not None or detectors.abuse is not None):
            occ = features.occurrences([texts[i] for i in live])
            if detectors.spam is not None:
                extra = np.array([[hand[i].score] for i in live])
                spam_p = dict(zip(live, detectors.spam.proba(occ, len(live), extra).tolist(),
                                  strict=True))
            if detectors.abuse is not None:
                extra = np.array([readings[i].evidence() for i in live])
                abuse_p = dict(zip(live, detectors.abuse.proba(occ, len(live), extra).tolist(),
                                   strict=True))
        threshold, floor = analyser.auto_spam(detectors)
        pair = analyser.abuse_thresholds(detectors)
        self._contents: list[Content] = []
        for i, text in enumerate(texts):
            if i not in hand:
                self._contents.append(Content(text=text))
                continue
            reading = readings[i]
            matches = (reading.matches if pair is None
                       else combine(reading, abuse_p[i], pair[0], pair[1]))
            self._contents.append(Content(
                text=text, links=links[i], guideline_matches=matches,
                spam=_spam_content(hand[i], spam_p.get(i), threshold, detectors.spam,
                                   detectors.version, floor)))
        self._prints: list[bytes | None] = [None] * len(texts)
        # What measuring needs besides the decision (sendable spam/guidelines eval).
        self.abuse_scores = [abuse_p.get(i, _rule_score(readings[i]) if i in readings else 0.0)
                             for i in range(len(texts))]

    def content(self, i: int, with_fingerprint: bool) -> Content:
        """What analyse(texts[i], with_fingerprint) gives."""
        content, forms = self._contents[i], self._forms[i]
        if not with_fingerprint or forms is None:
            return content
        if self._prints[i] is None:
            if len(self._forms) == 1:
                self._prints[i] = fingerprint(forms)
            else:
                # This one needs a fingerprint: compute it with those of the texts after
                # it, which are as likely to be compared too.
                later = [j for j in range(i, len(self._forms)) if self._forms[j] is not None]
                for j, fp in zip(later, fingerprints([self._forms[j] for j in later]),
                                 strict=True):
                    self._prints[j] = fp
        return replace(content, fingerprint=self._prints[i])
