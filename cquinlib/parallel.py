"""Spread work over the machine's cores with forked workers that inherit read-only state."""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
from typing import Any, Callable, Iterator, Optional, Sequence, TypeVar

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
    """fn(state, item) for every item, in order, as a list."""
    return list(iter_parallel(fn, state, items, min_items, workers, progress))


def iter_parallel(fn: Callable[[S, T], R], state: S, items: Sequence[T], min_items: int = 64,
                  workers: int | None = None, progress: Optional[Callable[[int, int], None]] = None) -> Iterator[R]:
    """fn(state, item) for every item, yielded in order as workers finish them, so the caller can consume
    (write) results while later ones are still being made; in this process when the batch is small."""
    count = workers or worker_count()
    if count < 2 or len(items) < min_items or "fork" not in multiprocessing.get_all_start_methods():
        results: Iterator[R] = (fn(state, item) for item in items)
        yield from _counted(results, len(items), progress)
        return
    _INHERITED.update(fn=fn, state=state)
    try:
        _freeze_for_fork()
        with multiprocessing.get_context("fork").Pool(count, initializer=gc.enable) as pool:
            gc.unfreeze()  # the workers are forked: this process collects as usual again
            _INHERITED.clear()
            chunk = max(1, min(64, len(items) // (count * 16)))
            yield from _counted(pool.imap(_call, items, chunksize=chunk), len(items), progress)
    finally:
        _INHERITED.clear()


def _freeze_for_fork() -> None:
    """Move every object alive now out of the garbage collector's sight before forking (the parent unfreezes
    them once the fork is done, so a long-running dev server still collects its old cycles).

    A collection in a forked worker would otherwise visit every object it inherited and write to each one's
    header, copying every page of the parent's heap into the worker (copy-on-write): on a large library that
    is hundreds of megabytes per worker. Frozen objects are still freed by reference counting.
    """
    gc.freeze()


def _counted(results: Iterator[R], total: int, progress: Optional[Callable[[int, int], None]]) -> Iterator[R]:
    """Pass results on, telling progress how many are done."""
    done = 0
    for result in results:
        done += 1
        if progress is not None and (done % 50 == 0 or done == total):
            progress(done, total)
        yield result


def _call(item: Any) -> Any:
    """Run the inherited function on one item, inside a worker."""
    return _INHERITED["fn"](_INHERITED["state"], item)


def in_background(fn: Callable[..., R], *args: Any) -> Callable[[bool], Optional[R]]:
    """Start fn(*args) in a forked process while this one goes on; the returned function waits for it and
    gives its result or raises its error (or, told quiet, waits and gives None whatever happened)."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return finished(fn(*args))
    context = multiprocessing.get_context("fork")
    _freeze_for_fork()
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_run_and_send, args=(send, fn, args), daemon=True)
    process.start()
    gc.unfreeze()
    send.close()

    def wait(quiet: bool = False) -> Optional[R]:
        """The background call's result, once it has finished."""
        try:
            ok, value = receive.recv()
        except EOFError:
            ok, value = False, RuntimeError(f"the background {getattr(fn, '__name__', 'task')} stopped unexpectedly")
        finally:
            process.join()
            receive.close()
        if quiet:
            return None
        if not ok:
            raise value
        return value  # type: ignore[no-any-return]

    return wait


def finished(result: R) -> Callable[[bool], Optional[R]]:
    """A wait function, as in_background returns, for a result that is already at hand."""
    def done(quiet: bool = False) -> Optional[R]:
        """The result, computed already."""
        return None if quiet else result
    return done


def _run_and_send(send: Any, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    """Inside the background process: run, then send back (True, result) or (False, error)."""
    gc.enable()  # the parent pauses its collector during a build; this process collects its own garbage
    try:
        outcome: tuple[bool, Any] = (True, fn(*args))
    except BaseException as error:  # noqa: BLE001 - every failure goes back to the parent, which raises it
        outcome = (False, error if _picklable(error) else RuntimeError(f"{type(error).__name__}: {error}"))
    send.send(outcome)
    send.close()


def _picklable(value: Any) -> bool:
    """Whether a value survives pickling (an exception must, to cross back to the parent)."""
    try:
        pickle.loads(pickle.dumps(value))
        return True
    except Exception:  # noqa: BLE001 - anything that fails to round-trip is not picklable
        return False
