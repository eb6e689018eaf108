"""Reading plans: both formats, sniffing, and a file:line usage error for each mistake."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aiodeploy import ReplacementRequest
from aiodeploy.cli._plan import PlanError, load_plan, plan_format

DEP_A, DEP_B = "a" * 24, "b" * 24
MODEL = "c" * 24


def test_csv_with_and_without_reason(tmp_path: Path) -> None:
    plan = tmp_path / "plan.csv"
    plan.write_text(
        f"\ufeffdeployment_id,model_id,reason\n{DEP_A},{MODEL},accuracy\n\n {DEP_B} ,{MODEL},\n"
    )
    assert load_plan(plan) == [
        ReplacementRequest(DEP_A, MODEL, "ACCURACY"),
        ReplacementRequest(DEP_B, MODEL, "OTHER"),
    ]
    short = tmp_path / "short.csv"
    short.write_text(f"model_id,deployment_id\r\n{MODEL},{DEP_A}\r\n")
    assert load_plan(short) == [ReplacementRequest(DEP_A, MODEL, "OTHER")]


def test_jsonl_and_sniffing(tmp_path: Path) -> None:
    text = (
        f'{{"deployment_id": "{DEP_A}", "model_id": "{MODEL}", "reason": "DATA_DRIFT"}}\n'
        "\n"
        f'{{"deployment_id": "{DEP_B}", "model_id": "{MODEL}", "reason": null}}\n'
    )
    expected = [
        ReplacementRequest(DEP_A, MODEL, "DATA_DRIFT"),
        ReplacementRequest(DEP_B, MODEL, "OTHER"),
    ]
    for name in ("plan.jsonl", "plan.ndjson", "plan.txt"):
        (tmp_path / name).write_text(text)
        assert load_plan(tmp_path / name) == expected
    (tmp_path / "plan").write_text(f"deployment_id,model_id\n{DEP_A},{MODEL}\n")
    assert load_plan(tmp_path / "plan") == [ReplacementRequest(DEP_A, MODEL)]
    assert plan_format(Path("x.CSV"), "{") == "csv"
    assert plan_format(Path("x.data"), "  {") == "jsonl"


def _jsonl(**fields: object) -> str:
    return json.dumps(fields) + "\n"


BAD_PLANS = [
    (
        "p.csv",
        "deployment_id,reason\nx,OTHER\n",
        ":1: missing column \"'registered_model_version_id' or 'model_id'\"",
    ),
    ("p.csv", "deployment_id,model_id,why\nx,y,z\n", ":1: unknown column 'why'"),
    ("p.csv", "deployment_id,model_id,model_id\n", ":1: a column is named twice"),
    ("p.csv", f"deployment_id,model_id\n{DEP_A},{MODEL}\n,{MODEL}\n", ":3: empty deployment_id"),
    (
        "p.csv",
        f"deployment_id,model_id\n{DEP_A},\n",
        ":2: give exactly one of registered_model_version_id and model_id",
    ),
    ("p.csv", f"deployment_id,model_id\n{DEP_A},{MODEL},x\n", ":2: expected 2 fields"),
    ("p.csv", f"deployment_id,model_id,reason\n{DEP_A},{MODEL},BECAUSE\n", ":2: unknown"),
    ("p.csv", f"deployment_id,model_id\na/b,{MODEL}\n", ":2: deployment_id 'a/b'"),
    (
        "p.csv",
        f"deployment_id,model_id\n{DEP_A},{MODEL}\n{DEP_B},{MODEL}\n{DEP_A},{MODEL}\n",
        f":4: deployment {DEP_A} appears twice (first on line 2)",
    ),
    ("p.csv", "deployment_id,model_id\n", ": the plan has no items"),
    ("p.csv", "\n\n", ": the plan is empty"),
    ("p.jsonl", _jsonl(deployment_id=DEP_A, model_id=MODEL) + "{oops\n", ":2: not valid JSON"),
    ("p.jsonl", '["a", "b"]\n', ":1: expected a JSON object, found list"),
    (
        "p.jsonl",
        _jsonl(deployment_id=DEP_A),
        ":1: missing key \"'registered_model_version_id' or 'model_id'\"",
    ),
    ("p.jsonl", _jsonl(deployment_id=DEP_A, model_id=7), ":1: model_id must be a string"),
    ("p.jsonl", _jsonl(deployment_id=DEP_A, model_id=MODEL, x="1"), ":1: unknown key 'x'"),
    ("p.jsonl", _jsonl(deployment_id=DEP_A, model_id=MODEL, reason="NO"), ":1: unknown repl"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "text", "message"), BAD_PLANS)
def test_malformed_plans_name_the_file_and_line(tmp_path, name, text, message) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(PlanError) as info:
        load_plan(path)
    assert str(info.value).startswith(f"{path}:" if ":" in message[:3] else str(path))
    assert message in str(info.value)


def test_unreadable_plans(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match=r"missing\.csv: cannot read the plan: No such file"):
        load_plan(tmp_path / "missing.csv")
    with pytest.raises(PlanError, match="cannot read the plan"):
        load_plan(tmp_path)
    binary = tmp_path / "plan.csv"
    binary.write_bytes(b"deployment_id,model_id\n\xff\xfe\n")
    with pytest.raises(PlanError, match="not UTF-8"):
        load_plan(binary)
    quote = tmp_path / "quote.csv"
    quote.write_text('deployment_id,model_id\n"a"b,c\n')
    with pytest.raises(PlanError, match=r"quote\.csv:2: not valid CSV"):
        load_plan(quote)
