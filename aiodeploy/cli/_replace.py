"""``replace DEP MODEL`` and ``wait TOKEN``: one model replacement, waited for.

The server accepts a replacement at once and finishes its job later. Stopping the wait
(Ctrl-C, SIGTERM, or ``--max-wait`` running out) stops only the wait: the command says that
the replacement continues on the server and prints ``aiodeploy wait TOKEN``, which waits for
it again from the operation's token (a small JSON string holding no secret). A signal
exits with 128 + its number. A refusal (422) names the failing checks, and a model that
is already the deployment's own is said to be so in those words.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import shlex
import signal
import sys
from collections.abc import Awaitable, Callable, Mapping

import msgspec

from .._api.operation import ReplacementOperation
from .._client import DEFAULT_MAX_WAIT, AsyncDeploymentClient
from .._models import Deployment, ValidationCheck
from ..errors import AsyncTimeoutError, UnprocessableEntityError
from ._base import TOKEN_PLACEHOLDER, CommandError, UsageError, run_api, target_of
from ._signals import StopOnSignal
from ._views import failing_checks, show_deployment

__all__ = ["refusal_message", "replace", "wait", "wait_command"]

_NOT_CURRENT = "notCurrentModel"  # the check that fails when the model is already deployed


@dataclasses.dataclass
class _Accepted:
    """What the server accepted so far, for the words said when the wait is stopped."""

    operation: ReplacementOperation | None = None


_Command = Callable[[AsyncDeploymentClient, argparse.Namespace, _Accepted], Awaitable[int]]


def replace(args: argparse.Namespace) -> int:
    """``replace DEP (--model-version V | MODEL) --reason R``: submit, wait for the job,
    show the deployment.

    Raises:
        UsageError: both or neither of MODEL and ``--model-version``.
        CommandError: the server refused the replacement (422).
    """
    target_of(args)  # a usage error before any request
    return _interruptible(_replace, args)


def wait(args: argparse.Namespace) -> int:
    """``wait TOKEN``: wait for a replacement from its operation token, then show the
    deployment as ``replace`` does.

    Raises:
        UsageError: the token is malformed.
        CrossOriginError: the token's status URL is not on the configured endpoint.
    """
    return _interruptible(_wait, args)


def _interruptible(command: _Command, args: argparse.Namespace) -> int:
    accepted = _Accepted()
    try:
        return run_api(functools.partial(_with, command, accepted), args)
    except KeyboardInterrupt:
        # Where the loop cannot take signals (Windows, a worker thread) Ctrl-C arrives as
        # an exception instead of cancelling the wait: the same words apply.
        return _interrupted(args, accepted.operation, int(signal.SIGINT))


async def _with(
    command: _Command, accepted: _Accepted, client: AsyncDeploymentClient, args: argparse.Namespace
) -> int:
    return await command(client, args, accepted)


async def _replace(
    client: AsyncDeploymentClient, args: argparse.Namespace, accepted: _Accepted
) -> int:
    stop = StopOnSignal()
    with stop.installed(), stop.scope:
        model, version = target_of(args)
        try:
            operation = await client.start_model_replacement(
                args.deployment, model, args.reason, new_registered_model_version_id=version
            )
        except UnprocessableEntityError as exc:
            what = f"registered model version {version}" if version else f"model {model}"
            raise CommandError(refusal_message(args.deployment, what, exc)) from None
        accepted.operation = operation
        _say(args, f"replacement accepted; waiting for {operation.status_url}")
        return await _follow(client, operation, args)
    return _interrupted(args, accepted.operation, stop.signum or int(signal.SIGINT))


async def _wait(
    client: AsyncDeploymentClient, args: argparse.Namespace, accepted: _Accepted
) -> int:
    try:
        operation = client.resume_replacement(args.operation_token)
    except ValueError as exc:
        raise UsageError(f"wait: {exc} (pass the token that `aiodeploy replace` printed)") from None
    accepted.operation = operation
    stop = StopOnSignal()
    with stop.installed(), stop.scope:
        _say(args, f"waiting for the replacement of {operation.deployment_id}")
        return await _follow(client, operation, args)
    return _interrupted(args, operation, stop.signum or int(signal.SIGINT))


def _say(args: argparse.Namespace, line: str) -> None:
    """Progress for a person watching: on a terminal only, never with ``--json``."""
    if not args.json and sys.stderr.isatty():
        sys.stderr.write(line + "\n")


async def _follow(
    client: AsyncDeploymentClient, operation: ReplacementOperation, args: argparse.Namespace
) -> int:
    """Wait for the job (its statuses on a terminal), then show the deployment."""
    deployment: Deployment | None = None
    try:
        async for event in operation.events():
            _say(args, f"job {event.status}")
            deployment = event.deployment
    except AsyncTimeoutError:
        waited = DEFAULT_MAX_WAIT if args.max_wait is None else args.max_wait
        _tell_how_to_wait(args, operation, f"stopped waiting after --max-wait {waited:g} s")
        raise
    if deployment is None:  # the job ended without a final read (never expected)
        deployment = await client.get_deployment(operation.deployment_id)
    show_deployment(deployment, as_json=args.json)
    return 0


def _interrupted(
    args: argparse.Namespace, operation: ReplacementOperation | None, signum: int
) -> int:
    name = signal.Signals(signum).name
    if operation is None:
        _write(
            f"aiodeploy: stopped by {name} before the server answered; the replacement may "
            f"or may not have been accepted. Check with:\n"
            f"  aiodeploy deployments get {args.deployment}"
        )
    else:
        _tell_how_to_wait(args, operation, f"stopped by {name} while waiting")
    return 128 + signum


def _tell_how_to_wait(args: argparse.Namespace, operation: ReplacementOperation, why: str) -> None:
    command, redacted = wait_command(args, operation.token())
    version = operation.registered_model_version_id
    new = (
        f"model {operation.model_id}" if version is None else f"registered model version {version}"
    )
    lines = [
        f"aiodeploy: {why}. The replacement of the model of deployment "
        f"{operation.deployment_id} by {new} was accepted and continues on the server. "
        "Wait for it again with:",
        f"  {command}",
    ]
    if redacted:
        lines.append("(the token is not shown: set DATAROBOT_API_TOKEN before running it)")
    _write("\n".join(lines))


def _write(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def wait_command(args: argparse.Namespace, token: str) -> tuple[str, bool]:
    """The ``aiodeploy wait`` command line for an operation token, without the API token.

    Args:
        args: the parsed command line (its launcher and connection flags are kept).
        token: the operation's :meth:`~aiodeploy.ReplacementOperation.token`.

    Returns:
        The shell-quoted command, and whether the API token was replaced by
        :data:`TOKEN_PLACEHOLDER`.
    """
    words = [shlex.quote(word) for word in getattr(args, "launcher", ["aiodeploy"])]
    words += ["wait", shlex.quote(token)]
    if args.endpoint:
        words += ["--endpoint", shlex.quote(args.endpoint)]
    if args.token_type:
        words += ["--token-type", args.token_type]
    # not the --max-wait that just ran out: the job's own wait starts afresh (default)
    if args.json:
        words.append("--json")
    if args.token:
        words += ["--token", TOKEN_PLACEHOLDER]
    return " ".join(words), bool(args.token)


def refusal_message(dep_id: str, what: str, error: UnprocessableEntityError) -> str:
    """One line for a refused replacement (``what``: e.g. ``model 65f0...``): the failing
    checks by name, or, when it is already the deployment's current model, that in its own
    words."""
    checks = _checks(error.body)
    failing = [name for name, check in checks.items() if check.status == "failing"]
    if _NOT_CURRENT in failing:
        text = f"{what} is already the current model of deployment {dep_id}"
        others = failing_checks({k: v for k, v in checks.items() if k != _NOT_CURRENT})
        return text + (f"; also failing: {others}" if others else "; nothing to replace")
    said = f"the server refused to replace the model of deployment {dep_id} by {what} (422)"
    if not failing:
        return f"{said}: {error.message or error}"
    text = f"{said}: failing checks: {failing_checks(checks)}"
    return text + (f" (request id {error.request_id})" if error.request_id else "")


def _checks(body: object) -> dict[str, ValidationCheck]:
    raw = body.get("checks") if isinstance(body, Mapping) else None
    try:
        return msgspec.convert(raw or {}, dict[str, ValidationCheck])
    except msgspec.ValidationError:
        return {}  # a body of another shape: the error's own text says what there is
