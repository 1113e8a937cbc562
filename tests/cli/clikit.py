"""Helpers for the command-line tests (the fixtures are in conftest.py)."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def one_clear_line(result: subprocess.CompletedProcess[str]) -> str:
    """The error of a failed command: exactly one line on stderr, no traceback."""
    assert result.returncode != 0, result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout, result.stderr
    assert len(lines) == 1, result.stderr
    return lines[0]
