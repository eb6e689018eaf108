"""One aiodeploy rollout at scale, on its own: P1's aiodeploy run, one size, one repeat.

    python -m benchmarks.rollout_scale --deployments 1000 --job-seconds 1.8:2.2

Prints one JSON line: wall time, client CPU, requests per replacement and peak RSS. The
emulator and the client each run in their own process, pinned to different cores when
there are two; ``python -m benchmarks --only P1`` compares with the official client.
"""

from __future__ import annotations

import argparse
import json

from ._emulator import emulator_process
from ._runner import run_child


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deployments", type=int, default=1000)
    parser.add_argument("--job-seconds", default="2", metavar="S|MIN:MAX")
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    with emulator_process(
        "--deployments", str(args.deployments), "--replacement-seconds", args.job_seconds
    ) as emu:
        plan = emu.replacement_plan(args.deployments)
        run = run_child(emu, "P1", "aiodeploy", {"plan": plan, "concurrency": args.concurrency})
    figures = {
        "job_seconds": args.job_seconds,
        "deployments": len(plan),
        "replaced": run["ok"],
        "wall_s": round(run["wall_s"], 3),
        "client_cpu_s": round(run["cpu_s"], 3),
        "requests_per_replacement": round(run["requests"] / len(plan), 2),
        "client_peak_rss_mib": round(run["peak_rss_mib"], 1),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
