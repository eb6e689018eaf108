"""The exceptions aiodeploy raises.

Every exception derives from :class:`AiodeployError`; the names of the official
``datarobot`` client's errors are kept so that migrating code reads the same::

    AiodeployError
    ├── ConfigurationError (also ValueError)      nothing usable configured
    ├── EventLoopError (also RuntimeError)        the client is in use by another event loop
    ├── CrossOriginError                          a Location/next URL left the endpoint's origin
    ├── APIError                                  the server answered with an error status
    │   ├── ClientError                           4xx
    │   │   ├── BadRequestError                   400
    │   │   ├── AuthenticationError               401
    │   │   ├── PermissionDeniedError             403
    │   │   ├── NotFoundError                     404
    │   │   ├── ConflictError                     409
    │   │   ├── UnprocessableEntityError          422
    │   │   └── RateLimitError                    429
    │   └── ServerError                           5xx
    ├── TransportError (also OSError)             no usable HTTP response
    │   └── APITimeoutError (also TimeoutError)
    ├── ResponseDecodeError (also ValueError)     a 2xx body that is not what the contract says
    ├── AsyncFailureError                         an unexpected reply while polling a job
    ├── AsyncProcessUnsuccessfulError             the job ended in ERROR, ABORTED or EXPIRED
    ├── AsyncTimeoutError (also TimeoutError)     ``max_wait`` passed before the job ended
    ├── ListingChangedError                       a list kept changing while it was read
    ├── JournalMismatchError (also ValueError)    a journal of another plan or server
    ├── JournalInUseError                         another run holds the journal
    ├── PolicyError (also ValueError)             a malformed policy file (file:line)
    └── PolicyItemError                           some settings of one deployment refused

``PolicyError`` and ``PolicyItemError`` are defined with fleet policies (``aiodeploy``
exports them). Caller mistakes (a malformed id, a negative ``max_wait``) raise
:class:`ValueError` or :class:`TypeError` before any request is sent. No error ever
carries the API token.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "APIError",
    "APITimeoutError",
    "AiodeployError",
    "AsyncFailureError",
    "AsyncProcessUnsuccessfulError",
    "AsyncTimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ClientError",
    "ConfigurationError",
    "ConflictError",
    "CrossOriginError",
    "EventLoopError",
    "JournalInUseError",
    "JournalMismatchError",
    "ListingChangedError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseDecodeError",
    "ServerError",
    "TransportError",
    "UnprocessableEntityError",
    "error_class_for_status",
]


class AiodeployError(Exception):
    """Root of every exception raised by aiodeploy.

    Attributes:
        bulk_result: on the error a bulk run stopped with (a refused token: every item
            would meet it), the run's ``BulkResult`` so far: the items that ended keep their
            outcome, the others are ``cancelled`` with this error (one already submitted,
            see ``ItemSubmitted``, may still complete on the server: rerun with the journal
            to settle it). ``None`` otherwise.
    """

    bulk_result: Any = None

    def __reduce__(self) -> tuple[Any, ...]:
        # Subclasses take keyword arguments, so the default (args-only) pickling would fail;
        # errors must survive pickling to cross process pools and be logged by workers.
        return (_rebuild, (type(self), self.__dict__, str(self)))


class ConfigurationError(AiodeployError, ValueError):
    """No endpoint or token could be found, or a configuration source is invalid."""


class EventLoopError(AiodeployError, RuntimeError):
    """The client's connections belong to another event loop that is still open; the
    message says what to do instead."""


class CrossOriginError(AiodeployError):
    """A server-supplied URL pointed at another origin than the configured endpoint.

    aiodeploy never sends a request (and so never sends the token) to such a URL.

    Attributes:
        url: the refused URL.
        endpoint: the configured endpoint whose origin it had to match.
    """

    def __init__(self, url: str, endpoint: str) -> None:
        self.url = url
        self.endpoint = endpoint
        super().__init__(
            f"refusing to follow {url!r}: its origin differs from the endpoint {endpoint!r}"
        )


class APIError(AiodeployError):
    """The server answered with an error status.

    Attributes:
        status_code: the HTTP status.
        message: the server's ``message`` (a string, or a field → error mapping).
        errors: the server's ``errors`` object, if any.
        body: the whole decoded JSON body, or ``None`` when it was not JSON.
        request_id: from ``x-request-id`` or ``X-DataRobot-Request-ID``, if sent.
        method: the request's method.
        url: the request's URL.
        retry_after: seconds from a ``Retry-After`` header, if one was sent.
    """

    def __init__(
        self,
        status_code: int,
        message: str | Mapping[str, Any] | None,
        *,
        errors: Any = None,
        body: Any = None,
        request_id: str | None = None,
        method: str = "",
        url: str = "",
        retry_after: float | None = None,
    ) -> None:
        self.status_code = status_code
        self.message = message
        self.errors = errors
        self.body = body
        self.request_id = request_id
        self.method = method
        self.url = url
        self.retry_after = retry_after
        super().__init__(self._describe())

    def _describe(self) -> str:
        text = f"{self.status_code} {type(self).__name__}"
        if self.method or self.url:
            text += f" for {self.method} {self.url}"
        if self.message:
            text += f": {self.message}"
        if self.request_id:
            text += f" (request id {self.request_id})"
        return text


class ClientError(APIError):
    """The server refused the request (4xx)."""


class BadRequestError(ClientError):
    """400: the request was malformed."""


class AuthenticationError(ClientError):
    """401: the token is missing, wrong or expired."""


class PermissionDeniedError(ClientError):
    """403: the token is valid but may not do this."""


class NotFoundError(ClientError):
    """404: no such resource (or not visible to this token)."""


class ConflictError(ClientError):
    """409: the request conflicts with the resource's state."""


