"""The progress bar of ``bonas search`` (``bonas.cli.progress``), drawn into a string with a
fake clock; test_search.py sees it drawn on a real terminal."""

from __future__ import annotations

import io

from bonas.cli.progress import ProgressBar


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_progress_bar_line_shows_count_best_regret_rate_and_eta() -> None:
    stream, clock = io.StringIO(), FakeClock()
    bar = ProgressBar(100, initial=20, stream=stream, width=120, clock=clock)
    assert "20/100" in bar.render()
    assert "ETA ?" in bar.render()
    clock.now = 10.0
    bar.update(40, 91.234, 0.3726)
    line = stream.getvalue().rsplit("\r", 1)[1]
    assert line.startswith(" 40/100 |")
    assert "best 91.23%" in line
    assert "regret 0.373" in line
    assert "2.00 trials/s" in line
    assert "ETA 0:30" in line
    bar.close()
    assert stream.getvalue().endswith("\n")


def test_progress_bar_fits_narrow_terminals_and_can_be_disabled() -> None:
    stream = io.StringIO()
    bar = ProgressBar(10, stream=stream, width=30, clock=FakeClock())
    bar.update(3, 90.0, 1.0)
    assert all(len(line.replace("\x1b[K", "")) < 30 for line in stream.getvalue().split("\r"))
    quiet = io.StringIO()
    off = ProgressBar(10, stream=quiet, enabled=False)
    off.update(3, 90.0, 1.0)
    off.close()
    assert quiet.getvalue() == ""
