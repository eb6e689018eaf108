"""``rollout``'s guard flags: waves, bake and the health gate's thresholds.

``--waves 1,25%,100% --bake 2m --max-error-rate 1%`` makes the rollout guarded (see
:meth:`~aiodeploy.AsyncDeploymentClient.replace_models`). A malformed value is refused by
argparse (numbers are plain ASCII decimals: ``--bake 1_0``, which Python's ``float()`` reads
as ten, is refused, see :mod:`aiodeploy._numbers`); a combination the library refuses (gate
flags without ``--waves``, ``--waves`` without ``--bake``, ``--fail-fast`` with ``--waves``,
marks that do not fit the plan) is a :class:`~aiodeploy.cli._base.UsageError`: exit 2,
before any request.
"""

from __future__ import annotations

import argparse
from typing import Any

from .._gate import HealthGate, parse_duration
from .._guard_setup import GuardArgs, check_guard
from .._numbers import decimal, whole
from ._base import UsageError
from ._parsing import argument_type

__all__ = ["GATE_FLAGS", "add_guard_flags", "guard_args", "marks", "rate"]

GATE_FLAGS = {
    "max_error_rate": "--max-error-rate",
    "max_response_time_ms": "--max-response-time-ms",
    "min_predictions": "--min-predictions",
    "max_failing": "--max-failing",
    "on_undecided": "--on-undecided",
    "max_data_drift": "--max-data-drift",
}
"""Each :class:`HealthGate` field set by a flag, and the flag."""


def marks(text: str) -> list[int | str]:
    """``1,25%,100%`` → ``[1, "25%", "100%"]`` (each mark a count or a share).

    Raises:
        ValueError: an empty or malformed mark.
    """
    found: list[int | str] = []
    for word in text.split(","):
        word = word.strip()
        if word.endswith("%") and _share(word[:-1]):
            found.append(word)
        elif word.isascii() and word.isdigit() and int(word) > 0:
            found.append(int(word))
        else:
            raise ValueError(f"{word!r} is not a wave mark (a count, or a share such as 25%)")
    return found


def _share(text: str) -> bool:
    try:
        return 0 < decimal(text) <= 100
    except ValueError:
        return False


def rate(text: str) -> float:
    """A share 0-1, as ``0.01`` or ``1%``.

    Raises:
        ValueError: not a number, or outside 0-1 (0-100 %).
    """
    text = text.strip()
    value = decimal(text[:-1]) / 100 if text.endswith("%") else decimal(text)
    if not 0 <= value <= 1:
        raise ValueError(f"must be a share 0-1 (or 0-100%), got {text}")
    return value


def _count(text: str) -> int:
    value = whole(text)
    if value < 0:
        raise ValueError(f"must be a whole number >= 0, got {value}")
    return value


def _milliseconds(text: str) -> float:
    value = decimal(text)
    if not 0 < value < float("inf"):
        raise ValueError(f"must be a number of milliseconds > 0, got {text}")
    return value


def _drift(text: str) -> float:
    value = decimal(text)
    if not 0 <= value < float("inf"):
        raise ValueError(f"must be a drift score >= 0, got {text}")
    return value


def add_guard_flags(parser: argparse.ArgumentParser) -> None:
    """Add the guard flags to ``rollout``, in a group of their own."""
    group = parser.add_argument_group(
        "guarded rollout (waves, a bake and a health gate; rollback of a failing wave)"
    )
    group.add_argument(
        "--waves", type=argument_type("waves", marks), metavar="MARKS",
        help="cumulative marks, each a count or a share of the plan: 1,25%%,100%% replaces "
        "one deployment, then up to a quarter, then the rest",
    )  # fmt: skip
    group.add_argument(
        "--bake", type=argument_type("duration", parse_duration), metavar="DURATION",
        help="traffic time after each wave before the gate passes it: 90s, 2m, 1h30m",
    )  # fmt: skip
    group.add_argument(
        "--max-error-rate", type=argument_type("rate", rate), metavar="RATE",
        help="largest share of server errors of a new model: 1%% or 0.01 (1%%)",
    )  # fmt: skip
    group.add_argument(
        "--max-response-time-ms", type=argument_type("milliseconds", _milliseconds),
        metavar="MS", help="slowest median response time of a new model, ms (none)",
    )  # fmt: skip
    group.add_argument(
        "--min-predictions", type=argument_type("count", _count), metavar="N",
        help="predictions a deployment serves before it can be judged (10)",
    )  # fmt: skip
    group.add_argument(
        "--max-failing", type=argument_type("count", _count), metavar="N",
        help="deployments of a wave that may fail without failing it (0)",
    )  # fmt: skip
    group.add_argument(
        "--on-undecided", choices=["fail", "pass"],
        help="a deployment with too few predictions at the end of the bake (fail)",
    )  # fmt: skip
    group.add_argument(
        "--max-data-drift", type=argument_type("drift score", _drift), metavar="PSI",
        help="largest feature drift score of a new model (not read unless given)",
    )  # fmt: skip


def guard_args(args: argparse.Namespace, size: int) -> GuardArgs | None:
    """The checked guard of a plan of ``size`` items, from the flags (``None``: none).

    Raises:
        UsageError: a combination the rollout refuses (see the module docstring).
    """
    given: dict[str, Any] = {
        field: getattr(args, field)
        for field in GATE_FLAGS
        if getattr(args, field, None) is not None
    }
    if args.waves is None:
        if given or args.bake is not None:
            flags = " ".join(GATE_FLAGS[field] for field in given) or "--bake"
            raise UsageError(f"{flags} guard waves: add --waves, e.g. --waves 1,25%,100%")
        return None
    if not args.bake:
        raise UsageError("--waves needs --bake (e.g. --bake 2m): traffic time before the gate")
    if args.fail_fast:
        raise UsageError("--fail-fast does not combine with --waves: a failing gate stops the run")
    try:
        return check_guard(size, args.waves, args.bake, HealthGate(**given), fail_fast=False)
    except ValueError as exc:  # marks that do not fit this plan
        raise UsageError(f"--waves for a plan of {size} item(s): {exc}") from None
