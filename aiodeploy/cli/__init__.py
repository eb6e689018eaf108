"""The ``aiodeploy`` command line: deployments, projects, models, the registry, replacement,
drift, rollouts.

Commands: ``deployments list|get|delete|update|activate|deactivate``, ``projects list``,
``models list PROJECT``, ``registry list|versions|register``, ``validate``, ``replace``,
``wait``, ``drift get|set``, ``settings get|set``, ``rollout``, ``apply POLICY [--plan]`` and
``emulator``;
``aiodeploy --help`` (or ``python -m aiodeploy --help``) and each command's ``--help``
describe them. The global flags ``--endpoint``, ``--token``, ``--token-type``, ``--json``,
``--max-wait``, ``--timeout`` (seconds for one HTTP request) and ``-v``/``--verbose`` (each
request and retry on stderr as it happens) go before or after the command (not for
``emulator``, whose own ``--token`` is the token it serves); endpoint and token otherwise
come from the environment or drconfig.yaml. A value may start with ``-``
(``--order-by -createdAtTimestamp``).

Results go to stdout (tables, or one JSON document with ``--json``, whose keys are the
snake_case names of the Python objects, times as ISO 8601); progress, prompts and errors go
to stderr. No API token is printed. Characters the console cannot encode (a cp1252 or GBK
console, ``PYTHONIOENCODING=ascii``) are replaced, never a crash; a reader that goes away
(``aiodeploy deployments list | head -1``) ends the command quietly.

``deployments list --limit N`` reads pages only until it has N deployments.
``deployments update|activate|deactivate`` take one or more deployments: one is shown
afterwards; several are changed concurrently (``--concurrency``), one line each, and the
exit code is 1 when any of them failed.
``deployments delete`` asks for confirmation on a terminal; elsewhere it needs ``--yes``
(else exit 2), so that a script never hangs on a prompt or deletes by accident.
``replace`` names the failing checks of a refusal (422). Stopping its wait (Ctrl-C,
SIGTERM, ``--max-wait``) leaves the accepted replacement going on on the server and prints
``aiodeploy wait TOKEN``, which waits for it again.

Exit codes: 0 success; 1 the operation failed (an API or transport error, a refused
replacement, a failing validation, a rollout or an apply with items not done, a guarded
rollout stopped by its health gate); 2 a usage
error (bad flags, a malformed plan, policy or operation token, no endpoint or token
configured, a journal of another plan or server, a journal another run holds); 130/143 a
rollout, an apply or a wait stopped by SIGINT/SIGTERM (it prints the command that resumes
it). A closed output pipe keeps the
code decided before the output (else 0).

Example:
    >>> from aiodeploy.cli import main
    >>> main(["deployments", "list", "--json"])  # doctest: +SKIP
    0
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from ..errors import (
    AiodeployError,
    AuthenticationError,
    ConfigurationError,
    JournalInUseError,
    JournalMismatchError,
)
from ._base import CommandError, UsageError
from ._parser import build_parser, parse
from ._plan import PlanError
from ._streams import is_closed_pipe, quiet_closed_pipes, tolerant_streams

__all__ = ["main"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_SIGINT = 0, 1, 2, 130


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code (it never raises ``SystemExit``).

    Args:
        argv: the arguments after the program name (default: ``sys.argv[1:]``).

    Returns:
        The exit code: 0, 1, 2, or 128 + a signal number for an interrupted wait.
    """
    with tolerant_streams():
        code = _main(argv)
        # what is still buffered for a closed pipe goes nowhere now, not to an error at exit
        quiet_closed_pipes()
    return code


def _main(argv: Sequence[str] | None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    as_module = argv is None and Path(sys.argv[0]).name == "__main__.py"
    prog = "python -m aiodeploy" if as_module else "aiodeploy"
    parser = build_parser(prog)
    try:
        args = parse(parser, words)
    except SystemExit as exc:  # argparse exits on --help and on usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_OK if exc.code is None else 1
    # what a printed resume command starts with: the way this process was started
    if as_module:
        args.launcher = [sys.executable, "-m", "aiodeploy"]
    else:
        args.launcher = [sys.argv[0] if argv is None else "aiodeploy"]
    args.argv = words
    try:
        with _verbose(getattr(args, "verbose", False)):
            code: int = args.run(args)
        sys.stdout.flush()  # a closed pipe shows here when the output fit in the buffer
    except (UsageError, PlanError) as exc:
        return _fail(prog, str(exc), EXIT_USAGE)
    except JournalMismatchError as exc:
        return _fail(
            prog, f"{exc} (pass --journal NEW_FILE, or remove the old journal)", EXIT_USAGE
        )
    except JournalInUseError as exc:
        return _fail(prog, str(exc), EXIT_USAGE)
    except ConfigurationError as exc:
        return _fail(prog, f"{exc} On the command line: --endpoint URL --token TOKEN.", EXIT_USAGE)
    except CommandError as exc:
        return _fail(prog, str(exc), EXIT_FAILED)
    except KeyboardInterrupt:
        # Outside a wait (which says what goes on, on the server) nothing was left running.
        return _fail(prog, "interrupted", EXIT_SIGINT)
    except Exception as exc:
        if is_closed_pipe(exc):
            # The reader went away (`aiodeploy ... | head`): it had what it wanted. A code
            # decided before the output (a failing validation, a rollout not all done)
            # still holds.
            quiet_closed_pipes()
            return int(getattr(args, "decided", EXIT_OK))
        leaves = _reportable(exc)
        if leaves is None:
            raise  # a bug: keep its traceback
        for leaf in leaves:
            _fail(prog, _describe(leaf), EXIT_FAILED)
        return EXIT_FAILED
    return code


@contextlib.contextmanager
def _verbose(on: bool) -> Iterator[None]:
    """With ``-v``, the library's log (each request, each retry) goes to stderr."""
    if not on:
        yield
        return
    logger = logging.getLogger("aiodeploy")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("aiodeploy: %(message)s"))
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _fail(prog: str, message: str, code: int) -> int:
    try:
        sys.stderr.write(f"{prog}: error: {message}\n")
        sys.stderr.flush()
    except OSError:  # stderr is a closed pipe too: nobody is left to tell
        quiet_closed_pipes()
    return code


def _describe(error: BaseException) -> str:
    if isinstance(error, AuthenticationError):
        return f"{error} (check --token, DATAROBOT_API_TOKEN or drconfig.yaml)"
    return str(error)


def _reportable(error: BaseException) -> list[BaseException] | None:
    """The errors to report in one line each, or ``None`` when ``error`` is a bug.

    Task groups wrap errors in exception groups; a group whose every leaf is an aiodeploy
    error or an OS error (an unwritable journal, say) is a failure to report, not a bug.
    """
    nested = getattr(error, "exceptions", None)
    if isinstance(nested, tuple) and nested:
        leaves: list[BaseException] = []
        for inner in nested:
            found = _reportable(inner)
            if found is None:
                return None
            leaves.extend(found)
        return list(dict.fromkeys(leaves))
    if isinstance(error, (AiodeployError, OSError)):
        return [error]
    return None
