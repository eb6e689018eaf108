"""The diff of desired settings against a deployment's current ones, and the requests that
make them match. Pure: the readings come in, the changes and requests go out.

Comparison rules: a field absent from the desired values is not compared (it keeps its
value); an object (a health section, a schedule) is compared on the keys given only; lists
are compared in order; numbers compare by value (``1 == 1.0``). A field that cannot be read
back (``credential_ids``) is never compared: it goes with its family's change.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from ._families import FAMILIES, Family, Readings, Route

__all__ = [
    "ChangeRequest",
    "FamilyChange",
    "FieldChange",
    "diff_family",
    "diff_settings",
    "requests_for",
    "same",
]

# Families whose routes take part of the object: only the fields asked for are sent.
_PARTIAL = frozenset({"health"})


@dataclasses.dataclass(frozen=True)
class FieldChange:
    """One field whose current value differs from the desired one."""

    name: str
    current: Any
    desired: Any


@dataclasses.dataclass(frozen=True)
class FamilyChange:
    """One family to change: the fields that differ, and the values to send."""

    family: str
    fields: tuple[FieldChange, ...]
    values: dict[str, Any]


@dataclasses.dataclass(frozen=True)
class ChangeRequest:
    """One request: a route, its body, and the families it changes."""

    route: Route
    body: dict[str, Any]
    families: tuple[str, ...]


def same(desired: Any, current: Any) -> bool:
    """Whether ``current`` already is ``desired`` (objects compared on the desired keys)."""
    if isinstance(desired, Mapping):
        return isinstance(current, Mapping) and all(
            same(value, current.get(key)) for key, value in desired.items()
        )
    if isinstance(desired, list):
        return (
            isinstance(current, list)
            and len(desired) == len(current)
            and all(same(d, c) for d, c in zip(desired, current, strict=True))
        )
    if isinstance(desired, bool) or isinstance(current, bool):
        return type(desired) is type(current) and desired == current
    return bool(desired == current)


def _shown(current: Any, desired: Any) -> Any:
    # of an object, only the keys the policy states: the rest is not compared
    if isinstance(desired, Mapping) and isinstance(current, Mapping):
        return {key: _shown(current.get(key), value) for key, value in desired.items()}
    return current


def _merged(desired: Any, current: Any) -> Any:
    if isinstance(desired, Mapping) and isinstance(current, Mapping):
        return {
            **current,
            **{key: _merged(value, current.get(key)) for key, value in desired.items()},
        }
    return desired


def diff_family(
    family: Family, desired: Mapping[str, Any], readings: Readings
) -> FamilyChange | None:
    """The change that makes one family match ``desired``, or ``None`` if it matches.

    Args:
        family: the family.
        desired: checked values of some of its fields.
        readings: what was read of the deployment (the family's route included).
    """
    current = family.current(readings)
    changed = tuple(
        FieldChange(name, _shown(current.get(name), value), value)
        for name, value in desired.items()
        if name in current and not same(value, current[name])
    )
    if not changed:
        return None
    if family.name in _PARTIAL:
        values = {name: _merged(value, current.get(name)) for name, value in desired.items()}
    else:
        values = {**current, **{name: _merged(v, current.get(name)) for name, v in desired.items()}}
    return FamilyChange(family.name, changed, values)


def diff_settings(
    desired: Mapping[str, Mapping[str, Any]], readings: Readings
) -> list[FamilyChange]:
    """Every family of ``desired`` that does not match, in the order of ``desired``."""
    found = (diff_family(FAMILIES[name], values, readings) for name, values in desired.items())
    return [change for change in found if change is not None]


def requests_for(changes: Sequence[FamilyChange]) -> list[ChangeRequest]:
    """The requests that make the changes: one per route, the ``settings/`` families merged
    into one PATCH (its sections are disjoint).

    Raises:
        ValueError: values that cannot make a request (custom boundaries without both).
    """
    by_route: dict[Route, ChangeRequest] = {}
    for change in changes:
        family = FAMILIES[change.family]
        body = family.body(change.values)
        found = by_route.get(family.route)
        if found is None:
            by_route[family.route] = ChangeRequest(family.route, body, (change.family,))
        else:
            by_route[family.route] = ChangeRequest(
                family.route, {**found.body, **body}, (*found.families, change.family)
            )
    return list(by_route.values())
