"""Replacing many deployments' models at once: the per-item flow behind ``replace_models``.

Each item goes: validate (or, without validation, read the deployment) → skip it if it
already serves the model → journal ``submitting`` → PATCH → journal ``submitted`` → wait
for the job → journal ``finished``. Only the steps up to the PATCH hold one of the
``concurrency`` places; the wait does not, so a thousand jobs can run while 32 requests
are in flight.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import anyio
import msgspec

from ._bulk import (
    BulkEvent,
    BulkResult,
    ItemResult,
    ItemStatusChanged,
    ItemSubmitted,
    Outcome,
    ReplacementRequest,
    run_bulk,
)
from ._journal import ItemState, Journal, plan_fingerprint
from ._models import Deployment, ValidationCheck
from ._operations import ReplacementOperation, utc_now
from ._polling import next_poll_delay
from ._wire import check_id, check_reason, deployment_id
from .enums import ModelReplacementReason
from .errors import (
    AiodeployError,
    AsyncProcessUnsuccessfulError,
    AsyncTimeoutError,
    ServerError,
    TransportError,
    UnprocessableEntityError,
)

if TYPE_CHECKING:
    from ._client import AsyncDeploymentClient

__all__ = ["Rollout", "coerce_request", "replace_models", "update_drift_many"]

_FINAL = frozenset({Outcome.REPLACED, Outcome.SKIPPED_CURRENT, Outcome.REFUSED_VALIDATION})


def coerce_request(item: object) -> ReplacementRequest:
    """Check one plan item; accept a :class:`ReplacementRequest` or a 2- or 3-tuple.

    Raises:
        TypeError: not a request or a tuple.
        ValueError: a malformed id or an unknown reason.
    """
    if not isinstance(item, tuple) or len(item) not in (2, 3):
        raise TypeError(f"a replacement request is (deployment_id, model_id[, reason]): {item!r}")
    reason = check_reason(item[2]) if len(item) == 3 else ModelReplacementReason.OTHER
    return ReplacementRequest(
        check_id(item[0], "deployment id"), check_id(item[1], "model id"), reason
    )


@dataclasses.dataclass
class Rollout:
    """Everything the items of one ``replace_models`` call share."""

    client: AsyncDeploymentClient
    limiter: anyio.CapacityLimiter
    validate: bool
    skip_if_current: bool
    max_wait: float
    journal: Journal | None
    on_event: Callable[[BulkEvent], None] | None

    def _emit(self, event: BulkEvent) -> None:
        if self.on_event is not None:
            self.on_event(event)

    async def _record(self, kind: str, index: int, **fields: object) -> None:
        if self.journal is not None:
            at = utc_now().isoformat()
            await self.journal.append({"type": kind, "index": index, "at": at, **fields})

    async def run_item(
        self, index: int, request: ReplacementRequest
    ) -> ItemResult[ReplacementRequest]:
        """Take one item to its outcome; every failure becomes an :class:`ItemResult`."""
        state = self.journal.items.get(index) if self.journal else None
        try:
            result = await self._run(index, request, state or ItemState())
        except _Refused as refused:
            checks = _checks_from(refused.error)
            result = ItemResult(
                request, Outcome.REFUSED_VALIDATION, checks=checks, error=refused.error
            )
        except AsyncTimeoutError as exc:
            result = ItemResult(request, Outcome.TIMED_OUT, error=exc)
        except AiodeployError as exc:
            result = ItemResult(request, Outcome.FAILED, error=exc)
        if not result.resumed:
            error = None if result.error is None else str(result.error)
            checks = None
            if result.checks is not None:
                checks = {name: msgspec.to_builtins(c) for name, c in result.checks.items()}
            await self._record(
                "finished", index, outcome=result.outcome.value, error=error, checks=checks
            )
        return result

    async def _run(
        self, index: int, request: ReplacementRequest, state: ItemState
    ) -> ItemResult[ReplacementRequest]:
        outcome = Outcome(state.outcome) if state.outcome else None
        if outcome in _FINAL or (outcome is Outcome.FAILED and state.submitting):
            assert outcome is not None
            error = AiodeployError(state.error) if state.error else None
            checks = _convert_checks(state.checks)
            return ItemResult(request, outcome, checks=checks, error=error, resumed=True)
        if state.token is not None:
            operation = self.client.resume_replacement(state.token)
            self._emit(ItemSubmitted(index, request, operation.status_url))
        elif state.submitting:
            operation = None  # a crash between sending the PATCH and hearing back
        else:
            async with self.limiter:
                early = await self._prepare(request)
                if early is not None:
                    return early
                operation = await self._submit(index, request)
        if operation is None:
            return await self._settle_ambiguous(index, request)
        return await self._wait(index, request, operation)

    async def _prepare(self, request: ReplacementRequest) -> ItemResult[ReplacementRequest] | None:
        """Skip or refuse the item before anything changes; ``None`` means go ahead.

        With validation on, the validation alone decides (one request): a model already
        deployed fails its ``notCurrentModel`` check, and only then is the deployment read
        to tell "skip, it is current" from "refuse".
        """
        if self.validate:
            validation = await self.client.validate_replacement_model(
                request.deployment_id, request.model_id
            )
            if validation.ok:
                return None
            current = validation.checks.get("notCurrentModel")
            if self.skip_if_current and current is not None and current.status == "failing":
                skipped = await self._skip_if_current(request)
                if skipped is not None:
                    return skipped
            return ItemResult(request, Outcome.REFUSED_VALIDATION, checks=validation.checks)
        return await self._skip_if_current(request) if self.skip_if_current else None

    async def _skip_if_current(
        self, request: ReplacementRequest
    ) -> ItemResult[ReplacementRequest] | None:
        deployment = await self.client.get_deployment(request.deployment_id)
        if _serves(deployment, request.model_id):
            return ItemResult(request, Outcome.SKIPPED_CURRENT, deployment=deployment)
        return None

    async def _submit(self, index: int, request: ReplacementRequest) -> ReplacementOperation | None:
        """Send the PATCH; ``None`` when its fate is unknown (the deployment will tell)."""
        await self._record(
            "submitting", index, deployment_id=request.deployment_id, model_id=request.model_id
        )
        try:
            operation = await self.client.start_model_replacement(*request)
        except TransportError as exc:
            if not exc.request_sent:
                raise
            return None
        except ServerError as exc:
            if exc.status_code not in (502, 504):
                raise
            return None  # a gateway gave up; the server behind it may have acted
        except UnprocessableEntityError as exc:
            raise _Refused(exc) from exc
        await self._record("submitted", index, token=operation.token())
        self._emit(ItemSubmitted(index, request, operation.status_url))
        return operation

    async def _wait(
        self, index: int, request: ReplacementRequest, operation: ReplacementOperation
    ) -> ItemResult[ReplacementRequest]:
        deployment: Deployment | None = None
        async for event in operation.events(max_wait=self.max_wait):
            if event.deployment is None:
                self._emit(ItemStatusChanged(index, request, event.status))
            deployment = event.deployment
        return ItemResult(request, Outcome.REPLACED, deployment=deployment)

    async def _settle_ambiguous(
        self, index: int, request: ReplacementRequest
    ) -> ItemResult[ReplacementRequest]:
        """Decide an unanswered PATCH by the deployment, before anything is sent again.

        A resent PATCH whose answer is lost too is decided the same way: the deployment is
        read after every unanswered PATCH, so a failure is reported only when the
        deployment is known not to serve the model.
        """
        client = self.client
        deadline = client._clock() + self.max_wait
        resent = 0
        while True:
            deployment = await client._read_until(
                lambda: client.get_deployment(request.deployment_id), deadline
            )
            if _serves(deployment, request.model_id):
                break
            if resent >= client.retry.max_attempts:
                raise AiodeployError(
                    f"the replacement of {request.deployment_id} did not take effect: "
                    f"the answers to {resent + 1} PATCH requests were lost"
                )
            # The PATCH never took effect (or its job failed and rolled back): send it now.
            resent += 1
            async with self.limiter:
                operation = await self._submit(index, request)
            if operation is not None:
                return await self._wait(index, request, operation)
        # It took effect: the replacement is done once the model history shows it.
        await _await_history(client, request, deadline, self.max_wait)
        deployment = await client._read_until(
            lambda: client.get_deployment(request.deployment_id), deadline
        )
        return ItemResult(request, Outcome.REPLACED, deployment=deployment)


class _Refused(AiodeployError):
    def __init__(self, error: UnprocessableEntityError) -> None:
        self.error = error
        super().__init__(str(error))


def _serves(deployment: Deployment, model_id: str) -> bool:
    return deployment.model is not None and deployment.model.id == model_id


def _checks_from(error: UnprocessableEntityError) -> dict[str, ValidationCheck] | None:
    return _convert_checks(error.body.get("checks") if isinstance(error.body, dict) else None)


def _convert_checks(checks: object) -> dict[str, ValidationCheck] | None:
    try:
        return msgspec.convert(checks, dict[str, ValidationCheck]) if checks else None
    except msgspec.ValidationError:
        return None


async def _await_history(
    client: AsyncDeploymentClient, request: ReplacementRequest, deadline: float, max_wait: float
) -> None:
    """Wait until the model history shows the replacement as completed.

    Used when the PATCH's answer was lost, so there is no status URL to poll: the
    deployment already serves the new model while the job runs, and the history gains
    its entry when the job completes (a failed job rolls the deployment back). Reads that
    fail transiently are retried until ``deadline`` (a clock reading, ``max_wait`` after
    the wait began).
    """
    poll = 0
    while True:
        history = await client._read_until(
            lambda: client.get_model_history(request.deployment_id), deadline
        )
        if history and history[-1].model_id == request.model_id:
            return
        deployment = await client._read_until(
            lambda: client.get_deployment(request.deployment_id), deadline
        )
        if not _serves(deployment, request.model_id):
            raise AsyncProcessUnsuccessfulError(
                url=f"deployments/{request.deployment_id}/modelHistory/",
                status="ERROR",
                job_message="the deployment went back to its previous model",
            )
        remaining = deadline - client._clock()
        if remaining <= 0:
            raise AsyncTimeoutError(
                url=f"deployments/{request.deployment_id}/modelHistory/",
                max_wait=max_wait,
                last_status="RUNNING",
            )
        await client._sleep(min(remaining, next_poll_delay(poll, client.polling, client._rng)))
        poll += 1


async def replace_models(
    client: AsyncDeploymentClient,
    requests: Iterable[object],
    *,
    concurrency: int,
    validate: bool,
    skip_if_current: bool,
    fail_fast: bool,
    max_wait: float,
    journal: str | os.PathLike[str] | None,
    on_event: Callable[[BulkEvent], None] | None,
) -> BulkResult[ReplacementRequest]:
    """The body of :meth:`AsyncDeploymentClient.replace_models`."""
    plan = [coerce_request(item) for item in requests]
    _check_concurrency(concurrency)
    seen: set[str] = set()
    for request in plan:
        if request.deployment_id in seen:
            raise ValueError(f"deployment {request.deployment_id} appears twice in the plan")
        seen.add(request.deployment_id)
    opened = None
    if journal is not None:
        opened = await Journal.open(journal, plan_fingerprint(plan), len(plan))
    try:
        rollout = Rollout(
            client,
            anyio.CapacityLimiter(concurrency),
            validate=validate,
            skip_if_current=skip_if_current,
            max_wait=max_wait,
            journal=opened,
            on_event=on_event,
        )
        return await run_bulk(
            plan, rollout.run_item, fail_fast=fail_fast, on_event=on_event, clock=client._clock
        )
    finally:
        if opened is not None:
            with anyio.CancelScope(shield=True):  # the journal is closed even on cancel
                await opened.aclose()


async def update_drift_many(
    client: AsyncDeploymentClient,
    deployments: Iterable[str | Deployment],
    payload: dict[str, object],
    *,
    concurrency: int,
    fail_fast: bool,
    max_wait: float,
    on_event: Callable[[BulkEvent], None] | None,
) -> BulkResult[str]:
    """The body of :meth:`AsyncDeploymentClient.bulk_update_drift_tracking_settings`."""
    ids = [deployment_id(d) for d in deployments]
    _check_concurrency(concurrency)
    limiter = anyio.CapacityLimiter(concurrency)

    async def work(index: int, dep_id: str) -> ItemResult[str]:
        try:
            async with limiter:
                path = f"deployments/{dep_id}/settings/"
                status_url = await client._submit_job("PATCH", path, payload)
            if on_event is not None:
                on_event(ItemSubmitted(index, dep_id, status_url))
            await client._wait_job(status_url, max_wait=max_wait, kind="settings")
        except AsyncTimeoutError as exc:
            return ItemResult(dep_id, Outcome.TIMED_OUT, error=exc)
        except AiodeployError as exc:
            return ItemResult(dep_id, Outcome.FAILED, error=exc)
        return ItemResult(dep_id, Outcome.UPDATED)

    return await run_bulk(ids, work, fail_fast=fail_fast, on_event=on_event, clock=client._clock)


def _check_concurrency(concurrency: int) -> None:
    if not isinstance(concurrency, int) or isinstance(concurrency, bool) or concurrency < 1:
        raise ValueError(f"concurrency must be a whole number >= 1, got {concurrency!r}")
