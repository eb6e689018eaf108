"""Listings are right while the collection changes (issue 10, kind 5).

Deployments are created and deleted by "someone else" between the page requests of a
listing, at random points; every deployment that existed for the whole listing must be
returned exactly once, by ``list_deployments`` and ``iter_deployments`` alike.
"""

from __future__ import annotations

import random

import aiohttp
import pytest

from aiodeploy import AsyncDeploymentClient, ListingChangedError
from aiodeploy._api.listing import PAGE_SIZE, consistent, last_pages
from aiodeploy._models import Deployment
from aiodeploy._wire import Page
from aiodeploy.emulator import Emulator


def _changer(emu: Emulator, rng: random.Random, changes: int):
    """A trace hook that creates or deletes a few deployments after some page requests
    (more than one at a time: one item of overlap alone absorbs a single deletion)."""
    state = emu.state
    model = state.current_model(state.live_deployments()[0].id).id
    done = {"count": 0}

    async def on_end(session, ctx, params) -> None:
        if not params.url.path.endswith("/deployments/") or done["count"] >= changes:
            return
        if rng.random() < 0.5:
            return
        done["count"] += 1
        delete = rng.random() < 0.5
        for _ in range(rng.randint(1, 3)):
            if delete:
                live = state.live_deployments()
                state.delete_deployment(live[rng.randrange(len(live))])
            else:  # a label anywhere in the order
                state.create_deployment(model, f"{rng.choice('abcdefghijklmnopqrstuvwxyz')}-new")

    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(on_end)
    return trace


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("method", ["list", "iter"])
async def test_every_deployment_that_existed_throughout_is_listed_once(method, seed) -> None:
    rng = random.Random(seed)
    async with Emulator(deployments=450, seed=seed) as emu:
        before = {d.id for d in emu.state.live_deployments()}
        trace = _changer(emu, rng, changes=rng.randint(1, 4))
        async with (
            aiohttp.ClientSession(trace_configs=[trace]) as http,
            AsyncDeploymentClient(emu.endpoint, emu.token, session=http) as client,
        ):
            if method == "list":
                got = [d.id for d in await client.list_deployments()]
            else:
                got = [d.id async for d in client.iter_deployments()]
        survivors = before & {d.id for d in emu.state.live_deployments()}
    assert len(got) == len(set(got)), "a deployment was returned twice"
    assert survivors <= set(got), f"{len(survivors - set(got))} survivor(s) missing"


async def test_a_list_that_never_stops_changing_raises_a_typed_error() -> None:
    async with Emulator(deployments=250) as emu:
        state = emu.state
        model = state.current_model(state.live_deployments()[0].id).id

        async def on_end(session, ctx, params) -> None:
            state.create_deployment(model, "aaa-new")  # before every page, forever

        trace = aiohttp.TraceConfig()
        trace.on_request_end.append(on_end)
        async with (
            aiohttp.ClientSession(trace_configs=[trace]) as http,
            AsyncDeploymentClient(emu.endpoint, emu.token, session=http) as client,
        ):
            with pytest.raises(ListingChangedError, match="changed while they were listed"):
                await client.list_deployments()


@pytest.mark.parametrize(("size", "deleted"), [(101, 2), (150, 60)])
async def test_iter_deployments_keeps_survivors_when_deletions_empty_the_next_offset(
    size: int, deleted: int
) -> None:
    # After the first page (0..99), some of its deployments are deleted, so the next page,
    # asked at offset 99, is now past the end: the iteration must find its place again
    # rather than end there, or the survivors after the first page (1, or 50) are missed.
    async with Emulator(deployments=size) as emu:
        state = emu.state
        by_label = sorted(state.live_deployments(), key=lambda d: (d.label.casefold(), d.id))
        victims = by_label[:deleted]
        fired = False

        async def on_end(session, ctx, params) -> None:
            nonlocal fired
            if not fired and params.url.path.endswith("/deployments/"):
                fired = True
                for victim in victims:
                    state.delete_deployment(victim)

        trace = aiohttp.TraceConfig()
        trace.on_request_end.append(on_end)
        async with (
            aiohttp.ClientSession(trace_configs=[trace]) as http,
            AsyncDeploymentClient(emu.endpoint, emu.token, session=http) as client,
        ):
            got = [d.id async for d in client.iter_deployments(order_by="label")]
    # the victims were yielded with the first page, before they were deleted
    assert sorted(got) == sorted(d.id for d in by_label)


