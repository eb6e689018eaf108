"""What the README tells a new user to run works as written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATAROBOT_", "PYTEST"))}
    return {**env, **extra}


def _blocks_after(heading: str) -> list[str]:
    section = README.split(heading, 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)


def test_the_pytest_example_runs_as_written_in_a_fresh_project(tmp_path: Path) -> None:
    files = {}
    for block in _blocks_after("## Testing with the emulator"):
        first = block.splitlines()[0]
        if first.startswith("# ") and first.endswith(".py"):
            files[first[2:]] = block
    assert set(files) == {"conftest.py", "test_my_rollout.py"}, files
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "1 passed" in done.stdout
    assert "Unclosed" not in done.stdout + done.stderr


@pytest.mark.parametrize("example", sorted(p.name for p in (ROOT / "examples").glob("*.py")))
def test_every_example_runs_on_the_embedded_emulator(example: str) -> None:
    # a DataRobot configured in the shell must not be touched without --real
    env = _clean_env(DATAROBOT_ENDPOINT="https://example.invalid/api/v2", DATAROBOT_API_TOKEN="x")
    done = subprocess.run(  # noqa: S603 (the project's own examples)
        [sys.executable, str(ROOT / "examples" / example)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "example.invalid" not in done.stdout + done.stderr
    if example == "quickstart.py":  # every step of the walkthrough, in order, as the README shows
        steps = [int(line.split(".", 1)[0]) for line in done.stdout.splitlines()]
        assert sorted(set(steps)) == list(range(10)), done.stdout
        assert steps == sorted(steps)
        shown = README.split("```text\n", 1)[1].split("```", 1)[0]
        assert [line.split(" ", 2)[:2] for line in shown.splitlines()] == [
            line.split(" ", 2)[:2] for line in done.stdout.splitlines()
        ]


def test_the_readme_names_every_fault_key_and_admin_route() -> None:
    # error_after, garble_after and reset_header were missing, and so was the body of
    # POST /_emulator/faults.
    from aiohttp import web

    from aiodeploy.emulator._faults import _ALL_KEYS
    from aiodeploy.emulator._routes_admin import add_admin_routes

    section = README.split("## Testing with the emulator", 1)[1].split("\n## ", 1)[0]
    assert [key for key in _ALL_KEYS if f"`{key}`" not in section] == []
    router = web.UrlDispatcher()
    add_admin_routes(router)
    routes = {f"`{r.method} {r.resource.canonical}`" for r in router.routes() if r.resource}
    assert [route for route in routes if route not in section and "HEAD" not in route] == []
    assert '`{"spec": "503=0.1,retry_after=1"}`' in section


def test_the_readme_documents_the_cli_by_registered_model_version(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # the command-line section used to show only the legacy path (replace DEP MODEL, a
    # plan with the header deployment_id,model_id,reason), and so did rollout --help
    from aiodeploy.cli import main

    section = README.split("## Command line", 1)[1].split("\n## ", 1)[0]
    assert "aiodeploy validate DEP --model-version V" in section
    assert "aiodeploy replace DEP --model-version V" in section
    assert "deployment_id,registered_model_version_id,reason" in section
    assert main(["rollout", "--help"]) == 0
    assert "deployment_id,registered_model_version_id,reason" in capsys.readouterr().out
