"""R3 (caller input): bad ids, unknown reasons, bad deadlines and counts, malformed plans
and journals are refused with ValueError/TypeError (or a CLI usage error, exit 2) before
a single request reaches the server.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import anyio
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import aiodeploy
from aiodeploy import AsyncDeploymentClient, JournalMismatchError, PollPolicy, RetryPolicy
from aiodeploy._journal import Journal, plan_fingerprint
from aiodeploy.cli import main
from aiodeploy.cli._plan import PlanError, load_plan
from aiodeploy.enums import ModelReplacementReason

from .conftest import plan_for
from .strategies import FUZZ

BAD_IDS = [
    "", ".", "..", "a/b", "a?b", "a#b", "a b", "tab\t", "new\nline", "a%2Fb", "%2e%2e",
    "..%2F..%2Fversion", "nul\x00", "del\x7f", "sep\u2028",
]  # fmt: skip
NOT_STRINGS = [None, 123, b"5c6f7a9e9ca9b20017ff95a2", ["x"], 1.5]
# "accuracy " is ACCURACY (check_reason ignores case and surrounding spaces)
BAD_REASONS = ["BECAUSE", "accuracy!", "", "  ", None, 3]
BAD_WAITS = [(-1, ValueError), (math.nan, ValueError), ("10", TypeError), (True, TypeError)]


def requests_seen(emulator) -> int:
    return int(emulator.state.stats.request_count())


@pytest.fixture
def ids(emulator) -> tuple[str, str]:
    dep = emulator.state.live_deployments()[0].id
    return dep, emulator.state.replacement_candidates(dep).passing[0].id


Refusal = type[BaseException] | tuple[type[BaseException], ...]


async def _refused(emulator, call, error: Refusal = (ValueError, TypeError)) -> None:
    before = requests_seen(emulator)
    with pytest.raises(error):
        await call()
    assert requests_seen(emulator) == before, "a request was sent before the refusal"


@pytest.mark.parametrize("bad", [*BAD_IDS, *NOT_STRINGS])
async def test_bad_ids_are_refused_everywhere(client, emulator, ids, bad) -> None:
    dep, model = ids
    for call in (
        lambda: client.get_deployment(bad),
        lambda: client.delete_deployment(bad),
        lambda: client.get_model_history(bad),
        lambda: client.get_drift_tracking_settings(bad),
        lambda: client.update_drift_tracking_settings(bad, target_drift_enabled=True),
        lambda: client.validate_replacement_model(dep, bad),
        lambda: client.replace_model(bad, model),
        lambda: client.replace_model(dep, bad),
        lambda: client.start_model_replacement(dep, bad),
        lambda: client.get_project(bad),
        lambda: client.list_models(bad),
        lambda: client.get_model("p", bad),
        lambda: client.create_deployment_from_learning_model(bad, "label"),
        lambda: client.replace_models([(bad, model)]),
        lambda: client.replace_models([(dep, bad)]),
        lambda: client.bulk_update_drift_tracking_settings([bad], target_drift_enabled=True),
    ):
        await _refused(emulator, call)


@pytest.mark.parametrize("reason", BAD_REASONS)
async def test_unknown_reasons_are_refused(client, emulator, ids, reason) -> None:
    dep, model = ids
    await _refused(emulator, lambda: client.replace_model(dep, model, reason))
    await _refused(emulator, lambda: client.start_model_replacement(dep, model, reason))
    await _refused(emulator, lambda: client.replace_models([(dep, model, reason)]))


@pytest.mark.parametrize(("max_wait", "error"), BAD_WAITS)
async def test_bad_deadlines_are_refused_before_the_change_is_sent(
    client, emulator, ids, max_wait, error
) -> None:
    """A deadline is checked before the mutation: refusing it after the PATCH was sent
    would leave a change running that the caller believes was refused."""
    dep, model = ids
    for call in (
        lambda: client.replace_model(dep, model, max_wait=max_wait),
        lambda: client.update_drift_tracking_settings(
            dep, target_drift_enabled=True, max_wait=max_wait
        ),
        lambda: client.create_deployment_from_learning_model(model, "x", max_wait=max_wait),
        lambda: client.replace_models([(dep, model)], max_wait=max_wait),
        lambda: client.bulk_update_drift_tracking_settings(
            [dep], target_drift_enabled=True, max_wait=max_wait
        ),
        lambda: client.wait_for_job(f"{emulator.endpoint}/status/x/", max_wait=max_wait),
    ):
        await _refused(emulator, call, error)
    assert emulator.state.current_model(dep).id != model


async def test_an_operation_refuses_a_bad_deadline_without_polling(client, emulator, ids):
    dep, model = ids
    op = await client.start_model_replacement(dep, model)
    for max_wait, error in BAD_WAITS:
        await _refused(emulator, lambda: op.wait(max_wait=max_wait), error)  # noqa: B023
    await op.wait()


async def _drain(items) -> list:
    return [item async for item in items]


@pytest.mark.parametrize(
    ("filters", "named"),
    [
        ({"offset": "10"}, {}),  # was read as "the list changed while it was listed"
        ({"limit": "5"}, {}),  # was dropped without a word
        ({"offset": 0, "serviceHealth": "failing"}, {}),
        ({"search": "churn"}, {"search": "fraud"}),  # the argument silently won
        ({"status": "active"}, {"status": "inactive"}),
    ],
)
async def test_filters_that_clash_with_the_listing_are_refused(
    client, emulator, filters, named
) -> None:
    """A filter the listing sets itself (its paging, or an argument given as well) is a
    ValueError, before any request, on every listing that takes ``filters``."""
    search = {"search": named["search"]} if "search" in named else {}
    calls = [
        lambda: client.list_deployments(filters=filters, **named),
        lambda: _drain(client.iter_deployments(filters=filters, **named)),
        lambda: client.fleet_health(filters=filters, **named),
    ]
    if set(named) <= {"search"}:
        calls.append(lambda: client.list_registered_models(filters=filters, **search))
    for call in calls:
        await _refused(emulator, call, ValueError)


async def test_filters_the_listing_does_not_set_are_sent(client, emulator) -> None:
    active = await client.list_deployments(filters={"status": "active"})
    assert active
    assert {d.status for d in active} == {"active"}
    assert await client.list_registered_models(filters={"search": "no such model at all"}) == []


@pytest.mark.parametrize("concurrency", [0, -1, 1.5, True, "4", None])
async def test_bad_concurrency_is_refused(client, emulator, ids, concurrency) -> None:
    dep, model = ids
    await _refused(emulator, lambda: client.replace_models([(dep, model)], concurrency=concurrency))
    await _refused(
        emulator,
        lambda: client.bulk_update_drift_tracking_settings(
            [dep], target_drift_enabled=True, concurrency=concurrency
        ),
    )


async def test_malformed_plans_and_settings_are_refused(client, emulator, ids) -> None:
    dep, model = ids
    for plan in (
        [(dep,)],
        [(dep, model, "OTHER", "extra")],
        [dep],
        [{"deployment_id": dep, "model_id": model}],
        [(dep, model), (dep, model)],
        None,
        [(dep, model, "OTHER"), (dep, model, "ACCURACY")],
    ):
        await _refused(emulator, lambda: client.replace_models(plan))  # noqa: B023
    await _refused(emulator, lambda: client.update_drift_tracking_settings(dep))
    await _refused(
        emulator, lambda: client.update_drift_tracking_settings(dep, target_drift_enabled="yes")
    )
    await _refused(emulator, lambda: client.bulk_update_drift_tracking_settings([dep]))
    await _refused(emulator, lambda: client.create_deployment_from_learning_model(model, " "))
    for token in ("", "{}", "not json", '{"v": 1}', json.dumps([1, 2]), "\xff"):
        with pytest.raises(ValueError, match="token"):
            client.resume_replacement(token)
    assert requests_seen(emulator) == 0


@pytest.mark.parametrize(
    "options",
    [
        {"max_connections": 0},
        {"page_concurrency": 0},
        {"max_in_flight": 0},
        {"requests_per_second": 0},
        {"requests_per_second": -1.0},
        {"max_wait": -1},
        {"max_wait": math.nan},
        {"max_retries": -1},
        {"connect_timeout": 0},
        {"token_type": "Basic"},
        {"endpoint": "ftp://example.com/api/v2"},
        {"endpoint": "not a url"},
    ],
)
def test_bad_client_settings_are_refused(options) -> None:
    settings = {"endpoint": "http://127.0.0.1:9/api/v2", "token": "t", **options}
    with pytest.raises((ValueError, TypeError)):
        AsyncDeploymentClient(**settings)


@pytest.mark.parametrize(
    "make",
    [
        lambda: RetryPolicy(max_attempts=0),
        lambda: RetryPolicy(backoff_base=-1),
        lambda: PollPolicy(factor=0.5),
        lambda: PollPolicy(jitter=1.0),
        lambda: PollPolicy(min_step=0),
    ],
)
def test_bad_policies_are_refused(make) -> None:
    with pytest.raises(ValueError, match=r"must|needs"):
        make()


# -- journals ---------------------------------------------------------------------------


async def test_a_journal_of_another_plan_is_refused_before_any_request(
    client, emulator, tmp_path
) -> None:
    plan = plan_for(emulator)
    journal = tmp_path / "j.jsonl"
    await client.replace_models(plan[:2], journal=journal)
    before = requests_seen(emulator)
    for other in (plan[:3], plan[1:3], list(reversed(plan[:2]))):
        with pytest.raises(JournalMismatchError):
            await client.replace_models(other, journal=journal)
    for garbage in (b"not json\n", b'{"type": "submitted", "index": 0}\n', b"[1, 2]\n"):
        bad = tmp_path / f"bad{len(garbage)}.jsonl"
        bad.write_bytes(garbage)
        with pytest.raises(JournalMismatchError):
            await client.replace_models(plan[:2], journal=bad)
    assert requests_seen(emulator) == before


_RECORD_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(["submitting", "submitted", "finished", "plan", "other"])
        | st.integers(),
        "index": st.integers(-2, 4) | st.text(max_size=2) | st.none() | st.booleans(),
        "token": st.text(max_size=10) | st.integers() | st.none() | st.just({"v": 1}),
        "outcome": st.sampled_from([o.value for o in aiodeploy.Outcome])
        | st.text(max_size=5)
        | st.integers()
        | st.none(),
        "error": st.text(max_size=5) | st.integers() | st.none(),
        "checks": st.none() | st.just({"x": {"status": "failing"}}) | st.integers() | st.text(),
    },
)


@FUZZ
@given(records=st.lists(_RECORD_FIELDS, max_size=6), tail=st.binary(max_size=8))
@example(records=[{"type": "finished", "index": 0, "outcome": ""}], tail=b"")
@example(records=[{"type": "submitted", "index": 0, "token": 123}], tail=b"")
@example(records=[{"type": "submitted", "index": 1}], tail=b"")
@example(records=[{"type": "finished", "index": True, "outcome": "replaced"}], tail=b"")
@example(records=[{"type": "finished", "index": 0, "outcome": "failed", "error": 1}], tail=b"")
async def test_a_corrupt_journal_is_refused_when_opened(tmp_path_factory, records, tail) -> None:
    """Whatever a journal holds, opening it either refuses it or yields item states of the
    types the rollout relies on (a token is a string, an outcome is an outcome)."""
    path = tmp_path_factory.mktemp("journal") / "j.jsonl"
    plan = [("d0", "m0"), ("d1", "m1"), ("d2", "m2")]
    header = {"type": "plan", "version": 1, "plan": plan_fingerprint(plan), "items": 3}
    lines = [json.dumps(header)] + [json.dumps(r) for r in records]
    path.write_bytes(("\n".join(lines) + "\n").encode() + tail)
    try:
        journal = await Journal.open(path, plan_fingerprint(plan), 3)
    except JournalMismatchError:
        return
    try:
        outcomes = {o.value for o in aiodeploy.Outcome}
        for state in journal.items.values():
            assert state.token is None or isinstance(state.token, str), state
            assert state.outcome is None or state.outcome in outcomes, state
            assert state.error is None or isinstance(state.error, str), state
            assert state.checks is None or isinstance(state.checks, dict), state
    finally:
        await journal.aclose()


# -- the CLI ----------------------------------------------------------------------------


def _header(rows: list[str]) -> str:
    return "deployment_id,model_id,reason\n" + "".join(row + "\n" for row in rows)


def malformed_plans(dep: str, model: str) -> dict[str, bytes]:
    good = f"{dep},{model},ACCURACY"
    return {
        "empty.csv": b"",
        "header-only.csv": _header([]).encode(),
        "bad-id.csv": _header([f"a/b,{model},OTHER"]).encode(),
        "percent-id.csv": _header([f"%2e%2e,{model},OTHER"]).encode(),
        "bad-reason.csv": _header([f"{dep},{model},BECAUSE"]).encode(),
        "twice.csv": _header([good, good]).encode(),
        "short-row.csv": _header([dep]).encode(),
        "long-row.csv": _header([good + ",extra"]).encode(),
        "unknown-column.csv": f"deployment_id,model_id,colour\n{dep},{model},red\n".encode(),
        "stray-quote.csv": _header([f'"{dep},{model},OTHER']).encode(),
        "nul.csv": _header([f"{dep}\x00,{model},OTHER"]).encode(),
        "latin1.csv": _header([f"{dep},{model},OTHER"]).encode() + b"caf\xe9\n",
        "utf16.csv": _header([good]).encode("utf-16"),
        "html.csv": b"<html><body>Sign in</body></html>",
        "truncated.jsonl": json.dumps({"deployment_id": dep, "model_id": model}).encode()[:-3],
        "not-object.jsonl": b"[1, 2]\n",
        "number-id.jsonl": json.dumps({"deployment_id": 12, "model_id": model}).encode(),
        "huge-number.jsonl": b'{"deployment_id": ' + b"9" * 5000 + b', "model_id": "m"}',
        "deep.jsonl": b"[" * 100_000 + b"]" * 100_000,
        "deep-object.jsonl": b'{"deployment_id": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        "missing-key.jsonl": json.dumps({"deployment_id": dep}).encode(),
        "extra-key.jsonl": json.dumps({"deployment_id": dep, "model_id": model, "x": 1}).encode(),
    }


async def _cli(*argv: str) -> tuple[int, str, str]:
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()

    def run() -> int:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            return main(list(argv))

    code = await anyio.to_thread.run_sync(run)
    return code, out.getvalue(), err.getvalue()


async def test_malformed_plan_files_are_usage_errors_before_any_request(
    emulator, ids, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    dep, model = ids
    connect = ["--endpoint", emulator.endpoint, "--token", emulator.token]
    for name, content in malformed_plans(dep, model).items():
        plan = tmp_path / name
        plan.write_bytes(content)
        code, out, err = await _cli("rollout", str(plan), *connect)
        assert code == 2, (name, out, err)
        assert "Traceback" not in err, name
        assert str(plan) in err, (name, err)
    assert requests_seen(emulator) == 0


async def test_cli_usage_errors_send_nothing(emulator, ids, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    dep, model = ids
    connect = ["--endpoint", emulator.endpoint, "--token", emulator.token]
    plan = tmp_path / "plan.csv"
    plan.write_text(_header([f"{dep},{model},OTHER"]))
    other = tmp_path / "other.csv"
    other.write_text(_header([f"{dep},{model},ACCURACY"]))
    journal = tmp_path / "j.jsonl"
    opened = await Journal.open(journal, plan_fingerprint(load_plan(other)), 1)
    await opened.aclose()
    for argv in (
        ["rollout", str(plan), "--concurrency", "0"],
        ["rollout", str(plan), "--concurrency", "many"],
        ["rollout", str(plan), "--max-wait", "-1"],
        ["rollout", str(plan), "--max-wait", "nan"],
        ["rollout", str(plan), "--journal", str(journal)],  # another plan's journal
        ["rollout", str(tmp_path / "missing.csv")],
        ["replace", "a/b", model, "--reason", "OTHER"],
        ["replace", dep, "%2e%2e", "--reason", "OTHER"],
        ["replace", dep, model, "--reason", "BECAUSE"],
        ["validate", dep, ""],
        ["deployments", "get", "a b"],
        ["drift", "set", dep, "--target", "maybe"],
    ):
        code, out, err = await _cli(*argv, *connect)
        assert code == 2, (argv, out, err)
        assert "Traceback" not in err
    assert requests_seen(emulator) == 0


@FUZZ
@given(content=st.binary(max_size=300), suffix=st.sampled_from([".csv", ".jsonl", ".txt"]))
def test_plan_loader_raises_only_plan_errors(tmp_path_factory, content, suffix) -> None:
    path: Path = tmp_path_factory.mktemp("plan") / f"plan{suffix}"
    path.write_bytes(content)
    refusal: str | None = None
    try:
        plan = load_plan(path)
    except PlanError as exc:
        refusal = str(exc)
    if refusal is not None:
        assert str(path) in refusal  # it names the file
        return
    assert plan
    assert all(isinstance(r.reason, ModelReplacementReason) for r in plan)
