"""The benchmark suite's bookkeeping, without running it: extrapolated figures say so
wherever they appear, nothing is written without its raw runs, and P5's job ends are the
emulator's own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from aiodeploy.emulator import EmulatorState
from benchmarks._emulator import drawn_durations
from benchmarks._report import check_raw_data, markdown, write_json
from benchmarks._runner import extrapolated, judge

MACHINE = {"date": "d", "cpu": "c", "cores": 2, "pinning": "p", "python": "3", "versions": {}}


def _row(n: int = 20, wall: float = 100.0) -> dict[str, Any]:
    run = {"wall_s": wall, "cpu_s": 1.0, "emulator_cpu_s": 0.5, "requests": 4 * n,
           "peak_rss_mib": 90.0, "ok": n, "failed": 0}  # fmt: skip
    return {"case": f"N={n}", "contender": "official, sequential", "n": n, "runs": [run],
            "median": dict(run)}  # fmt: skip


def _results(rows: list[dict[str, Any]], targets: list[dict[str, Any]]) -> dict[str, Any]:
    scenario = {"title": "P9 test", "rows": rows, "targets": targets, "columns": []}
    return {"mode": "t", "repeats": 1, "machine": MACHINE, "scenarios": {"P9": scenario}}


def test_an_extrapolated_row_says_so_and_carries_its_source_runs() -> None:
    source = _row()
    scaled = extrapolated(source, 1000, wall_scale=50.0, note="per item from N=20")
    assert scaled["note"] == "extrapolated: per item from N=20"
    assert scaled["runs"] == []
    assert scaled["source_runs"] == source["runs"]
    assert scaled["median"]["wall_s"] == 5000.0
    assert scaled["median"]["emulator_cpu_s"] == 25.0  # the server's CPU scales too
    with pytest.raises(ValueError, match="measured"):
        extrapolated(scaled, 2000, wall_scale=2.0, note="twice removed")


def test_a_figure_compared_with_an_extrapolated_one_names_it_in_the_summary() -> None:
    ours, source = _row(1000, 2.0), _row()
    ours["contender"] = "aiodeploy"
    scaled = extrapolated(source, 1000, wall_scale=50.0, note="per item from N=20")
    verdict = judge(ours, "≥ 50x faster", "2500x", True, reference=scaled)
    measured = judge(ours, "≥ 1x faster", "1x", True, reference=ours)
    reported = judge(ours, "journal cost (no target)", "+0.1 s", None)
    assert verdict["extrapolated"]
    assert not measured["extrapolated"]
    report = markdown(_results([ours, source, scaled], [verdict, measured, reported]))
    summary = report.split("## Summary")[1].split("\n## ")[0]
    assert "2500x; official, sequential (extrapolated from N=20) | met |" in summary
    assert "| 1x | met |" in summary
    assert "| +0.1 s | reported |" in summary
    assert "| extrapolated: per item from N=20 |" in report


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda row: row.update(runs=[]), "no raw runs"),
        (lambda row: row.update(extrapolated_from=20, runs=[]), "without its source"),
        (
            lambda row: row.update(extrapolated_from=20, runs=[], source_runs=[{}], note="x"),
            "does not say so",
        ),
    ],
)
def test_nothing_is_written_without_its_raw_runs(tmp_path: Path, change: Any, problem: str) -> None:
    row = _row()
    change(row)
    with pytest.raises(ValueError, match=problem):
        write_json(_results([row], []), tmp_path)
    assert not list(tmp_path.iterdir())
    check_raw_data(_results([_row()], []))  # a measured row passes


def test_drawn_durations_are_the_ones_the_emulator_gives_its_jobs() -> None:
    state = EmulatorState(deployments=6, replacement_seconds=(0.5, 10.0))
    for _ in range(2):  # a reset draws the same durations again
        jobs = []
        for record in state.live_deployments():
            model = state.replacement_candidates(record.id).passing[0]
            jobs.append(state.start_replacement(record, model, "SCHEDULED_REFRESH"))
        durations = [job.due - job.started for job in jobs]  # clock readings: rounded
        assert durations == pytest.approx(drawn_durations(6, 0.5, 10.0), abs=1e-6)
        assert len(set(durations)) == 6
        state.reset()
