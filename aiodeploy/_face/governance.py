"""Public methods: a deployment's tags and who it is shared with, one or many."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Sequence

from .._api import governance
from .._bulk import BulkEvent, BulkResult
from .._deadline import Deadline
from .._models import Tag
from .._models_lifecycle import SharedRole, SharedRoleGrant
from .._wire import DeploymentRef, check_id, check_text, deployment_id
from ..errors import ConflictError
from ._base import Face
from ._fleet import Journal, run_steps

__all__ = ["GovernanceMethods"]


def _grants(roles: Iterable[SharedRoleGrant | SharedRole]) -> list[SharedRoleGrant]:
    """Grants, from grants or from roles read with ``list_shared_roles``.

    Raises:
        TypeError: something else.
        ValueError: no grant.
    """
    grants: list[SharedRoleGrant] = []
    for role in roles:
        if isinstance(role, SharedRole):
            role = SharedRoleGrant(
                role.role, id=role.id, share_recipient_type=role.share_recipient_type
            )
        if not isinstance(role, SharedRoleGrant):
            raise TypeError(f"roles are SharedRoleGrant or SharedRole objects, not {role!r}")
        grants.append(role)
    if not 1 <= len(grants) <= 100:
        raise ValueError("give between 1 and 100 roles")
    return grants


class GovernanceMethods(Face):
    """Labelling deployments with tags, and sharing them."""

    async def create_tag(
        self, deployment: DeploymentRef, name: str, value: str, *, max_wait: float | None = None
    ) -> Tag:
        """Tag a deployment.

        Sends ``POST deployments/{id}/tags/``. A lost answer is settled by the deployment's
        tags (the server refuses a tag the deployment already has, so it is never created
        twice).

        Args:
            deployment: its id, or a :class:`Deployment`.
            name: the tag's name (up to 50 characters).
            value: its value (up to 256 characters).
            max_wait: seconds for the whole call (default: the client's ``max_wait``).

        Returns:
            The new :class:`Tag`, with its id.

        Raises:
            ValueError, TypeError: a blank name or value, a malformed id or ``max_wait``
                (before any request).
            NotFoundError: no such deployment.
            ConflictError: the deployment already has this tag.
            UnprocessableEntityError: the server refused the tag (too long).
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        deadline = self._session.deadline(max_wait)
        name, value = check_text(name, "tag name"), check_text(value, "tag value")
        dep_id = deployment_id(deployment)
        return await governance.create_tag(self._session, dep_id, name, value, deadline)

    async def update_tag(
        self,
        deployment: DeploymentRef,
        tag_id: str,
        name: str,
        value: str,
        *,
        max_wait: float | None = None,
    ) -> Tag:
        """Change a tag's name and value.

        Sends ``PATCH deployments/{id}/tags/{tagId}/`` (resent on transient failures; a
        lost answer is settled by the deployment's tags).

        Raises:
            ValueError, TypeError: a blank name or value, a malformed id or ``max_wait``
                (before any request).
            NotFoundError: no such deployment or tag.
            ConflictError: the deployment already has a tag with this name and value.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        deadline = self._session.deadline(max_wait)
        name, value = check_text(name, "tag name"), check_text(value, "tag value")
        dep_id, tag = deployment_id(deployment), check_id(tag_id, "tag id")
        return await governance.update_tag(self._session, dep_id, tag, name, value, deadline)

    async def delete_tag(
        self, deployment: DeploymentRef, tag_id: str, *, max_wait: float | None = None
    ) -> None:
        """Remove a tag from a deployment.

        Sends ``DELETE deployments/{id}/tags/{tagId}/`` (204; a lost answer is settled by
        the deployment's tags).

        Raises:
            ValueError, TypeError: a malformed id or ``max_wait`` (before any request).
            NotFoundError: no such deployment or tag.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        deadline = self._session.deadline(max_wait)
        dep_id, tag = deployment_id(deployment), check_id(tag_id, "tag id")
        await governance.delete_tag(self._session, dep_id, tag, deadline)

    async def list_shared_roles(self, deployment: DeploymentRef) -> list[SharedRole]:
        """Who has which role on a deployment.

        Sends ``GET deployments/{id}/sharedRoles/`` and follows its ``next`` pages.

        Returns:
            One :class:`SharedRole` per user, group or organization.

        Raises:
            ValueError, TypeError: a malformed id (before any request).
            NotFoundError: no such deployment.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        return await governance.list_shared_roles(self._session, deployment_id(deployment))

    async def update_shared_roles(
        self,
        deployment: DeploymentRef,
        roles: Sequence[SharedRoleGrant | SharedRole],
        *,
        max_wait: float | None = None,
    ) -> list[SharedRole]:
        """Share a deployment (or stop sharing it: role ``NO_ROLE``), then read its roles.

        Sends ``PATCH deployments/{id}/sharedRoles/`` with ``operation: updateRoles``
        (resent on transient failures: setting a role twice changes nothing), then
        ``GET deployments/{id}/sharedRoles/``.

        Example:
            >>> await client.update_shared_roles(  # doctest: +SKIP
            ...     dep, [SharedRoleGrant("CONSUMER", username="alice@example.com")])

        Args:
            deployment: its id, or a :class:`Deployment`.
            roles: :class:`SharedRoleGrant` objects (or roles read with
                :meth:`list_shared_roles`), 1 to 100.
            max_wait: seconds for the whole call (default: the client's ``max_wait``).

        Returns:
            The deployment's roles now.

        Raises:
            ValueError, TypeError: no roles, something else than grants, a malformed id or
                ``max_wait`` (before any request).
            NotFoundError: no such deployment, user, group or organization.
            UnprocessableEntityError: the change would leave the deployment without owner.
            APIError, TransportError, ResponseDecodeError: see the README's error table.
        """
        deadline = self._session.deadline(max_wait)
        grants, dep_id = _grants(roles), deployment_id(deployment)
        await governance.update_shared_roles(self._session, dep_id, grants, deadline)
        return await governance.list_shared_roles(self._session, dep_id)

    async def bulk_create_tags(
        self,
        deployments: Iterable[DeploymentRef],
        name: str,
        value: str,
        *,
        concurrency: int = 32,
        fail_fast: bool = False,
        max_wait: float | None = None,
        journal: Journal = None,
        on_event: Callable[[BulkEvent], None] | None = None,
    ) -> BulkResult[str]:
        """Tag many deployments at once (the rollouts' runner); a deployment that already
        has the tag counts as ``updated``.

        Arguments and results as for :meth:`bulk_update_deployments`.
        """
        name, value = check_text(name, "tag name"), check_text(value, "tag value")

        async def step(dep_id: str, deadline: Deadline) -> None:
            # a 409 says it has the tag already: what was asked holds
            with contextlib.suppress(ConflictError):
                await governance.create_tag(self._session, dep_id, name, value, deadline)

        return await run_steps(
            self._session, deployments, step, "create_tag", {"name": name, "value": value},
            concurrency=concurrency, fail_fast=fail_fast, max_wait=max_wait, journal=journal,
            on_event=on_event,
        )  # fmt: skip

    async def bulk_delete_tags(
        self,
        deployments: Iterable[DeploymentRef],
        name: str,
        value: str | None = None,
        *,
        concurrency: int = 32,
        fail_fast: bool = False,
        max_wait: float | None = None,
        journal: Journal = None,
        on_event: Callable[[BulkEvent], None] | None = None,
    ) -> BulkResult[str]:
        """Remove the tags called ``name`` (with ``value``, if given) from many
        deployments; one without such a tag counts as ``updated``.

        Reads each deployment's tags, then sends one ``DELETE deployments/{id}/tags/{tagId}/``
        per matching tag. Arguments and results as for :meth:`bulk_update_deployments`.
        """
        name = check_text(name, "tag name")
        if value is not None:
            value = check_text(value, "tag value")

        async def step(dep_id: str, deadline: Deadline) -> None:
            await governance.delete_tags_named(self._session, dep_id, name, value, deadline)

        return await run_steps(
            self._session, deployments, step, "delete_tags", {"name": name, "value": value},
            concurrency=concurrency, fail_fast=fail_fast, max_wait=max_wait, journal=journal,
            on_event=on_event,
        )  # fmt: skip

    async def bulk_update_shared_roles(
        self,
        deployments: Iterable[DeploymentRef],
        roles: Sequence[SharedRoleGrant | SharedRole],
        *,
        concurrency: int = 32,
        fail_fast: bool = False,
        max_wait: float | None = None,
        journal: Journal = None,
        on_event: Callable[[BulkEvent], None] | None = None,
    ) -> BulkResult[str]:
        """Share many deployments the same way at once: one
        ``PATCH deployments/{id}/sharedRoles/`` each. Arguments and results as for
        :meth:`bulk_update_deployments`."""
        grants = _grants(roles)

        async def step(dep_id: str, deadline: Deadline) -> None:
            await governance.update_shared_roles(self._session, dep_id, grants, deadline)

        params = {"roles": [g.payload() for g in grants]}
        return await run_steps(
            self._session, deployments, step, "share", params,
            concurrency=concurrency, fail_fast=fail_fast, max_wait=max_wait, journal=journal,
            on_event=on_event,
        )  # fmt: skip
