"""``rollout --dry-run``: read and validate every item, change nothing, say what would happen.

The decision mirrors the rollout's own: an item already on its model is skipped (unless
``--no-skip-current``), a failing validation refuses it (unless ``--no-validate``), anything
else would be replaced. Only GETs and validation POSTs are sent.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path
from typing import Any

import anyio

from .._bulk import ReplacementRequest
from .._client import AsyncDeploymentClient
from .._models import ValidationCheck
from ..errors import AiodeployError
from ._output import print_table, write_json
from ._views import checks_data, failing_checks

__all__ = ["ACTIONS", "Preview", "preview_plan", "previews_ok", "show_previews"]

ACTIONS = ("replace", "skip", "refuse", "error")
"""What a real run would do with an item; ``error``: the item could not even be checked."""


@dataclasses.dataclass(frozen=True)
class Preview:
    """What a rollout would do with one item.

    Attributes:
        request: the plan item.
        action: one of :data:`ACTIONS`.
        current_model_id: the model the deployment serves now, when it could be read.
        validation: ``passing``, ``warning``, ``failing``, or ``None`` when not checked.
        checks: the validation checks, when validated.
        error: why the item could not be checked (``action == "error"``).
    """

    request: ReplacementRequest
    action: str
    current_model_id: str | None = None
    validation: str | None = None
    checks: dict[str, ValidationCheck] | None = None
    error: str | None = None


async def _preview_one(
    client: AsyncDeploymentClient,
    request: ReplacementRequest,
    *,
    validate: bool,
    skip_if_current: bool,
) -> Preview:
    try:
        deployment = await client.get_deployment(request.deployment_id)
        current = deployment.model.id if deployment.model else None
        if skip_if_current and current == request.model_id:
            return Preview(request, "skip", current)
        if not validate:
            return Preview(request, "replace", current)
        result = await client.validate_replacement_model(deployment, request.model_id)
    except AiodeployError as exc:
        return Preview(request, "error", error=str(exc))
    action = "replace" if result.ok else "refuse"
    return Preview(request, action, current, result.status, result.checks)


async def preview_plan(
    client: AsyncDeploymentClient,
    plan: list[ReplacementRequest],
    *,
    concurrency: int,
    validate: bool,
    skip_if_current: bool,
) -> list[Preview]:
    """Preview every item, ``concurrency`` at a time; results in plan order."""
    limiter = anyio.CapacityLimiter(concurrency)
    previews: list[Preview | None] = [None] * len(plan)

    async def one(index: int, request: ReplacementRequest) -> None:
        async with limiter:
            previews[index] = await _preview_one(
                client, request, validate=validate, skip_if_current=skip_if_current
            )

    async with anyio.create_task_group() as tg:
        for index, request in enumerate(plan):
            tg.start_soon(one, index, request)
    return [preview for preview in previews if preview is not None]


def previews_ok(previews: list[Preview]) -> bool:
    """Whether a real run would end with every item replaced or skipped."""
    return all(preview.action in ("replace", "skip") for preview in previews)


def _detail(preview: Preview) -> str:
    if preview.error:
        return preview.error
    if preview.action == "skip":
        return "already serves this model"
    return failing_checks(preview.checks) or "-"


def _data(preview: Preview) -> dict[str, Any]:
    return {
        "deployment_id": preview.request.deployment_id,
        "current_model_id": preview.current_model_id,
        "model_id": preview.request.model_id,
        "reason": str(preview.request.reason),
        "validation": preview.validation,
        "action": preview.action,
        "error": preview.error,
        "checks": checks_data(preview.checks),
    }


def show_previews(previews: list[Preview], *, plan: Path, as_json: bool) -> None:
    """Print the dry run: one row per item, then the counts per action."""
    seen = Counter(preview.action for preview in previews)
    counts = {action: seen.get(action, 0) for action in ACTIONS}
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
            f"{p.current_model_id or '?'} -> {p.request.model_id}",
            p.validation or "-",
            p.action,
            _detail(p),
        ]
        for p in previews
    ]
    print_table(
        ("DEPLOYMENT", "CURRENT -> NEW MODEL", "VALIDATION", "WOULD", "DETAIL"),
        rows,
        title=f"Dry run of {plan}: nothing was changed",
        caption=" · ".join(f"{action} {count}" for action, count in counts.items()),
        nowrap=("DEPLOYMENT", "CURRENT -> NEW MODEL"),
    )
