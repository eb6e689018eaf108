"""The floor for an aiohttp client: the same requests from a bare aiohttp + msgspec loop.

Same session settings as aiodeploy's transport where they matter (one keep-alive pool of
100 connections, the token header, at most 100 requests in flight: aiodeploy's default
request budget), and every body decoded into the same aiodeploy struct, so what aiodeploy
costs above this is its own machinery: retries, the request budget, error mapping,
deadlines, bookkeeping. No retry, no timeout beyond aiohttp's, no check beyond the status.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import msgspec

from aiodeploy import (
    Deployment,
    FeatureDrift,
    HealthSettings,
    ServiceStats,
    SettingsDocument,
    TargetDrift,
)

from ._aio import workers
from ._meter import Meter

IN_FLIGHT = 100  # aiodeploy's default max_connections, and so its request budget
SENDING = 32  # apply_policy's default concurrency: deployments sending at once
PAGES_AT_ONCE = 8  # list_deployments' page_concurrency


class _FeaturePage(msgspec.Struct, rename="camel", kw_only=True):
    data: list[FeatureDrift]
    next: str | None = None


class _DeploymentPage(msgspec.Struct, rename="camel", kw_only=True):
    data: list[Deployment]
    total_count: int


_deployment = msgspec.json.Decoder(Deployment)
_decoders: dict[str, msgspec.json.Decoder[Any]] = {
    "serviceStats": msgspec.json.Decoder(ServiceStats),
    "targetDrift": msgspec.json.Decoder(TargetDrift),
    "settings": msgspec.json.Decoder(SettingsDocument),
    "healthSettings": msgspec.json.Decoder(HealthSettings),
}
_features = msgspec.json.Decoder(_FeaturePage)
_page = msgspec.json.Decoder(_DeploymentPage)


class Raw:
    """One session and its in-flight bound; ``call`` sends, checks the status, decodes."""

    def __init__(self, session: aiohttp.ClientSession, endpoint: str) -> None:
        self.session = session
        self.endpoint = endpoint
        self.budget = asyncio.Semaphore(IN_FLIGHT)

    async def call(
        self,
        method: str,
        url: str,
        decoder: msgspec.json.Decoder[Any] | None = None,
        *,
        status: int | None = 200,
        **kwargs: Any,
    ) -> Any:
        """Send one request; return the decoded body (or the reply when no decoder).
        ``status``: the one expected (None: any)."""
        async with self.budget, self.session.request(method, url, **kwargs) as reply:
            body = await reply.read()
        if status is not None and reply.status != status:
            raise RuntimeError(f"{method} {url}: {reply.status}")
        return reply if decoder is None else decoder.decode(body)

    def url(self, dep_id: str, route: str = "") -> str:
        return f"{self.endpoint}/deployments/{dep_id}/{route + '/' if route else ''}"


@asynccontextmanager
async def _raw(args: dict[str, Any]) -> AsyncIterator[Raw]:
    headers = {"Authorization": f"Bearer {args['token']}"}
    connector = aiohttp.TCPConnector(limit=IN_FLIGHT)
    async with aiohttp.ClientSession(headers=headers, connector=connector) as session:
        yield Raw(session, args["endpoint"])


async def _count_failures(calls: list[Awaitable[object]]) -> int:
    results = await asyncio.gather(*calls, return_exceptions=True)
    return sum(1 for result in results if isinstance(result, Exception))


async def p2(args: dict[str, Any], meter: Meter) -> dict[str, Any]:
    """``GET deployments/{id}/`` round robin over the seed's ids, decoded; 200 checked."""
    ids = args["ids"]
    failed = 0
    async with _raw(args) as raw:
        urls = [raw.url(dep_id) for dep_id in ids]

        async def call(index: int) -> None:
            nonlocal failed
            try:
                await raw.call("GET", urls[index % len(urls)], _deployment)
            except RuntimeError:
                failed += 1

        await call(0)  # connect outside the window, as the other contenders do
        meter.begin()
        await workers(args["calls"], args["concurrency"], call)
        meter.end()
    return {"ok": args["calls"] - failed, "failed": failed}


