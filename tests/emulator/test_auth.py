"""Tokens: Bearer and Token schemes, 401 for missing or wrong ones, read-only roles."""

from __future__ import annotations

import aiohttp
import pytest

from aiodeploy.emulator import Emulator
from aiodeploy.emulator._auth import Role, TokenTable

from .helpers import READ_ONLY, TOKEN, call


@pytest.mark.parametrize("scheme", ["Bearer", "Token", "bearer"])
async def test_both_schemes_are_accepted(emu: Emulator, scheme: str) -> None:
    async with aiohttp.ClientSession(headers={"Authorization": f"{scheme} {TOKEN}"}) as s:
        assert (await call(s, "GET", f"{emu.endpoint}/version/"))[0] == 200


@pytest.mark.parametrize(
    "header", [None, "", f"Basic {TOKEN}", "Bearer wrong", "Bearer", f"{TOKEN}"]
)
async def test_missing_or_wrong_tokens_get_401(emu: Emulator, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    async with aiohttp.ClientSession(headers=headers) as s:
        for method, path in (("GET", "version/"), ("GET", "deployments/"), ("POST", "x/")):
            status, _, body = await call(s, method, f"{emu.endpoint}/{path}")
            assert status == 401
            assert "token" in body["message"]


async def test_read_only_token(
    emu: Emulator, ro_session: aiohttp.ClientSession, session: aiohttp.ClientSession
) -> None:
    record = emu.state.live_deployments()[0]
    url = f"{emu.endpoint}/deployments/{record.id}/"
    status, _, body = await call(ro_session, "GET", url)
    assert status == 200
    assert "CAN_REPLACE_MODEL" not in body["permissions"]
    owner_view = (await call(session, "GET", url))[2]
    assert "CAN_REPLACE_MODEL" in owner_view["permissions"]
    candidate = emu.state.replacement_candidates(record.id).passing[0]
    status, _, report = await call(
        ro_session, "POST", f"{url}model/validation/", json={"modelId": candidate.id}
    )
    assert (status, report["status"]) == (200, "failing")
    assert report["checks"]["permission"]["status"] == "failing"
    mutations = [
        ("PATCH", url, {"label": "x"}),
        ("DELETE", url, None),
        ("PATCH", f"{url}model/", {"modelId": candidate.id, "reason": "OTHER"}),
        ("PATCH", f"{url}settings/", {"targetDrift": {"enabled": False}}),
        ("PATCH", f"{url}status/", {"status": "inactive"}),
        ("POST", f"{emu.endpoint}/deployments/fromLearningModel/", {"modelId": "a", "label": "b"}),
    ]
    for method, target, payload in mutations:
        status, _, body = await call(ro_session, method, target, json=payload)
        assert status == 403, (method, target)
        assert "permission" in body["message"]
    assert (await call(ro_session, "GET", f"{emu.endpoint}/deployments/?role=USER"))[2]["count"]
    assert emu.state.current_model(record.id).id != candidate.id


def test_token_table_rejects_bad_configuration() -> None:
    with pytest.raises(ValueError, match="unknown role"):
        TokenTable("t", {"x": "admin"})
    with pytest.raises(ValueError, match="invalid token"):
        TokenTable("")
    table = TokenTable("t", {READ_ONLY: "read-only"})
    assert table.role_for("Token t") is Role.OWNER
    assert table.role_for(f"Bearer {READ_ONLY}") is Role.READ_ONLY
