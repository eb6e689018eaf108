"""A deployment's lifecycle: update its label, description or importance, activate or
deactivate it (a job), and read its features and capabilities.

Updates and status changes are idempotent: they are resent on transient failures, and an
answer that never came is settled by reading the deployment (``settle.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from .. import _wire
from .._deadline import Deadline
from .._models import Deployment
from .._models_lifecycle import Capability, Feature
from .._session import Session
from .._wire import Page
from .deployments import get_deployment
from .settle import Done, send_settled

__all__ = [
    "change_status",
    "get_capabilities",
    "get_features",
    "submit_status",
    "update_deployment",
    "update_fields",
]

_features = msgspec.json.Decoder(Page[Feature])


class _Capabilities(msgspec.Struct, frozen=True):
    data: list[Capability]


_capabilities = msgspec.json.Decoder(_Capabilities)


def _shows(deployment: Deployment, changes: Mapping[str, Any]) -> bool:
    return all(getattr(deployment, name) == value for name, value in changes.items())


async def update_fields(
    session: Session, dep_id: str, changes: Mapping[str, Any], deadline: Deadline
) -> None:
    """``PATCH deployments/{id}/`` (204) with ``changes`` (Python field names: ``label``,
    ``description``, ``importance``), settled by the deployment when the answer is lost."""
    path = f"deployments/{dep_id}/"

    async def send() -> None:
        response = await session.send(
            "PATCH", path, json=changes, idempotent=True, deadline=deadline
        )
        _wire.expect_status(response, 204, 200)

    async def took_effect(within: Deadline) -> Done[None] | None:
        deployment = await get_deployment(session, dep_id, deadline=within, persist=True)
        return Done(None) if _shows(deployment, changes) else None

    await send_settled(
        session, send, took_effect, deadline=deadline, what=f"the update of {dep_id}"
    )


async def update_deployment(
    session: Session, dep_id: str, changes: Mapping[str, Any], deadline: Deadline
) -> Deployment:
    """:func:`update_fields`, then the deployment as it is now."""
    await update_fields(session, dep_id, changes, deadline)
    return await get_deployment(session, dep_id, deadline=deadline, persist=True)


async def submit_status(
    session: Session, dep_id: str, status: str, deadline: Deadline
) -> str | None:
    """``PATCH deployments/{id}/status/`` (202 + ``Location``): the job's status URL, or
    ``None`` when the answer was lost and the deployment already shows ``status``."""
    path = f"deployments/{dep_id}/status/"

    async def send() -> str | None:
        response = await session.send(
            "PATCH", path, json={"status": status}, idempotent=True, deadline=deadline
        )
        _wire.expect_status(response, 202)
        return session.url_for(_wire.location(response))

    async def took_effect(within: Deadline) -> Done[str | None] | None:
        deployment = await get_deployment(session, dep_id, deadline=within, persist=True)
        return Done(None) if deployment.status == status else None

    async def shows(within: Deadline) -> str | None:
        # the status changes when its job completes, which no answer told us about
        await session.read_until(
            lambda d: get_deployment(session, dep_id, deadline=d, persist=True),
            lambda deployment: deployment.status == status,
            deadline=within,
            url=session.url_for(f"deployments/{dep_id}/"),
        )
        return None

    return await send_settled(
        session,
        send,
        took_effect,
        deadline=deadline,
        what=f"the status change of {dep_id}",
        last_wait=shows,
    )


async def change_status(
    session: Session, dep_id: str, status: str, deadline: Deadline
) -> Deployment:
    """:func:`submit_status`, its job, then the deployment as it is now."""
    status_url = await submit_status(session, dep_id, status, deadline)
    if status_url is not None:
        await session.wait_job(status_url, deadline=deadline, kind="status")
    return await get_deployment(session, dep_id, deadline=deadline, persist=True)


async def get_features(session: Session, dep_id: str) -> list[Feature]:
    """``GET deployments/{id}/features/`` and its ``next`` pages."""
    path = f"deployments/{dep_id}/features/"
    return await session.follow(await session.get(path, _features, {"limit": 100}), _features)


async def get_capabilities(session: Session, dep_id: str) -> list[Capability]:
    """``GET deployments/{id}/capabilities/`` (``{"data": [...]}``)."""
    return (await session.get(f"deployments/{dep_id}/capabilities/", _capabilities)).data
