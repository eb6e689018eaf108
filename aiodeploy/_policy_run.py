"""Planning and applying a fleet policy over a Session.

The plan reads the selected deployments' settings (only the routes the policy needs),
concurrently, and diffs them with :func:`~aiodeploy._settings_diff.diff_settings`. Applying
sends, per deployment, one request per differing route (the ``settings/`` families in one
PATCH), with the bulk runner, resumably (:func:`~aiodeploy._journaled.run_journaled`): the
journal is tied to the policy's content, the selection and the endpoint, and only resumes
an interrupted run; after a completed run it is started afresh, so the next run plans from
the server again (and sends nothing when nothing differs).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import msgspec

from ._api import challengers
from ._api import settings_families as families
from ._api.access import AccessCheck
from ._api.deployments import get_deployment, list_params
from ._api.listing import list_deployments
from ._bulk import (
    BulkEvent,
    BulkResult,
    ItemResult,
    ItemSubmitted,
    Outcome,
    StopRun,
    gather_in_order,
)
from ._deadline import Deadline
from ._families import FAMILIES
from ._journal import Journal, operation_fingerprint
from ._journaled import run_journaled
from ._models import Deployment
from ._policy import Policy
from ._session import Session
from ._settings_diff import ChangeRequest, FamilyChange, diff_family, diff_settings, requests_for
from .errors import AiodeployError, AsyncTimeoutError, NotFoundError

__all__ = ["DeploymentPlan", "PolicyItemError", "PolicyPlan", "apply_policy", "plan_policy"]


@dataclasses.dataclass(frozen=True)
class DeploymentPlan:
    """One selected deployment: what differs from the policy.

    Attributes:
        deployment: the deployment as listed.
        changes: the families that differ, with their fields (empty: it matches).
        error: why its settings could not be read (then ``changes`` is empty).
    """

    deployment: Deployment
    changes: tuple[FamilyChange, ...] = ()
    error: BaseException | None = None

    @property
    def deployment_id(self) -> str:
        """The deployment's id."""
        return self.deployment.id


@dataclasses.dataclass(frozen=True)
class PolicyPlan:
    """What applying a policy would change.

    Attributes:
        items: every selected deployment, in the list's order.
        missing_ids: ids the policy names that do not exist (or that the token cannot see).
        unselected_ids: ids the policy names that exist but another select key leaves out
            (the keys combine with AND): not selected, and not an error.
    """

    items: list[DeploymentPlan]
    missing_ids: list[str] = dataclasses.field(default_factory=list)
    unselected_ids: list[str] = dataclasses.field(default_factory=list)

    def changing(self) -> list[DeploymentPlan]:
        """The deployments with something to change."""
        return [item for item in self.items if item.changes]

    def unreadable(self) -> list[DeploymentPlan]:
        """The deployments whose settings could not be read."""
        return [item for item in self.items if item.error is not None]

    @property
    def matches(self) -> bool:
        """Whether every selected deployment already matches (and every id was found)."""
        return not (self.changing() or self.unreadable() or self.missing_ids)


class PolicyItemError(AiodeployError):
    """Some of a deployment's changes failed; ``failures`` maps the families of each failed
    request (``"association_id, challenger_models"``) to its error, whose message is the
    server's reason. The other requests of the deployment were sent."""

    def __init__(self, failures: dict[str, BaseException]) -> None:
        super().__init__("; ".join(f"{name}: {error}" for name, error in failures.items()))
        self.failures = failures


@dataclasses.dataclass(frozen=True)
class _Selected:
    deployments: list[Deployment]
    missing_ids: list[str]
    unselected_ids: list[str]


async def select_deployments(session: Session, policy: Policy) -> _Selected:
    """The deployments a policy selects; of the ids it names but the filtered list lacks,
    those that do not exist and those another select key leaves out."""
    selection = policy.selection
    found = await list_deployments(session, list_params(None, None, None, None, selection.query()))
    if selection.tags:
        wanted = set(selection.tags)
        found = [d for d in found if wanted <= {(t.name, t.value) for t in d.tags}]
    if selection.ids is None:
        return _Selected(found, [], [])
    by_id = {d.id: d for d in found}
    chosen = [by_id[i] for i in selection.ids if i in by_id]
    absent = list(dict.fromkeys(i for i in selection.ids if i not in by_id))
    if not absent or not (selection.search is not None or selection.tags or selection.filters):
        return _Selected(chosen, absent, [])  # the list was not narrowed: absent is missing

    async def exists(_: int, dep_id: str) -> bool:
        try:
            await get_deployment(session, dep_id)
        except NotFoundError:
            return False
        return True

    # one read per absent id tells a deployment left out by another key from a missing one
    found_ids = await gather_in_order(absent, exists)
    return _Selected(
        chosen,
        [i for i, seen in zip(absent, found_ids, strict=True) if not seen],
        [i for i, seen in zip(absent, found_ids, strict=True) if seen],
    )


async def plan_policy(session: Session, policy: Policy, *, concurrency: int) -> PolicyPlan:
    """Read the selected deployments' settings concurrently and diff them with the policy.

    Raises:
        AuthenticationError, PermissionDeniedError: the token is refused (no item can be
            read); other read errors are per-deployment (``DeploymentPlan.error``).
    """
    selected = await select_deployments(session, policy)
    limiter = anyio.CapacityLimiter(concurrency)
    access = AccessCheck(session)
    routes = policy.routes

    async def one(index: int, dep: Deployment) -> DeploymentPlan:
        try:
            async with limiter:
                readings = await families.read(session, dep.id, routes)
        except AiodeployError as exc:
            if await access.stops_everything(exc):
                raise StopRun(exc) from exc
            return DeploymentPlan(dep, error=exc)
        return DeploymentPlan(dep, tuple(diff_settings(policy.settings, readings)))

    items = await gather_in_order(selected.deployments, one)
    return PolicyPlan(
        [item for item in items if item is not None],
        selected.missing_ids,
        selected.unselected_ids,
    )


