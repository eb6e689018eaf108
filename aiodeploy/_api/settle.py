"""A mutation whose answer did not say what happened is settled by the server's state.

When a connection breaks after the request was sent, the server answers a 5xx, or a 2xx
body is garbled, the change may or may not have been made. :func:`send_settled` then reads
what the server holds: if the change is there it is done (never reported as failed while
the server did it); if not, the request is sent again, a bounded number of times.
(Replacements have their own, journalled, version of this rule: ``replacement.py``.)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from .._deadline import Deadline
from .._session import Session
from ..errors import AiodeployError, ResponseDecodeError, ServerError, TransportError

__all__ = ["Done", "send_settled"]

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
