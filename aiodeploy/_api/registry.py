"""The model registry: registered models, their versions, registering a Leaderboard model,
and deploying a version.

Like every resource module, its functions take arguments already checked by the face.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from .. import _wire
from .._deadline import Deadline
from .._models import Deployment
from .._models_registry import RegisteredModel, RegisteredModelDeployment, RegisteredModelVersion
from .._session import Session
from .._wire import IdBody, Page
from ..errors import AsyncProcessUnsuccessfulError
from .deployments import get_deployment

__all__ = [
    "create_from_leaderboard",
    "deploy_version",
    "get_registered_model",
    "get_version",
    "list_registered_model_deployments",
    "list_registered_models",
    "list_versions",
]

PAGE_SIZE = 100  # the registry routes' maximum page size

_registered = msgspec.json.Decoder(RegisteredModel)
_registered_page = msgspec.json.Decoder(Page[RegisteredModel])
_version = msgspec.json.Decoder(RegisteredModelVersion)
_versions_page = msgspec.json.Decoder(Page[RegisteredModelVersion])
_deployments_page = msgspec.json.Decoder(Page[RegisteredModelDeployment])
_id_body = msgspec.json.Decoder(IdBody)


async def list_registered_models(
    session: Session, params: Mapping[str, Any]
) -> list[RegisteredModel]:
    """``GET registeredModels/`` and its ``next`` pages."""
    query = {**params, "limit": PAGE_SIZE}
    first = await session.get("registeredModels/", _registered_page, query)
    return await session.follow(first, _registered_page)


async def get_registered_model(session: Session, registered_model_id: str) -> RegisteredModel:
    """``GET registeredModels/{id}/``."""
    return await session.get(f"registeredModels/{registered_model_id}/", _registered)


async def list_versions(session: Session, registered_model_id: str) -> list[RegisteredModelVersion]:
    """``GET registeredModels/{id}/versions/`` and its ``next`` pages, version 1 first."""
    path = f"registeredModels/{registered_model_id}/versions/"
    first = await session.get(
        path, _versions_page, {"limit": PAGE_SIZE, "sortKey": "version", "sortDirection": "asc"}
    )
    return await session.follow(first, _versions_page)


async def get_version(
    session: Session,
    registered_model_id: str,
    version_id: str,
    *,
    deadline: Deadline | None = None,
) -> RegisteredModelVersion:
    """``GET registeredModels/{id}/versions/{versionId}/`` (a read inside a wait persists)."""
    return await session.get(
        f"registeredModels/{registered_model_id}/versions/{version_id}/",
        _version,
        deadline=deadline,
        persist=deadline is not None,
    )


async def list_registered_model_deployments(
    session: Session, registered_model_id: str
) -> list[RegisteredModelDeployment]:
    """``GET registeredModels/{id}/deployments/`` and its ``next`` pages."""
    path = f"registeredModels/{registered_model_id}/deployments/"
    first = await session.get(path, _deployments_page, {"limit": PAGE_SIZE})
    return await session.follow(first, _deployments_page)


async def create_from_leaderboard(
    session: Session, payload: Mapping[str, Any], deadline: Deadline
) -> RegisteredModelVersion:
    """``POST modelPackages/fromLeaderboard/``; while the new version's ``buildStatus``
    says it is building, read it again on the poll schedule until it is built.

    The POST creates a version each time it is acted on, so it is not sent again when its
    answer is lost (the session retries it only when the server cannot have acted).

    Raises:
        AsyncTimeoutError: the build did not end by the deadline (the version exists).
        AsyncProcessUnsuccessfulError: the build failed.
    """
    response = await session.send(
        "POST", "modelPackages/fromLeaderboard/", json=payload, deadline=deadline
    )
    version = _wire.decode(_wire.expect_status(response, 200, 201, 202), _version)
    if version.building:
        registered_id, version_id = version.registered_model_id or "", version.id
        path = f"registeredModels/{registered_id}/versions/{version_id}/"
        version = await session.read_until(
            lambda d: get_version(session, registered_id, version_id, deadline=d),
            lambda v: not v.building,
            deadline=deadline,
            url=session.url_for(path),
        )
    if version.build_status == "failed":
        raise AsyncProcessUnsuccessfulError(
            url=session.url_for(f"modelPackages/{version.id}/"),
            status="failed",
            job_message=f"the build of registered model version {version.id} failed",
        )
    return version


async def deploy_version(
    session: Session, payload: Mapping[str, Any], deadline: Deadline
) -> Deployment:
    """``POST deployments/fromModelPackage/`` → 202 → the job → ``GET deployments/{id}/``.

    A 200 or 201 with ``{"id"}`` (no job) is accepted too.
    """
    response = await session.send(
        "POST", "deployments/fromModelPackage/", json=payload, deadline=deadline
    )
    created = _wire.decode(_wire.expect_status(response, 200, 201, 202), _id_body)
    if response.status == 202:
        await session.wait_job(_wire.location(response), deadline=deadline, kind="creation")
    return await get_deployment(session, created.id, deadline=deadline, persist=True)
