"""``health`` (the fleet's health, worst first) and ``predict DEP FILE.csv``."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import Any

from .._client import AsyncDeploymentClient
from .._csv_table import CsvTableError, read_csv_table
from .._fleet import DeploymentHealth
from .._models_monitoring import Prediction
from . import _output
from ._base import UsageError, run_api
from ._output import print_table, write_json, write_line
from ._views import cell_text, json_data

__all__ = ["HEALTH_COLUMNS", "PROGRESS_FROM", "health", "predict", "read_rows"]

HEALTH_COLUMNS = (
    "LABEL", "ID", "STATUS", "SERVICE", "DRIFT", "ACCURACY", "PREDICTIONS", "ERRORS",
    "RESPONSE MS", "MOST DRIFT",
)  # fmt: skip
PROGRESS_FROM = 50
"""Fleets at least this large show a progress bar on a terminal while they are read."""


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{100 * share:.1f}%"


def _health_row(record: DeploymentHealth) -> list[str]:
    dep, stats = record.deployment, record.service_stats
    metrics = stats.metrics if stats is not None else None
    top = record.top_feature_drift
    drift = "-" if top is None else f"{top.name} {top.drift_score:.3f}"
    errors = None if metrics is None else metrics.server_error_rate + metrics.user_error_rate
    return [
        cell_text(dep.label),
        dep.id,
        "error" if record.error is not None else record.status,
        record.service_health,
        record.drift_health,
        record.accuracy_health,
        cell_text(None if metrics is None else metrics.total_predictions),
        _percent(errors),
        "-" if metrics is None or metrics.response_time is None else f"{metrics.response_time:.0f}",
        drift,
    ]


def _health_data(record: DeploymentHealth) -> dict[str, Any]:
    return {
        "deployment_id": record.deployment.id,
        "label": record.deployment.label,
        "status": record.status,
        "service_health": record.service_health,
        "drift_health": record.drift_health,
        "accuracy_health": record.accuracy_health,
        "service_stats": json_data(record.service_stats),
        "target_drift": json_data(record.target_drift),
        "feature_drift": json_data(list(record.feature_drift)),
        "error": None if record.error is None else str(record.error),
    }


@contextlib.contextmanager
def _progress(as_json: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A rich bar on stderr once the fleet is known to be large (terminal only)."""
    if as_json or not (_output.USE_RICH and sys.stderr.isatty()):
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    bar = Progress(
        BarColumn(bar_width=30), MofNCompleteColumn(), TimeRemainingColumn(compact=True),
        console=_output.make_console(sys.stderr), transient=True,
    )  # fmt: skip
    task: list[Any] = []

    def on_progress(done: int, total: int) -> None:
        if total < PROGRESS_FROM:
            return
        if not task:
            bar.start()
            task.append(bar.add_task("health", total=total))
        bar.update(task[0], completed=done)

    try:
        yield on_progress
    finally:
        if task:
            bar.stop()


async def health(client: AsyncDeploymentClient, args: argparse.Namespace) -> int:
    """``health [--search S] [--status S]``: every deployment's health, worst first.

    Exit 1 when some deployment's health could not be read.
    """
    with _progress(args.json) as on_progress:
        fleet = await client.fleet_health(
            search=args.search, status=args.status, on_progress=on_progress
        )
    if args.json:
        write_json([_health_data(record) for record in fleet])
    else:
        counts = {s: sum(r.status == s for r in fleet) for s in ("failing", "warning", "unknown")}
        summary = ", ".join(f"{count} {status}" for status, count in counts.items() if count)
        caption = f"{len(fleet)} deployment(s)" + (f": {summary}" if summary else "")
        print_table(
            HEALTH_COLUMNS, [_health_row(r) for r in fleet], caption=caption, nowrap=("ID",)
        )
    failed = [r for r in fleet if r.error is not None]
    for record in failed:
        sys.stderr.write(f"{record.deployment.id}: {record.error}\n")
    return 1 if failed else 0


def read_rows(path: str) -> list[dict[str, Any]]:
    """The rows of a CSV file with a header, cells as written (text); empty cells are
    missing values. Nothing is converted: ``00017`` stays ``"00017"`` (an association id
    or a passthrough column comes back as sent) and the server reads each feature by the
    model's feature types, as for DataRobot's own CSV route.

    Raises:
        UsageError: the file cannot be read, is not UTF-8, has a row with more cells than
            its header (the message names the line), or holds no row.
    """
    try:
        table = read_csv_table(path)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    except CsvTableError as exc:
        raise UsageError(f"cannot read {exc}") from None
    rows = [{name: cell for name, cell in cells.items() if cell != ""} for _, cells in table.rows]
    if not rows:
        raise UsageError(f"{path} has no rows to predict (a header line, then one line a row)")
    return rows


def predict(args: argparse.Namespace) -> int:
    """``predict DEP FILE.csv``: predict each row of the file with the deployment.

    Raises:
        UsageError: the file cannot be read or holds no row.
    """
    rows = read_rows(args.file)

    async def run(client: AsyncDeploymentClient, args: argparse.Namespace) -> int:
        found = await client.predict(args.deployment, rows, passthrough_columns=args.passthrough)
        _show(found, as_json=args.json)
        return 0

    return run_api(run, args)


def _show(predictions: list[Prediction], *, as_json: bool) -> None:
    if as_json:
        write_json([json_data(p) for p in predictions])
        return
    labels = [str(v.label) for v in predictions[0].prediction_values] if predictions else []
    classification = len(labels) > 1
    columns = ["ROW", "PREDICTION", *(f"P({label})" for label in labels if classification)]
    passthrough = sorted({name for p in predictions for name in (p.passthrough_values or {})})
    columns += [name.upper() for name in passthrough]
    rows = []
    for p in predictions:
        probabilities = [cell_text(p.probability(label)) for label in labels if classification]
        extra = [cell_text((p.passthrough_values or {}).get(name)) for name in passthrough]
        rows.append([str(p.row_id), cell_text(p.prediction), *probabilities, *extra])
    print_table(columns, rows, caption=f"{len(predictions)} prediction(s)")
    if not predictions:
        write_line("no predictions")
