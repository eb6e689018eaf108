"""The prediction API's bodies: rows in (JSON or CSV), predictions out (JSON or CSV).

Rows that cannot be read (not JSON, JSON that is not a list of objects, a CSV row with
more fields than its header, no rows at all) are a 400 with DataRobot's ``message``;
features a row lacks are simply missing values.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from ._errors import ApiError
from ._scoring import Scored, Scorer

__all__ = ["CSV", "read_rows", "render_csv", "render_json"]

CSV = "text/csv"
_decoder = msgspec.json.Decoder()


def _bad(message: str) -> ApiError:
    return ApiError(400, {"message": message})


def _json_rows(raw: bytes) -> list[dict[str, Any]]:
    try:
        body = _decoder.decode(raw)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise _bad(f"The request body is not valid JSON: {exc}") from None
    if isinstance(body, dict) and isinstance(body.get("data"), list):
        body = body["data"]  # the {"data": [...]} envelope some callers send
    if not isinstance(body, list):
        raise _bad("The JSON body must be an array of rows (objects of feature values).")
    for index, row in enumerate(body):
        if not isinstance(row, dict):
            raise _bad(f"Row {index} is not an object of feature values.")
        for name, value in row.items():
            if isinstance(value, (dict, list)):
                raise _bad(f"Row {index}: the value of {name!r} is not a number or a string.")
    return body


def _csv_rows(raw: bytes) -> list[dict[str, Any]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _bad("The CSV body is not UTF-8 text.") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        lines = [line for line in reader if line]
    except csv.Error as exc:
        raise _bad(f"The CSV body cannot be parsed: {exc}") from None
    if not lines:
        raise _bad("No data was received.")
    header = [name.strip() for name in lines[0]]
    if len(set(header)) != len(header) or not all(header):
        raise _bad("The CSV header must name each column once.")
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        if len(line) > len(header):
            raise _bad(f"Line {number} has {len(line)} fields but the header has {len(header)}.")
        rows.append({name: value for name, value in zip(header, line, strict=False) if value != ""})
    return rows


def read_rows(raw: bytes, content_type: str) -> list[dict[str, Any]]:
    """The rows of a prediction request body.

    Args:
        raw: The body (already taken out of a multipart form, if it was one).
        content_type: Its media type: JSON for ``application/json``, else CSV.

    Raises:
        ApiError: 400 when the body cannot be read as rows, or holds none.
    """
    if not raw.strip():
        raise _bad("No data was received.")
    rows = _json_rows(raw) if "json" in content_type else _csv_rows(raw)
    if not rows:
        raise _bad("No data was received: the body holds no rows.")
    return rows


def _passthrough(row: Mapping[str, Any], columns: Sequence[str] | None) -> dict[str, Any]:
    if columns is None:
        return {}
    if not columns:  # passthroughColumnsSet=all
        return dict(row)
    return {name: row.get(name) for name in columns}


def render_json(
    scorer: Scorer,
    rows: Sequence[Mapping[str, Any]],
    scored: Sequence[Scored],
    passthrough: Sequence[str] | None,
) -> dict[str, Any]:
    """The JSON reply: ``{"data": [{"rowId", "prediction", "predictionValues", ...}]}``."""
    data = []
    for index, (row, one) in enumerate(zip(rows, scored, strict=True)):
        item: dict[str, Any] = {
            "rowId": index,
            "prediction": one.prediction,
            "predictionValues": [{"label": label, "value": value} for label, value in one.values],
        }
        if scorer.target_type == "Binary":
            item["predictionThreshold"] = scorer.threshold
        if passthrough is not None:
            item["passthroughValues"] = _passthrough(row, passthrough)
        data.append(item)
    return {"data": data}


def render_csv(
    scorer: Scorer,
    rows: Sequence[Mapping[str, Any]],
    scored: Sequence[Scored],
    passthrough: Sequence[str] | None,
) -> bytes:
    """The CSV reply, with the columns DataRobot's prediction output has:
    ``<target>_<class>_PREDICTION`` per class, ``<target>_PREDICTION``, and for binary
    models ``THRESHOLD`` and ``POSITIVE_CLASS``; passthrough columns last."""
    target = scorer.project.target
    classes: Sequence[str] = () if scorer.target_type == "Regression" else scorer.classes
    if scorer.target_type == "Binary":
        classes = (scorer.positive_class, scorer.negative_class)
    extra = list(passthrough) if passthrough else []
    if passthrough is not None and not passthrough:
        extra = sorted({name for row in rows for name in row})
    header = [f"{target}_{name}_PREDICTION" for name in classes] + [f"{target}_PREDICTION"]
    if scorer.target_type == "Binary":
        header += ["THRESHOLD", "POSITIVE_CLASS"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header + extra)
    for row, one in zip(rows, scored, strict=True):
        line: list[Any] = [one.probability(name) for name in classes] + [one.prediction]
        if scorer.target_type == "Binary":
            line += [scorer.threshold, scorer.positive_class]
        writer.writerow(line + [row.get(name, "") for name in extra])
    return out.getvalue().encode()
