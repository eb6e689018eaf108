"""Fleet policies against the emulator: exactly the differing settings change (counted by
the emulator), a second apply sends nothing, planning sends no mutation, deployments
outside the selection are never touched, refusals are per item, and the journal resumes
only an interrupted run.

The policy selects 1000 deployments of 1200 (a few seconds, at every test run); with
``AIODEPLOY_CHAOS=full`` the command line's ``apply --plan`` then reads the 1000 again and
shows no change.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import anyio
import pytest
from aiohttp import web

from aiodeploy import AsyncDeploymentClient, AuthenticationError, Outcome, Policy, PolicyItemError
from aiodeploy.cli import main
from aiodeploy.emulator import Emulator
from aiodeploy.emulator._auth import TokenTable

FLEET = 1200
SELECTED = 1000
# the CLI's `apply --plan` over the same 1000 too (it reads them all again: seconds more)
FULL = os.environ.get("AIODEPLOY_CHAOS", "").strip().lower() == "full"
MUTATING = ("PATCH", "PUT", "POST", "DELETE")
DEPLOYMENT = "/api/v2/deployments/{deployment_id}/"
SETTINGS = {
    "drift_tracking": {"target_drift_enabled": False},
    "predictions_data_collection": {"enabled": True},
    "association_id": {"column_names": ["request_id"]},
    "health": {"service": {"batch_count": 7}},
}


def _recorder(emulator: Emulator) -> list[tuple[str, str, int]]:
    """``(method, path, status)`` of every request the emulator's handlers answer."""
    log: list[tuple[str, str, int]] = []

    @web.middleware
    async def record(request: web.Request, handler: Any) -> web.StreamResponse:
        response: web.StreamResponse = await handler(request)
        log.append((request.method, request.path, response.status))
        return response

    emulator.app.middlewares.append(record)
    return log


@pytest.fixture
async def fleet() -> Any:
    emu = Emulator(deployments=FLEET, settings_seconds=0.01, seed=11)
    log = _recorder(emu)
    async with emu:
        yield emu, log


