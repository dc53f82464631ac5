"""The raw records of the benchmark grids: one gzipped JSON file per run, committed.

A full grid takes many CPU-hours, more than one sitting; the records are committed under
``benchmarks/results/raw/`` so that a grid resumes on any clone and its report can be
re-made without re-running it. Floats are rounded to 6 decimals (accuracies are means of at
most three seeds given to 2–4 decimals; times to the microsecond), which keeps a 200-query run
near 3 kB.
"""

from __future__ import annotations

import functools
import gzip
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

SUFFIX = ".json.gz"


def _rounded(x: Any) -> Any:
    if isinstance(x, float):
        return round(x, 6)
    if isinstance(x, list):
        return [_rounded(v) for v in x]
    if isinstance(x, dict):
        return {k: _rounded(v) for k, v in x.items()}
    return x


def save(path: Path, record: dict[str, Any]) -> None:
    """Write ``record`` to ``path`` (ending in ``.json.gz``) atomically, floats rounded."""
    if not path.name.endswith(SUFFIX):
        raise ValueError(f"The 'path' parameter must end in {SUFFIX!r}. Got {path.name!r}.")
    tmp = path.with_name(path.name + ".tmp")
    # mtime=0: the same record gives the same bytes, so a re-run leaves git clean.
    with gzip.GzipFile(tmp, "wb", mtime=0) as f:
        f.write(json.dumps(_rounded(record), separators=(",", ":")).encode())
    tmp.replace(path)


def load(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """The records in ``paths``, in the order given."""
    return [json.loads(gzip.decompress(p.read_bytes())) for p in paths]


def pick(names: str, known: Mapping[str, Any], what: str = "variants") -> list[str]:
    """The names in ``names`` (``"all"``, or names separated by ``;``), all of them known."""
    picked = list(known) if names == "all" else names.split(";")
    unknown = [n for n in picked if n not in known]
    if unknown:
        raise SystemExit(f"unknown {what} {unknown}; choose from {list(known)}")
    return picked


def _run_and_save(
    path_of: Callable[..., Path], run_one: Callable[..., dict[str, Any]], job: tuple[Any, ...]
) -> str:
    path = path_of(*job)
    save(path, run_one(*job))
    return path.name


def run_missing(
    jobs: Sequence[tuple[Any, ...]],
    path_of: Callable[..., Path],
    run_one: Callable[..., dict[str, Any]],
    workers: int,
) -> None:
    """Run ``run_one(*job)`` for each job whose record ``path_of(*job)`` does not exist yet,
    in ``workers`` processes, saving each record as its run ends (an interrupted grid
    resumes). ``path_of`` and ``run_one`` must be module-level functions (they are pickled)."""
    todo = [job for job in jobs if not path_of(*job).exists()]
    print(f"{len(todo)} runs to do", flush=True)
    if not todo:
        return
    path_of(*todo[0]).parent.mkdir(parents=True, exist_ok=True)
    task = functools.partial(_run_and_save, path_of, run_one)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for future in as_completed([pool.submit(task, job) for job in todo]):
            print("done", future.result(), flush=True)
