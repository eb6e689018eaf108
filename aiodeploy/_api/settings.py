"""Drift tracking (``deployments/{id}/settings/``), one deployment at a time or many with
the bulk runner; sent like every settings change
(:func:`~aiodeploy._api.settings_families.send_change`): an idempotent request whose
doubtful answer is settled by the settings themselves."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import anyio
import msgspec

from .._bulk import BulkEvent, BulkResult, ItemResult, ItemSubmitted, Outcome, StopRun, run_bulk
from .._deadline import Deadline
from .._families import Readings, Route
from .._models import DriftTrackingSettings
from .._session import Session
from ..errors import (
    AiodeployError,
    AsyncTimeoutError,
)
from .access import AccessCheck
from .settings_families import send_change

__all__ = [
    "drift_payload",
    "get_drift_tracking_settings",
    "update_drift_many",
    "update_drift_tracking_settings",
]

_drift = msgspec.json.Decoder(DriftTrackingSettings)


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


def _drift_shows(payload: Mapping[str, object]) -> Callable[[Readings], bool]:
    """Whether the settings read show the drift flags of ``payload``."""

    def shows(readings: Readings) -> bool:
        doc = readings.settings
        return doc is not None and all(
            getattr(doc, attr).enabled == section["enabled"]
            for key, attr in (("targetDrift", "target_drift"), ("featureDrift", "feature_drift"))
            if isinstance(section := payload.get(key), dict)
        )

    return shows


async def update_drift_tracking_settings(
    session: Session, dep_id: str, payload: dict[str, object], deadline: Deadline
) -> DriftTrackingSettings:
    """One ``PATCH deployments/{id}/settings/`` → 202 → the job → the settings read back.

    Sent as the idempotent change it is: an answer that does not say is settled by the
    settings (see :func:`~aiodeploy._api.settings_families.send_change`).
    """

    shows = _drift_shows(payload)
    await send_change(session, dep_id, Route.SETTINGS, payload, deadline=deadline, shows=shows)
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
        def submitted(status_url: str | None) -> None:
            if on_event is not None:
                on_event(ItemSubmitted(index, dep_id, status_url))

        try:
            await send_change(
                session,
                dep_id,
                Route.SETTINGS,
                payload,
                deadline=max_wait,  # from when the item takes its place
                shows=_drift_shows(payload),
                limiter=limiter,
                on_submitted=submitted,
            )
        except AsyncTimeoutError as exc:
            return ItemResult(dep_id, Outcome.TIMED_OUT, error=exc)
        except AiodeployError as exc:
            if await access.stops_everything(exc):
                raise StopRun(exc) from exc
            return ItemResult(dep_id, Outcome.FAILED, error=exc)
        return ItemResult(dep_id, Outcome.UPDATED)

    return await run_bulk(ids, work, fail_fast=fail_fast, on_event=on_event, clock=session.clock)
