"""The digits search with and without pruning: what pruning saves and what it costs.

    python benchmarks/digits_search.py run --pruners none,median,halving,hyperband \
        --seeds 3 --trials 30 --epochs 10
    python benchmarks/digits_search.py report

``run`` does, for every seed and pruner, what ``bonas search digits --sampler bonas --pruner P
--seed S`` does (the same sampler, pruners, network and data, through the same code), in an
in-memory study, and writes one record per run under ``benchmarks/results/raw/digits/``
(committed, see ``_records.py``; existing ones are skipped, so an interrupted grid resumes).
For each seed the pruners run one after the other, so a change in the load of the shared
machine hits them alike. ``report`` writes ``benchmarks/results/digits_search.md``: training
seconds and epochs, what pruning saved against ``none`` with the same seed, and the best
validation accuracy reached.
One process, one thread.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # run as a script or loaded by the tests: find _records
    sys.path.insert(0, str(HERE))
import _records  # noqa: E402

RAW = HERE / "results" / "raw" / "digits"
RESULTS = HERE / "results" / "digits_search.md"


def run_one(pruner: str, seed: int, trials: int, epochs: int) -> dict[str, Any]:
    """One search; returns its per-trial record and totals."""
    os.environ["OMP_NUM_THREADS"] = "1"
    import optuna
    import torch

    from bonas.cli.digits import make_pruner, summarize
    from bonas.cli.samplers import make_sampler
    from bonas.nb201 import DIGITS_NETWORK, TrainingObjective, load_digits_data
    from bonas.spaces.nb201 import NB201Space

    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    space = NB201Space()
    train, valid = load_digits_data()
    objective = TrainingObjective(
        space, train, valid, epochs=epochs, device="cpu", seed=seed, **DIGITS_NETWORK
    )
    sampler = make_sampler("bonas", space, seed=seed, mode="noisy")
    sampler.pruned = "last_value"  # type: ignore[attr-defined]  # bonas search digits' default
    study = optuna.create_study(
        direction="maximize", sampler=sampler, pruner=make_pruner(pruner, epochs)
    )
    start = time.perf_counter()
    study.optimize(objective, n_trials=trials)
    wall = time.perf_counter() - start
    trials_ = study.get_trials()
    summary = summarize(trials_, epochs)
    # the incumbent (best COMPLETE accuracy) after each trial, and the training seconds so far
    best, spent, curve = -1.0, 0.0, []
    for t in trials_:
        spent += float(t.user_attrs.get("train_time", 0.0))
        if t.state == optuna.trial.TrialState.COMPLETE and t.value is not None:
            best = max(best, t.value)
        curve.append([round(spent, 3), best if best >= 0 else None])
    return {
        "pruner": pruner,
        "seed": seed,
        "trials": trials,
        "epochs": epochs,
        "wall_s": wall,
        **summary,
        "curve": curve,
        "per_trial": [
            {
                "number": t.number,
                "state": t.state.name,
                "key": space.to_key(space.from_params(t.params)),
                "epochs": t.user_attrs.get("epochs"),
                "train_time": t.user_attrs.get("train_time"),
                "accuracies": [t.intermediate_values[s] for s in sorted(t.intermediate_values)],
            }
            for t in trials_
        ],
    }


def warm_up() -> None:
    """Train one cell for an epoch, so that the first timed run does not pay torch's start-up."""
    from bonas.nb201 import DIGITS_NETWORK, TrainingObjective, load_digits_data
    from bonas.spaces.nb201 import NB201Space

    space = NB201Space()
    train, valid = load_digits_data()
    objective = TrainingObjective(space, train, valid, epochs=1, device="cpu", **DIGITS_NETWORK)
    objective.train(space.from_key("333132"))


