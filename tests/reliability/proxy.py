"""A forward HTTP proxy on 127.0.0.1:0, for running a client through one as users do."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from aiohttp import web

_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-authorization", "proxy-connection", "te", "trailer",
     "transfer-encoding", "upgrade", "host", "content-length"}
)  # fmt: skip


class Proxy:
    """Forwards absolute-form requests; an upstream that breaks becomes a 502, as a real
    proxy answers. ``forwarded`` counts the requests it carried."""

    def __init__(self) -> None:
        self.url = ""
        self.forwarded = 0
        self._client: aiohttp.ClientSession | None = None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        assert self._client is not None
        self.forwarded += 1
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        try:
            async with self._client.request(
                request.method,
                request.url,  # absolute-form: the URL the client asked the proxy for
                headers=headers,
                data=await request.read(),
                allow_redirects=False,
            ) as upstream:
                body = await upstream.read()
                reply = web.Response(status=upstream.status, body=body)
                for name, value in upstream.headers.items():
                    if name.lower() not in _HOP_BY_HOP:
                        reply.headers.add(name, value)
                return reply
        except (aiohttp.ClientError, OSError):
            return web.Response(status=502, text="Bad gateway (proxy)")


@asynccontextmanager
async def forward_proxy() -> AsyncIterator[Proxy]:
    proxy = Proxy()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", proxy.handle)
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    proxy.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector, auto_decompress=False) as client:
        proxy._client = client
        try:
            yield proxy
        finally:
            await runner.cleanup()
