"""Run a whole command and measure its wall time and the peak memory of its process tree."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Measurement:
    """Seconds and peak MiB of one run."""

    seconds: float
    peak_mib: float


def _children(pid: int) -> list[int]:
    """Direct children of a process, from /proc."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _pss_bytes(pid: int) -> int:
    """Proportional resident memory of one process: pages shared with its forked workers count once across
    the tree, where plain RSS would count them in every process (0 once it has gone)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def tree_memory(pid: int) -> int:
    """Memory of a process and all its descendants, summed."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        total += _pss_bytes(current)
        stack.extend(_children(current))
    return total


def run(command: Sequence[str], cwd: Path | None = None, env: dict[str, str] | None = None,
        interval: float = 0.01, sample: bool = True) -> Measurement:
    """Run command to completion; raise if it fails. With sample, read the tree's memory every interval
    (peak in the result); without, only time it: reading smaps_rollup costs CPU, which slows what it watches."""
    started = time.perf_counter()
    proc = subprocess.Popen(list(command), cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while sample and proc.poll() is None:
        peak = max(peak, tree_memory(proc.pid))
        time.sleep(interval)
    _, errors = proc.communicate()
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({proc.returncode}): {errors.decode()[-2000:]}")
    return Measurement(seconds, peak / 1048576)


def median_run(command: Sequence[str], repeat: int = 3, **kwargs: object) -> Measurement:
    """Median time and peak memory over several runs."""
    runs = sorted((run(command, **kwargs) for _ in range(repeat)), key=lambda m: m.seconds)  # type: ignore[arg-type]
    return Measurement(runs[len(runs) // 2].seconds, max(m.peak_mib for m in runs))