class UnprocessableEntityError(ClientError):
    """422: the request was understood but refused (e.g. a failing replacement validation).

    For a refused model replacement, ``body["checks"]`` holds the validation checks, and
    the message names the failing ones (or says that the model is already the current one).
    """

    @property
    def failing_checks(self) -> dict[str, str]:
        """The failing validation checks of the reply, name → message (empty if none)."""
        checks = self.body.get("checks") if isinstance(self.body, dict) else None
        if not isinstance(checks, dict):
            return {}
        return {
            str(name): str(check.get("message") or "")
            for name, check in checks.items()
            if isinstance(check, dict) and check.get("status") == "failing"
        }

    def _describe(self) -> str:
        text = super()._describe()
        failing = self.failing_checks
        if list(failing) == ["notCurrentModel"]:
            return f"{text}. The model is already the deployment's current model"
        if failing:
            named = "; ".join(f"{name}: {why}".rstrip(": ") for name, why in failing.items())
            return f"{text}. Failing checks: {named}"
        return text


class RateLimitError(ClientError):
    """429: too many requests; ``retry_after`` says how long the server asked to wait."""


class ServerError(APIError):
    """The server failed (5xx)."""


class TransportError(AiodeployError, OSError):
    """No usable HTTP response: the connection failed, was reset, or timed out.

    Attributes:
        method: the request's method.
        url: the request's URL.
        request_sent: ``False`` only when the request certainly never reached the server
            (the connection could not be opened), which makes retrying a POST safe.
    """

    def __init__(self, message: str, *, method: str, url: str, request_sent: bool) -> None:
        self.method = method
        self.url = url
        self.request_sent = request_sent
        super().__init__(f"{message} ({method} {url})")


class APITimeoutError(TransportError, TimeoutError):
    """The request did not complete within its connect or read timeout."""


class ResponseDecodeError(AiodeployError, ValueError):
    """A response body could not be decoded into what the contract promises.

    Attributes:
        status_code: the HTTP status of the response.
        excerpt: the first bytes of the body, for the log line.
        method: the request's method.
        url: the request's URL.
    """

    def __init__(
        self, reason: str, *, status_code: int, excerpt: str, method: str, url: str
    ) -> None:
        self.status_code = status_code
        self.excerpt = excerpt
        self.method = method
        self.url = url
        super().__init__(
            f"cannot decode the {status_code} response to {method} {url}: {reason}; "
            f"body starts with {excerpt!r}"
        )


class AsyncFailureError(AiodeployError):
    """Polling a job's status URL got a reply the async protocol does not allow.

    Attributes:
        url: the status URL.
        status_code: the reply's HTTP status.
    """

    def __init__(self, message: str, *, url: str, status_code: int | None = None) -> None:
        self.url = url
        self.status_code = status_code
        super().__init__(message)


class AsyncProcessUnsuccessfulError(AiodeployError):
    """The job ended unsuccessfully (``ERROR``, ``ABORTED`` or ``EXPIRED``).

    Attributes:
        url: the status URL.
        status: the job's final status.
        job_message: the job's own message.
    """

    def __init__(self, *, url: str, status: str, job_message: str | None) -> None:
        self.url = url
        self.status = status
        self.job_message = job_message
        detail = f": {job_message}" if job_message else ""
        super().__init__(f"job {url} ended with status {status}{detail}")


class AsyncTimeoutError(AiodeployError, TimeoutError):
    """``max_wait`` passed first: before a job finished, a request succeeded, or the server
    showed a change. The job (or change) itself may still finish.

    Attributes:
        url: the status URL, the request's URL, or the resource read while waiting.
        max_wait: the deadline, in seconds.
        last_status: the last job status seen (``None`` if none was read).
        retry_after: when the wait ended because the server asked to wait longer than the
            time left, the seconds it asked for; else ``None``.
        waiting_for: ``"job"`` (polling a status URL), ``"request"`` (a request and its
            retries) or ``"change"`` (reading a resource until it shows a change).
    """

    def __init__(
        self,
        *,
        url: str,
        max_wait: float,
        last_status: str | None,
        retry_after: float | None = None,
        waiting_for: str = "job",
    ) -> None:
        self.url = url
        self.max_wait = max_wait
        self.last_status = last_status
        self.retry_after = retry_after
        self.waiting_for = waiting_for
        asked = "" if retry_after is None else f"; the server asked to wait {retry_after:g} s"
        if waiting_for == "request":
            text = f"request {url} did not succeed within {max_wait:g} s{asked}"
        elif waiting_for == "change":
            text = f"{url} did not show the change within {max_wait:g} s{asked}"
        else:
            seen = last_status or "none read"
            text = f"job {url} did not finish within {max_wait:g} s (last status: {seen}{asked})"
        super().__init__(text)


class JournalMismatchError(AiodeployError, ValueError):
    """The journal belongs to another plan or another server (or is not a journal at all)."""


class ListingChangedError(AiodeployError):
    """The deployments kept changing while they were listed, more than a listing can
    recover from; list again later."""


class JournalInUseError(AiodeployError):
    """Another run (in this process or another) holds the journal."""


def _rebuild(cls: type[BaseException], state: dict[str, Any], text: str) -> BaseException:
    err = cls.__new__(cls)
    BaseException.__init__(err, text)
    err.__dict__.update(state)
    return err


_STATUS_TO_CLASS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def error_class_for_status(status_code: int) -> type[APIError]:
    """The exception class for an HTTP error status (the one status → class table).

    Args:
        status_code: an HTTP status of 400 or more.

    Returns:
        The most specific :class:`APIError` subclass for it.
    """
    if status_code >= 500:
        return ServerError
    return _STATUS_TO_CLASS.get(status_code, ClientError)
