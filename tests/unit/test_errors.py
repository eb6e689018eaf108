"""The exception tree: the status table, built-in bases, readable str() and pickling."""

from __future__ import annotations

import pickle

import pytest

from aiodeploy import errors
from aiodeploy.errors import (
    AiodeployError,
    APIError,
    APITimeoutError,
    AsyncFailureError,
    AsyncProcessUnsuccessfulError,
    AsyncTimeoutError,
    AuthenticationError,
    BadRequestError,
    ClientError,
    ConfigurationError,
    ConflictError,
    CrossOriginError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseDecodeError,
    ServerError,
    TransportError,
    UnprocessableEntityError,
    error_class_for_status,
)

URL = "https://dr.test/api/v2/deployments/5c6f7a9e9ca9b20017ff95a2/"


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (402, ClientError),
        (405, ClientError),
        (410, ClientError),
        (413, ClientError),
        (418, ClientError),
        (451, ClientError),
        (499, ClientError),
        (500, ServerError),
        (501, ServerError),
        (502, ServerError),
        (503, ServerError),
        (504, ServerError),
        (599, ServerError),
    ],
)
def test_error_class_for_status(status: int, cls: type[APIError]) -> None:
    assert error_class_for_status(status) is cls


@pytest.mark.parametrize("status", [402, 405, 418, 499])
def test_other_4xx_is_exactly_client_error(status: int) -> None:
    cls = error_class_for_status(status)
    assert cls is ClientError
    assert not issubclass(cls, ServerError)


@pytest.mark.parametrize(
    ("cls", "bases"),
    [
        (ConfigurationError, (AiodeployError, ValueError)),
        (CrossOriginError, (AiodeployError,)),
        (APIError, (AiodeployError,)),
        (ClientError, (APIError,)),
        (BadRequestError, (ClientError,)),
        (AuthenticationError, (ClientError,)),
        (PermissionDeniedError, (ClientError,)),
        (NotFoundError, (ClientError,)),
        (ConflictError, (ClientError,)),
        (UnprocessableEntityError, (ClientError,)),
        (RateLimitError, (ClientError,)),
        (ServerError, (APIError,)),
        (TransportError, (AiodeployError, OSError)),
        (APITimeoutError, (TransportError, TimeoutError, OSError)),
        (ResponseDecodeError, (AiodeployError, ValueError)),
        (AsyncFailureError, (AiodeployError,)),
        (AsyncProcessUnsuccessfulError, (AiodeployError,)),
        (AsyncTimeoutError, (AiodeployError, TimeoutError)),
    ],
)
def test_tree(cls: type[BaseException], bases: tuple[type[BaseException], ...]) -> None:
    for base in bases:
        assert issubclass(cls, base), (cls, base)
    assert issubclass(cls, AiodeployError)


@pytest.mark.parametrize(
    ("cls", "not_base"),
    [
        (ServerError, ClientError),
        (ClientError, ServerError),
        (APIError, OSError),
        (TransportError, APIError),
        (TransportError, TimeoutError),
        (AsyncTimeoutError, TransportError),
        (AsyncFailureError, APIError),
        (AsyncProcessUnsuccessfulError, AsyncFailureError),
        (ResponseDecodeError, APIError),
        (ConfigurationError, APIError),
    ],
)
def test_tree_has_no_accidental_relations(
    cls: type[BaseException], not_base: type[BaseException]
) -> None:
    assert not issubclass(cls, not_base)


def test_builtin_handlers_catch_our_errors() -> None:
    with pytest.raises(OSError, match="connection refused"):
        raise TransportError("connection refused", method="GET", url=URL, request_sent=False)
    with pytest.raises(TimeoutError):
        raise APITimeoutError("read timed out", method="GET", url=URL, request_sent=True)
    with pytest.raises(TimeoutError):
        raise AsyncTimeoutError(url=URL, max_wait=1.0, last_status=None)
    with pytest.raises(ValueError, match="cannot decode"):
        raise ResponseDecodeError("bad", status_code=200, excerpt="{", method="GET", url=URL)
    with pytest.raises(ValueError, match="nothing"):
        raise ConfigurationError("nothing")


# --- str() -------------------------------------------------------------------------------


