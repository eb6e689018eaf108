"""The argparse command tree of ``aiodeploy``.

Global flags (``--endpoint``, ``--token``, ``--token-type``, ``--json``, ``--max-wait``) are
accepted before or after the subcommand; after it wins when both are given. The
``emulator`` subcommand takes only its own flags (its ``--token`` is the token it serves).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from .._version import __version__
from .._wire import check_reason
from ..emulator import _cli as emulator_cli
from ..enums import ModelReplacementReason
from . import _catalog, _commands, _replace
from ._argv import glue_dash_values
from ._parser_registry import add_lifecycle_leaves, add_registry_commands
from ._parsing import add_global_flags, api, argument_type, command, id_of, positive_int, seconds
from ._rollout import rollout

__all__ = ["GLOBAL_DEFAULTS", "build_parser", "parse"]

GLOBAL_DEFAULTS: dict[str, Any] = {
    "endpoint": None,
    "token": None,
    "token_type": None,
    "json": False,
    "max_wait": None,
}
"""The global flags' destinations and their values when not given."""

_PRE = "pre_"  # prefix of a global flag's destination when given before the subcommand
_REASONS = [reason.value for reason in ModelReplacementReason]
_Formatter = argparse.RawDescriptionHelpFormatter


# the builders live in _parsing; the leaves below use them under these names
_argument_type, _positive_int, _seconds = argument_type, positive_int, seconds
_id_of, _add_global_flags, _command = id_of, add_global_flags, command
_dep = _id_of("deployment id")
_model = _id_of("model id")


def _ids(parser: argparse.ArgumentParser, *, model: bool = False) -> None:
    """The positional DEP (and MODEL) arguments, checked as ids before any request."""
    parser.add_argument("deployment", type=_dep, metavar="DEP", help="deployment id")
    if model:
        parser.add_argument("model", type=_model, metavar="MODEL", help="model id")


_api = api


def _deployments(sub: Any) -> None:
    group = _command(
        sub, "deployments", "list, show, change or delete deployments",
        "aiodeploy deployments list",
    )  # fmt: skip
    leaves = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    ls = _command(
        leaves, "list", "list deployments", "aiodeploy deployments list --search churn --json"
    )
    ls.add_argument("--search", help="match label and description (case-insensitive)")
    ls.add_argument("--order-by", metavar="FIELD", help="e.g. label or -createdAtTimestamp")
    ls.add_argument("--status", choices=["active", "inactive"])
    ls.add_argument(
        "--limit", type=_argument_type("count", _positive_int), metavar="N",
        help="show the first N only, reading no further page (default: all)",
    )  # fmt: skip
    _api(ls, _commands.deployments_list)
    get = _command(leaves, "get", "show one deployment", "aiodeploy deployments get 65f0c1...")
    _ids(get)
    _api(get, _commands.deployments_get)
    delete = _command(
        leaves, "delete", "delete a deployment (asks first unless --yes)",
        "aiodeploy deployments delete 65f0c1... --yes",
    )  # fmt: skip
    _ids(delete)
    delete.add_argument(
        "--yes", action="store_true",
        help="do not ask; required when stdin is not a terminal",
    )  # fmt: skip
    _add_global_flags(delete, prefix="")
    delete.set_defaults(run=_commands.deployments_delete)
    add_lifecycle_leaves(leaves)


def _catalog_commands(sub: Any) -> None:
    projects = _command(sub, "projects", "list projects", "aiodeploy projects list")
    leaves = projects.add_subparsers(dest="action", metavar="ACTION", required=True)
    _api(_command(leaves, "list", "list projects", "aiodeploy projects list --json"),
         _catalog.projects_list)  # fmt: skip
    models = _command(
        sub, "models", "list a project's Leaderboard models", "aiodeploy models list 65f0a1..."
    )
    leaves = models.add_subparsers(dest="action", metavar="ACTION", required=True)
    ls = _command(
        leaves, "list", "list a project's Leaderboard models, with their validation score",
        "aiodeploy models list 65f0a1...",
    )  # fmt: skip
    ls.add_argument("project", type=_id_of("project id"), metavar="PROJECT", help="project id")
    _api(ls, _catalog.models_list)


