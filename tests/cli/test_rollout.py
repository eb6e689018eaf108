"""``aiodeploy rollout`` in-process against the emulator: outcomes, output, dry run, journal."""

from __future__ import annotations

import json

import anyio
import pytest

from aiodeploy.cli import _output
from aiodeploy.cli._rollout import default_journal
from aiodeploy.emulator import Emulator
from tests.reliability.conftest import wait_for

from .conftest import patch_count, plan_rows, replacements, write_csv, write_jsonl

ITEM_KEYS = {"deployment_id", "model_id", "outcome", "error", "checks"}


@pytest.mark.emulator(deployments=50, replacement_seconds=(0.05, 0.3))
async def test_rollout_from_csv(cli, emulator, tmp_path) -> None:
    rows = plan_rows(emulator)
    plan = write_csv(tmp_path / "plan.csv", rows)
    run = await cli("rollout", str(plan), "--concurrency", "8")
    assert run.code == 0, run.err
    assert "all done" in run.out
    assert " replaced " in run.out.replace("│", " ")
    assert "50" in run.out
    assert "rollout: 50/50 done" in run.err  # plain progress lines: stderr is no terminal
    assert patch_count(emulator) == 50
    for dep_id, model_id, _ in rows:
        assert replacements(emulator, dep_id) == 1
        assert emulator.state.current_model(dep_id).id == model_id
    journal = default_journal(plan)
    assert journal == tmp_path / "plan.csv.journal.jsonl"
    assert json.loads(journal.read_text().splitlines()[0])["type"] == "plan"

    again = await cli("rollout", str(plan))  # same journal: everything was done already
    assert again.code == 0
    assert "50 item(s) taken over from the journal" in again.out
    assert patch_count(emulator) == 50


@pytest.mark.emulator(deployments=50, replacement_seconds=(0.05, 0.3))
async def test_rollout_from_jsonl_as_json(cli, emulator, tmp_path) -> None:
    rows = plan_rows(emulator)
    rows[0][2] = "ACCURACY"
    plan = write_jsonl(tmp_path / "plan.jsonl", rows)
    run = await cli("rollout", str(plan), "--json", "--journal", str(tmp_path / "j.jsonl"))
    assert run.code == 0, run.err
    assert run.err == ""  # no progress with --json
    doc = json.loads(run.out)
    assert doc["ok"] is True
    assert doc["total"] == 50
    assert doc["counts"]["replaced"] == 50
    assert sum(doc["counts"].values()) == 50
    assert isinstance(doc["elapsed"], float)
    assert doc["journal"] == str(tmp_path / "j.jsonl")
    assert [item["deployment_id"] for item in doc["items"]] == [row[0] for row in rows]
    for item, row in zip(doc["items"], rows, strict=True):
        assert item.keys() >= ITEM_KEYS
        assert (item["model_id"], item["outcome"], item["error"]) == (row[1], "replaced", None)
        assert item["current_model_id"] == row[1]
    assert doc["items"][0]["reason"] == "ACCURACY"
    assert emulator.state.model_history(rows[0][0])[-1].reason == "ACCURACY"
    assert patch_count(emulator) == 50
    assert all(replacements(emulator, row[0]) == 1 for row in rows)


@pytest.mark.emulator(deployments=20, replacement_seconds=(0.05, 0.2))
async def test_running_the_same_command_again_reads_the_journal_and_touches_nothing(
    cli, emulator, tmp_path
) -> None:
    # README: "Running the same command again reads the journal and touches nothing
    # (every item "resumed": true in --json output)."
    rows = plan_rows(emulator)
    rows[1][1] = emulator.state.replacement_candidates(rows[1][0]).failing[0].id
    rows[2][1] = emulator.state.current_model(rows[2][0]).id
    plan = write_csv(tmp_path / "plan.csv", rows)
    first = await cli("rollout", str(plan), "--json")
    assert first.code == 1  # one refused: a rerun must not turn that into a success
    before = json.loads(first.out)["items"]
    assert not any(item["resumed"] for item in before)
    requests = emulator.state.stats.request_count()
    again = await cli("rollout", str(plan), "--json")
    assert again.code == 1
    after = json.loads(again.out)["items"]
    assert [item["resumed"] for item in after] == [True] * len(rows)
    assert [i["outcome"] for i in after] == [i["outcome"] for i in before]
    assert after[1]["outcome"] == "refused_validation"
    assert after[2]["outcome"] == "skipped_current"
    # nothing touched: not a write, not even a read of a deployment
    assert emulator.state.stats.request_count() == requests
    assert all(
        replacements(emulator, row[0]) == (0 if i in (1, 2) else 1) for i, row in enumerate(rows)
    )


