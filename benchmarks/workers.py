"""Many workers on one study: throughput, sampler wait time and duplicates, per storage.

For each storage (SQLite file, Optuna journal file, PostgreSQL) and each number of workers
(1, 2, 4, 8), a fresh study gets ``--trials`` trials of ``BONASSampler`` on the NB201 cifar10
table, split evenly over that many worker processes. Reported per run:

* throughput: trials per second, from the first trial's start to the last one's end (process
  start-up and imports are left out);
* sampler time per trial: seconds inside the sampler (``sample_relative``: reading the study,
  fitting the GP, scoring the classes, the reservation), mean and 90th percentile over trials;
* duplicates: trials whose canonical class an earlier COMPLETE trial of the study already had.

Usage::

    python benchmarks/workers.py --postgres postgresql://USER@HOST/DB   # writes results/workers.md
    python benchmarks/workers.py --report      # only writes the report again, from the record

Without ``--postgres`` (or ``BONAS_TEST_POSTGRES_URL``) the PostgreSQL rows are left out. A run
saves its rows, with the machine's facts (and the PostgreSQL server's version, read from the
server), in the record ``benchmarks/results/raw/workers/workers.json.gz`` (committed, see
``_records.py``; a new run replaces it), and the report is written from that record.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # run as a script or loaded by the tests: find _records
    sys.path.insert(0, str(HERE))
import _records  # noqa: E402

REPO = HERE.parent
RESULTS = REPO / "benchmarks" / "results" / "workers.md"
RECORD = REPO / "benchmarks" / "results" / "raw" / "workers" / f"workers{_records.SUFFIX}"

# argv: storage URL, study name, trials, seed, start file. Prints one JSON line: the start-up
# time and the sampler's time per trial.
_WORKER = """
import json, os, sys, time
import optuna
from bonas import BONASSampler, NB201Benchmark, NB201Space
from bonas.cli.storage import open_storage, parse_storage

optuna.logging.set_verbosity(optuna.logging.ERROR)
url, name, trials, seed, go = sys.argv[1:6]
trials, seed = int(trials), int(seed)
times = []

class Timed(BONASSampler):
    def sample_relative(self, study, trial, search_space):
        start = time.perf_counter()
        try:
            return super().sample_relative(study, trial, search_space)
        finally:
            times.append(time.perf_counter() - start)

start = time.perf_counter()
bench = NB201Benchmark("cifar10")
storage = open_storage(parse_storage(url), heartbeat_interval=30)
sampler = Timed(NB201Space(), seed=seed)
study = optuna.load_study(study_name=name, storage=storage, sampler=sampler)
# Warm up (torch, BoTorch and the encoded candidate pool load on the first model-based
# proposal), then wait for the other workers, so that the run measures the steady state.
import numpy as np
from bonas.surrogates.gp import GPSurrogate
X = sampler._candidate_pool()[1][:12]
GPSurrogate().fit(X, np.linspace(0.0, 1.0, len(X)))
startup = time.perf_counter() - start
open(f"{go}.ready.{seed}", "w").close()
while not os.path.exists(go):
    time.sleep(0.01)
