"""Deployments: create, get, delete, and their model history (listing: :mod:`.listing`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from .. import _wire
from .._deadline import Deadline
from .._models import ChampionModelPackage, Deployment, ModelHistoryEntry
from .._session import Session
from .._wire import IdBody, Page
from ..errors import NotFoundError
from .listing import PAGE_SIZE
from .settle import delete_settled

__all__ = [
    "PAGE_SIZE",
    "create_from_learning_model",
    "delete_deployment",
    "get_champion_model_package",
    "get_deployment",
    "get_model_history",
    "list_params",
]

_deployment = msgspec.json.Decoder(Deployment)
_champion = msgspec.json.Decoder(ChampionModelPackage)
_history = msgspec.json.Decoder(Page[ModelHistoryEntry])
_id_body = msgspec.json.Decoder(IdBody)


async def get_deployment(
    session: Session, dep_id: str, *, deadline: Deadline | None = None, persist: bool = False
) -> Deployment:
    """``GET deployments/{id}/``."""
    return await session.get(
        f"deployments/{dep_id}/", _deployment, deadline=deadline, persist=persist
    )


async def get_champion_model_package(session: Session, dep_id: str) -> ChampionModelPackage:
    """``GET deployments/{id}/championModelPackage/``."""
    return await session.get(f"deployments/{dep_id}/championModelPackage/", _champion)


async def delete_deployment(session: Session, dep_id: str, deadline: Deadline) -> None:
    """``DELETE deployments/{id}/`` (204), settled by reading the deployment
    (:func:`~aiodeploy._api.settle.delete_settled`): a 404 after it existed means done."""

    async def exists(within: Deadline) -> bool:
        try:
            await get_deployment(session, dep_id, deadline=within, persist=True)
        except NotFoundError:
            return False
        return True

    path, what = f"deployments/{dep_id}/", f"the deletion of {dep_id}"
    await delete_settled(session, path, exists, deadline=deadline, what=what)


async def get_model_history(
    session: Session, dep_id: str, *, deadline: Deadline | None = None, persist: bool = False
) -> list[ModelHistoryEntry]:
    """``GET deployments/{id}/modelHistory/`` and its ``next`` pages, oldest first."""
    path = f"deployments/{dep_id}/modelHistory/"
    first = await session.get(
        path, _history, {"limit": PAGE_SIZE}, deadline=deadline, persist=persist
    )
    return await session.follow(first, _history)


async def create_from_learning_model(
    session: Session, payload: Mapping[str, Any], deadline: Deadline
) -> Deployment:
    """``POST deployments/fromLearningModel/`` → 202 → the job → ``GET deployments/{id}/``.

    A 200 or 201 with ``{"id"}`` (no job) is accepted too.
    """
    response = await session.send("POST", "deployments/fromLearningModel/", json=payload)
    created = _wire.decode(_wire.expect_status(response, 200, 201, 202), _id_body)
    if response.status == 202:
        await session.wait_job(_wire.location(response), deadline=deadline, kind="creation")
    return await get_deployment(session, created.id, deadline=deadline, persist=True)


def list_params(
    search: str | None,
    order_by: str | None,
    status: str | Sequence[str] | None,
    role: str | None,
    filters: Mapping[str, str | Sequence[str]] | None,
) -> dict[str, str | int | Sequence[str]]:
    """The query of ``GET deployments/``: the named filters and ``filters``, 100 a page.

    Raises:
        TypeError, ValueError: ``filters`` sets a paging parameter or a named one given
            too (:func:`~aiodeploy._wire.check_filters`).
    """
    named = {"search": search, "orderBy": order_by, "role": role, "status": status}
    params: dict[str, str | int | Sequence[str]] = _wire.check_filters(filters, named)
    params.update({key: value for key, value in named.items() if value is not None})
    params["limit"] = PAGE_SIZE
    return params
