"""Tag and sharing routes against the contract."""

from __future__ import annotations

import aiohttp

from aiodeploy.emulator import Emulator

from .helpers import call


async def test_tags_round_trip(emu: Emulator, session: aiohttp.ClientSession) -> None:
    record = emu.state.live_deployments()[0]
    url = f"{emu.endpoint}/deployments/{record.id}/tags/"
    _, _, page = await call(session, "GET", url)
    assert [t["name"] for t in page["data"]] == ["team", "environment"]
    status, _, tag = await call(session, "POST", url, json={"name": "cost", "value": "c-17"})
    assert (status, set(tag)) == (201, {"id", "name", "value"})
    again = await call(session, "POST", url, json={"name": "cost", "value": "c-17"})
    assert again[0] == 409
    status, _, changed = await call(
        session, "PATCH", f"{url}{tag['id']}/", json={"name": "cost", "value": "c-18"}
    )
    assert (status, changed) == (200, {**tag, "value": "c-18"})
    _, _, dep = await call(session, "GET", f"{emu.endpoint}/deployments/{record.id}/")
    assert changed in dep["tags"]
    assert (await call(session, "DELETE", f"{url}{tag['id']}/"))[0] == 204
    assert (await call(session, "DELETE", f"{url}{tag['id']}/"))[0] == 404
    for bad in ({"name": "x"}, {"name": " ", "value": "v"}, {"name": "n" * 51, "value": "v"}):
        assert (await call(session, "POST", url, json=bad))[0] == 422, bad
    assert (await call(session, "GET", f"{emu.endpoint}/deployments/{'f' * 24}/tags/"))[0] == 404


async def test_sharing_round_trip(emu: Emulator, session: aiohttp.ClientSession) -> None:
    record = emu.state.live_deployments()[0]
    url = f"{emu.endpoint}/deployments/{record.id}/sharedRoles/"
    _, _, page = await call(session, "GET", url)
    (owner,) = page["data"]
    assert set(owner) == {"shareRecipientType", "role", "id", "name"}
    group = next(r for r in emu.state.sharing.recipients if r.kind == "group")
    grant = {
        "operation": "updateRoles",
        "roles": [
            {"role": "USER", "shareRecipientType": "group", "id": group.id},
            {"role": "CONSUMER", "shareRecipientType": "user", "username": "Alice@example.com"},
        ],
    }
    assert (await call(session, "PATCH", url, json=grant))[0] == 204
    _, _, page = await call(session, "GET", url, params={"shareRecipientType": "group"})
    assert [(r["name"], r["role"]) for r in page["data"]] == [("Risk analysts", "USER")]
    _, _, page = await call(session, "GET", url, params={"limit": "0"})
    assert page["count"] == 3
    # the last owner cannot go; removing a role is NO_ROLE
    leave = {"operation": "updateRoles", "roles": [{**grant["roles"][1], "role": "NO_ROLE"},
             {"role": "NO_ROLE", "shareRecipientType": "user", "id": owner["id"]}]}  # fmt: skip
    status, _, body = await call(session, "PATCH", url, json=leave)
    assert (status, body["message"]) == (422, "The deployment must keep at least one owner.")
    leave["roles"] = leave["roles"][:1]
    assert (await call(session, "PATCH", url, json=leave))[0] == 204
    _, _, page = await call(session, "GET", url)
    assert {r["name"] for r in page["data"]} == {owner["name"], "Risk analysts"}
    refusals = [
        ({"operation": "replaceRoles", "roles": grant["roles"]}, 422),
        ({"operation": "updateRoles", "roles": []}, 422),
        ({"operation": "updateRoles", "roles": [{"role": "EDITOR", "shareRecipientType": "user",
                                                 "id": owner["id"]}]}, 422),
        ({"operation": "updateRoles", "roles": [{"role": "USER", "shareRecipientType": "user"}]},
         422),
        ({"operation": "updateRoles", "roles": [{"role": "USER", "shareRecipientType": "group",
                                                 "id": owner["id"]}]}, 404),
        ({"operation": "updateRoles", "roles": [{"role": "USER", "shareRecipientType": "user",
                                                 "username": "eve@example.com"}]}, 404),
    ]  # fmt: skip
    for payload, expected in refusals:
        assert (await call(session, "PATCH", url, json=payload))[0] == expected, payload


async def test_read_only_tokens_read_but_do_not_change(
    emu: Emulator, ro_session: aiohttp.ClientSession
) -> None:
    record = emu.state.live_deployments()[0]
    base = f"{emu.endpoint}/deployments/{record.id}"
    assert (await call(ro_session, "GET", f"{base}/tags/"))[0] == 200
    assert (await call(ro_session, "GET", f"{base}/sharedRoles/"))[0] == 200
    assert (await call(ro_session, "GET", f"{emu.endpoint}/registeredModels/"))[0] == 200
    tag = {"name": "n", "value": "v"}
    assert (await call(ro_session, "POST", f"{base}/tags/", json=tag))[0] == 403
    share = {"operation": "updateRoles", "roles": []}
    assert (await call(ro_session, "PATCH", f"{base}/sharedRoles/", json=share))[0] == 403
    register = {"modelId": emu.state.catalog.models[0].id}
    url = f"{emu.endpoint}/modelPackages/fromLeaderboard/"
    assert (await call(ro_session, "POST", url, json=register))[0] == 403
