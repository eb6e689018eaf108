"""The rollout journal's file format and recovery from torn writes."""

from __future__ import annotations

import errno
import json
import os
import sys
import threading

import anyio
import pytest

from aiodeploy import ItemResult, JournalInUseError, JournalMismatchError, Outcome
from aiodeploy._journal import Journal, operation_fingerprint, plan_fingerprint
from aiodeploy._journaled import run_journaled

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


def _failing_fsync(monkeypatch, *, hold_first: threading.Event | None = None):
    """Make the next fsyncs: the first wait for ``hold_first`` (if given), the next one
    fail as a full disk does, the rest work."""
    real, calls = os.fsync, []

    def fsync(fd: int) -> None:
        calls.append(fd)
        if hold_first is not None and len(calls) == 1:
            assert hold_first.wait(10), "the test never let the first write finish"
        elif len(calls) == (2 if hold_first is not None else 1):
            raise OSError(errno.ENOSPC, "No space left on device")
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    return calls


async def test_a_failed_group_commit_is_not_reported_durable_to_the_writers_it_carried(
    tmp_path, monkeypatch
) -> None:
    # Two appends queue behind a commit in progress; the next commit carries both lines
    # and fails (disk full). Each of its writers must get the error: before, the one that
    # did not run the commit committed an empty batch, was told its line was on disk, and
    # went on to act on it.
    path = tmp_path / "j.jsonl"
    journal = await Journal.open(path, plan_fingerprint(PLAN), 3)
    gate = threading.Event()
    _failing_fsync(monkeypatch, hold_first=gate)
    outcome: dict[int, str] = {}

    async def append(index: int) -> None:
        try:
            await journal.append({"type": "submitting", "index": index})
            outcome[index] = "durable"
        except OSError as exc:
            outcome[index] = f"error {exc.errno}"

    async with anyio.create_task_group() as tg:
        tg.start_soon(append, 0)
        await anyio.wait_all_tasks_blocked()  # the first commit is under way
        tg.start_soon(append, 1)
        tg.start_soon(append, 2)
        await anyio.wait_all_tasks_blocked()  # both lines queued behind it
        gate.set()
    await journal.aclose()
    failed = f"error {errno.ENOSPC}"
    assert outcome == {0: "durable", 1: failed, 2: failed}
    written = [json.loads(line) for line in path.read_text().splitlines()[1:]]
    assert written == [{"type": "submitting", "index": 0}]


async def test_a_failed_write_leaves_nothing_behind_for_later_writes(tmp_path, monkeypatch) -> None:
    # The lines of a write whose fsync failed were reported lost: they must not be in the
    # journal after the next write succeeds (a resumed run would read them as done).
    path = tmp_path / "j.jsonl"
    journal = await Journal.open(path, plan_fingerprint(PLAN), 2)
    calls = _failing_fsync(monkeypatch)
    with pytest.raises(OSError, match="No space left"):
        await journal.append({"type": "finished", "index": 0, "outcome": "replaced"})
    await journal.append({"type": "submitting", "index": 1})
    await journal.aclose()
    assert len(calls) == 2
    again = await Journal.open(path, plan_fingerprint(PLAN), 2)
    await again.aclose()
    assert 0 not in again.items
    assert again.items[1].submitting


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


# -- one server, one run (issue 10, kind 7) ----------------------------------------------

ORIGIN = "https://app.datarobot.com:443"


async def test_a_journal_of_another_server_is_refused(tmp_path) -> None:
    path = tmp_path / "j.jsonl"
    journal = await Journal.open(path, plan_fingerprint(PLAN), 2, origin=ORIGIN)
    await journal.aclose()
    assert json.loads(path.read_text().splitlines()[0])["origin"] == ORIGIN
    with pytest.raises(JournalMismatchError, match="was written against"):
        await Journal.open(path, plan_fingerprint(PLAN), 2, origin="http://127.0.0.1:8080")
    again = await Journal.open(path, plan_fingerprint(PLAN), 2, origin=ORIGIN)
    await again.aclose()


async def test_a_journal_from_before_origins_were_recorded_still_resumes(tmp_path) -> None:
    path = tmp_path / "j.jsonl"
    journal = await Journal.open(path, plan_fingerprint(PLAN), 2)  # no origin in the header
    await journal.aclose()
    again = await Journal.open(path, plan_fingerprint(PLAN), 2, origin=ORIGIN)
    await again.aclose()


async def test_a_journal_in_use_is_refused_until_it_is_closed(tmp_path) -> None:
    path = tmp_path / "j.jsonl"
    first = await Journal.open(path, plan_fingerprint(PLAN), 2, origin=ORIGIN)
    with pytest.raises(JournalInUseError, match="in use by another run"):
        await Journal.open(path, plan_fingerprint(PLAN), 2, origin=ORIGIN)
    await first.aclose()
    second = await Journal.open(path, plan_fingerprint(PLAN), 2, origin=ORIGIN)
    await second.aclose()


