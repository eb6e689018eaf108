"""Mutations whose answer did not say what happened, settled by the server's state
(mocked server: 5xx replies the emulator cannot give after acting)."""

from __future__ import annotations

import pytest
from yarl import URL

import aiodeploy
from tests.conftest import ENDPOINT

from . import samples
from .samples import DEP_ID

DEP_URL = f"{ENDPOINT}/deployments/{DEP_ID}/"
TAGS_URL = f"{DEP_URL}tags/"
ROLES_URL = f"{DEP_URL}sharedRoles/"
STATUS_URL = f"{ENDPOINT}/status/{samples.STATUS_ID}/"


def count(mock_api, method: str, url: str) -> int:
    return len(mock_api.requests.get((method, URL(url)), []))


async def test_a_500_whose_change_shows_is_a_success(mock_api, client) -> None:
    mock_api.patch(DEP_URL, status=500, payload={"message": "oops"})
    mock_api.get(DEP_URL, payload=samples.deployment(importance="HIGH"), repeat=True)
    dep = await client.update_deployment(DEP_ID, importance="HIGH")
    assert dep.importance == "HIGH"
    assert count(mock_api, "PATCH", DEP_URL) == 1


async def test_a_500_whose_change_does_not_show_is_sent_again(mock_api, client) -> None:
    mock_api.patch(DEP_URL, status=500, payload={"message": "oops"})
    mock_api.get(DEP_URL, payload=samples.deployment(importance="LOW"))
    mock_api.patch(DEP_URL, status=204)
    mock_api.get(DEP_URL, payload=samples.deployment(importance="HIGH"))
    dep = await client.update_deployment(DEP_ID, importance="HIGH")
    assert dep.importance == "HIGH"
    assert count(mock_api, "PATCH", DEP_URL) == 2


async def test_a_change_that_never_shows_fails_after_bounded_resends(mock_api, client) -> None:
    mock_api.patch(DEP_URL, status=500, payload={"message": "oops"}, repeat=True)
    mock_api.get(DEP_URL, payload=samples.deployment(importance="LOW"), repeat=True)
    with pytest.raises(aiodeploy.AiodeployError, match="did not take effect") as info:
        await client.update_deployment(DEP_ID, importance="HIGH")
    assert isinstance(info.value.__cause__, aiodeploy.ServerError)
    assert count(mock_api, "PATCH", DEP_URL) == client.retry.max_attempts + 1


async def test_a_4xx_says_the_server_did_not_act(mock_api, client) -> None:
    mock_api.patch(DEP_URL, status=422, payload={"message": "no"})
    with pytest.raises(aiodeploy.UnprocessableEntityError):
        await client.update_deployment(DEP_ID, importance="HIGH")
    assert count(mock_api, "GET", DEP_URL) == 0


async def test_a_garbled_tag_reply_is_settled_by_the_tags(mock_api, client) -> None:
    mock_api.post(TAGS_URL, status=201, body=b"<html>")
    tag = {"id": "t1", "name": "team", "value": "risk"}
    mock_api.get(DEP_URL, payload=samples.deployment(tags=[tag]))
    created = await client.create_tag(DEP_ID, "team", "risk")
    assert (created.id, created.name, created.value) == ("t1", "team", "risk")
    assert count(mock_api, "POST", TAGS_URL) == 1


async def test_a_status_change_answered_500_after_it_applied(mock_api, client) -> None:
    mock_api.patch(f"{DEP_URL}status/", status=500, payload={"message": "oops"})
    mock_api.get(DEP_URL, payload=samples.deployment(status="inactive"), repeat=True)
    dep = await client.deactivate_deployment(DEP_ID)
    assert dep.status == "inactive"
    assert count(mock_api, "GET", STATUS_URL) == 0  # no job known: none polled


async def test_roles_answered_502_then_shown(mock_api, client) -> None:
    mock_api.patch(ROLES_URL, status=502, payload={"message": "bad gateway"}, repeat=True)
    role = {
        "id": "u" * 24,
        "name": "alice@example.com",
        "role": "USER",
        "shareRecipientType": "user",
    }
    page = {"count": 1, "next": None, "previous": None, "data": [role]}
    mock_api.get(f"{ROLES_URL}?limit=100", payload=page, repeat=True)
    grant = aiodeploy.SharedRoleGrant("USER", username="Alice@example.com")
    roles = await client.update_shared_roles(DEP_ID, [grant])
    assert [r.role for r in roles] == ["USER"]
    # an idempotent PATCH: the 502s were retried first, then the roles told
    assert count(mock_api, "PATCH", ROLES_URL) == client.retry.max_attempts
