"""``deployments update|activate|deactivate`` and ``registry list|versions|register`` through
``main(argv)``."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from aiodeploy.cli import _output

_SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
STATUS = "/api/v2/deployments/{deployment_id}/status/"


@pytest.fixture(autouse=True)
def _plain_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_output, "USE_RICH", False)


def _lines(out: str) -> list[list[str]]:
    return [line.split() for line in out.splitlines()]


def _snake(data: Any) -> bool:
    if isinstance(data, dict):
        return all(_SNAKE.match(k) and _snake(v) for k, v in data.items())
    if isinstance(data, list):
        return all(_snake(item) for item in data)
    return True


async def test_update_one_deployment(cli, emulator) -> None:
    dep_id = emulator.state.live_deployments()[0].id
    run = await cli("deployments", "update", dep_id, "--importance", "high", "--label", "eu")
    assert run.code == 0, run.err
    assert ["label", "eu"] in _lines(run.out)
    assert ["importance", "HIGH"] in _lines(run.out)
    run = await cli("deployments", "update", dep_id, "--description", "d", "--json")
    data = json.loads(run.out)
    assert (data["description"], data["label"]) == ("d", "eu")
    assert _snake(data)


@pytest.mark.parametrize(
    "argv",
    [
        ["deployments", "update", "65f0c1a0a0a0a0a0a0a0a0a0"],
        ["deployments", "update", "65f0c1a0a0a0a0a0a0a0a0a0", "--importance", "urgent"],
        ["deployments", "activate"],
        ["deployments", "deactivate", "a/b"],
        ["deployments", "activate", "65f0c1a0a0a0a0a0a0a0a0a0", "--concurrency", "0"],
        ["registry", "register", "65f0c1a0a0a0a0a0a0a0a0a0", "--registered-model-name", "x",
         "--registered-model", "65f0c1a0a0a0a0a0a0a0a0a0"],
        ["registry", "versions"],
    ],
)  # fmt: skip
async def test_usage_errors_exit_2_before_any_request(cli, emulator, argv) -> None:
    before = emulator.state.stats.request_count()
    run = await cli(*argv)
    assert run.code == 2, run.err
    assert emulator.state.stats.request_count() == before


async def test_activate_and_deactivate_many(cli, emulator) -> None:
    ids = [d.id for d in emulator.state.live_deployments()]
    run = await cli("deployments", "deactivate", *ids, "--concurrency", "2", "--json")
    assert run.code == 0, run.err
    rows = json.loads(run.out)
    assert [(r["deployment_id"], r["outcome"], r["error"]) for r in rows] == [
        (i, "updated", None) for i in ids
    ]
    assert {d.status for d in emulator.state.live_deployments()} == {"inactive"}
    run = await cli("deployments", "activate", ids[0])
    assert run.code == 0
    assert any(line.split() == ["status", "active"] for line in run.out.splitlines())
    run = await cli("deployments", "activate", *ids, "f" * 24)
    assert run.code == 1
    last = run.out.splitlines()
    assert any(line.startswith("f" * 24) and "failed" in line for line in last)
    assert any(f"{len(ids)} updated, 1 failed" in line for line in last)
    assert emulator.state.stats.request_count(method="PATCH", route=STATUS) == 2 * len(ids) + 2


async def test_registry_list_and_versions(cli, emulator) -> None:
    run = await cli("registry", "list")
    assert run.code == 0
    lines = run.out.splitlines()
    assert lines[0].split()[:3] == ["ID", "NAME", "TARGET"]
    assert f"{len(emulator.state.catalog.projects)} registered model(s)" in run.out
    run = await cli("registry", "list", "--search", "churn", "--json")
    (churn,) = json.loads(run.out)
    assert (churn["name"], churn["target"]) == (
        "Customer churn",
        {"name": "churn", "type": "Binary"},
    )
    assert _snake(churn)
    run = await cli("registry", "versions", churn["id"])
    assert run.code == 0
    assert run.out.splitlines()[0] == f"Customer churn ({churn['id']})"
    assert "5 version(s)" in run.out
    run = await cli("registry", "versions", churn["id"], "--json")
    versions = json.loads(run.out)
    assert [v["registered_model_version"] for v in versions] == [1, 2, 3, 4, 5]
    assert all(_snake(v) for v in versions)
    run = await cli("registry", "versions", "f" * 24)
    assert run.code == 1
    assert "Registered model not found" in run.err


async def test_registry_register(cli, emulator) -> None:
    model = emulator.state.catalog.models[2]
    run = await cli("registry", "register", model.id, "--registered-model-name", "Loans GLM")
    assert run.code == 0, run.err
    lines = _lines(run.out)
    assert ["model", "id", model.id] in lines
    assert ["build", "status", "complete"] in lines
    assert ["version", "1"] in lines
    registered = next(words[-1] for words in lines if words[:2] == ["registered", "model"])
    other = emulator.state.catalog.models[3]
    run = await cli("registry", "register", other.id, "--registered-model", registered, "--json")
    data = json.loads(run.out)
    assert (data["registered_model_id"], data["registered_model_version"]) == (registered, 2)
    run = await cli("registry", "register", "f" * 24)
    assert (run.code, "Model not found" in run.err) == (1, True)
