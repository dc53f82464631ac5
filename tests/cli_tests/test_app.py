"""The ``bonas`` program itself: its commands, ``--help`` and ``--version``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bonas.testing.cli import bonas_env, check_ok, check_usage_error, run_bonas


def _env() -> dict[str, str]:
    return bonas_env()


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_bonas(*args, cwd=cwd)


ok = check_ok


def test_help_and_version_import_nothing_heavy(tmp_path: Path) -> None:
    code = (
        "import sys, contextlib, io\n"
        "from bonas.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        main(['--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(sorted(m for m in ('optuna', 'torch', 'numpy', 'bonas.samplers.bo') "
        "if m in sys.modules))\n"
    )
    probe = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=_env(), capture_output=True, text=True
    )
    assert probe.stdout.strip() == "[]", probe.stderr
    version = ok(run("--version", cwd=tmp_path)).stdout
    assert version.startswith("bonas ")
    assert "search" in ok(run("--help", cwd=tmp_path)).stdout


def test_search_help_lists_every_search_command(tmp_path: Path) -> None:
    text = ok(run("search", "--help", cwd=tmp_path)).stdout
    for name in ("nb201", "digits"):
        assert f"    {name} " in text  # a row of the subcommand list, with its help
    assert "{nb201,digits}" in text


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (["search"], "the following arguments are required: benchmark"),
        (["search", "digits", "--dataset", "cifar10"], "unrecognized arguments: --dataset"),
        (["info", "digits"], "invalid choice: 'digits'"),
    ],
)
def test_a_missing_or_wrong_command_is_one_line(
    args: list[str], hint: str, tmp_path: Path
) -> None:
    check_usage_error(run(*args, cwd=tmp_path), hint)


def test_no_command_prints_the_help(tmp_path: Path) -> None:
    text = ok(run(cwd=tmp_path)).stdout
    assert text.startswith("usage: bonas")
    for name in ("search", "report", "info"):
        assert name in text


def test_the_names_of_the_old_cli_module_still_work_and_warn() -> None:
    import bonas.cli
    from bonas.cli.base import EXIT_INTERRUPTED, EXIT_USAGE
    from bonas.cli.output import DEFAULT_OUT
    from bonas.exceptions import UsageError

    moved = {
        "UsageError": UsageError,
        "EXIT_USAGE": EXIT_USAGE,
        "EXIT_INTERRUPTED": EXIT_INTERRUPTED,
        "DEFAULT_OUT": DEFAULT_OUT,
    }
    for name, value in moved.items():
        with pytest.warns(DeprecationWarning, match=f"bonas.cli.{name} is deprecated"):
            assert getattr(bonas.cli, name) is value
