"""One client_msg_id arriving on two nodes at once: one message, both answers the same.

On PostgreSQL the sender's advisory lock puts the two sends one after the
other, so the second finds the first by its id. On SQLite two processes on one
file can both miss it and race to the unique constraint (sender_id,
client_msg_id): the loser must answer with the winner's result, never fail.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from typing import Any

from nodekit import NOW, friends

from sendable.clock import FixedClock


def _both(node_a: Any, node_b: Any,
          client_msg_id: str) -> tuple[list[Any], list[threading.Thread]]:
    """Both nodes send with the same client_msg_id at once (threads started, not joined)."""
    results: list[Any] = [None, None]
    start = threading.Barrier(2)

    def run(i: int, node: Any) -> None:
        start.wait()
        try:
            results[i] = node.send("ann", "bob", f"hello from node {i}",
                                   client_msg_id=client_msg_id)
        except Exception as error:  # asserted on below
            results[i] = error

    threads = [threading.Thread(target=run, args=(i, n)) for i, n in enumerate((node_a, node_b))]
    for t in threads:
        t.start()
    return results, threads


def _one_message(results: list[Any]) -> None:
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len({r.message["id"] for r in results}) == 1, results
    assert sorted(r.replayed for r in results) == [False, True]


def test_a_repeated_client_msg_id_on_two_nodes_at_once_stores_one(db_url, open_service) -> None:  # type: ignore[no-untyped-def]
    clock = FixedClock(NOW)
    node_a, node_b = open_service(None, clock), open_service(None, clock)
    friends(node_a, "ann", "bob")
    node_a.send("ann", "bob", "the conversation exists")
    if db_url.startswith("postgresql"):
        for round_ in range(10):
            results, threads = _both(node_a, node_b, f"twice-{round_}")
            for t in threads:
                t.join()
            _one_message(results)
        _stored_once(node_a, 1 + 10)
        return
    # SQLite: hold the file's write lock so that both sends look the id up (and
    # miss it) before either can write; then let them go.
    blocker = sqlite3.connect(db_url, timeout=10)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        results, threads = _both(node_a, node_b, "twice")
        time.sleep(1.5)  # both are now waiting to write
    finally:
        blocker.rollback()
        blocker.close()
    for t in threads:
        t.join()
    _one_message(results)
    _stored_once(node_a, 1 + 1)


def _stored_once(node: Any, expected: int) -> None:
    [conversation] = node.conversations("ann")
    assert len(node.messages("ann", conversation["id"], limit=200)) == expected
