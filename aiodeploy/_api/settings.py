"""Deployment settings (``deployments/{id}/settings/``): drift tracking, one at a time or
for many deployments with the bulk runner.

A settings PATCH is idempotent (sending the same values twice sets them once), so it is
retried like a read; when its answer still does not say whether it was applied (lost,
garbled, a 5xx, a status URL on another origin), the settings are read until they show the
change, within the call's deadline: never a failure while the server applied it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import anyio
import msgspec

from .._bulk import BulkEvent, BulkResult, ItemResult, ItemSubmitted, Outcome, StopRun, run_bulk
from .._deadline import Deadline
from .._models import DriftTrackingSettings
from .._session import Session
from ..errors import (
    AiodeployError,
    AsyncTimeoutError,
    CrossOriginError,
    ResponseDecodeError,
    ServerError,
    TransportError,
)
from .access import AccessCheck

__all__ = [
    "await_settings",
    "drift_payload",
    "get_drift_tracking_settings",
    "patch_settings",
    "shows",
    "submit_settings",
    "update_drift_many",
    "update_drift_tracking_settings",
]

_drift = msgspec.json.Decoder(DriftTrackingSettings)
_raw = msgspec.json.Decoder(dict[str, Any])


def drift_payload(target: bool | None, feature: bool | None) -> dict[str, object]:
    """The settings PATCH body for the drift flags given.

    Raises:
        TypeError: a flag is not a bool.
        ValueError: neither flag is given.
    """
    payload: dict[str, object] = {}
    for key, value in (("targetDrift", target), ("featureDrift", feature)):
        if value is not None:
            if not isinstance(value, bool):
                raise TypeError(f"{key} enabled flag must be a bool, got {value!r}")
            payload[key] = {"enabled": value}
    if not payload:
        raise ValueError("give target_drift_enabled and/or feature_drift_enabled")
    return payload


async def get_drift_tracking_settings(
    session: Session, dep_id: str, *, deadline: Deadline | None = None
) -> DriftTrackingSettings:
    """``GET deployments/{id}/settings/``."""
    persist = deadline is not None
    return await session.get(
        f"deployments/{dep_id}/settings/", _drift, deadline=deadline, persist=persist
    )


def shows(settings: Mapping[str, Any], payload: Mapping[str, Any]) -> bool:
    """Whether ``settings`` (the route's JSON) hold every value ``payload`` sets. Pure."""
    for key, wanted in payload.items():
        have = settings.get(key)
        if isinstance(wanted, Mapping):
            if not isinstance(have, Mapping) or not shows(have, wanted):
                return False
        elif have != wanted:
            return False
    return True


async def submit_settings(
    session: Session, path: str, payload: Mapping[str, Any], deadline: Deadline
) -> str | None:
    """``PATCH path`` (a settings route); its job's status URL, or ``None`` when the answer
    does not say whether the change was accepted (:func:`await_settings` settles it).

    Raises:
        APIError: the server refused the change (a 4xx).
        TransportError: the request never left.
    """
    try:
        return await session.submit_job("PATCH", path, payload, deadline=deadline, idempotent=True)
    except (ServerError, ResponseDecodeError, CrossOriginError, TransportError) as exc:
        if isinstance(exc, TransportError) and not exc.request_sent:
            raise
        return None  # it may have been applied (or its job may still run): settings tell


async def await_settings(
    session: Session,
    path: str,
    payload: Mapping[str, Any],
    status_url: str | None,
    deadline: Deadline,
) -> None:
    """Wait for a settings change: its job, or without one, the settings showing it.

    Raises:
        AsyncTimeoutError: the change did not show within the deadline.
        AsyncProcessUnsuccessfulError: its job failed.
    """
    if status_url is not None:
        await session.wait_job(status_url, deadline=deadline, kind="settings")
        return

    async def read(deadline: Deadline) -> dict[str, Any]:
        return await session.get(path, _raw, deadline=deadline, persist=True)

    await session.read_until(read, lambda now: shows(now, payload), deadline=deadline, url=path)


async def patch_settings(
    session: Session, path: str, payload: Mapping[str, Any], deadline: Deadline
) -> None:
    """:func:`submit_settings` then :func:`await_settings`."""
    status_url = await submit_settings(session, path, payload, deadline)
    await await_settings(session, path, payload, status_url, deadline)


async def update_drift_tracking_settings(
    session: Session, dep_id: str, payload: dict[str, object], deadline: Deadline
) -> DriftTrackingSettings:
    """One ``PATCH deployments/{id}/settings/`` → 202 → the job → the settings read back."""
    await patch_settings(session, f"deployments/{dep_id}/settings/", payload, deadline)
    return await get_drift_tracking_settings(session, dep_id, deadline=deadline)


async def update_drift_many(
    session: Session,
    ids: Sequence[str],
    payload: dict[str, object],
    *,
    concurrency: int,
    fail_fast: bool,
    max_wait: float,
    on_event: Callable[[BulkEvent], None] | None,
) -> BulkResult[str]:
    """The same settings PATCH and wait for each deployment, ``concurrency`` submitting at
    once (waiting takes no place); outcomes ``updated``, ``failed`` or ``timed_out``.
    ``max_wait`` (checked) bounds each item from when it starts submitting."""
    limiter = anyio.CapacityLimiter(concurrency)
    access = AccessCheck(session)

    async def work(index: int, dep_id: str) -> ItemResult[str]:
        try:
            path = f"deployments/{dep_id}/settings/"
            async with limiter:
                deadline = Deadline.after(max_wait, session.clock)
                status_url = await submit_settings(session, path, payload, deadline)
            if on_event is not None:
                on_event(ItemSubmitted(index, dep_id, status_url))
            await await_settings(session, path, payload, status_url, deadline)
        except AsyncTimeoutError as exc:
            return ItemResult(dep_id, Outcome.TIMED_OUT, error=exc)
        except AiodeployError as exc:
            if await access.stops_everything(exc):
                raise StopRun(exc) from exc
            return ItemResult(dep_id, Outcome.FAILED, error=exc)
        return ItemResult(dep_id, Outcome.UPDATED)

    return await run_bulk(ids, work, fail_fast=fail_fast, on_event=on_event, clock=session.clock)
