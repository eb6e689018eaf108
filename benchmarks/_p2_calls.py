"""P2 per-call cost: 5000 ``get_deployment`` calls, one after another and 64 at a time.

aiodeploy against a bare aiohttp + msgspec loop sending the same requests (the floor for
any aiohttp client) and the official client's ``Deployment.get`` (from 64 threads for
the concurrent case). Client CPU per call is the figure that matters: the emulator runs
on the other core, so wall time mostly shows how fast it answers.
"""

from __future__ import annotations

from typing import Any

from ._emulator import emulator_process
from ._runner import Row, Suite, judge, official_contenders

TITLE = "P2 per-call cost: get_deployment"


def _per_call(row: Row, calls: int) -> None:
    for figures in [*row["runs"], row["median"]]:
        figures["cpu_us_per_call"] = figures["cpu_s"] / calls * 1e6
        figures["calls_per_s"] = calls / figures["wall_s"]


def run(suite: Suite) -> dict[str, Any]:
    sizes = suite.sizes
    calls = sizes.p2_calls
    rows: list[Row] = []
    targets = []
    with emulator_process("--deployments", str(sizes.p2_deployments)) as emu:
        ids = [dep for dep, _ in emu.replacement_plan(sizes.p2_deployments)]
        for concurrency in (1, sizes.p2_concurrency):
            case = "sequential" if concurrency == 1 else f"{concurrency} concurrent"
            contenders = [
                ("aiodeploy", "aiodeploy", {}),
                ("raw aiohttp + msgspec", "raw-aiohttp", {}),
                *((label, "official", {"tracking": on}) for label, on in official_contenders()),
            ]
            case_rows = []
            for contender, client, extra in contenders:
                args = {"ids": ids, "calls": calls, "concurrency": concurrency, **extra}
                row = suite.row(
                    emu, "P2", case=case, contender=contender, client=client, n=calls, args=args
                )
                _per_call(row, calls)
                case_rows.append(row)
            ours, floor = case_rows[0], case_rows[1]
            ratio = ours["median"]["cpu_us_per_call"] / floor["median"]["cpu_us_per_call"]
            text = "client CPU/call ≤ 1.3 x raw aiohttp"
            targets.append(judge(ours, text, f"{ratio:.2f}x", ratio <= 1.3))
            rows += case_rows
    return {
        "title": f"{TITLE} ({calls} calls)",
        "emulator": list(emu.args),
        "rows": rows,
        "targets": targets,
        "notes": [
            "raw aiohttp + msgspec decodes each body into the same aiodeploy.Deployment struct.",
            "official concurrent: a pool of threads, one dr.Client (one requests.Session) each; "
            "clients connect before the window opens, as every contender does.",
        ],
        "columns": [
            ["cpu_us_per_call", "CPU µs/call", "{:.0f}"],
            ["calls_per_s", "calls/s", "{:.0f}"],
        ],
    }
