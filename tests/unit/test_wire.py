"""Sans-I/O wire helpers: error bodies, decoding, ids, Location, and URL origins."""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiodeploy import Deployment
from aiodeploy._transport import Transport, origin
from aiodeploy._wire import (
    IdBody,
    JobStatus,
    Page,
    Response,
    api_error,
    check_id,
    check_reason,
    decode,
    deployment_id,
    encode,
    excerpt,
    expect_status,
    location,
    raise_for_status,
    request_id,
    retry_after,
)
from aiodeploy.enums import MODEL_REPLACEMENT_REASON
from aiodeploy.errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ClientError,
    CrossOriginError,
    NotFoundError,
    RateLimitError,
    ResponseDecodeError,
    ServerError,
    UnprocessableEntityError,
    error_class_for_status,
)

ENDPOINT = "https://dr.test/api/v2"
URL = f"{ENDPOINT}/deployments/5c6f7a9e9ca9b20017ff95a2/"
DEP_ID = "5c6f7a9e9ca9b20017ff95a2"

_status_decoder = msgspec.json.Decoder(JobStatus)
_id_decoder = msgspec.json.Decoder(IdBody)


def reply(
    status: int,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    *,
    method: str = "GET",
    url: str = URL,
) -> Response:
    return Response(status=status, headers=headers or {}, body=body, method=method, url=url)


# --- Response ----------------------------------------------------------------------------


def test_response_header_lookup_is_case_insensitive_on_the_name() -> None:
    response = reply(200, headers={"location": "/x", "retry-after": "3"})
    assert response.header("Location") == "/x"
    assert response.header("RETRY-AFTER") == "3"
    assert response.header("x-missing") is None


# --- api_error -----------------------------------------------------------------------------


def test_api_error_string_message() -> None:
    err = api_error(reply(404, b'{"message": "Deployment not found."}'))
    assert type(err) is NotFoundError
    assert err.message == "Deployment not found."
    assert err.status_code == 404
    assert err.body == {"message": "Deployment not found."}
    assert (err.method, err.url) == ("GET", URL)
    assert "Deployment not found." in str(err)


def test_api_error_object_message() -> None:
    body = b'{"message": {"unslicedOnly": "unslicedOnly is not allowed key"}}'
    err = api_error(reply(400, body))
    assert type(err) is BadRequestError
    assert err.message == {"unslicedOnly": "unslicedOnly is not allowed key"}
    assert "unslicedOnly is not allowed key" in str(err)


def test_api_error_errors_key() -> None:
    body = b'{"message": "Invalid field data", "errors": {"label": "must not be empty"}}'
    err = api_error(reply(422, body, method="PATCH"))
    assert type(err) is UnprocessableEntityError
    assert err.message == "Invalid field data"
    assert err.errors == {"label": "must not be empty"}
    assert err.method == "PATCH"


def test_api_error_keeps_extra_body_fields() -> None:
    body = b'{"message": "refused", "checks": {"target": {"status": "failing"}}}'
    err = api_error(reply(422, body))
    assert err.body["checks"] == {"target": {"status": "failing"}}


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"x-request-id": "abc-1"}, "abc-1"),
        ({"x-datarobot-request-id": "dr-2"}, "dr-2"),
        ({"x-request-id": "abc-1", "x-datarobot-request-id": "dr-2"}, "abc-1"),
        ({}, None),
    ],
)
def test_api_error_request_id(headers: dict[str, str], expected: str | None) -> None:
    err = api_error(reply(500, b'{"message": "boom"}', headers))
    assert err.request_id == expected
    assert request_id(reply(500, headers=headers)) == expected
    if expected:
        assert expected in str(err)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422, 429, 500, 502, 503, 504])
def test_request_id_is_kept_on_4xx_too(status: int) -> None:
    # the official client keeps it only on 5xx
    err = api_error(reply(status, b"{}", {"x-request-id": "rid"}))
    assert err.request_id == "rid"


def test_api_error_html_body_from_a_proxy() -> None:
    html = b"<html><head><title>502 Bad Gateway</title></head><body>" + b"x" * 1000 + b"</html>"
    err = api_error(reply(502, html, {"content-type": "text/html"}))
    assert type(err) is ServerError
    assert err.body is None
    assert isinstance(err.message, str)
    assert err.message.startswith("<html><head><title>502 Bad Gateway")
    assert len(err.message) <= 200
    assert "502 Bad Gateway" in str(err)


def test_api_error_plain_text_body_is_stripped() -> None:
    err = api_error(reply(503, b"  Service Unavailable\n"))
    assert err.message == "Service Unavailable"


def test_api_error_whitespace_only_body_gives_no_message() -> None:
    err = api_error(reply(503, b"   \n"))
    assert err.message is None


