"""The docs stand alone and cannot drift: docs/reasons.md against the reason catalogue,
docs/scenarios.md against the scenario runner (its example runs and passes), and no
doc or comment sends a reader to files they do not have."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from clikit import ROOT

from sendable import scenario, scenario_format
from sendable.reasons import CATALOGUE, CLIENT_CAUSES, PRECEDENCE

REASONS = (ROOT / "docs" / "reasons.md").read_text()
SCENARIOS = (ROOT / "docs" / "scenarios.md").read_text()


def _sections(text: str, level: str) -> dict[str, str]:
    """`{name: body}` of the headings like `#### \\`code\\``."""
    parts = re.split(rf"^{level} `([^`]+)`[^\n]*$", text, flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


def _rows(body: str) -> dict[str, str]:
    return {m.group(1).strip(): m.group(2).strip()
            for m in re.finditer(r"^\| ([^|]+) \| (.*) \|$", body, flags=re.M)}


def test_every_reason_code_is_documented_with_its_facts() -> None:
    sections = _sections(REASONS, "####")
    assert set(sections) == set(CATALOGUE), (
        f"undocumented: {sorted(set(CATALOGUE) - set(sections))}; "
        f"documented but unknown: {sorted(set(sections) - set(CATALOGUE))}")
    for code, entry in CATALOGUE.items():
        body = sections[code]
        rows = _rows(body)
        meaning = body.strip().split("\n\n")[0]
        assert len(meaning) > 40 and not meaning.startswith("|"), f"{code}: no meaning"
        assert rows.get("cause") == f"`{entry.cause}`", code
        assert rows.get("HTTP status") == str(entry.http_status), code
        assert rows.get("appealable") == ("yes" if entry.appealable else "no"), code
        assert rows.get("message") == entry.message, code
        assert rows.get("remedy") == entry.remedy, code
        seen = rows.get("sender sees", "")
        if entry.sender_code:
            assert seen.startswith(f"`{entry.sender_code}`"), code
        else:
            assert seen == "this code", code


def test_the_documented_order_is_the_precedence() -> None:
    block = REASONS.split("## Order", 1)[1].split("```", 2)[1]
    assert block.split() == list(PRECEDENCE)


def test_every_client_side_code_is_documented() -> None:
    table = REASONS.split("## Client-side codes", 1)[1]
    for code, (cause, message, remedy) in CLIENT_CAUSES.items():
        assert f"| `{code}` | `{cause}` | {message} | {remedy} |" in table, code


def test_every_step_and_key_of_the_runner_is_documented() -> None:
    steps = {}
    for line in re.findall(r"^### (.+)$", SCENARIOS, flags=re.M):
        for kind in re.findall(r"`([a-z_]+)`", line):
            steps[kind] = SCENARIOS.split(line, 1)[1].split("\n### ", 1)[0]
    for kind in scenario._STEP_KINDS:
        assert kind in steps, f"step {kind!r} is not documented in docs/scenarios.md"
        shape = scenario_format.STEPS.get(kind)
        if shape is None:
            continue
        for key in shape.keys:
            assert f"{key}:" in steps[kind] or f"`{key}`" in steps[kind], \
                f"step {kind}: key {key!r} is not documented"
        for key in shape.expect:  # in the table of expectations for the step
            assert f"| `{key}` |" in SCENARIOS, f"step {kind}: expect {key!r} is not documented"
    for key in (*scenario_format.SCENARIO_KEYS, *scenario_format.ACCOUNT_KEYS,
                *scenario_format.STEP_COMMON_KEYS, *scenario_format.MODERATE_ACTIONS):
        assert f"`{key}`" in SCENARIOS, f"{key!r} is not documented"


def test_the_runner_reads_the_keys_the_docs_describe() -> None:
    """The shape in scenario_format.py is the runner's: each account key is one the
    runner loads, each step one it runs."""
    assert set(scenario_format.ACCOUNT_KEYS) == set(scenario._ACCOUNT_KEYS)
    assert set(scenario_format.STEPS) <= set(scenario._STEP_KINDS)


def test_the_examples_in_the_scenario_docs_run_and_pass(cli, tmp_path: Path) -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", SCENARIOS, flags=re.S)
    assert blocks
    paths = []
    for number, block in enumerate(blocks, start=1):
        paths.append(tmp_path / f"example{number}.yaml")
        paths[-1].write_text(block)
    result = cli("scenario", "run", *map(str, paths))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith(" failed") and " 0 failed" in result.stdout


_CITES = re.compile(r"CONTRACT(\.md)?\b|DESIGN\.md|\.\./shared|/work/shared")


def _files() -> list[Path]:
    found = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    for folder in ("src", "bench"):
        found += sorted(p for p in (ROOT / folder).rglob("*")
                        if p.suffix in (".py", ".toml", ".html", ".js", ".css", ".md", ".txt"))
    return found


@pytest.mark.parametrize("path", _files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_nothing_cites_files_users_do_not_have(path: Path) -> None:
    hits = [f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
            for n, line in enumerate(path.read_text(errors="replace").splitlines(), start=1)
            if _CITES.search(line)]
    assert not hits, "\n".join(hits)
