"""Schemathesis against a real `sendable serve`: generated requests as an anonymous
caller, a member and a moderator, with every check Schemathesis has (no 5xx; every
status, header and body as /openapi.json says; schema-invalid input refused,
schema-valid input accepted unless the state says otherwise: see schemathesis.toml).

The counts are the server's own: the request lines its log wrote during each run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from apikit import DEMO_PASSWORD, PASSWORD, Server, login, start_server, stop_server

HERE = Path(__file__).parent
ST = Path(sys.executable).with_name("st")  # schemathesis's command, in the same environment
MIN_REQUESTS = 1000
# Checks that ask the server for something else than the API describes: all of them
# but `max_response_time` (speed is for bench/) and object_level_authorization
# (needs two sets of credentials in one run; the privacy tests cover it).
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
          "response_headers_conformance,response_schema_conformance,"
          "negative_data_rejection,positive_data_acceptance,missing_required_header,"
          "unsupported_method,allow_header_conformance,use_after_free,"
          "ensure_resource_availability,ignored_auth")


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of its own: what the fuzzer does there touches no other test."""
    srv = start_server(tmp_path_factory.mktemp("fuzz"), "--demo")
    yield srv
    stop_server(srv)


def request_lines(server: Server) -> list[dict]:
    lines = []
    for line in server.log.read_text().split("\n"):
        if line.startswith("{"):
            entry = json.loads(line)
            if "status" in entry and "path" in entry:
                lines.append(entry)
    return lines


def run_schemathesis(server: Server, report: Path, headers: dict[str, str],
                     exclude: tuple[str, ...] = (), examples: int = 20) -> dict:
    cmd = [str(ST), "--config-file", str(HERE / "schemathesis.toml"), "run",
           f"{server.url}/openapi.json", "--checks", CHECKS, "--max-examples", str(examples),
           "--seed", "18014", "--workers", "4", "--no-color", "--generation-database", "none",
           "--report", "json", "--report-json-path", str(report), "--request-timeout", "20"]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    for method_path in exclude:
        method, path = method_path.split(" ")
        cmd += ["--exclude-by", f"method == '{method}' and path == '{path}'"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert report.exists(), out.stdout[-4000:] + out.stderr[-4000:]
    result = json.loads(report.read_text())
    result["output"] = out.stdout
    return result


@pytest.mark.parametrize("role", ["anonymous", "member", "moderator"])
def test_generated_requests_find_no_5xx_and_no_schema_violation(
        fuzzed: Server, role: str, tmp_path: Path) -> None:
    headers, exclude = {}, ()
    with httpx.Client(base_url=fuzzed.url, timeout=10) as http:
        if role == "member":
            handle = "fuzzmember"
            http.post("/v1/accounts", json={"handle": handle, "password": PASSWORD,
                                            "birthdate": "1990-01-01",
                                            "email": "fuzz@example.org"})
            headers = login(http, handle).auth
        elif role == "moderator":
            headers = login(http, "mod", DEMO_PASSWORD).auth
    if headers:
        exclude = ("DELETE /v1/sessions",)  # signing out would end the run's session
    before = len(request_lines(fuzzed))
    result = run_schemathesis(fuzzed, tmp_path / f"{role}.json", headers, exclude)
    seen = request_lines(fuzzed)[before:]
    server_errors = [e for e in seen if e["status"] >= 500]
    statuses: dict[int, int] = {}
    for e in seen:
        statuses[e["status"]] = statuses.get(e["status"], 0) + 1
    print(f"schemathesis as {role}: {len(seen)} requests, "
          f"{result['test_cases']['generated']} test cases, "
          f"{len(result['failures'])} kinds of failure, {len(server_errors)} 5xx; "
          f"statuses {dict(sorted(statuses.items()))}")
    assert not server_errors, server_errors[:5]
    assert not result["failures"] and not result["errors"], result["output"][-6000:]
    assert len(seen) >= MIN_REQUESTS
    assert not result["warnings"].get("missing_auth"), result["warnings"]["missing_auth"]
