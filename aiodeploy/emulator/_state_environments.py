"""Prediction environments: where deployments run (read-only, seeded).

Each dedicated prediction server serves a ``datarobot`` environment; there is also a
serverless one (no prediction server: predictions go through the API) and an external one
(``aws``) that serves only external models, so a DataRobot model cannot be deployed there.
"""

from __future__ import annotations

from ._records_registry import EnvironmentRecord
from ._seed import SeedData
from ._seed_registry import build_environments

__all__ = ["PredictionEnvironments"]


class PredictionEnvironments:
    """The prediction environments, and which one a deployment lands in.

    Args:
        seed: Seeds the ids.
        catalog: The prediction servers behind the ``datarobot`` environments.

    Attributes:
        all: Every environment, in listing order.
    """

    def __init__(self, seed: int, catalog: SeedData) -> None:
        self.all = build_environments(seed, catalog)
        self._by_id = {env.id: env for env in self.all}

    def get(self, environment_id: str | None) -> EnvironmentRecord | None:
        """Return an environment by id, or None."""
        return None if environment_id is None else self._by_id.get(environment_id)

    def of_server(self, server_id: str | None) -> EnvironmentRecord | None:
        """Return the environment a dedicated prediction server serves, or None."""
        return next((env for env in self.all if env.server_id == server_id), None)

    def refusal(self, environment: EnvironmentRecord) -> str | None:
        """Why a DataRobot model cannot be deployed to ``environment`` (None: it can)."""
        if "datarobot" in environment.formats:
            return None
        formats = ", ".join(environment.formats)
        return (
            f"The prediction environment {environment.name!r} does not support DataRobot "
            f"models (it supports: {formats})."
        )
