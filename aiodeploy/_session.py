"""The Session: the request machinery every resource module stands on.

One :class:`Session` per client owns the transport, the retry and polling policies, the
request budget, the injected clock/sleep/rng and the learned job durations, and offers the
few verbs the resource modules need: :meth:`~Session.send`, :meth:`~Session.get`,
:meth:`~Session.get_all`, :meth:`~Session.submit_job`, :meth:`~Session.poll_job`,
:meth:`~Session.wait_job` and :meth:`~Session.read_until`. Every waiting verb takes the
call's :class:`~aiodeploy._deadline.Deadline`, made once from ``max_wait``.
"""

from __future__ import annotations

import logging
import random
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any, TypeVar

import msgspec

from . import _wire
from ._budget import RequestBudget
from ._deadline import Deadline, check_max_wait, cut_at
from ._estimate import DurationEstimate
from ._polling import JobDone, JobPending, PollPolicy, next_poll_delay, poll_job, wait_for_job
from ._retry import RetryPolicy, send_with_retries
from ._transport import QueryParams, Transport
from ._wire import Page, Response
from .errors import ResponseDecodeError

__all__ = ["Session"]

T = TypeVar("T")

logger = logging.getLogger("aiodeploy")


class Session:
    """Sends requests with retries under one budget, and waits for jobs.

    Args:
        transport: the one aiohttp user.
        retry: how transient failures are retried.
        polling: how jobs are polled.
        budget: requests in flight (and their pace) for all of a client's calls.
        max_wait: the default deadline of a wait, in seconds.
        page_concurrency: pages of a list fetched at once.
        clock: monotonic seconds.
        sleep: the sleep used for backoff and polls.
        rng: the source of jitter.
    """

    def __init__(
        self,
        transport: Transport,
        *,
        retry: RetryPolicy,
        polling: PollPolicy,
        budget: RequestBudget,
        max_wait: float,
        page_concurrency: int,
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
        rng: random.Random,
    ) -> None:
        self.transport = transport
        self.retry = retry
        self.polling = polling
        self.budget = budget
        self.max_wait = check_max_wait(max_wait)
        self.page_concurrency = page_concurrency
        self.clock = clock
        self.sleep = sleep
        self.rng = rng
        # Durations of the jobs of each kind seen, to poll near their end.
        self._durations: dict[str, DurationEstimate] = {}

    def __repr__(self) -> str:
        return f"<Session endpoint={self.transport.endpoint!r}>"

    def wait_seconds(self, max_wait: float | None) -> float:
        """``max_wait`` checked, or the client's default.

        Raises:
            TypeError, ValueError: ``max_wait`` is not a number of seconds >= 0.
        """
        return self.max_wait if max_wait is None else check_max_wait(max_wait)

    def deadline(self, max_wait: float | None) -> Deadline:
        """The deadline of a call that waits ``max_wait`` seconds (default: the client's),
        starting now.

        Raises:
            TypeError, ValueError: ``max_wait`` is not a number of seconds >= 0.
        """
        return Deadline.after(self.wait_seconds(max_wait), self.clock)

    def url_for(self, path_or_url: str) -> str:
        """An absolute URL on the endpoint's origin.

        Raises:
            CrossOriginError: an absolute URL on another origin.
        """
        return self.transport.url_for(path_or_url)

    async def send(
        self,
        method: str,
        path: str,
        *,
        params: QueryParams | None = None,
        json: Any = None,
        idempotent: bool | None = None,
        deadline: Deadline | None = None,
        persist: bool = False,
        on_retry: Callable[[BaseException], None] | None = None,
    ) -> Response:
        """Send a request, retrying transient failures; error statuses raise.

        Args:
            method: the HTTP method.
            path: a path relative to the endpoint, or an absolute URL on its origin.
            params: query parameters (a sequence value repeats the key).
            json: the body, JSON-encoded.
            idempotent: override whether the method changes nothing (see ``should_retry``).
            deadline: no retry wait reaches past it and no attempt runs past it.
            persist: retry transient failures until ``deadline`` whatever ``max_attempts``
                says (reads whose answer a job wait needs).
            on_retry: told each error that is retried (before the wait).

        Raises:
            APIError: the server answered an error status (after retries).
            TransportError: no usable reply (after retries).
            AsyncTimeoutError: the deadline passed during an attempt, or (``persist``)
                before the next one.
            CrossOriginError: an absolute URL on another origin.
        """
        return await self._exchange(
            method, path, _as_is, params=params, json=json, idempotent=idempotent,
            deadline=deadline, persist=persist, on_retry=on_retry,
        )  # fmt: skip

    async def _exchange(
        self,
        method: str,
        path: str,
        then: Callable[[Response], T],
        *,
        params: QueryParams | None,
        json: Any,
        idempotent: bool | None,
        deadline: Deadline | None,
        persist: bool,
        on_retry: Callable[[BaseException], None] | None = None,
    ) -> T:
        """:meth:`send`, with ``then`` (e.g. decoding) applied to the reply inside each
        attempt, so that a ``persist`` read retries a reply it cannot use."""
        body = None if json is None else _wire.encode(json)
        transport, budget = self.transport, self.budget

        def log_retry(error: BaseException, attempt: int, delay: float) -> None:
            logger.info(
                "retrying %s %s in %.2f s after attempt %d: %s", method, path, delay, attempt, error
            )
            if on_retry is not None:
                on_retry(error)

        async def exchange() -> Response:
            async with budget.slot():
                return await transport.request(method, path, params=params, body=body)

        async def attempt() -> T:
            if deadline is None:
                response = await exchange()
            else:
                response = await cut_at(deadline, exchange, lambda: transport.url_for(path))
            _wire.raise_for_status(response)  # inside the attempt, so 5xx/429 can be retried
            return then(response)

        return await send_with_retries(
            attempt,
            method,
            self.retry,
            sleep=self.sleep,
            rng=self.rng,
            on_retry=log_retry,
            idempotent=idempotent,
            deadline=deadline,
            persist=persist,
            url=lambda: transport.url_for(path),
        )

    async def get(
        self,
        path: str,
        decoder: msgspec.json.Decoder[T],
        params: QueryParams | None = None,
        *,
        deadline: Deadline | None = None,
        persist: bool = False,
    ) -> T:
        """``GET`` and decode the reply (see :meth:`send` for the arguments and errors).

        Raises:
            ResponseDecodeError: the body is not what ``decoder`` expects.
        """
        if not persist:
            response = await self.send("GET", path, params=params, deadline=deadline)
            return _wire.decode(response, decoder)

        def decode(response: Response) -> T:
            return _wire.decode(response, decoder)

        return await self._exchange(
            "GET", path, decode, params=params, json=None, idempotent=None,
            deadline=deadline, persist=True,
        )  # fmt: skip

    async def follow(self, first: Page[T], decoder: msgspec.json.Decoder[Page[T]]) -> list[T]:
        """The items of ``first`` and of every page its ``next`` links lead to.

        Raises:
            ResponseDecodeError: a ``next`` link leads back to a page already read.
        """
        items = list(first.data)
        page = first
        followed: set[str] = set()
        while page.next:
            page = await self.get(new_page(page.next, followed), decoder)
            items.extend(page.data)
        return items

    async def get_all(
        self,
        path: str,
        decoder: msgspec.json.Decoder[list[T] | Page[T]],
        page_decoder: msgspec.json.Decoder[Page[T]],
        params: QueryParams | None = None,
    ) -> list[T]:
        """Every item of a list route, whether it answers a bare array or DataRobot's
        envelope (whose ``next`` pages are followed)."""
        result = await self.get(path, decoder, params)
        if isinstance(result, list):
            return result
        return await self.follow(result, page_decoder)

    async def submit_job(
        self,
        method: str,
        path: str,
        json: Any,
        *,
        deadline: Deadline | None = None,
        idempotent: bool | None = None,
        on_retry: Callable[[BaseException], None] | None = None,
    ) -> str:
        """Send a mutation answered with 202 + ``Location``; return the status URL
        (``on_retry``: see :meth:`send`).

        Raises:
            ResponseDecodeError: the reply is not a 202 with a ``Location``.
            CrossOriginError: the ``Location`` is on another origin.
        """
        response = await self.send(
            method, path, json=json, deadline=deadline, idempotent=idempotent, on_retry=on_retry
        )
        _wire.expect_status(response, 202)
        return self.url_for(_wire.location(response))

    def poll_job(
        self,
        status_url: str,
        *,
        deadline: Deadline,
        kind: str | None = None,
        elapsed_at_start: float = 0.0,
    ) -> AsyncGenerator[JobPending | JobDone, None]:
        """A poller of ``status_url`` (see :func:`~aiodeploy._polling.poll_job`);
        ``kind`` names the job kind whose durations are learned."""

        def get(url: str) -> Awaitable[Response]:
            return self.send("GET", url, deadline=deadline)

        return poll_job(
            get,
            self.url_for(status_url),
            deadline=deadline,
            policy=self.polling,
            rng=self.rng,
            sleep=self.sleep,
            estimate=None if kind is None else self._estimate(kind),
            elapsed_at_start=elapsed_at_start,
        )

    def _estimate(self, kind: str) -> DurationEstimate | None:
        if not self.polling.learn:
            return None
        return self._durations.setdefault(kind, DurationEstimate())

    async def wait_job(
        self,
        status_url: str,
        *,
        deadline: Deadline,
        kind: str | None = None,
        on_status: Callable[[str], None] | None = None,
    ) -> JobDone:
        """Poll a job to its end.

        Raises:
            AsyncTimeoutError, AsyncProcessUnsuccessfulError, AsyncFailureError, APIError:
                see :func:`~aiodeploy._polling.poll_job`.
        """
        polls = self.poll_job(status_url, deadline=deadline, kind=kind)
        return await wait_for_job(polls, on_status=on_status)

    async def read_until(
        self,
        read: Callable[[Deadline], Awaitable[T]],
        done: Callable[[T], bool],
        *,
        deadline: Deadline,
        url: str,
    ) -> T:
        """Read on the poll schedule until ``done(value)``; return that value.

        For outcomes no status URL reports (a mutation whose answer was lost): the server
        shows them in a resource, once its job completes.

        Raises:
            AsyncTimeoutError: the deadline passed first (naming ``url``).
        """
        poll = 0
        while True:
            value = await read(deadline)
            if done(value):
                return value
            delay = next_poll_delay(poll, self.polling, self.rng)
            if delay >= deadline.remaining():
                raise deadline.timeout(self.url_for(url), waiting_for="change")
            await self.sleep(delay)
            poll += 1


def _as_is(response: Response) -> Response:
    return response


def new_page(url: str, followed: set[str]) -> str:
    """``url``, a ``next`` link, unless it was followed before (the list would never end).

    Raises:
        ResponseDecodeError: the link was followed before.
    """
    if url in followed:
        raise ResponseDecodeError(
            "the next link points back to a page already read; the list would never end",
            status_code=200,
            excerpt="",
            method="GET",
            url=url,
        )
    followed.add(url)
    return url
