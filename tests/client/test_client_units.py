"""The pure parts: fault classification, backoff and Retry-After."""

from __future__ import annotations

import errno
import random
import socket
import ssl
from email.utils import formatdate

import httpx
import pytest

from sendable.client.faults import classify
from sendable.client.retry import Retry, parse_retry_after
from sendable.reasons import CLIENT_CAUSES


def wrapped(outer: type[Exception], inner: BaseException) -> Exception:
    try:
        try:
            raise inner
        except BaseException as e:
            raise outer("failed") from e
    except Exception as error:
        return error


@pytest.mark.parametrize(("error", "code"), [
    (wrapped(httpx.ConnectError, socket.gaierror(-2, "Name or service not known")),
     "network.dns"),
    (wrapped(httpx.ConnectError, ssl.SSLCertVerificationError("bad cert")), "network.tls"),
    (wrapped(httpx.ConnectError, ConnectionRefusedError(errno.ECONNREFUSED, "refused")),
     "network.connect"),
    (wrapped(httpx.ConnectError, OSError(errno.ENETUNREACH, "Network is unreachable")),
     "network.offline"),
    (httpx.ConnectTimeout("connect timed out"), "network.connect"),
    (httpx.ReadTimeout("read timed out"), "network.slow"),
    (httpx.ProxyError("407"), "network.proxy"),
    (httpx.RemoteProtocolError("Server disconnected without sending a response."),
     "network.connect"),
])
def test_transport_faults_are_classified(error, code):
    fault = classify(error)
    assert fault.code == code
    reason = fault.as_reason()
    assert reason["message"] == CLIENT_CAUSES[code][1] and reason["remedy"]
    assert reason["detail"]["error"]


def test_behind_a_proxy_connection_trouble_is_the_proxys():
    error = wrapped(httpx.ConnectError, ConnectionRefusedError(errno.ECONNREFUSED, "refused"))
    assert classify(error, via_proxy=True).code == "network.proxy"


def test_backoff_grows_is_capped_jittered_and_floored_by_retry_after():
    retry = Retry(base=0.5, factor=2, cap=3)
    rng = random.Random(1)
    for attempt, ceiling in ((1, 0.5), (2, 1.0), (3, 2.0), (4, 3.0), (9, 3.0)):
        waits = [retry.delay(attempt, rng=rng) for _ in range(200)]
        assert all(0 <= w <= ceiling for w in waits)
        assert max(waits) > ceiling * 0.8 and min(waits) < ceiling * 0.2  # full jitter
    assert retry.delay(1, retry_after=7, rng=rng) == 7
    assert retry.gives_up(6, 0, 0, None) and not retry.gives_up(1, 0, 0, None)
    assert retry.gives_up(1, 29.5, 1.0, None)  # past the budget
    assert retry.gives_up(1, 0, 0, 3600)  # too long to wait now: stay queued


def test_retry_after_as_seconds_or_http_date():
    assert parse_retry_after("12") == 12
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    assert parse_retry_after(formatdate(1_000_030, usegmt=True), now=1_000_000) == 30
    assert parse_retry_after(formatdate(1_000_000, usegmt=True), now=1_000_050) == 0
