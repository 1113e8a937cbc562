"""HTTP send throughput and WebSocket delivery latency against a real server.

    python bench/http_send.py                 # starts `sendable serve` on a temp SQLite file
    python bench/http_send.py --url http://127.0.0.1:8000 --pairs 50 --duration 10
    python bench/http_send.py --db postgresql://… --redis redis://… --nodes 2
                                              # N serve processes on a scratch schema/prefix

Creates N sender/recipient pairs that follow each other, then
1. drives N concurrent senders, each on its own keep-alive connection (with --nodes,
   pair i sends through node i mod N; --procs load processes; a lean asyncio client
   with pre-encoded requests, on uvloop when installed) for a fixed duration and
   prints accepted messages per second, p50/p99 latency, and CPU per request of
   the load generator and of the server processes it started;
2. opens a stream for every recipient (with --nodes, on the node after the one its
   sender uses, so every event crosses nodes through Redis pub/sub), sends at a paced
   rate (--ws-rate, 500/s by default) and prints p50/p99 from the send starting to
   the event arriving.
Prints the machine (cores, python, load average) too. Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import multiprocessing as mp
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import orjson
import websockets

from sendable.store.temporary import temporary_counters, temporary_db

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from serving import free_port, start_serve, stop_serve  # noqa: E402

POLICY = """
[new_accounts]
days = 0
[rate_limits]
messages = ["1000000/minute"]
new_conversations = ["1000000/hour"]
"""
PASSWORD = "bench-password"


def start_server(workdir: Path, log_requests: bool, db: str,
                 redis: str | None) -> tuple[str, subprocess.Popen]:
    port = free_port()
    (workdir / "policy.toml").write_text(POLICY)
    args = ["--db", db, "--policy", str(workdir / "policy.toml")]
    if redis:
        args += ["--redis", redis]
    if not log_requests:
        args.append("--quiet")
    process = start_serve(port, args, workdir / f"server-{port}.log")
    return f"http://127.0.0.1:{port}", process


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


async def setup_pairs(url: str, pairs: int, tag: str) -> list[tuple[str, str, str, str]]:
    """[(sender, sender_token, recipient, recipient_token)], following each other."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        sem = asyncio.Semaphore(8)

        async def post(path: str, body: dict) -> httpx.Response:
            # Password hashing runs in a few slots: a burst of sign-ups is told to wait.
            for _ in range(60):
                r = await client.post(path, json=body)
                if r.status_code != 429:
                    return r
                await asyncio.sleep(float(r.json()["error"].get("retry_after") or 1))
            return r

        async def account(handle: str) -> str:
            async with sem:
                r = await post("/v1/accounts", {"handle": handle, "password": PASSWORD,
                                                "birthdate": "1990-01-01"})
                assert r.status_code in (201, 409), r.text
                r = await post("/v1/sessions", {"handle": handle, "password": PASSWORD})
                assert r.status_code == 201, r.text
                return r.json()["token"]

        handles = [(f"s{tag}_{i}", f"r{tag}_{i}") for i in range(pairs)]
        tokens = await asyncio.gather(*(account(h) for pair in handles for h in pair))
        out = []
        for i, (s, r) in enumerate(handles):
            st, rt = tokens[2 * i], tokens[2 * i + 1]
            for token, other in ((st, r), (rt, s)):
                res = await client.put(f"/v1/follows/{other}",
                                       headers={"Authorization": f"Bearer {token}"})
                assert res.status_code == 200, res.text
            out.append((s, st, r, rt))
        return out


class Conn:
    """One HTTP/1.1 keep-alive connection speaking just enough HTTP for this bench:
    requests are pre-encoded bytes, responses are read by Content-Length. It costs
    the load generator a fraction of what a full client does, so the server, not
    the client, is what the figures measure."""

    def __init__(self, url: str) -> None:
        parsed = urlsplit(url)
        self.host, self.port = parsed.hostname or "127.0.0.1", parsed.port or 80
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> Conn:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        return self

    async def request(self, data: bytes) -> int:
        assert self.reader is not None and self.writer is not None
        self.writer.write(data)
        head = await self.reader.readuntil(b"\r\n\r\n")
        at = head.lower().find(b"content-length:")
        length = int(head[at + 15:head.index(b"\r\n", at)]) if at >= 0 else 0
        if length:
            await self.reader.readexactly(length)
        return int(head[9:12])

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def post_message(url: str, token: str) -> tuple[bytes, bytes]:
    """The fixed part of a POST /v1/messages request and the Content-Length header's
    start; the body is appended per message."""
    host = urlsplit(url).netloc
    return (f"POST /v1/messages HTTP/1.1\r\nhost: {host}\r\n"
            f"authorization: Bearer {token}\r\ncontent-type: application/json\r\n"
            "content-length: ").encode(), b"\r\n\r\n"


def encode(head: tuple[bytes, bytes], body: bytes) -> bytes:
    return b"%s%d%s%s" % (head[0], len(body), head[1], body)


def use_uvloop() -> None:
    try:
        import uvloop
    except ImportError:
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


