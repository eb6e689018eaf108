"""The emulator's options, declared once.

Each option is one field below, carrying its Python default, its description and how the
command line spells it (a :class:`Flag`). Everything else is derived from these fields:
``aiodeploy emulator`` / ``python -m aiodeploy.emulator`` generate their flags from them,
:class:`~aiodeploy.emulator.Emulator`, :class:`~aiodeploy.emulator.EmulatorState` and
:func:`~aiodeploy.emulator.create_app` take exactly their keywords (built into one options
object, which validates them), and the pytest plugin's defaults are an overlay on them.

To add an option, add a field here (with a :class:`Flag`, or ``None`` if it cannot be
typed on a command line) and read it from ``state.options`` or ``emu.options``.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Mapping
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

from ._auth import TokenTable, check_token
from ._faults import FaultProfile
from ._jobs import Duration, parse_duration
from ._records import JobKind

__all__ = [
    "DEMO_DEPLOYMENTS",
    "DEMO_TRAFFIC_DAYS",
    "EmulatorOptions",
    "Flag",
    "StateOptions",
    "cli_default",
    "described",
    "flag_of",
    "init_keywords_of",
    "keywords_of",
]

DEMO_DEPLOYMENTS = 12
"""Deployments a bare ``aiodeploy emulator`` serves (three per seed project), so that a new
user sees a fleet; ``Emulator()`` in Python starts empty."""

DEMO_TRAFFIC_DAYS = 7.0
"""Days of prediction history a bare ``aiodeploy emulator`` generates; ``Emulator()``
generates none."""
MAX_TRAFFIC_DAYS = 90.0

P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S")
T = TypeVar("T")


class _PythonDefault:
    def __repr__(self) -> str:
        return "<the Python default>"


_PYTHON_DEFAULT: Any = _PythonDefault()


@dataclasses.dataclass(frozen=True)
class Flag:
    """How an option is given on the command line.

    Attributes:
        parse: Turns the flag's text into the option's value; raises ``ValueError``.
        metavar: The value's name in ``--help``.
        default: The command line's own default, only where it deliberately differs from
            the Python one.
        name: The flag, when it is not ``--<option-name>``.
        help: The ``--help`` text, when the option's description does not fit a shell.
        merge: The flag repeats; each parsed value (a mapping) merges into the others.
    """

    parse: Callable[[str], Any] = str
    metavar: str | None = None
    default: Any = _PYTHON_DEFAULT
    name: str | None = None
    help: str | None = None
    merge: bool = False


_TEXT = Flag()
_DURATION = Flag(lambda text: parse_duration(text, "seconds"), "S|MIN:MAX")


def option(
    default: T,
    doc: str,
    flag: Flag | None = _TEXT,
    *,
    job: JobKind | tuple[JobKind, ...] | None = None,
) -> T:
    """Declare one option: its Python default, description and command-line flag.

    Args:
        default: The Python default.
        doc: What it does (shown by ``help(EmulatorOptions)`` and ``--help``).
        flag: Its command-line form; None when it has none (a Python object).
        job: The job kind (or kinds) whose duration it sets.
    """
    return dataclasses.field(default=default, metadata={"doc": doc, "flag": flag, "job": job})


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError(f"{value} is negative")
    return value


def _port(text: str) -> int:
    value = _count(text)
    if value > 65_535:
        raise ValueError(f"{value} is not a port")
    return value


def _delay(text: str) -> float:
    low, _ = parse_duration(text, "Retry-After seconds")
    return low


def _days(text: str) -> float:
    value = float(text)
    if not 0 <= value <= MAX_TRAFFIC_DAYS:
        raise ValueError(f"traffic must be between 0 and {MAX_TRAFFIC_DAYS} days, not {text}")
    return value


def _read_only_token(text: str) -> dict[str, str]:
    return {check_token(text): "read-only"}


@dataclasses.dataclass(frozen=True, kw_only=True)
class StateOptions:
    """What the in-memory state is built from: the keywords of :class:`EmulatorState`.

    A bad value (a negative count, a reversed range, a bad fault spec, token or role) is a
    ``ValueError``. The options, generated from the fields:
    """

    token: str = option("test-token", "the owner token", Flag(check_token, "TOKEN"))
    tokens: Mapping[str, str] | None = option(
        None,
        "more tokens and their roles, e.g. {'ro': 'read-only', 't2': 'owner'}",
        Flag(
            _read_only_token, "TOKEN", name="--read-only-token", merge=True,
            help="an extra token with the read-only role (repeatable)",
        ),
    )  # fmt: skip
    replacement_seconds: float | tuple[float, float] = option(
        1.0, "replacement job duration: seconds, or a (min, max) range", _DURATION,
        job=JobKind.REPLACE,
    )  # fmt: skip
    settings_seconds: float | tuple[float, float] = option(
        0.2, "settings job duration: seconds, or a (min, max) range", _DURATION,
        job=JobKind.SETTINGS,
    )  # fmt: skip
    creation_seconds: float | tuple[float, float] = option(
        0.5, "deployment creation job duration: seconds, or a (min, max) range", _DURATION,
        job=JobKind.CREATE,
    )  # fmt: skip
    status_seconds: float | tuple[float, float] = option(
        0.2, "status change job duration: seconds, or a (min, max) range", _DURATION,
        job=JobKind.STATUS,
    )  # fmt: skip
    challenger_seconds: float | tuple[float, float] = option(
        0.5, "challenger creation job duration: seconds, or a (min, max) range", _DURATION,
        job=JobKind.CHALLENGER,
    )  # fmt: skip
    intervals_seconds: float | tuple[float, float] = option(
        0.5, "prediction-interval computation job duration: seconds, or a (min, max) range",
        _DURATION, job=JobKind.INTERVALS,
    )  # fmt: skip
    package_build_seconds: float | tuple[float, float] = option(
        0.0, "build time of a new registered model version: seconds, or a (min, max) range",
        _DURATION,
    )  # fmt: skip
    faults: FaultProfile | str | None = option(
        None,
        "a FaultProfile or its spec, e.g. '503=0.1,429=0.05,retry_after=1,latency=0.05'",
        Flag(FaultProfile.parse, "SPEC", help="fault spec, e.g. '503=0.1,429=0.05,retry_after=1'"),
    )
    seed: int = option(0, "seed of ids, durations, seed deployments and faults", Flag(int, "N"))
    deployments: int = option(
        0,
        "deployments created at start, spread over the seed projects",
        Flag(_count, "N", default=DEMO_DEPLOYMENTS),
    )
    monitoring_seconds: float | tuple[float, float] = option(
        0.2, "actuals upload and monitoring data deletion job duration", _DURATION,
        job=(JobKind.ACTUALS, JobKind.DELETION),
    )  # fmt: skip
    traffic: float = option(
        0.0,
        "days of prediction history generated at start, so that the fleet's health varies",
        Flag(_days, "DAYS", default=DEMO_TRAFFIC_DAYS),
    )
    reply_delay: float = option(
        0.0,
        "seconds added to every API reply (a fixed round trip; the latency fault is random)",
        Flag(_delay, "S"),
    )
    status_retry_after: float | None = option(
        None, "seconds sent as Retry-After on running-job status replies", Flag(_delay, "S")
    )
    clock: Callable[[], float] | None = option(
        None, "a monotonic clock (time.monotonic); inject one to drive jobs by hand", None
    )

    def __post_init__(self) -> None:
        # building what the state will build raises its ValueError now, at the caller's line
        TokenTable(self.token, self.tokens)
        self.job_durations()
        self.build_duration()
        self.fault_profile()
        if self.deployments < 0:
            raise ValueError("deployments must be >= 0")
        if self.status_retry_after is not None and self.status_retry_after < 0:
            raise ValueError("status_retry_after must be >= 0 or None")
        _days(str(self.traffic))
        _delay(str(self.reply_delay))

    def job_durations(self) -> dict[JobKind, Duration]:
        """Return the ``(min, max)`` duration of each job kind, in seconds."""
        durations = {}
        for field in dataclasses.fields(StateOptions):
            kinds = field.metadata["job"]
            if kinds is not None:
                duration = parse_duration(getattr(self, field.name), field.name)
                for kind in kinds if isinstance(kinds, tuple) else (kinds,):
                    durations[kind] = duration
        return durations

    def build_duration(self) -> Duration:
        """Return the ``(min, max)`` build time of a new registered model version."""
        return parse_duration(self.package_build_seconds, "package_build_seconds")

    def fault_profile(self) -> FaultProfile | None:
        """Return the fault profile (a spec string parsed), or None."""
        return FaultProfile.parse(self.faults) if isinstance(self.faults, str) else self.faults

    def state_keywords(self) -> dict[str, Any]:
        """Return the options :class:`EmulatorState` takes, as keywords."""
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(StateOptions)}


@dataclasses.dataclass(frozen=True, kw_only=True)
class EmulatorOptions(StateOptions):
    """Every option of :class:`Emulator` and ``aiodeploy emulator``: the state's, plus where
    to serve it.

    A bad value is a ``ValueError``. The options, generated from the fields:
    """

    host: str = option("127.0.0.1", "address to bind", Flag(metavar="ADDRESS"))
    port: int = option(
        0,
        "port to bind; 0 picks a free one (read emu.port)",
        Flag(_port, "PORT", default=8080, help="port to bind; 0 picks a free one"),
    )
    prediction_port: int = option(
        0,
        "port of the prediction server (another origin than the API); 0 picks a free one",
        Flag(_port, "PORT"),
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("port", "prediction_port"):
            if not 0 <= getattr(self, name) <= 65_535:
                raise ValueError(f"{name} must be between 0 and 65535, not {getattr(self, name)}")


def flag_of(field: dataclasses.Field[Any]) -> Flag | None:
    """Return an option's command-line flag, or None if it has none."""
    flag: Flag | None = field.metadata["flag"]
    return flag


