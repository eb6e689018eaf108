"""Monitoring routes computed from the recorded traffic; health blocks that follow it."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from aiodeploy.emulator import Emulator
from aiodeploy.emulator import _app as emulator_app
from aiodeploy.emulator._scoring import scorer_for
from aiodeploy.emulator._training import sample_row

from .helpers import FakeClock, active_deployment, call, predict_rows

HOUR = 3600.0


@pytest.fixture
async def server(emulators: Any, clock: FakeClock) -> Emulator:
    emu: Emulator = await emulators(deployments=8, clock=clock, monitoring_seconds=1.0)
    return emu


@pytest.fixture
async def plain() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def _rows(
    server: Emulator, record: Any, count: int, shift: dict[str, float] | None = None
) -> list[dict[str, Any]]:
    model = server.state.catalog.model(record.model_id)
    assert model is not None
    rng = random.Random(7)
    return [sample_row(model.features, rng, shift) for _ in range(count)]


def _iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc).isoformat()


async def _get(session: Any, server: Emulator, dep_id: str, route: str, **params: Any) -> Any:
    url = f"{server.endpoint}/deployments/{dep_id}/{route}/"
    status, _, body = await call(session, "GET", url, params=params)
    assert status == 200, body
    return body


async def test_service_stats_count_requests_by_hour_and_model(
    server: Emulator, plain: Any, session: Any, clock: FakeClock
) -> None:
    record = active_deployment(server)
    first_hour = server.state.time.now_epoch()
    for size in (1, 2, 3):
        assert (await predict_rows(plain, server, record.id, _rows(server, record, size)))[0] == 200
    clock.advance(2 * HOUR)
    new = server.state.replacement_candidates(record.id).passing[0]
    server.state.start_replacement(record, new, "ACCURACY")
    server.set_model_faults(new.id, error_rate=1.0)
    assert (await predict_rows(plain, server, record.id, _rows(server, record, 4)))[0] == 500
    server.set_model_faults(new.id)
    assert (await predict_rows(plain, server, record.id, _rows(server, record, 4)))[0] == 200

    stats = await _get(session, server, record.id, "serviceStats")
    assert stats["modelId"] is None  # every model that served the deployment
    metrics = stats["metrics"]
    assert (metrics["totalPredictions"], metrics["totalRequests"]) == (10, 5)
    assert (metrics["serverErrorRate"], metrics["userErrorRate"]) == (0.2, 0.0)
    assert metrics["responseTime"] > 0
    assert (metrics["numConsumers"], metrics["cacheHitRatio"]) == (1, 1.0)
    old = await _get(session, server, record.id, "serviceStats", modelId=record.history[0].model_id)
    assert old["metrics"]["totalPredictions"] == 6
    # a sub-hour window is rounded out to the hour it falls in
    first = await _get(
        session, server, record.id, "serviceStats",
        start=_iso(first_hour + 1), end=_iso(first_hour + 2),
    )  # fmt: skip
    assert first["metrics"]["totalRequests"] == 3
    assert first["period"]["start"].endswith(":00:00.000000Z")
    over = await _get(
        session, server, record.id, "serviceStatsOverTime", bucketSize="PT1H",
        start=_iso(first_hour), end=_iso(first_hour + 3 * HOUR), metric="totalRequests",
        modelId=[record.history[0].model_id, new.id],
    )  # fmt: skip
    values = [(b["modelId"] == new.id, b["value"]) for b in over["buckets"]]
    # the window is rounded out to four whole hours: the first one holds the first three
    old_model = [(False, 3), (False, 0), (False, 0), (False, 0)]
    assert values == [*old_model, (True, 0), (True, 0), (True, 2), (True, 0)]
    assert over["summary"]["value"] == 5


@pytest.mark.parametrize(
    ("route", "params", "status", "key"),
    [
        ("serviceStats", {"bogus": "1"}, 400, "bogus"),
        ("serviceStats", {"start": "2024-01-02T00:00Z", "end": "2024-01-01T00:00Z"}, 400, "start"),
        ("serviceStats", {"start": "yesterday"}, 400, "start"),
        ("serviceStats", {"executionTimeQuantile": "2"}, 400, "executionTimeQuantile"),
        ("serviceStats", {"segmentValue": "x"}, 400, "segmentValue"),
        ("serviceStats", {"segmentAttribute": "No", "segmentValue": "x"}, 400, "segmentAttribute"),
        ("serviceStatsOverTime", {"bucketSize": "PT30M"}, 400, "bucketSize"),
        ("serviceStatsOverTime", {"bucketSize": "P30D"}, 400, "bucketSize"),
        ("serviceStatsOverTime", {"metric": "nope"}, 400, "metric"),
        ("targetDrift", {"metric": "nope"}, 400, "metric"),
        ("accuracy", {"modelId": ["a" * 24, "b" * 24]}, 400, "metric"),
        ("accuracy", {"metric": "RMSE"}, 400, "metric"),
        ("featureDrift", {"limit": "1000"}, 400, "limit"),
        ("targetDrift", {"modelId": "f" * 24}, 404, None),
    ],
)  # fmt: skip
async def test_bad_queries_are_refused(
    server: Emulator, session: Any, route: str, params: dict[str, Any], status: int, key: str | None
) -> None:
    record = active_deployment(server)
    url = f"{server.endpoint}/deployments/{record.id}/{route}/"
    got, _, body = await call(session, "GET", url, params=params)
    assert got == status, body
    if key is not None:
        assert key in body["message"]
    missing, _, _ = await call(session, "GET", f"{server.endpoint}/deployments/{'0' * 24}/{route}/")
    assert missing == 404


async def test_drift_is_measured_against_the_training_baseline(
    server: Emulator, plain: Any, session: Any
) -> None:
    calm = active_deployment(server)
    drifting = server.state.create_deployment(calm.model_id, "drifting")
    model = server.state.catalog.model(calm.model_id)
    project = server.state.catalog.project(model.project_id)  # type: ignore[union-attr]
    scorer = scorer_for(model, project)  # type: ignore[arg-type]
    top = max(scorer.impact, key=scorer.impact.__getitem__)
    await predict_rows(plain, server, calm.id, _rows(server, calm, 600))
    await predict_rows(plain, server, drifting.id, _rows(server, calm, 600, {top: 2.0}))

    calm_features = await _get(session, server, calm.id, "featureDrift")
    assert max(f["driftScore"] for f in calm_features["data"]) < 0.1
    moved = await _get(session, server, drifting.id, "featureDrift", limit=2)
    assert moved["data"][0]["name"] == top  # the most impactful feature comes first
    assert moved["data"][0]["driftScore"] > 0.5
    assert moved["next"] is not None
    assert moved["count"] == 2
    target = await _get(session, server, drifting.id, "targetDrift", metric="js_divergence")
    assert target["metric"] == "js_divergence"
    assert target["sampleSize"] == 600
    _, _, calm_dep = await call(session, "GET", f"{server.endpoint}/deployments/{calm.id}/")
    _, _, moved_dep = await call(session, "GET", f"{server.endpoint}/deployments/{drifting.id}/")
    assert calm_dep["modelHealth"]["status"] == "passing"
    assert moved_dep["modelHealth"]["status"] == "failing"
    predictions = await _get(session, server, calm.id, "predictionsOverTime", bucketSize="P1D")
    assert sum(b["rowCount"] for b in predictions["buckets"]) == 600
    assert predictions["baselines"][0]["rowCount"] == 400


async def test_actuals_are_a_job_joined_by_association_id(
    server: Emulator, plain: Any, session: Any, clock: FakeClock
) -> None:
    record = active_deployment(server)
    record.settings["associationId"]["columnNames"] = ["id"]
    rows = [{**row, "id": f"r{i}"} for i, row in enumerate(_rows(server, record, 50))]
    await predict_rows(plain, server, record.id, rows)
    empty = await _get(session, server, record.id, "accuracy")
    assert empty["metrics"]["LogLoss"]["value"] is None
    assert empty["metrics"]["LogLoss"]["baselineValue"] > 0

    url = f"{server.endpoint}/deployments/{record.id}/actuals/fromJSON/"
    bad = {"data": [{"associationId": "r1"}, {"associationId": "", "actualValue": True}, 3]}
    status, _, body = await call(session, "POST", url, json=bad)
    assert status == 422
    assert set(body["errors"]["data"]) == {"0", "1", "2"}
    actuals = [{"associationId": f"r{i}", "actualValue": "1" if i % 4 else "0"} for i in range(40)]
    status, _, _ = await call(session, "POST", url, json={"data": actuals})
    assert status == 202
    assert (await _get(session, server, record.id, "accuracy"))["metrics"]["LogLoss"][
        "sampleSize"
    ] == 0
    clock.advance(1.5)  # the job completes: the actuals count
    accuracy = await _get(session, server, record.id, "accuracy")
    assert {item["metricName"] for item in accuracy["data"]} == {"LogLoss", "AUC", "Accuracy"}
    assert accuracy["metrics"]["AUC"]["sampleSize"] == 40
    versus = await _get(session, server, record.id, "predictionsVsActualsOverTime")
    assert versus["summary"] == {"rowCountTotal": 50, "rowCountWithActual": 40}
    _, _, dep = await call(session, "GET", f"{server.endpoint}/deployments/{record.id}/")
    assert dep["accuracyHealth"]["status"] in {"passing", "warning", "failing"}


async def test_health_blocks_and_usage_follow_the_data(
    server: Emulator, plain: Any, session: Any, clock: FakeClock
) -> None:
    record = active_deployment(server)
    url = f"{server.endpoint}/deployments/{record.id}/"
    _, _, before = await call(session, "GET", url)
    assert before["serviceHealth"]["status"] == "unknown"
    assert before["predictionUsage"] == {"dailyRates": [0] * 7, "lastTimestamp": None}
    for _ in range(19):
        await predict_rows(plain, server, record.id, [{}])
    _, _, after = await call(session, "GET", url)
    assert after["serviceHealth"]["status"] == "passing"
    assert after["predictionUsage"]["dailyRates"][-1] == 19
    assert after["predictionUsage"]["lastTimestamp"] is not None
    server.set_model_faults(record.model_id, error_rate=1.0)
    await predict_rows(plain, server, record.id, [{}])
    _, _, failing = await call(session, "GET", url)
    assert failing["serviceHealth"]["status"] == "failing"  # 1 error in 20 requests: 5 %
    _, _, page = await call(
        session, "GET", f"{server.endpoint}/deployments/", params={"serviceHealth": "failing"}
    )
    assert [d["id"] for d in page["data"]] == [record.id]
    clock.advance(25 * HOUR)  # the errors are a day old: no request in the last 24 hours
    _, _, later = await call(session, "GET", url)
    assert later["serviceHealth"]["status"] == "unknown"


async def test_deleting_monitoring_data_is_a_job_per_model_and_period(
    server: Emulator, plain: Any, session: Any, clock: FakeClock
) -> None:
    record = active_deployment(server)
    await predict_rows(plain, server, record.id, [{}, {}])
    url = f"{server.endpoint}/deployments/{record.id}/monitoringDataDeletions/"
    status, _, _ = await call(session, "POST", url, json={"modelId": "f" * 24})
    assert status == 404
    status, _, body = await call(session, "POST", url, json={"start": "x"})
    assert (status, set(body["errors"])) == (422, {"modelId", "start"})
    status, _, _ = await call(session, "POST", url, json={"modelId": record.model_id})
    assert status == 202
    assert (await _get(session, server, record.id, "serviceStats"))["metrics"][
        "totalPredictions"
    ] == 2
    clock.advance(1.5)
    assert (await _get(session, server, record.id, "serviceStats"))["metrics"][
        "totalPredictions"
    ] == 0


async def test_segment_reads(server: Emulator, plain: Any, session: Any) -> None:
    record = active_deployment(server)
    await predict_rows(plain, server, record.id, [{}])
    attributes = await _get(
        session, server, record.id, "segmentAttributes", monitoringType="dataDrift"
    )
    assert attributes == {"data": []}
    values = await _get(
        session, server, record.id, "segmentValues", segmentAttribute="DataRobot-Host-IP"
    )
    assert values["data"] == ["127.0.0.1"]
    found = await _get(session, server, record.id, "segmentValues", search="EMULATOR")
    assert found["data"] == ["emulator@example.com"]


async def test_generated_history_gives_a_fleet_of_varied_health(emulators: Any) -> None:
    first: Emulator = await emulators(deployments=40, traffic=7, seed=5)
    again: Emulator = await emulators(deployments=40, traffic=7, seed=5)
    fleet = first.state.live_deployments()
    health = [(d.service_health, d.model_health, d.accuracy_health) for d in fleet]
    assert health == [
        (d.service_health, d.model_health, d.accuracy_health)
        for d in again.state.live_deployments()
    ]
    for position in range(3):
        assert len(Counter(h[position] for h in health)) >= 3, health
    assert all(
        h[0] == "unknown" for d, h in zip(fleet, health, strict=True) if d.status != "active"
    )
    busy = [d for d in fleet if any(d.daily_rates)]
    assert len(busy) > 20
    assert first.state.monitoring.data.requests == []  # history is not a request log


async def test_reply_delay_is_a_fixed_wait_on_api_replies(
    emulators: Any, session: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(emulator_app, "_sleep", fake_sleep)
    emu: Emulator = await emulators(reply_delay=0.05)
    for _ in range(3):
        await call(session, "GET", f"{emu.endpoint}/version/")
    await call(session, "GET", f"{emu.url}/_emulator/stats")
    assert waits == [0.05] * 3


async def test_deployments_without_data_cost_no_monitoring_reads(
    emulators: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aiodeploy.emulator import _state_monitoring

    reads: list[str] = []
    real = _state_monitoring.target_drift_score

    def counting(*args: Any, **kwargs: Any) -> Any:
        reads.append("drift")
        return real(*args, **kwargs)

    monkeypatch.setattr(_state_monitoring, "target_drift_score", counting)
    emu: Emulator = await emulators(deployments=200)
    records = emu.state.live_deployments()
    assert {(d.service_health, d.model_health, d.accuracy_health) for d in records} == {
        ("unknown", "unknown", "unavailable")
    }
    assert reads == []  # a fleet without traffic is listed without computing anything
    emu.state.start_replacement(
        records[0], emu.state.replacement_candidates(records[0].id).passing[0], "OTHER"
    )
    emu.state.monitoring.data.bucket(
        records[0].id, emu.state.time.now_epoch(), records[0].model_id, ("a", "b", "c")
    )
    emu.state.monitoring.data.dirty.add(records[0].id)
    emu.state.live_deployments()
    assert reads == ["drift"]