def test_api_error_empty_body() -> None:
    err = api_error(reply(500, b""))
    assert type(err) is ServerError
    assert (err.message, err.body, err.errors) == (None, None, None)
    assert str(err) == f"500 ServerError for GET {URL}"


@pytest.mark.parametrize("body", [b"[1, 2]", b'"just a string"', b"42"])
def test_api_error_json_that_is_not_an_object(body: bytes) -> None:
    err = api_error(reply(400, body))
    assert err.message == body.decode()
    assert err.errors is None


def test_api_error_non_utf8_body() -> None:
    err = api_error(reply(500, b'{"message": "\xff\xfe"}'))
    assert type(err) is ServerError
    assert isinstance(err.message, str)
    assert "\ufffd" in err.message


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": "0.5"}, 0.5),
        ({"retry-after": "soon"}, None),
        ({}, None),
    ],
)
def test_api_error_retry_after(headers: dict[str, str], expected: float | None) -> None:
    err = api_error(reply(429, b'{"message": "slow down"}', headers, method="POST"))
    assert type(err) is RateLimitError
    assert err.retry_after == expected
    assert retry_after(reply(429, headers=headers)) == expected


def test_api_error_401_keeps_the_server_message() -> None:
    err = api_error(reply(401, b'{"message": "Invalid token"}'))
    assert type(err) is AuthenticationError
    assert err.message == "Invalid token"


@settings(max_examples=200, deadline=None)
@given(
    status=st.integers(min_value=400, max_value=599),
    body=st.one_of(
        st.binary(max_size=400),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
            lambda inner: (
                st.lists(inner, max_size=4)
                | st.dictionaries(st.sampled_from(["message", "errors", "x"]), inner, max_size=3)
            ),
            max_leaves=10,
        ).map(lambda value: msgspec.json.encode(value)),
    ),
    retry=st.one_of(st.none(), st.text(max_size=40)),
)
def test_api_error_never_raises(status: int, body: bytes, retry: str | None) -> None:
    headers = {} if retry is None else {"retry-after": retry}
    err = api_error(reply(status, body, headers))
    assert type(err) is error_class_for_status(status)
    assert err.status_code == status
    assert err.retry_after is None or err.retry_after >= 0
    str(err)


@pytest.mark.parametrize("status", [200, 201, 202, 204, 303, 399])
def test_raise_for_status_passes_below_400(status: int) -> None:
    raise_for_status(reply(status, b"whatever"))


@pytest.mark.parametrize(("status", "cls"), [(400, BadRequestError), (418, ClientError)])
def test_raise_for_status_raises_the_typed_error(status: int, cls: type[APIError]) -> None:
    with pytest.raises(cls) as info:
        raise_for_status(reply(status, b'{"message": "no"}'))
    assert type(info.value) is cls


# --- decode ---------------------------------------------------------------------------------


def test_decode_ok() -> None:
    job = decode(
        reply(200, b'{"status": "RUNNING", "statusId": "s1", "extra": 1}'), _status_decoder
    )
    assert job == JobStatus(status="RUNNING", status_id="s1")


@pytest.mark.parametrize(
    "body",
    [
        b'{"status": "RUNN',  # truncated
        b"",  # empty
        b"<html>oops</html>",  # not JSON
        b'{"status": 5}',  # wrong type
        b'{"statusId": "s1"}',  # required key missing
        b"[]",  # wrong shape
        b'{"status": "\xff\xfe"}',  # not UTF-8
    ],
)
def test_decode_error_has_status_and_excerpt(body: bytes) -> None:
    with pytest.raises(ResponseDecodeError) as info:
        decode(reply(200, body), _status_decoder)
    err = info.value
    assert err.status_code == 200
    assert err.excerpt == body.decode("utf-8", errors="replace")
    assert (err.method, err.url) == ("GET", URL)
    assert "200" in str(err)
    assert isinstance(err.__cause__, (msgspec.DecodeError, UnicodeDecodeError))


def test_decode_excerpt_is_short() -> None:
    body = b'{"status": "' + b"R" * 5000
    with pytest.raises(ResponseDecodeError) as info:
        decode(reply(200, body), _status_decoder)
    assert len(info.value.excerpt) <= 200
    assert len(str(info.value)) < 600


def test_decode_raises_the_api_error_first() -> None:
    with pytest.raises(NotFoundError):
        decode(reply(404, b'{"message": "Deployment not found."}'), _status_decoder)


def test_decode_id_body() -> None:
    assert decode(reply(202, b'{"id": "abc"}'), _id_decoder) == IdBody(id="abc")


def test_excerpt_is_lenient_and_bounded() -> None:
    assert excerpt(b"\xffok") == "\ufffdok"
    assert excerpt(b"a" * 1000) == "a" * 200


