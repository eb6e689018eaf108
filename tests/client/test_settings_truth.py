"""A settings change whose answer does not say is settled by the settings themselves."""

from __future__ import annotations

import aiohttp
import pytest
from yarl import URL

import aiodeploy
from tests.conftest import ENDPOINT

from .samples import DEP_ID

SETTINGS_URL = f"{ENDPOINT}/deployments/{DEP_ID}/settings/"
OFF = {"targetDrift": {"enabled": False}, "featureDrift": {"enabled": True}}
ON = {"targetDrift": {"enabled": True}, "featureDrift": {"enabled": True}}


def count(mock_api, method: str, url: str) -> int:
    return len(mock_api.requests.get((method, URL(url)), []))


async def test_a_patch_answered_502_every_time_is_settled_by_reading(mock_api, client) -> None:
    mock_api.patch(SETTINGS_URL, status=502, repeat=True)  # the gateway, every attempt
    mock_api.get(SETTINGS_URL, payload=OFF)  # not applied: send once more
    mock_api.get(SETTINGS_URL, payload=OFF)  # still in doubt: its job may still run
    mock_api.get(SETTINGS_URL, payload=ON)  # ... now applied
    mock_api.get(SETTINGS_URL, payload=ON)  # the read the call returns
    settings = await client.update_drift_tracking_settings(DEP_ID, target_drift_enabled=True)
    assert settings.target_drift.enabled is True
    # sent, read, sent once more (each with its retries), then read until it shows
    assert count(mock_api, "PATCH", SETTINGS_URL) == 2 * client.retry.max_attempts
    assert count(mock_api, "GET", SETTINGS_URL) == 4


async def test_a_change_shown_after_a_502_is_not_sent_again(mock_api, client) -> None:
    mock_api.patch(SETTINGS_URL, status=502, repeat=True)
    mock_api.get(SETTINGS_URL, payload=ON, repeat=True)
    await client.update_drift_tracking_settings(DEP_ID, target_drift_enabled=True)
    assert count(mock_api, "PATCH", SETTINGS_URL) == client.retry.max_attempts


async def test_a_lost_answer_is_resent_like_a_read(mock_api, client) -> None:
    status = f"{ENDPOINT}/status/1/"
    mock_api.patch(SETTINGS_URL, exception=aiohttp.ServerDisconnectedError())
    mock_api.patch(SETTINGS_URL, status=202, headers={"Location": status})
    mock_api.get(status, status=303, headers={"Location": f"{ENDPOINT}/deployments/{DEP_ID}/"})
    mock_api.get(SETTINGS_URL, payload=ON)
    settings = await client.update_drift_tracking_settings(DEP_ID, target_drift_enabled=True)
    assert settings.target_drift.enabled is True
    assert count(mock_api, "PATCH", SETTINGS_URL) == 2  # idempotent: safe to send again


async def test_a_status_url_elsewhere_is_not_followed_and_the_settings_decide(
    mock_api, client
) -> None:
    mock_api.patch(SETTINGS_URL, status=202, headers={"Location": "http://dr.test/s/1/"})
    mock_api.get(SETTINGS_URL, payload=ON, repeat=True)
    settings = await client.update_drift_tracking_settings(DEP_ID, target_drift_enabled=True)
    assert settings.target_drift.enabled is True
    assert all(url.scheme == "https" for _, url in mock_api.requests)


async def test_a_change_that_never_shows_times_out(mock_api, client) -> None:
    mock_api.patch(SETTINGS_URL, status=500, repeat=True)
    mock_api.get(SETTINGS_URL, payload=OFF, repeat=True)
    with pytest.raises(aiodeploy.AsyncTimeoutError):
        await client.update_drift_tracking_settings(DEP_ID, target_drift_enabled=True, max_wait=30)


async def test_a_refused_change_is_not_settled_by_reading(mock_api, client) -> None:
    mock_api.patch(SETTINGS_URL, status=422, payload={"message": "Invalid field data"})
    with pytest.raises(aiodeploy.UnprocessableEntityError):
        await client.update_drift_tracking_settings(DEP_ID, target_drift_enabled=True)
    assert count(mock_api, "GET", SETTINGS_URL) == 0
