"""What the face's bulk methods share: checking their arguments and running the step."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .._api import fleet
from .._bulk import BulkEvent, BulkResult, check_concurrency
from .._session import Session
from .._wire import DeploymentRef, deployment_id

__all__ = ["Journal", "run_steps"]

Journal = str | os.PathLike[str] | None
"""A bulk run's journal file, or ``None`` for none."""


async def run_steps(
    session: Session,
    deployments: Iterable[DeploymentRef],
    step: fleet.Step,
    kind: str,
    params: Mapping[str, Any],
    *,
    concurrency: int,
    fail_fast: bool,
    max_wait: float | None,
    journal: Journal,
    on_event: Callable[[BulkEvent], None] | None,
) -> BulkResult[str]:
    """Check the bulk arguments (before any request), then run ``step`` for each one.

    Raises:
        ValueError, TypeError: a malformed id, ``concurrency`` or ``max_wait``.
    """
    ids = [deployment_id(d) for d in deployments]
    return await fleet.run_fleet(
        session,
        ids,
        step,
        kind=kind,
        params=params,
        concurrency=check_concurrency(concurrency),
        fail_fast=fail_fast,
        max_wait=session.wait_seconds(max_wait),
        journal=journal,
        on_event=on_event,
    )
