"""Challenger models of a deployment (``deployments/{id}/challengers/``), and the
prediction-interval computation of a time-series model (a project job)."""

from __future__ import annotations

import msgspec

from .. import _wire
from .._deadline import Deadline
from .._models_settings import Challenger
from .._session import Session
from .._wire import Page
from ..errors import NotFoundError, ResponseDecodeError
from .settle import delete_settled

__all__ = [
    "calculate_prediction_intervals",
    "create_challenger",
    "delete_challenger",
    "get_challenger",
    "list_challengers",
]

_challenger = msgspec.json.Decoder(Challenger)
_challengers = msgspec.json.Decoder(Page[Challenger])


async def list_challengers(session: Session, dep_id: str) -> list[Challenger]:
    """``GET deployments/{id}/challengers/`` and its ``next`` pages."""
    first = await session.get(f"deployments/{dep_id}/challengers/", _challengers)
    return await session.follow(first, _challengers)


async def get_challenger(
    session: Session, dep_id: str, challenger_id: str, *, deadline: Deadline | None = None
) -> Challenger:
    """``GET deployments/{id}/challengers/{cid}/``."""
    return await session.get(
        f"deployments/{dep_id}/challengers/{challenger_id}/",
        _challenger,
        deadline=deadline,
        persist=deadline is not None,
    )


async def create_challenger(
    session: Session,
    dep_id: str,
    payload: dict[str, str],
    deadline: Deadline,
) -> Challenger:
    """``POST deployments/{id}/challengers/`` → 202 → the job → the new challenger (its id
    is the last segment of the job's 303 ``Location``)."""
    status_url = await session.submit_job(
        "POST", f"deployments/{dep_id}/challengers/", payload, deadline=deadline
    )
    done = await session.wait_job(status_url, deadline=deadline, kind="challenger")
    if done.location is None:
        raise ResponseDecodeError(
            "the challenger job completed without the challenger's URL (a 303 Location)",
            status_code=200,
            excerpt="",
            method="GET",
            url=status_url,
        )
    challenger_id = done.location.rstrip("/").rsplit("/", 1)[-1]
    return await get_challenger(session, dep_id, challenger_id, deadline=deadline)


async def delete_challenger(
    session: Session, dep_id: str, challenger_id: str, deadline: Deadline
) -> None:
    """``DELETE deployments/{id}/challengers/{cid}/`` (204), settled by reading the
    challenger (:func:`~aiodeploy._api.settle.delete_settled`)."""

    async def exists(within: Deadline) -> bool:
        try:
            await get_challenger(session, dep_id, challenger_id, deadline=within)
        except NotFoundError:
            return False
        return True

    await delete_settled(
        session,
        f"deployments/{dep_id}/challengers/{challenger_id}/",
        exists,
        deadline=deadline,
        what=f"the deletion of challenger {challenger_id}",
    )


async def calculate_prediction_intervals(
    session: Session, project_id: str, model_id: str, percentile: int, deadline: Deadline
) -> None:
    """``POST projects/{pid}/models/{mid}/predictionIntervals/`` → 202 → the project job
    (``projects/{pid}/jobs/{id}/``) to its end. Computing a size twice is harmless, so the
    POST is retried like an idempotent request."""
    path = f"projects/{project_id}/models/{model_id}/predictionIntervals/"
    response = await session.send(
        "POST", path, json={"percentiles": [percentile]}, idempotent=True, deadline=deadline
    )
    _wire.expect_status(response, 202)
    job_url = session.url_for(_wire.location(response))
    await session.wait_job(job_url, deadline=deadline, kind="intervals")
