"""The emulator's options are declared once: every place that takes them agrees with it."""

from __future__ import annotations

import argparse
import dataclasses
import inspect
from typing import Any

import pytest

import aiodeploy.emulator
from aiodeploy.cli._parser import build_parser, parse
from aiodeploy.emulator import (
    Emulator,
    EmulatorOptions,
    EmulatorState,
    FaultProfile,
    StateOptions,
    create_app,
)
from aiodeploy.emulator._cli import add_arguments, options_from
from aiodeploy.emulator._records import JobKind
from aiodeploy.testing import EMULATOR_DEFAULTS

from .helpers import FakeClock

ALL = {f.name: f for f in dataclasses.fields(EmulatorOptions)}
STATE = {f.name: f for f in dataclasses.fields(StateOptions)}
# where the command line deliberately differs from Python: a fixed port, and a demo fleet
# so that a bare `aiodeploy emulator` shows something (the suite relies on Emulator() empty)
CLI_DIFFERENCES = {"port": 8080, "deployments": 12, "traffic": 7.0}
NOT_ON_THE_COMMAND_LINE = {"clock"}  # a Python object
SERVER_ONLY = {"host", "port", "prediction_port"}  # where to serve: not the state's


def _cli_defaults() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args([])


def _keywords(target: Any) -> dict[str, Any]:
    params = inspect.signature(target).parameters.values()
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params)
    return {p.name: p.default for p in params}


def test_every_option_is_a_flag_with_the_same_default_unless_declared_otherwise() -> None:
    args = vars(_cli_defaults())
    assert set(args) == set(ALL) - NOT_ON_THE_COMMAND_LINE
    differing = {name: value for name, value in args.items() if value != ALL[name].default}
    assert differing == CLI_DIFFERENCES


def test_aiodeploy_emulator_takes_the_same_flags_as_python_m() -> None:
    args = parse(build_parser(), ["emulator"])
    assert options_from(args) == options_from(_cli_defaults())


def test_emulator_and_state_take_exactly_the_options() -> None:
    assert _keywords(Emulator) == {name: f.default for name, f in ALL.items()}
    assert _keywords(EmulatorState) == {name: f.default for name, f in STATE.items()}
    assert set(ALL) - set(STATE) == SERVER_ONLY


def test_each_duration_option_sets_one_job_kind() -> None:
    assert set(StateOptions().job_durations()) == set(JobKind)


@pytest.mark.parametrize(
    "build",
    [
        lambda: Emulator(bogus=1),
        lambda: EmulatorState(bogus=1),
        lambda: EmulatorState(port=0),
        lambda: create_app(bogus=1),
        lambda: create_app(EmulatorState(), seed=1),
    ],
    ids=["emulator", "state", "state-server-option", "create_app", "create_app-both"],
)
def test_unknown_keywords_are_a_type_error(build: Any) -> None:
    with pytest.raises(TypeError):
        build()


def test_every_option_reaches_the_state() -> None:
    clock = FakeClock()
    given: dict[str, Any] = {
        "token": "t1", "tokens": {"ro": "read-only"}, "replacement_seconds": (1, 2),
        "settings_seconds": 3, "creation_seconds": 4, "status_seconds": 5,
        "challenger_seconds": 6, "intervals_seconds": (7, 8), "package_build_seconds": (6, 7),
        "faults": "503=0.5",
        "seed": 9, "deployments": 2, "status_retry_after": 1.5, "clock": clock,
        "host": "127.0.0.1", "port": 0, "monitoring_seconds": 6, "traffic": 1.5,
        "reply_delay": 0.25, "prediction_port": 0,
    }  # fmt: skip
    assert set(given) == set(ALL)
    emu = Emulator(**given)
    assert emu.options == EmulatorOptions(**given)
    state = emu.state
    assert state.options == StateOptions(**{k: v for k, v in given.items() if k in STATE})
    assert (state.tokens.token, state.seed, state.status_retry_after) == ("t1", 9, 1.5)
    assert state.faults == FaultProfile.parse("503=0.5")
    assert len(state.live_deployments()) == 2
    assert state.options.job_durations()[JobKind.REPLACE] == (1.0, 2.0)
    assert state.options.job_durations()[JobKind.ACTUALS] == (6.0, 6.0)
    assert state.options.job_durations()[JobKind.DELETION] == (6.0, 6.0)
    assert (state.options.traffic, state.options.reply_delay) == (1.5, 0.25)
    assert state.options.job_durations()[JobKind.INTERVALS] == (7.0, 8.0)
    assert state.options.build_duration() == (6.0, 7.0)
    assert create_app(**{k: v for k, v in given.items() if k in STATE})


def test_plugin_defaults_are_an_overlay_of_the_options() -> None:
    assert set(EMULATOR_DEFAULTS) <= set(ALL)
    options = EmulatorOptions(**EMULATOR_DEFAULTS)
    assert options.deployments == 5
    assert options.replacement_seconds == 0.1


@pytest.mark.emulator(seed=3)
async def test_the_fixture_applies_defaults_then_the_marker(emulator: Emulator) -> None:
    assert (emulator.options.seed, emulator.options.deployments) == (3, 5)


def test_every_option_is_documented() -> None:
    for cls in (StateOptions, EmulatorOptions):
        doc = cls.__doc__ or ""
        for field in dataclasses.fields(cls):
            assert f"    {field.name} (" in doc
            assert field.metadata["doc"]
    assert "deployments (0; command line: 12)" in (EmulatorOptions.__doc__ or "")
    package_doc = aiodeploy.emulator.__doc__ or ""
    assert [name for name in ALL if f"``{name}=" not in package_doc] == []
