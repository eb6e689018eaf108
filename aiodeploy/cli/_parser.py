"""The argparse command tree of ``aiodeploy``.

Global flags (``--endpoint``, ``--token``, ``--token-type``, ``--json``, ``--max-wait``) are
accepted before or after the subcommand; after it wins when both are given. The
``emulator`` subcommand takes only its own flags (its ``--token`` is the token it serves).
"""

from __future__ import annotations

import argparse
import functools
from collections.abc import Callable, Sequence
from typing import Any

from .._version import __version__
from .._wire import check_id, check_reason
from ..emulator import _cli as emulator_cli
from ..enums import ModelReplacementReason
from . import _catalog, _commands, _monitoring, _replace, _settings
from ._apply import apply
from ._argv import glue_dash_values
from ._base import ApiCommand, run_api
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


def _argument_type(name: str, parse: Callable[[str], Any]) -> Callable[[str], Any]:
    def convert(text: str) -> Any:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = name  # argparse names the type in "invalid <name> value" messages
    return convert


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(f"must be a whole number >= 1, got {value}")
    return value


def _seconds(text: str) -> float:
    value = float(text)
    if not value >= 0 or value == float("inf"):
        raise ValueError(f"must be a number of seconds >= 0, got {text}")
    return value


def _positive_seconds(text: str) -> float:
    value = _seconds(text)
    if value == 0:
        raise ValueError("must be a number of seconds > 0, got 0")
    return value


def _id_of(what: str) -> Callable[[str], str]:
    return _argument_type(what, lambda text: check_id(text, what))


_dep = _id_of("deployment id")
_model = _id_of("model id")
_version = _id_of("registered model version id")


def _add_global_flags(parser: argparse.ArgumentParser, *, prefix: str) -> None:
    group = parser.add_argument_group("connection and output (before or after the command)")
    kept = argparse.SUPPRESS if not prefix else None  # "not given" must not overwrite
    group.add_argument(
        "--endpoint", dest=f"{prefix}endpoint", default=kept, metavar="URL",
        help="API endpoint, e.g. https://app.datarobot.com/api/v2 "
        "(else DATAROBOT_ENDPOINT, else drconfig.yaml)",
    )  # fmt: skip
    group.add_argument(
        "--token", dest=f"{prefix}token", default=kept, metavar="TOKEN",
        help="API token (else DATAROBOT_API_TOKEN, else drconfig.yaml)",
    )  # fmt: skip
    group.add_argument(
        "--token-type", dest=f"{prefix}token_type", default=kept, choices=["Bearer", "Token"],
        help="Authorization scheme (Bearer)",
    )  # fmt: skip
    group.add_argument(
        "--json", dest=f"{prefix}json", action="store_true",
        default=False if prefix else argparse.SUPPRESS,
        help="print one JSON document instead of tables",
    )  # fmt: skip
    group.add_argument(
        "--max-wait", dest=f"{prefix}max_wait", default=kept, metavar="SECONDS",
        type=_argument_type("seconds", _seconds),
        help="longest wait for one job, polls and retries included (600)",
    )  # fmt: skip
    group.add_argument(
        "--timeout", dest=f"{prefix}timeout", default=kept, metavar="SECONDS",
        type=_argument_type("seconds", _positive_seconds),
        help="longest time for one HTTP request, connecting to the last byte (no limit)",
    )  # fmt: skip
    group.add_argument(
        "-v", "--verbose", dest=f"{prefix}verbose", action="store_true",
        default=False if prefix else argparse.SUPPRESS,
        help="show each request and retry on stderr as it happens",
    )  # fmt: skip


def _command(
    sub: Any, name: str, summary: str, example: str, **kwargs: Any
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        name, help=summary, description=summary, epilog=f"example:\n  {example}",
        formatter_class=_Formatter, allow_abbrev=False, **kwargs,
    )  # fmt: skip
    return parser


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


def _api(parser: argparse.ArgumentParser, command: ApiCommand) -> None:
    _add_global_flags(parser, prefix="")
    parser.set_defaults(run=functools.partial(run_api, command))


