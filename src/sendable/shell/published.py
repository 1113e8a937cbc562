"""What the server tells anyone about its policy: an opaque version, never the values.

`/v1/meta` publishes `policy_digest` so that clients and operators can tell when
the policy in force changed. A plain hash of the policy would let anyone test
guesses of the values offline (spam thresholds among them), so the digest is an
HMAC-SHA256 of the policy under a server secret, kept in the database beside the
contact secret (table `server_secrets`, name `policy_key`): every node that
shares the database publishes the same digest, and it changes exactly when the
policy does.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import weakref

from sendable.policy import Policy
from sendable.store import contacts as db_contacts
from sendable.store.unit import Unit

_SECRET_NAME = "policy_key"
_KEYS: weakref.WeakKeyDictionary[Unit, bytes] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def _key(unit: Unit, now: float) -> bytes:
    with _LOCK:
        key = _KEYS.get(unit)
        if key is None:
            with unit.write() as conn:
                kept = db_contacts.secret(conn, _SECRET_NAME)
                if kept is None:
                    kept = db_contacts.put_secret_once(conn, _SECRET_NAME,
                                                       secrets.token_hex(32), now)
            key = _KEYS[unit] = bytes.fromhex(kept)
        return key


def policy_digest(unit: Unit, policy: Policy, now: float = 0.0) -> str:
    """A short keyed fingerprint of the policy in force (16 hex digits)."""
    blob = json.dumps(policy.model_dump(mode="json"), sort_keys=True, default=str)
    return hmac.new(_key(unit, now), blob.encode(), hashlib.sha256).hexdigest()[:16]