@pytest.mark.emulator(deployments=6)
async def test_refused_and_failed_items_exit_1(cli, emulator, tmp_path) -> None:
    rows = plan_rows(emulator, count=4)
    state = emulator.state
    rows[1][1] = state.replacement_candidates(rows[1][0]).failing[0].id
    rows[2][1] = state.current_model(rows[2][0]).id
    rows[3][0] = "0" * 24  # no such deployment
    plan = write_csv(tmp_path / "plan.csv", rows)
    run = await cli("rollout", str(plan), "--json")
    assert run.code == 1
    items = json.loads(run.out)["items"]
    outcomes = [item["outcome"] for item in items]
    assert outcomes == ["replaced", "refused_validation", "skipped_current", "failed"]
    failing = [name for name, c in items[1]["checks"].items() if c["status"] == "failing"]
    assert failing
    assert all(name in items[1]["error"] for name in failing)
    assert "404" in items[3]["error"]
    table = await cli("rollout", str(plan), "--no-journal")
    assert table.code == 1
    assert "NOT all done" in table.out
    assert "Items not done (2)" in table.out
    assert failing[0] in table.out
    assert "404" in table.out


@pytest.mark.emulator(deployments=3)
async def test_without_validation_the_server_refuses(cli, emulator, tmp_path) -> None:
    rows = plan_rows(emulator, pick="failing", count=1)
    plan = write_csv(tmp_path / "plan.csv", rows)
    run = await cli("rollout", str(plan), "--no-validate", "--no-journal", "--json")
    assert run.code == 1
    (item,) = json.loads(run.out)["items"]
    assert item["outcome"] == "refused_validation"
    assert patch_count(emulator) == 1
    assert not (tmp_path / "plan.csv.journal.jsonl").exists()


@pytest.mark.emulator(deployments=5)
async def test_dry_run_changes_nothing(cli, emulator, tmp_path) -> None:
    rows = plan_rows(emulator)
    rows[1][1] = emulator.state.replacement_candidates(rows[1][0]).failing[0].id
    rows[2][1] = emulator.state.current_model(rows[2][0]).id
    rows[3][0] = "0" * 24
    plan = write_csv(tmp_path / "plan.csv", rows)
    run = await cli("rollout", str(plan), "--dry-run", "--json")
    assert run.code == 1
    doc = json.loads(run.out)
    assert doc["dry_run"] is True
    assert [i["action"] for i in doc["items"]] == ["replace", "refuse", "skip", "error", "replace"]
    first = doc["items"][0]
    assert first["current_model_id"] == emulator.state.current_model(rows[0][0]).id
    assert (first["model_id"], first["validation"]) == (rows[0][1], "passing")
    assert doc["counts"] == {"replace": 2, "skip": 1, "refuse": 1, "error": 1}
    table = await cli("rollout", str(plan), "--dry-run")
    assert "nothing was changed" in table.out
    assert f"{first['current_model_id']} -> model {rows[0][1]}" in table.out
    assert "already serves this model" in table.out
    assert patch_count(emulator) == 0
    assert not default_journal(plan).exists()

    good = write_csv(tmp_path / "good.csv", [rows[0], rows[4]])
    unchecked = await cli("rollout", str(good), "--dry-run", "--no-validate", "--json")
    assert unchecked.code == 0
    assert [i["validation"] for i in json.loads(unchecked.out)["items"]] == [None, None]
    assert emulator.state.stats.request_count(method="PATCH") == 0


@pytest.mark.emulator(deployments=20, replacement_seconds=5)
async def test_fail_fast_cancels_the_rest(cli, emulator, tmp_path) -> None:
    rows = plan_rows(emulator)
    rows[0][0] = "0" * 24
    plan = write_csv(tmp_path / "plan.csv", rows)
    run = await cli("rollout", str(plan), "--fail-fast", "--concurrency", "1", "--json")
    assert run.code == 1
    counts = json.loads(run.out)["counts"]
    assert counts["failed"] == 1
    assert counts["cancelled"] >= 1


@pytest.mark.emulator(deployments=3)
async def test_a_journal_of_another_plan_is_a_usage_error(cli, emulator, tmp_path) -> None:
    rows = plan_rows(emulator)
    journal = str(tmp_path / "j.jsonl")
    first = await cli("rollout", str(write_csv(tmp_path / "a.csv", rows[:2])), "--journal", journal)
    assert first.code == 0
    requests = emulator.state.stats.request_count()
    other = await cli("rollout", str(write_csv(tmp_path / "b.csv", rows)), "--journal", journal)
    assert other.code == 2
    assert "journal of another plan" in other.err
    assert "--journal NEW_FILE" in other.err
    assert emulator.state.stats.request_count() == requests


