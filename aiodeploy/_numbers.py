"""Numbers as people type them (CLI flags, durations, wave marks): plain ASCII decimals.

Python's ``float()`` and ``int()`` take more than that: ``"1_0"`` (ten), ``"nan"``,
``"infinity"``, digits of other scripts (Arabic-Indic ``"\\u0661\\u0660"``). A flag such as
``--bake 1_0`` is likelier a typo than ten seconds, so these readers refuse it instead of
guessing.
"""

from __future__ import annotations

import re

__all__ = ["decimal", "whole"]

_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?", re.ASCII | re.IGNORECASE)
_WHOLE = re.compile(r"[+-]?\d+", re.ASCII)


def decimal(text: str) -> float:
    """A decimal number such as ``12``, ``-0.5``, ``.5`` or ``1e-3`` (spaces around it
    ignored).

    Raises:
        ValueError: anything else: underscores, ``nan``, ``inf``, digits of other scripts.
    """
    if not _DECIMAL.fullmatch(text.strip()):
        raise ValueError(f"{text!r} is not a number such as 12, 0.5 or 1e-3")
    return float(text)


def whole(text: str) -> int:
    """A whole number such as ``12`` or ``-3`` (spaces around it ignored).

    Raises:
        ValueError: anything else: underscores, a decimal point, digits of other scripts.
    """
    if not _WHOLE.fullmatch(text.strip()):
        raise ValueError(f"{text!r} is not a whole number such as 12")
    return int(text)
