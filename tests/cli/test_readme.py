"""The README's examples, run as a new user runs them against `sendable serve --demo`
(no --db anywhere: the commands find the server's database themselves), print what
the README shows. `…` in the README stands for what differs from run to run."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from clikit import ROOT

from serving import free_port, start_serve, stop_serve

README = (ROOT / "README.md").read_text()
_MARK = "=====README-EXAMPLE {}====="


def examples() -> list[tuple[str, list[str]]]:
    """(command, expected output lines) of every `$ ` line in the console blocks."""
    found: list[tuple[str, list[str]]] = []
    for block in re.findall(r"```console\n(.*?)```", README, flags=re.S):
        for line in block.splitlines():
            if line.startswith("$ "):
                found.append((line[2:], []))
            elif found:
                found[-1][1].append(line)
    return found


def _matches(expected: str, got: str) -> bool:
    pattern = ".*".join(re.escape(part) for part in expected.rstrip().split("…"))
    return re.fullmatch(pattern, got.rstrip()) is not None


def test_the_readme_examples_print_what_the_readme_shows(user_env, tmp_path: Path) -> None:
    cases = examples()
    assert len(cases) >= 6 and any(c.startswith("sendable why") for c, _ in cases)
    first_why = next(out for c, out in cases if c.startswith("sendable why"))
    assert any("cannot send" in line for line in first_why)
    port = free_port()
    here = f"127.0.0.1:{port}"
    env = {**user_env, "SENDABLE_SERVER": f"http://{here}",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{user_env.get('PATH', '')}"}
    server = start_serve(port, ["--demo"], tmp_path / "serve.log", env=env)
    try:
        script = "\n".join(f"echo '{_MARK.format(i)}'\n{{ {command.replace('localhost:8000', here)}; }}"
                           f" 2>&1" for i, (command, _) in enumerate(cases))
        run = subprocess.run(["bash", "-c", script], capture_output=True, text=True,
                             env=env, cwd=tmp_path, timeout=300)
    finally:
        stop_serve(server)
    outputs = re.split(r"^=====README-EXAMPLE \d+=====\n", run.stdout, flags=re.M)[1:]
    assert len(outputs) == len(cases), run.stdout + run.stderr
    for (command, expected), got in zip(cases, outputs, strict=True):
        expected = [line.replace("127.0.0.1:8000", here) for line in expected]
        lines = got.splitlines()
        assert len(lines) == len(expected), f"$ {command}\n{got}"
        for want, line in zip(expected, lines, strict=True):
            assert _matches(want, line), f"$ {command}\nwanted: {want}\n   got: {line}"
