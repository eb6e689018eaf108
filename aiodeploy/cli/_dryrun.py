"""``rollout --dry-run``: show what a rollout would do with each item, changing nothing.

The decision is the library's own (:meth:`~aiodeploy.AsyncDeploymentClient.preview_replacements`
applies the rollout's rule); this module only prints it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .._preview import PREVIEW_ACTIONS, ReplacementPreview
from ._output import print_table, write_json
from ._views import checks_data, failing_checks

__all__ = ["previews_ok", "show_previews", "wave_of"]


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


def wave_of(waves: Sequence[range] | None, size: int) -> list[int | None]:
    """Each item's wave (1-based), or ``None`` for every item of an unguarded plan."""
    numbers: list[int | None] = [None] * size
    for number, wave in enumerate(waves or (), start=1):
        for index in wave:
            numbers[index] = number
    return numbers


def show_previews(
    previews: list[ReplacementPreview],
    *,
    plan: Path,
    as_json: bool,
    waves: Sequence[range] | None = None,
) -> None:
    """Print the dry run: one row per item (with its wave, for a guarded plan), then the
    counts per action (and the waves' sizes)."""
    seen = Counter(preview.action for preview in previews)
    counts = {action: seen.get(action, 0) for action in PREVIEW_ACTIONS}
    numbers = wave_of(waves, len(previews))
    if as_json:
        items = [_data(preview) for preview in previews]
        if waves is not None:
            for item, number in zip(items, numbers, strict=True):
                item["wave"] = number
        document: dict[str, Any] = {
            "plan": str(plan),
            "dry_run": True,
            "ok": previews_ok(previews),
            "total": len(previews),
            "counts": counts,
            "items": items,
        }
        if waves is not None:
            document["waves"] = [len(wave) for wave in waves]
        write_json(document)
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
    headers: tuple[str, ...] = ("DEPLOYMENT", "CURRENT MODEL -> NEW", "VALIDATION", "WOULD")
    headers += ("DETAIL",)
    notes = [f"{action} {count}" for action, count in counts.items()]
    if waves is not None:
        rows = [[str(number), *row] for number, row in zip(numbers, rows, strict=True)]
        headers = ("WAVE", *headers)
        sizes = ", ".join(f"{n}: {len(w)}" for n, w in enumerate(waves, start=1))
        notes.append(f"items per wave {sizes}")
    print_table(
        headers,
        rows,
        title=f"Dry run of {plan}: nothing was changed",
        caption=" · ".join(notes),
        nowrap=("WAVE", "DEPLOYMENT", "CURRENT MODEL -> NEW"),
    )
