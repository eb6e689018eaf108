"""``projects list``, ``models list PROJECT``, ``deployments list --limit N``, and the
snake_case keys of every ``--json`` document."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any

import pytest

from aiodeploy import Deployment, DriftTrackingSettings, Model
from aiodeploy.cli._views import json_data
from aiodeploy.enums import ModelReplacementReason

LIST_ROUTE = "/api/v2/deployments/"
_SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
# open maps hold what the server names (checks by name; metrics by name, then partitions
# as the official client's Model.metrics keeps them), as in Python: not field names
_OPEN_MAPS = {"checks", "metrics"}


def _assert_snake_case(data: Any, where: str = "") -> None:
    if isinstance(data, dict):
        for key, value in data.items():
            assert _SNAKE.match(key), f"{where}.{key}"
            if key not in _OPEN_MAPS:
                _assert_snake_case(value, f"{where}.{key}")
    elif isinstance(data, list):
        for item in data:
            _assert_snake_case(item, f"{where}[]")


def _list_requests(emulator) -> int:
    count: int = emulator.state.stats.request_count(method="GET", route=LIST_ROUTE)
    return count


def test_json_data_uses_python_names_iso_times_and_enum_values() -> None:
    created = datetime(2024, 5, 1, 12, 30, tzinfo=timezone.utc)
    data = json_data(
        {
            "dep": Deployment(id="d", created_at=created, permissions=["CAN_SHARE"]),
            "drift": DriftTrackingSettings(),
            "reason": ModelReplacementReason.ACCURACY,
            "model": Model(id="m", project_id="p", metrics={"LogLoss": {"crossValidation": 1}}),
        }
    )
    assert data["dep"]["created_at"] == "2024-05-01T12:30:00+00:00"
    assert data["dep"]["default_prediction_server"] is None
    assert data["dep"]["permissions"] == ["CAN_SHARE"]
    assert data["drift"] == {
        "target_drift": {"enabled": False},
        "feature_drift": {"enabled": False, "feature_selection": None, "tracked_features": None},
    }
    assert data["reason"] == "ACCURACY"
    assert data["model"]["metrics"] == {"LogLoss": {"crossValidation": 1}}  # server's names
    json.dumps(data)  # builtins only


async def test_every_json_document_has_snake_case_keys(cli, emulator) -> None:
    dep_id = emulator.state.live_deployments()[0].id
    candidates = emulator.state.replacement_candidates(dep_id)
    project_id = emulator.state.catalog.projects[0].id
    runs = [
        ("deployments", "list"),
        ("deployments", "get", dep_id),
        ("drift", "get", dep_id),
        ("drift", "set", dep_id, "--feature", "on"),
        ("validate", dep_id, candidates.failing[0].id),
        ("projects", "list"),
        ("models", "list", project_id),
        ("replace", dep_id, candidates.passing[0].id, "--reason", "accuracy"),
    ]
    for argv in runs:
        run = await cli(*argv, "--json")
        assert run.code in (0, 1), (argv, run.err)
        data = json.loads(run.out)
        _assert_snake_case(data, " ".join(argv[:2]))
        if argv[0] == "validate":
            assert data["checks"]["featureDataTypes"].keys() == {"status", "message"}
    shown = json.loads((await cli("deployments", "get", dep_id, "--json")).out)
    assert {"created_at", "service_health", "default_prediction_server"} <= shown.keys()
    assert datetime.fromisoformat(shown["created_at"]).tzinfo is not None


async def test_projects_list(cli, emulator) -> None:
    projects = emulator.state.catalog.projects
    table = await cli("projects", "list")
    assert table.code == 0
    assert f"{len(projects)} project(s)" in table.out
    for project in projects:
        assert project.id in table.out
        assert project.name in table.out
    data = json.loads((await cli("projects", "list", "--json")).out)
    assert [p["id"] for p in data] == [p.id for p in projects]
    assert {"project_name", "target", "target_type"} <= data[0].keys()


async def test_models_list(cli, emulator) -> None:
    project = emulator.state.catalog.projects[0]
    table = await cli("models", "list", project.id)
    assert table.code == 0, table.err
    models = json.loads((await cli("models", "list", project.id, "--json")).out)
    assert models
    assert {m["project_id"] for m in models} == {project.id}
    assert f"{len(models)} model(s)" in table.out
    lines = table.out.splitlines()
    assert project.name in lines[0]  # the title
    metric = next(iter(models[0]["metrics"]))
    assert f"{metric} (VALIDATION)" in table.out
    for model in models:
        row = next(line for line in lines if model["id"] in line)
        assert str(model["metrics"][metric]["validation"]) in row
    missing = await cli("models", "list", "0" * 24)
    assert missing.code == 1
    assert "404" in missing.err
    assert (await cli("models", "list", "a/b")).code == 2


@pytest.mark.emulator(deployments=250)
async def test_deployments_list_limit_stops_reading_pages(cli, emulator) -> None:
    first = await cli("deployments", "list", "--limit", "5", "--json", "--order-by", "label")
    assert first.code == 0
    everything = await cli("deployments", "list", "--json", "--order-by", "label")
    ordered = [d["id"] for d in json.loads(everything.out)]
    assert [d["id"] for d in json.loads(first.out)] == ordered[:5]
    before = _list_requests(emulator)
    table = await cli("deployments", "list", "--limit", "150")
    assert table.code == 0
    assert _list_requests(emulator) - before == 2  # pages of 100: the third is never read
    assert "150 deployment(s) (--limit 150: there may be more)" in table.out
    before = _list_requests(emulator)
    small = await cli("deployments", "list", "--limit", "100", "--json")
    assert len(json.loads(small.out)) == 100
    assert _list_requests(emulator) - before == 1
    few = await cli("deployments", "list", "--limit", "900", "--search", "iris")
    assert "there may be more" not in few.out
    for bad in ("0", "-3", "many"):
        assert (await cli("deployments", "list", "--limit", bad)).code == 2
