"""The send gate: pure checks over loaded facts, ordered into one decision."""

from sendable.gate.decide import Decision, decide
from sendable.gate.facts import (
    AccountFacts,
    BanFacts,
    ClientFacts,
    Content,
    Facts,
    History,
    Relation,
    StrangerMessage,
)

__all__ = [
    "AccountFacts", "BanFacts", "ClientFacts", "Content", "Decision", "Facts", "History",
    "Relation", "StrangerMessage", "decide",
]
