"""``python -m benchmarks --smoke``: every scenario, contender and output writer still runs.

Tiny sizes, one repeat; figures are checked for presence and sanity, never for speed (a
hung run is killed by a generous timeout; no wall time is asserted).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("matplotlib", reason="the benchmarks draw their chart with matplotlib")

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ("P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8", "ZI")
FIGURES = ("wall_s", "cpu_s", "requests", "peak_rss_mib")
HANG_S = 600  # only a hang guard: a loaded machine may take minutes, and that is no failure
LINUX = Path("/proc/self/stat").exists()

pytestmark = [pytest.mark.slow, pytest.mark.timeout(HANG_S + 60)]


def _run_smoke(out: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "benchmarks", "--smoke", "--out", str(out)]
    # A session of its own, so a hung run is killed with its emulator and client processes.
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        stdout, stderr = process.communicate(timeout=HANG_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        pytest.fail(f"the smoke run hung (killed after {HANG_S} s):\n{stderr[-3000:]}")
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("bench")
    done = _run_smoke(out)
    assert done.returncode == 0, done.stderr[-3000:]
    return out, json.loads((out / "results.json").read_text())


def _rows(results: dict[str, Any], key: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = results["scenarios"][key]["rows"]
    return rows


def test_every_writer_wrote(smoke: tuple[Path, dict[str, Any]]) -> None:
    out, results = smoke
    assert (out / "chart.png").read_bytes().startswith(b"\x89PNG")
    report = (out / "results.md").read_text()
    for key in SCENARIOS:
        assert f"## {key} " in report
    for key in ("P5", "P6", "P7", "P8"):  # the setup is stated next to the figures
        assert results["scenarios"][key]["setup"] in report
    assert "emulator CPU s" in report
    assert not list(out.glob("*.tmp"))
    assert results["mode"] == "smoke"
    assert {"cpu", "cores", "python", "versions"} <= results["machine"].keys()


def test_every_scenario_has_its_contenders(smoke: tuple[Path, dict[str, Any]]) -> None:
    scenarios = smoke[1]["scenarios"]
    assert set(scenarios) == set(SCENARIOS)
    for key, scenario in scenarios.items():
        assert "error" not in scenario, scenario.get("error")
        contenders = {row["contender"] for row in scenario["rows"]}
        assert "aiodeploy" in contenders, key
        # the official client has no in-flight handle to hold 10 000 of (P4), nor a
        # concurrent prediction load to keep up during a rollout (ZI)
        if key in ("P4", "ZI"):
            continue
        official = [c for c in contenders if c.startswith("official")]
        assert any("no tracking" in c for c in official), key
        if key not in ("P6", "P7"):  # smoke runs their no-tracking variant only
            assert any("no tracking" not in c for c in official), key
        assert scenario["targets"], key
    for key in ("P2", "P6", "P7"):
        assert "raw aiohttp + msgspec" in {row["contender"] for row in _rows(smoke[1], key)}
    p1_notes = [row.get("note", "") for row in _rows(smoke[1], "P1")]
    assert any("extrapolated per item" in note for note in p1_notes)
    assert any("by waves" in note for note in p1_notes)


def test_p6_and_p7_run_on_loopback_and_with_the_reply_delay(
    smoke: tuple[Path, dict[str, Any]],
) -> None:
    for key in ("P6", "P7"):
        scenario = smoke[1]["scenarios"][key]
        loopback, delayed = scenario["emulator"]
        assert "--reply-delay" not in loopback
        assert delayed[-2:] == ["--reply-delay", "0.01"]
        ours = [row["case"] for row in scenario["rows"] if row["contender"] == "aiodeploy"]
        assert [case.split(",")[0] for case in ours] == ["loopback", "10 ms delay"]
    notes = [row.get("note", "") for row in _rows(smoke[1], "P7")]
    assert any("by waves" in note for note in notes)  # P7's pool is measured on fewer
    p6 = smoke[1]["scenarios"]["P6"]["targets"]
    assert [verdict["extrapolated"] for verdict in p6] == [False, True, False]


def test_p8_reports_with_and_without_a_journal(smoke: tuple[Path, dict[str, Any]]) -> None:
    rows = _rows(smoke[1], "P8")
    for n in (5, 20):
        at_n = {row["contender"]: row for row in rows if row["n"] == n}
        assert at_n["aiodeploy, journal"]["median"]["journal_kib"] > 0
        assert "journal_kib" not in at_n["aiodeploy"]["median"]
        official = [row for c, row in at_n.items() if c.startswith("official")]
        assert official  # P1's figures scaled to N: never measured here
        assert all("from P1's N=" in row["note"] for row in official)
    reported = [v for v in smoke[1]["scenarios"]["P8"]["targets"] if v["met"] is None]
    assert [v["target"] for v in reported] == ["the journal's cost (no target)"] * 2


def test_extrapolated_figures_say_so_and_keep_their_raw_data(
    smoke: tuple[Path, dict[str, Any]],
) -> None:
    out, results = smoke
    guessed = 0
    for key, scenario in results["scenarios"].items():
        for row in scenario["rows"]:
            if row.get("extrapolated_from") is None:
                assert row["runs"], (key, row["case"], row["contender"])
                continue
            guessed += 1
            assert row["runs"] == [], (key, row["contender"])
            assert row["source_runs"], (key, row["contender"])
            assert row["note"].startswith("extrapolated"), (key, row["note"])
    assert guessed
    summary = (out / "results.md").read_text().split("## Summary")[1].split("\n## ")[0]
    lines = [line for line in summary.splitlines() if "faster than" in line]
    compared_with_guesses = [line for line in lines if "sequential" in line]
    assert compared_with_guesses
    assert all("extrapolated from N=" in line for line in compared_with_guesses)


def test_figures_are_positive_and_runs_complete(smoke: tuple[Path, dict[str, Any]]) -> None:
    for key, scenario in smoke[1]["scenarios"].items():
        for row in scenario["rows"]:
            where = f"{key} {row['case']} {row['contender']}"
            median = row["median"]
            for figure in FIGURES:
                assert median[figure] > 0, (where, figure)
            assert (median["ok"], median["failed"]) == (row["n"], 0), where
            for run in row["runs"]:
                assert run["unexpected_errors"] == 0, where
                if LINUX:  # the emulator's CPU over the same window, next to the wall time
                    assert run["emulator_cpu_s"] >= 0, where
            if row["contender"].startswith("official"):
                # the default really is on, and the opt-out really is off
                assert median["tracking"] == ("no tracking" not in row["contender"]), where
    p4 = _rows(smoke[1], "P4")[0]["median"]
    assert p4["rss_in_flight_mib"] >= p4["rss_baseline_mib"] > 0
    p5 = _rows(smoke[1], "P5")
    for row in p5:
        assert row["median"]["polls_per_op"] >= 1
        assert row["median"]["lag_max_s"] >= row["median"]["lag_p50_s"]
        assert 0 <= row["median"]["within_bound"] <= 1
    assert any(row["case"].endswith("staggered") for row in p5)
