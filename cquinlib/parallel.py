"""Spread work over the machine's cores with forked workers that inherit read-only state."""

from __future__ import annotations

import multiprocessing
import os
from typing import Any, Callable, Optional, Sequence, TypeVar

S = TypeVar("S")
T = TypeVar("T")
R = TypeVar("R")

# Set by the parent just before it forks and cleared right after. Forked workers see a copy, so the catalog,
# the templates and cached blobs reach them without being pickled; nothing else reads or writes it.
_INHERITED: dict[str, Any] = {}


def worker_count() -> int:
    """Cores this process may use (the build machine has two)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def run_parallel(fn: Callable[[S, T], R], state: S, items: Sequence[T], min_items: int = 64,
                 workers: int | None = None, progress: Optional[Callable[[int, int], None]] = None) -> list[R]:
    """fn(state, item) for every item, in order; in this process when the batch is small or fork is missing."""
    count = workers or worker_count()
    if count < 2 or len(items) < min_items or "fork" not in multiprocessing.get_all_start_methods():
        return _report([fn(state, item) for item in items], progress)
    _INHERITED.update(fn=fn, state=state)
    try:
        with multiprocessing.get_context("fork").Pool(count) as pool:
            results = []
            for result in pool.imap(_call, items, chunksize=max(1, len(items) // (count * 16))):
                results.append(result)
                if progress is not None and len(results) % 50 == 0:
                    progress(len(results), len(items))
            return _report(results, progress)
    finally:
        _INHERITED.clear()


def _report(results: list[R], progress: Optional[Callable[[int, int], None]]) -> list[R]:
    """Tell progress the batch is complete, and pass the results on."""
    if progress is not None:
        progress(len(results), len(results))
    return results


def _call(item: Any) -> Any:
    """Run the inherited function on one item, inside a worker."""
    return _INHERITED["fn"](_INHERITED["state"], item)
