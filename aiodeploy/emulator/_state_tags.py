"""Deployment tags: ``{id, name, value}`` pairs that deployments are listed by.

Seed deployments carry two tags each, ``team`` (by project) and ``environment``
(``production`` for active deployments, ``staging`` for inactive ones), so that the
``tagKeys``/``tagValues`` list filters select something in a fresh emulator.
"""

from __future__ import annotations

from ._records import DeploymentRecord, TagRecord, object_id
from ._store import DeploymentStore

__all__ = ["DeploymentTags"]

_TEAMS = {"credit-risk": "risk", "churn": "growth", "house-price": "pricing", "iris": "research"}


class DeploymentTags:
    """Creates, changes and deletes tags; tags live on their deployment's record.

    Args:
        seed: Seeds tag ids.
        store: The deployments; the seed deployments get their tags here.
    """

    def __init__(self, seed: int, store: DeploymentStore) -> None:
        self._seed = seed
        self._count = 0
        for record in store.live():
            team = _TEAMS.get(record.label.rsplit("-", 1)[0])
            if team is not None:
                stage = "production" if record.status == "active" else "staging"
                record.tags = [self._new("team", team), self._new("environment", stage)]

    def _new(self, name: str, value: str) -> TagRecord:
        self._count += 1
        return TagRecord(object_id(self._seed, "tag", self._count), name, value)

    def find(self, record: DeploymentRecord, tag_id: str) -> TagRecord | None:
        """Return one of the deployment's tags by id, or None."""
        return next((tag for tag in record.tags if tag.id == tag_id), None)

    def matching(self, record: DeploymentRecord, name: str, value: str) -> TagRecord | None:
        """Return the deployment's tag with this name and value, or None."""
        return next((t for t in record.tags if (t.name, t.value) == (name, value)), None)

    def create(self, record: DeploymentRecord, name: str, value: str) -> TagRecord:
        """Add a tag to the deployment."""
        tag = self._new(name, value)
        record.tags.append(tag)
        record.touch()
        return tag

    def update(self, record: DeploymentRecord, tag: TagRecord, name: str, value: str) -> None:
        """Change a tag's name and value."""
        tag.name, tag.value = name, value
        record.touch()

    def delete(self, record: DeploymentRecord, tag: TagRecord) -> None:
        """Remove a tag from the deployment."""
        record.tags.remove(tag)
        record.touch()
