"""Seed data, determinism, state helpers and the application factory."""

from __future__ import annotations

from collections import Counter

import pytest
from aiohttp.test_utils import TestClient, TestServer

from aiodeploy.emulator import EmulatorState, create_app, state_of_app
from aiodeploy.emulator._records import JobKind

from .helpers import TOKEN, FakeClock


def test_seed_catalog_shape() -> None:
    catalog = EmulatorState().catalog
    targets = {p.target: (p.target_type, p.classes) for p in catalog.projects}
    assert targets == {
        "is_bad": ("Binary", ("0", "1")),
        "churn": ("Binary", ("no", "yes")),
        "price": ("Regression", ()),
        "species": ("Multiclass", ("setosa", "versicolor", "virginica")),
        "sales": ("Regression", ()),
    }
    assert [p.time_series for p in catalog.projects] == [False] * 4 + [True]
    for project in catalog.projects:
        models = catalog.models_of(project.id)
        roles = Counter(m.seed_role for m in models)
        assert roles == {"champion": 1, "compatible": 3, "extra-features": 1}
        assert len({m.model_type for m in models}) == len(models)
        # models of one project share its feature types
        types: dict[str, str] = {}
        for model in models:
            for name, kind in model.features.items():
                assert types.setdefault(name, kind) == kind
    assert len(catalog.prediction_servers) == 2
    ids = [p.id for p in catalog.projects] + [m.id for m in catalog.models]
    ids += [m.package_id for m in catalog.models]
    assert all(len(i) == 24 and int(i, 16) >= 0 for i in ids)
    assert len(set(ids)) == len(ids)


def test_ids_and_seed_deployments_follow_the_seed() -> None:
    def snapshot(seed: int) -> list[tuple[str, str, str | None, str]]:
        state = EmulatorState(seed=seed, deployments=12)
        return [(d.id, d.label, d.importance, d.status) for d in state.live_deployments()]

    assert snapshot(3) == snapshot(3)
    assert [i for i, *_ in snapshot(3)] != [i for i, *_ in snapshot(4)]
    labels = [label for _, label, _, _ in snapshot(0)]
    assert labels[:4] == ["credit-risk-0001", "churn-0002", "house-price-0003", "iris-0004"]
    # the time-series project has no seed deployment: the fifth goes back to the first project
    assert labels[4] == "credit-risk-0005"


@pytest.mark.parametrize("project_index", [0, 1, 2, 3])
def test_every_seed_deployment_has_candidates_of_each_kind(project_index: int) -> None:
    state = EmulatorState(deployments=4)
    record = state.live_deployments()[project_index]
    candidates = state.replacement_candidates(record.id)
    assert candidates.current.seed_role == "champion"
    assert len(candidates.passing) == 3
    assert [m.seed_role for m in candidates.warning] == ["extra-features"]
    # what is refused is what really differs: the other projects' targets
    assert {m.project_id for m in candidates.failing} == {
        p.id for p in state.catalog.projects if p.id != candidates.current.project_id
    }
    assert len(candidates.failing) == len(state.catalog.models) - 5


def test_create_deployment_helper_and_errors() -> None:
    state = EmulatorState()
    model = state.catalog.models[3]
    record = state.create_deployment(model.id, "direct", importance="LOW")
    assert state.deployment(record.id) is record
    assert state.current_model(record.id) == model
    assert [e.model_id for e in state.model_history(record.id)] == [model.id]
    with pytest.raises(KeyError):
        state.create_deployment("f" * 24, "nope")
    with pytest.raises(KeyError):
        state.model_history("f" * 24)


def test_failed_creation_leaves_nothing(clock: FakeClock) -> None:
    state = EmulatorState(clock=clock, faults="job_error=1")
    model = state.catalog.models[0]
    job = state.start_creation(model, {"label": "x", "description": None, "importance": None,
                                       "status": "active", "server_id": None})  # fmt: skip
    clock.advance(10)
    state.advance()
    assert (state.jobs.status(job), state.deployment(job.deployment_id)) == ("ERROR", None)
    assert state.jobs.started == {str(JobKind.CREATE): 1}


@pytest.mark.parametrize(
    "options",
    [
        {"deployments": -1},
        {"status_retry_after": -1},
        {"replacement_seconds": (3, 1)},
        {"faults": "nope=1"},
        {"tokens": {"x": "superuser"}},
    ],
)
def test_bad_options_raise(options: dict[str, object]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 (each case has its own message)
        EmulatorState(**options)  # type: ignore[arg-type]


async def test_create_app_works_with_aiohttp_test_utilities() -> None:
    app = create_app(deployments=2, token=TOKEN)
    async with TestClient(TestServer(app)) as client:
        resp = await client.get("/api/v2/deployments/", headers={"Authorization": f"Token {TOKEN}"})
        assert resp.status == 200
        assert (await resp.json())["totalCount"] == 2
    assert state_of_app(app).stats.request_count(status=200) == 1


def test_reset_rebuilds_the_parts_and_their_jobs_still_settle(clock: FakeClock) -> None:
    state = EmulatorState(clock=clock, deployments=1)
    record = state.live_deployments()[0]
    state.start_replacement(record, state.replacement_candidates(record.id).passing[0], "OTHER")
    state.reset()
    record = state.live_deployments()[0]
    assert [e.model_id for e in state.model_history(record.id)] == [record.model_id]
    new = state.replacement_candidates(record.id).passing[0]
    job = state.replacement.start(record, new, "ACCURACY")
    clock.advance(10)
    state.advance()
    assert state.jobs.status(job) == "COMPLETED"
    assert [e.model_id for e in state.model_history(record.id)][-1] == new.id
    assert state.jobs.finished == {"replace:COMPLETED": 1}
