"""Bulk results, progress events, and the one generic runner behind every bulk operation.

The runner starts one task per item in a task group, keeps results in input order, and
cancels the remaining items only when the caller asked for ``fail_fast``. How many items
talk to the server at once is each worker's business (a ``CapacityLimiter``), so that
items waiting for a job do not hold a place.
"""

from __future__ import annotations

import dataclasses
import enum
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, NamedTuple, TypeVar

import anyio

from ._models import Deployment, ValidationCheck
from ._target import Target
from .enums import ModelReplacementReason
from .errors import AiodeployError

__all__ = [
    "BulkEvent",
    "BulkResult",
    "FailFastCancelled",
    "ItemFinished",
    "ItemResult",
    "ItemStatusChanged",
    "ItemSubmitted",
    "Outcome",
    "ReplacementRequest",
    "StopRun",
    "WaveProgress",
    "check_concurrency",
    "gather_in_order",
    "relay_stop",
    "run_bulk",
]

R = TypeVar("R")
T = TypeVar("T")


class ReplacementRequest(NamedTuple):
    """One line of a rollout plan: move ``deployment_id`` to a registered model version
    (``registered_model_version_id``, DataRobot's current path) or to a Leaderboard model
    (``model_id``, the legacy path); exactly one of the two.

    A plain ``(deployment_id, model_id[, reason])`` tuple is accepted wherever this is (the
    shorthand is for model ids only).

    Example:
        >>> ReplacementRequest("5c6f...", registered_model_version_id="65f0...",
        ...                    reason="SCHEDULED_REFRESH")  # doctest: +SKIP
    """

    deployment_id: str
    model_id: str | None = None
    reason: ModelReplacementReason | str = ModelReplacementReason.OTHER
    registered_model_version_id: str | None = None

    @property
    def target(self) -> Target:
        """The new champion, checked (exactly one of the two ids).

        Raises:
            ValueError, TypeError: both or neither id, or a malformed one.
        """
        return Target.of(self.model_id, self.registered_model_version_id)


class Outcome(str, enum.Enum):
    """How one item of a bulk operation ended."""

    REPLACED = "replaced"
    UPDATED = "updated"
    SKIPPED_CURRENT = "skipped_current"
    REFUSED_VALIDATION = "refused_validation"
    FAILED = "failed"
    TIMED_OUT = "timed_out"
    CANCELLED = "cancelled"
    ROLLED_BACK = "rolled_back"
    ROLLBACK_FAILED = "rollback_failed"
    NOT_STARTED = "not_started"

    def __str__(self) -> str:
        return self.value

    @property
    def ok(self) -> bool:
        """Whether this outcome counts as success."""
        return self in (Outcome.REPLACED, Outcome.UPDATED, Outcome.SKIPPED_CURRENT)


@dataclasses.dataclass(frozen=True)
class ItemResult(Generic[R]):
    """What happened to one item.

    Attributes:
        request: the item as given (a :class:`ReplacementRequest` for rollouts).
        outcome: how it ended.
        deployment: the deployment afterwards, when it was read.
        checks: the validation checks, when the model was refused.
        error: the error, for ``failed``, ``timed_out`` and ``cancelled``.
        resumed: the outcome was taken over from a journal of an earlier run.
    """

    request: R
    outcome: Outcome
    deployment: Deployment | None = None
    checks: dict[str, ValidationCheck] | None = None
    error: BaseException | None = None
    resumed: bool = False


@dataclasses.dataclass(frozen=True)
class BulkResult(Generic[R]):
    """The result of a bulk operation.

    Attributes:
        items: one :class:`ItemResult` per request, in input order.
        elapsed: seconds the whole operation took.
    """

    items: list[ItemResult[R]]
    elapsed: float

    @property
    def counts(self) -> dict[str, int]:
        """Outcome → number of items (every outcome present, zeros included)."""
        seen = Counter(item.outcome.value for item in self.items)
        return {outcome.value: seen.get(outcome.value, 0) for outcome in Outcome}

    @property
    def ok(self) -> bool:
        """Whether every item was replaced, updated or skipped as already current."""
        return all(item.outcome.ok for item in self.items)

    def failed(self) -> list[ItemResult[R]]:
        """The items that did not end well."""
        return [item for item in self.items if not item.outcome.ok]


@dataclasses.dataclass(frozen=True)
class ItemSubmitted:
    """An item's change was accepted by the server.

    ``status_url`` is its job's status URL, or ``None`` when there is none to follow (the
    server's record decides when it is done).
    """

    index: int
    request: Any
    status_url: str | None


@dataclasses.dataclass(frozen=True)
class ItemStatusChanged:
    """An item's job reported a new status."""

    index: int
    request: Any
    status: str


@dataclasses.dataclass(frozen=True)
class ItemFinished:
    """An item ended; ``result`` says how. In a guarded rollout an item replaced and then
    rolled back ends twice (``replaced``, then ``rolled_back``): the later event holds."""

    index: int
    result: ItemResult[Any]


