"""Malformed requests get a 4xx JSON reply, never a 500."""

from __future__ import annotations

import json

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiodeploy.emulator import Emulator

from .helpers import call

_FIELDS = [
    "modelId", "modelPackageId", "label", "description", "importance", "reason", "status",
    "defaultPredictionServerId", "predictionThreshold", "spec", "targetDrift", "featureDrift",
    "predictionWarning", "predictionIntervals", "customBoundaries", "enabled", "percentiles",
    "biasAndFairness", "associationId", "columnNames", "registeredModelId",
    "registeredModelName", "tags", "name", "value", "operation", "roles", "role",
    "shareRecipientType", "id", "username", "predictionEnvironmentId", "additionalMetadata",
]  # fmt: skip
_WORDS = [
    "ACCURACY", "OTHER", "active", "inactive", "HIGH", "x", "", "500=0.1", "503=2",
    "updateRoles", "OWNER", "NO_ROLE", "user", "group", "alice@example.com",
]  # fmt: skip
_ROUTES = [
    ("PATCH", "deployments/{dep}/"),
    ("POST", "deployments/fromLearningModel/"),
    ("PATCH", "deployments/{dep}/model/"),
    ("POST", "deployments/{dep}/model/validation/"),
    ("PATCH", "deployments/{dep}/settings/"),
    ("PATCH", "deployments//{dep}/settings/"),
    ("PATCH", "deployments/{dep}/status/"),
    ("POST", "/_emulator/faults"),
    ("POST", "modelPackages/fromLeaderboard/"),
    ("POST", "deployments/fromModelPackage/"),
    ("POST", "deployments/{dep}/tags/"),
    ("PATCH", "deployments/{dep}/sharedRoles/"),
]
_QUERY_KEYS = [
    "offset", "limit", "orderBy", "search", "status", "role", "importance", "bogus",
    "lastPredictionTimestampStart", "predictionUsageDailyAvgLessThan", "createdByMe",
]  # fmt: skip
_QUERY_VALUES = st.text(max_size=6) | st.sampled_from(
    ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "2024-01-15", "1e400", "-0"]
)
# one emulator serves every example of a test: its state is meant to accumulate changes
_SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _json_values(ids: list[str]) -> st.SearchStrategy[object]:
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.sampled_from([10**400, -(10**400), 2**63, -(2**63) - 1]),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=8),
        st.sampled_from(_WORDS + ids),
    )
    return st.recursive(
        scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(st.sampled_from(_FIELDS) | st.text(max_size=5), children, max_size=4),
        ),
        max_leaves=12,
    )


def _url(emu: Emulator, route: str) -> str:
    dep = emu.state.live_deployments()[0].id
    path = route.format(dep=dep)
    return f"{emu.url}{path}" if path.startswith("/") else f"{emu.endpoint}/{path}"


def _ids(emu: Emulator) -> list[str]:
    models = emu.state.catalog.models[:6]
    people = [r.id for r in emu.state.sharing.recipients[:3]]
    environments = [e.id for e in emu.state.environments.all]
    return [
        *(m.id for m in models), *(m.package_id for m in models), *people, *environments,
        emu.state.live_deployments()[0].id,
    ]  # fmt: skip


async def _check(reply: tuple[int, dict[str, str], object], emu: Emulator) -> None:
    status, _, body = reply
    assert status < 500, body
    if status >= 400:
        assert isinstance(body, dict)
        assert "message" in body
    assert emu.state.stats.unexpected_errors == 0


@settings(_SETTINGS, max_examples=300)
@given(data=st.data())
async def test_random_json_bodies(
    emu: Emulator, session: aiohttp.ClientSession, data: st.DataObject
) -> None:
    method, route = data.draw(st.sampled_from(_ROUTES))
    body = data.draw(_json_values(_ids(emu)))
    if data.draw(st.booleans()):
        # most bodies are objects of plausible fields, to get past the first checks
        body = data.draw(st.dictionaries(st.sampled_from(_FIELDS), _json_values(_ids(emu))))
    raw = json.dumps(body).encode()
    reply = await call(session, method, _url(emu, route), data=raw)
    await _check(reply, emu)


@settings(_SETTINGS, max_examples=100)
@given(method_route=st.sampled_from(_ROUTES), raw=st.binary(max_size=40))
async def test_random_bytes_bodies(
    emu: Emulator, session: aiohttp.ClientSession, method_route: tuple[str, str], raw: bytes
) -> None:
    method, route = method_route
    reply = await call(session, method, _url(emu, route), data=raw)
    await _check(reply, emu)


@settings(_SETTINGS, max_examples=150)
@given(query=st.lists(st.tuples(st.sampled_from(_QUERY_KEYS), _QUERY_VALUES), max_size=4))
async def test_random_list_queries(
    emu: Emulator, session: aiohttp.ClientSession, query: list[tuple[str, str]]
) -> None:
    reply = await call(session, "GET", f"{emu.endpoint}/deployments/", params=query)
    assert reply[0] in (200, 400)
    await _check(reply, emu)


_REGISTRY_QUERY_KEYS = [
    "offset", "limit", "search", "sortKey", "sortDirection", "createdAtStartTs",
    "modifiedAtEndTs", "targetType", "predictionThreshold", "imported", "buildStatus",
    "compatibleWithModelPackageId", "bogus",
]  # fmt: skip


@settings(_SETTINGS, max_examples=100)
@given(query=st.lists(st.tuples(st.sampled_from(_REGISTRY_QUERY_KEYS), _QUERY_VALUES), max_size=4))
async def test_random_registry_queries(
    emu: Emulator, session: aiohttp.ClientSession, query: list[tuple[str, str]]
) -> None:
    registered = next(iter(emu.state.registry.registered))
    for path in ("registeredModels/", f"registeredModels/{registered}/versions/"):
        reply = await call(session, "GET", f"{emu.endpoint}/{path}", params=query)
        assert reply[0] in (200, 400)
        await _check(reply, emu)


@pytest.mark.parametrize("value", ["9" * 4400, "1e400", "0x10", "١٢"])
async def test_odd_numbers_in_queries(
    emu: Emulator, session: aiohttp.ClientSession, value: str
) -> None:
    for key in ("offset", "limit", "predictionUsageDailyAvgGreaterThan"):
        reply = await call(session, "GET", f"{emu.endpoint}/deployments/", params={key: value})
        assert reply[0] in (200, 400)
        await _check(reply, emu)


@pytest.mark.parametrize(
    "path",
    [
        "deployments/not-an-id/",
        "deployments/not-an-id/model/",
        "deployments/%00/settings/",
        "status/zzz/",
        "projects/1/models/2/",
        "deployments/" + "a" * 500 + "/",
    ],
)
async def test_bad_ids_are_404(emu: Emulator, session: aiohttp.ClientSession, path: str) -> None:
    status, _, body = await call(session, "GET", f"{emu.endpoint}/{path}")
    assert status in (404, 405)
    assert "message" in body
