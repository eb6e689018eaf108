"""Registry and lifecycle wire objects: decoding recorded shapes, and what they derive."""

from __future__ import annotations

from datetime import datetime, timezone

import msgspec
import pytest

from aiodeploy import (
    Deployment,
    Feature,
    PredictionEnvironment,
    RegisteredModel,
    RegisteredModelVersion,
    SharedRole,
    SharedRoleGrant,
)

VERSION = {
    "id": "6600000000000000000000a1",
    "registeredModelId": "6600000000000000000000b1",
    "registeredModelVersion": 3,
    "name": "lgbm",
    "modelId": "6600000000000000000000c1",
    "modelExecutionType": "dedicated",
    "isArchived": False,
    "buildStatus": "inProgress",
    "target": {"name": "is_bad", "type": "Binary", "classNames": ["0", "1"],
               "predictionThreshold": 0.5, "classCount": 2},
    "sourceMeta": {"projectId": "p", "projectName": "Loans", "scoringCode": {}},
    "tags": [{"id": "t", "name": "stage", "value": "dev"}],
    "activeDeploymentCount": 2,
    "updatedAt": "2024-01-11T10:00:00.000000Z",
    "newFieldFromAFutureServer": {"x": 1},
}  # fmt: skip


@pytest.mark.parametrize(
    ("status", "building"),
    [("inProgress", True), ("complete", False), ("failed", False), (None, False), ("new", True)],
)
def test_a_version_is_building_until_complete_or_failed(status, building) -> None:
    version = msgspec.json.decode(
        msgspec.json.encode({**VERSION, "buildStatus": status}), type=RegisteredModelVersion
    )
    assert version.building is building


def test_recorded_shapes_decode() -> None:
    version = msgspec.json.decode(msgspec.json.encode(VERSION), type=RegisteredModelVersion)
    assert (version.registered_model_version, version.target.class_names) == (3, ["0", "1"])
    assert version.updated_at == datetime(2024, 1, 11, 10, tzinfo=timezone.utc)
    registered = msgspec.json.decode(
        b'{"id": "r", "name": "n", "target": {"name": "t", "type": "Binary"},'
        b' "createdBy": {"id": "u", "email": "e", "name": null}, "lastVersionNum": 2}',
        type=RegisteredModel,
    )
    assert (registered.target.type, registered.created_by.email) == ("Binary", "e")
    env = msgspec.json.decode(
        b'{"id": "e", "platform": "aws", "supportedModelFormats": ["externalModel"],'
        b' "health": {"status": "unknown"}}',
        type=PredictionEnvironment,
    )
    assert env.supported_model_formats == ["externalModel"]
    dep = msgspec.json.decode(
        b'{"id": "d", "predictionEnvironment": {"id": "e", "name": "n", "platform": "aws"}}',
        type=Deployment,
    )
    assert dep.prediction_environment.platform == "aws"
    feature = msgspec.json.decode(b'{"name": "f", "featureType": "Date"}', type=Feature)
    assert (feature.known_in_advance, feature.importance) == (False, None)
    role = msgspec.json.decode(
        b'{"id": "u", "name": "a", "role": "USER", "shareRecipientType": "user"}', type=SharedRole
    )
    assert role.share_recipient_type == "user"


def test_a_grant_is_its_payload() -> None:
    assert SharedRoleGrant("NO_ROLE", id="g", share_recipient_type="group").payload() == {
        "role": "NO_ROLE", "shareRecipientType": "group", "id": "g",
    }  # fmt: skip