@dataclasses.dataclass(frozen=True)
class WaveProgress:
    """A guarded rollout's wave moved on.

    Attributes:
        wave: 1-based number of the wave.
        waves: how many waves the plan has.
        stage: ``replacing``, ``baking``, ``passed``, ``failed``, ``rolling back`` or
            ``rolled back``.
        items: how many items the wave holds.
        remaining_s: during ``baking``, the seconds of bake left.
        detail: what the gate saw last (e.g. ``0.2 % errors, 340 predictions``), or why the
            wave failed.
    """

    wave: int
    waves: int
    stage: str
    items: int
    remaining_s: float | None = None
    detail: str = ""


BulkEvent = ItemSubmitted | ItemStatusChanged | ItemFinished | WaveProgress
"""What ``on_event`` receives during a bulk operation."""


class FailFastCancelled(AiodeployError):
    """An item stopped because another one failed and ``fail_fast`` was set."""


class StopRun(Exception):
    """Raised by an item's work to end the whole run at once with ``error``: an error no
    other item could escape (the token was refused). The run raises ``error``."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


def relay_stop(error: BaseException, results: object) -> None:
    """An ``on_stop`` of :func:`gather_in_order` nested in a larger run (a guarded
    rollout's wave, bake or rollback): passes the stop on, as :class:`StopRun`, to the
    runner that knows every item's result so far."""
    raise StopRun(error)


def check_concurrency(concurrency: int) -> int:
    """``concurrency``, checked.

    Raises:
        ValueError: not a whole number >= 1.
    """
    if not isinstance(concurrency, int) or isinstance(concurrency, bool) or concurrency < 1:
        raise ValueError(f"concurrency must be a whole number >= 1, got {concurrency!r}")
    return concurrency


async def gather_in_order(
    items: Sequence[R],
    work: Callable[[int, R], Awaitable[T]],
    *,
    stop_after: Callable[[int, T], bool] | None = None,
    on_stop: Callable[[BaseException, list[T | None]], None] | None = None,
) -> list[T | None]:
    """Run ``work(index, item)`` for every item, one task each; results in input order.

    When ``stop_after(index, result)`` is true the items still running are cancelled
    (their result stays ``None``). When ``work`` raises :class:`StopRun`, the others are
    cancelled, ``on_stop(error, results so far)`` is told, and its error is raised. Any
    other exception escaping ``work`` cancels the others and propagates.
    """
    results: list[T | None] = [None] * len(items)
    stopped: list[BaseException] = []

    async def one(index: int, item: R, scope: anyio.CancelScope) -> None:
        try:
            results[index] = result = await work(index, item)
        except StopRun as stop:
            stopped.append(stop.error)
            scope.cancel()
            return
        if stop_after is not None and stop_after(index, result):
            scope.cancel()

    async with anyio.create_task_group() as tg:
        for index, item in enumerate(items):
            tg.start_soon(one, index, item, tg.cancel_scope)
    if stopped:
        if on_stop is not None:
            on_stop(stopped[0], results)
        raise stopped[0]
    return results


async def run_bulk(
    items: Sequence[R],
    work: Callable[[int, R], Awaitable[ItemResult[R]]],
    *,
    fail_fast: bool = False,
    on_event: Callable[[BulkEvent], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> BulkResult[R]:
    """Run ``work`` for every item concurrently; collect the results in input order.

    ``work`` must turn every failure of its item into an :class:`ItemResult`, or raise
    :class:`StopRun` to end the run with an error every item would meet (that error is
    raised, with the results so far as its ``bulk_result``: the items that had not ended
    are ``cancelled``); any other exception escaping it is a bug and cancels the run.
    """
    started = clock()

    def finished(index: int, result: ItemResult[R]) -> bool:
        if on_event is not None:
            on_event(ItemFinished(index, result))
        return fail_fast and not result.outcome.ok  # the others end as CANCELLED below

    def stopped(error: BaseException, results: list[ItemResult[R] | None]) -> None:
        # the items that ended keep their results: the error carries them
        if isinstance(error, AiodeployError):
            final = [
                result if result is not None else ItemResult(item, Outcome.CANCELLED, error=error)
                for item, result in zip(items, results, strict=True)
            ]
            error.bulk_result = BulkResult(final, clock() - started)

    results = await gather_in_order(items, work, stop_after=finished, on_stop=stopped)
    final: list[ItemResult[R]] = []
    for index, item in enumerate(items):
        result = results[index]
        if result is None:
            result = ItemResult(item, Outcome.CANCELLED, error=FailFastCancelled(
                "stopped because another item failed and fail_fast was set"))  # fmt: skip
            if on_event is not None:
                on_event(ItemFinished(index, result))
        final.append(result)
    return BulkResult(final, clock() - started)
