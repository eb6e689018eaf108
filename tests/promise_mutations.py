"""The README's five hardest promises, each broken on purpose in a scratch copy of the repo:
the test that guards it must go red.

    python tests/promise_mutations.py

Prints one line per mutation with the tests that failed; exits 1 if a mutation survived.
Not part of the default test run (it copies the repo five times); ``nox -s mutants`` is the
broad run.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]


class Mutation(NamedTuple):
    promise: str
    module: str
    old: str
    new: str
    tests: tuple[str, ...]


_WAIT = "return await self._wait(index, request, operation, deadline)\n"
MUTATIONS = (
    Mutation(
        "all requests of a client share one budget (a private limiter per request)",
        "aiodeploy/_session.py",
        "async with budget.slot():",
        "async with RequestBudget(10**6, clock=self.clock, sleep=self.sleep).slot():",
        ("tests/reliability/test_promises.py::test_every_request_of_a_client_shares_one_budget",),
    ),
    Mutation(
        "waiting for a job takes no concurrency place (the place held while waiting)",
        "aiodeploy/_rollout.py",
        f"        {_WAIT}",
        f"            {_WAIT}",
        ("tests/reliability/test_promises.py::test_waiting_for_jobs_takes_no_concurrency_place",),
    ),
    Mutation(
        "the journal is fsynced before the run acts (fsync removed)",
        "aiodeploy/_group_commit.py",
        "os.fsync(fd)",
        "(fd)",
        ("tests/reliability/test_promises.py::test_the_journal_is_fsynced_before_each_patch",),
    ),
    Mutation(
        "another scheme is another origin (the scheme ignored)",
        "aiodeploy/_transport.py",
        'return scheme, (parts.hostname or "").lower(), port',
        'return "", (parts.hostname or "").lower(), port',
        ("tests/reliability/test_secrets.py", "tests/client/test_transport_edges.py"),
    ),
    Mutation(
        "max_wait bounds the read after the job (its deadline removed)",
        "aiodeploy/_api/operation.py",
        "self._session, self.deployment_id, deadline=deadline, persist=True",
        "self._session, self.deployment_id, deadline=None, persist=True",
        ("tests/reliability/test_max_wait.py",),
    ),
)


def run(mutation: Mutation, scratch: Path) -> list[str]:
    """The tests that failed with ``mutation`` applied to a copy of the repo."""
    work = scratch / "repo"
    ignored = shutil.ignore_patterns(".venv", ".git", ".nox", "__pycache__", "*.jsonl")
    shutil.copytree(ROOT, work, ignore=ignored)
    path = work / mutation.module
    text = path.read_text(encoding="utf-8")
    if text.count(mutation.old) != 1:
        raise SystemExit(f"{mutation.module}: the code to mutate moved: {mutation.old!r}")
    path.write_text(text.replace(mutation.old, mutation.new), encoding="utf-8")
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *mutation.tests]
    env = {"PYTHONPATH": str(work), "PATH": "/usr/bin:/bin", "HOME": str(scratch)}
    done = subprocess.run(command, cwd=work, capture_output=True, text=True, env=env, check=False)  # noqa: S603
    return [line for line in done.stdout.splitlines() if line.startswith("FAILED")]


def main() -> int:
    survived = 0
    for mutation in MUTATIONS:
        with tempfile.TemporaryDirectory() as scratch:
            failed = run(mutation, Path(scratch))
        survived += not failed
        verdict = f"{len(failed)} failed: {failed[0]}" if failed else "SURVIVED"
        sys.stdout.write(f"{mutation.promise}: {verdict}\n")
    return 1 if survived else 0


if __name__ == "__main__":
    raise SystemExit(main())