def _single(sub: Any) -> None:
    validate = _command(
        sub, "validate", "check whether a model may replace a deployment's model",
        "aiodeploy validate 65f0c1... 65f0d2...   # exit 0 passing/warning, 1 failing",
    )  # fmt: skip
    _ids(validate, model=True)
    _api(validate, _commands.validate)
    replace = _command(
        sub, "replace", "replace a deployment's model and wait for the job",
        "aiodeploy replace 65f0c1... 65f0d2... --reason ACCURACY",
    )  # fmt: skip
    _ids(replace, model=True)
    replace.add_argument(
        "--reason", required=True, type=_argument_type("reason", check_reason), metavar="REASON",
        help=f"why: {', '.join(_REASONS)} (any case)",
    )  # fmt: skip
    _add_global_flags(replace, prefix="")
    replace.set_defaults(run=_replace.replace)
    wait = _command(
        sub, "wait", "wait again for a replacement that `replace` stopped waiting for",
        "aiodeploy wait '{\"v\":1,\"deployment_id\":...}'   # as printed by replace",
    )  # fmt: skip
    wait.add_argument(
        "operation_token", metavar="TOKEN",
        help="the operation token that `replace` printed (JSON; it holds no secret)",
    )  # fmt: skip
    _add_global_flags(wait, prefix="")
    wait.set_defaults(run=_replace.wait)
    drift = _command(
        sub, "drift", "show or change drift tracking", "aiodeploy drift set 65f0c1... --target on"
    )
    leaves = drift.add_subparsers(dest="action", metavar="ACTION", required=True)
    get = _command(leaves, "get", "show drift tracking", "aiodeploy drift get 65f0c1...")
    _ids(get)
    _api(get, _commands.drift_get)
    put = _command(
        leaves, "set", "turn target and/or feature drift tracking on or off",
        "aiodeploy drift set 65f0c1... --target on --feature off",
    )  # fmt: skip
    _ids(put)
    put.add_argument("--target", choices=["on", "off"], help="target drift tracking")
    put.add_argument("--feature", choices=["on", "off"], help="feature drift tracking")
    _add_global_flags(put, prefix="")
    put.set_defaults(run=_commands.drift_set)


def _rollout(sub: Any) -> None:
    parser = _command(
        sub, "rollout", "replace many deployments' models from a CSV or JSONL plan, resumably",
        "aiodeploy rollout plan.csv --concurrency 16\n\n"
        "plan.csv:\n  deployment_id,model_id,reason\n  65f0c1...,65f0d2...,SCHEDULED_REFRESH\n"
        "plan.jsonl: one {\"deployment_id\": ..., \"model_id\": ..., \"reason\": ...} a line.\n"
        "reason is optional (OTHER). Rerun the same command after a crash or Ctrl-C to\n"
        "resume from the journal. Exit 0: all replaced or skipped; 1: some were not.",
    )  # fmt: skip
    parser.add_argument("plan", metavar="PLAN", help="a .csv, .jsonl or .ndjson plan file")
    parser.add_argument(
        "--concurrency", type=_argument_type("count", _positive_int), default=32, metavar="N",
        help="items reading, validating or submitting at once (32)",
    )  # fmt: skip
    journal = parser.add_mutually_exclusive_group()
    journal.add_argument(
        "--journal", metavar="FILE",
        help="journal that makes the run resumable (PLAN.journal.jsonl next to the plan)",
    )  # fmt: skip
    journal.add_argument("--no-journal", action="store_true", help="keep no journal")
    parser.add_argument("--no-validate", action="store_true", help="do not validate first")
    parser.add_argument(
        "--no-skip-current", action="store_true",
        help="submit even when a deployment already serves its model",
    )  # fmt: skip
    parser.add_argument(
        "--fail-fast", action="store_true", help="stop the other items after a failure"
    )
    parser.add_argument(
        "--dry-run", action="store_true",
        help="validate only; show what each item would do and change nothing",
    )  # fmt: skip
    _add_global_flags(parser, prefix="")
    parser.set_defaults(run=rollout)


def build_parser(prog: str = "aiodeploy") -> argparse.ArgumentParser:
    """The whole command tree; each leaf sets ``run(args) -> int`` as a default."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Manage DataRobot deployments from the command line.",
        epilog="example:\n  aiodeploy --endpoint https://app.datarobot.com/api/v2 "
        "deployments list\n\nexit codes: 0 success, 1 failure, 2 usage error, "
        "130/143 interrupted",
        formatter_class=_Formatter,
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _add_global_flags(parser, prefix=_PRE)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _deployments(sub)
    _catalog_commands(sub)
    add_registry_commands(sub)
    _single(sub)
    _rollout(sub)
    emulator = _command(
        sub, "emulator", "serve a DataRobot-compatible API from memory, for tests and demos",
        "aiodeploy emulator --port 8080 --deployments 200",
    )  # fmt: skip
    emulator_cli.add_arguments(emulator)
    emulator.set_defaults(run=emulator_cli.run)
    return parser


def parse(parser: argparse.ArgumentParser, argv: Sequence[str]) -> argparse.Namespace:
    """Parse ``argv`` and merge global flags given before the subcommand.

    A value that starts with ``-`` may follow its option as a word of its own
    (``--order-by -createdAtTimestamp``), not only after ``=``.

    Raises:
        SystemExit: a usage error (code 2), or ``--help``/``--version`` (code 0).
    """
    args = parser.parse_args(glue_dash_values(parser, argv))
    before = {name: getattr(args, _PRE + name) for name in GLOBAL_DEFAULTS}
    for name in GLOBAL_DEFAULTS:
        delattr(args, _PRE + name)
    if args.command == "emulator":
        given = [f"--{name.replace('_', '-')}" for name, value in before.items() if value]
        if given:
            parser.error(
                f"{', '.join(given)} do(es) not apply to `emulator`; "
                "give the emulator's own options after it"
            )
        return args
    for name, value in before.items():
        if not hasattr(args, name):
            setattr(args, name, value)
    return args
