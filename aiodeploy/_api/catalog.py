"""Projects, Leaderboard models and prediction servers (read-only).

Like every resource module, its functions take ids already checked by the client's face.
"""

from __future__ import annotations

import msgspec

from .._models import Model, PredictionServer, Project
from .._session import Session
from .._wire import Page

__all__ = ["get_model", "get_project", "list_models", "list_prediction_servers", "list_projects"]

_project = msgspec.json.Decoder(Project)
_projects = msgspec.json.Decoder(list[Project] | Page[Project])
_projects_page = msgspec.json.Decoder(Page[Project])
_model = msgspec.json.Decoder(Model)
_models = msgspec.json.Decoder(list[Model] | Page[Model])
_models_page = msgspec.json.Decoder(Page[Model])
_servers = msgspec.json.Decoder(Page[PredictionServer])


async def get_project(session: Session, project_id: str) -> Project:
    """``GET projects/{id}/``."""
    return await session.get(f"projects/{project_id}/", _project)


async def list_projects(session: Session) -> list[Project]:
    """``GET projects/`` (a bare array, or the envelope and its ``next`` pages)."""
    return await session.get_all("projects/", _projects, _projects_page)


async def list_models(session: Session, project_id: str) -> list[Model]:
    """``GET projects/{id}/models/``."""
    return await session.get_all(f"projects/{project_id}/models/", _models, _models_page)


async def get_model(session: Session, project_id: str, model_id: str) -> Model:
    """``GET projects/{pid}/models/{mid}/``."""
    return await session.get(f"projects/{project_id}/models/{model_id}/", _model)


async def list_prediction_servers(session: Session) -> list[PredictionServer]:
    """``GET predictionServers/`` and its ``next`` pages."""
    return await session.follow(await session.get("predictionServers/", _servers), _servers)
