"""What a deployment is to serve after a replacement: a registered model version (model
package, DataRobot's current path) or a Leaderboard model (the legacy path). Pure."""

from __future__ import annotations

import dataclasses

from ._models import Deployment, ModelHistoryEntry
from ._refs import version_id_of
from ._wire import check_id

__all__ = ["Target"]


@dataclasses.dataclass(frozen=True)
class Target:
    """Exactly one of a Leaderboard model id and a registered model version id.

    Attributes:
        model_id: the Leaderboard model (``modelId`` on the wire).
        version_id: the registered model version (``modelPackageId`` on the wire).
    """

    model_id: str | None = None
    version_id: str | None = None

    @classmethod
    def of(cls, model_id: object, version_id: object) -> Target:
        """The target named by exactly one of the two ids, checked.

        Args:
            model_id: a Leaderboard model id (the legacy path).
            version_id: a registered model version id, or a
                :class:`~aiodeploy.RegisteredModelVersion`.

        Raises:
            ValueError: both or neither is given, or an id is malformed.
            TypeError: an id is not a string (nor, for a version, a version object).
        """
        if (model_id is None) == (version_id is None):
            # one message fits both cases (neither, both): the caller fixes either the same way
            raise ValueError("give exactly one of new_model_id and new_registered_model_version_id")
        if version_id is not None:
            return cls(version_id=version_id_of(version_id))
        return cls(model_id=check_id(model_id, "model id"))

    @property
    def body(self) -> dict[str, str]:
        """The request fields that name it."""
        if self.version_id is not None:
            return {"modelPackageId": self.version_id}
        assert self.model_id is not None
        return {"modelId": self.model_id}

    def served_by(self, deployment: Deployment) -> bool:
        """Whether the deployment's champion is this target."""
        if self.version_id is not None:
            package = deployment.model_package
            return package is not None and package.id == self.version_id
        return deployment.model is not None and deployment.model.id == self.model_id

    def shown_by(self, entry: ModelHistoryEntry) -> bool:
        """Whether a model history entry is this target's champion period."""
        if self.version_id is not None:
            return entry.model_package_id == self.version_id
        return entry.model_id == self.model_id

    def __str__(self) -> str:
        if self.version_id is not None:
            return f"registered model version {self.version_id}"
        return f"model {self.model_id}"
