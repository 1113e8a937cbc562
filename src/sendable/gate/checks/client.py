"""Outdated app versions."""

from __future__ import annotations

from functools import lru_cache

import semver

from sendable.gate.facts import Facts
from sendable.policy import Policy
from sendable.reasons import Finding


@lru_cache(maxsize=256)
def _older(version: str, minimum: str) -> bool:
    return semver.Version.parse(version) < semver.Version.parse(minimum)


def check(facts: Facts, policy: Policy) -> list[Finding]:
    client = facts.client
    if client.header is None:
        return []  # no header: treated as current
    minimum = policy.clients.min_version
    if not client.valid or client.version is None:
        return [Finding("client.outdated", detail={
            "header": client.header, "min_version": minimum,
            "problem": "the client header names no version"})]
    if _older(client.version, minimum):
        return [Finding("client.outdated", detail={
            "client_version": client.version, "min_version": minimum})]
    return []
