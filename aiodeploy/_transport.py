"""The one place that talks to aiohttp on the client side.

It owns the session (created lazily, in the running loop), refuses URLs outside the
endpoint's origin before any byte is sent, never follows redirects, adds the
``Authorization`` header per request, and maps aiohttp's errors to aiodeploy's.

The one way a request leaves the endpoint's origin is the ``prediction_server`` argument
of :meth:`Transport.request`: the prediction server URL that the API itself reported for
the deployment a prediction is for (DataRobot's prediction servers are other hosts, and
want the token too). That request may go to that origin, and to no other; URLs taken from
replies (``Location``, ``next``) never get one, and redirects are still not followed.

The network environment is the user's, read as ``requests`` (and so the official client)
reads it: the proxy as :mod:`aiodeploy._proxies` says (``proxy=``, else the environment's
unless ``NO_PROXY`` sends the host direct; an environment proxy without credentials takes
them from ``.netrc``); TLS verified against ``ssl=`` or the configured CA bundle (a file or
a directory, :mod:`aiodeploy._tls`), else the system's (``SSL_CERT_FILE``/``SSL_CERT_DIR``
honoured). Both are decided once, when the transport is made, not per request, so a bad
proxy or bundle is a ``ConfigurationError`` before any request.

A session belongs to the event loop it was made in. An async generator registered with
that loop closes it when the loop shuts down (``asyncio.run`` finalizes async generators
before it closes the loop), so a client used from one ``asyncio.run`` and then another
gets a fresh session in the second, and no "Unclosed client session" is left behind.
"""

from __future__ import annotations

import asyncio
import logging
import platform
import ssl as ssl_module
import time
from collections.abc import AsyncGenerator, Mapping, Sequence
from contextlib import suppress
from urllib.parse import urlsplit

import aiohttp
from aiohttp.helpers import basicauth_from_netrc, netrc_from_env
from yarl import URL

