"""The parent's side of a measurement: run a contender in a fresh pinned subprocess, repeat,
take medians, and shape the rows every scenario reports.

A row is a plain dict (it goes to JSON as is): ``case``, ``contender``, ``n`` (items),
``runs`` (raw figures of each repeat), ``median`` and optional ``note`` and ``target``.
An extrapolated row has no runs of its own: it names what it was scaled from
(``extrapolated_from``, the measured N) and carries that row's raw runs (``source_runs``),
so every figure written can be traced to measurements.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
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
    payload = {
        "root": emu.root,
        "endpoint": emu.endpoint,
        "token": emu.token,
        "emulator_pid": emu.process.pid,  # the child reads the server's CPU over its window
        **args,
    }
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
    """What every scenario shares: sizes, repeats, the progress log, and the results of the
    scenarios already run in this invocation (``done``, by key: P8 scales P1's figures)."""

    sizes: Sizes
    repeats: int
    log: Callable[[str], None]
    done: dict[str, Any] = field(default_factory=dict)

    def warm_up(self, emu: EmulatorProcess, scenario: str, args: dict[str, Any]) -> None:
        """One aiodeploy run, not recorded: a fresh emulator's first requests of a kind cost
        it extra CPU (imports, first calls), which would otherwise fall on whichever
        contender runs first. Skipped when the sizes say so (``--smoke``: no figure kept)."""
        if self.sizes.warm_up:
            run_child(emu, scenario, "aiodeploy", args)

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
            server = run.get("emulator_cpu_s")
            self.log(
                f"{scenario} {case:<14} {contender:<28} #{repeat}: wall {run['wall_s']:.3f} s, "
                f"cpu {run['cpu_s']:.3f} s, emulator cpu "
                f"{'?' if server is None else f'{server:.2f}'} s, {run['requests']} requests, "
                f"ok {run['ok']}/{n}"
            )
        return {"case": case, "contender": contender, "n": n, "runs": runs, "median": medians(runs)}


def extrapolated(row: Row, n: int, *, wall_scale: float, note: str, case: str | None = None) -> Row:
    """A measured row scaled to ``n`` items: counts, CPU (the client's and the emulator's)
    and requests linearly, wall time by ``wall_scale``; peak RSS as measured (one item at a
    time, or a fixed pool of threads, holds about the same memory whatever N is).

    The result keeps the measured row's raw runs (``source_runs``) and says it is
    extrapolated in its ``note``, which the tables, the summary and the chart repeat.
    """
    if not row["runs"]:
        raise ValueError("only a measured row can be extrapolated (it has no runs)")
    scale = n / row["n"]
    median = dict(row["median"])
    for key in ("cpu_s", "emulator_cpu_s", "requests", "ok", "failed"):
        if isinstance(median.get(key), (int, float)):
            median[key] = median[key] * scale
    median["wall_s"] = median["wall_s"] * wall_scale
    return {
        "case": case or f"N={n}",
        "contender": row["contender"],
        "n": n,
        "runs": [],
        "median": median,
        "extrapolated_from": row["n"],
        "source_runs": row["runs"],
        "note": note if note.startswith("extrapolated") else f"extrapolated: {note}",
    }


def basis(row: Row) -> str:
    """How a row's figures were obtained, for a summary line: ``""`` when measured,
    else `` (extrapolated from N=20)``."""
    if row.get("extrapolated_from") is None:
        return ""
    return f" (extrapolated from N={row['extrapolated_from']})"


def judge(
    row: Row, text: str, measured: str, met: bool | None, *, reference: Row | None = None
) -> dict[str, Any]:
    """Attach a target verdict to ``row`` and return it for the scenario's target list.

    ``met`` None: a figure reported without a target. ``reference``: the row the figure is
    compared with; when it is extrapolated, the measured text says so.
    """
    extrapolated = reference is not None and bool(basis(reference))
    if reference is not None and extrapolated and "extrapolated" not in measured:
        measured += f"; {reference['contender']}{basis(reference)}"
    word = "reported" if met is None else "met" if met else "missed"
    said = f"{text}: {measured}, {word}"
    row["target"] = f"{row['target']}; {said}" if row.get("target") else said
    return {
        "target": text,
        "measured": measured,
        "met": met,
        "extrapolated": extrapolated,
        "case": row["case"],
        "contender": row["contender"],
    }


def wall_text(row: Row) -> str:
    """``2.76 s [emulator CPU 1.10 s]``: a wall time with the server's CPU next to it."""
    median = row["median"]
    server = median.get("emulator_cpu_s")
    cpu = "" if server is None else f" [emulator CPU {server:.2f} s]"
    return f"{median['wall_s']:.2f} s{cpu}"


def per_item(row: Row) -> Row:
    """Add client CPU ms and requests per item (``cpu_ms_per_item``, ``requests_per_item``)
    to each run and to the median (an extrapolated row's are its source's); returns it."""
    for figures in [*row["runs"], row["median"]]:
        figures["cpu_ms_per_item"] = figures["cpu_s"] / row["n"] * 1e3
        figures["requests_per_item"] = figures["requests"] / row["n"]
    return row


def fastest(rows: list[Row], contains: str) -> Row:
    """The row of least wall time among those whose contender contains ``contains``."""
    return min(
        (row for row in rows if contains in row["contender"]),
        key=lambda row: row["median"]["wall_s"],
    )


def official_contenders(label: str = "official") -> list[tuple[str, bool]]:
    """The official client's two variants: its default tracking header on, and off."""
    return [(label, True), (f"{label}, no tracking", False)]
