"""The seed projects' training data, described rather than stored.

Each feature has a distribution (a normal one for numbers, weighted levels for categories);
from it come the rows the traffic generator sends, the bins that drift is measured in, and
the training baseline each bin is compared with. Nothing here is random at import: rows
are drawn from a ``random.Random`` the caller seeds.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import itertools
import math
import random
from collections.abc import Mapping, Sequence
from statistics import NormalDist
from typing import Any

__all__ = [
    "MISSING",
    "FeatureSpec",
    "TargetSpec",
    "feature_spec",
    "parse_number",
    "sample_row",
    "specs_of",
    "target_spec",
    "unit_hash",
]

MISSING = "(missing)"
"""The name of every feature's last bin: rows without a usable value for it."""

_DECILES = tuple(i / 10 for i in range(1, 10))
_STANDARD = NormalDist()

# name: (mean, sd, lowest) for numbers, or the levels (most frequent first) for categories
_NUMERIC: dict[str, tuple[float, float, float]] = {
    "loan_amnt": (12_000, 7_000, 500), "annual_inc": (68_000, 30_000, 4_000),
    "int_rate": (13.0, 4.0, 5.0), "tenure": (32, 24, 0), "monthly_charges": (65, 30, 18),
    "total_charges": (2_300, 2_000, 18), "support_calls": (2.0, 1.5, 0), "sqft": (1_900, 800, 400),
    "bedrooms": (3.0, 1.0, 1), "bathrooms": (2.2, 0.8, 1), "year_built": (1_975, 25, 1_900),
    "lot_size": (7_500, 3_000, 800), "sepal_length": (5.8, 0.8, 4.0),
    "sepal_width": (3.05, 0.43, 2.0), "petal_length": (3.76, 1.76, 1.0),
    "petal_width": (1.2, 0.76, 0.1),
}  # fmt: skip
_LEVELS: dict[str, tuple[str, ...]] = {
    "grade": ("B", "C", "A", "D", "E", "F", "G"),
    "purpose": ("debt_consolidation", "credit_card", "home_improvement", "other", "car"),
    "emp_length": ("10+ years", "2 years", "< 1 year", "5 years", "1 year"),
    "home_ownership": ("MORTGAGE", "RENT", "OWN"),
    "contract": ("Month-to-month", "Two year", "One year"),
    "payment_method": ("Electronic check", "Mailed check", "Bank transfer", "Credit card"),
    "internet_service": ("Fiber optic", "DSL", "No"),
    "zipcode": ("98052", "98101", "98115", "98004", "98033"),
    "region": ("north", "south", "east", "west"),
}
# regression targets: (mean, sd, lowest)
_TARGETS: dict[str, tuple[float, float, float]] = {"price": (450_000, 150_000, 50_000)}


