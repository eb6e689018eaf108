"""Tags and sharing, one deployment or many, against the emulator."""

from __future__ import annotations

import pytest

import aiodeploy
from aiodeploy import AsyncDeploymentClient, RetryPolicy, SharedRoleGrant

TAGS = "/api/v2/deployments/{deployment_id}/tags/"


def requests(emulator) -> int:
    return emulator.state.stats.request_count()


async def test_tags(client, emulator) -> None:
    dep_id = emulator.state.live_deployments()[0].id
    tag = await client.create_tag(dep_id, "cost-center", "c-17")
    assert (tag.name, tag.value, bool(tag.id)) == ("cost-center", "c-17", True)
    with pytest.raises(aiodeploy.ConflictError):
        await client.create_tag(dep_id, "cost-center", "c-17")
    changed = await client.update_tag(dep_id, tag.id, "cost-center", "c-18")
    assert changed.value == "c-18"
    dep = await client.get_deployment(dep_id)
    assert changed in dep.tags
    tagged = await client.list_deployments(filters={"tagValues": "c-18"})
    assert [d.id for d in tagged] == [dep_id]
    await client.delete_tag(dep_id, tag.id)
    with pytest.raises(aiodeploy.NotFoundError):
        await client.delete_tag(dep_id, tag.id)
    before = requests(emulator)
    with pytest.raises(ValueError, match="blank"):
        await client.create_tag(dep_id, "", "v")
    with pytest.raises(ValueError, match="tag id"):
        await client.delete_tag(dep_id, "a/b")
    assert requests(emulator) == before


async def test_sharing(client, emulator) -> None:
    dep_id = emulator.state.live_deployments()[0].id
    (owner,) = await client.list_shared_roles(dep_id)
    assert (owner.role, owner.share_recipient_type) == ("OWNER", "user")
    group = next(r for r in emulator.state.sharing.recipients if r.kind == "group")
    roles = await client.update_shared_roles(
        dep_id,
        [
            SharedRoleGrant("CONSUMER", username="alice@example.com"),
            SharedRoleGrant("USER", id=group.id, share_recipient_type="group"),
        ],
    )
    assert {(r.name, r.role) for r in roles} == {
        (owner.name, "OWNER"), ("alice@example.com", "CONSUMER"), ("Risk analysts", "USER"),
    }  # fmt: skip
    dep = await client.get_deployment(dep_id)
    assert dep.id == dep_id
    with pytest.raises(aiodeploy.UnprocessableEntityError, match="owner"):
        await client.update_shared_roles(dep_id, [SharedRoleGrant("NO_ROLE", id=owner.id)])
    with pytest.raises(aiodeploy.NotFoundError):
        await client.update_shared_roles(dep_id, [SharedRoleGrant("USER", username="eve@x.y")])
    # roles read back can be granted again, unchanged: nothing moves
    assert await client.update_shared_roles(dep_id, roles) == roles
    before = requests(emulator)
    with pytest.raises(ValueError, match="between 1 and 100"):
        await client.update_shared_roles(dep_id, [])
    with pytest.raises(TypeError):
        await client.update_shared_roles(dep_id, [{"role": "USER"}])  # type: ignore[list-item]
    assert requests(emulator) == before


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ({"role": "EDITOR", "username": "a"}, "role must be one of"),
        ({"role": "USER"}, "exactly one"),
        ({"role": "USER", "username": "a", "id": "b"}, "exactly one"),
        ({"role": "USER", "username": "a", "share_recipient_type": "group"}, "use id"),
        ({"role": "USER", "id": "a", "share_recipient_type": "team"}, "share_recipient_type"),
    ],
)
def test_grants_are_checked_when_made(arguments, problem) -> None:
    with pytest.raises(ValueError, match=problem):
        SharedRoleGrant(**arguments)


@pytest.mark.emulator(faults="reset_after=1")
async def test_lost_answers_of_tag_and_sharing_changes(emulator) -> None:
    dep_id = emulator.state.live_deployments()[0].id
    retry = RetryPolicy(max_attempts=2, backoff_base=0)
    async with AsyncDeploymentClient(emulator.endpoint, emulator.token, retry=retry) as client:
        tag = await client.create_tag(dep_id, "owner", "ml")
        # a POST may have been acted on: it is never resent blindly, the tags tell
        assert emulator.state.stats.request_count(method="POST", route=TAGS) == 1
        assert [t.name for t in emulator.state.deployment(dep_id).tags].count("owner") == 1
        await client.update_tag(dep_id, tag.id, "owner", "platform")
        await client.delete_tag(dep_id, tag.id)
        assert all(t.id != tag.id for t in emulator.state.deployment(dep_id).tags)
        roles = await client.update_shared_roles(
            dep_id, [SharedRoleGrant("USER", username="bob@example.com")]
        )
        assert ("bob@example.com", "USER") in {(r.name, r.role) for r in roles}


@pytest.mark.emulator(deployments=6)
async def test_bulk_tags_and_sharing(client, emulator) -> None:
    ids = [d.id for d in emulator.state.live_deployments()]
    first = await client.bulk_create_tags(ids[:3], "wave", "1")
    assert first.ok
    # tagging again: the deployments that have it count as done, none gets it twice
    again = await client.bulk_create_tags(ids, "wave", "1", concurrency=2)
    assert again.counts["updated"] == len(ids)
    for dep_id in ids:
        tags = emulator.state.deployment(dep_id).tags
        assert [(t.name, t.value) for t in tags].count(("wave", "1")) == 1
    removed = await client.bulk_delete_tags(ids, "wave")
    assert removed.ok
    assert all(t.name != "wave" for d in emulator.state.live_deployments() for t in d.tags)
    shared = await client.bulk_update_shared_roles(
        [*ids, "f" * 24], [SharedRoleGrant("CONSUMER", username="alice@example.com")]
    )
    assert [i.outcome for i in shared.items][-1] == "failed"
    assert shared.counts["updated"] == len(ids)
    assert all(d.roles.get(emulator.state.sharing.by_username("alice@example.com").id)
               == "CONSUMER" for d in emulator.state.live_deployments())  # fmt: skip
