"""The console's policy lab in a real browser: upload a candidate policy, read the
transition matrix and the examples, promote it (and revert), on a server of its own
so that the promotion never touches the other pages' tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from sendable.policy import build_policy, load_policy
from sendable.service import Service
from sendable.shell.auth import Auth
from serving import free_port, start_serve, stop_serve

LIVE = "[new_accounts]\ndays = 0\n"
CANDIDATE = '[new_accounts]\ndays = 0\n[rate_limits]\nmessages = ["3/minute", "600/hour"]\n'


class LabServer:
    def __init__(self, url: str, process: object, policy: Path) -> None:
        self.url, self.process, self.policy = url, process, policy


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, ui) -> Iterator[LabServer]:  # type: ignore[no-untyped-def]
    workdir = tmp_path_factory.mktemp("weblab")
    db, policy = workdir / "lab.db", workdir / "policy.toml"
    policy.write_text(LIVE)
    service = Service.open(str(db), load_policy(policy))
    try:
        auth = Auth(service)
        service.create_account(ui.mod_handle, password_hash=auth.hash_password(ui.mod_password),
                               role="moderator", verified=True)
        for name in ("labann", "labbo"):
            service.create_account(name, birthdate="1990-01-01", verified=True)
        service.follow("labann", "labbo")
        service.follow("labbo", "labann")
        for i in range(8):  # one minute's burst: the candidate's 3/minute stops five
            assert service.send("labann", "labbo", f"note {i} of the burst").outcome == "delivered"
    finally:
        service.close()
    port = free_port()
    process = start_serve(port, ["--db", str(db), "--policy", str(policy)],
                          workdir / "server.log")
    yield LabServer(f"http://127.0.0.1:{port}", process, policy)
    stop_serve(process)


def test_upload_a_candidate_see_the_matrix_and_promote_it(new_page, ui, server,  # type: ignore[no-untyped-def]
                                                         tmp_path: Path) -> None:
    page = new_page()
    ui.log_in(page, ui.mod_handle, ui.mod_password)
    page.goto("/mod")
    page.get_by_role("link", name="Policy lab").click()
    live = load_policy(server.policy).digest()  # as served (the test servers' [auth] too)
    expect(page.locator(".live-digest")).to_have_text(live)

    candidate = tmp_path / "candidate.toml"
    candidate.write_text(CANDIDATE)
    page.get_by_label("Candidate policy file (TOML)").set_input_files(str(candidate))
    page.get_by_role("button", name="Backtest").click()
    report = page.locator("#report")
    expect(report).to_contain_text("5 of 8 attempts change")
    matrix = page.get_by_role("table", name="Outcome transitions")
    delivered = matrix.locator("tbody tr").first
    expect(delivered.locator("td")).to_have_text(["3", "0", "0", "5"])
    expect(report.locator(".codes")).to_contain_text("rate.messages: +5")
    examples = report.locator(".example")
    expect(examples.first).to_contain_text("delivered → refused")
    expect(examples.first).to_contain_text("note 3 of the burst")
    expect(report).to_contain_text("@labann")
    ui.shot(page, "policy-lab-backtest")

    page.get_by_role("button", name="Promote this candidate to live").click()
    digest = build_policy({"new_accounts": {"days": 0},
                           "rate_limits": {"messages": ["3/minute", "600/hour"]}}).digest()
    expect(page.locator(".live-digest")).to_have_text(digest)
    expect(page.locator("table.history tbody tr").first).to_contain_text("promote")
    ui.shot(page, "policy-lab-promoted")

    page.get_by_role("button", name="Revert to the previous policy").click()
    expect(page.locator(".live-digest")).to_have_text(live)
    page.goto("/mod/audit")
    expect(page.locator("table.audit")).to_contain_text("policy_promote")
    expect(page.locator("table.audit")).to_contain_text("policy_revert")
