"""The parent's side of a measurement: run a contender in a fresh pinned subprocess, repeat,
take medians, and shape the rows every scenario reports.

A row is a plain dict (it goes to JSON as is): ``case``, ``contender``, ``n`` (items),
``runs`` (raw figures of each repeat), ``median`` and optional ``note`` and ``target``.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._emulator import CLIENT_CPU, EmulatorProcess, pin_to
from ._sizes import Sizes

ROOT = Path(__file__).resolve().parents[1]
CHILD_TIMEOUT_S = 3600.0

Row = dict[str, Any]
After = Callable[[dict[str, Any]], None]


def _child_env() -> dict[str, str]:
    # The official client reads DATAROBOT_* settings (tracking, retries, config file):
    # without them, "default" means the client's own defaults.
    return {k: v for k, v in os.environ.items() if not k.startswith("DATAROBOT_")}


def run_child(
    emu: EmulatorProcess, scenario: str, client: str, args: dict[str, Any]
) -> dict[str, Any]:
    """One run against a freshly reset emulator; returns the child's JSON figures."""
    emu.reset()
    payload = {"root": emu.root, "endpoint": emu.endpoint, "token": emu.token, **args}
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks._run", scenario, client],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=_child_env(),
        preexec_fn=pin_to(CLIENT_CPU),  # safe: the parent runs no threads here
        timeout=CHILD_TIMEOUT_S,
        check=False,
    )
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-15:])
        raise RuntimeError(f"{scenario} {client} exited {done.returncode}:\n{tail}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["unexpected_errors"] = emu.stats()["unexpectedErrors"]
    return result


def medians(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Median of every numeric figure over the repeats; other values from the first run.

    A figure missing from some run (e.g. no lag when nothing finished) has the median of
    the runs that have it.
    """
    result: dict[str, Any] = {}
    for key, value in runs[0].items():
        numbers = [
            run[key]
            for run in runs
            if isinstance(run.get(key), (int, float)) and not isinstance(run.get(key), bool)
        ]
        if numbers:
            result[key] = statistics.median(numbers)
        elif key != "routes":
            result[key] = value
    return result


@dataclass
class Suite:
    """What every scenario shares: sizes, repeats and the progress log."""

    sizes: Sizes
    repeats: int
    log: Callable[[str], None]

    def row(
        self,
        emu: EmulatorProcess,
        scenario: str,
        *,
        case: str,
        contender: str,
        client: str,
        n: int,
        args: dict[str, Any],
        after: After | None = None,
    ) -> Row:
        """Measure one contender ``repeats`` times; ``after`` completes each run's figures
        (while the emulator still holds that run's state)."""
        runs = []
        for repeat in range(1, self.repeats + 1):
            run = run_child(emu, scenario, client, args)
            if after is not None:
                after(run)
            runs.append(run)
            self.log(
                f"{scenario} {case:<14} {contender:<28} #{repeat}: wall {run['wall_s']:.3f} s, "
                f"cpu {run['cpu_s']:.3f} s, {run['requests']} requests, "
                f"ok {run['ok']}/{n}"
            )
        return {"case": case, "contender": contender, "n": n, "runs": runs, "median": medians(runs)}


def extrapolated(row: Row, n: int, *, wall_scale: float, note: str) -> Row:
    """A measured row scaled to ``n`` items: counts, CPU and requests linearly, wall time by
    ``wall_scale``; peak RSS as measured (one item at a time, or a fixed pool of threads,
    holds about the same memory whatever N is)."""
    scale = n / row["n"]
    median = dict(row["median"])
    for key in ("cpu_s", "requests", "ok", "failed"):
        median[key] = median[key] * scale
    median["wall_s"] = median["wall_s"] * wall_scale
    return {
        "case": f"N={n}",
        "contender": row["contender"],
        "n": n,
        "runs": [],
        "median": median,
        "extrapolated_from": row["n"],
        "note": note,
    }


def judge(row: Row, text: str, measured: str, met: bool) -> dict[str, Any]:
    """Attach a target verdict to ``row`` and return it for the scenario's target list."""
    said = f"{text}: {measured}, {'met' if met else 'missed'}"
    row["target"] = f"{row['target']}; {said}" if row.get("target") else said
    return {
        "target": text,
        "measured": measured,
        "met": met,
        "case": row["case"],
        "contender": row["contender"],
    }


def official_contenders(label: str = "official") -> list[tuple[str, bool]]:
    """The official client's two variants: its default tracking header on, and off."""
    return [(label, True), (f"{label}, no tracking", False)]
