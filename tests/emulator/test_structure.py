"""The emulator's layout for growth: route modules all registered, parts small and separate."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import aiodeploy.emulator
from aiodeploy.emulator import EmulatorState
from aiodeploy.emulator._app import ROUTE_MODULES

_PACKAGE = Path(aiodeploy.emulator.__file__).parent


def test_every_route_module_is_registered_by_create_app() -> None:
    registered = set(ROUTE_MODULES)
    for path in sorted(_PACKAGE.glob("_routes_*.py")):
        module = importlib.import_module(f"aiodeploy.emulator.{path.stem}")
        adders = [
            function
            for name, function in inspect.getmembers(module, inspect.isfunction)
            if name.startswith("add_") and function.__module__ == module.__name__
        ]
        assert len(adders) == 1, path.name
        assert adders[0] in registered, f"{path.name}: add it to _app.ROUTE_MODULES"


def test_every_state_part_is_built_by_the_state() -> None:
    state = EmulatorState()
    built = {type(value).__module__ for value in vars(state).values()}
    for path in sorted(_PACKAGE.glob("_state_*.py")):
        assert f"aiodeploy.emulator.{path.stem}" in built, f"{path.name}: build it in _build"


def test_modules_stay_small() -> None:
    sizes = {p.name: len(p.read_text().splitlines()) for p in _PACKAGE.glob("*.py")}
    assert {name: n for name, n in sizes.items() if n > 350} == {}
