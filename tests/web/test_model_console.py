"""The moderator console's text-model page: versions in force, label counts per kind
and source, and the last cross-validated figures, in a real browser against a real
server whose database a real `sendable guidelines train` writes to."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from serving import free_port, start_serve, stop_serve

MOD, MOD_PASSWORD = "modelmod", "moderator password"
ABUSIVE = ["you are a worthless idiot", "shut up you pathetic loser",
           "nobody likes you, you stupid clown", "you disgusting moron, go away"]
CLEAN = ["see you at lunch tomorrow", "thanks for the notes from class",
         "the train is late again, start without me", "happy birthday, have a great day"]


@pytest.fixture(scope="module")
def models_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A server of its own: training here must not change what other tests' sends meet."""
    from sendable.policy import build_policy
    from sendable.service import Service
    from sendable.shell.auth import Auth

    workdir = tmp_path_factory.mktemp("models")
    db = workdir / "models.db"
    service = Service.open(str(db), build_policy())
    try:
        service.create_account(MOD, password_hash=Auth(service).hash_password(MOD_PASSWORD),
                               role="moderator", verified=True)
    finally:
        service.close()
    port = free_port()
    process = start_serve(port, ["--db", str(db)], workdir / "server.log", timeout=120)
    yield f"http://127.0.0.1:{port}", db
    stop_serve(process)


def test_the_console_shows_models_labels_and_figures(new_page, ui, models_server,
                                                     tmp_path: Path) -> None:
    url, db = models_server
    page = new_page(url=url)
    ui.log_in(page, MOD, MOD_PASSWORD)
    page.goto("/mod")
    page.get_by_role("link", name="Text models").click()
    page.wait_for_url("**/mod/models")
    spam, abuse = page.locator("#model-spam"), page.locator("#model-abuse")
    assert "No learned abuse model" in abuse.inner_text()
    assert "No abuse labels yet" in abuse.inner_text()
    assert spam.locator(".version").inner_text().startswith("0")  # the shipped one
    ui.shot(page, "mod-models-shipped")

    labels = tmp_path / "abuse.csv"
    with labels.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["label", "text"])
        for i in range(12):
            w.writerow(["abusive", f"{ABUSIVE[i % 4]} {i}"])
            w.writerow(["clean", f"{CLEAN[i % 4]} {i}"])
    trained = subprocess.run([sys.executable, "-m", "sendable", "guidelines", "train",
                              str(labels), "--db", str(db), "--json"],
                             capture_output=True, text=True, timeout=300)
    assert trained.returncode == 0, trained.stderr

    page.reload()
    abuse = page.locator("#model-abuse")
    version = abuse.locator(".version").inner_text()
    assert version.isdigit() and int(version) >= 1
    text = abuse.inner_text()
    assert "Veto threshold" in text and "Model threshold" in text
    assert "12 positive, 12 negative labels" in text and "UTC" in text
    assert f"Models in force on this node: version {version}" in page.inner_text("main")
    rows = abuse.locator("table.figures tbody tr")
    assert rows.count() == 4
    recall = abuse.locator("tr[data-metric='recall'] td").all_inner_texts()
    assert len(recall) == 3 and recall[2].startswith("±")
    assert 0.0 <= float(recall[0]) <= 1.0
    source = abuse.locator("table.labels tr[data-source='file:abuse.csv'] td").all_inner_texts()
    assert source == ["12", "12"]
    assert "12 abusive, 12 clean; 0 from moderators' verdicts" in text
    ui.shot(page, "mod-models-trained")


def test_the_models_page_is_for_moderators_only(new_page, ui, models_server) -> None:
    url, _ = models_server
    page = new_page(url=url)
    ui.sign_up(page, ui.unique("plain"))
    response = page.goto("/mod/models")
    assert response is not None and response.status == 403


def test_upholding_reports_in_the_queue_labels_the_messages(new_page, ui, models_server
                                                            ) -> None:
    from sendable.policy import build_policy
    from sendable.service import Service

    url, db = models_server
    service = Service.open(str(db), build_policy())
    try:
        for handle in ("rep_a", "rep_b"):
            service.create_account(handle, created_at=0.0, verified=True,
                                   birthdate="1990-01-01")
        service.follow("rep_b", "rep_a")
        message = service.send("rep_a", "rep_b", "cheap watches at my shop").message["id"]
        service.report("rep_b", "spam", message_id=message)
    finally:
        service.close()
    page = new_page(url=url)
    ui.log_in(page, MOD, MOD_PASSWORD)
    page.goto("/mod")
    page.get_by_role("button", name="Uphold (reported messages break the rules)").click()
    page.wait_for_url("**/mod**")
    page.goto("/mod/models")
    row = page.locator("#model-spam table.labels tr[data-source='verdict:report_upheld'] td")
    assert row.all_inner_texts() == ["1", "0"]
    assert "1 from moderators' verdicts" in page.locator("#model-spam").inner_text()
