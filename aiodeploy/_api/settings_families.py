"""Reading and changing any settings family of a deployment (see :mod:`aiodeploy._families`).

A change is one request per route: ``settings/`` answers 202 and its job is awaited; the
other routes answer at once. Every settings change is idempotent (it sets values), so it is
sent as such (retried on a lost answer), and an answer that still does not say (a 5xx, a
connection lost after sending, a garbled reply) is settled by the server's state: the
route is read, and the change counts as done when the values show; otherwise it is sent once
more; if that answer does not say either, the route is read for up to a minute (its job
may still run) before the error is reported.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import anyio
import msgspec

from .. import _wire
from .._deadline import Deadline
from .._families import FAMILIES, Readings, Route
from .._models_settings import (
    ChallengerReplaySettings,
    HealthSettings,
    RetrainingSettings,
    SecondaryDatasetConfig,
    SettingsDocument,
)
from .._session import Session
from .._settings_diff import diff_family
from ..errors import (
    AsyncTimeoutError,
    CrossOriginError,
    ResponseDecodeError,
    ServerError,
    TransportError,
)

__all__ = [
    "check_values",
    "read",
    "read_accuracy_metrics",
    "read_health",
    "read_replay",
    "read_retraining",
    "read_secondary",
    "read_settings",
    "send_change",
    "update_checked",
    "update_family",
]


SETTLE_SECONDS = 60.0
"""How long the settings are read for a change whose second send did not say either."""


class _Metrics(msgspec.Struct, frozen=True):
    data: list[str]


_DECODERS: dict[Route, msgspec.json.Decoder[Any]] = {
    Route.SETTINGS: msgspec.json.Decoder(SettingsDocument),
    Route.HEALTH: msgspec.json.Decoder(HealthSettings),
    Route.REPLAY: msgspec.json.Decoder(ChallengerReplaySettings),
    Route.ACCURACY: msgspec.json.Decoder(_Metrics),
    Route.RETRAINING: msgspec.json.Decoder(RetrainingSettings),
    Route.SECONDARY: msgspec.json.Decoder(SecondaryDatasetConfig),
}
_READING = {
    Route.SETTINGS: "settings",
    Route.HEALTH: "health",
    Route.REPLAY: "replay",
    Route.ACCURACY: "accuracy",
    Route.RETRAINING: "retraining",
    Route.SECONDARY: "secondary",
}


def check_values(family: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The values given for a family's fields, checked (``None`` values dropped).

    Raises:
        TypeError, ValueError: an unknown field, or a value its check refuses.
    """
    fields = FAMILIES[family].fields
    checked: dict[str, Any] = {}
    for name, value in values.items():
        if name not in fields:
            raise TypeError(f"{family} settings have no field {name!r}; use {', '.join(fields)}")
        if value is None:
            continue
        try:
            checked[name] = fields[name](value)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"{family}.{name}: {exc}") from None
    return checked


async def _get(session: Session, dep_id: str, route: Route, deadline: Deadline | None) -> Any:
    value = await session.get(
        f"deployments/{dep_id}/{route.value}",
        _DECODERS[route],
        deadline=deadline,
        persist=deadline is not None,
    )
    return value.data if isinstance(value, _Metrics) else value


async def read(
    session: Session, dep_id: str, routes: Iterable[Route], *, deadline: Deadline | None = None
) -> Readings:
    """``GET`` each route of ``routes`` (once each); the replies as :class:`Readings`."""
    found = {
        _READING[route]: await _get(session, dep_id, route, deadline)
        for route in dict.fromkeys(routes)
    }
    return Readings(**found)


async def read_settings(
    session: Session, dep_id: str, *, deadline: Deadline | None = None
) -> SettingsDocument:
    """``GET deployments/{id}/settings/``: every section."""
    found: SettingsDocument = await _get(session, dep_id, Route.SETTINGS, deadline)
    return found


async def read_health(
    session: Session, dep_id: str, *, defaults: bool = False, deadline: Deadline | None = None
) -> HealthSettings:
    """``GET deployments/{id}/healthSettings/`` (or its ``defaults/``)."""
    if defaults:
        path = f"deployments/{dep_id}/{Route.HEALTH.value}defaults/"
        return await session.get(path, _DECODERS[Route.HEALTH])
    found: HealthSettings = await _get(session, dep_id, Route.HEALTH, deadline)
    return found


async def read_replay(
    session: Session, dep_id: str, *, deadline: Deadline | None = None
) -> ChallengerReplaySettings:
    """``GET deployments/{id}/challengerReplaySettings/``."""
    found: ChallengerReplaySettings = await _get(session, dep_id, Route.REPLAY, deadline)
    return found


async def read_accuracy_metrics(
    session: Session, dep_id: str, *, deadline: Deadline | None = None
) -> list[str]:
    """``GET deployments/{id}/accuracyMetrics/``: the metric names."""
    found: list[str] = await _get(session, dep_id, Route.ACCURACY, deadline)
    return found


async def read_retraining(
    session: Session, dep_id: str, *, deadline: Deadline | None = None
) -> RetrainingSettings:
    """``GET deployments/{id}/retrainingSettings/``."""
    found: RetrainingSettings = await _get(session, dep_id, Route.RETRAINING, deadline)
    return found


