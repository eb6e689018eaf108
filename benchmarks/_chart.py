"""``chart.png``: the headline figures side by side, on log scales (they span 100x+).

Panels: P1 rollout wall time per N (dashed: the one-job limit), P2 client CPU per call,
P3 listing wall time, P5 p95 completion lag per setup, P6 fleet health and P7 policy wall
time (loopback and with the reply delay), P8 rollout wall time at scale, and a key.
Extrapolated bars are hatched, their labels start with ≈, and every panel holding one has
an "extrapolated" legend entry. A scenario left out with ``--only`` (or one that failed)
leaves its panel with a note.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only: no display, no GUI toolkit

import matplotlib.pyplot as plt  # after use(): pyplot picks the backend on import
from matplotlib.axes import Axes
from matplotlib.patches import Patch

PANELS = [
    ("P1", "wall_s", "P1 rollout: wall time", "seconds (log)"),
    ("P2", "cpu_us_per_call", "P2 client CPU per get_deployment", "µs per call (log)"),
    ("P3", "wall_s", "P3 listing every deployment: wall time", "seconds (log)"),
    ("P5", "lag_p95_s", "P5 completion lag, p95", "seconds after the job ended (log)"),
    ("P6", "wall_s", "P6 fleet health: wall time", "seconds (log)"),
    ("P7", "wall_s", "P7 settings policy: wall time", "seconds (log)"),
    ("P8", "wall_s", "P8 rollout at scale: wall time", "seconds (log)"),
]
KEY = (
    "Bars: medians of the runs.\n"
    "Hatched bars, values with ≈:\nextrapolated (see results.md,\nnote column).\n"
    "Dashed line: one job, the limit.\n"
    "P6/P7: loopback, and a fixed\ndelay on every reply."
)


def _extrapolated() -> Patch:
    """The legend entry of hatched bars (a new artist per legend)."""
    return Patch(facecolor="white", edgecolor="gray", hatch="//", label="extrapolated (≈)")


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
        guessed = row.get("extrapolated_from") is not None
        bars = ax.bar(
            cases.index(row["case"]) + index * width,
            row["median"][key],
            width,
            color=colors[index % len(colors)],
            hatch="//" if guessed else None,
            label=None if row["contender"] in labelled else row["contender"],
        )
        labelled.add(row["contender"])
        value = ("≈" if guessed else "") + _short(row["median"][key])
        ax.bar_label(bars, labels=[value], fontsize=6)
    ax.set_xticks([c + 0.4 - width / 2 for c in range(len(cases))], cases, fontsize=7)
    ax.set_yscale("log")
    limit = scenario.get("limit", {}).get("wall_s")
    if key == "wall_s" and limit:
        ax.axhline(limit, color="black", linestyle="--", linewidth=1, label="limit: one job")
    lowest = min([row["median"][key] for row in rows] + ([limit] if limit else []), default=1)
    ax.set_ylim(bottom=lowest / 3)  # on a log scale the smallest bar would be a sliver
    handles, _ = ax.get_legend_handles_labels()
    if any(row.get("extrapolated_from") is not None for row in rows):
        handles.append(_extrapolated())
    ax.legend(handles=handles, fontsize=6)


def write_chart(results: dict[str, Any], out: Path) -> Path:
    figure, axes = plt.subplots(2, 4, figsize=(22, 9))
    *panels, key_ax = axes.flat
    key_ax.set_axis_off()
    key_ax.text(0.05, 0.95, KEY, va="top", fontsize=9, transform=key_ax.transAxes)
    key_ax.legend(handles=[_extrapolated()], loc="lower left")
    for ax, (key, figure_key, title, ylabel) in zip(panels, PANELS, strict=True):
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
