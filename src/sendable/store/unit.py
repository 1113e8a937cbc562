"""The unit of work: one writer at a time, a kept connection, and streams woken after commit.

Every room of the shell writes through `write()` and reads through `read()`.
A write transaction holds this process's write lock (a send's
read-decide-write must not interleave with another's, or two could both pass
a limit), runs on a connection the unit keeps (so a send pays no pool
checkout), writes the transaction's stream events just before it commits
(store/events.py), and wakes the listeners of the streams it added to once it
has committed, outside the lock.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from sendable.store import events
from sendable.store.engine import WalCheckpointer

log = logging.getLogger(__name__)


class Unit:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._lock = threading.RLock()
        self._writer: sa.Connection | None = None
        self._listeners: list[Callable[[set[int]], None]] = []
        self._checkpointer = WalCheckpointer(engine) if engine.dialect.name == "sqlite" else None

    @contextmanager
    def write(self) -> Iterator[sa.Connection]:
        """A transaction that commits when the block ends (rolled back if it raises).
        Nested inside another write, it joins that one."""
        with self._lock:
            if self._writer is None or self._writer.closed or self._writer.invalidated:
                self._writer = self.engine.connect()
            writer = self._writer
            if writer.in_transaction():
                yield writer
                return
            writer.info.clear()  # what a rolled-back transaction may have left
            try:
                with writer.begin():
                    yield writer
                    events.flush(writer)
            except BaseException:
                events.discard(writer)
                raise
            touched = events.woken(writer)
        if touched:  # after commit and outside the lock: streams read what is committed
            self._wake(touched)

    @contextmanager
    def read(self) -> Iterator[sa.Connection]:
        with self.engine.connect() as conn:
            yield conn

    def add_event_listener(self, listener: Callable[[set[int]], None]) -> None:
        """Call `listener(account_ids)` after each commit that added events for them
        (live streams wake on it; a scale-out notifier can publish it to other nodes)."""
        self._listeners.append(listener)

    def _wake(self, accounts: set[int]) -> None:
        for listener in self._listeners:
            try:
                listener(accounts)
            except Exception:  # a listener must never undo a committed write
                log.exception("event listener failed")

    def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
        with self._lock:
            if self._writer is not None:
                self._writer.close()
                self._writer = None
        self.engine.dispose()