@pytest.mark.parametrize(("status", "expected"), [(204, (204,)), (200, (200, 204))])
def test_expect_status_ok(status: int, expected: tuple[int, ...]) -> None:
    response = reply(status)
    assert expect_status(response, *expected) is response


def test_expect_status_unexpected_success() -> None:
    with pytest.raises(ResponseDecodeError, match="expected HTTP 204") as info:
        expect_status(reply(200, b"{}"), 204)
    assert info.value.status_code == 200


def test_expect_status_error_status() -> None:
    with pytest.raises(NotFoundError):
        expect_status(reply(404, b"{}"), 204)


def test_encode() -> None:
    body = {"modelId": DEP_ID, "reason": MODEL_REPLACEMENT_REASON.DATA_DRIFT, "description": None}
    assert msgspec.json.decode(encode(body)) == {
        "modelId": DEP_ID,
        "reason": "DATA_DRIFT",
        "description": None,
    }


# --- check_id ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", [DEP_ID, "5ade6476c2674e8b0ff688f7", "custom-id_01", "a.b", "ABCDEF0123456789abcdef01"]
)
def test_check_id_accepts(value: str) -> None:
    assert check_id(value, "deployment id") == value


@pytest.mark.parametrize(
    "value",
    ["", "a/b", "/", "a?b", "a#b", "a b", "a\n", "\t", " lead", "trail ", "a\u00a0b", "a\u2003b"],
)
def test_check_id_refuses(value: str) -> None:
    with pytest.raises(ValueError, match="deployment id"):
        check_id(value, "deployment id")


@pytest.mark.parametrize(
    "value", ["d\u00e9p", 'a"b', "a\\b", "a<b>", "a{b}", "a|b", "a^b", "a`b", "\ud800", "\u0660"]
)
def test_check_id_refuses_what_a_url_path_cannot_carry_as_is(value: str) -> None:
    # ids go into request paths already encoded: a non-ASCII id (or a character a path must
    # escape) went out as raw bytes, a 400 "Invalid char in url path" from the server (or a
    # lone surrogate breaking the error's own message) instead of a ValueError before sending
    with pytest.raises(ValueError, match="deployment id"):
        check_id(value, "deployment id")


@pytest.mark.parametrize("value", [".", ".."])
def test_check_id_refuses_dot_segments(value: str) -> None:
    with pytest.raises(ValueError, match="model id"):
        check_id(value, "model id")


@pytest.mark.parametrize("value", [None, 123, b"5c6f7a9e9ca9b20017ff95a2", ["a"], 1.5])
def test_check_id_refuses_non_strings(value: object) -> None:
    with pytest.raises(TypeError, match="project id"):
        check_id(value, "project id")


def test_deployment_id_from_an_id_or_a_deployment() -> None:
    assert deployment_id(DEP_ID) == DEP_ID
    assert deployment_id(Deployment(id=DEP_ID, label="x")) == DEP_ID
    with pytest.raises(ValueError, match="deployment id"):
        deployment_id("a/b")
    with pytest.raises(TypeError, match="deployment id"):
        deployment_id(42)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "reason", [*MODEL_REPLACEMENT_REASON, *(r.value for r in MODEL_REPLACEMENT_REASON)]
)
def test_check_reason_accepts_the_enum_and_its_values(reason: str) -> None:
    checked = check_reason(reason)
    assert checked is MODEL_REPLACEMENT_REASON(reason)


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("accuracy", "ACCURACY"),
        (" Accuracy ", "ACCURACY"),
        ("\tdata_drift\n", "DATA_DRIFT"),
        ("Scheduled_Refresh", "SCHEDULED_REFRESH"),
        (MODEL_REPLACEMENT_REASON.OTHER, "OTHER"),
    ],
)
def test_check_reason_ignores_case_and_surrounding_spaces(reason: str, expected: str) -> None:
    assert check_reason(reason) is MODEL_REPLACEMENT_REASON(expected)


@pytest.mark.parametrize(
    "reason", ["BAD", "", "   ", "data drift", "ACCURACY!", None, 3, ["ACCURACY"]]
)
def test_check_reason_refuses_anything_else(reason: object) -> None:
    with pytest.raises(ValueError, match="unknown replacement reason") as info:
        check_reason(reason)
    assert "ACCURACY" in str(info.value)
    assert "SCHEDULED_REFRESH" in str(info.value)


# --- Location ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (f"{ENDPOINT}/status/s1/", f"{ENDPOINT}/status/s1/"),
        ("/api/v2/status/s1/", f"{ENDPOINT}/status/s1/"),
        ("../../status/s1/", f"{ENDPOINT}/status/s1/"),
        ("status/", f"{URL}status/"),
        ("https://other.test/x/", "https://other.test/x/"),
    ],
)
def test_location_resolves_against_the_request_url(value: str, expected: str) -> None:
    assert location(reply(202, headers={"location": value})) == expected


