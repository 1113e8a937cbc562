"""Group commit: one thread runs the node's sends, a batch at a time.

Requests put their send on a queue and await a future. The writer thread takes
what is waiting (up to `max_batch`), runs it through `Service.send_many` (one
transaction per batch where the store does that), and answers the whole batch
with one call into the event loop. Under load a batch grows, so the per-send
costs (thread hand-off, loop wake-up, commit) are shared; when idle a batch is
one send and nothing waits for company.

Other writes (`run`) go through the same queue and thread, so everything a node
writes keeps arrival order. Nothing is lost: a batch that raises answers each of
its requests with that error (the request gets a 500 and may retry with its
`client_msg_id`), and a request that went away leaves its answer unread.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from sendable.service import SendAttempt, SendResult, Service

T = TypeVar("T")
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
        return await self._submit(attempt)

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run any other service write on the writer thread, in arrival order."""
        return await self._submit(partial(fn, *args, **kwargs))

    async def _submit(self, item: SendAttempt | Callable[[], Any]) -> Any:
        self._ensure_started()
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._queue.put((loop, future, item))
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

    def _run_batch(self, batch: list[tuple[asyncio.AbstractEventLoop, asyncio.Future, Any]]) -> None:
        answers: list[tuple[asyncio.AbstractEventLoop, Answer]] = []
        i = 0
        while i < len(batch):
            if isinstance(batch[i][2], SendAttempt):  # a run of sends: one send_many
                j = i
                while j < len(batch) and isinstance(batch[j][2], SendAttempt):
                    j += 1
                run = batch[i:j]
                try:
                    results: list[Any] = self.service.send_many([item for _, _, item in run])
                except Exception as error:  # every request of the batch hears of it
                    log.exception("a batch of %d sends failed", len(run))
                    results = [error] * len(run)
                self.batches += 1
                self.sends += len(run)
                if self.on_batch is not None:
                    self.on_batch(len(run))
                for (loop, future, _), result in zip(run, results, strict=True):
                    answers.append((loop, (future, not isinstance(result, BaseException),
                                           result)))
                i = j
            else:
                loop, future, fn = batch[i]
                try:
                    answers.append((loop, (future, True, fn())))
                except Exception as error:
                    answers.append((loop, (future, False, error)))
                i += 1
        by_loop: dict[asyncio.AbstractEventLoop, list[Answer]] = {}
        for loop, answer in answers:
            by_loop.setdefault(loop, []).append(answer)
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


