"""The rules that turn monitoring data into a deployment's health blocks.

Pure functions of figures the monitoring reads compute, so each verdict can be tested
without a server:

- service health (last 24 hours): ``unknown`` without requests; ``failing`` when 5 % or
  more of the requests were answered with an error, ``warning`` from 1 %, else ``passing``;
- data drift (``modelHealth``, last 7 days, the current model): ``unknown`` below 100
  predictions; ``failing`` when a feature of impact 0.5 or more drifts by 0.15 (PSI) or
  more, or the target by 0.25 or more; ``warning`` when any tracked feature or the target
  drifts by 0.15 or more; else ``passing``;
- accuracy (last 7 days, the current model's metric against its baseline):
  ``unavailable`` without actuals; ``failing`` 20 % or more worse than the baseline,
  ``warning`` from 10 %, else ``passing``.
"""

from __future__ import annotations

from collections.abc import Iterable

from ._metrics import LOWER_IS_BETTER

__all__ = [
    "DRIFT_MIN_ROWS",
    "accuracy_status",
    "drift_status",
    "service_status",
]

DRIFT_MIN_ROWS = 100
"""Predictions a drift verdict needs (fewer bins than rows make PSI noise, not signal)."""

_ERRORS_FAILING, _ERRORS_WARNING = 0.05, 0.01
_DRIFT, _TARGET_FAILING, _IMPORTANT = 0.15, 0.25, 0.5
_WORSE_FAILING, _WORSE_WARNING = 0.20, 0.10


def service_status(requests: int, errors: int) -> str:
    """Service health from a day's requests and those answered with an error."""
    if not requests:
        return "unknown"
    share = errors / requests
    if share >= _ERRORS_FAILING:
        return "failing"
    return "warning" if share >= _ERRORS_WARNING else "passing"


def drift_status(
    rows: int, target: float | None, features: Iterable[tuple[float | None, float]]
) -> str:
    """Data drift health from the rows predicted, the target's drift score and each
    feature's ``(drift score, impact)``."""
    if rows < DRIFT_MIN_ROWS:
        return "unknown"
    drifting = [impact for score, impact in features if score is not None and score >= _DRIFT]
    target_score = target or 0.0
    if target_score >= _TARGET_FAILING or any(impact >= _IMPORTANT for impact in drifting):
        return "failing"
    return "warning" if drifting or target_score >= _DRIFT else "passing"


def accuracy_status(metric: str, value: float | None, baseline: float | None) -> str:
    """Accuracy health from the metric's value and its baseline (None: no actuals)."""
    if value is None:
        return "unavailable"
    if not baseline:
        return "passing"
    change = (value - baseline) / abs(baseline)
    worse = change if metric in LOWER_IS_BETTER else -change
    if worse >= _WORSE_FAILING:
        return "failing"
    return "warning" if worse >= _WORSE_WARNING else "passing"
