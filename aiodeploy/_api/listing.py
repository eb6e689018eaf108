"""Listing deployments right while the collection changes.

``GET deployments/`` pages by offset, and offsets shift when deployments are created or
deleted between two page requests: an insert before a page repeats an item, a delete
skips one. Pages are therefore read with one item of overlap (page *k* starts at offset
``99 k``, limit 100, so it starts with the item page *k - 1* ended with): a boundary item
that does not match, or a ``totalCount`` that moved, shows the collection changed.

* :func:`list_deployments` reads the pages after the first concurrently, checks every
  boundary and count, and reads the whole list again when they disagree (up to
  :data:`ATTEMPTS` times), else raises :class:`~aiodeploy.errors.ListingChangedError`.
* :func:`iter_deployments` reads page by page and takes a page only when it starts with
  the item yielded last; at a boundary that moved (or a page emptied by deletions) it goes
  on from the last item yielded that the list still holds, never yielding an item twice,
  and raises :class:`~aiodeploy.errors.ListingChangedError` after :data:`RECOVERIES` moves.

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
    "continues",
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
    return all(
        continues(pages[before].data, pages[after].data)
        for before, after in itertools.pairwise(offsets)
    )


def continues(before: Sequence[Deployment], after: Sequence[Deployment]) -> bool:
    """Whether the page ``after`` starts with the item the page ``before`` ended with, as
    the next page of a list that did not change in between does."""
    return bool(before) and bool(after) and after[0].id == before[-1].id


def _kept_changing(how_often: str) -> ListingChangedError:
    return ListingChangedError(
        f"the deployments changed while they were listed, {how_often}; list again later, "
        "or narrow the listing with a filter"
    )


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
    raise _kept_changing(f"{ATTEMPTS} times in a row")


async def iter_deployments(session: Session, params: Params) -> AsyncIterator[Deployment]:
    """Each deployment of ``GET deployments/``, page by page as needed, each once.

    A page is taken only when it starts with the item yielded last: then it holds, as the
    server had them at that moment, every item after those already yielded. When it does
    not (the boundary moved, or the page is empty because deletions shortened the list),
    the iteration goes on from the last item it yielded that the list still holds
    (:func:`_resume`).

    Raises:
        ListingChangedError: boundaries moved more than :data:`RECOVERIES` times.
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
        if continues(window, page.data):
            window, start, more = page.data, offset, len(page.data) == PAGE_SIZE
            continue
        recoveries += 1
        if recoveries > RECOVERIES:
            raise _kept_changing(f"{RECOVERIES} times during one iteration")
        window, start, more = await _resume(session, params, yielded, offset, page.data)


async def _resume(
    session: Session, params: Params, yielded: set[str], offset: int, page: list[Deployment]
) -> tuple[list[Deployment], int, bool]:
    """After a boundary moved: the items from an item already yielded that the list still
    holds (the latest in the order found), their offset, and whether the server has more.

    Any item already yielded will do as the place to go on from: every item that existed
    for the whole listing and comes before it in the order was yielded too (each page
    taken began at the list's start or at an item yielded before). Creations move that
    place past ``offset``, deletions before it: the page at ``offset`` (``page``) is looked
    at first, then the pages before it, back to the start of the list if need be, where
    the iteration goes on from the first item (none is yielded twice).
    """
    at = offset
    while True:
        found = [index for index, item in enumerate(page) if item.id in yielded]
        if found or at == 0:
            index = found[-1] if found else 0
            return page[index:], at + index, len(page) == PAGE_SIZE
        at = max(0, at - STEP)
        page = (await session.get("deployments/", _deployments, {**params, "offset": at})).data


def _unique(items: object) -> list[Deployment]:
    # A list without totalCount cannot be checked: at least no item is returned twice.
    seen: set[str] = set()
    result: list[Deployment] = []
    for item in items:  # type: ignore[attr-defined]
        if item.id not in seen:
            seen.add(item.id)
            result.append(item)
    return result