def _deployments(sub: Any) -> None:
    group = _command(
        sub, "deployments", "list, show or delete deployments", "aiodeploy deployments list"
    )
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
        "aiodeploy validate 65f0c1... --model-version 65f0d2...   # exit 0 passing/warning, "
        "1 failing",
    )  # fmt: skip
    _ids(validate, model=True)
    _add_global_flags(validate, prefix="")
    validate.set_defaults(run=_commands.validate)
    replace = _command(
        sub, "replace", "replace a deployment's model and wait for the job",
        "aiodeploy replace 65f0c1... --model-version 65f0d2... --reason ACCURACY\n"
        "  aiodeploy replace 65f0c1... 65f0e3... --reason ACCURACY   # a Leaderboard model",
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


# fmt: off
def _settings_commands(sub: Any) -> None:
    families = f"one of: {', '.join(_settings.FAMILY_NAMES)}"
    group = _command(sub, "settings", "show or change a deployment's settings, by family",
                     "aiodeploy settings set 65f0c1... association_id column_names=[request_id]")
    leaves = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    get = _command(leaves, "get", "show every settings family, or one",
                   "aiodeploy settings get 65f0c1... health")
    _ids(get)
    get.add_argument("family", nargs="?", choices=_settings.FAMILY_NAMES, metavar="FAMILY",
                     help=families)
    _api(get, _settings.settings_get)
    put = _command(leaves, "set", "change one family: KEY=VALUE with the official update_* "
                   "argument names; values are YAML (true, 0.2, [a, b], {batch_count: 5})",
                   "aiodeploy settings set 65f0c1... health data_drift='{drift_threshold: 0.2}'")
    _ids(put)
    put.add_argument("family", choices=_settings.FAMILY_NAMES, metavar="FAMILY", help=families)
    put.add_argument("assignments", nargs="+", metavar="KEY=VALUE", help="fields to set")
    _api(put, _settings.settings_set)
    parser = _command(
        sub, "apply", "bring many deployments' settings to a policy file, plan first",
        "aiodeploy apply fleet.yaml --plan\n\nfleet.yaml:\n  select: {search: churn, tags: "
        "{team: risk}}\n  settings:\n    predictions_data_collection: {enabled: true}\n"
        "Exit 0: all match after the run; 1: some failed; 2: a malformed policy (file:line).",
    )
    parser.add_argument("policy", metavar="POLICY", help="a YAML or .json policy file")
    parser.add_argument("--plan", action="store_true", help="show the changes; make none")
    parser.add_argument("--concurrency", type=_argument_type("count", _positive_int),
                        default=32, metavar="N", help="deployments at once (32)")
    parser.add_argument("--journal", metavar="FILE",
                        help="resumes an interrupted run (a finished run's starts over)")
    _add_global_flags(parser, prefix="")
    parser.set_defaults(run=apply)
# fmt: on


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


def _monitoring_commands(sub: Any) -> None:
    health = _command(
        sub, "health", "every deployment's health, worst first (service, drift, accuracy)",
        "aiodeploy health --search churn   # exit 1 if some health could not be read",
    )  # fmt: skip
    health.add_argument("--search", help="match label and description (case-insensitive)")
    health.add_argument("--status", choices=["active", "inactive"])
    _api(health, _monitoring.health)
    predict = _command(
        sub, "predict", "predict the rows of a CSV file with a deployment (real time)",
        "aiodeploy predict 65f0c1... rows.csv --passthrough id",
    )  # fmt: skip
    _ids(predict)
    predict.add_argument("file", metavar="FILE.csv", help="a CSV file: a header, one row a line")
    predict.add_argument(
        "--passthrough", action="append", metavar="COLUMN",
        help="return this column of each row beside its prediction (repeatable)",
    )  # fmt: skip
    _add_global_flags(predict, prefix="")
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
    _add_global_flags(parser, prefix=_PRE)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _deployments(sub)
    _catalog_commands(sub)
    _single(sub)
    _monitoring_commands(sub)
    _settings_commands(sub)
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
