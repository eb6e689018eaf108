"""The rollout journal's file format and recovery from torn writes."""

from __future__ import annotations

import errno
import itertools
import json
import os
import re
import sys
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

import anyio
import anyio.lowlevel
import pytest

from aiodeploy import ItemResult, JournalInUseError, JournalMismatchError, Outcome
from aiodeploy._bulk import BulkEvent
from aiodeploy._group_commit import GroupCommit
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


def test_a_failed_write_whose_cut_back_fails_too_raises_the_writes_error(
    tmp_path, monkeypatch
) -> None:
    # the writer must learn why its line is not on disk, not how the clean-up went
    path = tmp_path / "j.jsonl"
    full = OSError(errno.ENOSPC, "No space left on device")

    def fail(error: OSError) -> Callable[..., None]:
        def raise_(*args: object) -> None:
            raise error

        return raise_

    with path.open("a+b") as handle:
        commit = GroupCommit(handle)
        monkeypatch.setattr(os, "fsync", fail(full))
        monkeypatch.setattr(os, "ftruncate", fail(OSError(errno.EIO, "I/O error")))
        with pytest.raises(OSError, match="No space left") as info:
            commit.write_sync([b"{}\n"])
    assert info.value is full


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
    await journal.append({"type": "wave", "wave": 1, "verdict": "pass"})
    await journal.append({"type": "rollback", "index": 0, "step": "submitting"})
    await journal.append({"type": "rollback", "index": 0, "step": "submitted", "token": "t"})
    await journal.aclose()
    again = await Journal.open(path, plan_fingerprint(PLAN), 2)
    wave = again.waves[0]
    assert (wave.baking_since, wave.verdict, wave.failing) == (1700000000.5, "fail", {"d1": "x"})
    assert (again.waves[1].verdict, again.waves[1].failing) == ("pass", {})
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


# -- what the file holds, and what a foreign or damaged one is refused for --------------


def test_fingerprints_are_32_hex_digits() -> None:
    # stored in every journal's header: another length would refuse every existing journal
    for fingerprint in (plan_fingerprint(PLAN), operation_fingerprint("update", {}, ["d1"])):
        assert len(fingerprint) == 32
        int(fingerprint, 16)


async def test_an_open_journal_knows_its_path(tmp_path) -> None:
    path = tmp_path / "j.jsonl"
    journal = await Journal.open(path, plan_fingerprint(PLAN), 2)
    assert journal.path == path
    assert repr(journal) == f"<Journal {str(path)!r}>"
    await journal.aclose()


async def test_validation_checks_of_a_finished_item_survive_a_reopen(tmp_path) -> None:
    path = tmp_path / "j.jsonl"
    checks = {"notCurrentModel": {"status": "failing", "message": "already deployed"}}
    journal = await Journal.open(path, plan_fingerprint(PLAN), 2)
    await journal.append(
        {
            "type": "finished",
            "index": 1,
            "outcome": "refused_validation",
            "error": None,
            "checks": checks,
        }
    )
    await journal.aclose()
    again = await Journal.open(path, plan_fingerprint(PLAN), 2)
    assert (again.items[1].outcome, again.items[1].checks) == ("refused_validation", checks)
    await again.aclose()


PLAN_HEADER = b'{"type": "plan", "plan": "%s", "items": 2}\n'
MALFORMED = "has a malformed finished record"


