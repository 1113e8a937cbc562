"""A malformed scenario file gets a clear line naming the file, the scenario, the step
and the key, never a traceback; the other files still run."""

from __future__ import annotations

import json
from pathlib import Path

GOOD = """
name: fine
steps:
  - send: {from: alice, to: bob, text: hi}
    expect: {outcome: requested}
"""

CASES = [
    # (body, step, key words the line must name)
    ("name: s\nsteps: {send: {from: a, to: b}}\n", None, ["steps", "must be a list"]),
    ("name: s\nsteps:\n  - send: alice bob\n", 1, ["(send)", "send: must be a mapping",
                                                 "'alice bob'"]),
    ("name: s\naccounts: {alice: {verified: true}}\nsteps: []\n", None,
     ["accounts", "must be a list"]),
    ("name: s\naccounts: [alice]\nsteps: []\n", None, ["accounts[1]", "must be a mapping"]),
    ("name: s\naccounts:\n  - {handle: a, verifed: true}\n", None, ["accounts[1]",
                                                                   "'verifed'"]),
    ("name: s\nsteps:\n  - send: {from: a, to: b}\n    expect: delivered\n", 1,
     ["(send)", "expect: must be a mapping"]),
    ("name: s\nsteps:\n  - send: {from: a, to: b}\n    expect: {codes: spam.link}\n", 1,
     ["expect.codes", "must be a list"]),
    ("name: s\nfollows: [alice, bob]\n", None, ["follows[1]", "pair"]),
    ("name: s\nsteps:\n  - advance: 2h\n  - send: {from: a}\n", 2, ["(send)", "send.to",
                                                                   "missing"]),
    ("name: s\nsteps:\n  - send alice\n", 1, ["a step must be a mapping"]),
    ("name: s\nsteps:\n  - advance: {hours: 2}\n", 1, ["(advance)", "duration"]),
    ("name: s\nsteps:\n  - status: {handle: a}\n    expect: {reputation: high}\n", 1,
     ["expect.reputation", "{min, max}"]),
    ("name: s\nsteps:\n  - moderate: {action: bann, handle: a}\n", 1,
     ["moderate.action", "'bann'"]),
    ("name: s\nsteps:\n  - follow: {a: b}\n", 1, ["(follow)", "pair"]),
    ("name: s\nsteps:\n  - send: {from: a, to: b}\n    repeat: lots\n", 1, ["repeat"]),
    ("name: s\nsteps:\n  - sned: {from: a, to: b}\n", 1, ["'sned'", "exactly one of"]),
    ("name: s\nstep:\n  - send: {from: a, to: b}\n", None, ["unknown key 'step'"]),
    ("scenarios:\n  - just a string\n", None, ["must be a mapping"]),
    ("", None, ["empty"]),
    ("name: [unclosed\n", None, ["not valid YAML"]),
]


def test_malformed_files_are_named_not_a_traceback(cli, tmp_path: Path) -> None:
    files = []
    for number, (body, _step, _words) in enumerate(CASES, start=1):
        files.append(tmp_path / f"bad{number:02}.yaml")
        files[-1].write_text(body)
    good = tmp_path / "good.yaml"
    good.write_text(GOOD)
    result = cli("scenario", "run", *map(str, files), str(good))  # one run: each is reported
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    assert result.returncode == 1, result.stdout + result.stderr
    fails = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    for path, (body, step, words) in zip(files, CASES, strict=True):
        lines = [line for line in fails if line.startswith(f"FAIL {path} ")]
        assert lines, f"{body!r}: nothing reported\n{result.stdout}"
        line = lines[0]
        if step is not None:
            assert f"step {step} " in line, line
        for word in words:
            assert word in line, line
    assert result.stdout.strip().endswith(f"1 passed, {len(fails)} failed")


def test_a_file_that_is_not_text(cli, tmp_path: Path) -> None:
    bad = tmp_path / "binary.yaml"
    bad.write_bytes(b"\xff\xfe\x00name: x")
    result = cli("scenario", "run", str(bad), "--json")
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert report["failed"] == 1 and report["scenarios"][0]["file"] == str(bad)
