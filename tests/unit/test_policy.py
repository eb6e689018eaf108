"""Policy files: the format, and every mistake refused with its file:line (no I/O but the
file)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aiodeploy import Policy, PolicyError

EXAMPLE = """\
select:
  search: churn
  tags: {team: risk}
  importance: [HIGH, CRITICAL]
  status: active
settings:
  drift_tracking: {target_drift_enabled: true, feature_drift_enabled: true}
  association_id: {column_names: [request_id], required_in_prediction_requests: false}
  predictions_data_collection: {enabled: true}
  health:
    data_drift: {drift_threshold: 0.2, batchCount: 3}
"""


def _write(tmp_path: Path, text: str, name: str = "fleet.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_issue_example_loads(tmp_path: Path) -> None:
    policy = Policy.from_file(_write(tmp_path, EXAMPLE))
    selection = policy.selection
    assert (selection.search, selection.tags) == ("churn", (("team", "risk"),))
    assert selection.filters == {"importance": "HIGH,CRITICAL", "status": "active"}
    assert selection.query() == {
        "importance": "HIGH,CRITICAL",
        "status": "active",
        "search": "churn",
        "tagKeys": ["team"],
        "tagValues": ["risk"],
    }
    assert policy.settings["association_id"] == {
        "column_names": ["request_id"],
        "required_in_prediction_requests": False,
    }
    # health keys are normalised to snake_case, whichever case the file uses
    assert policy.settings["health"] == {"data_drift": {"drift_threshold": 0.2, "batch_count": 3}}
    assert [route.value for route in policy.routes] == ["settings/", "healthSettings/"]


def test_json_policies_and_data_are_the_same_policy(tmp_path: Path) -> None:
    from_yaml = Policy.from_file(_write(tmp_path, EXAMPLE))
    data = {
        "select": {"search": "churn", "tags": {"team": "risk"}, "importance": ["HIGH", "CRITICAL"],
                   "status": "active"},
        "settings": {name: dict(values) for name, values in from_yaml.settings.items()},
    }  # fmt: skip
    from_json = Policy.from_file(_write(tmp_path, json.dumps(data, indent=2), "fleet.json"))
    assert from_json.fingerprint() == from_yaml.fingerprint()
    assert Policy.from_dict(data).fingerprint() == from_yaml.fingerprint()
    changed = {**data, "settings": {"predictions_data_collection": {"enabled": False}}}
    assert Policy.from_dict(changed).fingerprint() != from_yaml.fingerprint()


def test_selection_forms() -> None:
    settings = {"challenger_models": {"challenger_models_enabled": False}}
    one = Policy.from_dict({"select": {"ids": "5c6f7a9e9ca9b20017ff95a2"}, "settings": settings})
    assert one.selection.ids == ("5c6f7a9e9ca9b20017ff95a2",)
    every = Policy.from_dict({"select": "all", "settings": {"retraining": {"dataset_id": None}}})
    assert every.selection.everything
    assert every.selection.query() == {}
    assert every.settings == {"retraining": {"dataset_id": None}}
    filters = Policy.from_dict({
        "select": {"service_health": ["failing", "warning"], "is_a2a_agent": False,
                   "championModelTargetType": "Binary", "created_by": ["a", "b"]},
        "settings": {"drift_tracking": {"target_drift_enabled": True}},
    })  # fmt: skip
    assert filters.selection.filters == {
        "serviceHealth": "failing,warning",
        "isA2AAgent": "false",
        "championModelTargetType": "Binary",
        "createdBy": ("a", "b"),
    }


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("select: all\nsettings:\n  drift: {enabled: true}\n", 3, "unknown settings family"),
        ("select: all\nsettings:\n  association_id:\n    columns: [x]\n", 4, "has no field"),
        ("select: all\nsettings:\n  predictions_data_collection:\n    enabled: yes please\n",
         4, "expected true or false"),
        ("select: all\nsettings:\n  prediction_intervals: {percentiles: [80, 90]}\n", 3,
         "at most one percentile"),
        ("select:\n  search: churn\n  colour: red\nsettings:\n  drift_tracking: {}\n", 3,
         "unknown selection key"),
        ("select: all\nsettings:\n  drift_tracking: {}\n", 3, "takes an object of its fields"),
        ("settings:\n  drift_tracking: {target_drift_enabled: true}\n", None,
         "`select` is required"),
        ("select: all\n", None, "`settings` must name"),
        ("select: all\nsettings: {a: 1}\nextra: 2\n", 3, "unknown key 'extra'"),
        ("select: all\nsettings:\n  health:\n    data_drift: {drift_treshold: 0.1}\n", 4,
         "unknown key 'drift_treshold'"),
        ("select: all\nsettings:\n  prediction_warning: {use_default_boundaries: false}\n", 3,
         "needs lower_boundary and upper_boundary"),
        ("select: all\nsettings:\n  predictions_by_forecast_date:\n"
         "    enable_predictions_by_forecast_date: true\n", 3, "enabling needs"),
        ("select: all\nsettings:\n  secondary_dataset_config: {credential_ids: []}\n", 3,
         "secondary_dataset_config_id is required"),
        ("select:\n  ids: [ok, 'a/b']\nsettings: {}\n", 2, "not a valid id"),
        ("select:\n  tags: {team: [a, b]}\nsettings: {}\n", 2, "needs one value"),
        ("select: {}\nsettings: {}\n", 1, "takes filters"),
        ("select: all\nsettings:\n  drift_tracking: {target_drift_enabled: true}\n"
         "  drift_tracking: {feature_drift_enabled: true}\n", 4, "is given twice"),
        ("select: all\nsettings: [\n", 3, "not valid YAML"),
        # values inside a health section are checked too, not only its keys
        ("select: all\nsettings:\n  health:\n    data_drift: {drift_threshold: high}\n", 4,
         "health.data_drift: drift_threshold: expected a number, got 'high'"),
        ("select: all\nsettings:\n  health:\n    data_drift: {drift_threshold: .nan}\n", 4,
         "drift_threshold: expected a finite number"),
        ("select: all\nsettings:\n  health:\n    data_drift: {drift_threshold: [0.2]}\n", 4,
         "drift_threshold: expected a number"),
        ("select: all\nsettings:\n  health:\n    service: {batch_count: 0}\n", 4,
         "batch_count: expected a whole number of 1 or more"),
        ("select: all\nsettings:\n  health:\n    fairness: {protected_class_failing_count: 1.5}\n",
         4, "protected_class_failing_count: expected a whole number"),
        ("select: all\nsettings:\n  health:\n    accuracy: {measurement: vibes}\n", 4,
         "measurement: expected one of percent, value"),
        ("select: all\nsettings:\n  health:\n    data_drift: {excluded_features: x}\n", 4,
         "excluded_features: expected a list"),
        ("select: all\nsettings:\n  health:\n    custom_metrics:\n"
         "      warning_conditions: [{metric_id: m, threshold: 1}]\n", 4,
         "a condition needs compare_operator"),
        ("select: all\nsettings:\n  health:\n    actuals_timeliness: {enabled: 1}\n", 4,
         "enabled: expected true or false"),
        ("- a list\n", None, "a policy is an object"),
    ],
)  # fmt: skip
def test_mistakes_are_refused_with_their_line(
    tmp_path: Path, text: str, line: int | None, problem: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(PolicyError) as refused:
        Policy.from_file(path)
    assert refused.value.line == line
    assert problem in refused.value.problem
    where = f"{path}:{line}" if line else str(path)
    assert str(refused.value).startswith(f"{where}: ")


def test_json_syntax_errors_have_their_line(tmp_path: Path) -> None:
    path = _write(tmp_path, '{\n  "select": "all",\n  "settings": {,}\n}\n', "p.json")
    with pytest.raises(PolicyError, match=r"p\.json:3: not valid JSON"):
        Policy.from_file(path)
    bad = _write(tmp_path, '{"select": "all",\n "settings": {"drift": {}}}', "q.json")
    with pytest.raises(PolicyError, match=r"q\.json:2: unknown settings family"):
        Policy.from_file(bad)


def test_an_unreadable_file_is_a_policy_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read the policy"):
        Policy.from_file(tmp_path / "missing.yaml")
    assert isinstance(PolicyError("x", 1, "y"), ValueError)


def test_a_json_policy_saved_with_a_utf8_bom_loads(tmp_path: Path) -> None:
    """Notepad and PowerShell's ``Out-File -Encoding utf8`` write a byte order mark, which
    JSON used to refuse (``Unexpected UTF-8 BOM``) while YAML policies and CSV plans read it."""
    content = {
        "select": {"search": "churn"},
        "settings": {"drift_tracking": {"target_drift_enabled": True}},
    }
    path = tmp_path / "fleet.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(content, indent=1).encode())
    policy = Policy.from_file(path)
    assert policy.settings == {"drift_tracking": {"target_drift_enabled": True}}
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"\xef\xbb\xbf" + b'{"select": "all",\n "settings": {"drift": {}}}')
    with pytest.raises(PolicyError, match=r"bad\.json:2: unknown settings family"):
        Policy.from_file(bad)  # lines still count from the first line


def test_health_values_are_checked_from_python_too() -> None:
    """The same checks guard ``update_health_settings`` and ``Policy.from_dict``."""
    with pytest.raises(PolicyError, match="drift_threshold: expected a number"):
        Policy.from_dict(
            {"select": "all", "settings": {"health": {"data_drift": {"driftThreshold": "0.2"}}}}
        )
    policy = Policy.from_dict(
        {
            "select": "all",
            "settings": {
                "health": {
                    "custom_metrics": {
                        "warningConditions": [
                            {"metricId": "m", "compareOperator": "gt", "threshold": 2}
                        ]
                    },
                    "accuracy": {"metric": None, "warningThreshold": 4},
                }
            },
        }
    )
    assert policy.settings["health"] == {
        "custom_metrics": {
            "warning_conditions": [{"metric_id": "m", "compare_operator": "gt", "threshold": 2}]
        },
        "accuracy": {"metric": None, "warning_threshold": 4},
    }


SETTINGS = "settings: {drift_tracking: {target_drift_enabled: true}}\n"


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("self.yaml", "a: &a [*a]\n" + SETTINGS),  # an alias inside its own anchor
        ("loop.yaml", "select: &s {ids: *s}\n" + SETTINGS),
        ("deep.yaml", "a: " + "[" * 20000 + "]" * 20000 + "\n"),
        ("deep.json", "[" * 20000 + "]" * 20000),
    ],
)
def test_files_that_refer_to_themselves_or_nest_too_deeply_are_policy_errors(
    tmp_path: Path, name: str, text: str
) -> None:
    # these escaped as a RecursionError traceback from deep inside the reader
    with pytest.raises(PolicyError, match=r"refers to itself|nested too deeply"):
        Policy.from_file(_write(tmp_path, text, name))


def test_aliases_are_read_once_not_once_per_use(tmp_path: Path) -> None:
    # "billion laughs": 10 aliases of 10 aliases ... 25 levels down; reading each alias's
    # key lines again for every use never ended. Aliases still work where they fit.
    levels = ["x0: &x0 [a, a, a, a, a, a, a, a, a, a]"]
    levels += [f"x{i}: &x{i} [" + ", ".join([f"*x{i - 1}"] * 10) + "]" for i in range(1, 25)]
    with pytest.raises(PolicyError, match="x0"):
        Policy.from_file(_write(tmp_path, "\n".join(levels) + "\nselect: all\n" + SETTINGS))
    text = (
        "select: all\nsettings:\n  predictions_data_collection: {enabled: &yes true}\n"
        "  challenger_models: {challenger_models_enabled: *yes}\n"
    )
    policy = Policy.from_file(_write(tmp_path, text))
    assert policy.settings == {
        "predictions_data_collection": {"enabled": True},
        "challenger_models": {"challenger_models_enabled": True},
    }
