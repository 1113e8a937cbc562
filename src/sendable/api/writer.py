"""Group commit: one thread runs the node's sends, a batch at a time.

Requests put their send on a queue and await a future. The writer thread takes
what is waiting (up to `max_batch`), runs it through `Service.send_many` (one
transaction per batch where the store does that), and answers the whole batch
with one call into the event loop. Under load a batch grows, so the per-send
costs (thread hand-off, loop wake-up, commit) are shared; when idle a batch is
one send and nothing waits for company.

Sends keep arrival order. Other writes (follows, blocks, moderation) stay on the
threadpool and meet sends at the service's write lock: a send sees whatever
committed before it was decided. Nothing is lost: a batch that raises answers
each of its requests with that error (a 500; retry with the same
`client_msg_id`), and a request that went away leaves its answer unread.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from sendable.service import SendAttempt, SendResult, Service

log = logging.getLogger(__name__)

_STOP = object()
# An answer: (future, ok, value). `ok` False means `value` is the exception to raise.
Answer = tuple[asyncio.Future, bool, Any]


class Writer:
    def __init__(self, service: Service, max_batch: int = 64,
                 on_batch: Callable[[int], None] | None = None) -> None:
        self.service = service
        self.max_batch = max_batch
        self.on_batch = on_batch  # told each batch's size (the /metrics histogram)
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.batches = 0  # how many batches ran, and how many sends they held
        self.sends = 0

    # -- the event loop's side ---------------------------------------------------------

    async def send(self, attempt: SendAttempt) -> SendResult:
        """Send through the next batch; raises the ServiceError this attempt caused."""
        self._ensure_started()
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._queue.put((loop, future, attempt))
        return await future

    def _ensure_started(self) -> None:
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._work, name="sendable-writer",
                                                    daemon=True)
                    self._thread.start()

    def shutdown(self) -> None:
        """Finish what is queued, then stop the thread."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(_STOP)
            thread.join()

    # -- the writer thread --------------------------------------------------------------

    def _work(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            batch = [first]
            stop = False
            while len(batch) < self.max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stop = True
                    break
                batch.append(item)
            self._run_batch(batch)
            if stop:
                return

    def _run_batch(self, batch: list[tuple[asyncio.AbstractEventLoop, asyncio.Future,
                                           SendAttempt]]) -> None:
        try:
            results: list[Any] = self.service.send_many([attempt for *_, attempt in batch])
        except Exception as error:  # every request of the batch hears of it
            log.exception("a batch of %d sends failed", len(batch))
            results = [error] * len(batch)
        self.batches += 1
        self.sends += len(batch)
        if self.on_batch is not None:
            self.on_batch(len(batch))
        by_loop: dict[asyncio.AbstractEventLoop, list[Answer]] = {}
        for (loop, future, _), result in zip(batch, results, strict=True):
            by_loop.setdefault(loop, []).append(
                (future, not isinstance(result, BaseException), result))
        for loop, group in by_loop.items():  # one wake-up of each loop per batch
            try:
                loop.call_soon_threadsafe(_answer, group)
            except RuntimeError:  # that loop is closed: nobody is waiting any more
                pass


def _answer(group: list[Answer]) -> None:
    for future, ok, value in group:
        if future.done():  # the request was cancelled (client went away)
            continue
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)


