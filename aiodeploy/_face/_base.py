"""What every mixin of the client's face relies on."""

from __future__ import annotations

from .._session import Session

__all__ = ["Face"]


class Face:
    """Base of the client's mixins: the session set up by the client's ``__init__``."""

    _session: Session
