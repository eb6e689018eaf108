"""One aiodeploy rollout at scale, on its own: P8's run (P1's rollout), one size, one repeat.

    python -m benchmarks.rollout_scale --deployments 10000 --job-seconds 2 [--journal]

Prints one JSON line: wall time, client CPU (and per replacement), requests per
replacement, client peak RSS and the emulator's CPU over the same window. The emulator and
the client each run in their own process, pinned to different cores when there are two;
``python -m benchmarks --only P1,P8`` runs it with repeats and compares with the official
client.
"""

from __future__ import annotations

import argparse
import json

from ._emulator import emulator_process
from ._p8_scale import figures
from ._runner import run_child


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deployments", type=int, default=1000)
    parser.add_argument("--job-seconds", default="2", metavar="S|MIN:MAX")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument(
        "--journal", action="store_true", help="keep a journal (in a temporary folder)"
    )
    args = parser.parse_args()
    with emulator_process(
        "--deployments", str(args.deployments), "--replacement-seconds", args.job_seconds
    ) as emu:
        plan = emu.replacement_plan(args.deployments)
        run = run_child(
            emu,
            "P8",
            "aiodeploy",
            {"plan": plan, "concurrency": args.concurrency, "journal": args.journal},
        )
    print(json.dumps({"job_seconds": args.job_seconds, **figures(run, len(plan))}))


if __name__ == "__main__":
    main()
