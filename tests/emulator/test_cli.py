"""The command-line runner: argument parsing, and a real ``python -m aiodeploy.emulator``."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

import aiodeploy.emulator
from aiodeploy.emulator import FaultProfile
from aiodeploy.emulator._cli import add_arguments, main, options_from

from .helpers import call

_ROOT = Path(aiodeploy.emulator.__file__).resolve().parents[2]


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(argv)


def test_defaults() -> None:
    args = _parse()
    # a bare `aiodeploy emulator` serves a demo fleet on a fixed port
    assert (args.host, args.port, args.token, args.seed, args.deployments) == (
        "127.0.0.1", 8080, "test-token", 0, 12,
    )  # fmt: skip
    assert args.replacement_seconds == 1.0
    assert (args.faults, args.tokens, args.status_retry_after) == (None, None, None)


def test_ranges_and_faults_parse() -> None:
    args = _parse("--replacement-seconds", "1.5:3", "--faults", "503=0.1,retry_after=2")
    assert args.replacement_seconds == (1.5, 3.0)
    assert args.faults == FaultProfile.parse("503=0.1,retry_after=2")


def test_read_only_tokens_repeat_into_one_mapping() -> None:
    args = _parse("--read-only-token", "ro1", "--read-only-token", "ro2", "--port", "0")
    assert args.tokens == {"ro1": "read-only", "ro2": "read-only"}
    options = options_from(args)
    assert (options["tokens"], options["port"], options["deployments"]) == (args.tokens, 0, 12)
    assert "clock" not in options


@pytest.mark.parametrize(
    "argv",
    [
        ["--faults", "teapot=1"],
        ["--replacement-seconds", "3:1"],
        ["--port", "x"],
        ["--deployments", "-1"],
        ["--status-retry-after", "-2"],
        ["--read-only-token", "two words"],
        ["--port", "70000"],
    ],
)
def test_bad_arguments_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert "error" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("signum", "more", "deployments"),
    # without --deployments, a demo fleet (the Python default is none)
    [(signal.SIGINT, ("--deployments", "3"), 3), (signal.SIGTERM, (), 12)],
)
async def test_serves_until_signalled(
    signum: signal.Signals, more: tuple[str, ...], deployments: int
) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(_ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "aiodeploy.emulator", "--port", "0", *more, "--token", "cli-token",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    assert proc.stdout is not None
    try:
        exports: dict[str, str] = {}
        while len(exports) < 2:
            line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
            assert line, "the emulator exited early"
            if line.startswith("export "):
                key, _, value = line.removeprefix("export ").strip().partition("=")
                exports[key] = value
        endpoint = exports["DATAROBOT_ENDPOINT"]
        assert exports["DATAROBOT_API_TOKEN"] == "cli-token"
        assert not endpoint.endswith(":0/api/v2")
        async with aiohttp.ClientSession(headers={"Authorization": "Token cli-token"}) as s:
            status, _, body = await call(s, "GET", f"{endpoint}/deployments/")
        assert (status, body["totalCount"]) == (200, deployments)
        proc.send_signal(signum)
        _, stderr = await asyncio.wait_for(proc.communicate(), 30)
        assert proc.returncode == 0
        assert b"Traceback" not in stderr
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
