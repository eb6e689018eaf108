"""The one place that talks to aiohttp on the client side.

It owns the session (created lazily, in the running loop), refuses URLs outside the
endpoint's origin before any byte is sent, never follows redirects, adds the
``Authorization`` header per request, and maps aiohttp's errors to aiodeploy's.
"""

from __future__ import annotations

import asyncio
import logging
import platform
import ssl as ssl_module
import time
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

import aiohttp

from ._version import __version__
from ._wire import Response
from .errors import APITimeoutError, CrossOriginError, TransportError

logger = logging.getLogger("aiodeploy")

USER_AGENT = (
    f"aiodeploy/{__version__} aiohttp/{aiohttp.__version__} Python/{platform.python_version()}"
)
_DEFAULT_PORTS = {"http": 80, "https": 443}

QueryParams = Mapping[str, str | int | Sequence[str]]


def origin(url: str) -> tuple[str, str, int]:
    """``(scheme, host, port)`` of a URL, with the scheme's default port filled in."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or _DEFAULT_PORTS.get(scheme, 0)
    return scheme, (parts.hostname or "").lower(), port


class Transport:
    """Sends requests to one endpoint over one aiohttp session.

    Args:
        endpoint: base URL, e.g. ``https://app.datarobot.com/api/v2``.
        authorization: the ``Authorization`` header value (kept out of every repr).
        session: a caller-owned session to use; it is never closed here.
        max_connections: connector limit for a session created here.
        connect_timeout: seconds to open a connection.
        read_timeout: seconds to wait for each read from the socket.
        ssl: ``True`` (verify), ``False`` (do not verify), a CA bundle path, or an SSLContext.
    """

    def __init__(
        self,
        endpoint: str,
        authorization: str,
        *,
        session: aiohttp.ClientSession | None = None,
        max_connections: int = 100,
        connect_timeout: float = 6.05,
        read_timeout: float = 60.0,
        ssl: bool | str | ssl_module.SSLContext = True,
    ) -> None:
        self.endpoint = endpoint.rstrip("/") + "/"
        self._origin = origin(self.endpoint)
        self._authorization = authorization
        self._session = session
        self._owns_session = session is None
        self._max_connections = max_connections
        self._timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=connect_timeout, sock_read=read_timeout
        )
        self._ssl = ssl
        self._closed = False

    def __repr__(self) -> str:
        return f"<Transport endpoint={self.endpoint!r}>"

    @property
    def origin_url(self) -> str:
        """The endpoint's origin, ``scheme://host:port`` (default port included)."""
        scheme, host, port = self._origin
        return f"{scheme}://{host}:{port}"

    def url_for(self, path_or_url: str) -> str:
        """Resolve a relative API path, or check an absolute URL's origin.

        Raises:
            CrossOriginError: an absolute URL whose scheme, host or port differ from the
                endpoint's (or cannot be read).
        """
        if "://" not in path_or_url:
            # Our paths are built from checked ids, so plain concatenation is exact (and
            # several times cheaper than urljoin on every request).
            return self.endpoint + path_or_url.lstrip("/")
        try:
            same = origin(path_or_url) == self._origin
        except ValueError:  # a port out of range or not a number: no origin of ours
            same = False
        if not same:
            raise CrossOriginError(path_or_url, self.endpoint.rstrip("/"))
        return path_or_url

    def _ssl_argument(self) -> bool | ssl_module.SSLContext:
        if isinstance(self._ssl, str):
            return ssl_module.create_default_context(cafile=self._ssl)
        return self._ssl

    def _get_session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise RuntimeError("this client is closed; create a new one")
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self._max_connections, ssl=self._ssl_argument())
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=self._timeout,
                headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            )
        return self._session

    async def request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: QueryParams | None = None,
        body: bytes | None = None,
    ) -> Response:
        """Send one request and read the whole reply. Redirects are returned, not followed.

        Raises:
            CrossOriginError: the URL is outside the endpoint's origin (nothing is sent).
            APITimeoutError: connect or read timed out.
            TransportError: the connection failed or broke.
        """
        url = self.url_for(path_or_url)
        headers = {"Authorization": self._authorization}
        if body is not None:
            headers["Content-Type"] = "application/json"
        session = self._get_session()
        started = time.perf_counter()
        try:
            async with session.request(
                method,
                url,
                params=_flatten(params) if params else None,
                data=body,
                headers=headers,
                allow_redirects=False,
            ) as reply:
                content = await reply.read()
                status = reply.status
                reply_headers = reply.headers  # case-insensitive, immutable
                final_url = str(reply.url)
        except aiohttp.ClientConnectorError as exc:
            raise TransportError(
                f"cannot connect: {exc.os_error or exc}", method=method, url=url, request_sent=False
            ) from exc
        except (aiohttp.ServerTimeoutError, asyncio.TimeoutError) as exc:
            raise APITimeoutError(
                "the request timed out", method=method, url=url, request_sent=True
            ) from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise TransportError(
                f"connection failed: {type(exc).__name__}: {exc}",
                method=method,
                url=url,
                request_sent=True,
            ) from exc
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s -> %d (%d bytes, %.1f ms)",
                method,
                final_url,
                status,
                len(content),
                (time.perf_counter() - started) * 1000,
            )
        return Response(status, reply_headers, content, method, final_url)

    async def aclose(self) -> None:
        """Close the session if this transport created it. Safe to call twice."""
        self._closed = True
        session, self._session = self._session, None
        if session is not None and self._owns_session:
            await session.close()


def _flatten(params: QueryParams) -> list[tuple[str, str]]:
    # DataRobot takes list filters as repeated keys (tagKeys=a&tagKeys=b).
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        if isinstance(value, (list, tuple)):
            pairs.extend((key, str(v)) for v in value)
        else:
            pairs.append((key, str(value)))
    return pairs
