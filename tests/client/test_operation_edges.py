"""ReplacementOperation edge cases on a mocked server."""

from __future__ import annotations

import pytest
from yarl import URL

import aiodeploy
from tests.conftest import ENDPOINT

from . import samples
from .samples import DEP_ID, MODEL_ID, NEW_MODEL_ID

DEP_URL = f"{ENDPOINT}/deployments/{DEP_ID}/"
STATUS_URL = f"{ENDPOINT}/status/{samples.STATUS_ID}/"


async def start(mock_api, client):
    mock_api.patch(f"{DEP_URL}model/", status=202, headers={"Location": STATUS_URL})
    return await client.start_model_replacement(DEP_ID, NEW_MODEL_ID, "ERRORS")


def polls(mock_api) -> int:
    return len(mock_api.requests.get(("GET", URL(STATUS_URL)), []))


async def test_status_gone_and_deployment_on_the_new_model_means_done(mock_api, client):
    op = await start(mock_api, client)
    mock_api.get(STATUS_URL, status=404, payload={"message": "Not found"})
    mock_api.get(DEP_URL, payload=samples.deployment(model_id=NEW_MODEL_ID))
    dep = await op
    assert dep.model.id == NEW_MODEL_ID
    assert op.done()


async def test_status_gone_and_deployment_on_the_old_model_is_a_final_failure(mock_api, client):
    op = await start(mock_api, client)
    mock_api.get(STATUS_URL, status=404, payload={"message": "Not found"})
    mock_api.get(DEP_URL, payload=samples.deployment(model_id=MODEL_ID))
    with pytest.raises(aiodeploy.AsyncFailureError, match="is gone"):
        await op
    assert op.done()
    with pytest.raises(aiodeploy.AsyncFailureError):  # cached: no more requests
        await op
    assert polls(mock_api) == 1
    with pytest.raises(aiodeploy.AsyncFailureError):
        op.result()


async def test_result_before_the_end_is_an_error(mock_api, client) -> None:
    op = await start(mock_api, client)
    with pytest.raises(RuntimeError, match="not finished"):
        op.result()
    assert op.last_status is None
    assert "ReplacementOperation" in repr(op)
    assert NEW_MODEL_ID in repr(op)


async def test_status_polls_once(mock_api, client) -> None:
    op = await start(mock_api, client)
    mock_api.get(STATUS_URL, payload=samples.status("RUNNING"))
    mock_api.get(STATUS_URL, status=303, headers={"Location": DEP_URL})
    assert await op.status() == "RUNNING"
    assert op.last_status == "RUNNING"
    assert await op.status() == "COMPLETED"
    assert polls(mock_api) == 2
    assert not op.done()  # status() reports; only waiting reads the deployment


async def test_a_500_on_a_poll_brings_no_news_and_the_job_error_is_kept(mock_api, client) -> None:
    op = await start(mock_api, client)
    mock_api.get(STATUS_URL, status=500, payload={"message": "boom"})
    mock_api.get(STATUS_URL, payload=samples.status("ABORTED", "aborted by admin"))
    with pytest.raises(aiodeploy.AsyncProcessUnsuccessfulError, match="aborted by admin"):
        await op
    assert op.done()
    with pytest.raises(aiodeploy.AsyncProcessUnsuccessfulError):  # kept: no more polls
        await op
    assert polls(mock_api) == 2


async def test_events_after_the_end_replay_the_result(mock_api, client) -> None:
    op = await start(mock_api, client)
    mock_api.get(STATUS_URL, status=303, headers={"Location": DEP_URL})
    mock_api.get(DEP_URL, payload=samples.deployment(model_id=NEW_MODEL_ID))
    await op
    events = [e async for e in op.events()]
    assert [e.status for e in events] == ["COMPLETED"]
    assert polls(mock_api) == 1
