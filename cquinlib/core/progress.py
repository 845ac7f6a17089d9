"""A progress line on a terminal, for builds long enough to need one; silent otherwise."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Callable, Optional, TextIO

# Short builds finish before a bar would help; only stages still running after this show one.
SHOW_AFTER_SECONDS = 1.5
WIDTH = 30

Tick = Callable[[int, int], None]


@dataclass
class Progress:
    """Draws `stage [#####     ] done/total` on one line of a terminal."""

    enabled: bool = False
    stream: TextIO = field(default_factory=lambda: sys.stderr)
    started: float = field(default_factory=time.perf_counter)
    _drawn: bool = False

    def stage(self, name: str) -> Optional[Tick]:
        """A callback for one stage's progress, or None when progress is off."""
        if not self.enabled:
            return None

        def tick(done: int, total: int) -> None:
            """Redraw the line for this stage."""
            if time.perf_counter() - self.started < SHOW_AFTER_SECONDS or total <= 0:
                return
            filled = WIDTH * done // total
            self.stream.write(f"\r{name:<12} [{'#' * filled}{' ' * (WIDTH - filled)}] {done}/{total}")
            self.stream.flush()
            self._drawn = True

        return tick

    def done(self) -> None:
        """Clear the line so the summary starts clean."""
        if self._drawn:
            self.stream.write("\r" + " " * (WIDTH + 40) + "\r")
            self.stream.flush()
            self._drawn = False
