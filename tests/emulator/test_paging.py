"""The paging helper every emulator list route uses (pure: no server)."""

from __future__ import annotations

import pytest
from multidict import MultiDict
from yarl import URL

from aiodeploy.emulator._errors import ApiError
from aiodeploy.emulator._paging import Paging, Window

_URL = URL("http://127.0.0.1:1/api/v2/things/?search=x&limit=2&offset=2")


def test_envelope_links_keep_other_parameters_and_total_is_optional() -> None:
    items = list(range(5))
    window = Paging().read_query(MultiDict(offset="2", limit="2"))
    body = Paging(total_count=True).envelope(_URL, items, window, lambda i: i * 10)
    assert body == {
        "count": 2,
        "next": "http://127.0.0.1:1/api/v2/things/?search=x&limit=2&offset=4",
        "previous": "http://127.0.0.1:1/api/v2/things/?search=x&limit=2&offset=0",
        "data": [20, 30],
        "totalCount": 5,
    }
    assert "totalCount" not in Paging().envelope(_URL, items, window, lambda i: i)


def test_zero_means_all_has_no_links() -> None:
    paging = Paging(default_limit=0, max_limit=None, zero_means_all=True)
    window = paging.read_query(MultiDict(offset="1"))
    assert window == Window(1, 0)
    body = paging.envelope(_URL, list(range(4)), window, lambda i: i)
    assert (body["data"], body["next"], body["previous"]) == ([1, 2, 3], None, None)
    assert paging.read_query(MultiDict(limit="5000")).limit == 5000


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ({"limit": "101"}, {"limit": "value is greater than 100"}),
        ({"limit": "0"}, {"limit": "value is less than 1"}),
        ({"offset": "-1"}, {"offset": "value is less than 0"}),
        (
            {"limit": "x", "q": "1"},
            {"q": "q is not allowed key", "limit": "value can't be converted to int"},
        ),
    ],
)
def test_bad_parameters_are_a_400(query: dict[str, str], errors: dict[str, str]) -> None:
    with pytest.raises(ApiError) as exc:
        Paging().read_query(MultiDict(query))
    assert (exc.value.status, exc.value.body) == (400, {"message": errors})
