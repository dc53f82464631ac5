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

Without ``--postgres`` (or ``BONAS_TEST_POSTGRES_URL``) the PostgreSQL rows are left out.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results" / "workers.md"

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", default=os.environ.get("BONAS_TEST_POSTGRES_URL"))
    parser.add_argument("--trials", type=int, default=48, help="trials per run (default 48)")
    parser.add_argument("--workers", default="1,2,4,8")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    counts = [int(w) for w in args.workers.split(",")]
    rows: list[tuple[str, dict[str, object]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        storages = {
            "SQLite": lambda: f"sqlite:///{Path(tmp) / uuid.uuid4().hex}.db",
            "journal file": lambda: f"journal:///{Path(tmp) / uuid.uuid4().hex}.log",
        }
        if args.postgres:
            storages["PostgreSQL"] = lambda: str(args.postgres)
        for label, make_url in storages.items():
            for n in counts:
                row = run_once(make_url(), n, args.trials)
                rows.append((label, row))
                print(label, json.dumps(row), flush=True)
    write_report(args, rows)


def write_report(args: argparse.Namespace, rows: list[tuple[str, dict[str, object]]]) -> None:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines = [
        "# Many workers on one study",
        "",
        f"`BONASSampler` (defaults: 10 start trials, 5 of them from synflow's top 100 "
        "classes, then a GP on the path + adjacency encoding and log-EI) on the NB201 cifar10 "
        f"table, {args.trials} trials per run split evenly "
        "over the workers, each worker a separate process with a heartbeat of 30 s on the "
        "RDB storages. Made by:",
        "",
        "```bash",
        "python benchmarks/workers.py --postgres postgresql://USER@127.0.0.1:PORT/DB",
        "```",
        "",
        f"Machine: {os.cpu_count()} CPU cores ({platform.machine()}, Python "
        f"{platform.python_version()}), shared with other work (load average {load:.1f} at the "
        "end); PostgreSQL 15 on the same machine. With 2 cores, 4 and 8 workers are "
        "oversubscribed: the processes take turns on the cores, so throughput cannot grow "
        "past 2 workers and the sampler's time per trial grows with the number of workers "
        "(it is wall time, waiting for a core included).",
        "",
        "| storage | workers | trials | trials/s | sampler s/trial (mean) | sampler s/trial "
        "(p90) | duplicates | worker start-up s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label, r in rows:
        lines.append(
            f"| {label} | {r['workers']} | {r['complete']} | {r['trials_per_s']:.2f} | "
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
        f"Measured {time.strftime('%Y-%m-%d')}.",
    ]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
