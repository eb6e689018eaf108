"""Prediction environments: where deployments run (read-only)."""

from __future__ import annotations

import msgspec

from .._models_registry import PredictionEnvironment
from .._session import Session
from .._wire import Page

__all__ = ["get_prediction_environment", "list_prediction_environments"]

_environment = msgspec.json.Decoder(PredictionEnvironment)
_page = msgspec.json.Decoder(Page[PredictionEnvironment])


async def list_prediction_environments(session: Session) -> list[PredictionEnvironment]:
    """``GET predictionEnvironments/`` and its ``next`` pages."""
    first = await session.get("predictionEnvironments/", _page, {"limit": 100})
    return await session.follow(first, _page)


async def get_prediction_environment(
    session: Session, environment_id: str
) -> PredictionEnvironment:
    """``GET predictionEnvironments/{id}/``."""
    return await session.get(f"predictionEnvironments/{environment_id}/", _environment)
