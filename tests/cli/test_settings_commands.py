"""``settings get|set`` and ``apply`` through ``main(argv)`` against the emulator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aiodeploy.cli import _output

MUTATING = ("PATCH", "PUT", "POST", "DELETE")
POLICY = """\
select:
  search: churn
settings:
  drift_tracking: {target_drift_enabled: false}
  predictions_data_collection: {enabled: true}
  health:
    data_drift: {drift_threshold: 0.25}
"""


@pytest.fixture(autouse=True)
def _plain_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_output, "USE_RICH", False)


def _mutations(emulator) -> int:
    return sum(emulator.state.stats.request_count(method=m) for m in MUTATING)


async def test_settings_get_every_family_or_one(cli, emulator) -> None:
    dep = emulator.state.live_deployments()[1]
    everything = await cli("settings", "get", dep.id)
    assert everything.code == 0
    for family in ("drift_tracking", "association_id", "health", "accuracy_metrics",
                   "secondary_dataset_config"):  # fmt: skip
        assert family in everything.out
    data = json.loads((await cli("settings", "get", dep.id, "health", "--json")).out)
    assert data["deployment_id"] == dep.id
    assert data["health"]["accuracy"]["metric"] == "AUC"  # snake_case keys
    one = json.loads((await cli("settings", "get", dep.id, "accuracy_metrics", "--json")).out)
    assert one["accuracy_metrics"][0] == "LogLoss"


async def test_settings_set_takes_the_official_argument_names(cli, emulator) -> None:
    dep = emulator.state.live_deployments()[1]
    done = await cli(
        "settings", "set", dep.id, "association_id",
        "column_names=[request_id]", "required_in_prediction_requests=true", "--json",
    )  # fmt: skip
    assert done.code == 0, done.err
    assert json.loads(done.out)["association_id"]["column_names"] == ["request_id"]
    done = await cli("settings", "set", dep.id, "health", "data_drift={drift_threshold: 0.3}")
    assert (done.code, "drift_threshold" in done.out) == (0, True)
    assert emulator.state.config.health(dep)["dataDrift"]["driftThreshold"] == 0.3
    refused = await cli("settings", "set", dep.id, "challenger_models",
                        "challenger_models_enabled=true")  # fmt: skip
    assert refused.code == 1
    assert "prediction row storage" in refused.err


@pytest.mark.parametrize(
    "words",
    [
        ["association_id", "colour=red"],
        ["association_id", "column_names"],
        ["association_id", "column_names=[a", "x"],
        ["predictions_data_collection", "enabled=maybe"],
        ["prediction_warning", "lower_boundary=1"],  # prediction_warning_enabled is required
        ["drift_tracking", "target_drift_enabled=true", "target_drift_enabled=false"],
    ],
)
async def test_settings_set_usage_errors_send_nothing(cli, emulator, words: list[str]) -> None:
    dep = emulator.state.live_deployments()[0]
    emulator.state.stats.clear()
    done = await cli("settings", "set", dep.id, *words)
    assert done.code == 2, done.err
    assert _mutations(emulator) == 0


@pytest.mark.emulator(deployments=40)
async def test_apply_plans_applies_and_then_has_nothing_to_do(
    cli, emulator, tmp_path: Path
) -> None:
    policy = tmp_path / "fleet.yaml"
    policy.write_text(POLICY)
    churn = [d for d in emulator.state.live_deployments() if d.label.startswith("churn")]
    emulator.state.stats.clear()
    plan = await cli("apply", str(policy), "--plan")
    assert plan.code == 0, plan.err
    assert f"aiodeploy will change {len(churn)} of {len(churn)} deployment(s)" in plan.out
    assert "target_drift_enabled: true -> false" in plan.out
    assert "data_drift.drift_threshold: 0.15 -> 0.25" in plan.out
    assert f"Plan: {len(churn)} to change, 0 unchanged" in plan.out
    assert _mutations(emulator) == 0  # --plan sends no mutation

    applied = await cli("apply", str(policy))
    assert applied.code == 0, applied.err
    assert f"Apply complete: {len(churn)} updated, 0 skipped_current" in applied.out
    assert all(not d.settings["targetDrift"]["enabled"] for d in churn)
    patches = _mutations(emulator)
    assert patches == 2 * len(churn)  # settings/ and healthSettings/, once each

    again = await cli("apply", str(policy), "--plan")
    assert (again.code, "No changes" in again.out) == (0, True)
    data = json.loads((await cli("apply", str(policy), "--json")).out)
    assert data["plan"]["to_change"] == 0
    assert data["result"]["counts"]["skipped_current"] == len(churn)
    assert _mutations(emulator) == patches  # nothing sent the second time


async def test_apply_json_reports_failures_per_deployment(cli, emulator, tmp_path: Path) -> None:
    policy = tmp_path / "fleet.json"
    policy.write_text(json.dumps({
        "select": {"ids": [d.id for d in emulator.state.live_deployments()[:2]]},
        "settings": {"challenger_models": {"challenger_models_enabled": True},
                     "accuracy_metrics": {"accuracy_metrics": ["LogLoss"]}},
    }))  # fmt: skip
    done = await cli("apply", str(policy), "--json")
    assert done.code == 1
    data = json.loads(done.out)
    assert data["plan"]["selected"] == 2
    assert data["result"]["counts"]["failed"] == 2
    item = data["result"]["items"][0]
    assert "prediction row storage" in item["failures"]["challenger_models"]
    text = await cli("apply", str(policy))
    assert (text.code, "Apply NOT complete" in text.out, "Not done (2)" in text.out) == (
        1, True, True,
    )  # fmt: skip


async def test_a_malformed_policy_is_a_usage_error_before_any_request(
    cli, emulator, tmp_path: Path
) -> None:
    policy = tmp_path / "fleet.yaml"
    policy.write_text("select: all\nsettings:\n  drift_tracking:\n    target: true\n")
    emulator.state.stats.clear()
    done = await cli("apply", str(policy))
    assert done.code == 2
    assert f"{policy}:4: drift_tracking has no field 'target'" in done.err
    assert emulator.state.stats.request_count() == 0


async def test_missing_ids_make_the_run_fail(cli, emulator, tmp_path: Path) -> None:
    policy = tmp_path / "fleet.yaml"
    policy.write_text(
        "select: {ids: ['000000000000000000000000']}\n"
        "settings: {predictions_data_collection: {enabled: true}}\n"
    )
    done = await cli("apply", str(policy), "--plan")
    assert done.code == 1
    assert "? 000000000000000000000000: not found" in done.out


@pytest.mark.emulator(deployments=8)
async def test_an_id_left_out_by_another_select_key_is_not_reported_not_found(
    cli, emulator, tmp_path: Path
) -> None:
    """``select: {ids: [A, B], search: <A's label>}``: B exists but ``search`` leaves it out
    (the keys combine with AND). It used to be reported "not found", so the apply exited 1
    on every run; it is simply not selected."""
    churn = [d for d in emulator.state.live_deployments() if d.label.startswith("churn")]
    kept, left_out = churn[0], churn[1]
    policy = tmp_path / "fleet.yaml"
    policy.write_text(
        f"select: {{ids: [{kept.id}, {left_out.id}, '{'0' * 24}'], search: {kept.label}}}\n"
        "settings:\n"
        "  drift_tracking: {target_drift_enabled: false}\n"
    )
    plan = await cli("apply", str(policy), "--plan", "--json")
    assert plan.code == 1, (plan.out, plan.err)
    data = json.loads(plan.out)["plan"]
    assert (data["selected"], data["missing_ids"]) == (1, ["0" * 24])
    assert data["unselected_ids"] == [left_out.id]
    policy.write_text(policy.read_text().replace(f", '{'0' * 24}']", "]"))
    run = await cli("apply", str(policy))
    assert ": not found" not in run.out, run.out
    assert "0 not found." in run.out  # in the counts only
    assert f"- {left_out.id}: not selected" in run.out
    assert run.code == 0, (run.out, run.err)
    again = await cli("apply", str(policy))
    assert (again.code, "No changes" in again.out) == (0, True)
    untouched, changed = (emulator.state.deployment(d.id) for d in (left_out, kept))
    assert untouched.settings["targetDrift"]["enabled"] is True  # outside the selection
    assert changed.settings["targetDrift"]["enabled"] is False
