"""``python -m benchmarks``: every scenario, aiodeploy against the official client.

Usage:
    python -m benchmarks [--smoke | --full] [--repeats 3] [--only P1,P2] [--out DIR]
                         [--size KEY=VALUE ...]

Scenarios: P1 rollout, P2 per-call cost, P3 listing, P4 memory in flight, P5 completion
lag, P6 fleet health, P7 settings policy, P8 rollout at scale, ZI zero interruption. Each
starts its own emulator process (pinned to core 1 when there are two), runs every
contender in a fresh client process (pinned to core 0) against it, resetting it between
runs, and reports medians, with the emulator's CPU over each run's window. Writes
``results.json`` (every run's raw figures), ``results.md`` and ``chart.png`` into ``--out``
(default ``benchmarks/results``). Extrapolated figures are labelled as such everywhere.

``--smoke`` runs tiny sizes, one repeat (CI keeps the code alive with it); ``--full`` also
measures the official client's 32-thread runs of 1000 deployments in P1 and P7 instead of
extrapolating them (P7's alone take ~8 min a run). ``--size`` changes one knob of the
chosen preset (see ``benchmarks/_sizes.py``), e.g. ``--size p1_counts=20,100``.
P8 scales P1's official figures: run P1 in the same invocation to get them.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._machine import machine_info
from ._report import write_json, write_markdown
from ._runner import Suite
from ._sizes import DEFAULT, FULL, SMOKE, override

SCENARIOS = {
    "P1": "benchmarks._p1_rollout",
    "P2": "benchmarks._p2_calls",
    "P3": "benchmarks._p3_listing",
    "P4": "benchmarks._p4_memory",
    "P5": "benchmarks._p5_lag",
    "P6": "benchmarks._p6_fleet",
    "P7": "benchmarks._p7_policy",
    "P8": "benchmarks._p8_scale",
    "ZI": "benchmarks._zi_predictions",
}
RESULTS = Path(__file__).resolve().parent / "results"


def _scenarios(text: str) -> list[str]:
    chosen = [name.strip().upper() for name in text.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(SCENARIOS))
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"choose among {', '.join(SCENARIOS)}; got {text!r}")
    return chosen


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--smoke", action="store_true", help="tiny sizes, 1 repeat")
    size.add_argument("--full", action="store_true", help="measure instead of extrapolating")
    parser.add_argument("--repeats", type=int, default=None, help="runs per row (3; smoke 1)")
    parser.add_argument("--only", type=_scenarios, default=list(SCENARIOS), metavar="P1,P2")
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"output folder ({RESULTS})")
    parser.add_argument(
        "--size", action="append", default=[], metavar="KEY=VALUE",
        help="override one size of the preset, e.g. p1_counts=20,100 (repeatable)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    preset = SMOKE if args.smoke else FULL if args.full else DEFAULT
    try:
        args.sizes = override(preset, args.size) if args.size else preset
    except ValueError as exc:
        parser.error(str(exc))
    if args.repeats is None:
        args.repeats = 1 if args.smoke else 3
    if args.repeats < 1:
        parser.error("--repeats must be >= 1")
    return args


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = args.sizes
    suite = Suite(sizes=sizes, repeats=args.repeats, log=_log)
    results: dict[str, Any] = {
        "mode": sizes.name,
        "repeats": args.repeats,
        "machine": machine_info(),
        "sizes": {k: v for k, v in vars(sizes).items() if k != "name"},
        "scenarios": {},
    }
    failed = False
    started = time.perf_counter()
    for key in [key for key in SCENARIOS if key in args.only]:  # P1 before P8, which uses it
        module = importlib.import_module(SCENARIOS[key])
        _log(f"== {module.TITLE}")
        try:
            results["scenarios"][key] = suite.done[key] = module.run(suite)
        except Exception as exc:  # one broken scenario must not cost the others' results
            traceback.print_exc()
            results["scenarios"][key] = {"title": module.TITLE, "error": str(exc)}
            failed = True
    results["duration_s"] = round(time.perf_counter() - started, 1)
    args.out.mkdir(parents=True, exist_ok=True)
    written = [write_json(results, args.out), write_markdown(results, args.out)]
    from ._chart import write_chart  # matplotlib only now: the runs never pay its import

    written.append(write_chart(results, args.out))
    _log(f"done in {results['duration_s']} s: " + ", ".join(str(path) for path in written))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
