"""The single-deployment commands: ``deployments``, ``validate`` and ``drift``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncGenerator, AsyncIterator

from .._client import AsyncDeploymentClient
from .._models import Deployment
from ._base import UsageError, run_api, target_of
from ._output import print_fields, print_table, write_json, write_line
from ._views import (
    DEPLOYMENT_COLUMNS,
    checks_data,
    deployment_row,
    json_data,
    show_checks,
    show_deployment,
    show_drift,
)

__all__ = [
    "deployments_delete",
    "deployments_get",
    "deployments_list",
    "drift_get",
    "drift_set",
    "validate",
]


async def deployments_list(client: AsyncDeploymentClient, args: argparse.Namespace) -> int:
    """``deployments list [--limit N]``: matching deployments, as a table or a JSON array.

    Without ``--limit`` every page is read (concurrently); with it, pages are read one by
    one and no page is requested once ``N`` deployments are in hand.
    """
    filters = {"search": args.search, "order_by": args.order_by, "status": args.status}
    if args.limit is None:
        deployments = await client.list_deployments(**filters)
    else:
        deployments = await _first(client.iter_deployments(**filters), args.limit)
    if args.json:
        write_json([json_data(dep) for dep in deployments])
        return 0
    caption = f"{len(deployments)} deployment(s)"
    if args.limit is not None and len(deployments) == args.limit:
        caption += f" (--limit {args.limit}: there may be more)"
    print_table(
        DEPLOYMENT_COLUMNS,
        [deployment_row(dep) for dep in deployments],
        caption=caption,
        nowrap=("ID", "MODEL"),
    )
    return 0


async def _first(items: AsyncIterator[Deployment], limit: int) -> list[Deployment]:
    found: list[Deployment] = []
    try:
        async for item in items:
            found.append(item)
            if len(found) >= limit:
                break
    finally:
        if isinstance(items, AsyncGenerator):
            await items.aclose()  # at once, not when the loop finalizes it
    return found


async def deployments_get(client: AsyncDeploymentClient, args: argparse.Namespace) -> int:
    """``deployments get DEP``."""
    show_deployment(await client.get_deployment(args.deployment), as_json=args.json)
    return 0


def deployments_delete(args: argparse.Namespace) -> int:
    """``deployments delete DEP [--yes]``: asks first on a terminal, needs ``--yes`` elsewhere.

    Raises:
        UsageError: no ``--yes`` and stdin is not a terminal to ask on.
    """
    if not args.yes:
        if not sys.stdin.isatty():
            raise UsageError(
                "refusing to delete without --yes when stdin is not a terminal to ask on"
            )
        sys.stderr.write(f"Delete deployment {args.deployment}? This cannot be undone. [y/N] ")
        sys.stderr.flush()
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            sys.stderr.write("not deleted\n")
            return 1
    return run_api(_delete, args)


async def _delete(client: AsyncDeploymentClient, args: argparse.Namespace) -> int:
    await client.delete_deployment(args.deployment)
    if args.json:
        write_json({"deleted": args.deployment})
    else:
        write_line(f"deleted deployment {args.deployment}")
    return 0


def validate(args: argparse.Namespace) -> int:
    """``validate DEP (MODEL | --model-version V)``: exit 0 when it may replace the
    deployment's model, else 1.

    Raises:
        UsageError: both or neither of MODEL and ``--model-version``.
    """
    target_of(args)
    return run_api(_validate, args)


async def _validate(client: AsyncDeploymentClient, args: argparse.Namespace) -> int:
    model, version = target_of(args)
    result = await client.validate_replacement_model(
        args.deployment, model, new_registered_model_version_id=version
    )
    args.decided = 0 if result.ok else 1  # the code even if the reader goes (`| head`)
    if args.json:
        write_json(
            {
                "deployment_id": args.deployment,
                "model_id": model,
                "registered_model_version_id": version,
                "status": result.status,
                "message": result.message,
                "checks": checks_data(result.checks),
            }
        )
    else:
        print_fields([("status", result.status), ("message", result.message or "-")])
        write_line()
        show_checks(result.checks)
    return int(args.decided)


async def drift_get(client: AsyncDeploymentClient, args: argparse.Namespace) -> int:
    """``drift get DEP``."""
    settings = await client.get_drift_tracking_settings(args.deployment)
    show_drift(args.deployment, settings, as_json=args.json)
    return 0


def drift_set(args: argparse.Namespace) -> int:
    """``drift set DEP [--target on|off] [--feature on|off]``.

    Raises:
        UsageError: neither ``--target`` nor ``--feature`` was given.
    """
    if args.target is None and args.feature is None:
        raise UsageError("drift set: give --target on|off and/or --feature on|off")
    return run_api(_drift_set, args)


async def _drift_set(client: AsyncDeploymentClient, args: argparse.Namespace) -> int:
    flags = {"on": True, "off": False, None: None}
    settings = await client.update_drift_tracking_settings(
        args.deployment,
        target_drift_enabled=flags[args.target],
        feature_drift_enabled=flags[args.feature],
    )
    show_drift(args.deployment, settings, as_json=args.json)
    return 0
