"""``AsyncDeploymentClient``: every operation of the deployments API as a coroutine."""

from __future__ import annotations

import logging
import os
import random
import ssl as ssl_module
import time
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Mapping,
    Sequence,
)
from types import TracebackType
from typing import Any, TypeVar

import aiohttp
import anyio
import msgspec

from . import _wire
from ._budget import RequestBudget
from ._bulk import BulkEvent, BulkResult, ReplacementRequest
from ._config import resolve_config
from ._estimate import DurationEstimate
from ._models import (
    Deployment,
    DriftTrackingSettings,
    Model,
    ModelHistoryEntry,
    PredictionServer,
    Project,
    ReplacementValidation,
)
from ._operations import ReplacementOperation, utc_now
from ._polling import JobDone, JobPending, PollPolicy, poll_job, wait_for_job
from ._retry import RetryPolicy, retry_until, send_with_retries
from ._rollout import replace_models, update_drift_many
from ._transport import QueryParams, Transport
from ._wire import DeploymentRef, IdBody, Page, Response, check_id, check_reason, deployment_id
from .enums import ModelReplacementReason
from .errors import ResponseDecodeError

__all__ = ["AsyncDeploymentClient", "DeploymentRef"]

T = TypeVar("T")

logger = logging.getLogger("aiodeploy")

PAGE_SIZE = 100  # the deployments route's maximum page size
DEFAULT_MAX_WAIT = 600.0

_project = msgspec.json.Decoder(Project)
_projects = msgspec.json.Decoder(list[Project] | Page[Project])
_projects_page = msgspec.json.Decoder(Page[Project])
_model = msgspec.json.Decoder(Model)
_models = msgspec.json.Decoder(list[Model] | Page[Model])
_models_page = msgspec.json.Decoder(Page[Model])
_servers = msgspec.json.Decoder(Page[PredictionServer])
_deployment = msgspec.json.Decoder(Deployment)
_deployments = msgspec.json.Decoder(Page[Deployment])
_history = msgspec.json.Decoder(Page[ModelHistoryEntry])
_validation = msgspec.json.Decoder(ReplacementValidation)
_drift = msgspec.json.Decoder(DriftTrackingSettings)
_id_body = msgspec.json.Decoder(IdBody)


def _check_max_wait(max_wait: float) -> float:
    if not isinstance(max_wait, (int, float)) or isinstance(max_wait, bool):
        raise TypeError(f"max_wait must be a number of seconds, got {max_wait!r}")
    if max_wait < 0 or max_wait != max_wait:
        raise ValueError(f"max_wait must be >= 0 seconds, got {max_wait!r}")
    return float(max_wait)


