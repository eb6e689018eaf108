"""P6 fleet health: 1000 deployments' health blocks, service stats and drift.

Per deployment, four reads: ``GET deployments/{id}/`` (its health blocks), then
``serviceStats/``, ``targetDrift/`` and ``featureDrift/``. aiodeploy calls
``fleet_health(deployments=ids)`` with the client's defaults (every deployment read, then
100 deployments' three reads at a time, all under its budget of 100 requests in flight);
the raw aiohttp + msgspec floor sends the same requests with the same bounds and decodes
into the same structs; the official client calls ``Deployment.get``,
``get_service_stats``, ``get_target_drift`` and ``get_feature_drift`` per deployment, one
deployment after another (measured on 20, extrapolated per item) and from 32 threads
(measured on all 1000).

Every case runs twice: on loopback, where a contender's cost is its own CPU, and with the
emulator delaying every API reply by a fixed 50 ms (``--reply-delay``), a WAN round trip
to a DataRobot cloud, where what counts is how many requests are in flight at once.
"""

from __future__ import annotations

from typing import Any

from ._contest import Contest
from ._emulator import emulator_process
from ._runner import Row, Suite, fastest, judge, wall_text

TITLE = "P6 fleet health"
COLUMNS = [
    ["cpu_ms_per_item", "CPU ms/deployment", "{:.2f}"],
    ["requests_per_item", "requests/deployment", "{:.1f}"],
]


def links(delay_s: float) -> list[tuple[str, list[str]]]:
    """The two network conditions: loopback, and a fixed delay on every reply."""
    return [("loopback", []), (f"{delay_s * 1e3:g} ms delay", ["--reply-delay", f"{delay_s:g}"])]


def run(suite: Suite) -> dict[str, Any]:
    sizes = suite.sizes
    n, few, threads = sizes.p6_deployments, sizes.p6_sequential, sizes.p6_threads
    rows: list[Row] = []
    targets = []
    emulators = []
    for link, options in links(sizes.reply_delay_s):
        with emulator_process("--deployments", str(n), *options) as emu:
            emulators.append(list(emu.args))
            contest = Contest(suite, emu, "P6", link, emu.deployment_ids(n), {})
            link_rows = contest.rows(few, threads, threads_measured=n)
        rows += link_rows
        ours, floor = link_rows[0], link_rows[1]
        if options:
            targets += _delay_targets(ours, link_rows, threads)
            continue
        ratio = ours["median"]["cpu_ms_per_item"] / floor["median"]["cpu_ms_per_item"]
        measured = (
            f"{ratio:.2f}x ({ours['median']['cpu_ms_per_item']:.2f} ms against "
            f"{floor['median']['cpu_ms_per_item']:.2f} ms)"
        )
        text = "client CPU/deployment ≤ 1.3 x raw aiohttp"
        targets.append(judge(ours, text, measured, ratio <= 1.3))
    return {
        "title": f"{TITLE} (N={n}; loopback and {sizes.reply_delay_s * 1e3:g} ms per reply)",
        "setup": (
            f"Per deployment 4 GETs (the deployment, serviceStats, targetDrift, featureDrift). "
            f"aiodeploy: fleet_health(deployments=ids), client defaults (100 requests in "
            f"flight); raw floor: the same requests and bounds; official: one deployment "
            f"after another (measured on N={few}, extrapolated per item) and {threads} threads "
            f"(measured on N={n}). Twice: loopback, and a fixed "
            f"{sizes.reply_delay_s * 1e3:g} ms added by the emulator to every API reply."
        ),
        "emulator": emulators,
        "rows": rows,
        "targets": targets,
        "columns": COLUMNS,
        "notes": [
            "raw aiohttp + msgspec decodes into the same aiodeploy structs (Deployment, "
            "ServiceStats, TargetDrift, FeatureDrift); it neither retries nor sorts.",
            "official threads: one dr.Client (one requests.Session) per thread, connected "
            "before the window opens.",
        ],
    }


def _delay_targets(ours: Row, rows: list[Row], threads: int) -> list[dict[str, Any]]:
    """With the reply delay: ≥ 50x the official client one by one, ≥ 3x its threads."""
    wall = ours["median"]["wall_s"]
    at_n = [row for row in rows if row["n"] == ours["n"]]
    verdicts = []
    for kind, factor in (("sequential", 50), (f"{threads} threads", 3)):
        reference = fastest(at_n, kind)
        speedup = reference["median"]["wall_s"] / wall
        measured = f"{speedup:.1f}x ({wall_text(ours)} vs {reference['median']['wall_s']:,.1f} s)"
        text = f"≥ {factor}x faster than {reference['contender']}"
        verdicts.append(judge(ours, text, measured, speedup >= factor, reference=reference))
    return verdicts
