"""Guarded rollouts that meet errors, against the emulator: a token refused during a bake,
a replacement or a rollback (the run stops at once, and a rerun with a valid token and the
same journal goes on where it stopped); gate reads that fail (read again, and only stats
never read fail a deployment); waves whose replacements failed (they count against the
wave, and a wave with nothing replaced does not let the next one start).

As in ``test_guarded.py``, a fake clock drives the bakes and each wait of a bake brings a
round of predictions on every deployment: nothing sleeps.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

import aiodeploy
from aiodeploy import (
    AsyncDeploymentClient,
    BulkEvent,
    HealthGate,
    ReplacementRequest,
    WaveProgress,
)
from aiodeploy._bake import REREADS
from aiodeploy.emulator import Emulator
from tests.conftest import FakeClock
from tests.traffic import Traffic, make_fleet

BAKE = 60.0
GATE = HealthGate(max_error_rate=0.05, min_predictions=10)
STATS = "/serviceStats/"
STATS_ROUTE = "/api/v2/deployments/{deployment_id}/serviceStats/"
OTHER = "another-owner-token"  # a valid token for the rerun, once the first is revoked


def _middleware(emu: Emulator, decide: Callable[[web.Request], web.StreamResponse | None]) -> None:
    """Answer an API request from ``decide`` when it returns a response (before the app
    starts: aiohttp freezes its middlewares)."""

    @web.middleware
    async def hook(request: web.Request, handler: Any) -> web.StreamResponse:
        answer = decide(request)
        if answer is not None:
            return answer
        return await handler(request)  # type: ignore[no-any-return]

    emu.app.middlewares.append(hook)


def _emulator(clock: FakeClock) -> Emulator:
    return Emulator(
        clock=clock, replacement_seconds=2.0, status_seconds=0.5, tokens={OTHER: "owner"}
    )


async def _guarded(
    emu: Emulator,
    clock: FakeClock,
    plan: list[ReplacementRequest],
    *,
    token: str | None = None,
    on_event: Callable[[BulkEvent], None] | None = None,
    **kwargs: Any,
) -> Any:
    """A guarded rollout of ``plan`` under prediction traffic (made with the other token,
    which is never revoked), the bake driven by the fake clock."""
    deployments = [request.deployment_id for request in plan]
    async with AsyncDeploymentClient(emu.endpoint, OTHER, max_retries=0) as predictor:
        traffic = Traffic(predictor, deployments, clock.sleep)
        await traffic.round()

        def events(event: BulkEvent) -> None:
            traffic.on_event(event)
            if on_event is not None:
                on_event(event)

        async with AsyncDeploymentClient(
            emu.endpoint, token or emu.token, sleep=traffic.sleep, clock=clock
        ) as client:
            kwargs.setdefault("waves", [1, "100%"])
            kwargs.setdefault("bake", BAKE)
            kwargs.setdefault("gate", GATE)
            return await client.replace_models(plan, on_event=events, **kwargs)


def _records(journal: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in journal.read_text().splitlines()]


def _history(emu: Emulator, dep_id: str) -> list[str]:
    return [entry.model_id for entry in emu.state.model_history(dep_id)]


def _stats_reads(log: list[tuple[str, int]], dep_id: str, status: int | None = None) -> int:
    return sum(
        f"/deployments/{dep_id}{STATS}" in path and status in (None, code) for path, code in log
    )


# --- a refused token ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wave", "stage", "partial"),
    [
        (1, "baking", ["replaced", "not_started", "not_started"]),  # a gate read is refused
        (2, "replacing", ["replaced", "cancelled", "cancelled"]),  # a replacement is refused
    ],
)
async def test_a_token_revoked_during_a_guarded_run_stops_it_and_a_rerun_resumes_it(
    clock: FakeClock, tmp_path: Path, wave: int, stage: str, partial: list[str]
) -> None:
    emu = _emulator(clock)
    async with emu:
        fleet = make_fleet(emu, 3)
        plan = [ReplacementRequest(dep, new, "OTHER") for dep, _, new in fleet]
        journal = tmp_path / "guarded.jsonl"
        revoked: list[bool] = []

        def revoke(event: BulkEvent) -> None:
            if (
                isinstance(event, WaveProgress)
                and (event.wave, event.stage) == (wave, stage)
                and not revoked
            ):
                emu.state.tokens.revoke(emu.token)  # rotated: refused from now on
                revoked.append(True)

        with pytest.raises(aiodeploy.AuthenticationError) as info:
            await _guarded(emu, clock, plan, on_event=revoke, journal=journal)
        # a refused request ended the run: nothing was sent with the refused token after it
        assert emu.state.stats.request_count(status=401) <= 2  # the wave's items at once
        assert emu.state.stats.request_count(method="PATCH", status=401) == 0
        canary, old, new = fleet[0]
        assert _history(emu, canary) == [old, new]
        stopped = info.value.bulk_result
        assert [item.outcome.value for item in stopped.items] == partial
        assert not stopped.ok
        # nothing the stop cut short is journalled as ended: no verdict of the stopped wave
        verdicts = [r["wave"] for r in _records(journal) if "verdict" in r]
        assert verdicts == list(range(wave - 1))
        assert not any(r["type"] == "rollback" for r in _records(journal))

        again = await _guarded(emu, clock, plan, token=OTHER, journal=journal)
        assert again.ok, [(i.outcome.value, str(i.error)) for i in again.items]
        for dep, old, new in fleet:  # each replaced once, by its own wave
            assert _history(emu, dep) == [old, new]
        # the bake begun before the stop went on: it was not begun again
        begun = [r["wave"] for r in _records(journal) if "since" in r]
        assert begun == [0, 1]


async def test_an_endpoint_wide_403_during_a_rollback_stops_the_run_and_a_rerun_finishes_it(
    clock: FakeClock, tmp_path: Path
) -> None:
    emu = _emulator(clock)
    forbidden: list[bool] = []

    def forbid(request: web.Request) -> web.StreamResponse | None:
        if forbidden and request.path.startswith("/api/"):  # GET version/ included
            return web.json_response({"message": "This token has no API access"}, status=403)
        return None

    _middleware(emu, forbid)
    async with emu:
        fleet = make_fleet(emu, 3)
        for _, _, new in fleet:
            emu.set_model_faults(new, error_rate=0.5)
        plan = [ReplacementRequest(dep, new, "OTHER") for dep, _, new in fleet]
        journal = tmp_path / "guarded.jsonl"

        def on_event(event: BulkEvent) -> None:
            if isinstance(event, WaveProgress) and event.stage == "rolling back":
                forbidden.append(True)

        with pytest.raises(aiodeploy.PermissionDeniedError) as info:
            await _guarded(emu, clock, plan, on_event=on_event, journal=journal)
        canary, old, new = fleet[0]
        assert emu.state.current_model(canary).id == new  # the rollback never reached it
        stopped = info.value.bulk_result
        assert [item.outcome.value for item in stopped.items] == [
            "cancelled", "not_started", "not_started",
        ]  # fmt: skip
        assert isinstance(stopped.items[0].error, aiodeploy.PermissionDeniedError)
        steps = [r["step"] for r in _records(journal) if r["type"] == "rollback"]
        assert "finished" not in steps  # not "rollback_failed" for good: a rerun finishes it

        forbidden.clear()
        again = await _guarded(emu, clock, plan, journal=journal)
    assert [item.outcome.value for item in again.items] == [
        "rolled_back", "not_started", "not_started",
    ]  # fmt: skip
    assert _history(emu, canary) == [old, new, old]
    assert emu.state.model_history(canary)[-1].reason == "ERRORS"


# --- gate reads that fail ----------------------------------------------------------------


def _failing_reads_after_the_bake(
    emu: Emulator, clock: FakeClock, dep_id: Callable[[], str], *, times: int
) -> list[tuple[str, int]]:
    """Answer 500 to the first ``times`` stats reads of one deployment from the bake's end
    on (the bake begins with the first stats read); log ``(path, status)`` of every API
    request."""
    log: list[tuple[str, int]] = []
    bake_started: list[float] = []
    failed: list[str] = []

    def decide(request: web.Request) -> web.StreamResponse | None:
        answer = None
        if STATS in request.path:
            bake_started[:] = bake_started or [clock.now]
            due = clock.now - bake_started[0] > BAKE - 1e-3 and len(failed) < times
            if due and f"/deployments/{dep_id()}/" in request.path:
                failed.append(request.path)
                answer = web.json_response({"message": "Internal server error"}, status=500)
        if request.path.startswith("/api/"):
            log.append((request.path, 200 if answer is None else 500))
        return answer

    _middleware(emu, decide)
    return log


async def test_one_transient_500_on_the_last_gate_read_does_not_fail_a_healthy_wave(
    clock: FakeClock,
) -> None:
    emu = _emulator(clock)
    fleet: list[tuple[str, str, str]] = []
    log = _failing_reads_after_the_bake(emu, clock, lambda: fleet[1][0], times=1)
    async with emu:
        fleet.extend(make_fleet(emu, 4))
        plan = [ReplacementRequest(dep, new, "OTHER") for dep, _, new in fleet]
        result = await _guarded(emu, clock, plan, waves=[2, "100%"])
    assert _stats_reads(log, fleet[1][0], 500) == 1, "the fault was never injected"
    assert result.ok, [(i.outcome.value, str(i.error)) for i in result.items]
    assert all(emu.state.current_model(dep).id == new for dep, _, new in fleet)
    # the deployment whose read failed was read again, and judged on that read
    reads = [code for path, code in log if f"/deployments/{fleet[1][0]}{STATS}" in path]
    assert reads[-2:] == [500, 200]


async def test_a_deployment_whose_stats_are_never_read_after_the_bake_fails_saying_so(
    clock: FakeClock,
) -> None:
    emu = _emulator(clock)
    fleet: list[tuple[str, str, str]] = []
    log = _failing_reads_after_the_bake(emu, clock, lambda: fleet[0][0], times=1000)
    async with emu:
        fleet.extend(make_fleet(emu, 3))
        plan = [ReplacementRequest(dep, new, "OTHER") for dep, _, new in fleet]
        result = await _guarded(emu, clock, plan)
    canary, old, new = fleet[0]
    assert [item.outcome.value for item in result.items] == [
        "rolled_back", "not_started", "not_started",
    ]  # fmt: skip
    error = str(result.items[0].error)
    assert f"stats not read ({REREADS + 1} tries after the bake's end; the last: 500" in error
    assert _stats_reads(log, canary, 500) == REREADS + 1  # bounded: then it gives up
    assert _history(emu, canary) == [old, new, old]


# --- waves whose replacements failed -------------------------------------------------------


async def test_a_wave_whose_every_replacement_failed_does_not_let_the_next_wave_start(
    clock: FakeClock,
) -> None:
    async with _emulator(clock) as emu:
        fleet = make_fleet(emu, 4)
        plan = [ReplacementRequest(dep, new, "OTHER") for dep, _, new in fleet]
        emu.set_faults("job_error=1")  # the canary's replacement job ends in ERROR

        stages: list[tuple[int, str]] = []

        def heal_after_the_canary(event: BulkEvent) -> None:
            if isinstance(event, WaveProgress):
                stages.append((event.wave, event.stage))
                if event.wave == 2:
                    emu.set_faults(None)

        gate = HealthGate(max_error_rate=0.05, min_predictions=10, max_failing=1)
        result = await _guarded(emu, clock, plan, gate=gate, on_event=heal_after_the_canary)
    # even with max_failing=1: nothing was replaced, nothing judged, so the wave fails
    assert [item.outcome.value for item in result.items] == ["failed"] + ["not_started"] * 3
    assert not result.ok
    assert emu.state.stats.request_count(route=STATS_ROUTE) == 0
    assert all(_history(emu, dep) == [old] for dep, old, _ in fleet)
    assert stages == [(1, "replacing"), (1, "failed")]  # nothing replaced: nothing to put back


@pytest.mark.parametrize(
    ("max_failing", "outcomes"),
    [
        (0, ["refused_validation", "rolled_back", "not_started", "not_started"]),
        (1, ["refused_validation", "replaced", "replaced", "replaced"]),
    ],
)
async def test_a_refused_replacement_counts_as_a_failing_deployment_of_its_wave(
    clock: FakeClock, max_failing: int, outcomes: list[str]
) -> None:
    async with _emulator(clock) as emu:
        fleet = make_fleet(emu, 4)
        refused = emu.state.replacement_candidates(fleet[0][0]).failing[0].id
        plan = [ReplacementRequest(fleet[0][0], refused, "OTHER")]
        plan += [ReplacementRequest(dep, new, "OTHER") for dep, _, new in fleet[1:]]
        gate = HealthGate(max_error_rate=0.05, min_predictions=10, max_failing=max_failing)
        result = await _guarded(emu, clock, plan, waves=[2, "100%"], gate=gate)
    assert [item.outcome.value for item in result.items] == outcomes
    assert not result.ok
    if max_failing == 0:  # failed before any bake: the wave's replaced one goes back
        assert (
            f"its wave failed the health gate (1 of 2 deployment(s); {fleet[0][0]}: its "
            "replacement was refused by validation" in str(result.items[1].error)
        )
        assert emu.state.stats.request_count(route=STATS_ROUTE) == 0


async def test_a_rerun_does_not_try_again_an_item_of_a_failed_wave_that_never_reached_the_server(
    clock: FakeClock, tmp_path: Path
) -> None:
    emu = _emulator(clock)
    fleet: list[tuple[str, str, str]] = []
    validations: list[str] = []

    def fail_the_first_validation(request: web.Request) -> web.StreamResponse | None:
        if request.path.endswith("/model/validation/") and fleet[0][0] in request.path:
            validations.append(request.path)
            return web.json_response({"message": "Internal server error"}, status=500)
        return None

    _middleware(emu, fail_the_first_validation)
    async with emu:
        fleet.extend(make_fleet(emu, 4))
        plan = [ReplacementRequest(dep, new, "OTHER") for dep, _, new in fleet]
        journal = tmp_path / "guarded.jsonl"
        first = await _guarded(emu, clock, plan, waves=[2, "100%"], journal=journal)
        again = await _guarded(emu, clock, plan, waves=[2, "100%"], journal=journal)
    outcomes = ["failed", "rolled_back", "not_started", "not_started"]
    assert [item.outcome.value for item in first.items] == outcomes
    assert [item.outcome.value for item in again.items] == outcomes
    assert again.items[0].resumed
    assert "500" in str(again.items[0].error)
    assert len(validations) == 1  # not validated again, so not replaced into a failed wave
    assert _history(emu, fleet[0][0]) == [fleet[0][1]]
