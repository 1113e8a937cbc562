"""A 32-member group against a real `sendable serve` on a temp SQLite file:

1. accepted group messages per second, members sending concurrently on keep-alive
   connections for a fixed duration;
2. delivery to every member: all 32 members stream over WebSocket while group
   messages go out at a paced rate (100/s by default); prints p50/p99 from the send
   starting to each member's event arriving.

    python bench/group_fanout.py [--members 32] [--duration 10] [--rate 100]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import httpx
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from http_send import Conn, batch_sizes, cpu_seconds, encode, post_message  # noqa: E402

from serving import free_port, start_serve, stop_serve  # noqa: E402

POLICY = """
[new_accounts]
days = 0
max_groups_per_day = 1000
[rate_limits]
group_messages = ["1000000/minute"]
[groups]
max_members = 10000
"""
PASSWORD = "bench-password"


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] if values \
        else float("nan")


async def setup(url: str, members: int) -> tuple[int, list[str]]:
    """A group of `members` accounts (the first owns it); their tokens."""
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        tokens = []
        for i in range(members):
            handle = f"m{i}"
            await http.post("/v1/accounts", json={"handle": handle, "password": PASSWORD,
                                                "birthdate": "1990-01-01"})
            r = await http.post("/v1/sessions", json={"handle": handle, "password": PASSWORD})
            tokens.append(r.json()["token"])
            await http.patch("/v1/me/settings", json={"group_invites": "everyone"},
                             headers={"Authorization": f"Bearer {tokens[-1]}"})
        r = await http.post("/v1/groups", json={"name": "bench", "members": [
            f"m{i}" for i in range(1, members)]}, headers={"Authorization": f"Bearer {tokens[0]}"})
        body = r.json()
        assert len(body["group"]["members"]) == members, body
        return body["group"]["id"], tokens


async def throughput(url: str, group: int, tokens: list[str], duration: float,
                     server_pid: int) -> None:
    """Every member sends on its own keep-alive connection (http_send's lean client, so
    the figures measure the server); also the server's CPU per accepted message."""
    statuses: dict[int | str, int] = {}
    latencies: list[float] = []
    conns = [await Conn(url).open() for _ in tokens]
    stop = time.perf_counter() + duration

    async def sender(conn: Conn, token: str, n: int) -> None:
        head = post_message(url, token)
        template = b'{"group":%d,"text":"t%d %%d"}' % (group, n)
        i = 0
        while time.perf_counter() < stop:
            i += 1
            t0 = time.perf_counter()
            status = await conn.request(encode(head, template % i))
            latencies.append(time.perf_counter() - t0)
            statuses[status] = statuses.get(status, 0) + 1

    cpu0, batched0 = cpu_seconds([server_pid]), batch_sizes([url])
    started = time.perf_counter()
    await asyncio.gather(*(sender(c, t, n) for n, (c, t) in enumerate(zip(conns, tokens,
                                                                          strict=True))))
    elapsed = time.perf_counter() - started
    server_cpu = cpu_seconds([server_pid]) - cpu0
    sends, batches = (b - a for a, b in zip(batched0, batch_sizes([url]), strict=True))
    for conn in conns:
        conn.close()
    accepted = statuses.get(201, 0)
    print(f"throughput: {len(tokens)} members sending for {duration:g}s")
    print(f"  accepted {accepted} ({accepted / elapsed:.0f} group messages/s, "
          f"{accepted * (len(tokens) - 1) / elapsed:.0f} deliveries/s), statuses {statuses}")
    print(f"  latency p50 {pct(latencies, 50) * 1000:.1f} ms, "
          f"p99 {pct(latencies, 99) * 1000:.1f} ms")
    print(f"  server CPU {server_cpu / max(1, accepted) * 1e6:.0f} us per group message "
          f"({server_cpu / elapsed:.2f} cores; one free core would take "
          f"{accepted / server_cpu if server_cpu else float('nan'):.0f}/s)"
          + (f", {sends / batches:.1f} sends per batch" if batches else ""))


async def delivery(url: str, group: int, tokens: list[str], rate: float,
                   duration: float) -> None:
    sent_at: dict[str, float] = {}
    delays: list[float] = []
    total = int(rate * duration) * (len(tokens) - 1)
    done, ready = asyncio.Event(), asyncio.Semaphore(0)

    async def listen(token: str) -> None:
        ws_url = url.replace("http://", "ws://") + "/v1/stream"
        async with websockets.connect(ws_url, additional_headers={
                "Authorization": f"Bearer {token}"}) as ws:
            await ws.recv()
            ready.release()
            while True:
                event = json.loads(await ws.recv())
                text = event.get("payload", {}).get("message", {}).get("text")
                if text in sent_at and event["kind"] == "group_message":
                    delays.append(time.perf_counter() - sent_at[text])
                    if len(delays) >= total:
                        done.set()

    listeners = [asyncio.create_task(listen(t)) for t in tokens[1:]]  # not the sender
    for _ in tokens[1:]:
        await ready.acquire()
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        start = time.perf_counter()
        for i in range(int(rate * duration)):
            await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
            text = f"d{i}"
            sent_at[text] = time.perf_counter()
            await http.post("/v1/messages", json={"group": group, "text": text},
                            headers={"Authorization": f"Bearer {tokens[0]}"})
    try:
        await asyncio.wait_for(done.wait(), 30)
    except TimeoutError:
        pass
    for task in listeners:
        task.cancel()
    print(f"delivery: {rate:g} group messages/s to {len(tokens) - 1} streaming members for "
          f"{duration:g}s: {len(delays)}/{total} events, p50 {pct(delays, 50) * 1000:.1f} ms, "
          f"p99 {pct(delays, 99) * 1000:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=32)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--delivery-seconds", type=float, default=5.0)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}, "
          f"load {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="sendable-bench-") as tmp:
        work = Path(tmp)
        (work / "policy.toml").write_text(POLICY)
        port = free_port()
        process = start_serve(port, ["--db", str(work / "bench.db"), "--policy",
                                     str(work / "policy.toml"), "--quiet"], work / "server.log")
        url = f"http://127.0.0.1:{port}"
        try:
            group, tokens = asyncio.run(setup(url, args.members))
            asyncio.run(throughput(url, group, tokens, args.duration, process.pid))
            asyncio.run(delivery(url, group, tokens, args.rate, args.delivery_seconds))
        finally:
            stop_serve(process)


if __name__ == "__main__":
    main()
