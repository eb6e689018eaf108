"""Replacement by registered model version or by Leaderboard model: the target, the
plan's fingerprint, and the operation token (issue 12, items 3 and 6)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from aiodeploy import AsyncDeploymentClient, ReplacementRequest
from aiodeploy._api.operation import ReplacementOperation
from aiodeploy._journal import plan_fingerprint
from aiodeploy._models import Deployment, DeploymentModel, DeploymentModelPackage, ModelHistoryEntry
from aiodeploy._rollout import check_plan, fingerprint_rows
from aiodeploy._target import Target
from aiodeploy.enums import ModelReplacementReason
from tests.conftest import ENDPOINT, TOKEN

DEP, DEP2 = "5c6f7a9e9ca9b20017ff95a2", "5c6f7a9e9ca9b20017ff95a3"
MODEL, MODEL2 = "5cb9c8b979872d014a0bb081", "5cb9c8b979872d014a0bb082"
VERSION = "65f0c0ffee0123456789abcd"


@pytest.mark.parametrize(("model", "version"), [(None, None), (MODEL, VERSION)])
def test_exactly_one_target_is_required(model, version) -> None:
    # the message names the public arguments, the ones the caller can fix
    expected = "^give exactly one of new_model_id and new_registered_model_version_id$"
    with pytest.raises(ValueError, match=expected):
        Target.of(model, version)


@pytest.mark.parametrize(
    ("model", "version", "what"),
    [("bad/id", None, "model id"), (None, "bad/id", "registered model version id")],
)
def test_a_malformed_id_is_refused_under_its_own_name(model, version, what) -> None:
    with pytest.raises(ValueError, match=f"^{what} 'bad/id' is not a valid id"):
        Target.of(model, version)


def test_a_target_names_itself_on_the_wire_and_in_the_server_state() -> None:
    by_version, by_model = Target.of(None, VERSION), Target.of(MODEL, None)
    assert by_version.body == {"modelPackageId": VERSION}
    assert by_model.body == {"modelId": MODEL}
    serving = Deployment(
        id=DEP,
        model=DeploymentModel(id=MODEL),
        model_package=DeploymentModelPackage(id=VERSION),
    )
    assert by_version.served_by(serving)
    assert by_model.served_by(serving)
    assert not Target.of(MODEL2, None).served_by(serving)
    assert not Target.of(None, MODEL).served_by(serving)  # a model id is no package id
    entry = ModelHistoryEntry(model_id=MODEL, model_package_id=VERSION)
    assert by_version.shown_by(entry)
    assert by_model.shown_by(entry)
    assert str(by_version) == f"registered model version {VERSION}"


def test_a_model_id_plan_keeps_the_fingerprint_journals_were_written_with() -> None:
    plan = check_plan([(DEP, MODEL, "ACCURACY"), (DEP2, MODEL2)])
    # computed by the release before registered model versions existed
    assert plan_fingerprint(fingerprint_rows(plan)) == "f37e5d186b55333868c23db83bc31760"
    by_version = check_plan([ReplacementRequest(DEP, registered_model_version_id=VERSION)])
    assert fingerprint_rows(by_version) == [[DEP, None, ModelReplacementReason.OTHER, VERSION]]


def test_a_plan_item_gives_exactly_one_target() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        check_plan([ReplacementRequest(DEP, MODEL, "OTHER", VERSION)])
    with pytest.raises(ValueError, match="exactly one"):
        check_plan([ReplacementRequest(DEP)])
    with pytest.raises(ValueError, match="valid id"):
        check_plan([ReplacementRequest(DEP, registered_model_version_id="a/b")])
    (item,) = check_plan(
        [ReplacementRequest(DEP, reason="accuracy", registered_model_version_id=VERSION)]
    )
    assert (item.model_id, item.reason) == (None, ModelReplacementReason.ACCURACY)


def _operation(client: AsyncDeploymentClient, **target: str | None) -> ReplacementOperation:
    return ReplacementOperation(
        client._session,
        deployment_id=DEP,
        model_id=target.get("model_id"),
        registered_model_version_id=target.get("version"),
        reason=ModelReplacementReason.ACCURACY,
        status_url=f"{ENDPOINT}/status/1/",
        submitted_at=datetime(2026, 11, 30, tzinfo=timezone.utc),
    )


async def test_tokens_stay_version_1_for_models_and_carry_a_version_in_version_2() -> None:
    async with AsyncDeploymentClient(ENDPOINT, TOKEN) as client:
        legacy = _operation(client, model_id=MODEL)
        assert json.loads(legacy.token()) == {
            "v": 1,
            "deployment_id": DEP,
            "reason": "ACCURACY",
            "submitted_at": "2026-11-30T00:00:00Z",
            "model_id": MODEL,
            "status_url": f"{ENDPOINT}/status/1/",
        }
        modern = _operation(client, version=VERSION)
        assert json.loads(modern.token())["v"] == 2
        resumed = client.resume_replacement(modern.token())
        assert (resumed.registered_model_version_id, resumed.model_id) == (VERSION, None)
        # a token written by the release before versions existed still resumes
        old = (
            f'{{"v":1,"deployment_id":"{DEP}","model_id":"{MODEL}","reason":"ACCURACY",'
            f'"status_url":"{ENDPOINT}/status/1/","submitted_at":"2026-11-30T00:00:00Z"}}'
        )
        assert client.resume_replacement(old).model_id == MODEL
        with pytest.raises(ValueError, match="version"):
            client.resume_replacement(old.replace('"v":1', '"v":3'))