async def p6(args: dict[str, Any], meter: Meter) -> dict[str, Any]:
    """Fleet health as ``fleet_health(deployments=ids)`` reads it: every deployment, then
    for each (100 at a time) its service stats, target drift and feature drift pages."""
    ids = args["ids"]
    async with _raw(args) as raw:
        places = asyncio.Semaphore(IN_FLIGHT)  # fleet_health's default concurrency

        async def features(dep_id: str) -> None:
            url: str | None = raw.url(dep_id, "featureDrift")
            while url:
                url = (await raw.call("GET", url, _features)).next

        async def health(dep_id: str) -> None:
            async with places:
                reads = [raw.call("GET", raw.url(dep_id, r), _decoders[r]) for r in _decoders]
                await asyncio.gather(reads[0], reads[1], features(dep_id))

        await raw.call("GET", raw.url(ids[0]), _deployment)  # connect outside the window
        meter.begin()
        failed = await _count_failures([raw.call("GET", raw.url(i), _deployment) for i in ids])
        failed += await _count_failures([health(dep_id) for dep_id in ids])
        meter.end()
    return {"ok": len(ids) - failed, "failed": failed}


def _poll_delays() -> list[float]:
    """aiodeploy's default poll schedule without jitter or learning: 0.2 s, x1.5, cap 5 s."""
    return [min(0.2 * 1.5**k, 5.0) for k in range(200)]


async def p7(args: dict[str, Any], meter: Meter) -> dict[str, Any]:
    """The policy as ``apply_policy`` sends it: list every deployment (pages of 100, 8 at a
    time), read each one's ``settings/`` and ``healthSettings/`` (32 deployments at a
    time), then PATCH ``settings/`` (the families in one body), poll its job, and PATCH
    ``healthSettings/`` where they differ. A place is held while sending, not waiting."""
    bodies = args["raw_bodies"]  # what apply_policy sends, in the API's camelCase
    body = msgspec.json.encode(bodies["settings"])
    health_body = msgspec.json.encode(bodies["healthSettings"])
    columns = bodies["settings"]["associationId"]["columnNames"]
    threshold = bodies["healthSettings"]["dataDrift"]["driftThreshold"]
    headers = {"Content-Type": "application/json"}
    async with _raw(args) as raw:
        sending = asyncio.Semaphore(SENDING)
        pages = asyncio.Semaphore(PAGES_AT_ONCE)
        listing = f"{raw.endpoint}/deployments/"

        async def page(offset: int) -> list[Deployment]:
            async with pages:
                found = await raw.call(
                    "GET", listing, _page, params={"limit": 100, "offset": offset}
                )
            return list(found.data)

        async def apply(dep: Deployment) -> None:
            async with sending:
                current = await raw.call("GET", raw.url(dep.id, "settings"), _decoders["settings"])
                health = await raw.call(
                    "GET", raw.url(dep.id, "healthSettings"), _decoders["healthSettings"]
                )
            if (
                current.association_id.column_names != columns
                or not current.predictions_data_collection.enabled
                or not current.challenger_models.enabled
            ):
                async with sending:
                    reply = await raw.call(
                        "PATCH", raw.url(dep.id, "settings"), None, status=202,
                        data=body, headers=headers,
                    )  # fmt: skip
                status_url = reply.headers["Location"]
                for delay in _poll_delays():
                    await asyncio.sleep(delay)
                    polled = await raw.call(
                        "GET", status_url, None, status=None, allow_redirects=False
                    )
                    if polled.status == 303:
                        break
            if health.data_drift.drift_threshold != threshold:
                async with sending:
                    await raw.call(
                        "PATCH", raw.url(dep.id, "healthSettings"), _decoders["healthSettings"],
                        data=health_body, headers=headers,
                    )  # fmt: skip

        await raw.call("GET", raw.url(args["ids"][0]), _deployment)  # connect
        meter.begin()
        first = await raw.call("GET", listing, _page, params={"limit": 100, "offset": 0})
        rest = await asyncio.gather(*(page(o) for o in range(100, first.total_count, 100)))
        deployments = [*first.data, *(dep for chunk in rest for dep in chunk)]
        failed = await _count_failures([apply(dep) for dep in deployments])
        meter.end()
    return {"ok": len(deployments) - failed, "failed": args["expected"] - len(deployments) + failed}
