"""``python -m benchmarks --smoke``: every scenario, contender and output writer still runs.

Tiny sizes, one repeat; figures are checked for presence and sanity, never for speed.
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
SCENARIOS = ("P1", "P2", "P3", "P4", "P5", "ZI")
FIGURES = ("wall_s", "cpu_s", "requests", "peak_rss_mib")
DEADLINE_S = 55  # smoke mode takes ~15 s; inside the per-test timeout below

pytestmark = [pytest.mark.slow, pytest.mark.timeout(60)]


def _run_smoke(out: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "benchmarks", "--smoke", "--out", str(out)]
    # A session of its own, so a hung run is killed with its emulator and client processes.
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        stdout, stderr = process.communicate(timeout=DEADLINE_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        pytest.fail(f"the smoke run did not finish in {DEADLINE_S} s:\n{stderr[-3000:]}")
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("bench")
    done = _run_smoke(out)
    assert done.returncode == 0, done.stderr[-3000:]
    return out, json.loads((out / "results.json").read_text())


def test_every_writer_wrote(smoke: tuple[Path, dict[str, Any]]) -> None:
    out, results = smoke
    assert (out / "chart.png").read_bytes().startswith(b"\x89PNG")
    report = (out / "results.md").read_text()
    for key in SCENARIOS:
        assert f"## {key} " in report
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
        if key not in ("P4", "ZI"):
            official = [c for c in contenders if c.startswith("official")]
            assert any("no tracking" in c for c in official), key
            assert any("no tracking" not in c for c in official), key
        assert scenario["targets"], key
    assert "raw aiohttp + msgspec" in {row["contender"] for row in scenarios["P2"]["rows"]}
    p1_notes = [row.get("note", "") for row in scenarios["P1"]["rows"]]
    assert any("extrapolated per item" in note for note in p1_notes)
    assert any("by waves" in note for note in p1_notes)


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
            if row["contender"].startswith("official"):
                # the default really is on, and the opt-out really is off
                assert median["tracking"] == ("no tracking" not in row["contender"]), where
    p4 = smoke[1]["scenarios"]["P4"]["rows"][0]["median"]
    assert p4["rss_in_flight_mib"] >= p4["rss_baseline_mib"] > 0
    for row in smoke[1]["scenarios"]["P5"]["rows"]:
        assert row["median"]["polls_per_op"] >= 1
        assert row["median"]["lag_max_s"] >= row["median"]["lag_p50_s"]
