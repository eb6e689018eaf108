"""The floor for an aiohttp client (P2): the same GETs from a bare aiohttp + msgspec loop.

Same session settings as aiodeploy's transport where they matter (one keep-alive pool,
the token header), and the body decoded into the same :class:`aiodeploy.Deployment`
struct, so what aiodeploy costs above this is its own machinery: retries, the request
budget, error mapping.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import msgspec

from aiodeploy import Deployment

from ._aio import workers
from ._meter import Meter

_decoder = msgspec.json.Decoder(Deployment)


async def p2(args: dict[str, Any], meter: Meter) -> dict[str, Any]:
    """``GET deployments/{id}/`` round robin over the seed's ids, decoded; 200 checked."""
    ids = args["ids"]
    urls = [f"{args['endpoint']}/deployments/{dep_id}/" for dep_id in ids]
    headers = {"Authorization": f"Bearer {args['token']}"}
    connector = aiohttp.TCPConnector(limit=100)
    failed = 0
    async with aiohttp.ClientSession(headers=headers, connector=connector) as session:

        async def call(index: int) -> None:
            nonlocal failed
            async with session.get(urls[index % len(urls)]) as reply:
                body = await reply.read()
            if reply.status != 200:
                failed += 1
                return
            _decoder.decode(body)

        await call(0)  # connect outside the window, as the other contenders do
        meter.begin()
        await workers(args["calls"], args["concurrency"], call)
        meter.end()
    return {"ok": args["calls"] - failed, "failed": failed}
