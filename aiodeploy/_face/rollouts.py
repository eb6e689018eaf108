"""Public methods: replace the models of many deployments at once, or preview it."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence

from .. import _guard_setup, _preview, _rollout
from .._bulk import BulkEvent, BulkResult, ReplacementRequest, check_concurrency, run_bulk
from .._gate import HealthGate, plan_waves
from .._guard import guarded_run
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
        waves: Sequence[int | str] | None = None,
        bake: float | str | None = None,
        gate: HealthGate | None = None,
    ) -> BulkResult[ReplacementRequest]:
        """Replace the models of many deployments at once, optionally in guarded waves.

        Each item: validate (``POST .../model/validation/``; a failing validation refuses
        the item), skip it if it already serves the model (``skip_if_current``), submit
        (``PATCH deployments/{id}/model/``), wait for the job (``status/{id}/``), read the
        deployment. At most ``concurrency`` items talk to the server at once; waiting for
        jobs takes no place, and all requests share the client's request budget. One
        item's failure never stops the others unless ``fail_fast``.

        With ``journal`` (a file path), every step is recorded before it is acted on, and
        calling again with the same plan and journal resumes: finished items are not
        touched again, submitted ones are awaited, and nothing is submitted twice.

        With ``waves`` the rollout is guarded: the items are replaced wave by wave (each
        deployment read first, ``GET deployments/{id}/``, to know what it served); after
        each wave the run bakes for ``bake`` seconds, reading every replaced deployment's
        service stats of its new model (``GET deployments/{id}/serviceStats/?modelId=
        &start=``, the window opening at the top of the hour the bake began in) until
        ``gate`` decides. A wave that fails (early, once a deployment has enough
        predictions and breaks a threshold, or at the end of the bake) stops the run: its
        replaced deployments go back to what they served before (``PATCH
        deployments/{id}/model/`` with reason ``ERRORS``, then the job) and later waves are
        not touched. A replacement that did not end well (failed, timed out, refused)
        counts as a failing deployment of its wave, and a wave where nothing was replaced
        and something failed fails without a bake. A stats read that fails at the end of
        the bake is read again a few poll intervals long; only a deployment whose stats
        could not be read at all then fails. With a journal, a killed guarded run resumes
        its bake for the time left, and finishes a rollback in progress; a passed wave is
        not judged again.

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
                :class:`ItemFinished` events, e.g. to drive a progress bar; a guarded run
                adds :class:`WaveProgress` events, and an item rolled back finishes twice
                (``replaced``, then ``rolled_back``: the later event holds).
            waves: cumulative marks cutting the plan into waves, each a count of items or a
                share (``[1, "25%", "100%"]``: one deployment, then up to a quarter, then
                the rest); a mark that adds no item is a ``ValueError``. ``None``: no waves,
                no gate.
            bake: seconds (or ``"90s"``, ``"2m"``, ``"1h30m"``) each wave serves traffic
                before the gate passes it; more than 0 with ``waves``.
            gate: the :class:`HealthGate` (default ``HealthGate()``: at most 1 % server
                errors, judged once 10 predictions were served).

        Returns:
            A :class:`BulkResult` with one :class:`ItemResult` per request, in input order;
            outcomes ``replaced``, ``skipped_current``, ``refused_validation``, ``failed``,
            ``timed_out``, ``cancelled``; and for a guarded run ``rolled_back`` (the error
            says why), ``rollback_failed`` (never retried blindly) and ``not_started``.

        Raises:
            ValueError, TypeError: a malformed plan or argument, before any request; with
                ``waves``: ``bake`` 0 or ``fail_fast``; ``bake`` or ``gate`` without
                ``waves``.
            AuthenticationError, PermissionDeniedError: the token is refused (a 401, or a
                403 that ``GET version/`` confirms for the whole endpoint) by any request
                of the run, a guarded run's gate reads and rollbacks included: the run
                stops at once, the error's ``bulk_result`` holding the results so far
                (nothing is judged or rolled back with a refused token; rerun with a
                valid token and the journal to go on).
            JournalMismatchError: the journal belongs to another plan.
            OSError: the journal cannot be written.
        """
        plan = _rollout.check_plan(requests)
        session = self._session
        checked = _guard_setup.check_guard(len(plan), waves, bake, gate, fail_fast=fail_fast)
        guard = None if checked is None else _guard_setup.guard_for(session, checked)
        async with _rollout.open_rollout(
            session,
            plan,
            concurrency=check_concurrency(concurrency),
            validate=validate,
            skip_if_current=skip_if_current,
            max_wait=session.wait_seconds(max_wait),
            journal=journal,
            on_event=on_event,
            waves=None if guard is None else plan_waves(len(plan), guard.marks),
        ) as rollout:
            if guard is not None:
                return await guarded_run(rollout, plan, guard, clock=session.clock)
            return await run_bulk(
                plan, rollout.run_item, fail_fast=fail_fast, on_event=on_event, clock=session.clock
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