async def read_secondary(
    session: Session, dep_id: str, *, deadline: Deadline | None = None
) -> SecondaryDatasetConfig:
    """``GET deployments/{id}/model/secondaryDatasetConfiguration/``."""
    found: SecondaryDatasetConfig = await _get(session, dep_id, Route.SECONDARY, deadline)
    return found


async def send_change(
    session: Session,
    dep_id: str,
    route: Route,
    body: Mapping[str, Any],
    *,
    deadline: Deadline | float,
    shows: Callable[[Readings], bool],
    limiter: anyio.CapacityLimiter | None = None,
    on_submitted: Callable[[str | None], None] | None = None,
) -> None:
    """Send one change and, for ``settings/``, wait for its job.

    Args:
        route: where the change goes.
        body: the request body.
        deadline: bounds the requests, the job wait and the reads that settle a doubt; a
            number of seconds (checked) starts once the ``limiter``'s place is taken.
        shows: whether the settings read show the change (used only when an answer did
            not say whether it was applied).
        limiter: held while sending (and settling a doubt), not while waiting for the job.
        on_submitted: told the job's status URL (``None``: no job to follow) once the
            change was accepted.

    Raises:
        UnprocessableEntityError: the server refused the change (its reason in the message).
        AsyncProcessUnsuccessfulError: the settings job failed.
        AsyncTimeoutError: ``deadline`` passed first (the change may still apply).
        APIError: the server refused the change (a 4xx), or failed for good.
    """
    async with limiter or contextlib.nullcontext():
        if not isinstance(deadline, Deadline):
            deadline = Deadline.after(deadline, session.clock)
        status_url = await _submit(session, dep_id, route, body, deadline, shows)
    if on_submitted is not None:
        on_submitted(status_url)
    if status_url is not None:
        await session.wait_job(status_url, deadline=deadline, kind="settings")


async def _submit(
    session: Session,
    dep_id: str,
    route: Route,
    body: Mapping[str, Any],
    deadline: Deadline,
    shows: Callable[[Readings], bool],
) -> str | None:
    """Send the change; the status URL of its job, or ``None`` when it is done (or shown
    done after an answer that did not say).

    An answer that does not say (a 5xx, lost, garbled, a status URL on another origin):
    the settings are read, and if they do not show the change it is sent once more (a
    change is idempotent). If that answer does not say either, the settings are read until
    they show it (its job may still run) for up to :data:`SETTLE_SECONDS`; then that
    answer's error is raised (:class:`AsyncTimeoutError` when ``deadline`` came first).
    """
    doubt: Exception | None = None
    for attempt in (1, 2):
        try:
            return await _send_once(session, dep_id, route, body, deadline)
        except (ServerError, ResponseDecodeError, TransportError, CrossOriginError) as exc:
            if not _in_doubt(exc):
                raise
            doubt = exc
        if attempt == 1 and shows(await read(session, dep_id, [route], deadline=deadline)):
            return None

    async def reading(deadline: Deadline) -> Readings:
        return await read(session, dep_id, [route], deadline=deadline)

    settle = Deadline.after(min(SETTLE_SECONDS, max(deadline.remaining(), 0.0)), session.clock)
    url = f"deployments/{dep_id}/{route.value}"
    try:
        await session.read_until(reading, shows, deadline=settle, url=url)
    except AsyncTimeoutError:
        if settle.at >= deadline.at:
            raise deadline.timeout(session.url_for(url), waiting_for="change") from None
        assert doubt is not None
        raise doubt from None
    return None


def _in_doubt(error: BaseException) -> bool:
    return not isinstance(error, TransportError) or error.request_sent


async def _send_once(
    session: Session, dep_id: str, route: Route, body: Mapping[str, Any], deadline: Deadline
) -> str | None:
    response = await session.send(
        route.method,
        f"deployments/{dep_id}/{route.value}",
        json=dict(body),
        idempotent=True,
        deadline=deadline,
    )
    if not route.has_job:
        _wire.expect_status(response, 200, 204)
        return None
    _wire.expect_status(response, 202)
    return session.url_for(_wire.location(response))


async def update_family(
    session: Session, dep_id: str, family: str, values: Mapping[str, Any], deadline: Deadline
) -> None:
    """Change one family with checked ``values`` (those absent stay as they are) in one
    request, and wait for it.

    Raises:
        ValueError: the values cannot make a request (custom boundaries without both).
        See :func:`send_change` for the rest.
    """
    spec = FAMILIES[family]
    body = spec.body(values)

    def shows(readings: Readings) -> bool:
        return diff_family(spec, values, readings) is None

    await send_change(session, dep_id, spec.route, body, deadline=deadline, shows=shows)


async def update_checked(
    session: Session, dep_id: str, family: str, values: Mapping[str, Any], deadline: Deadline
) -> None:
    """:func:`update_family` with ``values`` as a caller gave them (``None``: leave as is),
    checked before any request.

    Raises:
        TypeError, ValueError: an unknown field, a bad value, or no value at all.
    """
    checked = check_values(family, values)
    if not checked:
        raise ValueError(f"give at least one of {', '.join(FAMILIES[family].fields)}")
    FAMILIES[family].body(checked)  # values that cannot make a request fail here, unsent
    await update_family(session, dep_id, family, checked, deadline)
