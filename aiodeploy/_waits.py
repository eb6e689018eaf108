"""How long a server asks the client to wait before its next request. Pure; no I/O.

Every form servers and proxies use:

* ``Retry-After`` as delta-seconds or an HTTP date, sent once, repeated, or folded into
  one line by a proxy (``5, 5``; ``Wed, 21 Oct 2026 07:28:00 GMT, ...``), and
  ``Retry-After-Ms`` (milliseconds, as Azure and OpenAI-style gateways send beside it):
  the longest wait of all wins.
* Without them, on a 429 or 503, the rate-limit reset headers: ``RateLimit`` (the IETF
  structured form, ``t=`` or ``reset=``), ``RateLimit-Reset``, ``X-RateLimit-Reset``,
  ``X-Rate-Limit-Reset`` (seconds from now when small, a Unix time in seconds or
  milliseconds otherwise, or an HTTP date) and ``X-RateLimit-Reset-After`` (seconds).
"""

from __future__ import annotations

import email.utils
import math
import re
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timezone

__all__ = [
    "parse_retry_after",
    "rate_limit_reset",
    "retry_after_ms_values",
    "retry_after_values",
    "server_wait",
]

_DELTA_SECONDS = re.compile(r"[0-9]+(\.[0-9]+)?")
_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?")
_STRUCTURED_RESET = re.compile(r"(?:^|[;,\s])(?:t|reset)\s*=\s*([0-9]+(?:\.[0-9]+)?)")
_UNIX_SECONDS = 1e9  # a reset this large is a point in time (after 2001), not a delay
_UNIX_MILLISECONDS = 1e12
_RESET_AT = ("ratelimit-reset", "x-ratelimit-reset", "x-rate-limit-reset")
_WAIT_STATUSES = frozenset({429, 503})

Lookup = Callable[[str], "list[str]"]
"""All values of a header, by lower-case name."""


def parse_retry_after(value: str, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from one ``Retry-After`` value (delta-seconds or an HTTP date).

    Returns:
        A finite number of seconds >= 0, or ``None`` when the value is malformed.
    """
    value = value.strip()
    if _DELTA_SECONDS.fullmatch(value):
        seconds = float(value)
        return seconds if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


def _folded(value: str, now: datetime | None) -> list[float]:
    # A comma separates folded values, but an HTTP date holds one too ("Wed, 21 Oct ...").
    tokens = [token.strip() for token in value.split(",")]
    waits: list[float] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if _DELTA_SECONDS.fullmatch(token):
            waits.append(float(token))
            index += 1
            continue
        if index + 1 < len(tokens):
            joined = parse_retry_after(f"{token}, {tokens[index + 1]}", now=now)
            if joined is not None:
                waits.append(joined)
                index += 2
                continue
        index += 1  # a piece that is no wait at all
    return [wait for wait in waits if math.isfinite(wait)]


def retry_after_values(values: Iterable[str], *, now: datetime | None = None) -> float | None:
    """The longest wait among ``Retry-After`` values (repeated headers, folded lines)."""
    waits: list[float] = []
    for value in values:
        # Read as a list first: a lenient date parser would read one folded line as its
        # first date alone.
        found = _folded(value, now)
        single = None if found else parse_retry_after(value, now=now)
        waits.extend(found if found else [single] if single is not None else [])
    return max(waits) if waits else None


def retry_after_ms_values(values: Iterable[str]) -> float | None:
    """The longest wait, in seconds, among ``Retry-After-Ms`` values (milliseconds;
    repeated or folded like ``Retry-After``)."""
    waits = [
        float(token) / 1000
        for value in values
        for token in (piece.strip() for piece in value.split(","))
        if _NUMBER.fullmatch(token)
    ]
    finite = [wait for wait in waits if math.isfinite(wait)]
    return max(finite) if finite else None


def _reset_seconds(text: str, epoch: float) -> float | None:
    text = text.strip()
    if not _NUMBER.fullmatch(text):
        # some proxies send the reset as an HTTP date, as Retry-After may be
        return parse_retry_after(text, now=datetime.fromtimestamp(epoch, timezone.utc))
    value = float(text)
    if value >= _UNIX_MILLISECONDS:
        value = value / 1000 - epoch
    elif value >= _UNIX_SECONDS:
        value -= epoch
    return max(0.0, value) if math.isfinite(value) else None


def rate_limit_reset(values: Lookup, *, epoch: float | None = None) -> float | None:
    """Seconds until a rate-limit window resets, from the headers that say so, if any.

    Args:
        values: all values of a header by lower-case name.
        epoch: the current Unix time (default: ``time.time()``).
    """
    now = time.time() if epoch is None else epoch
    waits: list[float] = []
    for value in values("ratelimit"):
        match = _STRUCTURED_RESET.search(value)
        if match:
            waits.append(float(match.group(1)))
    for name in _RESET_AT:
        for value in values(name):
            seconds = _reset_seconds(value, now)
            if seconds is not None:
                waits.append(seconds)
    after = values("x-ratelimit-reset-after")
    waits.extend(float(value) for value in after if _NUMBER.fullmatch(value.strip()))
    finite = [wait for wait in waits if math.isfinite(wait)]
    return max(finite) if finite else None


def server_wait(status: int, values: Lookup, *, epoch: float | None = None) -> float | None:
    """Seconds the server asked to wait: ``Retry-After`` in any form and
    ``Retry-After-Ms`` (the longest); else, on a 429 or 503, the rate-limit reset headers.
    ``None`` when it asked nothing."""
    now = None if epoch is None else datetime.fromtimestamp(epoch, timezone.utc)
    asked = (
        retry_after_values(values("retry-after"), now=now),
        retry_after_ms_values(values("retry-after-ms")),
    )
    wait = max((found for found in asked if found is not None), default=None)
    if wait is None and status in _WAIT_STATUSES:
        wait = rate_limit_reset(values, epoch=epoch)
    return wait
