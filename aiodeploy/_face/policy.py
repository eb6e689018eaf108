"""Public methods: fleet policies, planned and applied (see :class:`~aiodeploy.Policy`)."""

from __future__ import annotations

import os
from collections.abc import Callable

from .. import _policy_run
from .._bulk import BulkEvent, BulkResult, check_concurrency
from .._policy import Policy
from .._policy_run import DeploymentPlan, PolicyPlan
from ._base import Face

__all__ = ["PolicyMethods"]


class PolicyMethods(Face):
    """Keeping a fleet's settings as a policy says."""

    async def plan_policy(self, policy: Policy, *, concurrency: int = 32) -> PolicyPlan:
        """What applying ``policy`` would change, per deployment. Sends no mutation.

        Lists the selected deployments (``GET deployments/`` with the policy's filters;
        tags and ids are then checked on our side), then reads, for each, the settings
        routes the policy names (``concurrency`` deployments at once) and compares them.

        Args:
            policy: a :class:`Policy` (``Policy.from_file("fleet.yaml")``).
            concurrency: deployments read at once.

        Returns:
            A :class:`PolicyPlan`: one :class:`DeploymentPlan` per selected deployment
            (its differing families and fields, or why its settings could not be read),
            and the ids the policy names that were not found.

        Raises:
            TypeError: ``policy`` is not a :class:`Policy` (data goes through
                ``Policy.from_dict``).
            ValueError: ``concurrency`` is not a whole number >= 1.
            AuthenticationError, PermissionDeniedError: the token is refused.
            APIError, TransportError, ResponseDecodeError: listing the deployments failed.
        """
        return await _policy_run.plan_policy(
            self._session, _checked(policy), concurrency=check_concurrency(concurrency)
        )

    async def apply_policy(
        self,
        policy: Policy,
        *,
        plan: PolicyPlan | None = None,
        concurrency: int = 32,
        journal: str | os.PathLike[str] | None = None,
        fail_fast: bool = False,
        max_wait: float | None = None,
        on_event: Callable[[BulkEvent], None] | None = None,
    ) -> BulkResult[DeploymentPlan]:
        """Change what differs from ``policy``, concurrently, and only that.

        Per deployment, one request per differing route: the families of
        ``deployments/{id}/settings/`` go in one PATCH (its job awaited); health, challenger
        replay, accuracy metrics, retraining and secondary dataset configuration each
        their own. A setting the server refuses fails that deployment's item with the
        server's reason (:class:`PolicyItemError`); the other requests and deployments go on.

        With ``journal``, an interrupted run (a crash, Ctrl-C) resumes from it: the
        deployments it recorded as done are not touched again. The journal is tied to the
        policy's content, the selected deployments and the endpoint; once a run has ended,
        the next one starts afresh from the server's settings (so a second apply sends
        nothing when nothing differs).

        Args:
            policy: a :class:`Policy`.
            plan: a plan made just before with :meth:`plan_policy` (not read again).
            concurrency: deployments sending at once (waiting for jobs takes no place).
            journal: a JSONL file that makes the run resumable.
            fail_fast: cancel the remaining deployments after the first failure.
            max_wait: seconds for each deployment's changes (default: the client's).
            on_event: called with :class:`ItemSubmitted` and :class:`ItemFinished` events.

        Returns:
            A :class:`BulkResult` of :class:`DeploymentPlan` items; outcomes ``updated``,
            ``skipped_current`` (nothing differed), ``failed``, ``timed_out`` (or
            ``cancelled``); ``resumed`` marks those taken over from the journal.

        Raises:
            ValueError, TypeError: a malformed argument, before any request.
            JournalMismatchError, JournalInUseError: the journal is another run's.
            AuthenticationError, PermissionDeniedError: the token is refused (the run stops).
        """
        policy = _checked(policy)
        concurrency = check_concurrency(concurrency)
        seconds = self._session.wait_seconds(max_wait)
        if plan is None:
            plan = await _policy_run.plan_policy(self._session, policy, concurrency=concurrency)
        return await _policy_run.apply_policy(
            self._session,
            policy,
            plan,
            concurrency=concurrency,
            journal=journal,
            fail_fast=fail_fast,
            max_wait=seconds,
            on_event=on_event,
        )


def _checked(policy: object) -> Policy:
    # a dict or a path would otherwise fail deep inside, with an AttributeError
    if not isinstance(policy, Policy):
        raise TypeError(
            f"policy must be a Policy, got {type(policy).__name__}: "
            "use Policy.from_file(path) or Policy.from_dict(data)"
        )
    return policy
