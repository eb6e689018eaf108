"""How many ``GET deployments/{id}/`` per second the emulator serves on one core.

The emulator runs in a subprocess (``python -m aiodeploy.emulator --port 0``) pinned to one
CPU; this process hammers it from another CPU with a raw aiohttp client over keep-alive
connections, for a fixed number of requests, and prints requests per second.

Usage:
    python benchmarks/emulator_throughput.py [--requests 20000] [--connections 32]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import signal
import subprocess
import sys
import time

import aiohttp


def _pin(pid: int, cpu: int) -> str:
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity)"
    cpus = sorted(os.sched_getaffinity(0))
    chosen = cpus[cpu % len(cpus)]
    os.sched_setaffinity(pid, {chosen})
    return f"CPU {chosen}"


def _start_server(deployments: int) -> tuple[subprocess.Popen[str], str, str]:
    command = [
        sys.executable, "-m", "aiodeploy.emulator", "--port", "0",
        "--deployments", str(deployments),
    ]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    endpoint = token = ""
    while not (endpoint and token):
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("the emulator exited before printing its endpoint")
        if line.startswith("export DATAROBOT_ENDPOINT="):
            endpoint = line.split("=", 1)[1].strip()
        elif line.startswith("export DATAROBOT_API_TOKEN="):
            token = line.split("=", 1)[1].strip()
    return proc, endpoint, token


async def _hammer(endpoint: str, token: str, total: int, connections: int) -> float:
    headers = {"Authorization": f"Bearer {token}"}
    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(headers=headers, connector=connector) as session:
        async with session.get(f"{endpoint}/deployments/", params={"limit": 100}) as resp:
            ids = [d["id"] for d in (await resp.json())["data"]]
        urls = itertools.cycle([f"{endpoint}/deployments/{i}/" for i in ids])
        remaining = total
        errors = 0

        async def worker() -> None:
            nonlocal remaining, errors
            while remaining > 0:
                remaining -= 1
                async with session.get(next(urls)) as resp:
                    await resp.read()
                    errors += resp.status != 200

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"{errors} requests did not answer 200")
    return elapsed


def main() -> int:
    """Run the benchmark and print the figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--deployments", type=int, default=100)
    args = parser.parse_args()
    proc, endpoint, token = _start_server(args.deployments)
    try:
        server_cpu = _pin(proc.pid, 0)
        client_cpu = _pin(0, 1)
        asyncio.run(_hammer(endpoint, token, 500, args.connections))  # warm-up
        elapsed = asyncio.run(_hammer(endpoint, token, args.requests, args.connections))
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
    rate = args.requests / elapsed
    print(f"server {server_cpu}, client {client_cpu}, {args.connections} keep-alive connections")
    print(f"{args.requests} GET deployments/{{id}}/ in {elapsed:.2f} s: {rate:,.0f} req/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
