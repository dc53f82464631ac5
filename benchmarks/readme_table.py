"""The results table of README.md and docs/results.md, written from the committed grid records.

    python benchmarks/readme_table.py           # rewrite the tables
    python benchmarks/readme_table.py --check   # exit 1 if a file's table differs from the records

The table is the main comparison of ``benchmarks/results/nb201_search.md`` cut down to one
screen: for the searchers in :data:`SHOWN`, per dataset and mode, the median queries to the
optimum cell, the runs that found it within 100 queries, and the mean incumbent at 100 queries.
Its numbers are computed by ``nb201_search.py``'s own loader and summary from the records under
``benchmarks/results/raw/``, so the front page cannot drift from the full report. Each file
holds the table between the lines ``<!-- results:start -->`` and ``<!-- results:end -->``,
and the same figures on the fresh seeds (records under ``benchmarks/results/raw/fresh/``, the
check on seeds that chose nothing), with where they are worse, between
``<!-- fresh:start -->`` and ``<!-- fresh:end -->``; everything outside them is left as it is.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # run as a script or loaded by the tests: find nb201_search
    sys.path.insert(0, str(HERE))
import _records  # noqa: E402
import nb201_search  # noqa: E402

ROOT = HERE.parent
FILES = (ROOT / "README.md", ROOT / "docs" / "results.md")
START = "<!-- results:start -->"
END = "<!-- results:end -->"
FRESH_START = "<!-- fresh:start -->"
FRESH_END = "<!-- fresh:end -->"
#: The strategies of the check on fresh seeds (a grid of its own, under raw/fresh/).
FRESH_SHOWN = ("bonas", "bonas-cold", "gp", "tpe")
QUERIES = 200
AT = 100
#: The grid's strategies in the table, and how the table names them.
SHOWN: dict[str, str] = {
    "bonas": "BONASSampler (`bonas`)",
    "bonas-cold": "BONASSampler, no warm start (`bonas-cold`)",
    "gp": "Optuna GPSampler",
    "tpe": "Optuna TPESampler (multivariate)",
    "random": "Optuna RandomSampler",
}
DATASETS = ("cifar10", "cifar100", "imagenet16-120")
MODES = ("mean", "noisy")


def load_groups(
    raw: Path = nb201_search.RAW, shown: Sequence[str] = tuple(SHOWN)
) -> dict[tuple[str, str, str], list[dict[str, Any]]]:
    """The records of the ``shown`` strategies at :data:`QUERIES` queries directly under
    ``raw``, by (dataset, mode, strategy)."""
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for strategy in shown:
        paths = sorted(raw.glob(f"{strategy}__*__q{QUERIES}__s*{_records.SUFFIX}"))
        for r in _records.load(paths):
            if r["strategy"] == strategy and r["queries"] == QUERIES:
                groups.setdefault((r["dataset"], r["mode"], strategy), []).append(r)
    return groups


def _columns_of(
    groups: dict[tuple[str, str, str], list[dict[str, Any]]],
    shown: Sequence[str],
    raw: Path,
) -> list[tuple[str, str]]:
    """The table's (dataset, mode) columns; exit naming what ``groups`` lacks of ``shown``."""
    columns = [(ds, mode) for ds in DATASETS for mode in MODES]
    missing = [
        f"{st} on {ds} {mode}"
        for st in shown
        for ds, mode in columns
        if (ds, mode, st) not in groups
    ]
    if missing:
        raise SystemExit(f"no records under {raw} for: {', '.join(missing)}")
    return columns


