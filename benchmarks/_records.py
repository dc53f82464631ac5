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
import os
import platform
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

SUFFIX = ".json.gz"
#: What a report says of the records that carry no machine facts (made before bonas recorded
#: them): it never guesses them from the machine the report is written on.
NOT_RECORDED = "not recorded (records made before bonas recorded it)"


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
    record = run_one(*job)
    record.setdefault("machine", machine_facts())  # measured in the worker, as the run ends
    save(path, record)
    return path.name


def run_missing(
    jobs: Sequence[tuple[Any, ...]],
    path_of: Callable[..., Path],
    run_one: Callable[..., dict[str, Any]],
    workers: int,
) -> None:
    """Run ``run_one(*job)`` for each job whose record ``path_of(*job)`` does not exist yet,
    in ``workers`` processes, saving each record as its run ends (an interrupted grid
    resumes), with the machine's facts (:func:`machine_facts`) under ``"machine"`` unless
    ``run_one`` put them there. ``path_of`` and ``run_one`` must be module-level functions
    (they are pickled)."""
    todo = [job for job in jobs if not path_of(*job).exists()]
    print(f"{len(todo)} runs to do", flush=True)
    if not todo:
        return
    path_of(*todo[0]).parent.mkdir(parents=True, exist_ok=True)
    task = functools.partial(_run_and_save, path_of, run_one)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for future in as_completed([pool.submit(task, job) for job in todo]):
            print("done", future.result(), flush=True)


def cpu_model() -> str | None:
    """The CPU's model name (``/proc/cpuinfo``, else ``platform.processor()``), or ``None``."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def machine_facts(**extra: Any) -> dict[str, Any]:
    """The facts of the machine this process runs on, as a run records them in its record.

    The date, the CPU (cores as ``os.cpu_count()`` sees them, model, architecture), the system,
    Python, torch and whether torch sees CUDA (and the first GPU's name), and the 1-minute load
    average now: call it when the run ends, so that the load is the one the run ran under.
    ``extra`` adds facts of the benchmark (e.g. the PostgreSQL server's version).
    """
    try:
        import torch
    except ImportError:
        torch_version, cuda, gpu = None, None, None
    else:
        torch_version = str(torch.__version__)
        cuda = bool(torch.cuda.is_available())
        gpu = torch.cuda.get_device_name(0) if cuda else None
    return {
        "date": time.strftime("%Y-%m-%d"),
        "cpu_count": os.cpu_count(),
        "cpu": cpu_model(),
        "architecture": platform.machine() or None,
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "torch": torch_version,
        "cuda": cuda,
        "gpu": gpu,
        "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        **extra,
    }


def _values(facts: Sequence[Mapping[str, Any]], key: str) -> list[Any]:
    """The distinct values of ``key`` in ``facts``, in the order first met (``None`` left out)."""
    seen: list[Any] = []
    for f in facts:
        v = f.get(key)
        if v is not None and v not in seen:
            seen.append(v)
    return seen


def _joined(values: Sequence[Any]) -> str:
    return " / ".join(str(v) for v in values)


def span(values: Sequence[float], fmt: str = ".1f") -> str:
    """``values`` as ``"a"`` or ``"a–b"`` (their minimum and maximum)."""
    low, high = min(values), max(values)
    return f"{low:{fmt}}" if f"{low:{fmt}}" == f"{high:{fmt}}" else f"{low:{fmt}}–{high:{fmt}}"


def describe_machine(facts: Sequence[Mapping[str, Any] | None]) -> str:
    """One sentence on the machine(s) the records were made on, from their recorded facts.

    ``facts`` holds each record's ``machine`` entry (``None`` for a record made before bonas
    recorded it). Facts that differ between records are all given, separated by ``/``.
    """
    known = [f for f in facts if f]
    if not known:
        return f"Machine: {NOT_RECORDED}."
    cores = _joined(_values(known, "cpu_count"))
    cpu = ", ".join(
        s for s in (_joined(_values(known, "cpu")), _joined(_values(known, "architecture"))) if s
    )
    parts = [f"{cores or 'unknown'} CPU cores" + (f" ({cpu})" if cpu else "")]
    for key, label in (("system", ""), ("python", "Python "), ("torch", "torch ")):
        values = _values(known, key)
        if values:
            parts.append(label + _joined(values))
    gpus = _values(known, "gpu")
    if gpus:
        parts.append(f"GPU {_joined(gpus)}")
    elif any(f.get("cuda") is False for f in known):
        parts.append("no GPU (torch saw no CUDA device)")
    else:
        parts.append("GPU not recorded (torch was not installed)")
    text = "Machine (as recorded by the runs): " + ", ".join(parts)
    loads = [f["load_average"] for f in known if f.get("load_average") is not None]
    if loads:
        text += f"; load average {span(loads)} at the end of the "
        text += "run" if len(known) == 1 else "runs"
    dates = sorted(_values(known, "date"))
    if dates:
        text += f"; run on {span_dates(dates)}"
    text += "."
    missing = len(facts) - len(known)
    if missing:
        text += (
            f" {missing} of the {len(facts)} records {'does' if missing == 1 else 'do'} not say "
            "the machine (made before bonas recorded it)."
        )
    return text


def span_dates(dates: Sequence[str]) -> str:
    """ISO dates as ``"d"`` or ``"first – last"``."""
    first, last = min(dates), max(dates)
    return first if first == last else f"{first} – {last}"


def has_gpu(facts: Sequence[Mapping[str, Any] | None]) -> bool | None:
    """Whether the machine of every record had a CUDA GPU (``None``: some record does not say)."""
    seen = [None if not f else f.get("cuda") for f in facts]
    if not seen or any(v is None for v in seen):
        return None
    return all(bool(v) for v in seen)
