"""The client's predictions and monitoring reads, end to end against the emulator."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from aiodeploy import (
    AsyncDeploymentClient,
    AuthenticationError,
    BadRequestError,
    Deployment,
    NotFoundError,
    PermissionDeniedError,
    Prediction,
)
from aiodeploy.emulator import Emulator

LOAN_ROW = {"loan_amnt": 12_000, "annual_inc": 55_000, "int_rate": 11.5, "grade": "C"}
DEPLOYMENT = "/api/v2/deployments/{deployment_id}/"
pytestmark = pytest.mark.emulator(deployments=8)


def _active(emulator: Emulator, project: str = "Loan defaults") -> Any:
    for record in emulator.state.live_deployments():
        model = emulator.state.catalog.model(record.model_id)
        assert model is not None
        project_record = emulator.state.catalog.project(model.project_id)
        assert project_record is not None
        if record.status == "active" and project_record.name == project:
            return record
    raise AssertionError(project)


def _requests(emulator: Emulator) -> int:
    return emulator.state.stats.request_count() + len(emulator.state.monitoring.data.requests)


async def test_predict_reads_the_route_once_and_types_the_rows(
    client: AsyncDeploymentClient, emulator: Emulator
) -> None:
    record = _active(emulator)
    first = await client.predict(record.id, [LOAN_ROW, {"grade": "A", "id": 7}])
    assert [type(p) for p in first] == [Prediction, Prediction]
    assert [p.row_id for p in first] == [0, 1]
    assert first[0].prediction_threshold == 0.5
    assert first[0].probability("1") == first[0].prediction_values[0].value
    assert first[0].probability(1) == first[0].probability("1")  # labels compared as text
    assert first[0].probability("maybe") is None
    again = await client.predict(Deployment(id=record.id), [{"id": 7}], passthrough_columns=["id"])
    assert again[0].passthrough_values == {"id": 7}
    assert emulator.state.stats.request_count(method="GET", route=DEPLOYMENT) == 1
    assert [r.rows for r in emulator.state.monitoring.data.requests] == [2, 1]


@pytest.mark.parametrize(
    ("rows", "error"),
    [([], ValueError), ("a,b", TypeError), ({"a": 1}, TypeError), ([{"a": 1}, 3], TypeError)],
)
async def test_bad_rows_are_refused_before_any_request(
    client: AsyncDeploymentClient, emulator: Emulator, rows: Any, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await client.predict(_active(emulator).id, rows)
    assert _requests(emulator) == 0


async def test_prediction_errors_are_typed(
    client: AsyncDeploymentClient, emulator: Emulator
) -> None:
    record = _active(emulator)
    with pytest.raises(BadRequestError) as bad:
        await client.predict(record.id, [{"loan_amnt": {"nested": 1}}])
    assert bad.value.status_code == 400
    assert "not a number or a string" in str(bad.value.message)
    with pytest.raises(NotFoundError):
        await client.predict("f" * 24, [LOAN_ROW])
    with pytest.raises(NotFoundError):
        await client.get_service_stats("f" * 24)
    inactive = next(d for d in emulator.state.live_deployments() if d.status == "inactive")
    with pytest.raises(PermissionDeniedError, match="inactive"):
        await client.predict(inactive.id, [LOAN_ROW])


async def test_a_refused_key_reads_the_route_again(
    client: AsyncDeploymentClient, emulator: Emulator
) -> None:
    record = _active(emulator)
    await client.predict(record.id, [LOAN_ROW])
    other = next(s for s in emulator.state.catalog.prediction_servers if s.id != record.server_id)
    record.server_id = other.id  # the deployment moved to a server with another key
    record.touch()
    with pytest.raises(AuthenticationError):
        await client.predict(record.id, [LOAN_ROW])
    assert len(await client.predict(record.id, [LOAN_ROW])) == 1
    assert emulator.state.stats.request_count(method="GET", route=DEPLOYMENT) == 2


async def test_service_stats_count_the_predictions_by_model(
    client: AsyncDeploymentClient, emulator: Emulator
) -> None:
    record = _active(emulator)
    old = record.model_id
    for _ in range(3):
        await client.predict(record.id, [LOAN_ROW, LOAN_ROW])
    new = emulator.state.replacement_candidates(record.id).passing[0].id
    await client.replace_model(record.id, new, "ACCURACY")
    await client.predict(record.id, [LOAN_ROW])
    everything = await client.get_service_stats(record.id)
    assert (everything.model_id, everything.metrics.total_predictions) == (None, 7)
    assert everything.metrics.total_requests == 4
    assert (await client.get_service_stats(record.id, model_id=new)).metrics.total_predictions == 1
    assert (await client.get_service_stats(record.id, model_id=old)).metrics.total_predictions == 6
    now = dt.datetime.now(dt.timezone.utc)
    window = await client.get_service_stats(
        record.id, start_time=now - dt.timedelta(minutes=1), end_time=now.replace(tzinfo=None)
    )
    assert window.period.start is not None
    assert window.period.start.tzinfo is not None
    assert (window.period.start.minute, window.metrics.total_predictions) == (0, 7)
    over = await client.get_service_stats_over_time(
        record.id, metric="totalPredictions", model_id=[old, new], bucket_size=dt.timedelta(days=1)
    )
    assert sum(b.value or 0 for b in over.buckets if b.model_id == new) == 1
    assert over.summary is not None
    assert over.summary.value == 7


async def test_drift_and_predictions_over_time(
    client: AsyncDeploymentClient, emulator: Emulator
) -> None:
    record = _active(emulator)
    await client.predict(record.id, [LOAN_ROW] * 20)
    target = await client.get_target_drift(record.id, metric="psi")
    assert (target.target_name, target.sample_size, target.model_id) == (
        "is_bad", 20, record.model_id,
    )  # fmt: skip
    features = await client.get_feature_drift(record.id)
    assert {f.name for f in features} >= {"loan_amnt", "grade"}
    assert all(f.period is not None and f.metric == "psi" for f in features)
    over = await client.get_predictions_over_time(record.id, include_percentiles=True)
    assert over.baselines[0].row_count == 400
    assert sum(b.row_count or 0 for b in over.buckets) == 20
    with pytest.raises(ValueError, match="metric"):
        await client.get_target_drift(record.id, metric="nope")


async def test_actuals_accuracy_and_deletion(
    client: AsyncDeploymentClient, emulator: Emulator, tmp_path: Path
) -> None:
    record = _active(emulator)
    record.settings["associationId"]["columnNames"] = ["id"]
    rows = [{**LOAN_ROW, "id": f"a{i}", "annual_inc": 20_000 + 3_000 * i} for i in range(30)]
    await client.predict(record.id, rows)
    before = _requests(emulator)
    with pytest.raises(ValueError, match="association_id"):
        await client.submit_actuals(record.id, [{"actual_value": "1"}])
    with pytest.raises(ValueError, match="actual_value"):
        await client.submit_actuals(record.id, [{"association_id": "a1"}])
    with pytest.raises(ValueError, match="no actuals"):
        await client.submit_actuals(record.id, [])
    with pytest.raises(ValueError, match="batch_size"):
        await client.submit_actuals(
            record.id, [{"association_id": "a", "actual_value": 1}], batch_size=0
        )
    assert _requests(emulator) == before  # refused before any request
    await client.submit_actuals(
        record.id,
        [{"association_id": f"a{i}", "actual_value": str(i % 2)} for i in range(20)],
        batch_size=7,
    )
    assert emulator.state.jobs.started["actuals"] == 3
    path = tmp_path / "actuals.csv"
    path.write_text("association_id,actual_value,was_acted_on\n" + "".join(
        f"a{i},{i % 2},true\n" for i in range(20, 30)
    ))  # fmt: skip
    await client.submit_actuals(record.id, path)
    accuracy = await client.get_accuracy(record.id)
    log_loss = accuracy.value("LogLoss")
    assert log_loss is not None
    assert log_loss > 0
    assert {m.sample_size for m in accuracy.data} == {30}
    over = await client.get_accuracy_over_time(record.id, metric="AUC", bucket_size="P1D")
    assert sum(b.sample_size or 0 for b in over.buckets) == 30
    versus = await client.get_predictions_vs_actuals_over_time(record.id)
    assert (versus.summary.row_count_total, versus.summary.row_count_with_actual) == (30, 30)
    with pytest.raises(ValueError, match="metric"):
        await client.get_accuracy(record.id, model_id=[record.model_id, record.model_id])
    await client.delete_monitoring_data(record.id, record.model_id)
    assert (await client.get_service_stats(record.id)).metrics.total_predictions == 0
    assert (await client.get_accuracy(record.id)).value("LogLoss") is None


@pytest.mark.emulator(deployments=12, traffic=7, seed=2)
async def test_fleet_health_worst_first(client: AsyncDeploymentClient, emulator: Emulator) -> None:
    seen: list[tuple[int, int]] = []
    fleet = await client.fleet_health(on_progress=lambda done, total: seen.append((done, total)))
    assert len(fleet) == 12
    assert seen[-1] == (12, 12)
    assert sorted(done for done, _ in seen) == list(range(1, 13))
    order = {"failing": 0, "warning": 1, "unknown": 2, "passing": 3}
    ranks = [order[h.status] for h in fleet]
    assert ranks == sorted(ranks)
    assert ranks[0] == 0
    for health in fleet:
        assert health.error is None
        assert health.service_stats is not None
        assert health.target_drift is not None
        assert health.feature_drift
        record = emulator.state.deployment(health.deployment.id)
        assert record is not None
        assert health.service_health == record.service_health
    # 1 page of deployments, then 3 reads per deployment
    assert emulator.state.stats.request_count() == 1 + 3 * 12
    chosen = await client.fleet_health(deployments=[fleet[-1].deployment.id, fleet[0].deployment])
    assert {h.deployment.id for h in chosen} == {fleet[-1].deployment.id, fleet[0].deployment.id}


async def test_fleet_health_records_errors_and_stops_on_a_refused_token(
    emulator: Emulator,
) -> None:
    gone = Deployment(id="e" * 24, label="gone")
    async with AsyncDeploymentClient(emulator.endpoint, emulator.token) as client:
        fleet = await client.fleet_health(deployments=[gone, _active(emulator).id])
    assert isinstance(fleet[0].error, NotFoundError)  # errors come first
    assert fleet[0].service_stats is None
    assert fleet[1].error is None
    async with AsyncDeploymentClient(emulator.endpoint, "wrong-token") as refused:
        with pytest.raises(AuthenticationError):
            await refused.fleet_health(deployments=[gone, Deployment(id="d" * 24)])


async def test_actuals_from_a_file_are_numbers_for_a_regression_deployment(
    client: AsyncDeploymentClient, emulator: Emulator, tmp_path: Path
) -> None:
    record = _active(emulator, "House prices")
    record.settings["associationId"]["columnNames"] = ["id"]
    await client.predict(record.id, [{"id": "h1", "sqft": 1500}, {"id": "h2"}])
    path = tmp_path / "prices.csv"
    path.write_text("association_id,actual_value\nh1,350000\nh2,412500.5\n")
    await client.submit_actuals(record.id, path)
    stored = emulator.state.monitoring.data.actuals(record.id)
    assert {key: actual.value for key, actual in stored.items()} == {
        "h1": 350000.0, "h2": 412500.5,
    }  # fmt: skip
    rmse = (await client.get_accuracy(record.id, metric="RMSE")).value("RMSE")
    assert rmse is not None
    assert rmse > 0


async def test_submit_actuals_refuses_was_acted_on_it_cannot_read(
    client: AsyncDeploymentClient, emulator: Emulator, tmp_path: Path
) -> None:
    """``yes`` or ``1`` used to be sent as "not acted on", silently: now a ValueError before
    any request, as for every other malformed actual."""
    dep = _active(emulator)
    actuals = tmp_path / "actuals.csv"
    actuals.write_text("association_id,actual_value,was_acted_on\na1,1,yes\na2,0,1\n")
    before = _requests(emulator)
    with pytest.raises(ValueError, match="was_acted_on must be true or false, got 'yes'"):
        await client.submit_actuals(dep.id, actuals)
    assert _requests(emulator) == before
