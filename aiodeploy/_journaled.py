"""Resumable bulk runs of idempotent operations: each item's outcome journalled as it ends.

Rollouts, whose PATCH is not idempotent, journal each step instead (see
:mod:`aiodeploy._rollout`); this runner serves the operations that may simply run again
(settings, tags, sharing, policies).
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timezone
from typing import TypeVar

import anyio

from ._bulk import BulkEvent, BulkResult, ItemResult, Outcome, run_bulk
from ._journal import Journal

__all__ = ["run_journaled"]

R = TypeVar("R")


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
