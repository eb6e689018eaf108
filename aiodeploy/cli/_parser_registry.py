"""The argparse leaves of ``deployments update|activate|deactivate`` and
``registry list|versions|register``."""

from __future__ import annotations

import argparse
from typing import Any

from .._wire import check_importance
from . import _lifecycle, _registry
from ._base import UsageError, run_api
from ._parsing import add_global_flags, api, argument_type, command, id_of, positive_int

__all__ = ["add_lifecycle_leaves", "add_registry_commands"]


def _many(parser: argparse.ArgumentParser) -> None:
    """DEP... (checked as ids before any request) and ``--concurrency`` for several."""
    parser.add_argument(
        "deployments", type=id_of("deployment id"), nargs="+", metavar="DEP",
        help="deployment id(s); several are changed concurrently, one line each",
    )  # fmt: skip
    parser.add_argument(
        "--concurrency", type=argument_type("count", positive_int), default=32, metavar="N",
        help="deployments changing at once, when several are given (32)",
    )  # fmt: skip


def add_lifecycle_leaves(leaves: Any) -> None:
    """``deployments update|activate|deactivate DEP...``."""
    update = command(
        leaves, "update", "change deployments' label, description or importance",
        "aiodeploy deployments update 65f0c1... --importance HIGH --label churn-eu",
    )  # fmt: skip
    _many(update)
    update.add_argument("--label", help="the new name")
    update.add_argument("--description", help="the new description")
    update.add_argument(
        "--importance", type=argument_type("importance", check_importance), metavar="LEVEL",
        help="CRITICAL, HIGH, MODERATE or LOW (any case)",
    )  # fmt: skip
    add_global_flags(update, prefix="")
    update.set_defaults(run=_update)
    for name, run, verb in (
        ("activate", _lifecycle.deployments_activate, "serve predictions again"),
        ("deactivate", _lifecycle.deployments_deactivate, "stop serving predictions"),
    ):
        leaf = command(
            leaves, name, f"{name} deployments ({verb}) and wait for their jobs",
            f"aiodeploy deployments {name} 65f0c1... 65f0c2...",
        )  # fmt: skip
        _many(leaf)
        api(leaf, run)


def _update(args: argparse.Namespace) -> int:
    """``deployments update``: something to change, or a usage error before any request.

    Raises:
        UsageError: no ``--label``, ``--description`` or ``--importance``.
    """
    if args.label is None and args.description is None and args.importance is None:
        raise UsageError("deployments update: give --label, --description and/or --importance")
    return run_api(_lifecycle.deployments_update, args)


def add_registry_commands(sub: Any) -> None:
    """``registry list|versions|register``."""
    group = command(
        sub, "registry", "registered models, their versions, and registering a model",
        "aiodeploy registry list",
    )  # fmt: skip
    leaves = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    ls = command(leaves, "list", "list registered models", "aiodeploy registry list --search loan")
    ls.add_argument("--search", help="match name, description and target (case-insensitive)")
    api(ls, _registry.registry_list)
    versions = command(
        leaves, "versions", "list a registered model's versions, version 1 first",
        "aiodeploy registry versions 65f0e3...",
    )  # fmt: skip
    versions.add_argument(
        "registered_model", type=id_of("registered model id"), metavar="REGISTERED_MODEL",
        help="registered model id",
    )  # fmt: skip
    api(versions, _registry.registry_versions)
    register = command(
        leaves, "register", "register a Leaderboard model as a new version (waits for its build)",
        "aiodeploy registry register 65f0d2... --registered-model-name churn",
    )  # fmt: skip
    register.add_argument(
        "model", type=id_of("model id"), metavar="MODEL", help="Leaderboard model id"
    )
    register.add_argument("--name", help="the version's name (default: the model type)")
    register.add_argument("--description", help="the version's description")
    into = register.add_mutually_exclusive_group()
    into.add_argument(
        "--registered-model-name", metavar="NAME",
        help="the new registered model's name (default: the version's)",
    )  # fmt: skip
    into.add_argument(
        "--registered-model", type=id_of("registered model id"), metavar="ID",
        help="add the version to this registered model instead",
    )  # fmt: skip
    api(register, _registry.registry_register)
