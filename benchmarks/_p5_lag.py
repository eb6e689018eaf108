"""P5 completion lag: how long after a job ends the client knows, and what polling costs.

Per job time (fixed, no range), aiodeploy starts 200 replacements at once
(``start_model_replacement`` then ``wait()``); the official client runs 32 from a pool of
32 threads (``Deployment.get`` then ``replace_model``). Lag = (wall clock when the wait
returned, in the client) - (job end). The job end comes from the server: the model
history's newest entry starts when the job was accepted, and the job lasts exactly the
configured time. Polls per operation = ``GET status/{id}/`` requests / operations.
"""

from __future__ import annotations

import math
from typing import Any

from ._emulator import EmulatorProcess, emulator_process
from ._runner import Row, Suite, judge, official_contenders

TITLE = "P5 completion lag"
STATUS_ROUTE = "GET /api/v2/status/{status_id}/"


def _rank(ordered: list[float], share: float) -> float:
    """Nearest-rank percentile of a sorted list."""
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def lag_figures(emu: EmulatorProcess, job_s: float, run: dict[str, Any]) -> None:
    """Turn a run's ``done_at`` into lag percentiles and per-operation request counts."""
    done_at: dict[str, float] = run.pop("done_at")
    accepted = emu.accepted_at(list(done_at))
    lags = sorted(done_at[dep] - (accepted[dep] + job_s) for dep in done_at)
    ops = max(1, run["ok"] + run["failed"])
    run.update(
        lag_p50_s=_rank(lags, 0.50) if lags else None,
        lag_p95_s=_rank(lags, 0.95) if lags else None,
        lag_max_s=lags[-1] if lags else None,
        polls_per_op=run["routes"].get(STATUS_ROUTE, 0) / ops,
        requests_per_op=run["requests"] / ops,
    )


def run(suite: Suite) -> dict[str, Any]:
    sizes = suite.sizes
    rows: list[Row] = []
    targets = []
    emulators = []
    for job_s in sizes.p5_jobs:
        count = max(sizes.p5_ops, sizes.p5_official_ops)
        case = f"job {job_s:g} s"
        with emulator_process(
            "--deployments", str(count), "--replacement-seconds", f"{job_s:g}"
        ) as emu:
            emulators.append(list(emu.args))
            plan = emu.replacement_plan(count)

            def after(
                run: dict[str, Any], emu: EmulatorProcess = emu, job_s: float = job_s
            ) -> None:
                lag_figures(emu, job_s, run)

            ours = suite.row(
                emu,
                "P5",
                case=case,
                contender="aiodeploy",
                client="aiodeploy",
                n=sizes.p5_ops,
                args={"plan": plan[: sizes.p5_ops]},
                after=after,
            )
            rows.append(ours)
            few = sizes.p5_official_ops
            for label, tracking in official_contenders(f"official, {sizes.p5_threads} threads"):
                args = {"plan": plan[:few], "threads": sizes.p5_threads, "tracking": tracking}
                rows.append(
                    suite.row(
                        emu,
                        "P5",
                        case=case,
                        contender=label,
                        client="official",
                        n=few,
                        args=args,
                        after=after,
                    )
                )
        bound = max(0.3, 0.25 * job_s)
        p95, per_op = ours["median"]["lag_p95_s"], ours["median"]["requests_per_op"]
        text = f"p95 lag ≤ {bound:.2f} s, ≤ 8 requests/replacement"
        if p95 is None:  # no replacement finished: the row's ok count already says so
            targets.append(judge(ours, text, "no replacement finished", False))
            continue
        targets.append(
            judge(ours, text, f"{p95:.2f} s, {per_op:.1f}", p95 <= bound and per_op <= 8)
        )
    return {
        "title": f"{TITLE} (jobs {', '.join(f'{j:g}' for j in sizes.p5_jobs)} s)",
        "emulator": emulators,
        "rows": rows,
        "targets": targets,
        "notes": [
            "a wait returns with the refreshed deployment for both clients (one GET after the "
            "job; the official client also reads the prediction-interval settings).",
            "official requests/op include the Deployment.get that replace_model needs first.",
        ],
        "columns": [
            ["lag_p50_s", "lag p50 s", "{:.3f}"],
            ["lag_p95_s", "lag p95 s", "{:.3f}"],
            ["lag_max_s", "lag max s", "{:.3f}"],
            ["polls_per_op", "polls/op", "{:.1f}"],
            ["requests_per_op", "requests/op", "{:.1f}"],
        ],
    }
