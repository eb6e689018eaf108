"""``aiodeploy health`` and ``aiodeploy predict DEP FILE.csv``, through ``main(argv)``."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from aiodeploy.cli import _monitoring, _output
from aiodeploy.emulator import Emulator

from .conftest import CliRunner
from .test_listings import _assert_snake_case

pytestmark = pytest.mark.emulator(deployments=12, traffic=7, seed=2)


def _active(emulator, prefix: str = "credit-risk") -> str:
    dep = next(
        d for d in emulator.state.live_deployments()
        if d.status == "active" and d.label.startswith(prefix)
    )  # fmt: skip
    return str(dep.id)


async def test_health_is_a_table_worst_first(
    cli: CliRunner, emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_output, "USE_RICH", False)  # a plain table: columns split on spaces
    run = await cli("health")
    assert run.code == 0, run.err
    header, _, *rows = run.out.splitlines()[:-1]
    assert re.split(r"\s{2,}", header) == list(_monitoring.HEALTH_COLUMNS)
    statuses = [re.split(r"\s{2,}", row)[2] for row in rows]
    assert len(statuses) == 12
    order = {"failing": 0, "warning": 1, "unknown": 2, "passing": 3}
    assert statuses == sorted(statuses, key=order.__getitem__)
    assert "12 deployment(s)" in run.out
    # one list of deployments, then three reads per deployment, read under the budget
    assert emulator.state.stats.request_count() == 1 + 3 * 12


async def test_health_json_has_snake_case_records(cli: CliRunner, emulator) -> None:
    run = await cli("health", "--json", "--search", "iris")
    assert run.code == 0, run.err
    records = json.loads(run.out)
    assert {r["label"][:4] for r in records} == {"iris"}
    _assert_snake_case(records)
    assert {"service_stats", "target_drift", "feature_drift", "status"} <= set(records[0])
    assert records[0]["service_stats"]["metrics"]["total_predictions"] >= 0


async def test_predict_a_csv_file(cli: CliRunner, emulator, tmp_path: Path) -> None:
    rows = tmp_path / "rows.csv"
    rows.write_text("id,loan_amnt,grade,annual_inc\n1,1000,A,\nx,2500.5,B,40000\n")
    dep = _active(emulator)
    run = await cli("predict", dep, str(rows), "--passthrough", "id")
    assert run.code == 0, run.err
    assert "P(1)" in run.out
    assert "2 prediction(s)" in run.out
    run = await cli("predict", dep, str(rows), "--json")
    predictions = json.loads(run.out)
    assert [p["row_id"] for p in predictions] == [0, 1]
    _assert_snake_case(predictions)
    served = emulator.state.monitoring.data.requests
    assert [(r.deployment_id, r.rows, r.status) for r in served] == [(dep, 2, 200)] * 2


async def test_predict_usage_errors(cli: CliRunner, emulator, tmp_path: Path) -> None:
    dep = _active(emulator)
    empty = tmp_path / "empty.csv"
    empty.write_text("a,b\n")
    for path, message in ((tmp_path / "missing.csv", "cannot read"), (empty, "no rows")):
        run = await cli("predict", dep, str(path))
        assert run.code == 2
        assert message in run.err
    assert emulator.state.stats.request_count() == 0
    rows = tmp_path / "rows.csv"
    rows.write_text("a\n1\n")
    run = await cli("predict", "f" * 24, str(rows))
    assert run.code == 1
    assert "404" in run.err or "not found" in run.err.lower()


def test_csv_cells_are_sent_as_written(tmp_path: Path) -> None:
    """No cell is turned into a number: the server reads each feature by its type, and an
    id such as ``00017`` must come back (and join its actuals) as written."""
    path = tmp_path / "rows.csv"
    path.write_text("\ufeffa,b,c,d\n1,2.5,x,\n-3,1e3,nan,007\n")
    assert _monitoring.read_rows(str(path)) == [
        {"a": "1", "b": "2.5", "c": "x"},
        {"a": "-3", "b": "1e3", "c": "nan", "d": "007"},
    ]


@pytest.mark.emulator(deployments=8, settings_seconds=0, monitoring_seconds=0)
async def test_aiodeploy_predict_keeps_csv_ids_as_written_so_actuals_join(
    cli: CliRunner, client, emulator, tmp_path: Path
) -> None:
    """``00017`` used to be sent as 17 (and ``1e3`` as 1000.0): the passthrough column came
    back changed and actuals submitted for ``00017`` never joined the predictions."""
    dep = _active(emulator)
    await client.update_association_id_settings(
        dep, column_names=["request_id"], required_in_prediction_requests=False
    )
    await client.update_predictions_data_collection_settings(dep, enabled=True)
    ids = [f"{n:05d}" for n in range(1, 41)]
    rows = tmp_path / "rows.csv"
    rows.write_text("request_id,loan_amnt,grade\n" + "".join(f"{i},1e3,A\n" for i in ids))
    run = await cli("predict", dep, str(rows), "--passthrough", "request_id", "--json")
    assert run.code == 0, run.err
    assert [p["passthrough_values"]["request_id"] for p in json.loads(run.out)] == ids
    await client.submit_actuals(
        dep, [{"association_id": i, "actual_value": str(n % 2)} for n, i in enumerate(ids)]
    )
    accuracy = await client.get_accuracy(dep)
    assert accuracy.value("LogLoss") is not None
    assert {m.sample_size for m in accuracy.data} == {len(ids)}


@pytest.mark.emulator(deployments=4)
@pytest.mark.parametrize(
    ("content", "says"),
    [
        # "1,000" not quoted: the row has a cell more than the header
        (b"loan_amnt,grade\n2000,B\n1,000,A\n", "rows.csv:3: 3 cells but the header"),
        ("loan_amnt,grade\n1000,caf\xe9\n".encode("latin-1"), "rows.csv:2: not UTF-8"),
        (b"grade,grade\nA,B\n", "rows.csv:1: the header must name each column once"),
    ],
    ids=["ragged", "latin-1", "header"],
)
async def test_aiodeploy_predict_refuses_a_file_it_cannot_read_as_written(
    cli: CliRunner, emulator, tmp_path: Path, content: bytes, says: str
) -> None:
    """A ragged row used to be predicted misaligned (its extra cells dropped) and a latin-1
    file failed with a bare UnicodeDecodeError: now a usage error naming file and line,
    before any request."""
    rows = tmp_path / "rows.csv"
    rows.write_bytes(content)
    run = await cli("predict", _active(emulator, prefix=""), str(rows))
    assert run.code == 2, (run.code, run.out)
    assert says in run.err
    assert "Traceback" not in run.err
    assert emulator.state.stats.request_count() == 0


@pytest.mark.emulator(deployments=50)
async def test_health_shows_a_progress_bar_on_a_terminal_from_50_deployments(
    cli: CliRunner, emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # README: "health shows a progress bar on a terminal for fleets of 50 or more"
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    fleet = await cli("health")
    assert fleet.code == 0, fleet.err
    assert "50/50" in fleet.err  # the bar's last state (it is drawn, then cleared)
    label = emulator.state.live_deployments()[0].label.split("-")[0]
    fewer = await cli("health", "--json", "--search", label)
    assert fewer.code == 0
    assert 0 < len(json.loads(fewer.out)) < 50
    smaller = await cli("health", "--search", label)
    assert smaller.code == 0
    assert smaller.err == ""  # under 50: no bar
    piped = await cli("health", "--json")
    assert piped.err == ""  # --json: no bar either


async def test_health_exits_1_when_a_deployments_health_could_not_be_read(cli: CliRunner) -> None:
    # README: health "exits 1 if some deployment's health could not be read"
    emu = Emulator(deployments=5)
    broken: list[str] = []

    @web.middleware
    async def refuse_one(request: web.Request, handler: Any) -> web.StreamResponse:
        if broken and request.path.startswith(f"/api/v2/deployments/{broken[0]}/serviceStats"):
            return web.json_response({"message": "stats are gone"}, status=404)
        return await handler(request)  # type: ignore[no-any-return]

    emu.app.middlewares.append(refuse_one)  # before the app starts: aiohttp freezes them
    async with emu:
        connect = ["--endpoint", emu.endpoint, "--token", emu.token]
        healthy = await cli("health", "--json", *connect, connect=False)
        broken.append(emu.state.live_deployments()[2].id)
        run = await cli("health", "--json", *connect, connect=False)
    assert healthy.code == 0, healthy.err
    assert run.code == 1
    records = {r["deployment_id"]: r for r in json.loads(run.out)}
    assert len(records) == 5  # the others are still shown
    assert "404" in records[broken[0]]["error"]
    assert [r for r in records.values() if r["error"]] == [records[broken[0]]]
    assert run.err.startswith(f"{broken[0]}: ")