@pytest.mark.parametrize(
    ("record", "match"),
    [
        (b'{"type": "submitting", "index": 2}', "has a record for no item of this plan"),
        (b'{"type": "submitting", "index": -1}', "has a record for no item of this plan"),
        (b'{"type": "submitting", "index": "0"}', "has a record for no item of this plan"),
        (b'{"type": "submitting", "index": true}', "has a record for no item of this plan"),
        (b'{"type": "submitting"}', "has a record for no item of this plan"),
        (b'{"type": "submitted", "index": 0}', "has a submitted record without a token"),
        (b'{"type": "submitted", "index": 0, "token": 7}', "has a submitted record without"),
        (b'{"type": "finished", "index": 0, "outcome": "exploded"}', "has a malformed finished"),
        (
            b'{"type": "finished", "index": 0, "outcome": "failed", "error": 5}',
            "has a malformed fini",
        ),
        (
            b'{"type": "finished", "index": 0, "outcome": "updated", "checks": []}',
            "has a malformed",
        ),
        (b'{"type": "paused", "index": 0}', "has a record of unknown type"),
        (b'{"type": "submitting", "index": 0, "previous_model_id": 5}', "has a malformed submi"),
        (b'{"type": "rollback", "index": 0, "step": "paused"}', "has a malformed rollback"),
        (
            b'{"type": "rollback", "index": 0, "step": "finished", "outcome": "exploded"}',
            "has a malformed rollback record",
        ),
        (b'{"type": "wave", "wave": -1}', "has a malformed wave record"),
        (b'{"type": "wave", "wave": 1.5}', "has a malformed wave record"),
        (b'{"type": "wave", "wave": true}', "has a malformed wave record"),
        (b"[1, 2", "has a malformed line"),
    ],
)
async def test_each_damaged_record_is_refused_naming_the_file(tmp_path, record, match) -> None:
    path = tmp_path / "j.jsonl"
    path.write_bytes(PLAN_HEADER.replace(b"%s", plan_fingerprint(PLAN).encode()) + record + b"\n")
    with pytest.raises(JournalMismatchError, match=f"^{re.escape(str(path))} {match}"):
        await Journal.open(path, plan_fingerprint(PLAN), 2)


@pytest.mark.parametrize(
    ("header", "match"),
    [
        (b'{"type": "finished", "index": 0}', "is not a rollout journal"),
        (b'{"type": "plan", "plan": "other", "items": 2}', "is the journal of another plan"),
        (b'{"type": "plan", "plan": "%s", "items": 3}', "is the journal of another plan"),
        (b"not json", "has a malformed line"),
    ],
)
async def test_a_foreign_header_is_refused_naming_the_file(tmp_path, header, match) -> None:
    path = tmp_path / "j.jsonl"
    path.write_bytes(header.replace(b"%s", plan_fingerprint(PLAN).encode()) + b"\n")
    with pytest.raises(JournalMismatchError, match=f"^{re.escape(str(path))} {match}"):
        await Journal.open(path, plan_fingerprint(PLAN), 2)


async def test_another_servers_journal_is_refused_with_both_servers_named(tmp_path) -> None:
    path = tmp_path / "j.jsonl"
    journal = await Journal.open(path, plan_fingerprint(PLAN), 2, origin=ORIGIN)
    await journal.aclose()
    expected = (
        f"^{re.escape(str(path))} was written against {re.escape(ORIGIN)}, not "
        r"http://127\.0\.0\.1:8080; a journal belongs to one server: use a new journal file$"
    )
    with pytest.raises(JournalMismatchError, match=expected):
        await Journal.open(path, plan_fingerprint(PLAN), 2, origin="http://127.0.0.1:8080")


async def test_a_journal_in_use_is_refused_naming_the_file(tmp_path) -> None:
    path = tmp_path / "j.jsonl"
    first = await Journal.open(path, plan_fingerprint(PLAN), 2)
    with pytest.raises(JournalInUseError, match=f"^{re.escape(str(path))} is in use"):
        await Journal.open(path, plan_fingerprint(PLAN), 2)
    await first.aclose()


async def test_a_record_for_no_item_is_refused_before_it_is_written(tmp_path) -> None:
    path = tmp_path / "j.jsonl"
    journal = await Journal.open(path, plan_fingerprint(PLAN), 2)
    with pytest.raises(JournalMismatchError, match=f"^{re.escape(str(path))} has a record for"):
        await journal.append({"type": "submitting", "index": "x"})
    await journal.aclose()
    assert len(path.read_text().splitlines()) == 1  # the header alone


# -- group commit ---------------------------------------------------------------------


