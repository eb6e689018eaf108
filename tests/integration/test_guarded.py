"""Guarded rollouts against the emulator: waves, a bake with prediction traffic, the health
gate, and the rollback of a wave whose new model fails.

The client and the emulator share a fake clock; the client's sleep makes a round of
predictions on every deployment whenever the rollout waits during a bake, then moves the
clock on. So the gate reads real service stats of real traffic, and nothing sleeps.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from types import SimpleNamespace
from typing import Any

import pytest
from aiohttp import web

from aiodeploy import (
    AsyncDeploymentClient,
    AuthenticationError,
    BulkEvent,
    HealthGate,
    ItemFinished,
    JournalMismatchError,
    ReplacementRequest,
    WaveProgress,
    _guard,
)
from aiodeploy.emulator import Emulator
from tests.conftest import FakeClock
from tests.traffic import Traffic, make_fleet

SIZE = 40
WAVES = [1, "25%", "100%"]  # 1, then up to 10, then the 30 others
BAKE = 60.0
GATE = HealthGate(max_error_rate=0.05, min_predictions=10)


def _log(emu: Emulator) -> list[tuple[str, str]]:
    """``(method, path?query)`` of every API request the emulator answers, in order."""
    log: list[tuple[str, str]] = []

    @web.middleware
    async def record(request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path.startswith("/api/"):
            log.append((request.method, request.path_qs))
        return await handler(request)  # type: ignore[no-any-return]

    emu.app.middlewares.append(record)
    return log


async def _run(
    clock: FakeClock, *, bad: bool, by_version: bool = False, size: int = SIZE, waves: Any = WAVES
) -> dict[str, Any]:
    emu = Emulator(clock=clock, replacement_seconds=2.0, status_seconds=0.5)
    log = _log(emu)
    async with emu:
        fleet = make_fleet(emu, size)
        if bad:
            for model in {new for _, _, new in fleet}:
                emu.set_model_faults(model, error_rate=0.5)
        catalog = emu.state.catalog
        plan = [
            ReplacementRequest(dep, registered_model_version_id=catalog.model(new).package_id)
            if by_version
            else ReplacementRequest(dep, new, "SCHEDULED_REFRESH")
            for dep, _, new in fleet
        ]
        async with AsyncDeploymentClient(emu.endpoint, emu.token, max_retries=0) as predictor:
            traffic = Traffic(predictor, [dep for dep, _, _ in fleet], clock.sleep)
            await traffic.round()  # the old models serve first (and the routes are read)
            log.clear()
            events: list[BulkEvent] = []

            def on_event(event: BulkEvent) -> None:
                events.append(event)
                traffic.on_event(event)

            async with AsyncDeploymentClient(
                emu.endpoint, emu.token, sleep=traffic.sleep, clock=clock
            ) as client:
                result = await client.replace_models(
                    plan, waves=waves, bake=BAKE, gate=GATE, on_event=on_event
                )
        return {
            "emu": emu, "fleet": fleet, "plan": plan, "result": result, "events": events,
            "traffic": traffic, "log": log,
        }  # fmt: skip


def _models_in_history(emu: Emulator, dep_id: str) -> list[str]:
    return [entry.model_id for entry in emu.state.model_history(dep_id)]


async def test_a_bad_model_is_stopped_after_the_first_wave_and_rolled_back(clock) -> None:
    run = await _run(clock, bad=True)
    emu, fleet, result = run["emu"], run["fleet"], run["result"]
    outcomes = [item.outcome.value for item in result.items]
    assert outcomes == ["rolled_back"] + ["not_started"] * (SIZE - 1)
    assert not result.ok
    assert "the health gate failed it: error rate" in str(result.items[0].error)
    bad_models = {new for _, _, new in fleet}
    on_bad = [dep for dep, _, _ in fleet if emu.state.current_model(dep).id in bad_models]
    assert on_bad == []
    touched = [dep for dep, _, _ in fleet if bad_models & set(_models_in_history(emu, dep))]
    assert touched == [fleet[0][0]]
    first, old, new = fleet[0]
    assert _models_in_history(emu, first) == [old, new, old]
    assert emu.state.model_history(first)[-1].reason == "ERRORS"
    patches = [path for method, path in run["log"] if method == "PATCH"]
    assert patches == [f"/api/v2/deployments/{first}/model/"] * 2
    stages = [(e.wave, e.stage) for e in run["events"] if isinstance(e, WaveProgress)]
    assert stages[0] == (1, "replacing")
    assert stages[-3:] == [(1, "failed"), (1, "rolling back"), (1, "rolled back")]
    # the gate failed the wave early: before the bake's end, once the predictions were in
    baking = [e for e in run["events"] if isinstance(e, WaveProgress) and e.stage == "baking"]
    assert baking
    assert baking[-1].remaining_s > 0
    finished = Counter(e.result.outcome.value for e in run["events"] if isinstance(e, ItemFinished))
    assert finished == {"replaced": 1, "rolled_back": 1, "not_started": SIZE - 1}
    _flow(run, first)
    _figures("bad model", run)


def _figures(name: str, run: dict[str, Any]) -> None:
    log, traffic = run["log"], run["traffic"]
    reads = sum("/serviceStats/" in path for _, path in log)
    patches = sum(method == "PATCH" for method, _ in log)
    waves = {e.wave for e in run["events"] if isinstance(e, WaveProgress)}
    print(  # noqa: T201 (the figures in the report)
        f"guarded acceptance ({name}): {len(run['plan'])} deployments, waves run {len(waves)}, "
        f"counts { ({k: v for k, v in run['result'].counts.items() if v}) }, PATCHes {patches}, "
        f"stats reads {reads}, traffic rounds {traffic.rounds} "
        f"(served {traffic.served}, failed {traffic.failed} requests), "
        f"{len(log)} API requests in all"
    )


def _flow(run: dict[str, Any], dep_id: str) -> None:
    """The requests of the one guarded wave, in order, for one deployment."""
    flow = []
    for method, path in run["log"]:
        if f"/deployments/{dep_id}/" in path or path.startswith("/api/v2/status/"):
            route = re.sub(r"[0-9a-f]{24}", "{id}", path.split("?")[0])
            query = "?" + "&".join(sorted(k.split("=")[0] for k in path.split("?")[1].split("&"))) \
                if "?" in path else ""  # fmt: skip
            step = f"{method} {route}{query}"
            if not flow or flow[-1][0] != step:
                flow.append([step, 1])
            else:
                flow[-1][1] += 1
    shown = [f"{step} x{count}" if count > 1 else step for step, count in flow]
    print("guarded wave flow:", " -> ".join(shown))  # noqa: T201 (the flow in the report)
    steps = [step for step, _ in flow]
    assert steps[:4] == [
        "GET /api/v2/deployments/{id}/",
        "POST /api/v2/deployments/{id}/model/validation/",
        "PATCH /api/v2/deployments/{id}/model/",
        "GET /api/v2/status/{id}/",
    ]
    stats = "GET /api/v2/deployments/{id}/serviceStats/?modelId&start"
    last_read = len(steps) - 1 - steps[::-1].index(stats)
    assert steps[last_read + 1 :] == [
        "PATCH /api/v2/deployments/{id}/model/",
        "GET /api/v2/status/{id}/",
        "GET /api/v2/deployments/{id}/",
    ]


async def test_a_good_model_goes_through_every_wave(clock) -> None:
    run = await _run(clock, bad=False)
    emu, fleet, result = run["emu"], run["fleet"], run["result"]
    assert result.ok, result.counts
    assert result.counts["replaced"] == SIZE
    assert all(emu.state.current_model(dep).id == new for dep, _, new in fleet)
    stages = [(e.wave, e.stage) for e in run["events"] if isinstance(e, WaveProgress)]
    assert [s for s in stages if s[1] == "passed"] == [(1, "passed"), (2, "passed"), (3, "passed")]
    reads = Counter(path.split("/")[4] for method, path in run["log"] if "/serviceStats/" in path)
    assert set(reads) == {dep for dep, _, _ in fleet}
    assert min(reads.values()) >= 2  # a healthy deployment passes only at the bake's end
    assert run["traffic"].failed == 0
    _figures("good model", run)


async def test_a_rollout_by_version_rolls_back_to_the_previous_version(clock) -> None:
    run = await _run(clock, bad=True, by_version=True, size=6, waves=[2, "100%"])
    emu, fleet, result = run["emu"], run["fleet"], run["result"]
    assert [item.outcome.value for item in result.items] == ["rolled_back"] * 2 + [
        "not_started"
    ] * 4
    catalog = emu.state.catalog
    for dep, old, new in fleet[:2]:
        record = emu.state.deployment(dep)
        assert record.package_id == catalog.model(old).package_id
        history = emu.state.model_history(dep)
        assert [entry.model_id for entry in history] == [old, new, old]
    bodies = [path for method, path in run["log"] if method == "PATCH"]
    assert len(bodies) == 4


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"waves": [1, 1, "100%"], "bake": 10}, "adds no item"),
        ({"waves": [1, "100%"]}, "need a bake"),
        ({"bake": "2m"}, "give waves too"),
        ({"gate": HealthGate()}, "give waves too"),
        ({"waves": [1, "100%"], "bake": "2x"}, "not a duration"),
        ({"waves": [1, "100%"], "bake": 5, "fail_fast": True}, "fail_fast"),
    ],
)
async def test_bad_guard_arguments_fail_before_any_request(client, emulator, kwargs, message):
    plan = [
        (dep.id, emulator.state.replacement_candidates(dep.id).passing[0].id)
        for dep in emulator.state.live_deployments()
    ]
    before = emulator.state.stats.request_count()
    with pytest.raises(ValueError, match=message):
        await client.replace_models(plan, **kwargs)
    assert emulator.state.stats.request_count() == before


async def test_a_rollback_that_fails_is_reported_and_never_sent_again(clock, tmp_path) -> None:
    async with Emulator(clock=clock, replacement_seconds=2.0, status_seconds=0.5) as emu:
        fleet = make_fleet(emu, 3)
        for model in {new for _, _, new in fleet}:
            emu.set_model_faults(model, error_rate=0.5)
        plan = [ReplacementRequest(dep, new) for dep, _, new in fleet]
        journal = tmp_path / "guarded.jsonl"
        async with AsyncDeploymentClient(emu.endpoint, emu.token, max_retries=0) as predictor:
            traffic = Traffic(predictor, [dep for dep, _, _ in fleet], clock.sleep)

            def on_event(event: BulkEvent) -> None:
                traffic.on_event(event)
                if isinstance(event, WaveProgress) and event.stage == "rolling back":
                    emu.set_faults("job_error=1")  # every job from now on ends in ERROR

            async with AsyncDeploymentClient(
                emu.endpoint, emu.token, sleep=traffic.sleep, clock=clock
            ) as client:
                kwargs = {"waves": [1, "100%"], "bake": BAKE, "gate": GATE, "journal": journal}
                result = await client.replace_models(plan, on_event=on_event, **kwargs)
                patches = emu.state.stats.request_count(method="PATCH")
                again = await client.replace_models(plan, **kwargs)
    assert [item.outcome.value for item in result.items] == [
        "rollback_failed", "not_started", "not_started",
    ]  # fmt: skip
    assert "the rollback failed" in str(result.items[0].error)
    assert "error rate" in str(result.items[0].error)
    assert patches == 2
    assert [item.outcome.value for item in again.items] == [
        "rollback_failed", "not_started", "not_started",
    ]  # fmt: skip
    assert again.items[0].resumed
    assert emu.state.stats.request_count(method="PATCH") == patches


async def test_the_journal_of_a_guarded_run_belongs_to_its_waves(clock, tmp_path) -> None:
    # README: "The journal of a guarded run belongs to its waves: other marks need a new
    # journal." (resumed with other marks, a wave's items and its bake would not match)
    async with Emulator(clock=clock, replacement_seconds=2.0, status_seconds=0.5) as emu:
        fleet = make_fleet(emu, 4)
        for model in {new for _, _, new in fleet}:
            emu.set_model_faults(model, error_rate=0.5)  # the first wave fails: a short run
        plan = [ReplacementRequest(dep, new) for dep, _, new in fleet]
        journal = tmp_path / "guarded.jsonl"
        async with AsyncDeploymentClient(emu.endpoint, emu.token, max_retries=0) as predictor:
            traffic = Traffic(predictor, [dep for dep, _, _ in fleet], clock.sleep)
            async with AsyncDeploymentClient(
                emu.endpoint, emu.token, sleep=traffic.sleep, clock=clock
            ) as client:
                guard = {"bake": BAKE, "gate": GATE, "journal": journal}
                first = await client.replace_models(
                    plan, waves=[1, "100%"], on_event=traffic.on_event, **guard
                )
                requests = emu.state.stats.request_count()
                for other in ([2, "100%"], [1, 2, "100%"]):
                    with pytest.raises(JournalMismatchError, match="another plan"):
                        await client.replace_models(plan, waves=other, **guard)
                with pytest.raises(JournalMismatchError, match="another plan"):
                    await client.replace_models(plan, journal=journal)  # no waves at all
                assert emu.state.stats.request_count() == requests
                again = await client.replace_models(plan, waves=[1, "100%"], **guard)
    assert [item.outcome.value for item in first.items] == ["rolled_back"] + ["not_started"] * 3
    assert [item.outcome.value for item in again.items] == [i.outcome.value for i in first.items]
    assert again.items[0].resumed


async def test_a_resumed_bake_waits_only_the_wall_clock_time_it_had_left(
    clock, tmp_path, monkeypatch
) -> None:
    # README: a guarded run stopped during a bake and rerun with the same journal "bakes
    # for the wall-clock time it had left". The client's wall clock is the fake clock here
    # (anchored once), so the time between the two runs counts as it would in life.
    anchor = time.time() - clock.now
    monkeypatch.setattr(_guard, "time", SimpleNamespace(time=lambda: anchor + clock.now))
    journal = tmp_path / "guarded.jsonl"
    async with Emulator(
        clock=clock, replacement_seconds=2.0, status_seconds=0.5, tokens={"t2": "owner"}
    ) as emu:
        fleet = make_fleet(emu, 3)
        plan = [ReplacementRequest(dep, new) for dep, _, new in fleet]
        async with AsyncDeploymentClient(emu.endpoint, "t2", max_retries=0) as predictor:
            traffic = Traffic(predictor, [dep for dep, _, _ in fleet], clock.sleep)
            baking: list[tuple[float, float]] = []  # (clock, seconds left) of each bake poll
            passed: list[float] = []  # the clock when the first wave passed

            def on_event(event: BulkEvent) -> None:
                traffic.on_event(event)
                if isinstance(event, WaveProgress) and event.wave == 1:
                    if event.stage == "baking":
                        baking.append((clock.now, event.remaining_s))
                        if len(baking) == 1:  # stops the first run mid-bake
                            emu.state.tokens.revoke(emu.token)
                    elif event.stage == "passed":
                        passed.append(clock.now)

            kwargs = {"waves": [1, "100%"], "bake": BAKE, "gate": GATE, "journal": journal}
            for token in (emu.token, "t2"):
                async with AsyncDeploymentClient(
                    emu.endpoint, token, sleep=traffic.sleep, clock=clock, max_retries=0
                ) as client:
                    if token == emu.token:
                        with pytest.raises(AuthenticationError):
                            await client.replace_models(plan, on_event=on_event, **kwargs)
                        stopped = clock.now
                        await clock.sleep(20.0)  # the token is rotated: 20 s pass
                    else:
                        again = await client.replace_models(plan, on_event=on_event, **kwargs)
    records = [json.loads(line) for line in journal.read_text().splitlines()]
    (since,) = [r["since"] - anchor for r in records if "since" in r and r["wave"] == 0]
    assert again.ok
    assert BAKE > stopped - since > 0  # the first run was stopped mid-bake
    resumed = [left for at, left in baking if at > stopped]
    assert resumed[0] == pytest.approx(since + BAKE - (stopped + 20.0), abs=0.01)
    # the wave passed when the bake that began in the first run was over, not later
    assert passed == [pytest.approx(since + BAKE, abs=0.01)]
