"""A policy's selection on the wire: the list query it sends, and the tag pairs checked on
our side (the list route can only ask for tag keys and values apart)."""

from __future__ import annotations

import re

import pytest
from yarl import URL

from aiodeploy import Policy
from tests.conftest import ENDPOINT

from . import samples

LIST = re.compile(rf"^{re.escape(ENDPOINT)}/deployments/\?.*$")
A, B, C = "a" * 24, "b" * 24, "c" * 24


def _tagged(dep_id: str, **tags: str) -> dict[str, object]:
    return samples.deployment(
        dep_id, tags=[{"id": f"{i}" * 24, "name": n, "value": v} for i, (n, v) in
                      enumerate(tags.items())],
    )  # fmt: skip


def _page(*items: dict[str, object]) -> dict[str, object]:
    return {"count": len(items), "next": None, "previous": None, "data": list(items),
            "totalCount": len(items)}  # fmt: skip


async def test_tag_pairs_are_checked_on_our_side(mock_api, client) -> None:
    mock_api.get(LIST, payload=_page(
        _tagged(A, team="risk", tier="gold"),
        _tagged(B, team="gold", tier="risk"),  # the same keys and values, paired otherwise
        _tagged(C, team="risk"),
    ))  # fmt: skip
    for dep_id in (A, B, C):
        mock_api.get(f"{ENDPOINT}/deployments/{dep_id}/settings/", payload={})
    policy = Policy.from_dict({
        "select": {"tags": {"team": "risk", "tier": "gold"}, "importance": ["HIGH"]},
        "settings": {"predictions_data_collection": {"enabled": True}},
    })  # fmt: skip
    plan = await client.plan_policy(policy)
    assert [item.deployment_id for item in plan.items] == [A]
    ((method, url),) = [key for key in mock_api.requests if key[1].path.endswith("/deployments/")]
    assert method == "GET"
    assert url.query.getall("tagKeys") == ["team", "tier"]
    assert url.query.getall("tagValues") == ["gold", "risk"]
    assert url.query["importance"] == "HIGH"
    assert url.query["limit"] == "100"
    assert [c.family for c in plan.items[0].changes] == ["predictions_data_collection"]
    # only the one selected deployment's settings were read
    reads = [u for (m, u) in mock_api.requests if m == "GET" and u.path.endswith("/settings/")]
    assert reads == [URL(f"{ENDPOINT}/deployments/{A}/settings/")]


async def test_a_policy_given_as_data_is_a_type_error_before_any_request(mock_api, client) -> None:
    # a dict (what Policy.from_dict takes) used to fail deep inside with an AttributeError
    data = {"select": "all", "settings": {"drift_tracking": {"target_drift_enabled": True}}}
    with pytest.raises(TypeError, match=r"Policy\.from_dict"):
        await client.plan_policy(data)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"Policy\.from_dict"):
        await client.apply_policy(data)  # type: ignore[arg-type]
    assert not mock_api.requests
