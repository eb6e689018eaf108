"""``main()`` itself: how failures become exit codes and one-line messages."""

from __future__ import annotations

import argparse
import io
import sys

import pytest

if sys.version_info >= (3, 11):
    from builtins import ExceptionGroup
else:  # the backport anyio depends on before 3.11
    from exceptiongroup import ExceptionGroup  # type: ignore[import-not-found, unused-ignore]

from aiodeploy import NotFoundError, TransportError
from aiodeploy.cli import _commands, _reportable, main

DEP = "a" * 24


def _patch_drift_set(monkeypatch: pytest.MonkeyPatch, error: BaseException) -> None:
    def fail(args: argparse.Namespace) -> int:
        raise error

    monkeypatch.setattr(_commands, "drift_set", fail)  # the parser binds it when built


def _not_found() -> NotFoundError:
    return NotFoundError(404, "Deployment not found.", method="GET", url="deployments/x/")


def test_groups_of_library_errors_are_reported_line_by_line(monkeypatch, capsys) -> None:
    lost = TransportError("connection reset", method="GET", url="u", request_sent=True)
    group = ExceptionGroup("task group", [_not_found(), ExceptionGroup("inner", [lost])])
    _patch_drift_set(monkeypatch, group)
    assert main(["drift", "set", DEP, "--target", "on"]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("aiodeploy: error: 404 NotFoundError")
    assert "connection reset" in lines[1]


def test_a_bug_keeps_its_traceback(monkeypatch) -> None:
    _patch_drift_set(monkeypatch, ExceptionGroup("task group", [_not_found(), KeyError("x")]))
    with pytest.raises(ExceptionGroup):
        main(["drift", "set", DEP, "--target", "on"])
    assert _reportable(RuntimeError("bug")) is None


def test_keyboard_interrupt_outside_a_rollout(monkeypatch, capsys) -> None:
    _patch_drift_set(monkeypatch, KeyboardInterrupt())
    assert main(["drift", "set", DEP, "--target", "on"]) == 130
    assert capsys.readouterr().err == "aiodeploy: error: interrupted\n"


@pytest.mark.parametrize(
    "error",
    [BrokenPipeError(), ExceptionGroup("task group", [BrokenPipeError(), BrokenPipeError()])],
)
def test_a_closed_stdout_pipe_is_quiet_and_no_failure(monkeypatch, capsys, error) -> None:
    _patch_drift_set(monkeypatch, error)
    assert main(["drift", "set", DEP, "--feature", "off"]) == 0
    assert capsys.readouterr().err == ""


def test_a_closed_pipe_keeps_a_code_decided_before_the_output(monkeypatch, capsys) -> None:
    def fail(args: argparse.Namespace) -> int:
        args.decided = 1  # e.g. a failing validation, found before it was printed
        raise BrokenPipeError

    monkeypatch.setattr(_commands, "drift_set", fail)
    assert main(["drift", "set", DEP, "--feature", "off"]) == 1
    assert capsys.readouterr().err == ""


def test_a_pipe_error_among_others_is_reported(monkeypatch, capsys) -> None:
    _patch_drift_set(monkeypatch, ExceptionGroup("g", [BrokenPipeError(), _not_found()]))
    assert main(["drift", "set", DEP, "--feature", "off"]) == 1
    assert "404 NotFoundError" in capsys.readouterr().err


def test_run_as_a_module_names_itself(monkeypatch, capsys) -> None:
    monkeypatch.setattr(sys, "argv", ["/x/aiodeploy/__main__.py", "--version"])
    assert main() == 0
    assert capsys.readouterr().out.startswith("python -m aiodeploy ")
    monkeypatch.setattr(sys, "argv", ["aiodeploy", "drift", "set", DEP])
    monkeypatch.setattr(sys, "stdin", io.StringIO())
    assert main() == 2
    assert "--target" in capsys.readouterr().err