async def drive(pairs: list, duration: float, start_at: float) -> dict:
    latencies: list[float] = []
    statuses: dict[int | str, int] = {}
    conns = [await Conn(url).open() for *_, url, _ in pairs]
    quiet_gc()
    await asyncio.sleep(max(0.0, start_at - time.time()))
    cpu0 = time.process_time()
    stop = time.perf_counter() + duration

    async def sender(conn: Conn, token: str, r: str, url: str) -> None:
        head = post_message(url, token)
        template = b'{"to":"%s","text":"bench message %%d"}' % r.encode()
        n = 0
        clock = time.perf_counter
        while clock() < stop:
            data = encode(head, template % n)
            t0 = clock()
            try:
                status: int | str = await conn.request(data)
            except (OSError, asyncio.IncompleteReadError) as error:
                status = type(error).__name__
                await asyncio.sleep(0.01)
                await conn.open()
            latencies.append(clock() - t0)
            statuses[status] = statuses.get(status, 0) + 1
            n += 1

    await asyncio.gather(*(sender(conn, st, r, url)
                           for conn, (s, st, r, _, url, _) in zip(conns, pairs, strict=True)))
    cpu = time.process_time() - cpu0
    for conn in conns:
        conn.close()
    return {"latencies": latencies, "statuses": statuses, "cpu": cpu}


def quiet_gc() -> None:
    """No collector pauses in the load generator while it measures (they would be
    counted as the server's latency); what it allocates meanwhile is small."""
    gc.collect()
    gc.freeze()
    gc.disable()


def drive_process(pairs: list, duration: float, start_at: float, out) -> None:
    use_uvloop()
    out.put(asyncio.run(drive(pairs, duration, start_at)))


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU the given processes have used so far (Linux /proc)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def batch_sizes(urls: list[str]) -> tuple[float, float]:
    """(sends, batches) so far by the servers' /metrics (group commit, api/writer.py)."""
    sends = batches = 0.0
    for url in urls:
        for line in httpx.get(f"{url}/metrics", timeout=10).text.splitlines():
            if line.startswith("sendable_send_batch_size_sum"):
                sends += float(line.split()[-1])
            elif line.startswith("sendable_send_batch_size_count"):
                batches += float(line.split()[-1])
    return sends, batches


def throughput(pairs: list, duration: float, procs: int, server_pids: list[int]) -> None:
    start_at = time.time() + 1.0
    queue: mp.Queue = mp.Queue()
    chunks = [pairs[i::procs] for i in range(procs)]
    workers = [mp.Process(target=drive_process, args=(c, duration, start_at, queue))
               for c in chunks if c]
    for w in workers:
        w.start()
    time.sleep(max(0.0, start_at - time.time()))
    urls = sorted({url for *_, url, _ in pairs})
    server0, batched0 = cpu_seconds(server_pids), batch_sizes(urls)
    results = [queue.get() for _ in workers]
    server_cpu = cpu_seconds(server_pids) - server0
    batched = [b - a for a, b in zip(batched0, batch_sizes(urls), strict=True)]
    for w in workers:
        w.join()
    latencies = [x for r in results for x in r["latencies"]]
    statuses: dict[int | str, int] = {}
    for r in results:
        for k, v in r["statuses"].items():
            statuses[k] = statuses.get(k, 0) + v
    accepted = statuses.get(201, 0)
    client_cpu = sum(r["cpu"] for r in results)
    print(f"send: {len(pairs)} concurrent senders, {procs} load process(es), {duration:.0f} s")
    print(f"  accepted {accepted} ({accepted / duration:.0f}/s), statuses {statuses}")
    print(f"  latency p50 {pct(latencies, 50) * 1000:.1f} ms, p99 {pct(latencies, 99) * 1000:.1f} ms, "
          f"max {max(latencies) * 1000:.1f} ms")
    per = max(1, len(latencies))
    line = f"  CPU per request: load generator {client_cpu / per * 1e6:.0f} us"
    if server_pids:
        line += f", server {server_cpu / per * 1e6:.0f} us ({server_cpu / duration:.2f} cores)"
    print(line)
    if batched[1]:
        print(f"  group commit: {batched[0] / batched[1]:.1f} sends per batch on average")


