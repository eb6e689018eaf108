"""Reading query parameters and JSON bodies, with trafaret-style error messages."""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping
from typing import Any

import msgspec
from multidict import MultiMapping

from ._errors import ApiError, invalid_body, invalid_query

__all__ = [
    "QueryReader",
    "check_body",
    "check_bool",
    "check_choice",
    "check_number",
    "check_str",
    "check_str_list",
    "decode_body",
]

Checker = Callable[[Any], "str | None"]
_decoder = msgspec.json.Decoder()


def check_bool(value: Any) -> str | None:
    """Error for a value that is not a JSON boolean."""
    return None if isinstance(value, bool) else "value should be True or False"


def check_str(value: Any) -> str | None:
    """Error for a value that is not a string."""
    return None if isinstance(value, str) else "value is not a string"


def check_number(value: Any) -> str | None:
    """Error for a value that is not a finite number (booleans are not numbers)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "value is not a number"
    # JSON integers are unbounded and math.isfinite would overflow on a huge one
    return None if isinstance(value, int) or math.isfinite(value) else "value is not finite"


def check_str_list(value: Any) -> str | None:
    """Error for a value that is not a list of strings."""
    if not isinstance(value, list):
        return "value is not a list"
    return None if all(isinstance(v, str) for v in value) else "items are not all strings"


def check_choice(choices: Collection[str]) -> Checker:
    """Return a checker accepting only the given strings."""

    def check(value: Any) -> str | None:
        if isinstance(value, str) and value in choices:
            return None
        return f"value doesn't match any variant of {', '.join(sorted(choices))}"

    return check


def decode_body(raw: bytes) -> Any:
    """Decode a JSON request body (an empty body is ``{}``).

    Raises:
        ApiError: 400 when the body is not JSON.
    """
    if not raw.strip():
        return {}
    try:
        return _decoder.decode(raw)
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:  # invalid UTF-8 in a string
        raise ApiError(400, {"message": f"Malformed JSON body: {exc}"}) from None
    except RecursionError:  # msgspec's answer to JSON nested too deeply
        raise ApiError(400, {"message": "Malformed JSON body: nested too deeply"}) from None


def check_body(body: Any, fields: Mapping[str, tuple[Checker, bool]]) -> dict[str, Any]:
    """Validate a JSON object against ``{name: (checker, required)}``.

    Returns:
        The body, unchanged.

    Raises:
        ApiError: 422 naming every unknown, missing or invalid field.
    """
    if not isinstance(body, dict):
        raise invalid_body({"body": "value is not a dict"})
    errors: dict[str, str] = {}
    for name, value in body.items():
        spec = fields.get(name)
        if spec is None:
            errors[name] = f"{name} is not allowed key"
        elif (problem := spec[0](value)) is not None:
            errors[name] = problem
    for name, (_, required) in fields.items():
        if required and name not in body:
            errors[name] = "is required"
    if errors:
        raise invalid_body(errors)
    return body


class QueryReader:
    """Reads typed query parameters, collecting every error before answering 400.

    Args:
        query: The request's query parameters.
        allowed: Every parameter the route accepts; any other one is an error.
    """

    def __init__(self, query: MultiMapping[str], allowed: Collection[str]) -> None:
        self._query = query
        self.errors: dict[str, str] = {
            key: f"{key} is not allowed key" for key in query if key not in allowed
        }

    def integer(self, name: str, default: int, low: int, high: int | None = None) -> int:
        """Read an integer between ``low`` and ``high`` (inclusive)."""
        text = self._query.get(name)
        if text is None:
            return default
        try:
            value = int(text)
        except ValueError:
            self.errors[name] = "value can't be converted to int"
            return default
        if value < low:
            self.errors[name] = f"value is less than {low}"
        elif high is not None and value > high:
            self.errors[name] = f"value is greater than {high}"
        return value

    def text(self, name: str) -> str | None:
        """Read a string (the last one if repeated)."""
        values = self._query.getall(name, [])
        return values[-1] if values else None

    def choices(self, name: str, allowed: Collection[str]) -> set[str] | None:
        """Read a list given as repeated keys and/or comma-joined values."""
        values = self._query.getall(name, [])
        if not values:
            return None
        items = {item.strip() for value in values for item in value.split(",") if item.strip()}
        unknown = sorted(items - set(allowed))
        if unknown:
            self.errors[name] = f"{', '.join(unknown)} is not one of {', '.join(allowed)}"
        return items

    def strings(self, name: str) -> list[str] | None:
        """Read a list of free strings given as repeated keys."""
        return list(self._query.getall(name, [])) or None

    def boolean(self, name: str) -> bool | None:
        """Read ``true``/``True``/``false``/``False``."""
        text = self._query.get(name)
        if text is None:
            return None
        if text in ("true", "True", "false", "False"):
            return text.lower() == "true"
        self.errors[name] = "value can't be converted to Bool"
        return None

    def number(self, name: str) -> float | None:
        """Read a finite number."""
        text = self._query.get(name)
        if text is None:
            return None
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            self.errors[name] = "value can't be converted to float"
            return None
        return value

    def check(self) -> None:
        """Raise the collected errors, if any.

        Raises:
            ApiError: 400 whose ``message`` maps each bad parameter to its error.
        """
        if self.errors:
            raise invalid_query(self.errors)
