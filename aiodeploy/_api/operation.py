"""``ReplacementOperation``: a model replacement in flight, as an awaitable handle.

Its job is followed on its status URL. When there is none to follow (the server's answer to
the PATCH was lost, or named a status URL on another origin, which gets no request), the
server's own record decides: the replacement is done once the model history shows it, and
failed if the deployment went back to its previous model.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import AsyncGenerator, Generator
from datetime import datetime, timezone
from typing import Any

import msgspec

from .._deadline import Deadline
from .._models import Deployment, ModelHistoryEntry
from .._polling import JobDone, JobPending, interpret_status
from .._session import Session
from .._target import Target
from .._wire import check_id
from ..enums import ModelReplacementReason
from ..errors import AsyncFailureError, AsyncProcessUnsuccessfulError, NotFoundError
from .deployments import get_deployment, get_model_history

__all__ = ["ReplacementEvent", "ReplacementOperation", "follow", "utc_now"]

# Version 1 always names a model and a status URL; version 2 may name a registered model
# version instead, and may have no status URL. A token is written as version 1 whenever it
# can be, so that tokens of older releases and of this one read alike.
TOKEN_VERSIONS = (1, 2)


class _Token(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    v: int
    deployment_id: str
    reason: ModelReplacementReason
    submitted_at: datetime
    model_id: str | None = None
    status_url: str | None = None
    registered_model_version_id: str | None = None


_token_decoder = msgspec.json.Decoder(_Token)
_token_encoder = msgspec.json.Encoder()


@dataclasses.dataclass(frozen=True)
class ReplacementEvent:
    """One status change of a replacement job.

    Attributes:
        status: ``INITIALIZED``, ``RUNNING`` or, last, ``COMPLETED``.
        deployment: on the ``COMPLETED`` event, the refreshed deployment.
    """

    status: str
    deployment: Deployment | None = None


class ReplacementOperation:
    """A submitted model replacement. Await it for the refreshed :class:`Deployment`.

    Returned by :meth:`AsyncDeploymentClient.start_model_replacement` as soon as the server
    accepted the replacement (the deployment already serves the new model then).

    Example:
        >>> op = await client.start_model_replacement(dep, model_id, "ACCURACY")  # doctest: +SKIP
        >>> saved = op.token()             # persist it: resume_replacement(saved) later
        >>> dep = await op                 # or: await op.wait(max_wait=120)

    Cancelling a task that awaits the operation stops its polling only; the server's job
    goes on, and the operation can be awaited again.

    Attributes:
        deployment_id: the deployment being changed.
        model_id: the Leaderboard model it is being changed to (``None`` when it is a
            registered model version).
        registered_model_version_id: the registered model version it is being changed to
            (``None`` on the legacy, Leaderboard-model path).
        reason: the replacement reason sent.
        status_url: the job's status URL, or ``None`` when there is none to follow (the
            answer to the PATCH was lost, or its status URL was on another origin): the
            model history then tells when the replacement is done.
        submitted_at: when the server accepted the replacement (UTC).
    """

    def __init__(
        self,
        session: Session,
        *,
        deployment_id: str,
        model_id: str | None,
        reason: ModelReplacementReason,
        status_url: str | None,
        submitted_at: datetime,
        registered_model_version_id: str | None = None,
    ) -> None:
        self._session = session
        self._target = Target(model_id, registered_model_version_id)
        self.deployment_id = deployment_id
        self.model_id = model_id
        self.registered_model_version_id = registered_model_version_id
        self.reason = reason
        self.status_url = status_url
        self.submitted_at = submitted_at
        self._last_status: str | None = None
        self._result: Deployment | None = None
        self._error: BaseException | None = None

    def __repr__(self) -> str:
        return (
            f"<ReplacementOperation deployment={self.deployment_id} to {self._target} "
            f"status={self.last_status}>"
        )

    def __await__(self) -> Generator[Any, None, Deployment]:
        return self.wait().__await__()

    @property
    def last_status(self) -> str | None:
        """The last job status seen (``None`` before the first poll)."""
        return self._last_status

    def done(self) -> bool:
        """Whether the job has ended, successfully or not."""
        return self._result is not None or self._error is not None

    def result(self) -> Deployment:
        """The refreshed deployment of a finished operation.

        Raises:
            RuntimeError: the operation has not finished.
            AiodeployError: the error the operation ended with.
        """
        if self._error is not None:
            raise self._error
        if self._result is None:
            raise RuntimeError("the replacement has not finished; await it first")
        return self._result

    def token(self) -> str:
        """A small JSON string from which :meth:`~AsyncDeploymentClient.resume_replacement`
        rebuilds this operation, in another process if need be. It holds no secret."""
        first = self.status_url is not None and self.registered_model_version_id is None
        return _token_encoder.encode(
            _Token(
                v=1 if first else 2,
                deployment_id=self.deployment_id,
                model_id=self.model_id,
                reason=self.reason,
                status_url=self.status_url,
                submitted_at=self.submitted_at,
                registered_model_version_id=self.registered_model_version_id,
            )
        ).decode()

    @classmethod
    def from_token(cls, session: Session, token: str) -> ReplacementOperation:
        """Rebuild an operation from :meth:`token`'s output.

        Raises:
            ValueError: the token is malformed or of an unknown version.
            CrossOriginError: its status URL is not on the client's endpoint.
        """
        try:
            data = _token_decoder.decode(token)
        except (msgspec.DecodeError, UnicodeDecodeError, TypeError) as exc:
            raise ValueError(f"not a replacement token: {exc}") from None
        first = data.model_id is not None and data.status_url is not None
        if data.v not in TOKEN_VERSIONS or (data.v == 1 and not first):
            raise ValueError(f"unsupported replacement token version {data.v}")
        target = Target.of(data.model_id, data.registered_model_version_id)
        return cls(
            session,
            deployment_id=check_id(data.deployment_id, "deployment id"),
            model_id=target.model_id,
            registered_model_version_id=target.version_id,
            reason=data.reason,
            status_url=None if data.status_url is None else session.url_for(data.status_url),
            submitted_at=data.submitted_at,
        )

    async def status(self) -> str:
        """Poll the job once; return its status (``COMPLETED`` once it has finished).

        Without a status URL, the model history is read instead (``RUNNING`` until it shows
        the replacement).
        """
        if self._result is not None:
            return "COMPLETED"
        if self.status_url is None:
            history = await get_model_history(self._session, self.deployment_id)
            self._last_status = "COMPLETED" if self._shown(history) else "RUNNING"
            return self._last_status
        outcome = interpret_status(await self._session.send("GET", self.status_url))
        self._last_status = "COMPLETED" if isinstance(outcome, JobDone) else outcome.status
        return self._last_status

    async def wait(self, *, max_wait: float | None = None) -> Deployment:
        """Wait for the job with backoff polling; return the refreshed deployment.

        Args:
            max_wait: seconds (default: the client's ``max_wait``), polls, retries and the
                read of the deployment included.

        Raises:
            AsyncTimeoutError: ``max_wait`` passed first; the operation can be awaited again.
            AsyncProcessUnsuccessfulError: the job failed (the server rolled back).
            AsyncFailureError: the job's status is gone and the deployment does not serve
                the new model.
        """
        async with contextlib.aclosing(follow(self, self._session.deadline(max_wait))) as events:
            async for _ in events:
                pass
        return self.result()

    def events(self, *, max_wait: float | None = None) -> AsyncGenerator[ReplacementEvent, None]:
        """Yield each status change once, then a ``COMPLETED`` event with the deployment.

        Args:
            max_wait: seconds from this call (default: the client's ``max_wait``).

        Raises:
            The same errors as :meth:`wait`, after the events seen so far.
        """
        return follow(self, self._session.deadline(max_wait))

    def _polls(self, deadline: Deadline) -> AsyncGenerator[JobPending | JobDone, None]:
        assert self.status_url is not None
        return self._session.poll_job(
            self.status_url,
            deadline=deadline,
            kind="replacement",
            elapsed_at_start=max(0.0, (utc_now() - self.submitted_at).total_seconds()),
        )

    async def _read_deployment(self, deadline: Deadline) -> Deployment:
        # The read after the job belongs to the wait: its retries end with the polls'.
        return await get_deployment(
            self._session, self.deployment_id, deadline=deadline, persist=True
        )

    async def _conclude(self, error: Exception | None, deadline: Deadline) -> None:
        """Record how the polling ended: read the deployment, or keep a final error.

        Timeouts and transport errors are re-raised without being kept: they say nothing
        final about the job, and the operation can be awaited again.
        """
        if isinstance(error, NotFoundError):
            # The status resource expired (e.g. resumed long after): the deployment decides.
            self._result = await self._settle_without_status(error, deadline)
        elif isinstance(error, (AsyncProcessUnsuccessfulError, AsyncFailureError)):
            self._error = error
            raise error
        elif error is not None:
            raise error
        else:
            self._result = await self._read_deployment(deadline)
        self._last_status = "COMPLETED"

    def _shown(self, history: list[ModelHistoryEntry]) -> bool:
        return bool(history) and self._target.shown_by(history[-1])

    async def _settle_from_history(self, deadline: Deadline) -> None:
        """With no status URL: done once the model history shows the replacement (its job
        completed); failed once the deployment serves its previous model again."""
        session, dep_id = self._session, self.deployment_id
        url = f"deployments/{dep_id}/modelHistory/"

        async def read(deadline: Deadline) -> list[ModelHistoryEntry]:
            history = await get_model_history(session, dep_id, deadline=deadline, persist=True)
            if not self._shown(history):
                deployment = await self._read_deployment(deadline)
                if not self._target.served_by(deployment):
                    self._error = AsyncProcessUnsuccessfulError(
                        url=url,
                        status="ERROR",
                        job_message="the deployment went back to its previous model",
                    )
                    raise self._error
            return history

        await session.read_until(read, self._shown, deadline=deadline, url=url)
        self._result = await self._read_deployment(deadline)
        self._last_status = "COMPLETED"

    async def _settle_without_status(self, gone: NotFoundError, deadline: Deadline) -> Deployment:
        deployment = await self._read_deployment(deadline)
        if self._target.served_by(deployment):
            return deployment
        serving = deployment.model.id if deployment.model else None
        error = AsyncFailureError(
            f"the status of the replacement of {self.deployment_id} is gone and the "
            f"deployment serves model {serving}, not {self._target}",
            url=self.status_url or "",
            status_code=gone.status_code,
        )
        self._error = error
        raise error from gone


async def follow(
    operation: ReplacementOperation, deadline: Deadline
) -> AsyncGenerator[ReplacementEvent, None]:
    """The events of ``operation`` until its job ends or ``deadline`` passes (what
    :meth:`ReplacementOperation.events` yields; rollouts pass their item's deadline)."""
    if not operation.done() and operation.status_url is None:
        await operation._settle_from_history(deadline)
    elif not operation.done():
        try:
            async with contextlib.aclosing(operation._polls(deadline)) as polls:
                async for outcome in polls:
                    if isinstance(outcome, JobPending) and outcome.status != operation._last_status:
                        operation._last_status = outcome.status
                        yield ReplacementEvent(outcome.status)
        except Exception as exc:
            await operation._conclude(exc, deadline)
        else:
            await operation._conclude(None, deadline)
    yield ReplacementEvent("COMPLETED", operation.result())


def utc_now() -> datetime:
    """The current time, UTC, to the millisecond (what tokens and journals record)."""
    return datetime.fromtimestamp(round(time.time(), 3), tz=timezone.utc)