study.optimize(bench.objective, n_trials=trials)
print(json.dumps({"startup": startup, "times": times}))
"""


def run_once(url: str, n_workers: int, n_trials: int) -> dict[str, object]:
    import optuna

    from bonas.cli.storage import open_storage, parse_storage

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    name = f"bench-workers-{uuid.uuid4().hex[:8]}"
    study = optuna.create_study(
        storage=open_storage(parse_storage(url)), study_name=name, direction="maximize"
    )
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    per_worker = n_trials // n_workers
    go = Path(tempfile.mkdtemp()) / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, url, name, str(per_worker), str(seed), str(go)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in range(n_workers)
    ]
    while len(list(go.parent.glob("go.ready.*"))) < n_workers:
        if any(p.poll() is not None for p in procs):
            raise RuntimeError(f"a worker failed:\n{procs[0].communicate()[1]}")
        time.sleep(0.05)
    go.touch()  # every worker is warm: start together
    times: list[float] = []
    startups: list[float] = []
    for p in procs:
        out, err = p.communicate()
        if p.returncode != 0:
            raise RuntimeError(f"a worker failed:\n{err}")
        result = json.loads(out.strip().splitlines()[-1])
        times += result["times"]
        startups.append(result["startup"])
    trials = study.get_trials(deepcopy=False)
    complete = [t for t in trials if t.state.name == "COMPLETE"]
    start = min(t.datetime_start for t in trials if t.datetime_start)
    end = max(t.datetime_complete for t in trials if t.datetime_complete)
    span = (end - start).total_seconds()
    classes = Counter(t.user_attrs["canonical"] for t in complete)
    ordered = sorted(times)
    return {
        "workers": n_workers,
        "trials": len(trials),
        "complete": len(complete),
        "span_s": span,
        "trials_per_s": len(complete) / span,
        "sampler_mean_s": statistics.fmean(times),
        "sampler_p90_s": ordered[int(0.9 * (len(ordered) - 1))],
        "duplicates": sum(n - 1 for n in classes.values()),
        "startup_s": statistics.fmean(startups),
    }


def postgres_facts(url: str) -> dict[str, Any]:
    """The PostgreSQL server's version and its ``fsync`` setting, read from the server through
    the storage's own connection, and the host the URL names (never the user or the password)."""
    import sqlalchemy

    from bonas.cli.storage import open_storage, parse_storage

    storage = open_storage(parse_storage(url))
    with storage.engine.connect() as connection:  # type: ignore[attr-defined]  # RDBStorage
        shown = {
            name: str(connection.execute(sqlalchemy.text(f"SHOW {name}")).scalar())
            for name in ("server_version", "fsync")
        }
    return {**shown, "host": urlsplit(url).hostname}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", default=os.environ.get("BONAS_TEST_POSTGRES_URL"))
    parser.add_argument("--trials", type=int, default=48, help="trials per run (default 48)")
    parser.add_argument("--workers", default="1,2,4,8")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--record", type=Path, default=RECORD)
    parser.add_argument(
        "--report", action="store_true", help="only write the report from the record"
    )
    args = parser.parse_args()
    if args.report:
        if not args.record.exists():
            raise SystemExit(f"no record {args.record}; run `python {Path(__file__).name}` first")
        write_report(args.out, _records.load([args.record])[0])
        return
    counts = [int(w) for w in args.workers.split(",")]
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        storages = {
            "SQLite": lambda: f"sqlite:///{Path(tmp) / uuid.uuid4().hex}.db",
            "journal file": lambda: f"journal:///{Path(tmp) / uuid.uuid4().hex}.log",
        }
        if args.postgres:
            storages["PostgreSQL"] = lambda: str(args.postgres)
        for label, make_url in storages.items():
            for n in counts:
                row = {"storage": label, **run_once(make_url(), n, args.trials)}
                rows.append(row)
                print(label, json.dumps(row), flush=True)
    extra = {"postgresql": postgres_facts(args.postgres)} if args.postgres else {}
    record = {"trials": args.trials, "rows": rows, "machine": _records.machine_facts(**extra)}
    args.record.parent.mkdir(parents=True, exist_ok=True)
    _records.save(args.record, record)
    write_report(args.out, record)


def _cores(machine: Mapping[str, Any] | None, counts: Sequence[int]) -> str:
    """What the recorded number of cores means for the runs with more workers than cores."""
    cores = (machine or {}).get("cpu_count")
    if not cores:
        return (
            "The record does not say how many cores the machine had, so which runs had more "
            "workers than cores is not known."
        )
    over = [n for n in counts if n > cores]
    if not over:
        return f"With {cores} cores, no run had more workers than cores."
    listed = " and ".join(str(n) for n in over)
    return (
        f"With {cores} cores, {listed} workers are oversubscribed: the processes take turns on "
        f"the cores, so throughput cannot grow past {cores} workers and the sampler's time per "
        "trial grows with the number of workers (it is wall time, waiting for a core included)."
    )


def _postgres(machine: Mapping[str, Any] | None, labels: Sequence[str]) -> str:
    if "PostgreSQL" not in labels:
        return "No PostgreSQL rows: the run was given no server."
    pg = (machine or {}).get("postgresql")
    if not pg:
        return f"PostgreSQL server: {_records.NOT_RECORDED}."
    local = pg.get("host") in ("127.0.0.1", "localhost", "::1", None)
    fsync = f", fsync {pg['fsync']}," if pg.get("fsync") else ""
    return f"PostgreSQL {pg['server_version']}{fsync} " + (
        f"on the same machine (host {pg['host']})." if local else f"on host {pg['host']}."
    )


