"""What a rollout would do with each item, without changing anything (``--dry-run``).

Each item's deployment is read (to show what it serves now), then the rollout's own
decision (:func:`~aiodeploy._api.replacement.decide`) says replace, skip or refuse. Only
GETs and validation POSTs are sent.
"""

from __future__ import annotations

import dataclasses

import anyio

from ._api.deployments import get_deployment
from ._api.replacement import Step, decide
from ._bulk import ReplacementRequest, gather_in_order
from ._models import Deployment, ReplacementValidation, ValidationCheck
from ._session import Session
from .errors import AiodeployError

__all__ = ["PREVIEW_ACTIONS", "ReplacementPreview", "preview_replacements"]

PREVIEW_ACTIONS = ("replace", "skip", "refuse", "error")
"""What a rollout would do with an item; ``error``: the item could not even be checked."""

_ACTIONS = {Step.REPLACE: "replace", Step.SKIP: "skip", Step.REFUSE: "refuse"}


@dataclasses.dataclass(frozen=True)
class ReplacementPreview:
    """What :meth:`~aiodeploy.AsyncDeploymentClient.replace_models` would do with one item.

    Attributes:
        request: the plan item.
        action: ``replace``, ``skip`` (already serves the model), ``refuse`` (validation
            fails) or ``error`` (the item could not be checked).
        deployment: the deployment as read, when it could be.
        validation: the validation, when one was made.
        error: why the item could not be checked (``action == "error"``).
    """

    request: ReplacementRequest
    action: str
    deployment: Deployment | None = None
    validation: ReplacementValidation | None = None
    error: AiodeployError | None = None

    @property
    def current_model_id(self) -> str | None:
        """The model the deployment serves now, when it was read."""
        model = self.deployment.model if self.deployment else None
        return model.id if model else None

    @property
    def checks(self) -> dict[str, ValidationCheck] | None:
        """The validation checks, when validated."""
        return self.validation.checks if self.validation else None


async def preview_replacements(
    session: Session,
    plan: list[ReplacementRequest],
    *,
    concurrency: int,
    validate: bool,
    skip_if_current: bool,
) -> list[ReplacementPreview]:
    """Preview every item, ``concurrency`` at a time; results in plan order."""
    limiter = anyio.CapacityLimiter(concurrency)

    async def one(index: int, request: ReplacementRequest) -> ReplacementPreview:
        dep_id = request.deployment_id
        async with limiter:
            try:
                deployment = await get_deployment(session, dep_id)
                decision = await decide(
                    session,
                    dep_id,
                    request.target,
                    validate=validate,
                    skip_if_current=skip_if_current,
                    deployment=deployment,
                )
            except AiodeployError as exc:
                return ReplacementPreview(request, "error", error=exc)
        return ReplacementPreview(request, _ACTIONS[decision.step], deployment, decision.validation)

    previews = await gather_in_order(plan, one)
    return [preview for preview in previews if preview is not None]
