"""One contender run, in a fresh subprocess: ``python -m benchmarks._run P1 aiodeploy``.

The arguments arrive as one JSON object on stdin (plans of 10 000 items are too long for
a command line); the result leaves as one JSON line on stdout. A fresh process per run
makes the peak RSS and CPU time the contender's own, and keeps the official client's
module-wide state from leaking from one run into the next.

Only the contender's module is imported, so the official client's runs never load
aiohttp or aiodeploy, and aiodeploy's never load ``requests`` or ``datarobot``.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import json
import sys
from typing import Any

from ._meter import Meter

CLIENT_MODULES = {
    "aiodeploy": "benchmarks._aio",
    "raw-aiohttp": "benchmarks._raw",
    "official": "benchmarks._official",
}


def run(scenario: str, client: str, args: dict[str, Any]) -> dict[str, Any]:
    """Run ``scenario`` (``P1``..``P8``) with ``client``; return the meter's figures and extras.

    The contender's function takes ``(args, meter)``, calls ``meter.begin()`` and
    ``meter.end()`` around the work it is judged on, and returns extra figures (at least
    ``ok`` and ``failed`` item counts).
    """
    module = importlib.import_module(CLIENT_MODULES[client])
    function = getattr(module, scenario.lower())
    meter = Meter(args["root"], args.get("emulator_pid"))
    if inspect.iscoroutinefunction(function):
        extras = asyncio.run(function(args, meter))
    else:
        extras = function(args, meter)
    return {**meter.result(), **extras}


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m benchmarks._run SCENARIO CLIENT < args.json", file=sys.stderr)
        return 2
    scenario, client = argv
    print(json.dumps(run(scenario, client, json.load(sys.stdin))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
