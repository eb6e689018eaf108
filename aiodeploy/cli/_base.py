"""What every command shares: its errors, and running a coroutine with a client."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from .._client import AsyncDeploymentClient

__all__ = [
    "TOKEN_PLACEHOLDER",
    "ApiCommand",
    "CommandError",
    "UsageError",
    "connect",
    "run_api",
    "target_of",
]

TOKEN_PLACEHOLDER = '"$DATAROBOT_API_TOKEN"'  # noqa: S105 (a shell reference, not a token)
"""Stands for the API token in a printed command line: a token is never printed."""

ApiCommand = Callable[[AsyncDeploymentClient, argparse.Namespace], Awaitable[int]]
"""A command that talks to the API: gets a connected client, returns the exit code."""


class UsageError(Exception):
    """The command line cannot be acted on (exit code 2); ``str()`` says why."""


class CommandError(Exception):
    """The command was acted on and failed (exit code 1); ``str()`` says why in one line."""


def target_of(args: argparse.Namespace) -> tuple[str | None, str | None]:
    """``(model id, registered model version id)`` of a command: exactly one is given.

    Raises:
        UsageError: both or neither.
    """
    if args.model is None and args.model_version is None:
        raise UsageError(
            f"{args.command}: give the registered model version to serve (--model-version V) "
            "or, on the legacy path, a Leaderboard model id (MODEL)"
        )
    if args.model is not None and args.model_version is not None:
        raise UsageError(
            f"{args.command}: give --model-version V or a Leaderboard model id (MODEL), not both"
        )
    return args.model, args.model_version


def connect(args: argparse.Namespace) -> AsyncDeploymentClient:
    """A client configured from the global flags, else the environment or drconfig.yaml.

    Raises:
        ConfigurationError: no endpoint or token can be found.
    """
    options: dict[str, Any] = {"token_type": args.token_type, "timeout": args.timeout}
    if args.max_wait is not None:
        options["max_wait"] = args.max_wait
    return AsyncDeploymentClient(args.endpoint, args.token, **options)


def run_api(command: ApiCommand, args: argparse.Namespace) -> int:
    """Run ``command`` in a new event loop with a client that is closed afterwards."""

    async def main() -> int:
        async with connect(args) as client:
            return await command(client, args)

    return asyncio.run(main())