@pytest.mark.parametrize("headers", [{}, {"location": ""}])
def test_location_missing(headers: dict[str, str]) -> None:
    with pytest.raises(ResponseDecodeError, match="Location") as info:
        location(reply(202, b'{"id": "x"}', headers, method="PATCH"))
    assert info.value.status_code == 202
    assert info.value.method == "PATCH"


# --- Page -----------------------------------------------------------------------------------


def test_page_envelope() -> None:
    body = (
        b'{"count": 2, "next": "https://dr.test/api/v2/deployments/?offset=2&limit=2",'
        b' "previous": null, "data": [{"id": "a"}, {"id": "b"}], "totalCount": 8}'
    )
    page = msgspec.json.decode(body, type=Page[IdBody])
    assert page.data == [IdBody("a"), IdBody("b")]
    assert (page.count, page.total_count, page.previous) == (2, 8, None)
    assert page.next == "https://dr.test/api/v2/deployments/?offset=2&limit=2"


def test_page_optional_keys() -> None:
    page = msgspec.json.decode(b'{"data": []}', type=Page[IdBody])
    assert (page.count, page.next, page.previous, page.total_count) == (None, None, None, None)


def test_page_requires_data() -> None:
    with pytest.raises(msgspec.ValidationError, match="data"):
        msgspec.json.decode(b'{"count": 0}', type=Page[IdBody])


# --- origins (the pure part of the transport) --------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://dr.test/api/v2", ("https", "dr.test", 443)),
        ("http://dr.test/api/v2", ("http", "dr.test", 80)),
        ("HTTPS://DR.Test/api/v2", ("https", "dr.test", 443)),
        ("https://dr.test:8443/api/v2", ("https", "dr.test", 8443)),
        ("http://127.0.0.1:8080/", ("http", "127.0.0.1", 8080)),
        ("https://user:pw@dr.test/x", ("https", "dr.test", 443)),
    ],
)
def test_origin(url: str, expected: tuple[str, str, int]) -> None:
    assert origin(url) == expected


@pytest.fixture
def transport() -> Transport:
    return Transport(ENDPOINT, "Bearer secret")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("deployments/", f"{ENDPOINT}/deployments/"),
        ("/deployments/", f"{ENDPOINT}/deployments/"),
        (f"deployments/{DEP_ID}/settings/", f"{ENDPOINT}/deployments/{DEP_ID}/settings/"),
        (f"{ENDPOINT}/status/s1/", f"{ENDPOINT}/status/s1/"),
        ("https://dr.test:443/api/v2/status/s1/", "https://dr.test:443/api/v2/status/s1/"),
        ("HTTPS://DR.TEST/api/v2/x/", "HTTPS://DR.TEST/api/v2/x/"),
    ],
)
def test_url_for(transport: Transport, path: str, expected: str) -> None:
    assert transport.url_for(path) == expected


def test_url_for_with_a_trailing_slash_endpoint() -> None:
    assert Transport(ENDPOINT + "/", "x").url_for("version/") == f"{ENDPOINT}/version/"


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.test/api/v2/status/s1/",
        "http://dr.test/api/v2/status/s1/",
        "https://dr.test:8443/api/v2/status/s1/",
        "https://dr.test.evil.test/api/v2/",
        "https://dr.test@evil.test/api/v2/",
    ],
)
def test_url_for_refuses_other_origins(transport: Transport, url: str) -> None:
    with pytest.raises(CrossOriginError) as info:
        transport.url_for(url)
    assert info.value.url == url
    assert info.value.endpoint == ENDPOINT
    assert "secret" not in str(info.value)


def test_transport_repr_hides_the_authorization() -> None:
    assert "secret" not in repr(Transport(ENDPOINT, "Bearer secret"))


@pytest.mark.parametrize(
    ("endpoint", "other"),
    [
        ("https://dr.test:8443/api/v2", "http://dr.test:8443/api/v2/status/1/"),
        ("https://dr.test/api/v2", "http://dr.test:443/api/v2/status/1/"),
        ("http://127.0.0.1:8080/api/v2", "https://127.0.0.1:8080/api/v2/status/1/"),
    ],
)
def test_another_scheme_on_the_same_host_and_port_is_another_origin(endpoint, other) -> None:
    transport = Transport(endpoint, "Bearer t")
    with pytest.raises(CrossOriginError):
        transport.url_for(other)
    same = other.replace("http://", "https://") if endpoint.startswith("https") else other
    if endpoint.startswith("https"):
        assert transport.url_for(same) == same
