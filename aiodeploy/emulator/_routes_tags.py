"""Deployment tag routes: list, create, change and delete a deployment's tags.

A deployment holds at most one tag with a given name and value: creating it again is a
409. Names are up to 50 characters, values up to 256.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ._errors import ApiError, not_found
from ._http import deployment_or_404, json_reply, read_json, state_of
from ._paging import Paging
from ._params import check_body
from ._records import DeploymentRecord, TagRecord
from ._wire_registry import tag_json

__all__ = ["add_tag_routes"]

_PAGES = Paging(default_limit=100, max_limit=1000, total_count=True)


def _text(limit: int) -> Any:
    def check(value: Any) -> str | None:
        if not isinstance(value, str):
            return "value is not a string"
        if not value.strip():
            return "blank value is not allowed"
        return None if len(value) <= limit else f"longer than {limit} characters"

    return check


_FIELDS = {"name": (_text(50), True), "value": (_text(256), True)}


def _tag_or_404(request: web.Request, record: DeploymentRecord) -> TagRecord:
    tag = state_of(request).tags.find(record, request.match_info["tag_id"])
    if tag is None:
        raise not_found("Tag not found.")
    return tag


def _refuse_duplicate(request: web.Request, record: DeploymentRecord, body: dict[str, Any]) -> None:
    existing = state_of(request).tags.matching(record, body["name"], body["value"])
    if existing is not None and existing.id != request.match_info.get("tag_id"):
        message = f"The deployment already has the tag {body['name']}={body['value']}."
        raise ApiError(409, {"message": message})


async def list_tags(request: web.Request) -> web.Response:
    """``GET deployments/{id}/tags/``."""
    record = deployment_or_404(request)
    window = _PAGES.read_query(request.query)
    return json_reply(_PAGES.envelope(request.url, record.tags, window, tag_json))


async def create_tag(request: web.Request) -> web.Response:
    """``POST deployments/{id}/tags/``: 201 with the tag (``{id, name, value}``)."""
    record = deployment_or_404(request)
    body = check_body(await read_json(request), _FIELDS)
    _refuse_duplicate(request, record, body)
    tag = state_of(request).tags.create(record, body["name"], body["value"])
    return json_reply(tag_json(tag), 201)


async def update_tag(request: web.Request) -> web.Response:
    """``PATCH deployments/{id}/tags/{tagId}/``: 200 with the tag."""
    record = deployment_or_404(request)
    tag = _tag_or_404(request, record)
    body = check_body(await read_json(request), _FIELDS)
    _refuse_duplicate(request, record, body)
    state_of(request).tags.update(record, tag, body["name"], body["value"])
    return json_reply(tag_json(tag))


async def delete_tag(request: web.Request) -> web.Response:
    """``DELETE deployments/{id}/tags/{tagId}/``: 204."""
    record = deployment_or_404(request)
    state_of(request).tags.delete(record, _tag_or_404(request, record))
    return json_reply(status=204)


def add_tag_routes(router: web.UrlDispatcher) -> None:
    """Register the tag routes under ``/api/v2``."""
    base = "/api/v2/deployments/{deployment_id}/tags"
    router.add_get(f"{base}/", list_tags)
    router.add_post(f"{base}/", create_tag)
    router.add_patch(f"{base}/{{tag_id}}/", update_tag)
    router.add_delete(f"{base}/{{tag_id}}/", delete_tag)
