"""Hypothesis strategies for malformed replies: bodies, headers, statuses, URLs."""

from __future__ import annotations

import email.utils
import json
from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from .conftest import SIZES

FUZZ = settings(
    max_examples=SIZES.examples,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
"""Settings of every fuzz test: the suite's example count, no per-example deadline."""

DEP_ID = "5c6f7a9e9ca9b20017ff95a2"
MODEL_ID = "5cb9c8b979872d014a0bb080"
PROJECT_ID = "5c0a969859b00004ba52e41b"

_MODEL = {"id": MODEL_ID, "projectId": PROJECT_ID, "modelType": "GBM", "metrics": {}}
_DEPLOYMENT = {
    "id": DEP_ID,
    "label": "churn",
    "status": "active",
    "createdAt": "2025-09-17T12:26:26.105000Z",
    "model": {"id": MODEL_ID, "type": "GBM", "deployedAt": "2025-09-17T14:04:22Z"},
    "defaultPredictionServer": {"id": "p1", "url": "https://pred.example.com"},
    "serviceHealth": {"status": "passing", "startDate": None},
    "predictionUsage": {"dailyRates": [1, 2.5], "lastTimestamp": None},
    "permissions": ["CAN_VIEW"],
    "tags": [{"name": "team", "value": "risk"}],
}
_STATUS = {"statusId": "s1", "status": "RUNNING", "message": "", "code": 0}


def _page(item: dict[str, Any], next_url: str | None = None) -> dict[str, Any]:
    return {"count": 1, "next": next_url, "previous": None, "data": [item], "totalCount": 1}


VALID_BODIES: list[Any] = [
    _DEPLOYMENT,
    _page(_DEPLOYMENT),
    _MODEL,
    [_MODEL],
    _page(_MODEL),
    {"id": PROJECT_ID, "projectName": "loans", "created": "2019-08-24T14:15:22Z"},
    _page({"id": "p1", "url": "https://pred.example.com", "datarobot-key": "k"}),
    _page({"modelId": MODEL_ID, "reason": None, "startDate": "2024-01-01T00:00:00Z"}),
    {"status": "passing", "message": "ok", "checks": {"target": {"status": "passing"}}},
    {"targetDrift": {"enabled": True}, "featureDrift": {"enabled": False}},
    {"id": DEP_ID},
    _STATUS,
    {"message": "Deployment not found.", "errors": {"id": "bad"}},
]
"""One well-formed body for each kind of reply the client decodes."""

ODD_URLS = [
    "http://[",
    "http://127.0.0.1:99999/api/v2/status/1/",
    "http://127.0.0.1:abc/",
    "https://evil.test/api/v2/status/1/",
    "//evil.test/x/",
    "/api/v2/status/1/",
    "status/1/",
    "?offset=100",
    "",
    " ",
    "javascript:alert(1)",
    "http://127.0.0.1/api/v2/\x00/",
    "http://user:pass@127.0.0.1/api/v2/",
    "h" * 5000,
]

_ODD_NUMBERS = [10**400, -(10**400), 2**63, -(2**63) - 1, 2**64, 1e308, -1e308, 5e-324, -0.0]
_ODD_TEXT = ["", " ", "null", "RUNNING", "COMPLETED", "ERROR", "\u0000", "\ud7ff", "é" * 50]


def json_values(extra_text: list[str] | None = None) -> st.SearchStrategy[Any]:
    """Any JSON value, leaning on the edges: huge numbers, odd strings, URLs, nesting."""
    leaves = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.sampled_from(_ODD_NUMBERS),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=12),
        st.sampled_from(_ODD_TEXT + ODD_URLS + (extra_text or [])),
    )
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(st.text(max_size=12), inner, max_size=4),
        ),
        max_leaves=16,
    )