def fresh_table(
    groups: dict[tuple[str, str, str], list[dict[str, Any]]],
    fresh: dict[tuple[str, str, str], list[dict[str, Any]]],
) -> list[str]:
    """The Markdown lines between the fresh-seed markers: the check on seeds that chose nothing
    beside the seeds of :func:`table`, and where the fresh seeds are worse."""
    columns = _columns_of(fresh, FRESH_SHOWN, nb201_search.FRESH)
    seeds = sorted({r["seed"] for group in fresh.values() for r in group})
    old_seeds = sorted({r["seed"] for group in groups.values() for r in group})
    head = "| searcher | " + " | ".join(f"{ds} {mode}" for ds, mode in columns) + " |"
    rows = [head, "|---|" + "---:|" * len(columns)]
    for st in FRESH_SHOWN:
        cells = [
            nb201_search.found_cell(nb201_search.summarize(fresh[(ds, mode, st)]), QUERIES)
            for ds, mode in columns
        ]
        rows.append(f"| {SHOWN[st]} | " + " | ".join(cells) + " |")
    worse, beaten = nb201_search.fresh_comparison(groups, fresh)
    verdict = []
    if worse:
        verdict.append(
            "On these seeds bonas found the optimum within 100 queries in fewer runs than "
            "above on " + "; ".join(worse) + "."
        )
    if beaten:
        verdict.append(
            "Found the optimum within 100 queries in more of these runs than bonas: "
            + "; ".join(beaten)
            + "."
        )
    if not verdict:
        verdict.append("On these seeds bonas is nowhere worse than above, nor beaten.")
    return [
        FRESH_START,
        "<!-- Written by `python benchmarks/readme_table.py` from benchmarks/results/raw/fresh/; "
        "edit the script, not the table. -->",
        "",
        f"The table above uses seeds {old_seeds[0]}–{old_seeds[-1]}, and the warm start's "
        "options were chosen on seeds 0–29 of the same tables. The check on seeds that chose "
        f"nothing ({seeds[0]}–{seeds[-1]}), same format:",
        "",
        *rows,
        "",
        " ".join(verdict),
        FRESH_END,
    ]


def table(groups: dict[tuple[str, str, str], list[dict[str, Any]]]) -> list[str]:
    """The Markdown lines between the markers."""
    columns = _columns_of(groups, SHOWN, nb201_search.RAW)
    summaries = {key: nb201_search.summarize(group) for key, group in groups.items()}
    optimum = {ds: summaries[(ds, "mean", "bonas")]["optimum"] for ds in DATASETS}
    head = "| searcher | " + " | ".join(f"{ds} {mode}" for ds, mode in columns) + " |"
    rule = "|---|" + "---:|" * len(columns)
    found = [head, rule]
    incumbent = [head, rule]
    for st, label in SHOWN.items():
        cells, accs = [], []
        for ds, mode in columns:
            s = summaries[(ds, mode, st)]
            med = f"{s['median']:g}" if s["median"] is not None else f">{QUERIES}"
            cells.append(f"{med} ({s['found100']}/{s['n']})")
            accs.append(f"{s['inc'][AT]:.2f}")
        found.append(f"| {label} | " + " | ".join(cells) + " |")
        incumbent.append(f"| {label} | " + " | ".join(accs) + " |")
    incumbent.append(
        "| *the optimum* | " + " | ".join(f"*{optimum[ds]:.2f}*" for ds, _ in columns) + " |"
    )
    runs = sorted({s["n"] for s in summaries.values()})
    return [
        START,
        "<!-- Written by `python benchmarks/readme_table.py` from benchmarks/results/raw/; "
        "edit the script, not the table. -->",
        "",
        f"NB201 table, {'/'.join(map(str, runs))} seeds per searcher, {QUERIES} queries each. "
        f"Median queries until the optimum cell was evaluated (>{QUERIES}: half the runs or "
        f"more never found it), and in brackets the runs that found it within {AT} queries:",
        "",
        *found,
        "",
        f"Mean validation accuracy (%) of the best cell found in {AT} queries "
        "(in noisy mode the searcher sees one training seed's accuracy per query and is "
        "scored on the mean):",
        "",
        *incumbent,
        END,
    ]


def rewrite(
    text: str, block: Sequence[str], path: Path, start: str = START, end: str = END
) -> str:
    """``text`` with the lines from ``start`` to ``end`` replaced by ``block``."""
    lines = text.split("\n")
    if lines.count(start) != 1 or lines.count(end) != 1:
        raise SystemExit(f"{path} must hold one line {start!r} and one line {end!r}")
    i, j = lines.index(start), lines.index(end)
    if j < i:
        raise SystemExit(f"{path}: {end!r} comes before {start!r}")
    return "\n".join(lines[:i] + list(block) + lines[j + 1 :])


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--check", action="store_true", help="exit 1 if a file differs; write nothing")
    p.add_argument("files", nargs="*", type=Path, default=list(FILES), help="default: %(default)s")
    ns = p.parse_args(argv)
    groups = load_groups()
    block = table(groups)
    fresh = fresh_table(groups, load_groups(nb201_search.FRESH, FRESH_SHOWN))
    stale = []
    for path in ns.files:
        old = path.read_text()
        new = rewrite(rewrite(old, block, path), fresh, path, FRESH_START, FRESH_END)
        if new == old:
            continue
        if ns.check:
            stale.append(path)
        else:
            path.write_text(new)
            print(f"rewrote the results table of {path}")
    for path in stale:
        print(
            f"{path}: the results table differs from the records; "
            "run python benchmarks/readme_table.py",
            file=sys.stderr,
        )
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
