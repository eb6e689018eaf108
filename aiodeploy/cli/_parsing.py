"""The pieces every argparse leaf of ``aiodeploy`` is built with: typed arguments that fail
as usage errors, the global flags, a subcommand with its example, and the API runner."""

from __future__ import annotations

import argparse
import functools
from collections.abc import Callable
from typing import Any

from .._numbers import decimal, whole
from .._wire import check_id
from ._base import ApiCommand, run_api

__all__ = [
    "add_global_flags",
    "api",
    "argument_type",
    "command",
    "id_of",
    "positive_int",
    "positive_seconds",
    "seconds",
]

_Formatter = argparse.RawDescriptionHelpFormatter


def argument_type(name: str, parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """An argparse ``type`` from a parser raising ``ValueError`` (a usage error, exit 2)."""

    def convert(text: str) -> Any:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = name  # argparse names the type in "invalid <name> value" messages
    return convert


def positive_int(text: str) -> int:
    """A whole number >= 1 (ASCII digits: ``1_0`` is refused, see :mod:`aiodeploy._numbers`)."""
    value = whole(text)
    if value < 1:
        raise ValueError(f"must be a whole number >= 1, got {value}")
    return value


def seconds(text: str) -> float:
    """A finite number of seconds >= 0 (a plain decimal: ``1_0``, ``nan`` are refused)."""
    value = decimal(text)
    if not value >= 0 or value == float("inf"):
        raise ValueError(f"must be a number of seconds >= 0, got {text}")
    return value


def positive_seconds(text: str) -> float:
    """A finite number of seconds > 0."""
    value = seconds(text)
    if value == 0:
        raise ValueError("must be a number of seconds > 0, got 0")
    return value


def id_of(what: str) -> Callable[[str], str]:
    """An argparse ``type`` checking an id (``what`` names it in the error)."""
    return argument_type(what, lambda text: check_id(text, what))


def add_global_flags(parser: argparse.ArgumentParser, *, prefix: str) -> None:
    """``--endpoint``, ``--token``, ``--token-type``, ``--json``, ``--max-wait``,
    ``--timeout``, ``-v``/``--verbose``."""
    group = parser.add_argument_group("connection and output (before or after the command)")
    kept = argparse.SUPPRESS if not prefix else None  # "not given" must not overwrite
    group.add_argument(
        "--endpoint", dest=f"{prefix}endpoint", default=kept, metavar="URL",
        help="API endpoint, e.g. https://app.datarobot.com/api/v2 "
        "(else DATAROBOT_ENDPOINT, else drconfig.yaml)",
    )  # fmt: skip
    group.add_argument(
        "--token", dest=f"{prefix}token", default=kept, metavar="TOKEN",
        help="API token (else DATAROBOT_API_TOKEN, else drconfig.yaml)",
    )  # fmt: skip
    group.add_argument(
        "--token-type", dest=f"{prefix}token_type", default=kept, choices=["Bearer", "Token"],
        help="Authorization scheme (Bearer)",
    )  # fmt: skip
    group.add_argument(
        "--json", dest=f"{prefix}json", action="store_true",
        default=False if prefix else argparse.SUPPRESS,
        help="print one JSON document instead of tables",
    )  # fmt: skip
    group.add_argument(
        "--max-wait", dest=f"{prefix}max_wait", default=kept, metavar="SECONDS",
        type=argument_type("seconds", seconds),
        help="longest wait for one job, polls and retries included (600)",
    )  # fmt: skip
    group.add_argument(
        "--timeout", dest=f"{prefix}timeout", default=kept, metavar="SECONDS",
        type=argument_type("seconds", positive_seconds),
        help="longest time for one HTTP request, connecting to the last byte (no limit)",
    )  # fmt: skip
    group.add_argument(
        "-v", "--verbose", dest=f"{prefix}verbose", action="store_true",
        default=False if prefix else argparse.SUPPRESS,
        help="show each request and retry on stderr as it happens",
    )  # fmt: skip


def command(
    sub: Any, name: str, summary: str, example: str, **kwargs: Any
) -> argparse.ArgumentParser:
    """A subcommand whose help ends with an example."""
    parser: argparse.ArgumentParser = sub.add_parser(
        name, help=summary, description=summary, epilog=f"example:\n  {example}",
        formatter_class=_Formatter, allow_abbrev=False, **kwargs,
    )  # fmt: skip
    return parser


def api(parser: argparse.ArgumentParser, run: ApiCommand) -> None:
    """Make ``parser`` a leaf that runs ``run`` with a connected client."""
    add_global_flags(parser, prefix="")
    parser.set_defaults(run=functools.partial(run_api, run))
