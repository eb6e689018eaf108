"""The rollout journal: an append-only JSONL file that makes a bulk replacement resumable.

One line per event, written and fsynced before the run acts on it:

* ``plan``: first line; the plan's fingerprint and size, and the origin of the endpoint
  it was written against. A journal of another plan, or of another server, is refused.
* ``submitting``: written *before* the PATCH is sent. Found without a matching
  ``submitted``, it means the PATCH may or may not have reached the server (a crash, or a
  dropped connection); the deployment is read before anything is sent again.
* ``submitted``: the server accepted the PATCH; holds the operation token (status URL).
* ``finished``: the item's outcome.

A guarded rollout adds ``wave`` records (a wave's bake started, its verdict) and, per item,
``rollback`` records (``submitting``, ``submitted`` with a token, ``finished``), and its
``submitting`` records name what the deployment served before (to roll back to).

Writes are group-committed (:mod:`aiodeploy._group_commit`): concurrent appends share one
write + fsync in a worker thread, so a thousand items do not mean a thousand fsyncs on the
event loop, and a record is reported written only once a write that held it succeeded. An
open journal holds
an exclusive lock on its file (``flock``, where the platform has it): a second run on the
same journal, in this process or another, is refused while the first one runs.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import anyio
import msgspec

from ._bulk import Outcome
from ._group_commit import GroupCommit
from .errors import JournalInUseError, JournalMismatchError

if sys.platform != "win32":  # Windows has no flock: a journal is not locked there
    import fcntl

__all__ = [
    "ItemState",
    "Journal",
    "JournalInUseError",
    "JournalMismatchError",
    "WaveState",
    "operation_fingerprint",
    "plan_fingerprint",
]

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
    previous_model_id: str | None = None
    previous_version_id: str | None = None
    rollback: str | None = None  # the last rollback step: submitting, submitted, finished
    rollback_token: str | None = None
    rollback_outcome: str | None = None


@dataclasses.dataclass
class WaveState:
    """What the journal knows about one wave of a guarded rollout."""

    baking_since: float | None = None  # Unix time the bake began
    verdict: str | None = None  # "pass" or "fail"
    failing: dict[str, str] = dataclasses.field(default_factory=dict)


class Journal:
    """An open rollout journal. Use :meth:`open`; close with :meth:`aclose`."""

    def __init__(self, path: Path, items: dict[int, ItemState], handle: Any) -> None:
        self.path = path
        self.items = items
        self.waves: dict[int, WaveState] = {}
        self._commits = GroupCommit(handle)

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
            journal = cls(path, {}, handle)
            if lines:
                _check_header(path, _decode_line(path, lines[0]), plan, size, origin)
                for line in lines[1:]:
                    journal._apply(_decode_line(path, line), size)
            if len(complete) != len(data):
                handle.truncate(len(complete))
            if not lines:
                header: dict[str, Any] = {
                    "type": "plan", "version": JOURNAL_VERSION, "plan": plan, "items": size,
                }  # fmt: skip
                if origin is not None:
                    header["origin"] = origin
                journal._commits.write_sync([_encoder.encode(header) + b"\n"])
        except BaseException:
            handle.close()  # releases the lock
            raise
        return journal

    async def append(self, record: dict[str, Any]) -> None:
        """Write one record and return once it is on disk.

        Raises:
            JournalMismatchError: a malformed record (nothing is written).
            OSError: the write that carried it failed: it is not in the journal.
        """
        self._apply(record, None)
        await self._commits.append(_encoder.encode(record) + b"\n")

    async def aclose(self) -> None:
        """Write what is still pending and close the file."""
        await self._commits.aclose()

    def _apply(self, record: dict[str, Any], size: int | None) -> None:
        """Take one record into the state, refusing a malformed one."""
        if record.get("type") == "wave":
            _apply_wave(self.waves, record, self.path)
        else:
            _apply(self.items, record, size, self.path)


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


def _apply_wave(waves: dict[int, WaveState], record: dict[str, Any], path: Path) -> None:
    wave, since, verdict = record.get("wave"), record.get("since"), record.get("verdict")
    failing = record.get("failing", {})
    if (
        isinstance(wave, bool)
        or not isinstance(wave, int)
        or wave < 0
        or not isinstance(since, (int, float, type(None)))
        or verdict not in ("pass", "fail", None)
        or not isinstance(failing, dict)
    ):
        raise JournalMismatchError(f"{path} has a malformed wave record: {record}")
    state = waves.setdefault(wave, WaveState())
    if since is not None:
        state.baking_since = float(since)
    if verdict is not None:
        state.verdict, state.failing = verdict, {str(k): str(v) for k, v in failing.items()}


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
        previous = record.get("previous_model_id"), record.get("previous_version_id")
        if not all(isinstance(p, (str, type(None))) for p in previous):
            raise JournalMismatchError(f"{path} has a malformed submitting record: {record}")
        # a PATCH sent again after a crash is journalled without what came before: keep it
        if "previous_model_id" in record or "previous_version_id" in record:
            state.previous_model_id, state.previous_version_id = previous
    elif kind == "rollback":
        step, token, outcome = record.get("step"), record.get("token"), record.get("outcome")
        if (
            step not in ("submitting", "submitted", "finished")
            or not isinstance(token, (str, type(None)))
            or outcome not in (*_OUTCOMES, None)
        ):
            raise JournalMismatchError(f"{path} has a malformed rollback record: {record}")
        state.rollback = step
        state.rollback_token = token or state.rollback_token
        state.rollback_outcome = outcome or state.rollback_outcome
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
