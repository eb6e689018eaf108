"""The shared request budget: in-flight cap and pace, on a fake clock."""

from __future__ import annotations

import anyio
import pytest

from aiodeploy._budget import RequestBudget


async def test_caps_requests_in_flight(clock) -> None:
    budget = RequestBudget(3, clock=clock, sleep=clock.sleep)
    peak = 0
    release = anyio.Event()

    async def request() -> None:
        nonlocal peak
        async with budget.slot():
            peak = max(peak, budget.in_flight)
            await release.wait()

    async with anyio.create_task_group() as tg:
        for _ in range(10):
            tg.start_soon(request)
        await anyio.wait_all_tasks_blocked()  # every task holds a slot or waits for one
        assert budget.in_flight == 3
        release.set()
    assert peak == 3
    assert budget.in_flight == 0


async def test_paces_requests_after_the_burst(clock) -> None:
    budget = RequestBudget(100, per_second=10, burst=2, clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(6):
        async with budget.slot():
            starts.append(clock.now)
    # a burst of two at once, then one every 0.1 s
    assert [round(t, 6) for t in starts] == [0.0, 0.0, 0.1, 0.2, 0.3, 0.4]


async def test_quiet_spell_refills_the_burst(clock) -> None:
    budget = RequestBudget(100, per_second=10, burst=3, clock=clock, sleep=clock.sleep)
    for _ in range(5):
        async with budget.slot():
            pass
    clock.now += 10
    before = len(clock.sleeps)
    for _ in range(3):
        async with budget.slot():
            pass
    assert clock.sleeps[before:] == []


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"max_in_flight": 0}, "max_in_flight"), ({"per_second": 0}, "per second"),
     ({"burst": 0}, "burst")],
)  # fmt: skip
def test_bad_budgets_are_refused(clock, kwargs, match) -> None:
    args = {"max_in_flight": 1, **kwargs}
    with pytest.raises(ValueError, match=match):
        RequestBudget(clock=clock, sleep=clock.sleep, **args)


@pytest.mark.parametrize(("per_second", "interval"), [(0.5, 2.0), (1, 1.0), (4, 0.25)])
async def test_slow_paces_and_a_burst_of_one_are_allowed(clock, per_second, interval) -> None:
    # less than one request a second, and no burst at all, are legitimate budgets
    budget = RequestBudget(1, per_second=per_second, burst=1, clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(3):
        async with budget.slot():
            starts.append(clock.now)
    assert starts == [0.0, interval, 2 * interval]


async def test_the_default_burst_is_ten_requests(clock) -> None:
    budget = RequestBudget(100, per_second=1, clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(12):
        async with budget.slot():
            starts.append(clock.now)
    assert starts == [0.0] * 10 + [1.0, 2.0]


async def test_a_free_slot_is_taken_without_a_trip_through_the_event_loop(clock) -> None:
    # The request itself is the checkpoint: taking a free slot lets no other task run
    # first (ten thousand requests must not mean ten thousand extra scheduler rounds).
    budget = RequestBudget(2, clock=clock, sleep=clock.sleep)
    order: list[str] = []

    async def other() -> None:
        order.append("other task")

    async with anyio.create_task_group() as tg:
        tg.start_soon(other)  # ready to run at the next checkpoint
        async with budget.slot():
            order.append("slot taken")
    assert order == ["slot taken", "other task"]
