"""Writing results: tables (rich when installed, aligned plain text otherwise) and JSON.

Results go to stdout; progress, prompts and errors go to stderr, so that
``aiodeploy ... --json | jq`` always reads one clean document.
"""

from __future__ import annotations

import errno
import importlib.util
import json
import os
import sys
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["USE_RICH", "make_console", "print_fields", "print_table", "write_json", "write_line"]

USE_RICH = importlib.util.find_spec("rich") is not None
"""Whether tables and the progress bar use rich (the ``cli`` extra); tests switch it off."""

# Off a terminal rich assumes 80 columns and wraps cells; a file or a pipe has no width,
# and a wrapped id cannot be copied, so lines are only as long as their content.
_PIPE_WIDTH = 1000


def write_line(text: str = "", stream: TextIO | None = None) -> None:
    """Write one line to ``stream`` (stdout by default, looked up at call time)."""
    (stream or sys.stdout).write(text + "\n")


def write_json(data: Any) -> None:
    """Write ``data`` to stdout as one indented JSON document."""
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
    sys.stdout.flush()


def make_console(stream: TextIO) -> Console:
    """A rich console writing to ``stream`` without colour codes when it is not a terminal."""
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            # rich would exit with 1 here; main() decides what a closed pipe means
            self.quiet = True
            raise BrokenPipeError(errno.EPIPE, "the reader closed the pipe")

    interactive = stream.isatty()
    width = None if interactive or "COLUMNS" in os.environ else _PIPE_WIDTH
    return _Console(file=stream, width=width, highlight=False, soft_wrap=False)


def print_table(
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    title: str | None = None,
    caption: str | None = None,
    nowrap: Collection[str] = (),
) -> None:
    """Print a table to stdout.

    Args:
        columns: the header cells.
        rows: one sequence of cells per row, as strings.
        title: a line above the table.
        caption: a line below the table.
        nowrap: columns never wrapped on a narrow terminal (ids, to stay copyable).
    """
    if USE_RICH:
        _rich_table(columns, rows, title, caption, nowrap)
        return
    if title:
        write_line(title)
    widths = [len(column) for column in columns]
    for row in rows:
        widths = [max(width, len(cell)) for width, cell in zip(widths, row, strict=True)]
    write_line(_plain_row(columns, widths))
    write_line(_plain_row(["-" * width for width in widths], widths))
    for row in rows:
        write_line(_plain_row(row, widths))
    if caption:
        write_line(caption)


def print_fields(fields: Sequence[tuple[str, str]], *, title: str | None = None) -> None:
    """Print ``name: value`` pairs as a two-column table without a header."""
    if USE_RICH:
        from rich.table import Table
        from rich.text import Text

        table = Table(
            title=title, show_header=False, box=None, title_justify="left", pad_edge=False
        )
        table.add_column(style="bold")
        table.add_column(overflow="fold")
        for name, value in fields:
            table.add_row(Text(name), Text(value))
        make_console(sys.stdout).print(table)
        return
    if title:
        write_line(title)
    width = max((len(name) for name, _ in fields), default=0)
    for name, value in fields:
        write_line(f"{name.ljust(width)}  {value}".rstrip())


def _plain_row(cells: Sequence[str], widths: Sequence[int]) -> str:
    return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()


def _rich_table(
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    title: str | None,
    caption: str | None,
    nowrap: Collection[str],
) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table()
    for column in columns:
        table.add_column(column, overflow="fold", no_wrap=column in nowrap)
    for row in rows:
        # Text, not str: a label such as "[red]x" is data, not rich markup
        table.add_row(*(Text(cell) for cell in row))
    console = make_console(sys.stdout)
    # title and caption as lines of their own: rich pads a table's title to its width
    if title:
        console.print(Text(title, style="bold"))
    console.print(table)
    if caption:
        console.print(Text(caption))
