"""P4 memory: 10 000 replacement operations in flight at once.

aiodeploy starts every replacement (``start_model_replacement``, keeping the operations),
then waits on all of them while sampling its RSS; the jobs last 600 s, so every wait is
still polling when the window closes. The figure: (RSS with every operation in flight -
RSS before the first was started) / operations.

The official client has no counterpart: ``replace_model`` holds a thread until its job
ends, and 10 000 threads are not a way anyone would run it.
"""

from __future__ import annotations

from typing import Any

from ._emulator import emulator_process
from ._runner import Suite, judge

TITLE = "P4 memory: replacements in flight"


def run(suite: Suite) -> dict[str, Any]:
    sizes = suite.sizes
    ops = sizes.p4_ops
    with emulator_process(
        "--deployments", str(ops), "--replacement-seconds", f"{sizes.p4_job_s:g}"
    ) as emu:
        plan = emu.replacement_plan(ops)
        row = suite.row(
            emu,
            "P4",
            case=f"{ops} in flight",
            contender="aiodeploy",
            client="aiodeploy",
            n=ops,
            args={"plan": plan, "sample_s": sizes.p4_sample_s},
        )
    per_op = row["median"]["kib_per_op"]
    return {
        "title": f"{TITLE} ({ops} operations, {sizes.p4_sample_s:g} s sampled)",
        "emulator": list(emu.args),
        "rows": [row],
        "targets": [judge(row, "≤ 10 KiB per operation", f"{per_op:.1f} KiB", per_op <= 10)],
        "columns": [
            ["kib_per_op", "KiB/op in flight", "{:.1f}"],
            ["kib_per_op_started", "KiB/op started", "{:.1f}"],
            ["rss_baseline_mib", "RSS before MiB", "{:.1f}"],
            ["rss_in_flight_mib", "RSS in flight MiB", "{:.1f}"],
            ["start_s", "start all s", "{:.2f}"],
        ],
        "notes": [
            "wall time = starting every replacement + the sampling window.",
            "official client: not applicable (replace_model blocks a thread per job).",
        ],
    }
