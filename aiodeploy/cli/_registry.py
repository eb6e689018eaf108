"""``registry list|versions|register``: registered models, their versions, and registering a
Leaderboard model (the ids ``deploy``/``replace --model-version`` take)."""

from __future__ import annotations

import argparse

from .._client import AsyncDeploymentClient
from .._models_registry import RegisteredModel, RegisteredModelVersion
from ._output import print_fields, print_table, write_json
from ._views import cell_text, json_data

__all__ = ["registry_list", "registry_register", "registry_versions", "version_fields"]

REGISTERED_COLUMNS = ("ID", "NAME", "TARGET", "TARGET TYPE", "VERSIONS", "MODIFIED")
VERSION_COLUMNS = ("ID", "#", "NAME", "MODEL", "BUILD", "ACTIVE DEPLOYMENTS")


def _registered_row(registered: RegisteredModel) -> list[str]:
    target = registered.target
    return [
        registered.id,
        cell_text(registered.name),
        cell_text(target.name if target else None),
        cell_text(target.type if target else None),
        cell_text(registered.last_version_num),
        cell_text(registered.modified_at),
    ]


def _version_row(version: RegisteredModelVersion) -> list[str]:
    return [
        version.id,
        cell_text(version.registered_model_version),
        cell_text(version.name),
        cell_text(version.model_id),
        cell_text(version.build_status),
        cell_text(version.active_deployment_count),
    ]


def version_fields(version: RegisteredModelVersion) -> list[tuple[str, str]]:
    """The fields ``registry register`` shows, in reading order."""
    target = version.target
    source = version.source_meta
    return [
        ("id", version.id),
        ("registered model", cell_text(version.registered_model_id)),
        ("version", cell_text(version.registered_model_version)),
        ("name", cell_text(version.name)),
        ("model id", cell_text(version.model_id)),
        ("project", cell_text(source.project_name if source else None)),
        ("target", cell_text(target.name if target else None)),
        ("target type", cell_text(target.type if target else None)),
        ("build status", cell_text(version.build_status)),
    ]


async def registry_list(client: AsyncDeploymentClient, args: argparse.Namespace) -> int:
    """``registry list [--search S]`` (``GET registeredModels/``)."""
    registered = await client.list_registered_models(args.search)
    if args.json:
        write_json([json_data(r) for r in registered])
        return 0
    print_table(
        REGISTERED_COLUMNS,
        [_registered_row(r) for r in registered],
        caption=f"{len(registered)} registered model(s)",
        nowrap=("ID",),
    )
    return 0


async def registry_versions(client: AsyncDeploymentClient, args: argparse.Namespace) -> int:
    """``registry versions RM``: its versions, version 1 first (``GET registeredModels/{id}/``
    and ``GET registeredModels/{id}/versions/``)."""
    registered = await client.get_registered_model(args.registered_model)
    versions = await client.list_registered_model_versions(args.registered_model)
    if args.json:
        write_json([json_data(v) for v in versions])
        return 0
    print_table(
        VERSION_COLUMNS,
        [_version_row(v) for v in versions],
        title=f"{cell_text(registered.name)} ({registered.id})",
        caption=f"{len(versions)} version(s)",
        nowrap=("ID", "MODEL"),
    )
    return 0


async def registry_register(client: AsyncDeploymentClient, args: argparse.Namespace) -> int:
    """``registry register MODEL``: a new version of a Leaderboard model, once built
    (``POST modelPackages/fromLeaderboard/``)."""
    version = await client.create_registered_model_version_from_leaderboard(
        args.model,
        name=args.name,
        registered_model_name=args.registered_model_name,
        registered_model_id=args.registered_model,
        description=args.description,
    )
    if args.json:
        write_json(json_data(version))
    else:
        print_fields(version_fields(version))
    return 0