def cli_default(field: dataclasses.Field[Any]) -> Any:
    """Return an option's command-line default (its Python default unless the flag says)."""
    flag = flag_of(field)
    if flag is None or flag.default is _PYTHON_DEFAULT:
        return field.default
    return flag.default


def described(options: type[StateOptions]) -> str:
    """Return ``options``' docstring followed by one line per option (name, default, doc)."""
    lines = []
    for field in dataclasses.fields(options):
        default = f"{field.default!r}"
        if cli_default(field) != field.default:
            default += f"; command line: {cli_default(field)!r}"
        lines.append(f"    {field.name} ({default}): {field.metadata['doc']}.")
    return f"{inspect.cleandoc(options.__doc__ or '')}\n\n" + "\n".join(lines)


StateOptions.__doc__ = described(StateOptions)
EmulatorOptions.__doc__ = described(EmulatorOptions)


def init_keywords_of(
    options: Callable[P, Any],
) -> Callable[[Callable[Concatenate[S, ...], None]], Callable[Concatenate[S, P], None]]:
    """Give an ``__init__(self, **options)`` the keyword signature of an options class.

    mypy then checks callers' keywords against the options' fields, and ``help()`` and
    ``inspect.signature`` show them; the options class's constructor checks them at run
    time (an unknown keyword is a ``TypeError``).
    """

    def decorate(init: Callable[Concatenate[S, ...], None]) -> Callable[Concatenate[S, P], None]:
        self = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
        fields = inspect.signature(options).parameters.values()
        cast(Any, init).__signature__ = inspect.Signature([self, *fields])
        return init

    return decorate


def keywords_of(options: Callable[P, Any]) -> Callable[[Callable[..., R]], Callable[P, R]]:
    """Give a function taking ``**options`` the keyword signature of an options class.

    Used on an ``@overload`` item, where only mypy reads the signature.
    """

    def decorate(function: Callable[..., R]) -> Callable[P, R]:
        return function

    return decorate
