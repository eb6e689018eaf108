"""Write docs/mutation-report.md from the results of a ``mutmut run`` (``nox -s mutants``).

The figures come from mutmut's own records in ``mutants/``; the only hand-kept part is
docs/mutation-survivors.toml, the reason each surviving mutant is left alive. A survivor
is matched to its reason by function and by the changed lines (not by mutmut's number,
which shifts when a function changes). Exit status 1 when a survivor has no reason, or a
reason matches no survivor any more (its mutant is now killed, or the code changed): the
list is kept exact, so that a new survivor is looked at rather than drowned.

Run from the repository root, after ``mutmut run``::

    python tools/mutation_report.py --wall SECONDS --load START END -- SCOPE...
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import platform
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

from mutmut.mutation.data import SourceFileMutationData
from mutmut.mutation.diff_apply import get_diff_for_mutant
from mutmut.stats import status_by_exit_code
from mutmut.utils.file_utils import walk_mutatable_files

if sys.version_info >= (3, 11):
    import tomllib
else:  # the `mutants` extra brings tomli there
    import tomli as tomllib  # type: ignore[import-not-found, no-redef, unused-ignore]

REPORT = Path("docs/mutation-report.md")
REASONS = Path("docs/mutation-survivors.toml")
KILLED = {"killed", "timeout", "segfault"}  # a test failed, hung or crashed: detected
KINDS = ("equivalent", "not worth a test")


@dataclasses.dataclass
class Mutant:
    name: str
    module: str  # the file, e.g. aiodeploy/_retry.py
    function: str  # e.g. Transport.url_for
    status: str
    change: tuple[str, ...] = ()  # the changed lines, "-..." then "+...", stripped


@dataclasses.dataclass
class Reason:
    function: str
    change: tuple[str, ...]
    kind: str
    why: str
    used: int = 0


def function_of(name: str) -> str:
    """``aiodeploy._transport.xǁTransportǁurl_for__mutmut_3`` -> ``Transport.url_for``."""
    mangled = name.partition("__mutmut_")[0].rpartition(".")[2]
    if mangled.startswith("xǁ"):
        return ".".join(mangled[2:].split("ǁ"))
    return mangled.removeprefix("x_")


def normalized(lines: list[str]) -> tuple[str, ...]:
    return tuple(
        f"{line[0]} {line[1:].strip()}".rstrip()
        for line in lines
        if line.startswith(("-", "+")) and not line.startswith(("---", "+++"))
    )


def load_mutants() -> list[Mutant]:
    mutants: list[Mutant] = []
    for path in walk_mutatable_files():
        data = SourceFileMutationData(path=path)
        data.load()
        for name, code in data.exit_code_by_key.items():
            status = status_by_exit_code[code]
            if status == "not checked":  # outside the scope given to mutmut run
                continue
            mutant = Mutant(name, str(path), function_of(name), status)
            if status not in KILLED:
                diff = get_diff_for_mutant(name, path=path)
                mutant.change = normalized(diff.splitlines())
            mutants.append(mutant)
    return mutants


def load_reasons() -> list[Reason]:
    entries = tomllib.loads(REASONS.read_text(encoding="utf-8")).get("survivor", [])
    reasons = []
    for entry in entries:
        if entry["kind"] not in KINDS:
            raise SystemExit(f"{REASONS}: kind must be one of {KINDS}, got {entry['kind']!r}")
        change = normalized([line.strip() for line in entry["change"].strip().splitlines()])
        why = " ".join(entry["why"].split())
        reasons.append(Reason(entry["function"], change, entry["kind"], why))
    return reasons


def explain(mutants: list[Mutant], reasons: list[Reason]) -> dict[str, Reason]:
    by_key = {(reason.function, reason.change): reason for reason in reasons}
    found: dict[str, Reason] = {}
    for mutant in mutants:
        if mutant.status in KILLED:
            continue
        module = mutant.module.removesuffix(".py").replace("/", ".")
        reason = by_key.get((f"{module}.{mutant.function}", mutant.change))
        if reason is not None:
            reason.used += 1
            found[mutant.name] = reason
    return found


def git_commit() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head} (with uncommitted changes)" if dirty else head


def minutes(seconds: float) -> str:
    return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"


def render(mutants: list[Mutant], found: dict[str, Reason], args: argparse.Namespace) -> list[str]:
    by_module: dict[str, list[Mutant]] = collections.defaultdict(list)
    for mutant in mutants:
        by_module[mutant.module].append(mutant)
    out = [
        "# Mutation testing report",
        "",
        "Generated by `nox -s mutants` (`tools/mutation_report.py`): do not edit by hand. The",
        "reason each survivor is left alive is kept in `docs/mutation-survivors.toml`.",
        "",
        f"- Tool: mutmut {version('mutmut')}, pytest {version('pytest')}, "
        f"Python {platform.python_version()}",
        "- Command: `nox -s mutants` (`mutmut run` over the scope below, each mutant against",
        "  the tests of `[tool.mutmut] pytest_add_cli_args_test_selection` in pyproject.toml",
        "  that reach its function; then this report)",
        "- Scope: " + ", ".join(f"`{glob}`" for glob in args.scope),
        f"- Commit: {git_commit()}",
    ]
    if args.wall is not None:
        load = "" if args.load is None else (
            f"; load average {args.load[0]:.1f} at the start and {args.load[1]:.1f} at the end"
        )  # fmt: skip
        out.append(f"- Wall time of `mutmut run`: {minutes(args.wall)} on {args.cores} cores{load}")
    out += [
        "",
        "Killed includes mutants whose tests hung (timeout). The kill rate is killed /",
        "(mutants - equivalent): a survivor judged not worth a test counts against it.",
        "",
        "| module | mutants | killed | of which timeout | survived | equivalent "
        "| not worth a test | unexplained | kill rate |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    totals = collections.Counter[str]()
    for module in sorted(by_module):
        row = collections.Counter[str]()
        for mutant in by_module[module]:
            row["mutants"] += 1
            if mutant.status in KILLED:
                row["killed"] += 1
                row["timeout"] += mutant.status == "timeout"
            else:
                row["survived"] += 1
                reason = found.get(mutant.name)
                row[reason.kind if reason else "unexplained"] += 1
        totals.update(row)
        out.append(table_row(f"`{module}`", row))
    out.append(table_row("**all**", totals))
    out += ["", "## Survivors", ""]
    for module in sorted(by_module):
        alive = [m for m in by_module[module] if m.status not in KILLED]
        if not alive:
            continue
        out += [f"### `{module}`", ""]
        for mutant in sorted(alive, key=lambda m: (m.function, m.name)):
            reason = found.get(mutant.name)
            verdict = f"**{reason.kind}**: {reason.why}" if reason else "**UNEXPLAINED**"
            number = mutant.name.rpartition("__mutmut_")[2]
            status = "" if mutant.status == "survived" else f" ({mutant.status})"
            out += [f"- `{mutant.function}` #{number}{status}: {verdict}", "", "  ```diff"]
            out += [f"  {line}" for line in mutant.change]
            out += ["  ```", ""]
    return out


def table_row(label: str, row: collections.Counter[str]) -> str:
    scored = row["mutants"] - row["equivalent"]
    rate = f"{100 * row['killed'] / scored:.1f} %" if scored else "-"
    cells = [row[key] for key in ("mutants", "killed", "timeout", "survived")]
    cells += [row[key] for key in ("equivalent", "not worth a test", "unexplained")]
    return f"| {label} | " + " | ".join(str(cell) for cell in cells) + f" | {rate} |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wall", type=float, help="seconds `mutmut run` took")
    parser.add_argument("--load", type=float, nargs=2, help="load average at start and end")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("scope", nargs="*", help="the mutant globs given to mutmut run")
    args = parser.parse_args(argv)
    mutants = load_mutants()
    if not mutants:
        print("no mutmut results in ./mutants: run `nox -s mutants`", file=sys.stderr)
        return 1
    reasons = load_reasons()
    found = explain(mutants, reasons)
    REPORT.write_text("\n".join(render(mutants, found, args)).rstrip() + "\n", encoding="utf-8")
    print(f"wrote {REPORT}")
    unexplained = [m for m in mutants if m.status not in KILLED and m.name not in found]
    stale = [r for r in reasons if not r.used]
    for mutant in unexplained:
        print(f"unexplained survivor: {mutant.name}", *mutant.change, sep="\n    ")
    for reason in stale:
        print(f"{REASONS}: no survivor matches {reason.function}", *reason.change, sep="\n    ")
    return 1 if unexplained or stale else 0


if __name__ == "__main__":
    sys.exit(main())
