"""Fault profiles: what can go wrong, how often, decided by a seeded random source."""

from __future__ import annotations

import dataclasses
import enum
import math
import random

__all__ = ["FaultAction", "FaultInjector", "FaultProfile"]

_STATUS_KEYS = ("500", "502", "503", "504", "429")
_AFTER_KEYS = ("error_after", "garble_after")
_RATE_KEYS = (
    *_STATUS_KEYS, "reset", "reset_after", *_AFTER_KEYS, "reset_header", "job_error", "job_hang",
)  # fmt: skip
_SECONDS_KEYS = ("retry_after", "latency")
_ALL_KEYS = (*_RATE_KEYS, *_SECONDS_KEYS)


@dataclasses.dataclass(frozen=True)
class FaultProfile:
    """How often the emulator misbehaves, and how.

    Build one with :meth:`parse` from the same spec string the CLI's ``--faults`` takes.

    Attributes:
        status_rates: Rate (0-1) of each injected HTTP status, keyed by the status code.
        retry_after: Seconds sent in ``Retry-After`` with injected 429 and 503 replies,
            rounded up to a whole number as HTTP requires (None: no header).
        reset: Rate of connections dropped before the request is handled.
        reset_after: Rate of mutating requests whose connection is dropped after the change
            was applied (the client never learns that it succeeded).
        error_after: Rate of mutating requests answered 502 by "a gateway" after the change
            was applied.
        garble_after: Rate of mutating requests answered with an HTML page (200) after the
            change was applied.
        reset_header: Rate of injected 429 and 503 replies that give their wait as
            ``X-RateLimit-Reset`` (seconds) instead of ``Retry-After``.
        latency: Maximum added delay in seconds, drawn uniformly from ``[0, latency]``.
        job_error: Rate of asynchronous jobs that end in ``ERROR``.
        job_hang: Rate of asynchronous jobs that never finish.

    Example:
        >>> FaultProfile.parse("503=0.1,retry_after=2").status_rates
        {503: 0.1}
    """

    status_rates: dict[int, float] = dataclasses.field(default_factory=dict)
    retry_after: float | None = None
    reset: float = 0.0
    reset_after: float = 0.0
    error_after: float = 0.0
    garble_after: float = 0.0
    reset_header: float = 0.0
    latency: float = 0.0
    job_error: float = 0.0
    job_hang: float = 0.0

    @classmethod
    def parse(cls, spec: str) -> FaultProfile:
        """Parse a spec such as ``"500=0.05,429=0.1,retry_after=1,latency=0.2"``.

        Keys: ``500``, ``502``, ``503``, ``504``, ``429``, ``reset``, ``reset_after``,
        ``error_after``, ``garble_after``, ``reset_header``, ``job_error``, ``job_hang``
        (rates between 0 and 1), ``retry_after`` and ``latency`` (seconds, at least 0). An
        empty spec means no faults.

        Args:
            spec: Comma-separated ``key=value`` pairs.

        Returns:
            The profile.

        Raises:
            ValueError: On an unknown or repeated key, a value that is not a number, a rate
                outside 0-1, negative seconds, or status rates adding up to more than 1.
        """
        values: dict[str, float] = {}
        for raw in spec.split(","):
            item = raw.strip()
            if not item:
                continue
            key, sep, text = (part.strip() for part in item.partition("="))
            if not sep:
                raise ValueError(f"fault spec item {item!r} is not key=value")
            if key not in _ALL_KEYS:
                raise ValueError(f"unknown fault {key!r}; known faults: {', '.join(_ALL_KEYS)}")
            if key in values:
                raise ValueError(f"fault {key!r} is given twice")
            try:
                value = float(text)
            except ValueError:
                raise ValueError(f"fault {key}={text!r}: the value is not a number") from None
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"fault {key}={text!r}: the value must be a finite number >= 0")
            if key in _RATE_KEYS and value > 1:
                raise ValueError(f"fault {key}={text!r}: a rate must be between 0 and 1")
            values[key] = value
        if sum(values.get(key, 0.0) for key in _STATUS_KEYS) > 1:
            raise ValueError("the rates of 500, 502, 503, 504 and 429 add up to more than 1")
        if sum(values.get(key, 0.0) for key in ("reset_after", *_AFTER_KEYS)) > 1:
            raise ValueError(
                "the rates of reset_after, error_after and garble_after add up to more than 1"
            )
        return cls(
            status_rates={int(key): values[key] for key in _STATUS_KEYS if values.get(key)},
            retry_after=values.get("retry_after"),
            reset=values.get("reset", 0.0),
            reset_after=values.get("reset_after", 0.0),
            error_after=values.get("error_after", 0.0),
            garble_after=values.get("garble_after", 0.0),
            reset_header=values.get("reset_header", 0.0),
            latency=values.get("latency", 0.0),
            job_error=values.get("job_error", 0.0),
            job_hang=values.get("job_hang", 0.0),
        )

    def to_spec(self) -> str:
        """Return the spec string that :meth:`parse` turns back into this profile."""
        items = [f"{code}={rate:g}" for code, rate in self.status_rates.items()]
        for key in (
            "reset", "reset_after", *_AFTER_KEYS, "reset_header", "latency", "job_error",
            "job_hang",
        ):  # fmt: skip
            value: float = getattr(self, key)
            if value:
                items.append(f"{key}={value:g}")
        if self.retry_after is not None:
            items.append(f"retry_after={self.retry_after:g}")
        return ",".join(items)


