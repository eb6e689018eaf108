"""Deterministic seed of the registry: registered models and versions for the Leaderboard
models, prediction environments, and the people deployments can be shared with."""

from __future__ import annotations

import dataclasses
import datetime as dt

from ._records import OWNER_ID, format_timestamp, object_id
from ._records_registry import EnvironmentRecord, Recipient, RegisteredModelRecord, VersionRecord
from ._seed import SEED_EPOCH, SeedData

__all__ = ["OWNER", "RegistrySeed", "build_environments", "build_recipients", "build_registry"]

OWNER = Recipient(OWNER_ID, "user", "emulator@example.com")
"""The user every token acts as."""

_SERVERLESS_FORMATS = ("datarobot", "customModel")


@dataclasses.dataclass(frozen=True)
class RegistrySeed:
    """Fresh registry records (they change: versions are added, builds complete)."""

    registered_models: list[RegisteredModelRecord]
    versions: list[VersionRecord]


def build_registry(seed: int, catalog: SeedData) -> RegistrySeed:
    """One registered model per project, holding one version per Leaderboard model.

    Version numbers follow the Leaderboard (version 1 is the project's champion); each
    version's id is its model's ``package_id``. Versions were registered an hour apart,
    after their project was created.
    """
    registered: list[RegisteredModelRecord] = []
    versions: list[VersionRecord] = []
    for index, project in enumerate(catalog.projects):
        models = catalog.models_of(project.id)
        rm_id = object_id(seed, "registered-model", index)
        created = _epoch_of(project.created) + 3_600
        rm_versions = [
            VersionRecord(
                id=model.package_id,
                registered_model_id=rm_id,
                number=number,
                name=model.model_type,
                model_id=model.id,
                description=f"Registered from the Leaderboard (M{model.model_number}).",
                created_at=format_timestamp(created + 3_600 * (number - 1)),
                built_at=float("-inf"),
                prediction_threshold=0.5 if project.target_type == "Binary" else None,
            )
            for number, model in enumerate(models, start=1)
        ]
        versions.extend(rm_versions)
        registered.append(
            RegisteredModelRecord(
                id=rm_id,
                name=project.name,
                description=project.description,
                created_at=rm_versions[0].created_at,
                modified_at=rm_versions[-1].created_at,
                target_name=project.target,
                target_type=project.target_type,
                versions=[v.id for v in rm_versions],
            )
        )
    return RegistrySeed(registered, versions)


def _epoch_of(stamp: str) -> float:
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def build_environments(seed: int, catalog: SeedData) -> tuple[EnvironmentRecord, ...]:
    """A DataRobot environment per prediction server, a serverless one, an external one."""
    created = format_timestamp(SEED_EPOCH - 30 * 86_400)
    dedicated = tuple(
        EnvironmentRecord(
            id=server.environment_id,
            name=f"Prediction server {number} (DataRobot)",
            platform="datarobot",
            description="A dedicated prediction server",
            created_at=created,
            formats=("datarobot", "customModel"),
            server_id=server.id,
        )
        for number, server in enumerate(catalog.prediction_servers, start=1)
    )
    count = len(dedicated)
    return (
        *dedicated,
        EnvironmentRecord(
            id=object_id(seed, "prediction-environment", count),
            name="Serverless",
            platform="datarobotServerless",
            description="DataRobot serverless predictions",
            created_at=created,
            formats=_SERVERLESS_FORMATS,
        ),
        EnvironmentRecord(
            id=object_id(seed, "prediction-environment", count + 1),
            name="SageMaker (external)",
            platform="aws",
            description="External models monitored by the management agent",
            created_at=created,
            formats=("externalModel",),
            managed_by_agent=True,
        ),
    )


def build_recipients(seed: int) -> tuple[Recipient, ...]:
    """The users, group and organization a deployment can be shared with."""
    return (
        OWNER,
        Recipient(object_id(seed, "user", 1), "user", "alice@example.com"),
        Recipient(object_id(seed, "user", 2), "user", "bob@example.com"),
        Recipient(object_id(seed, "group", 1), "group", "Risk analysts"),
        Recipient(object_id(seed, "organization", 1), "organization", "Emulator Inc."),
    )
