"""Mutations whose answer did not say what happened, settled by the server's state
(mocked server: 5xx replies the emulator cannot give after acting)."""

from __future__ import annotations

import aiohttp
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


# -- deletions: a 404 after the thing existed means an earlier attempt deleted it -------

CHALLENGER_URL = f"{DEP_URL}challengers/{'c' * 24}/"


async def test_a_deletion_answered_502_after_it_applied_is_done(mock_api, client) -> None:
    # Before: the DELETE was resent on the 502, met 404, and the call raised NotFoundError
    # although its own first DELETE had deleted the deployment.
    mock_api.get(DEP_URL, payload=samples.deployment())
    mock_api.delete(DEP_URL, status=502, payload={"message": "bad gateway"})
    mock_api.delete(DEP_URL, status=404, payload={"message": "Deployment not found."})
    mock_api.get(DEP_URL, status=404, payload={"message": "Deployment not found."})
    assert await client.delete_deployment(DEP_ID) is None
    assert count(mock_api, "DELETE", DEP_URL) == 1  # the deployment's absence told


async def test_a_deletion_whose_connection_dropped_then_404_is_done(mock_api, client) -> None:
    mock_api.get(DEP_URL, payload=samples.deployment())
    mock_api.delete(DEP_URL, exception=aiohttp.ServerDisconnectedError())
    mock_api.get(DEP_URL, payload=samples.deployment())  # the DELETE did not get through
    mock_api.delete(DEP_URL, status=404, payload={"message": "Deployment not found."})
    mock_api.get(DEP_URL, status=404, payload={"message": "Deployment not found."})
    assert await client.delete_deployment(DEP_ID) is None
    assert count(mock_api, "DELETE", DEP_URL) == 2


async def test_a_lost_deletion_of_a_deployment_still_there_is_sent_again(mock_api, client):
    mock_api.get(DEP_URL, payload=samples.deployment(), repeat=True)
    mock_api.delete(DEP_URL, status=500, payload={"message": "oops"})
    mock_api.delete(DEP_URL, status=204)
    assert await client.delete_deployment(DEP_ID) is None
    assert count(mock_api, "DELETE", DEP_URL) == 2


async def test_deleting_what_never_existed_is_still_not_found(mock_api, client) -> None:
    mock_api.get(DEP_URL, status=404, payload={"message": "Deployment not found."})
    mock_api.delete(DEP_URL, status=404, payload={"message": "Deployment not found."})
    with pytest.raises(aiodeploy.NotFoundError, match="Deployment not found"):
        await client.delete_deployment(DEP_ID)
    assert count(mock_api, "DELETE", DEP_URL) == 1


async def test_a_challenger_deletion_answered_504_after_it_applied_is_done(
    mock_api, client
) -> None:
    mock_api.get(CHALLENGER_URL, payload={"id": "c" * 24, "name": "rival"})
    mock_api.delete(CHALLENGER_URL, status=504, payload={"message": "gateway timeout"})
    mock_api.delete(CHALLENGER_URL, status=404, payload={"message": "Challenger not found."})
    mock_api.get(CHALLENGER_URL, status=404, payload={"message": "Challenger not found."})
    assert await client.delete_challenger(DEP_ID, "c" * 24) is None
    assert count(mock_api, "DELETE", CHALLENGER_URL) == 1
