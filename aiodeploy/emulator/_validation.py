"""Replacement validation: may this model replace the deployment's current one?"""

from __future__ import annotations

import dataclasses
from typing import Any

from aiodeploy.enums import ValidationStatus

from ._records import ModelRecord, ProjectRecord

__all__ = ["ValidationReport", "validate_replacement"]

_RANK = {ValidationStatus.PASSING: 0, ValidationStatus.WARNING: 1, ValidationStatus.FAILING: 2}
_SUMMARY = {
    ValidationStatus.PASSING: "Model can be used to replace the current model of the deployment.",
    ValidationStatus.WARNING: (
        "Model can be used to replace the current model of the deployment, "
        "but some checks returned warnings."
    ),
    ValidationStatus.FAILING: (
        "Model cannot be used to replace the current model of the deployment."
    ),
}


@dataclasses.dataclass(frozen=True)
class ValidationReport:
    """Outcome of a validation: the worst check decides ``status``."""

    status: ValidationStatus
    message: str
    checks: dict[str, tuple[ValidationStatus, str]]

    def to_json(self) -> dict[str, Any]:
        """Return the wire form ``{"status", "message", "checks": {name: {status, message}}}``."""
        return {
            "status": self.status.value,
            "message": self.message,
            "checks": {
                name: {"status": status.value, "message": message}
                for name, (status, message) in self.checks.items()
            },
        }


def _names(items: list[str]) -> str:
    return ", ".join(sorted(items))


def validate_replacement(
    current: ModelRecord,
    current_project: ProjectRecord,
    new: ModelRecord,
    new_project: ProjectRecord,
    *,
    may_replace: bool,
    build_status: str = "",
) -> ValidationReport:
    """Run DataRobot's replacement checks, in the alphabetical order of its report.

    Args:
        current: The deployment's current model.
        current_project: Its project.
        new: The candidate model.
        new_project: The candidate's project.
        may_replace: Whether the caller's role may replace models (else ``permission`` fails).
        build_status: The ``buildStatus`` of the registered model version the candidate
            comes in (empty: a Leaderboard model); one not ``complete`` fails ``modelStatus``.

    Returns:
        The report; ``failing`` means a replacement with this model is refused.
    """
    ok, warn, fail = ValidationStatus.PASSING, ValidationStatus.WARNING, ValidationStatus.FAILING
    checks: dict[str, tuple[ValidationStatus, str]] = {}
    checks["driftTracking"] = (ok, "Drift tracking will continue with the new model.")

    shared = set(current.features) & set(new.features)
    retyped = [f for f in shared if current.features[f] != new.features[f]]
    checks["featureDataTypes"] = (
        (fail, f"Features have different data types: {_names(retyped)}.")
        if retyped
        else (ok, "Data types of the features used by both models match.")
    )
    extra = [f for f in new.features if f not in current.features]
    checks["features"] = (
        (warn, f"The new model needs features the current model does not use: {_names(extra)}.")
        if extra
        else (ok, "The new model needs no feature the current model does not use.")
    )
    if new.status != "completed":
        checks["modelStatus"] = (fail, f"The model is not ready: its status is {new.status}.")
    elif build_status not in ("", "complete"):
        checks["modelStatus"] = (
            fail,
            f"The model package is not ready: its build is {build_status}.",
        )
    else:
        checks["modelStatus"] = (ok, "The model is trained and ready.")
    checks["notCurrentModel"] = (
        (fail, "The model is the current model of the deployment.")
        if new.id == current.id
        else (ok, "The model is not the current model of the deployment.")
    )
    checks["permission"] = (
        (ok, "You may replace the model of this deployment.")
        if may_replace
        else (fail, "You do not have permission to replace the model of this deployment.")
    )
    checks["supported"] = (ok, "Model replacement is supported for this deployment.")
    checks["target"] = (
        (ok, "The target name matches.")
        if new_project.target == current_project.target
        else (
            fail,
            f"The target name {new_project.target!r} differs from the deployment's "
            f"{current_project.target!r}.",
        )
    )
    same_type = new_project.target_type == current_project.target_type
    if current_project.target_type == "Regression" and same_type:
        checks["targetClasses"] = (ok, "Not applicable: regression target.")
    else:
        checks["targetClasses"] = (
            (ok, "The target classes match.")
            if new_project.classes == current_project.classes
            else (
                fail,
                f"The target classes [{', '.join(new_project.classes)}] differ from the "
                f"deployment's [{', '.join(current_project.classes)}].",
            )
        )
    checks["targetType"] = (
        (ok, "The target type matches.")
        if same_type
        else (
            fail,
            f"The target type {new_project.target_type} differs from the deployment's "
            f"{current_project.target_type}.",
        )
    )
    status = max((s for s, _ in checks.values()), key=_RANK.__getitem__)
    return ValidationReport(status, _SUMMARY[status], checks)
