"""The public surface: exact, sorted ``__all__`` lists and the names DESIGN.md promises."""

from __future__ import annotations

import enum
import inspect
import re
from types import ModuleType

import pytest

import aiodeploy
import aiodeploy.enums
import aiodeploy.errors

PUBLIC_MODULES = [aiodeploy, aiodeploy.errors, aiodeploy.enums]

# DESIGN.md, "Public API": every client-side name that exists at this stage of the project.
DESIGN_NAMES = [
    "AsyncDeploymentClient",
    "MODEL_REPLACEMENT_REASON",
    "ModelReplacementReason",
    "Project",
    "Model",
    "PredictionServer",
    "Deployment",
    "ReplacementValidation",
    "ValidationCheck",
    "DriftTrackingSettings",
    "AiodeployError",
    "APIError",
    "ClientError",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "UnprocessableEntityError",
    "RateLimitError",
    "ServerError",
    "TransportError",
    "APITimeoutError",
    "ResponseDecodeError",
    "AsyncFailureError",
    "AsyncProcessUnsuccessfulError",
    "AsyncTimeoutError",
]

REASONS = ["ACCURACY", "DATA_DRIFT", "ERRORS", "SCHEDULED_REFRESH", "SCORING_SPEED", "OTHER"]


def isort_key(name: str) -> tuple[int, list[object]]:
    """The order ruff's RUF022 keeps ``__all__`` in: CONSTANTS, Classes, then the rest,
    each group in natural order."""
    if len(name) > 1 and name.upper() == name and name.lower() != name:
        group = 0
    elif name[:1].isupper():
        group = 1
    else:
        group = 2
    natural: list[object] = [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name)]
    return group, natural


def defined_in_package(obj: object) -> bool:
    module = getattr(obj, "__module__", None) or ""
    return module == "aiodeploy" or module.startswith("aiodeploy.")


@pytest.mark.parametrize("module", PUBLIC_MODULES, ids=lambda m: m.__name__)
def test_all_is_sorted_and_unique(module: ModuleType) -> None:
    names = list(module.__all__)
    assert len(names) == len(set(names)), "duplicates in __all__"
    assert names == sorted(names, key=isort_key)


def test_isort_key_matches_ruff_grouping() -> None:
    names = ["__version__", "Zeta", "ALPHA", "APIError", "AiodeployError", "beta", "B_2", "B_10"]
    assert sorted(names, key=isort_key) == [
        "ALPHA",
        "B_2",
        "B_10",
        "APIError",
        "AiodeployError",
        "Zeta",
        "__version__",
        "beta",
    ]


@pytest.mark.parametrize("module", PUBLIC_MODULES, ids=lambda m: m.__name__)
def test_every_name_in_all_exists(module: ModuleType) -> None:
    missing = [name for name in module.__all__ if not hasattr(module, name)]
    assert missing == []


@pytest.mark.parametrize("module", PUBLIC_MODULES, ids=lambda m: m.__name__)
def test_every_public_attribute_is_in_all(module: ModuleType) -> None:
    """Like anyio's test: nothing public of ours is reachable but left out of ``__all__``."""
    unlisted = []
    for name, obj in vars(module).items():
        if name.startswith("_") or isinstance(obj, ModuleType):
            continue
        ours = inspect.isclass(obj) or inspect.isfunction(obj) or isinstance(obj, enum.EnumMeta)
        if ours and defined_in_package(obj) and name not in module.__all__:
            unlisted.append(name)
    assert unlisted == []


def test_star_import_gives_exactly_all() -> None:
    namespace: dict[str, object] = {}
    exec("from aiodeploy import *", namespace)  # noqa: S102
    namespace.pop("__builtins__")
    assert sorted(namespace) == sorted(aiodeploy.__all__)


@pytest.mark.parametrize("name", DESIGN_NAMES)
def test_design_names_are_exported(name: str) -> None:
    assert name in aiodeploy.__all__
    assert getattr(aiodeploy, name) is not None


@pytest.mark.parametrize(
    "name",
    # error_class_for_status is a helper, deliberately only in aiodeploy.errors
    [name for name in aiodeploy.errors.__all__ if name != "error_class_for_status"],
)
def test_errors_are_re_exported_from_the_package(name: str) -> None:
    assert getattr(aiodeploy, name) is getattr(aiodeploy.errors, name)
    assert name in aiodeploy.__all__


def test_error_classes_in_all_are_the_tree() -> None:
    exported = {
        name
        for name in aiodeploy.errors.__all__
        if inspect.isclass(getattr(aiodeploy.errors, name))
    }
    tree = {
        name
        for name, obj in vars(aiodeploy.errors).items()
        if inspect.isclass(obj)
        and issubclass(obj, BaseException)
        and obj.__module__ == "aiodeploy.errors"
    }
    assert exported == tree


def test_version_is_a_string() -> None:
    assert isinstance(aiodeploy.__version__, str)
    assert re.match(r"^\d+\.\d+", aiodeploy.__version__)


# --- MODEL_REPLACEMENT_REASON ------------------------------------------------------------


def test_reason_enum_is_the_same_object_everywhere() -> None:
    assert aiodeploy.enums.MODEL_REPLACEMENT_REASON is aiodeploy.MODEL_REPLACEMENT_REASON
    assert aiodeploy.MODEL_REPLACEMENT_REASON is aiodeploy.ModelReplacementReason
    assert aiodeploy.enums.ModelReplacementReason is aiodeploy.ModelReplacementReason


@pytest.mark.parametrize("member", REASONS)
def test_reason_members_equal_their_strings(member: str) -> None:
    reason = getattr(aiodeploy.MODEL_REPLACEMENT_REASON, member)
    assert reason == member
    assert reason.value == member
    assert str(reason) == member
    assert isinstance(reason, str)
    assert aiodeploy.MODEL_REPLACEMENT_REASON(member) is reason
    assert aiodeploy.MODEL_REPLACEMENT_REASON.__members__[member] is reason


def test_reason_members_are_the_official_ones_plus_documented_extras() -> None:
    members = [m.name for m in aiodeploy.MODEL_REPLACEMENT_REASON]
    assert set(REASONS) <= set(members)
    # the only extra is DEPRECATION, from DataRobot's API docs (api-contract.md §8.8)
    assert set(members) - set(REASONS) <= {"DEPRECATION"}
    assert all(m.value == m.name for m in aiodeploy.MODEL_REPLACEMENT_REASON)


def test_reason_formats_as_its_value() -> None:
    assert f"{aiodeploy.MODEL_REPLACEMENT_REASON.DATA_DRIFT}" == "DATA_DRIFT"
    assert "reason=%s" % aiodeploy.MODEL_REPLACEMENT_REASON.OTHER == "reason=OTHER"  # noqa: UP031
