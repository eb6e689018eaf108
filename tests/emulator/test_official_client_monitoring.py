"""The official ``datarobot`` client's monitoring calls, unchanged, against the emulator.

Predictions are made first (over HTTP, on the prediction server the API reports); then, in
a worker thread, the official client reads what they did to the deployment. Jobs take 0 s
so that its first, immediate status poll finds them done.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import datarobot.client
import pytest
from datarobot.client import Client
from datarobot.models.deployment.deployment import Deployment

from aiodeploy.emulator import Emulator

from .helpers import TOKEN, active_deployment, predict_rows

pytestmark = [
    pytest.mark.filterwarnings(
        "ignore:Using an empty collection for 'allowed_methods':FutureWarning"
    ),
    pytest.mark.filterwarnings("ignore:Client version is ahead of server version:UserWarning"),
]

ROWS = [
    {"id": f"row-{i}", "loan_amnt": 5000 + 700 * i, "annual_inc": 40_000 + 3000 * i, "grade": "B"}
    for i in range(30)
]


@pytest.fixture(autouse=True)
def _isolated_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in ("DATAROBOT_ENDPOINT", "DATAROBOT_API_TOKEN", "DATAROBOT_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    yield
    datarobot.client._global_client = None


@pytest.fixture
async def server() -> AsyncIterator[Emulator]:
    async with Emulator(
        token=TOKEN, deployments=8, replacement_seconds=0, settings_seconds=0,
        creation_seconds=0, status_seconds=0, monitoring_seconds=0,
    ) as emu:  # fmt: skip
        yield emu


async def _in_thread(emu: Emulator, scenario: Callable[[], Any]) -> Any:
    def run() -> Any:
        client = Client(token=TOKEN, endpoint=emu.endpoint)
        try:
            return scenario()
        finally:
            client.close()

    result = await asyncio.to_thread(run)
    assert emu.state.stats.unexpected_errors == 0
    return result


async def test_monitoring_reads_actuals_segments_and_deletion(server: Emulator) -> None:
    record = active_deployment(server)  # Loan defaults: Binary, target is_bad
    record.settings["associationId"]["columnNames"] = ["id"]
    async with aiohttp.ClientSession() as session:
        for start in range(0, len(ROWS), 10):
            status, _, _ = await predict_rows(session, server, record.id, ROWS[start : start + 10])
            assert status == 200
    model_id = record.model_id
    now = dt.datetime.now(dt.timezone.utc)

    def scenario() -> None:
        deployment = Deployment.get(record.id)
        assert deployment.default_prediction_server is not None
        assert deployment.default_prediction_server["url"] == server.prediction_url

        stats = deployment.get_service_stats()
        assert (stats.metrics["totalPredictions"], stats.metrics["totalRequests"]) == (30, 3)
        assert stats.metrics["serverErrorRate"] == 0.0
        # sub-hour times are rounded out to whole hours, not refused
        mine = deployment.get_service_stats(
            model_id=model_id, start_time=now - dt.timedelta(minutes=30), end_time=now
        )
        assert mine.model_id == model_id
        assert mine.metrics["totalPredictions"] == 30
        assert mine.period["start"].minute == 0

        over = deployment.get_service_stats_over_time(metric="totalRequests", bucket_size="P1D")
        assert over.metric == "totalRequests"
        assert sum(bucket["value"] for bucket in over.buckets) == 3

        predictions = deployment.get_predictions_over_time(
            bucket_size="P1D", include_percentiles=True
        )
        assert predictions.baselines[0]["row_count"] == 400
        assert sum(b["row_count"] for b in predictions.buckets) == 30
        filled = [b for b in predictions.buckets if b["row_count"]]
        assert {c["class_name"] for c in filled[0]["class_distribution"]} == {"0", "1"}

        target = deployment.get_target_drift()
        assert (target.target_name, target.sample_size, target.metric) == ("is_bad", 30, "psi")
        assert target.drift_score is not None
        features = deployment.get_feature_drift(metric="hellinger")
        assert {f.name for f in features} == {
            "loan_amnt", "annual_inc", "int_rate", "grade", "purpose",
        }  # fmt: skip
        assert all(f.metric == "hellinger" and f.model_id == model_id for f in features)

        deployment.submit_actuals(
            [{"association_id": row["id"], "actual_value": "1" if i % 3 else "0"}
             for i, row in enumerate(ROWS[:20])]
        )  # fmt: skip
        accuracy = deployment.get_accuracy()
        assert accuracy.data is not None
        by_metric = {item["metric_name"]: item for item in accuracy.data}
        assert by_metric["LogLoss"]["sample_size"] == 20
        assert by_metric["LogLoss"]["value"] > 0
        assert by_metric["LogLoss"]["baseline_value"] > 0
        over_time = deployment.get_accuracy_over_time(metric="AUC", bucket_size="P1D")
        assert sum(b["sample_size"] for b in over_time.buckets) == 20
        versus = deployment.get_predictions_vs_actuals_over_time(bucket_size="P1D")
        assert versus.summary == {"row_count_total": 30, "row_count_with_actual": 20}

        assert deployment.get_segment_attributes() == [
            "DataRobot-Consumer", "DataRobot-Remote-IP", "DataRobot-Host-IP",
        ]  # fmt: skip
        assert deployment.get_segment_values(segment_attribute="DataRobot-Consumer") == [
            "emulator@example.com"
        ]
        consumer = deployment.get_service_stats(
            segment_attribute="DataRobot-Consumer", segment_value="emulator@example.com"
        )
        assert consumer.metrics["totalPredictions"] == 30

        deployment.delete_monitoring_data(model_id)
        assert deployment.get_service_stats().metrics["totalPredictions"] == 0

    await _in_thread(server, scenario)
    assert record.accuracy_health == "unavailable"  # its rows were deleted with the data
