"""Discrete acquisition optimizers: score a finite candidate set, or search by mutation."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

import numpy as np

from bonas.exceptions import ConfigurationError

__all__ = ["argmax_chunked", "mutation_candidates"]

A = TypeVar("A", bound=Hashable)


def argmax_chunked(
    acquisition: Callable[[np.ndarray], np.ndarray],
    X: np.ndarray,
    *,
    rng: np.random.Generator,
    chunk_size: int = 8192,
) -> int:
    """Return the row of ``X`` `(m, d)` with the highest acquisition value.

    Candidates are scored in chunks of ``chunk_size`` rows to bound memory; ties (up to a
    relative 1e-12) are broken uniformly with ``rng`` so that a flat acquisition does not
    always pick the first candidate.
    """
    return argmax_scores(score_chunked(acquisition, X, chunk_size=chunk_size), rng=rng)


def score_chunked(
    acquisition: Callable[[np.ndarray], np.ndarray], X: np.ndarray, *, chunk_size: int = 8192
) -> np.ndarray:
    """The acquisition values `(m,)` of the rows of ``X`` `(m, d)`, in chunks of ``chunk_size``."""
    if X.shape[0] == 0:
        raise ConfigurationError("No candidates to score: every candidate was already taken.")
    return np.concatenate(
        [np.asarray(acquisition(X[s : s + chunk_size])) for s in range(0, X.shape[0], chunk_size)]
    )


def argmax_scores(scores: np.ndarray, *, rng: np.random.Generator) -> int:
    """The index of the highest of ``scores`` `(m,)`; ties (up to a relative 1e-12) broken
    uniformly with ``rng``."""
    best = np.nanmax(scores)
    ties = np.flatnonzero(scores >= best - 1e-12 * max(1.0, abs(best)))
    return int(ties[0] if len(ties) == 1 else rng.choice(ties))


def mutation_candidates(
    incumbents: Sequence[A],
    neighbors: Callable[[A], list[A]],
    sample: Callable[[int, np.random.Generator], list[A]],
    *,
    taken: Callable[[A], bool],
    rng: np.random.Generator,
    n_random: int = 200,
    depth: int = 2,
    max_candidates: int = 5000,
) -> list[A]:
    """Candidates for spaces too large to enumerate (BANANAS-style mutation search).

    The neighbours of the ``incumbents`` (the best cells so far), their neighbours up to
    ``depth`` steps, and ``n_random`` random cells, minus those ``taken`` already;
    deduplicated, in a deterministic order for a given ``rng``.
    """
    seen: set[A] = set()
    out: list[A] = []

    def add(arch: A) -> None:
        if arch not in seen:
            seen.add(arch)
            if not taken(arch):
                out.append(arch)

    frontier = list(incumbents)
    for _ in range(depth):
        nxt: list[A] = []
        for arch in frontier:
            for nb in neighbors(arch):
                if nb not in seen:
                    add(nb)
                    nxt.append(nb)
        if len(out) >= max_candidates:
            break
        if len(nxt) > max_candidates // 4:
            idx = rng.choice(len(nxt), max_candidates // 4, replace=False)
            nxt = [nxt[i] for i in sorted(idx)]
        frontier = nxt
    for arch in sample(n_random, rng):
        add(arch)
    return out[:max_candidates]
