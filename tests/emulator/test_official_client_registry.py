"""The unchanged official client against the emulator: the registry, deploying and replacing
by registered model version, lifecycle, tags, sharing and prediction environments."""

from __future__ import annotations

import pytest
from datarobot import PredictionEnvironment, RegisteredModel, RegisteredModelVersion, SharingRole
from datarobot.enums import MODEL_REPLACEMENT_REASON, SHARING_RECIPIENT_TYPE, SHARING_ROLE
from datarobot.errors import ClientError
from datarobot.models.deployment.deployment import Deployment, DeploymentListFilters
from datarobot.models.deployment.sharing import DeploymentGrantSharedRoleWithUsername
from datarobot.models.model_registry import RegisteredModelListFilters

from aiodeploy import AsyncDeploymentClient
from aiodeploy.emulator import Emulator, EmulatorState

from .helpers import TOKEN
from .official import MARKS, in_thread, isolated_config, server

__all__ = ["isolated_config", "server"]  # fixtures, used by name

pytestmark = MARKS
_REPLACE = pytest.mark.filterwarnings(
    "ignore:`replace_model` has been deprecated:datarobot.errors.DataRobotDeprecationWarning"
)


async def test_registry_reads(server: Emulator) -> None:
    def scenario(state: EmulatorState) -> None:
        registered = RegisteredModel.list()
        assert [r.name for r in registered] == [p.name for p in state.catalog.projects]
        loans = registered[0]
        assert (loans.target["name"], loans.last_version_num) == ("is_bad", 5)
        assert [r.name for r in RegisteredModel.list(search="CHURN")] == ["Customer churn"]
        regression = RegisteredModelListFilters(target_type="Regression")
        assert [r.name for r in RegisteredModel.list(filters=regression)] == [
            "House prices",
            "Store sales forecast",
        ]
        assert RegisteredModel.get(loans.id).name == "Loan defaults"
        versions = loans.list_versions()
        models = state.catalog.models_of(state.catalog.projects[0].id)
        assert [(v.registered_model_version, v.model_id) for v in versions] == [
            (n, m.id) for n, m in enumerate(models, start=1)
        ]
        assert all(v.id == m.package_id != m.id for v, m in zip(versions, models, strict=True))
        first = loans.get_version(versions[0].id)
        assert (first.build_status, first.target["name"]) == ("complete", "is_bad")
        active = [d for d in state.live_deployments() if d.label.startswith("credit-risk")]
        assert first.active_deployment_count == sum(d.status == "active" for d in active)
        deployed = loans.list_associated_deployments()
        assert {d.id for d in deployed} == {
            d.id for d in state.live_deployments() if d.label.startswith("credit-risk")
        }
        assert all(d.currently_deployed and d.registered_model_version == 1 for d in deployed)
        assert len(first.list_associated_deployments()) == len(deployed)
        with pytest.raises(ClientError) as missing:
            RegisteredModel.get("f" * 24)
        assert missing.value.status_code == 404

    await in_thread(server, scenario)


async def test_register_deploy_validate_and_replace_by_version(server: Emulator) -> None:
    def scenario(state: EmulatorState) -> None:
        loans = state.catalog.models_of(state.catalog.projects[0].id)
        version = RegisteredModelVersion.create_for_leaderboard_item(
            loans[1].id, name="lgbm v1", registered_model_name="Loans (official)"
        )
        assert (version.registered_model_version, version.build_status) == (1, "complete")
        second = RegisteredModelVersion.create_for_leaderboard_item(
            loans[2].id, registered_model_id=version.registered_model_id
        )
        assert second.registered_model_version == 2
        environment = next(
            e for e in PredictionEnvironment.list() if e.platform == "datarobotServerless"
        )
        deployment = Deployment.create_from_registered_model_version(
            version.id, "loans-official", prediction_environment_id=environment.id
        )
        assert deployment.model_package is not None
        assert deployment.model_package["id"] == version.id
        assert deployment.prediction_environment is not None
        assert deployment.prediction_environment["platform"] == "datarobotServerless"
        status, _, checks = deployment.validate_replacement_model(
            new_registered_model_version_id=second.id
        )
        assert (status, checks["target"]["status"]) == ("passing", "passing")
        house = state.catalog.models_of(state.catalog.projects[2].id)[0]
        status, _, checks = deployment.validate_replacement_model(
            new_registered_model_version_id=house.package_id
        )
        assert status == "failing"
        assert {name for name, c in checks.items() if c["status"] == "failing"} == {
            "target", "target_type", "target_classes",
        }  # fmt: skip
        deployment.perform_model_replace(second.id, MODEL_REPLACEMENT_REASON.ACCURACY)
        assert deployment.model_package["id"] == second.id
        champion = deployment.get_champion_model_package()
        assert (champion.id, champion.model_id) == (second.id, loans[2].id)
        with pytest.raises(ClientError) as refused:
            deployment.perform_model_replace(house.package_id, MODEL_REPLACEMENT_REASON.OTHER)
        assert refused.value.status_code == 422

    await in_thread(server, scenario)


@_REPLACE
async def test_replace_model_by_version(server: Emulator) -> None:
    record = server.state.live_deployments()[0]
    new = server.state.replacement_candidates(record.id).passing[0]

    def scenario(state: EmulatorState) -> None:
        deployment = Deployment.get(record.id)
        deployment.replace_model(
            None,
            MODEL_REPLACEMENT_REASON.SCHEDULED_REFRESH,
            new_registered_model_version_id=new.package_id,
        )
        assert deployment.model is not None
        assert deployment.model["id"] == new.id

    await in_thread(server, scenario)
    history = server.state.model_history(record.id)
    assert [(e.package_id, e.reason) for e in history][-1] == (new.package_id, "SCHEDULED_REFRESH")