async def forget_completed_journal(path: str | os.PathLike[str], origin: str) -> None:
    """Remove the journal at ``path`` if it records a run that ended (every item finished):
    only an interrupted run is resumed. It is removed under its lock, so a run holding it
    is never disturbed (:class:`~aiodeploy.errors.JournalInUseError` then)."""
    file = Path(path)
    header = await anyio.to_thread.run_sync(_journal_header, file)
    if header is None:
        return  # no journal yet, or not one: run_journaled says which
    plan, size = header
    opened = await Journal.open(file, plan, size, origin=origin)
    try:
        states = opened.items
        if all(i in states and states[i].outcome is not None for i in range(size)):
            await anyio.Path(file).unlink()  # while locked: no other run has it open
    finally:
        await opened.aclose()


def _journal_header(file: Path) -> tuple[str, int] | None:
    """The plan fingerprint and size a journal file starts with, or ``None``."""
    try:
        with file.open("rb") as handle:
            first = handle.readline()
        header = msgspec.json.decode(first)
    except (FileNotFoundError, msgspec.DecodeError):
        return None
    if not isinstance(header, dict) or not first.endswith(b"\n"):
        return None
    plan, size = header.get("plan"), header.get("items")
    if not isinstance(plan, str) or not isinstance(size, int) or isinstance(size, bool):
        return None
    return plan, size


async def apply_policy(
    session: Session,
    policy: Policy,
    plan: PolicyPlan,
    *,
    concurrency: int,
    journal: str | os.PathLike[str] | None,
    fail_fast: bool,
    max_wait: float,
    on_event: Callable[[BulkEvent], None] | None,
) -> BulkResult[DeploymentPlan]:
    """Make every planned change; outcomes ``updated``, ``skipped_current`` (nothing
    differed), ``failed`` (a read or a change failed: :class:`PolicyItemError` holds the
    server's reasons), ``timed_out``. ``max_wait`` bounds each deployment's changes."""
    limiter = anyio.CapacityLimiter(concurrency)
    access = AccessCheck(session)

    async def work(index: int, item: DeploymentPlan) -> ItemResult[DeploymentPlan]:
        if item.error is not None:
            return ItemResult(item, Outcome.FAILED, error=item.error)
        if not item.changes:
            return ItemResult(item, Outcome.SKIPPED_CURRENT)
        deadline = Deadline.after(max_wait, session.clock)
        failures: dict[str, BaseException] = {}
        for request in requests_for(item.changes):
            error = await _attempt(session, item, request, limiter, deadline)
            if isinstance(error, AsyncTimeoutError):
                return ItemResult(item, Outcome.TIMED_OUT, error=error)
            if error is not None:
                if await access.stops_everything(error):
                    raise StopRun(error) from error
                failures[", ".join(request.families)] = error
        if on_event is not None:
            on_event(ItemSubmitted(index, item, None))
        if failures:
            return ItemResult(item, Outcome.FAILED, error=PolicyItemError(failures))
        return ItemResult(item, Outcome.UPDATED)

    origin = session.transport.origin_url
    ids = [item.deployment_id for item in plan.items]
    fingerprint = operation_fingerprint("apply_policy", {"policy": policy.fingerprint()}, ids)
    if journal is not None:
        await forget_completed_journal(journal, origin)
    return await run_journaled(
        plan.items,
        work,
        journal=journal,
        fingerprint=fingerprint,
        origin=origin,
        fail_fast=fail_fast,
        on_event=on_event,
        clock=session.clock,
    )


async def _attempt(
    session: Session,
    item: DeploymentPlan,
    request: ChangeRequest,
    limiter: anyio.CapacityLimiter,
    deadline: Deadline,
) -> AiodeployError | None:
    """:func:`_send`, its error returned: one request's failure does not stop the others."""
    try:
        await _send(session, item, request, limiter, deadline)
    except AiodeployError as exc:
        return exc
    return None


async def _send(
    session: Session,
    item: DeploymentPlan,
    request: ChangeRequest,
    limiter: anyio.CapacityLimiter,
    deadline: Deadline,
) -> None:
    """One request of a deployment's changes (intervals computed first where needed)."""
    changes = {c.family: c for c in item.changes if c.family in request.families}
    intervals = changes.get("prediction_intervals")
    if intervals is not None and intervals.values.get("percentiles"):
        model = item.deployment.model
        if model is None or model.project_id is None:
            raise AiodeployError(f"{item.deployment_id} has no Leaderboard model to compute for")
        async with limiter:
            await challengers.calculate_prediction_intervals(
                session, model.project_id, model.id, intervals.values["percentiles"][0], deadline
            )

    def shows(readings: Any) -> bool:
        return all(
            diff_family(FAMILIES[name], change.values, readings) is None
            for name, change in changes.items()
        )

    await families.send_change(
        session, item.deployment_id, request.route, request.body,
        deadline=deadline, shows=shows, limiter=limiter,
    )  # fmt: skip
