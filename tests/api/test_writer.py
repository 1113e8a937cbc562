"""The group-committing writer (api/writer.py) on a real Service: every send is
answered with its own result or error, in order, and a batch that fails answers
every request in it instead of leaving one hanging."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa

from sendable.api.writer import Writer
from sendable.errors import NotFound
from sendable.service import SendAttempt, Service

POLICY = {"new_accounts": {"days": 0},
          "rate_limits": {"messages": ["100000/minute"], "new_conversations": ["100000/hour"]}}


@pytest.fixture
def service(open_service) -> Service:  # type: ignore[no-untyped-def]
    service = open_service(POLICY)
    for handle in ("ann", "bob", "cat"):
        service.create_account(handle, created_at=0.0, verified=True, birthdate="1990-01-01")
    service.follow("ann", "bob")
    service.follow("bob", "ann")
    return service


def test_concurrent_sends_are_batched_and_each_answered(service: Service) -> None:
    writer = Writer(service, max_batch=16)

    async def go() -> list:
        attempts = [SendAttempt("ann", "nobody_here" if i % 10 == 3 else "bob", f"m{i}")
                    for i in range(100)]
        return await asyncio.gather(*(writer.send(a) for a in attempts),
                                    return_exceptions=True)

    try:
        results = asyncio.run(go())
    finally:
        writer.shutdown()
    for i, result in enumerate(results):
        if i % 10 == 3:
            assert isinstance(result, NotFound)
        else:
            assert result.outcome == "delivered"
    assert writer.sends == 100 and writer.batches < 100  # some sends shared a batch
    seqs = [r.message["seq"] for r in results if not isinstance(r, Exception)]
    assert seqs == list(range(seqs[0], seqs[0] + 90))  # in arrival order
    conversation = results[0].message["conversation_id"]
    stored = service.messages("bob", conversation, 0, 200)
    assert [m["text"] for m in stored] == [f"m{i}" for i in range(100) if i % 10 != 3]


def test_a_failing_batch_answers_every_request(service: Service) -> None:
    writer = Writer(service)
    with service.engine.begin() as conn:  # the store breaks under the writer
        conn.execute(sa.text("DROP TABLE events"))

    async def go() -> list:
        sends = [writer.send(SendAttempt("ann", "bob", f"lost {i}")) for i in range(20)]
        return await asyncio.wait_for(asyncio.gather(*sends, return_exceptions=True), 10)

    try:
        results = asyncio.run(go())
    finally:
        writer.shutdown()
    assert len(results) == 20
    assert all(isinstance(r, Exception) and not isinstance(r, NotFound) for r in results)
