"""Command-line runner: ``python -m aiodeploy.emulator`` and ``aiodeploy emulator``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from ._faults import FaultProfile
from ._jobs import Duration, parse_duration
from ._server import Emulator

__all__ = ["add_arguments", "main", "run", "serve"]


def _as_type(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """Wrap a parser so argparse shows its ``ValueError`` message."""

    def convert(text: str) -> Any:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return convert


def _seconds(text: str) -> Duration:
    return parse_duration(text, "seconds")


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError(f"{value} is negative")
    return value


def _delay(text: str) -> float:
    low, _ = parse_duration(text, "Retry-After seconds")
    return low


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the emulator's options to a parser (used by ``aiodeploy emulator`` too)."""
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    parser.add_argument(
        "--port",
        type=_as_type(_count),
        default=8080,
        help="port to bind; 0 picks a free one (8080)",
    )
    parser.add_argument("--token", default="test-token", help="owner API token (test-token)")
    parser.add_argument(
        "--read-only-token", action="append", default=[], metavar="TOKEN",
        help="an extra token with the read-only role (repeatable)",
    )  # fmt: skip
    durations = (("replacement", "1"), ("settings", "0.2"), ("creation", "0.5"), ("status", "0.2"))
    for kind, default in durations:
        parser.add_argument(
            f"--{kind}-seconds", type=_as_type(_seconds), default=_seconds(default),
            metavar="S|MIN:MAX", help=f"{kind} job duration, seconds or a range ({default})",
        )  # fmt: skip
    parser.add_argument(
        "--deployments", type=_as_type(_count), default=0, help="deployments created at start (0)"
    )
    parser.add_argument(
        "--faults", type=_as_type(FaultProfile.parse), default=None, metavar="SPEC",
        help="fault spec, e.g. '503=0.1,429=0.05,retry_after=1,latency=0.05'",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=0, help="seed for ids and faults (0)")
    parser.add_argument(
        "--status-retry-after", type=_as_type(_delay), default=None, metavar="S",
        help="Retry-After seconds sent on running-job status replies",
    )  # fmt: skip


def _emulator(args: argparse.Namespace) -> Emulator:
    return Emulator(
        token=args.token,
        tokens=dict.fromkeys(args.read_only_token, "read-only"),
        host=args.host,
        port=args.port,
        replacement_seconds=args.replacement_seconds,
        settings_seconds=args.settings_seconds,
        creation_seconds=args.creation_seconds,
        status_seconds=args.status_seconds,
        faults=args.faults,
        seed=args.seed,
        deployments=args.deployments,
        status_retry_after=args.status_retry_after,
    )


async def serve(args: argparse.Namespace, out: TextIO | None = None) -> None:
    """Serve until SIGINT or SIGTERM, after printing the endpoint and token.

    The printed ``export`` lines configure the official client and aiodeploy alike; with
    ``--port 0`` they show the port actually bound.
    """
    out = out or sys.stdout
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    handled: list[signal.Signals] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
            handled.append(signum)
    try:
        async with _emulator(args) as emu:
            out.write(
                f"aiodeploy emulator serving {emu.url} (Ctrl-C to stop)\n"
                f"export DATAROBOT_ENDPOINT={emu.endpoint}\n"
                f"export DATAROBOT_API_TOKEN={emu.token}\n"
            )
            out.flush()
            await stop.wait()
    finally:
        for signum in handled:
            loop.remove_signal_handler(signum)


def run(args: argparse.Namespace) -> int:
    """Run :func:`serve` in a new event loop; return the exit code (0 after Ctrl-C)."""
    try:
        asyncio.run(serve(args))
    except KeyboardInterrupt:  # platforms without loop signal handlers
        return 0
    except OSError as exc:
        sys.stderr.write(f"aiodeploy emulator: cannot serve: {exc}\n")
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m aiodeploy.emulator``."""
    parser = argparse.ArgumentParser(
        prog="python -m aiodeploy.emulator",
        description="Serve a DataRobot-compatible API from memory, for tests and demos.",
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))