@pytest.mark.emulator(deployments=3)
async def test_a_journal_of_another_server_is_a_usage_error(cli, emulator, tmp_path) -> None:
    # README: a journal written against another server is refused (issue 10, kind 7): the
    # same plan and journal sent to a second server would replace nothing there it knows
    plan = write_csv(tmp_path / "plan.csv", plan_rows(emulator))
    journal = str(tmp_path / "j.jsonl")
    first = await cli("rollout", str(plan), "--journal", journal)
    assert first.code == 0, first.err
    async with Emulator(deployments=3) as other:
        connect = ["--endpoint", other.endpoint, "--token", other.token]
        run = await cli("rollout", str(plan), "--journal", journal, *connect, connect=False)
        assert other.state.stats.request_count() == 0
    assert run.code == 2
    assert f"{journal} was written against {emulator.url}" in run.err
    assert f"not {other.url}" in run.err
    assert "--journal NEW_FILE" in run.err
    assert run.out == ""


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [
        ("missing.csv", "deployment_id,reason\n", "missing.csv:1"),
        ("empty-id.csv", "deployment_id,model_id\n,m\n", "empty-id.csv:2"),
        ("reason.csv", "deployment_id,model_id,reason\nd,m,SOON\n", "reason.csv:2"),
        ("dup.csv", "deployment_id,model_id\nd,m\ne,m\nd,n\n", "dup.csv:4"),
        ("bad.jsonl", '{"deployment_id": "d", "model_id": "m"}\n{nope}\n', "bad.jsonl:2"),
    ],
)
async def test_malformed_plans_exit_2_before_any_request(
    cli, emulator, tmp_path, name, text, where
):
    path = tmp_path / name
    path.write_text(text)
    run = await cli("rollout", str(path))
    assert run.code == 2
    assert f"{tmp_path / where}:" in run.err
    assert run.out == ""
    assert emulator.state.stats.request_count() == 0
    assert not default_journal(path).exists()
    unreadable = await cli("rollout", str(tmp_path / "nowhere.csv"))
    assert unreadable.code == 2
    assert "nowhere.csv: cannot read the plan" in unreadable.err


@pytest.mark.emulator(deployments=4)
async def test_plain_summary_without_rich(cli, emulator, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(_output, "USE_RICH", False)
    rows = plan_rows(emulator)
    rows[0][1] = emulator.state.replacement_candidates(rows[0][0]).failing[0].id
    run = await cli("rollout", str(write_csv(tmp_path / "plan.csv", rows)))
    assert run.code == 1
    lines = run.out.splitlines()
    assert lines[0] == f"Rollout of {tmp_path / 'plan.csv'}: NOT all done"
    assert lines[1].split() == ["OUTCOME", "ITEMS"]
    counts = dict(line.split() for line in lines[3:10])
    assert counts == {
        "replaced": "3", "skipped_current": "0", "refused_validation": "1", "failed": "0",
        "timed_out": "0", "cancelled": "0", "total": "4",
    }  # fmt: skip
    assert lines[10].startswith("elapsed ")
    assert "Items not done (1)" in lines
    assert any(line.startswith(f"{rows[0][0]}  refused_validation  ") for line in lines)


async def test_token_never_printed(cli, emulator, tmp_path) -> None:
    rows = plan_rows(emulator)
    rows[0][0] = "0" * 24
    plan = write_csv(tmp_path / "plan.csv", rows)
    dep_id = rows[1][0]
    runs = [
        await cli("deployments", "list"),
        await cli("deployments", "get", dep_id, "--json"),
        await cli("validate", dep_id, rows[1][1]),
        await cli("rollout", str(plan)),
        await cli("rollout", str(plan), "--json"),
        await cli("rollout", str(plan), "--dry-run"),
        await cli("deployments", "get", "0" * 24),
    ]
    assert {run.code for run in runs} == {0, 1}
    for run in runs:
        assert emulator.token not in run.out + run.err


@pytest.mark.emulator(deployments=30, replacement_seconds=0.05)
async def test_a_token_revoked_mid_rollout_prints_what_ended_and_how_to_resume(
    cli, emulator, tmp_path
) -> None:
    plan = write_csv(tmp_path / "plan.csv", plan_rows(emulator))
    runs = []

    async def rollout() -> None:
        runs.append(await cli("rollout", str(plan), "--concurrency", "2"))

    async with anyio.create_task_group() as tg:
        tg.start_soon(rollout)
        await wait_for(lambda: patch_count(emulator) >= 3, "three replacements")
        emulator.state.tokens.revoke(emulator.token)
    run = runs[0]
    assert run.code == 1
    assert "replaced" in run.out  # the summary of what ended ...
    assert "cancelled" in run.out  # ... and of what did not
    assert "aiodeploy: rollout stopped: 401" in run.err
    assert f"The journal {default_journal(plan)} is intact. Resume with:" in run.err
    assert emulator.token not in run.out + run.err
