"""`why` and `send` score with the same spam-model version, on two nodes sharing one
PostgreSQL: what node A teaches, node B's next `why` and next `send` both use.

B looks for a newer model on every call here (its check interval set to 0) so the
test does not wait out the 30 s interval; a `why` that skipped the look would keep
the version it started with. Skips unless the run was given a PostgreSQL."""

from __future__ import annotations

import pytest

from sendable.policy import build_policy
from sendable.service import Service
from sendable.store.temporary import is_server_db, temporary_db

POLICY = build_policy({"new_accounts": {"days": 0}})
SPAM = [(True, f"zorblax prize claim now number {i}") for i in range(20)]
HAM = [(False, f"see you at practice on day {i}") for i in range(20)]


@pytest.fixture
def two_nodes(backends):  # type: ignore[no-untyped-def]
    db, _ = backends
    if not is_server_db(db):
        pytest.skip("two nodes need PostgreSQL: set SENDABLE_TEST_DB")
    with temporary_db(db) as url:
        a, b = Service.open(url, POLICY), Service.open(url, POLICY)
        try:
            yield a, b
        finally:
            a.close()
            b.close()


def test_why_and_send_use_the_version_another_node_taught(two_nodes) -> None:  # type: ignore[no-untyped-def]
    a, b = two_nodes
    for handle in ("alice", "bob", "carol"):
        a.create_account(handle, verified=True, created_at=a.now() - 365 * 86400,
                         birthdate="1990-01-01")
    b.models.CHECK_SECONDS = 0.0
    start = b.models.version

    a.train_spam(SPAM + HAM)
    taught = a.models.version
    assert taught != start
    b.why("alice", "bob", "zorblax prize claim")
    assert b.models.version == taught

    a.train_spam(SPAM)
    retaught = a.models.version
    assert retaught != taught
    b.send("alice", "carol", "zorblax prize claim today")
    assert b.models.version == retaught
    # both nodes now score the same text the same way
    text = "zorblax prize claim once more"
    assert b.shell.analyser.analyse(text).spam == a.shell.analyser.analyse(text).spam
    b.why("alice", "bob", text)
    assert b.models.version == retaught
