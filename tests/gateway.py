"""A reverse proxy in front of the emulator whose rule may answer instead of the server, as
a flaky gateway would: the emulator's state stays the truth a client's answer is checked
against."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import aiohttp
from aiohttp import web

from aiodeploy.emulator import Emulator

__all__ = ["Gateway", "Rule", "Upstream", "origin_of"]

Upstream = Callable[[], Awaitable[web.Response]]
Rule = Callable[[web.Request, Upstream, int, str], Awaitable[web.Response]]


class Gateway:
    """A reverse proxy to ``upstream`` whose ``rule`` may answer instead of the server.

    ``rule(request, upstream, n, key)``: ``key`` is ``"METHOD /path"`` with ids replaced
    by ``ID``, ``n`` how many times that key was seen (1-based); ``await upstream()``
    forwards the request and returns the server's reply.
    """

    def __init__(self, upstream: str, rule: Rule) -> None:
        self.upstream = upstream.rstrip("/")
        self.rule = rule
        self.counts: dict[str, int] = {}

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        key = f"{request.method} {re.sub(r'[0-9a-f]{24}', 'ID', request.path)}"
        self.counts[key] = self.counts.get(key, 0) + 1
        body = await request.read()

        async def upstream() -> web.Response:
            headers = {
                k: v
                for k, v in request.headers.items()
                if k.lower() not in ("host", "content-length")
            }
            async with self._session.request(
                request.method,
                self.upstream + request.path_qs,
                data=body or None,
                headers=headers,
                allow_redirects=False,
            ) as reply:
                data = await reply.read()
                kept = {
                    k: v.replace(self.upstream, self.base)
                    for k, v in reply.headers.items()
                    if k.lower() in ("content-type", "location", "retry-after")
                }
                return web.Response(status=reply.status, body=data, headers=kept)

        return await self.rule(request, upstream, self.counts[key], key)

    async def __aenter__(self) -> Gateway:
        self._session = aiohttp.ClientSession()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base = f"http://127.0.0.1:{port}"
        self.endpoint = f"{self.base}/api/v2"
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._runner.cleanup()
        await self._session.close()


def origin_of(emu: Emulator) -> str:
    """The emulator's origin (scheme, host, port), as a gateway's upstream."""
    return emu.endpoint.rsplit("/api/v2", 1)[0]
