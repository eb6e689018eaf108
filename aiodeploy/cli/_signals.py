"""Stopping a wait on Ctrl-C or SIGTERM from inside the event loop, so that it unwinds."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Iterator

import anyio

__all__ = ["StopOnSignal"]


class StopOnSignal:
    """Cancels :attr:`scope` on SIGINT or SIGTERM, remembering which came first.

    The command then says what the interruption left behind (and how to go on) and exits
    with 128 + :attr:`signum`, without a traceback.
    """

    def __init__(self) -> None:
        self.scope = anyio.CancelScope()
        self.signum: int | None = None

    def _stop(self, signum: int) -> None:
        if self.signum is None:
            self.signum = signum
        self.scope.cancel()

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        """Handle the signals while the block runs; restore the previous handlers after."""
        loop = asyncio.get_running_loop()
        handled: list[int] = []
        for signum in (int(signal.SIGINT), int(signal.SIGTERM)):
            # Only the main thread can take signals (tests run main() in a worker thread),
            # and Windows loops cannot at all: then Ctrl-C is a KeyboardInterrupt instead.
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, self._stop, signum)
                handled.append(signum)
        try:
            yield
        finally:
            for number in handled:
                loop.remove_signal_handler(number)
