"""Registry arguments given as an id or as the object the client returned for it.

As every ``dep`` argument takes an id or a :class:`~aiodeploy.Deployment`, the registry
calls take a registered model, a registered model version or a prediction environment as
its id or as the object :class:`~aiodeploy.AsyncDeploymentClient` returned (only its ``id``
is used). Pure: the id is checked (:func:`~aiodeploy._wire.check_id`), nothing is sent.
"""

from __future__ import annotations

from ._models_registry import PredictionEnvironment, RegisteredModel, RegisteredModelVersion
from ._wire import check_id

__all__ = [
    "PredictionEnvironmentRef",
    "RegisteredModelRef",
    "RegisteredModelVersionRef",
    "environment_id_of",
    "registered_model_id_of",
    "version_id_of",
]

RegisteredModelRef = str | RegisteredModel
"""A registered model id, or a :class:`~aiodeploy.RegisteredModel` (its ``id`` is used)."""
RegisteredModelVersionRef = str | RegisteredModelVersion
"""A registered model version (model package) id, or a
:class:`~aiodeploy.RegisteredModelVersion` (its ``id`` is used)."""
PredictionEnvironmentRef = str | PredictionEnvironment
"""A prediction environment id, or a :class:`~aiodeploy.PredictionEnvironment` (its ``id``
is used)."""


def _id_of(value: object, kind: type[object], what: str) -> str:
    if isinstance(value, kind):
        value = getattr(value, "id", None)
    elif not isinstance(value, str):
        raise TypeError(f"{what} must be a string or a {kind.__name__}, got {type(value).__name__}")
    return check_id(value, what)


def registered_model_id_of(value: object, what: str = "registered model id") -> str:
    """The id of a registered model given as an id or a :class:`RegisteredModel`.

    Raises:
        TypeError: neither a string nor a :class:`RegisteredModel`.
        ValueError: a malformed id.
    """
    return _id_of(value, RegisteredModel, what)


def version_id_of(value: object, what: str = "registered model version id") -> str:
    """The id of a registered model version given as an id or a
    :class:`RegisteredModelVersion`.

    Raises:
        TypeError: neither a string nor a :class:`RegisteredModelVersion`.
        ValueError: a malformed id.
    """
    return _id_of(value, RegisteredModelVersion, what)


def environment_id_of(value: object, what: str = "prediction environment id") -> str:
    """The id of a prediction environment given as an id or a
    :class:`PredictionEnvironment`.

    Raises:
        TypeError: neither a string nor a :class:`PredictionEnvironment`.
        ValueError: a malformed id.
    """
    return _id_of(value, PredictionEnvironment, what)
