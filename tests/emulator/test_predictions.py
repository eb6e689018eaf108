"""The emulator's prediction server: its origin, bodies, errors, determinism and record."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from yarl import URL

from aiodeploy.emulator import Emulator
from aiodeploy.emulator import _routes_predictions as routes

from .helpers import READ_ONLY, TOKEN, active_deployment, call, predict_rows

LOAN_ROW = {"loan_amnt": 12_000, "annual_inc": 55_000, "int_rate": 11.5, "grade": "C"}


@pytest.fixture
async def server(emulators: Any) -> Emulator:
    emu: Emulator = await emulators(deployments=8, replacement_seconds=60)
    return emu


@pytest.fixture
async def plain() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def _url(emu: Emulator, dep_id: str) -> str:
    return f"{emu.prediction_url}/predApi/v1.0/deployments/{dep_id}/predictions"


async def test_the_api_reports_its_own_second_origin(server: Emulator, session: Any) -> None:
    api, predictions = URL(server.url), URL(server.prediction_url)
    assert (api.host, predictions.host) == ("127.0.0.1", "127.0.0.1")
    assert api.port != predictions.port
    _, _, dep = await call(session, "GET", f"{server.endpoint}/deployments/?limit=1")
    assert dep["data"][0]["defaultPredictionServer"]["url"] == server.prediction_url
    _, _, servers = await call(session, "GET", f"{server.endpoint}/predictionServers/")
    assert {s["url"] for s in servers["data"]} == {server.prediction_url}
    # the prediction server serves predictions only, and the API no dedicated route
    for url in (f"{server.prediction_url}/api/v2/version/", f"{server.url}/predApi/v1.0/x"):
        status, _, body = await call(session, "GET", url)
        assert (status, body["message"]) == (404, "Not Found")


async def test_json_in_json_out_for_each_target_type(server: Emulator, plain: Any) -> None:
    for project, size in (("Loan defaults", 2), ("House prices", 1), ("Iris species", 3)):
        record = active_deployment(server, project)
        status, headers, body = await predict_rows(plain, server, record.id, [LOAN_ROW, {}])
        assert status == 200
        assert int(headers["X-DataRobot-Execution-Time"]) >= 0
        assert headers["X-DataRobot-Model-Cache-Hit"] == "true"
        rows = body["data"]
        assert [row["rowId"] for row in rows] == [0, 1]
        for row in rows:
            assert len(row["predictionValues"]) == size
            if size > 1:  # classification: probabilities of every class, adding up to 1
                assert sum(v["value"] for v in row["predictionValues"]) == pytest.approx(
                    1, abs=1e-5
                )
                best = max(row["predictionValues"], key=lambda v: v["value"])
                if size == 3:
                    assert row["prediction"] == best["label"]
            else:
                assert row["prediction"] == row["predictionValues"][0]["value"] > 0
        assert ("predictionThreshold" in rows[0]) == (size == 2)


async def test_binary_predictions_follow_the_threshold(server: Emulator, plain: Any) -> None:
    record = active_deployment(server)
    rows = [{**LOAN_ROW, "annual_inc": 5_000 * i} for i in range(1, 40)]
    _, _, body = await predict_rows(plain, server, record.id, rows)
    for row in body["data"]:
        positive = row["predictionValues"][0]
        assert positive["label"] == "1"
        assert row["prediction"] == ("1" if positive["value"] >= 0.5 else "0")
    assert len({row["prediction"] for row in body["data"]}) == 2


async def test_predictions_are_a_function_of_model_and_row(server: Emulator, plain: Any) -> None:
    record = active_deployment(server)
    first = await predict_rows(plain, server, record.id, [LOAN_ROW, LOAN_ROW])
    again = await predict_rows(plain, server, record.id, [LOAN_ROW])
    assert first[2]["data"][0]["predictionValues"] == first[2]["data"][1]["predictionValues"]
    assert again[2]["data"][0]["predictionValues"] == first[2]["data"][0]["predictionValues"]
    other = server.state.replacement_candidates(record.id).passing[0]
    server.state.start_replacement(record, other, "ACCURACY")
    replaced = await predict_rows(plain, server, record.id, [LOAN_ROW])
    assert replaced[2]["data"][0]["predictionValues"] != first[2]["data"][0]["predictionValues"]


async def test_csv_in_csv_out_with_passthrough(server: Emulator, plain: Any) -> None:
    record = active_deployment(server)
    key = server.state.predictions.server_key(record)
    headers = {"Authorization": f"Token {TOKEN}", "DataRobot-Key": str(key)}
    csv_body = "id,loan_amnt,grade\n7,1000,A\n8,,\n"
    async with plain.post(
        _url(server, record.id),
        data=csv_body,
        params={"passthroughColumns": "id"},
        headers={**headers, "Content-Type": "text/csv", "Accept": "text/csv"},
    ) as resp:
        assert (resp.status, resp.content_type) == (200, "text/csv")
        lines = (await resp.text()).splitlines()
    assert (
        lines[0]
        == "is_bad_1_PREDICTION,is_bad_0_PREDICTION,is_bad_PREDICTION,THRESHOLD,POSITIVE_CLASS,id"
    )
    assert [line.rsplit(",", 3)[1:] for line in lines[1:]] == [["0.5", "1", "7"], ["0.5", "1", "8"]]
    form = aiohttp.FormData()
    form.add_field("file", csv_body.encode(), filename="rows.csv", content_type="text/csv")
    async with plain.post(_url(server, record.id), data=form, headers=headers) as resp:
        assert resp.status == 200
        assert len((await resp.json())["data"]) == 2


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b"", "text/csv", "No data was received."),
        (b"{not json", "application/json", "The request body is not valid JSON"),
        (b'{"a": 1}', "application/json", "must be an array of rows"),
        (b"[1, 2]", "application/json", "Row 0 is not an object"),
        (b"[]", "application/json", "the body holds no rows"),
        (b'[{"a": {"b": 1}}]', "application/json", "Row 0: the value of 'a' is not"),
        (b"a,b\n1,2,3\n", "text/csv", "Line 2 has 3 fields but the header has 2."),
        (b"a,a\n1,2\n", "text/csv", "must name each column once"),
        (b"\xff\xfe,a\n", "text/csv", "not UTF-8"),
    ],
)
async def test_rows_that_cannot_be_read_are_a_400(
    server: Emulator, plain: Any, body: bytes, content_type: str, message: str
) -> None:
    record = active_deployment(server)
    key = server.state.predictions.server_key(record)
    headers = {"Authorization": f"Bearer {TOKEN}", "DataRobot-Key": str(key)}
    async with plain.post(
        _url(server, record.id), data=body, headers={**headers, "Content-Type": content_type}
    ) as resp:
        assert resp.status == 400
        assert message in (await resp.json())["message"]
    assert server.state.stats.unexpected_errors == 0
    logged = server.state.monitoring.data.requests[-1]
    assert (logged.status, logged.model_id, logged.rows) == (400, record.model_id, 0)


async def test_refusals_name_their_cause(server: Emulator, plain: Any) -> None:
    record = active_deployment(server)
    inactive = next(d for d in server.state.live_deployments() if d.status == "inactive")
    cases = [
        (record.id, {"token": "nope"}, 401, "Invalid API token"),
        (record.id, {"headers": {"DataRobot-Key": "wrong"}}, 401, "datarobot-key"),
        ("0" * 24, {}, 404, "Deployment not found."),
        (inactive.id, {}, 403, "inactive"),
        (record.id, {"params": {"wd": "1"}}, 422, "'wd': wd is not allowed key"),
        (record.id, {"params": {"passthroughColumns": "name"}}, 400, "expected but not found"),
    ]
    for dep_id, options, status, message in cases:
        got, _, body = await predict_rows(plain, server, dep_id, [LOAN_ROW], **options)
        assert (got, message in body["message"]) == (status, True), (dep_id, options)
    log = server.state.monitoring.data.requests
    # refused before reaching the deployment: logged, counted in no model's data
    assert [r.model_id for r in log[:4]] == [None] * 4
    assert [r.model_id for r in log[4:]] == [record.model_id] * 2


async def test_read_only_tokens_predict_and_the_api_serves_the_serverless_route(
    server: Emulator, plain: Any, ro_session: Any
) -> None:
    record = active_deployment(server)
    status, _, _ = await predict_rows(plain, server, record.id, [LOAN_ROW], token=READ_ONLY)
    assert status == 200
    url = f"{server.endpoint}/deployments/{record.id}/predictions"
    async with ro_session.post(url, json=[LOAN_ROW]) as resp:
        assert resp.status == 200
        assert len((await resp.json())["data"]) == 1
    assert [r.status for r in server.state.monitoring.data.requests] == [200, 200]
    segments = server.state.monitoring.data.segments(record.id)
    assert {consumer for consumer, _, _ in segments} == {"viewer@example.com"}
    assert (
        server.state.stats.request_count(route="/api/v2/deployments/{deployment_id}/predictions")
        == 1
    )


async def test_the_request_record_and_association_ids(server: Emulator, plain: Any) -> None:
    record = active_deployment(server)
    record.settings["associationId"]["columnNames"] = ["id"]
    rows = [{**LOAN_ROW, "id": "a"}, {**LOAN_ROW, "id": 2}, LOAN_ROW]
    await predict_rows(plain, server, record.id, rows)
    logged = server.state.monitoring.data.requests[-1]
    assert (logged.deployment_id, logged.model_id, logged.rows) == (record.id, record.model_id, 3)
    assert (logged.status, logged.error, logged.association_ids) == (200, None, ("a", "2", ""))
    assert logged.latency_ms > 0
    assert logged.epoch == pytest.approx(server.state.time.now_epoch(), abs=5)
    assert set(server.state.monitoring.data.scored(record.id)) == {"a", "2"}
    record.settings["associationId"]["requiredInPredictionRequests"] = True
    status, _, body = await predict_rows(plain, server, record.id, rows)
    assert (status, "association id column 'id'" in body["message"]) == (400, True)


async def test_the_new_model_serves_from_the_instant_it_is_accepted(
    server: Emulator, plain: Any, session: Any
) -> None:
    record = active_deployment(server)
    old = record.model_id
    new = server.state.replacement_candidates(record.id).passing[0].id
    await predict_rows(plain, server, record.id, [LOAN_ROW])
    url = f"{server.endpoint}/deployments/{record.id}/model/"
    status, _, _ = await call(session, "PATCH", url, json={"modelId": new, "reason": "ACCURACY"})
    assert status == 202
    accepted = record.deployed_epoch
    await predict_rows(plain, server, record.id, [LOAN_ROW])
    log = server.state.monitoring.data.requests
    assert [(r.model_id, r.epoch < accepted) for r in log] == [(old, True), (new, False)]
    assert server.state.jobs.pending()  # the job still runs: the switch did not wait for it


async def test_model_faults_fail_or_slow_one_model(
    server: Emulator, plain: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    delays: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        delays.append(seconds)

    monkeypatch.setattr(routes, "_sleep", fake_sleep)
    record = active_deployment(server)
    server.set_model_faults(record.model_id, error_rate=1.0, latency=0.25)
    status, _, body = await predict_rows(plain, server, record.id, [LOAN_ROW])
    assert (status, "injected model fault" in body["message"], delays) == (500, True, [0.25])
    other = active_deployment(server, "House prices")
    assert (await predict_rows(plain, server, other.id, [{}]))[0] == 200
    server.set_model_faults(record.model_id, latency=0.5)
    assert (await predict_rows(plain, server, record.id, [LOAN_ROW]))[0] == 200
    assert delays == [0.25, 0.5]
    server.state.reset()  # model faults outlive a reset; clearing them is explicit
    assert record.model_id in server.state.model_faults
    server.set_model_faults(record.model_id)
    assert server.state.model_faults == {}
    with pytest.raises(ValueError, match="error_rate"):
        server.set_model_faults(record.model_id, error_rate=1.5)
    with pytest.raises(ValueError, match="latency"):
        server.set_model_faults(record.model_id, latency=-1)


async def test_a_faulty_model_fails_at_its_rate_deterministically(
    emulators: Any, plain: Any
) -> None:
    outcomes = []
    for _ in range(2):
        emu: Emulator = await emulators(deployments=8, seed=4)
        record = active_deployment(emu)
        emu.set_model_faults(record.model_id, error_rate=0.3)
        statuses = [(await predict_rows(plain, emu, record.id, [{}]))[0] for _ in range(60)]
        outcomes.append(statuses)
    assert outcomes[0] == outcomes[1]
    assert 5 < outcomes[0].count(500) < 35
