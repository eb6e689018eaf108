"""Sharing routes: who has which role on a deployment (``sharedRoles/``).

``PATCH`` takes ``{"operation": "updateRoles", "roles": [...]}``: each role names its
recipient by ``id`` (with ``shareRecipientType``) or, for a user, by ``username``;
``NO_ROLE`` removes a recipient's role. Unknown recipients are a 404; a change that would
leave the deployment without an owner is a 422. It answers 204.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ._errors import ApiError, invalid_body, not_found
from ._http import deployment_or_404, json_reply, read_json, state_of
from ._paging import Paging
from ._params import QueryReader, check_body, check_choice
from ._records_registry import Recipient
from ._state_sharing import ROLES, DeploymentSharing
from ._wire_registry import shared_role_json

__all__ = ["add_sharing_routes"]

_PAGES = Paging(default_limit=100, max_limit=100, zero_means_all=True, total_count=True)
_KINDS = ("user", "group", "organization")
_ROLE = {
    "role": (check_choice([*ROLES, "NO_ROLE"]), True),
    "shareRecipientType": (check_choice(_KINDS), True),
    "id": (lambda v: None if isinstance(v, str) else "value is not a string", False),
    "username": (lambda v: None if isinstance(v, str) else "value is not a string", False),
    "name": (lambda v: None if isinstance(v, str) else "value is not a string", False),
    "canShare": (lambda v: None if v is None or isinstance(v, bool) else "not a bool", False),
}


def _roles(value: Any) -> str | None:
    if not isinstance(value, list):
        return "value is not a list"
    return None if 1 <= len(value) <= 100 else "between 1 and 100 roles are required"


_UPDATE = {"operation": (check_choice(["updateRoles"]), True), "roles": (_roles, True)}


async def list_roles(request: web.Request) -> web.Response:
    """``GET deployments/{id}/sharedRoles/``: ``id``, ``name`` and ``shareRecipientType``
    filter it."""
    record = deployment_or_404(request)
    reader = QueryReader(request.query, ("offset", "limit", "id", "name", "shareRecipientType"))
    window = _PAGES.read(reader)
    wanted_id, name = reader.text("id"), reader.text("name")
    kinds = reader.choices("shareRecipientType", _KINDS)
    reader.check()
    chosen = [
        (recipient, role)
        for recipient, role in state_of(request).sharing.roles(record)
        if (wanted_id is None or recipient.id == wanted_id)
        and (name is None or recipient.name.casefold() == name.casefold())
        and (kinds is None or recipient.kind in kinds)
    ]
    return json_reply(
        _PAGES.envelope(request.url, chosen, window, lambda item: shared_role_json(*item))
    )


def _recipient(sharing: DeploymentSharing, index: int, entry: dict[str, Any]) -> Recipient:
    kind = entry["shareRecipientType"]
    if ("id" in entry) == ("username" in entry):
        raise invalid_body({f"roles[{index}]": "give exactly one of id and username"})
    if "username" in entry:
        if kind != "user":
            raise invalid_body({f"roles[{index}]": "username names users only"})
        found = sharing.by_username(entry["username"])
        if found is None:
            raise not_found(f"User not found: {entry['username']}.")
        return found
    found = sharing.by_id(entry["id"])
    if found is None or found.kind != kind:
        raise not_found(f"No {kind} with id {entry['id']}.")
    return found


async def update_roles(request: web.Request) -> web.Response:
    """``PATCH deployments/{id}/sharedRoles/``: 204."""
    record = deployment_or_404(request)
    sharing = state_of(request).sharing
    body = check_body(await read_json(request), _UPDATE)
    changes: dict[str, str | None] = {}
    for index, entry in enumerate(body["roles"]):
        checked = check_body(entry, _ROLE)
        recipient = _recipient(sharing, index, checked)
        role = checked["role"]
        changes[recipient.id] = None if role == "NO_ROLE" else role
    if (refusal := sharing.refusal(record, changes)) is not None:
        raise ApiError(422, {"message": refusal})
    sharing.apply(record, changes)
    return json_reply(status=204)


def add_sharing_routes(router: web.UrlDispatcher) -> None:
    """Register the sharing routes under ``/api/v2``."""
    base = "/api/v2/deployments/{deployment_id}/sharedRoles/"
    router.add_get(base, list_roles)
    router.add_patch(base, update_roles)
