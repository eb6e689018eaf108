"""``rollout --dry-run``: show what a rollout would do with each item, changing nothing.

The decision is the library's own (:meth:`~aiodeploy.AsyncDeploymentClient.preview_replacements`
applies the rollout's rule); this module only prints it.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from .._preview import PREVIEW_ACTIONS, ReplacementPreview
from ._output import print_table, write_json
from ._views import checks_data, failing_checks

__all__ = ["previews_ok", "show_previews"]


def previews_ok(previews: list[ReplacementPreview]) -> bool:
    """Whether a real run would end with every item replaced or skipped."""
    return all(preview.action in ("replace", "skip") for preview in previews)


def _detail(preview: ReplacementPreview) -> str:
    if preview.error:
        return str(preview.error)
    if preview.action == "skip":
        return "already serves this model"
    return failing_checks(preview.checks) or "-"


def _data(preview: ReplacementPreview) -> dict[str, Any]:
    return {
        "deployment_id": preview.request.deployment_id,
        "current_model_id": preview.current_model_id,
        "model_id": preview.request.model_id,
        "registered_model_version_id": preview.request.registered_model_version_id,
        "reason": str(preview.request.reason),
        "validation": preview.validation.status if preview.validation else None,
        "action": preview.action,
        "error": None if preview.error is None else str(preview.error),
        "checks": checks_data(preview.checks),
    }


def show_previews(previews: list[ReplacementPreview], *, plan: Path, as_json: bool) -> None:
    """Print the dry run: one row per item, then the counts per action."""
    seen = Counter(preview.action for preview in previews)
    counts = {action: seen.get(action, 0) for action in PREVIEW_ACTIONS}
    if as_json:
        write_json(
            {
                "plan": str(plan),
                "dry_run": True,
                "ok": previews_ok(previews),
                "total": len(previews),
                "counts": counts,
                "items": [_data(preview) for preview in previews],
            }
        )
        return
    rows = [
        [
            p.request.deployment_id,
            f"{p.current_model_id or '?'} -> {p.request.target}",
            p.validation.status if p.validation else "-",
            p.action,
            _detail(p),
        ]
        for p in previews
    ]
    print_table(
        ("DEPLOYMENT", "CURRENT MODEL -> NEW", "VALIDATION", "WOULD", "DETAIL"),
        rows,
        title=f"Dry run of {plan}: nothing was changed",
        caption=" · ".join(f"{action} {count}" for action, count in counts.items()),
        nowrap=("DEPLOYMENT", "CURRENT MODEL -> NEW"),
    )
