"""Command-line runner: ``python -m aiodeploy.emulator`` and ``aiodeploy emulator``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from ._options import EmulatorOptions, cli_default, flag_of
from ._server import Emulator

__all__ = ["add_arguments", "main", "options_from", "run", "serve"]


def _as_type(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """Wrap a parser so argparse shows its ``ValueError`` message."""

    def convert(text: str) -> Any:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return convert


class _Merge(argparse.Action):
    """A repeatable flag whose parsed values (mappings) merge into one."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        setattr(namespace, self.dest, {**(getattr(namespace, self.dest) or {}), **values})


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add a flag for every option of :class:`EmulatorOptions` that has one.

    Used by ``aiodeploy emulator`` too. Each flag's destination is the option's name.
    """
    for field in dataclasses.fields(EmulatorOptions):
        flag = flag_of(field)
        if flag is None:
            continue
        default = cli_default(field)
        text = flag.help or field.metadata["doc"]
        if default is not None:
            text += f" ({default})"
        parser.add_argument(
            flag.name or f"--{field.name.replace('_', '-')}",
            dest=field.name,
            type=_as_type(flag.parse),
            action=_Merge if flag.merge else "store",
            default=default,
            metavar=flag.metavar,
            help=text.replace("%", "%%"),
        )


def options_from(args: argparse.Namespace) -> dict[str, Any]:
    """Return the :class:`Emulator` keywords given by parsed command-line flags."""
    fields = dataclasses.fields(EmulatorOptions)
    return {field.name: getattr(args, field.name) for field in fields if flag_of(field)}


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
        async with Emulator(**options_from(args)) as emu:
            out.write(
                f"aiodeploy emulator serving {emu.url} (Ctrl-C to stop)\n"
                f"prediction server {emu.prediction_url}\n"
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
