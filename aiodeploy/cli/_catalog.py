"""``projects list`` and ``models list PROJECT``: where the ids a replacement needs come from."""

from __future__ import annotations

import argparse

from .._client import AsyncDeploymentClient
from .._models import Model, Project
from ._output import print_table, write_json
from ._views import cell_text, json_data

__all__ = ["models_list", "projects_list"]

PROJECT_COLUMNS = ("ID", "NAME", "TARGET", "TARGET TYPE", "METRIC", "CREATED")


def _project_row(project: Project) -> list[str]:
    return [
        project.id,
        cell_text(project.project_name),
        cell_text(project.target),
        cell_text(project.target_type),
        cell_text(project.metric),
        cell_text(project.created),
    ]


async def projects_list(client: AsyncDeploymentClient, args: argparse.Namespace) -> int:
    """``projects list``: the projects the token can see (``GET projects/``)."""
    projects = await client.list_projects()
    if args.json:
        write_json([json_data(project) for project in projects])
        return 0
    print_table(
        PROJECT_COLUMNS,
        [_project_row(project) for project in projects],
        caption=f"{len(projects)} project(s)",
        nowrap=("ID",),
    )
    return 0


def _score(model: Model, metric: str | None) -> str:
    """The model's validation score on the project's metric (what the Leaderboard sorts by)."""
    scores = model.metrics.get(metric) if metric else None
    value = scores.get("validation") if isinstance(scores, dict) else None
    return cell_text(value)


def _model_row(model: Model, metric: str | None) -> list[str]:
    sample = f"{model.sample_pct:g}" if model.sample_pct is not None else None
    return [
        model.id,
        cell_text(model.model_number),
        cell_text(model.model_type),
        cell_text(model.featurelist_name),
        cell_text(sample),
        _score(model, metric),
    ]


async def models_list(client: AsyncDeploymentClient, args: argparse.Namespace) -> int:
    """``models list PROJECT``: the project's Leaderboard models, with their validation
    score on the project's metric (``GET projects/{id}/`` and ``GET projects/{id}/models/``).
    """
    project = await client.get_project(args.project)
    models = await client.list_models(args.project)
    if args.json:
        write_json([json_data(model) for model in models])
        return 0
    metric = project.metric
    print_table(
        ("ID", "#", "MODEL TYPE", "FEATURE LIST", "SAMPLE %", f"{metric or 'SCORE'} (VALIDATION)"),
        [_model_row(model, metric) for model in models],
        title=f"{cell_text(project.project_name)} ({project.id})",
        caption=f"{len(models)} model(s)",
        nowrap=("ID",),
    )
    return 0
