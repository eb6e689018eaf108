"""How big each scenario is: the issue's sizes, ``--full``, and the tiny ``--smoke`` set."""

from __future__ import annotations

import dataclasses
from typing import Any


@dataclasses.dataclass(frozen=True)
class Sizes:
    """Every size knob of the suite (defaults: the sizes the issue asks for)."""

    name: str = "default"
    # P1 rollout
    p1_counts: tuple[int, ...] = (100, 1000)
    p1_jobs: tuple[float, float] = (1.8, 2.2)  # seconds, drawn per job: 2 s ± 10 %
    p1_concurrency: int = 32  # replace_models' default
    p1_sequential: int = 20  # the official client one by one: measured on this many
    p1_threads: int = 32  # the official client's thread pool
    p1_threads_measured: int = 100  # larger N are extrapolated (``--full`` measures them)
    # P2 per-call cost
    p2_calls: int = 5000
    p2_concurrency: int = 64
    p2_deployments: int = 100
    # P3 listing
    p3_deployments: int = 10_000
    # P4 memory
    p4_ops: int = 10_000
    p4_job_s: float = 600.0  # far longer than the run: every operation stays in flight
    p4_sample_s: float = 5.0
    # P5 completion lag
    p5_jobs: tuple[float, ...] = (0.5, 2.0, 10.0)
    p5_ops: int = 200
    p5_official_ops: int = 32  # one wave of its thread pool
    p5_threads: int = 32
    p5_spread_jobs: tuple[float, float] = (0.5, 10.0)  # the variant: drawn per job
    p5_stagger_s: float = 5.0  # the variant: starts spread evenly over this window
    # ZI zero interruption: predictions sustained while every deployment is replaced
    zi_deployments: int = 200
    zi_job_s: float = 2.0
    zi_workers: int = 32
    # P6 fleet health and P7 policy: on loopback, and with a fixed delay on every reply
    reply_delay_s: float = 0.05  # a WAN round trip to a DataRobot cloud
    both_tracking: bool = True  # P6/P7: the official client with its tracking header too
    warm_up: bool = True  # P6-P8: one unrecorded run first, on each fresh emulator
    p6_deployments: int = 1000
    p6_sequential: int = 20  # the official client one by one: measured on this many
    p6_threads: int = 32
    p7_deployments: int = 1000
    p7_settings_s: float = 0.2  # settings jobs (the emulator's default)
    p7_sequential: int = 2  # ~15 s each: three settings jobs, each waited with a 5 s poll
    p7_threads: int = 32
    p7_threads_measured: int = 32  # one wave; larger N are scaled by waves (--full measures)
    # P8 rollout at scale (python -m benchmarks.rollout_scale), without and with a journal
    p8_counts: tuple[int, ...] = (1000, 10_000)
    p8_job_s: float = 2.0
    p8_concurrency: int = 32


DEFAULT = Sizes()
FULL = dataclasses.replace(
    DEFAULT,
    name="full",
    p1_threads_measured=max(DEFAULT.p1_counts),
    p7_threads_measured=DEFAULT.p7_deployments,
)
# Every code path (measured and extrapolated rows, every writer) in well under a minute.
# Jobs take 0 s (P5's spread variant: at most 0.5 ms) so that the official client's first,
# immediate poll finds them done instead of sleeping its fixed 5 s.
SMOKE = Sizes(
    name="smoke",
    p1_counts=(5, 10),
    p1_jobs=(0.0, 0.0),
    p1_concurrency=4,
    p1_sequential=2,
    p1_threads=4,
    p1_threads_measured=5,
    p2_calls=20,
    p2_concurrency=4,
    p2_deployments=10,
    p3_deployments=50,
    p4_ops=20,
    p4_sample_s=0.5,
    p5_jobs=(0.0,),
    p5_ops=10,
    p5_official_ops=4,
    p5_threads=4,
    p5_spread_jobs=(0.0, 0.0005),
    p5_stagger_s=0.2,
    zi_deployments=10,
    zi_job_s=0.3,
    zi_workers=4,
    reply_delay_s=0.01,
    both_tracking=False,  # P1-P3 and P5 keep both variants alive
    warm_up=False,
    p6_deployments=8,
    p6_sequential=2,
    p6_threads=4,
    p7_deployments=6,
    p7_settings_s=0.0,
    p7_sequential=1,
    p7_threads=4,
    p7_threads_measured=4,
    p8_counts=(5, 20),
    p8_job_s=0.2,
    p8_concurrency=4,
)


def override(sizes: Sizes, assignments: list[str]) -> Sizes:
    """Apply ``KEY=VALUE`` assignments (``--size p1_counts=20,100``) to a preset.

    Raises:
        ValueError: an unknown key or a value of the wrong shape.
    """
    changes: dict[str, Any] = {}
    for assignment in assignments:
        key, _, text = assignment.partition("=")
        key = key.strip()
        if key == "name" or key not in {field.name for field in dataclasses.fields(Sizes)}:
            raise ValueError(f"unknown size {key!r}")
        default = getattr(sizes, key)
        value: Any
        if isinstance(default, tuple):
            kind = type(default[0]) if default else float
            value = tuple(kind(part) for part in text.split(",") if part.strip())
            if key in ("p1_jobs", "p5_spread_jobs") and len(value) != 2:
                raise ValueError(f"{key} is MIN,MAX")
        else:
            value = type(default)(text)
        changes[key] = value
    return dataclasses.replace(sizes, name=f"{sizes.name}, custom", **changes)
