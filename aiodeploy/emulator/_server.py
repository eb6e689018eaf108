"""``Emulator``: the emulator served on a local TCP port, as an async context manager."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from aiohttp import web

from ._app import create_app
from ._faults import FaultProfile
from ._options import EmulatorOptions, init_keywords_of
from ._state import EmulatorState

__all__ = ["Emulator"]


class Emulator:
    """A DataRobot-compatible server on ``host:port`` (port 0 picks a free one).

    Takes the keywords of :class:`EmulatorOptions` (``help(EmulatorOptions)`` lists them);
    an unknown keyword is a ``TypeError``, a bad value a ``ValueError``.

    Attributes:
        options: The options it was built from.
        state: What it serves (:class:`EmulatorState`).
        app: The ``aiohttp.web.Application``.

    Example:
        >>> async def demo():
        ...     async with Emulator(deployments=3) as emu:
        ...         return emu.endpoint.startswith("http://127.0.0.1:")
    """

    @init_keywords_of(EmulatorOptions)
    def __init__(self, **options: Any) -> None:
        self.options = EmulatorOptions(**options)
        self.state = EmulatorState(**self.options.state_keywords())
        self.app = create_app(self.state)
        self._runner: web.AppRunner | None = None
        self._url: str | None = None

    @property
    def token(self) -> str:
        """The main (owner) token."""
        return self.state.tokens.token

    @property
    def url(self) -> str:
        """The root URL, e.g. ``http://127.0.0.1:41234``.

        Raises:
            RuntimeError: Before :meth:`start`.
        """
        if self._url is None:
            raise RuntimeError("the emulator is not started")
        return self._url

    @property
    def endpoint(self) -> str:
        """The API endpoint to give clients, e.g. ``http://127.0.0.1:41234/api/v2``."""
        return f"{self.url}/api/v2"

    @property
    def port(self) -> int:
        """The bound port (the real one when 0 was asked)."""
        return int(self.url.rsplit(":", 1)[1])

    def set_faults(self, profile: FaultProfile | str | None) -> None:
        """Change the fault profile at once (None: no faults; a string is parsed)."""
        self.state.set_faults(profile)

    async def start(self) -> None:
        """Bind the port and start serving.

        Raises:
            RuntimeError: If already started.
            OSError: If the address cannot be bound.
        """
        if self._runner is not None:
            raise RuntimeError("the emulator is already started")
        runner = web.AppRunner(
            self.app, access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.options.host, self.options.port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        host, port = runner.addresses[0][:2]
        self._url = f"http://{host if ':' not in host else f'[{host}]'}:{port}"

    async def aclose(self) -> None:
        """Stop serving and close open connections (does nothing if not started)."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> Emulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
