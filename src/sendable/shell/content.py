"""What the text layer finds in a message, gathered into gate facts.

Built once per policy (lexicons and term lists compile once); `analyse` runs
on every send and `why`, before the gate, so the gate itself stays pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from sendable.gate.facts import Content
from sendable.policy import Policy
from sendable.text.fingerprint import fingerprint, fingerprints
from sendable.text.guidelines import GuidelineClassifier
from sendable.text.links import extract_links
from sendable.text.normalise import TermMatcher, TextForms
from sendable.text.spam import SpamModel, score_content


class ContentAnalyser:
    def __init__(self, policy: Policy, spam_model: SpamModel | None = None) -> None:
        self.policy = policy
        self.guidelines = GuidelineClassifier(
            extra_terms=policy.guidelines.extra_terms.model_dump(),
            offensive_threshold=policy.guidelines.offensive_threshold)
        terms = policy.spam.blocked_terms
        self.blocked_terms = TermMatcher(terms) if terms else None
        self.spam_model = spam_model or SpamModel()  # an untrained model adds nothing

    def warm(self) -> None:
        """Load the model and data files now, so the first sender does not wait for them."""
        self.analyse("warm up: are you there? https://example.org")

    def analyse(self, text: str, with_fingerprint: bool = True) -> Content:
        """`with_fingerprint`: the message is to be compared as a near-duplicate
        (loading.load_facts says when); only then is its fingerprint computed."""
        if not text.strip():  # a `why` without text: nothing to read
            return Content(text=text)
        forms = TextForms(text)  # folded once, read by every check below
        return self._read(forms, fingerprint(forms) if with_fingerprint else None)

    def analyse_many(self, texts: Sequence[str]) -> TextBatch:
        """The texts of a batch of sends, read one after another before the batch's
        SQL runs, so the text layer's code and lexicons stay in cache; fingerprints
        are computed a group at a time, once some message of the batch needs one."""
        return TextBatch(self, texts)

    def _read(self, forms: TextForms, fingerprint: bytes | None) -> Content:
        text = forms.text
        links = tuple(extract_links(text))
        return Content(
            text=text,
            links=links,
            guideline_matches=self.guidelines.classify(forms),
            spam=score_content(text, links, self.blocked_terms, self.spam_model, forms),
            fingerprint=fingerprint,
        )


class TextBatch:
    """analyse() of each of a batch's texts; see ContentAnalyser.analyse_many."""

    def __init__(self, analyser: ContentAnalyser, texts: Sequence[str]) -> None:
        self._forms = [TextForms(text) if text.strip() else None for text in texts]
        self._contents = [Content(text=text) if forms is None else analyser._read(forms, None)
                          for text, forms in zip(texts, self._forms, strict=True)]
        self._prints: list[bytes | None] = [None] * len(texts)

    def content(self, i: int, with_fingerprint: bool) -> Content:
        """What analyse(texts[i], with_fingerprint) gives."""
        content, forms = self._contents[i], self._forms[i]
        if not with_fingerprint or forms is None:
            return content
        if self._prints[i] is None:
            # This one needs a fingerprint: compute it with those of the texts after it,
            # which are as likely to be compared too.
            later = [j for j in range(i, len(self._forms)) if self._forms[j] is not None]
            for j, fp in zip(later, fingerprints([self._forms[j] for j in later]), strict=True):
                self._prints[j] = fp
        return replace(content, fingerprint=self._prints[i])
