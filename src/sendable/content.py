"""What the text layer finds in a message, gathered into gate facts.

Built once per policy (lexicons and term lists compile once); `analyse` runs
on every send and `why`, before the gate.
"""

from __future__ import annotations

from sendable.gate.facts import Content
from sendable.policy import Policy


class ContentAnalyser:
    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    def analyse(self, text: str) -> Content:
        return Content(text=text)
