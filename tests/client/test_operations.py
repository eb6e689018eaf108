"""Each operation's request(s) on the wire: method, path, body, headers (aioresponses)."""

from __future__ import annotations

import json
import re

import pytest
from yarl import URL

import aiodeploy
from aiodeploy import MODEL_REPLACEMENT_REASON
from tests.conftest import ENDPOINT, TOKEN

from . import samples
from .samples import DEP_ID, MODEL_ID, NEW_MODEL_ID, PROJECT_ID

STATUS_URL = f"{ENDPOINT}/status/{samples.STATUS_ID}/"
DEP_URL = f"{ENDPOINT}/deployments/{DEP_ID}/"


def sent(mock_api, method: str, url: str) -> list:
    return mock_api.requests.get((method, URL(url)), [])


def body_of(call) -> dict:
    return json.loads(call.kwargs["data"])


async def test_get_deployment_sends_auth_and_decodes(mock_api, client) -> None:
    mock_api.get(DEP_URL, payload=samples.deployment())
    dep = await client.get_deployment(DEP_ID)
    (call,) = sent(mock_api, "GET", DEP_URL)
    headers = call.kwargs["headers"]
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert headers["User-Agent"].startswith(f"aiodeploy/{aiodeploy.__version__} aiohttp/")
    assert call.kwargs["allow_redirects"] is False
    assert dep.id == DEP_ID
    assert dep.model is not None
    assert dep.model.id == MODEL_ID
    assert dep.default_prediction_server is not None
    assert dep.default_prediction_server.datarobot_key == "27782"


async def test_token_type_token_is_selectable(mock_api) -> None:
    mock_api.get(DEP_URL, payload=samples.deployment())
    async with aiodeploy.AsyncDeploymentClient(ENDPOINT, TOKEN, token_type="Token") as api:
        await api.get_deployment(DEP_ID)
    (call,) = sent(mock_api, "GET", DEP_URL)
    assert call.kwargs["headers"]["Authorization"] == f"Token {TOKEN}"


async def test_deployment_object_is_accepted_wherever_an_id_is(mock_api, client) -> None:
    mock_api.get(DEP_URL, payload=samples.deployment(), repeat=True)
    dep = await client.get_deployment(DEP_ID)
    again = await client.get_deployment(dep)
    assert again == dep
    assert len(sent(mock_api, "GET", DEP_URL)) == 2


async def test_project_and_model_reads(mock_api, client) -> None:
    mock_api.get(f"{ENDPOINT}/projects/{PROJECT_ID}/", payload=samples.project())
    mock_api.get(f"{ENDPOINT}/projects/", payload=[samples.project()])
    mock_api.get(
        f"{ENDPOINT}/projects/{PROJECT_ID}/models/",
        payload=[samples.model(), samples.model(NEW_MODEL_ID)],
    )
    mock_api.get(f"{ENDPOINT}/projects/{PROJECT_ID}/models/{MODEL_ID}/", payload=samples.model())

    project = await client.get_project(PROJECT_ID)
    assert (project.target, project.target_type) == ("is_bad", "Binary")
    assert [p.id for p in await client.list_projects()] == [PROJECT_ID]
    models = await client.list_models(PROJECT_ID)
    assert [m.id for m in models] == [MODEL_ID, NEW_MODEL_ID]
    model = await client.get_model(PROJECT_ID, MODEL_ID)
    assert model.model_type == "Gradient Boosted Trees Classifier"
    assert model.metrics["AUC"]["validation"] == 0.87


async def test_paginated_list_routes_follow_next(mock_api, client) -> None:
    second = f"{ENDPOINT}/projects/?offset=1&limit=1"
    mock_api.get(
        f"{ENDPOINT}/projects/",
        payload={"count": 1, "next": second, "previous": None, "data": [samples.project()]},
    )
    mock_api.get(
        second,
        payload={"count": 1, "next": None, "previous": None, "data": [samples.project("p2")]},
    )
    assert [p.id for p in await client.list_projects()] == [PROJECT_ID, "p2"]


async def test_list_prediction_servers(mock_api, client) -> None:
    mock_api.get(
        f"{ENDPOINT}/predictionServers/",
        payload={
            "count": 1,
            "next": None,
            "previous": None,
            "data": [
                {
                    "id": "5c9ba71a79bffe18c00c6fd6",
                    "url": "https://example.orm.datarobot.com",
                    "datarobot-key": "7d13ed21",
                    "batchPredictions": {"processing": 0, "queued": 0},
                }
            ],
        },
    )
    (server,) = await client.list_prediction_servers()
    assert (server.url, server.datarobot_key) == ("https://example.orm.datarobot.com", "7d13ed21")


