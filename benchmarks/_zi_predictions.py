"""ZI zero interruption: predictions per second sustained while a rollout replaces every
deployment, and how many of them failed.

aiodeploy keeps ``zi_workers`` prediction loops going over the active deployments (one
row a request, round robin) while ``replace_models`` replaces all of them (jobs of
``zi_job_s``); the timed window is the rollout. After it, the deployments' service stats
must count exactly the predictions the client made (``stats_match``). The official client
has no concurrent counterpart worth timing here (its predictions go through
``datarobot-predict``, one blocking request per thread), so aiodeploy runs alone.
"""

from __future__ import annotations

from typing import Any

from ._emulator import emulator_process
from ._runner import Suite, judge

TITLE = "ZI zero interruption"


def run(suite: Suite) -> dict[str, Any]:
    sizes = suite.sizes
    count = sizes.zi_deployments
    with emulator_process(
        "--deployments", str(count), "--replacement-seconds", f"{sizes.zi_job_s:g}"
    ) as emu:
        plan = emu.replacement_plan(count)
        row = suite.row(
            emu,
            "ZI",
            case=f"N={count}, job {sizes.zi_job_s:g} s",
            contender="aiodeploy",
            client="aiodeploy",
            n=count,
            args={"plan": plan, "workers": sizes.zi_workers},
        )
    median = row["median"]
    failures = median["failed_predictions"]
    met = failures == 0 and median["stats_match"] and median["predictions_during"] > 0
    text = "0 failed predictions, every prediction counted by the server"
    measured = f"{failures:g} failed, {median['predictions_per_s']:.0f} predictions/s"
    return {
        "title": f"{TITLE} (N={count}, jobs {sizes.zi_job_s:g} s)",
        "emulator": list(emu.args),
        "rows": [row],
        "targets": [judge(row, text, measured, bool(met))],
        "notes": [
            "predictions are one row each, on the active deployments (inactive ones refuse "
            "predictions); the rollout replaces every deployment.",
        ],
        "columns": [
            ["predictions_during", "predictions", "{:.0f}"],
            ["predictions_per_s", "predictions/s", "{:.0f}"],
            ["failed_predictions", "failed", "{:.0f}"],
        ],
    }
