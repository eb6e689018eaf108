"""Developer tasks: ``nox -s tests lint typecheck examples``."""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import nox

nox.options.sessions = ["tests", "lint", "typecheck", "examples"]
nox.options.reuse_existing_virtualenvs = True

# The linters' exact pins live once, in pyproject's `dev` extra.
_EXTRAS = nox.project.load_toml("pyproject.toml")["project"]["optional-dependencies"]
_DEV = {re.split(r"[=<>!~\[ ;]", req, maxsplit=1)[0].lower(): req for req in _EXTRAS["dev"]}


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite with branch coverage."""
    session.install("-e", ".[test,cli]")
    session.run("coverage", "run", "-m", "pytest", *session.posargs)
    session.run("coverage", "report", "--fail-under=90")


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.install(_DEV["ruff"])
    session.run(
        "ruff", "check", "aiodeploy", "tests", "examples", "benchmarks", "tools", "noxfile.py"
    )  # fmt: skip
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the package and the examples."""
    session.install("-e", ".[dev,test,cli]")
    session.run("mypy", "--strict", "aiodeploy", "examples")
    session.run("mypy", "benchmarks")


@nox.session
def examples(session: nox.Session) -> None:
    """Run every example against the embedded emulator (no credentials needed)."""
    session.install("-e", ".[cli]")
    env = {"DATAROBOT_ENDPOINT": "", "DATAROBOT_API_TOKEN": ""}
    for example in sorted(Path("examples").glob("*.py")):
        session.run("python", str(example), env=env)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks against the emulator; pass options after --, e.g. ``-- --smoke``."""
    session.install("-e", ".[bench]")
    session.run("python", "-m", "benchmarks", *session.posargs)


@nox.session
def chaos(session: nox.Session) -> None:
    """The reliability suite at full size (AIODEPLOY_CHAOS=full): a 1000-deployment chaos
    rollout, 10 SIGKILLs, 2000 examples per fuzz test, 300 cancellation points."""
    session.install("-e", ".[test,cli]")
    session.run(
        "pytest", "tests/reliability", "--timeout=600", *session.posargs,
        env={"AIODEPLOY_CHAOS": "full"},
    )  # fmt: skip


# The mutants `nox -s mutants` runs: every function of the modules behind the README's
# promises (pyproject's [tool.mutmut] only_mutate names the files), but of _transport.py only
# the origin check and of _api/replacement.py only the rollout decision. mutmut names a
# mutant module.function__mutmut_N, a method module.xǁClassǁmethod__mutmut_N.
MUTANTS = [
    "aiodeploy._retry.*",
    "aiodeploy._deadline.*",
    "aiodeploy._waits.*",
    "aiodeploy._polling.*",
    "aiodeploy._journal.*",
    "aiodeploy._group_commit.*",
    "aiodeploy._budget.*",
    "aiodeploy._target.*",
    "aiodeploy._transport.x_origin*",
    "aiodeploy._transport.xǁTransportǁurl_for*",
    "aiodeploy._api.replacement.x_next_step*",
]


@nox.session
def mutants(session: nox.Session) -> None:
    """Mutation testing of the promise-carrying modules (mutmut, 8-15 min on 2 cores, by load);
    writes docs/mutation-report.md and fails on a survivor without a reason in
    docs/mutation-survivors.toml. Not part of the default sessions."""
    session.install("-e", ".[test,cli,mutants]")
    shutil.rmtree("mutants", ignore_errors=True)  # mutmut's cache of results: start afresh
    load = os.getloadavg()[0]
    started = time.monotonic()
    session.run("mutmut", "run", *MUTANTS)
    wall = time.monotonic() - started
    session.run(
        "python", "tools/mutation_report.py",
        "--wall", f"{wall:.0f}", "--load", f"{load:.2f}", f"{os.getloadavg()[0]:.2f}",
        "--cores", str(os.cpu_count() or 1), "--", *MUTANTS,
    )  # fmt: skip
