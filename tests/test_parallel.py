"""Work spread over forked workers and this process: order, errors and lost workers."""

from __future__ import annotations

import os
import time

import pytest

from cquinlib.core.parallel import in_background, iter_parallel, run_parallel


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


def pid_and_sum(values: list[int]) -> tuple[int, int]:
    """This process's id and the sum of values (given by fork, never pickled)."""
    return os.getpid(), sum(values)


def raise_lookup(message: str) -> None:
    """Fail with a LookupError."""
    raise LookupError(message)


def test_a_background_call_runs_in_another_process_and_returns_its_result() -> None:
    """in_background runs the call in a forked process while this one goes on, and hands back its result."""
    values = list(range(1000))
    running = in_background(pid_and_sum, values)
    pid, total = running.result()
    assert pid != os.getpid() and total == sum(values)
    assert running.result() == (pid, total)  # asked again, the same result, with no process left to wait for


def test_a_background_error_is_raised_to_the_caller_with_its_type() -> None:
    """An exception in the background call is raised by result() as itself."""
    with pytest.raises(LookupError, match="not held"):
        in_background(raise_lookup, "not held").result()


def test_a_background_call_can_be_cancelled() -> None:
    """cancel() ends a call still running, at once, and reaps its process."""
    running = in_background(time.sleep, 30)
    started = time.monotonic()
    running.cancel()
    assert time.monotonic() - started < 5
