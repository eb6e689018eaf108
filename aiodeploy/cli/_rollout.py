"""``rollout PLAN``: replace many deployments' models from a plan file, resumably.

Ctrl-C (SIGINT) or SIGTERM cancels the bulk run from inside the event loop, so the library
unwinds normally and closes the journal; the command then prints how to resume and exits
with 128 + the signal number, without a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import shlex
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .._bulk import (
    BulkEvent,
    BulkResult,
    ItemFinished,
    ItemSubmitted,
    Outcome,
    ReplacementRequest,
    WaveProgress,
)
from .._gate import plan_waves
from .._guard_setup import GuardArgs
from ..errors import AiodeployError
from ._base import TOKEN_PLACEHOLDER, connect
from ._dryrun import previews_ok, show_previews
from ._guard_args import guard_args
from ._plan import load_plan
from ._progress import OnEvent, choose_mode, duration_text, report_progress
from ._report import show_summary
from ._signals import StopOnSignal

__all__ = ["TOKEN_PLACEHOLDER", "default_journal", "resume_command", "rollout"]


def default_journal(plan: Path) -> Path:
    """``<PLAN>.journal.jsonl`` next to the plan, so that every run can be resumed."""
    return plan.with_name(plan.name + ".journal.jsonl")


def rollout(args: argparse.Namespace) -> int:
    """Run (or, with ``--dry-run``, preview) a rollout; return the exit code.

    Raises:
        PlanError: the plan is malformed (before any request is sent).
        UsageError: guard flags that do not go together or fit the plan (before any
            request is sent).
        JournalMismatchError: the journal belongs to another plan.
    """
    plan_path = Path(args.plan)
    plan = load_plan(plan_path)
    args.guard = guard_args(args, len(plan))  # a bad combination is exit 2, before a request
    journal: Path | None = None
    if not (args.no_journal or args.dry_run):
        journal = Path(args.journal) if args.journal else default_journal(plan_path)
    return asyncio.run(_rollout(args, plan, plan_path, journal))


async def _rollout(
    args: argparse.Namespace,
    plan: list[ReplacementRequest],
    plan_path: Path,
    journal: Path | None,
) -> int:
    stop = StopOnSignal()
    result: BulkResult[ReplacementRequest] | None = None
    guard: GuardArgs | None = getattr(args, "guard", None)
    unjudged = _Unjudged()
    # The client is closed outside the cancelled scope, so its session closes cleanly.
    async with connect(args) as client:
        with stop.installed(), stop.scope:
            if args.dry_run:
                previews = await client.preview_replacements(
                    plan,
                    concurrency=args.concurrency,
                    validate=not args.no_validate,
                    skip_if_current=not args.no_skip_current,
                )
                # the code even if the reader goes (`| head`) while the table is printed
                args.decided = 0 if previews_ok(previews) else 1
                waves = None if guard is None else plan_waves(len(plan), guard.marks)
                show_previews(previews, plan=plan_path, as_json=args.json, waves=waves)
                return int(args.decided)
            mode = choose_mode(as_json=args.json)
            if mode != "none":
                where = "no journal" if journal is None else f"journal {journal}"
                sys.stderr.write(
                    f"rollout: {len(plan)} item(s) from {plan_path}, "
                    f"concurrency {args.concurrency}, {where}{_guarded(guard)}\n"
                )
            with report_progress(len(plan), mode) as shown:
                on_event = unjudged.watching(shown) if guard and journal is None else shown
                try:
                    result = await client.replace_models(
                        plan,
                        concurrency=args.concurrency,
                        validate=not args.no_validate,
                        skip_if_current=not args.no_skip_current,
                        fail_fast=args.fail_fast,
                        journal=journal,
                        on_event=on_event,
                        **_guard_kwargs(guard),
                    )
                except AiodeployError as exc:
                    if exc.bulk_result is not None:  # stopped (a refused token): what ended
                        show_summary(exc.bulk_result, plan=plan_path, journal=journal,
                                     as_json=args.json)  # fmt: skip
                        _tell_how_to_resume(args, journal, why=f"stopped: {exc}", unjudged=unjudged)
                    raise
    if stop.signum is not None or result is None:
        signum = stop.signum or int(signal.SIGINT)
        if not args.dry_run:
            name = signal.Signals(signum).name
            why = f"stopped by {name}; nothing more was sent"
            _tell_how_to_resume(args, journal, why=why, unjudged=unjudged)
        return 128 + signum
    args.decided = 0 if result.ok else 1
    show_summary(result, plan=plan_path, journal=journal, as_json=args.json)
    return int(args.decided)


def _guard_kwargs(guard: GuardArgs | None) -> dict[str, Any]:
    if guard is None:
        return {}
    return {"waves": guard.marks, "bake": guard.bake, "gate": guard.gate}


def _guarded(guard: GuardArgs | None) -> str:
    """How the run is guarded, for its first progress line."""
    if guard is None:
        return ""
    gate = guard.gate
    marks = ",".join(str(mark) for mark in guard.marks)
    return (
        f"; waves {marks}, bake {duration_text(guard.bake)}, gate: errors <= "
        f"{gate.max_error_rate:.1%} after {gate.min_predictions} predictions"
    )


class _Unjudged:
    """The deployments a guarded run without a journal changed in a wave not yet judged.

    A rerun without a journal finds them on their new model and skips them: they are then
    never baked, judged or rolled back with their wave (a wave of skips passes at once), so
    a stop must name them for the user to check or roll back by hand.
    """

    def __init__(self) -> None:
        self.deployments: dict[int, str] = {}

    def watching(self, forward: OnEvent | None) -> OnEvent:
        """An ``on_event`` that notes what was submitted, then calls ``forward``."""

        def on_event(event: BulkEvent) -> None:
            if isinstance(event, ItemSubmitted):
                self.deployments[event.index] = event.request.deployment_id
            elif isinstance(event, ItemFinished) and event.result.outcome is Outcome.ROLLED_BACK:
                self.deployments.pop(event.index, None)
            elif isinstance(event, WaveProgress) and event.stage == "passed":
                self.deployments.clear()  # judged
            if forward is not None:
                forward(event)

        return on_event


def _tell_how_to_resume(
    args: argparse.Namespace, journal: Path | None, *, why: str, unjudged: _Unjudged
) -> None:
    command, redacted = resume_command(args.launcher, args.argv, journal)
    lines = [f"aiodeploy: rollout {why}."]
    if unjudged.deployments:
        ids = sorted(set(unjudged.deployments.values()))
        lines.append(
            f"{len(ids)} deployment(s) were given their new model in a wave the gate has "
            "not judged yet, and no journal was kept: a rerun counts them as current, so "
            "they are not judged nor rolled back with their wave. Check them (or put them "
            "back) before rerunning: " + ", ".join(ids)
        )
    if journal is None:
        lines.append(
            "No journal was kept (--no-journal): rerunning validates again and skips "
            "deployments already on their new model. Rerun with:"
        )
    else:
        lines.append(f"The journal {journal} is intact. Resume with:")
    lines.append(f"  {command}")
    if redacted:
        lines.append("(the token is not shown: set DATAROBOT_API_TOKEN before running it)")
    sys.stderr.write("\n".join(lines) + "\n")
    sys.stderr.flush()


def resume_command(
    launcher: Sequence[str], argv: Sequence[str], journal: Path | None
) -> tuple[str, bool]:
    """The command line that resumes a rollout, with the token left out.

    Args:
        launcher: how the CLI was started, e.g. ``["aiodeploy"]`` or
            ``[sys.executable, "-m", "aiodeploy"]``.
        argv: the arguments as given.
        journal: the journal in use; added as ``--journal`` when it was implicit.

    Returns:
        The shell-quoted command, and whether a token was replaced by
        :data:`TOKEN_PLACEHOLDER`.
    """
    words = [shlex.quote(word) for word in launcher]
    redacted = False
    hide_next = False
    has_journal = False
    for word in argv:
        if hide_next:
            words.append(TOKEN_PLACEHOLDER)
            hide_next, redacted = False, True
            continue
        if word == "--token":
            hide_next = True
        elif word.startswith("--token="):
            words.append(f"--token={TOKEN_PLACEHOLDER}")
            redacted = True
            continue
        has_journal = has_journal or word == "--journal" or word.startswith("--journal=")
        words.append(shlex.quote(word))
    if journal is not None and not has_journal:
        words += ["--journal", shlex.quote(str(journal))]
    return " ".join(words), redacted