def test_another_process_cannot_take_a_journal_in_use(tmp_path) -> None:
    path = tmp_path / "j.jsonl"
    probe = (
        "import anyio, sys\n"
        "from aiodeploy._journal import Journal\n"
        "from aiodeploy.errors import JournalInUseError\n"
        "try:\n"
        f"    anyio.run(Journal.open, {str(path)!r}, {plan_fingerprint(PLAN)!r}, 2)\n"
        "except JournalInUseError:\n"
        "    sys.exit(3)\n"
    )

    async def hold_and_probe() -> int:
        journal = await Journal.open(path, plan_fingerprint(PLAN), 2)
        try:
            done = await anyio.run_process([sys.executable, "-c", probe], check=False)
        finally:
            await journal.aclose()
        return done.returncode

    assert anyio.run(hold_and_probe) == 3


# -- run_journaled: resumable idempotent bulk operations --------------------------------


async def test_run_journaled_takes_over_what_ended_well_and_reruns_the_rest(tmp_path) -> None:
    items = ["d1", "d2", "d3"]
    fingerprint = operation_fingerprint("update", {"importance": "HIGH"}, items)
    calls: list[str] = []

    def work_failing(*failing: str):
        async def work(index: int, item: str) -> ItemResult[str]:
            calls.append(item)
            ok = item not in failing
            return ItemResult(item, Outcome.UPDATED if ok else Outcome.FAILED)

        return work

    path = tmp_path / "bulk.jsonl"
    first = await run_journaled(
        items, work_failing("d2"), journal=path, fingerprint=fingerprint, origin=ORIGIN
    )
    assert [i.outcome for i in first.items] == [Outcome.UPDATED, Outcome.FAILED, Outcome.UPDATED]
    calls.clear()
    second = await run_journaled(
        items, work_failing(), journal=path, fingerprint=fingerprint, origin=ORIGIN
    )
    assert calls == ["d2"]  # only what did not end well runs again
    assert [i.resumed for i in second.items] == [True, False, True]
    assert second.ok
    other = operation_fingerprint("update", {"importance": "LOW"}, items)
    with pytest.raises(JournalMismatchError):
        await run_journaled(items, work_failing(), journal=path, fingerprint=other, origin=ORIGIN)


def test_an_operation_fingerprint_depends_on_what_how_and_which() -> None:
    base = operation_fingerprint("update", {"a": 1, "b": 2}, ["d1", "d2"])
    assert base == operation_fingerprint("update", {"b": 2, "a": 1}, ["d1", "d2"])
    assert base != operation_fingerprint("activate", {"a": 1, "b": 2}, ["d1", "d2"])
    assert base != operation_fingerprint("update", {"a": 1, "b": 3}, ["d1", "d2"])
    assert base != operation_fingerprint("update", {"a": 1, "b": 2}, ["d2", "d1"])


async def test_a_patch_resent_after_a_crash_keeps_what_the_deployment_served_before(
    tmp_path,
) -> None:
    # a guarded rollout rolls back to `previous_*`; a resent PATCH's record does not know it
    path = tmp_path / "j.jsonl"
    journal = await Journal.open(path, plan_fingerprint(PLAN), 2)
    first = {"type": "submitting", "index": 0, "previous_model_id": "old"}
    first["previous_version_id"] = "v1"
    await journal.append(first)
    await journal.append({"type": "submitting", "index": 0, "model_id": "m1"})
    assert (journal.items[0].previous_model_id, journal.items[0].previous_version_id) == (
        "old", "v1",
    )  # fmt: skip
    await journal.aclose()
    again = await Journal.open(path, plan_fingerprint(PLAN), 2)
    assert (again.items[0].previous_model_id, again.items[0].previous_version_id) == ("old", "v1")
    await again.aclose()


async def test_wave_and_rollback_records_round_trip(tmp_path) -> None:
    path = tmp_path / "j.jsonl"
    journal = await Journal.open(path, plan_fingerprint(PLAN), 2)
    await journal.append({"type": "wave", "wave": 0, "since": 1700000000.5})
    await journal.append({"type": "wave", "wave": 0, "verdict": "fail", "failing": {"d1": "x"}})
    await journal.append({"type": "rollback", "index": 0, "step": "submitting"})
    await journal.append({"type": "rollback", "index": 0, "step": "submitted", "token": "t"})
    await journal.aclose()
    again = await Journal.open(path, plan_fingerprint(PLAN), 2)
    wave = again.waves[0]
    assert (wave.baking_since, wave.verdict, wave.failing) == (1700000000.5, "fail", {"d1": "x"})
    assert (again.items[0].rollback, again.items[0].rollback_token) == ("submitted", "t")
    await again.append(
        {"type": "rollback", "index": 0, "step": "finished", "outcome": "rolled_back"}
    )
    assert (again.items[0].rollback, again.items[0].rollback_token) == ("finished", "t")
    assert again.items[0].rollback_outcome == "rolled_back"
    await again.aclose()
    path.write_text(path.read_text() + '{"type": "wave", "wave": 0, "verdict": "maybe"}\n')
    with pytest.raises(JournalMismatchError, match="malformed wave record"):
        await Journal.open(path, plan_fingerprint(PLAN), 2)
