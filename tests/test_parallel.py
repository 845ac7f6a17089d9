"""Work spread over forked workers and this process: order, errors and lost workers."""

from __future__ import annotations

import os
import time

import pytest

from cquinlib.core.parallel import iter_parallel, run_parallel


def square_and_where(parent: int, item: int) -> tuple[int, bool]:
    """The item squared, and whether it was made in a forked worker (slowly enough that both get some)."""
    time.sleep(0.002)
    return item * item, os.getpid() != parent


def fail_on_seven(_: None, item: int) -> int:
    """Raise on item 7, wherever it runs."""
    if item == 7:
        raise ValueError("item 7 is bad")
    return item


def die_in_worker(parent: int, item: int) -> int:
    """End a forked worker without a word (as a crash or the OOM killer would); fine in this process."""
    if os.getpid() != parent:
        os._exit(3)
    time.sleep(0.002)  # slow enough that the worker claims a chunk before this process has taken them all
    return item


def test_results_come_in_order_from_both_processes() -> None:
    """Every result arrives, in the items' order, and both this process and a worker made some."""
    items = list(range(300))
    results = run_parallel(square_and_where, os.getpid(), items, min_items=1, workers=2)
    assert [value for value, _ in results] == [i * i for i in items]
    assert {in_worker for _, in_worker in results} == {True, False}


def test_small_batches_stay_in_this_process() -> None:
    """Below min_items nothing is forked."""
    results = run_parallel(square_and_where, os.getpid(), list(range(10)), min_items=64, workers=2)
    assert [in_worker for _, in_worker in results] == [False] * 10


def test_progress_counts_every_item() -> None:
    """The progress callback ends at the total."""
    seen: list[tuple[int, int]] = []
    list(iter_parallel(square_and_where, os.getpid(), list(range(120)), min_items=1, workers=2,
                       progress=lambda done, total: seen.append((done, total))))
    assert seen[-1] == (120, 120)


def test_an_error_reaches_the_caller_with_its_type() -> None:
    """An exception in any item is raised to the caller as itself."""
    with pytest.raises(ValueError, match="item 7 is bad"):
        run_parallel(fail_on_seven, None, list(range(300)), min_items=1, workers=2)


def test_a_worker_that_dies_is_an_error_not_a_hang() -> None:
    """A worker that exits part way is reported; the caller does not wait for ever."""
    with pytest.raises(RuntimeError, match="stopped unexpectedly"):
        run_parallel(die_in_worker, os.getpid(), list(range(300)), min_items=1, workers=2)
