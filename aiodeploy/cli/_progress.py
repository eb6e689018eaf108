"""Rollout progress on stderr, driven by the bulk run's ``on_event`` callback.

A rich progress bar when rich is installed and stderr is a terminal; otherwise a plain
line now and then (logs and CI keep a readable trace); nothing with ``--json``.
"""

from __future__ import annotations

import contextlib
import math
import sys
import time
from collections.abc import Callable, Iterator
from typing import TextIO

from .._bulk import BulkEvent, ItemFinished, ItemSubmitted, Outcome, WaveProgress
from . import _output

__all__ = ["Tally", "WaveLines", "choose_mode", "duration_text", "report_progress", "wave_text"]

OnEvent = Callable[[BulkEvent], None]

_GROUP = {
    Outcome.REPLACED: "replaced",
    Outcome.UPDATED: "replaced",
    Outcome.SKIPPED_CURRENT: "skipped",
    Outcome.REFUSED_VALIDATION: "refused",
    Outcome.FAILED: "failed",
    Outcome.TIMED_OUT: "failed",
    Outcome.CANCELLED: "failed",
    Outcome.ROLLED_BACK: "rolled back",
    Outcome.ROLLBACK_FAILED: "failed",
    Outcome.NOT_STARTED: "not started",
}
_ALWAYS = ("replaced", "skipped", "refused", "failed")  # the other groups show once counted

PLAIN_INTERVAL = 10.0
"""Seconds between two plain progress lines when no tenth of the plan was crossed."""


class Tally:
    """Running counts of a rollout, from its events.

    Attributes:
        total: items in the plan.
        done: items finished (resumed ones included).
        counts: ``replaced``, ``skipped``, ``refused``, ``failed`` (and in a guarded
            rollout ``rolled back``, ``not started``) → items.
    """

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.counts = dict.fromkeys(_ALWAYS, 0)
        self._waiting: set[int] = set()
        self._group: dict[int, str] = {}  # an item rolled back finishes twice: the later holds

    @property
    def in_flight(self) -> int:
        """Items whose change the server accepted and whose job has not ended."""
        return len(self._waiting)

    def update(self, event: BulkEvent) -> None:
        """Count one event."""
        if isinstance(event, ItemSubmitted):
            self._waiting.add(event.index)
        elif isinstance(event, ItemFinished):
            self._waiting.discard(event.index)
            group = _GROUP[event.result.outcome]
            before = self._group.get(event.index)
            if before is None:
                self.done += 1
            else:
                self.counts[before] -= 1
            self._group[event.index] = group
            self.counts[group] = self.counts.get(group, 0) + 1

    def text(self, *, compact: bool = False) -> str:
        """E.g. ``replaced 12 · skipped 0 · refused 1 · failed 0 · in flight 30``.

        ``compact`` leaves out the separators and the items in flight, for a bar that has
        to fit 80 columns.
        """
        parts = [
            f"{name} {count}" for name, count in self.counts.items() if count or name in _ALWAYS
        ]
        if compact:
            return " ".join(parts)
        return " · ".join([*parts, f"in flight {self.in_flight}"])


def duration_text(seconds: float) -> str:
    """``72`` → ``1m12s``; ``5.2`` → ``6s`` (a countdown rounds up); ``3725`` → ``1h02m05s``."""
    whole = max(0, math.ceil(seconds - 1e-9))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m{secs:02d}s"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def wave_text(event: WaveProgress) -> str:
    """One line for a wave's progress, e.g. ``wave 2/3 · baking 1m12s left · gate: 0.2 %
    errors, 340 predictions`` or ``wave 1/3 · failed · gate: 65f0...: error rate 50.0% >
    1.0%``."""
    parts = [f"wave {event.wave}/{event.waves}"]
    if event.stage == "baking":
        parts.append(f"baking {duration_text(event.remaining_s or 0.0)} left")
    elif event.stage in ("replacing", "rolling back"):
        parts.append(f"{event.stage} {event.items} item(s)")
    else:
        parts.append(event.stage)
    if event.detail:
        parts.append(f"gate: {event.detail}")
    return " · ".join(parts)


class WaveLines:
    """Which wave events deserve a line: every change of stage, and while baking one every
    :data:`PLAIN_INTERVAL` seconds."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._last: tuple[int, str] | None = None
        self._shown = 0.0

    def wanted(self, event: WaveProgress) -> bool:
        """Whether to show ``event`` now."""
        now, key = self._clock(), (event.wave, event.stage)
        if key == self._last and now - self._shown < PLAIN_INTERVAL:
            return False
        self._last, self._shown = key, now
        return True


def choose_mode(*, as_json: bool) -> str:
    """``rich``, ``plain`` or ``none``, from ``--json``, rich's presence and the terminal."""
    if as_json:
        return "none"
    if _output.USE_RICH and sys.stderr.isatty():
        return "rich"
    return "plain"


@contextlib.contextmanager
def report_progress(total: int, mode: str) -> Iterator[OnEvent | None]:
    """Show progress while the block runs; yields the ``on_event`` callback (or ``None``)."""
    if mode == "rich":
        with _rich_progress(total) as on_event:
            yield on_event
    elif mode == "plain":
        yield _PlainProgress(total, sys.stderr)
    else:
        yield None


class _PlainProgress:
    """A line per tenth of the plan done, or every :data:`PLAIN_INTERVAL` seconds."""

    def __init__(
        self, total: int, stream: TextIO, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.tally = Tally(total)
        self._stream: TextIO | None = stream
        self._clock = clock
        self._started = self._last = clock()
        self._step = 0
        self._waves = WaveLines(clock)

    def __call__(self, event: BulkEvent) -> None:
        if isinstance(event, WaveProgress):
            if self._waves.wanted(event):
                self._write(f"rollout: {wave_text(event)}")
            return
        self.tally.update(event)
        now = self._clock()
        step = self.tally.done * 10 // max(self.tally.total, 1)
        if self._stream is None:
            return
        if step > self._step or now - self._last >= PLAIN_INTERVAL:
            self._step = max(step, self._step)
            self._last = now
            self._write(self._line(now))

    def _write(self, line: str) -> None:
        if self._stream is None:
            return
        try:
            self._stream.write(line + "\n")
            self._stream.flush()
        except OSError:
            # The log's reader went away (`2>&1 | head`): the rollout goes on without
            # progress lines; the changes it makes matter more than their commentary.
            self._stream = None

    def _line(self, now: float) -> str:
        tally = self.tally
        elapsed = now - self._started
        line = f"rollout: {tally.done}/{tally.total} done · {tally.text()} · {elapsed:.0f}s"
        remaining = tally.total - tally.done
        if tally.done and remaining:
            line += f" · ETA {elapsed / tally.done * remaining:.0f}s"
        return line


@contextlib.contextmanager
def _rich_progress(total: int) -> Iterator[OnEvent]:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    tally = Tally(total)
    # sized to fit 80 columns: the elapsed time is in the summary
    progress = Progress(
        BarColumn(bar_width=15),
        MofNCompleteColumn(),
        TextColumn("{task.fields[tally]}", markup=False),
        TextColumn("ETA"),
        TimeRemainingColumn(compact=True),
        console=_output.make_console(sys.stderr),
    )
    task = progress.add_task("rollout", total=total, tally=tally.text(compact=True))
    waves = WaveLines()

    def on_event(event: BulkEvent) -> None:
        if isinstance(event, WaveProgress):
            if waves.wanted(event):
                progress.console.print(wave_text(event), markup=False, highlight=False)
            return
        tally.update(event)
        progress.update(task, completed=tally.done, tally=tally.text(compact=True))

    with progress:
        yield on_event
