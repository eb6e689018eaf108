"""``Emulator``: the emulator served on local TCP ports (the API, and the prediction server
on a port of its own), as an async context manager."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from aiohttp import web

from ._app import create_app
from ._faults import FaultProfile
from ._options import EmulatorOptions, init_keywords_of
from ._prediction_app import create_prediction_app
from ._state import EmulatorState

__all__ = ["Emulator"]


class Emulator:
    """A DataRobot-compatible server on ``host:port`` (port 0 picks a free one), and its
    prediction server on ``host:prediction_port``: another origin, as on DataRobot, which
    the API reports as every deployment's prediction server.

    Takes the keywords of :class:`EmulatorOptions` (``help(EmulatorOptions)`` lists them);
    an unknown keyword is a ``TypeError``, a bad value a ``ValueError``.

    Attributes:
        options: The options it was built from.
        state: What it serves (:class:`EmulatorState`).
        app: The API's ``aiohttp.web.Application``.
        prediction_app: The prediction server's ``aiohttp.web.Application``.

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
        self.prediction_app = create_prediction_app(self.state)
        self._runners: list[web.AppRunner] = []
        self._url: str | None = None
        self._prediction_url: str | None = None

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

    @property
    def prediction_url(self) -> str:
        """The prediction server's root URL, e.g. ``http://127.0.0.1:41235``: what the API
        reports as ``defaultPredictionServer.url`` (predictions are posted to
        ``{prediction_url}/predApi/v1.0/deployments/{id}/predictions``).

        Raises:
            RuntimeError: Before :meth:`start`.
        """
        if self._prediction_url is None:
            raise RuntimeError("the emulator is not started")
        return self._prediction_url

    def set_faults(self, profile: FaultProfile | str | None) -> None:
        """Change the fault profile at once (None: no faults; a string is parsed)."""
        self.state.set_faults(profile)

    def set_model_faults(
        self, model_id: str, *, error_rate: float = 0.0, latency: float = 0.0
    ) -> None:
        """Make one model's predictions fail or slow down, on every deployment it serves.

        Args:
            model_id: The model.
            error_rate: Share (0-1) of its prediction requests answered 500.
            latency: Seconds added to each of its prediction requests.

        Both 0 clears the model's faults; they outlive a reset.

        Raises:
            ValueError: A rate outside 0-1 or negative seconds.
        """
        self.state.set_model_faults(model_id, error_rate=error_rate, latency=latency)

    async def start(self) -> None:
        """Bind both ports and start serving.

        Raises:
            RuntimeError: If already started.
            OSError: If an address cannot be bound.
        """
        if self._runners:
            raise RuntimeError("the emulator is already started")
        host = self.options.host
        try:
            self._url = await self._serve(self.app, host, self.options.port)
            self._prediction_url = await self._serve(
                self.prediction_app, host, self.options.prediction_port
            )
        except BaseException:
            await self.aclose()
            raise
        self.state.serve_predictions_at(self._prediction_url)

    async def _serve(self, app: web.Application, host: str, port: int) -> str:
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        self._runners.append(runner)
        await web.TCPSite(runner, host, port).start()
        bound, real_port = runner.addresses[0][:2]
        return f"http://{bound if ':' not in bound else f'[{bound}]'}:{real_port}"

    async def aclose(self) -> None:
        """Stop serving and close open connections (does nothing if not started)."""
        runners, self._runners = self._runners, []
        for runner in reversed(runners):
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
