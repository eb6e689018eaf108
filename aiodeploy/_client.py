"""``AsyncDeploymentClient``: the face of aiodeploy, one coroutine per operation.

The class only turns its configuration into a :class:`~aiodeploy._session.Session`; its
methods come from one mixin per resource family (:mod:`aiodeploy._face`), each a short
call into the resource's module under :mod:`aiodeploy._api`.
"""

from __future__ import annotations

import random
import ssl as ssl_module
import time
from collections.abc import Awaitable, Callable
from types import TracebackType

import aiohttp
import anyio

from ._budget import RequestBudget
from ._config import resolve_config
from ._face.accuracy import AccuracyMethods
from ._face.catalog import CatalogMethods
from ._face.challengers import ChallengerMethods
from ._face.deployments import DeploymentMethods
from ._face.governance import GovernanceMethods
from ._face.lifecycle import LifecycleMethods
from ._face.monitoring import MonitoringMethods
from ._face.policy import PolicyMethods
from ._face.predictions import PredictionMethods
from ._face.registry import RegistryMethods
from ._face.replacement import ReplacementMethods
from ._face.rollouts import RolloutMethods
from ._face.settings import SettingsMethods
from ._face.settings_analysis import AnalysisSettingsMethods
from ._face.settings_data import DataSettingsMethods
from ._face.settings_health import HealthSettingsMethods
from ._face.settings_routes import RouteSettingsMethods
from ._polling import PollPolicy
from ._retry import RetryPolicy
from ._session import Session
from ._transport import Transport
from ._wire import DeploymentRef

__all__ = ["DEFAULT_MAX_WAIT", "AsyncDeploymentClient", "DeploymentRef"]

DEFAULT_MAX_WAIT = 600.0


