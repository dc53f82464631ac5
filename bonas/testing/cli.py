"""Run the ``bonas`` command in a subprocess, as bonas' own CLI tests do.

The child imports the same ``bonas`` as the caller (its folder goes first on ``PYTHONPATH``), so
the helpers work from a source checkout as well as from an installed package.

Example:
    >>> result = run_bonas("--version", cwd=".")
    >>> check_ok(result).stdout.startswith("bonas ")
    True
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

import bonas

__all__ = [
    "COMMAND_TIMEOUT_S",
    "bonas_command",
    "bonas_env",
    "check_ok",
    "check_usage_error",
    "run_bonas",
]

#: How long :func:`run_bonas` lets a command run by default: an upper bound for a command that
#: hangs, generous enough that a slow or loaded machine is never a failure.
COMMAND_TIMEOUT_S = 600.0

_SOURCE_ROOT = Path(bonas.__file__).resolve().parents[1]


def bonas_command(*args: str) -> list[str]:
    """``python -m bonas ARGS`` with this interpreter."""
    return [sys.executable, "-m", "bonas", *args]


def bonas_env(*, drop: Iterable[str] = ()) -> dict[str, str]:
    """This process's environment for a child: this ``bonas`` first on ``PYTHONPATH``, one
    thread for OpenMP, and the variables in ``drop`` removed."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_SOURCE_ROOT), env.get("PYTHONPATH")) if p)
    env["OMP_NUM_THREADS"] = "1"
    for name in drop:
        env.pop(name, None)
    return env


def run_bonas(
    *args: str,
    cwd: str | Path,
    timeout: float = COMMAND_TIMEOUT_S,
    env: dict[str, str] | None = None,
    preexec_fn: Callable[[], object] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``bonas ARGS`` in ``cwd`` and capture its output as text.

    Raises:
        subprocess.TimeoutExpired: if it runs longer than ``timeout`` seconds.
    """
    return subprocess.run(
        bonas_command(*args),
        cwd=cwd,
        env=bonas_env() if env is None else env,
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=preexec_fn,
    )


def check_ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    """``result`` if the command exited 0 without a traceback; else AssertionError with stderr."""
    if result.returncode != 0 or "Traceback" in result.stderr:
        raise AssertionError(f"bonas exited with status {result.returncode}:\n{result.stderr}")
    return result


def check_usage_error(result: subprocess.CompletedProcess[str], *words: str) -> str:
    """The error line of a command that had to refuse (exit status 2), checked: exactly one
    line on stderr and no traceback, nothing on stdout, and each of ``words`` in the line;
    else AssertionError with stderr.

    Example:
        >>> line = check_usage_error(run_bonas("search", "nb201", cwd="."), "--dataset")
        >>> line.startswith("bonas search nb201: error:")
        True
    """
    lines = result.stderr.strip().splitlines()
    missing = [w for w in words if not lines or w not in lines[0]]
    if result.returncode != 2 or len(lines) != 1 or "Traceback" in result.stderr or missing:
        raise AssertionError(
            f"expected one error line with {list(words)} and status 2; got status "
            f"{result.returncode}:\n{result.stderr}"
        )
    if result.stdout:
        raise AssertionError(f"a refused command printed to stdout:\n{result.stdout}")
    return lines[0]
