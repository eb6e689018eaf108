"""The argparse command tree of ``aiodeploy``.

Global flags (``--endpoint``, ``--token``, ``--token-type``, ``--json``, ``--max-wait``,
``--timeout``, ``-v``) are accepted before or after the subcommand; after it wins when both
are given. The ``emulator`` subcommand takes only its own flags (its ``--token`` is the token
it serves).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from .._version import __version__
from .._wire import check_reason
from ..emulator import _cli as emulator_cli
from ..enums import ModelReplacementReason
from . import _catalog, _commands, _monitoring, _replace, _settings
from ._apply import apply
from ._argv import glue_dash_values
from ._guard_args import add_guard_flags
from ._parser_registry import add_lifecycle_leaves, add_registry_commands
from ._parsing import add_global_flags, api, argument_type, command, id_of, positive_int
from ._rollout import rollout

__all__ = ["GLOBAL_DEFAULTS", "build_parser", "parse"]

GLOBAL_DEFAULTS: dict[str, Any] = {
    "endpoint": None,
    "token": None,
    "token_type": None,
    "json": False,
    "max_wait": None,
    "timeout": None,
    "verbose": False,
}
"""The global flags' destinations and their values when not given."""

_PRE = "pre_"  # prefix of a global flag's destination when given before the subcommand
_REASONS = [reason.value for reason in ModelReplacementReason]
_Formatter = argparse.RawDescriptionHelpFormatter


_dep = id_of("deployment id")
_model = id_of("model id")
_version = id_of("registered model version id")


def _ids(parser: argparse.ArgumentParser, *, model: bool = False) -> None:
    """The positional DEP (and the new champion: MODEL or --model-version V) arguments,
    checked as ids before any request."""
    parser.add_argument("deployment", type=_dep, metavar="DEP", help="deployment id")
    if model:
        parser.add_argument(
            "model", type=_model, metavar="MODEL", nargs="?", default=None,
            help="a Leaderboard model id (the legacy path; or give --model-version)",
        )  # fmt: skip
        parser.add_argument(
            "--model-version", type=_version, metavar="V", default=None,
            help="a registered model version (model package) id",
        )  # fmt: skip


def _deployments(sub: Any) -> None:
    group = command(
        sub, "deployments", "list, show, change or delete deployments",
        "aiodeploy deployments list",
    )  # fmt: skip
    leaves = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    ls = command(
        leaves, "list", "list deployments", "aiodeploy deployments list --search churn --json"
    )
    ls.add_argument("--search", help="match label and description (case-insensitive)")
    ls.add_argument("--order-by", metavar="FIELD", help="e.g. label or -createdAtTimestamp")
    ls.add_argument("--status", choices=["active", "inactive"])
    ls.add_argument(
        "--limit", type=argument_type("count", positive_int), metavar="N",
        help="show the first N only, reading no further page (default: all)",
    )  # fmt: skip
    api(ls, _commands.deployments_list)
    get = command(leaves, "get", "show one deployment", "aiodeploy deployments get 65f0c1...")
    _ids(get)
    api(get, _commands.deployments_get)
    delete = command(
        leaves, "delete", "delete a deployment (asks first unless --yes)",
        "aiodeploy deployments delete 65f0c1... --yes",
    )  # fmt: skip
    _ids(delete)
    delete.add_argument(
        "--yes", action="store_true",
        help="do not ask; required when stdin is not a terminal",
    )  # fmt: skip
    add_global_flags(delete, prefix="")
    delete.set_defaults(run=_commands.deployments_delete)
    add_lifecycle_leaves(leaves)


