"""P1 rollout: replace the models of N deployments (jobs 2 s ± 10 %).

aiodeploy's ``replace_models`` (read, validate, PATCH, wait, read; 32 at a time) against
the official client doing the same per item (``Deployment.get``,
``validate_replacement_model``, ``replace_model``), one item after another and from a pool
of 32 threads. The limit: one job's duration, since every job can run at once.

The official client's sequential run is measured on 20 items and scaled per item (it
would take ~5 s an item: a job never ends by its immediate first poll, and the next poll
comes 5 s later). Its thread pool is measured on 100 items; larger N are scaled by waves
of 32 items (each wave lasts one 5 s poll cycle) unless ``--full`` measures them.
"""

from __future__ import annotations

import math
from typing import Any

from ._emulator import emulator_process
from ._runner import Row, Suite, extrapolated, judge, official_contenders, wall_text

TITLE = "P1 rollout: N deployments"


def run(suite: Suite) -> dict[str, Any]:
    sizes = suite.sizes
    low, high = sizes.p1_jobs
    job_s = (low + high) / 2
    biggest = max(sizes.p1_counts)
    threads = sizes.p1_threads
    rows: list[Row] = []
    with emulator_process(
        "--deployments", str(biggest), "--replacement-seconds", f"{low}:{high}"
    ) as emu:
        plan = emu.replacement_plan(biggest)

        def measure(n: int, contender: str, client: str, **args: Any) -> Row:
            args = {"plan": plan[:n], **args}
            return suite.row(
                emu, "P1", case=f"N={n}", contender=contender, client=client, n=n, args=args
            )

        rows.extend(
            measure(n, "aiodeploy", "aiodeploy", concurrency=sizes.p1_concurrency)
            for n in sizes.p1_counts
        )
        for label, tracking in official_contenders():
            few = sizes.p1_sequential
            one_by_one = measure(
                few, f"{label}, sequential", "official", threads=1, tracking=tracking
            )
            one_by_one["note"] = "measured; scaled per item below"
            rows.append(one_by_one)
            for n in sizes.p1_counts:
                note = f"extrapolated per item from N={few}"
                rows.append(extrapolated(one_by_one, n, wall_scale=n / few, note=note))
            pooled = f"{label}, {threads} threads"
            measured: Row | None = None
            for n in sorted(sizes.p1_counts):
                if n <= sizes.p1_threads_measured or measured is None:
                    measured = measure(n, pooled, "official", threads=threads, tracking=tracking)
                    rows.append(measured)
                    continue
                waves = math.ceil(n / threads) / math.ceil(measured["n"] / threads)
                note = f"extrapolated from N={measured['n']} by waves of {threads}"
                rows.append(extrapolated(measured, n, wall_scale=waves, note=note))
    rows.sort(key=lambda row: row["n"])  # stable: contenders keep their order within an N
    return {
        "title": f"{TITLE} (jobs {low:g}-{high:g} s)",
        "emulator": list(emu.args),
        "limit": {"wall_s": job_s, "what": f"one job ({job_s:g} s; drawn {low:g}-{high:g} s)"},
        "job_range": f"{low:g}-{high:g} s",
        "rows": rows,
        "targets": _targets(rows, biggest, job_s),
        "columns": [],
        "notes": [
            "every contender reads, validates, replaces and waits for each deployment.",
            "official threads: one dr.Client (one requests.Session) per thread, connected "
            "before the window opens.",
        ],
    }


def _targets(rows: list[Row], n: int, job_s: float) -> list[dict[str, Any]]:
    at_n = [row for row in rows if row["n"] == n]
    ours = next(row for row in at_n if row["contender"] == "aiodeploy")
    wall = ours["median"]["wall_s"]
    limit = 1.5 * job_s
    verdicts = [judge(ours, f"≤ 1.5 x one job ({limit:.2f} s)", wall_text(ours), wall <= limit)]
    pooled = [row for row in at_n if "threads" in row["contender"]]
    fastest = min(pooled, key=lambda row: row["median"]["wall_s"])
    speedup = fastest["median"]["wall_s"] / wall
    text = f"≥ 50x faster than {fastest['contender']}"
    measured = f"{speedup:.0f}x (vs {fastest['median']['wall_s']:,.0f} s)"
    verdicts.append(judge(ours, text, measured, speedup >= 50, reference=fastest))
    return verdicts
