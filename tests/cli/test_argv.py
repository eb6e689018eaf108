"""Option values that start with ``-``, and reasons in any case, on the command line."""

from __future__ import annotations

import json

import pytest

from aiodeploy.cli._argv import glue_dash_values, option_strings
from aiodeploy.cli._parser import build_parser, parse

DEP = "a" * 24
MODEL = "b" * 24


@pytest.mark.parametrize(
    ("argv", "name", "value"),
    [
        (["deployments", "list", "--order-by", "-createdAt"], "order_by", "-createdAt"),
        (["deployments", "list", "--order-by=-label"], "order_by", "-label"),
        (["deployments", "list", "--search", "-beta"], "search", "-beta"),
        (["--token", "-t0ken", "deployments", "list"], "token", "-t0ken"),
        (["deployments", "get", DEP, "--token", "-t0ken"], "token", "-t0ken"),
        (["rollout", "p.csv", "--journal", "-j.jsonl"], "journal", "-j.jsonl"),
        (["emulator", "--token", "-served"], "token", "-served"),
        (["deployments", "list", "--search", "-"], "search", "-"),
    ],
)  # fmt: skip
def test_a_value_may_start_with_a_dash(argv: list[str], name: str, value: str) -> None:
    args = parse(build_parser(), argv)
    assert getattr(args, name) == value


def test_a_missing_value_is_still_an_error(capsys) -> None:
    parser = build_parser()
    for argv in (
        ["deployments", "list", "--search", "--json"],
        ["deployments", "list", "--order-by", "--status=active"],
        ["deployments", "list", "--order-by"],
    ):
        with pytest.raises(SystemExit) as info:
            parse(parser, argv)
        assert info.value.code == 2
        assert "expected one argument" in capsys.readouterr().err


def test_words_after_a_double_dash_and_flags_are_left_alone() -> None:
    parser = build_parser()
    words = ["--json", "-x", "deployments", "get", "--order-by", "--", "--search", "-y"]
    assert glue_dash_values(parser, words) == words
    valued, known = option_strings(parser)
    assert {"--order-by", "--search", "--token", "--journal", "--reason", "--limit"} <= valued
    assert not {"--json", "--yes", "--dry-run", "-h", "--help"} & valued
    assert valued <= known


@pytest.mark.parametrize("reason", ["accuracy", " Data_Drift ", "OTHER"])
def test_reason_in_any_case(reason: str) -> None:
    args = parse(build_parser(), ["replace", DEP, MODEL, "--reason", reason])
    assert args.reason.value == reason.strip().upper()


def test_an_unknown_reason_lists_the_allowed_ones(capsys) -> None:
    with pytest.raises(SystemExit):
        parse(build_parser(), ["replace", DEP, MODEL, "--reason", "because"])
    err = capsys.readouterr().err
    assert "unknown replacement reason 'because'" in err
    assert "SCHEDULED_REFRESH" in err


async def test_order_by_descending_reaches_the_server(cli, emulator) -> None:
    ascending = await cli("deployments", "list", "--order-by", "label", "--json")
    descending = await cli("deployments", "list", "--order-by", "-label", "--json")
    assert (ascending.code, descending.code) == (0, 0)
    labels = [d["label"] for d in json.loads(ascending.out)]
    assert labels == sorted(labels, key=str.casefold)
    assert [d["label"] for d in json.loads(descending.out)] == labels[::-1]
    newest = await cli("deployments", "list", "--order-by", "-createdAtTimestamp", "--json")
    assert newest.code == 0, newest.err
    created = [d["created_at"] for d in json.loads(newest.out)]
    assert created == sorted(created, reverse=True)