async def delivery(pairs: list, rate: float, duration: float) -> None:
    sent_at: dict[str, float] = {}
    delays: list[float] = []
    total = int(rate * duration)
    done = asyncio.Event()

    async def listen(token: str, url: str) -> None:
        ws_url = url.replace("http://", "ws://") + "/v1/stream"
        async with websockets.connect(ws_url, additional_headers={
                "Authorization": f"Bearer {token}"}) as ws:
            await ws.recv()  # ready
            ready.release()
            while True:
                event = json.loads(await ws.recv())
                text = event["payload"]["message"]["text"]
                if text in sent_at:
                    delays.append(time.perf_counter() - sent_at[text])
                    if len(delays) >= total:
                        done.set()

    ready = asyncio.Semaphore(0)
    listeners = [asyncio.create_task(listen(rt, ws)) for _, _, _, rt, _, ws in pairs]
    for _ in pairs:
        await ready.acquire()
    statuses: dict[int | str, int] = {}
    idle: dict[str, list[tuple[float, Conn]]] = {url: [] for *_, url, _ in pairs}

    async def connection(url: str) -> Conn:
        """An idle keep-alive connection, or a new one: never one idle for over 4 s
        (the server closes those after 5 s, and a send on it would fail)."""
        while idle[url]:
            since, conn = idle[url].pop()
            if time.perf_counter() - since < 4.0:
                return conn
            conn.close()
        return await Conn(url).open()

    async def one(i: int) -> None:
        s, st, r, _, url, _ = pairs[i % len(pairs)]
        text = f"delivery check number {i}"
        data = encode(post_message(url, st), orjson.dumps({"to": r, "text": text}))
        conn = await connection(url)
        sent_at[text] = time.perf_counter()
        try:
            status: int | str = await conn.request(data)
            idle[url].append((time.perf_counter(), conn))
        except (OSError, asyncio.IncompleteReadError) as error:
            status = type(error).__name__
            conn.close()
        statuses[status] = statuses.get(status, 0) + 1

    quiet_gc()

    start = time.perf_counter()
    tasks = []
    for i in range(total):  # paced: message i leaves at start + i/rate
        await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
        tasks.append(asyncio.create_task(one(i)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    try:
        await asyncio.wait_for(done.wait(), 10)
    except TimeoutError:
        pass
    for task in listeners:
        task.cancel()
    gc.enable()
    for conns in idle.values():
        for _, conn in conns:
            conn.close()
    print(f"stream: {len(pairs)} open streams, {total} messages at {total / elapsed:.0f}/s "
          f"offered ({rate:.0f}/s target), statuses {statuses}")
    print(f"  delivered {len(delays)}/{total}; send-to-receipt p50 {pct(delays, 50) * 1000:.1f} ms, "
          f"p99 {pct(delays, 99) * 1000:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="target a running server (else start one)")
    parser.add_argument("--db", help="a PostgreSQL URL: the servers use a scratch schema "
                        "there, dropped afterwards (default: a temporary SQLite file)")
    parser.add_argument("--redis", help="a Redis URL: shared counters and stream fan-out "
                        "under a scratch prefix, deleted afterwards (default: in-process)")
    parser.add_argument("--nodes", type=int, default=1,
                        help="server processes to start (more than one needs --db and --redis)")
    parser.add_argument("--pairs", type=int, default=50)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--procs", type=int, default=1, help="load generator processes")
    parser.add_argument("--ws-rate", type=float, default=500.0)
    parser.add_argument("--ws-duration", type=float, default=6.0)
    parser.add_argument("--log-requests", action="store_true",
                        help="keep the server's JSON request log on (to a file)")
    parser.add_argument("--skip-stream", action="store_true")
    args = parser.parse_args()
    if args.nodes > 1 and not (args.db and args.redis):
        parser.error("--nodes above 1 needs a shared store and counters: --db and --redis")
    print(f"machine: {os.cpu_count()} cores, {platform.machine()}, python "
          f"{platform.python_version()} ({platform.python_implementation()}), "
          f"{platform.system()} {platform.release()}, "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} (before)")
    processes: list[subprocess.Popen] = []
    with (tempfile.TemporaryDirectory(prefix="sendable-bench-") as tmp,
          temporary_db(args.db) as db, temporary_counters(args.redis) as redis):
        t0 = time.perf_counter()
        urls = [args.url] if args.url else []
        for _ in range(0 if args.url else args.nodes):  # one at a time: the first migrates
            url, process = start_server(Path(tmp), args.log_requests, db, redis)
            urls.append(url)
            processes.append(process)
        if processes:
            store = "PostgreSQL (scratch schema)" if args.db else "SQLite (temporary file)"
            print(f"servers: {len(urls)} x sendable serve ({store}; counters "
                  f"{'Redis (scratch prefix)' if redis else 'in-process'}; request log "
                  f"{'on' if args.log_requests else 'off'})")
        try:
            tag = str(int(time.time()) % 100000)
            made = asyncio.run(setup_pairs(urls[0], args.pairs, tag))
            # Pair i sends through node i and streams from node i+1 (mod N).
            pairs = [(*pair, urls[i % len(urls)], urls[(i + 1) % len(urls)])
                     for i, pair in enumerate(made)]
            print(f"setup: {len(pairs)} pairs in {time.perf_counter() - t0:.1f} s")
            throughput(pairs, args.duration, args.procs, [p.pid for p in processes])
            if not args.skip_stream:
                use_uvloop()
                asyncio.run(delivery(pairs, args.ws_rate, args.ws_duration))
            print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} (after)")
        finally:
            for process in processes:
                stop_serve(process)
            errors = [line for log in Path(tmp).glob("server-*.log")
                      for line in log.read_text().splitlines()
                      if "Error" in line or "Traceback" in line]
            if errors:
                print(f"server log: {len(errors)} error lines, first: {errors[0][:200]}")


if __name__ == "__main__":
    main()