def _mutate(value: Any, draw: st.DrawFn, replacement: st.SearchStrategy[Any]) -> Any:
    """Replace, drop or keep each field of a JSON value, recursively."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            choice = draw(st.integers(0, 5))
            if choice == 0:
                continue  # a missing field
            out[key] = draw(replacement) if choice == 1 else _mutate(item, draw, replacement)
        if draw(st.booleans()):
            out[draw(st.text(max_size=8))] = draw(replacement)  # an unknown field
        return out
    if isinstance(value, list):
        return [_mutate(item, draw, replacement) for item in value]
    return draw(replacement) if draw(st.integers(0, 3)) == 0 else value


_SPECIALS = [
    b"",
    b"null",
    b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
    b"\xef\xbb\xbf" + json.dumps(_DEPLOYMENT).encode(),  # a byte order mark
    json.dumps(_DEPLOYMENT).encode("utf-16"),
    b'{"id": NaN}',
    b'{"id": "a", "id": 1}',
    b"[" * 5000 + b"]" * 5000,
    b'{"id": "' + DEP_ID.encode() + b'", "tags": ' + b"[" * 3000 + b"]" * 3000 + b"}",
    b'{"message": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    b'{"id": "x", "projectId": "p", "metrics": {"a": ' + b"{" * 3000 + b"}" * 3000 + b"}}",
    b'{"status": "RUNNING", "code": ' + b"9" * 5000 + b"}",
    b'{"message": "' + b"\xff\xfe" * 10 + b'"}',
]


@st.composite
def bodies(draw: st.DrawFn, extra_text: list[str] | None = None) -> bytes:
    """A reply body: well-formed, subtly wrong, truncated, not UTF-8, or not JSON at all."""
    kind = draw(st.integers(0, 5))
    if kind == 0:
        return draw(st.binary(max_size=300))
    if kind == 1:
        return draw(st.sampled_from(_SPECIALS))
    if kind == 2:
        return json.dumps(draw(json_values(extra_text))).encode()
    body = json.dumps(
        _mutate(draw(st.sampled_from(VALID_BODIES)), draw, json_values(extra_text))
    ).encode()
    if kind == 4 and body:
        body = body[: draw(st.integers(0, len(body) - 1))]  # truncated
    if kind == 5 and body:
        at = draw(st.integers(0, len(body)))
        body = body[:at] + draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80"])) + body[at:]
    return body


_ODD_RETRY_AFTER = [
    "0", "-1", "1.5", "-0.5", "1e3", "1e400", "9" * 400, "NaN", "inf", "-inf", " 3 ", "3, 4",
    "٣", "0x10", "", "Wed, 21 Oct 2015 07:28:00 GMT", "Wed, 21 Oct 2015 07:28:00 +2400",
    "Mon, 01 Jan 0000 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 -2359", "tomorrow",
]  # fmt: skip


def retry_after_values() -> st.SearchStrategy[str]:
    """``Retry-After`` values: sane, absurd, negative, fractional, dates near and far."""
    dates = st.datetimes(
        min_value=datetime(1, 1, 2),  # made aware below
        max_value=datetime(9999, 12, 30),
    ).map(lambda d: email.utils.format_datetime(d.replace(tzinfo=timezone.utc), usegmt=True))
    near = st.integers(-100, 100).map(
        lambda s: email.utils.format_datetime(
            datetime.now(timezone.utc) + timedelta(seconds=s), usegmt=True
        )
    )
    return st.one_of(
        st.integers(-(10**30), 10**30).map(str),
        st.sampled_from(_ODD_RETRY_AFTER),
        dates,
        near,
        st.text(max_size=30),
    )


def header_values(extra: list[str] | None = None) -> st.SearchStrategy[str]:
    """Header values an HTTP server can send (no CR/LF), odd ones included."""
    return st.one_of(
        st.sampled_from(ODD_URLS + (extra or [])),
        st.text(st.characters(codec="utf-8", exclude_characters="\r\n\x00"), max_size=40),
    ).filter(lambda v: "\r" not in v and "\n" not in v and "\x00" not in v)


def response_headers(extra_urls: list[str] | None = None) -> st.SearchStrategy[dict[str, str]]:
    """A random subset of the headers the client reads."""
    return st.fixed_dictionaries(
        {},
        optional={
            "location": header_values(extra_urls),
            "retry-after": retry_after_values().filter(
                lambda v: "\r" not in v and "\n" not in v and "\x00" not in v
            ),
            "content-type": st.sampled_from(
                ["application/json", "application/json; charset=utf-8", "text/html", "", "x/y"]
            ),
            "x-request-id": header_values(),
        },
    )


def statuses() -> st.SearchStrategy[int]:
    """Mostly the statuses the protocol uses, and any other one."""
    return st.one_of(
        st.sampled_from([200, 201, 202, 204, 303, 307, 400, 401, 404, 409, 422, 429, 500, 503]),
        st.integers(200, 599),
    )
