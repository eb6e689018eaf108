"""``settings get DEP [FAMILY]`` and ``settings set DEP FAMILY key=value...``.

``set`` calls the family's ``update_*`` method with the official client's argument names
as keys; each value is read as YAML (``true``, ``0.2``, ``[request_id]``,
``{batch_count: 5}``), so lists and objects are written as on a policy line. Unknown keys
and wrong values are usage errors (exit 2), found before any request.
"""

from __future__ import annotations

import argparse
import inspect
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import yaml

from .._client import AsyncDeploymentClient
from .._families import FAMILIES
from .._models_settings import SettingsDocument
from ..errors import AiodeployError
from ._base import UsageError
from ._output import print_fields, write_json, write_line
from ._views import json_data

__all__ = ["FAMILY_NAMES", "parse_assignments", "settings_get", "settings_set"]

FAMILY_NAMES = tuple(FAMILIES)
"""The settings families, as ``settings get``/``set`` and policies name them."""
_FROM_DOCUMENT: dict[str, Callable[[SettingsDocument], Any]] = {
    "drift_tracking": lambda doc: doc.drift_tracking,
    "association_id": lambda doc: doc.association_id,
    "predictions_data_collection": lambda doc: doc.predictions_data_collection,
    "prediction_warning": lambda doc: doc.prediction_warning,
    "prediction_intervals": lambda doc: doc.prediction_intervals,
    "predictions_by_forecast_date": lambda doc: doc.predictions_by_forecast_date,
    "challenger_models": lambda doc: doc.challenger_models,
    "segment_analysis": lambda doc: doc.segment_analysis,
    "bias_and_fairness": lambda doc: doc.bias_and_fairness,
}


def _reader(client: AsyncDeploymentClient, family: str) -> Callable[[str], Awaitable[Any]]:
    readers: dict[str, Callable[[str], Awaitable[Any]]] = {
        "health": client.get_health_settings,
        "challenger_replay": client.get_challenger_replay_settings,
        "accuracy_metrics": client.get_accuracy_metrics_settings,
        "retraining": client.get_retraining_settings,
        "secondary_dataset_config": client.get_secondary_dataset_config,
    }
    return readers[family]


def _updater(client: AsyncDeploymentClient, family: str) -> Callable[..., Awaitable[Any]]:
    name = "update_secondary_dataset_config" if family == "secondary_dataset_config" else (
        f"update_{family}_settings"
    )  # fmt: skip
    method: Callable[..., Awaitable[Any]] = getattr(client, name)
    return method


async def _read(
    client: AsyncDeploymentClient, dep_id: str, families: Sequence[str]
) -> dict[str, Any]:
    found: dict[str, Any] = {}
    document: SettingsDocument | None = None
    for family in families:
        if family in _FROM_DOCUMENT:
            if document is None:  # one read serves every family of settings/
                document = await client.get_deployment_settings(dep_id)
            found[family] = _FROM_DOCUMENT[family](document)
        else:
            found[family] = await _reader(client, family)(dep_id)
    return found


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str)
    return str(value).lower() if isinstance(value, bool) else str(value)


def show_settings(dep_id: str, found: dict[str, Any], *, as_json: bool) -> None:
    """Print families of settings: fields per family, or one JSON document."""
    if as_json:
        write_json({"deployment_id": dep_id, **{k: json_data(v) for k, v in found.items()}})
        return
    first = True
    for family, value in found.items():
        if not first:
            write_line()
        first = False
        data = json_data(value)
        if isinstance(data, dict):
            print_fields([(name, _cell(item)) for name, item in data.items()], title=family)
        else:
            print_fields([("value", _cell(data))], title=family)


async def settings_get(client: AsyncDeploymentClient, args: argparse.Namespace) -> int:
    """``settings get DEP [FAMILY]``: one family, or every one."""
    families = [args.family] if args.family else list(FAMILY_NAMES)
    show_settings(
        args.deployment, await _read(client, args.deployment, families), as_json=args.json
    )
    return 0


def parse_assignments(family: str, words: Sequence[str]) -> dict[str, Any]:
    """``key=value`` words as arguments of the family's update (values read as YAML).

    Raises:
        UsageError: a word without ``=``, an unknown key, a key given twice, or a value
            that is not YAML.
    """
    fields = FAMILIES[family].fields
    found: dict[str, Any] = {}
    for word in words:
        key, sep, text = word.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"settings set: {word!r} is not key=value")
        if key not in fields:
            raise UsageError(
                f"settings set: {family} has no field {key!r}; its fields: {', '.join(fields)}"
            )
        if key in found:
            raise UsageError(f"settings set: {key} is given twice")
        try:
            found[key] = yaml.safe_load(text) if text.strip() else None
        except yaml.YAMLError as exc:
            raise UsageError(f"settings set: {key}: not a value ({exc})") from None
    if not found:
        raise UsageError(f"settings set: give key=value for {family}: {', '.join(fields)}")
    return found


async def settings_set(client: AsyncDeploymentClient, args: argparse.Namespace) -> int:
    """``settings set DEP FAMILY key=value...``: one update, then the family as it is now.

    Raises:
        UsageError: the assignments do not fit the family's update (before any request).
    """
    values = parse_assignments(args.family, args.assignments)
    update = _updater(client, args.family)
    try:
        inspect.signature(update).bind(args.deployment, **values)
    except TypeError as exc:
        raise UsageError(f"settings set {args.family}: {exc}") from None
    try:
        found = await update(args.deployment, **values)
    except (TypeError, ValueError) as exc:  # the update's own checks: nothing was sent
        if isinstance(exc, AiodeployError):  # ResponseDecodeError is a ValueError too
            raise
        raise UsageError(f"settings set {args.family}: {exc}") from None
    show_settings(args.deployment, {args.family: found}, as_json=args.json)
    return 0
