"""Injected faults over HTTP, runtime changes, the admin routes (stats, reset, faults)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import aiohttp
import pytest

from aiodeploy.emulator import Emulator, FaultProfile
from aiodeploy.emulator import _app as emulator_app

from .helpers import call

Factory = Callable[..., Awaitable[Emulator]]


@pytest.mark.parametrize("code", [500, 502, 503, 504, 429])
async def test_status_faults(emulators: Factory, session: aiohttp.ClientSession, code: int) -> None:
    emu = await emulators(faults=f"{code}=1,retry_after=2.5")
    status, headers, body = await call(session, "GET", f"{emu.endpoint}/version/")
    assert status == code
    assert "injected" in body["message"]
    # whole seconds, rounded up, as HTTP's delay-seconds requires
    assert headers.get("Retry-After") == ("3" if code in (429, 503) else None)
    assert emu.state.stats.faults[str(code)] == 1
    assert emu.state.stats.request_count(route="/api/v2/version/", status=code) == 1


async def test_fault_sequence_repeats_for_a_seed(
    emulators: Factory, session: aiohttp.ClientSession
) -> None:
    async def statuses(emu: Emulator) -> list[int]:
        return [(await call(session, "GET", f"{emu.endpoint}/version/"))[0] for _ in range(40)]

    first = await statuses(await emulators(seed=5, faults="503=0.3,429=0.2"))
    again = await statuses(await emulators(seed=5, faults="503=0.3,429=0.2"))
    other = await statuses(await emulators(seed=6, faults="503=0.3,429=0.2"))
    assert first == again
    assert first != other
    assert {200, 503, 429} == set(first)


async def test_reset_drops_the_connection(emulators: Factory) -> None:
    emu = await emulators(faults="reset=1")
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {emu.token}"}) as s:
        with pytest.raises((aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)):
            await call(s, "GET", f"{emu.endpoint}/version/")
    # aiohttp retries an idempotent request once on a dropped connection
    assert emu.state.stats.faults["reset"] in (1, 2)
    assert emu.state.stats.request_count(status=0) == emu.state.stats.faults["reset"]


async def test_reset_after_applies_then_drops(emulators: Factory) -> None:
    emu = await emulators(deployments=2, faults="reset_after=1")
    record = emu.state.live_deployments()[0]
    url = f"{emu.endpoint}/deployments/{record.id}/"
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {emu.token}"}) as s:
        assert (await call(s, "GET", url))[0] == 200  # reads are never dropped after the fact
        with pytest.raises((aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)):
            await call(s, "PATCH", url, json={"label": "applied"})
        assert (await call(s, "GET", url))[2]["label"] == "applied"
        # a refused mutation changed nothing, so its reply is delivered
        assert (await call(s, "PATCH", url, json={"label": 3}))[0] == 422
    assert emu.state.stats.faults["reset_after"] == 1


@pytest.mark.parametrize(
    ("fault", "status", "kind"),
    [("error_after", 502, "application/json"), ("garble_after", 200, "text/html")],
)
async def test_an_applied_change_can_be_answered_with_a_gateway_reply(
    emulators: Factory, fault: str, status: int, kind: str
) -> None:
    emu = await emulators(deployments=2, faults=f"{fault}=1")
    record = emu.state.live_deployments()[0]
    url = f"{emu.endpoint}/deployments/{record.id}/"
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {emu.token}"}) as s:
        async with s.patch(url, json={"label": "applied"}) as reply:
            assert (reply.status, reply.content_type) == (status, kind)
        assert (await call(s, "GET", url))[2]["label"] == "applied"  # it was applied
    assert emu.state.stats.faults[fault] == 1


async def test_a_rate_limit_can_come_as_a_reset_header(emulators: Factory) -> None:
    emu = await emulators(faults="429=1,retry_after=3,reset_header=1")
    headers = {"Authorization": f"Bearer {emu.token}"}
    async with (
        aiohttp.ClientSession(headers=headers) as s,
        s.get(f"{emu.endpoint}/version/") as reply,
    ):
        assert reply.status == 429
        assert reply.headers["X-RateLimit-Reset"] == "3"
        assert "Retry-After" not in reply.headers


def test_the_newer_faults_leave_older_fault_sequences_alone() -> None:
    from aiodeploy.emulator._faults import FaultInjector

    old, new = "503=0.3,reset_after=0.2", "503=0.3,reset_after=0.2,garble_after=0"
    first = FaultInjector(5, FaultProfile.parse(old))
    second = FaultInjector(5, FaultProfile.parse(new))
    assert [first.decide(mutating=True) for _ in range(50)] == [
        second.decide(mutating=True) for _ in range(50)
    ]


async def test_latency_delays_requests(
    emulators: Factory, session: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    delays: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        delays.append(seconds)

    monkeypatch.setattr(emulator_app, "_sleep", fake_sleep)
    emu = await emulators(faults="latency=0.25")
    for _ in range(20):
        assert (await call(session, "GET", f"{emu.endpoint}/version/"))[0] == 200
    assert len(delays) == 20
    assert all(0 <= d <= 0.25 for d in delays)
    assert len(set(delays)) > 1


async def test_faults_only_on_api_routes(
    emulators: Factory, session: aiohttp.ClientSession
) -> None:
    emu = await emulators(faults="500=1")
    status, _, body = await call(session, "GET", f"{emu.url}/_emulator/stats")
    assert status == 200
    assert body["requestsTotal"] == 0


async def test_change_faults_at_runtime(emu: Emulator, session: aiohttp.ClientSession) -> None:
    version = f"{emu.endpoint}/version/"
    assert (await call(session, "GET", version))[0] == 200
    emu.set_faults(FaultProfile.parse("502=1"))
    assert (await call(session, "GET", version))[0] == 502
    emu.set_faults(None)
    assert (await call(session, "GET", version))[0] == 200
    admin = f"{emu.url}/_emulator/faults"
    async with aiohttp.ClientSession() as anonymous:
        status, _, body = await call(anonymous, "POST", admin, json={"spec": "504=1"})
        assert (status, body) == (200, {"spec": "504=1"})
        assert (await call(session, "GET", version))[0] == 504
        assert (await call(anonymous, "GET", admin))[2] == {"spec": "504=1"}
        status, _, body = await call(anonymous, "POST", admin, json={"spec": "504=2"})
        assert status == 422
        assert "between 0 and 1" in body["message"]
        assert (await call(anonymous, "POST", admin, json={"spec": 5}))[0] == 422
        assert (await call(anonymous, "POST", admin, data=b"{"))[0] == 400
        assert (await call(anonymous, "POST", admin, json={"spec": None}))[2] == {"spec": None}
    assert (await call(session, "GET", version))[0] == 200


async def test_stats_route(emu: Emulator, session: aiohttp.ClientSession) -> None:
    record = emu.state.live_deployments()[0]
    for _ in range(3):
        await call(session, "GET", f"{emu.endpoint}/deployments/{record.id}/")
    await call(session, "GET", f"{emu.endpoint}/deployments/{'f' * 24}/")
    await call(
        session, "PATCH", f"{emu.endpoint}/deployments/{record.id}/status/",
        json={"status": "inactive"},
    )  # fmt: skip
    async with aiohttp.ClientSession() as anonymous:
        _, _, stats = await call(anonymous, "GET", f"{emu.url}/_emulator/stats")
    route = "/api/v2/deployments/{deployment_id}/"
    assert {"method": "GET", "route": route, "status": 200, "count": 3} in stats["requests"]
    assert {"method": "GET", "route": route, "status": 404, "count": 1} in stats["requests"]
    assert stats["requestsTotal"] == 5
    assert stats["jobs"]["started"] == 1
    assert stats["jobs"]["startedByKind"] == {"status": 1}
    assert stats["unexpectedErrors"] == 0
    assert emu.state.stats.request_count(method="GET", route=route) == 4


async def test_reset_route(emu: Emulator, session: aiohttp.ClientSession) -> None:
    before = [d.id for d in emu.state.live_deployments()]
    await call(session, "DELETE", f"{emu.endpoint}/deployments/{before[0]}/")
    async with aiohttp.ClientSession() as anonymous:
        status, _, _ = await call(anonymous, "POST", f"{emu.url}/_emulator/reset")
        assert status == 204
        _, _, stats = await call(anonymous, "GET", f"{emu.url}/_emulator/stats")
    assert stats["requestsTotal"] == 0
    assert [d.id for d in emu.state.live_deployments()] == before
    assert emu.state.deleted_deployments() == []
