"""``replace`` refusals in their own words, and stopping a wait: Ctrl-C, ``wait TOKEN``."""

from __future__ import annotations

import json
import os
import shlex
import signal
from collections.abc import AsyncIterator

import anyio
import pytest

from aiodeploy import AsyncDeploymentClient, ReplacementOperation, UnprocessableEntityError
from aiodeploy.cli import main
from aiodeploy.cli._base import TOKEN_PLACEHOLDER
from aiodeploy.cli._parser import build_parser, parse
from aiodeploy.cli._replace import _Accepted, _replace, refusal_message, wait_command
from aiodeploy.emulator import Emulator

from .conftest import ManualClock, patch_count, status_polls, wait_until

DEP, MODEL = "d" * 24, "m" * 24


def _refused(body: object) -> UnprocessableEntityError:
    return UnprocessableEntityError(422, "Validation failed", body=body, method="PATCH", url="u")


def _checks(**statuses: str) -> dict[str, object]:
    return {
        "checks": {
            name: {"status": status, "message": f"{name} says {status}"}
            for name, status in statuses.items()
        }
    }


def test_refusal_messages() -> None:
    what = f"model {MODEL}"
    failing = refusal_message(DEP, what, _refused(_checks(target="failing", features="warning")))
    assert failing == (
        f"the server refused to replace the model of deployment {DEP} by model {MODEL} (422): "
        "failing checks: target: target says failing"
    )
    current = refusal_message(DEP, what, _refused(_checks(notCurrentModel="failing")))
    assert current == (
        f"model {MODEL} is already the current model of deployment {DEP}; nothing to replace"
    )
    both = refusal_message(
        DEP, what, _refused(_checks(notCurrentModel="failing", permission="failing"))
    )
    assert both.endswith("; also failing: permission: permission says failing")
    for body in (None, {"message": "no"}, {"checks": "garbled"}, {"checks": {"x": 3}}):
        text = refusal_message(DEP, what, _refused(body))
        assert text.endswith("(422): Validation failed"), body


async def test_a_refusal_names_the_failing_checks(cli, emulator) -> None:
    dep_id = emulator.state.live_deployments()[0].id
    model_id = emulator.state.replacement_candidates(dep_id).failing[0].id
    run = await cli("replace", dep_id, model_id, "--reason", "OTHER")
    assert run.code == 1
    assert "(422): failing checks: target: The target name 'churn' differs" in run.err
    assert len(run.err.splitlines()) == 1


async def test_the_current_model_is_refused_in_its_own_words(cli, emulator) -> None:
    dep_id = emulator.state.live_deployments()[0].id
    current = emulator.state.current_model(dep_id).id
    run = await cli("replace", dep_id, current, "--reason", "OTHER")
    assert run.code == 1
    assert f"model {current} is already the current model of deployment {dep_id}" in run.err
    assert "failing checks" not in run.err
    assert patch_count(emulator) == 1  # the server said no: nothing changed
    assert len(emulator.state.model_history(dep_id)) == 1


async def test_wait_for_a_replacement_from_its_token(cli, client, emulator) -> None:
    dep_id = emulator.state.live_deployments()[0].id
    model_id = emulator.state.replacement_candidates(dep_id).passing[0].id
    operation = await client.start_model_replacement(dep_id, model_id, "accuracy")
    run = await cli("wait", operation.token(), "--json")
    assert run.code == 0, run.err
    assert json.loads(run.out)["model"]["id"] == model_id
    assert [e.model_id for e in emulator.state.model_history(dep_id)][-1] == model_id
    table = await cli("wait", operation.token())  # once more: the job is long done
    assert (table.code, model_id in table.out) == (0, True)


async def test_wait_refuses_a_bad_or_foreign_token(cli, client, emulator) -> None:
    bad = await cli("wait", "not-a-token")
    assert bad.code == 2
    assert "not a replacement token" in bad.err
    dep_id = emulator.state.live_deployments()[0].id
    model_id = emulator.state.replacement_candidates(dep_id).passing[0].id
    token = (await client.start_model_replacement(dep_id, model_id)).token()
    foreign = json.loads(token)
    foreign["status_url"] = "https://elsewhere.test/api/v2/status/1/"
    run = await cli("wait", json.dumps(foreign))
    assert run.code == 1
    assert "elsewhere.test" in run.err
    assert emulator.token not in run.err


@pytest.mark.emulator(replacement_seconds=60)
async def test_running_out_of_max_wait_says_how_to_wait_again(cli, emulator) -> None:
    dep_id = emulator.state.live_deployments()[0].id
    model_id = emulator.state.replacement_candidates(dep_id).passing[0].id
    run = await cli("replace", dep_id, model_id, "--reason", "OTHER", "--max-wait", "0")
    assert run.code == 1
    assert "stopped waiting after --max-wait 0 s" in run.err
    assert f"by model {model_id} was accepted and continues on the server" in run.err
    assert "  aiodeploy wait '{" in run.err
    assert "--max-wait" not in run.err.split("  aiodeploy wait", 1)[1]  # a fresh wait
    assert emulator.token not in run.err


@pytest.mark.emulator(replacement_seconds=60)
async def test_a_replacement_by_version_says_which_version_when_it_stops(cli, emulator) -> None:
    dep_id = emulator.state.live_deployments()[0].id
    version = emulator.state.replacement_candidates(dep_id).passing[0].package_id
    argv = ["replace", dep_id, "--model-version", version, "--reason", "OTHER", "--max-wait", "0"]
    run = await cli(*argv)
    assert run.code == 1
    assert f"by registered model version {version} was accepted" in run.err
    assert "None" not in run.err


