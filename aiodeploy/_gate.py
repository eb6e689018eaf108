"""Guarded rollouts, the pure part: waves of a plan, the health gate, and its verdicts.

A guarded rollout replaces its items wave by wave; after each wave it bakes (waits while
the new models serve traffic) and reads each deployment's service stats *of the new model*.
:func:`judge_deployment` turns those stats into a verdict, :func:`judge_wave` turns the
wave's verdicts into go, stop or wait. No I/O here: every rule is tested without a socket
or a clock.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import numbers
import re
from collections.abc import Callable, Mapping, Sequence

from ._numbers import decimal, whole

__all__ = [
    "GateStats",
    "HealthGate",
    "Verdict",
    "WaveVerdict",
    "describe_wave",
    "judge_deployment",
    "judge_replacements",
    "judge_wave",
    "parse_duration",
    "plan_waves",
]

_DURATION = re.compile(r"(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?", re.ASCII)


def parse_duration(value: float | int | str) -> float:
    """Seconds from ``120``, ``120.5``, ``"90s"``, ``"2m"``, ``"1h30m"`` or ``"1m30s"``.

    A string holds ASCII digits only (``"1_0"``, which ``float()`` reads as ten, is refused:
    see :mod:`aiodeploy._numbers`).

    Raises:
        ValueError: not a duration, negative, or not finite.
        TypeError: not a number or a string.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TypeError(f"a duration is seconds or a string such as '2m', got {value!r}")
    if isinstance(value, str):
        text = value.strip().lower()
        try:
            seconds = decimal(text)
        except ValueError:
            match = _DURATION.fullmatch(text)
            if not text or match is None:
                raise ValueError(f"{value!r} is not a duration such as 90s, 2m or 1h30m") from None
            hours, minutes, secs = (float(part) if part else 0.0 for part in match.groups())
            seconds = hours * 3600 + minutes * 60 + secs
    else:
        seconds = float(value)
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"a duration must be a finite number of seconds >= 0, got {value!r}")
    return seconds


def plan_waves(size: int, marks: Sequence[int | str]) -> list[range]:
    """The items (by index) of each wave of a plan of ``size`` items.

    Marks are cumulative: each is a count of items or a percentage of the plan (``"25%"``,
    rounded up), and the wave holds the items up to that mark. The last mark must reach the
    whole plan.

    Raises:
        ValueError: no marks, a malformed mark, a mark that adds no item (marks must
            grow), or a last mark short of the plan.
    """
    if not marks:
        raise ValueError("waves need at least one mark, e.g. [1, '25%', '100%']")
    waves: list[range] = []
    start = 0
    for mark in marks:
        end = _mark(size, mark)
        if end <= start:
            raise ValueError(
                f"the wave mark {mark!r} adds no item (it reaches item {end} of {size}, and "
                f"the waves before already hold {start}): marks must grow"
            )
        if end > size:
            raise ValueError(f"the wave mark {mark!r} is past the plan's {size} items")
        waves.append(range(start, end))
        start = end
    if start != size:
        raise ValueError(
            f"the last wave mark reaches item {start} of {size}: end with '100%' or {size}"
        )
    return waves


def _mark(size: int, mark: int | str) -> int:
    if isinstance(mark, bool):
        raise ValueError(f"{mark!r} is not a wave mark")
    if isinstance(mark, int):
        return mark
    text = str(mark).strip()
    try:
        if text.endswith("%"):
            share = decimal(text[:-1])
            if not 0 < share <= 100:
                raise ValueError
            return math.ceil(size * share / 100 - 1e-9)
        return whole(text)
    except ValueError:
        raise ValueError(
            f"{mark!r} is not a wave mark (a count, or a share such as '25%')"
        ) from None


class Verdict(str, enum.Enum):
    """What the gate says of one deployment (or one wave) so far."""

    PASS = "pass"  # noqa: S105 (a verdict, not a password)
    FAIL = "fail"
    UNDECIDED = "undecided"

    def __str__(self) -> str:
        return self.value