def unit_hash(*parts: object) -> float:
    """A number in ``[0, 1)`` that depends only on ``parts`` (stable across runs)."""
    digest = hashlib.blake2b("/".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def parse_number(value: Any) -> float | None:
    """A finite number from a JSON number or a CSV/JSON string; None if it is not one."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str) and value.strip():
        try:
            number = float(value.strip().rstrip("%"))
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


@dataclasses.dataclass(frozen=True)
class FeatureSpec:
    """How one feature is distributed in the training data, and its drift bins.

    Numbers fall in ten equally likely bins (the training deciles); categories in one bin
    per level plus ``other``; every feature's last bin is :data:`MISSING`. Text and dates
    are not tracked for drift (``tracked`` is False) and do not move predictions.

    Attributes:
        name: The feature.
        kind: ``numeric``, ``categorical``, ``text`` or ``date``.
        mean: Mean of a numeric feature.
        sd: Standard deviation of a numeric feature.
        lowest: Values drawn for a numeric feature never go below it.
        levels: A categorical feature's levels, most frequent first.
    """

    name: str
    kind: str
    mean: float = 0.0
    sd: float = 1.0
    lowest: float = -math.inf
    levels: tuple[str, ...] = ()

    @property
    def tracked(self) -> bool:
        """Whether drift is measured on this feature."""
        return self.kind in ("numeric", "categorical")

    @functools.cached_property
    def edges(self) -> tuple[float, ...]:
        """A numeric feature's bin edges: the training deciles."""
        return tuple(self.mean + self.sd * _STANDARD.inv_cdf(q) for q in _DECILES)

    @functools.cached_property
    def weights(self) -> tuple[float, ...]:
        """A categorical feature's level frequencies (they add up to 1)."""
        raw = [1.0 / (rank + 1.5) for rank in range(len(self.levels))]
        total = sum(raw)
        return tuple(w / total for w in raw)

    @property
    def bin_count(self) -> int:
        """Number of drift bins, :data:`MISSING` included."""
        return len(self.edges) + 2 if self.kind == "numeric" else len(self.levels) + 2

    def bin_names(self) -> list[str]:
        """A label per bin, e.g. ``"< 3100"``, ``"B"``, ``"other"``, ``"(missing)"``."""
        if self.kind == "numeric":
            edges = [f"{edge:.4g}" for edge in self.edges]
            names = [f"< {edges[0]}"]
            names += [f"{lo} - {hi}" for lo, hi in itertools.pairwise(edges)]
            return [*names, f">= {edges[-1]}", MISSING]
        return [*self.levels, "other", MISSING]

    def bin_of(self, value: Any) -> int:
        """The bin a row's value falls in (unparseable numbers count as missing)."""
        if self.kind == "numeric":
            number = parse_number(value)
            if number is None:
                return self.bin_count - 1
            return sum(number >= edge for edge in self.edges)
        if value is None or value == "":
            return self.bin_count - 1
        text = str(value)
        return self.levels.index(text) if text in self.levels else len(self.levels)

    def proportions(self, shift: float = 0.0) -> list[float]:
        """Each bin's share of rows drawn with :meth:`sample` and the same ``shift``.

        ``shift=0`` is the training baseline (no missing values).
        """
        if self.kind == "numeric":
            cuts = [(edge - self.mean) / self.sd - shift for edge in self.edges]
            cdf = [0.0, *(_STANDARD.cdf(c) for c in cuts), 1.0]
            return [hi - lo for lo, hi in itertools.pairwise(cdf)] + [0.0]
        weights = self._shifted_weights(shift)
        return [*weights, 0.0, 0.0]

    def _shifted_weights(self, shift: float) -> list[float]:
        # a shift moves mass from the most frequent level to the rarest one
        weights = list(self.weights)
        moved = weights[0] * min(1.0, abs(shift) / 2)
        weights[0] -= moved
        weights[-1] += moved
        return weights

    def sample(self, rng: random.Random, shift: float = 0.0) -> Any:
        """One value as a training row would hold it, moved by ``shift`` (in sd units for
        numbers; for categories, mass moves to the rarest level)."""
        if self.kind == "numeric":
            value = max(self.lowest, rng.gauss(self.mean + shift * self.sd, self.sd))
            return round(value, 2)
        if self.kind == "categorical":
            return rng.choices(self.levels, self._shifted_weights(shift))[0]
        if self.kind == "date":
            return f"2024-0{rng.randrange(1, 10)}-1{rng.randrange(10)}"
        return f"note {rng.randrange(1000)}"

    def signal(self, value: Any) -> float:
        """What the value says to a model: a z-score for numbers, a stable number in
        ``[-1, 1)`` per level for categories, 0 when missing (mean imputation)."""
        if self.kind == "numeric":
            number = parse_number(value)
            if number is None:
                return 0.0
            return max(-4.0, min(4.0, (number - self.mean) / self.sd))
        if self.kind == "categorical" and value not in (None, ""):
            return 2 * unit_hash("level", self.name, value) - 1
        return 0.0


@dataclasses.dataclass(frozen=True)
class TargetSpec:
    """A regression target's distribution: ``mean`` and ``sd``, never below ``lowest``."""

    mean: float
    sd: float
    lowest: float


@functools.cache
def feature_spec(name: str, data_type: str) -> FeatureSpec:
    """The distribution of a feature (by name; an unknown one is derived from its type)."""
    if name in _NUMERIC:
        mean, sd, lowest = _NUMERIC[name]
        return FeatureSpec(name, "numeric", mean, sd, lowest)
    if name in _LEVELS:
        return FeatureSpec(name, "categorical", levels=_LEVELS[name])
    kind = {"Numeric": "numeric", "Percentage": "numeric", "Categorical": "categorical"}
    chosen = kind.get(data_type, "date" if data_type == "Date" else "text")
    if chosen == "numeric":
        return FeatureSpec(name, chosen, 10 + 990 * unit_hash("mean", name), 50.0, 0.0)
    if chosen == "categorical":
        return FeatureSpec(name, chosen, levels=("a", "b", "c"))
    return FeatureSpec(name, chosen)


def target_spec(target: str) -> TargetSpec:
    """A regression target's distribution (an unknown target gets a generic one)."""
    mean, sd, lowest = _TARGETS.get(target, (100.0, 20.0, 0.0))
    return TargetSpec(mean, sd, lowest)


def sample_row(
    features: Mapping[str, str], rng: random.Random, shifts: Mapping[str, float] | None = None
) -> dict[str, Any]:
    """One row over ``features`` (name to data type), each feature moved by its shift."""
    moved = shifts or {}
    return {
        name: feature_spec(name, kind).sample(rng, moved.get(name, 0.0))
        for name, kind in features.items()
    }


def specs_of(features: Mapping[str, str]) -> Sequence[FeatureSpec]:
    """The specs of the features a model uses, in its order."""
    return [feature_spec(name, kind) for name, kind in features.items()]
