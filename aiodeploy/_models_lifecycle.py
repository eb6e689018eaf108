"""Typed objects of a deployment's lifecycle: its features and capabilities, and who it is
shared with (roles read, and the grants that change them)."""

from __future__ import annotations

import dataclasses

import msgspec

__all__ = ["SHARING_ROLES", "Capability", "Feature", "SharedRole", "SharedRoleGrant"]

SHARING_ROLES = ("OWNER", "USER", "CONSUMER", "NO_ROLE")
"""The roles a deployment is shared with; ``NO_ROLE`` removes a recipient's role."""
_RECIPIENT_TYPES = ("user", "group", "organization")


class _Base(msgspec.Struct, rename="camel", frozen=True, kw_only=True):
    """Base of every wire object."""


class Feature(_Base, frozen=True, kw_only=True):
    """A feature a deployment needs to predict (``GET deployments/{id}/features/``).

    Attributes:
        feature_type: ``Numeric``, ``Categorical``, ``Text``, ``Date``, ...
        importance: how strongly it relates to the target (0-1), model-independent.
    """

    name: str
    feature_type: str | None = None
    importance: float | None = None
    date_format: str | None = None
    known_in_advance: bool = False


class Capability(_Base, frozen=True, kw_only=True):
    """Whether a deployment supports something (``GET deployments/{id}/capabilities/``)."""

    name: str
    supported: bool = False
    messages: list[str] = msgspec.field(default_factory=list)


class SharedRole(_Base, frozen=True, kw_only=True):
    """Who has which role on a deployment (``GET deployments/{id}/sharedRoles/``).

    Attributes:
        share_recipient_type: ``user``, ``group`` or ``organization``.
        role: ``OWNER``, ``USER`` or ``CONSUMER``.
        name: a user's username, or the group's or organization's name.
    """

    id: str
    name: str | None = None
    role: str
    share_recipient_type: str


@dataclasses.dataclass(frozen=True)
class SharedRoleGrant:
    """Give (or, with ``NO_ROLE``, take away) a role on a deployment.

    Name the recipient by ``username`` (users only) or by ``id`` with its
    ``share_recipient_type``.

    Example:
        >>> SharedRoleGrant("CONSUMER", username="alice@example.com").payload()
        {'role': 'CONSUMER', 'shareRecipientType': 'user', 'username': 'alice@example.com'}

    Raises:
        ValueError: an unknown role or recipient type, neither or both of ``username`` and
            ``id``, or a ``username`` for a group or organization.
    """

    role: str
    username: str | None = None
    id: str | None = None
    share_recipient_type: str = "user"

    def __post_init__(self) -> None:
        if self.role not in SHARING_ROLES:
            raise ValueError(f"role must be one of {', '.join(SHARING_ROLES)}, not {self.role!r}")
        if self.share_recipient_type not in _RECIPIENT_TYPES:
            kinds = ", ".join(_RECIPIENT_TYPES)
            raise ValueError(f"share_recipient_type must be one of {kinds}")
        if (self.username is None) == (self.id is None):
            raise ValueError("name the recipient by exactly one of username and id")
        if self.username is not None and self.share_recipient_type != "user":
            raise ValueError("a username names a user: use id for groups and organizations")

    def payload(self) -> dict[str, str]:
        """The grant as ``PATCH deployments/{id}/sharedRoles/`` takes it."""
        body = {"role": self.role, "shareRecipientType": self.share_recipient_type}
        if self.username is not None:
            body["username"] = self.username
        if self.id is not None:
            body["id"] = self.id
        return body
