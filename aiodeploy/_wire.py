"""Sans-I/O: what a request looks like and what a response means. No sockets here.

The transport hands every reply over as a :class:`Response` (status, lower-cased headers,
body bytes); the functions below turn it into typed data or into one of the errors of
:mod:`aiodeploy.errors`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any, Generic, TypeVar
from urllib.parse import urljoin

import msgspec

from ._models import Deployment
from ._waits import server_wait
from .enums import Importance, ModelReplacementReason
from .errors import APIError, ResponseDecodeError, error_class_for_status

T = TypeVar("T")
DeploymentRef = str | Deployment
"""A deployment id, or a :class:`~aiodeploy.Deployment` (its ``id`` is used)."""

_EXCERPT = 200
# An id goes into request paths as they are (the transport sends them already encoded), so
# it may hold only what a path segment carries unescaped (RFC 3986 pchar): anything else,
# non-ASCII included, would go out as raw bytes. Not "%" either: yarl decodes "%2e%2e"
# into a ".." segment, which would leave the resource's path.
_GOOD_ID = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=:@-]+")
_json_decoder = msgspec.json.Decoder()
# msgspec raises RecursionError on JSON nested too deeply, even inside an ignored field
_UNDECODABLE = (msgspec.DecodeError, UnicodeDecodeError, RecursionError)
_encoder = msgspec.json.Encoder()


@dataclasses.dataclass(frozen=True)
class Response:
    """A reply as the transport received it.

    ``headers`` is looked up case-insensitively by :meth:`header` (a plain dict must use
    lower-case keys).
    """

    status: int
    headers: Mapping[str, str]
    body: bytes
    method: str
    url: str

    def header(self, name: str) -> str | None:
        """The value of a header, by case-insensitive name."""
        return self.headers.get(name.lower())

    def header_values(self, name: str) -> list[str]:
        """Every value of a header sent more than once, by lower-case name."""
        getall = getattr(self.headers, "getall", None)
        if getall is not None:
            values: list[str] = getall(name, [])
            return values
        value = self.headers.get(name)
        return [] if value is None else [value]


class Page(msgspec.Struct, Generic[T], rename="camel", kw_only=True, frozen=True):
    """DataRobot's pagination envelope."""

    data: list[T]
    count: int | None = None
    next: str | None = None
    previous: str | None = None
    total_count: int | None = None


class IdBody(msgspec.Struct, frozen=True):
    """The ``{"id": ...}`` body of a create call."""

    id: str


