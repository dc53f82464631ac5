"""The interface of a ``bonas search NAME`` command: :class:`SearchBenchmark`.

A search command says what only it knows: its options, the description of the benchmark it
stores on the study (its *spec*), the objective and sampler of a run, and how to summarize and
plot a study it made. :class:`~bonas.cli.search.SearchCommand` does everything else the same way
for every one of them (the storage and resuming, the spec check, workers, the progress bar,
Ctrl-C, the logs, the output folder and its files), and ``bonas report`` hands a study to the
command its spec names (:func:`spec_command`). A new benchmark is one subclass, listed in
:data:`bonas.cli.search.SEARCHES`.
"""

from __future__ import annotations

import abc
import argparse
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from bonas.cli.base import Subcommand

if TYPE_CHECKING:
    import optuna
    from optuna.pruners import BasePruner
    from optuna.samplers import BaseSampler
    from optuna.trial import FrozenTrial

    from bonas.spaces.base import SearchSpace

__all__ = [
    "Objective",
    "Progress",
    "Report",
    "SearchBenchmark",
    "StudyRecord",
    "option_text",
    "spec_command",
]


#: What the progress bar shows after a trial: the best value so far and its regret (``None``
#: where there is none).
Progress = Callable[[Sequence["FrozenTrial"]], tuple[float | None, float | None]]


@dataclass(frozen=True)
class Objective:
    """What the trials of a run evaluate.

    Attributes:
        function: The Optuna objective, ``function(trial) -> float`` (higher is better), or
            one value per objective of :attr:`directions`.
        space: The search space it suggests its cell from (the sampler's space).
        directions: The study's directions (``"maximize"`` / ``"minimize"``), one per value
            ``function`` returns; a new study is created with them, and an existing one must
            have them.
        progress: The best value so far and its regret, for the progress bar (``None``: the
            best COMPLETE trial's value and its ``regret`` user attribute).
    """

    function: Callable[[optuna.Trial], Any]
    space: SearchSpace[Any]
    directions: tuple[str, ...] = ("maximize",)
    progress: Progress | None = None


@dataclass(frozen=True)
class Report:
    """A study's summary as ``bonas search`` and ``bonas report`` give it.

    Attributes:
        data: Its JSON form (``summary.json`` and ``--json``), plain JSON types.
        text: The aligned lines printed otherwise, ending with a newline.
    """

    data: dict[str, Any]
    text: str


@dataclass(frozen=True)
class StudyRecord:
    """A study that a search command made, as it is summarized: the study, the spec it records
    and its trials (read once)."""

    study: optuna.Study
    spec: Mapping[str, Any]
    trials: Sequence[FrozenTrial]


def spec_command(spec: Mapping[str, Any]) -> str | None:
    """The name of the ``bonas search`` command that made a study with this spec.

    The spec says it under ``"command"``; a spec written before it did is a digits search if
    its dataset is ``"digits"``, else a search of its ``"space"`` (``"nb201"``).

    Example:
        >>> spec_command({"command": "digits"}), spec_command({"space": "nb201"})
        ('digits', 'nb201')
        >>> spec_command({"space": "nb201", "dataset": "digits", "mode": "train"})
        'digits'
    """
    name = spec.get("command")
    if name is None:
        name = "digits" if spec.get("dataset") == "digits" else spec.get("space")
    return name if isinstance(name, str) else None


