"""A mutation whose answer did not say what happened is settled by the server's state.

When a connection breaks after the request was sent, the server answers a 5xx, or a 2xx
body is garbled, the change may or may not have been made. :func:`send_settled` then reads
what the server holds: if the change is there it is done (never reported as failed while
the server did it); if not, the request is sent again, a bounded number of times.
(Replacements have their own, journalled, version of this rule: ``replacement.py``.)

:func:`delete_settled` is the rule for a DELETE: a 404 is "done" when the thing existed
before, since only an earlier attempt can have deleted it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from .. import _wire
from .._deadline import Deadline
from .._session import Session
from ..errors import (
    AiodeployError,
    NotFoundError,
    ResponseDecodeError,
    ServerError,
    TransportError,
)

__all__ = ["Done", "delete_settled", "send_settled"]

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class Done(Generic[T]):
    """The server shows the change made; ``value`` is what the call returns."""

    value: T


async def send_settled(
    session: Session,
    send: Callable[[], Awaitable[T]],
    took_effect: Callable[[Deadline], Awaitable[Done[T] | None]],
    *,
    deadline: Deadline | None,
    what: str,
    last_wait: Callable[[Deadline], Awaitable[T]] | None = None,
) -> T:
    """``send()``, and when its answer does not say, ``took_effect(deadline)`` decides.

    Args:
        session: the session (its retry policy bounds the resends).
        send: sends the request once (its own transient retries included).
        took_effect: reads the server's state: :class:`Done` when the change is there,
            ``None`` when it is not (then ``send`` runs again).
        deadline: bounds the reads (``None``: the client's ``max_wait``).
        what: the change, for the error when it never showed.
        last_wait: for a change that shows only once a job the server started completes:
            when the resends are used up, wait for it to show (up to the deadline) rather
            than call it failed.

    Raises:
        AiodeployError: every answer was lost and the change never showed (its cause is
            the last lost answer).
        AsyncTimeoutError: (``last_wait``) the change did not show by the deadline.
        APIError, TransportError: an answer that says the server did not act (a 4xx), or
            an error from the reads.
    """
    resent = 0
    while True:
        try:
            return await send()
        except TransportError as exc:
            if not exc.request_sent:
                raise
            doubt: Exception = exc
        except (ServerError, ResponseDecodeError) as exc:
            doubt = exc
        if deadline is None:
            deadline = session.deadline(None)
        done = await took_effect(deadline)
        if done is not None:
            return done.value
        if resent >= session.retry.max_attempts:
            if last_wait is not None:
                return await last_wait(deadline)
            raise AiodeployError(
                f"{what} did not take effect: no answer to its {resent + 1} requests said "
                "so, and the server does not show it"
            ) from doubt
        resent += 1


async def delete_settled(
    session: Session,
    path: str,
    exists: Callable[[Deadline], Awaitable[bool]],
    *,
    deadline: Deadline,
    what: str,
) -> None:
    """``DELETE path`` (204), with a lost answer settled by whether the thing still exists.

    ``exists(deadline)`` is read before the DELETE is sent. A DELETE whose answer was lost
    (a dropped connection, a 5xx, a garbled body) may have been acted on: ``exists`` then
    decides, and the DELETE is sent again only while the thing is still there. A 404 means
    done when the thing existed before: an earlier attempt deleted it. That attempt may be
    one this client never saw, since aiohttp itself resends an idempotent request once,
    silently, when a kept-alive connection drops (no hook shows it on a caller's session),
    hence the read before rather than a count of attempts. A 404 for a thing that did not
    exist before stays :class:`~aiodeploy.errors.NotFoundError`.

    Raises:
        NotFoundError: the thing did not exist (or is still there after the 404).
        AiodeployError: every answer was lost and the thing is still there (see
            :func:`send_settled`).
        APIError, TransportError: another refusal, or an error from the reads.
    """
    existed = await exists(deadline)

    async def send() -> None:
        # not resent by the session on a lost answer: exists() decides whether to resend
        response = await session.send("DELETE", path, idempotent=False, deadline=deadline)
        _wire.expect_status(response, 204, 200)

    async def took_effect(within: Deadline) -> Done[None] | None:
        return None if await exists(within) else Done(None)

    try:
        await send_settled(session, send, took_effect, deadline=deadline, what=what)
    except NotFoundError:
        if not existed or await exists(deadline):
            raise
