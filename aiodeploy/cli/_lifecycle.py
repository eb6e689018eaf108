"""``deployments update|activate|deactivate DEP...``: one deployment shows it afterwards;
several are changed concurrently (the rollouts' runner) and get one line each."""

from __future__ import annotations

import argparse
from typing import Any

from .._bulk import BulkResult
from .._client import AsyncDeploymentClient
from ._output import print_table, write_json
from ._views import cell_text, show_deployment

__all__ = ["deployments_activate", "deployments_deactivate", "deployments_update"]


def _update_fields(args: argparse.Namespace) -> dict[str, Any]:
    return {"label": args.label, "description": args.description, "importance": args.importance}


def _show_bulk(result: BulkResult[str], *, as_json: bool) -> int:
    """Print one line per deployment; exit 1 when some did not end well."""
    rows: list[dict[str, str | None]] = [
        {
            "deployment_id": item.request,
            "outcome": item.outcome.value,
            "error": None if item.error is None else str(item.error),
        }
        for item in result.items
    ]
    if as_json:
        write_json(rows)
    else:
        print_table(
            ("DEPLOYMENT", "OUTCOME", "ERROR"),
            [[cell_text(r[key]) for key in ("deployment_id", "outcome", "error")] for r in rows],
            caption=", ".join(f"{n} {o}" for o, n in result.counts.items() if n),
            nowrap=("DEPLOYMENT",),
        )
    return 0 if result.ok else 1


async def deployments_update(client: AsyncDeploymentClient, args: argparse.Namespace) -> int:
    """``deployments update DEP... [--label L] [--description D] [--importance I]``
    (``PATCH deployments/{id}/``)."""
    fields = _update_fields(args)
    if len(args.deployments) == 1:
        dep = await client.update_deployment(args.deployments[0], **fields)
        show_deployment(dep, as_json=args.json)
        return 0
    result = await client.bulk_update_deployments(
        args.deployments, concurrency=args.concurrency, **fields
    )
    return _show_bulk(result, as_json=args.json)


async def _status(client: AsyncDeploymentClient, args: argparse.Namespace, active: bool) -> int:
    if len(args.deployments) == 1:
        change = client.activate_deployment if active else client.deactivate_deployment
        show_deployment(await change(args.deployments[0]), as_json=args.json)
        return 0
    bulk = client.bulk_activate_deployments if active else client.bulk_deactivate_deployments
    return _show_bulk(await bulk(args.deployments, concurrency=args.concurrency), as_json=args.json)


async def deployments_activate(client: AsyncDeploymentClient, args: argparse.Namespace) -> int:
    """``deployments activate DEP...`` (``PATCH deployments/{id}/status/``, a job each)."""
    return await _status(client, args, active=True)


async def deployments_deactivate(client: AsyncDeploymentClient, args: argparse.Namespace) -> int:
    """``deployments deactivate DEP...`` (``PATCH deployments/{id}/status/``, a job each)."""
    return await _status(client, args, active=False)
