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
from aiodeploy.emulator._cli import add_arguments, main

from .helpers import call

_ROOT = Path(aiodeploy.emulator.__file__).resolve().parents[2]


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(argv)


def test_defaults() -> None:
    args = _parse()
    assert (args.host, args.port, args.token, args.seed, args.deployments) == (
        "127.0.0.1", 8080, "test-token", 0, 0,
    )  # fmt: skip
    assert args.replacement_seconds == (1.0, 1.0)
    assert args.faults is None


def test_ranges_and_faults_parse() -> None:
    args = _parse("--replacement-seconds", "1.5:3", "--faults", "503=0.1,retry_after=2")
    assert args.replacement_seconds == (1.5, 3.0)
    assert args.faults == FaultProfile.parse("503=0.1,retry_after=2")


@pytest.mark.parametrize(
    "argv",
    [
        ["--faults", "teapot=1"],
        ["--replacement-seconds", "3:1"],
        ["--port", "x"],
        ["--deployments", "-1"],
        ["--status-retry-after", "-2"],
    ],
)
def test_bad_arguments_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert "error" in capsys.readouterr().err


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
async def test_serves_until_signalled(signum: signal.Signals) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(_ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "aiodeploy.emulator", "--port", "0", "--deployments", "3",
        "--token", "cli-token",
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
        assert (status, body["totalCount"]) == (200, 3)
        proc.send_signal(signum)
        _, stderr = await asyncio.wait_for(proc.communicate(), 30)
        assert proc.returncode == 0
        assert b"Traceback" not in stderr
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