def test_api_error_str_has_status_method_url_message_request_id() -> None:
    err = NotFoundError(404, "Deployment not found.", request_id="req-123", method="GET", url=URL)
    text = str(err)
    assert "404" in text
    assert "NotFoundError" in text
    assert "GET" in text
    assert URL in text
    assert "Deployment not found." in text
    assert "req-123" in text
    assert text == f"404 NotFoundError for GET {URL}: Deployment not found. (request id req-123)"


def test_api_error_str_with_a_field_mapping_message() -> None:
    err = BadRequestError(
        400, {"unslicedOnly": "unslicedOnly is not allowed key"}, method="GET", url=URL
    )
    assert "unslicedOnly is not allowed key" in str(err)
    assert err.message == {"unslicedOnly": "unslicedOnly is not allowed key"}


def test_api_error_str_without_optional_parts() -> None:
    assert str(ServerError(503, None)) == "503 ServerError"
    assert str(ServerError(500, "", method="POST", url=URL)) == f"500 ServerError for POST {URL}"


def test_api_error_fields() -> None:
    err = RateLimitError(
        429,
        "slow down",
        errors={"x": ["y"]},
        body={"message": "slow down"},
        request_id="r",
        method="PATCH",
        url=URL,
        retry_after=2.5,
    )
    assert (err.status_code, err.message, err.errors, err.body) == (
        429,
        "slow down",
        {"x": ["y"]},
        {"message": "slow down"},
    )
    assert (err.request_id, err.method, err.url, err.retry_after) == ("r", "PATCH", URL, 2.5)


def test_transport_error_str_and_fields() -> None:
    err = TransportError("connection reset", method="POST", url=URL, request_sent=True)
    assert str(err) == f"connection reset (POST {URL})"
    assert (err.method, err.url, err.request_sent) == ("POST", URL, True)


def test_response_decode_error_str_and_fields() -> None:
    err = ResponseDecodeError(
        "truncated", status_code=200, excerpt='{"id": "5c', method="GET", url=URL
    )
    text = str(err)
    assert "200" in text
    assert "GET" in text
    assert URL in text
    assert "truncated" in text
    assert '{"id": "5c' in text
    assert (err.status_code, err.excerpt) == (200, '{"id": "5c')


def test_async_errors_str() -> None:
    failure = AsyncFailureError("unexpected HTTP 204", url=URL, status_code=204)
    assert str(failure) == "unexpected HTTP 204"
    assert (failure.url, failure.status_code) == (URL, 204)

    unsuccessful = AsyncProcessUnsuccessfulError(url=URL, status="ERROR", job_message="boom")
    assert str(unsuccessful) == f"job {URL} ended with status ERROR: boom"
    no_message = AsyncProcessUnsuccessfulError(url=URL, status="ABORTED", job_message=None)
    assert str(no_message) == f"job {URL} ended with status ABORTED"

    timeout = AsyncTimeoutError(url=URL, max_wait=600.0, last_status="RUNNING")
    assert str(timeout) == f"job {URL} did not finish within 600 s (last status: RUNNING)"
    assert (timeout.url, timeout.max_wait, timeout.last_status) == (URL, 600.0, "RUNNING")


def test_cross_origin_error_str_and_fields() -> None:
    err = CrossOriginError("https://evil.test/x", "https://dr.test/api/v2")
    assert "https://evil.test/x" in str(err)
    assert "https://dr.test/api/v2" in str(err)
    assert (err.url, err.endpoint) == ("https://evil.test/x", "https://dr.test/api/v2")


# --- pickling ------------------------------------------------------------------------------

