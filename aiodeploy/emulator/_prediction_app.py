"""The prediction server: a second aiohttp application, served on a port of its own.

On DataRobot the prediction servers are other hosts than the API, so a client must send
its token to a second origin, and only to the one the API reports. The emulator serves
the prediction API from a second port for the same reason: the origins differ.
"""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Handler

from ._errors import ApiError
from ._http import STATE, json_reply
from ._routes_predictions import PREDICTION_PATH, dedicated_predictions
from ._state import EmulatorState

__all__ = ["MAX_BODY", "create_prediction_app"]

MAX_BODY = 50 * 1024 * 1024
"""The largest request body the prediction server reads (DataRobot's limit: 50 MB)."""

_log = logging.getLogger("aiodeploy.emulator")


@web.middleware
async def _errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        return json_reply(exc.body, exc.status, exc.headers)
    except web.HTTPException as exc:
        allow = exc.headers.get("Allow")
        return json_reply({"message": exc.reason}, exc.status, {"Allow": allow} if allow else None)
    except ConnectionResetError:
        return json_reply({"message": "The client closed the connection mid-request."}, 400)
    except Exception as exc:
        # a safety net only: tests assert that no input ever gets here
        request.app[STATE].stats.unexpected_errors += 1
        _log.exception("emulator bug while serving %s %s", request.method, request.path)
        return json_reply({"message": f"Internal server error: {exc!r}"}, 500)


def create_prediction_app(state: EmulatorState) -> web.Application:
    """Build the prediction server's application over ``state`` (the API's state).

    It serves ``POST /predApi/v1.0/deployments/{id}/predictions``; every other path is a
    JSON 404 (405 for another method).
    """
    app = web.Application(middlewares=[_errors], client_max_size=MAX_BODY)
    app[STATE] = state
    app.router.add_post(PREDICTION_PATH, dedicated_predictions)
    return app
