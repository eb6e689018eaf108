"""Deployments: create, list, get, delete, and their model history."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from typing import Any

import anyio
import msgspec

from .. import _wire
from .._deadline import Deadline
from .._models import Deployment, ModelHistoryEntry
from .._session import Session, new_page
from .._wire import IdBody, Page

__all__ = [
    "PAGE_SIZE",
    "create_from_learning_model",
    "delete_deployment",
    "get_deployment",
    "get_model_history",
    "iter_deployments",
    "list_deployments",
    "list_params",
]

PAGE_SIZE = 100  # the deployments route's maximum page size

_deployment = msgspec.json.Decoder(Deployment)
_deployments = msgspec.json.Decoder(Page[Deployment])
_history = msgspec.json.Decoder(Page[ModelHistoryEntry])
_id_body = msgspec.json.Decoder(IdBody)


async def get_deployment(
    session: Session, dep_id: str, *, deadline: Deadline | None = None, persist: bool = False
) -> Deployment:
    """``GET deployments/{id}/``."""
    return await session.get(
        f"deployments/{dep_id}/", _deployment, deadline=deadline, persist=persist
    )


async def delete_deployment(session: Session, dep_id: str) -> None:
    """``DELETE deployments/{id}/`` (204)."""
    _wire.expect_status(await session.send("DELETE", f"deployments/{dep_id}/"), 204, 200)


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
    """The query of ``GET deployments/``: named filters over ``filters``, 100 a page."""
    named = {"search": search, "orderBy": order_by, "role": role, "status": status}
    params: dict[str, str | int | Sequence[str]] = dict(filters or {})
    params.update({key: value for key, value in named.items() if value is not None})
    params["limit"] = PAGE_SIZE
    return params


async def iter_deployments(
    session: Session, params: Mapping[str, str | int | Sequence[str]]
) -> AsyncIterator[Deployment]:
    """Each deployment of ``GET deployments/``, page by page as they are needed."""
    page = await session.get("deployments/", _deployments, params)
    followed: set[str] = set()
    while True:
        for item in page.data:
            yield item
        if not page.next:
            return
        page = await session.get(new_page(page.next, followed), _deployments)


async def list_deployments(
    session: Session, params: Mapping[str, str | int | Sequence[str]]
) -> list[Deployment]:
    """Every deployment of ``GET deployments/``: the first page, then the remaining
    offsets concurrently (``page_concurrency`` at a time) once ``totalCount`` is known."""
    first = await session.get("deployments/", _deployments, params)
    if first.total_count is None or not first.next:
        return _unique(await session.follow(first, _deployments))
    # The offsets are handed out one at a time rather than planned from totalCount at
    # once: an empty page ends the list, however many items totalCount claimed.
    offsets = iter(range(len(first.data), first.total_count, PAGE_SIZE))
    pages: dict[int, list[Deployment]] = {0: first.data}
    ended = False
    failed: list[Exception] = []

    async def fetch_pages() -> None:
        nonlocal ended
        for offset in offsets:
            if ended:
                return
            try:
                page = await session.get("deployments/", _deployments, {**params, "offset": offset})
            except Exception as exc:
                # the caller gets this error itself, not an exception group around it
                failed.append(exc)
                tg.cancel_scope.cancel()
                return
            pages[offset] = page.data
            ended = ended or not page.data

    async with anyio.create_task_group() as tg:
        for _ in range(session.page_concurrency):
            tg.start_soon(fetch_pages)
    if failed:
        raise failed[0]
    return _unique(item for offset in sorted(pages) for item in pages[offset])


def _unique(items: Iterable[Deployment]) -> list[Deployment]:
    # Offset pages can overlap when deployments are created while we list.
    seen: set[str] = set()
    result: list[Deployment] = []
    for item in items:
        if item.id not in seen:
            seen.add(item.id)
            result.append(item)
    return result
