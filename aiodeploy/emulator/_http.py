"""Small helpers shared by the route modules: the state key, JSON replies, common lookups."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, TypeVar

from aiohttp import web
from aiohttp.typedefs import Handler

from ._auth import Role
from ._errors import not_found
from ._params import decode_body
from ._records import DeploymentRecord, Job
from ._state import EmulatorState
from ._wire import encode

__all__ = [
    "JSON",
    "STATE",
    "absolute",
    "allows_read_only",
    "deployment_or_404",
    "json_reply",
    "location_reply",
    "read_json",
    "read_only_allowed",
    "retry_after",
    "role_of",
    "state_of",
]

JSON = "application/json"
STATE = web.AppKey("aiodeploy.emulator.state", EmulatorState)

H = TypeVar("H", bound=Handler)
_READ_ONLY_ALLOWED: set[Handler] = set()


def read_only_allowed(handler: H) -> H:
    """Mark a mutating handler that read-only tokens may call too (a validation, say).

    Every other ``POST``/``PATCH``/``PUT``/``DELETE`` answers 403 to a read-only token.
    """
    _READ_ONLY_ALLOWED.add(handler)
    return handler


def allows_read_only(handler: Handler) -> bool:
    """Tell whether :func:`read_only_allowed` marked ``handler``."""
    return handler in _READ_ONLY_ALLOWED


def state_of(request: web.Request) -> EmulatorState:
    """Return the emulator state of the request's application."""
    return request.app[STATE]


def role_of(request: web.Request) -> Role:
    """Return the role of the request's token (the middleware has already accepted it)."""
    role = state_of(request).tokens.role_for(request.headers.get("Authorization"))
    assert role is not None
    return role


def json_reply(
    body: Any = None, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    """Reply with JSON; ``Content-Type`` is exactly ``application/json`` (no charset).

    The official client only parses error bodies whose content type is exactly that string.
    ``body`` may be pre-encoded bytes; None sends no body.
    """
    if body is None:
        data = None
    elif isinstance(body, bytes):
        data = body
    else:
        data = encode(body)
    return web.Response(body=data, status=status, headers=headers, content_type=JSON)


def retry_after(seconds: float) -> str:
    """Format ``Retry-After``: HTTP's delay-seconds is a whole number, so round up."""
    return str(math.ceil(seconds))


def absolute(request: web.Request, path: str) -> str:
    """Return an absolute URL on the host the client used (``Location`` must be absolute)."""
    return str(request.url.origin().with_path(path))


def location_reply(request: web.Request, job: Job, body: Any = None) -> web.Response:
    """Reply 202 with the job's absolute status URL in ``Location``."""
    location = absolute(request, f"/api/v2/status/{job.id}/")
    return json_reply(body, 202, {"Location": location})


async def read_json(request: web.Request) -> Any:
    """Read and decode the request's JSON body.

    Raises:
        ApiError: 400 when the body is not JSON.
    """
    return decode_body(await request.read())


def deployment_or_404(request: web.Request) -> DeploymentRecord:
    """Return the live deployment named in the path.

    Raises:
        ApiError: 404 ``Deployment not found.``
    """
    record = state_of(request).deployment(request.match_info["deployment_id"])
    if record is None:
        raise not_found("Deployment not found.")
    return record