def _reading(rows: Sequence[Mapping[str, Any]], machine: Mapping[str, Any] | None) -> str:
    """What the rows show, computed from them."""
    dup = [r for r in rows if r["duplicates"]]
    text = (
        "no run evaluated a class twice."
        if not dup
        else f"{len(dup)} of the {len(rows)} runs evaluated a class twice."
    )
    text = (
        "Reading: "
        + text
        + (
            " On the table the objective costs nothing, so a trial is all sampler and storage "
            "work. Trials/s by number of workers ("
            + ", ".join(str(n) for n in dict.fromkeys(r["workers"] for r in rows))
            + "): "
        )
    )
    labels = list(dict.fromkeys(r["storage"] for r in rows))
    by = {label: [r for r in rows if r["storage"] == label] for label in labels}
    text += "; ".join(
        f"{label} " + " → ".join(f"{r['trials_per_s']:.2f}" for r in mine)
        for label, mine in by.items()
    )
    peaks = ", ".join(
        f"{max(mine, key=lambda r: r['trials_per_s'])['workers']} ({label})"
        for label, mine in by.items()
    )
    text += f". The most trials/s came with {peaks} workers."
    cores = (machine or {}).get("cpu_count")
    slow = [
        f"{label} {mine[-1]['sampler_mean_s'] / mine[0]['sampler_mean_s']:.1f}×"
        for label, mine in by.items()
        if len(mine) > 1 and mine[0]["sampler_mean_s"] > 0
    ]
    if slow:
        first, last = rows[0]["workers"], max(r["workers"] for r in rows)
        text += (
            f" Each worker's mean sampler time per trial with {last} workers against {first}: "
            + ", ".join(slow)
            + (f" ({last / cores:g} workers per core)." if cores else ".")
        )
    fastest = max(labels, key=lambda label: statistics.fmean(r["trials_per_s"] for r in by[label]))
    why = {
        "journal file": "no heartbeat, appends only",
        "SQLite": "a transaction and a heartbeat write per trial",
        "PostgreSQL": "a round trip to the server per read and write",
    }
    text += (
        f" The fastest storage here, averaged over the runs, is the {fastest}. What each pays "
        "for: " + "; ".join(f"{label}, {why[label]}" for label in labels if label in why) + "."
    )
    return text + (
        " Workers pay off when a trial trains a network: then the objective's time dominates "
        "and N workers run N trainings at once."
    )


def write_report(out: Path, record: Mapping[str, Any]) -> None:
    out.write_text(report(record), encoding="utf-8")
    print(f"wrote {out}")


def report(record: Mapping[str, Any]) -> str:
    """The text of ``workers.md`` for one run's record."""
    rows = record["rows"]
    machine = record.get("machine")
    counts = list(dict.fromkeys(int(r["workers"]) for r in rows))
    labels = list(dict.fromkeys(r["storage"] for r in rows))
    lines = [
        "# Many workers on one study",
        "",
        f"`BONASSampler` (defaults: 10 start trials, 5 of them from synflow's top 100 "
        "classes, then a GP on the path + adjacency encoding and log-EI) on the NB201 cifar10 "
        f"table, {record['trials']} trials per run split evenly "
        "over the workers, each worker a separate process with a heartbeat of 30 s on the "
        "RDB storages. Made by:",
        "",
        "```bash",
        "python benchmarks/workers.py --postgres postgresql://USER@127.0.0.1:PORT/DB"
        + (f" --trials {record['trials']}" if record["trials"] != 48 else "")
        + (f" --workers {','.join(map(str, counts))}" if counts != [1, 2, 4, 8] else ""),
        "```",
        "",
        " ".join(
            [
                _records.describe_machine([machine]),
                _postgres(machine, labels),
                _cores(machine, counts),
            ]
        ),
        "",
        "| storage | workers | trials | trials/s | sampler s/trial (mean) | sampler s/trial "
        "(p90) | duplicates | worker start-up s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['storage']} | {r['workers']} | {r['complete']} | {r['trials_per_s']:.2f} | "
            f"{r['sampler_mean_s']:.3f} | {r['sampler_p90_s']:.3f} | {r['duplicates']} | "
            f"{r['startup_s']:.1f} |"
        )
    lines += [
        "",
        "Each worker first loads what its first model-based proposal needs (torch, BoTorch, "
        "the encoded 6,466 candidate classes: the start-up column, mean over workers, all "
        "workers loading at once), then all start together. trials/s: COMPLETE trials over "
        "the time from the first trial's start to the last one's end. Sampler time: wall "
        "time inside `BONASSampler.sample_relative` per trial "
        "(reading the study, fitting the GP, scoring the untaken classes, and the reservation "
        "that keeps two workers off one class). Duplicates: trials whose canonical class an "
        "earlier COMPLETE trial already had.",
        "",
        _reading(rows, machine),
        "",
        "With the default sampler (on NB201: the synflow warm start and prior, local steps on "
        "every other model-based trial).",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
