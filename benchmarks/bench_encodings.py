"""Time every encoding over all 15,625 NB201 cells, and the space operations around them.

    PYTHONPATH=. python benchmarks/bench_encodings.py [--repeats 3] [--out PATH]

Each row is the wall time of one call over the whole space (``encode(graphs)`` with its input
validation, ``fit(graphs)``, or a list comprehension over the cells for the space methods),
run ``--repeats`` times in this process: "first" is the first run (fresh caches: networkx's
per-graph views, the spec and path caches, NB201's canonical-form cache), "best" the fastest.
NB201Space.canonical's memo is cleared before every run, so it is timed cold each time.
Graphs are built once, before the encoder rows; ``to_graph`` is timed on its own.
Writes a markdown table (default ``benchmarks/results/encodings.md``) and prints it.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from bonas import encodings
from bonas.encodings._cells import read_cells
from bonas.spaces import nb201 as nb201_module
from bonas.spaces.nb201 import NB201Space

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # run as a script or loaded by the tests: find _records
    sys.path.insert(0, str(HERE))
import _records  # noqa: E402


def timed(fn: Callable[[], Any], repeats: int, before: Callable[[], None] | None = None) -> tuple:
    """``(first, best, result of the last run)`` in seconds."""
    times = []
    result = None
    for _ in range(repeats):
        result = None  # free the previous run's output first
        if before is not None:
            before()
        gc.collect()
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return times[0], min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "encodings.md")
    args = parser.parse_args()

    space = NB201Space()
    spec = space.graph_spec
    archs = list(space.enumerate())
    n = len(archs)
    rows: list[tuple[str, str, float, float, str]] = []

    def add(group: str, what: str, first: float, best: float, width: str = "") -> None:
        rows.append((group, what, first, best, width))
        print(f"{what:<58} first {first:7.3f} s  best {best:7.3f} s  {width}", flush=True)

    # -- space operations ----------------------------------------------------------------
    first, best, graphs = timed(lambda: [space.to_graph(a) for a in archs], args.repeats)
    add("space", "NB201Space.to_graph", first, best)
    memo = getattr(nb201_module, "_unique_str", None)
    clear = getattr(memo, "cache_clear", None)
    for rule in ("nb201", "drop_zero"):
        first, best, keys = timed(
            lambda rule=rule: [space.canonical(a, rule=rule) for a in archs], args.repeats, clear
        )
        add(
            "space",
            f"NB201Space.canonical(rule={rule!r})",
            first,
            best,
            f"{len(set(keys))} classes",
        )

    # -- encoders: encode (validation included) --------------------------------------------
    fresh = [space.to_graph(a) for a in archs]  # graphs no encoder has read yet
    stateless = {
        "AdjacencyEncoder()": encodings.AdjacencyEncoder(spec),
        "PathEncoder()": encodings.PathEncoder(spec),
        "PathEncoder(drop_zero=True)": encodings.PathEncoder(spec, drop_zero=True),
    }
    for label, enc in stateless.items():
        add_encoder(add, label, enc, graphs, args.repeats)
    # Where an encode call spends its time: checking and reading the graphs, then the numpy part
    # (private helpers, used here only to split the time).
    info = stateless["PathEncoder()"]._info
    first, best, cells = timed(lambda: read_cells(graphs, info, "bench"), args.repeats)
    add("split", "validation + reading into arrays (shared by all)", first, best)
    for label, enc in stateless.items():
        first, best, _ = timed(lambda enc=enc: enc._encode(cells), args.repeats)
        add("split", f"{label}: encoding alone, on read cells", first, best)
    fitted: dict[str, encodings.Encoder] = {
        "TruncatedPathEncoder(n_paths=30)": encodings.TruncatedPathEncoder(spec, n_paths=30),
        "WLEncoder(h=1)": encodings.WLEncoder(spec, h=1),
        "WLEncoder(h=2)": encodings.WLEncoder(spec, h=2),
        "WLEncoder(h=2, min_count=5)": encodings.WLEncoder(spec, h=2, min_count=5),
    }
    for label, enc in fitted.items():
        first, best, _ = timed(lambda enc=enc: enc.fit(graphs), args.repeats)
        add("fit", f"{label}.fit", first, best)
        add_encoder(add, label, enc, graphs, args.repeats)

    # The cold case: an encoder's first look at freshly built graphs.
    start = time.perf_counter()
    encodings.PathEncoder(spec, drop_zero=True).encode(fresh)
    add(
        "cold",
        "PathEncoder(drop_zero=True), graphs never read before",
        time.perf_counter() - start,
        float("nan"),
    )

    write(args, rows, n)


def add_encoder(
    add: Callable[..., None], label: str, enc: Any, graphs: list[nx.DiGraph], repeats: int
) -> None:
    first, best, X = timed(lambda: enc.encode(graphs), repeats)
    add("encode", f"{label}.encode", first, best, f"{X.shape[1]} features")


def write(
    args: argparse.Namespace, rows: list[tuple[str, str, float, float, str]], n: int
) -> None:
    command = "PYTHONPATH=. python benchmarks/bench_encodings.py" + (
        f" --repeats {args.repeats}" if args.repeats != 3 else ""
    )
    cpu = _records.cpu_model() or "unknown"
    lines = [
        "# Encoding benchmark: all 15,625 NB201 cells",
        "",
        f"Command: `{command}` (from the repository root). Machine: {cpu}, "
        f"{os.cpu_count()} cores; Python {platform.python_version()}, numpy {np.__version__}, "
        f"networkx {nx.__version__}. Run on {time.strftime('%Y-%m-%d')}.",
        "",
        f"Wall time of one call over all {n:,} cells, {args.repeats} runs in one process: "
        "*first* is the first run, *best* the fastest. `encode` rows include input validation "
        "and are timed on graphs built beforehand (`to_graph` is its own row); the *split* rows "
        "divide an `encode` call into its validation/reading and its numpy part. "
        "`canonical`'s memo is cleared before every run. The last row is one `encode` on "
        "graphs that nothing has read yet (networkx builds its per-graph views then).",
        "",
        "| step | call | first (s) | best (s) | per cell (µs, best) | note |",
        "|---|---|---:|---:|---:|---|",
    ]
    for group, what, first, best, note in rows:
        per = "" if np.isnan(best) else f"{best / n * 1e6:.1f}"
        best_s = "" if np.isnan(best) else f"{best:.3f}"
        lines.append(f"| {group} | `{what}` | {first:.3f} | {best_s} | {per} | {note} |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    sys.exit(main())
