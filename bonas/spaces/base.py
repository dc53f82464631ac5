"""The search-space contract shared by every bonas space."""

from __future__ import annotations

import abc
from collections.abc import Hashable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from bonas.exceptions import InvalidArchitectureError

if TYPE_CHECKING:
    import networkx as nx
    import numpy as np
    import optuna
    from optuna.distributions import BaseDistribution

    from bonas.graph import GraphSpec

__all__ = ["Arch", "SearchSpace", "suggest_from"]

Arch = TypeVar("Arch", bound=Hashable)


class SearchSpace(abc.ABC, Generic[Arch]):
    """A set of cells, with everything a searcher needs to move through it.

    An architecture (``Arch``) is an immutable, hashable value owned by its space (NB201: a tuple
    of six op names). Everything outside the space sees it through :meth:`to_graph` (the graph
    form of :mod:`bonas.graph`), :meth:`to_string` / :meth:`parse` (text), :meth:`to_params` /
    :meth:`from_params` (Optuna parameters) and :meth:`canonical` (one key per isomorphism class).
    """

    #: A short name used in error messages, study attributes and the CLI.
    name: str = "space"

    # -- the set --------------------------------------------------------------------------
    @property
    @abc.abstractmethod
    def graph_spec(self) -> GraphSpec:
        """What encoders must know about this space's graphs."""

    @property
    def is_enumerable(self) -> bool:
        """Whether :meth:`enumerate` lists the space (it is small enough)."""
        return False

    def enumerate(self) -> Iterator[Arch]:
        """Yield every architecture of the space, in a fixed order.

        Raises:
            SpaceTooLargeError: if the space is too large to list.
        """
        from bonas.exceptions import SpaceTooLargeError

        raise SpaceTooLargeError(
            f"The space {self.name!r} is too large to enumerate; use sample() or neighbors()."
        )

    @abc.abstractmethod
    def sample(self, n: int, rng: np.random.Generator) -> list[Arch]:
        """Return ``n`` architectures drawn uniformly (as the space defines it) with ``rng``."""

    @abc.abstractmethod
    def neighbors(self, arch: Arch) -> list[Arch]:
        """Return the architectures one elementary change away from ``arch``, in a fixed order."""

    @abc.abstractmethod
    def validate(self, arch: Any) -> Arch:
        """Return ``arch`` if it belongs to the space, else raise ``InvalidArchitectureError``."""

    # -- forms ----------------------------------------------------------------------------
    @abc.abstractmethod
    def to_graph(self, arch: Arch) -> nx.DiGraph:
        """Return the cell graph of ``arch`` (see :mod:`bonas.graph`)."""

    @abc.abstractmethod
    def canonical(self, arch: Arch) -> str:
        """Return a key shared by exactly the architectures isomorphic to ``arch``."""

    @abc.abstractmethod
    def to_string(self, arch: Arch) -> str:
        """Return the text form of ``arch``; :meth:`parse` reads it back."""

    @abc.abstractmethod
    def parse(self, text: str) -> Arch:
        """Parse the text form of an architecture."""

    # -- the Optuna boundary --------------------------------------------------------------
    @abc.abstractmethod
    def distributions(self) -> dict[str, BaseDistribution]:
        """Return the Optuna distributions of the parameters that define a cell."""

    @abc.abstractmethod
    def to_params(self, arch: Arch) -> dict[str, Any]:
        """Return the Optuna parameters of ``arch`` (keys as in :meth:`distributions`)."""

    @abc.abstractmethod
    def from_params(self, params: Mapping[str, Any]) -> Arch:
        """Rebuild an architecture from Optuna parameters (e.g. ``study.best_params``)."""

    def suggest(self, trial: optuna.trial.BaseTrial) -> Arch:
        """Ask ``trial`` for every parameter of a cell and return the cell.

        This is what an objective calls: ``arch = space.suggest(trial)``.
        """
        params = {name: suggest_from(trial, name, d) for name, d in self.distributions().items()}
        return self.from_params(params)

    @property
    def default_proxy(self) -> str | None:
        """The registered zero-cost proxy (:mod:`bonas.proxies`) that scores this space's
        cells well enough to warm-start a search (``BONASSampler(warm_start="auto")``), or
        ``None``: no proxy is known for this space."""
        return None

    # -- helpers --------------------------------------------------------------------------
    def encode(self, archs: Sequence[Arch], encoder: Any) -> np.ndarray:
        """Deprecated: ``encoder.encode([space.to_graph(a) for a in archs])`` does the same."""
        import warnings

        warnings.warn(
            "SearchSpace.encode is deprecated and will be removed; call "
            "encoder.encode([space.to_graph(a) for a in archs]) instead.",
            DeprecationWarning,
            stacklevel=2,
        )
        return encoder.encode([self.to_graph(a) for a in archs])

    def _bad_params(self, params: Mapping[str, Any], why: str) -> InvalidArchitectureError:
        return InvalidArchitectureError(
            f"The 'params' of {type(self).__name__}.from_params must hold "
            f"{sorted(self.distributions())}: {why}. Got {dict(params)!r} instead."
        )


def suggest_from(trial: optuna.trial.BaseTrial, name: str, dist: BaseDistribution) -> Any:
    """Ask ``trial`` for parameter ``name`` of distribution ``dist`` through the public API."""
    from optuna.distributions import CategoricalDistribution, IntDistribution

    if isinstance(dist, CategoricalDistribution):
        return trial.suggest_categorical(name, dist.choices)
    if isinstance(dist, IntDistribution):
        return trial.suggest_int(name, dist.low, dist.high, step=dist.step, log=dist.log)
    raise TypeError(f"Unsupported distribution {dist!r} for parameter {name!r}.")
