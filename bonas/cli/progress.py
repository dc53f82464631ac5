"""A one-line progress bar for ``bonas search``, redrawn in place with a carriage return.

No dependency: the bar is a line of text on a terminal (stderr), rewritten after every trial
from an Optuna callback. Log records that must reach the terminal while it is shown go through
:meth:`ProgressBar.clear` first, so they do not end up glued to the bar.
"""

from __future__ import annotations

import math
import shutil
import time
from collections.abc import Callable
from typing import TextIO

from bonas.report import format_duration

__all__ = ["ProgressBar"]


class ProgressBar:
    """Trials done of the total, best accuracy so far, its regret, rate and ETA on one line.

    Args:
        total: The trials the study should have when the run ends.
        initial: The trials it already had (a resumed run); the rate and the ETA count only
            the trials of this run.
        stream: Where to draw (a terminal).
        enabled: Draw at all; when ``False`` every method does nothing.
        width: Columns of the line; default: the terminal's width.
        clock: A monotonic clock in seconds (tests pass a fake one).
        unit: What is counted, for the rate (``"trials"``; ``"runs"`` for
            ``bonas evaluate-surrogates``).
    """

    def __init__(
        self,
        total: int,
        *,
        initial: int = 0,
        stream: TextIO,
        enabled: bool = True,
        width: int | None = None,
        clock: Callable[[], float] | None = None,
        unit: str = "trials",
    ) -> None:
        self.total = total
        self.unit = unit
        self.initial = initial
        self.done = initial
        self.best: float | None = None
        self.regret: float | None = None
        self.note = ""
        self.stream = stream
        self.enabled = enabled
        self._width = width
        self._clock: Callable[[], float] = clock or time.perf_counter
        self._start = self._clock()
        self._shown = False
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        self._fill, self._empty = ("█", "·") if encoding.startswith("utf") else ("#", "-")

    def update(
        self, done: int, best: float | None = None, regret: float | None = None, *, note: str = ""
    ) -> None:
        """Record the new state and redraw."""
        self.done = done
        if best is not None:
            self.best, self.regret = best, regret
        self.note = note
        self.draw()

    def render(self) -> str:
        """The line as it would be drawn now (without the carriage return)."""
        width = self._width or shutil.get_terminal_size((80, 24)).columns
        elapsed = self._clock() - self._start
        ran = self.done - self.initial
        rate = ran / elapsed if elapsed > 0 and ran > 0 else math.nan
        left = max(self.total - self.done, 0)
        eta = left / rate if rate > 0 else math.nan
        count = f"{self.done:>{len(str(self.total))}}/{self.total}"
        parts = []
        if self.best is not None:
            parts.append(f"best {self.best:.2f}%")
        if self.regret is not None:
            parts.append(f"regret {self.regret:.3f}")
        parts.append(f"{rate:.2f} {self.unit}/s" if math.isfinite(rate) else f"- {self.unit}/s")
        parts.append(f"ETA {format_duration(eta, clock=True)}")
        if self.note:
            parts.append(self.note)
        tail = "  ".join(parts)
        bar_width = min(30, width - len(count) - len(tail) - 6)
        if bar_width >= 5:
            filled = int(bar_width * min(self.done / self.total, 1.0)) if self.total else bar_width
            bar = self._fill * filled + self._empty * (bar_width - filled)
            line = f"{count} |{bar}| {tail}"
        else:
            line = f"{count} {tail}"
        return line[: max(width - 1, 1)]

    def draw(self) -> None:
        """Rewrite the line in place."""
        if not self.enabled:
            return
        self.stream.write("\r" + self.render() + "\x1b[K")
        self.stream.flush()
        self._shown = True

    def clear(self) -> None:
        """Erase the line (before other output); the next :meth:`draw` brings it back."""
        if self.enabled and self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = False

    def close(self) -> None:
        """Leave the last state on screen and move to the next line."""
        if self.enabled and self._shown:
            self.draw()
            self.stream.write("\n")
            self.stream.flush()
            self._shown = False
