"""P7 a settings policy applied to 1000 deployments.

The policy (``select: all``) sets four families that differ on every seed deployment:
association id, prediction rows collection and challengers (all three on the
``settings/`` route, whose updates run as jobs of 0.2 s, the emulator's default) and the
data drift threshold (``healthSettings/``, answered at once).

aiodeploy: ``apply_policy(policy)`` with its defaults: it lists the deployments, reads
each one's ``settings/`` and ``healthSettings/``, then sends what differs (the three
``settings/`` families in one PATCH whose job it polls, then one ``healthSettings/``
PATCH), 32 deployments at a time, waiting for jobs without holding a place. The raw
aiohttp + msgspec floor sends the same requests with the same bounds (polls on a fixed
0.2 s x1.5 schedule). The official client per deployment: ``Deployment.get``, then
``update_association_id_settings``, ``update_predictions_data_collection_settings``,
``update_challenger_models_settings`` (each PATCHes and waits for its job: an immediate
poll, then one every 5 s) and ``update_health_settings``; no read before writing (every
deployment differs, so it sends the same changes). One deployment after another (measured
on 2, extrapolated per item) and from 32 threads (measured on 32, one wave; extrapolated
by waves to 1000 unless ``--full``).

Loopback and with the emulator's fixed 50 ms per reply, as P6.
"""

from __future__ import annotations

from typing import Any

from ._contest import Contest
from ._emulator import emulator_process
from ._p6_fleet import COLUMNS, links
from ._runner import Row, Suite, basis, fastest, judge, wall_text

TITLE = "P7 settings policy"
SETTINGS = {
    "association_id": {"column_names": ["request_id"], "required_in_prediction_requests": False},
    "predictions_data_collection": {"enabled": True},
    "challenger_models": {"challenger_models_enabled": True},
    "health": {"data_drift": {"drift_threshold": 0.2}},
}
POLICY = {"select": "all", "settings": SETTINGS}
# The same changes in the API's own words, for the raw floor (which has no policy engine).
RAW_BODIES = {
    "settings": {
        "associationId": {"columnNames": ["request_id"], "requiredInPredictionRequests": False},
        "predictionsDataCollection": {"enabled": True},
        "challengerModels": {"enabled": True},
    },
    "healthSettings": {"dataDrift": {"driftThreshold": 0.2}},
}


def run(suite: Suite) -> dict[str, Any]:
    sizes = suite.sizes
    n, few, threads = sizes.p7_deployments, sizes.p7_sequential, sizes.p7_threads
    rows: list[Row] = []
    targets = []
    emulators = []
    for link, options in links(sizes.reply_delay_s):
        with emulator_process(
            "--deployments", str(n), "--settings-seconds", f"{sizes.p7_settings_s:g}", *options
        ) as emu:
            emulators.append(list(emu.args))
            ids = emu.deployment_ids(n)
            args = {"policy": POLICY, "raw_bodies": RAW_BODIES, "expected": n}
            warm = {
                **args,
                "ids": ids,
                "policy": {"select": {"ids": ids[:5]}, "settings": SETTINGS},
            }
            contest = Contest(suite, emu, "P7", link, ids, args, warm_args=warm)
            link_rows = contest.rows(few, threads, sizes.p7_threads_measured)
        rows += link_rows
        ours = link_rows[0]
        reference = fastest([row for row in link_rows if row["n"] == n], "threads")
        measured = (
            f"{wall_text(ours)}, {ours['median']['requests_per_item']:.1f} requests/deployment; "
            f"{reference['contender']}{basis(reference)}: {reference['median']['wall_s']:,.1f} s, "
            f"{reference['median']['requests_per_item']:.1f} requests/deployment"
        )
        text = f"{link}: wall and requests (no target)"
        targets.append(judge(ours, text, measured, None, reference=reference))
    return {
        "title": f"{TITLE} (N={n}; loopback and {sizes.reply_delay_s * 1e3:g} ms per reply)",
        "setup": (
            f"4 families differ on each of {n} deployments (3 on settings/, jobs of "
            f"{sizes.p7_settings_s:g} s; 1 on healthSettings/). aiodeploy: apply_policy, "
            f"defaults (plan: list + 2 reads per deployment; then 2 PATCHes, 32 deployments "
            f"at a time); raw floor: the same requests; official: Deployment.get + 4 "
            f"update_*_settings per deployment, one after another (measured on N={few}, "
            f"extrapolated per item) and {threads} threads (measured on "
            f"N={min(n, sizes.p7_threads_measured)}, extrapolated by waves beyond)."
        ),
        "emulator": emulators,
        "rows": rows,
        "targets": targets,
        "columns": COLUMNS,
        "notes": [
            "the official client waits for each settings job: an immediate poll, then one "
            "every 5 s, three times per deployment.",
            "aiodeploy and the raw floor read before writing (what makes a second apply send "
            "nothing); the official client writes blind, which here sends the same changes.",
        ],
    }
