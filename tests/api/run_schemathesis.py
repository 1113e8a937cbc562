"""Schemathesis's `st` command, run as `python run_schemathesis.py ARGS…`.

One change to the interpreter it runs in: `ast.parse` takes a lock. Schemathesis runs
its workers as threads, Hypothesis parses lambda sources from them, and CPython 3.11's
`ast.parse` is not safe to call from two threads at once (it fails with "AST constructor
recursion depth mismatch", which Schemathesis reports as a runtime error of the run).
"""

from __future__ import annotations

import ast
import sys
import threading

_lock = threading.Lock()
_parse = ast.parse


def _locked_parse(*args, **kwargs):  # type: ignore[no-untyped-def]
    with _lock:
        return _parse(*args, **kwargs)


ast.parse = _locked_parse  # type: ignore[assignment]

if __name__ == "__main__":
    from schemathesis.cli import schemathesis

    sys.exit(schemathesis())