def cmd_run(args: argparse.Namespace) -> None:
    RAW.mkdir(parents=True, exist_ok=True)
    pruners = [p.strip() for p in args.pruners.split(",") if p.strip()]
    warm_up()
    for seed in range(args.seeds):
        for pruner in pruners:
            path = RAW / f"{pruner}-seed{seed}-t{args.trials}-e{args.epochs}{_records.SUFFIX}"
            if path.exists():
                continue
            record = run_one(pruner, seed, args.trials, args.epochs)
            record["machine"] = _records.machine_facts()  # the load average at the run's end
            _records.save(path, record)
            print(
                f"{pruner:>9} seed {seed}: best {record['best']['accuracy']:.2f} %, "
                f"{record['epochs_trained']} epochs, {record['train_time_s']:.0f} s training, "
                f"{record['n_pruned']} pruned",
                flush=True,
            )


def _mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else float("nan")


def cmd_report(args: argparse.Namespace) -> None:
    runs = _records.load(sorted(RAW.glob(f"*{_records.SUFFIX}")))
    if not runs:
        raise SystemExit(f"no runs under {RAW}; run `python {Path(__file__).name} run` first")
    text = report(runs)
    RESULTS.write_text(text, encoding="utf-8")
    print(text)


def _machine(runs: list[dict[str, Any]]) -> str:
    """What the records say of the machine: its facts, or (records made before bonas recorded
    them) that they do not say it, with the load average those records kept."""
    facts = [r.get("machine") for r in runs]
    text = _records.describe_machine(facts)
    loads = [r["load_average"] for r in runs if not r.get("machine") and "load_average" in r]
    if loads:
        text += (
            f" Load average {_records.span(loads)} at the end of the "
            + ("runs" if len(loads) > 1 else "run")
            + (" that do not say the machine." if len(loads) < len(runs) else ".")
        )
    return text + " One process, one thread."


def _gpu(runs: list[dict[str, Any]]) -> str:
    had = _records.has_gpu([r.get("machine") for r in runs])
    if had:
        names = sorted({r["machine"]["gpu"] for r in runs if r["machine"].get("gpu")})
        where = f"the machine had a GPU ({', '.join(names)}), unused here"
    elif had is None:
        where = f"whether the machine had a GPU: {_records.NOT_RECORDED}"
    else:
        where = "the machine had none (torch saw no CUDA device)"
    return (
        f'GPU time per epoch: not measured. Every run trains on the CPU (`device="cpu"`); '
        f"{where}. On a CUDA machine `bonas search digits --device cuda` runs the same code "
        "(the tests marked `gpu` check it there)."
    )


