"""P5 completion lag: how long after a job ends the client knows, and what polling costs.

Two setups, stated next to the figures:

* **identical jobs, started together** (one case per job time: 0.5, 2 and 10 s): every job
  lasts exactly the same, and all operations start at once. This is the best case of
  aiodeploy's duration learner: the first jobs to end teach it the duration of all the
  others.
* **spread jobs, staggered starts**: durations drawn per job, uniformly in 0.5-10 s, and
  the operations started evenly over a 5 s window, so the learner sees a wide spread of
  durations and the jobs end at every moment.

aiodeploy starts 200 operations (``start_model_replacement`` then ``wait()``), each in its
own task, bounded only by the client's request budget (100 requests in flight); the
official client runs 32 operations from a pool of 32 threads (``Deployment.get`` then
``replace_model``), one wave, so none waits for a thread.

Lag = (wall clock when the wait returned, in the client) - (the job's end). The job's end
comes from the server: the model history's newest entry starts when the job was accepted,
plus the job's duration (the configured one, or the one the emulator drew for it: see
:meth:`EmulatorProcess.job_spans`). Polls per operation = ``GET status/{id}/`` requests /
operations.
"""

from __future__ import annotations

import math
from typing import Any

from ._emulator import EmulatorProcess, emulator_process
from ._runner import Row, Suite, judge, official_contenders

TITLE = "P5 completion lag"
STATUS_ROUTE = "GET /api/v2/status/{status_id}/"
TOO_EARLY_S = -0.05  # a wait cannot return before its job ends: clocks differ by less


def _rank(ordered: list[float], share: float) -> float:
    """Nearest-rank percentile of a sorted list."""
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def bound(duration_s: float) -> float:
    """The lag a job of ``duration_s`` may have: 0.3 s, or a quarter of the job if longer."""
    return max(0.3, 0.25 * duration_s)


def lag_figures(emu: EmulatorProcess, jobs: tuple[float, float], run: dict[str, Any]) -> None:
    """Turn a run's ``done_at`` into lag percentiles, the share of jobs known within
    :func:`bound`, and per-operation request counts.

    Raises:
        RuntimeError: a wait returned before its job ended: the job ends were misread.
    """
    done_at: dict[str, float] = run.pop("done_at")
    spans = emu.job_spans(list(done_at), *jobs)
    lags = {dep: done_at[dep] - end for dep, (_, end) in spans.items()}
    if lags and min(lags.values()) < TOO_EARLY_S:
        raise RuntimeError(f"a wait returned {-min(lags.values()):.2f} s before its job ended")
    within = sum(1 for dep, lag in lags.items() if lag <= bound(spans[dep][1] - spans[dep][0]))
    ordered = sorted(lags.values())
    ops = max(1, run["ok"] + run["failed"])
    run.update(
        lag_p50_s=_rank(ordered, 0.50) if ordered else None,
        lag_p95_s=_rank(ordered, 0.95) if ordered else None,
        lag_max_s=ordered[-1] if ordered else None,
        within_bound=within / len(ordered) if ordered else None,
        polls_per_op=run["routes"].get(STATUS_ROUTE, 0) / ops,
        requests_per_op=run["requests"] / ops,
    )


def _offsets(count: int, window_s: float) -> list[float]:
    """Start offsets spread evenly over ``window_s`` (all 0 without a window)."""
    return [index * window_s / count for index in range(count)]


def _case(
    suite: Suite, jobs: tuple[float, float], stagger_s: float, case: str
) -> tuple[list[Row], list[str]]:
    """aiodeploy and the official client (with and without tracking) on one emulator;
    returns the rows and the emulator's arguments."""
    sizes = suite.sizes
    count = max(sizes.p5_ops, sizes.p5_official_ops)
    low, high = jobs
    with emulator_process(
        "--deployments", str(count), "--replacement-seconds", f"{low:g}:{high:g}"
    ) as emu:
        plan = emu.replacement_plan(count)

        def after(run: dict[str, Any]) -> None:
            lag_figures(emu, jobs, run)

        def measure(n: int, contender: str, client: str, **extra: Any) -> Row:
            args = {"plan": plan[:n], "offsets": _offsets(n, stagger_s), **extra}
            return suite.row(
                emu, "P5", case=case, contender=contender, client=client, n=n, args=args,
                after=after,
            )  # fmt: skip

        rows = [measure(sizes.p5_ops, "aiodeploy", "aiodeploy")]
        threads = sizes.p5_threads
        for label, tracking in official_contenders(f"official, {threads} threads"):
            few = sizes.p5_official_ops
            rows.append(measure(few, label, "official", threads=threads, tracking=tracking))
    return rows, list(emu.args)


