"""What the client's guarantees cost: sends through the SDK (outbox write with
synchronous=FULL, send, outbox delete) against raw httpx posts, and how long a full
`doctor` run takes, against a real `sendable serve` on loopback.

    python bench/client_send.py [--messages 300]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from sendable.client import AsyncClient
from sendable.client.doctor import Doctor

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from serving import free_port, start_serve, stop_serve  # noqa: E402

POLICY = """
[clients]
min_version = "0.0.1"
[new_accounts]
days = 0
[requests]
max_unanswered = 1000000
[rate_limits]
messages = ["1000000/minute"]
new_conversations = ["1000000/hour"]
[spam]
duplicate_recipients = 1000000
"""
PASSWORD = "bench-password"


def start(tmp: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    (tmp / "policy.toml").write_text(POLICY)
    proc = start_serve(port, ["--db", str(tmp / "b.db"), "--policy", str(tmp / "policy.toml"),
                              "--quiet"], tmp / "server.log")
    return proc, f"http://127.0.0.1:{port}"


def pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))] * 1000


async def main(n: int, tmp: Path) -> None:
    proc, url = start(tmp)
    try:
        async with httpx.AsyncClient(base_url=url, timeout=10) as http:
            tokens = {}
            for h in ("bench_a", "bench_b"):
                await http.post("/v1/accounts", json={"handle": h, "password": PASSWORD,
                                                     "birthdate": "1990-01-01"})
                r = await http.post("/v1/sessions", json={"handle": h, "password": PASSWORD})
                tokens[h] = r.json()["token"]
            auth = {"Authorization": f"Bearer {tokens['bench_a']}"}
            raw = []
            for i in range(n):
                t = time.perf_counter()
                r = await http.post("/v1/messages", headers=auth,
                                    json={"to": "bench_b", "text": f"raw {i}"})
                raw.append(time.perf_counter() - t)
                assert r.status_code == 201
        async with AsyncClient(url, token=tokens["bench_a"], handle="bench_a",
                               home=tmp / "home") as client:
            sdk = []
            for i in range(n):
                t = time.perf_counter()
                result = await client.send("bench_b", f"sdk {i}")
                sdk.append(time.perf_counter() - t)
                assert result.status == "stored"
            t = time.perf_counter()
            doctor = Doctor(client, to="bench_b", text="hi")
            await doctor.run()
            doctor_s = time.perf_counter() - t
            assert doctor.ok, [s for s in doctor.steps if s.status == "fail"]
        print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores,"
              f" python {platform.python_version()}")
        for name, xs in (("raw httpx post", raw), ("SDK send (outbox)", sdk)):
            print(f"{name:>18}: {n / sum(xs):7.0f} msg/s sequential, p50 {pct(xs, .5):.2f} ms,"
                  f" p99 {pct(xs, .99):.2f} ms, mean {statistics.mean(xs) * 1000:.2f} ms")
        print(f"{'doctor (12 steps)':>18}: {doctor_s * 1000:.0f} ms")
    finally:
        stop_serve(proc)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as d:
        asyncio.run(main(args.messages, Path(d)))
