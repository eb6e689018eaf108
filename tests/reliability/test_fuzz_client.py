"""R3 (end to end): the client against a real local server that answers malformed
replies: wrong types, missing fields, huge numbers, non-UTF-8, HTML, truncated JSON, odd
Location/next links and absurd Retry-After. Only typed aiodeploy errors escape, and every
call ends (waits run on a fake clock, so retries and polls cost no real time).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiodeploy import AiodeployError, AsyncDeploymentClient, ResponseDecodeError
from tests.conftest import FakeClock

from .fakeserver import FakeServer, Reply, fake_server
from .strategies import DEP_ID, FUZZ, MODEL_ID, PROJECT_ID, bodies, response_headers, statuses

TOKEN = "fuzz-token-0b5e9c"


@pytest.fixture
async def server() -> AsyncIterator[FakeServer]:
    async with fake_server() as running:
        yield running


def client_for(server: FakeServer, clock: FakeClock) -> AsyncDeploymentClient:
    return AsyncDeploymentClient(server.endpoint, TOKEN, sleep=clock.sleep, clock=clock)


def _deployment(dep_id: str) -> dict[str, object]:
    return {"id": dep_id, "model": {"id": MODEL_ID}}


# -- pagination that would never end ----------------------------------------------------


@pytest.mark.parametrize("method", ["list_deployments", "iter_deployments", "history", "servers"])
async def test_a_next_link_that_points_back_ends_with_a_typed_error(server, clock, method):
    """A page whose ``next`` is itself (or an earlier page) would be followed forever."""
    paths = {
        "list_deployments": "/api/v2/deployments/?limit=100",
        "iter_deployments": "/api/v2/deployments/?limit=100",
        "history": f"/api/v2/deployments/{DEP_ID}/modelHistory/?limit=100",
        "servers": "/api/v2/predictionServers/",
    }
    item = (
        {"modelId": MODEL_ID}
        if method == "history"
        else {"url": "https://p.example.com"}
        if method == "servers"
        else _deployment(DEP_ID)
    )
    page = {"count": 1, "next": server.url + paths[method], "previous": None, "data": [item]}
    server.serve(Reply(200, body=json.dumps(page).encode()))
    async with client_for(server, clock) as client:
        with pytest.raises(ResponseDecodeError, match="next"):
            await _list(client, method)
    assert not server.runaway
    assert len(server.seen) <= 3


async def _list(client: AsyncDeploymentClient, method: str) -> object:
    if method == "list_deployments":
        return await client.list_deployments()
    if method == "iter_deployments":
        return [d async for d in client.iter_deployments()]
    if method == "history":
        return await client.get_model_history(DEP_ID)
    return await client.list_prediction_servers()


@pytest.mark.parametrize("total", [10**12, 2**63 - 1])
async def test_an_absurd_total_count_does_not_fan_out_absurdly(server, clock, total) -> None:
    """``totalCount`` drives the concurrent page fetches; a server that overstates it by
    far must not make the client plan (or send) a request per claimed page."""
    first = {
        "count": 1,
        "next": f"{server.url}/api/v2/deployments/?limit=100&offset=100",
        "previous": None,
        "data": [_deployment(DEP_ID)],
        "totalCount": total,
    }
    empty = {"count": 0, "next": None, "previous": None, "data": [], "totalCount": total}
    server.serve(
        Reply(200, body=json.dumps(first).encode()), Reply(200, body=json.dumps(empty).encode())
    )
    async with client_for(server, clock) as client:
        found = await client.list_deployments()
    assert [d.id for d in found] == [DEP_ID]
    assert len(server.seen) <= 1 + 2 * client._session.page_concurrency


# -- every call, fed malformed replies ------------------------------------------------------


async def _call(client: AsyncDeploymentClient, name: str) -> object:
    if name == "get_deployment":
        return await client.get_deployment(DEP_ID)
    if name == "list_deployments":
        return await client.list_deployments(search="churn")
    if name == "iter_deployments":
        return [d async for d in client.iter_deployments()]
    if name == "get_model_history":
        return await client.get_model_history(DEP_ID)
    if name == "validate_replacement_model":
        return await client.validate_replacement_model(DEP_ID, MODEL_ID)
    if name == "list_projects":
        return await client.list_projects()
    if name == "get_project":
        return await client.get_project(PROJECT_ID)
    if name == "list_models":
        return await client.list_models(PROJECT_ID)
    if name == "get_model":
        return await client.get_model(PROJECT_ID, MODEL_ID)
    if name == "list_prediction_servers":
        return await client.list_prediction_servers()
    if name == "get_drift_tracking_settings":
        return await client.get_drift_tracking_settings(DEP_ID)
    if name == "update_drift_tracking_settings":
        return await client.update_drift_tracking_settings(
            DEP_ID, target_drift_enabled=True, max_wait=30
        )
    if name == "replace_model":
        return await client.replace_model(DEP_ID, MODEL_ID, "ACCURACY", max_wait=30)
    if name == "create_deployment_from_learning_model":
        return await client.create_deployment_from_learning_model(MODEL_ID, "x", max_wait=30)
    if name == "delete_deployment":
        await client.delete_deployment(DEP_ID)
        return None
    if name == "wait_for_job":
        return await client.wait_for_job(f"{client.endpoint}/status/1/", max_wait=30)
    if name == "replace_models":
        result = await client.replace_models([(DEP_ID, MODEL_ID)], max_wait=30)
        (item,) = result.items
        assert item.error is None or isinstance(item.error, AiodeployError), item
        return result
    raise AssertionError(name)


CALLS = [
    "get_deployment", "list_deployments", "iter_deployments", "get_model_history",
    "validate_replacement_model", "list_projects", "get_project", "list_models", "get_model",
    "list_prediction_servers", "get_drift_tracking_settings", "update_drift_tracking_settings",
    "replace_model", "create_deployment_from_learning_model", "delete_deployment",
    "wait_for_job", "replace_models",
]  # fmt: skip


@st.composite
def replies(draw: st.DrawFn, server: FakeServer) -> list[Reply]:
    """1-4 replies; links point at this server, at its pages, or anywhere odd."""
    own = [
        f"{server.url}/api/v2/status/1/",
        f"{server.url}/api/v2/deployments/{DEP_ID}/",
        f"{server.url}/api/v2/deployments/?limit=100&offset=100",
        f"{server.url}/api/v2/deployments/?limit=100",
        f"{server.url.replace('127.0.0.1', 'localhost')}/api/v2/status/1/",
    ]
    return draw(
        st.lists(
            st.builds(Reply, statuses(), response_headers(own), bodies(own)),
            min_size=1,
            max_size=4,
        )
    )


def _good_start(server: FakeServer, name: str) -> list[Reply]:
    """Well-formed first replies for ``name``, so that fuzzed ones reach its later steps
    (the job wait, the read after it, the following pages)."""
    status = {"location": f"{server.url}/api/v2/status/1/"}
    page = {
        "count": 1,
        "next": f"{server.url}/api/v2/deployments/?limit=100&offset=100",
        "previous": None,
        "data": [_deployment(DEP_ID)],
        "totalCount": 250,
    }
    running = json.dumps({"status": "RUNNING"}).encode()
    passing = json.dumps({"status": "passing", "checks": {}}).encode()
    starts = {
        "replace_model": [Reply(202, status, b"{}"), Reply(200, {}, running)],
        "update_drift_tracking_settings": [Reply(202, status)],
        "create_deployment_from_learning_model": [
            Reply(202, status, json.dumps({"id": DEP_ID}).encode())
        ],
        "replace_models": [Reply(200, {}, passing), Reply(202, status, b"{}")],
        "wait_for_job": [Reply(200, {}, running)],
        "list_deployments": [Reply(200, {}, json.dumps(page).encode())],
        "iter_deployments": [Reply(200, {}, json.dumps(page).encode())],
    }
    return starts.get(name, [])


@FUZZ
@given(data=st.data(), name=st.sampled_from(CALLS), well_begun=st.booleans())
async def test_every_call_ends_with_a_result_or_a_typed_error(
    server, data, name, well_begun
) -> None:
    script = data.draw(replies(server))
    if well_begun:
        script = _good_start(server, name) + script
    server.serve(*script)
    clock = FakeClock()
    async with client_for(server, clock) as client:
        try:
            await _call(client, name)
        except AiodeployError as exc:
            message = str(exc)
        else:
            message = ""
    assert TOKEN not in message
    assert not server.runaway, f"{name} kept sending requests ({len(server.seen)})"


@pytest.mark.parametrize(
    "bad_page",
    [
        Reply(500, body=b'{"message": "boom"}'),
        Reply(200, body=b"[" * 5000),
        Reply(200, body=b"<html>proxy error</html>"),
    ],
)
async def test_a_failing_later_page_raises_its_own_typed_error(server, clock, bad_page) -> None:
    """Pages after the first are fetched concurrently; the caller must still get the
    typed error of the page that failed, not an exception group around it."""
    first = {
        "count": 100,
        "next": f"{server.url}/api/v2/deployments/?limit=100&offset=100",
        "previous": None,
        "data": [_deployment(f"{n:024x}") for n in range(100)],  # a full page: more follow
        "totalCount": 450,
    }
    server.serve(Reply(200, body=json.dumps(first).encode()), bad_page)
    async with client_for(server, clock) as client:
        with pytest.raises(AiodeployError):
            await client.list_deployments()