def run(suite: Suite) -> dict[str, Any]:
    sizes = suite.sizes
    rows: list[Row] = []
    targets = []
    emulators = []
    for job_s in sizes.p5_jobs:
        case_rows, emulator = _case(suite, (job_s, job_s), 0.0, f"job {job_s:g} s")
        rows += case_rows
        emulators.append(emulator)
        ours = case_rows[0]
        p95, per_op = ours["median"]["lag_p95_s"], ours["median"]["requests_per_op"]
        text = f"p95 lag ≤ {bound(job_s):.2f} s, ≤ 8 requests/replacement"
        setup = f"identical jobs, {sizes.p5_ops} started together"
        measured = None if p95 is None else f"{p95:.2f} s, {per_op:.1f}"
        met = p95 is not None and p95 <= bound(job_s) and per_op <= 8
        targets.append(_verdict(ours, text, setup, measured, met))
    low, high = sizes.p5_spread_jobs
    stagger = sizes.p5_stagger_s
    case_rows, emulator = _case(suite, (low, high), stagger, f"jobs {low:g}-{high:g} s, staggered")
    rows += case_rows
    emulators.append(emulator)
    ours = case_rows[0]
    share, p95 = ours["median"]["within_bound"], ours["median"]["lag_p95_s"]
    per_op = ours["median"]["requests_per_op"]
    text = "≥ 95 % of jobs known within max(0.3 s, 25 % of the job), ≤ 8 requests/replacement"
    setup = f"durations drawn per job, {sizes.p5_ops} starts spread over {stagger:g} s"
    measured = None if share is None else f"{share:.0%} (p95 lag {p95:.2f} s), {per_op:.1f}"
    met = share is not None and share >= 0.95 and per_op <= 8
    targets.append(_verdict(ours, text, setup, measured, met))
    few, threads = sizes.p5_official_ops, sizes.p5_threads
    return {
        "title": f"{TITLE} (aiodeploy {sizes.p5_ops} operations, official {few} in {threads} "
        "threads)",
        "setup": (
            f"aiodeploy: {sizes.p5_ops} replacements, each start_model_replacement + wait() in "
            f"its own task (only the client's 100-request budget bounds them); official: {few} "
            f"from {threads} threads (Deployment.get + replace_model, one wave). Fixed cases: "
            f"every job lasts exactly the stated time and all start together (the duration "
            f"learner's best case). Spread case: durations drawn per job in {low:g}-{high:g} s, "
            f"starts spread evenly over {stagger:g} s. Lag = when the client's wait returned "
            f"(its wall clock) - the job's end (acceptance in the server's model history + "
            f"the job's duration)."
        ),
        "emulator": emulators,
        "rows": rows,
        "targets": targets,
        "notes": [
            "a wait returns with the refreshed deployment for both clients (one GET after the "
            "job; the official client also reads the prediction-interval settings).",
            "official requests/op include the Deployment.get that replace_model needs first.",
            "within bound: the share of jobs whose lag is ≤ max(0.3 s, 25 % of the job's "
            "duration), the fixed cases' target applied to each job.",
        ],
        "columns": [
            ["lag_p50_s", "lag p50 s", "{:.3f}"],
            ["lag_p95_s", "lag p95 s", "{:.3f}"],
            ["lag_max_s", "lag max s", "{:.3f}"],
            ["within_bound", "within bound", "{:.0%}"],
            ["polls_per_op", "polls/op", "{:.1f}"],
            ["requests_per_op", "requests/op", "{:.1f}"],
        ],
    }


def _verdict(ours: Row, text: str, setup: str, measured: str | None, met: bool) -> dict[str, Any]:
    """The target verdict, with the setup written into its case (the summary shows it)."""
    # no figure: no replacement finished (the row's ok count already says so)
    verdict = judge(ours, text, measured or "no replacement finished", met)
    verdict["case"] = f"{ours['case']} ({setup})"
    return verdict