def _catalog_commands(sub: Any) -> None:
    projects = command(sub, "projects", "list projects", "aiodeploy projects list")
    leaves = projects.add_subparsers(dest="action", metavar="ACTION", required=True)
    api(command(leaves, "list", "list projects", "aiodeploy projects list --json"),
         _catalog.projects_list)  # fmt: skip
    models = command(
        sub, "models", "list a project's Leaderboard models", "aiodeploy models list 65f0a1..."
    )
    leaves = models.add_subparsers(dest="action", metavar="ACTION", required=True)
    ls = command(
        leaves, "list", "list a project's Leaderboard models, with their validation score",
        "aiodeploy models list 65f0a1...",
    )  # fmt: skip
    ls.add_argument("project", type=id_of("project id"), metavar="PROJECT", help="project id")
    api(ls, _catalog.models_list)


def _single(sub: Any) -> None:
    validate = command(
        sub, "validate", "check whether a model may replace a deployment's model",
        "aiodeploy validate 65f0c1... --model-version 65f0d2...   # exit 0 passing/warning, "
        "1 failing",
    )  # fmt: skip
    _ids(validate, model=True)
    add_global_flags(validate, prefix="")
    validate.set_defaults(run=_commands.validate)
    replace = command(
        sub, "replace", "replace a deployment's model and wait for the job",
        "aiodeploy replace 65f0c1... --model-version 65f0d2... --reason ACCURACY\n"
        "  aiodeploy replace 65f0c1... 65f0e3... --reason ACCURACY   # a Leaderboard model",
    )  # fmt: skip
    _ids(replace, model=True)
    replace.add_argument(
        "--reason", required=True, type=argument_type("reason", check_reason), metavar="REASON",
        help=f"why: {', '.join(_REASONS)} (any case)",
    )  # fmt: skip
    add_global_flags(replace, prefix="")
    replace.set_defaults(run=_replace.replace)
    wait = command(
        sub, "wait", "wait again for a replacement that `replace` stopped waiting for",
        "aiodeploy wait '{\"v\":1,\"deployment_id\":...}'   # as printed by replace",
    )  # fmt: skip
    wait.add_argument(
        "operation_token", metavar="TOKEN",
        help="the operation token that `replace` printed (JSON; it holds no secret)",
    )  # fmt: skip
    add_global_flags(wait, prefix="")
    wait.set_defaults(run=_replace.wait)
    drift = command(
        sub, "drift", "show or change drift tracking", "aiodeploy drift set 65f0c1... --target on"
    )
    leaves = drift.add_subparsers(dest="action", metavar="ACTION", required=True)
    get = command(leaves, "get", "show drift tracking", "aiodeploy drift get 65f0c1...")
    _ids(get)
    api(get, _commands.drift_get)
    put = command(
        leaves, "set", "turn target and/or feature drift tracking on or off",
        "aiodeploy drift set 65f0c1... --target on --feature off",
    )  # fmt: skip
    _ids(put)
    put.add_argument("--target", choices=["on", "off"], help="target drift tracking")
    put.add_argument("--feature", choices=["on", "off"], help="feature drift tracking")
    add_global_flags(put, prefix="")
    put.set_defaults(run=_commands.drift_set)


# fmt: off
def _settings_commands(sub: Any) -> None:
    families = f"one of: {', '.join(_settings.FAMILY_NAMES)}"
    group = command(sub, "settings", "show or change a deployment's settings, by family",
                     "aiodeploy settings set 65f0c1... association_id column_names=[request_id]")
    leaves = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    get = command(leaves, "get", "show every settings family, or one",
                   "aiodeploy settings get 65f0c1... health")
    _ids(get)
    get.add_argument("family", nargs="?", choices=_settings.FAMILY_NAMES, metavar="FAMILY",
                     help=families)
    api(get, _settings.settings_get)
    put = command(leaves, "set", "change one family: KEY=VALUE with the official update_* "
                   "argument names; values are YAML (true, 0.2, [a, b], {batch_count: 5})",
                   "aiodeploy settings set 65f0c1... health data_drift='{drift_threshold: 0.2}'")
    _ids(put)
    put.add_argument("family", choices=_settings.FAMILY_NAMES, metavar="FAMILY", help=families)
    put.add_argument("assignments", nargs="+", metavar="KEY=VALUE", help="fields to set")
    api(put, _settings.settings_set)
    parser = command(
        sub, "apply", "bring many deployments' settings to a policy file, plan first",
        "aiodeploy apply fleet.yaml --plan\n\nfleet.yaml:\n  select: {search: churn, tags: "
        "{team: risk}}\n  settings:\n    predictions_data_collection: {enabled: true}\n"
        "Exit 0: all match after the run; 1: some failed; 2: a malformed policy (file:line).",
    )
    parser.add_argument("policy", metavar="POLICY", help="a YAML or .json policy file")
    parser.add_argument("--plan", action="store_true", help="show the changes; make none")
    parser.add_argument("--concurrency", type=argument_type("count", positive_int),
                        default=32, metavar="N", help="deployments at once (32)")
    parser.add_argument("--journal", metavar="FILE",
                        help="resumes an interrupted run (a finished run's starts over)")
    add_global_flags(parser, prefix="")
    parser.set_defaults(run=apply)
