"""Objectives that fail one trial, never the study: :func:`guard_objective`.

A long search must survive a bad trial. Optuna already turns an objective that returns NaN,
``None`` or a non-numeric string into a FAIL trial, but it stores no reason; it records
``inf`` as a COMPLETE value (which then wins the study); a numeric string such as ``"0.5"``
makes ``study.optimize`` stop with an ``AssertionError`` and leaves the trial RUNNING for ever;
and an exception (a crashed training run, an enqueued cell outside the space) stops the study
unless ``catch=`` lists it. A guarded objective turns each of these into a FAIL trial whose user
attribute :data:`FAIL_REASON_ATTR` says what happened, logs it, and lets the study go on. A
mistake in the configuration is no bad trial: a :class:`~bonas.exceptions.ConfigurationError`
(from the objective or the sampler) or a :class:`~bonas.exceptions.SamplerError` (a bonas
sampler that failed while proposing) stops the study at once, as it would unguarded.
:class:`~bonas.samplers.BONASSampler` never learns from FAIL trials and retries a class at most
``max_retries`` times.
"""

from __future__ import annotations

import functools
import logging
import math
import numbers
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from bonas.exceptions import ConfigurationError, SamplerError, first_line

if TYPE_CHECKING:
    import optuna

__all__ = ["FAIL_REASON_ATTR", "check_value", "first_line", "guard_objective"]

#: The user attribute of a trial failed by a guarded objective: why it failed, in one line.
FAIL_REASON_ATTR = "fail_reason"

_logger = logging.getLogger(__name__)


def check_value(value: Any) -> str | None:
    """Why ``value`` is not a valid objective value, or ``None`` if it is a finite number.

    Example:
        >>> check_value(91.5) is None
        True
        >>> check_value(float("inf"))
        'the objective returned inf; it must return a finite number'
        >>> check_value("0.5")
        "the objective returned the string '0.5'; it must return a finite number"
    """
    if value is None:
        return "the objective returned None; it must return a finite number"
    if isinstance(value, bool):
        return f"the objective returned the bool {value}; it must return a finite number"
    if isinstance(value, str):
        return f"the objective returned the string {value[:80]!r}; it must return a finite number"
    if not isinstance(value, numbers.Real):
        shown = repr(value)
        shown = shown if len(shown) <= 80 else shown[:77] + "..."
        return (
            f"the objective returned {shown} (a {type(value).__name__}); it must return a "
            "finite number"
        )
    if math.isnan(value):
        return "the objective returned NaN; it must return a finite number"
    if math.isinf(value):
        return f"the objective returned {float(value)}; it must return a finite number"
    return None


def guard_objective(
    objective: Callable[[optuna.Trial], Any],
    *,
    catch: tuple[type[Exception], ...] = (Exception,),
    n_objectives: int = 1,
) -> Callable[[optuna.Trial], Any]:
    """Wrap ``objective`` so that a bad trial fails alone, with its reason recorded.

    The wrapped objective returns the objective's value as a ``float`` (with ``n_objectives``
    above 1: a tuple of that many floats, one per objective of the study). If the objective
    raises one of ``catch``, or returns anything but a finite real number (NaN, ``inf``,
    ``None``, a string, a bool, a sequence; with several objectives: anything but a sequence
    of ``n_objectives`` finite real numbers), it records the reason as the trial's user
    attribute :data:`FAIL_REASON_ATTR`, logs a warning, and returns NaN, which Optuna stores as
    a FAIL trial; ``study.optimize`` goes on with the next trial. ``optuna.TrialPruned`` and
    ``KeyboardInterrupt`` pass through, and so do the errors that no later trial would escape:
    :class:`~bonas.exceptions.ConfigurationError` and :class:`~bonas.exceptions.SamplerError`
    stop the study (Optuna records the trial they happened in as FAIL, with the error).

    Args:
        objective: An Optuna objective, ``objective(trial) -> float`` (or a sequence of
            floats in a study with several objectives).
        catch: The exceptions that fail the trial instead of the study.
        n_objectives: The study's number of objectives (``len(study.directions)``).

    Example:
        >>> import optuna
        >>> from bonas import NB201Space
        >>> optuna.logging.set_verbosity(optuna.logging.ERROR)
        >>> space = NB201Space()
        >>> def train(trial):
        ...     arch = space.suggest(trial)
        ...     return float("nan") if trial.number == 1 else 1.0
        >>> study = optuna.create_study(direction="maximize")
        >>> study.optimize(guard_objective(train), n_trials=3)
        >>> [t.state.name for t in study.trials]
        ['COMPLETE', 'FAIL', 'COMPLETE']
        >>> study.trials[1].user_attrs[FAIL_REASON_ATTR]
        'the objective returned NaN; it must return a finite number'
    """

    if isinstance(n_objectives, bool) or not isinstance(n_objectives, int) or n_objectives < 1:
        raise ConfigurationError(
            "The 'n_objectives' parameter of guard_objective must be an integer >= 1. Got "
            f"{n_objectives!r} instead."
        )

    @functools.wraps(objective)
    def guarded(trial: optuna.Trial) -> Any:
        import optuna

        try:
            value = objective(trial)
        except (optuna.TrialPruned, ConfigurationError, SamplerError):
            raise
        except catch as err:
            failed = _fail(trial, f"the objective raised {type(err).__name__}: {first_line(err)}")
            return failed if n_objectives == 1 else (failed,) * n_objectives
        if n_objectives > 1:
            return _several(trial, value, n_objectives)
        reason = check_value(value)
        if reason is not None:
            return _fail(trial, reason)
        return float(value)

    return guarded


def _several(trial: optuna.Trial, values: Any, n: int) -> tuple[float, ...]:
    """``values`` as ``n`` floats, or ``n`` NaNs (a FAIL trial) with the reason recorded."""
    reason = None
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or len(values) != n:
        shown = repr(values)
        shown = shown if len(shown) <= 80 else shown[:77] + "..."
        reason = (
            f"the objective returned {shown}; it must return {n} finite numbers, one per objective"
        )
    else:
        for i, value in enumerate(values):
            why = check_value(value)
            if why is not None:
                reason = f"objective {i}: {why}"
                break
    if reason is not None:
        return (_fail(trial, reason),) * n
    return tuple(float(v) for v in values)


def _fail(trial: optuna.Trial, reason: str) -> float:
    reason = reason.rstrip(".")
    _logger.warning("Trial %d failed: %s.", trial.number, reason)
    trial.set_user_attr(FAIL_REASON_ATTR, reason)
    return math.nan
