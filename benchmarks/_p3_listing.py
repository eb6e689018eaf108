"""P3 listing: every one of 10 000 deployments.

aiodeploy's ``list_deployments()`` asks for pages of 100 and, once the first page gives
the total, fetches the rest 8 at a time; the official ``Deployment.list()`` sends no
``limit`` and so follows 20-item pages one after another.
"""

from __future__ import annotations

from typing import Any

from ._emulator import emulator_process
from ._runner import Row, Suite, judge, official_contenders, wall_text

TITLE = "P3 listing deployments"


def run(suite: Suite) -> dict[str, Any]:
    count = suite.sizes.p3_deployments
    args = {"expected": count}
    with emulator_process("--deployments", str(count)) as emu:
        ours = suite.row(
            emu,
            "P3",
            case=f"N={count}",
            contender="aiodeploy",
            client="aiodeploy",
            n=count,
            args=args,
        )
        rows: list[Row] = [ours]
        for label, tracking in official_contenders():
            rows.append(
                suite.row(
                    emu,
                    "P3",
                    case=f"N={count}",
                    contender=label,
                    client="official",
                    n=count,
                    args={**args, "tracking": tracking},
                )
            )
    fastest = min(rows[1:], key=lambda row: row["median"]["wall_s"])
    speedup = fastest["median"]["wall_s"] / ours["median"]["wall_s"]
    text = f"≥ 10x faster than {fastest['contender']}"
    return {
        "title": f"{TITLE} (N={count})",
        "emulator": list(emu.args),
        "rows": rows,
        "targets": [judge(ours, text, f"{speedup:.1f}x ({wall_text(ours)})", speedup >= 10)],
        "columns": [],
    }
