"""Replacing many deployments' models at once: the per-item flow behind ``replace_models``.

Each item goes: validate (or, without validation, read the deployment) → skip it if it
already serves the model → journal ``submitting`` → PATCH → journal ``submitted`` → wait
for the job → journal ``finished``. A PATCH whose answer is lost, garbled or a 5xx is
settled by the deployment before anything is sent again. Only the steps up to the PATCH
hold one of the ``concurrency`` places; the wait does not, so a thousand jobs can run while
32 requests are in flight.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import AsyncIterator, Callable, Iterable, Sequence

import anyio
import msgspec

from ._api.access import AccessCheck
from ._api.deployments import get_deployment
from ._api.operation import ReplacementOperation, follow, utc_now
from ._api.replacement import Step, decide, submit_replacement
from ._bulk import (
    BulkEvent,
    ItemResult,
    ItemStatusChanged,
    ItemSubmitted,
    Outcome,
    ReplacementRequest,
    StopRun,
)
from ._deadline import Deadline
from ._journal import ItemState, Journal, plan_fingerprint
from ._models import Deployment, ValidationCheck
from ._session import Session
from ._wire import check_id, check_reason
from .enums import ModelReplacementReason
from .errors import AiodeployError, AsyncTimeoutError, UnprocessableEntityError

__all__ = [
    "Rollout",
    "check_plan",
    "coerce_request",
    "fingerprint_rows",
    "open_rollout",
]

_FINAL = frozenset({Outcome.REPLACED, Outcome.SKIPPED_CURRENT, Outcome.REFUSED_VALIDATION})


def coerce_request(item: object) -> ReplacementRequest:
    """Check one plan item; accept a :class:`ReplacementRequest` or a 2- or 3-tuple
    ``(deployment_id, model_id[, reason])``.

    Raises:
        TypeError: not a request or a tuple.
        ValueError: a malformed id, both or neither target, or an unknown reason.
    """
    if isinstance(item, ReplacementRequest):
        target = item.target
        return ReplacementRequest(
            check_id(item.deployment_id, "deployment id"),
            target.model_id,
            check_reason(item.reason),
            target.version_id,
        )
    if not isinstance(item, tuple) or len(item) not in (2, 3):
        raise TypeError(f"a replacement request is (deployment_id, model_id[, reason]): {item!r}")
    reason = check_reason(item[2]) if len(item) == 3 else ModelReplacementReason.OTHER
    return ReplacementRequest(
        check_id(item[0], "deployment id"), check_id(item[1], "model id"), reason
    )


def fingerprint_rows(plan: list[ReplacementRequest]) -> list[list[object]]:
    """The rows a plan's journal fingerprint is made of. A plan by model id gives the rows
    it always gave (``[deployment, model, reason]``), so journals written before versions
    existed still resume."""
    return [
        list(request[:3]) if request.registered_model_version_id is None else list(request)
        for request in plan
    ]


@dataclasses.dataclass
class Rollout:
    """Everything the items of one ``replace_models`` call share.

    ``max_wait`` (checked) bounds each item from when it starts talking to the server:
    its reads and validation, the PATCH, the job and the read after it.
    """

    session: Session
    limiter: anyio.CapacityLimiter
    validate: bool
    skip_if_current: bool
    max_wait: float
    journal: Journal | None
    on_event: Callable[[BulkEvent], None] | None
    access: AccessCheck
    # guarded rollouts read each deployment before replacing it, to know what to roll back to
    remember_previous: bool = False
    previous: dict[int, Deployment] = dataclasses.field(default_factory=dict)

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
            if await self.access.stops_everything(exc):
                raise StopRun(exc) from exc  # not journalled: a rerun does the item again
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
            if outcome is Outcome.FAILED:
                # failed after its PATCH went out: never sent again, but the server's state
                # decides (the failure may have been a glitch after the server's work)
                deadline = Deadline.after(self.max_wait, self.session.clock)
                now = await get_deployment(self.session, request.deployment_id, deadline=deadline)
                if request.target.served_by(now):
                    return ItemResult(request, Outcome.REPLACED, deployment=now)
            error = AiodeployError(state.error) if state.error else None
            checks = _convert_checks(state.checks)
            return ItemResult(request, outcome, checks=checks, error=error, resumed=True)
        deadline = Deadline.after(self.max_wait, self.session.clock)
        if state.token is not None:
            resumed = ReplacementOperation.from_token(self.session, state.token)
            self._emit(ItemSubmitted(index, request, resumed.status_url))
            return await self._wait(index, request, resumed, deadline)
        async with self.limiter:
            deadline = Deadline.after(self.max_wait, self.session.clock)  # from its place
            if state.submitting:
                # a crash between sending the PATCH and hearing back: the deployment decides
                operation = await self._submit(index, request, deadline, in_doubt=True)
            else:
                early = await self._prepare(index, request, deadline)
                if early is not None:
                    return early
                operation = await self._submit(index, request, deadline)
        return await self._wait(index, request, operation, deadline)

    async def _prepare(
        self, index: int, request: ReplacementRequest, deadline: Deadline
    ) -> ItemResult[ReplacementRequest] | None:
        """Skip or refuse the item before anything changes; ``None`` means go ahead."""
        before = None
        if self.remember_previous:
            before = await get_deployment(self.session, request.deployment_id, deadline=deadline)
            self.previous[index] = before
        decision = await decide(
            self.session,
            request.deployment_id,
            request.target,
            validate=self.validate,
            skip_if_current=self.skip_if_current,
            deployment=before,
            deadline=deadline,
        )
        if decision.step is Step.SKIP:
            return ItemResult(request, Outcome.SKIPPED_CURRENT, deployment=decision.deployment)
        if decision.step is Step.REFUSE:
            assert decision.validation is not None
            checks = decision.validation.checks
            return ItemResult(request, Outcome.REFUSED_VALIDATION, checks=checks)
        return None

    async def _submit(
        self, index: int, request: ReplacementRequest, deadline: Deadline, *, in_doubt: bool = False
    ) -> ReplacementOperation:
        """Send the PATCH, journalled before each attempt; settle a lost answer by the
        deployment (see :func:`~aiodeploy._api.replacement.submit_replacement`)."""

        async def journal() -> None:
            fields = {"deployment_id": request.deployment_id, "model_id": request.model_id}
            if request.registered_model_version_id is not None:
                fields["registered_model_version_id"] = request.registered_model_version_id
            before = self.previous.get(index)
            if before is not None:
                fields["previous_model_id"] = before.model.id if before.model else None
                package = before.model_package
                fields["previous_version_id"] = package.id if package else None
            await self._record("submitting", index, **fields)

        try:
            operation = await submit_replacement(
                self.session,
                request.deployment_id,
                request.target,
                check_reason(request.reason),
                deadline=deadline,
                before_send=journal,
                in_doubt=in_doubt,
            )
        except UnprocessableEntityError as exc:
            raise _Refused(exc) from exc
        await self._record("submitted", index, token=operation.token())
        self._emit(ItemSubmitted(index, request, operation.status_url))
        return operation

    async def _wait(
        self,
        index: int,
        request: ReplacementRequest,
        operation: ReplacementOperation,
        deadline: Deadline,
    ) -> ItemResult[ReplacementRequest]:
        deployment: Deployment | None = None
        async for event in follow(operation, deadline):
            if event.deployment is None:
                self._emit(ItemStatusChanged(index, request, event.status))
            deployment = event.deployment
        return ItemResult(request, Outcome.REPLACED, deployment=deployment)


class _Refused(AiodeployError):
    def __init__(self, error: UnprocessableEntityError) -> None:
        self.error = error
        super().__init__(str(error))


def _checks_from(error: UnprocessableEntityError) -> dict[str, ValidationCheck] | None:
    return _convert_checks(error.body.get("checks") if isinstance(error.body, dict) else None)


def _convert_checks(checks: object) -> dict[str, ValidationCheck] | None:
    try:
        return msgspec.convert(checks, dict[str, ValidationCheck]) if checks else None
    except msgspec.ValidationError:
        return None


def check_plan(requests: Iterable[object]) -> list[ReplacementRequest]:
    """Check a whole plan before any request: each item, and each deployment once.

    Raises:
        TypeError, ValueError: see :func:`coerce_request`; a deployment given twice.
        TypeError: ``requests`` is one request (or a string), not a sequence of them.
    """
    if isinstance(requests, (str, bytes, ReplacementRequest)):
        # a string is iterable too: its characters would be read as requests
        raise TypeError(
            f"requests must be a sequence of replacement requests, got one "
            f"{type(requests).__name__}; wrap it in a list"
        )
    plan = [coerce_request(item) for item in requests]
    seen: set[str] = set()
    for request in plan:
        if request.deployment_id in seen:
            raise ValueError(f"deployment {request.deployment_id} appears twice in the plan")
        seen.add(request.deployment_id)
    return plan


@contextlib.asynccontextmanager
async def open_rollout(
    session: Session,
    plan: list[ReplacementRequest],
    *,
    concurrency: int,
    validate: bool,
    skip_if_current: bool,
    max_wait: float,
    journal: str | os.PathLike[str] | None,
    on_event: Callable[[BulkEvent], None] | None,
    waves: Sequence[range] | None = None,
) -> AsyncIterator[Rollout]:
    """The :class:`Rollout` of one ``replace_models`` call, its journal open while it runs.

    With ``waves`` (a guarded rollout), the journal belongs to the plan cut that way, and
    each deployment is read before its PATCH, to know what to roll back to.

    Raises:
        JournalMismatchError, JournalInUseError, OSError: see :meth:`Journal.open`.
    """
    opened = None
    if journal is not None:
        rows = fingerprint_rows(plan)
        if waves is not None:
            rows.append(["waves", [wave.stop for wave in waves]])
        opened = await Journal.open(
            journal, plan_fingerprint(rows), len(plan), origin=session.transport.origin_url
        )
    try:
        yield Rollout(
            session,
            anyio.CapacityLimiter(concurrency),
            validate=validate,
            skip_if_current=skip_if_current,
            max_wait=max_wait,
            journal=opened,
            on_event=on_event,
            access=AccessCheck(session),
            remember_previous=waves is not None,
        )
    finally:
        if opened is not None:
            with anyio.CancelScope(shield=True):  # the journal is closed even on cancel
                await opened.aclose()
