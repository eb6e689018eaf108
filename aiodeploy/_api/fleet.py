"""One change to many deployments: the bulk runner of the lifecycle, tag and sharing
operations.

Every item runs the same step under a ``CapacityLimiter`` (``concurrency`` submitting at
once); a job the step starts is waited for outside it, so waiting takes no place. Results
come in input order; with a journal the run is resumable (the operations are idempotent:
an item that ended well is taken over, the others run again). A refused token stops the
whole run at once.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import anyio

from .._bulk import BulkEvent, BulkResult, ItemResult, ItemSubmitted, Outcome, StopRun
from .._deadline import Deadline
from .._journal import operation_fingerprint
from .._journaled import run_journaled
from .._session import Session
from ..errors import AiodeployError, AsyncTimeoutError
from .access import AccessCheck

__all__ = ["Step", "run_fleet"]

Step = Callable[[str, Deadline], Awaitable["str | None"]]
"""Changes one deployment; returns the status URL of a job to wait for, or ``None``."""


async def run_fleet(
    session: Session,
    ids: Sequence[str],
    step: Step,
    *,
    kind: str,
    params: Mapping[str, Any],
    concurrency: int,
    fail_fast: bool,
    max_wait: float,
    journal: str | os.PathLike[str] | None,
    on_event: Callable[[BulkEvent], None] | None,
) -> BulkResult[str]:
    """Run ``step`` for each deployment; outcomes ``updated``, ``failed``, ``timed_out``
    (or ``cancelled`` with ``fail_fast``).

    Args:
        session: the session.
        ids: the deployments, checked.
        step: the change.
        kind: names the operation in the journal's fingerprint (``update``, ``activate``).
        params: what the change is, in the fingerprint.
        concurrency: items submitting at once.
        fail_fast: cancel the other items after the first failure.
        max_wait: seconds for each item, from when it starts submitting (checked).
        journal: a JSONL file that makes the run resumable, or ``None``.
        on_event: called with :class:`ItemSubmitted` and :class:`ItemFinished` events.

    Raises:
        AuthenticationError, PermissionDeniedError: the token is refused (the run stops).
        JournalMismatchError, JournalInUseError, OSError: see ``run_journaled``.
    """
    limiter = anyio.CapacityLimiter(concurrency)
    access = AccessCheck(session)

    async def work(index: int, dep_id: str) -> ItemResult[str]:
        try:
            async with limiter:
                deadline = Deadline.after(max_wait, session.clock)
                status_url = await step(dep_id, deadline)
            if on_event is not None:
                on_event(ItemSubmitted(index, dep_id, status_url))
            if status_url is not None:
                await session.wait_job(status_url, deadline=deadline, kind=kind)
        except AsyncTimeoutError as exc:
            return ItemResult(dep_id, Outcome.TIMED_OUT, error=exc)
        except AiodeployError as exc:
            if await access.stops_everything(exc):
                raise StopRun(exc) from exc
            return ItemResult(dep_id, Outcome.FAILED, error=exc)
        return ItemResult(dep_id, Outcome.UPDATED)

    return await run_journaled(
        ids,
        work,
        journal=journal,
        fingerprint=operation_fingerprint(kind, params, ids),
        origin=session.transport.origin_url,
        fail_fast=fail_fast,
        on_event=on_event,
        clock=session.clock,
    )