def report(runs: list[dict[str, Any]]) -> str:
    """The text of ``digits_search.md`` for the records ``runs``."""
    shapes = {(r["trials"], r["epochs"]) for r in runs}
    if len(shapes) != 1:
        raise SystemExit(f"runs of different sizes under {RAW}: {sorted(shapes)}")
    trials, epochs = shapes.pop()
    by = {(r["pruner"], r["seed"]): r for r in runs}
    seeds = sorted({r["seed"] for r in runs})
    order = ["none", "median", "halving", "hyperband"]
    pruners = [p for p in order if any(k[0] == p for k in by)]
    rows = []
    for pruner in pruners:
        mine = [by[(pruner, s)] for s in seeds if (pruner, s) in by]
        pairs = [(r, by[("none", r["seed"])]) for r in mine if ("none", r["seed"]) in by]
        seconds = [r["train_time_s"] for r in mine]
        ep = [r["epochs_trained"] for r in mine]
        acc = [r["best"]["accuracy"] for r in mine]
        saved_s = [1 - r["train_time_s"] / b["train_time_s"] for r, b in pairs]
        saved_e = [1 - r["epochs_trained"] / b["epochs_trained"] for r, b in pairs]
        # the incumbent of the unpruned run when it had spent as long as this one in all
        at_same = []
        for r, b in pairs:
            reached = [best for spent, best in b["curve"] if spent <= r["train_time_s"] + 1e-9]
            at_same.append(max((x for x in reached if x is not None), default=float("nan")))
        rows.append(
            f"| {pruner} | {len(mine)} | {_mean(seconds):.0f} | {_mean(ep):.0f} of "
            f"{trials * epochs} | "
            + (
                f"{100 * _mean(saved_s):.0f} % / {100 * _mean(saved_e):.0f} % | "
                if pruner != "none"
                else "— | "
            )
            + f"{_mean([r['n_pruned'] for r in mine]):.1f} | "
            f"{_mean(acc):.2f} ({min(acc):.2f}–{max(acc):.2f}) | "
            + (f"{_mean(at_same):.2f} |" if pruner != "none" else "— |")
        )
    per_seed = []
    for s in seeds:
        cells = []
        for pruner in pruners:
            r = by.get((pruner, s))
            cells.append(
                "—"
                if r is None
                else f"{r['best']['accuracy']:.2f} % in {r['train_time_s']:.0f} s "
                f"({r['epochs_trained']} ep)"
            )
        per_seed.append(f"| {s} | " + " | ".join(cells) + " |")
    per_epoch = [r["train_time_s"] / r["epochs_trained"] for r in runs if r["epochs_trained"]]
    return "\n".join(
        [
            "# Digits search with and without pruning",
            "",
            f"Made by `python benchmarks/digits_search.py run --pruners {','.join(pruners)} "
            f"--seeds {len(seeds)} --trials {trials} --epochs {epochs}` and "
            "`python benchmarks/digits_search.py report`.",
            _machine(runs),
            "",
            "Each run is `bonas search digits --sampler bonas --pruner P --seed S` in-process: "
            "BONASSampler (noisy log-EI, pruned trials learned at their last accuracy), "
            f"{trials} trials of at most {epochs} epochs, the NB201 network with C = 8, N = 1 on "
            "scikit-learn's 8×8 digits (1,347 images to train on, 450 to validate), SGD "
            "(lr 0.05, Nesterov momentum 0.9, batch 64, cosine schedule). Pruners: `median` = "
            "MedianPruner(n_startup_trials=5, n_warmup_steps=2); `halving` = "
            "SuccessiveHalvingPruner(min_resource=2, reduction_factor=3); `hyperband` = "
            f"HyperbandPruner(min_resource=2, max_resource={epochs}, reduction_factor=3).",
            "",
            "- *training s*: the trials' training and validation seconds, summed (mean over "
            "seeds).",
            "- *saved*: 1 − this pruner's training seconds (epochs) / those of `none` with the "
            "same seed, averaged over seeds.",
            "- *best*: the best validation accuracy of a trial trained to the end (mean over "
            "seeds, range in brackets).",
            "- *none at the same time*: the best accuracy the unpruned run had reached after "
            "spending as many training seconds as the pruned run spent in all.",
            "",
            "| pruner | seeds | training s | epochs trained | saved (s / epochs) | pruned "
            "trials | best val. accuracy % | none at the same time % |",
            "|---|---|---|---|---|---|---|---|",
            *rows,
            "",
            "Per seed (best accuracy, training seconds, epochs):",
            "",
            "| seed | " + " | ".join(pruners) + " |",
            "|---|" + "---|" * len(pruners),
            *per_seed,
            "",
            f"CPU time per epoch (one thread, 1,347 images, batch 64): "
            f"{_mean(per_epoch):.2f} s on average over all runs "
            f"({min(per_epoch):.2f}–{max(per_epoch):.2f} s by run; the cells differ in cost).",
            "",
            _gpu(runs),
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run")
    run.add_argument("--pruners", default="none,median,halving,hyperband")
    run.add_argument("--seeds", type=int, default=3)
    run.add_argument("--trials", type=int, default=30)
    run.add_argument("--epochs", type=int, default=10)
    run.set_defaults(func=cmd_run)
    report = sub.add_parser("report")
    report.set_defaults(func=cmd_report)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
