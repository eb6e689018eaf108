"""Pure statistics behind the monitoring reads: drift scores, accuracy metrics, quantiles."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from ._training import parse_number

__all__ = [
    "ACCURACY_METRICS",
    "DRIFT_METRICS",
    "LOWER_IS_BETTER",
    "Labelled",
    "accuracy_metric",
    "drift_score",
    "quantile",
]

_FLOOR = 1e-4  # share given to an empty bin, so that logarithms stay finite

Labelled = tuple[object, object, dict[str, float]]
"""One joined row: (actual value, predicted class or value, class probabilities)."""


def _shares(counts: Sequence[float]) -> list[float]:
    total = sum(counts)
    return [max(c / total, _FLOOR) for c in counts] if total else [_FLOOR] * len(counts)


def _kl(p: Sequence[float], q: Sequence[float]) -> float:
    return sum(a * math.log(a / b) for a, b in zip(p, q, strict=True))


def _psi(a: Sequence[float], e: Sequence[float]) -> float:
    return sum((x - y) * math.log(x / y) for x, y in zip(a, e, strict=True))


def _hellinger(a: Sequence[float], e: Sequence[float]) -> float:
    return math.sqrt(sum((math.sqrt(x) - math.sqrt(y)) ** 2 for x, y in zip(a, e, strict=True)) / 2)


def _js(a: Sequence[float], e: Sequence[float]) -> float:
    middle = [(x + y) / 2 for x, y in zip(a, e, strict=True)]
    return (_kl(a, middle) + _kl(e, middle)) / 2


def _dissimilarity(a: Sequence[float], e: Sequence[float]) -> float:
    return sum(abs(x - y) for x, y in zip(a, e, strict=True)) / 2


DRIFT_METRICS: dict[str, Callable[[Sequence[float], Sequence[float]], float]] = {
    "psi": _psi,
    "kl_divergence": _kl,
    "hellinger": _hellinger,
    "js_divergence": _js,
    "dissimilarity": _dissimilarity,
}
"""DataRobot's drift metrics, by the name its ``metric`` query parameter takes."""


def drift_score(metric: str, actual: Sequence[float], baseline: Sequence[float]) -> float | None:
    """How far the ``actual`` bin counts have moved from the ``baseline`` ones.

    Both are counts (or shares) over the same bins; an empty bin counts as a tiny share.
    None when ``actual`` is empty.
    """
    if not sum(actual):
        return None
    return round(DRIFT_METRICS[metric](_shares(actual), _shares(baseline)), 6)


def quantile(values: Sequence[float], share: float) -> float | None:
    """The ``share`` quantile of ``values`` (linear interpolation); None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    position = share * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


# -- accuracy --------------------------------------------------------------------------


def _numbers(rows: Sequence[Labelled]) -> list[tuple[float, float]]:
    pairs = ((parse_number(actual), parse_number(predicted)) for actual, predicted, _ in rows)
    return [(a, p) for a, p in pairs if a is not None and p is not None]


def _rmse(rows: Sequence[Labelled]) -> float | None:
    pairs = _numbers(rows)
    return math.sqrt(sum((a - p) ** 2 for a, p in pairs) / len(pairs)) if pairs else None


def _mae(rows: Sequence[Labelled]) -> float | None:
    pairs = _numbers(rows)
    return sum(abs(a - p) for a, p in pairs) / len(pairs) if pairs else None


def _r2(rows: Sequence[Labelled]) -> float | None:
    pairs = _numbers(rows)
    if len(pairs) < 2:
        return None
    mean = sum(a for a, _ in pairs) / len(pairs)
    total = sum((a - mean) ** 2 for a, _ in pairs)
    return 1 - sum((a - p) ** 2 for a, p in pairs) / total if total else None


def _logloss(rows: Sequence[Labelled]) -> float | None:
    losses = [
        -math.log(min(max(probs.get(str(actual), 0.0), 1e-15), 1.0)) for actual, _, probs in rows
    ]
    return sum(losses) / len(losses) if losses else None


def _accuracy(rows: Sequence[Labelled]) -> float | None:
    return sum(str(a) == str(p) for a, p, _ in rows) / len(rows) if rows else None


def _auc(rows: Sequence[Labelled]) -> float | None:
    # the probability of the class that the scorer lists first: the positive one
    if not rows:
        return None
    positive = next(iter(rows[0][2]), None)
    scored = [(probs.get(str(positive), 0.0), str(a) == positive) for a, _, probs in rows]
    ones = sum(hit for _, hit in scored)
    zeros = len(scored) - ones
    if not ones or not zeros:
        return None
    ranked = sorted(scored)
    rank_sum, index = 0.0, 0
    while index < len(ranked):  # average ranks over ties
        end = index
        while end + 1 < len(ranked) and ranked[end + 1][0] == ranked[index][0]:
            end += 1
        rank_sum += sum(hit for _, hit in ranked[index : end + 1]) * (index + end + 2) / 2
        index = end + 1
    return (rank_sum - ones * (ones + 1) / 2) / (ones * zeros)


ACCURACY_METRICS: dict[str, dict[str, Callable[[Sequence[Labelled]], float | None]]] = {
    "Binary": {"LogLoss": _logloss, "AUC": _auc, "Accuracy": _accuracy},
    "Multiclass": {"LogLoss": _logloss, "Accuracy": _accuracy},
    "Regression": {"RMSE": _rmse, "MAE": _mae, "R Squared": _r2},
}
"""The accuracy metrics computed per target type (DataRobot names)."""

LOWER_IS_BETTER = frozenset({"LogLoss", "RMSE", "MAE"})
"""Metrics where a smaller value is better."""


def accuracy_metric(target_type: str, metric: str, rows: Sequence[Labelled]) -> float | None:
    """One metric over joined rows; None without rows or for an unknown metric."""
    compute = ACCURACY_METRICS.get(target_type, {}).get(metric)
    value = compute(rows) if compute else None
    return None if value is None else round(value, 6)