def option_text(value: Any) -> str:
    """An option's value as a command line repeats it: a list or tuple joined with commas, a
    whole float without its ``.0``, another float as ``repr`` writes it (read back exactly).

    Example:
        >>> option_text(["accuracy", "latency"]), option_text(500000.0), option_text(0.01)
        ('accuracy,latency', '500000', '0.01')
    """
    if isinstance(value, (list, tuple)):
        return ",".join(option_text(v) for v in value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


class SearchBenchmark(Subcommand, abc.ABC):
    """One ``bonas search NAME``: its options, its spec, its objective and its summary.

    The shared options (``--trials``, ``--sampler``, ``--seed``, the storage, workers and output
    options) are added by :class:`~bonas.cli.search.SearchCommand`; a subclass adds its own in
    :meth:`add_arguments` and lists them in :attr:`options`. Its :attr:`name` is the word after
    ``bonas search`` and the spec's ``"command"``. A run is set up from the parsed arguments
    (``args``); a study is summarized from what it records (:class:`StudyRecord`), the same way
    after a search and by ``bonas report``.
    """

    #: The default of ``--trials``.
    default_trials: ClassVar[int]
    #: The default study name, a :meth:`str.format` pattern over the arguments.
    study_name: ClassVar[str]
    #: The command's own options (argparse ``dest`` names) that a resume command repeats.
    options: ClassVar[tuple[str, ...]]
    #: The spec keys that must agree for a study to be resumed (their options, in this order,
    #: are how an error message quotes the command that made a study).
    spec_keys: ClassVar[tuple[str, ...]]
    #: The value of a spec key that a spec leaves out (a study made before the key existed,
    #: or an option not given); an error message leaves such options out.
    spec_defaults: ClassVar[Mapping[str, Any]] = {}
    #: The trial user attributes of ``trials.csv`` and the ones written as floats.
    csv_attrs: ClassVar[tuple[str, ...]]
    csv_floats: ClassVar[tuple[str, ...]] = ()
    #: The file name of :meth:`plot`'s figure.
    plot_file: ClassVar[str]

    @abc.abstractmethod
    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Add the command's own options (those of :attr:`options`)."""

    @abc.abstractmethod
    def spec(self, args: argparse.Namespace) -> dict[str, Any]:
        """The benchmark of this run, stored on a new study (plain JSON types; holds every key
        of :attr:`spec_keys`). The search adds ``"command"`` and ``"bonas_version"``."""

    @abc.abstractmethod
    def objective(self, args: argparse.Namespace) -> Objective:
        """The objective of this run; built before the study is opened, so that a missing
        table, data set or device is an error before any study exists."""

    @abc.abstractmethod
    def sampler(self, args: argparse.Namespace, space: SearchSpace[Any]) -> BaseSampler:
        """The sampler of ``--sampler`` for this run."""

    def pruner(self, args: argparse.Namespace) -> BasePruner | None:
        """The study's pruner (``None``: Optuna's default; nothing is reported to prune on)."""
        return None

    @abc.abstractmethod
    def summarize(self, record: StudyRecord, *, wall_time_s: float | None) -> Report:
        """The summary of a study this command made (``wall_time_s``: how long this run's
        trials took, ``None`` for a report)."""

    @abc.abstractmethod
    def plot(self, record: StudyRecord, path: Path) -> Path:
        """Write the study's figure to ``path`` (a PNG) and return it.

        Raises:
            MissingDependencyError: if matplotlib is not installed.
        """

    def default_study_name(self, args: argparse.Namespace) -> str:
        """:attr:`study_name` filled in with the arguments."""
        return self.study_name.format(**vars(args))

    def study_name_help(self) -> str:
        """:attr:`study_name` for ``--help``: ``nb201-DATASET-MODE-SAMPLER-seedSEED``."""
        return re.sub(r"\{(\w+)\}", lambda m: m.group(1).upper(), self.study_name)

    def spec_value(self, spec: Mapping[str, Any], key: str) -> Any:
        """``spec[key]``, or its :attr:`spec_defaults` value where ``spec`` leaves it out."""
        return spec[key] if key in spec else self.spec_defaults.get(key)

    def same_spec(self, have: Mapping[str, Any], want: Mapping[str, Any]) -> bool:
        """Whether two specs agree on every one of :attr:`spec_keys`."""
        return all(self.spec_value(have, k) == self.spec_value(want, k) for k in self.spec_keys)

    def describe(self, spec: Mapping[str, Any]) -> str:
        """The command that made a study with ``spec``, from its :attr:`spec_keys`:
        ``nb201 --dataset cifar10 --mode mean --sampler tpe --seed 0`` (an option at its
        :attr:`spec_defaults` value is left out)."""
        parts = [self.name]
        for key in self.spec_keys:
            value = self.spec_value(spec, key)
            if key in self.spec_defaults and value == self.spec_defaults[key]:
                continue
            parts.append(f"--{key.replace('_', '-')} {option_text(value)}")
        return " ".join(parts)

    def plot_name(self, spec: Mapping[str, Any]) -> str:
        """The file name of the figure of a study with ``spec`` (default: :attr:`plot_file`)."""
        return self.plot_file

    def write_trials(self, record: StudyRecord, path: Path) -> Path:
        """Write ``trials.csv`` (one row per trial, the columns :attr:`csv_attrs`)."""
        from bonas.report import write_trials_csv

        return write_trials_csv(record.trials, path, attrs=self.csv_attrs, floats=self.csv_floats)
