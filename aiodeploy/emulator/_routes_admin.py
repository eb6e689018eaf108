"""Local test controls under ``/_emulator`` (no token needed, never faulted)."""

from __future__ import annotations

from aiohttp import web

from ._errors import ApiError
from ._faults import FaultProfile
from ._http import json_reply, read_json, state_of
from ._params import check_body

__all__ = ["add_admin_routes"]


def _nullable_str(value: object) -> str | None:
    return None if value is None or isinstance(value, str) else "value is not a string"


async def get_stats(request: web.Request) -> web.Response:
    """``GET /_emulator/stats``: request, fault and job counters."""
    state = state_of(request)
    state.advance()
    return json_reply(state.stats.to_json(state.jobs.started, state.jobs.finished))


async def reset(request: web.Request) -> web.Response:
    """``POST /_emulator/reset``: back to the seed state, counters zeroed; 204."""
    state_of(request).reset()
    return json_reply(status=204)


async def get_faults(request: web.Request) -> web.Response:
    """``GET /_emulator/faults``: ``{"spec": ...}`` (null when no faults)."""
    profile = state_of(request).faults
    return json_reply({"spec": None if profile is None else profile.to_spec()})


async def set_faults(request: web.Request) -> web.Response:
    """``POST /_emulator/faults`` with ``{"spec": "503=0.1"}`` (null or "" clears); 200."""
    body = check_body(await read_json(request), {"spec": (_nullable_str, True)})
    spec = body["spec"]
    try:
        profile = FaultProfile.parse(spec) if spec else None
    except ValueError as exc:
        raise ApiError(422, {"message": str(exc)}) from None
    state_of(request).set_faults(profile)
    return json_reply({"spec": None if profile is None else profile.to_spec()})


def add_admin_routes(router: web.UrlDispatcher) -> None:
    """Register the ``/_emulator`` routes."""
    router.add_get("/_emulator/stats", get_stats)
    router.add_post("/_emulator/reset", reset)
    router.add_get("/_emulator/faults", get_faults)
    router.add_post("/_emulator/faults", set_faults)