class AsyncDeploymentClient(
    CatalogMethods,
    DeploymentMethods,
    ReplacementMethods,
    RolloutMethods,
    SettingsMethods,
    MonitoringMethods,
    AccuracyMethods,
    PredictionMethods,
    DataSettingsMethods,
    AnalysisSettingsMethods,
    HealthSettingsMethods,
    RouteSettingsMethods,
    ChallengerMethods,
    PolicyMethods,
    RegistryMethods,
    LifecycleMethods,
    GovernanceMethods,
):
    """Async client for DataRobot deployments, over one aiohttp session.

    Use it as an async context manager (or call :meth:`aclose`); every method is a
    coroutine and the client is safe to share between many concurrent tasks.

    Example:
        >>> async with AsyncDeploymentClient() as client:  # doctest: +SKIP
        ...     dep = await client.get_deployment("5c6f7a9e9ca9b20017ff95a2")
        ...     dep = await client.replace_model(dep, new_model_id, "ACCURACY")

    Args:
        endpoint: e.g. ``https://app.datarobot.com/api/v2``; else ``DATAROBOT_ENDPOINT``,
            else drconfig.yaml.
        token: API token; else ``DATAROBOT_API_TOKEN``, else drconfig.yaml.
        token_type: ``Bearer`` (default) or ``Token``.
        session: an aiohttp session to use; the client never closes it.
        ssl: ``False`` to skip TLS verification, an ``SSLContext``, or a CA bundle path (a
            PEM file, or a directory of hashed certificates). TLS is verified by default,
            against ``REQUESTS_CA_BUNDLE`` or ``CURL_CA_BUNDLE`` when set, else the
            system's CAs (``SSL_CERT_FILE``).
        proxy: a proxy URL for every request (credentials may be in it); by default
            ``HTTPS_PROXY``/``HTTP_PROXY``/``ALL_PROXY`` unless ``NO_PROXY`` sends the host
            direct (names, domains, ``host:port``, IP blocks such as ``10.0.0.0/8``).
        connect_timeout: seconds to open a connection (default 6.05).
        read_timeout: seconds to wait on each socket read (default 60).
        timeout: seconds for a whole request, from connecting to the last byte of the
            reply (default: no bound beyond the connect and read timeouts).
        max_connections: connection pool size (default 100).
        max_in_flight: requests of all operations in flight at once (default:
            ``max_connections``); polls of many jobs share this budget.
        requests_per_second: average pace of all requests (default: no pace).
        retry: retry policy; ``max_retries`` (or the config's) sets its attempts.
        max_retries: retries after the first attempt for retryable failures.
        polling: how jobs are polled (first poll after 0.2 s, then x1.5 up to 5 s).
        max_wait: default deadline, in seconds, of every call that waits for a job (600).
        page_concurrency: pages of a deployment list fetched at once (8).
        sleep: the sleep used for backoff and polling (tests inject a fake one).
        clock: a monotonic clock in seconds (tests inject a fake one).

    Raises:
        ConfigurationError: no endpoint or token can be found, or a source is malformed
            (including a CA bundle that holds no certificate, or a proxy that is not an
            http(s) URL).
        ValueError, TypeError: a malformed argument.
    """

    def __init__(
        self,
        endpoint: str | None = None,
        token: str | None = None,
        *,
        token_type: str | None = None,
        session: aiohttp.ClientSession | None = None,
        ssl: bool | str | ssl_module.SSLContext | None = None,
        proxy: str | None = None,
        connect_timeout: float | None = None,
        read_timeout: float = 60.0,
        timeout: float | None = None,
        max_connections: int = 100,
        max_in_flight: int | None = None,
        requests_per_second: float | None = None,
        retry: RetryPolicy | None = None,
        max_retries: int | None = None,
        polling: PollPolicy | None = None,
        max_wait: float = DEFAULT_MAX_WAIT,
        page_concurrency: int = 8,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        config = resolve_config(
            endpoint,
            token,
            token_type=token_type,
            ssl_verify=None if isinstance(ssl, ssl_module.SSLContext) else ssl,
            connect_timeout=connect_timeout,
            max_retries=max_retries,
            ssl_argument="ssl",
        )
        if max_connections < 1 or page_concurrency < 1:
            raise ValueError("max_connections and page_concurrency must be >= 1")
        for name, seconds in (("read_timeout", read_timeout), ("timeout", timeout)):
            if seconds is not None and not (isinstance(seconds, (int, float)) and seconds > 0):
                raise ValueError(f"{name} must be a number of seconds > 0, got {seconds!r}")
        self.endpoint = config.endpoint
        transport = Transport(
            config.endpoint,
            f"{config.token_type} {config.token}",
            session=session,
            max_connections=max_connections,
            connect_timeout=config.connect_timeout,
            read_timeout=read_timeout,
            timeout=timeout,
            ssl=ssl if isinstance(ssl, ssl_module.SSLContext) else config.ssl_verify,
            ssl_source=config.ssl_source,
            proxy=proxy,
        )
        if retry is None:
            retry = RetryPolicy()
            if config.max_retries is not None:
                retry = RetryPolicy(max_attempts=config.max_retries + 1)
        clock = clock or time.monotonic
        sleep = sleep or anyio.sleep
        self._session = Session(
            transport,
            retry=retry,
            polling=polling or PollPolicy(),
            budget=RequestBudget(
                max_connections if max_in_flight is None else max_in_flight,
                requests_per_second,
                clock=clock,
                sleep=sleep,
            ),
            max_wait=max_wait,
            page_concurrency=page_concurrency,
            clock=clock,
            sleep=sleep,
            rng=random.Random(),
        )

    @property
    def retry(self) -> RetryPolicy:
        """The retry policy of every request."""
        return self._session.retry

    @property
    def polling(self) -> PollPolicy:
        """How jobs are polled."""
        return self._session.polling

    @property
    def max_wait(self) -> float:
        """The default deadline, in seconds, of a call that waits for a job."""
        return self._session.max_wait

    @property
    def budget(self) -> RequestBudget:
        """The request budget all of this client's requests share."""
        return self._session.budget

    def __repr__(self) -> str:
        return f"AsyncDeploymentClient(endpoint={self.endpoint!r})"

    async def __aenter__(self) -> AsyncDeploymentClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP session (unless it was passed in). Safe to call twice."""
        await self._session.transport.aclose()

    async def wait_for_job(
        self,
        status_url: str,
        *,
        max_wait: float | None = None,
        on_status: Callable[[str], None] | None = None,
    ) -> str | None:
        """Wait for an asynchronous job given its status URL.

        Polls ``GET status/{id}/`` with backoff until a 303 (or a 200 ``COMPLETED``).

        Args:
            status_url: the ``Location`` of a 202 reply.
            max_wait: deadline in seconds (default: the client's ``max_wait``).
            on_status: called with each status seen while waiting.

        Returns:
            The URL of the resulting resource (the 303's ``Location``), or ``None`` when
            the server answered 200 ``COMPLETED`` instead.

        Raises:
            AsyncTimeoutError: ``max_wait`` passed first (the job may still finish).
            AsyncProcessUnsuccessfulError: the job ended in error.
            AsyncFailureError: the status URL answered outside the protocol.
            CrossOriginError: the status URL, or the result's, is not on the endpoint's
                origin (no request is sent there).
        """
        session = self._session
        done = await session.wait_job(
            status_url, deadline=session.deadline(max_wait), on_status=on_status
        )
        return None if done.location is None else session.url_for(done.location)