# fmt: on


def _rollout(sub: Any) -> None:
    parser = command(
        sub, "rollout", "replace many deployments' models from a CSV or JSONL plan, resumably",
        "aiodeploy rollout plan.csv --concurrency 16\n\n"
        "plan.csv (registered model versions, DataRobot's current path):\n"
        "  deployment_id,registered_model_version_id,reason\n"
        "  65f0c1...,65f0d2...,SCHEDULED_REFRESH\n"
        "or, on the legacy path, a model_id column (Leaderboard models); each item gives\n"
        "exactly one of registered_model_version_id and model_id.\n"
        "plan.jsonl: one {\"deployment_id\": ..., \"registered_model_version_id\": ...,\n"
        "\"reason\": ...} a line (or \"model_id\").\n"
        "reason is optional (OTHER). Rerun the same command after a crash or Ctrl-C to\n"
        "resume from the journal. Exit 0: all replaced or skipped; 1: some were not.\n\n"
        "guarded: aiodeploy rollout plan.csv --waves 1,25%,100% --bake 2m --max-error-rate 1%\n"
        "replaces wave by wave; a wave whose new models fail the health gate is rolled back\n"
        "(reason ERRORS) and the run stops (exit 1).",
    )  # fmt: skip
    parser.add_argument("plan", metavar="PLAN", help="a .csv, .jsonl or .ndjson plan file")
    parser.add_argument(
        "--concurrency", type=argument_type("count", positive_int), default=32, metavar="N",
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
        help="validate only; show what each item would do (and its wave) and change nothing",
    )  # fmt: skip
    add_guard_flags(parser)
    add_global_flags(parser, prefix="")
    parser.set_defaults(run=rollout)


def _monitoring_commands(sub: Any) -> None:
    health = command(
        sub, "health", "every deployment's health, worst first (service, drift, accuracy)",
        "aiodeploy health --search churn   # exit 1 if some health could not be read",
    )  # fmt: skip
    health.add_argument("--search", help="match label and description (case-insensitive)")
    health.add_argument("--status", choices=["active", "inactive"])
    api(health, _monitoring.health)
    predict = command(
        sub, "predict", "predict the rows of a CSV file with a deployment (real time)",
        "aiodeploy predict 65f0c1... rows.csv --passthrough id",
    )  # fmt: skip
    _ids(predict)
    predict.add_argument(
        "file", metavar="FILE.csv",
        help="a UTF-8 CSV file: a header, one row a line; cells are sent as written (text)",
    )  # fmt: skip
    predict.add_argument(
        "--passthrough", action="append", metavar="COLUMN",
        help="return this column of each row beside its prediction (repeatable)",
    )  # fmt: skip
    add_global_flags(predict, prefix="")
    predict.set_defaults(run=_monitoring.predict)


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
    add_global_flags(parser, prefix=_PRE)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _deployments(sub)
    _catalog_commands(sub)
    add_registry_commands(sub)
    _single(sub)
    _monitoring_commands(sub)
    _settings_commands(sub)
    _rollout(sub)
    emulator = command(
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