class JobStatus(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    """The body of ``GET status/{id}/`` while a job runs or after it failed."""

    status: str
    status_id: str | None = None
    message: str | None = None
    code: int | None = None
    description: str | None = None


def encode(payload: Any) -> bytes:
    """JSON-encode a request body."""
    return _encoder.encode(payload)


def check_id(value: object, what: str) -> str:
    """Refuse an id that is not a non-empty string safe to put in a URL path.

    Raises:
        TypeError: ``value`` is not a string.
        ValueError: it is empty, ``.`` or ``..``, or holds ``/``, ``?``, ``#``, ``%``,
            whitespace, a control or non-ASCII character, or another character a URL
            path must escape (a quote, ``<``, ``>``, a backslash, ``^``, a backtick, ``{ | }``).
    """
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a string, got {type(value).__name__}")
    if not _GOOD_ID.fullmatch(value) or value in (".", ".."):
        raise ValueError(
            f"{what} {value!r} is not a valid id (empty, '.', '..', or has / ? # %, "
            "spaces, control, non-ASCII or other characters a URL path must escape)"
        )
    return value


def check_reason(reason: object) -> ModelReplacementReason:
    """Check a replacement reason given as the enum or its name, in any case.

    ``"accuracy"``, ``" Accuracy "`` and ``ModelReplacementReason.ACCURACY`` are one reason:
    the names are upper-case words, so a different case or stray spaces (from a spreadsheet
    cell, say) cannot mean anything else, in Python as on the command line and in plans.

    Raises:
        ValueError: not one of :class:`~aiodeploy.enums.ModelReplacementReason`'s values;
            the message lists them.
    """
    text = reason.strip().upper() if isinstance(reason, str) else reason
    try:
        return ModelReplacementReason(text)
    except ValueError:
        allowed = ", ".join(r.value for r in ModelReplacementReason)
        raise ValueError(f"unknown replacement reason {reason!r}; use one of {allowed}") from None


def check_text(value: object, what: str) -> str:
    """A non-blank string, checked.

    Raises:
        TypeError: not a string.
        ValueError: blank.
    """
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a string, got {type(value).__name__}")
    if not value.strip():
        raise ValueError(f"{what} must not be blank")
    return value


def check_importance(importance: object) -> str:
    """An importance level in any case (``"high"`` is ``HIGH``), checked.

    Raises:
        ValueError: not one of ``CRITICAL``, ``HIGH``, ``MODERATE``, ``LOW``.
    """
    text = importance.strip().upper() if isinstance(importance, str) else importance
    try:
        return Importance(text).value
    except ValueError:
        levels = ", ".join(i.value for i in Importance)
        raise ValueError(f"unknown importance {importance!r}; use one of {levels}") from None


PAGING_PARAMETERS = ("offset", "limit")
"""Query parameters a listing sends itself, page after page."""


def check_filters(
    filters: Mapping[str, Any] | None, named: Mapping[str, object] | None = None
) -> dict[str, Any]:
    """The ``filters`` of a listing (more query parameters of its route), as a new dict.

    A listing pages by itself and sets its own named arguments: a filter that would
    override either is refused rather than silently dropped or mistaken for a change of
    the list.

    Args:
        filters: the caller's query parameters, or ``None``.
        named: the listing's own arguments by query parameter (``{"search": search}``);
            those given (not ``None``) must not be in ``filters`` too.

    Raises:
        TypeError: ``filters`` is not a mapping.
        ValueError: it sets ``offset`` or ``limit``, or a parameter given as an argument.
    """
    if filters is None:
        return {}
    if not isinstance(filters, Mapping):
        raise TypeError(f"filters must be a mapping, got {type(filters).__name__}")
    for key in filters:
        if key in PAGING_PARAMETERS:
            raise ValueError(
                f"filters cannot set {key!r}: the listing pages by itself and returns every "
                "match; take the first items of iter_deployments to stop early"
            )
        if named is not None and named.get(key) is not None:
            raise ValueError(f"{key!r} is given both as an argument and in filters; give it once")
    return dict(filters)


def deployment_id(deployment: DeploymentRef) -> str:
    """The id of a deployment given as an id or a :class:`~aiodeploy.Deployment`."""
    if isinstance(deployment, Deployment):
        return check_id(deployment.id, "deployment id")
    return check_id(deployment, "deployment id")


def excerpt(body: bytes) -> str:
    """The start of a body, decoded leniently, for error messages."""
    return body[:_EXCERPT].decode("utf-8", errors="replace")


def request_id(response: Response) -> str | None:
    """DataRobot's request id header, under either of its names."""
    return response.header("x-request-id") or response.header("x-datarobot-request-id")


def retry_after(response: Response) -> float | None:
    """Seconds the server asked us to wait (``Retry-After`` in any form, or rate-limit
    reset headers on a 429 or 503), if it asked."""
    return server_wait(response.status, response.header_values)


def api_error(response: Response) -> APIError:
    """Build the typed error for an error status (400 and above)."""
    body: Any = None
    message: Any = None
    errors: Any = None
    try:
        body = _json_decoder.decode(response.body) if response.body else None
    except _UNDECODABLE:
        message = excerpt(response.body).strip() or None
    if isinstance(body, dict):
        message = body.get("message")
        errors = body.get("errors")
    elif body is not None:
        message = excerpt(response.body)
    cls = error_class_for_status(response.status)
    return cls(
        response.status,
        message,
        errors=errors,
        body=body,
        request_id=request_id(response),
        method=response.method,
        url=response.url,
        retry_after=retry_after(response),
    )


def raise_for_status(response: Response) -> None:
    """Raise the typed :class:`~aiodeploy.errors.APIError` for a status of 400 or more."""
    if response.status >= 400:
        raise api_error(response)


def decode(response: Response, decoder: msgspec.json.Decoder[T]) -> T:
    """Decode a successful reply with ``decoder``, or raise the typed error.

    Raises:
        APIError: the status is 400 or more.
        ResponseDecodeError: the body is not JSON of the expected shape.
    """
    raise_for_status(response)
    try:
        return decoder.decode(response.body)
    except _UNDECODABLE as exc:
        raise ResponseDecodeError(
            str(exc),
            status_code=response.status,
            excerpt=excerpt(response.body),
            method=response.method,
            url=response.url,
        ) from exc


def expect_status(response: Response, *expected: int) -> Response:
    """Return the reply if its status is one of ``expected``; else raise a typed error."""
    raise_for_status(response)
    if response.status not in expected:
        raise ResponseDecodeError(
            f"expected HTTP {' or '.join(map(str, expected))}",
            status_code=response.status,
            excerpt=excerpt(response.body),
            method=response.method,
            url=response.url,
        )
    return response


def location(response: Response) -> str:
    """The absolute ``Location`` of a reply, resolved against the request URL.

    Raises:
        ResponseDecodeError: the header is missing or is not a URL.
    """
    value = response.header("location")
    if not value:
        raise ResponseDecodeError(
            "the Location header is missing",
            status_code=response.status,
            excerpt=excerpt(response.body),
            method=response.method,
            url=response.url,
        )
    if value.startswith(("https://", "http://")):
        return value  # absolute already (DataRobot's are): nothing to resolve
    try:
        return urljoin(response.url, value)
    except ValueError as exc:  # e.g. an unbalanced "[" in the host
        raise ResponseDecodeError(
            f"the Location header {value[:_EXCERPT]!r} is not a URL: {exc}",
            status_code=response.status,
            excerpt=excerpt(response.body),
            method=response.method,
            url=response.url,
        ) from exc