async def test_concurrent_appends_share_one_write_and_fsync(tmp_path, monkeypatch) -> None:
    path = tmp_path / "j.jsonl"
    journal = await Journal.open(path, plan_fingerprint(PLAN * 5), 10)
    fsyncs: list[int] = []
    real_fsync = os.fsync

    def counting_fsync(fd: int) -> None:
        fsyncs.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", counting_fsync)
    async with anyio.create_task_group() as tg:
        for index in range(10):
            tg.start_soon(journal.append, {"type": "submitting", "index": index})
    assert len(fsyncs) == 1  # ten records, one commit
    await journal.aclose()
    assert len(fsyncs) == 1  # nothing was left to write
    assert len(path.read_text().splitlines()) == 11


async def test_closing_writes_a_record_whose_append_was_cancelled_while_queued(tmp_path) -> None:
    path = tmp_path / "j.jsonl"
    journal = await Journal.open(path, plan_fingerprint(PLAN), 2)
    async with anyio.create_task_group() as tg, journal._commits._lock:  # a commit under way
        tg.start_soon(journal.append, {"type": "submitting", "index": 1})
        await anyio.wait_all_tasks_blocked()  # queued, waiting for that commit
        tg.cancel_scope.cancel()
    await journal.aclose()
    again = await Journal.open(path, plan_fingerprint(PLAN), 2)
    assert again.items[1].submitting
    await again.aclose()


# -- run_journaled passes the run's options through -----------------------------------


def ticking() -> Callable[[], float]:
    """A clock that moves one second per reading."""
    readings = itertools.count()
    return lambda: float(next(readings))


async def fail_first(index: int, item: str) -> ItemResult[str]:
    if index == 0:
        return ItemResult(item, Outcome.FAILED, error=RuntimeError("boom"))
    await anyio.lowlevel.checkpoint()  # still running when the first one fails
    return ItemResult(item, Outcome.UPDATED)


async def fail_first_and_wait(index: int, item: str) -> ItemResult[str]:
    if index == 0:
        return ItemResult(item, Outcome.FAILED, error=RuntimeError("boom"))
    await anyio.sleep_forever()  # still running when the first one fails, however long
    raise AssertionError("not reached")


@pytest.mark.parametrize("journaled", [False, True])
async def test_run_journaled_runs_with_the_callers_options(tmp_path, journaled) -> None:
    items = ["d1", "d2"]
    events: list[BulkEvent] = []
    first = tmp_path / "first.jsonl" if journaled else None
    stopped = await run_journaled(
        items, fail_first_and_wait, journal=first, fingerprint="f" * 32, origin=ORIGIN,
        fail_fast=True, on_event=events.append, clock=ticking(),
    )  # fmt: skip
    assert [r.outcome for r in stopped.items] == [Outcome.FAILED, Outcome.CANCELLED]
    assert [r.request for r in stopped.items] == items
    assert stopped.elapsed >= 1.0  # read on the caller's clock
    assert [(e.index, e.result.outcome) for e in events] == [  # type: ignore[union-attr]
        (0, Outcome.FAILED),
        (1, Outcome.CANCELLED),
    ]
    second = tmp_path / "second.jsonl" if journaled else None
    everything = await run_journaled(
        items, fail_first, journal=second, fingerprint="f" * 32, origin=ORIGIN,
        on_event=events.append,
    )  # fmt: skip
    # without fail_fast (the default) every item runs to its end
    assert [r.outcome for r in everything.items] == [Outcome.FAILED, Outcome.UPDATED]


