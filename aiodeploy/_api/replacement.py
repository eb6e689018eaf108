"""Model replacement: validation, the PATCH that starts it, and whether an item should go.

The new champion is a :class:`~aiodeploy._target.Target`: a registered model version
(``modelPackageId``) or a Leaderboard model (``modelId``). :func:`next_step` is the one rule
a rollout and its preview (the CLI's ``--dry-run``) use to decide an item: skip it (it
already serves the target), refuse it (its validation fails), or replace it.
:func:`decide` drives that rule with the reads it asks for.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Awaitable, Callable

import msgspec

from .. import _wire
from .._deadline import Deadline
from .._models import Deployment, ReplacementValidation
from .._session import Session
from .._target import Target
from ..enums import ModelReplacementReason
from ..errors import (
    AiodeployError,
    ConflictError,
    CrossOriginError,
    ResponseDecodeError,
    ServerError,
    TransportError,
    UnprocessableEntityError,
)
from .deployments import get_deployment
from .operation import ReplacementOperation, utc_now

__all__ = [
    "Decision",
    "Step",
    "decide",
    "next_step",
    "start_replacement",
    "submit_replacement",
    "validate_model",
]

_validation = msgspec.json.Decoder(ReplacementValidation)


async def validate_model(
    session: Session, dep_id: str, target: Target, *, deadline: Deadline | None = None
) -> ReplacementValidation:
    """``POST deployments/{id}/model/validation/`` with ``{"modelPackageId"}`` or
    ``{"modelId"}``.

    A validation changes nothing, so it is retried like a GET, though it is a POST.
    """
    path = f"deployments/{dep_id}/model/validation/"
    response = await session.send(
        "POST", path, json=target.body, idempotent=True, deadline=deadline
    )
    return _wire.decode(response, _validation)


async def start_replacement(
    session: Session,
    dep_id: str,
    target: Target,
    reason: ModelReplacementReason,
    *,
    deadline: Deadline | None = None,
    on_retry: Callable[[BaseException], None] | None = None,
) -> ReplacementOperation:
    """``PATCH deployments/{id}/model/`` (202 + ``Location``): the replacement in flight
    (``on_retry``: told each error the PATCH is sent again after)."""
    body = {**target.body, "reason": reason}
    status_url = await session.submit_job(
        "PATCH", f"deployments/{dep_id}/model/", body, deadline=deadline, on_retry=on_retry
    )
    return _accepted(session, dep_id, target, reason, status_url=status_url)


async def submit_replacement(
    session: Session,
    dep_id: str,
    target: Target,
    reason: ModelReplacementReason,
    *,
    deadline: Deadline | None,
    before_send: Callable[[], Awaitable[None]] | None = None,
    in_doubt: bool = False,
) -> ReplacementOperation:
    """Send the replacement PATCH and return the accepted replacement, whatever happened to
    the answer.

    When the answer does not say (the connection broke after sending, a 5xx, a garbled
    202, a 409 while a replacement runs, a 422 to a PATCH sent again after the server may
    have taken it) the deployment decides: if it serves the target the replacement was
    accepted; if not, the PATCH provably did not take effect and is
    sent again (at most ``max_attempts`` times). A 202 whose status URL is on another
    origin was accepted; its status is not followed (no request, no token, goes there).

    Args:
        session: the session.
        dep_id: the deployment.
        target: the new champion.
        reason: the replacement reason.
        deadline: bounds the whole submission, the reads that settle a doubt included
            (``None``: the PATCH is unbounded, and a doubt is settled within the client's
            ``max_wait``).
        before_send: awaited before each PATCH is sent (a rollout journals it).
        in_doubt: a PATCH was sent earlier and its fate is unknown: read first.

    Raises:
        UnprocessableEntityError: the server refused the model.
        ConflictError: another model's replacement is running on the deployment.
        AiodeployError: every PATCH was lost and the deployment never showed it.
        APIError, TransportError, AsyncTimeoutError: as for :meth:`Session.send`.
    """
    resent = 0
    sent_before = in_doubt  # a PATCH may have reached the server before this answer
    refusal: ConflictError | UnprocessableEntityError | None = None
    doubt: Exception | None = None  # the last answer that did not say

    def retried(_: BaseException) -> None:
        nonlocal sent_before
        sent_before = True

    while True:
        if not in_doubt:
            if before_send is not None:
                await before_send()
            try:
                return await start_replacement(
                    session, dep_id, target, reason, deadline=deadline, on_retry=retried
                )
            except CrossOriginError:
                return _accepted(session, dep_id, target, reason, status_url=None)
            except TransportError as exc:
                if not exc.request_sent:
                    raise
                doubt = exc
            except ConflictError as exc:
                refusal = doubt = exc
            except UnprocessableEntityError as exc:
                if not sent_before:
                    raise  # the first PATCH refused: the server's own words
                # a refusal of a PATCH sent again after the server may have taken it (a
                # gateway's 503 + Retry-After once it acted): the deployment tells
                refusal = doubt = exc
            except (ServerError, ResponseDecodeError) as exc:
                doubt = exc  # the server may have acted: the deployment tells
        if deadline is None:
            deadline = session.deadline(None)
        deployment = await get_deployment(session, dep_id, deadline=deadline, persist=True)
        if target.served_by(deployment):
            return _accepted(session, dep_id, target, reason, status_url=None)
        if refusal is not None:
            raise refusal  # refused, or another model's replacement is running
        if resent >= session.retry.max_attempts:
            raise AiodeployError(
                f"the replacement of {dep_id} did not take effect: no answer to its "
                f"{resent + 1} PATCH requests said so, and the deployment does not serve "
                f"{target}"
            ) from doubt
        resent += 1
        in_doubt = False
        sent_before = True


def _accepted(
    session: Session,
    dep_id: str,
    target: Target,
    reason: ModelReplacementReason,
    *,
    status_url: str | None,
) -> ReplacementOperation:
    return ReplacementOperation(
        session,
        deployment_id=dep_id,
        model_id=target.model_id,
        registered_model_version_id=target.version_id,
        reason=reason,
        status_url=status_url,
        submitted_at=utc_now(),
    )


class Step(str, enum.Enum):
    """What to do next with one item of a rollout."""

    VALIDATE = "validate"
    READ_DEPLOYMENT = "read_deployment"
    REPLACE = "replace"
    SKIP = "skip"
    REFUSE = "refuse"


def next_step(
    target: Target,
    *,
    validate: bool,
    skip_if_current: bool,
    validation: ReplacementValidation | None = None,
    deployment: Deployment | None = None,
) -> Step:
    """The next step for an item moving to ``target``, from what is known so far.

    With validation on, the validation alone decides (one request): a model already
    deployed fails its ``notCurrentModel`` check, and only then is the deployment needed to
    tell "skip, it is current" from "refuse". Without validation, a deployment already on
    the model is skipped (when ``skip_if_current``), anything else replaced.
    """
    if validate:
        if validation is None:
            return Step.VALIDATE
        if validation.ok:
            return Step.REPLACE
        current = validation.checks.get("notCurrentModel")
        if not (skip_if_current and current is not None and current.status == "failing"):
            return Step.REFUSE
        if deployment is None:
            return Step.READ_DEPLOYMENT
        return Step.SKIP if target.served_by(deployment) else Step.REFUSE
    if not skip_if_current:
        return Step.REPLACE
    if deployment is None:
        return Step.READ_DEPLOYMENT
    return Step.SKIP if target.served_by(deployment) else Step.REPLACE


@dataclasses.dataclass(frozen=True)
class Decision:
    """The final step for an item, with what was read to reach it."""

    step: Step
    validation: ReplacementValidation | None = None
    deployment: Deployment | None = None


async def decide(
    session: Session,
    dep_id: str,
    target: Target,
    *,
    validate: bool,
    skip_if_current: bool,
    deployment: Deployment | None = None,
    deadline: Deadline | None = None,
) -> Decision:
    """Read what :func:`next_step` asks for until it says replace, skip or refuse."""
    validation: ReplacementValidation | None = None
    while True:
        step = next_step(
            target,
            validate=validate,
            skip_if_current=skip_if_current,
            validation=validation,
            deployment=deployment,
        )
        if step is Step.VALIDATE:
            validation = await validate_model(session, dep_id, target, deadline=deadline)
        elif step is Step.READ_DEPLOYMENT:
            deployment = await get_deployment(session, dep_id, deadline=deadline)
        else:
            return Decision(step, validation, deployment)