@dataclasses.dataclass(frozen=True)
class GateStats:
    """What the gate reads of one deployment's new model since its bake began: its
    ``GET deployments/{id}/serviceStats/?modelId=&start=`` (and, with a drift threshold,
    ``featureDrift/``). A :class:`HealthGate`'s ``check`` receives it.

    Attributes:
        predictions: predictions served (``totalPredictions`` of service stats: rows).
        error_rate: share of requests that failed on the server's side, 0-1
            (``serverErrorRate``).
        response_time_ms: the service stats' response time (median), in milliseconds.
        data_drift: the largest feature drift score seen (PSI), when read.
        requests: prediction requests answered, failed ones included (``totalRequests``),
            when known.
    """

    predictions: int
    error_rate: float | None = None
    response_time_ms: float | None = None
    data_drift: float | None = None
    requests: int | None = None

    @property
    def seen(self) -> int:
        """What counts toward ``min_predictions``: the predictions served, or the requests
        answered when there are more of them (a model that fails every request serves no
        prediction, yet has shown what it does)."""
        return max(self.predictions, self.requests or 0)


@dataclasses.dataclass(frozen=True)
class HealthGate:
    """When a wave of a guarded rollout (``replace_models(..., waves=, gate=)``) may go on.

    Each deployment of the wave is judged on its new model's service stats (``GET
    deployments/{id}/serviceStats/?modelId={new model}&start=``, read every tenth of the
    bake, as :class:`GateStats`): it fails as soon as it has served ``min_predictions`` and
    breaks a threshold (during the bake already), and passes only at the end of the bake.
    A deployment with fewer predictions at the end is undecided, and ``on_undecided`` says
    what that counts as. The wave fails once more than ``max_failing`` deployments failed.

    Example:
        >>> gate = HealthGate(max_error_rate=0.01, max_response_time_ms=500,
        ...                   min_predictions=50)  # doctest: +SKIP

    Attributes:
        max_error_rate: the largest share (0-1) of server errors allowed.
        max_response_time_ms: the slowest median response time allowed, in ms.
        min_predictions: predictions a deployment must serve before it can be judged (its
            requests count when there are more: a model failing every request is judged
            on them).
        max_failing: deployments of a wave that may fail without failing the wave.
        on_undecided: ``"fail"`` or ``"pass"``: what a deployment with too few predictions
            at the end of the bake counts as.
        max_data_drift: the largest feature drift score (PSI) allowed, if any.
        check: a callable given a deployment id and its :class:`GateStats`; it returns a
            reason (a non-empty string) to fail the deployment, or ``None``/``""`` to let
            the thresholds decide.
    """

    max_error_rate: float = 0.01
    max_response_time_ms: float | None = None
    min_predictions: int = 10
    max_failing: int = 0
    on_undecided: str = "fail"
    max_data_drift: float | None = None
    check: Callable[[str, GateStats], str | None] | None = None

    def __post_init__(self) -> None:
        # NaN passes every "< 0" test and breaks every later comparison (a gate that never
        # fails), and an infinite limit is no limit: both are refused, naming the field
        _threshold("max_error_rate", self.max_error_rate, "a share 0-1", high=1.0)
        if self.max_response_time_ms is not None:
            _threshold("max_response_time_ms", self.max_response_time_ms, "milliseconds > 0")
            if self.max_response_time_ms == 0:
                raise ValueError("max_response_time_ms must be milliseconds > 0, got 0")
        _count("min_predictions", self.min_predictions)
        _count("max_failing", self.max_failing)
        if self.on_undecided not in ("fail", "pass"):
            raise ValueError(f"on_undecided is 'fail' or 'pass', got {self.on_undecided!r}")
        if self.max_data_drift is not None:
            _threshold("max_data_drift", self.max_data_drift, "a drift score >= 0")
        if self.check is not None and not callable(self.check):
            raise TypeError(f"check must be a callable or None, got {self.check!r}")


def _threshold(name: str, value: object, what: str, *, high: float = math.inf) -> None:
    """A finite number from 0 to ``high``, else the error naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be {what}, got {value!r}")
    if not (math.isfinite(value) and 0 <= float(value) <= high):
        raise ValueError(f"{name} must be {what}, got {value!r}")


def _count(name: str, value: object) -> None:
    """A whole number >= 0, else the error naming ``name`` (``nan`` and ``2.5`` included)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a whole number >= 0, got {value!r}")
    if not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"{name} must be a whole number >= 0, got {value!r}")