async def test_create_from_learning_model_waits_for_the_job(mock_api, client, clock) -> None:
    mock_api.post(
        f"{ENDPOINT}/deployments/fromLearningModel/",
        status=202,
        payload={"id": DEP_ID},
        headers={"Location": STATUS_URL},
    )
    mock_api.get(STATUS_URL, payload=samples.status("INITIALIZED"))
    mock_api.get(STATUS_URL, status=303, headers={"Location": DEP_URL})
    mock_api.get(DEP_URL, payload=samples.deployment())

    dep = await client.create_deployment_from_learning_model(
        MODEL_ID, "churn", description="d", default_prediction_server_id="5a7c7a72192765001fc22769"
    )

    assert dep.id == DEP_ID
    (post,) = sent(mock_api, "POST", f"{ENDPOINT}/deployments/fromLearningModel/")
    assert body_of(post) == {
        "modelId": MODEL_ID,
        "label": "churn",
        "description": "d",
        "defaultPredictionServerId": "5a7c7a72192765001fc22769",
    }
    assert post.kwargs["headers"]["Content-Type"] == "application/json"
    assert len(sent(mock_api, "GET", STATUS_URL)) == 2
    assert clock.sleeps[0] == pytest.approx(0.2, rel=0.11)


async def test_create_accepts_a_200_without_a_job(mock_api, client) -> None:
    mock_api.post(f"{ENDPOINT}/deployments/fromLearningModel/", payload={"id": DEP_ID})
    mock_api.get(DEP_URL, payload=samples.deployment())
    dep = await client.create_deployment_from_learning_model(MODEL_ID, "churn")
    assert dep.id == DEP_ID


async def test_create_refuses_an_empty_label_before_any_request(mock_api, client) -> None:
    with pytest.raises(ValueError, match="label"):
        await client.create_deployment_from_learning_model(MODEL_ID, "  ")
    assert mock_api.requests == {}


def _page(ids: list[str], total: int, next_url: str | None) -> dict:
    return {
        "count": len(ids),
        "next": next_url,
        "previous": None,
        "totalCount": total,
        "data": [samples.deployment(i) for i in ids],
    }


async def test_list_deployments_fetches_remaining_pages_concurrently(mock_api, client) -> None:
    ids = [f"{i:024x}" for i in range(250)]
    base = f"{ENDPOINT}/deployments/"
    mock_api.get(
        f"{base}?limit=100&search=churn&orderBy=-label",
        payload=_page(ids[:100], 250, f"{base}?offset=100&limit=100"),
    )
    # each page starts with the item the one before ended with: boundaries can be checked
    mock_api.get(
        f"{base}?limit=100&offset=99&search=churn&orderBy=-label",
        payload=_page(ids[99:199], 250, "x"),
    )
    mock_api.get(
        f"{base}?limit=100&offset=198&search=churn&orderBy=-label",
        payload=_page(ids[198:], 250, None),
    )

    deployments = await client.list_deployments(search="churn", order_by="-label")

    assert [d.id for d in deployments] == ids
    assert sum(len(v) for v in mock_api.requests.values()) == 3


async def test_list_deployments_without_total_count_follows_next(mock_api, client) -> None:
    base = f"{ENDPOINT}/deployments/"
    page1 = _page(["a"], 0, f"{base}?offset=1&limit=1")
    page2 = _page(["b"], 0, None)
    del page1["totalCount"], page2["totalCount"]
    mock_api.get(f"{base}?limit=100", payload=page1)
    mock_api.get(f"{base}?offset=1&limit=1", payload=page2)
    assert [d.id for d in await client.list_deployments()] == ["a", "b"]


async def test_list_deployments_reads_a_list_that_shifted_again(mock_api, client) -> None:
    base = f"{ENDPOINT}/deployments/"
    before = [f"{i:024x}" for i in range(101)]
    after = ["f" * 24, *before]  # a deployment that sorts first was created meanwhile
    mock_api.get(f"{base}?limit=100", payload=_page(before[:100], 101, "x"))
    # page 2 was read after the insert: it starts one item early, and the count moved
    mock_api.get(f"{base}?limit=100&offset=99", payload=_page(after[99:], 102, None))
    mock_api.get(f"{base}?limit=100", payload=_page(after[:100], 102, "x"))
    mock_api.get(f"{base}?limit=100&offset=99", payload=_page(after[99:], 102, None))
    assert [d.id for d in await client.list_deployments()] == after
    assert sum(len(v) for v in mock_api.requests.values()) == 4


