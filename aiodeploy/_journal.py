"""The rollout journal: an append-only JSONL file that makes a bulk replacement resumable.

One line per event, written and fsynced before the run acts on it:

* ``plan``: first line; the plan's fingerprint and size, and the origin of the endpoint
  it was written against. A journal of another plan, or of another server, is refused.
* ``submitting``: written *before* the PATCH is sent. Found without a matching
  ``submitted``, it means the PATCH may or may not have reached the server (a crash, or a
  dropped connection); the deployment is read before anything is sent again.
* ``submitted``: the server accepted the PATCH; holds the operation token (status URL).
* ``finished``: the item's outcome.

Writes are group-committed: concurrent appends share one write + fsync in a worker thread,
so a thousand items do not mean a thousand fsyncs on the event loop. An open journal holds
an exclusive lock on its file (``flock``, where the platform has it): a second run on the
same journal, in this process or another, is refused while the first one runs.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import sys
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

import anyio
import msgspec

from ._bulk import BulkEvent, BulkResult, ItemResult, Outcome, run_bulk
from .errors import JournalInUseError, JournalMismatchError

if sys.platform != "win32":  # Windows has no flock: a journal is not locked there
    import fcntl

__all__ = [
    "Journal",
    "JournalInUseError",
    "JournalMismatchError",
    "operation_fingerprint",
    "plan_fingerprint",
    "run_journaled",
]

R = TypeVar("R")

JOURNAL_VERSION = 1
_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(dict[str, Any])
_OUTCOMES = frozenset(outcome.value for outcome in Outcome)


def plan_fingerprint(items: Sequence[Sequence[object]]) -> str:
    """A stable fingerprint of a plan: its items, in order."""
    digest = hashlib.sha256(_encoder.encode([list(item) for item in items]))
    return digest.hexdigest()[:32]


def operation_fingerprint(kind: str, params: Mapping[str, Any], items: Sequence[str]) -> str:
    """A stable fingerprint of a bulk operation: what it does, with what, to which items."""
    digest = hashlib.sha256(_encoder.encode([kind, dict(sorted(params.items())), list(items)]))
    return digest.hexdigest()[:32]


@dataclasses.dataclass
class ItemState:
    """What the journal knows about one item."""

    submitting: bool = False
    token: str | None = None
    outcome: str | None = None
    error: str | None = None
    checks: dict[str, Any] | None = None


class Journal:
    """An open rollout journal. Use :meth:`open`; close with :meth:`aclose`."""

    def __init__(self, path: Path, items: dict[int, ItemState], handle: Any) -> None:
        self.path = path
        self.items = items
        self._handle = handle
        self._pending: list[bytes] = []
        self._queued = 0
        self._durable = 0
        self._lock = anyio.Lock()

    def __repr__(self) -> str:
        return f"<Journal {str(self.path)!r}>"

    @classmethod
    async def open(
        cls, path: str | os.PathLike[str], plan: str, size: int, *, origin: str | None = None
    ) -> Journal:
        """Open (or create) the journal for a plan of ``size`` items, and lock it.

        Args:
            path: the JSONL file.
            plan: the plan's fingerprint (:func:`plan_fingerprint`).
            size: how many items the plan has.
            origin: the endpoint's origin (``scheme://host:port``) the run talks to; a
                journal written against another origin is refused. Journals written before
                origins were recorded are accepted.

        Raises:
            JournalMismatchError: the file is another plan's or another server's journal,
                or not a journal.
            JournalInUseError: another run holds the journal.
            OSError: the file cannot be opened or written.
        """
        return await anyio.to_thread.run_sync(cls._open_sync, Path(path), plan, size, origin)

    @classmethod
    def _open_sync(cls, path: Path, plan: str, size: int, origin: str | None) -> Journal:
        handle = path.open("a+b")
        try:
            _lock(handle, path)
            handle.seek(0)
            data = handle.read()
            complete = data[: data.rfind(b"\n") + 1]  # a torn last line was never acted on
            lines = complete.splitlines()
            items: dict[int, ItemState] = {}
            if lines:
                _check_header(path, _decode_line(path, lines[0]), plan, size, origin)
                for line in lines[1:]:
                    _apply(items, _decode_line(path, line), size, path)
            if len(complete) != len(data):
                handle.truncate(len(complete))
            journal = cls(path, items, handle)
            if not lines:
                header: dict[str, Any] = {
                    "type": "plan", "version": JOURNAL_VERSION, "plan": plan, "items": size,
                }  # fmt: skip
                if origin is not None:
                    header["origin"] = origin
                journal._write_sync([_encoder.encode(header) + b"\n"])
        except BaseException:
            handle.close()  # releases the lock
            raise
        return journal

    def _write_sync(self, lines: list[bytes]) -> None:
        self._handle.write(b"".join(lines))
        self._handle.flush()
        os.fsync(self._handle.fileno())

    async def append(self, record: dict[str, Any]) -> None:
        """Write one record and return once it is on disk."""
        _apply(self.items, record, None, self.path)
        self._pending.append(_encoder.encode(record) + b"\n")
        self._queued += 1
        mine = self._queued
        async with self._lock:
            if self._durable >= mine:
                return  # another writer's commit carried this line
            lines, self._pending = self._pending, []
            upto = self._queued
            try:
                await anyio.to_thread.run_sync(self._write_sync, lines)
            except anyio.get_cancelled_exc_class():
                # Cancelled before the write started (once started, it is waited for):
                # the lines, other writers' too, stay queued for the next commit or aclose.
                self._pending[:0] = lines
                raise
            self._durable = upto

    async def aclose(self) -> None:
        """Write what is still pending and close the file."""
        async with self._lock:
            if self._pending:
                lines, self._pending = self._pending, []
                await anyio.to_thread.run_sync(self._write_sync, lines)
            self._handle.close()


def _lock(handle: Any, path: Path) -> None:
    if sys.platform == "win32":  # pragma: no cover
        return
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise JournalInUseError(
            f"{path} is in use by another run; wait for it to end, or use another journal"
        ) from None


def _check_header(
    path: Path, header: dict[str, Any], plan: str, size: int, origin: str | None
) -> None:
    if header.get("type") != "plan":
        raise JournalMismatchError(f"{path} is not a rollout journal")
    if header.get("plan") != plan or header.get("items") != size:
        raise JournalMismatchError(f"{path} is the journal of another plan; use a new journal file")
    written = header.get("origin")
    if origin is not None and written is not None and written != origin:
        raise JournalMismatchError(
            f"{path} was written against {written}, not {origin}; a journal belongs to one "
            "server: use a new journal file"
        )


def _decode_line(path: Path, line: bytes) -> dict[str, Any]:
    try:
        return _decoder.decode(line)
    except (msgspec.DecodeError, RecursionError) as exc:
        raise JournalMismatchError(f"{path} has a malformed line: {exc}") from None


def _apply(
    items: dict[int, ItemState], record: dict[str, Any], size: int | None, path: Path
) -> None:
    index = record.get("index")
    if (
        isinstance(index, bool)
        or not isinstance(index, int)
        or index < 0
        or (size is not None and index >= size)
    ):
        raise JournalMismatchError(f"{path} has a record for no item of this plan: {record}")
    state = items.setdefault(index, ItemState())
    kind = record.get("type")
    # A hand-edited or foreign journal is refused here, before the run acts on any of it.
    if kind == "submitting":
        state.submitting = True
    elif kind == "submitted":
        token = record.get("token")
        if not isinstance(token, str):
            raise JournalMismatchError(f"{path} has a submitted record without a token: {record}")
        state.token = token
    elif kind == "finished":
        outcome, error, checks = record.get("outcome"), record.get("error"), record.get("checks")
        if (
            outcome not in _OUTCOMES
            or not isinstance(error, (str, type(None)))
            or not isinstance(checks, (dict, type(None)))
        ):
            raise JournalMismatchError(f"{path} has a malformed finished record: {record}")
        state.outcome, state.error, state.checks = outcome, error, checks
    else:
        raise JournalMismatchError(f"{path} has a record of unknown type: {record}")


async def run_journaled(
    items: Sequence[R],
    work: Callable[[int, R], Awaitable[ItemResult[R]]],
    *,
    journal: str | os.PathLike[str] | None,
    fingerprint: str,
    origin: str,
    fail_fast: bool = False,
    on_event: Callable[[BulkEvent], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> BulkResult[R]:
    """:func:`~aiodeploy._bulk.run_bulk`, resumable, for idempotent bulk operations.

    Each item's outcome is journalled when it ends. Run again with the same journal (same
    ``fingerprint`` and ``origin``), the items that ended well are taken over (``resumed``)
    and the others run again. Rollouts, whose PATCH is not idempotent, journal each step
    instead (see :mod:`aiodeploy._rollout`).

    Raises:
        JournalMismatchError, JournalInUseError, OSError: see :meth:`Journal.open`.
    """
    if journal is None:
        return await run_bulk(items, work, fail_fast=fail_fast, on_event=on_event, clock=clock)
    opened = await Journal.open(journal, fingerprint, len(items), origin=origin)

    async def journaled(index: int, item: R) -> ItemResult[R]:
        state = opened.items.get(index)
        if state is not None and state.outcome is not None and Outcome(state.outcome).ok:
            return ItemResult(item, Outcome(state.outcome), resumed=True)
        result = await work(index, item)
        await opened.append(
            {
                "type": "finished",
                "index": index,
                "at": datetime.now(timezone.utc).isoformat(),
                "outcome": result.outcome.value,
                "error": None if result.error is None else str(result.error),
                "checks": None,
            }
        )
        return result

    try:
        return await run_bulk(items, journaled, fail_fast=fail_fast, on_event=on_event, clock=clock)
    finally:
        with anyio.CancelScope(shield=True):  # the journal is closed even on cancel
            await opened.aclose()