def judge_deployment(
    deployment_id: str, stats: GateStats, gate: HealthGate, *, final: bool
) -> tuple[Verdict, str]:
    """One deployment's verdict and the reason for it.

    Args:
        deployment_id: the deployment (passed on to ``gate.check``).
        stats: its new model's stats since the wave began.
        gate: the thresholds.
        final: whether the bake is over (only then can it pass, or be undecided).
    """
    if stats.seen < gate.min_predictions:
        if not final:
            return Verdict.UNDECIDED, f"{stats.seen} of {gate.min_predictions} predictions"
        reason = f"only {stats.seen} prediction(s), {gate.min_predictions} needed"
        return (Verdict.PASS if gate.on_undecided == "pass" else Verdict.FAIL), reason
    broken = _broken(deployment_id, stats, gate)
    if broken:
        return Verdict.FAIL, broken
    if not final:
        return Verdict.UNDECIDED, "baking"
    return Verdict.PASS, _summary(stats)


def _broken(deployment_id: str, stats: GateStats, gate: HealthGate) -> str:
    if stats.error_rate is not None and stats.error_rate > gate.max_error_rate:
        return f"error rate {stats.error_rate:.1%} > {gate.max_error_rate:.1%}"
    limit = gate.max_response_time_ms
    if limit is not None and stats.response_time_ms is not None and stats.response_time_ms > limit:
        return f"response time {stats.response_time_ms:.0f} ms > {limit:.0f} ms"
    drift = gate.max_data_drift
    if drift is not None and stats.data_drift is not None and stats.data_drift > drift:
        return f"data drift {stats.data_drift:.2f} > {drift:.2f}"
    if gate.check is not None:
        said = gate.check(deployment_id, stats)
        if said:
            return str(said)
    return ""


def _summary(stats: GateStats) -> str:
    parts = [f"{stats.predictions} predictions"]
    if stats.error_rate is not None:
        parts.append(f"{stats.error_rate:.1%} errors")
    if stats.response_time_ms is not None:
        parts.append(f"{stats.response_time_ms:.0f} ms")
    return ", ".join(parts)


def describe_wave(stats: Sequence[GateStats]) -> str:
    """What the gate sees of a wave, for a progress line: the worst error rate (the gate
    judges each deployment) and the predictions in all, e.g. ``0.2 % errors, 340
    predictions``."""
    predictions = sum(s.predictions for s in stats)
    rates = [s.error_rate for s in stats if s.error_rate is not None and s.seen]
    if not rates:
        return f"{predictions} predictions"
    worst = max(rates)
    shown = f"{worst * 100:.1f}" if worst < 0.1 else f"{worst * 100:.0f}"
    return f"{shown} % errors, {predictions} predictions"


@dataclasses.dataclass(frozen=True)
class WaveVerdict:
    """A wave's verdict: ``PASS`` (go on), ``FAIL`` (stop and roll back), or ``UNDECIDED``
    (keep baking); ``failing`` names the deployments that failed, with their reasons."""

    verdict: Verdict
    failing: Mapping[str, str]


def judge_wave(verdicts: Mapping[str, tuple[Verdict, str]], gate: HealthGate) -> WaveVerdict:
    """The wave's verdict from its deployments': it fails once more than ``max_failing``
    deployments failed, passes once every deployment is decided, and waits otherwise."""
    failing = {dep: why for dep, (verdict, why) in verdicts.items() if verdict is Verdict.FAIL}
    if len(failing) > gate.max_failing:
        return WaveVerdict(Verdict.FAIL, failing)
    if any(verdict is Verdict.UNDECIDED for verdict, _ in verdicts.values()):
        return WaveVerdict(Verdict.UNDECIDED, failing)
    return WaveVerdict(Verdict.PASS, failing)


def judge_replacements(
    failed: Mapping[str, str], replaced: int, gate: HealthGate
) -> WaveVerdict | None:
    """The verdict a wave's replacements decide before any bake; ``None``: bake and judge.

    A deployment whose replacement did not end well (a failed job, a refusal, a timeout)
    counts as a failing deployment of its wave, as one the gate failed would: more than
    ``max_failing`` of them fail the wave at once. A wave where nothing was replaced and
    something failed fails too (nothing is left to judge: the new model proved nothing,
    and the next, larger wave must not start on that). A wave where nothing was replaced
    and nothing failed (every item already served its model) passes. Otherwise the wave
    bakes, and its failed replacements still count when the gate judges the others.

    Args:
        failed: each deployment whose replacement did not end well, with why.
        replaced: how many deployments of the wave were replaced (the gate judges those).
        gate: the thresholds (``max_failing``).
    """
    if len(failed) > gate.max_failing or (failed and not replaced):
        return WaveVerdict(Verdict.FAIL, dict(failed))
    if not replaced:
        return WaveVerdict(Verdict.PASS, {})
    return None