class AsyncDeploymentClient:
    """Async client for DataRobot deployments, over one aiohttp session.

    Use it as an async context manager (or call :meth:`aclose`); every method is a
    coroutine and the client is safe to share between many concurrent tasks.

    Example:
        >>> async with AsyncDeploymentClient() as client:  # doctest: +SKIP
        ...     dep = await client.get_deployment("5c6f7a9e9ca9b20017ff95a2")
        ...     dep = await client.replace_model(dep, new_model_id, "ACCURACY")

    Args:
        endpoint: e.g. ``https://app.datarobot.com/api/v2``; else ``DATAROBOT_ENDPOINT``,
            else drconfig.yaml.
        token: API token; else ``DATAROBOT_API_TOKEN``, else drconfig.yaml.
        token_type: ``Bearer`` (default) or ``Token``.
        session: an aiohttp session to use; the client never closes it.
        ssl: ``False`` to skip TLS verification, an ``SSLContext``, or a CA bundle path.
            TLS is verified by default.
        connect_timeout: seconds to open a connection (default 6.05).
        read_timeout: seconds to wait on each socket read (default 60).
        max_connections: connection pool size (default 100).
        max_in_flight: requests of all operations in flight at once (default:
            ``max_connections``); polls of many jobs share this budget.
        requests_per_second: average pace of all requests (default: no pace).
        retry: retry policy; ``max_retries`` (or the config's) sets its attempts.
        max_retries: retries after the first attempt for retryable failures.
        polling: how jobs are polled (first poll after 0.2 s, then x1.5 up to 5 s).
        max_wait: default deadline, in seconds, of every job wait (600).
        page_concurrency: pages of a deployment list fetched at once (8).
        sleep: the sleep used for backoff and polling (tests inject a fake one).
        clock: a monotonic clock in seconds (tests inject a fake one).

    Raises:
        ConfigurationError: no endpoint or token can be found.
    """

    def __init__(
        self,
        endpoint: str | None = None,
        token: str | None = None,
        *,
        token_type: str | None = None,
        session: aiohttp.ClientSession | None = None,
        ssl: bool | str | ssl_module.SSLContext | None = None,
        connect_timeout: float | None = None,
        read_timeout: float = 60.0,
        max_connections: int = 100,
        max_in_flight: int | None = None,
        requests_per_second: float | None = None,
        retry: RetryPolicy | None = None,
        max_retries: int | None = None,
        polling: PollPolicy | None = None,
        max_wait: float = DEFAULT_MAX_WAIT,
        page_concurrency: int = 8,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        config = resolve_config(
            endpoint,
            token,
            token_type=token_type,
            ssl_verify=None if isinstance(ssl, ssl_module.SSLContext) else ssl,
            connect_timeout=connect_timeout,
            max_retries=max_retries,
        )
        if max_connections < 1 or page_concurrency < 1:
            raise ValueError("max_connections and page_concurrency must be >= 1")
        self.endpoint = config.endpoint
        self._transport = Transport(
            config.endpoint,
            f"{config.token_type} {config.token}",
            session=session,
            max_connections=max_connections,
            connect_timeout=config.connect_timeout,
            read_timeout=read_timeout,
            ssl=ssl if isinstance(ssl, ssl_module.SSLContext) else config.ssl_verify,
        )
        if retry is None:
            retry = RetryPolicy()
            if config.max_retries is not None:
                retry = RetryPolicy(max_attempts=config.max_retries + 1)
        self.retry = retry
        self.polling = polling or PollPolicy()
        self.max_wait = _check_max_wait(max_wait)
        self._page_limiter = anyio.CapacityLimiter(page_concurrency)
        self._sleep = sleep or anyio.sleep
        self._clock = clock or time.monotonic
        self._rng = random.Random()
        # Durations of the jobs of each kind this client has seen, to poll near their end.
        self._durations: dict[str, DurationEstimate] = {}
        self.budget = RequestBudget(
            max_connections if max_in_flight is None else max_in_flight,
            requests_per_second,
            clock=self._clock,
            sleep=self._sleep,
        )

    def __repr__(self) -> str:
        return f"AsyncDeploymentClient(endpoint={self.endpoint!r})"

    async def __aenter__(self) -> AsyncDeploymentClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP session (unless it was passed in). Safe to call twice."""
        await self._transport.aclose()

    # -- plumbing -----------------------------------------------------------------------

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: QueryParams | None = None,
        json: Any = None,
        idempotent: bool | None = None,
    ) -> Response:
        body = None if json is None else _wire.encode(json)

        def log_retry(error: BaseException, attempt: int, delay: float) -> None:
            logger.info(
                "retrying %s %s in %.2f s after attempt %d of %d: %s",
                method, path, delay, attempt, self.retry.max_attempts, error,
            )  # fmt: skip

        async def attempt() -> Response:
            async with self.budget.slot():
                response = await self._transport.request(method, path, params=params, body=body)
            _wire.raise_for_status(response)  # inside the attempt, so 5xx/429 can be retried
            return response

        return await send_with_retries(
            attempt,
            method,
            self.retry,
            sleep=self._sleep,
            rng=self._rng,
            on_retry=log_retry,
            idempotent=idempotent,
        )

    async def _read_until(self, read: Callable[[], Awaitable[T]], deadline: float) -> T:
        """A read inside a job wait: transient failures are retried until ``deadline``."""
        return await retry_until(
            read, deadline, self.retry, clock=self._clock, sleep=self._sleep, rng=self._rng
        )

    async def _get(
        self, path: str, decoder: msgspec.json.Decoder[T], params: QueryParams | None = None
    ) -> T:
        return _wire.decode(await self._request("GET", path, params=params), decoder)

    async def _follow_pages(
        self, first: Page[T], decoder: msgspec.json.Decoder[Page[T]]
    ) -> list[T]:
        items = list(first.data)
        page = first
        followed: set[str] = set()
        while page.next:
            page = await self._get(_new_page(page.next, followed), decoder)
            items.extend(page.data)
        return items

    async def _list_all(
        self,
        path: str,
        decoder: msgspec.json.Decoder[list[T] | Page[T]],
        page_decoder: msgspec.json.Decoder[Page[T]],
    ) -> list[T]:
        # Some list routes answer a bare array, others DataRobot's envelope: take both.
        result = await self._get(path, decoder)
        if isinstance(result, list):
            return result
        return await self._follow_pages(result, page_decoder)

    def _poll_job(
        self,
        status_url: str,
        *,
        max_wait: float | None,
        kind: str | None = None,
        elapsed_at_start: float = 0.0,
    ) -> AsyncGenerator[JobPending | JobDone, None]:
        """A poller of ``status_url`` with this client's policy, budget and clock; ``kind``
        names the job kind whose durations are learned."""
        return poll_job(
            lambda url: self._request("GET", url),
            self._transport.url_for(status_url),
            max_wait=self._max_wait(max_wait),
            policy=self.polling,
            rng=self._rng,
            sleep=self._sleep,
            clock=self._clock,
            estimate=None if kind is None else self._estimate(kind),
            elapsed_at_start=elapsed_at_start,
        )

    def _estimate(self, kind: str) -> DurationEstimate | None:
        if not self.polling.learn:
            return None
        return self._durations.setdefault(kind, DurationEstimate())

    def _max_wait(self, max_wait: float | None) -> float:
        return _check_max_wait(self.max_wait if max_wait is None else max_wait)

    async def _submit_job(self, method: str, path: str, json: Any) -> str:
        """Send a mutation answered with 202 + Location; return the status URL."""
        response = _wire.expect_status(await self._request(method, path, json=json), 202)
        return self._transport.url_for(_wire.location(response))

    async def wait_for_job(
        self,
        status_url: str,
        *,
        max_wait: float | None = None,
        on_status: Callable[[str], None] | None = None,
    ) -> str | None:
        """Wait for an asynchronous job given its status URL.

        Args:
            status_url: the ``Location`` of a 202 reply.
            max_wait: deadline in seconds (default: the client's ``max_wait``).
            on_status: called with each status seen while waiting.

        Returns:
            The URL of the resulting resource (the 303's ``Location``), or ``None`` when
            the server answered 200 ``COMPLETED`` instead.

        Raises:
            AsyncTimeoutError: ``max_wait`` passed first (the job may still finish).
            AsyncProcessUnsuccessfulError: the job ended in error.
            AsyncFailureError: the status URL answered outside the protocol.
            CrossOriginError: the status URL is not on the endpoint's origin.
        """
        return await self._wait_job(status_url, max_wait=max_wait, on_status=on_status)

    async def _wait_job(
        self,
        status_url: str,
        *,
        max_wait: float | None,
        kind: str | None = None,
        on_status: Callable[[str], None] | None = None,
    ) -> str | None:
        polls = self._poll_job(status_url, max_wait=max_wait, kind=kind)
        done = await wait_for_job(polls, on_status=on_status)
        return done.location

    # -- projects, models, prediction servers ------------------------------------------

    async def get_project(self, project_id: str) -> Project:
        """Get a project (``GET projects/{id}/``), like ``dr.Project.get``."""
        return await self._get(f"projects/{check_id(project_id, 'project id')}/", _project)

    async def list_projects(self) -> list[Project]:
        """List the projects visible to the token (``GET projects/``)."""
        return await self._list_all("projects/", _projects, _projects_page)

    async def list_models(self, project_id: str) -> list[Model]:
        """List a project's Leaderboard models (``GET projects/{id}/models/``)."""
        path = f"projects/{check_id(project_id, 'project id')}/models/"
        return await self._list_all(path, _models, _models_page)

    async def get_model(self, project_id: str, model_id: str) -> Model:
        """Get one model (``GET projects/{pid}/models/{mid}/``) in a single request."""
        project = check_id(project_id, "project id")
        path = f"projects/{project}/models/{check_id(model_id, 'model id')}/"
        return await self._get(path, _model)

    async def list_prediction_servers(self) -> list[PredictionServer]:
        """List the prediction servers (``GET predictionServers/``), all pages."""
        first = await self._get("predictionServers/", _servers)
        return await self._follow_pages(first, _servers)

    # -- deployments --------------------------------------------------------------------

    async def create_deployment_from_learning_model(
        self,
        model_id: str,
        label: str,
        description: str | None = None,
        default_prediction_server_id: str | None = None,
        *,
        importance: str | None = None,
        max_wait: float | None = None,
    ) -> Deployment:
        """Deploy a Leaderboard model and wait until the deployment is ready.

        Sends ``POST deployments/fromLearningModel/``, waits for its job, then reads the
        deployment.

        Args:
            model_id: the Leaderboard model to deploy.
            label: the deployment's name.
            description: optional description.
            default_prediction_server_id: required on DataRobot's cloud, omitted on-premise.
            importance: ``CRITICAL``, ``HIGH``, ``MODERATE`` or ``LOW``.
            max_wait: seconds to wait for the creation job.

        Returns:
            The new :class:`Deployment`.
        """
        self._max_wait(max_wait)  # a bad deadline is refused before anything is created
        if not isinstance(label, str) or not label.strip():
            raise ValueError("label must be a non-empty string")
        payload: dict[str, Any] = {"modelId": check_id(model_id, "model id"), "label": label}
        if description is not None:
            payload["description"] = description
        if default_prediction_server_id is not None:
            payload["defaultPredictionServerId"] = check_id(
                default_prediction_server_id, "prediction server id"
            )
        if importance is not None:
            payload["importance"] = importance
        response = await self._request("POST", "deployments/fromLearningModel/", json=payload)
        created = _wire.decode(_wire.expect_status(response, 200, 201, 202), _id_body)
        if response.status == 202:
            await self._wait_job(_wire.location(response), max_wait=max_wait, kind="creation")
        return await self.get_deployment(created.id)

    def _list_params(
        self,
        search: str | None,
        order_by: str | None,
        status: str | Sequence[str] | None,
        role: str | None,
        filters: Mapping[str, str | Sequence[str]] | None,
    ) -> dict[str, str | int | Sequence[str]]:
        named = {"search": search, "orderBy": order_by, "role": role, "status": status}
        params: dict[str, str | int | Sequence[str]] = dict(filters or {})
        params.update({key: value for key, value in named.items() if value is not None})
        params["limit"] = PAGE_SIZE
        return params

    async def iter_deployments(
        self,
        search: str | None = None,
        order_by: str | None = None,
        *,
        status: str | Sequence[str] | None = None,
        role: str | None = None,
        filters: Mapping[str, str | Sequence[str]] | None = None,
    ) -> AsyncIterator[Deployment]:
        """Yield deployments page by page (100 a page), fetching each page when needed.

        Args:
            search: case-insensitive match on label and description.
            order_by: e.g. ``label``, ``-createdAtTimestamp``.
            status: ``active``/``inactive`` (or several).
            role: ``OWNER`` or ``USER``.
            filters: any other query parameter of ``GET deployments/``, e.g.
                ``{"serviceHealth": "failing,warning"}``.
        """
        params = self._list_params(search, order_by, status, role, filters)
        page = await self._get("deployments/", _deployments, params)
        followed: set[str] = set()
        while True:
            for item in page.data:
                yield item
            if not page.next:
                return
            page = await self._get(_new_page(page.next, followed), _deployments)

    async def list_deployments(
        self,
        search: str | None = None,
        order_by: str | None = None,
        *,
        status: str | Sequence[str] | None = None,
        role: str | None = None,
        filters: Mapping[str, str | Sequence[str]] | None = None,
    ) -> list[Deployment]:
        """List every matching deployment.

        Reads the first page, then, once ``totalCount`` is known, fetches the remaining
        pages concurrently (``page_concurrency`` at a time). Arguments are those of
        :meth:`iter_deployments`.

        Returns:
            The deployments in the server's order, each once.
        """
        params = self._list_params(search, order_by, status, role, filters)
        first = await self._get("deployments/", _deployments, params)
        if first.total_count is None or not first.next:
            return _unique(await self._follow_pages(first, _deployments))
        # The offsets are handed out one at a time rather than planned from totalCount at
        # once: an empty page ends the list, however many items totalCount claimed.
        offsets = iter(range(len(first.data), first.total_count, PAGE_SIZE))
        pages: dict[int, list[Deployment]] = {0: first.data}
        ended = False
        failed: list[Exception] = []

        async def fetch_pages() -> None:
            nonlocal ended
            for offset in offsets:
                if ended:
                    return
                try:
                    async with self._page_limiter:
                        page = await self._get(
                            "deployments/", _deployments, {**params, "offset": offset}
                        )
                except Exception as exc:
                    # the caller gets this error itself, not an exception group around it
                    failed.append(exc)
                    tg.cancel_scope.cancel()
                    return
                pages[offset] = page.data
                ended = ended or not page.data

        async with anyio.create_task_group() as tg:
            for _ in range(int(self._page_limiter.total_tokens)):
                tg.start_soon(fetch_pages)
        if failed:
            raise failed[0]
        return _unique(item for offset in sorted(pages) for item in pages[offset])

    async def get_deployment(self, deployment: DeploymentRef) -> Deployment:
        """Get a deployment (``GET deployments/{id}/``)."""
        return await self._get(f"deployments/{deployment_id(deployment)}/", _deployment)

    async def delete_deployment(self, deployment: DeploymentRef) -> None:
        """Delete a deployment (``DELETE deployments/{id}/``, 204)."""
        path = f"deployments/{deployment_id(deployment)}/"
        _wire.expect_status(await self._request("DELETE", path), 204, 200)

    async def get_model_history(self, deployment: DeploymentRef) -> list[ModelHistoryEntry]:
        """The deployment's champion periods, oldest first (``GET .../modelHistory/``)."""
        path = f"deployments/{deployment_id(deployment)}/modelHistory/"
        first = await self._get(path, _history, {"limit": PAGE_SIZE})
        return await self._follow_pages(first, _history)

    # -- model replacement ----------------------------------------------------------------

    async def validate_replacement_model(
        self, deployment: DeploymentRef, new_model_id: str
    ) -> ReplacementValidation:
        """Check whether ``new_model_id`` may replace the deployment's model.

        Sends ``POST deployments/{id}/model/validation/``.

        Returns:
            A :class:`ReplacementValidation`; unpacks as ``(status, message, checks)``
            with status ``passing``, ``warning`` or ``failing``.
        """
        path = f"deployments/{deployment_id(deployment)}/model/validation/"
        body = {"modelId": check_id(new_model_id, "model id")}
        # A validation changes nothing: retried like a GET, though it is a POST.
        response = await self._request("POST", path, json=body, idempotent=True)
        return _wire.decode(response, _validation)

    async def start_model_replacement(
        self,
        deployment: DeploymentRef,
        new_model_id: str,
        reason: ModelReplacementReason | str = ModelReplacementReason.OTHER,
    ) -> ReplacementOperation:
        """Submit a model replacement and return as soon as the server accepted it.

        Sends ``PATCH deployments/{id}/model/`` (202 + ``Location``). The deployment serves
        the new model from then on; await the returned operation for the job's end.

        Args:
            deployment: id or :class:`Deployment`.
            new_model_id: the Leaderboard model to serve from now on.
            reason: a :data:`MODEL_REPLACEMENT_REASON` member or its value.

        Returns:
            A :class:`ReplacementOperation` (awaitable; ``token()`` to persist it).

        Raises:
            UnprocessableEntityError: the server refused the model (``body["checks"]``
                says why).
        """
        dep_id = deployment_id(deployment)
        model_id = check_id(new_model_id, "model id")
        why = check_reason(reason)
        body = {"modelId": model_id, "reason": why}
        status_url = await self._submit_job("PATCH", f"deployments/{dep_id}/model/", body)
        return ReplacementOperation(
            self,
            deployment_id=dep_id,
            model_id=model_id,
            reason=why,
            status_url=status_url,
            submitted_at=utc_now(),
        )

    def resume_replacement(self, token: str) -> ReplacementOperation:
        """Rebuild a :class:`ReplacementOperation` from its ``token()``, e.g. after a restart.

        Raises:
            ValueError: the token is malformed.
            CrossOriginError: the token's status URL is not on this client's endpoint.
        """
        return ReplacementOperation.from_token(self, token)

    async def replace_model(
        self,
        deployment: DeploymentRef,
        new_model_id: str,
        reason: ModelReplacementReason | str = ModelReplacementReason.OTHER,
        *,
        max_wait: float | None = None,
    ) -> Deployment:
        """Replace the deployment's model with no interruption of predictions, and wait.

        Sends ``PATCH deployments/{id}/model/``, polls the job with backoff, then reads
        the deployment once.

        Args:
            deployment: id or :class:`Deployment`.
            new_model_id: the Leaderboard model to serve from now on.
            reason: a :data:`MODEL_REPLACEMENT_REASON` member or its value.
            max_wait: seconds to wait for the job (default: the client's ``max_wait``).

        Returns:
            The refreshed :class:`Deployment`.
        """
        self._max_wait(max_wait)  # refused before the PATCH, not after it
        operation = await self.start_model_replacement(deployment, new_model_id, reason)
        return await operation.wait(max_wait=max_wait)

    async def replace_models(
        self,
        requests: Iterable[ReplacementRequest | tuple[str, str] | tuple[str, str, str]],
        *,
        concurrency: int = 32,
        validate: bool = True,
        skip_if_current: bool = True,
        fail_fast: bool = False,
        max_wait: float | None = None,
        journal: str | os.PathLike[str] | None = None,
        on_event: Callable[[BulkEvent], None] | None = None,
    ) -> BulkResult[ReplacementRequest]:
        """Replace the models of many deployments at once.

        Each item: read the deployment, skip it if it already serves the model
        (``skip_if_current``), validate (``validate``; a failing validation refuses the
        item), submit, wait for the job. At most ``concurrency`` items talk to the server
        at once; waiting for jobs takes no place, and all polls share the client's
        request budget. One item's failure never stops the others unless ``fail_fast``.

        With ``journal`` (a file path), every step is recorded before it is acted on, and
        calling again with the same plan and journal resumes: finished items are not
        touched again, submitted ones are awaited, and nothing is submitted twice.

        Example:
            >>> result = await client.replace_models(  # doctest: +SKIP
            ...     [ReplacementRequest(dep_id, model_id, "SCHEDULED_REFRESH")],
            ...     journal="rollout.jsonl",
            ... )
            >>> result.counts["replaced"], result.ok  # doctest: +SKIP

        Args:
            requests: :class:`ReplacementRequest` items or ``(deployment_id, model_id[,
                reason])`` tuples; a deployment may appear once.
            concurrency: items preparing or submitting at once.
            validate: validate each model first and refuse failing ones.
            skip_if_current: report deployments already on their model as skipped.
            fail_fast: stop the remaining items (``cancelled``) after the first failure.
            max_wait: seconds to wait for each job (default: the client's ``max_wait``).
            journal: path of the JSONL journal that makes the run resumable.
            on_event: called with :class:`ItemSubmitted`, :class:`ItemStatusChanged` and
                :class:`ItemFinished` events, e.g. to drive a progress bar.

        Returns:
            A :class:`BulkResult` with one :class:`ItemResult` per request, in input order.

        Raises:
            ValueError, TypeError: a malformed plan, before any request is sent.
            JournalMismatchError: the journal belongs to another plan.
        """
        return await replace_models(
            self,
            requests,
            concurrency=concurrency,
            validate=validate,
            skip_if_current=skip_if_current,
            fail_fast=fail_fast,
            max_wait=self._max_wait(max_wait),
            journal=journal,
            on_event=on_event,
        )

    # -- drift tracking -------------------------------------------------------------------

    async def get_drift_tracking_settings(self, deployment: DeploymentRef) -> DriftTrackingSettings:
        """Read target and feature drift tracking (``GET deployments/{id}/settings/``)."""
        return await self._get(f"deployments/{deployment_id(deployment)}/settings/", _drift)

    async def update_drift_tracking_settings(
        self,
        deployment: DeploymentRef,
        *,
        target_drift_enabled: bool | None = None,
        feature_drift_enabled: bool | None = None,
        max_wait: float | None = None,
    ) -> DriftTrackingSettings:
        """Turn target and/or feature drift tracking on or off, in one request, and wait.

        Sends one ``PATCH deployments/{id}/settings/`` for both flags (the official client
        sends one per flag), waits for its job and reads the settings back.

        Returns:
            The settings now in force.
        """
        self._max_wait(max_wait)  # refused before the PATCH, not after it
        payload = _drift_payload(target_drift_enabled, feature_drift_enabled)
        path = f"deployments/{deployment_id(deployment)}/settings/"
        status_url = await self._submit_job("PATCH", path, payload)
        await self._wait_job(status_url, max_wait=max_wait, kind="settings")
        return await self.get_drift_tracking_settings(deployment)

    async def bulk_update_drift_tracking_settings(
        self,
        deployments: Iterable[DeploymentRef],
        *,
        target_drift_enabled: bool | None = None,
        feature_drift_enabled: bool | None = None,
        concurrency: int = 32,
        fail_fast: bool = False,
        max_wait: float | None = None,
        on_event: Callable[[BulkEvent], None] | None = None,
    ) -> BulkResult[str]:
        """Update drift tracking on many deployments at once (same runner as rollouts).

        Returns:
            A :class:`BulkResult` keyed by deployment id; outcomes ``updated``,
            ``failed``, ``timed_out`` (or ``cancelled`` with ``fail_fast``).
        """
        payload = _drift_payload(target_drift_enabled, feature_drift_enabled)
        return await update_drift_many(
            self,
            deployments,
            payload,
            concurrency=concurrency,
            fail_fast=fail_fast,
            max_wait=self._max_wait(max_wait),
            on_event=on_event,
        )


def _drift_payload(target: bool | None, feature: bool | None) -> dict[str, object]:
    payload: dict[str, object] = {}
    for key, value in (("targetDrift", target), ("featureDrift", feature)):
        if value is not None:
            if not isinstance(value, bool):
                raise TypeError(f"{key} enabled flag must be a bool, got {value!r}")
            payload[key] = {"enabled": value}
    if not payload:
        raise ValueError("give target_drift_enabled and/or feature_drift_enabled")
    return payload


def _new_page(url: str, followed: set[str]) -> str:
    """``url``, a ``next`` link, unless it was followed before (the list would never end)."""
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


def _unique(items: Any) -> list[Deployment]:
    # Offset pages can overlap when deployments are created while we list.
    seen: set[str] = set()
    result: list[Deployment] = []
    for item in items:
        if item.id not in seen:
            seen.add(item.id)
            result.append(item)
    return result
