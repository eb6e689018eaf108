"""Reading a rollout plan (CSV or JSON Lines) into replacement requests.

Every problem is reported as :class:`PlanError` naming the file and, where there is one,
the line, before any request is sent: a plan that mutates production deployments is
either entirely understood or not run at all.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

from .._bulk import ReplacementRequest
from .._wire import check_id, check_reason
from ..enums import ModelReplacementReason

__all__ = ["COLUMNS", "PlanError", "load_plan", "plan_format"]

COLUMNS = ("deployment_id", "registered_model_version_id", "model_id", "reason")
_REQUIRED = ("deployment_id",)
_TARGETS = ("registered_model_version_id", "model_id")  # one of them, in every item
_JSONL_SUFFIXES = (".jsonl", ".ndjson")

# (line number, column -> value) for each item, before the values are checked
_Row = tuple[int, dict[str, str]]


class PlanError(ValueError):
    """A plan that cannot be used; ``str()`` names the file and line."""


def plan_format(path: Path, text: str) -> str:
    """Tell ``csv`` from ``jsonl``: by extension, else by the first non-blank character."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in _JSONL_SUFFIXES:
        return "jsonl"
    return "jsonl" if text.lstrip().startswith("{") else "csv"


def load_plan(path: Path) -> list[ReplacementRequest]:
    """Read and check a whole plan.

    Args:
        path: a ``.csv`` file with the header ``deployment_id,registered_model_version_id,
            reason`` (or ``model_id`` on the legacy path, instead of or beside the version
            column; each item gives exactly one of the two; ``reason`` optional), or a
            ``.jsonl``/``.ndjson`` file of objects with those keys; other names are sniffed.

    Returns:
        One request per item, in file order; a missing or empty reason is ``OTHER``.

    Raises:
        PlanError: the file cannot be read, or an item is malformed, or a deployment
            appears twice, or there are no items.
    """
    try:
        # utf-8-sig: spreadsheet exports often start with a byte order mark
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise PlanError(f"{path}: cannot read the plan: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise PlanError(f"{path}: cannot read the plan: not UTF-8 text ({exc.reason})") from None
    rows = _csv_rows(path, text) if plan_format(path, text) == "csv" else _jsonl_rows(path, text)
    plan = [_request(path, line, row) for line, row in rows]
    if not plan:
        raise PlanError(f"{path}: the plan has no items")
    first_seen: dict[str, int] = {}
    for (line, _row), request in zip(rows, plan, strict=True):
        first = first_seen.setdefault(request.deployment_id, line)
        if first != line:
            raise PlanError(
                f"{path}:{line}: deployment {request.deployment_id} appears twice "
                f"(first on line {first}); a deployment may appear once per plan"
            )
    return plan


def _check_columns(where: str, names: list[str], what: str) -> None:
    unknown = [name for name in names if name not in COLUMNS]
    if unknown:
        raise PlanError(
            f"{where}: unknown {what} {', '.join(map(repr, unknown))} "
            f"(expected {', '.join(COLUMNS)})"
        )
    missing = [name for name in _REQUIRED if name not in names]
    if not any(name in names for name in _TARGETS):
        missing.append(" or ".join(map(repr, _TARGETS)))
    if missing:
        raise PlanError(f"{where}: missing {what} {', '.join(map(repr, missing))}")


def _csv_rows(path: Path, text: str) -> list[_Row]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)  # a stray quote is an error
    rows: list[_Row] = []
    header: list[str] | None = None
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue  # blank lines, e.g. a trailing one, carry no item
            stripped = [cell.strip() for cell in cells]
            if header is None:
                where = f"{path}:{reader.line_num}"
                if len(set(stripped)) != len(stripped):
                    raise PlanError(f"{where}: a column is named twice in the header")
                _check_columns(where, stripped, "column")
                header = stripped
                continue
            if len(stripped) != len(header):
                raise PlanError(
                    f"{path}:{reader.line_num}: expected {len(header)} fields "
                    f"({','.join(header)}), found {len(stripped)}"
                )
            rows.append((reader.line_num, dict(zip(header, stripped, strict=True))))
    except csv.Error as exc:
        raise PlanError(f"{path}:{reader.line_num}: not valid CSV: {exc}") from None
    if header is None:
        raise PlanError(f"{path}: the plan is empty (expected the header {','.join(COLUMNS)})")
    return rows


def _jsonl_rows(path: Path, text: str) -> list[_Row]:
    rows: list[_Row] = []
    for line, raw in _numbered(text):
        where = f"{path}:{line}"
        try:
            item = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise PlanError(f"{where}: not valid JSON: {exc.msg} (column {exc.colno})") from None
        except (ValueError, RecursionError) as exc:  # a number too long, nesting too deep
            raise PlanError(f"{where}: not usable JSON: {exc}") from None
        if not isinstance(item, dict):
            raise PlanError(f"{where}: expected a JSON object, found {type(item).__name__}")
        _check_columns(where, list(item), "key")
        values: dict[str, str] = {}
        for key, value in item.items():
            if key == "reason" and value is None:
                continue
            if not isinstance(value, str):
                raise PlanError(f"{where}: {key} must be a string, found {json.dumps(value)}")
            values[key] = value.strip()
        rows.append((line, values))
    return rows


def _numbered(text: str) -> Iterator[tuple[int, str]]:
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw.strip():
            yield number, raw


def _request(path: Path, line: int, row: dict[str, str]) -> ReplacementRequest:
    where = f"{path}:{line}"
    for key in _REQUIRED:
        if not row.get(key):
            raise PlanError(f"{where}: empty {key}")
    given = [key for key in _TARGETS if row.get(key)]
    if len(given) != 1:
        raise PlanError(
            f"{where}: give exactly one of registered_model_version_id and model_id"
            + (" (both are set)" if given else "")
        )
    reason_text = row.get("reason", "")
    try:
        dep_id = check_id(row["deployment_id"], "deployment_id")
        target = check_id(row[given[0]], given[0])
        reason = check_reason(reason_text) if reason_text else None
    except ValueError as exc:
        raise PlanError(f"{where}: {exc}") from None
    why = reason or ModelReplacementReason.OTHER
    if given[0] == "model_id":
        return ReplacementRequest(dep_id, target, why)
    return ReplacementRequest(dep_id, reason=why, registered_model_version_id=target)
