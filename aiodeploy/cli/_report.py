"""The end of a rollout: a summary table, or one JSON document with every item."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .._bulk import BulkResult, ItemResult, Outcome, ReplacementRequest
from .._rollback import FAILED_BY_GATE, ROLLED_BACK
from ._output import print_table, write_json, write_line
from ._views import checks_data, failing_checks

__all__ = ["MAX_FAILURES_SHOWN", "gate_reasons", "item_error", "rollout_data", "show_summary"]

MAX_FAILURES_SHOWN = 50
"""Failed items listed in the summary table; ``--json`` always lists every item."""

# UPDATED belongs to bulk drift updates; a rollout never ends an item that way
_ROLLOUT_OUTCOMES = [outcome for outcome in Outcome if outcome is not Outcome.UPDATED]
# only a guarded rollout (waves and a gate) ends items these ways: shown when it did
_GUARDED_OUTCOMES = (Outcome.ROLLED_BACK, Outcome.ROLLBACK_FAILED, Outcome.NOT_STARTED)


def item_error(item: ItemResult[ReplacementRequest]) -> str | None:
    """Why an item did not end well, in one line (the failing checks of a refusal)."""
    if item.outcome is Outcome.REFUSED_VALIDATION:
        failing = failing_checks(item.checks)
        if failing:
            return f"validation failing: {failing}"
    if item.error is not None:
        return str(item.error)
    if item.outcome is Outcome.NOT_STARTED:
        return "not started: an earlier wave failed the health gate"
    if item.resumed:
        return "outcome taken over from the journal, which keeps no detail"
    return None


def _item_data(item: ItemResult[ReplacementRequest]) -> dict[str, Any]:
    request = item.request
    deployment = item.deployment
    return {
        "deployment_id": request.deployment_id,
        "model_id": request.model_id,
        "registered_model_version_id": request.registered_model_version_id,
        "reason": str(request.reason),
        "outcome": item.outcome.value,
        "error": None if item.outcome.ok else item_error(item),
        "checks": checks_data(item.checks),
        "current_model_id": deployment.model.id if deployment and deployment.model else None,
        "resumed": item.resumed,
    }


def gate_reasons(result: BulkResult[ReplacementRequest]) -> dict[str, str]:
    """The deployments the health gate failed, and why (empty: it failed none)."""
    prefix = ROLLED_BACK + FAILED_BY_GATE
    return {
        item.request.deployment_id: str(item.error)[len(prefix) :]
        for item in result.items
        if item.outcome is Outcome.ROLLED_BACK and str(item.error).startswith(prefix)
    }


def rollout_data(
    result: BulkResult[ReplacementRequest], *, plan: Path, journal: Path | None
) -> dict[str, Any]:
    """The ``--json`` document of a rollout."""
    return {
        "plan": str(plan),
        "journal": None if journal is None else str(journal),
        "ok": result.ok,
        "total": len(result.items),
        "counts": {outcome.value: result.counts[outcome.value] for outcome in _ROLLOUT_OUTCOMES},
        "elapsed": round(result.elapsed, 3),
        "gate": gate_reasons(result),
        "items": [_item_data(item) for item in result.items],
    }


def show_summary(
    result: BulkResult[ReplacementRequest],
    *,
    plan: Path,
    journal: Path | None,
    as_json: bool,
) -> None:
    """Print the summary (or the JSON document) of a finished rollout."""
    if as_json:
        write_json(rollout_data(result, plan=plan, journal=journal))
        return
    counts = result.counts
    rows = [
        [outcome.value, str(counts[outcome.value])]
        for outcome in _ROLLOUT_OUTCOMES
        if outcome not in _GUARDED_OUTCOMES or counts[outcome.value]
    ]
    rows.append(["total", str(len(result.items))])
    notes = [f"elapsed {result.elapsed:.1f} s"]
    if journal is not None:
        notes.append(f"journal {journal}")
    resumed = sum(item.resumed for item in result.items)
    if resumed:
        notes.append(f"{resumed} item(s) taken over from the journal")
    print_table(
        ("OUTCOME", "ITEMS"),
        rows,
        title=f"Rollout of {plan}: {'all done' if result.ok else 'NOT all done'}",
        caption=" · ".join(notes),
    )
    reasons = gate_reasons(result)
    if reasons:
        write_line()
        write_line(f"The health gate stopped the rollout ({len(reasons)} deployment(s) failed):")
        for dep_id, why in list(reasons.items())[:MAX_FAILURES_SHOWN]:
            write_line(f"  {dep_id}: {why}")
    # items a failing wave kept from starting are counted above, not listed one by one
    failed = [item for item in result.failed() if item.outcome is not Outcome.NOT_STARTED]
    if not failed:
        return
    write_line()
    shown = failed[:MAX_FAILURES_SHOWN]
    # no model column: with two ids the error gets no room on an 80-column terminal
    print_table(
        ("DEPLOYMENT", "OUTCOME", "ERROR"),
        [
            [item.request.deployment_id, item.outcome.value, item_error(item) or "-"]
            for item in shown
        ],
        title=f"Items not done ({len(failed)})",
        caption=(
            f"... and {len(failed) - len(shown)} more (--json lists every item)"
            if len(failed) > len(shown)
            else None
        ),
        nowrap=("DEPLOYMENT", "OUTCOME"),
    )
