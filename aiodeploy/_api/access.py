"""Whether an error is an item's own, or one every item of a bulk run would meet.

A 401 means the token is refused: no item can succeed, so a bulk run stops at the first
one instead of reporting the same failure for every item. A 403 may be one deployment's
(shared with a role that may not change it) or the whole endpoint's (a token without API
access): the server is asked once per run, with ``GET version/``, which any valid token
may read.
"""

from __future__ import annotations

import anyio

from .._session import Session
from ..errors import AiodeployError, AuthenticationError, PermissionDeniedError

__all__ = ["AccessCheck"]


class AccessCheck:
    """Tells the errors that must stop a whole bulk run (see the module docstring)."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._lock = anyio.Lock()
        self._refused: bool | None = None

    async def stops_everything(self, error: BaseException) -> bool:
        """Whether ``error`` would end every other item the same way."""
        if isinstance(error, AuthenticationError):
            return True
        if not isinstance(error, PermissionDeniedError):
            return False
        async with self._lock:
            if self._refused is None:
                self._refused = await self._endpoint_refuses()
        return self._refused

    async def _endpoint_refuses(self) -> bool:
        try:
            await self._session.send("GET", "version/")
        except (AuthenticationError, PermissionDeniedError):
            return True
        except AiodeployError:
            return False  # it cannot tell: the item's own error stands
        return False