class FaultAction(enum.Enum):
    """What the injector decided for one request."""

    NONE = "none"
    STATUS = "status"
    RESET = "reset"


@dataclasses.dataclass(frozen=True)
class _Decision:
    action: FaultAction
    status: int = 0
    delay: float = 0.0
    after: str = ""  # "reset", "error" or "garble": what befalls the reply of an applied change
    reset_header: bool = False

    @property
    def reset_after(self) -> bool:
        return self.after == "reset"


_NO_FAULT = _Decision(FaultAction.NONE)


class FaultInjector:
    """Draws fault decisions from a ``random.Random`` seeded once, so runs repeat exactly.

    Every request with a profile set draws the same number of values whatever the outcome, so
    the sequence depends only on the seed and the order of requests.
    """

    def __init__(self, seed: int, profile: FaultProfile | None = None) -> None:
        self._seed = seed
        self._rng = random.Random(f"faults:{seed}")
        self.profile = profile

    def reseed(self) -> None:
        """Start the random sequence again from the seed."""
        self._rng = random.Random(f"faults:{self._seed}")

    def decide(self, *, mutating: bool) -> _Decision:
        """Decide the fate of one request before it is handled."""
        profile = self.profile
        if profile is None:
            return _NO_FAULT
        rng = self._rng
        delay = rng.uniform(0.0, profile.latency) if profile.latency else 0.0
        reset_draw, status_draw, after_draw = rng.random(), rng.random(), rng.random()
        # the newer faults draw only when set, so older profiles keep their sequences
        header_draw = rng.random() if profile.reset_header else 1.0
        after = ""
        if mutating:
            threshold = 0.0
            for kind, rate in (
                ("reset", profile.reset_after),
                ("error", profile.error_after),
                ("garble", profile.garble_after),
            ):
                threshold += rate
                if after_draw < threshold:
                    after = kind
                    break
        if reset_draw < profile.reset:
            return _Decision(FaultAction.RESET, delay=delay)
        threshold = 0.0
        for code, rate in profile.status_rates.items():
            threshold += rate
            if status_draw < threshold:
                reset_header = header_draw < profile.reset_header
                return _Decision(
                    FaultAction.STATUS, status=code, delay=delay, reset_header=reset_header
                )
        if delay or after:
            return _Decision(FaultAction.NONE, delay=delay, after=after)
        return _NO_FAULT

    def job_outcome(self) -> tuple[bool, bool]:
        """Return ``(fails, hangs)`` for a new job; draws nothing without a job fault."""
        profile = self.profile
        if profile is None or not (profile.job_error or profile.job_hang):
            return False, False
        hang_draw, error_draw = self._rng.random(), self._rng.random()
        if hang_draw < profile.job_hang:
            return False, True
        return error_draw < profile.job_error, False
