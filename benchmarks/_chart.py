"""``chart.png``: the headline figures side by side, on log scales (they span 100x+).

Panels: P1 rollout wall time per N (dashed: the one-job limit), P2 client CPU per call,
P3 listing wall time, P5 p95 completion lag per job time. Hatched bars are extrapolated.
A scenario left out with ``--only`` (or one that failed) leaves its panel with a note.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only: no display, no GUI toolkit

import matplotlib.pyplot as plt  # after use(): pyplot picks the backend on import
from matplotlib.axes import Axes

PANELS = [
    ("P1", "wall_s", "P1 rollout: wall time", "seconds (log)"),
    ("P2", "cpu_us_per_call", "P2 client CPU per get_deployment", "µs per call (log)"),
    ("P3", "wall_s", "P3 listing every deployment: wall time", "seconds (log)"),
    ("P5", "lag_p95_s", "P5 completion lag, p95", "seconds after the job ended (log)"),
]


def _short(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def _grouped(ax: Axes, scenario: dict[str, Any], key: str) -> None:
    """One group of bars per case aiodeploy ran, one bar per contender."""
    cases = list(
        dict.fromkeys(r["case"] for r in scenario["rows"] if r["contender"] == "aiodeploy")
    )
    rows = [row for row in scenario["rows"] if row["case"] in cases and row["median"].get(key)]
    contenders = list(dict.fromkeys(row["contender"] for row in rows))
    width = 0.8 / max(1, len(contenders))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    labelled: set[str] = set()
    for row in rows:
        index = contenders.index(row["contender"])
        bars = ax.bar(
            cases.index(row["case"]) + index * width,
            row["median"][key],
            width,
            color=colors[index % len(colors)],
            hatch="//" if row.get("extrapolated_from") else None,
            label=None if row["contender"] in labelled else row["contender"],
        )
        labelled.add(row["contender"])
        ax.bar_label(bars, labels=[_short(row["median"][key])], fontsize=6)
    ax.set_xticks([c + 0.4 - width / 2 for c in range(len(cases))], cases)
    ax.set_yscale("log")
    limit = scenario.get("limit", {}).get("wall_s")
    if key == "wall_s" and limit:
        ax.axhline(limit, color="black", linestyle="--", linewidth=1, label="limit: one job")
    lowest = min([row["median"][key] for row in rows] + ([limit] if limit else []), default=1)
    ax.set_ylim(bottom=lowest / 3)  # on a log scale the smallest bar would be a sliver
    ax.legend(fontsize=6)


def write_chart(results: dict[str, Any], out: Path) -> Path:
    figure, axes = plt.subplots(2, 2, figsize=(12, 8))
    for ax, (key, figure_key, title, ylabel) in zip(axes.flat, PANELS, strict=True):
        ax.set_title(title, fontsize=9)
        scenario = results["scenarios"].get(key)
        if not scenario or "rows" not in scenario:
            ax.text(0.5, 0.5, "not run", ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
            continue
        _grouped(ax, scenario, figure_key)
        ax.set_ylabel(ylabel)
    machine = results["machine"]
    figure.suptitle(
        f"aiodeploy vs the official datarobot client ({results['mode']}; {machine['cpu']}, "
        f"{machine['cores']} cores)",
        fontsize=10,
    )
    figure.tight_layout()
    path = out / "chart.png"
    temporary = out / "chart.png.tmp"
    figure.savefig(temporary, format="png", dpi=110)
    plt.close(figure)
    os.replace(temporary, path)
    return path