def _churn(emu: Emulator, rng: random.Random, changes: int):
    """A trace hook that, after some page requests, deletes or creates deployments in
    batches of up to 60, often at the front of the list (where a deletion empties the
    offset asked next) and sometimes among the items already read."""
    state = emu.state
    model = state.current_model(state.live_deployments()[0].id).id
    done = {"count": 0}

    async def on_end(session, ctx, params) -> None:
        if not params.url.path.endswith("/deployments/") or done["count"] >= changes:
            return
        if rng.random() < 0.3:
            return
        done["count"] += 1
        count = rng.choice([1, 2, 3, 5, 20, 60])
        if rng.random() < 0.6:
            live = sorted(state.live_deployments(), key=lambda d: (d.label.casefold(), d.id))
            front = rng.random() < 0.5
            pool = live[: min(len(live), 100)] if front else live
            for victim in rng.sample(pool, min(count, len(pool))):
                state.delete_deployment(victim)
        else:
            for _ in range(count):
                state.create_deployment(model, f"{rng.choice('abcdefghijklmnopqrstuvwxyz')}-new")

    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(on_end)
    return trace


@pytest.mark.parametrize("seed", range(40))
async def test_listings_under_churn_miss_no_survivor_and_repeat_none(seed: int) -> None:
    # Property: whatever is created or deleted between the page requests, each deployment
    # that existed for the whole listing is returned exactly once, by both functions, or
    # the listing says it changed too much (ListingChangedError); never silently wrong.
    rng = random.Random(seed)
    size = rng.choice([99, 100, 101, 150, 198, 199, 200, 250, 297, 300])
    for method in ("iter", "list"):
        async with Emulator(deployments=size, seed=seed) as emu:
            before = {d.id for d in emu.state.live_deployments()}
            trace = _churn(emu, rng, changes=rng.randint(1, 3))
            async with (
                aiohttp.ClientSession(trace_configs=[trace]) as http,
                AsyncDeploymentClient(emu.endpoint, emu.token, session=http) as client,
            ):
                try:
                    if method == "list":
                        got = [d.id for d in await client.list_deployments(order_by="label")]
                    else:
                        got = [d.id async for d in client.iter_deployments(order_by="label")]
                except ListingChangedError:
                    assert method == "list", "iter_deployments gave up on 3 changes or fewer"
                    continue
            survivors = before & {d.id for d in emu.state.live_deployments()}
        assert len(got) == len(set(got)), f"{method}: a deployment was returned twice"
        missing = survivors - set(got)
        assert not missing, f"{method}: {len(missing)} survivor(s) of {size} missing"


def _page(start: int, count: int, total: int) -> Page[Deployment]:
    data = [Deployment(id=f"{n:024x}") for n in range(start, start + count)]
    return Page(data=data, total_count=total)


def test_overlapping_pages_that_agree_are_consistent() -> None:
    pages = {0: _page(0, 100, 250), 99: _page(99, 100, 250), 198: _page(198, 52, 250)}
    assert consistent(pages, 250)
    assert last_pages(pages) == [0, 99, 198]


def test_a_shifted_boundary_or_a_moved_count_is_seen() -> None:
    shifted = {0: _page(0, 100, 250), 99: _page(100, 100, 250), 198: _page(198, 52, 250)}
    assert not consistent(shifted, 250)
    recounted = {0: _page(0, 100, 250), 99: _page(99, 100, 251), 198: _page(198, 52, 251)}
    assert not consistent(recounted, 250)


def test_pages_read_past_the_end_must_be_empty() -> None:
    pages = {0: _page(0, 60, 60), 99: _page(0, 0, 60), 198: _page(0, 0, 60)}
    assert last_pages(pages) == [0]
    assert consistent(pages, 60)
    grew = {0: _page(0, 60, 60), 99: _page(99, 3, 60)}
    assert last_pages(grew) is None
    assert PAGE_SIZE == 100
