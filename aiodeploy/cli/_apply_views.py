"""What ``apply`` prints: the plan, like a Terraform plan, and the result of a run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from .._bulk import BulkResult, ItemResult, Outcome
from .._policy_run import DeploymentPlan, PolicyItemError, PolicyPlan
from .._settings_diff import FieldChange
from ._output import print_table, write_line
from ._views import json_data

__all__ = ["MAX_SHOWN", "plan_data", "result_data", "show_plan", "show_result"]

MAX_SHOWN = 100
"""Deployments listed in a text plan (and failures in a text result); ``--json`` lists all."""
_OUTCOMES = (Outcome.UPDATED, Outcome.SKIPPED_CURRENT, Outcome.FAILED, Outcome.TIMED_OUT,
             Outcome.CANCELLED)  # fmt: skip


def _value(value: Any) -> str:
    return json.dumps(json_data(value), default=str)


def _lines(name: str, current: Any, desired: Any) -> Iterator[str]:
    """``name: current -> desired``, an object's keys one line each."""
    if isinstance(desired, dict) and isinstance(current, dict | None):
        for key, value in desired.items():
            yield from _lines(f"{name}.{key}", (current or {}).get(key), value)
    elif current != desired or isinstance(current, bool) != isinstance(desired, bool):
        yield f"{name}: {_value(current)} -> {_value(desired)}"


def _field_lines(field: FieldChange) -> list[str]:
    return list(_lines(field.name, field.current, field.desired))


def _title(item: DeploymentPlan) -> str:
    label = item.deployment.label or "-"
    return f"{label}  {item.deployment_id}"


def _show_unselected(plan: PolicyPlan) -> None:
    for dep_id in plan.unselected_ids:
        write_line(f"  - {dep_id}: not selected (another select key leaves it out)")


def show_plan(plan: PolicyPlan, source: str) -> None:
    """Print the plan: what changes where (``~``), what cannot be read (``!``), ids not
    found (``?``), ids the other select keys leave out (``-``, not an error), and the
    counts."""
    changing, unreadable = plan.changing(), plan.unreadable()
    if not (changing or unreadable or plan.missing_ids):
        write_line(f"No changes: the {len(plan.items)} deployment(s) selected by {source} match.")
        _show_unselected(plan)
        return
    write_line(
        f"aiodeploy will change {len(changing)} of {len(plan.items)} deployment(s) selected "
        f"by {source}:"
    )
    for item in changing[:MAX_SHOWN]:
        write_line()
        write_line(f"  ~ {_title(item)}")
        for change in item.changes:
            write_line(f"      ~ {change.family}")
            for field in change.fields:
                for line in _field_lines(field):
                    write_line(f"          {line}")
    if len(changing) > MAX_SHOWN:
        write_line(f"\n  ... and {len(changing) - MAX_SHOWN} more (--json lists every one)")
    for item in unreadable:
        write_line(f"\n  ! {_title(item)}: cannot read its settings: {item.error}")
    for missing in plan.missing_ids:
        write_line(f"\n  ? {missing}: not found")
    if plan.unselected_ids:
        write_line()
        _show_unselected(plan)
    write_line()
    write_line(
        f"Plan: {len(changing)} to change, "
        f"{len(plan.items) - len(changing) - len(unreadable)} unchanged, "
        f"{len(unreadable)} unreadable, {len(plan.missing_ids)} not found."
    )


def _item_plan(item: DeploymentPlan) -> dict[str, Any]:
    return {
        "deployment_id": item.deployment_id,
        "label": item.deployment.label,
        "changes": [
            {
                "family": change.family,
                "fields": [
                    {
                        "name": f.name,
                        "current": json_data(f.current),
                        "desired": json_data(f.desired),
                    }
                    for f in change.fields
                ],
            }
            for change in item.changes
        ],
        "error": None if item.error is None else str(item.error),
    }


def plan_data(plan: PolicyPlan) -> dict[str, Any]:
    """The plan as JSON data: counts, and each deployment that changes or cannot be read."""
    changing, unreadable = plan.changing(), plan.unreadable()
    return {
        "selected": len(plan.items),
        "to_change": len(changing),
        "unchanged": len(plan.items) - len(changing) - len(unreadable),
        "unreadable": len(unreadable),
        "missing_ids": list(plan.missing_ids),
        "unselected_ids": list(plan.unselected_ids),
        "deployments": [_item_plan(item) for item in plan.items if item.changes or item.error],
    }


def _error(item: ItemResult[DeploymentPlan]) -> str | None:
    if item.outcome.ok:
        return None
    if item.error is None:
        return (
            "outcome taken over from the journal, which keeps no detail" if item.resumed else None
        )
    return str(item.error)


def result_data(result: BulkResult[DeploymentPlan]) -> dict[str, Any]:
    """The run's result as JSON data: counts, and every deployment's outcome."""
    return {
        "ok": result.ok,
        "counts": {outcome.value: result.counts[outcome.value] for outcome in _OUTCOMES},
        "elapsed": round(result.elapsed, 3),
        "items": [
            {
                "deployment_id": item.request.deployment_id,
                "label": item.request.deployment.label,
                "outcome": item.outcome.value,
                "error": _error(item),
                "failures": {k: str(v) for k, v in item.error.failures.items()}
                if isinstance(item.error, PolicyItemError)
                else None,
                "resumed": item.resumed,
            }
            for item in result.items
        ],
    }


def show_result(result: BulkResult[DeploymentPlan]) -> None:
    """Print how the run ended, and the deployments that did not end well."""
    counts = result.counts
    parts = [f"{counts[o.value]} {o.value}" for o in _OUTCOMES if counts[o.value] or o.ok]
    resumed = sum(item.resumed for item in result.items)
    tail = f" ({resumed} taken over from the journal)" if resumed else ""
    write_line()
    write_line(f"Apply {'complete' if result.ok else 'NOT complete'}: {', '.join(parts)}{tail}.")
    failed = result.failed()
    if failed:
        write_line()
        shown = failed[:MAX_SHOWN]
        print_table(
            ("DEPLOYMENT", "LABEL", "OUTCOME", "ERROR"),
            [
                [i.request.deployment_id, i.request.deployment.label or "-", i.outcome.value,
                 _error(i) or "-"]
                for i in shown
            ],
            title=f"Not done ({len(failed)})",
            caption=f"... and {len(failed) - len(shown)} more (--json lists every one)"
            if len(failed) > len(shown)
            else None,
            nowrap=("DEPLOYMENT", "OUTCOME"),
        )  # fmt: skip