async def test_list_filters_are_sent_as_query_parameters(mock_api, client) -> None:
    mock_api.get(
        re.compile(rf"^{re.escape(ENDPOINT)}/deployments/\?.*$"), payload=_page([], 0, None)
    )
    await client.list_deployments(
        status=["active", "inactive"], role="OWNER", filters={"serviceHealth": "failing,warning"}
    )
    ((_, url),) = mock_api.requests.keys()
    assert url.query.getall("status") == ["active", "inactive"]
    assert url.query["role"] == "OWNER"
    assert url.query["serviceHealth"] == "failing,warning"
    assert url.query["limit"] == "100"


async def test_iter_deployments_fetches_pages_lazily(mock_api, client) -> None:
    ids = [f"{i:024x}" for i in range(150)]
    base = f"{ENDPOINT}/deployments/"
    mock_api.get(f"{base}?limit=100", payload=_page(ids[:100], 150, "x"))
    mock_api.get(f"{base}?limit=100&offset=99", payload=_page(ids[99:], 150, None))
    seen = []
    async for dep in client.iter_deployments():
        seen.append(dep.id)
        if len(seen) == 100:
            assert sum(len(v) for v in mock_api.requests.values()) == 1
    assert seen == ids


async def test_delete_deployment(mock_api, client) -> None:
    mock_api.get(DEP_URL, payload=samples.deployment())  # read first: see test_settle.py
    mock_api.delete(DEP_URL, status=204)
    assert await client.delete_deployment(DEP_ID) is None
    assert len(sent(mock_api, "DELETE", DEP_URL)) == 1


async def test_validate_replacement_model(mock_api, client) -> None:
    url = f"{DEP_URL}model/validation/"
    mock_api.post(
        url,
        payload={
            "status": "warning",
            "message": "Model can be used to replace the current model.",
            "checks": {
                "target": {"status": "passing", "message": "Same target."},
                "features": {"status": "warning", "message": "Needs extra feature: age."},
            },
        },
    )
    status, message, checks = await client.validate_replacement_model(DEP_ID, NEW_MODEL_ID)
    assert status == "warning"
    assert "replace" in (message or "")
    assert checks["features"].status == "warning"
    (call,) = sent(mock_api, "POST", url)
    assert body_of(call) == {"modelId": NEW_MODEL_ID}


async def test_replace_model_patches_waits_and_refreshes(mock_api, client, clock) -> None:
    mock_api.patch(f"{DEP_URL}model/", status=202, headers={"Location": STATUS_URL})
    for _ in range(3):
        mock_api.get(STATUS_URL, payload=samples.status("RUNNING"))
    mock_api.get(STATUS_URL, status=303, headers={"Location": DEP_URL})
    mock_api.get(DEP_URL, payload=samples.deployment(model_id=NEW_MODEL_ID))

    dep = await client.replace_model(DEP_ID, NEW_MODEL_ID, MODEL_REPLACEMENT_REASON.ACCURACY)

    assert dep.model is not None
    assert dep.model.id == NEW_MODEL_ID
    (patch,) = sent(mock_api, "PATCH", f"{DEP_URL}model/")
    assert body_of(patch) == {"modelId": NEW_MODEL_ID, "reason": "ACCURACY"}
    assert len(sent(mock_api, "GET", STATUS_URL)) == 4
    # backoff polling, not the official client's fixed 5 s
    assert len(clock.sleeps) == 4
    assert clock.sleeps == sorted(clock.sleeps)
    assert sum(clock.sleeps) < 2.0


async def test_replace_model_refused_by_validation_carries_the_checks(mock_api, client) -> None:
    checks = {"target": {"status": "failing", "message": "Different target."}}
    mock_api.patch(
        f"{DEP_URL}model/", status=422, payload={"message": "Validation failed", "checks": checks}
    )
    with pytest.raises(aiodeploy.UnprocessableEntityError) as info:
        await client.replace_model(DEP_ID, NEW_MODEL_ID, "DATA_DRIFT")
    assert info.value.body["checks"] == checks
    assert info.value.status_code == 422
    assert len(sent(mock_api, "PATCH", f"{DEP_URL}model/")) == 1  # a 422 is never retried


