"""P8 rollout at scale: 1000 and 10 000 deployments, jobs of exactly 2 s, without a journal
and with one.

aiodeploy's ``replace_models`` (P1's run, ``python -m benchmarks.rollout_scale``), 32 items
at a time, against an emulator serving 10 000 deployments; with a journal, the file is in
a temporary folder and fsynced before each step. The limit is one job (2 s): every job can
run at once. The official client is not run here (10 000 replacements at 5 s a poll take
hours): its rows are P1's measurements of the same run scaled to N (one by one per item,
its thread pool by waves of 32), labelled extrapolated, when P1 ran in the same invocation.
"""

from __future__ import annotations

import math
from typing import Any

from ._emulator import emulator_process
from ._runner import Row, Suite, extrapolated, judge, per_item, wall_text

TITLE = "P8 rollout at scale"


def figures(run: dict[str, Any], n: int) -> dict[str, Any]:
    """The figures ``rollout_scale`` prints for one run of ``n`` replacements."""
    server = run.get("emulator_cpu_s")
    return {
        "deployments": n,
        "replaced": run["ok"],
        "wall_s": round(run["wall_s"], 3),
        "client_cpu_s": round(run["cpu_s"], 3),
        "cpu_ms_per_replacement": round(run["cpu_s"] / n * 1e3, 3),
        "requests_per_replacement": round(run["requests"] / n, 2),
        "client_peak_rss_mib": round(run["peak_rss_mib"], 1),
        "emulator_cpu_s": None if server is None else round(server, 3),
        "journal_kib": round(run["journal_kib"], 1) if "journal_kib" in run else None,
    }


def _official(p1: dict[str, Any] | None, counts: tuple[int, ...]) -> list[Row]:
    """P1's measured official rows, scaled to each N (empty when P1 did not run)."""
    if not p1 or "rows" not in p1:
        return []
    measured = [row for row in p1["rows"] if row["runs"] and row["contender"].startswith("off")]
    rows = []
    for contender in dict.fromkeys(row["contender"] for row in measured):
        source = max((r for r in measured if r["contender"] == contender), key=lambda r: r["n"])
        threads = _threads(contender)
        for n in counts:
            if threads > 1:
                scale = math.ceil(n / threads) / math.ceil(source["n"] / threads)
                how = f"by waves of {threads}"
            else:
                scale, how = n / source["n"], "per item"
            jobs = p1.get("job_range", "of P1")
            note = f"extrapolated {how} from P1's N={source['n']} (jobs {jobs})"
            rows.append(per_item(extrapolated(source, n, wall_scale=scale, note=note)))
    return rows


def _threads(contender: str) -> int:
    """The pool size in a contender's name (``official, 32 threads``), 1 if sequential."""
    words = contender.replace(",", "").split()
    return int(words[words.index("threads") - 1]) if "threads" in words else 1


def run(suite: Suite) -> dict[str, Any]:
    sizes = suite.sizes
    counts, job_s = sizes.p8_counts, sizes.p8_job_s
    rows: list[Row] = []
    with emulator_process(
        "--deployments", str(max(counts)), "--replacement-seconds", f"{job_s:g}"
    ) as emu:
        plan = emu.replacement_plan(max(counts))
        base = {"concurrency": sizes.p8_concurrency}
        suite.warm_up(emu, "P8", {**base, "plan": plan[:5]})
        for n in counts:
            for journal in (False, True):
                contender = "aiodeploy, journal" if journal else "aiodeploy"
                args = {**base, "plan": plan[:n], "journal": journal}
                row = suite.row(
                    emu, "P8", case=f"N={n}", contender=contender, client="aiodeploy", n=n,
                    args=args,
                )  # fmt: skip
                rows.append(per_item(row))
    rows += _official(suite.done.get("P1"), counts)
    rows.sort(key=lambda row: row["n"])  # stable: contenders keep their order within an N
    notes = [
        "CPU ms/replacement and requests/replacement: the client's CPU time and the "
        "emulator's request count divided by N.",
    ]
    if not any(row["contender"].startswith("official") for row in rows):
        notes.append("official client: not shown (P1 did not run in this invocation).")
    return {
        "title": f"{TITLE} (jobs {job_s:g} s; N={', '.join(str(n) for n in counts)})",
        "setup": (
            f"replace_models over N deployments ({sizes.p8_concurrency} at a time; read, "
            f"validate, PATCH, wait, read), jobs of exactly {job_s:g} s, the emulator serving "
            f"{max(counts)} deployments; without a journal, then with one (a file in a "
            f"temporary folder). Official rows: P1's measurements scaled to N (extrapolated)."
        ),
        "emulator": list(emu.args),
        "limit": {"wall_s": job_s, "what": f"one job ({job_s:g} s)"},
        "rows": rows,
        "targets": _targets(rows, counts, job_s),
        "columns": [
            ["cpu_ms_per_item", "CPU ms/replacement", "{:.3f}"],
            ["requests_per_item", "requests/replacement", "{:.2f}"],
            ["journal_kib", "journal KiB", "{:,.0f}"],
        ],
        "notes": notes,
    }


def _targets(rows: list[Row], counts: tuple[int, ...], job_s: float) -> list[dict[str, Any]]:
    def ours(n: int, contender: str = "aiodeploy") -> Row:
        return next(r for r in rows if r["n"] == n and r["contender"] == contender)

    big = ours(max(counts))
    median = big["median"]
    wall, cpu_ms = median["wall_s"], median["cpu_ms_per_item"]
    per, rss = median["requests_per_item"], median["peak_rss_mib"]
    verdicts = [
        judge(big, f"≤ 2.5 x one job ({2.5 * job_s:.2f} s)", wall_text(big), wall <= 2.5 * job_s),
        judge(big, "client CPU ≤ 0.35 ms/replacement", f"{cpu_ms:.3f} ms", cpu_ms <= 0.35),
        judge(big, "≤ 4 requests/replacement", f"{per:.2f}", per <= 4),
        judge(big, "client peak RSS ≤ 120 MiB", f"{rss:.1f} MiB", rss <= 120),
    ]
    if len(counts) > 1:
        small = ours(min(counts))
        wall = small["median"]["wall_s"]
        text = f"≤ 1.2 x one job ({1.2 * job_s:.2f} s)"
        verdicts.append(judge(small, text, wall_text(small), wall <= 1.2 * job_s))
    for n in counts:
        plain, kept = ours(n)["median"], ours(n, "aiodeploy, journal")
        extra_wall = kept["median"]["wall_s"] - plain["wall_s"]
        extra_cpu = kept["median"]["cpu_ms_per_item"] - plain["cpu_ms_per_item"]
        measured = (
            f"{extra_wall:+.2f} s wall, {extra_cpu:+.3f} ms CPU/replacement, "
            f"{kept['median']['journal_kib']:,.0f} KiB written; with it {wall_text(kept)}"
        )
        verdicts.append(judge(kept, "the journal's cost (no target)", measured, None))
    return verdicts
