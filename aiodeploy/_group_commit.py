"""Group commit: lines appended to a file, each on disk before its writer goes on, many
writers sharing one write + fsync.

A writer queues its line, then waits for the lock. Whoever holds it takes every line queued
so far as one batch, writes and fsyncs it in a worker thread, and records the outcome on
each line of the batch. A writer whose line another writer's batch carried returns when
that batch is on disk, or raises the error the batch met: a line is reported durable only
when a write that held it succeeded, never because the writer found nothing left to write.

A batch that failed is cut from the file again, as far as the system can undo it: no line
reported lost turns up in the file later, and no torn line is left for the next batch to
be glued to. Lines are written with ``os.write`` on the descriptor, not through a buffered
file object, which would keep a failed write's bytes and send them with the next flush.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

import anyio

__all__ = ["GroupCommit"]


class _Line:
    """One queued line and what became of it."""

    __slots__ = ("data", "done", "error")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.done = False
        self.error: BaseException | None = None


class GroupCommit:
    """Durable appends to an open file.

    Args:
        handle: the file, opened for appending (``"a+b"``); closed by :meth:`aclose`.
    """

    def __init__(self, handle: Any) -> None:
        self._handle = handle
        self._pending: list[_Line] = []
        self._lock = anyio.Lock()

    def write_sync(self, lines: list[bytes]) -> None:
        """Append ``lines`` and fsync them, in the calling thread.

        Raises:
            OSError: the write or the fsync failed; the file was cut back to its size
                before (unless that failed too).
        """
        fd = self._handle.fileno()
        size = os.lseek(fd, 0, os.SEEK_END)
        try:
            data = memoryview(b"".join(lines))
            while data:
                data = data[os.write(fd, data) :]
            os.fsync(fd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, size)
            raise

    async def append(self, data: bytes) -> None:
        """Append one line (``data``, its newline included); return once it is on disk.

        Raises:
            OSError: the write that carried the line failed; the line is not written.
        """
        line = _Line(data)
        self._pending.append(line)
        async with self._lock:
            if not line.done and line.error is None:
                await self._commit()  # carries this line and every one queued before it
        if line.error is not None:
            raise line.error

    async def _commit(self) -> None:
        """Write the queued lines as one batch; record its outcome on each of them."""
        batch, self._pending = self._pending, []
        try:
            # Shielded: once the batch is taken, every writer it carries must learn its fate
            # (the thread cannot be stopped anyway).
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(self.write_sync, [line.data for line in batch])
        except BaseException as exc:
            for line in batch:
                line.error = exc
        else:
            for line in batch:
                line.done = True

    async def aclose(self) -> None:
        """Write what is still queued, then close the file.

        Raises:
            OSError: that last write failed (its writers get the error too).
        """
        async with self._lock:
            try:
                if self._pending:
                    last = self._pending[-1]
                    await self._commit()
                    if last.error is not None:
                        raise last.error
            finally:
                self._handle.close()
