"""The rollout's decision for one item (`next_step`): validate, read, skip, refuse or replace.

The whole table, pure: a rollout and its dry run both follow it, so a wrong branch would
replace a deployment that should have been skipped or refused.
"""

from __future__ import annotations

import pytest

from aiodeploy._api.replacement import Step, next_step
from aiodeploy._models import (
    Deployment,
    DeploymentModel,
    DeploymentModelPackage,
    ReplacementValidation,
    ValidationCheck,
)
from aiodeploy._target import Target

DEP = "5c6f7a9e9ca9b20017ff95a2"
MODEL, OTHER_MODEL = "5cb9c8b979872d014a0bb081", "5cb9c8b979872d014a0bb082"
VERSION, OTHER_VERSION = "65f0c0ffee0123456789abcd", "65f0c0ffee0123456789abce"

TARGETS = [Target.of(MODEL, None), Target.of(None, VERSION)]
SERVING = Deployment(
    id=DEP, model=DeploymentModel(id=MODEL), model_package=DeploymentModelPackage(id=VERSION)
)
ELSEWHERE = Deployment(
    id=DEP,
    model=DeploymentModel(id=OTHER_MODEL),
    model_package=DeploymentModelPackage(id=OTHER_VERSION),
)


def validation(status: str, **checks: str) -> ReplacementValidation:
    return ReplacementValidation(
        status=status,
        message="summary",
        checks={name: ValidationCheck(status=value) for name, value in checks.items()},
    )


ALREADY_DEPLOYED = validation("failing", notCurrentModel="failing", featureSet="passing")


def step(target: Target, *, validate: bool, skip: bool, **known: object) -> Step:
    return next_step(target, validate=validate, skip_if_current=skip, **known)  # type: ignore[arg-type]


@pytest.mark.parametrize("target", TARGETS, ids=str)
@pytest.mark.parametrize("skip", [True, False])
def test_with_validation_the_first_step_is_to_validate(target: Target, skip: bool) -> None:
    assert step(target, validate=True, skip=skip) is Step.VALIDATE
    assert step(target, validate=True, skip=skip, deployment=SERVING) is Step.VALIDATE


@pytest.mark.parametrize("target", TARGETS, ids=str)
@pytest.mark.parametrize("status", ["passing", "warning"])
@pytest.mark.parametrize("deployment", [None, SERVING, ELSEWHERE])
def test_a_validation_that_passes_replaces_without_reading_the_deployment(
    target: Target, status: str, deployment: Deployment | None
) -> None:
    passed = validation(status, notCurrentModel="passing")
    got = step(target, validate=True, skip=True, validation=passed, deployment=deployment)
    assert got is Step.REPLACE


@pytest.mark.parametrize("target", TARGETS, ids=str)
def test_a_model_already_deployed_is_read_then_skipped(target: Target) -> None:
    known = {"validation": ALREADY_DEPLOYED}
    assert step(target, validate=True, skip=True, **known) is Step.READ_DEPLOYMENT
    assert step(target, validate=True, skip=True, deployment=SERVING, **known) is Step.SKIP


@pytest.mark.parametrize("target", TARGETS, ids=str)
def test_a_failing_current_model_check_on_a_deployment_not_serving_the_target_is_refused(
    target: Target,
) -> None:
    # notCurrentModel fails, but the deployment serves something else: not "current"
    got = step(target, validate=True, skip=True, validation=ALREADY_DEPLOYED, deployment=ELSEWHERE)
    assert got is Step.REFUSE


@pytest.mark.parametrize("target", TARGETS, ids=str)
@pytest.mark.parametrize("deployment", [None, SERVING])
def test_without_skip_if_current_a_failing_validation_is_refused(
    target: Target, deployment: Deployment | None
) -> None:
    got = step(
        target, validate=True, skip=False, validation=ALREADY_DEPLOYED, deployment=deployment
    )
    assert got is Step.REFUSE


@pytest.mark.parametrize(
    "failed",
    [
        validation("failing", featureSet="failing"),  # no current-model check at all
        validation("failing", notCurrentModel="passing", featureSet="failing"),
        validation("failing", notCurrentModel="warning", targetType="failing"),
        validation("failing", notcurrentmodel="failing"),  # check names are case-sensitive
    ],
)
@pytest.mark.parametrize("target", TARGETS, ids=str)
def test_a_validation_failing_for_another_reason_is_refused_without_a_read(
    target: Target, failed: ReplacementValidation
) -> None:
    assert step(target, validate=True, skip=True, validation=failed) is Step.REFUSE
    got = step(target, validate=True, skip=True, validation=failed, deployment=SERVING)
    assert got is Step.REFUSE


@pytest.mark.parametrize("target", TARGETS, ids=str)
@pytest.mark.parametrize("deployment", [None, SERVING, ELSEWHERE])
def test_without_validation_or_skip_everything_is_replaced(
    target: Target, deployment: Deployment | None
) -> None:
    assert step(target, validate=False, skip=False, deployment=deployment) is Step.REPLACE


@pytest.mark.parametrize("target", TARGETS, ids=str)
def test_without_validation_the_deployment_decides_skip_or_replace(target: Target) -> None:
    assert step(target, validate=False, skip=True) is Step.READ_DEPLOYMENT
    assert step(target, validate=False, skip=True, deployment=SERVING) is Step.SKIP
    assert step(target, validate=False, skip=True, deployment=ELSEWHERE) is Step.REPLACE
    # a validation already at hand does not matter when validation is off
    got = step(target, validate=False, skip=True, validation=ALREADY_DEPLOYED, deployment=SERVING)
    assert got is Step.SKIP
