"""Public methods: replace the models of many deployments at once, or preview it."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

from .. import _preview, _rollout
from .._bulk import BulkEvent, BulkResult, ReplacementRequest, check_concurrency
from ._base import Face

__all__ = ["RolloutMethods"]

PlanItem = ReplacementRequest | tuple[str, str] | tuple[str, str, str]


class RolloutMethods(Face):
    """Bulk replacement: many deployments, concurrently, resumably."""

    async def replace_models(
        self,
        requests: Iterable[PlanItem],
        *,
        concurrency: int = 32,
        validate: bool = True,
        skip_if_current: bool = True,
        fail_fast: bool = False,
        max_wait: float | None = None,
        journal: str | os.PathLike[str] | None = None,
        on_event: Callable[[BulkEvent], None] | None = None,
    ) -> BulkResult[ReplacementRequest]:
        """Replace the models of many deployments at once.

        Each item: validate (``POST .../model/validation/``; a failing validation refuses
        the item), skip it if it already serves the model (``skip_if_current``), submit
        (``PATCH deployments/{id}/model/``), wait for the job (``status/{id}/``), read the
        deployment. At most ``concurrency`` items talk to the server at once; waiting for
        jobs takes no place, and all requests share the client's request budget. One
        item's failure never stops the others unless ``fail_fast``.

        With ``journal`` (a file path), every step is recorded before it is acted on, and
        calling again with the same plan and journal resumes: finished items are not
        touched again, submitted ones are awaited, and nothing is submitted twice.

        Example:
            >>> result = await client.replace_models(  # doctest: +SKIP
            ...     [ReplacementRequest(dep_id, model_id, "SCHEDULED_REFRESH")],
            ...     journal="rollout.jsonl",
            ... )
            >>> result.counts["replaced"], result.ok  # doctest: +SKIP

        Args:
            requests: :class:`ReplacementRequest` items (each to a registered model version
                or a Leaderboard model) or ``(deployment_id, model_id[, reason])`` tuples; a
                deployment may appear once.
            concurrency: items preparing or submitting at once.
            validate: validate each model first and refuse failing ones.
            skip_if_current: report deployments already on their model as skipped.
            fail_fast: stop the remaining items (``cancelled``) after the first failure.
            max_wait: seconds for each item from when it starts, job included (default:
                the client's ``max_wait``).
            journal: path of the JSONL journal that makes the run resumable.
            on_event: called with :class:`ItemSubmitted`, :class:`ItemStatusChanged` and
                :class:`ItemFinished` events, e.g. to drive a progress bar.

        Returns:
            A :class:`BulkResult` with one :class:`ItemResult` per request, in input order;
            outcomes ``replaced``, ``skipped_current``, ``refused_validation``, ``failed``,
            ``timed_out``, ``cancelled``.

        Raises:
            ValueError, TypeError: a malformed plan or argument, before any request.
            JournalMismatchError: the journal belongs to another plan.
            OSError: the journal cannot be written.
        """
        plan = _rollout.check_plan(requests)
        return await _rollout.replace_models(
            self._session,
            plan,
            concurrency=check_concurrency(concurrency),
            validate=validate,
            skip_if_current=skip_if_current,
            fail_fast=fail_fast,
            max_wait=self._session.wait_seconds(max_wait),
            journal=journal,
            on_event=on_event,
        )

    async def preview_replacements(
        self,
        requests: Iterable[PlanItem],
        *,
        concurrency: int = 32,
        validate: bool = True,
        skip_if_current: bool = True,
    ) -> list[_preview.ReplacementPreview]:
        """Say what :meth:`replace_models` would do with each item, changing nothing.

        Reads each deployment (``GET deployments/{id}/``) and applies the rollout's own
        decision: validate (``POST .../model/validation/``), skip, refuse or replace.

        Args:
            requests: the plan, as for :meth:`replace_models`.
            concurrency: items checked at once.
            validate: as for :meth:`replace_models`.
            skip_if_current: as for :meth:`replace_models`.

        Returns:
            One :class:`ReplacementPreview` per item, in plan order; an item that could not
            be checked has action ``error`` (the others are still checked).

        Raises:
            ValueError, TypeError: a malformed plan or argument, before any request.
        """
        plan = _rollout.check_plan(requests)
        return await _preview.preview_replacements(
            self._session,
            plan,
            concurrency=check_concurrency(concurrency),
            validate=validate,
            skip_if_current=skip_if_current,
        )
