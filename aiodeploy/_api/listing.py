"""Listing deployments right while the collection changes.

``GET deployments/`` pages by offset, and offsets shift when deployments are created or
deleted between two page requests: an insert before a page repeats an item, a delete
skips one. Pages are therefore read with one item of overlap (page *k* starts at offset
``99 k``, limit 100, so it starts with the item page *k - 1* ended with): a boundary item
that does not match, or a ``totalCount`` that moved, shows the collection changed.

* :func:`list_deployments` reads the pages after the first concurrently, checks every
  boundary and count, and reads the whole list again when they disagree (up to
  :data:`ATTEMPTS` times), else raises :class:`~aiodeploy.errors.ListingChangedError`.
* :func:`iter_deployments` reads page by page; at a boundary that moved it finds where the
  last item it yielded went and goes on from there, never yielding an item twice.

Either way, every deployment that existed for the whole listing is returned exactly once.
(Reordering is not a change this can see: a deployment renamed while the list is ordered by
label may move across the part already read.)
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Mapping, Sequence

import anyio
import msgspec

from .._models import Deployment
from .._session import Session, new_page
from .._wire import Page
from ..errors import ListingChangedError

__all__ = [
    "ATTEMPTS",
    "PAGE_SIZE",
    "STEP",
    "consistent",
    "iter_deployments",
    "last_pages",
    "list_deployments",
    "overlap_offsets",
]

PAGE_SIZE = 100  # the deployments route's maximum page size
STEP = PAGE_SIZE - 1  # one item of overlap between neighbouring pages
ATTEMPTS = 3  # whole reads of a list that keeps changing before giving up
RECOVERIES = 20  # boundaries that moved during one iteration before giving up

Params = Mapping[str, str | int | Sequence[str]]
_deployments = msgspec.json.Decoder(Page[Deployment])


def overlap_offsets(total: int) -> range:
    """The offsets of the pages after the first, for ``total`` items."""
    return range(STEP, total - 1, STEP)


def last_pages(pages: Mapping[int, Page[Deployment]]) -> list[int] | None:
    """The offsets of the pages that hold the list, in order: up to the first page that
    is not full (pages read past it must be empty), or ``None`` when one is not."""
    offsets = sorted(pages)
    for index, offset in enumerate(offsets):
        if len(pages[offset].data) < PAGE_SIZE:
            if any(pages[later].data for later in offsets[index + 1 :]):
                return None  # items past the end: the list grew under us
            return offsets[: index + 1]
    return offsets


def consistent(pages: Mapping[int, Page[Deployment]], total: int) -> bool:
    """Whether overlapping pages (offset → page) read a list that did not change.

    Pure: every page that holds the list must report ``total``, and every page's last item
    must open the page after it.
    """
    offsets = last_pages(pages)
    if offsets is None:
        return False
    if any(pages[offset].total_count != total for offset in offsets):
        return False
    for before, after in itertools.pairwise(offsets):
        following = pages[after].data
        if not following or following[0].id != pages[before].data[-1].id:
            return False
    return True


async def _read_all(session: Session, params: Params) -> list[Deployment] | None:
    """One concurrent read of every page; ``None`` when the list changed meanwhile."""
    first = await session.get("deployments/", _deployments, params)
    if first.total_count is None:
        # no count to plan or check pages by: follow the server's own links
        return _unique(await session.follow(first, _deployments))
    total = first.total_count
    pages: dict[int, Page[Deployment]] = {0: first}
    # Offsets are handed out one at a time rather than all planned from totalCount: a page
    # that is not full ends the list, however many items totalCount claimed.
    offsets = iter(overlap_offsets(total) if len(first.data) == PAGE_SIZE else ())
    ended = False
    failed: list[Exception] = []

    async def fetch_pages() -> None:
        nonlocal ended
        try:
            for offset in offsets:
                if ended:
                    return
                page = await session.get("deployments/", _deployments, {**params, "offset": offset})
                pages[offset] = page
                ended = ended or len(page.data) < PAGE_SIZE
        except Exception as exc:
            # the caller gets this error itself, not an exception group around it
            failed.append(exc)
            tg.cancel_scope.cancel()

    async with anyio.create_task_group() as tg:
        for _ in range(session.page_concurrency):
            tg.start_soon(fetch_pages)
    if failed:
        raise failed[0]
    kept = last_pages(pages)
    if kept is None or not consistent(pages, total):
        return None
    return _unique(item for offset in kept for item in pages[offset].data)


async def list_deployments(session: Session, params: Params) -> list[Deployment]:
    """Every deployment of ``GET deployments/``, each once (see the module docstring).

    Raises:
        ListingChangedError: the list changed during each of :data:`ATTEMPTS` reads.
    """
    for _ in range(ATTEMPTS):
        found = await _read_all(session, params)
        if found is not None:
            return found
    raise ListingChangedError(
        f"the deployments changed while they were listed, {ATTEMPTS} times in a row; "
        "list again later, or narrow the listing with a filter"
    )


async def iter_deployments(session: Session, params: Params) -> AsyncIterator[Deployment]:
    """Each deployment of ``GET deployments/``, page by page as needed, each once.

    Raises:
        ListingChangedError: boundaries moved more than :data:`RECOVERIES` times, or the
            last items yielded could not be found again.
    """
    first = await session.get("deployments/", _deployments, params)
    if first.total_count is None:
        followed: set[str] = set()
        page = first
        while True:
            for item in page.data:
                yield item
            if not page.next:
                return
            page = await session.get(new_page(page.next, followed), _deployments)
    yielded: set[str] = set()
    # the items to yield from, the offset of the first, and whether the server has more
    window, start, more = first.data, 0, len(first.data) == PAGE_SIZE
    recoveries = 0
    while True:
        for item in window:
            if item.id not in yielded:
                yielded.add(item.id)
                yield item
        if not more or not window:
            return
        offset = start + len(window) - 1  # the last item read opens the next page
        page = await session.get("deployments/", _deployments, {**params, "offset": offset})
        if not page.data:
            return
        more = len(page.data) == PAGE_SIZE
        if page.data[0].id == window[-1].id:
            window, start = page.data, offset
            continue
        recoveries += 1
        if recoveries > RECOVERIES:
            raise ListingChangedError(
                "the deployments kept changing while they were listed; list again later"
            )
        recent = [item.id for item in window]
        window, start = await _relocate(session, params, recent, offset, page.data)


async def _relocate(
    session: Session,
    params: Params,
    recent: list[str],
    offset: int,
    page: list[Deployment],
) -> tuple[list[Deployment], int]:
    """After a boundary moved: the items from the last one yielded on, and their offset.

    The list shifted by the items created or deleted before ``offset``; the last items
    yielded are looked for in the page before ``offset`` and the one at it.

    Raises:
        ListingChangedError: none of them is there any more.
    """
    before_offset = max(0, offset - STEP)
    before = await session.get("deployments/", _deployments, {**params, "offset": before_offset})
    items = before.data + [item for item in page if item.id not in {i.id for i in before.data}]
    positions = {item.id: index for index, item in enumerate(items)}
    for anchor in reversed(recent):
        if anchor in positions:
            at = positions[anchor]
            return items[at:], before_offset + at
    raise ListingChangedError(
        "the deployments changed too much while they were listed to go on safely; list again"
    )


def _unique(items: object) -> list[Deployment]:
    # A list without totalCount cannot be checked: at least no item is returned twice.
    seen: set[str] = set()
    result: list[Deployment] = []
    for item in items:  # type: ignore[attr-defined]
        if item.id not in seen:
            seen.add(item.id)
            result.append(item)
    return result
