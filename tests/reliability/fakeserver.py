"""A scriptable HTTP server on 127.0.0.1:0 that records every request it receives."""

from __future__ import annotations

import dataclasses
import socket
import struct
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web


@dataclasses.dataclass(frozen=True)
class Reply:
    """One scripted reply."""

    status: int = 200
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    body: bytes = b""
    drop: bool = False  # reset the connection instead of answering (after reading it all)


@dataclasses.dataclass(frozen=True)
class Seen:
    """One request as the server received it."""

    method: str
    path_qs: str
    headers: dict[str, str]


class FakeServer:
    """Answers every request with ``route(request)`` (default: the scripted replies in
    order, the last one repeated) and records it. ``limit`` requests at most: past it every
    reply is 404 and ``runaway`` is set, so a client that would loop forever stops."""

    def __init__(self, limit: int = 5000) -> None:
        self.seen: list[Seen] = []
        self.script: list[Reply] = [Reply(404, body=b'{"message": "nothing scripted"}')]
        self.route: Callable[[web.Request], Reply] | None = None
        self.limit = limit
        self.runaway = False
        self.url = ""

    @property
    def endpoint(self) -> str:
        return f"{self.url}/api/v2"

    def serve(self, *replies: Reply) -> None:
        """Answer the next requests with ``replies`` (the last one from then on)."""
        self.script = list(replies)
        self.seen.clear()
        self.runaway = False

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        await request.read()
        self.seen.append(Seen(request.method, request.path_qs, dict(request.headers)))
        if len(self.seen) > self.limit:
            self.runaway = True
            return web.Response(status=404, body=b'{"message": "runaway client"}')
        if self.route is not None:
            reply = self.route(request)
        else:
            reply = self.script[min(len(self.seen), len(self.script)) - 1]
        if reply.drop and request.transport is not None:
            sock = request.transport.get_extra_info("socket")
            if sock is not None:  # a zero linger: the client sees a reset, not a clean close
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            request.transport.abort()
            return web.Response(status=500)  # never sent
        body = None if reply.status in (204, 304) else reply.body
        headers = {k: v for k, v in reply.headers.items() if k.lower() != "content-type"}
        content_type = reply.headers.get("content-type", "application/json") or None
        response = web.Response(status=reply.status, body=body, headers=headers)
        if content_type and body is not None:
            response.headers["Content-Type"] = content_type
        return response


@asynccontextmanager
async def fake_server(**options: Any) -> AsyncIterator[FakeServer]:
    """Start a :class:`FakeServer` on a free local port; stop it afterwards."""
    server = FakeServer(**options)
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", server._handle)
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    server.url = f"http://{host}:{port}"
    try:
        yield server
    finally:
        await runner.cleanup()
