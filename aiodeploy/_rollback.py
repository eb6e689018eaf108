"""Rolling back the failing wave of a guarded rollout, one deployment at a time.

Each replaced deployment of the wave goes back to what it served before (what this run
read before its PATCH, else the ``previous_*`` of its journalled ``submitting`` record,
else the entry before the last in its model history) with reason ``ERRORS``. Its steps are
journalled like a replacement's (``rollback`` records: ``submitting``, ``submitted`` with
the operation's token, ``finished`` with the outcome), so that a killed run finishes a
rollback in progress, settles a PATCH whose answer it never heard by reading the
deployment, and never sends a rollback again once it ended, well or not. A refused token
(a 401, or a 403 for the whole endpoint) does not end a rollback: it stops the run, and
the rollback is left for a rerun with a valid token to finish.
"""

from __future__ import annotations

from ._api.deployments import get_model_history
from ._api.operation import ReplacementOperation, follow
from ._api.replacement import submit_replacement
from ._bulk import ItemResult, Outcome, ReplacementRequest, StopRun
from ._deadline import Deadline
from ._journal import ItemState
from ._rollout import Rollout
from ._target import Target
from .enums import ModelReplacementReason
from .errors import AiodeployError

__all__ = ["FAILED_BY_GATE", "ROLLED_BACK", "RollBack"]

ROLLED_BACK = "rolled back: "
"""How the error of a rolled back item starts; the reason follows."""
FAILED_BY_GATE = "the health gate failed it: "
"""The reason of a deployment the gate itself failed starts so (its wave's others say why
the wave failed); the gate's own words follow."""


class RollBack:
    """Puts the replaced deployments of a failing wave back where they were."""

    def __init__(self, rollout: Rollout, plan: list[ReplacementRequest]) -> None:
        self.rollout = rollout
        self.plan = plan

    def _state(self, index: int) -> ItemState:
        journal = self.rollout.journal
        return (journal.items.get(index) if journal is not None else None) or ItemState()

    async def item(self, index: int, why: str) -> ItemResult[ReplacementRequest]:
        """Roll one deployment back; its outcome is ``rolled_back`` (the error says why it
        was) or ``rollback_failed`` (the error says what failed). Never raises for the
        item's own failure.

        Raises:
            StopRun: the token was refused; nothing is journalled as ended.
        """
        request = self.plan[index]
        state = self._state(index)
        reason = AiodeployError(f"{ROLLED_BACK}{why}")
        if state.rollback == "finished":  # ended in an earlier run: never sent again
            outcome = Outcome(state.rollback_outcome or Outcome.ROLLBACK_FAILED.value)
            return ItemResult(request, outcome, error=reason, resumed=True)
        session = self.rollout.session
        try:
            async with self.rollout.limiter:
                deadline = Deadline.after(self.rollout.max_wait, session.clock)
                if state.rollback_token is not None:
                    operation = ReplacementOperation.from_token(session, state.rollback_token)
                else:
                    target = await self.previous(index, state, deadline)
                    operation = await self._submit(index, target, deadline, state)
            deployment = None
            async for event in follow(operation, deadline):
                deployment = event.deployment
        except AiodeployError as exc:
            if await self.rollout.access.stops_everything(exc):
                raise StopRun(exc) from exc  # the same token would fail every rollback
            await self._record(index, "finished", outcome=Outcome.ROLLBACK_FAILED)
            error = AiodeployError(f"the rollback failed ({exc}); it was rolled back because {why}")
            return ItemResult(request, Outcome.ROLLBACK_FAILED, error=error)
        await self._record(index, "finished", outcome=Outcome.ROLLED_BACK)
        return ItemResult(request, Outcome.ROLLED_BACK, deployment=deployment, error=reason)

    async def _submit(
        self, index: int, target: Target, deadline: Deadline, state: ItemState
    ) -> ReplacementOperation:
        async def journal() -> None:
            await self._record(index, "submitting")

        operation = await submit_replacement(
            self.rollout.session,
            self.plan[index].deployment_id,
            target,
            ModelReplacementReason.ERRORS,
            deadline=deadline,
            before_send=journal,
            in_doubt=state.rollback == "submitting",
        )
        await self._record(index, "submitted", token=operation.token())
        return operation

    async def _record(
        self, index: int, step: str, *, token: str | None = None, outcome: Outcome | None = None
    ) -> None:
        journal = self.rollout.journal
        if journal is None:
            return
        record: dict[str, object] = {"type": "rollback", "index": index, "step": step}
        if token is not None:
            record["token"] = token
        if outcome is not None:
            record["outcome"] = outcome.value
        await journal.append(record)

    async def previous(self, index: int, state: ItemState, deadline: Deadline) -> Target:
        """What the deployment served before its wave, by the path its request took (a
        registered model version for a request by version, else a Leaderboard model).

        Raises:
            AiodeployError: nothing known, and the model history has no earlier entry.
        """
        request = self.plan[index]
        by_version = request.registered_model_version_id is not None
        before = self.rollout.previous.get(index)
        if before is not None:
            package = before.model_package
            model = before.model.id if before.model else None
            version = package.id if package else None
        else:
            model, version = state.previous_model_id, state.previous_version_id
        if by_version and version is not None:
            return Target(version_id=version)
        if not by_version and model is not None:
            return Target(model_id=model)
        history = await get_model_history(
            self.rollout.session, request.deployment_id, deadline=deadline
        )
        if len(history) < 2:
            raise AiodeployError(f"{request.deployment_id} has no earlier model to go back to")
        earlier = history[-2]  # the last entry is the wave's own replacement
        if by_version and earlier.model_package_id:
            return Target(version_id=earlier.model_package_id)
        return Target(model_id=earlier.model_id)
