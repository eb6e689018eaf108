"""What the commands show of each object: table rows, field lists and JSON-ready data."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import msgspec

from .._models import Deployment, DriftTrackingSettings, HealthStatus, ValidationCheck
from ._output import print_fields, print_table, write_json

__all__ = [
    "DEPLOYMENT_COLUMNS",
    "checks_data",
    "deployment_fields",
    "deployment_row",
    "failing_checks",
    "show_checks",
    "show_deployment",
    "show_drift",
    "wire_data",
]

DEPLOYMENT_COLUMNS = ("ID", "LABEL", "STATUS", "MODEL", "MODEL TYPE", "SERVICE HEALTH")


def wire_data(obj: Any) -> Any:
    """An API object as JSON-ready builtins, with the API's own (camelCase) field names."""
    return msgspec.to_builtins(obj)


def _text(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return str(value)


def _health(health: HealthStatus | None) -> str:
    return _text(health.status if health else None)


def deployment_row(dep: Deployment) -> list[str]:
    """One row of ``deployments list`` (columns :data:`DEPLOYMENT_COLUMNS`)."""
    model = dep.model
    return [
        dep.id,
        _text(dep.label),
        _text(dep.status),
        _text(model.id if model else None),
        _text(model.type if model else None),
        _health(dep.service_health),
    ]


def deployment_fields(dep: Deployment) -> list[tuple[str, str]]:
    """The fields ``deployments get`` and ``replace`` show, in reading order."""
    model = dep.model
    server = dep.default_prediction_server
    return [
        ("id", dep.id),
        ("label", _text(dep.label)),
        ("description", _text(dep.description)),
        ("status", _text(dep.status)),
        ("importance", _text(dep.importance)),
        ("created at", _text(dep.created_at)),
        ("model id", _text(model.id if model else None)),
        ("model type", _text(model.type if model else None)),
        ("target", _text(model.target_name if model else None)),
        ("target type", _text(model.target_type if model else None)),
        ("project", _text(model.project_name if model else None)),
        ("deployed at", _text(model.deployed_at if model else None)),
        ("prediction server", _text(server.url if server else None)),
        ("service health", _health(dep.service_health)),
        ("model health", _health(dep.model_health)),
        ("accuracy health", _health(dep.accuracy_health)),
    ]


def show_deployment(dep: Deployment, *, as_json: bool) -> None:
    """Print one deployment as fields, or as its API JSON."""
    if as_json:
        write_json(wire_data(dep))
    else:
        print_fields(deployment_fields(dep))


def checks_data(checks: Mapping[str, ValidationCheck] | None) -> dict[str, Any] | None:
    """Validation checks as ``{name: {"status": ..., "message": ...}}``."""
    if checks is None:
        return None
    return {name: {"status": c.status, "message": c.message} for name, c in checks.items()}


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
    rows = [[name, check.status, _text(check.message)] for name, check in ranked]
    print_table(("CHECK", "STATUS", "MESSAGE"), rows, title=title, nowrap=("CHECK",))


def show_drift(dep_id: str, settings: DriftTrackingSettings, *, as_json: bool) -> None:
    """Print drift tracking settings."""
    if as_json:
        write_json({"deploymentId": dep_id, **wire_data(settings)})
        return
    on_off = {True: "on", False: "off"}
    print_fields(
        [
            ("deployment", dep_id),
            ("target drift", on_off[settings.target_drift.enabled]),
            ("feature drift", on_off[settings.feature_drift.enabled]),
        ]
    )
