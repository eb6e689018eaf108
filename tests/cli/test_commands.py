"""The single-deployment commands against the emulator: output, JSON and exit codes."""

from __future__ import annotations

import io
import json

import anyio
import pytest

from aiodeploy.cli import _output, main

MISSING = "0" * 24


class _Terminal(io.StringIO):
    """A stdin that claims to be a terminal, holding the user's answer."""

    def isatty(self) -> bool:
        return True


async def test_deployments_list_as_table_and_json(cli, emulator) -> None:
    ids = [d.id for d in emulator.state.live_deployments()]
    table = await cli("deployments", "list")
    assert table.code == 0
    assert all(dep_id in table.out for dep_id in ids)
    assert "5 deployment(s)" in table.out
    data = json.loads((await cli("deployments", "list", "--json")).out)
    assert sorted(d["id"] for d in data) == sorted(ids)
    assert {"id", "label", "model", "status"} <= data[0].keys()


async def test_deployments_list_filters(cli, emulator) -> None:
    first = emulator.state.live_deployments()[0]
    label = first.label
    found = json.loads((await cli("deployments", "list", "--search", label, "--json")).out)
    assert [d["id"] for d in found] == [first.id]
    for status in ("active", "inactive"):
        listed = json.loads((await cli("deployments", "list", "--status", status, "--json")).out)
        assert all(d["status"] == status for d in listed)