async def test_replace_model_job_error_is_typed(mock_api, client) -> None:
    mock_api.patch(f"{DEP_URL}model/", status=202, headers={"Location": STATUS_URL})
    mock_api.get(STATUS_URL, payload=samples.status("ERROR", "model could not be loaded"))
    with pytest.raises(aiodeploy.AsyncProcessUnsuccessfulError, match="could not be loaded"):
        await client.replace_model(DEP_ID, NEW_MODEL_ID, "OTHER")


async def test_replace_model_refuses_an_unknown_reason_before_any_request(mock_api, client):
    with pytest.raises(ValueError, match="unknown replacement reason"):
        await client.replace_model(DEP_ID, NEW_MODEL_ID, "BECAUSE")
    assert mock_api.requests == {}


async def test_replace_model_times_out_within_max_wait(mock_api, client, clock) -> None:
    mock_api.patch(f"{DEP_URL}model/", status=202, headers={"Location": STATUS_URL})
    mock_api.get(STATUS_URL, payload=samples.status("RUNNING"), repeat=True)
    with pytest.raises(aiodeploy.AsyncTimeoutError) as info:
        await client.replace_model(DEP_ID, NEW_MODEL_ID, "OTHER", max_wait=30)
    assert info.value.last_status == "RUNNING"
    assert info.value.url == STATUS_URL
    assert clock.now <= 30


async def test_drift_tracking_settings_read_and_update_in_one_patch(mock_api, client) -> None:
    url = f"{DEP_URL}settings/"
    mock_api.get(url, payload=samples.settings(target=False, feature=False))
    mock_api.patch(url, status=202, headers={"Location": STATUS_URL})
    mock_api.get(STATUS_URL, status=303, headers={"Location": DEP_URL})
    mock_api.get(url, payload=samples.settings(target=True, feature=True))

    before = await client.get_drift_tracking_settings(DEP_ID)
    assert (before.target_drift.enabled, before.feature_drift.enabled) == (False, False)
    after = await client.update_drift_tracking_settings(
        DEP_ID, target_drift_enabled=True, feature_drift_enabled=True
    )
    assert (after.target_drift.enabled, after.feature_drift.enabled) == (True, True)
    (patch,) = sent(mock_api, "PATCH", url)
    assert body_of(patch) == {"targetDrift": {"enabled": True}, "featureDrift": {"enabled": True}}


async def test_drift_update_sends_only_the_given_flag(mock_api, client) -> None:
    url = f"{DEP_URL}settings/"
    mock_api.patch(url, status=202, headers={"Location": STATUS_URL})
    mock_api.get(STATUS_URL, status=303, headers={"Location": DEP_URL})
    mock_api.get(url, payload=samples.settings(feature=True))
    await client.update_drift_tracking_settings(DEP_ID, feature_drift_enabled=True)
    (patch,) = sent(mock_api, "PATCH", url)
    assert body_of(patch) == {"featureDrift": {"enabled": True}}


async def test_drift_update_needs_a_flag(mock_api, client) -> None:
    with pytest.raises(ValueError, match="target_drift_enabled"):
        await client.update_drift_tracking_settings(DEP_ID)
    with pytest.raises(TypeError):
        await client.update_drift_tracking_settings(DEP_ID, target_drift_enabled="yes")
    assert mock_api.requests == {}


async def test_model_history(mock_api, client) -> None:
    url = f"{DEP_URL}modelHistory/?limit=100"
    mock_api.get(
        url,
        payload={
            "count": 2,
            "next": None,
            "previous": None,
            "data": [
                {"modelId": MODEL_ID, "reason": None, "startDate": "2025-01-01T00:00:00Z",
                 "endDate": "2025-02-01T00:00:00Z"},
                {"modelId": NEW_MODEL_ID, "reason": "ACCURACY",
                 "startDate": "2025-02-01T00:00:00Z", "endDate": None},
            ],
        },
    )  # fmt: skip
    history = await client.get_model_history(DEP_ID)
    assert [(h.model_id, h.reason) for h in history] == [
        (MODEL_ID, None),
        (NEW_MODEL_ID, "ACCURACY"),
    ]
