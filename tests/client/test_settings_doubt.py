"""A settings change whose answer does not say (a 500, a garbled reply) is settled by the
server's state: done when the settings show it, sent once more otherwise, and reported as
failed only when a second send did not say either and the settings still do not show it."""

from __future__ import annotations

import json

import pytest
from yarl import URL

from aiodeploy import ServerError, ServiceHealthSettings
from tests.conftest import ENDPOINT

from . import samples
from .samples import DEP_ID

SETTINGS_URL = f"{ENDPOINT}/deployments/{DEP_ID}/settings/"
HEALTH_URL = f"{ENDPOINT}/deployments/{DEP_ID}/healthSettings/"
STATUS_URL = f"{ENDPOINT}/status/{samples.STATUS_ID}/"


def _document(enabled: bool) -> dict[str, object]:
    return {"predictionsDataCollection": {"enabled": enabled}}


def _patches(mock_api, url: str) -> list[dict[str, object]]:
    return [json.loads(c.kwargs["data"]) for c in mock_api.requests.get(("PATCH", URL(url)), [])]


async def test_a_500_whose_change_shows_is_done(mock_api, client) -> None:
    mock_api.patch(SETTINGS_URL, status=500, payload={"message": "boom"})
    mock_api.get(SETTINGS_URL, payload=_document(True), repeat=True)
    found = await client.update_predictions_data_collection_settings(DEP_ID, True)
    assert found.enabled
    assert _patches(mock_api, SETTINGS_URL) == [{"predictionsDataCollection": {"enabled": True}}]


async def test_a_500_whose_change_does_not_show_is_sent_once_more(mock_api, client) -> None:
    mock_api.patch(SETTINGS_URL, status=500, payload={"message": "boom"})
    mock_api.get(SETTINGS_URL, payload=_document(False))
    mock_api.patch(SETTINGS_URL, status=202, headers={"Location": STATUS_URL})
    mock_api.get(STATUS_URL, status=303, headers={"Location": f"{ENDPOINT}/deployments/{DEP_ID}/"})
    mock_api.get(SETTINGS_URL, payload=_document(True))
    assert (await client.update_predictions_data_collection_settings(DEP_ID, True)).enabled
    assert len(_patches(mock_api, SETTINGS_URL)) == 2


async def test_two_sends_that_never_say_are_reported(mock_api, client) -> None:
    mock_api.patch(SETTINGS_URL, status=500, payload={"message": "boom"}, repeat=True)
    mock_api.get(SETTINGS_URL, payload=_document(False), repeat=True)
    with pytest.raises(ServerError):
        await client.update_predictions_data_collection_settings(DEP_ID, True)
    assert len(_patches(mock_api, SETTINGS_URL)) == 2


async def test_a_garbled_answer_on_a_route_without_job_is_settled_too(mock_api, client) -> None:
    mock_api.patch(HEALTH_URL, status=202, body=b"")  # a 202 where a 200 is the contract
    mock_api.get(HEALTH_URL, payload={"service": {"batchCount": 9}}, repeat=True)
    found = await client.update_health_settings(DEP_ID, service={"batch_count": 9})
    assert found.service.batch_count == 9
    assert _patches(mock_api, HEALTH_URL) == [{"service": {"batchCount": 9}}]


async def test_a_lost_answer_is_resent_as_idempotent(mock_api, client) -> None:
    mock_api.patch(HEALTH_URL, status=503, payload={"message": "busy"})
    mock_api.patch(HEALTH_URL, payload={"service": {"batchCount": 3}})
    mock_api.get(HEALTH_URL, payload={"service": {"batchCount": 3}})
    found = await client.update_health_settings(DEP_ID, service={"batch_count": 3})
    assert found.service == ServiceHealthSettings(batch_count=3)
    assert len(_patches(mock_api, HEALTH_URL)) == 2


async def test_a_drift_update_is_settled_the_same_way(mock_api, client) -> None:
    mock_api.patch(SETTINGS_URL, status=500, payload={"message": "boom"})
    mock_api.get(SETTINGS_URL, payload={"targetDrift": {"enabled": False}}, repeat=True)
    found = await client.update_drift_tracking_settings(DEP_ID, target_drift_enabled=False)
    assert not found.target_drift.enabled
    assert _patches(mock_api, SETTINGS_URL) == [{"targetDrift": {"enabled": False}}]
