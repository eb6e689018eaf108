"""The rollout journal's file format and recovery from torn writes."""

from __future__ import annotations

import json

import pytest

from aiodeploy import JournalMismatchError
from aiodeploy._journal import Journal, plan_fingerprint

PLAN = [("d1", "m1", "OTHER"), ("d2", "m2", "OTHER")]


async def test_records_round_trip(tmp_path) -> None:
    path = tmp_path / "j.jsonl"
    journal = await Journal.open(path, plan_fingerprint(PLAN), 2)
    await journal.append({"type": "submitting", "index": 0})
    await journal.append({"type": "submitted", "index": 0, "token": "t"})
    await journal.append({"type": "finished", "index": 1, "outcome": "failed", "error": "x"})
    await journal.aclose()
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines[0] == {"type": "plan", "version": 1, "plan": plan_fingerprint(PLAN), "items": 2}
    again = await Journal.open(path, plan_fingerprint(PLAN), 2)
    assert again.items[0].submitting
    assert again.items[0].token == "t"
    assert (again.items[1].outcome, again.items[1].error) == ("failed", "x")
    await again.aclose()


async def test_a_torn_last_line_is_dropped_and_truncated(tmp_path) -> None:
    path = tmp_path / "j.jsonl"
    journal = await Journal.open(path, plan_fingerprint(PLAN), 2)
    await journal.append({"type": "submitting", "index": 0})
    await journal.aclose()
    with path.open("ab") as handle:
        handle.write(b'{"type": "submitted", "ind')  # the process died mid-write
    again = await Journal.open(path, plan_fingerprint(PLAN), 2)
    assert again.items[0].token is None
    await again.append({"type": "finished", "index": 0, "outcome": "replaced"})
    await again.aclose()
    assert all(json.loads(line) for line in path.read_text().splitlines())


@pytest.mark.parametrize(
    "content",
    [
        b"not json at all\n",
        b'{"type": "finished", "index": 0}\n',  # no plan header
        b'{"type": "plan", "plan": "other", "items": 2}\n',
        b'{"type": "plan", "plan": "%s", "items": 2}\n{"type": "x", "index": 0}\n',
        b'{"type": "plan", "plan": "%s", "items": 2}\n{"type": "finished", "index": 7}\n',
    ],
)
async def test_foreign_or_corrupt_journals_are_refused(tmp_path, content) -> None:
    path = tmp_path / "j.jsonl"
    path.write_bytes(content.replace(b"%s", plan_fingerprint(PLAN).encode()))
    with pytest.raises(JournalMismatchError):
        await Journal.open(path, plan_fingerprint(PLAN), 2)


async def test_an_empty_file_becomes_a_new_journal(tmp_path) -> None:
    path = tmp_path / "j.jsonl"
    path.write_bytes(b"")
    journal = await Journal.open(path, plan_fingerprint(PLAN), 2)
    await journal.aclose()
    assert json.loads(path.read_text())["type"] == "plan"


def test_the_fingerprint_depends_on_items_and_order() -> None:
    assert plan_fingerprint(PLAN) != plan_fingerprint(PLAN[::-1])
    assert plan_fingerprint(PLAN) == plan_fingerprint([list(i) for i in PLAN])
