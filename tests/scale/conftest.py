"""Helpers for the scale tests: which servers this run was given."""

from __future__ import annotations

import pytest

from sendable.counters.redis import RedisCounters

TEST_REDIS_HINT = "needs Redis: set SENDABLE_TEST_REDIS (eval \"$(bash ci/services.sh)\")"


@pytest.fixture
def redis_counters(counters_uri: str | None) -> RedisCounters:
    """RedisCounters on this test's scratch prefix; only in a run given a Redis."""
    if not counters_uri:
        pytest.skip(TEST_REDIS_HINT)
    counters = RedisCounters(counters_uri)
    yield counters
    counters.close()
