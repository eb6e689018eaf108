"""A deployment's tags and who it is shared with.

Tag changes settle lost answers by reading the deployment's tags (``settle.py``): creating
a tag the deployment already has is refused by the server (409), so a create is never
applied twice. Role updates set roles (resending one changes nothing).
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from .. import _wire
from .._deadline import Deadline
from .._models import Tag
from .._models_lifecycle import SharedRole, SharedRoleGrant
from .._session import Session
from .._wire import Page
from .deployments import get_deployment
from .settle import Done, delete_settled, send_settled

__all__ = [
    "create_tag",
    "delete_tag",
    "delete_tags_named",
    "list_shared_roles",
    "update_shared_roles",
    "update_tag",
]

_tag = msgspec.json.Decoder(Tag)
_roles = msgspec.json.Decoder(Page[SharedRole])


async def _tags(session: Session, dep_id: str, deadline: Deadline) -> list[Tag]:
    deployment = await get_deployment(session, dep_id, deadline=deadline, persist=True)
    return deployment.tags


async def _found(
    session: Session, dep_id: str, name: str, value: str, deadline: Deadline
) -> Done[Tag] | None:
    tag = next(
        (t for t in await _tags(session, dep_id, deadline) if (t.name, t.value) == (name, value)),
        None,
    )
    return None if tag is None else Done(tag)


async def create_tag(
    session: Session, dep_id: str, name: str, value: str, deadline: Deadline
) -> Tag:
    """``POST deployments/{id}/tags/`` (201 with the tag)."""
    path = f"deployments/{dep_id}/tags/"

    async def send() -> Tag:
        response = await session.send(
            "POST", path, json={"name": name, "value": value}, deadline=deadline
        )
        return _wire.decode(_wire.expect_status(response, 200, 201), _tag)

    return await send_settled(
        session,
        send,
        lambda within: _found(session, dep_id, name, value, within),
        deadline=deadline,
        what=f"the tag {name}={value} of {dep_id}",
    )


async def update_tag(
    session: Session, dep_id: str, tag_id: str, name: str, value: str, deadline: Deadline
) -> Tag:
    """``PATCH deployments/{id}/tags/{tagId}/`` (the tag, or 204)."""
    path = f"deployments/{dep_id}/tags/{tag_id}/"
    changed = Tag(id=tag_id, name=name, value=value)

    async def send() -> Tag:
        response = await session.send(
            "PATCH", path, json={"name": name, "value": value}, idempotent=True, deadline=deadline
        )
        _wire.expect_status(response, 200, 204)
        return _wire.decode(response, _tag) if response.body else changed

    async def took_effect(within: Deadline) -> Done[Tag] | None:
        shown = changed in await _tags(session, dep_id, within)
        return Done(changed) if shown else None

    return await send_settled(
        session, send, took_effect, deadline=deadline, what=f"the change of tag {tag_id}"
    )


async def delete_tag(session: Session, dep_id: str, tag_id: str, deadline: Deadline) -> None:
    """``DELETE deployments/{id}/tags/{tagId}/`` (204), settled by the deployment's tags
    (:func:`~aiodeploy._api.settle.delete_settled`)."""

    async def exists(within: Deadline) -> bool:
        return any(t.id == tag_id for t in await _tags(session, dep_id, within))

    await delete_settled(
        session,
        f"deployments/{dep_id}/tags/{tag_id}/",
        exists,
        deadline=deadline,
        what=f"the deletion of tag {tag_id}",
    )


async def delete_tags_named(
    session: Session, dep_id: str, name: str, value: str | None, deadline: Deadline
) -> int:
    """Delete the deployment's tags called ``name`` (with ``value``, if given); how many."""
    tags = await _tags(session, dep_id, deadline)
    doomed = [t for t in tags if t.name == name and (value is None or t.value == value)]
    for tag in doomed:
        if tag.id is not None:
            await delete_tag(session, dep_id, tag.id, deadline)
    return len(doomed)


async def list_shared_roles(session: Session, dep_id: str) -> list[SharedRole]:
    """``GET deployments/{id}/sharedRoles/`` and its ``next`` pages."""
    path = f"deployments/{dep_id}/sharedRoles/"
    return await session.follow(await session.get(path, _roles, {"limit": 100}), _roles)


async def update_shared_roles(
    session: Session, dep_id: str, grants: Sequence[SharedRoleGrant], deadline: Deadline
) -> None:
    """``PATCH deployments/{id}/sharedRoles/`` with ``operation: updateRoles`` (204).

    Setting roles is idempotent: it is resent on transient failures, and a lost answer is
    settled by the roles the deployment shows.
    """
    path = f"deployments/{dep_id}/sharedRoles/"
    body = {"operation": "updateRoles", "roles": [g.payload() for g in grants]}

    async def send() -> None:
        response = await session.send("PATCH", path, json=body, idempotent=True, deadline=deadline)
        _wire.expect_status(response, 204, 200)

    async def took_effect(within: Deadline) -> Done[None] | None:
        roles = await list_shared_roles(session, dep_id)
        return Done(None) if all(_holds(roles, g) for g in grants) else None

    await send_settled(
        session, send, took_effect, deadline=deadline, what=f"the sharing of {dep_id}"
    )


def _holds(roles: Sequence[SharedRole], grant: SharedRoleGrant) -> bool:
    """Whether ``roles`` show ``grant`` applied (a username is the user's name)."""
    mine = [
        r
        for r in roles
        if r.share_recipient_type == grant.share_recipient_type
        and (
            r.id == grant.id
            if grant.id is not None
            else (r.name or "").casefold() == (grant.username or "").casefold()
        )
    ]
    if grant.role == "NO_ROLE":
        return not mine
    return any(r.role == grant.role for r in mine)