async def _interrupted_replace(emu: Emulator, argv: list[str]) -> int:
    """Run the ``replace`` command on this (main-thread) loop and SIGINT it once it waits
    for the job the server accepted."""
    args = parse(build_parser(), argv)
    args.launcher = ["aiodeploy"]
    code = 0
    async with AsyncDeploymentClient(emu.endpoint, emu.token) as client:

        async def interrupt() -> None:
            await wait_until(lambda: status_polls(emu) >= 1)  # accepted, and waiting
            os.kill(os.getpid(), signal.SIGINT)

        async with anyio.create_task_group() as tg:
            tg.start_soon(interrupt)
            code = await _replace(client, args, _Accepted())
    return code


async def test_ctrl_c_while_waiting_says_the_replacement_goes_on(capsys) -> None:
    clock = ManualClock()
    async with Emulator(deployments=2, replacement_seconds=60, clock=clock) as emu:
        dep_id = emu.state.live_deployments()[0].id
        model_id = emu.state.replacement_candidates(dep_id).passing[0].id
        argv = ["replace", dep_id, model_id, "--reason", "data_drift"]
        argv += ["--endpoint", emu.endpoint, "--token", emu.token]
        assert await _interrupted_replace(emu, argv) == 130
        out, err = capsys.readouterr()
        assert out == ""
        assert "stopped by SIGINT while waiting" in err
        accepted = f"deployment {dep_id} by model {model_id} was accepted and continues on"
        assert accepted in err
        assert emu.token not in err
        command = err.split("Wait for it again with:\n", 1)[1].splitlines()[0].strip()
        assert command.startswith("aiodeploy wait '{")
        assert f"--endpoint {emu.endpoint}" in command
        assert command.endswith(f"--token {TOKEN_PLACEHOLDER}")

        # the printed command, with the token from the environment, waits for the end
        clock.now += 61
        words = [emu.token if w == "$DATAROBOT_API_TOKEN" else w for w in shlex.split(command)]
        assert await anyio.to_thread.run_sync(main, words[1:]) == 0
        assert model_id in capsys.readouterr().out
        assert emu.state.model_history(dep_id)[-1].reason == "DATA_DRIFT"


async def test_keyboard_interrupt_where_signals_cannot_be_taken(cli, emulator, monkeypatch):
    async def interrupted(self, *, max_wait=None) -> AsyncIterator[object]:
        raise KeyboardInterrupt
        yield  # an async generator, like the real one

    monkeypatch.setattr(ReplacementOperation, "events", interrupted)
    dep_id = emulator.state.live_deployments()[0].id
    model_id = emulator.state.replacement_candidates(dep_id).passing[0].id
    run = await cli("replace", dep_id, model_id, "--reason", "OTHER")  # main() in a thread
    assert run.code == 130
    assert "stopped by SIGINT while waiting" in run.err
    assert "aiodeploy wait '{" in run.err
    assert '--token "$DATAROBOT_API_TOKEN"' in run.err
    assert emulator.token not in run.err


async def test_ctrl_c_before_the_server_answered(cli, emulator, monkeypatch) -> None:
    async def interrupted(self, *args, **kwargs) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(AsyncDeploymentClient, "start_model_replacement", interrupted)
    dep_id = emulator.state.live_deployments()[0].id
    run = await cli("replace", dep_id, MODEL, "--reason", "OTHER")
    assert run.code == 130
    assert "may or may not have been accepted" in run.err
    assert f"aiodeploy deployments get {dep_id}" in run.err


def test_the_wait_command_keeps_the_connection_flags_but_not_the_token() -> None:
    argv = ["replace", DEP, MODEL, "--reason", "OTHER", "--endpoint", "https://dr.test/api/v2"]
    argv += ["--token", "s3cr3t", "--token-type", "Token", "--max-wait", "90", "--json"]
    args = parse(build_parser(), argv)
    args.launcher = ["/opt/py", "-m", "aiodeploy"]
    command, redacted = wait_command(args, '{"v":1}')
    assert command == (
        "/opt/py -m aiodeploy wait '{\"v\":1}' --endpoint https://dr.test/api/v2 "
        f"--token-type Token --json --token {TOKEN_PLACEHOLDER}"
    )
    assert redacted
    assert "s3cr3t" not in command
    bare = parse(build_parser(), ["replace", DEP, MODEL, "--reason", "OTHER"])
    assert wait_command(bare, "t") == ("aiodeploy wait t", False)


async def test_the_cli_replaces_by_version(cli, emulator) -> None:
    dep_id = emulator.state.live_deployments()[0].id
    model = emulator.state.replacement_candidates(dep_id).passing[0]
    model_id, version_id = model.id, model.package_id
    run = await cli("replace", dep_id, "--model-version", version_id, "--reason", "OTHER", "--json")
    assert run.code == 0, run.err
    shown = json.loads(run.out)
    assert shown["model"]["id"] == model_id
    assert shown["model_package"]["id"] == version_id


@pytest.mark.parametrize(
    ("command", "target", "says", "not_said"),
    [
        ("replace", ["--reason", "OTHER"], "give the registered model version", "not both"),
        ("validate", [], "give the registered model version", "not both"),
        ("replace", [MODEL, "--model-version", MODEL, "--reason", "OTHER"], "not both", "serve"),
    ],
)
async def test_neither_or_both_targets_is_a_usage_error_saying_which(
    cli, emulator, command: str, target: list[str], says: str, not_said: str
) -> None:
    """The message fits the case: "not both" only when both were given."""
    run = await cli(command, DEP, *target)
    assert run.code == 2
    assert says in run.err
    assert not_said not in run.err
    assert emulator.state.stats.request_count() == 0