async def test_lifecycle_features_and_capabilities(server: Emulator) -> None:
    record = next(d for d in server.state.live_deployments() if d.status == "active")

    def scenario(state: EmulatorState) -> None:
        deployment = Deployment.get(record.id)
        deployment.update(label="renamed", description="new words", importance="CRITICAL")
        again = Deployment.get(record.id)
        assert (again.label, again.description, again.importance) == (
            "renamed", "new words", "CRITICAL",
        )  # fmt: skip
        deployment.deactivate()
        assert deployment.status == "inactive"
        deployment.activate()
        assert deployment.status == "active"
        features = deployment.get_features()
        model = state.current_model(record.id)
        assert {f["name"] for f in features} == set(model.features)
        importances = [f["importance"] for f in features]
        assert importances == sorted(importances, reverse=True)
        capabilities = {c["name"]: c["supported"] for c in deployment.get_capabilities()}
        assert capabilities["supportsModelReplacement"] is True

    await in_thread(server, scenario)
    assert server.state.deployment(record.id).status == "active"


async def test_tags_and_their_filters(server: Emulator) -> None:
    record = server.state.live_deployments()[1]

    def scenario(state: EmulatorState) -> None:
        deployment = Deployment.get(record.id)
        assert {t["name"] for t in deployment.tags} == {"team", "environment"}
        tag = deployment.create_tag("owner", "ml-platform")
        assert tag["id"]
        filters = DeploymentListFilters(tag_keys=["owner"])
        assert [d.id for d in Deployment.list(filters=filters)] == [record.id]
        deployment.update_tag(tag["id"], "owner", "data-science")
        again = Deployment.get(record.id)
        assert {"id": tag["id"], "name": "owner", "value": "data-science"} in again.tags
        filters = DeploymentListFilters(tag_values=["data-science"])
        assert [d.id for d in Deployment.list(filters=filters)] == [record.id]
        deployment.delete_tag(tag["id"])
        assert Deployment.list(filters=filters) == []
        with pytest.raises(ClientError) as gone:
            deployment.delete_tag(tag["id"])
        assert gone.value.status_code == 404

    await in_thread(server, scenario)


async def test_sharing(server: Emulator) -> None:
    record = server.state.live_deployments()[2]

    def scenario(state: EmulatorState) -> None:
        deployment = Deployment.get(record.id)
        (owner,) = deployment.list_shared_roles()
        assert (owner.role, owner.share_recipient_type) == ("OWNER", "user")
        deployment.share(
            [
                SharingRole(
                    role=SHARING_ROLE.CONSUMER,
                    share_recipient_type=SHARING_RECIPIENT_TYPE.USER,
                    username="alice@example.com",
                )
            ]
        )
        deployment.update_shared_roles(
            [DeploymentGrantSharedRoleWithUsername(role="OWNER", username="bob@example.com")]
        )
        roles = {r.name: r.role for r in deployment.list_shared_roles()}
        assert roles == {
            "emulator@example.com": "OWNER", "alice@example.com": "CONSUMER",
            "bob@example.com": "OWNER",
        }  # fmt: skip
        assert [r.name for r in deployment.list_shared_roles(share_recipient_type="user", limit=0)]
        assert Deployment.get(record.id).owners["count"] == 2
        with pytest.raises(ClientError) as unknown:
            deployment.update_shared_roles(
                [DeploymentGrantSharedRoleWithUsername(role="USER", username="eve@example.com")]
            )
        assert unknown.value.status_code == 404

    await in_thread(server, scenario)


async def test_prediction_environments(server: Emulator) -> None:
    def scenario(state: EmulatorState) -> None:
        environments = PredictionEnvironment.list()
        assert [e.platform for e in environments] == [
            "datarobot", "datarobot", "datarobotServerless", "aws",
        ]  # fmt: skip
        dedicated = PredictionEnvironment.get(environments[0].id)
        assert dedicated.supported_model_formats == ["datarobot", "customModel"]
        deployment = Deployment.get(state.live_deployments()[0].id)
        assert deployment.prediction_environment is not None
        assert deployment.prediction_environment["id"] in {e.id for e in environments[:2]}
        model = state.catalog.models[0]
        with pytest.raises(ClientError) as refused:
            Deployment.create_from_registered_model_version(
                model.package_id, "external", prediction_environment_id=environments[3].id
            )
        assert refused.value.status_code == 422

    await in_thread(server, scenario)


async def test_the_official_client_lists_registered_models_created_without_a_description(
    server: Emulator,
) -> None:
    """A registered model created without a description (by aiodeploy or the official
    client) is sent with ``"description": ""``, not null: the official client drops null
    keys and then cannot build a ``RegisteredModel`` (``description`` is required)."""
    models = server.state.catalog.models_of(server.state.catalog.projects[0].id)
    async with AsyncDeploymentClient(server.endpoint, TOKEN) as client:
        ours = await client.create_registered_model_version_from_leaderboard(
            models[1].id, registered_model_name="no description"
        )

    def scenario(state: EmulatorState) -> None:
        theirs = RegisteredModelVersion.create_for_leaderboard_item(
            models[2].id, registered_model_name="official, no description"
        )
        for version in (ours, theirs):
            assert RegisteredModel.get(version.registered_model_id).description == ""
        names = [r.name for r in RegisteredModel.list()]
        assert {"no description", "official, no description"} <= set(names)
        found = RegisteredModel.list(search="no description")
        assert all(r.list_versions() for r in found)

    await in_thread(server, scenario)