async def test_run_journaled_writes_what_each_item_did(tmp_path) -> None:
    path = tmp_path / "bulk.jsonl"
    seen: list[tuple[int, str]] = []

    async def work(index: int, item: str) -> ItemResult[str]:
        seen.append((index, item))
        return await fail_first(index, item)

    await run_journaled(["d1", "d2"], work, journal=path, fingerprint="f" * 32, origin=ORIGIN)
    assert sorted(seen) == [(0, "d1"), (1, "d2")]
    header, *records = [json.loads(line) for line in path.read_text().splitlines()]
    assert (header["plan"], header["items"], header["origin"]) == ("f" * 32, 2, ORIGIN)
    by_index = {record["index"]: record for record in records}
    assert set(by_index[0]) == {"type", "index", "at", "outcome", "error", "checks"}
    assert (by_index[0]["outcome"], by_index[0]["error"], by_index[0]["checks"]) == (
        "failed",
        "boom",
        None,
    )
    assert (by_index[1]["outcome"], by_index[1]["error"]) == ("updated", None)
    assert datetime.fromisoformat(by_index[0]["at"]).utcoffset() == timedelta(0)
    resumed = await run_journaled(
        ["d1", "d2"], work, journal=path, fingerprint="f" * 32, origin=ORIGIN
    )
    assert resumed.items[1].resumed
    assert resumed.items[1].request == "d2"


async def test_a_cancelled_run_still_closes_its_journal(tmp_path) -> None:
    path = tmp_path / "bulk.jsonl"

    async def work(index: int, item: str) -> ItemResult[str]:
        if index == 1:
            scope.cancel()  # the caller gives up while this item runs
            await anyio.sleep_forever()
        return ItemResult(item, Outcome.UPDATED)

    with anyio.CancelScope() as scope:
        await run_journaled(["d1", "d2"], work, journal=path, fingerprint="f" * 32, origin=ORIGIN)
    assert scope.cancelled_caught
    again = await Journal.open(path, "f" * 32, 2, origin=ORIGIN)  # closed, so not locked
    assert 1 not in again.items
    await again.aclose()


async def test_records_of_a_commit_cancelled_before_its_write_are_written_at_close(
    tmp_path,
) -> None:
    # A cancellation that lands after a commit took the queued lines and before its write
    # started (the worker thread's checkpoint) must not drop them: close writes them.
    path = tmp_path / "j.jsonl"
    journal = await Journal.open(path, plan_fingerprint(PLAN), 2)

    async def cancel_the_run() -> None:
        tg.cancel_scope.cancel()

    async with anyio.create_task_group() as tg:
        tg.start_soon(journal.append, {"type": "submitting", "index": 0})
        tg.start_soon(cancel_the_run)
    await journal.aclose()
    again = await Journal.open(path, plan_fingerprint(PLAN), 2)
    assert again.items[0].submitting
    await again.aclose()


async def test_a_record_queued_behind_a_cancelled_commit_is_written_too(tmp_path) -> None:
    path = tmp_path / "j.jsonl"
    journal = await Journal.open(path, plan_fingerprint(PLAN), 2)

    async def append_next() -> None:
        await anyio.lowlevel.checkpoint()  # once the first commit has taken its lines
        await journal.append({"type": "submitting", "index": 1})

    async def cancel_the_run() -> None:
        await anyio.lowlevel.checkpoint()
        tg.cancel_scope.cancel()

    async with anyio.create_task_group() as tg:
        tg.start_soon(journal.append, {"type": "submitting", "index": 0})
        tg.start_soon(append_next)
        tg.start_soon(cancel_the_run)
    await journal.aclose()
    again = await Journal.open(path, plan_fingerprint(PLAN), 2)
    assert (again.items[0].submitting, again.items[1].submitting) == (True, True)
    await again.aclose()


async def test_a_cancelled_run_keeps_the_outcomes_of_the_items_that_ended(tmp_path) -> None:
    path = tmp_path / "bulk.jsonl"

    async def work(index: int, item: str) -> ItemResult[str]:
        if index == 1:
            scope.cancel()  # the caller gives up while this item runs
            await anyio.sleep_forever()
        return ItemResult(item, Outcome.UPDATED)

    with anyio.CancelScope() as scope:
        await run_journaled(["d1", "d2"], work, journal=path, fingerprint="f" * 32, origin=ORIGIN)
    again = await Journal.open(path, "f" * 32, 2, origin=ORIGIN)
    assert again.items[0].outcome == "updated"  # not run again on resume
    await again.aclose()
