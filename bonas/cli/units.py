"""Quantities with units on the command line: ``--max-params 0.5M``, ``--max-latency 10ms``.

Each parser is an argparse ``type``: it returns the value in base units (a count, seconds) as a
``float``, or raises :class:`argparse.ArgumentTypeError` with what came and an example, which
argparse prefixes with the option's name and turns into one error line (exit status 2).

Example:
    >>> count("0.5M"), count("500k"), count("1.5G"), count("73306")
    (500000.0, 500000.0, 1500000000.0, 73306.0)
    >>> latency("10ms"), latency("2500us"), latency("0.01"), latency("7.2 ms")
    (0.01, 0.0025, 0.01, 0.0072)
"""

from __future__ import annotations

import argparse
import math
import re

__all__ = [
    "COUNT_SUFFIXES",
    "TIME_UNITS",
    "compact_count",
    "count",
    "format_count",
    "format_seconds",
    "latency",
]

#: The suffixes of a count (case-insensitive): thousands, millions, billions.
COUNT_SUFFIXES = {"": 1.0, "k": 1e3, "m": 1e6, "g": 1e9}
#: The units of a time, in seconds (a plain number is in seconds).
TIME_UNITS = {"": 1.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6}

_QUANTITY = re.compile(
    r"^\s*(?P<number>[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?)\s*(?P<unit>\S*)\s*$"
)


def _positive(text: str, units: dict[str, float], what: str, example: str) -> float:
    match = _QUANTITY.match(text)
    unit = match.group("unit").lower() if match else ""
    value = float(match.group("number")) * units[unit] if match and unit in units else math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be {what} such as {example}; got {text!r}")
    # 12 significant digits: 7.2ms is 0.0072 s, not 7.2 * 1e-3 = 0.007200000000000001.
    return float(f"{value:.12g}")


def count(text: str) -> float:
    """An argparse ``type``: a positive count, with an optional suffix K, M or G (thousands,
    millions, billions; any case): ``0.5M``, ``500K``, ``500000``."""
    what = "a positive count (K, M, G: thousands, millions, billions)"
    return _positive(text, COUNT_SUFFIXES, what, "0.5M, 500K or 500000")


def latency(text: str) -> float:
    """An argparse ``type``: a positive time in seconds, with an optional unit s, ms or us
    (a plain number is in seconds): ``10ms``, ``0.01s``, ``10000us``, ``0.01``."""
    what = "a positive time in s, ms or us (a plain number is in seconds)"
    return _positive(text, TIME_UNITS, what, "10ms, 0.01s or 10000us")


def format_count(value: float) -> str:
    """A count for people: ``'500,000'``.

    Example:
        >>> format_count(500000.0), format_count(1234.5)
        ('500,000', '1,234.5')
    """
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.1f}"


def format_seconds(value: float) -> str:
    """A short time for people, in ms below a second: ``'10 ms'``, ``'12.35 ms'``, ``'1.5 s'``.

    Example:
        >>> format_seconds(0.01), format_seconds(0.0123456), format_seconds(1.5)
        ('10 ms', '12.35 ms', '1.5 s')
    """
    if value < 1:
        return f"{round(value * 1e3, 2):g} ms"
    return f"{round(value, 3):g} s"


def compact_count(value: float) -> str:
    """A count in few characters, for a study name: ``'500K'``, ``'1.5M'``, ``'73306'``.

    Example:
        >>> compact_count(500000.0), compact_count(1.5e6), compact_count(1e8), compact_count(73306)
        ('500K', '1.5M', '100M', '73306')
    """
    for suffix, size in (("G", 1e9), ("M", 1e6), ("K", 1e3)):
        scaled = value / size
        if scaled >= 1 and float(f"{scaled:.3g}") == scaled:
            return f"{scaled:g}{suffix}"
    return f"{value:g}" if value < 1e6 else format_count(value).replace(",", "")
