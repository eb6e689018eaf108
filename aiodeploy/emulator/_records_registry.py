"""The registry's records: registered models, their versions, prediction environments, and
the people deployments are shared with."""

from __future__ import annotations

import dataclasses

__all__ = ["EnvironmentRecord", "Recipient", "RegisteredModelRecord", "VersionRecord"]


@dataclasses.dataclass(eq=False)
class VersionRecord:
    """A registered model version (a model package) of a Leaderboard model.

    Attributes:
        number: Its version number within its registered model (1, 2, ...).
        built_at: Clock reading at which its build completes (its ``buildStatus`` is
            ``inProgress`` until then, ``complete`` after).
        tags: ``{"id", "name", "value"}`` dicts.
    """

    id: str
    registered_model_id: str
    number: int
    name: str
    model_id: str
    description: str | None
    created_at: str
    built_at: float
    prediction_threshold: float | None = None
    tags: list[dict[str, str]] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(eq=False)
class RegisteredModelRecord:
    """A registered model: a named series of versions sharing one target.

    Attributes:
        description: Its description; ``""`` when none was given (DataRobot answers a
            string, and the official client cannot build a registered model without one).
        versions: Its versions' ids, oldest (version 1) first.
    """

    id: str
    name: str
    description: str
    created_at: str
    modified_at: str
    target_name: str
    target_type: str
    versions: list[str] = dataclasses.field(default_factory=list)
    tags: list[dict[str, str]] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class EnvironmentRecord:
    """A prediction environment: where a deployment's model runs.

    Attributes:
        platform: ``datarobot`` (a dedicated prediction server), ``datarobotServerless``,
            or an external one (``aws``, ...).
        server_id: The dedicated prediction server behind a ``datarobot`` environment.
        formats: The model formats it can serve (``datarobot``, ``customModel``, ...).
    """

    id: str
    name: str
    platform: str
    description: str
    created_at: str
    formats: tuple[str, ...]
    server_id: str | None = None
    managed_by_agent: bool = False


@dataclasses.dataclass(frozen=True)
class Recipient:
    """Someone a deployment can be shared with: a user, a group or an organization.

    Attributes:
        kind: ``user``, ``group`` or ``organization`` (DataRobot's ``shareRecipientType``).
        name: Its name; a user's is the username (an email).
    """

    id: str
    kind: str
    name: str
