"""Deployment list, get, create, update and delete against the contract."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from aiodeploy.emulator import Emulator

from .helpers import FakeClock, call

_DEPLOYMENT_KEYS = {
    "id", "label", "description", "status", "importance", "createdAt",
    "defaultPredictionServer", "model", "modelPackage", "predictionUsage", "permissions",
    "serviceHealth", "modelHealth", "accuracyHealth", "tags",
}  # fmt: skip


async def _all_pages(session: aiohttp.ClientSession, url: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    next_url: str | None = url
    while next_url:
        status, _, page = await call(session, "GET", next_url)
        assert status == 200
        assert page["count"] == len(page["data"])
        items.extend(page["data"])
        next_url = page["next"]
    return items


async def test_pagination_over_many_deployments(
    emulators: Callable[..., Awaitable[Emulator]], session: aiohttp.ClientSession
) -> None:
    emu = await emulators(deployments=230)
    status, _, first = await call(session, "GET", f"{emu.endpoint}/deployments/")
    assert status == 200
    assert (first["count"], first["totalCount"], first["previous"]) == (20, 230, None)
    assert first["next"] == f"{emu.endpoint}/deployments/?offset=20&limit=20"
    items = await _all_pages(session, f"{emu.endpoint}/deployments/?limit=100")
    assert len(items) == len({d["id"] for d in items}) == 230
    _, _, last = await call(session, "GET", f"{emu.endpoint}/deployments/?offset=200&limit=100")
    assert last["next"] is None
    assert last["previous"] == f"{emu.endpoint}/deployments/?offset=100&limit=100"


async def test_links_keep_other_parameters(emu: Emulator, session: aiohttp.ClientSession) -> None:
    url = f"{emu.endpoint}/deployments/?search=CHURN&orderBy=-label&limit=3&offset=3"
    _, _, page = await call(session, "GET", url)
    for link in (page["next"], page["previous"]):
        parts = urlsplit(link)
        assert f"{parts.scheme}://{parts.netloc}" == emu.url
        query = parse_qs(parts.query)
        assert query["search"] == ["CHURN"]
        assert query["orderBy"] == ["-label"]
    assert parse_qs(urlsplit(page["previous"]).query)["offset"] == ["0"]


async def test_search_is_case_insensitive_on_label_and_description(
    emu: Emulator, session: aiohttp.ClientSession
) -> None:
    churn = await _all_pages(session, f"{emu.endpoint}/deployments/?search=ChUrN")
    assert churn
    assert all(d["label"].startswith("churn-") for d in churn)
    by_description = await _all_pages(session, f"{emu.endpoint}/deployments/?search=sale%20PRICES")
    assert by_description
    assert all(d["label"].startswith("house-price-") for d in by_description)


@pytest.mark.parametrize("order", ["label", "createdAtTimestamp", "importance", "serviceHealth"])
async def test_order_by(emu: Emulator, session: aiohttp.ClientSession, order: str) -> None:
    asc = await _all_pages(session, f"{emu.endpoint}/deployments/?orderBy={order}&limit=100")
    desc = await _all_pages(session, f"{emu.endpoint}/deployments/?orderBy=-{order}&limit=100")
    assert [d["id"] for d in desc] == [d["id"] for d in reversed(asc)]
    if order == "label":
        assert [d["label"] for d in asc] == sorted(d["label"] for d in asc)
    if order == "createdAtTimestamp":
        assert [d["createdAt"] for d in asc] == sorted(d["createdAt"] for d in asc)


async def test_default_order_is_label(emu: Emulator, session: aiohttp.ClientSession) -> None:
    items = await _all_pages(session, f"{emu.endpoint}/deployments/")
    assert [d["label"] for d in items] == sorted(d["label"] for d in items)


async def test_filters(emu: Emulator, session: aiohttp.ClientSession) -> None:
    everything = await _all_pages(session, f"{emu.endpoint}/deployments/")
    inactive = await _all_pages(session, f"{emu.endpoint}/deployments/?status=inactive")
    assert inactive
    assert all(d["status"] == "inactive" for d in inactive)
    assert len(inactive) == sum(d["status"] == "inactive" for d in everything)
    owned = await _all_pages(session, f"{emu.endpoint}/deployments/?role=OWNER")
    assert len(owned) == len(everything)
    assert await _all_pages(session, f"{emu.endpoint}/deployments/?role=USER") == []
    health = await _all_pages(session, f"{emu.endpoint}/deployments/?serviceHealth=failing,warning")
    assert {d["serviceHealth"]["status"] for d in health} <= {"failing", "warning"}
    both = await _all_pages(session, f"{emu.endpoint}/deployments/?status=active&search=iris")
    assert all(d["status"] == "active" and d["label"].startswith("iris") for d in both)
    regression = await _all_pages(
        session, f"{emu.endpoint}/deployments/?championModelTargetType=regression"
    )
    assert regression
    assert {d["model"]["targetType"] for d in regression} == {"Regression"}
    tagged = await _all_pages(session, f"{emu.endpoint}/deployments/?tagKeys=a&tagKeys=b")
    assert tagged == []
    # seed deployments carry team and environment tags; keys OR values, keys AND values
    risk = await _all_pages(session, f"{emu.endpoint}/deployments/?tagValues=risk")
    assert risk
    assert {d["label"].rsplit("-", 1)[0] for d in risk} == {"credit-risk"}
    teams = await _all_pages(session, f"{emu.endpoint}/deployments/?tagKeys=team&tagKeys=x")
    assert len(teams) == len(everything)
    staged = await _all_pages(
        session, f"{emu.endpoint}/deployments/?tagKeys=environment&tagValues=staging"
    )
    assert staged
    assert {d["status"] for d in staged} == {"inactive"}
    dedicated = await _all_pages(
        session, f"{emu.endpoint}/deployments/?predictionEnvironmentPlatform=datarobot"
    )
    assert len(dedicated) == len(everything)
    assert (
        await _all_pages(session, f"{emu.endpoint}/deployments/?predictionEnvironmentPlatform=aws")
        == []
    )


@pytest.mark.parametrize(
    ("query", "param", "fragment"),
    [
        ("limit=101", "limit", "greater than 100"),
        ("limit=0", "limit", "less than 1"),
        ("offset=-1", "offset", "less than 0"),
        ("limit=ten", "limit", "converted to int"),
        ("orderBy=colour", "orderBy", "variant"),
        ("status=sleeping", "status", "sleeping"),
        ("role=ADMIN", "role", "ADMIN"),
        ("unslicedOnly=true", "unslicedOnly", "unslicedOnly is not allowed key"),
        ("isA2AAgent=maybe", "isA2AAgent", "Bool"),
    ],
)
async def test_bad_list_parameters_are_400(
    emu: Emulator, session: aiohttp.ClientSession, query: str, param: str, fragment: str
) -> None:
    status, _, body = await call(session, "GET", f"{emu.endpoint}/deployments/?{query}")
    assert status == 400
    assert fragment in body["message"][param]


async def test_get_deployment_shape(emu: Emulator, session: aiohttp.ClientSession) -> None:
    record = emu.state.live_deployments()[0]
    status, _, body = await call(session, "GET", f"{emu.endpoint}/deployments/{record.id}/")
    assert status == 200
    assert set(body) >= _DEPLOYMENT_KEYS
    assert set(body["model"]) >= {
        "id", "type", "targetName", "targetType", "projectId", "projectName",
        "unsupervisedMode", "deployedAt",
    }  # fmt: skip
    assert set(body["defaultPredictionServer"]) == {"id", "url", "datarobot-key"}
    assert len(body["predictionUsage"]["dailyRates"]) == 7
    assert all(isinstance(p, str) for p in body["permissions"])
    for health in ("serviceHealth", "modelHealth", "accuracyHealth", "fairnessHealth"):
        # the week up to the hour after the last prediction: whole hours, 7 days apart
        start, end = body[health]["startDate"], body[health]["endDate"]
        assert start.endswith(":00:00.000000Z")
        assert end.endswith(":00:00.000000Z")
        assert start < end
    assert body["fairnessHealth"]["message"] != body["accuracyHealth"]["message"]
    model = emu.state.current_model(record.id)
    assert body["modelPackage"]["id"] == model.package_id != model.id
    assert body["modelPackage"]["registeredModelId"]
    assert body["predictionEnvironment"]["platform"] == "datarobot"
    assert {t["name"] for t in body["tags"]} == {"team", "environment"}
    assert body["owners"]["count"] == 1
    status, _, body = await call(session, "GET", f"{emu.endpoint}/deployments/{'f' * 24}/")
    assert (status, body) == (404, {"message": "Deployment not found."})


async def test_create_from_learning_model(
    emu: Emulator, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    model = emu.state.catalog.models[7]
    payload = {"modelId": model.id, "label": "fresh", "description": "d", "importance": "HIGH"}
    status, headers, body = await call(
        session, "POST", f"{emu.endpoint}/deployments/fromLearningModel/", json=payload
    )
    assert status == 202
    new_id = body["id"]
    assert headers["Location"].startswith(f"{emu.endpoint}/status/")
    # not readable until the creation job completes
    assert (await call(session, "GET", f"{emu.endpoint}/deployments/{new_id}/"))[0] == 404
    status, _, job = await call(session, "GET", headers["Location"])
    assert status == 200
    assert job["status"] in ("INITIALIZED", "RUNNING")
    clock.advance(1.0)
    status, done_headers, _ = await call(session, "GET", headers["Location"])
    assert status == 303
    assert done_headers["Location"] == f"{emu.endpoint}/deployments/{new_id}/"
    status, _, created = await call(session, "GET", done_headers["Location"])
    assert status == 200
    assert (created["label"], created["importance"], created["model"]["id"]) == (
        "fresh", "HIGH", model.id,
    )  # fmt: skip
    listed = await _all_pages(session, f"{emu.endpoint}/deployments/?search=fresh")
    assert [d["id"] for d in listed] == [new_id]


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ({"label": "x"}, 422, "modelId"),
        ({"modelId": "MODEL"}, 422, "label"),
        ({"modelId": "MODEL", "label": 7}, 422, "label"),
        ({"modelId": "MODEL", "label": "   "}, 422, "label"),
        ({"modelId": "MODEL", "label": "x", "importance": "URGENT"}, 422, "importance"),
        ({"modelId": "MODEL", "label": "x", "colour": "red"}, 422, "colour"),
        ({"modelId": "f" * 24, "label": "x"}, 404, None),
        ({"modelId": "MODEL", "label": "x", "defaultPredictionServerId": "nope"}, 404, None),
    ],
)
async def test_create_rejects_bad_input(
    emu: Emulator,
    session: aiohttp.ClientSession,
    payload: dict[str, Any],
    status: int,
    field: str | None,
) -> None:
    payload = {k: emu.state.catalog.models[0].id if v == "MODEL" else v for k, v in payload.items()}
    got, _, body = await call(
        session, "POST", f"{emu.endpoint}/deployments/fromLearningModel/", json=payload
    )
    assert got == status
    if field:
        assert field in body["errors"]


async def test_update_label_description_importance(
    emu: Emulator, session: aiohttp.ClientSession
) -> None:
    record = emu.state.live_deployments()[2]
    url = f"{emu.endpoint}/deployments/{record.id}/"
    changes = {"label": "renamed", "description": None, "importance": "CRITICAL"}
    status, _, body = await call(session, "PATCH", url, json=changes)
    assert (status, body) == (204, None)
    _, _, after = await call(session, "GET", url)
    assert (after["label"], after["description"], after["importance"]) == (
        "renamed", None, "CRITICAL",
    )  # fmt: skip
    for bad in ({"label": 1}, {"importance": "urgent"}, {"status": "inactive"}, {}):
        status, _, body = await call(session, "PATCH", url, json=bad)
        assert status == 422, bad
        assert body["message"] == "Invalid field data"


async def test_soft_delete(emu: Emulator, session: aiohttp.ClientSession) -> None:
    record = emu.state.live_deployments()[0]
    url = f"{emu.endpoint}/deployments/{record.id}/"
    status, _, body = await call(session, "DELETE", url)
    assert (status, body) == (204, None)
    assert (await call(session, "GET", url))[0] == 404
    assert (await call(session, "DELETE", url))[0] == 404
    _, _, deleted = await call(session, "GET", f"{emu.endpoint}/deletedDeployments/")
    assert set(deleted) == {"count", "data", "next", "previous"}
    assert deleted["count"] == 1
    assert deleted["data"][0]["id"] == record.id
    assert deleted["data"][0]["label"] == record.label
    assert deleted["data"][0]["deletedAt"].endswith("Z")
    listed = await _all_pages(session, f"{emu.endpoint}/deployments/?limit=100")
    assert record.id not in {d["id"] for d in listed}


async def test_capabilities(emu: Emulator, session: aiohttp.ClientSession) -> None:
    record = emu.state.live_deployments()[0]
    url = f"{emu.endpoint}/deployments/{record.id}/capabilities/"
    status, _, body = await call(session, "GET", url)
    assert status == 200
    names = {c["name"]: c["supported"] for c in body["data"]}
    assert names["supportsModelReplacement"] is True
