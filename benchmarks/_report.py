"""Writing the results: ``results.json`` (everything) and ``results.md`` (the tables).

Files are written next to their final name and then renamed, so an interrupted run never
leaves half a file (``benchmarks/results/*.tmp`` is git-ignored). Nothing is written
without its raw data: every row has its runs, or (extrapolated) its source's runs.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

COMMON = [
    ["wall_s", "wall s", None],
    ["emulator_cpu_s", "emulator CPU s", None],
    ["cpu_s", "client CPU s", None],
    ["requests", "requests", "{:,.0f}"],
    ["peak_rss_mib", "peak RSS MiB", "{:.1f}"],
]


def write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def check_raw_data(results: dict[str, Any]) -> None:
    """Refuse results holding a figure without the measurements behind it.

    Raises:
        ValueError: a row with no runs that is not an extrapolation carrying its source's
            runs, or an extrapolated row whose note does not say so.
    """
    for key, scenario in results["scenarios"].items():
        for row in scenario.get("rows", []):
            where = f"{key} {row['case']} {row['contender']}"
            if row.get("extrapolated_from") is None:
                if not row.get("runs"):
                    raise ValueError(f"{where}: no raw runs")
            elif not row.get("source_runs"):
                raise ValueError(f"{where}: extrapolated without its source's raw runs")
            elif "extrapolated" not in row.get("note", ""):
                raise ValueError(f"{where}: extrapolated, and its note does not say so")


def write_json(results: dict[str, Any], out: Path) -> Path:
    check_raw_data(results)
    path = out / "results.json"
    write_atomically(path, (json.dumps(results, indent=1, allow_nan=False) + "\n").encode())
    return path


def _seconds(value: float) -> str:
    return f"{value:.3f}" if value < 10 else f"{value:,.1f}"


def _cell(value: Any, fmt: str | None) -> str:
    if value is None:
        return "—"
    if fmt is None:
        return _seconds(value)
    return fmt.format(value)


def _items(row: dict[str, Any]) -> str:
    median, n = row["median"], row["n"]
    text = f"{median['ok']:,.0f}/{n:,}"
    errors = median.get("unexpected_errors", 0)
    if median["failed"] or errors:
        text += f" ⚠ {median['failed']:,.0f} failed"
        text += f", {errors:.0f} server errors" if errors else ""
    return text


def _table(scenario: dict[str, Any]) -> list[str]:
    columns = COMMON + scenario.get("columns", [])
    head = ["case", "contender", *(title for _, title, _ in columns), "items ok", "note", "target"]
    lines = ["| " + " | ".join(head) + " |"]
    lines.append("|" + "---|" * 2 + "---:|" * (len(columns) + 1) + "---|---|")
    limit = scenario.get("limit")
    if limit:
        cells = ["", f"**limit**: {limit['what']}", _seconds(limit["wall_s"])]
        lines.append("| " + " | ".join(cells + [""] * (len(head) - len(cells))) + " |")
    for row in scenario["rows"]:
        median = row["median"]
        cells = [row["case"], row["contender"]]
        cells += [_cell(median.get(key), fmt) for key, _, fmt in columns]
        cells += [_items(row), row.get("note", ""), row.get("target", "")]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _summary(results: dict[str, Any]) -> list[str]:
    """One line per target (the table the README quotes)."""
    lines = ["| scenario | case | target | aiodeploy | verdict |", "|---|---|---|---|---|"]
    for key, scenario in results["scenarios"].items():
        if "error" in scenario:
            lines.append(f"| {key} | | | failed to run | |")
        for verdict in scenario.get("targets", []):
            met = verdict["met"]
            word = "reported" if met is None else "met" if met else "**missed**"
            cells = [key, verdict["case"], verdict["target"], verdict["measured"], word]
            lines.append("| " + " | ".join(cells) + " |")
    return lines


def _machine_line(results: dict[str, Any]) -> str:
    machine = results["machine"]
    versions = ", ".join(f"{name} {v}" for name, v in machine["versions"].items())
    load = machine.get("load_average")
    loaded = f"; load average at start {load[0]:.2f}" if load else ""
    speed = machine.get("python_speed_ms")
    if speed is not None:
        loaded += f"; `sum(range(10**6))` takes {speed} ms (machine speed, best of 5)"
    return (
        f"{machine['date']}: {machine['cpu']}, {machine['cores']} cores ({machine['pinning']})"
        f"{loaded}; Python {machine['python']}; {versions}."
    )


def markdown(results: dict[str, Any]) -> str:
    """The Markdown report: the machine, then one table and target list per scenario."""
    lines = [
        "# aiodeploy benchmarks",
        "",
        f"Mode `{results['mode']}`, medians of {results['repeats']} run(s) per row, each in a "
        "fresh client process against the emulator in its own process. " + _machine_line(results),
        "",
        "Requests are counted by the emulator; CPU time and peak RSS are the client process's "
        "own; emulator CPU is the server process's over the same window (a wall time close "
        "to it means the server, not the client, set the pace). Official client: `tracking` "
        "is its default API-consumer tracking header.",
        "",
        "Every figure is measured unless marked **extrapolated**: in the tables, such a row's "
        "note says from what it was scaled (and the row above it, `measured; scaled ...`, is "
        "the measurement); in the summary, a figure compared with an extrapolated one names "
        "it; in the chart, extrapolated bars are hatched and their labels start with ≈. "
        "`results.json` keeps every run's raw figures, and an extrapolated row its "
        "source's runs (`source_runs`).",
    ]
    lines += ["", "## Summary", "", *_summary(results)]
    for key, scenario in results["scenarios"].items():
        lines += ["", f"## {scenario.get('title', key)}", ""]
        if "error" in scenario:
            lines += [f"**The scenario failed to run**: `{scenario['error']}`"]
            continue
        if scenario.get("setup"):
            lines += [f"Setup: {scenario['setup']}", ""]
        lines += _table(scenario)
        emulator = scenario.get("emulator")
        lines += ["", f"Emulator: `{json.dumps(emulator)}`."]
        lines += [f"- {note}" for note in scenario.get("notes", [])]
    return "\n".join(lines) + "\n"


def write_markdown(results: dict[str, Any], out: Path) -> Path:
    path = out / "results.md"
    write_atomically(path, markdown(results).encode())
    return path