SAMPLES: list[BaseException] = [
    AiodeployError("something went wrong"),
    ConfigurationError("no DataRobot endpoint configured"),
    CrossOriginError("https://evil.test/x", "https://dr.test/api/v2"),
    APIError(418, "teapot", method="GET", url=URL),
    ClientError(402, "pay", request_id="r1", method="GET", url=URL),
    BadRequestError(400, {"unslicedOnly": "no"}, errors={"f": "bad"}, body={"message": {}}),
    AuthenticationError(401, "bad token", method="GET", url=URL),
    PermissionDeniedError(403, "no", method="DELETE", url=URL),
    NotFoundError(404, "Deployment not found.", request_id="r2", method="GET", url=URL),
    ConflictError(409, "busy", method="PATCH", url=URL),
    UnprocessableEntityError(422, "refused", body={"checks": {"target": {"status": "failing"}}}),
    RateLimitError(429, "slow", retry_after=1.5, method="POST", url=URL),
    ServerError(503, None, request_id="r3", method="GET", url=URL, retry_after=None),
    TransportError("connection refused", method="POST", url=URL, request_sent=False),
    APITimeoutError("read timeout", method="GET", url=URL, request_sent=True),
    ResponseDecodeError("truncated", status_code=200, excerpt="{", method="GET", url=URL),
    AsyncFailureError("unexpected HTTP 204", url=URL, status_code=204),
    AsyncProcessUnsuccessfulError(url=URL, status="EXPIRED", job_message="gone"),
    AsyncTimeoutError(url=URL, max_wait=12.5, last_status="INITIALIZED"),
    AsyncTimeoutError(url=URL, max_wait=1.0, last_status="RUNNING", retry_after=30.0),
    errors.JournalMismatchError("j.jsonl is the journal of another plan"),
    errors.JournalInUseError("j.jsonl is in use by another run"),
    errors.EventLoopError("this client is in use by another event loop"),
    errors.ListingChangedError("the deployments changed while they were listed"),
]


def test_samples_cover_every_exception_class() -> None:
    classes = {
        obj
        for name in errors.__all__
        if isinstance(obj := getattr(errors, name), type) and issubclass(obj, BaseException)
    }
    assert {type(e) for e in SAMPLES} == classes


def _state(err: BaseException) -> dict[str, object]:
    return {k: v for k, v in vars(err).items() if not k.startswith("__")}


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
@pytest.mark.parametrize("err", SAMPLES, ids=lambda e: type(e).__name__)
def test_every_error_pickles_with_its_fields(err: BaseException, protocol: int) -> None:
    copy = pickle.loads(pickle.dumps(err, protocol=protocol))
    assert type(copy) is type(err)
    assert str(copy) == str(err)
    assert copy.args == err.args
    assert _state(copy) == _state(err)
    if type(err) not in (
        AiodeployError,
        ConfigurationError,
        errors.JournalMismatchError,
        errors.JournalInUseError,
        errors.EventLoopError,
        errors.ListingChangedError,
    ):
        assert _state(err)  # the sample does carry fields worth checking
    # the copy behaves like the original where it matters
    if isinstance(err, TransportError):
        assert isinstance(copy, TransportError)
        assert copy.request_sent == err.request_sent
    if isinstance(err, APIError):
        assert isinstance(copy, APIError)
        assert copy.status_code == err.status_code


def test_pickled_errors_can_be_raised_and_caught_by_their_bases() -> None:
    err = pickle.loads(pickle.dumps(APITimeoutError("t", method="GET", url=URL, request_sent=True)))
    with pytest.raises(TimeoutError):
        raise err
    with pytest.raises(OSError, match="t"):
        raise err


def test_a_refused_replacement_names_its_failing_checks() -> None:
    body = {
        "message": "Model cannot be used to replace the current model of the deployment.",
        "checks": {
            "featureDataTypes": {"status": "failing", "message": "Types differ: contract."},
            "target": {"status": "passing", "message": "The target name matches."},
            "targetType": {"status": "failing", "message": "Binary differs from Regression."},
        },
    }
    error = UnprocessableEntityError(422, body["message"], body=body, method="PATCH", url=URL)
    assert error.failing_checks == {
        "featureDataTypes": "Types differ: contract.",
        "targetType": "Binary differs from Regression.",
    }
    assert "Failing checks: featureDataTypes: Types differ: contract.; targetType:" in str(error)
    assert "target: The target name" not in str(error)


def test_a_refusal_because_the_model_is_current_says_so() -> None:
    body = {"checks": {"notCurrentModel": {"status": "failing", "message": "current"}}}
    error = UnprocessableEntityError(422, "refused", body=body)
    assert str(error).endswith("The model is already the deployment's current model")


def test_a_422_without_checks_reads_as_before() -> None:
    error = UnprocessableEntityError(422, "Invalid field data", body={"errors": {"x": "bad"}})
    assert error.failing_checks == {}
    assert str(error) == "422 UnprocessableEntityError: Invalid field data"
