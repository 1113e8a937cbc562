"""What a backtest reports, gathered as the re-decided attempts stream past: the
outcome transition matrix, the change per reason code, the accounts most affected,
examples in the moderator view, and the cost in moderators' labels."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sendable.clock import to_iso
from sendable.lab.replay import AT, CODES, MESSAGE, RECIPIENT, STRIKE, TEXT, Redecided
from sendable.reasons import CATALOGUE, Finding, render_all

OUTCOMES = ("delivered", "requested", "held", "refused")
STOPPED = frozenset({"held", "refused"})
EXAMPLES_PER_TRANSITION = 5


def _logged_reasons(codes: str) -> list[dict[str, Any]]:
    """The logged decision's reasons, in the moderator view (codes are what is kept)."""
    return render_all([Finding(c) for c in codes.split() if c in CATALOGUE], "moderator")


class Report:
    def __init__(self, candidate: str, baseline: str, since: float, until: float,
                 labels: dict[tuple[str, int], str] | None = None) -> None:
        self.candidate, self.baseline = candidate, baseline
        self.since, self.until = since, until
        self.labels = labels or {}
        self.attempts = 0
        self.changed = 0
        self.resimulated_changes = 0
        self.not_redecidable = 0
        self.matrix: Counter[tuple[str, str]] = Counter()
        self.gained: Counter[str] = Counter()
        self.lost: Counter[str] = Counter()
        self.accounts: Counter[str] = Counter()
        self.examples: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.undecidable_examples: list[dict[str, Any]] = []
        self.cost = {"confirmed": 0, "confirmed_stopped_before": 0,
                     "confirmed_stopped_after": 0, "cleared": 0,
                     "cleared_stopped_before": 0, "cleared_stopped_after": 0}

    def add(self, r: Redecided) -> None:
        self.attempts += 1
        row, record = r.row, r.record
        if r.decision is None:
            self.not_redecidable += 1
            if len(self.undecidable_examples) < 20:
                self.undecidable_examples.append(self._example(r))
            return
        before, after = r.base_outcome, r.outcome
        self.matrix[(before, after)] += 1  # type: ignore[index]
        if (row[STRIKE] is not None or row[MESSAGE] is not None) and self.labels:
            label = self._label(row)
            if label is not None:
                self.cost[label] += 1
                self.cost[f"{label}_stopped_before"] += before in STOPPED
                self.cost[f"{label}_stopped_after"] += after in STOPPED
        base_codes, new_codes = r.base_codes, r.codes
        if before == after and base_codes == new_codes:
            return
        base, codes = set(base_codes), set(new_codes)
        if before == after and base == codes:
            return
        self.changed += 1
        self.resimulated_changes += r.resimulated
        for code in codes - base:
            self.gained[code] += 1
        for code in base - codes:
            self.lost[code] += 1
        self.accounts[record.sender.handle] += 1
        shown = self.examples.setdefault((before, after), [])  # type: ignore[arg-type]
        if len(shown) < EXAMPLES_PER_TRANSITION:
            shown.append(self._example(r))

    def _label(self, row: tuple[Any, ...]) -> str | None:
        if row[STRIKE] is not None and ("strike", row[STRIKE]) in self.labels:
            return self.labels[("strike", row[STRIKE])]
        if row[MESSAGE] is not None and row[RECIPIENT] is not None:  # a direct message
            return self.labels.get(("dm", row[MESSAGE]))
        return None

    @staticmethod
    def _example(r: Redecided) -> dict[str, Any]:
        record, row = r.record, r.row
        to = (f"group {record.group.id}" if record.group is not None
              else f"@{record.recipient.handle}")
        before = (render_all(r.baseline.findings, "moderator") if r.baseline is not None
                  else _logged_reasons(row[CODES]))
        return {"id": row[0], "at": to_iso(row[AT]), "from": f"@{record.sender.handle}",
                "to": to, "text": row[TEXT], "text_expired": row[TEXT] is None,
                "how": "re-simulated" if r.resimulated else "exact",
                "before": {"outcome": r.base_outcome, "reasons": before},
                "after": ({"outcome": r.outcome,
                           "reasons": render_all(r.decision.findings, "moderator")}
                          if r.decision is not None else None)}

    def as_dict(self) -> dict[str, Any]:
        codes = sorted(set(self.gained) | set(self.lost))
        return {
            "candidate": self.candidate, "against": self.baseline,
            "since": to_iso(self.since), "until": to_iso(self.until),
            "attempts": self.attempts, "redecided": self.attempts - self.not_redecidable,
            "not_redecidable": self.not_redecidable, "changed": self.changed,
            "changed_exact": self.changed - self.resimulated_changes,
            "changed_resimulated": self.resimulated_changes,
            "matrix": [{"from": a, "to": b, "count": n}
                       for (a, b), n in sorted(self.matrix.items())],
            "codes": [{"code": c, "gained": self.gained[c], "lost": self.lost[c]}
                      for c in codes],
            "accounts": [{"handle": h, "changed": n} for h, n in self.accounts.most_common(10)],
            "examples": [e for k in sorted(self.examples) for e in self.examples[k]],
            "not_redecidable_examples": self.undecidable_examples,
            "cost": self.cost,
        }


def matrix_rows(report: dict[str, Any]) -> list[list[Any]]:
    """The transition matrix as rows: [from, count to each outcome...]."""
    cells = {(m["from"], m["to"]): m["count"] for m in report["matrix"]}
    return [[a, *[cells.get((a, b), 0) for b in OUTCOMES]] for a in OUTCOMES]


def as_text(report: dict[str, Any]) -> str:
    lines = [f"backtest of {report['candidate']} against {report['against']}, "
             f"{report['since']} to {report['until']}",
             f"  attempts {report['attempts']}: re-decided {report['redecided']}, "
             f"not re-decidable (text expired) {report['not_redecidable']}, changed "
             f"{report['changed']} ({report['changed_exact']} exact, "
             f"{report['changed_resimulated']} re-simulated)",
             "  outcome transitions (rows: before, columns: after):",
             "    " + "".join(f"{o:>11}" for o in ("", *OUTCOMES))]
    for row in matrix_rows(report):
        lines.append("    " + f"{row[0]:>11}" + "".join(f"{n:>11}" for n in row[1:]))
    if report["codes"]:
        lines.append("  reason codes (gained / lost):")
        lines += [f"    {c['code']}: +{c['gained']} -{c['lost']}" for c in report["codes"]]
    if report["accounts"]:
        lines.append("  accounts most affected: " + ", ".join(
            f"@{a['handle']} ({a['changed']})" for a in report["accounts"]))
    cost = report["cost"]
    lines.append(f"  labelled: of {cost['confirmed']} confirmed spam/abuse, stopped "
                 f"{cost['confirmed_stopped_before']} before, {cost['confirmed_stopped_after']}"
                 f" after; of {cost['cleared']} released/overturned, stopped "
                 f"{cost['cleared_stopped_before']} before, {cost['cleared_stopped_after']} after")
    for e in report["examples"]:
        after = e["after"]
        lines.append(f"  example #{e['id']} {e['at']} {e['from']} → {e['to']} ({e['how']}): "
                     f"{e['before']['outcome']} → {after['outcome'] if after else '?'}")
        if e["text"] is not None:
            lines.append(f"    text: {e['text'][:120]}")
        for label, side in (("before", e["before"]), ("after", after)):
            if side:
                codes = ", ".join(r["code"] for r in side["reasons"]) or "none"
                lines.append(f"    {label}: {codes}")
    return "\n".join(lines)
