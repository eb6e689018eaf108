"""The aiohttp application: routes plus one middleware for faults, auth, errors and counts."""

from __future__ import annotations

import asyncio
import logging
import socket
import struct
from collections.abc import Callable
from typing import Any, overload

from aiohttp import web
from aiohttp.typedefs import Handler

from ._auth import Role
from ._errors import ApiError
from ._faults import FaultAction
from ._http import STATE, allows_read_only, json_reply, retry_after
from ._options import StateOptions, keywords_of
from ._routes_actuals import add_actuals_routes
from ._routes_admin import add_admin_routes
from ._routes_catalog import add_catalog_routes
from ._routes_deployments import add_deployment_routes
from ._routes_environments import add_environment_routes
from ._routes_monitoring import add_monitoring_routes
from ._routes_packages import add_package_routes
from ._routes_predictions import add_prediction_routes
from ._routes_registry import add_registry_routes
from ._routes_replacement import add_replacement_routes
from ._routes_settings import add_settings_routes
from ._routes_settings_challengers import add_challenger_routes
from ._routes_settings_config import add_settings_config_routes
from ._routes_settings_intervals import add_interval_routes
from ._routes_sharing import add_sharing_routes
from ._routes_status import add_status_routes
from ._routes_tags import add_tag_routes
from ._state import EmulatorState

__all__ = ["ROUTE_MODULES", "create_app", "state_of_app"]

_log = logging.getLogger("aiodeploy.emulator")
_API = "/api/v2/"
_MUTATING = frozenset({"POST", "PATCH", "PUT", "DELETE"})
ROUTE_MODULES: tuple[Callable[[web.UrlDispatcher], None], ...] = (
    add_catalog_routes,
    add_deployment_routes,
    add_replacement_routes,
    add_settings_routes,
    add_settings_config_routes,
    add_challenger_routes,
    add_interval_routes,
    add_status_routes,
    add_monitoring_routes,
    add_actuals_routes,
    add_prediction_routes,
    add_admin_routes,
    add_registry_routes,
    add_package_routes,
    add_environment_routes,
    add_tag_routes,
    add_sharing_routes,
)
"""What registers each resource's routes: a new route module adds its function here."""
_FAULT_MESSAGES = {
    500: "Internal server error (injected fault).",
    502: "Bad gateway (injected fault).",
    503: "Service unavailable (injected fault).",
    504: "Gateway timeout (injected fault).",
    429: "Too many requests (injected fault).",
}
_LINGER_NOW = struct.pack("ii", 1, 0)
_sleep = asyncio.sleep  # the latency fault's sleep; tests replace it to count delays


def _drop(request: web.Request) -> None:
    """Reset the connection without replying, as a crashed proxy would.

    A zero linger makes the kernel send RST, so clients see ``ECONNRESET`` (which the
    official client retries) rather than an orderly close; aiohttp then discards the reply.
    """
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_NOW)
    transport.abort()


def _route_of(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "<unmatched>"


async def _call(request: web.Request, handler: Handler, state: EmulatorState) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        return json_reply(exc.body, exc.status, exc.headers)
    except web.HTTPException as exc:
        allow = exc.headers.get("Allow")
        return json_reply({"message": exc.reason}, exc.status, {"Allow": allow} if allow else None)
    except ConnectionResetError:
        # The client left before sending the whole body (a cancelled request, say): nobody
        # will read this reply, and it is no bug of the emulator's.
        return json_reply({"message": "The client closed the connection mid-request."}, 400)
    except Exception as exc:
        # a safety net only: tests assert that no input ever gets here
        state.stats.unexpected_errors += 1
        _log.exception("emulator bug while serving %s %s", request.method, request.path)
        return json_reply({"message": f"Internal server error: {exc!r}"}, 500)


async def _authorized(
    request: web.Request, handler: Handler, state: EmulatorState
) -> web.StreamResponse:
    role = state.tokens.role_for(request.headers.get("Authorization"))
    if role is None:
        message = "Invalid or missing API token: send 'Authorization: Bearer <token>'."
        return json_reply({"message": message}, 401)
    if (
        role is Role.READ_ONLY
        and request.method in _MUTATING
        and not allows_read_only(request.match_info.handler)
    ):
        return json_reply({"message": "You do not have permission to perform this action."}, 403)
    return await _call(request, handler, state)


@web.middleware
async def _middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    state = request.app[STATE]
    if not request.path.startswith(_API):
        return await _call(request, handler, state)
    state.advance()
    stats = state.stats
    # faults come before authentication, as they would from a gateway in front of the API
    decision = state.fault_injector.decide(mutating=request.method in _MUTATING)
    delay = decision.delay + state.options.reply_delay
    if delay:
        await _sleep(delay)
    route = _route_of(request)
    if decision.action is FaultAction.RESET:
        stats.faults["reset"] += 1
        stats.record(request.method, route, 0)
        _drop(request)
        return web.Response(status=500)  # never sent: the connection is gone
    if decision.action is FaultAction.STATUS:
        stats.faults[str(decision.status)] += 1
        profile = state.faults
        headers = {}
        if decision.status in (429, 503) and profile and profile.retry_after is not None:
            if decision.reset_header:  # how some gateways say it
                headers["X-RateLimit-Reset"] = retry_after(profile.retry_after)
                headers["X-RateLimit-Remaining"] = "0"
            else:
                headers["Retry-After"] = retry_after(profile.retry_after)
        response: web.StreamResponse = json_reply(
            {"message": _FAULT_MESSAGES[decision.status]}, decision.status, headers
        )
    else:
        response = await _authorized(request, handler, state)
        if decision.after and response.status < 400:
            # the change was applied; the client does not hear so
            stats.faults[f"{decision.after}_after"] += 1
            if decision.after == "reset":
                stats.record(request.method, route, 0)
                _drop(request)
                return response
            if decision.after == "error":
                response = json_reply({"message": "Bad gateway (injected fault)."}, 502)
            else:
                response = web.Response(
                    body=b"<html><body>Gateway page</body></html>", content_type="text/html"
                )
    stats.record(request.method, route, response.status)
    return response


@overload
def create_app(state: EmulatorState) -> web.Application: ...


@overload
@keywords_of(StateOptions)
def create_app(**options: Any) -> web.Application: ...


def create_app(state: EmulatorState | None = None, **options: Any) -> web.Application:
    """Build the emulator's ``aiohttp.web.Application`` (for ``aiohttp.test_utils`` too).

    Args:
        state: The state to serve; by default a new one built from ``options``.
        **options: The keywords of :class:`EmulatorState` (``token``, ``seed``,
            ``deployments``, ``replacement_seconds``, ``faults``, ...), without ``state``.

    Returns:
        The application; its state is ``app[STATE]`` (see :func:`state_of_app`).

    Raises:
        TypeError: On an unknown option, or options given with a ``state``.
        ValueError: On a bad option value.
    """
    if state is not None and options:
        raise TypeError("create_app() takes a state or options, not both")
    app = web.Application(middlewares=[_middleware])
    app[STATE] = state if state is not None else EmulatorState(**options)
    for add_routes in ROUTE_MODULES:
        add_routes(app.router)
    return app


def state_of_app(app: web.Application) -> EmulatorState:
    """Return the state an application made by :func:`create_app` serves."""
    return app[STATE]
