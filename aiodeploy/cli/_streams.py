"""The console streams: characters they cannot encode are replaced, a closed pipe is quiet.

A Windows console (cp1252), a GBK locale or ``PYTHONIOENCODING=ascii`` cannot encode every
label a server holds ("Prévision 需求 📈"), nor the ``·`` and box lines of our own tables;
Python's stdout raises ``UnicodeEncodeError`` on them. A listing must not crash on a label,
so stdout and stderr replace such characters (``?``) while the command line runs.

``aiodeploy deployments list | head -1`` closes the pipe early on purpose: the reader has
what it wanted, so that is no error and nothing more is said.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator
from typing import TextIO

__all__ = ["is_closed_pipe", "quiet_closed_pipes", "tolerant_streams"]

# handlers that already write something for any character (stderr's default is the second)
_REPLACING = frozenset({"replace", "backslashreplace", "namereplace", "xmlcharrefreplace"})


@contextlib.contextmanager
def tolerant_streams() -> Iterator[None]:
    """While the block runs, stdout and stderr replace what their encoding cannot hold.

    The streams' own error handlers are restored afterwards (``main()`` may be called
    in-process); text written meanwhile is already encoded.
    """
    changed: list[tuple[io.TextIOWrapper, str]] = []
    for stream in (sys.stdout, sys.stderr):
        errors = getattr(stream, "errors", None)
        if not isinstance(stream, io.TextIOWrapper) or errors is None or errors in _REPLACING:
            continue
        with contextlib.suppress(OSError, ValueError):
            stream.reconfigure(errors="replace")
            changed.append((stream, errors))
    try:
        yield
    finally:
        for stream, errors in changed:
            with contextlib.suppress(OSError, ValueError):
                stream.reconfigure(errors=errors)


def is_closed_pipe(error: BaseException) -> bool:
    """Whether ``error`` is a ``BrokenPipeError``, or a group holding nothing else."""
    nested = getattr(error, "exceptions", None)
    if isinstance(nested, tuple) and nested:
        return all(is_closed_pipe(inner) for inner in nested)
    return isinstance(error, BrokenPipeError)


def quiet_closed_pipes() -> None:
    """Point stdout and stderr at the null device where their reader has gone.

    Output still buffered for a closed pipe would otherwise fail again when Python flushes
    the streams at exit, and print "Exception ignored ... BrokenPipeError".
    """
    for stream in (sys.stdout, sys.stderr):
        if not _flushes(stream):
            _to_null_device(stream)


def _flushes(stream: TextIO) -> bool:
    try:
        stream.flush()
    except (OSError, ValueError):
        return False
    return True


def _to_null_device(stream: TextIO) -> None:
    with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, stream.fileno())
        finally:
            os.close(null)
        stream.flush()  # what was pending goes to the null device now
