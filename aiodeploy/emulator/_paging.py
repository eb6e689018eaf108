"""Offset/limit paging, the one way every emulator list route reads and answers it.

DataRobot list routes differ in their limits (``deployments/`` allows 1-100, 20 by
default; ``predictionServers/`` 1-1000; ``status/`` has no bound and 0 means all), in
whether the envelope carries ``totalCount``, and a few answer bare arrays. A route states
its own rules once, as a :class:`Paging`, and gets the same parameter errors, slicing and
page links as every other.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from multidict import MultiDict, MultiMapping
from yarl import URL

from ._params import QueryReader

__all__ = ["Paging", "Window", "page_links"]

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class Window:
    """The page a request asked for.

    Attributes:
        offset: Items skipped (at least 0).
        limit: Items at most on the page; 0 means all the rest (only where the route's
            :class:`Paging` allows it).
    """

    offset: int
    limit: int

    def cut(self, items: Sequence[T]) -> Sequence[T]:
        """Return the items on this page."""
        if not self.limit:
            return items[self.offset :]
        return items[self.offset : self.offset + self.limit]


@dataclasses.dataclass(frozen=True)
class Paging:
    """One list route's paging rules.

    Attributes:
        default_limit: ``limit`` when the request gives none.
        max_limit: The highest ``limit`` accepted (None: no bound). Above it is a 400:
            DataRobot validates query parameters rather than clamping them.
        zero_means_all: Whether ``limit=0`` is allowed and means every item (no links).
        total_count: Whether the envelope carries ``totalCount``.
    """

    default_limit: int = 20
    max_limit: int | None = 100
    zero_means_all: bool = False
    total_count: bool = False

    def read(self, reader: QueryReader) -> Window:
        """Read ``offset`` and ``limit``; errors are collected in ``reader`` (check it after)."""
        offset = reader.integer("offset", 0, 0)
        limit = reader.integer(
            "limit", self.default_limit, 0 if self.zero_means_all else 1, self.max_limit
        )
        return Window(offset, limit)

    def read_query(self, query: MultiMapping[str]) -> Window:
        """Read a query that may hold ``offset`` and ``limit`` and nothing else.

        Raises:
            ApiError: 400 on another parameter or a bad value.
        """
        reader = QueryReader(query, ("offset", "limit"))
        window = self.read(reader)
        reader.check()
        return window

    def envelope(
        self, url: URL, items: Sequence[T], window: Window, render: Callable[[T], Any]
    ) -> dict[str, Any]:
        """Return ``{count, next, previous, data[, totalCount]}`` for one page of ``items``.

        Args:
            url: The request's URL; the links keep its other parameters.
            items: Every item of the list, in order.
            window: The page asked for.
            render: Turns one item into its JSON form.
        """
        page = window.cut(items)
        following, preceding = (
            page_links(url, window.offset, window.limit, len(items))
            if window.limit
            else (None, None)
        )
        body: dict[str, Any] = {
            "count": len(page),
            "next": following,
            "previous": preceding,
            "data": [render(item) for item in page],
        }
        if self.total_count:
            body["totalCount"] = len(items)
        return body


def page_links(url: URL, offset: int, limit: int, total: int) -> tuple[str | None, str | None]:
    """Return absolute ``next`` and ``previous`` URLs keeping the request's other parameters."""

    def link(new_offset: int) -> str:
        query: MultiDict[str] = MultiDict(url.query)
        query["offset"] = str(new_offset)
        query["limit"] = str(limit)
        return str(url.with_query(query))

    following = link(offset + limit) if offset + limit < total else None
    preceding = link(max(0, offset - limit)) if offset > 0 else None
    return following, preceding
