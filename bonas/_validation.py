"""One place that checks arguments and words the error: "The 'x' parameter of Y must be …
Got … instead." (scikit-learn's wording, used by every bonas constructor).

Each ``check_*`` returns the value it accepted (converted where that is lossless, e.g. a numpy
integer to ``int``), so a constructor reads ``self.n = check_int(n, "n", "Owner", low=1)``.
It depends on nothing in bonas but the error tree, so every layer may use it.
"""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Callable, Collection, Mapping
from typing import Any

from bonas.exceptions import ConfigurationError

__all__ = [
    "bind_options",
    "check_bool",
    "check_choice",
    "check_int",
    "check_number",
    "check_seed",
    "invalid",
]


def invalid(owner: str, name: str, expected: str, got: Any, hint: str = "") -> ConfigurationError:
    """The house error for a bad argument (returned, so the caller writes ``raise invalid(…)``).

    Example:
        >>> str(invalid("Sampler", "n", "an int >= 1", 0, "Use 1 or more."))
        "The 'n' parameter of Sampler must be an int >= 1. Got 0 instead. Use 1 or more."
    """
    tail = f" {hint}" if hint else ""
    return ConfigurationError(
        f"The '{name}' parameter of {owner} must be {expected}. Got {got!r} instead.{tail}"
    )


def _bounds(low: float | None, high: float | None, *, low_open: bool = False) -> str:
    parts = []
    if low is not None:
        parts.append(f"{'>' if low_open else '>='} {low}")
    if high is not None:
        parts.append(f"<= {high}")
    return " and ".join(parts)


def check_int(
    value: Any,
    name: str,
    owner: str,
    *,
    low: int | None = None,
    high: int | None = None,
    hint: str = "",
) -> int:
    """``value`` as an ``int`` in ``[low, high]``; a bool or a float is refused.

    Example:
        >>> check_int(3, "n", "Owner", low=1)
        3
        >>> check_int(True, "n", "Owner", low=1)
        Traceback (most recent call last):
        ...
        bonas.exceptions.ConfigurationError: The 'n' parameter of Owner must be an int >= 1. Got True instead.
    """  # noqa: E501
    ok = (
        not isinstance(value, bool)
        and isinstance(value, numbers.Integral)
        and (low is None or int(value) >= low)
        and (high is None or int(value) <= high)
    )
    if not ok:
        bound = _bounds(low, high)
        raise invalid(owner, name, f"an int{' ' + bound if bound else ''}", value, hint)
    return int(value)


def check_number(
    value: Any,
    name: str,
    owner: str,
    *,
    low: float | None = None,
    low_open: bool = False,
    high: float | None = None,
    hint: str = "",
) -> float:
    """``value`` as a finite ``float`` in the bounds (``low_open``: strictly above ``low``);
    a bool, NaN or an infinity is refused.

    Example:
        >>> check_number(2, "beta", "UCB", low=0)
        2.0
    """
    ok = (
        not isinstance(value, bool)
        and isinstance(value, numbers.Real)
        and math.isfinite(float(value))
        and (low is None or (float(value) > low if low_open else float(value) >= low))
        and (high is None or float(value) <= high)
    )
    if not ok:
        bound = _bounds(low, high, low_open=low_open)
        raise invalid(owner, name, f"a finite number{' ' + bound if bound else ''}", value, hint)
    return float(value)


def check_seed(value: Any, owner: str, name: str = "seed") -> int | None:
    """``value`` if it is ``None`` or an int >= 0 (a seed of ``numpy.random.SeedSequence``).

    Example:
        >>> check_seed(None, "Owner"), check_seed(7, "Owner")
        (None, 7)
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < 0:
        raise invalid(owner, name, "None or an int >= 0", value)
    return int(value)


def check_bool(value: Any, name: str, owner: str, *, hint: str = "") -> bool:
    """``value`` if it is a ``bool`` (``0``/``1`` are refused: they are usually a typo)."""
    if not isinstance(value, bool):
        raise invalid(owner, name, "True or False", value, hint)
    return value


def check_choice(
    value: Any, name: str, owner: str, choices: Collection[Any], *, hint: str = ""
) -> Any:
    """``value`` if it is one of ``choices``.

    Example:
        >>> check_choice("ucb", "acquisition", "Sampler", ("logei", "ucb"))
        'ucb'
    """
    try:
        ok = value in choices
    except TypeError:  # an unhashable value asked of a set
        ok = False
    if not ok:
        raise invalid(owner, name, f"one of {list(choices)}", value, hint)
    return value


def check_paired(first: Any, second: Any, names: tuple[str, str], owner: str) -> tuple[Any, Any]:
    """Two 1-d float arrays of one length (e.g. a score and a value per cell), or a
    :class:`ConfigurationError` naming both parameters and the shapes that came."""
    import numpy as np

    a = np.asarray(first, dtype=np.float64)
    b = np.asarray(second, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1:
        raise ConfigurationError(
            f"The '{names[0]}' and '{names[1]}' parameters of {owner} must be 1-d arrays of one "
            f"length. Got shapes {a.shape} and {b.shape} instead."
        )
    return a, b


def bind_options(
    target: Callable[..., Any],
    options: Any,
    name: str,
    owner: str,
    *,
    given: Collection[str] = (),
) -> dict[str, Any]:
    """Check a dict of keyword ``options`` against the signature of ``target`` (a class or a
    function they will be passed to), when they are given rather than when first used.

    ``given`` names the arguments the caller supplies itself (e.g. the surrogate an acquisition
    gets): an option that repeats one is refused too.

    Example:
        >>> def ucb(model, *, beta=2.0): ...
        >>> bind_options(ucb, {"beta": 4.0}, "acquisition_kwargs", "Sampler", given=["model"])
        {'beta': 4.0}
        >>> bind_options(ucb, {"bogus": 1}, "acquisition_kwargs", "Sampler", given=["model"])
        Traceback (most recent call last):
        ...
        bonas.exceptions.ConfigurationError: The 'acquisition_kwargs' parameter of Sampler must be options that ucb accepts (beta). Got {'bogus': 1} instead: 'bogus' is not one of them.
    """  # noqa: E501
    if options is None:
        return {}
    if not isinstance(options, Mapping) or not all(isinstance(k, str) for k in options):
        raise invalid(owner, name, "a dict of keyword options (str keys) or None", options)
    what = getattr(target, "__name__", type(target).__name__)
    try:
        sig = inspect.signature(target)
    except (TypeError, ValueError):  # no signature to bind against: let the call decide
        return dict(options)
    params = sig.parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    accepted = [
        n
        for n, p in params.items()
        if n not in given
        and p.kind in (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    ]
    for key in options:
        if key in given:
            raise ConfigurationError(
                f"The '{name}' parameter of {owner} must not set {key!r}: {owner} passes it "
                f"to {what} itself. Got {dict(options)!r} instead."
            )
        if key not in accepted and not takes_any:
            raise ConfigurationError(
                f"The '{name}' parameter of {owner} must be options that {what} accepts "
                f"({', '.join(accepted) or 'none'}). Got {dict(options)!r} instead: {key!r} is "
                "not one of them."
            )
    return dict(options)
