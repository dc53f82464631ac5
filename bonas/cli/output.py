"""What ``bonas search`` and ``bonas report`` write: the output folder, ``trials.csv``, the
figure and ``summary.json``, and the summary (or one JSON object) on stdout."""

from __future__ import annotations

import argparse
import contextlib
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bonas.cli.base import to_stderr, to_stdout
from bonas.cli.benchmark import StudyRecord
from bonas.cli.insight import CELLS_DIR, draw_best_cells
from bonas.exceptions import BonasError, MissingDependencyError, UsageError, first_line
from bonas.report import format_row

if TYPE_CHECKING:
    import optuna

    from bonas.cli.benchmark import SearchBenchmark

__all__ = [
    "DEFAULT_OUT",
    "out_dir",
    "output_folder",
    "output_options",
    "prepare_out",
    "write_outputs",
]

#: The folder that holds one folder of files per study when ``--out`` is not given.
DEFAULT_OUT = "bonas-out"


def output_options(parser: argparse.ArgumentParser) -> None:
    """``--out`` and ``--json``."""
    parser.add_argument(
        "--out",
        default=None,
        help=f"folder of the files written (default: {DEFAULT_OUT}/STUDY-NAME)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object to stdout instead of the summary (files are still written)",
    )


def out_dir(given: str | None, study_name: str) -> Path:
    """``--out``, or :data:`DEFAULT_OUT`/the study name (made safe as a folder name)."""
    if given is not None:
        return Path(given)
    return Path(DEFAULT_OUT) / (re.sub(r"[^A-Za-z0-9._-]+", "_", study_name) or "study")


def prepare_out(out: Path) -> None:
    """Create ``out`` and check that a file can be written in it.

    Raises:
        UsageError: if it cannot be.
    """
    import tempfile

    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".bonas-write-test-"):
            pass
    except OSError as err:
        raise UsageError(
            f"cannot write to the output folder {str(out)!r} ({err.strerror or err}); pass "
            "--out a folder you can write to"
        ) from None


@contextlib.contextmanager
def output_folder(out: Path) -> Iterator[Path]:
    """``out``, made ready by :func:`prepare_out`, for the block; if the block raises, the
    folders this call created are removed again where they are still empty.

    So a run that fails before it writes anything (a storage that does not open, a missing
    table) leaves no empty ``bonas-out/<study>/`` behind; a folder that was there before, or
    that holds a file (``bonas.log``), is kept.
    """
    created: list[Path] = []
    folder = out.absolute()
    while not folder.exists() and folder != folder.parent:
        created.append(folder)  # deepest first
        folder = folder.parent
    try:
        prepare_out(out)
        yield out
    except BaseException:
        for folder in created:
            try:
                folder.rmdir()  # only an empty folder
            except OSError:
                break  # it holds something now: keep it and the folders above it
        raise


def write_outputs(
    benchmark: SearchBenchmark,
    study: optuna.Study,
    spec: Mapping[str, Any],
    out: Path,
    *,
    command: str,
    storage: str,
    requested_trials: int | None,
    wall_time_s: float | None,
    as_json: bool,
    quiet: bool = False,
    logged: int = 0,
    html: bool = False,
) -> None:
    """Summarize ``study`` with the command that made it, write its files to ``out``, and
    print the summary (or, with ``as_json``, the JSON object of ``summary.json``).

    Args:
        benchmark: The search command that made the study.
        study: The study.
        spec: Its spec.
        out: The output folder (:func:`prepare_out` checked it).
        command: The command writing the files, as in ``summary.json``: ``"search nb201"``,
            ``"report"``.
        storage: The storage URL with its password masked.
        requested_trials: ``--trials`` of a search (``None`` for a report).
        wall_time_s: How long this run's trials took (``None`` if it ran none).
        as_json: Print the JSON object instead of the summary.
        quiet: Print nothing (the files are still written).
        logged: Warnings this run wrote to ``bonas.log`` (a line on stderr says so).
        html: Also write ``report.html`` (:mod:`bonas.cli.html`): one self-contained page with
            the figure, the best cells and the explanation of each objective.
    """
    record = StudyRecord(study, spec, study.get_trials(deepcopy=False))
    report = benchmark.summarize(record, wall_time_s=wall_time_s)
    csv = benchmark.write_trials(record, out / "trials.csv")
    files: dict[str, str | None] = {"csv": str(csv)}
    try:
        files["plot"] = str(benchmark.plot(record, out / benchmark.plot_name(spec)))
    except MissingDependencyError as err:
        files["plot"] = None
        to_stderr(f"bonas {command}: warning: {first_line(err)}; no plot written\n")
    try:
        if draw_best_cells(study, record.trials, spec, out):
            files["cells"] = str(out / CELLS_DIR)
    except MissingDependencyError as err:
        to_stderr(f"bonas {command}: warning: {first_line(err)}; no cells drawn\n")
    if html:
        files["html"] = str(_write_html(study, spec, out, report.text, files.get("plot")))
    files["summary"] = str(out / "summary.json")
    result = {
        "command": command,
        "storage": storage,
        "requested_trials": requested_trials,
        **report.data,
        "files": files,
    }
    (out / "summary.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    if as_json:
        to_stdout(json.dumps(result) + "\n")
    elif not quiet:
        written = ", ".join(Path(f).name for f in files.values() if f)
        to_stdout(report.text + format_row("files", f"{out}/ ({written})"))
    if logged and not quiet:
        to_stderr(
            f"bonas {command}: {logged} warning(s) from the sampler and libraries are in "
            f"{out / 'bonas.log'}\n"
        )


def _write_html(
    study: optuna.Study, spec: Mapping[str, Any], out: Path, summary: str, plot: str | None
) -> Path:
    """``report.html``; where the study cannot be explained (too few trials), the page says
    why instead."""
    from bonas.cli.html import write_html
    from bonas.cli.insight import best_cells, explain_study, space_of

    trials = study.get_trials(deepcopy=False)
    explanations = []
    error = None
    try:
        explanations = explain_study(study, spec, range(len(study.directions)))
    except BonasError as err:
        error = first_line(err)
    try:
        cells = best_cells(study, trials, space_of(spec))
    except BonasError:
        cells = []
    return write_html(
        out,
        study=study,
        spec=spec,
        summary=summary,
        plot=Path(plot) if plot else None,
        cells=cells,
        explanations=explanations,
        explain_error=error,
    )
