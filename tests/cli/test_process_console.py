"""``python -m aiodeploy`` as a real process: a pipe closed early, a non-UTF-8 console.

The emulator runs on the test's event loop, and the tests await the child process, so
the emulator keeps serving it meanwhile.
"""

from __future__ import annotations

import subprocess
import sys

import anyio
import pytest

from .test_process import _env

LABEL = "Prévision 需求 — 📈 q3"


def _command(*argv: str) -> list[str]:
    return [sys.executable, "-m", "aiodeploy", *argv]


def _connected(emulator, tmp_path) -> dict[str, str]:
    env = _env(tmp_path)
    env.update(DATAROBOT_ENDPOINT=emulator.endpoint, DATAROBOT_API_TOKEN=emulator.token)
    return env


async def _run_with_reader_gone(
    argv: list[str], env: dict[str, str], *, read: int
) -> tuple[int, str]:
    """Run ``argv`` with stdout a pipe whose reader reads ``read`` bytes (0: none) and then
    closes it, like ``| head``; return the exit code and stderr.

    ``subprocess`` in a worker thread, not anyio's process streams: closing those does not
    close the pipe itself, so the child would never see its reader go.
    """

    def run() -> tuple[int, str]:
        with subprocess.Popen(  # noqa: S603 (our own interpreter and module)
            _command(*argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
        ) as process:
            assert process.stdout is not None
            assert process.stderr is not None
            process.stdout.read(read)
            process.stdout.close()
            err = process.stderr.read().decode()
            return process.wait(timeout=60), err

    return await anyio.to_thread.run_sync(run)


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["deployments", "list"], 0),
        (["--json", "deployments", "list"], 0),
        (["deployments", "get", "{dep}"], 0),
        (["validate", "{dep}", "{failing}"], 1),  # the code says the validation failed
    ],
)
async def test_a_pipe_closed_before_any_output(emulator, tmp_path, argv, code) -> None:
    dep_id = emulator.state.live_deployments()[0].id
    failing = emulator.state.replacement_candidates(dep_id).failing[0].id
    words = [word.format(dep=dep_id, failing=failing) for word in argv]
    returncode, err = await _run_with_reader_gone(words, _connected(emulator, tmp_path), read=0)
    assert (returncode, err) == (code, "")


@pytest.mark.parametrize("as_json", [False, True], ids=["table", "json"])
@pytest.mark.emulator(deployments=800)
async def test_a_pipe_closed_in_the_middle_of_the_output(emulator, tmp_path, as_json) -> None:
    argv = ["deployments", "list", *(["--json"] if as_json else [])]
    # 800 rows are far more than a pipe buffers: the writer is blocked when the reader goes
    returncode, err = await _run_with_reader_gone(argv, _connected(emulator, tmp_path), read=1)
    assert (returncode, err) == (0, "")


@pytest.mark.parametrize("encoding", ["ascii", "cp1252"])
async def test_a_console_that_cannot_encode_the_labels(emulator, tmp_path, encoding) -> None:
    state = emulator.state
    model = state.current_model(state.live_deployments()[0].id)
    dep_id = state.create_deployment(model.id, LABEL, description="coût 5 €").id
    env = _connected(emulator, tmp_path)
    # what a Windows console or a C locale gives, without UTF-8 mode to rescue it
    env.update(PYTHONIOENCODING=encoding, PYTHONUTF8="0", LANG="C", LC_ALL="C")
    expected = LABEL.encode(encoding, "replace").decode(encoding)
    for argv in (["deployments", "list"], ["deployments", "get", dep_id]):
        done = await anyio.run_process(_command(*argv), env=env, check=False)
        err = done.stderr.decode(encoding, "replace")
        assert (done.returncode, err) == (0, ""), argv
        assert expected in done.stdout.decode(encoding), argv