async def test_global_flags_go_before_or_after_the_command(emulator, capsys) -> None:
    argv = ["--json", "--endpoint", emulator.endpoint, "--token", emulator.token]
    assert await anyio.to_thread.run_sync(main, [*argv, "deployments", "list"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 5
    mixed = ["--endpoint", emulator.endpoint, "deployments", "list", "--token", emulator.token]
    assert await anyio.to_thread.run_sync(main, mixed) == 0
    assert "5 deployment(s)" in capsys.readouterr().out


async def test_environment_supplies_endpoint_and_token(emulator, capsys, monkeypatch) -> None:
    monkeypatch.setenv("DATAROBOT_ENDPOINT", emulator.endpoint)
    monkeypatch.setenv("DATAROBOT_API_TOKEN", emulator.token)
    code = await anyio.to_thread.run_sync(main, ["deployments", "list", "--json"])
    assert code == 0
    assert len(json.loads(capsys.readouterr().out)) == 5


async def test_deployments_get_and_404(cli, emulator) -> None:
    dep = emulator.state.live_deployments()[0]
    shown = await cli("deployments", "get", dep.id)
    assert shown.code == 0
    assert dep.id in shown.out
    assert emulator.state.current_model(dep.id).id in shown.out
    assert json.loads((await cli("deployments", "get", dep.id, "--json")).out)["id"] == dep.id
    missing = await cli("deployments", "get", MISSING)
    assert missing.code == 1
    assert missing.out == ""
    assert "404" in missing.err
    assert "Traceback" not in missing.err
    assert len(missing.err.strip().splitlines()) == 1


async def test_deployments_delete_with_yes(cli, emulator) -> None:
    dep_id = emulator.state.live_deployments()[0].id
    deleted = await cli("deployments", "delete", dep_id, "--yes")
    assert (deleted.code, deleted.out.strip()) == (0, f"deleted deployment {dep_id}")
    assert [d.id for d in emulator.state.deleted_deployments()][:1] == [dep_id]
    other = emulator.state.live_deployments()[0].id
    as_json = await cli("deployments", "delete", other, "--yes", "--json")
    assert json.loads(as_json.out) == {"deleted": other}
    again = await cli("deployments", "delete", dep_id, "--yes")
    assert again.code == 1
    assert "404" in again.err


async def test_delete_without_yes_needs_a_terminal(cli, emulator, monkeypatch) -> None:
    dep_id = emulator.state.live_deployments()[0].id
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    refused = await cli("deployments", "delete", dep_id)
    assert refused.code == 2
    assert "--yes" in refused.err
    assert emulator.state.stats.request_count() == 0


@pytest.mark.parametrize(("answer", "code", "deleted"), [("y\n", 0, 1), ("\n", 1, 0)])
async def test_delete_asks_on_a_terminal(cli, emulator, monkeypatch, answer, code, deleted) -> None:
    dep_id = emulator.state.live_deployments()[0].id
    monkeypatch.setattr("sys.stdin", _Terminal(answer))
    run = await cli("deployments", "delete", dep_id)
    assert run.code == code
    assert f"Delete deployment {dep_id}?" in run.err
    assert len(emulator.state.deleted_deployments()) == deleted


async def test_validate_passing_and_failing(cli, emulator) -> None:
    dep_id = emulator.state.live_deployments()[0].id
    candidates = emulator.state.replacement_candidates(dep_id)
    passing = await cli("validate", dep_id, candidates.passing[0].id)
    assert passing.code == 0
    assert "passing" in passing.out
    assert "CHECK" in passing.out
    warning = await cli("validate", dep_id, candidates.warning[0].id, "--json")
    assert warning.code == 0
    assert json.loads(warning.out)["status"] == "warning"
    failing = await cli("validate", dep_id, candidates.failing[0].id, "--json")
    assert failing.code == 1
    report = json.loads(failing.out)
    assert report["status"] == "failing"
    assert report["checks"]["target"]["status"] == "failing"


async def test_replace_waits_and_shows_the_deployment(cli, emulator) -> None:
    dep_id = emulator.state.live_deployments()[0].id
    model_id = emulator.state.replacement_candidates(dep_id).passing[0].id
    argv = ("replace", dep_id, model_id, "--reason", "accuracy", "--max-wait", "9", "--json")
    run = await cli(*argv)
    assert run.code == 0
    assert json.loads(run.out)["model"]["id"] == model_id
    history = emulator.state.model_history(dep_id)
    assert (len(history), history[-1].model_id, history[-1].reason) == (2, model_id, "ACCURACY")


async def test_replace_reports_job_statuses_on_a_terminal(cli, emulator, monkeypatch) -> None:
    dep_id = emulator.state.live_deployments()[0].id
    model_id = emulator.state.replacement_candidates(dep_id).passing[0].id
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    run = await cli("replace", dep_id, model_id, "--reason", "DATA_DRIFT")
    assert run.code == 0
    assert "replacement accepted" in run.err
    assert "job COMPLETED" in run.err
    assert model_id in run.out


async def test_replace_refused_by_the_server(cli, emulator) -> None:
    dep_id = emulator.state.live_deployments()[0].id
    model_id = emulator.state.replacement_candidates(dep_id).failing[0].id
    run = await cli("replace", dep_id, model_id, "--reason", "OTHER")
    assert run.code == 1
    assert "422" in run.err
    assert len(emulator.state.model_history(dep_id)) == 1


async def test_drift_get_and_set(cli, emulator) -> None:
    dep_id = emulator.state.live_deployments()[0].id
    changed = await cli("drift", "set", dep_id, "--target", "off", "--feature", "on", "--json")
    assert changed.code == 0
    data = json.loads(changed.out)
    assert data["deployment_id"] == dep_id
    assert (data["target_drift"]["enabled"], data["feature_drift"]["enabled"]) == (False, True)
    shown = await cli("drift", "get", dep_id)
    assert shown.code == 0
    lines = [" ".join(line.split()) for line in shown.out.splitlines()]
    assert "target drift off" in lines
    assert "feature drift on" in lines
    await cli("drift", "set", dep_id, "--target", "on")
    assert json.loads((await cli("drift", "get", dep_id, "--json")).out)["target_drift"] == {
        "enabled": True
    }


async def test_plain_text_tables_without_rich(cli, emulator, monkeypatch) -> None:
    monkeypatch.setattr(_output, "USE_RICH", False)
    dep = emulator.state.live_deployments()[0]
    listed = await cli("deployments", "list")
    header, rule, *rows = listed.out.splitlines()
    assert header.split()[:3] == ["ID", "LABEL", "STATUS"]
    assert set(rule.replace(" ", "")) == {"-"}
    assert any(row.startswith(f"{dep.id}  {dep.label}") for row in rows)
    shown = await cli("deployments", "get", dep.id)
    assert shown.out.splitlines()[0].split() == ["id", dep.id]
    candidates = emulator.state.replacement_candidates(dep.id)
    checks = await cli("validate", dep.id, candidates.failing[0].id)
    assert checks.out.splitlines()[0].split() == ["status", "failing"]
    assert any(line.startswith("target            failing") for line in checks.out.splitlines())


async def test_usage_errors_exit_2(cli, emulator) -> None:
    dep_id = emulator.state.live_deployments()[0].id
    model_id = emulator.state.replacement_candidates(dep_id).passing[0].id
    for argv in [
        ("drift", "set", dep_id),
        ("drift", "set", dep_id, "--target", "maybe"),
        ("replace", dep_id, model_id, "--reason", "BECAUSE"),
        ("replace", dep_id, model_id),
        ("deployments", "get", "a/b"),
        ("deployments", "list", "--status", "gone"),
        ("deployments",),
        ("rollout", "plan.csv", "--concurrency", "0"),
        ("rollout", "plan.csv", "--journal", "j", "--no-journal"),
        ("deployments", "list", "--max-wait", "-1"),
        ("nonsense",),
    ]:
        run = await cli(*argv)
        assert run.code == 2, argv
        assert "error" in run.err, argv
    assert emulator.state.stats.request_count() == 0


async def test_no_endpoint_configured_is_a_usage_error(cli) -> None:
    run = await cli("deployments", "list", connect=False)
    assert run.code == 2
    assert "No DataRobot endpoint or token is configured" in run.err
    # the library's sentence, then the command line's own hint after a full stop
    assert "DATAROBOT_API_TOKEN. On the command line: --endpoint URL --token TOKEN." in run.err


async def test_wrong_token_fails_without_echoing_it(cli, emulator) -> None:
    wrong = "wr0ng-t0ken-d0-not-print"
    args = ("deployments", "list", "--endpoint", emulator.endpoint, "--token", wrong)
    run = await cli(*args, connect=False)
    assert run.code == 1
    assert "401" in run.err
    assert "--token" in run.err  # the hint
    assert wrong not in run.out + run.err


async def test_transport_errors_are_one_line(cli) -> None:
    # a port nothing listens on: connection refused
    run = await cli(
        "deployments", "list", "--endpoint", "http://127.0.0.1:9/api/v2", "--token", "t",
        connect=False,
    )  # fmt: skip
    assert run.code == 1
    assert len(run.err.strip().splitlines()) == 1
    assert "Traceback" not in run.err


def test_help_lists_every_command(capsys) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    names = ("deployments", "projects", "models", "validate", "replace", "wait", "drift")
    for name in (*names, "rollout", "emulator"):
        assert f"    {name}" in out
    for command in (
        ["rollout"], ["deployments", "delete"], ["drift", "set"], ["emulator"], ["wait"],
        ["models", "list"], ["projects", "list"],
    ):  # fmt: skip
        assert main([*command, "--help"]) == 0
        assert "example:" in capsys.readouterr().out


def test_emulator_refuses_global_flags_before_it(capsys) -> None:
    assert main(["--token", "x", "emulator"]) == 2
    assert "--token" in capsys.readouterr().err


def test_emulator_subcommand_serves(monkeypatch) -> None:
    seen: dict[str, object] = {}

    def fake_run(args) -> int:
        seen.update(port=args.port, token=args.token, deployments=args.deployments)
        return 0

    monkeypatch.setattr("aiodeploy.emulator._cli.run", fake_run)
    # the parser binds run when it is built, so build it after patching
    assert main(["emulator", "--port", "0", "--token", "t", "--deployments", "3"]) == 0
    assert seen == {"port": 0, "token": "t", "deployments": 3}


async def test_verbose_shows_requests_and_retries_on_stderr(cli, emulator) -> None:
    emulator.set_faults("503=1")  # every request refused: the retries show
    run = await cli("-v", "deployments", "list", "--timeout", "5")
    assert run.code == 1
    assert "GET http://127.0.0.1" in run.err
    assert "-> 503" in run.err
    assert "retrying GET deployments/" in run.err
    assert emulator.token not in run.err
    quiet = await cli("deployments", "list")
    assert "retrying" not in quiet.err


async def test_timeout_must_be_positive_seconds(cli) -> None:
    run = await cli("deployments", "list", "--timeout", "0", connect=False)
    assert run.code == 2
    assert "--timeout" in run.err
