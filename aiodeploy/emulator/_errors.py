"""The one exception handlers raise to answer with a JSON error."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["ApiError", "invalid_body", "invalid_query", "not_found"]


class ApiError(Exception):
    """An error reply: status, JSON body and extra headers.

    Args:
        status: HTTP status code.
        body: The JSON body; DataRobot always has at least ``message``.
        headers: Extra response headers.
    """

    def __init__(
        self, status: int, body: Mapping[str, Any], headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(f"{status}: {body.get('message')}")
        self.status = status
        self.body = body
        self.headers = headers or {}


def not_found(what: str = "Not Found") -> ApiError:
    """404 with DataRobot's short message, e.g. ``Deployment not found.``."""
    return ApiError(404, {"message": what})


def invalid_query(errors: Mapping[str, str]) -> ApiError:
    """400 for rejected query parameters; ``message`` maps each parameter to its error.

    This is the shape of a real DataRobot reply quoted by the official client
    (``{"message": {"unslicedOnly": "unslicedOnly is not allowed key"}}``).
    """
    return ApiError(400, {"message": dict(errors)})


def invalid_body(errors: Mapping[str, Any]) -> ApiError:
    """422 for a JSON body with missing, unknown or wrongly typed fields."""
    return ApiError(422, {"message": "Invalid field data", "errors": dict(errors)})
