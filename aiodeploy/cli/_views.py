"""What the commands show of each object: table rows, field lists and JSON-ready data."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from typing import Any

import msgspec

from .._models import Deployment, DriftTrackingSettings, HealthStatus, ValidationCheck
from ._output import print_fields, print_table, write_json

__all__ = [
    "DEPLOYMENT_COLUMNS",
    "cell_text",
    "checks_data",
    "deployment_fields",
    "deployment_row",
    "failing_checks",
    "json_data",
    "show_checks",
    "show_deployment",
    "show_drift",
]

DEPLOYMENT_COLUMNS = ("ID", "LABEL", "STATUS", "MODEL", "MODEL TYPE", "SERVICE HEALTH")


def json_data(obj: Any) -> Any:
    """An API object as JSON-ready builtins with snake_case keys, as in Python.

    Every msgspec Struct becomes a dict keyed by its Python field names (not the camelCase
    wire names), recursively; datetimes become ISO 8601 strings and enums their values.
    A dict keeps its keys, as the Python object does: checks and metrics by the names the
    server gives them are data, not field names.
    """
    if isinstance(obj, msgspec.Struct):
        return {f.name: json_data(getattr(obj, f.name)) for f in msgspec.structs.fields(obj)}
    if isinstance(obj, Mapping):
        return {str(key): json_data(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [json_data(item) for item in obj]
    if isinstance(obj, datetime):
        return obj.isoformat()
    if isinstance(obj, Enum):
        return obj.value
    return obj


def cell_text(value: object) -> str:
    """A table cell: ``-`` for nothing, a datetime to the second, else ``str()``."""
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return str(value)


def _health(health: HealthStatus | None) -> str:
    return cell_text(health.status if health else None)


def deployment_row(dep: Deployment) -> list[str]:
    """One row of ``deployments list`` (columns :data:`DEPLOYMENT_COLUMNS`)."""
    model = dep.model
    return [
        dep.id,
        cell_text(dep.label),
        cell_text(dep.status),
        cell_text(model.id if model else None),
        cell_text(model.type if model else None),
        _health(dep.service_health),
    ]


def deployment_fields(dep: Deployment) -> list[tuple[str, str]]:
    """The fields ``deployments get`` and ``replace`` show, in reading order."""
    model = dep.model
    server = dep.default_prediction_server
    return [
        ("id", dep.id),
        ("label", cell_text(dep.label)),
        ("description", cell_text(dep.description)),
        ("status", cell_text(dep.status)),
        ("importance", cell_text(dep.importance)),
        ("created at", cell_text(dep.created_at)),
        ("model id", cell_text(model.id if model else None)),
        ("model type", cell_text(model.type if model else None)),
        ("target", cell_text(model.target_name if model else None)),
        ("target type", cell_text(model.target_type if model else None)),
        ("project", cell_text(model.project_name if model else None)),
        ("deployed at", cell_text(model.deployed_at if model else None)),
        ("prediction server", cell_text(server.url if server else None)),
        ("service health", _health(dep.service_health)),
        ("model health", _health(dep.model_health)),
        ("accuracy health", _health(dep.accuracy_health)),
    ]


def show_deployment(dep: Deployment, *, as_json: bool) -> None:
    """Print one deployment as fields, or as its API JSON."""
    if as_json:
        write_json(json_data(dep))
    else:
        print_fields(deployment_fields(dep))


def checks_data(checks: Mapping[str, ValidationCheck] | None) -> dict[str, Any] | None:
    """Validation checks as ``{name: {"status": ..., "message": ...}}``."""
    return None if checks is None else dict(json_data(checks))


def failing_checks(checks: Mapping[str, ValidationCheck] | None) -> str:
    """The failing checks in one line, e.g. ``featureDataTypes: types differ``."""
    failing = [
        f"{name}: {check.message or check.status}"
        for name, check in (checks or {}).items()
        if check.status == "failing"
    ]
    return "; ".join(failing)


def show_checks(checks: Mapping[str, ValidationCheck], *, title: str | None = None) -> None:
    """Print validation checks as a table, worst first."""
    order = {"failing": 0, "warning": 1, "passing": 2}
    ranked = sorted(checks.items(), key=lambda item: (order.get(item[1].status, 3), item[0]))
    rows = [[name, check.status, cell_text(check.message)] for name, check in ranked]
    print_table(("CHECK", "STATUS", "MESSAGE"), rows, title=title, nowrap=("CHECK",))


def show_drift(dep_id: str, settings: DriftTrackingSettings, *, as_json: bool) -> None:
    """Print drift tracking settings."""
    if as_json:
        write_json({"deployment_id": dep_id, **json_data(settings)})
        return
    on_off = {True: "on", False: "off"}
    print_fields(
        [
            ("deployment", dep_id),
            ("target drift", on_off[settings.target_drift.enabled]),
            ("feature drift", on_off[settings.feature_drift.enabled]),
        ]
    )
