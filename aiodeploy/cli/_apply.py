"""``apply POLICY [--plan]``: bring a fleet's settings to a policy, plan first.

The plan is printed like a Terraform plan (what changes where); without ``--plan`` the
changes are then made (``apply_policy``) and the run's result printed. Exit codes: 0 every
selected deployment matches the policy after the run (with ``--plan``: the plan could be
made for every one); 1 some deployment failed, could not be read, or was not found; 2 a
malformed policy (``file:line``, before any request); 128 + N stopped by signal N.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path

from .._bulk import BulkResult
from .._policy import Policy, PolicyError
from .._policy_run import DeploymentPlan, PolicyPlan
from ._apply_views import plan_data, result_data, show_plan, show_result
from ._base import UsageError, connect
from ._output import write_json
from ._signals import StopOnSignal

__all__ = ["apply"]


def apply(args: argparse.Namespace) -> int:
    """Run ``apply``; return the exit code.

    Raises:
        UsageError: the policy is malformed (its ``file:line`` in the message).
        JournalMismatchError: the journal belongs to another policy, fleet or server.
    """
    try:
        policy = Policy.from_file(args.policy)
    except PolicyError as exc:
        raise UsageError(str(exc)) from None
    return asyncio.run(_apply(args, policy))


async def _apply(args: argparse.Namespace, policy: Policy) -> int:
    stop = StopOnSignal()
    plan: PolicyPlan | None = None
    result: BulkResult[DeploymentPlan] | None = None
    async with connect(args) as client:
        with stop.installed(), stop.scope:
            plan = await client.plan_policy(policy, concurrency=args.concurrency)
            if args.plan:
                args.decided = 0 if not (plan.unreadable() or plan.missing_ids) else 1
                _show(args, policy, plan, None)
                return int(args.decided)
            if not args.json:
                show_plan(plan, policy.source)
            if plan.changing():
                sys.stderr.write(
                    f"apply: changing {len(plan.changing())} deployment(s), concurrency "
                    f"{args.concurrency}"
                    + (f", journal {args.journal}" if args.journal else "")
                    + "\n"
                )
            result = await client.apply_policy(
                policy,
                plan=plan,
                concurrency=args.concurrency,
                journal=Path(args.journal) if args.journal else None,
            )
    if result is None:  # stopped by a signal
        signum = stop.signum or int(signal.SIGINT)
        where = f" with the same --journal {args.journal}" if args.journal else ""
        sys.stderr.write(
            f"aiodeploy: apply stopped by {signal.Signals(signum).name}. Every change sent is "
            f"idempotent: run the same command again{where} to finish; it plans again from "
            "the server and sends only what still differs.\n"
        )
        return 128 + signum
    assert plan is not None
    args.decided = 0 if result.ok and not plan.missing_ids else 1
    if args.json:
        _show(args, policy, plan, result)
    else:
        show_result(result)
    return int(args.decided)


def _show(
    args: argparse.Namespace,
    policy: Policy,
    plan: PolicyPlan,
    result: BulkResult[DeploymentPlan] | None,
) -> None:
    if not args.json:
        show_plan(plan, policy.source)
        return
    write_json(
        {
            "policy": policy.source,
            "journal": args.journal,
            "plan": plan_data(plan),
            "result": None if result is None else result_data(result),
        }
    )
