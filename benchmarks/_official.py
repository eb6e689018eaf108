"""The official ``datarobot`` client's side of the scenarios (run inside ``benchmarks._run``).

It is used as its documentation shows: ``dr.Client(token=..., endpoint=...)``, then
``Deployment.get``/``list``, ``validate_replacement_model`` and ``replace_model``; the
monitoring reads ``get_service_stats``, ``get_target_drift``, ``get_feature_drift``; the
settings updates ``update_*_settings``. The
run's ``tracking`` argument decides whether ``enable_api_consumer_tracking=False`` is
passed; otherwise the client keeps its default (on: a stack trace header per request).

Threads: each worker thread gets its own ``Client``, as DataRobot advises for threads.
``Client()`` stores the client in a context variable, and each thread has its own context,
so every thread talks through its own ``requests.Session``. Sharing one session would
mean a 10-connection pool for 32 or 64 threads (urllib3 drops the surplus connections
after each request), and ``requests.Session`` is not documented as thread-safe. The
threads are started, and their clients connected (``GET version/``), before the timed
window opens.
"""

from __future__ import annotations

import contextlib
import threading
import time
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from datarobot.client import Client
from datarobot.context import Context
from datarobot.models.deployment.deployment import Deployment

from ._meter import Meter

# The calls below warn (deprecated methods; "client ahead of server"): not what is measured.
warnings.simplefilter("ignore")

REASON = "SCHEDULED_REFRESH"


def _connect(args: dict[str, Any]) -> None:
    if args["tracking"]:  # the default: not even passed, as most code leaves it
        Client(token=args["token"], endpoint=args["endpoint"])
    else:
        Client(token=args["token"], endpoint=args["endpoint"], enable_api_consumer_tracking=False)


@contextlib.contextmanager
def _threads(args: dict[str, Any], count: int) -> Iterator[ThreadPoolExecutor]:
    """A pool of ``count`` threads, all started, each with its own connected client."""
    barrier = threading.Barrier(count, timeout=120)
    pool = ThreadPoolExecutor(count, initializer=_connect, initargs=(args,))
    try:
        # Each task blocks until all have started, so the pool has to start every thread.
        list(pool.map(lambda _: barrier.wait(), range(count)))
        yield pool
    finally:
        pool.shutdown(cancel_futures=True)


def _figures() -> dict[str, Any]:
    return {"tracking": bool(Context.enable_api_consumer_tracking)}


def _replace(item: list[str]) -> bool:
    """One rollout item: read, validate, replace and wait (what ``replace_models`` does)."""
    dep_id, model_id = item
    try:
        deployment = Deployment.get(dep_id)
        status, _, _ = deployment.validate_replacement_model(new_model_id=model_id)
        if status == "failing":
            return False
        deployment.replace_model(model_id, REASON)
    except Exception:  # a failed item is counted, not fatal, as in replace_models
        return False
    return True


def p1(args: dict[str, Any], meter: Meter) -> dict[str, Any]:
    """Rollout, one item after another (``threads`` 1) or in a thread pool."""
    plan, threads = args["plan"], args["threads"]
    if threads == 1:
        _connect(args)
        meter.begin()
        results = [_replace(item) for item in plan]
        meter.end()
    else:
        with _threads(args, threads) as pool:
            meter.begin()
            results = list(pool.map(_replace, plan))
            meter.end()
    return {"ok": sum(results), "failed": len(plan) - sum(results), **_figures()}


def p2(args: dict[str, Any], meter: Meter) -> dict[str, Any]:
    """Per-call cost: ``Deployment.get`` round robin, sequentially or from a thread pool."""
    ids, calls, threads = args["ids"], args["calls"], args["concurrency"]

    def call(index: int) -> None:
        Deployment.get(ids[index % len(ids)])

    if threads == 1:
        _connect(args)
        meter.begin()
        for index in range(calls):
            call(index)
        meter.end()
    else:
        with _threads(args, threads) as pool:
            meter.begin()
            list(pool.map(call, range(calls)))
            meter.end()
    return {"ok": calls, "failed": 0, **_figures()}


def p3(args: dict[str, Any], meter: Meter) -> dict[str, Any]:
    """Listing: ``Deployment.list()`` (pages of 20, one after another)."""
    _connect(args)
    meter.begin()
    deployments = Deployment.list()
    meter.end()
    return {"ok": len(deployments), "failed": args["expected"] - len(deployments), **_figures()}


def p5(args: dict[str, Any], meter: Meter) -> dict[str, Any]:
    """Completion lag: every item in its own thread; done when ``replace_model`` returns."""
    done_at: dict[str, float] = {}

    def one(item: list[str], offset: float) -> None:
        time.sleep(offset)  # staggered starts; each op has its own thread, so none queues
        dep_id, model_id = item
        deployment = Deployment.get(dep_id)
        deployment.replace_model(model_id, REASON)
        done_at[dep_id] = time.time()  # wall clock: compared with the server's

    with _threads(args, args["threads"]) as pool:
        meter.begin()
        plan = zip(args["plan"], args["offsets"], strict=True)
        outcomes = [pool.submit(one, item, offset) for item, offset in plan]
        failed = sum(1 for future in outcomes if future.exception() is not None)
        meter.end()
    return {"ok": len(done_at), "failed": failed, "done_at": done_at, **_figures()}


def _per_item(args: dict[str, Any], meter: Meter, items: list[Any], work: Any) -> list[bool]:
    """Run ``work(item) -> bool`` over ``items``, one after another (``threads`` 1) or from
    a pool of ``threads`` connected clients; the window covers only the work."""
    threads = args["threads"]
    if threads == 1:
        _connect(args)
        meter.begin()
        results = [work(item) for item in items]
        meter.end()
        return results
    with _threads(args, threads) as pool:
        meter.begin()
        results = list(pool.map(work, items))
        meter.end()
    return results


def _health(dep_id: str) -> bool:
    """One deployment's health: its health blocks, service stats, target and feature drift
    (what ``fleet_health`` reads for it)."""
    try:
        deployment = Deployment.get(dep_id)
        deployment.get_service_stats()
        deployment.get_target_drift()
        deployment.get_feature_drift()
    except Exception:  # counted, as fleet_health records a failed read
        return False
    return True


def p6(args: dict[str, Any], meter: Meter) -> dict[str, Any]:
    """Fleet health, one deployment after another or from a thread pool."""
    results = _per_item(args, meter, args["ids"], _health)
    return {"ok": sum(results), "failed": len(results) - sum(results), **_figures()}


def p7(args: dict[str, Any], meter: Meter) -> dict[str, Any]:
    """Policy: per deployment, ``Deployment.get`` and one ``update_*_settings`` call per
    family of the policy (each settings update waits for its job), one deployment after
    another or from a thread pool. No read before writing: every deployment differs."""
    settings = args["policy"]["settings"]

    def apply(dep_id: str) -> bool:
        try:
            deployment = Deployment.get(dep_id)
            for family, values in settings.items():
                getattr(deployment, f"update_{family}_settings")(**values)
        except Exception:  # a failed deployment is counted, as apply_policy does
            return False
        return True

    results = _per_item(args, meter, args["ids"], apply)
    return {"ok": sum(results), "failed": len(results) - sum(results), **_figures()}