from ._proxies import proxy_for_url
from ._tls import ca_bundle_context, system_context
from ._version import __version__
from ._wire import Response
from .errors import APITimeoutError, CrossOriginError, EventLoopError, TransportError

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
        timeout: seconds for a whole request, connection to last byte (``None``: no bound
            beyond the connect and read timeouts).
        ssl: ``True`` (verify), ``False`` (do not verify), a CA bundle path (a PEM file
            or a directory of hashed certificates), or an SSLContext.
        ssl_source: where a CA bundle path was named, for messages.
        proxy: the proxy URL for every request; ``None`` reads ``HTTP_PROXY``,
            ``HTTPS_PROXY``, ``ALL_PROXY`` and ``NO_PROXY`` (and proxy credentials in
            ``.netrc``).

    Raises:
        ConfigurationError: the CA bundle cannot be read or holds no certificate, or the
            proxy is not an http(s) URL.
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
        timeout: float | None = None,
        ssl: bool | str | ssl_module.SSLContext = True,
        ssl_source: str = "the ssl argument",
        proxy: str | None = None,
    ) -> None:
        self.endpoint = endpoint.rstrip("/") + "/"
        self._origin = origin(self.endpoint)
        # "scheme://authority/" exactly as the endpoint spells it: a URL starting with it is
        # on the endpoint's origin (the authority ends at that "/"), no parsing needed
        self._prefix = self.endpoint[: self.endpoint.index("/", self.endpoint.index("//") + 2) + 1]
        self._canonical = str(URL(self.endpoint)) == self.endpoint  # lower-case host, no :443
        self._authorization = authorization
        # errors quote replies, and a debug page may quote our Authorization header: the
        # token is cut out of every reply (one too short to be a real token is left alone)
        secret = authorization.partition(" ")[2].encode()
        self._secret = secret if len(secret) >= 8 else None
        self._session = session
        self._owns_session = session is None
        self._max_connections = max_connections
        self._timeout = aiohttp.ClientTimeout(
            total=timeout, sock_connect=connect_timeout, sock_read=read_timeout
        )
        # a bundle is loaded once, now: a bad one is refused before any request
        self._ssl = ca_bundle_context(ssl, ssl_source) if isinstance(ssl, str) else ssl
        self._proxy_option = proxy
        self._proxy = _proxy_for(self.endpoint, proxy)
        # the proxy of each prediction server origin, decided once like the endpoint's
        self._proxies: dict[tuple[str, str, int], str | None] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._watcher: AsyncGenerator[None, None] | None = None
        self._closed = False

    def __repr__(self) -> str:
        return f"<Transport endpoint={self.endpoint!r}>"

    @property
    def origin_url(self) -> str:
        """The endpoint's origin, ``scheme://host:port`` (default port included)."""
        scheme, host, port = self._origin
        return f"{scheme}://{host}:{port}"

    def url_for(self, path_or_url: str, *, prediction_server: str | None = None) -> str:
        """Resolve a relative API path, or check an absolute URL's origin.

        Args:
            path_or_url: a path relative to the endpoint, or an absolute URL.
            prediction_server: see :meth:`request`; an absolute URL on its origin passes.

        Raises:
            CrossOriginError: an absolute URL whose scheme, host or port differ from the
                endpoint's (and the prediction server's, if given), or cannot be read.
        """
        if "://" not in path_or_url:
            # Our paths are built from checked ids, so plain concatenation is exact (and
            # several times cheaper than urljoin on every request).
            return self.endpoint + path_or_url.lstrip("/")
        if path_or_url.startswith(self._prefix):  # a status URL of the API: the common case
            return path_or_url
        try:
            target = origin(path_or_url)
            same = target == self._origin or (
                prediction_server is not None and target == origin(prediction_server)
            )
        except ValueError:  # a port out of range or not a number: no origin of ours
            same = False
        if not same:
            raise CrossOriginError(path_or_url, self.endpoint.rstrip("/"))
        return path_or_url

    def _ssl_argument(self) -> bool | ssl_module.SSLContext:
        if self._ssl is True:
            # made now, not at aiohttp's import: SSL_CERT_FILE/SSL_CERT_DIR set since count
            return system_context()
        return self._ssl

    async def _get_session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise RuntimeError("this client is closed; create a new one")
        loop = asyncio.get_running_loop()
        if not self._owns_session:
            self._loop = loop  # the caller's session: its loop is the caller's business
        elif self._session is not None and self._loop is not None and self._loop.is_closed():
            await self._discard(self._session)
        elif self._session is not None and self._loop is not loop:
            raise EventLoopError(
                "this client's connections belong to another event loop that is still "
                "open. Use the client from one event loop (for example create it inside "
                "the coroutine you pass to asyncio.run), or await client.aclose() in that "
                "loop before using the client in another"
            )
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self._max_connections, ssl=self._ssl_argument())
            session = self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=self._timeout,
                headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
                # the API authenticates by token: no cookie to keep, none to filter per request
                cookie_jar=aiohttp.DummyCookieJar(),
            )
            self._loop = loop
            self._watcher = self._close_with_loop(session)
            await self._watcher.asend(None)  # registered with the loop: finalized at its end
        return self._session

    async def _discard(self, session: aiohttp.ClientSession) -> None:
        """Drop a session whose loop was closed without finalizing its async generators
        (a loop closed by hand): nothing of it can run any more, so it is only marked
        closed, and a new session is made in the running loop."""
        self._session = self._loop = self._watcher = None
        connector = session.connector
        session.detach()
        if connector is not None:
            await connector.close()  # on a closed loop this only marks it closed

    async def _close_with_loop(self, session: aiohttp.ClientSession) -> AsyncGenerator[None, None]:
        """Suspended for the session's life; closing it (at ``aclose``, or when the loop
        finalizes its async generators on shutdown) closes the session."""
        try:
            yield
        finally:
            if self._session is session:
                self._session = self._loop = self._watcher = None
            await session.close()

    async def request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: QueryParams | None = None,
        body: bytes | None = None,
        content_type: str = "application/json",
        headers: Mapping[str, str] | None = None,
        prediction_server: str | None = None,
    ) -> Response:
        """Send one request and read the whole reply. Redirects are returned, not followed.

        Args:
            method: the HTTP method.
            path_or_url: a path relative to the endpoint, or an absolute URL on its origin.
            params: query parameters (a sequence value repeats the key).
            body: the request body.
            content_type: the body's media type.
            headers: more headers (e.g. ``DataRobot-Key``, ``Accept``); they never replace
                ``Authorization``.
            prediction_server: the prediction server URL that the API reported for the
                deployment this request predicts on (its ``defaultPredictionServer.url``),
                never one from elsewhere. The request may then go to that origin too,
                carrying the token, as DataRobot's prediction API requires. Only the
                predictions module passes it.

        Raises:
            CrossOriginError: the URL is outside the endpoint's origin (and the prediction
                server's, if given): nothing is sent.
            APITimeoutError: connect or read timed out.
            TransportError: the connection failed or broke.
        """
        url = self.url_for(path_or_url, prediction_server=prediction_server)
        sent = {**headers} if headers else {}
        sent["Authorization"] = self._authorization
        if body is not None:
            sent["Content-Type"] = content_type
        proxy = self._proxy
        if prediction_server is not None and "://" in url and origin(url) != self._origin:
            proxy = self._proxy_of(url)
        session = self._session if self._loop is asyncio.get_running_loop() else None
        if session is None:
            session = await self._get_session()
        started = time.perf_counter()
        try:
            async with session.request(
                method,
                # on the endpoint, spelled as yarl would (checked ids, the server's own
                # Locations): already encoded, so not requoted on every request
                URL(url, encoded=True) if self._canonical and url.startswith(self._prefix) else url,
                params=_flatten(params) if params else None,
                data=body,
                headers=sent,
                allow_redirects=False,
                proxy=proxy,
            ) as reply:
                content = await reply.read()
                if self._secret is not None and self._secret in content:
                    content = content.replace(self._secret, b"<token>")
                status = reply.status
                reply_headers = reply.headers  # case-insensitive, immutable
                final_url = str(reply.url) if params else url  # redirects are not followed
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

    def _proxy_of(self, url: str) -> str | None:
        key = origin(url)
        if key not in self._proxies:
            self._proxies[key] = _proxy_for(url, self._proxy_option)
        return self._proxies[key]

    async def aclose(self) -> None:
        """Close the session if this transport created it. Safe to call twice."""
        self._closed = True
        watcher = self._watcher
        if watcher is not None:
            await watcher.aclose()  # closes the session
        self._session = None


def _proxy_for(url: str, proxy: str | None) -> str | None:
    """The proxy URL for requests to ``url``, with its credentials in it (aiohttp takes
    them from there; its ``proxy_auth`` argument is deprecated)."""
    chosen, from_environment = proxy_for_url(url, proxy)
    if chosen is None or not from_environment:
        return chosen
    found = URL(chosen)
    if found.raw_user is None and found.host:
        # as aiohttp's own reading of the environment did: .netrc (or $NETRC) for the proxy
        with suppress(LookupError):
            auth = basicauth_from_netrc(netrc_from_env(), found.host)
            return str(found.with_user(auth.login).with_password(auth.password))
    return chosen


def _flatten(params: QueryParams) -> list[tuple[str, str]]:
    # DataRobot takes list filters as repeated keys (tagKeys=a&tagKeys=b).
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        if isinstance(value, (list, tuple)):
            pairs.extend((key, str(v)) for v in value)
        else:
            pairs.append((key, str(value)))
    return pairs