async def test_a_policy_changes_exactly_what_differs(
    fleet: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emu, log = fleet
    state = emu.state
    # 1000 of the 1200, by id: every sixth deployment is left out
    selected = [d for i, d in enumerate(state.live_deployments()) if i % 6][:SELECTED]
    assert len(selected) == SELECTED
    # some selected deployments already match, in part or in full
    for record in selected[::3]:
        record.settings["targetDrift"]["enabled"] = False
        record.settings["predictionsDataCollection"]["enabled"] = True
        record.settings["associationId"]["columnNames"] = ["request_id"]
    for record in selected[::4]:
        state.config.update_health(record, {"service": {"batchCount": 7}})
    outside = [d for d in state.live_deployments() if d not in selected]
    before = {d.id: (json.dumps(d.settings), state.config.health(d)) for d in outside}
    expected_settings = len(selected) - len(selected[::3])
    expected_health = len(selected) - len(selected[::4])
    policy = Policy.from_dict({"select": {"ids": [d.id for d in selected]}, "settings": SETTINGS})

    async with AsyncDeploymentClient(emu.endpoint, emu.token) as client:
        log.clear()
        plan = await client.plan_policy(policy, concurrency=64)
        assert not [entry for entry in log if entry[0] in MUTATING]  # planning mutates nothing
        assert len(plan.items) == len(selected)
        changing = plan.changing()
        assert len(changing) == len(selected) - len(selected[::12])  # both kinds already match
        log.clear()
        result = await client.apply_policy(policy, plan=plan, concurrency=64)
        assert result.ok, result.counts
        assert result.counts["updated"] == len(changing)
        assert result.counts["skipped_current"] == len(selected[::12])
        sent = Counter(
            (method, path.split("/")[-2]) for method, path, _ in log if method in MUTATING
        )
        assert sent == {("PATCH", "settings"): expected_settings,
                        ("PATCH", "healthSettings"): expected_health}  # fmt: skip

        for record in selected:
            assert record.settings["targetDrift"]["enabled"] is False
            assert record.settings["associationId"]["columnNames"] == ["request_id"]
            assert state.config.health(record)["service"]["batchCount"] == 7
        touched = {path.split("/")[4] for method, path, _ in log if "/deployments/" in path}
        assert touched.isdisjoint(before)  # not even read
        for record in outside:
            assert (json.dumps(record.settings), state.config.health(record)) == before[record.id]

        # a second apply plans from the server and sends nothing
        log.clear()
        again = await client.apply_policy(policy, concurrency=64, journal=tmp_path / "j.jsonl")
        assert again.counts["skipped_current"] == len(selected)
        assert not [entry for entry in log if entry[0] in MUTATING]
    if not FULL:
        return  # tests/cli checks `apply --plan` after an apply on 40 deployments
    # and `apply --plan` shows no change
    path = tmp_path / "fleet.json"
    path.write_text(json.dumps({"select": {"ids": [d.id for d in selected]}, "settings": SETTINGS}))
    argv = [
        "apply",
        str(path),
        "--plan",
        "--json",
        "--endpoint",
        emu.endpoint,
        "--token",
        emu.token,
    ]
    assert await anyio.to_thread.run_sync(main, argv) == 0
    shown = json.loads(capsys.readouterr().out)["plan"]
    assert (shown["selected"], shown["to_change"], shown["unchanged"]) == (SELECTED, 0, SELECTED)
    assert state.stats.unexpected_errors == 0


async def test_a_refused_setting_fails_its_item_and_the_others_go_on(fleet: Any) -> None:
    emu, _ = fleet
    policy = Policy.from_dict({
        "select": {"search": "house-price-00"},  # 24 regression deployments
        "settings": {
            "accuracy_metrics": {"accuracy_metrics": ["RMSE", "MAE"]},
            "challenger_models": {"challenger_models_enabled": True},  # no row storage: 422
            "health": {"accuracy": {"warning_threshold": 4}},
        },
    })  # fmt: skip
    async with AsyncDeploymentClient(emu.endpoint, emu.token) as client:
        result = await client.apply_policy(policy)
    assert result.counts["failed"] == len(result.items) > 0
    for item in result.items:
        error = item.error
        assert isinstance(error, PolicyItemError)
        assert list(error.failures) == ["challenger_models"]
        assert "prediction row storage" in str(error)
        record = emu.state.deployment(item.request.deployment_id)
        assert record is not None
        assert emu.state.config.accuracy_metrics(record) == ["RMSE", "MAE"]
        assert emu.state.config.health(record)["accuracy"]["warningThreshold"] == 4


async def test_ids_that_are_not_found_are_reported(fleet: Any) -> None:
    emu, _ = fleet
    known = emu.state.live_deployments()[0].id
    policy = Policy.from_dict({
        "select": {"ids": [known, "0" * 24]},
        "settings": {"predictions_data_collection": {"enabled": True}},
    })  # fmt: skip
    async with AsyncDeploymentClient(emu.endpoint, emu.token) as client:
        plan = await client.plan_policy(policy)
        assert [item.deployment_id for item in plan.items] == [known]
        assert plan.missing_ids == ["0" * 24]
        assert not plan.matches
        result = await client.apply_policy(policy, plan=plan)
    assert [item.outcome for item in result.items] == [Outcome.UPDATED]


async def test_ids_another_select_key_leaves_out_are_not_selected_nor_missing(
    fleet: Any,
) -> None:
    """Select keys combine with AND: an id that exists but ``search`` leaves out is reported
    apart (``unselected_ids``), not as missing; only the ids the filtered list lacks are
    read, one GET each, to tell the two apart."""
    emu, _ = fleet
    kept, left_out = emu.state.live_deployments()[:2]
    missing = "0" * 24
    policy = Policy.from_dict({
        "select": {"ids": [kept.id, left_out.id, missing], "search": kept.label},
        "settings": {"predictions_data_collection": {"enabled": True}},
    })  # fmt: skip
    async with AsyncDeploymentClient(emu.endpoint, emu.token) as client:
        before = emu.state.stats.request_count(method="GET", route=DEPLOYMENT)
        plan = await client.plan_policy(policy)
        assert emu.state.stats.request_count(method="GET", route=DEPLOYMENT) - before == 2
    assert [item.deployment_id for item in plan.items] == [kept.id]
    assert (plan.missing_ids, plan.unselected_ids) == ([missing], [left_out.id])


async def test_the_journal_resumes_an_interrupted_run_only(fleet: Any, tmp_path: Path) -> None:
    emu, log = fleet
    policy = Policy.from_dict({
        "select": {"search": "iris-00"},
        "settings": {"drift_tracking": {"feature_drift_enabled": False}},
    })  # fmt: skip
    journal = tmp_path / "apply.jsonl"
    async with AsyncDeploymentClient(emu.endpoint, emu.token) as client:
        plan = await client.plan_policy(policy)
        first = await client.apply_policy(policy, plan=plan, journal=journal)
        size = len(plan.items)  # iris-0004 ... iris-0096
        assert first.counts["updated"] == size == 24
        # an interrupted run: the journal lost its last ten items' endings
        lines = journal.read_bytes().splitlines(keepends=True)
        journal.write_bytes(b"".join(lines[:-10]))
        log.clear()
        resumed = await client.apply_policy(policy, plan=plan, journal=journal)
        assert sum(item.resumed for item in resumed.items) == size - 10
        # the ten it runs again send the plan's changes once more: idempotent
        assert len([e for e in log if e[0] == "PATCH"]) == 10
        # after a completed run, the next one plans from the server: nothing to send
        log.clear()
        fresh = await client.apply_policy(policy, journal=journal)
        assert not any(item.resumed for item in fresh.items)
        assert fresh.counts["skipped_current"] == size
        assert not [e for e in log if e[0] == "PATCH"]


async def test_a_refused_token_stops_the_run_and_a_read_only_one_fails_items(
    fleet: Any,
) -> None:
    emu, _ = fleet
    policy = Policy.from_dict({
        "select": {"search": "credit-risk-00"},
        "settings": {"predictions_data_collection": {"enabled": True}},
    })  # fmt: skip
    async with AsyncDeploymentClient(emu.endpoint, "ro-token") as reader:
        emu.state.tokens = TokenTable(emu.token, {"ro-token": "read-only"})
        result = await reader.apply_policy(policy)
        # 403 on each PATCH, but the token may read (GET version/): the items' own failures
        assert result.counts["failed"] == len(result.items) > 0
        assert all(isinstance(item.error, PolicyItemError) for item in result.items)
    async with AsyncDeploymentClient(emu.endpoint, emu.token) as client:
        plan = await client.plan_policy(policy, concurrency=4)
        emu.state.tokens = TokenTable("another-token")  # the token is revoked meanwhile
        emu.state.stats.clear()
        with pytest.raises(AuthenticationError):
            await client.apply_policy(policy, plan=plan, concurrency=4)
    # the run stopped at the first 401: at most the deployments already sending (4)
    assert 1 <= emu.state.stats.request_count(method="PATCH", status=401) <= 4
    assert len(plan.items) > 4
