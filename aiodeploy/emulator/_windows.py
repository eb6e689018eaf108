"""The query parameters every monitoring read shares: the period, buckets, models, segment.

DataRobot takes ``start`` and ``end`` at the top of an hour only; the emulator also takes
other times and rounds them out to whole hours (``start`` down, ``end`` up), the smallest
window of whole hours that holds the one asked for. By default a period is the seven days
before the next top of the hour.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re

from ._monitoring_data import HOUR, SEGMENT_ATTRIBUTES
from ._params import QueryReader
from ._records import format_timestamp

__all__ = [
    "DAY",
    "Period",
    "parse_moment",
    "read_bucket_size",
    "read_models",
    "read_period",
    "read_segment",
    "round_period",
]

DAY = 24 * HOUR
_DEFAULT_DAYS = 7
_DURATION = re.compile(
    r"^P(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)
_OFFSET_SPACE = re.compile(r" (\d\d:?\d\d)$")
_UNIT_SECONDS = {
    "months": 30 * DAY, "weeks": 7 * DAY, "days": DAY, "hours": HOUR, "minutes": 60.0,
    "seconds": 1.0,
}  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Period:
    """A window of whole hours, ``[start, end)`` in seconds since the epoch."""

    start: float
    end: float

    def to_json(self) -> dict[str, str]:
        """``{"start": ..., "end": ...}`` as DataRobot timestamps."""
        return {"start": format_timestamp(self.start), "end": format_timestamp(self.end)}

    def slots(self, size: float) -> list[Period]:
        """The period cut in buckets of ``size`` seconds (the last one may be shorter)."""
        cuts = []
        start = self.start
        while start < self.end:
            cuts.append(Period(start, min(start + size, self.end)))
            start += size
        return cuts


def parse_moment(text: str) -> float:
    """Seconds since the epoch of an RFC 3339 date-time (naive ones are UTC).

    Raises:
        ValueError: It is not one.
    """
    # a "+" left unencoded in a query string arrives as a space
    text = _OFFSET_SPACE.sub(r"+\1", text.strip()).replace("Z", "+00:00")
    try:
        moment = dt.datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.timezone.utc)
        return moment.timestamp()
    except OverflowError:
        raise ValueError(f"{text!r} is out of range") from None


def _moment(reader: QueryReader, name: str) -> float | None:
    text = reader.text(name)
    if text is None:
        return None
    try:
        return parse_moment(text)
    except ValueError:
        reader.errors[name] = "value is not a valid RFC3339 date-time"
        return None


def round_period(start: float | None, end: float | None, now: float) -> Period:
    """The whole-hour period for optional ``start`` and ``end`` (seconds), rounded out."""
    last = math.ceil(end / HOUR) * HOUR if end is not None else math.floor(now / HOUR) * HOUR + HOUR
    first = math.floor(start / HOUR) * HOUR if start is not None else last - _DEFAULT_DAYS * DAY
    return Period(first, last)


def read_period(reader: QueryReader, now: float) -> Period:
    """Read ``start`` and ``end``; a period that ends before it starts is an error."""
    start, end = _moment(reader, "start"), _moment(reader, "end")
    period = round_period(start, end, now)
    if period.start >= period.end:
        reader.errors["start"] = "start must be before end"
    return period


def read_bucket_size(reader: QueryReader, period: Period) -> float:
    """Read ``bucketSize`` (ISO 8601, e.g. ``PT1H``, ``P1D``, ``P7D``, ``P1M``) in seconds.

    It must be whole hours and no longer than the period; by default one hour for periods
    up to two days, one day up to 90 days, else a week.
    """
    text = reader.text("bucketSize")
    length = period.end - period.start
    if text is None:
        return HOUR if length <= 2 * DAY else DAY if length <= 90 * DAY else 7 * DAY
    match = _DURATION.match(text.strip())
    size = 0.0
    if match and any(match.groupdict().values()):
        size = sum(int(v) * _UNIT_SECONDS[k] for k, v in match.groupdict().items() if v)
    if size <= 0 or size % HOUR:
        reader.errors["bucketSize"] = "value must be an ISO 8601 duration of whole hours"
        return HOUR
    if size > length and length > 0:
        reader.errors["bucketSize"] = "bucketSize cannot be longer than the period"
    return size


def read_models(reader: QueryReader, name: str = "modelId") -> list[str] | None:
    """Read model ids given as repeated keys or comma-joined (None when not given)."""
    values = reader.strings(name)
    if not values:
        return None
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def read_segment(reader: QueryReader) -> tuple[tuple[int, str] | None, str | None, str | None]:
    """Read ``segmentAttribute`` and ``segmentValue``.

    Returns:
        The filter for :meth:`MonitoringData.select` (None without a segment), and the
        attribute and value to echo in the reply.
    """
    attribute, value = reader.text("segmentAttribute"), reader.text("segmentValue")
    if attribute is None:
        if value is not None:
            reader.errors["segmentValue"] = "segmentValue needs a segmentAttribute"
        return None, None, None
    if attribute not in SEGMENT_ATTRIBUTES:
        reader.errors["segmentAttribute"] = f"value must be one of {', '.join(SEGMENT_ATTRIBUTES)}"
        return None, attribute, value
    if value is None:
        return None, attribute, None
    return (SEGMENT_ATTRIBUTES.index(attribute), value), attribute, value
