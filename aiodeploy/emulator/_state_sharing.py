"""Sharing: who has which role on a deployment (``OWNER``, ``USER``, ``CONSUMER``).

A deployment's roles live on its record (recipient id → role); the creator owns it. The
people it can be shared with are a small seeded directory of users, a group and an
organization (``_seed_registry.build_recipients``).
"""

from __future__ import annotations

from collections.abc import Mapping

from ._records import DeploymentRecord
from ._records_registry import Recipient
from ._seed_registry import build_recipients

__all__ = ["ROLES", "DeploymentSharing"]

ROLES = ("OWNER", "USER", "CONSUMER")
"""The roles a deployment can be shared with; ``NO_ROLE`` in an update removes one."""


class DeploymentSharing:
    """Reads and changes deployments' shared roles.

    Args:
        seed: Seeds the directory's ids.

    Attributes:
        recipients: Everyone a deployment can be shared with.
    """

    def __init__(self, seed: int) -> None:
        self.recipients = build_recipients(seed)
        self._by_id = {r.id: r for r in self.recipients}

    def by_id(self, recipient_id: str) -> Recipient | None:
        """Return a user, group or organization by id, or None."""
        return self._by_id.get(recipient_id)

    def by_username(self, username: str) -> Recipient | None:
        """Return a user by username (case-insensitive), or None."""
        wanted = username.casefold()
        return next(
            (r for r in self.recipients if r.kind == "user" and r.name.casefold() == wanted), None
        )

    def roles(self, record: DeploymentRecord) -> list[tuple[Recipient, str]]:
        """Return who has which role on the deployment, in directory order."""
        return [(r, record.roles[r.id]) for r in self.recipients if r.id in record.roles]

    def owners(self, record: DeploymentRecord) -> list[Recipient]:
        """Return the users who own the deployment."""
        return [r for r, role in self.roles(record) if role == "OWNER" and r.kind == "user"]

    def refusal(self, record: DeploymentRecord, changes: Mapping[str, str | None]) -> str | None:
        """Why ``changes`` (recipient id → role, None to remove) cannot apply (None: they can).

        A deployment keeps at least one owner.
        """
        after = {**record.roles}
        for recipient_id, role in changes.items():
            if role is None:
                after.pop(recipient_id, None)
            else:
                after[recipient_id] = role
        if "OWNER" not in after.values():
            return "The deployment must keep at least one owner."
        return None

    def apply(self, record: DeploymentRecord, changes: Mapping[str, str | None]) -> None:
        """Set or remove roles (checked with :meth:`refusal` first)."""
        for recipient_id, role in changes.items():
            if role is None:
                record.roles.pop(recipient_id, None)
            else:
                record.roles[recipient_id] = role
        record.touch()
